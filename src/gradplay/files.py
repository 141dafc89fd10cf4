"""Files somebody handed us, read and written safely.

A path typed by a user can name anything: a missing file, a directory,
``/dev/zero`` (endless bytes), a FIFO (``open`` waits forever for a writer),
or a symlink to one of those. ``read_regular`` reads only a regular file no
larger than a stated limit, and says which rule was broken.

The FIFO case is why the file is opened with ``O_NONBLOCK`` and checked with
``fstat`` on the open descriptor: ``open`` returns at once for a FIFO, and
checking the descriptor (not the name) leaves no gap in which the name could
be swapped for something else.

Output goes the other way: ``check_output_file`` and ``check_output_dir``
look at a path *before* the work that fills it (a training run), so that a
missing folder or a device such as ``/dev/full`` is reported at once, naming
the flag, and no result is lost at the end. ``finite_or_none`` keeps numbers
written as JSON strict (JSON has no NaN).
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

__all__ = ["read_regular", "shorten", "OutputPathError", "check_output_file",
           "check_output_dir", "finite_or_none"]


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: long user input in messages."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def read_regular(path, max_bytes: int, error: type[Exception], what: str = "file") -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``.

    Anything else raises ``error`` (a ValueError subclass of the caller's)
    with a message naming the file and the rule: not found, not a regular
    file, too large (the limit is in the message), or not readable.
    """
    name = shorten(str(path))
    try:
        fd = os.open(Path(path), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} not found: {name}") from None
    except OSError as e:  # permission denied, name too long, a loop of symlinks...
        raise error(f"cannot open {what} {name}: {e.strerror or e}") from None
    except ValueError:  # a NUL character in the name
        raise error(f"cannot open {what} {name!r}: a file name cannot hold a NUL "
                    "character") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{name} is not a regular file (a directory, device, pipe or "
                        f"socket); give the path of a {what} on disk")
        if info.st_size > max_bytes:
            raise error(f"{name} is {info.st_size:,} bytes; the limit for a {what} is "
                        f"{max_bytes:,} bytes")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(max_bytes + 1)  # +1: a file that grew since fstat is caught too
    except OSError as e:  # e.g. EIO, or EISDIR on systems that open directories
        raise error(f"cannot read {what} {name}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise error(f"{name} is over {max_bytes:,} bytes, the limit for a {what}")
    return raw


# ---------------------------------------------------------------------- output
class OutputPathError(ValueError):
    """A path that cannot take the output; the message names the flag or argument."""


def _writable_folder(folder: Path, what: str, path) -> None:
    if not folder.is_dir():
        raise OutputPathError(f"{what} {shorten(str(path))}: {shorten(str(folder))} is not a "
                              "folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {shorten(str(path))}: the folder "
                              f"{shorten(str(folder))} is not writable")


def check_output_file(path, what: str = "file") -> Path:
    """``path`` as a Path a file can be written to: an existing regular file
    that may be written, or a new name in an existing, writable folder. A
    device (``/dev/full``), a directory, a pipe or a missing folder raises
    ``OutputPathError``; nothing is created."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise OutputPathError(f"{what} {shorten(str(path))}: not a regular file (a "
                                  "directory, device or pipe); give a file name")
        if not os.access(path, os.W_OK):
            raise OutputPathError(f"{what} {shorten(str(path))}: the file is not writable")
        return path
    parent = path.parent
    if not parent.exists():
        raise OutputPathError(f"{what} {shorten(str(path))}: the folder "
                              f"{shorten(str(parent))} does not exist")
    _writable_folder(parent, what, path)
    return path


def check_output_dir(path, what: str = "folder") -> Path:
    """``path`` as a Path of a folder to write files into: an existing,
    writable folder, or a new one whose nearest existing parent is one (it is
    made later, with its parents). Anything else raises ``OutputPathError``."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputPathError(f"{what} {shorten(str(path))}: not a folder (a file, device "
                                  "or pipe is there)")
        _writable_folder(path, what, path)
        return path
    ancestor = path.parent
    while not (ancestor.exists() or ancestor.is_symlink()) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    _writable_folder(ancestor, what, path)
    return path


def finite_or_none(x):
    """A float for JSON, or None for a missing, NaN or infinite value (JSON has
    no NaN: ``json.dumps(allow_nan=False)`` refuses it, browsers' JSON.parse too)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
