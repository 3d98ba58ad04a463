from datetime import date

from usmx import catalog


def test_states_are_the_32_entities_with_unique_abbreviations():
    states = catalog.states()
    assert list(states) == [f"{i:02d}" for i in range(1, 33)]
    assert states["09"].name == "Ciudad de México"
    assert states["15"].official_name == "México"
    assert len({s.abbreviation for s in states.values()}) == 32


def test_municipalities_follow_inegi_frame():
    muns = catalog.municipalities()
    assert len(muns) == 2475
    assert muns["01001"] == ("01", "Aguascalientes")
    assert all(code[:2] == st for code, (st, _) in muns.items())


def test_administrations_are_contiguous():
    adms = catalog.administrations()
    assert [a.key for a in adms] == ["calderon", "pena_nieto", "lopez_obrador", "sheinbaum"]
    assert [a.start for a in adms] == [date(2006, 12, 1), date(2012, 12, 1), date(2018, 12, 1), date(2024, 10, 1)]
    for prev, nxt in zip(adms, adms[1:]):
        assert (nxt.start - prev.end).days == 1


def test_series_breaks():
    keys = {b.key: b.date for b in catalog.series_breaks()}
    assert keys == {"sesnsp_new_method": date(2015, 1, 1), "sesnsp_attempted_homicide_split": date(2026, 1, 1)}


def test_normalise_folds_case_accents_and_spacing():
    assert catalog.normalise("  Bien Jurídico   afectado ") == "bien juridico afectado"
    assert catalog.normalise("Cve. Municipio") == catalog.normalise("cve municipio")
    assert catalog.normalise("AÑO") == "ano"


def test_every_table_spec_is_complete():
    for name, spec in catalog.tables().items():
        assert name.startswith("core_") and "__" in name
        assert set(spec.primary_key) <= set(spec.columns)
        for f in spec.fields:
            assert f.label_en and f.label_es, (name, f.name)


def test_header_map_matches_official_spellings():
    layout = catalog.layouts("sesnsp")["sesnsp_state_crimes"]
    header = ["Año", "Clave_Ent", "Entidad", "Bien jurídico afectado", "Tipo de delito", "Subtipo de delito",
              "Modalidad", "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
              "Octubre", "Noviembre", "Diciembre"]
    mapping, unknown, missing = layout.match(header)
    assert not unknown and not missing
    mapping, unknown, missing = layout.match(["AÑO", "Cve. Entidad"] + header[2:-1] + ["Sexo"])
    assert unknown == ["Sexo"] and missing == ["m12"]
