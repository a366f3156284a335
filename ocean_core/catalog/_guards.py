"""The deletion-threshold guard, shared by every catalog."""

from __future__ import annotations


def threshold_reason(stale: int, total: int, threshold: float) -> str | None:
    """Why a delete of ``stale`` of ``total`` entities exceeds the threshold, or None."""
    if total and stale / total > threshold:
        return (
            f"deletion threshold: {stale} of {total} entities ({stale / total:.0%}) would be"
            f" deleted, more than the threshold of {threshold:.0%}"
        )
    return None
