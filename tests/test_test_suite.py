"""The suite itself: tests that can fail, and that run without torch.

* ``assert_allclose(a, b) and assert_allclose(c, d)``: the first returns None,
  so the second never runs. Each assertion is a statement of its own.
* ``assert (x, "message")`` is a tuple, always true.
* A module-level ``pytest.importorskip("torch")`` skips every test of the file
  without torch, those that do not need it included (the hostile-input tests
  ran only with torch once). torch is skipped per test (the ``torch`` fixture
  of tests/conftest.py or an importorskip inside the test).
"""

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _is_assert_call(node) -> bool:
    return isinstance(node, ast.Call) and (getattr(node.func, "attr", "") or
                                           getattr(node.func, "id", "")).startswith("assert_")


def _is_torch_skip(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip" \
        and any(isinstance(a, ast.Constant) and a.value == "torch" for a in node.args)


def offences(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and any(map(_is_assert_call, node.values)):
            found.append(f"line {node.lineno}: an assert_...() inside and/or (it returns None)")
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Tuple) and node.test.elts:
            found.append(f"line {node.lineno}: assert of a tuple is always true")
    for stmt in tree.body:                                      # module level only
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        if value is not None and _is_torch_skip(value):
            found.append(f"line {stmt.lineno}: module-level importorskip('torch')")
    return found


def test_no_test_hides_an_assertion_or_skips_a_whole_file_for_torch():
    bad = {str(p.relative_to(TESTS)): hits for p in sorted(TESTS.rglob("*.py"))
           if (hits := offences(ast.parse(p.read_text("utf-8"))))}
    assert not bad, bad


def test_the_scan_finds_what_it_is_for():
    caught = ["np.testing.assert_allclose(a, b) and np.testing.assert_allclose(c, d)",
              "assert_allclose(a, b) or assert_allclose(c, d)",
              "assert (x == 1, 'message')",
              "import pytest\npytest.importorskip('torch')",
              "import pytest\ntorch = pytest.importorskip('torch')"]
    for code in caught:
        assert offences(ast.parse(code)), code
    fine = ["np.testing.assert_allclose(a, b)\nnp.testing.assert_allclose(c, d)",
            "def test():\n    torch = pytest.importorskip('torch')",
            "assert x == 1, 'message'", "pytest.importorskip('streamlit')"]
    for code in fine:
        assert not offences(ast.parse(code)), code


def test_the_run_without_torch_has_no_torch():
    """scripts/run-tests.sh runs the suite a second time in a virtual
    environment without torch and says so (GRADPLAY_EXPECT_NO_TORCH)."""
    import importlib.util
    import os

    import pytest
    if not os.environ.get("GRADPLAY_EXPECT_NO_TORCH"):
        pytest.skip("the run with torch")
    assert importlib.util.find_spec("torch") is None
