#!/usr/bin/env python3
"""Translation catalog helper.

  scripts/i18n.py extract   update translations/messages.pot and the az/en/ru catalogs from the code
  scripts/i18n.py missing   list msgids without a translation, per language (exit 1 if any)

The English catalog is the source language: its msgstr is filled with the msgid so every language has
an explicit entry.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "translations"
LANGUAGES = ("az", "en", "ru")
BIN = Path(sys.executable).parent


def catalog_path(lang: str) -> Path:
    return CATALOGS / lang / "LC_MESSAGES" / "messages.po"


def extract() -> None:
    pot = CATALOGS / "messages.pot"
    subprocess.run([str(BIN / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(pot), "--no-location", "--sort-output",
                    # Babel skips folders whose names start with "_" by default: templates/_partials holds
                    # shared macros whose strings must be translated too.
                    "--ignore-dirs", ".* __pycache__", str(ROOT)], check=True, cwd=ROOT)
    subprocess.run([str(BIN / "pybabel"), "update", "-i", str(pot), "-d", str(CATALOGS), "--no-fuzzy-matching",
                    "--ignore-obsolete"], check=True, cwd=ROOT)
    path = catalog_path("en")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0, no_location=True, sort_output=True)


def missing() -> dict[str, list]:
    result = {}
    for lang in LANGUAGES:
        with open(catalog_path(lang), "rb") as handle:
            catalog = read_po(handle, locale=lang)
        gaps = []
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if message.fuzzy or not all(strings):
                gaps.append(message.id)
        result[lang] = gaps
    return result


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "extract":
        extract()
    elif command == "missing":
        gaps = missing()
        for lang, ids in gaps.items():
            print(f"{lang}: {len(ids)} untranslated")
            for msgid in ids[:50]:
                print("   ", msgid if isinstance(msgid, str) else msgid[0])
        sys.exit(1 if any(gaps.values()) else 0)
    else:
        print(__doc__)
        sys.exit(2)
