"""The configuration of a ``packages`` integration instance."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class PackagesConfig(BaseModel):
    """Which distributions to report and how many per batch.

    Example (the ``config:`` of an integration instance)::

        config:
          include: ["ocean-*", "pydantic*"]
          exclude: ["pip"]
          batch_size: 50

    Names and patterns compare in normalized form (lowercase, ``-_.`` runs as ``-``), so
    ``Pydantic_Core`` and ``pydantic-core`` are the same package.
    """

    model_config = ConfigDict(extra="forbid")

    include: list[str] = Field(
        default_factory=list,
        description="Glob patterns of distribution names to report; empty reports all.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Glob patterns of distribution names to leave out, applied after include.",
    )
    paths: list[Path] = Field(
        default_factory=list,
        description="Directories to search (e.g. another venv's site-packages); "
        "empty means this interpreter's sys.path. In a config file, relative paths are "
        "relative to the file's folder.",
    )
    batch_size: int = Field(default=100, ge=1, description="Raw items per yielded batch.")
