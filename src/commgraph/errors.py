"""The project's error types: each carries a message for people and an HTTP status for the server."""

from __future__ import annotations

import errno
import os
import pickle
import struct
import traceback
import zlib


class CommgraphError(Exception):
    """Base error; `message` says what is wrong and what to do next."""

    status = 500

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class SettingsError(CommgraphError):
    status = 500


class ArticleError(CommgraphError):
    """An input file cannot become an article."""

    status = 400


class QueryError(CommgraphError):
    """A SPARQL or search request is refused or failed."""

    status = 400


class NotFound(CommgraphError):
    status = 404


class IngestLocked(CommgraphError):
    status = 409


class StoreError(CommgraphError):
    """The data directory is missing, empty or inconsistent."""

    status = 503


# What to do about a file-system error, by errno: the command line prints one line with the path and this.
FILE_SYSTEM_FIXES = {
    errno.ENOSPC: "the disk is full: free space on it (a lower --keep-generations keeps fewer old generations) or use "
                  "another --data-dir",
    errno.EDQUOT: "the disk quota is used up: free space or use another --data-dir",
    errno.EFBIG: "a file grew past the size this system allows (`ulimit -f`, or the file system's limit): raise the "
                 "limit or use another --data-dir",
    errno.EROFS: "the file system is read-only: remount it writable or use another --data-dir",
    errno.EACCES: "permission denied: give this user write access to the data directory or use another --data-dir",
    errno.EPERM: "the operation is not permitted: give this user write access to the data directory or use another "
                 "--data-dir",
    errno.ENOENT: "it does not exist: create it, correct the path, or use another --data-dir",
    errno.ENOTDIR: "a part of the path is a file, not a directory: correct the path or use another --data-dir",
    errno.EIO: "the disk reported an I/O error: check the disk (dmesg), then run `commgraph check`",
}
# The same conditions as Oxigraph (RocksDB) words them: its errors carry the text, not always an errno.
_STRERROR = {os.strerror(code): code for code in FILE_SYSTEM_FIXES}


def file_system_problem(exc: BaseException) -> str | None:
    """One line for a file-system error (a full disk, a read-only or missing directory, no permission):
    the path, what the system said and the fix; None when `exc` is not such an error."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code not in FILE_SYSTEM_FIXES:
        code = next((c for words, c in _STRERROR.items() if words in text), None)
    if code is None or not isinstance(exc, (OSError, RuntimeError)):
        return None
    filename = getattr(exc, "filename", None)
    where = f"{filename}: {os.strerror(code)}" if filename else text.strip()
    return f"{where}; {FILE_SYSTEM_FIXES[code]}"


# What reading a damaged or vanished data file raises: Whoosh (zlib, pickle, struct, EOF), Oxigraph (OSError,
# and RocksDB's "Corruption: ..." as RuntimeError). Anything else is a bug, not damage.
READ_ERRORS = (OSError, EOFError, zlib.error, pickle.UnpicklingError, struct.error)


def is_read_error(exc: BaseException) -> bool:
    """Did reading the data files fail (damage, a vanished file, an I/O error), rather than our code?"""
    if isinstance(exc, READ_ERRORS):
        return True
    if isinstance(exc, RuntimeError) and str(exc).startswith(("Corruption", "IO error")):
        return True
    # Whoosh reports some damaged bytes as ValueError or IndexError from its file layer (a negative seek).
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and any(part in frames[-1].filename for part in ("/whoosh/filedb/", "/whoosh/codec/"))
