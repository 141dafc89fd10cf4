"""`gradplay bench` refuses impossible sizes and counts up front: exit 2 and
one line naming the argument, never negative timings or a traceback."""

import pytest

from gradplay.cli import main


@pytest.mark.parametrize("args, message", [
    (["--epochs", "-1"], "argument --epochs: expected a whole number in [1, 100,000], got '-1'"),
    (["--epochs", "0"], "argument --epochs: expected a whole number in [1, 100,000]"),
    (["--epochs", "1e9"], "argument --epochs: expected a whole number"),
    (["--samples", "0"], "argument --samples: expected a whole number in [4, 100,000], got '0'"),
    (["--samples", "nan"], "argument --samples: expected a whole number"),
    (["--samples", "10000000"], "argument --samples: expected a whole number in [4, 100,000]"),
    (["--sizes", "2-x-1"], "argument --sizes: expected layer sizes like 2-4-1"),
    (["--sizes", "2-100000-1"], "argument --sizes: expected layer sizes like 2-4-1"),
    (["--sizes", "3-4-1"], "argument --sizes: expected layer sizes like 2-4-1"),
])
def test_bench_refuses_bad_counts_with_exit_2_and_a_message(capsys, args, message):
    assert main(["bench", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
