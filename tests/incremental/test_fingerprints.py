"""What a committed cursor is valid for: the kind's own resources, its cursor expression and
the integration's ``cursor_config()``; anything else may change and keep it."""

from __future__ import annotations

from integrations.fake.integration import FakeIntegration
from integrations.github import GitHubIntegration
from ocean_core.engine._plan import build_plan
from tests.incremental.support import Desk
from tests.support import mapping_for


def _prints(integration: object, mapping: object) -> dict[str, str]:
    plan = build_plan(integration, mapping, None)  # type: ignore[arg-type]
    return {step.spec.name: step.fingerprint for step in plan.steps}


def test_a_kind_keeps_its_fingerprint_when_another_kinds_mapping_changes() -> None:
    source = Desk({"a": [], "b": []})
    before = _prints(source, mapping_for("a", "b"))
    changed = mapping_for("a", "b")
    changed["resources"][0]["selector"]["query"] = ".value > 1"

    after = _prints(source, changed)

    assert after["a"] != before["a"] and after["b"] == before["b"]


def test_the_cursor_expression_is_part_of_the_fingerprint() -> None:
    before = _prints(Desk({"a": []}), mapping_for("a"))
    after = _prints(Desk({"a": []}, cursor={"a": ".value"}), mapping_for("a"))
    assert before["a"] != after["a"]


def test_pacing_settings_change_how_not_what_and_keep_the_cursors() -> None:
    slow = GitHubIntegration({"org": "acme", "requests_per_second": 5, "token": "ghp_old"})
    fast = GitHubIntegration({"org": "acme", "requests_per_second": 50, "max_concurrency": 8,
                              "page_size": 30, "token": "ghp_rotated"})
    other = GitHubIntegration({"org": "acme", "state": "all", "token": "ghp_old"})
    assert slow.cursor_config() == fast.cursor_config() != other.cursor_config()
    assert _prints(slow, None)["issue"] == _prints(fast, None)["issue"]
    assert _prints(slow, None)["issue"] != _prints(other, None)["issue"]


def test_the_fakes_revision_is_the_sources_change_not_its_config() -> None:
    base = {"kinds": {"svc": 3}, "incremental": True}
    assert _prints(FakeIntegration(base), None) == _prints(
        FakeIntegration({**base, "revision": 2, "changed": {"svc": 1}, "latency": 0.1}), None)
    assert _prints(FakeIntegration(base), None) != _prints(
        FakeIntegration({**base, "kinds": {"svc": 4}}), None)
