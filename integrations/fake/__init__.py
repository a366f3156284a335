"""The ``fake`` integration type: synthetic data of any size, for tests, benchmarks and demos."""

from __future__ import annotations

from integrations.fake.integration import FakeConfig, FakeIntegration

__all__ = ["FakeConfig", "FakeIntegration"]
