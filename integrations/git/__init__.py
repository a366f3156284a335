"""The bundled ``git`` integration type: local repositories read with the git CLI, offline."""

from __future__ import annotations

from ._runner import GitError
from .config import GitConfig
from .integration import GitIntegration

__all__ = ["GitConfig", "GitError", "GitIntegration"]
