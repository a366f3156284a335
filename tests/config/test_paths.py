"""Relative paths in an integration's config are relative to the config file's folder, as the
catalog and mapping files are, whatever the working directory; ``${OCEAN_CONFIG_DIR}`` names
that folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from integrations.git import GitConfig
from integrations.packages import PackagesConfig
from ocean_core._paths import resolve_paths
from ocean_core.assembly import build_ocean
from ocean_core.catalog import MemoryCatalog
from ocean_core.config import IntegrationSettings, load_config
from ocean_core.errors import ConfigError
from tests.config._pathy import PATHY, PathyConfig


@pytest.fixture
def conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config file's folder; the working directory is another one."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    (tmp_path / "conf").mkdir()
    return tmp_path / "conf"


def _config(conf: Path, *items: dict[str, Any]) -> Path:
    path = conf / "ocean.yaml"
    path.write_text(yaml.safe_dump({"catalog": "memory://", "integrations": list(items)}),
                    encoding="utf-8")
    return path


async def _identifiers(path: Path, index: int = 0) -> list[str]:
    loaded = load_config(path)
    catalog = MemoryCatalog()
    result = await build_ocean(loaded, index, catalog).resync()
    assert result.status.value == "succeeded", result
    return sorted(e.identifier for e in await catalog.list_entities())


def test_a_relative_file_path_is_relative_to_the_config_file(conf: Path) -> None:
    (conf / "data").mkdir()
    (conf / "data" / "lines.txt").write_text("a b c", encoding="utf-8")
    path = _config(conf, {"id": "p", "type": PATHY, "config": {"data": "data/lines.txt"}})

    assert anyio.run(_identifiers, path) == ["a", "b", "c"]


def test_ocean_config_dir_names_the_config_files_folder(conf: Path) -> None:
    (conf / "lines.txt").write_text("x y", encoding="utf-8")
    path = _config(conf, {"id": "p", "type": PATHY,
                          "config": {"data": "${OCEAN_CONFIG_DIR}/lines.txt"}})

    assert anyio.run(_identifiers, path) == ["x", "y"]


def test_a_missing_file_is_named_where_the_config_file_points(conf: Path) -> None:
    path = _config(conf, {"id": "p", "type": PATHY, "config": {"data": "absent.txt"}})

    with pytest.raises(ConfigError) as caught:
        build_ocean(load_config(path), 0, MemoryCatalog())

    [problem] = caught.value.problems
    assert problem.field == "integrations[0].config.data"
    assert problem.message.startswith("Path does not point to a file (got")
    assert problem.message.endswith(f'{Path("conf") / "absent.txt"}")')


def test_the_packages_integration_reads_a_relative_site_folder(conf: Path) -> None:
    dist = conf / "site" / "demo_pkg-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\n",
                                   encoding="utf-8")
    path = _config(conf, {"id": "pk", "type": "packages", "config": {"paths": ["site"]}})

    assert anyio.run(_identifiers, path) == ["demo-pkg"]


@pytest.mark.parametrize(("model", "given", "resolved"), [
    (PathyConfig, {"data": "d.txt", "label": "d.txt"}, {"data": "/c/d.txt", "label": "d.txt"}),
    (PathyConfig, {"extra": ["a", "/abs/b", "~/c"], "by_name": {"k": "../k"}},
     {"extra": ["/c/a", "/abs/b", "~/c"], "by_name": {"k": "/c/../k"}}),
    (PathyConfig, {"output": {"folder": "out"}, "unknown": "u"},
     {"output": {"folder": "/c/out"}, "unknown": "u"}),
    (PathyConfig, {"output": None, "extra": "not-a-list"},
     {"output": None, "extra": "not-a-list"}),  # left for the model to refuse
    (GitConfig, {"paths": ["../web", "/srv/api"], "root": "mirrors", "git": "git"},
     {"paths": ["/c/../web", "/srv/api"], "root": "/c/mirrors", "git": "git"}),
    (PackagesConfig, {"paths": ["site"]}, {"paths": ["/c/site"]}),
])
def test_path_fields_are_joined_to_the_folder(
    model: Any, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    assert resolve_paths(model, given, Path("/c")) == resolved


def test_a_config_changed_through_the_api_is_relative_to_the_same_folder(conf: Path) -> None:
    path = _config(conf, {"id": "p", "type": PATHY, "config": {"data": "a.txt"}})
    [item] = load_config(path).settings.integrations

    changed = item.model_copy(update={"config": {"data": "sub/b.txt"}})

    assert changed.config_for(PathyConfig) == {"data": str(conf / "sub" / "b.txt")}
    assert changed.config == {"data": "sub/b.txt"}  # what the API shows is what was given


def test_settings_not_read_from_a_file_are_left_as_given() -> None:
    item = IntegrationSettings(id="p", type=PATHY, config={"data": "a.txt"})

    assert item.config_for(PathyConfig) == {"data": "a.txt"}
