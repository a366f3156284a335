"""An integration type whose config takes paths (``type: tests.config._pathy:Pathy``): it
yields one entity per line of its ``data`` file, for the relative-paths tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, DirectoryPath, FilePath

from ocean_core import Entity, Integration, kind

PATHY = "tests.config._pathy:Pathy"


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: DirectoryPath | None = None


class PathyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: FilePath
    extra: list[Path] = []
    by_name: dict[str, Path] = {}
    output: Output = Output()
    label: str = "x"


class Pathy(Integration):
    type = "pathy"
    config_model = PathyConfig

    @kind("line")
    async def lines(self) -> Any:
        config: PathyConfig = self.config  # type: ignore[assignment]
        text = config.data.read_text(encoding="utf-8")
        yield [Entity(identifier=line, blueprint="line") for line in text.split()]
