"""Every user-facing string in the code and templates has a translation in az, en and ru."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("az", "en", "ru")


def _extracted(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "pybabel"), "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "--no-location", "--ignore-dirs", ".* __pycache__", str(ROOT)], check=True, cwd=ROOT)
    with open(pot, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def _translated(lang: str) -> set[str]:
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=lang)
    done = set()
    for m in catalog:
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        if m.id and not m.fuzzy and all(strings):
            done.add(m.id if isinstance(m.id, str) else m.id[0])
    return done


def test_every_string_is_translated(tmp_path):
    wanted = _extracted(tmp_path)
    assert len(wanted) > 100
    for lang in LANGUAGES:
        missing = sorted(wanted - _translated(lang))
        assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:10]} — run make extract-messages"


def test_translations_differ_from_english_for_az_and_ru():
    """A catalog that merely copies the English text is not a translation."""
    for lang in ("az", "ru"):
        with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle, locale=lang)
        pairs = [(m.id, m.string) for m in catalog if m.id and isinstance(m.id, str) and len(m.id) > 12]
        same = [i for i, s in pairs if i == s]
        assert len(same) <= len(pairs) * 0.05, f"{lang}: {len(same)} strings left in English, e.g. {same[:5]}"
