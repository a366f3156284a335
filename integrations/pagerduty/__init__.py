"""The bundled ``pagerduty`` integration type: services, incidents and on-call from PagerDuty."""

from __future__ import annotations

from .config import PagerDutyConfig
from .integration import PagerDutyIntegration

__all__ = ["PagerDutyConfig", "PagerDutyIntegration"]
