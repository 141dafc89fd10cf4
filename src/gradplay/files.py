"""Opening a file somebody handed us, safely.

A path typed by a user can name anything: a missing file, a directory,
``/dev/zero`` (endless bytes), a FIFO (``open`` waits forever for a writer),
or a symlink to one of those. ``read_regular`` reads only a regular file no
larger than a stated limit, and says which rule was broken.

The FIFO case is why the file is opened with ``O_NONBLOCK`` and checked with
``fstat`` on the open descriptor: ``open`` returns at once for a FIFO, and
checking the descriptor (not the name) leaves no gap in which the name could
be swapped for something else.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_regular", "shorten"]


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
