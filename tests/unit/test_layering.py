"""The core must never depend on Qt or on the UI package: it runs headless, in tools and tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dispatch_desk

PACKAGE_DIR = Path(dispatch_desk.__file__).parent
FORBIDDEN = ("PySide6", "shiboken6", "qasync", "ui")


def _top_level_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):  # walks into functions, classes and TYPE_CHECKING blocks too
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def test_the_walker_sees_imports_nested_in_functions() -> None:
    tree = ast.parse("def f():\n    import PySide6.QtCore\n    from ui.main import x\n")
    assert _top_level_imports(tree) == [(2, "PySide6"), (3, "ui")]


def test_no_core_module_imports_qt_or_the_ui() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(files) > 20, "the walk found too few modules; is PACKAGE_DIR right?"
    offending = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{line} imports {name}"
        for path in files
        for line, name in _top_level_imports(ast.parse(path.read_text(encoding="utf-8")))
        if name in FORBIDDEN
    ]
    assert offending == []


def test_importing_every_core_module_loads_no_qt() -> None:
    script = """
import importlib, pkgutil, sys
import dispatch_desk
names = [m.name for m in pkgutil.walk_packages(dispatch_desk.__path__, "dispatch_desk.")]
for name in names:
    importlib.import_module(name)
print(len(names))
print(",".join(sorted(m for m in ("PySide6", "shiboken6", "qasync", "ui") if m in sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    count, loaded = done.stdout.splitlines()
    assert int(count) > 20
    assert "PySide6" not in loaded.split(",")
    assert loaded == ""
