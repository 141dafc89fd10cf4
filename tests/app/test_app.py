"""The Streamlit playground, driven through Streamlit's AppTest."""

import math
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import gradplay  # noqa: E402

HOME = str(Path(gradplay.__file__).parent / "app" / "Home.py")


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_welcome_page_links_to_both_tools():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Expression explorer" in text and "Train a network" in text


# (the expression explorer's tests: tests/app/test_explorer.py)

# The training page's tests are in test_live_page.py (AppTest) and
# test_live_browser.py (Chromium).
