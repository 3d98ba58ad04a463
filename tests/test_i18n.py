"""usmx's two languages: number and date conventions, every word in both, bilingual records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from usmx import catalog, i18n


def test_number_and_date_conventions():
    assert i18n.number(86.9, "es", 1) == "86,9" and i18n.number(86.9, "en", 1) == "86.9"
    assert i18n.number(30046, "es") == "30.046" and i18n.number(30046, "en") == "30,046"
    assert i18n.number(1205, "es") == "1.205"
    assert i18n.month(date(2024, 9, 1), "es") == "septiembre de 2024"
    assert i18n.month(date(2024, 9, 1), "en") == "September 2024"
    assert i18n.pct(-26.51, "es") == "−26,5 %" and i18n.pct(12.0, "en") == "+12.0%"
    assert i18n.number(None, "es") == "–"


def test_every_string_has_both_languages():
    es, en = i18n.strings("es"), i18n.strings("en")
    assert set(es) == set(en)
    for key in es:
        assert es[key] and en[key], key
        if isinstance(es[key], str):  # the same placeholders in both languages
            assert sorted(re.findall(r"{(\w+)}", es[key])) == sorted(re.findall(r"{(\w+)}", en[key])), key


def test_bilingual_records_read_their_fields_in_either_language():
    @dataclass(frozen=True)
    class Thing(i18n.Bilingual):
        label_en: str
        label_es: str

    thing = Thing("Homicide", "Homicidio")
    assert thing.label("es") == "Homicidio" and thing.label("en") == "Homicide" and thing.label("fr") == "Homicide"
    group = catalog.crime_groups()["kidnapping"]
    assert group.label("es") == "Secuestro" and group.short("en")
    assert catalog.administrations()[-1].label("es") == "Sheinbaum"
