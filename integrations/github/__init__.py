"""The bundled ``github`` integration type: repositories, pull requests, issues, teams,
members and Actions workflows of a GitHub organization or user account."""

from __future__ import annotations

from .config import GitHubConfig
from .integration import GitHubIntegration

__all__ = ["GitHubConfig", "GitHubIntegration"]
