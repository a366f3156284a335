"""Which deletion threshold a run uses: decided here, once, for a runtime's construction and
for every ``reconfigure`` (a mapping changed through the API takes effect at its next run)."""

from __future__ import annotations


def decide_deletion_threshold(
    *, explicit: float | None, mapping: float | None, configured: float | None,
    type_default: float,
) -> float:
    """The share of an integration's entities a clean run may delete, in this order of
    precedence (docs/resync-rules.md, rule 4): ``Ocean(..., deletion_threshold=)``, the
    mapping's ``entityDeletionThreshold``, the config's ``deletion_threshold``, then the
    integration type's ``Integration.deletion_threshold``."""
    for value in (explicit, mapping, configured):
        if value is not None:
            return value
    return type_default
