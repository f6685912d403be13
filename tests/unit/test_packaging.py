"""pyproject.toml against the repository: the pins of requirements.txt fit its ranges, and every
file newsbot reads beside its code is shipped in the package."""

from __future__ import annotations

import fnmatch
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[canonicalize_name(name)] = version.strip()
    return found


def test_every_declared_dependency_is_pinned_and_its_pin_fits_the_range():
    locked = pins()
    declared = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    declared += [Requirement(r) for rs in PYPROJECT["project"]["optional-dependencies"].values() for r in rs]
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is declared in pyproject.toml but not pinned in requirements.txt"
        assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} is outside {requirement.specifier}"
    runtime = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    lock_text = (ROOT / "requirements.txt").read_text("utf-8")
    runtime_pins = lock_text.split("# Tests and benchmarks")[0]
    for line in runtime_pins.splitlines():
        if line.strip() and not line.startswith("#"):
            assert canonicalize_name(line.partition("==")[0]) in runtime, f"{line}: pinned for run time, not declared"


def test_every_data_file_of_the_package_is_shipped():
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    data_files = [p for p in (ROOT / "newsbot").rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data_files   # rule packs, the schema
    for path in data_files:
        relative = path.relative_to(ROOT)
        shipped = any(
            fnmatch.fnmatch(str(relative.relative_to(*package.split("."))), pattern)
            for package, patterns in package_data.items() if relative.is_relative_to(*package.split("."))
            for pattern in patterns)
        assert shipped, f"{relative} is read at run time but no package-data pattern in pyproject.toml ships it"


def test_console_scripts_and_commands_point_at_real_objects():
    from importlib import import_module

    from scrapy.commands import ScrapyCommand

    for target in PYPROJECT["project"]["scripts"].values():
        module, _, name = target.partition(":")
        assert callable(getattr(import_module(module), name)), target
    commands = PYPROJECT["project"]["entry-points"]["scrapy.commands"]
    assert set(commands) == {p.stem for p in (ROOT / "newsbot" / "commands").glob("*.py")} - {"__init__"}
    for target in commands.values():
        module, _, name = target.partition(":")
        assert issubclass(getattr(import_module(module), name), ScrapyCommand), target


def test_the_readme_outlet_table_matches_the_spiders():
    """One row per spider, named, spelled and labelled with the language as the spider declares
    them (the generic spider: any other outlet, the page's language)."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("| Outlet | Spider |"):].split("\n\n", 1)[0].splitlines()[2:]
    rows = {}
    for row in table:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        rows[cells[1].strip("`")] = (cells[0], cells[-1])
    loader = SpiderLoader.from_settings(get_project_settings())
    expected = {name: (loader.load(name).outlet_name, loader.load(name).language) for name in loader.list()}
    expected["generic"] = ("any other outlet", "page's")
    assert rows == expected
