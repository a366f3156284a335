"""``Ocean.apply`` and ``Ocean.handle_webhook``: a live change goes through a resync's pipeline
(the kind's resources and selectors, validation and item errors, the content hash), on every
catalog; what a handler returns is checked before anything of it is applied."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from ocean_core import (
    ConfigError,
    Entity,
    IntegrationError,
    LiveChange,
    LiveReport,
    Ocean,
    RunnerLockedError,
    WebhookNotFoundError,
    WebhookRequest,
    WebhookResultError,
)
from ocean_core.catalog import Catalog, LiveOutcome
from ocean_core.errors import NotFoundError
from ocean_core.live import WebhookBodyError
from tests.live._source import IID, LiveSource, contents, mapping, svc
from tests.support import WriteCountingMemoryCatalog

pytestmark = pytest.mark.anyio


def runtime(catalog: Catalog, *items: dict[str, Any], selector: str = "true",
            extra: tuple[dict[str, Any], ...] = ()) -> Ocean:
    return Ocean(LiveSource(*items), catalog=catalog, mapping=mapping(selector, *extra),
                 integration_id=IID)


async def test_an_upsert_the_selector_no_longer_selects_removes_its_entity(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog, svc("a"), svc("b"), selector=".archived != true")
    await ocean.resync()
    report = await ocean.apply(LiveChange("svc", upserted=[svc("a", archived=True)]))
    assert await contents(catalog) == {"b": 0}
    change = report.changes[0]
    assert (change.removed_by_selector, change.deleted, change.filtered) == (1, 1, 1)
    assert (change.upserted, change.unchanged, change.errors) == (0, 0, 0)


async def test_an_item_another_resource_of_the_kind_still_maps_to_the_key_stays(
    catalog: Catalog,
) -> None:
    archived = mapping(".archived == true")["resources"][0]
    ocean = runtime(catalog, svc("a"), selector=".archived != true", extra=(archived,))
    await ocean.resync()
    report = await ocean.apply(LiveChange("svc", upserted=[svc("a", 7, archived=True)]))
    assert await contents(catalog) == {"a": 7}
    assert (report.removed_by_selector, report.upserted) == (0, 1)


async def test_a_live_upsert_has_the_hash_of_the_resync_so_either_way_it_is_unchanged(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog, svc("a", 1))
    await ocean.resync()
    report = await ocean.apply(LiveChange("svc", upserted=[svc("a", 1), svc("b", 2)]))
    assert (report.upserted, report.unchanged) == (1, 1)
    record = await ocean.resync()  # the source lists a only: b, made live, goes
    assert (record.kinds["svc"].upserted, record.kinds["svc"].unchanged) == (0, 1)
    assert await contents(catalog) == {"a": 1}


async def test_an_unchanged_live_upsert_writes_no_row() -> None:
    catalog = WriteCountingMemoryCatalog()
    ocean = runtime(catalog, svc("a", 1))
    await ocean.resync()
    before = catalog.writes
    report = await ocean.apply(LiveChange("svc", upserted=[svc("a", 1)]))
    assert report.unchanged == 1
    assert catalog.writes == before
    await ocean.apply(LiveChange("svc", upserted=[svc("a", 2)]))
    assert catalog.writes == before + 1


async def test_a_bad_item_is_an_item_error_and_the_rest_of_the_change_applies(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog, svc("a"))
    await ocean.resync()
    bad = {"id": 42, "name": "x", "value": 1}
    report = await ocean.apply(
        LiveChange("svc", upserted=[svc("b", 1), bad, "not an object"],  # type: ignore[list-item]
                   deleted=[{"id": "a"}, {"name": "no id"}]))
    assert await contents(catalog) == {"b": 1}
    change = report.changes[0]
    assert (change.upserted, change.deleted, change.errors) == (1, 1, 3)
    messages = [detail.message for detail in change.error_details]
    assert messages[0].startswith("mapping resources[0].port.entity.mappings.identifier must be"
                                  " a string, got int 42")
    assert messages[1] == "item must be an object, got str"
    assert "identifier is null" in messages[2]
    assert change.error_details[0].item is not None and "42" in change.error_details[0].item


async def test_a_change_whose_items_all_fail_writes_nothing(catalog: Catalog) -> None:
    ocean = runtime(catalog)
    report = await ocean.apply(LiveChange("svc", upserted=[{"id": None}]))
    assert report.errors == 1 and report.changes[0].live_seq is None
    assert await contents(catalog) == {}


async def test_a_kind_the_mapping_does_not_list_is_ignored(catalog: Catalog) -> None:
    ocean = runtime(catalog)
    report = await ocean.apply(LiveChange("team", upserted=[{"id": "t"}], deleted=[{"id": "u"}]))
    assert report.changes[0].ignored == 2 and report.changes[0].live_seq is None
    assert await catalog.list_entities(IID) == []


async def test_entities_need_no_mapping_and_are_deleted_by_key(catalog: Catalog) -> None:
    ocean = Ocean(LiveSource(), catalog=catalog, integration_id=IID)  # no mapping: entities
    entity = Entity(blueprint="svc", identifier="e", title="E", properties={"value": 3})
    await ocean.apply(LiveChange("svc", upserted=[entity]))
    assert await contents(catalog) == {"e": 3}
    report = await ocean.apply(LiveChange("svc", deleted=[Entity(blueprint="svc",
                                                                 identifier="e")]))
    assert report.deleted == 1 and await contents(catalog) == {}
    refused = await ocean.apply(LiveChange("svc", upserted=[svc("raw")]))
    assert "has no mapping" in refused.error_details[0].message


async def test_changes_apply_in_order_each_reported(catalog: Catalog) -> None:
    ocean = runtime(catalog)
    report = await ocean.apply(
        LiveChange("svc", upserted=[svc("a", 1)]), LiveChange("svc", upserted=[svc("a", 2)]),
        LiveChange("svc", deleted=[{"id": "a"}]), LiveChange("svc", upserted=[svc("a", 4)]))
    assert await contents(catalog) == {"a": 4}
    assert isinstance(report, LiveReport) and report.integration_id == IID
    assert [(c.upserted, c.deleted) for c in report.changes] == [(1, 0), (1, 0), (0, 1), (1, 0)]
    seqs = [c.live_seq for c in report.changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4


class HeldApply:
    """Delegates to ``inner``; the first ``apply_live`` waits for ``go_on`` once ``held``."""

    def __init__(self, inner: Catalog) -> None:
        self.inner = inner
        self.held, self.go_on = anyio.Event(), anyio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def apply_live(self, *args: Any) -> LiveOutcome:
        if not self.held.is_set():
            self.held.set()
            await self.go_on.wait()
        outcome: LiveOutcome = await self.inner.apply_live(*args)
        return outcome


async def test_concurrent_calls_apply_in_the_order_they_came(catalog: Catalog) -> None:
    held = HeldApply(catalog)
    ocean = runtime(held)  # type: ignore[arg-type]
    async with ocean, anyio.create_task_group() as tasks:
        tasks.start_soon(ocean.apply, LiveChange("svc", upserted=[svc("a", 1)]))
        await held.held.wait()  # the first is writing; the second comes now
        tasks.start_soon(ocean.handle_webhook, WebhookRequest.of(
            "svc", b'{"upserted": [{"id": "a", "name": "A", "value": 2}]}'))
        await anyio.wait_all_tasks_blocked()
        held.go_on.set()
    assert await contents(catalog) == {"a": 2}


async def test_apply_outside_async_with_takes_the_runner_lock_for_the_call(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog)
    await ocean.apply(LiveChange("svc", upserted=[svc("a")]))
    async with runtime(catalog) as other:  # the lock was given back
        with pytest.raises(RunnerLockedError):
            await ocean.apply(LiveChange("svc", upserted=[svc("b")]))
        await other.apply(LiveChange("svc", upserted=[svc("c")]))
    assert await contents(catalog) == {"a": 0, "c": 0}


async def test_a_change_of_a_kind_the_integration_lacks_is_refused_before_any_applies(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog)
    with pytest.raises(ConfigError, match="kind 'nope', which the integration does not have"):
        await ocean.apply(LiveChange("svc", upserted=[svc("a")]), LiveChange("nope"))
    with pytest.raises(ConfigError, match=r"change \[0\] must be a LiveChange, got dict"):
        await ocean.apply({"kind": "svc"})  # type: ignore[arg-type]
    assert await contents(catalog) == {}


async def test_an_unknown_webhook_is_a_not_found_error_naming_the_declared_ones(
    catalog: Catalog,
) -> None:
    ocean = runtime(catalog)
    with pytest.raises(WebhookNotFoundError) as raised:
        await ocean.handle_webhook(WebhookRequest.of("nope", b"{}"))
    assert isinstance(raised.value, NotFoundError)
    assert str(raised.value) == (
        f"integration {IID!r} has no webhook 'nope' (declared: svc, junk)")


@pytest.mark.parametrize(("junk", "problem"), [
    ({"upserted": []}, "the handler must return a list of LiveChange, got dict"),
    (None, "the handler must return a list of LiveChange, got NoneType"),
    ([LiveChange("svc", upserted=[svc("a")]), "x"], "change [1] must be a LiveChange, got str"),
    ([LiveChange("repo")], "change [0] is of kind 'repo', which the integration does not have"),
])
async def test_a_handler_returning_something_else_is_an_integration_error_naming_it(
    catalog: Catalog, junk: Any, problem: str,
) -> None:
    ocean = runtime(catalog)
    assert isinstance(ocean.integration, LiveSource)
    ocean.integration.junk = junk
    with pytest.raises(WebhookResultError) as raised:
        await ocean.handle_webhook(WebhookRequest.of("junk", b"{}"))
    assert isinstance(raised.value, IntegrationError)
    assert str(raised.value).startswith(f"webhook 'junk' of integration {IID!r}: {problem}")
    assert await contents(catalog) == {}  # nothing of it applied


async def test_a_handler_s_own_error_propagates_as_it_is(catalog: Catalog) -> None:
    ocean = runtime(catalog)
    with pytest.raises(WebhookBodyError, match="webhook 'svc': the body is not JSON"):
        await ocean.handle_webhook(WebhookRequest.of("svc", b"not json"))
