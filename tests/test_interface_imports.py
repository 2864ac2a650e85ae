"""Issue 16: the interfaces (talent/web, talent/api, the CLI) import at the top of their modules:
no ``talent`` import inside a function and none after the first definition (the two ways a
cycle was dodged)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _interface_files():
    yield ROOT / "talent/cli.py"
    for folder in ("talent/web", "talent/api", "talent/cli_commands"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _talent_import(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("talent") or node.level > 0
    if isinstance(node, ast.Import):
        return any(alias.name.startswith("talent") for alias in node.names)
    return False


def _offenders():
    inside, late = [], []
    for path in _interface_files():
        tree = ast.parse(path.read_text())
        name = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside += [f"{name}:{n.lineno}" for n in ast.walk(node) if _talent_import(n)]
        seen_definition = False
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                seen_definition = True
            elif seen_definition and _talent_import(node):
                late.append(f"{name}:{node.lineno}")
    return inside, late


def test_interfaces_import_talent_only_at_the_top():
    inside, late = _offenders()
    assert inside == [] and late == []


def test_the_check_sees_a_function_level_import(tmp_path):
    probe = ast.parse("def f():\n    from talent.web import x\n")
    assert any(_talent_import(n) for n in ast.walk(probe.body[0]))
