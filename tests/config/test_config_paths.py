"""A ``Path`` field: a relative path in an integration's config is relative to the config file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from ocean_core import Integration, kind
from ocean_core.assembly import build_ocean
from ocean_core.catalog import MemoryCatalog
from ocean_core.config import load_config

FOLDER_TYPE = "tests.config.test_config_paths:Folder"


class FolderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: Path
    extra: list[Path] = []


class Folder(Integration):
    type = "folder"
    config_model = FolderConfig
    config: FolderConfig

    @kind("file")
    async def files(self):  # type: ignore[no-untyped-def]
        yield []


def _config(tmp_path: Path, config: dict[str, object]) -> Path:
    path = tmp_path / "conf" / "ocean.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"catalog": "memory://", "integrations": [
        {"id": "f", "type": FOLDER_TYPE, "config": config},
    ]}), encoding="utf-8")
    return path


def test_a_relative_path_is_relative_to_the_config_files_folder(tmp_path: Path) -> None:
    path = _config(tmp_path, {"folder": "data/in", "extra": ["../up", str(tmp_path / "abs")]})

    ocean = build_ocean(load_config(path), 0, MemoryCatalog())

    config = ocean.integration.config
    assert isinstance(config, FolderConfig)
    assert config.folder == tmp_path / "conf" / "data" / "in"
    assert config.extra == [tmp_path / "conf" / ".." / "up", tmp_path / "abs"]


def test_without_a_config_file_a_relative_path_stays_as_given() -> None:
    assert Folder({"folder": "data"}).config.folder == Path("data")
