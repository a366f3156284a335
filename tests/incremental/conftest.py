"""The service tests' isolation (no ``OCEAN_`` variable of the developer's shell reaches a test)
and their ``gate`` fixture, shared."""

from __future__ import annotations

from tests.service.conftest import _isolated, gate

__all__ = ["_isolated", "gate"]
