"""notebooks/live.ipynb runs headless (no front end: nothing paces the widget)
and states what it found; the numbers it prints agree with one another."""

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("anywidget")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "live.ipynb"


@pytest.mark.timeout(300)
def test_the_live_notebook_runs_headless_and_reads_the_run(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path)
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
                     for c in nb.cells for out in c.get("outputs", []))
    paused = int(re.search(r"paused at epoch (\d+)", text).group(1))
    assert paused > 0                                         # play() trained headless
    assert f"one step later: epoch {paused + 1}" in text
    assert "weights read while paused equal the training thread's: True" in text
    assert f"up to epoch {paused + 1}" in text
    playing = int(re.search(r"while playing: epoch (\d+)", text).group(1))
    assert playing > paused + 1 and "still playing after pause(): False" in text
    kept = re.search(r"lr 0.01 -> \[\] \(epoch (\d+) -> (\d+)\)", text)
    assert kept and kept.group(1) == kept.group(2)            # the run went on
    assert "hidden 4 -> ['hidden'] (epoch 0)" in text         # a new run
    assert "Dataset('custom', train=240, test=60, classes=2): epoch 30" in text
    assert "LiveTrainer(2-16-16-1 MLP" in text                # what a headless cell shows
