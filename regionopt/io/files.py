"""Writing files safely: never a half-written file where a good one was.

Every file regionopt writes goes to a temporary file in the same folder first
and is moved into place with :func:`os.replace` (atomic on POSIX and Windows)
only when it is complete. A failure leaves the old file untouched and no
temporary behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

__all__ = ["atomic_path", "check_writable"]

#: The process umask, read once at import (reading it means setting it, which is not thread-safe later).
_UMASK = os.umask(0)
os.umask(_UMASK)


def _folder_of(path: Path) -> Path:
    """The folder ``path`` would be written in; an InputError if it is missing or ``path`` is a folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"folder {str(folder)!r} does not exist", table="output", field="path", value=str(path))
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder, not a file", table="output", field="path", value=str(path))
    return folder


def check_writable(path: str | Path) -> Path:
    """Check, before any work is done, that ``path`` can be written: its folder exists and is writable.

    Raises
    ------
    InputError
        Naming the path: the folder does not exist, ``path`` is a folder, or
        the folder is not writable.
    """
    path = Path(path)
    folder = _folder_of(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write in {str(folder)!r} (permission denied)", table="output", field="path",
                         value=str(path))
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{str(path)!r} is read-only", table="output", field="path", value=str(path))
    return path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` when the block succeeds.

    Raises
    ------
    InputError
        If the folder does not exist or is not writable (naming the path).
    """
    path = Path(path)
    folder = _folder_of(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write in {str(folder)!r}: {exc.strerror}", table="output", field="path",
                         value=str(path)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:  # mkstemp makes the file private (0600): give it the mode a plain open() would
            os.chmod(tmp_path, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_UMASK)
        except OSError:  # pragma: no cover - e.g. a file system without modes
            pass
        os.replace(tmp_path, path)
    except BaseException:
        try:
            tmp_path.unlink()
        except FileNotFoundError:
            pass
        raise
