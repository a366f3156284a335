"""One kind's cursor in one run (rule 9): the ``since`` its fetches start from, and the
highest value of its cursor expression over what it yields.

The cursor is evaluated on every raw item the fetcher yields, whatever the selector then
decides (an item the selector drops still changed), ``Deleted`` items included when they
carry a value. A null value leaves the cursor alone (the item is still written, and counted in
``cursor_nulls``); a value that is neither a number nor a timestamp, or of the other family
than the kind's earlier ones, is an error of the kind, so its cursor is not committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocean_core._cursor_values import (
    CursorValueError,
    Since,
    StoredValue,
    loaded,
    read_value,
    same_family,
    since_from,
    stored,
)
from ocean_core.catalog._types import StoredCursor
from ocean_core.engine._plan import KindStep, ResyncPlan
from ocean_core.engine._prepare import preview
from ocean_core.entity import Entity
from ocean_core.mapping import Expression

Value = int | float | datetime


def _entity_fields(entity: Entity) -> dict[str, Any]:
    """What a cursor expression reads of a yielded ``Entity``: its fields as an object."""
    return {
        "identifier": entity.identifier, "blueprint": entity.blueprint, "title": entity.title,
        "properties": entity.properties, "relations": entity.relations, "team": entity.team,
        "icon": entity.icon,
    }


@dataclass
class KindCursor:
    """The cursor of one kind in one run.

    ``since`` is what its fetcher gets (None: everything) and ``since_value`` the same as the
    record keeps it; ``per_page`` says the value is committed with each page (an ``ordered``
    kind that has one resource in the plan, so no other step of it can still be behind).
    """

    kind: str
    expression: Expression
    fingerprint: str
    since: Since | None = None
    per_page: bool = False
    floor: Value | None = None
    """In an incremental run, the committed cursor its ``since`` came from: only a value above
    it is committed (items that come again inside the lag never move the cursor back)."""
    highest: Value | None = None
    nulls: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(message, item preview) of the items observed since the last ``take_errors``."""

    @property
    def since_value(self) -> StoredValue | None:
        return None if self.since is None else stored(self.since)

    @property
    def value(self) -> StoredValue | None:
        """The highest value seen so far, as it is committed; None when none was seen, or
        none above ``floor``."""
        highest, floor = self.highest, self.floor
        if highest is None:
            return None
        if floor is not None and same_family(highest, floor) and not highest > floor:  # type: ignore[operator]
            return None
        return stored(highest)

    def observe(self, items: Iterable[Any]) -> None:
        """Take the cursor value of each item; a bad one is kept in ``errors``."""
        expression = self.expression
        for item in items:
            data = _entity_fields(item) if isinstance(item, Entity) else item
            try:
                value = read_value(expression.first(data))
            except CursorValueError as exc:
                self._error(f"cursor {expression.text} {exc}", item)
                continue
            except ValueError as exc:  # jq's own errors
                self._error(f"cursor {expression.text}: jq error: {exc}", item)
                continue
            if value is None:
                self.nulls += 1
            elif self.highest is None:
                self.highest = value
            elif not same_family(value, self.highest):
                family = "a timestamp" if isinstance(value, datetime) else "a number"
                self._error(f"cursor {expression.text} gave {family} ({value!r}) after values"
                            " of the other family: numbers and timestamps do not compare", item)
            elif value > self.highest:  # type: ignore[operator]  # same family, checked
                self.highest = value

    def take_errors(self) -> list[tuple[str, str]]:
        found, self.errors = self.errors, []
        return found

    def _error(self, message: str, item: Any) -> None:
        self.errors.append((f"kind {self.kind!r}: {message}", preview(item)))


def start_cursor(
    step: KindStep, plan: ResyncPlan, committed: StoredCursor | None, incremental: bool
) -> tuple[KindCursor, str | None]:
    """The cursor of ``step``'s kind (which declares one) as its first step starts. In an
    incremental run ``since`` comes from the ``committed`` cursor, less the lag, when that
    cursor's fingerprint is the kind's own; else it is None (a full fetch of the kind, without
    a sweep). Second, what is wrong when ``since`` cannot be worked out: the kind must not
    run. A run and a dry run start their cursors the same way."""
    assert step.cursor is not None
    name = step.spec.name
    since, floor, problem = None, None, None
    if incremental and committed is not None and committed.fingerprint == step.fingerprint:
        try:
            since, floor = since_from(committed.value, step.spec.lag), loaded(committed.value)
        except CursorValueError as exc:
            problem = f"kind {name!r}: {exc}"
    per_page = step.spec.ordered and plan.steps_of(name) == 1
    return KindCursor(name, step.cursor, step.fingerprint, since, per_page, floor), problem
