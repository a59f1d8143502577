"""The server's work per script run kept small (``.streamlit/config.toml``): no file watcher, and Streamlit's
"magic" off, which no page needs.

With the file watcher on, Streamlit resolves the path of every loaded module after every script run.

With magic on, a bare expression statement of a page (a name, a value, a string that is no docstring) is
shown as if passed to ``st.write``; Streamlit rewrites every page's syntax tree for it before compiling, again
whenever its script cache is emptied. The app shows everything with explicit ``st.*`` calls.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_file_watcher_and_no_magic():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["magicEnabled"] is False


def test_no_page_has_a_statement_magic_would_have_shown():
    shown = []
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for parent in ast.walk(tree):
            for attr in ("body", "orelse", "finalbody"):
                body = getattr(parent, attr, None)
                if not isinstance(body, list):
                    continue
                for i, node in enumerate(body):
                    if not isinstance(node, ast.Expr) or isinstance(node.value, (ast.Call, ast.Yield, ast.YieldFrom,
                                                                                  ast.Await)):
                        continue
                    docstring = i == 0 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str) \
                        and isinstance(parent, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                    if not docstring:
                        shown.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert shown == []
