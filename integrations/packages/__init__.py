"""The bundled ``packages`` integration type: installed Python distributions, offline."""

from __future__ import annotations

from .config import PackagesConfig
from .integration import PackagesIntegration

__all__ = ["PackagesConfig", "PackagesIntegration"]
