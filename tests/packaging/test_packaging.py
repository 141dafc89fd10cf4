"""The package installs with everything it needs to run, the app included."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_every_module_and_the_app(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("gradplay-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    source = ROOT / "src"
    expected = {p.relative_to(source).as_posix() for ext in ("py", "js", "css")
                for p in (source / "gradplay").rglob(f"*.{ext}")}   # the live renderer too
    assert expected <= names, sorted(expected - names)
    assert "gradplay/app/Home.py" in names and "gradplay/app/views/train.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gradplay = gradplay.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
