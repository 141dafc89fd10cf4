"""TF Playground's levers on the live page, in headless Chromium: input features
switched on the network's input nodes, regression's R², Regenerate, and the
display options kept in the link.

Fixtures (server, open_page) are in conftest.py.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import IDLE, live_page, press, wait_epoch

from gradplay import interop
from gradplay.config import RunConfig, build_run
from gradplay.train import r2_score

pytestmark = pytest.mark.browser


def query(page) -> dict:
    """The page's URL query, one value per key."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_query(page, key: str, value: str, timeout: int = 20_000) -> None:
    """Wait until the URL says key=value (the page writes its settings there)."""
    page.wait_for_function(
        f"() => new URLSearchParams(location.search).get({key!r}) === {value!r}", timeout=timeout)


def message(page) -> str:
    """What the renderer last said (a notice, an error)."""
    return page.locator('[data-testid="gp-message"]').text_content()


def test_an_input_node_click_switches_its_feature_and_starts_a_new_network(
        server, open_page, tmp_path):
    page = live_page(open_page, f"{server}/train?dataset=circles&hidden=0&features=x1,x2&data_seed=1")
    x1sq = page.locator('[data-testid="gp-input-x1sq"]')
    assert x1sq.get_attribute("data-active") == "false"
    assert page.locator('[data-testid^="gp-edge-0-"]').count() == 2     # x1, x2 -> the output
    # hovering an unused feature shows its map in the big plot
    x1sq.hover()
    focus = page.locator('[data-testid="gp-focus"]')
    assert focus.get_attribute("data-focus") == "feature-x1sq"
    assert "x1²" in focus.text_content()

    x1sq.click()                                                       # on
    wait_query(page, "features", "x1,x2,x1sq")
    page.wait_for_selector('[data-testid="gp-input-x1sq"][data-active="true"]')
    assert page.locator('[data-testid^="gp-edge-0-"]').count() == 3
    assert "features changed: a new network" in message(page)
    page.screenshot(path=str(tmp_path / "features.png"))

    page.locator('[data-testid="gp-input-x1"]').click()                # off
    wait_query(page, "features", "x2,x1sq")
    page.wait_for_selector('[data-testid="gp-input-x1"][data-active="false"]')
    page.locator('[data-testid="gp-input-x2"]').click()
    wait_query(page, "features", "x1sq")
    # the last feature cannot be switched off: the click is ignored
    page.locator('[data-testid="gp-input-x1sq"]').click()
    page.wait_for_timeout(1_000)
    assert query(page)["features"] == "x1sq"
    assert page.locator('[data-testid^="gp-input-"][data-active="true"]').count() == 1


RECORD = """() => {                       // each change of the run, its features and data seed
  const seen = window.__seen = [];
  setInterval(() => {
    const q = new URLSearchParams(location.search);
    const now = [document.querySelector("[data-run]").getAttribute("data-run"),
                 q.get("features"), q.get("data_seed")].join(" ");
    if (seen[seen.length - 1] !== now) seen.push(now);
  }, 5);
}"""


def test_levers_pulled_while_training_runs_apply_once(server, open_page):
    """A lever pulled in the renderer (an input feature) goes to the stream at
    once and to the sidebar and URL by one rerun; a sidebar lever (Regenerate)
    by its own rerun. The run must change once per click, never back and forth."""
    page = live_page(open_page, f"{server}/train?dataset=circles&hidden=4&features=x1,x2&data_seed=1")
    press(page, "Play")
    wait_epoch(page, "e >= 10")
    page.evaluate(RECORD)
    levers = [lambda: page.locator('[data-testid="gp-input-x1sq"]').dispatch_event("click"),
              lambda: page.get_by_role("button", name="Regenerate data").click(),
              lambda: page.locator('[data-testid="gp-input-x1"]').dispatch_event("click")]
    for pull in levers:
        run = page.locator("[data-run]").get_attribute("data-run")
        pull()
        page.wait_for_function(f"() => document.querySelector('[data-run]')"
                               f".getAttribute('data-run') !== {run!r}", timeout=20_000)
        # 30 frames into the new network, the page has heard every request sent meanwhile
        page.wait_for_function("() => Number(document.querySelector('[data-testid=gp-epoch]')"
                               ".textContent) >= 30", timeout=20_000)
    seen = [line.split() for line in page.evaluate("() => window.__seen")]

    def changes(column: int) -> list:
        """The values one column took, in order (repeats while others changed, once)."""
        values = [row[column] for row in seen]
        return [v for k, v in enumerate(values) if k == 0 or values[k - 1] != v]
    assert changes(1) == ["x1,x2", "x1,x2,x1sq", "x2,x1sq"], seen
    assert len(changes(2)) == 2 and changes(2)[0] == "1", seen   # Regenerate: one new seed
    assert len(changes(0)) == 4 == len(set(changes(0))), seen    # one new network per lever
    assert page.get_attribute(".gp-live", "data-playing") == "true"


def test_classroom_mode_locks_the_input_nodes(server, open_page):
    page = live_page(open_page, f"{server}/train?dataset=circles&hidden=0&hide=features")
    page.locator('[data-testid="gp-input-x1sq"]').click()
    page.wait_for_timeout(1_000)
    assert query(page)["features"] == "x1,x2"
    assert page.locator('[data-testid="gp-input-x1sq"]').get_attribute("data-active") == "false"


def test_regression_shows_r2_and_a_value_map(server, open_page, tmp_path):
    url_query = "dataset=plane&hidden=0&optimizer=adam&lr=0.03&data_seed=2"
    page = live_page(open_page, f"{server}/train?{url_query}&speed=25")
    press(page, "Play")
    wait_epoch(page, "e >= 100", timeout=30_000)
    press(page, "Pause")
    metrics = page.locator('[data-testid="gp-metrics"]').text_content()
    assert "accuracy" not in metrics
    r2 = re.search(r"R² train ([-0-9.]+) · test ([-0-9.]+)", metrics)
    assert r2 and float(r2.group(2)) > 0.5            # a plane is a linear model's problem
    assert "prediction" in page.locator('[data-testid="gp-focus"]').text_content()
    # the R² on screen is the downloaded model's, on the same test points
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=re.compile("^(download )?Model JSON$")).click()
    info.value.save_as(tmp_path / "model.json")
    model = interop.loads((tmp_path / "model.json").read_bytes())
    data = build_run(RunConfig.from_query(parse_qs(url_query))[0]).data
    assert r2.group(2) == f"{r2_score(data.y_test, model.predict(data.X_test)):.3f}"


def test_regenerate_draws_new_points_and_display_options_live_in_the_link(server, open_page):
    page = live_page(open_page, f"{server}/train?dataset=moons&data_seed=5&discretize=true&show_test=false")
    # the checkboxes follow the link once the first frame (which carries them) is drawn
    assert page.locator('[data-testid="gp-discretize"]').is_checked()
    assert not page.locator('[data-testid="gp-show-test"]').is_checked()
    page.locator('[data-testid="gp-show-test"]').check()
    wait_query(page, "show_test", "true")
    assert query(page)["discretize"] == "true"

    page.get_by_role("button", name="Regenerate data").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('data_seed') !== '5'",
                           timeout=20_000)
    page.wait_for_selector(IDLE)
    page.wait_for_function("() => document.querySelector('[data-testid=\"gp-message\"]')"
                           ".textContent.includes('data_seed changed')", timeout=20_000)
    assert page.locator('[data-testid="gp-show-test"]').is_checked()  # kept across the new run
