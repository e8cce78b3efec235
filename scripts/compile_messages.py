"""Compile the translation catalogues (src/learnpath/locale/*/LC_MESSAGES/django.po) into the .mo files
Django reads, with polib (pure Python: no GNU gettext needed).

    .venv/bin/python scripts/compile_messages.py

After marking new strings, collect them first (this step needs GNU gettext's xgettext):

    cd src/learnpath && DJANGO_SETTINGS_MODULE=learnpath.web.settings LEARNPATH_DEMO=1 \\
        ../../.venv/bin/python -m django makemessages -l es

then translate the new entries in the .po file and run this script. tests/web/test_languages.py fails while
an entry is untranslated or the .mo differs from the .po.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "learnpath" / "locale"


def main() -> int:
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
    if not catalogues:
        print(f"compile_messages: no catalogue under {LOCALE}", file=sys.stderr)
        return 1
    for source in catalogues:
        po = polib.pofile(str(source))
        untranslated = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
        po.save_as_mofile(str(source.with_suffix(".mo")))
        language = source.parent.parent.name
        compiled = len(po.translated_entries())
        print(f"{language}: {compiled} entries compiled, {len(untranslated)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
