"""Files and folders only the server's own user may open: the data folder, the SQLite
files in it and the uploads are personal data (ID-card photos among them), so they are
made 0700 / 0600 whatever the process's umask, and older ones are tightened when met."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except PermissionError:  # someone else's folder (an operator's mount): say so, go on
        log.warning("cannot make %s private (mode %o): it belongs to another user", path, mode)


def private_folder(path: Path) -> Path:
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> None:
    """Make the file (empty when missing) readable by this user alone. SQLite gives
    its -wal and -shm files the mode of the database file, so doing this before the
    database is first opened covers them too."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    for each in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
        if each.exists():
            _tighten(each, FILE_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write a whole file, 0600 from its first byte, and in one step: a reader (or a
    crash) never meets half of it."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
