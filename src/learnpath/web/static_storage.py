"""Where collected static files live: whitenoise's compressed, hashed copies (settings.STORAGES)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFiles(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """Hashed names from the manifest `collectstatic` wrote; a file not collected yet keeps its plain name
    (served by the finders) instead of failing the page."""

    manifest_strict = False
