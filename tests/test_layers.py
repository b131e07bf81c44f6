"""Imports run one way, down the data path: schemas → prompts → worker → evals.

Every import in every module of the four packages is read with `ast` (function-level ones too),
relative imports resolved; a module may import its own layer and the layers before it, never a
later one. No allow-list: an exception would have to be argued here, in the layer order itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("schemas", "prompts", "worker", "evals")


def modules(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(absolute module name, line) of each import in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base), node.lineno
            else:
                yield str(node.module), node.lineno


def upward_imports(package: str) -> list[str]:
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    found = []
    for module, path in modules(package):
        for target, line in imported(module, path):
            top = target.split(".")[0]
            if top in LAYERS and top not in allowed:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_no_import_runs_back_up_the_layers(package: str) -> None:
    assert upward_imports(package) == []


def test_the_check_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from ..worker import x\ndef f():\n    import evals.run\n", encoding="utf-8")
    assert sorted(imported("schemas.sub.m", source)) == [("evals.run", 3), ("schemas.worker", 1)]


def test_every_layer_is_a_package_with_modules() -> None:
    for package in LAYERS:
        assert (ROOT / package / "__init__.py").is_file()
        assert len(list(modules(package))) > 1
