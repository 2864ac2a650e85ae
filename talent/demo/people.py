"""Believable, deterministic personal data for demo trainees: Azerbaijani names with the right
female surname forms and patronymics, unique FINs, phones, e-mail addresses."""
from __future__ import annotations

import random
from pathlib import Path

from talent.config import ROOT
from talent.i18n import fold

DEMO_SEEDS = ROOT / "seeds" / "demo"

# FIN: 7 characters, digits and capital Latin letters without I and O (easily misread).
FIN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FIN_SPACE = len(FIN_ALPHABET) ** 7
MOBILE_PREFIXES = ["50", "51", "55", "70", "77", "99", "10"]
MOBILE_WEIGHTS = [30, 15, 20, 15, 12, 5, 3]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]


def read_lines(name: str, folder: Path = DEMO_SEEDS) -> list[str]:
    with open(folder / name, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def female_surname(male: str) -> str:
    """``Məmmədov`` → ``Məmmədova``; ``-li/-lı/-lu/-lü`` surnames are the same for both."""
    if male.endswith(("ov", "ev", "in")):  # -ov, -yev, -ev, -in
        return male + "a"
    return male


def fin_sequence(rng: random.Random):
    """A function index → FIN that never repeats: an affine permutation of the FIN space, so
    FINs look random but need no set to stay unique (even for millions of trainees)."""
    while True:
        a = rng.randrange(FIN_SPACE // 3, FIN_SPACE)
        if a % 2 and a % 17:  # coprime with 34**7 = 2**7 * 17**7
            break
    b = rng.randrange(FIN_SPACE)
    alphabet = FIN_ALPHABET

    def fin(index: int) -> str:
        n = (a * index + b) % FIN_SPACE
        chars = []
        for _ in range(7):
            n, r = divmod(n, 34)
            chars.append(alphabet[r])
        return "".join(chars)
    return fin


def ascii_key(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


class NameMaker:
    """Names with cached folded forms (the search key) so millions of rows stay cheap."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.male = read_lines("first_names_male.txt")
        self.female = read_lines("first_names_female.txt")
        stems = read_lines("surname_stems.txt")
        self.surnames_m = stems
        self.surnames_f = [female_surname(s) for s in stems]
        self._fold: dict[str, str] = {}
        self._ascii: dict[str, str] = {}

    def folded(self, text: str) -> str:
        value = self._fold.get(text)
        if value is None:
            value = self._fold[text] = fold(text)
        return value

    def ascii(self, text: str) -> str:
        value = self._ascii.get(text)
        if value is None:
            value = self._ascii[text] = ascii_key(text)
        return value

    def person(self, gender: str) -> tuple[str, str, str, str]:
        """(first, last, patronymic, search_name)."""
        rng = self.rng
        i = rng.randrange(len(self.surnames_m))
        father = self.male[rng.randrange(len(self.male))]
        if gender == "F":
            first = self.female[rng.randrange(len(self.female))]
            last = self.surnames_f[i]
            patronymic = father + " qızı"
        else:
            first = self.male[rng.randrange(len(self.male))]
            last = self.surnames_m[i]
            patronymic = father + " oğlu"
        search = f"{self.folded(last)} {self.folded(first)} {self.folded(father)} " + (
            "qizi" if gender == "F" else "oglu")
        return first, last, patronymic, search

    def email(self, first: str, last: str, number: int) -> str:
        domain = EMAIL_DOMAINS[number % 3]
        return f"{self.ascii(first)}.{self.ascii(last)}{number % 997}@{domain}"

    def phone(self) -> str:
        rng = self.rng
        prefix = rng.choices(MOBILE_PREFIXES, MOBILE_WEIGHTS)[0]
        return f"+994{prefix}{rng.randrange(2_000_000, 10_000_000)}"
