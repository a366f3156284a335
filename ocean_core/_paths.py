"""``ConfigPath``: a path in an integration's config, relative to the config file that says it.

    class FolderConfig(BaseModel):
        folder: ConfigPath                  # config: {folder: data}  ->  <config dir>/data

An operator writes paths the way the catalog's SQLite file and mapping files are written:
relative to ``ocean.yaml``, so a config works from whatever directory ``ocean`` starts in.
The runtime validates an integration's config with the config file's folder in pydantic's
validation context; a config validated without one (``MyIntegration({"folder": "data"})`` in a
test) keeps a relative path as it is, relative to the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ValidationInfo

CONFIG_DIR = "ocean_core.config_dir"
"""The key of the validation context that holds the config file's folder."""


def _against_config_dir(value: Path, info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    base = context.get(CONFIG_DIR)
    if base is None or value.is_absolute():
        return value
    return Path(base) / value


ConfigPath = Annotated[Path, AfterValidator(_against_config_dir)]
"""A ``Path`` that, relative, is taken relative to the folder of the config file."""


def validate_config(
    model: type[BaseModel], config: dict[str, Any], config_dir: Path | None
) -> BaseModel:
    """``config`` validated by ``model``, its ``ConfigPath`` fields resolved against
    ``config_dir`` (left as given when it is None)."""
    context = {CONFIG_DIR: config_dir} if config_dir is not None else None
    return model.model_validate(config, context=context)
