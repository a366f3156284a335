"""When an integration's next scheduled resync is due.

Ticks fall on a fixed grid (start + n * interval), so a slow run never shifts the schedule; a
tick that was missed (the process slept, or the loop was late) is not made up in a burst.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class Schedule:
    interval: timedelta
    next_due: datetime

    @classmethod
    def starting(cls, interval: timedelta, now: datetime) -> Schedule:
        """The first tick comes one interval after ``now`` (the resync on start covers now)."""
        return cls(interval, now + interval)

    def seconds_until_due(self, now: datetime) -> float:
        return max(0.0, (self.next_due - now).total_seconds())

    def advance(self, now: datetime) -> None:
        """Move to the first grid point after ``now``."""
        if self.next_due > now:
            return
        missed = (now - self.next_due) // self.interval
        self.next_due += self.interval * (missed + 1)
