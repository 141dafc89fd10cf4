"""`gradplay bench` refuses impossible sizes and counts up front: exit 2 and
one line naming the argument, never negative timings or a traceback."""

import pytest

from gradplay.cli import main


@pytest.mark.parametrize("args, message", [
    (["--epochs", "-1"], "argument --epochs: must be a whole number in [1, 100000]; got -1"),
    (["--epochs", "0"], "argument --epochs: must be a whole number in [1, 100000]; got 0"),
    (["--epochs", "1e9"], "argument --epochs: must be a whole number in [1, 100000]"),
    (["--epochs", "2.5"], "argument --epochs: must be a whole number in [1, 100000]; got 2.5"),
    (["--samples", "0"], "argument --samples: must be a whole number in [10, 100000]; got 0"),
    (["--samples", "nan"], "argument --samples: must be a whole number in [10, 100000]; "
                           "got nan"),
    (["--samples", "10000000"], "argument --samples: must be a whole number in [10, 100000]"),
    (["--sizes", "2-x-1"], "argument --sizes: expected layer sizes like 2-4-1"),
    (["--sizes", "2-100000-1"], "argument --sizes: expected layer sizes like 2-4-1"),
    (["--sizes", "3-4-1"], "argument --sizes: expected layer sizes like 2-4-1"),
])
def test_bench_refuses_bad_counts_with_exit_2_and_a_message(capsys, args, message):
    assert main(["bench", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
