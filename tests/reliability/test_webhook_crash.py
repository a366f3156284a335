"""Crash safety of webhooks: ``ocean sail`` SIGKILLed while signed webhooks arrive, at moments
drawn from a seeded RNG, then started again. Every event answered 202 is in the inbox and
ends handled, and the catalog is what applying the stored events in the order received gives,
as if there had been no crash (events handled twice included).

Events upsert or delete one of a few items, so that their order matters. They are posted to
the API's port, and again to the intake process of ``webhooks.port`` (which then finds sail
gone, answers 503 for what it had not answered, and stops). 4 kills each; ``make soak`` kills
20 times with a random seed (``OCEAN_WEBHOOK_CRASH_SEED`` picks one)."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ocean_core.config import load_config
from ocean_core.service import OceanService
from ocean_core.testing import webhook_path
from tests.reliability._support import SOAK, record, scaled
from tests.service.hooked import hooked, signed
from tests.service.process import SailProcess, free_port, log_message, start_sail
from tests.service.support import write_config

KILLS = scaled(4, 20)
SEED = int(os.environ.get("OCEAN_WEBHOOK_CRASH_SEED")
           or (random.randrange(2**32) if SOAK else 20261204))


def _event(k: int) -> bytes:
    item = k % 5
    if k % 7 == 6:
        return json.dumps({"action": "deleted", "item": {"id": item}}).encode()
    return json.dumps({"action": "upserted", "item": {"id": item, "name": f"v{k}"}}).encode()


class Poster(threading.Thread):
    """Posts events ``first``, ``first + 1``, ... one at a time until the server goes away;
    sets ``enough`` once ``target`` of them were answered 202."""

    def __init__(self, url: str, first: int, target: int) -> None:
        super().__init__(daemon=True)
        self.url, self.next, self.target = url + webhook_path("h", "items"), first, target
        self.acked: list[int] = []
        self.enough = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                body = _event(self.next)
                try:
                    answer = client.post(self.url, content=body, headers=signed(body))
                except httpx.HTTPError:
                    break
                if answer.status_code == 503:  # the intake process found sail gone
                    break
                assert answer.status_code == 202, answer.text
                self.acked.append(answer.json()["event_id"])
                self.next += 1
                if len(self.acked) >= self.target:
                    self.enough.set()
        self.enough.set()


def _stored(path: Path) -> list[tuple[int, bytes, str]]:
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = raw.execute("SELECT id, body, status FROM inbox WHERE integration_id = 'h'"
                           " ORDER BY id").fetchall()
    raw.close()
    return [(int(i), bytes(b), str(s)) for i, b, s in rows]


def _fold(bodies: list[bytes]) -> dict[str, str]:
    items: dict[str, str] = {}
    for body in bodies:
        event: dict[str, Any] = json.loads(body)
        key = str(event["item"]["id"])
        if event["action"] == "deleted":
            items.pop(key, None)
        else:
            items[key] = event["item"]["name"]
    return items


async def _finish(config: Path) -> dict[str, str]:
    """Start the service once more, wait for what is pending, return the catalog's items."""
    async with OceanService(load_config(config)) as service:
        pending = (await service.catalog.inbox_stats("h")).pending
        with anyio.fail_after(60):
            await service.get("h").webhooks.worker.wait_settled(pending)
        found = await service.catalog.list_entities(integration_id="h")
    return {e.identifier: str(e.title) for e in found}


@pytest.mark.parametrize("via", ["api", "intake"])
def test_every_acknowledged_event_is_applied_once_equivalent_after_sigkill(
    tmp_path: Path, via: str,
) -> None:
    rng = random.Random(SEED)
    acked: list[int] = []
    sent = 0
    for _ in range(KILLS):
        port = free_port()  # the killed sail's intake may still be letting go of the last one
        hooks = {"retry_delay": 0, "keep_events": 1_000_000,
                 **({"port": port} if via == "intake" else {})}
        config = write_config(tmp_path, hooked("h", items=0), webhooks=hooks)
        sail: SailProcess = start_sail(config)
        try:
            url = sail.url
            if via == "intake":
                sail.wait_for(log_message("webhooks: intake process"), timeout=20)
                url = f"http://127.0.0.1:{port}"
            poster = Poster(url, sent, rng.randrange(5, 40))
            poster.start()
            assert poster.enough.wait(60)
            time.sleep(rng.uniform(0, 0.02))  # the kill moment itself, drawn from the RNG
            sail.send(signal.SIGKILL)
            poster.join(30)
        finally:
            sail.close()
        acked += poster.acked
        sent = poster.next + 1  # the one in flight at the kill may or may not be stored
    pending_after_kills = sum(1 for _, _, status in _stored(tmp_path / "catalog.db")
                              if status == "pending")
    items = anyio.run(_finish, config)
    stored = _stored(tmp_path / "catalog.db")
    record(f"webhook_crash_{via}", kills=KILLS, seed=SEED, acknowledged=len(acked),
           stored=len(stored), pending_after_kills=pending_after_kills)
    assert set(acked) <= {event_id for event_id, _, _ in stored}
    assert {status for _, _, status in stored} == {"handled"}
    assert items == _fold([body for _, body, _ in stored])
