"""The Streamlit playground, driven through Streamlit's AppTest."""


import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from conftest import HOME, open_app_page  # noqa: E402



def open_page(page: str, query: dict | None = None) -> AppTest:
    return open_app_page(page, query)

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
