"""``ocean resync --api URL``: trigger resyncs on a running ``ocean sail`` and follow them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ocean_core.errors import ConfigError
from ocean_core.results import ResyncResult

FINAL = ("succeeded", "failed", "aborted", "interrupted")


class RemoteResync:
    """A small client of the service's API, enough for the CLI (the SDK is the full one)."""

    def __init__(self, url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=75.0)

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigError.single("--api", f"cannot reach {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise ConfigError.single(
                "--api", f"{method} {path} answered {response.status_code}: {_detail(response)}"
            )
        return response.json()

    def integration_ids(self) -> list[str]:
        return [item["id"] for item in self._call("GET", "/api/integrations")]

    def trigger(self, integration_id: str) -> dict[str, Any]:
        path = f"/api/integrations/{integration_id}/resync"
        handle: dict[str, Any] = self._call("POST", path, json={"trigger": "cli"})
        return handle

    def follow(
        self, handle: dict[str, Any], on_progress: Callable[[ResyncResult | None], None]
    ) -> ResyncResult:
        """Wait for the run to end (following ``superseded_by``) and return its record."""
        integration_id, run_id = handle["integration_id"], handle["run_id"]
        while True:
            path = f"/api/integrations/{integration_id}/resyncs/{run_id}"
            # Short waits keep the progress display live; the server answers at the end.
            handle = self._call("GET", path, params={"wait": 0.5})
            if handle["status"] == "superseded":
                run_id = handle["superseded_by"]
                continue
            record = ResyncResult.model_validate(handle["run"]) if handle["run"] else None
            if handle["status"] in FINAL and record is not None:
                return record
            on_progress(record)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):
        return "; ".join(f"{d.get('field') or d.get('loc')}: {d.get('msg')}" for d in detail)
    return str(detail)
