"""``ocean new NAME``: name checks, the generated files, ``--force``, and a generated package that
installs, registers its type and passes its own tests in a fresh virtual environment."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocean_core import ResyncStatus
from ocean_core.scaffold import TEMPLATES, Names
from ocean_core.testing import pages, recorded_transport, run_resync
from tests.cli._helpers import assert_one_config_error, flat, invoke

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-an-integration.md"

COMMON = {
    "README.md",
    "pyproject.toml",
    "src/my_shop/__init__.py",
    "src/my_shop/config.py",
    "src/my_shop/integration.py",
    "src/my_shop/mapping.yaml",
    "src/my_shop/py.typed",
    "tests/conftest.py",
    "tests/test_my_shop.py",
}
FILES = COMMON | {"tests/fixtures/responses.json"}
FIXTURES = {
    "http": {"tests/fixtures/responses.json"},
    "file": {"tests/fixtures/data/teams.json", "tests/fixtures/data/users.csv"},
    "sql": {"tests/fixtures/schema.sql"},
}


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_names_derived_from_the_type_name() -> None:
    assert Names.of("my-shop") == Names(
        name="my-shop", package="my_shop", class_name="MyShopIntegration",
        config_class="MyShopConfig", dist="ocean-my-shop", blueprint="myShop",
    )
    shop = Names.of("shop_v2")
    assert (shop.package, shop.class_name, shop.dist) == ("shop_v2", "ShopV2Integration",
                                                          "ocean-shop-v2")


def test_new_writes_the_package_and_prints_next_steps(cwd: Path) -> None:
    result = invoke("new", "my-shop")

    assert result.exit_code == 0, result.output
    target = cwd / "my-shop"
    assert _files(target) == FILES
    pyproject = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "ocean-my-shop"
    assert "ocean-core" in pyproject["project"]["dependencies"]
    entry_points = pyproject["project"]["entry-points"]["ocean_core.integrations"]
    assert entry_points == {"my-shop": "my_shop.integration:MyShopIntegration"}
    integration = (target / "src/my_shop/integration.py").read_text(encoding="utf-8")
    assert 'type = "my-shop"' in integration and "class MyShopIntegration(" in integration
    assert "$" not in integration, "every placeholder is substituted"
    mapping = yaml.safe_load((target / "src/my_shop/mapping.yaml").read_text(encoding="utf-8"))
    assert [r["kind"] for r in mapping["resources"]] == ["team", "user"]
    config = (target / "src/my_shop/config.py").read_text(encoding="utf-8")
    assert 'extra="forbid"' in config and "token: SecretStr | None" in config
    text = flat(result.stdout)
    for step in ("my-shop/src/my_shop/integration.py", "pip install -e my-shop",
                 "pytest my-shop", "type: my-shop", "ocean validate", "ocean resync"):
        assert step in text, step


@pytest.mark.parametrize(
    ("template", "base", "config_line"),
    [("file", "ocean_core import Integration", "config: {folder: data}"),
     ("sql", "ocean_core import Integration", "config: {database: shop.db}")],
)
def test_template_option_writes_a_non_http_package(
    cwd: Path, template: str, base: str, config_line: str
) -> None:
    result = invoke("new", "my-shop", "--template", template)

    assert result.exit_code == 0, result.output
    target = cwd / "my-shop"
    assert _files(target) == COMMON | FIXTURES[template]
    integration = (target / "src/my_shop/integration.py").read_text(encoding="utf-8")
    assert base in integration and "class MyShopIntegration(Integration):" in integration
    assert "anyio.to_thread.run_sync" in integration and "$" not in integration
    assert ": Path = Field(" in (target / "src/my_shop/config.py").read_text(encoding="utf-8")
    pyproject = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["entry-points"]["ocean_core.integrations"] == {
        "my-shop": "my_shop.integration:MyShopIntegration"}
    assert config_line in flat(result.stdout)


def test_the_default_template_is_http_and_an_unknown_one_is_refused(cwd: Path) -> None:
    assert invoke("new", "shop", "-t", "http").exit_code == 0
    assert invoke("new", "plain").exit_code == 0
    for name in ("shop", "plain"):
        assert "HTTPIntegration" in (cwd / name / f"src/{name}/integration.py").read_text(
            encoding="utf-8")
    refused = invoke("new", "other", "--template", "ftp")
    assert refused.exit_code == 2
    assert "ftp" in flat(refused.output) and not (cwd / "other").exists()


def test_directory_option_creates_parents(tmp_path: Path) -> None:
    result = invoke("new", "shop", "--directory", tmp_path / "a" / "b")

    assert result.exit_code == 0, result.output
    assert "src/shop/integration.py" in _files(tmp_path / "a" / "b" / "shop")


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("", "must not be empty"),
        ("a/b", "is a path"),
        ("../evil", "is a path"),
        ("..", "is a path"),
        ("a\\b", "is a path"),
        ("My-Shop", "only lower-case letters, digits, '-' and '_'"),
        ("shop.io", "only lower-case letters, digits, '-' and '_'"),
        ("my shop", "only lower-case letters, digits, '-' and '_'"),
        ("1shop", "must start with a letter"),
        ("_shop", "must start with a letter"),
        ("shop-", "must end with a letter or a digit"),
        ("class", "is a Python keyword"),
        ("fake", "is already an installed integration type"),
        ("json", "would shadow the standard library module json"),
        ("yaml", "would shadow the installed module yaml"),
    ],
)
def test_rejected_names_exit_2_and_create_nothing(
    name: str, needle: str, cwd: Path, tmp_path: Path
) -> None:
    before = _files(tmp_path)

    result = invoke("new", name, "--directory", cwd)

    assert_one_config_error(result, "NAME", needle)
    assert _files(tmp_path) == before
    assert list(cwd.iterdir()) == []


def test_non_empty_folder_needs_force(cwd: Path) -> None:
    target = cwd / "shop"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")

    refused = invoke("new", "shop")

    assert_one_config_error(refused, "'shop' exists and is not empty", "--force")
    assert _files(target) == {"notes.txt"}

    forced = invoke("new", "shop", "--force")

    assert forced.exit_code == 0, forced.output
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine", "other files are kept"
    assert "src/shop/integration.py" in _files(target)


def test_force_replaces_generated_files(cwd: Path) -> None:
    assert invoke("new", "shop").exit_code == 0
    readme = cwd / "shop" / "README.md"
    original = readme.read_text(encoding="utf-8")
    readme.write_text("edited", encoding="utf-8")

    assert invoke("new", "shop", "--force").exit_code == 0
    assert readme.read_text(encoding="utf-8") == original


def test_empty_folder_is_used_and_a_file_is_refused(cwd: Path) -> None:
    (cwd / "empty").mkdir()
    assert invoke("new", "empty").exit_code == 0
    (cwd / "taken").write_text("", encoding="utf-8")
    assert_one_config_error(invoke("new", "taken", "--force"), "exists and is not a folder")


def test_templates_ship_with_ocean_core() -> None:
    """Every template matches a package-data pattern, so a wheel of ocean-core has them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    scaffold = TEMPLATES.parent
    patterns = [*package_data.get("*", []), *package_data.get("ocean_core.scaffold", [])]
    missing = []
    for template in TEMPLATES.rglob("*"):
        if not template.is_file():
            continue
        relative = template.relative_to(scaffold).as_posix()
        if not any(fnmatch.fnmatch(template.name, p) or fnmatch.fnmatch(relative, p)
                   for p in patterns):
            missing.append(relative)
    assert missing == [], f"add '*.tmpl' to [tool.setuptools.package-data] (got {patterns})"


def _guide_block(language: str, after: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(after):]
    match = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert match is not None, (language, after)
    return match.group(1)


@pytest.mark.anyio
async def test_the_guides_minimal_integration_works() -> None:
    code = _guide_block("python", "The minimal integration")
    assert len(code.rstrip("\n").splitlines()) <= 15
    namespace: dict[str, Any] = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    mapping = yaml.safe_load(_guide_block("yaml", "The minimal integration"))
    transport = recorded_transport({"/products": pages(
        [{"id": 1, "name": "Lamp", "price": 30}], [{"id": 2, "name": "Desk", "price": 90}],
    )})

    outcome = await run_resync(namespace["Shop"](transport=transport), mapping=mapping)

    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    assert [(e.identifier, e.title, e.properties) for e in outcome.entities] == [
        ("1", "Lamp", {"price": 30}), ("2", "Desk", {"price": 90}),
    ]


def test_the_guides_config_model_example_types_self_config(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    code = _guide_block("python", "The config model and")
    exec(compile(code, str(GUIDE), "exec", dont_inherit=True), namespace)  # as a module would
    shop, config_model = namespace["Shop"], namespace["ShopConfig"]
    assert shop.config_model is config_model
    assert shop.__annotations__["config"] in ("ShopConfig", config_model)
    instance = shop({"folder": str(tmp_path)})
    assert isinstance(instance.config, config_model) and instance.config.folder == tmp_path
    assert shop({"folder": "data"}).config.folder == Path("data")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OCEAN_", "PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=100, check=False)


def _fresh_venv(folder: Path) -> Path:
    """A new venv that sees this environment's packages (ocean_core, pytest, pip, setuptools)
    through a ``.pth`` file, so nothing is downloaded. ``--system-site-packages`` would not do:
    from a venv's python it exposes the base interpreter's packages, not the venv's."""
    proc = _run(sys.executable, "-m", "venv", "--without-pip", folder, cwd=folder.parent)
    assert proc.returncode == 0, proc.stderr
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                cwd=folder).stdout.strip()
    ours = sysconfig.get_path("purelib")
    Path(site, "_ocean_parent.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n", encoding="utf-8"
    )
    return python


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One package of each template, all installed offline into one fresh venv (set up once:
    one venv and one ``pip install`` for the three)."""
    folder = tmp_path_factory.mktemp("generated")
    for name, template in PACKAGES.items():
        assert invoke("new", name, "--template", template, "--directory", folder).exit_code == 0
    python = _fresh_venv(folder / "venv")
    editable = [arg for name in PACKAGES for arg in ("-e", folder / name)]
    install = _run(python, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                   "--no-index", *editable, cwd=folder)
    assert install.returncode == 0, (
        "pip install -e failed; building an editable wheel offline needs `wheel` or "
        f"setuptools>=70.1 in the test environment:\n{install.stdout}\n{install.stderr}"
    )
    return folder, python


PACKAGES = {"acme-store": "http", "acme-files": "file", "acme-db": "sql"}
PASSED = {"acme-store": "4 passed", "acme-files": "5 passed", "acme-db": "5 passed"}


@pytest.mark.slow
@pytest.mark.parametrize("name", PACKAGES)
def test_generated_package_passes_its_tests_and_lint(
    generated: tuple[Path, Path], name: str
) -> None:
    folder, python = generated
    tests = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", name, cwd=folder)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert PASSED[name] in tests.stdout

    lint = _run(Path(sys.executable).with_name("ruff"), "check", "--select",
                "E,F,W,I,B,UP,SIM,RUF,ASYNC", ".", cwd=folder / name)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.slow
def test_generated_packages_pass_mypy_strict(generated: tuple[Path, Path]) -> None:
    folder, _ = generated
    sources = [folder / name / "src" / name.replace("-", "_") for name in PACKAGES]
    env = {**os.environ, "MYPYPATH": str(ROOT)}  # ocean_core, as an editable install hides it
    checked = subprocess.run(
        [Path(sys.executable).with_name("mypy"), "--strict", "--follow-imports=silent",
         "--cache-dir", folder / ".mypy_cache", *sources],
        cwd=folder, env=env, capture_output=True, text=True, timeout=100, check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_generated_packages_register_validate_and_resync(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, python = generated
    ocean = (python, "-c", "from ocean_core.cli import main; main()")
    listed = _run(*ocean, "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    types = {row["type"]: row for row in json.loads(listed.stdout)}
    for name in PACKAGES:
        assert types[name]["kinds"] == ["team", "user"]
    assert types["acme-store"]["class"] == "acme_store.integration.AcmeStoreIntegration"

    # The file and database instances name their data relative to the config file, which
    # is not in the working directory.
    conf = tmp_path / "conf"
    shutil.copytree(folder / "acme-files" / "tests" / "fixtures" / "data", conf / "data")
    with sqlite3.connect(conf / "shop.db") as db:
        db.executescript((folder / "acme-db/tests/fixtures/schema.sql").read_text("utf-8"))
    db.close()
    store = {"id": "store-1", "type": "acme-store",
             "config": {"base_url": "https://api.example.com", "token": "t0ken"}}
    sources = [{"id": "files-1", "type": "acme-files", "config": {"folder": "data"}},
               {"id": "db-1", "type": "acme-db", "config": {"database": "shop.db"}}]
    config, local = conf / "ocean.yaml", conf / "local.yaml"
    for path, integrations in ((config, [store, *sources]), (local, sources)):
        path.write_text(yaml.safe_dump({"catalog": "sqlite:///ocean.db",
                                        "integrations": integrations}), encoding="utf-8")
    validated = _run(*ocean, "validate", "--config", config, cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    for line in ("ok store-1 (acme-store): mapping default, 2 resource(s), kinds: team, user",
                 "ok files-1 (acme-files)", "ok db-1 (acme-db)"):
        assert line in validated.stdout
    resync = _run(*ocean, "resync", "--config", local, cwd=tmp_path)  # no network: no store
    assert resync.returncode == 0, resync.stdout + resync.stderr
    catalog = sqlite3.connect(conf / "ocean.db")
    rows = catalog.execute(
        "SELECT integration_id, count(*) FROM entities GROUP BY 1 ORDER BY 1").fetchall()
    catalog.close()
    assert rows == [("db-1", 5), ("files-1", 5)]
