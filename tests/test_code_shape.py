"""The code stays readable: no function in src/ is 45 lines or longer (issue
24), and the expression language's text never reaches Python."""

import ast
from pathlib import Path

import pytest

import gradplay

SRC = Path(gradplay.__file__).parent
MODULES = sorted(SRC.rglob("*.py"))
MAX_LINES = 45


def functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(SRC)) for p in MODULES])
def test_no_function_is_longer_than_45_lines(path):
    long = [(f.name, f.end_lineno - f.lineno + 1) for f in functions(path)
            if f.end_lineno - f.lineno + 1 >= MAX_LINES]
    assert long == []


@pytest.mark.parametrize("path", sorted((SRC / "expr").glob("*.py")),
                         ids=lambda p: p.name)
def test_the_language_never_calls_eval_exec_or_compile(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    assert not called & {"eval", "exec", "compile", "__import__"}
    assert not imported & {"ast", "pickle", "marshal", "importlib"}
