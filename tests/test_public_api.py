"""The public names stay exported and in step with ``__all__``."""

from __future__ import annotations

import ocean_core
import ocean_core.catalog
import ocean_core.mapping


def test_all_names_exist() -> None:
    for module in (ocean_core, ocean_core.catalog):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == []


def test_contract_names_are_public() -> None:
    contract = {"Integration", "kind", "Ocean", "ResyncStatus", "Entity", "ResyncResult"}
    assert contract <= set(ocean_core.__all__)
    assert {"SQLiteCatalog", "MemoryCatalog", "Catalog"} <= set(ocean_core.catalog.__all__)


def test_every_error_is_an_ocean_error() -> None:
    errors = [getattr(ocean_core, n) for n in ocean_core.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, ocean_core.OceanError) for e in errors)


def test_renamed_names_keep_their_old_name_as_the_same_object() -> None:
    assert {"RunRecord", "ResyncResult", "Selector", "FetchRequest"} <= set(ocean_core.__all__)
    assert ocean_core.ResyncResult is ocean_core.RunRecord
    assert ocean_core.mapping.Selector is ocean_core.Selector


def test_the_rule_9_names_are_public_and_imported_on_first_use() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, ocean_core\n"
        "before = 'ocean_core._deleted' in sys.modules\n"
        "from ocean_core import Deleted, RunMode\n"
        "from ocean_core._deleted import Deleted as D\n"
        "from ocean_core._types import RunMode as M\n"
        "print(before, Deleted is D, RunMode is M, RunMode.INCREMENTAL.value)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["False", "True", "True", "incremental"]
    assert {"Deleted", "RunMode", "DryRunReport"} <= set(ocean_core.__all__)


def test_the_rule_8_names_are_public_and_imported_on_first_use() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, ocean_core\n"
        "before = 'ocean_core.live_report' in sys.modules\n"
        "from ocean_core import LiveReport, LiveChangeReport, WebhookNotFoundError\n"
        "from ocean_core.live_report import LiveReport as R\n"
        "from ocean_core.errors import NotFoundError\n"
        "print(before, LiveReport is R, issubclass(WebhookNotFoundError, NotFoundError))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["False", "True", "True"]
    assert {"LiveChange", "LiveReport", "LiveChangeReport", "WebhookRequest", "webhook",
            "WebhookNotFoundError", "WebhookResultError"} <= set(ocean_core.__all__)
