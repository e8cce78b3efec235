"""Static files, collected: hashed names browsers may keep for a year, compressed copies, and a collection
only when the files changed (issue 13: "static files served efficiently").

Collecting every app's files takes a minute; here the finders see learnpath's own folder only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from learnpath.cli.runtime import static_collect

STATIC = Path(settings.WEB_DIR) / "static"


@pytest.fixture
def collected_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "static"
    with override_settings(
        STATIC_ROOT=root,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATICFILES_DIRS=[STATIC],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "learnpath.web.static_storage.CollectedStaticFiles"},
        },
    ):
        yield root


def test_collected_once_and_again_only_when_a_file_changed(collected_root: Path) -> None:
    said = static_collect()
    assert said is not None
    assert said.startswith(f"learnpath: static files collected into {collected_root}")
    assert (collected_root / "staticfiles.json").is_file()
    hashed = [p.name for p in (collected_root / "learnpath").glob("site.*.css")]
    assert hashed, "no hashed copy of site.css"
    assert list((collected_root / "learnpath").glob("site.*.css.gz")), "no compressed copy"
    assert static_collect() is None  # nothing changed: nothing to do
    css = STATIC / "learnpath" / "site.css"
    before = css.stat()
    try:
        os.utime(css, (before.st_atime, time.time() + 5))
        assert static_collect() is not None
    finally:
        os.utime(css, (before.st_atime, before.st_mtime))


def test_pages_link_the_hashed_names(collected_root: Path, db: None) -> None:
    static_collect()
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = staticfiles_storage.url("learnpath/site.css")
    assert url.startswith("/static/learnpath/site.")
    assert url != "/static/learnpath/site.css"
    page = Client().get("/accounts/sign-in/").content.decode()
    assert url in page


def test_nothing_is_collected_without_a_static_root(db: None) -> None:
    with override_settings(STATIC_ROOT=None):
        assert static_collect() is None
