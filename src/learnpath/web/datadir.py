"""Small secrets kept in the data directory (demo secret key, demo password).

Pure Python, no Django: the settings module uses it before Django is configured.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

PRIVATE_FILES = ("*.sqlite3", "*.sqlite3-wal", "*.sqlite3-shm")
"""The embedded database's files, readable by the owner only (``data_dir_private``)."""


def data_dir_private(data_dir: Path) -> Path:
    """Create ``data_dir`` if needed and make it and the database files in it the owner's only.

    The folder holds learners' data and the secrets: 0700 for the folder (nobody else may list or open
    anything in it, whatever mode SQLite gives the files it creates) and 0600 for the database files.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(data_dir.stat().st_mode) & 0o077:
        data_dir.chmod(0o700)
    for pattern in PRIVATE_FILES:
        for path in data_dir.glob(pattern):
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(0o600)
    return data_dir


def data_dir_secret(
    data_dir: Path, name: str, *, nbytes: int = 32, generate: Callable[[], str] | None = None
) -> str:
    """Return the secret stored in ``data_dir/name``, generating and storing it on first use.

    The secret is ``secrets.token_urlsafe(nbytes)``, or ``generate()`` where given (a password people
    type). The file is created with mode 0600 and ``O_EXCL``, so two processes starting together agree on
    one value: the loser of the race reads the winner's file.
    """
    data_dir_private(data_dir)
    path = data_dir / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = generate() if generate is not None else secrets.token_urlsafe(nbytes)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value
