"""Generate seeds/countries.csv (ISO 3166-1 alpha-2) from Babel's CLDR data.

Usage:  .venv/bin/python seeds/make_countries.py

Babel's territory list also contains non-ISO codes (CLDR macro-regions,
user-assigned and exceptionally-reserved codes such as EU, EZ, UN, QO, XA,
XB, XK, ZZ, AC, CP, CQ, DG, EA, IC, TA).  Those are dropped; only the 249
officially assigned ISO 3166-1 alpha-2 codes remain.
"""
import csv
import os

from babel import Locale

# Two-letter alphabetic codes in CLDR that are NOT officially assigned
# ISO 3166-1 alpha-2 country codes.
NON_ISO = {
    "AC",  # Ascension Island (exceptionally reserved)
    "CP",  # Clipperton Island (exceptionally reserved)
    "CQ",  # Sark (exceptionally reserved)
    "DG",  # Diego Garcia (exceptionally reserved)
    "EA",  # Ceuta & Melilla (exceptionally reserved)
    "EU",  # European Union (exceptionally reserved)
    "EZ",  # Eurozone (exceptionally reserved)
    "IC",  # Canary Islands (exceptionally reserved)
    "TA",  # Tristan da Cunha (exceptionally reserved)
    "UN",  # United Nations (exceptionally reserved)
    "QO",  # Outlying Oceania (user-assigned, CLDR)
    "XA",  # Pseudo-accents (user-assigned, CLDR)
    "XB",  # Pseudo-bidi (user-assigned, CLDR)
    "XK",  # Kosovo (user-assigned, not in ISO 3166-1)
    "ZZ",  # Unknown region (user-assigned, CLDR)
}


def main() -> None:
    en = Locale("en").territories
    az = Locale("az").territories
    ru = Locale("ru").territories
    codes = sorted(
        c for c in en if len(c) == 2 and c.isalpha() and c.isupper() and c not in NON_ISO
    )
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "countries.csv")
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name_en", "name_az", "name_ru"])
        for c in codes:
            w.writerow([c, en[c], az.get(c, en[c]), ru.get(c, en[c])])
    print(f"wrote {len(codes)} countries to {out}")


if __name__ == "__main__":
    main()
