"""CSV data from users: every hostile file gets a clear DataError, never a
crash, a hang, a silent loss of rows or unbounded memory.

Cases that could allocate without bound or block (devices, FIFOs, huge
files) run in a child process with a memory cap and a time limit.
"""

import codecs
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradplay.data import (MAX_ABS_VALUE, MAX_CSV_BYTES, MAX_SAMPLES, DataError, check_csv_size,
                           from_arrays, load_csv)

ROWS = "".join(f"{i * 0.1:.1f},{-i * 0.2:.1f},{i % 2}\n" for i in range(20))


def _outcome(source):
    """What load_csv makes of ``source``: the data, or the error message."""
    try:
        ds = load_csv(source, name="same")
    except DataError as e:
        return ("error", str(e))
    return ("data", ds.X_train.tolist(), ds.y_train.tolist(), ds.X_test.tolist())


# ---------------------------------------------------------------- cells and rows
@pytest.mark.parametrize("content", [
    "x1,x2,label\n1,2,0\n" + "9" * 200_000 + ",1,0\n" + ROWS,          # one huge cell
    "x1,x2,label\n1,2,0\n\"1" + "a" * 200_000 + "\n" + ROWS,            # a quote left open
])
@pytest.mark.parametrize("form", ["text", "bytes", "path"])
def test_a_cell_over_the_csv_field_limit_is_an_error_naming_its_row(tmp_path, content, form):
    if form == "path":
        (tmp_path / "f.csv").write_text(content)
        source = tmp_path / "f.csv"
    else:
        source = content.encode() if form == "bytes" else content
    with pytest.raises(DataError, match=r"^row 3: a cell is longer than 131,072 characters"):
        load_csv(source)


@pytest.mark.parametrize("content", [
    ROWS.replace("\n", "\r").encode(),                        # classic Mac: CR only
    ROWS.replace("\n", "\r\n").encode(),                      # Windows
    codecs.BOM_UTF8 + ROWS.encode(),                          # Excel's UTF-8 with BOM
    ("x1,x2,label\n" + ROWS).encode("utf-16"),                 # Excel's "Unicode text"
    ROWS.replace(",", ",\x00").encode(),                      # stray NUL bytes
    bytes(range(256)) * 40,                                   # binary garbage
    b"\xff\xfe\x00\x00garbage\r\r\n\x00",
    b'"1,2",0\r1,2\r\n',                                     # quoted comma, mixed ends
    b"\x89PNG\r\n\x1a\n" + bytes(500),                        # an image uploaded by mistake
])
def test_bytes_and_a_path_read_the_same_file(tmp_path, content):
    path = tmp_path / "same.csv"
    path.write_bytes(content)
    by_path, by_bytes = _outcome(path), _outcome(content)
    assert by_path == by_bytes
    assert by_path[0] == "data" or "not readable as CSV" not in by_path[1]


def test_line_ends_and_encodings_keep_every_row():
    for content in (ROWS.replace("\n", "\r").encode(), codecs.BOM_UTF8 + ROWS.encode(),
                    ("x1,x2,label\n" + ROWS).encode("utf-16"), "\ufeff" + ROWS):
        ds = load_csv(content, test_size=0.0)
        assert len(ds.y) == 20
        np.testing.assert_allclose(ds.X[:3], [[0.0, 0.0], [0.1, -0.2], [0.2, -0.4]])


def test_a_byte_order_mark_is_not_part_of_the_first_cell():
    ds = load_csv(codecs.BOM_UTF8 + ROWS.encode(), test_size=0.0)
    assert len(ds.y) == 20 and ds.X[0].tolist() == [0.0, 0.0]   # row 1 is data, kept


@pytest.mark.parametrize("first, message", [
    ("0.1,0.2,O", r"^row 1, column 3 \(label\): 'O' is not a number"),
    ("x1,0.2,0", r"^row 1, column 1 \(x1\): 'x1' is not a number"),
    ("1,two,0", r"^row 1, column 2 \(x2\): 'two' is not a number"),
    ("x1,x2,label\nx1,x2,label", r"^row 2, column 1 \(x1\): 'x1' is not a number"),
])
def test_only_a_first_row_of_names_is_a_header(first, message):
    with pytest.raises(DataError, match=message):
        load_csv(first + "\n" + ROWS)
    assert len(load_csv("a,b,c\n" + ROWS, test_size=0.0).y) == 20
    assert len(load_csv("\n\n  x1 , x2 , label \n" + ROWS, test_size=0.0).y) == 20


# ---------------------------------------------------------------- files and sizes
@pytest.mark.parametrize("kind", ["dev-zero", "symlink-to-dev-zero", "fifo", "directory"])
def test_only_regular_files_are_read(tmp_path, kind, in_capped_child):
    path = {"dev-zero": "/dev/zero", "directory": str(tmp_path)}.get(kind, str(tmp_path / "x"))
    if kind == "symlink-to-dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "fifo":
        os.mkfifo(path)
    result = in_capped_child(f"""
        from gradplay.data import load_csv
        load_csv({path!r})
        result = 'loaded'
    """, timeout=30)
    assert result["error"] == "DataError"
    assert "is not a regular file" in result["message"]


def test_a_missing_file_says_file_not_found(tmp_path):
    for source in ("missing.csv", tmp_path / "missing.csv", str(tmp_path / "no" / "x.csv")):
        with pytest.raises(DataError, match=r"^CSV file not found: "):
            load_csv(source)


@pytest.mark.parametrize("source", ["1,2,0;" * 10_000, "x" * 5000, "1,2,0", "a\x00b.csv"])
def test_one_line_of_text_is_a_path_and_never_an_os_error(source):
    with pytest.raises(DataError, match=r"CSV file (not found|.*too long|.*NUL)"):
        load_csv(source)


def test_over_limit_contents_are_refused_whole_with_the_limit_in_the_message(tmp_path):
    too_big = b"1,2,0\n" * (MAX_CSV_BYTES // 6 + 1)
    limit = f"{MAX_CSV_BYTES:,} bytes"
    with pytest.raises(DataError, match=limit):
        check_csv_size(len(too_big))
    check_csv_size(MAX_CSV_BYTES)                       # exactly the limit is fine
    path = tmp_path / "big.csv"
    path.write_bytes(too_big)
    for source in (too_big, path, too_big.decode()):
        with pytest.raises(DataError, match=limit):
            load_csv(source)


def test_a_file_under_the_limit_loads_every_row():
    # 90,000 rows of ~56 bytes: 5 MB, which the app used to cut to 78,125 rows
    rows = "".join(f"{1000 + i * 1e-3:.20f}, {-1000 - i * 1e-3:.20f}, {i % 2}\r\n"
                   for i in range(90_000))
    assert 5_000_000 < len(rows) < MAX_CSV_BYTES
    assert len(load_csv(rows.encode(), test_size=0.0).y) == 90_000


def test_rows_are_counted_while_reading_and_stop_at_the_limit(in_capped_child):
    # 1.6 million short rows fit under the byte limit; reading must stop at row 100,001
    result = in_capped_child("""
        from gradplay.data import load_csv, MAX_CSV_BYTES
        content = b"1,2,0\\n" * (MAX_CSV_BYTES // 6)
        load_csv(content)
        result = 'loaded'
    """, timeout=60, memory=700 << 20)
    assert result["error"] == "DataError"
    assert result["message"] == (f"row {MAX_SAMPLES + 1}: the file has more than "
                                 f"{MAX_SAMPLES:,} data rows, the limit")
    with pytest.raises(DataError, match=r"^row 12: the file has more than 10 data rows"):
        load_csv("x1,x2,label\n" + ROWS, max_rows=10)


# ---------------------------------------------------------------- classes and values
@pytest.mark.parametrize("content, message", [
    ("1,2,0\n3,4,1\n5,6,0\n7,8,1\n", r"4 rows with test_size 0.2 leave 1 test row\(s\) for 2 "
                                    r"classes"),
    ("1,2,0\n3,4,0\n5,6,0\n7,8,0\n9,9,1\n", r"class 1 has only 1 row: with a test split"),
    (ROWS + "5,5,2\n", r"class 2 has only 1 row"),
])
def test_each_class_needs_rows_to_train_and_to_test_on(content, message):
    with pytest.raises(DataError, match=message):
        load_csv(content)


@pytest.mark.parametrize("cell", ["1e308", "-1e308", "1e7", "-1000001", "1" * 300])
def test_values_too_large_for_the_arithmetic_are_refused(cell):
    with pytest.raises(DataError, match=r"^row 2, column 1 \(x1\): .* is outside "
                                        r"\+-1,000,000"):
        load_csv(f"x1,x2,label\n{cell},1,0\n" + ROWS)
    with pytest.raises(DataError, match=r"is outside \+-1,000,000"):
        from_arrays([[float(cell), 0.0]] + [[0.0, 0.0]] * 9, [0, 1] * 5)


@pytest.mark.parametrize("cell", ["inf", "-inf", "nan", "1e999", "1" * 400])
def test_values_beyond_float64_are_not_finite_numbers(cell):
    with pytest.raises(DataError, match=r"^row 1, column 2 \(x2\): .* is not a finite number"):
        load_csv(f"1,{cell},0\n" + ROWS)


def test_values_at_the_bound_are_accepted():
    ds = load_csv(f"{MAX_ABS_VALUE:g},{-MAX_ABS_VALUE:g},0\n" + ROWS, test_size=0.0)
    assert ds.X[0].tolist() == [MAX_ABS_VALUE, -MAX_ABS_VALUE]


@pytest.mark.parametrize("labels, message", [
    ([0, 1, np.nan, 0, 1, 0, 1, 0, 1, 0], r"y\[2\] = nan: labels must be whole numbers"),
    ([0, 1, np.inf, 0, 1, 0, 1, 0, 1, 0], r"y\[2\] = inf"),
    ([0, 1, 0.5, 0, 1, 0, 1, 0, 1, 0], r"y\[2\] = 0.5"),
    (["a", "b"] * 5, r"labels must be whole numbers .* such as 'a'"),
    ([0, 1] * 4, r"y must have shape \(10,\)"),
])
def test_labels_must_be_whole_numbers_and_nan_is_never_a_class(labels, message):
    with pytest.raises(DataError, match=message):
        from_arrays(np.zeros((10, 2)), labels)


def test_nan_features_are_named_by_row_and_column():
    X = np.zeros((10, 2))
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"X\[3, 1\] = nan is not a finite number"):
        from_arrays(X, [0, 1] * 5)


# ---------------------------------------------------------------- the command line
def _gradplay(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "gradplay", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.timeout(120)
def test_the_cli_reports_bad_csv_files_in_one_line(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    os.symlink("/dev/zero", tmp_path / "zero.csv")
    for path, message in (("missing.csv", "CSV file not found: missing.csv"),
                          (str(tmp_path / "fifo"), "is not a regular file"),
                          (str(tmp_path / "zero.csv"), "is not a regular file")):
        done = _gradplay("train", "--csv", path, "--epochs", "1", "--quiet")
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------- fuzzing
CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.integers(-3, 3).map(str), st.text(max_size=6),
                 st.sampled_from(["", " ", '"', '"1"', "1e999", "\ufeff1", "x1", "label"]))
ROW = st.lists(CELL, min_size=0, max_size=4).map(",".join)
FILE = st.lists(ROW, max_size=30).flatmap(
    lambda rows: st.sampled_from(["\n", "\r", "\r\n"]).map(lambda end: end.join(rows)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILE)
def test_any_text_loads_or_gives_a_data_error(text):
    for source in (text + "\n", text.encode("utf-8", "surrogatepass")):
        try:
            ds = load_csv(source)
        except DataError as e:
            assert str(e)
        else:
            assert np.isfinite(ds.X).all() and (np.abs(ds.X) <= MAX_ABS_VALUE).all()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_load_or_give_a_data_error(raw):
    try:
        load_csv(raw)
    except DataError as e:
        assert str(e)
