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


def test_every_indicator_unit_and_index_component_has_its_words_in_both_languages():
    """The Spanish report said "(score)", "(crimes)", "(markets)" and "peso de violent_crime"."""
    from usmx import catalog, i18n
    from usmx import indicators as ind

    for lang in ("es", "en"):
        units = i18n.strings(lang)["units"]
        assert {i.unit for i in ind.registry().values()} <= set(units), lang
        for spec in catalog._read_yaml("indices.yaml")["indices"].values():
            for part in spec["components"]:
                assert i18n.t(f"component_{part}", lang) != f"component_{part}"
    assert i18n.unit("score", "es") == "puntaje" and i18n.unit("crimes", "es") == "delitos"


def test_a_label_that_names_its_unit_does_not_repeat_it():
    from usmx.report.sections_us import _labelled

    assert _labelled("Fentanilo decomisado por la CBP (libras)", "libras") == "Fentanilo decomisado por la CBP (libras)"
    assert _labelled("Índice de captura criminal", "puntaje") == "Índice de captura criminal (puntaje)"
