"""The bundled ``jira`` integration type: projects, issues and users of a Jira Cloud site."""

from __future__ import annotations

from .config import JiraConfig, JiraSelector
from .integration import JiraIntegration

__all__ = ["JiraConfig", "JiraIntegration", "JiraSelector"]
