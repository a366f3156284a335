"""The bundled ``gitlab`` integration type: groups, projects, merge requests, issues, pipelines."""

from __future__ import annotations

from .config import GitLabConfig
from .integration import GitLabIntegration

__all__ = ["GitLabConfig", "GitLabIntegration"]
