"""Small secrets kept in the data directory (demo secret key, demo password).

Pure Python, no Django: the settings module uses it before Django is configured.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def data_dir_secret(
    data_dir: Path, name: str, *, nbytes: int = 32, generate: Callable[[], str] | None = None
) -> str:
    """Return the secret stored in ``data_dir/name``, generating and storing it on first use.

    The secret is ``secrets.token_urlsafe(nbytes)``, or ``generate()`` where given (a password people
    type). The file is created with mode 0600 and ``O_EXCL``, so two processes starting together agree on
    one value: the loser of the race reads the winner's file.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
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
