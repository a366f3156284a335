"""YAML aliases that expand beyond a bound are refused when the config file or a mapping file
is read, with one short error naming the file and the line; ordinary anchors still work."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ocean_core._yaml import MAX_VALUES
from ocean_core.assembly import build_ocean, open_catalog
from ocean_core.config import load_config
from ocean_core.errors import ConfigError, MappingError
from ocean_core.mapping import load_mapping_file
from tests.cli._helpers import error_lines, invoke


def bomb(levels: int, under: str = "bomb") -> str:
    """A billion-laughs document under the key ``under``: each level is nine aliases of the
    one before. Level 5 (597,871 values) is the first over the bound, on line 7 of the text."""
    lines = [f"{under}:", f"  l0: &l0 [{', '.join(['lol'] * 9)}]"]
    lines += [f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _error(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    [problem] = exc.value.problems
    return str(problem)


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_in_the_config_file_is_refused_naming_file_and_line(
    tmp_path: Path, levels: int
) -> None:
    path = tmp_path / "ocean.yaml"
    path.write_text("catalog: memory://\n" + bomb(levels), encoding="utf-8")
    assert len(path.read_bytes()) < 1100  # the 1 KB file

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    text = _error(caught)
    assert text.startswith(f"{path}: the YAML expands to more than {MAX_VALUES:,} values")
    assert "(at line 8)" in text and "alias bomb" in text
    assert len(text) < 250 and "lol" not in text


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_in_a_mapping_file_is_refused(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("resources: []\n" + bomb(levels, under="extra"), encoding="utf-8")

    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)

    text = _error(caught)
    assert text.startswith(f"{path}: the YAML expands to more than")
    assert "(at line 8)" in text and len(text) < 250


def test_ocean_validate_refuses_a_9_level_bomb_in_one_short_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(bomb(9, under="resources"), encoding="utf-8")
    config = tmp_path / "ocean.yaml"
    config.write_text(yaml.safe_dump({"integrations": [
        {"id": "demo", "type": "fake", "mapping": "m.yaml"}]}), encoding="utf-8")

    result = invoke("validate", "--config", config)

    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith(f"error: {mapping}: the YAML expands to more than") and len(line) < 300
    assert "(at line 7)" in line


def test_an_alias_of_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ocean.yaml"
    path.write_text("catalog: memory://\nloop: &me\n  - 1\n  - *me\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert _error(caught) == f"{path}: a YAML alias refers to itself (at line 2)"


def test_nesting_too_deep_for_the_parser_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "ocean.yaml"
    path.write_text("catalog: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert _error(caught) == f"{path}: invalid YAML: nested too deeply"


def test_anchors_and_merge_keys_within_the_bound_still_work(tmp_path: Path) -> None:
    path = tmp_path / "ocean.yaml"
    path.write_text(
        "catalog: memory://\n"
        "integrations:\n"
        "  - &first {id: a, type: fake, config: &cfg {kinds: {service: 2}}}\n"
        "  - {<<: *first, id: b, config: *cfg}\n",
        encoding="utf-8",
    )

    loaded = load_config(path)
    build_ocean(loaded, 1, open_catalog(loaded))

    assert [(i.id, i.config) for i in loaded.settings.integrations] == [
        ("a", {"kinds": {"service": 2}}), ("b", {"kinds": {"service": 2}})
    ]
