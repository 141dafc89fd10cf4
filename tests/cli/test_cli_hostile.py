"""The command line on hostile flags (issue 25: D1, W6, C4, --host ''): one
line naming the flag, exit 2, and never a finished run thrown away."""

import json
import os

import pytest

from gradplay.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


NOT_A_FILE = "not a regular file (a directory, device or pipe); give a file name"


@pytest.mark.parametrize("flag, path, message", [
    ("--save", "/nonexistent/dir/m.json", "the folder /nonexistent/dir does not exist"),
    ("--save", "/dev/full", NOT_A_FILE),         # writes to it fail only at the end
    ("--save", "/tmp", NOT_A_FILE),
    ("--figures", "/dev/null", "not a folder (a file, device or pipe is there)"),
    ("--figures", "/dev/null/figs", "/dev/null is not a folder"),
])
def test_output_paths_are_checked_before_training(capsys, flag, path, message):
    code, out, err = run(capsys, "train", "--epochs", "3000", "--quiet", flag, path)
    assert code == 2 and out == ""                     # nothing trained, nothing printed
    assert err == f"gradplay train: error: {flag} {path}: {message}\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_that_is_not_writable_is_named(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run(capsys, "train", "--epochs", "1", "--save", str(locked / "m.json"))
    assert code == 2 and "is not writable" in err


def test_new_output_paths_in_writable_folders_are_fine(capsys, tmp_path):
    code, out, _ = run(capsys, "train", "--epochs", "2", "--samples", "40", "--quiet",
                       "--save", str(tmp_path / "m.json"), "--figures",
                       str(tmp_path / "new" / "deeper"))
    assert code == 0 and (tmp_path / "m.json").stat().st_size > 0
    assert len(list((tmp_path / "new" / "deeper").iterdir())) == 4


def test_the_scalar_cap_counts_the_rows_a_step_sees(capsys):
    """100 samples, 80 of them training rows: a batch of 5000 is the full 80, the
    same batch as --batch-size 0, and both fit under the cap (80 x 674 edges)."""
    lines = []
    for batch in ("5000", "0"):
        code, out, err = run(capsys, "train", "--engine", "scalar", "--samples", "100",
                             "--hidden", "16,16", "--batch-size", batch, "--epochs", "1",
                             "--quiet", "--json")
        assert code == 0, err
        lines.append(json.loads(out.splitlines()[-1]))
    assert lines[0]["train_loss"] == lines[1]["train_loss"]
    code, _, err = run(capsys, "train", "--engine", "scalar", "--samples", "2000", "--hidden",
                       "16,16", "--epochs", "1", "--quiet")
    assert code == 2 and "batch_size too big for engine 'scalar'" in err
    assert "1,078,400 edges a step (1,600 samples x 674)" in err and "batch_size <= 593" in err


@pytest.mark.parametrize("port", ["70000", "-5", "0", "80.5", "http"])
def test_a_bad_port_is_one_line_and_exit_2(capsys, port):
    code, _, err = run(capsys, "app", "--port", port)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "argument --port: must be a whole number in [1, 65535]; got " in err


@pytest.mark.parametrize("host", ["", "  "])
def test_an_empty_host_is_refused_not_every_interface(capsys, host):
    code, _, err = run(capsys, "app", "--host", host)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "argument --host: must be an address such as 127.0.0.1 (this machine only) or " \
           "0.0.0.0 (every interface)" in err
