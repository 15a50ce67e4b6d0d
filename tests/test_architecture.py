"""Dependency and layering rules of ARCHITECTURE §1, checked by walking every module's AST."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "minzheng"
ALWAYS_WRITES = {"save", "delete", "bulk_create", "bulk_update"}
MANAGER_WRITES = {"create", "update", "get_or_create", "update_or_create"}  # writes when called on `X.objects…`
DOMAIN_APPS = {path.name for path in SRC.iterdir() if (path / "apps.py").exists()} - {"core"}


def _modules() -> Iterator[Path]:
    for path in SRC.rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def _interface_modules() -> Iterator[Path]:
    for path in _modules():
        if path.stem.startswith(("api", "views")) or "commands" in path.parts:  # api_*.py, views_*.py split modules too
            yield path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _relative(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_there_are_modules_to_check() -> None:
    assert "registry" in DOMAIN_APPS
    assert sum(1 for _ in _interface_modules()) >= 3


@pytest.mark.parametrize("path", list(_interface_modules()), ids=_relative)
def test_interfaces_do_not_write(path: Path) -> None:
    """Views, API handlers and commands parse input and call a service; they never write themselves."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, receiver = node.func.attr, ast.unparse(node.func.value)
            writes = attr in ALWAYS_WRITES or (attr in MANAGER_WRITES and "objects" in receiver)
            assert not writes, f"{_relative(path)}:{node.lineno}: call a service instead"


@pytest.mark.parametrize("path", [p for p in _modules() if "core" in p.relative_to(SRC).parts[:1]], ids=_relative)
def test_core_imports_no_domain_app(path: Path) -> None:
    for lineno, module in _imports(path):
        parts = module.split(".")
        assert not (parts[0] == "minzheng" and len(parts) > 1 and parts[1] in DOMAIN_APPS), (
            f"{_relative(path)}:{lineno}: core must not import {module}"
        )


PUBLISHED = {"registry": {"economics"}, "cases": {"intake", "workflow"}}


@pytest.mark.parametrize("path", [p for p in _modules() if p.relative_to(SRC).parts[0] in DOMAIN_APPS], ids=_relative)
def test_apps_use_other_apps_only_through_services_and_selectors(path: Path) -> None:
    """`relations` is a selector module too: the Arrow relations an app publishes for rules (ARCHITECTURE §6).
    A few apps publish more: registry.economics and cases.intake are services modules of their own (household
    economics; intake and materials), cases.workflow is the procedures as data (programme lists, actions)."""
    own = path.relative_to(SRC).parts[0]
    for lineno, module in _imports(path):
        parts = module.split(".")
        if parts[0] == "minzheng" and len(parts) > 2 and parts[1] in DOMAIN_APPS and parts[1] != own:
            allowed = {"services", "selectors", "relations"} | PUBLISHED.get(parts[1], set())
            assert parts[2] in allowed, f"{_relative(path)}:{lineno}: {module}"
