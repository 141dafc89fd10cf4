"""Arrays and arguments of your own (issue 25: D3, U4 and the "also seen"
list): nothing is cast into something else without a word, every refusal is
a ValueError naming the entry or the argument."""

import numpy as np
import pytest

from gradplay.data import MAX_CSV_BYTES, DataError, from_arrays, load, load_csv
from gradplay.rules import RuleError

X10 = np.random.default_rng(0).normal(size=(10, 2))
Y10 = np.arange(10) % 2
ROWS = "".join(f"{i * 0.1:.1f},{-i * 0.2:.1f},{i % 2}\n" for i in range(20))


@pytest.mark.parametrize("X, message", [
    (X10 + 1j, r"^X must hold real numbers, got complex numbers \(the imaginary part would "
               r"be lost\)"),
    (np.array([["2024-01-01", "2024-01-02"]] * 10, dtype="datetime64[D]"),
     r"^X must hold real numbers, got dates \(datetime64"),
    (np.array([[1, 2]] * 10, dtype="timedelta64[s]"), r"^X must hold real numbers, got time"),
    (np.array([["1.5", "2"]] * 10), r"^X must hold real numbers, got text such as '1.5'"),
    ([[1, 2]] * 9 + [[1, 2j]], r"^X must hold real numbers, got complex"),
    ([[1, 2]] * 9 + [[1, None]], r"^X\[9, 1\] = nan is not a finite number"),
    ([[1, 2]] * 9 + [[1]], r"^X must be a table of real numbers"),
])
@pytest.mark.filterwarnings("error")       # no ComplexWarning on the way: an error, at once
def test_features_a_cast_would_change_are_refused(X, message):
    with pytest.raises(DataError, match=message):
        from_arrays(X, Y10)


def test_a_uint64_label_of_2_63_is_refused_not_wrapped():
    y = np.array([0, 1] * 4 + [1, 2**63], dtype=np.uint64)
    with pytest.raises(DataError, match=r"^y\[9\] = 9223372036854775808: labels must be whole "
                                        r"numbers within \+-1,000,000"):
        from_arrays(X10, y)
    # small uint64 labels keep their order: 3 and 7 become classes 0 and 1
    ds = from_arrays(X10, np.array([3, 7] * 5, dtype=np.uint64), test_size=0)
    assert ds.y_train.tolist() == [0, 1] * 5 and ds.y_train.dtype == np.int64


def test_mixed_python_numbers_and_int64_extremes():
    ds = from_arrays([[1, 2.5], [3, 4]] * 5, [0, 1.0] * 5, test_size=0)
    assert ds.X_train.dtype == np.float64 and ds.y_train.tolist() == [0, 1] * 5
    with pytest.raises(DataError, match=r"^y\[0\] = -9223372036854775808: labels must be"):
        from_arrays(X10, np.array([-2**63] + [0, 1] * 4 + [1], dtype=np.int64))


def test_a_bad_seed_or_test_size_is_named_before_anything_is_read():
    for call in (lambda: load_csv(ROWS, seed=-1), lambda: from_arrays(X10, Y10, seed=-1)):
        with pytest.raises(RuleError, match=r"^seed must be a whole number in \[0, 4294967295\]; "
                                            r"got -1$"):
            call()
    with pytest.raises(RuleError, match=r"^test_size must be a number in \[0, 0.9\]; got 1$"):
        load_csv("/nonexistent.csv", test_size=1)        # the argument, not the missing file
    with pytest.raises(RuleError, match=r"^seed must be a whole number .*; got 1.5$"):
        load_csv(ROWS, seed=1.5)                          # never truncated to 1


@pytest.mark.parametrize("source", ["", "   ", b"", "\t "])
def test_empty_input_says_empty_input(source):
    with pytest.raises(DataError, match=r"^load_csv: empty input"):
        load_csv(source)


def test_the_text_limit_counts_bytes_not_characters():
    row = "0.5,0.5,1\n"
    body = "x1,x2,label\n" + row * 8 + "0,0,0\n" * 8
    # pad with a 4-byte character in a header-like first row: few characters, many bytes
    pad = "\U0001F600" * ((MAX_CSV_BYTES - len(body.encode())) // 4 + 1)
    text = pad + ",a,b\n" + body
    assert len(text) < MAX_CSV_BYTES < len(text.encode("utf-8"))
    with pytest.raises(DataError, match=r"^the text is [\d,]+ bytes; the limit for a CSV is "
                                        r"10,000,000 bytes"):
        load_csv(text)
    # the same text as bytes gets the same answer
    with pytest.raises(DataError, match=r"^the file is [\d,]+ bytes"):
        load_csv(text.encode("utf-8"))


def test_load_refuses_csv_as_a_generator_name():
    with pytest.raises(RuleError, match="^dataset 'csv' is a file of your own: read it with "
                                        "load_csv"):
        load("csv")
