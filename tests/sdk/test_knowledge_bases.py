"""``KnowledgeBase`` of ``ocean_core.sdk.aio`` against the real app, in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_core import Entity
from ocean_core.sdk import Conflict, KbIntegration, KbIntegrationNotFound, NotFound
from ocean_core.sdk import _calls as calls
from ocean_core.sdk.aio import Integration, KnowledgeBase
from tests.sdk.support import box, serving, write_config

pytestmark = pytest.mark.anyio


async def test_new_get_list_and_delete(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"))
    async with serving(config) as served:
        made = await KnowledgeBase.new(name="Docs", client=served.client)
        named = await KnowledgeBase.new(name="Named", id="kb-named", client=served.client)
        got = await KnowledgeBase.get("kb-named", client=served.client)
        listed = await KnowledgeBase.list(client=served.client)
        await made.delete()
        after = await KnowledgeBase.list(client=served.client)
        with pytest.raises(NotFound) as caught:
            await KnowledgeBase.get(made.id, client=served.client)
    assert made.name == "Docs" and made.id and made.created_at is not None
    assert (named.id, got.id, got.name, got.integration_ids) == (
        "kb-named", "kb-named", "Named", [])
    assert [kb.id for kb in listed] == [made.id, "kb-named"]
    assert [kb.id for kb in after] == ["kb-named"]
    assert caught.value.what == "knowledge base" and caught.value.key == made.id
    assert repr(got) == "KnowledgeBase(id='kb-named', name='Named')"


async def test_a_taken_id_is_a_conflict(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"))
    async with serving(config) as served:
        await KnowledgeBase.new(name="One", id="kb1", client=served.client)
        with pytest.raises(Conflict) as caught:
            await KnowledgeBase.new(name="Two", id="kb1", client=served.client)
    assert caught.value.status == 409
    assert str(caught.value).startswith("POST /api/knowledge-bases failed with 409: ")
    assert "kb1" in caught.value.detail


async def test_attach_is_idempotent_and_detach_keeps_the_integration(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"), box("box-b"))
    async with serving(config) as served:
        await served.idle("box-a", "box-b")
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        first = await kb.attach("box-b")
        again = await kb.attach("box-b")
        await kb.attach("box-a")
        attached = await kb.integrations()
        await kb.refresh()
        ids_after_attach = kb.integration_ids
        await kb.detach("box-b")
        left = await kb.integrations()
        with pytest.raises(NotFound):
            await kb.detach("box-b")
        with pytest.raises(NotFound):
            await kb.attach("nope")
        still = await Integration.get("box-b", client=served.client)
    assert isinstance(first, KbIntegration) and first.integration_id == "box-b"
    assert again.attached_at == first.attached_at
    assert [a.integration_id for a in attached] == ["box-b", "box-a"]
    assert attached[0].state is not None and attached[0].state.type == "Box"
    assert ids_after_attach == ["box-b", "box-a"]
    assert [a.integration_id for a in left] == ["box-a"]
    assert still.object_id == "box-b"


async def test_resync_integration_triggers_the_attached_integration(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served:
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        await kb.attach("box-a")
        served.requests.clear()
        run = await kb.resync_integration("box-a")
        sent = list(served.requests)
        await run.wait(timeout=20)
    assert sent == ["GET /api/knowledge-bases/kb1/integrations",
                    "POST /api/knowledge-bases/kb1/integrations/box-a/resync"]
    assert run.succeeded and run.record is not None and run.record.trigger == "kb"


async def test_an_unattached_id_raises_before_any_resync_request(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"), box("box-b"))
    async with serving(config) as served:
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        served.requests.clear()
        with pytest.raises(KbIntegrationNotFound) as empty:
            await kb.resync_integration("x")
        await kb.attach("box-a")
        await kb.attach("box-b")
        with pytest.raises(KbIntegrationNotFound) as some:
            await kb.resync_integration("not-a-real-integration-id")
    assert not any(r.endswith("/resync") for r in served.requests)
    error = empty.value
    assert isinstance(error, NotFound)
    assert (error.integration_id, error.knowledge_base_id, error.available) == ("x", "kb1", [])
    assert str(error) == ("integration 'x' is not attached to knowledge base 'kb1' "
                          "(attached: none); checked before "
                          "POST /api/knowledge-bases/kb1/integrations/x/resync")
    assert some.value.available == ["box-a", "box-b"]
    assert "(attached: 'box-a', 'box-b')" in str(some.value)


async def test_the_servers_404_for_a_kb_resync_is_kb_integration_not_found(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, box("box-a"))
    async with serving(config) as served:
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        await kb.attach("box-a")
        with pytest.raises(KbIntegrationNotFound) as caught:
            await served.client.send(calls.kb_resync("kb1", "box-z"))
    error = caught.value
    assert (error.integration_id, error.knowledge_base_id, error.available) == (
        "box-z", "kb1", ["box-a"])
    assert error.body["error"] == "not_found" and error.status == 404
    assert str(error).startswith(
        "integration 'box-z' is not attached to knowledge base 'kb1' (attached: 'box-a'); "
        "POST /api/knowledge-bases/kb1/integrations/box-z/resync")


async def test_entities_iterate_every_page_with_filters(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", files=5), box("box-b", files=2),
                          box("box-c", files=1))
    async with serving(config) as served:
        await served.idle("box-a", "box-b", "box-c")
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        await kb.attach("box-a")
        await kb.attach("box-b")
        served.requests.clear()
        every = [e async for e in kb.entities(page_size=2)]
        pages = len(served.requests)
        searched = [e async for e in kb.entities(q="report 1", blueprint="file", kind="file")]
        only_b = [e async for e in kb.entities(integration="box-b")]
        with pytest.raises(KbIntegrationNotFound):
            [e async for e in kb.entities(integration="box-c")]
    assert all(isinstance(e, Entity) for e in every)
    assert [(e.integration_id, e.identifier) for e in every] == [
        *(("box-a", f"file-{n}") for n in range(5)), ("box-b", "file-0"), ("box-b", "file-1"),
    ]
    assert pages == 4
    assert every[1].title == "Report 1" and every[1].properties == {"size": 10}
    assert every[1].kind == "file" and every[1].blueprint == "file"
    assert [(e.integration_id, e.identifier) for e in searched] == [
        ("box-a", "file-1"), ("box-b", "file-1")]
    assert [e.identifier for e in only_b] == ["file-0", "file-1"]


async def test_deleting_a_kb_deletes_no_entity_and_no_integration(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", files=3))
    async with serving(config) as served:
        await served.idle("box-a")
        kb = await KnowledgeBase.new(name="Docs", id="kb1", client=served.client)
        await kb.attach("box-a")
        before = [e.identifier async for e in kb.entities()]
        await kb.delete()
        integration = await Integration.get("box-a", client=served.client)
        entities = await served.service.catalog.list_entities("box-a", limit=100)
        with pytest.raises(NotFound):
            await KnowledgeBase.get("kb1", client=served.client)
    assert before == ["file-0", "file-1", "file-2"]
    assert integration.object_id == "box-a"
    assert sorted(e.identifier for e in entities) == before
