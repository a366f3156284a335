"""The fields a run would change of one entity, as a dry run shows them: paths, old and new
values as short JSON, and never a secret."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from pydantic import BaseModel, SecretBytes, SecretStr

from ocean_core.catalog import EntityRow
from ocean_core.dry_run import EntityChange, FieldChange
from ocean_core.entity import Entity

MASK = "**********"
MAX_VALUE = 80
"""Characters of a value shown; longer ones are cut with an ellipsis."""
MAX_FIELDS = 20
"""Fields listed per entity; the rest are counted in ``more_fields``."""
_SENSITIVE_NAME = re.compile(r"token|secret|passw|api.?key|signature|credential", re.I)
_ABSENT = object()


def secret_values(config: BaseModel) -> list[str]:
    """The value of every secret field of an integration's config (nested models, lists and
    dicts too): a mapped property that holds one is shown masked."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, SecretBytes):
            found.append(value.get_secret_value().decode(errors="replace"))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    walk(config)
    return [secret for secret in found if len(secret) >= 3]  # shorter ones mask words


class Differ:
    """Diffs a stored entity and the row a run would write, masking secrets."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = tuple(sorted(set(secrets), key=len, reverse=True))

    def change(self, old: Entity, new: EntityRow) -> EntityChange:
        fields = list(self._fields(old, new))
        return EntityChange(blueprint=new.blueprint, identifier=new.identifier,
                            fields=fields[:MAX_FIELDS],
                            more_fields=max(0, len(fields) - MAX_FIELDS))

    def _fields(self, old: Entity, new: EntityRow) -> Iterator[FieldChange]:
        team = None if new.team is None else orjson.loads(new.team)
        for path, before, after in (("title", old.title, new.title), ("team", old.team, team),
                                    ("icon", old.icon, new.icon)):
            if before != after:
                yield self._field(path, before, after)
        for group, before, after in (
            ("properties", old.properties, orjson.loads(new.properties)),
            ("relations", old.relations, orjson.loads(new.relations)),
        ):
            yield from self._tree(group, before, after)

    def _tree(self, path: str, before: Any, after: Any) -> Iterator[FieldChange]:
        """Leaf paths of two values that differ: objects are compared key by key (in
        order), anything else as a whole."""
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted({*before, *after}):
                yield from self._tree(f"{path}.{key}", before.get(key, _ABSENT),
                                      after.get(key, _ABSENT))
        elif before != after:
            yield self._field(path, before, after)

    def _field(self, path: str, before: Any, after: Any) -> FieldChange:
        sensitive = bool(_SENSITIVE_NAME.search(path.rpartition(".")[2]))
        return FieldChange(path=path, old=self._shown(before, sensitive),
                           new=self._shown(after, sensitive))

    def _shown(self, value: Any, sensitive: bool) -> str | None:
        if value is _ABSENT:
            return None
        if sensitive and value is not None:
            return MASK
        text = orjson.dumps(value, default=str).decode()
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
