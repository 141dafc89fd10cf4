"""Both notebooks run top to bottom on a fresh install and state their results."""

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(name: str, tmp_path: Path) -> str:
    """Run a copy of the notebook in tmp_path (its figures land in tmp_path/figures);
    return all of its text output."""
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOKS / f"{name}.ipynb", work)
    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_mlp_notebook(tmp_path):
    text = execute("mlp", tmp_path)
    assert "test accuracy 96.6%" in text
    assert "shortcut == MSE gradient? False" in text
    assert "weights equal the notebook's: True" in text
    figures = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert {"mlp_dataset.png", "mlp_loss.png", "mlp_decision_boundary.png",
            "mlp_hidden.png"} <= figures


def test_autograd_notebook(tmp_path):
    text = execute("autograd", tmp_path)
    # the scalar and tensor engines trained the same network to the same numbers
    found = re.search(r"same loss: True\s+largest gradient difference: (\S+)", text)
    assert found and float(found.group(1)) < 1e-12
