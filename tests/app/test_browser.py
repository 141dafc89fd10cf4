"""The playground in a real browser: `gradplay app` driven by Chromium.

Needs Debian's Chromium and Python playwright (see conftest.py).
"""

import pytest

pytestmark = pytest.mark.browser   # fixtures server and open_page: tests/app/conftest.py
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def test_expression_explorer_draws_the_graph(server, open_page, tmp_path):
    page = open_page(server + "/explorer", height=2000)
    box = page.locator("input[aria-label='Expression']")
    box.fill("(x * y + 1).tanh()")
    box.press("Enter")
    page.wait_for_selector("text=Variables", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('input[aria-label=\"y\"]').length > 0",
                           timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    svg = page.locator("[data-testid='stGraphVizChart'] svg").first
    svg.wait_for(timeout=30_000)
    text = svg.text_content()
    assert "tanh" in text and "grad 1" in text and "x" in text
    value = page.locator("[data-testid='stMetricValue']").first.text_content()
    assert value.strip() == "0.9051"  # tanh(0.5 * 1 + 1): the starting values x=0.5, y=1
    page.screenshot(path=str(tmp_path / "explorer.png"))
    assert (tmp_path / "explorer.png").stat().st_size > 10_000

    box.fill("a + foo(b)")
    box.press("Enter")
    page.wait_for_selector("text=unknown function foo()", timeout=30_000)
    page.close()

# The training page in Chromium: test_live_browser.py.
