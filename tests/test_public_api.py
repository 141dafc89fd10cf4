"""gradplay uses Streamlit's public API only: a release that renames an
internal must not silently break the live trainer. This test fails when any
module imports ``streamlit.runtime`` (or another private module), imports a
private name, or reads an underscore attribute of something Streamlit gave it;
and when any file mentions Streamlit's internal widget ids."""

import ast
from pathlib import Path

import gradplay

SRC = Path(gradplay.__file__).parent
PRIVATE_MODULES = ("streamlit.runtime",)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _root(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def offences(tree: ast.AST) -> list[str]:
    """What a module does with Streamlit that only its internals allow."""
    found, streamlit_names = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "streamlit":
                    streamlit_names.add((alias.asname or alias.name).split(".")[0])
                    if alias.name.startswith(PRIVATE_MODULES) or any(map(_private, alias.name.split("."))):
                        found.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            if node.module.startswith(PRIVATE_MODULES) or any(map(_private, node.module.split("."))):
                found.append(f"from {node.module} import ...")
            for alias in node.names:
                streamlit_names.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and _root(node) in streamlit_names:
            found.append(f"{_root(node)}....{node.attr} (line {node.lineno})")
    return found


def test_no_module_touches_streamlit_internals():
    bad = {}
    for path in SRC.rglob("*.py"):
        hits = offences(ast.parse(path.read_text("utf-8")))
        if hits:
            bad[str(path.relative_to(SRC))] = hits
    assert not bad, bad


def test_no_file_names_streamlit_internal_ids_or_its_private_state():
    words = ("STREAMLIT_INTERNAL", "script_run_context", "script_requests", "_rerun_data",
             "fragment_id_queue", "widget_states")
    bad = [(str(p.relative_to(SRC)), w) for p in SRC.rglob("*")
           if p.suffix in (".py", ".js") for w in words if w in p.read_text("utf-8")]
    assert not bad, bad


def test_the_scan_finds_what_it_is_for():
    """The checks above can fail: each of these is caught."""
    caught = [
        "from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx",
        "import streamlit.runtime",
        "import streamlit as st\nx = st.session_state._state",
        "import streamlit as st\nst.context._headers",
        "from streamlit import _private_thing",
        "from streamlit.web.server._private import x",
    ]
    for code in caught:
        assert offences(ast.parse(code)), code
    assert not offences(ast.parse("import streamlit as st\nst.App('a.py')\nst.context.headers"))
    assert not offences(ast.parse("import os\nos._exit"))        # not Streamlit's
