"""The ``fake`` integration type: synthetic data of any size, for tests, benchmarks and demos."""

from __future__ import annotations

from integrations.fake._webhook import SIGNATURE_HEADER, signed_headers
from integrations.fake.integration import FakeConfig, FakeIntegration

__all__ = ["SIGNATURE_HEADER", "FakeConfig", "FakeIntegration", "signed_headers"]
