from datetime import date

import pytest

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
    header = [
        "Año",
        "Clave_Ent",
        "Entidad",
        "Bien jurídico afectado",
        "Tipo de delito",
        "Subtipo de delito",
        "Modalidad",
        "Enero",
        "Febrero",
        "Marzo",
        "Abril",
        "Mayo",
        "Junio",
        "Julio",
        "Agosto",
        "Septiembre",
        "Octubre",
        "Noviembre",
        "Diciembre",
    ]
    mapping, unknown, missing = layout.match(header)
    assert not unknown and not missing
    mapping, unknown, missing = layout.match(["AÑO", "Cve. Entidad"] + header[2:-1] + ["Sexo"])
    assert unknown == ["Sexo"] and missing == ["m12"]


def test_every_table_lists_fields_defined_once():
    fields = catalog.fields()
    for spec in catalog.tables().values():
        for f in spec.fields:
            assert f.name in fields and f.type == fields[f.name].type and f.label_es and f.label_en
        assert set(spec.primary_key) <= set(spec.columns), spec.name
    # state_code is always INEGI's: no table uses the name for anything else
    for spec in catalog.tables().values():
        if "state_code" in spec.columns:
            assert next(f for f in spec.fields if f.name == "state_code").rules["references"] == "states"


@pytest.mark.parametrize(
    "text, code",
    [
        ("9", "09"),
        ("09", "09"),
        ("CDMX", "09"),
        ("Ciudad de Mexico", "09"),
        ("sinaloa", "25"),
        ("SIN", "25"),
        ("Michoacán de Ocampo", "16"),
        ("michoacan", "16"),
        ("Estado de México", "15"),
        ("Mexico City", "09"),
        ("Veracruz de Ignacio de la Llave", "30"),
        ("Nuevo León", "19"),
    ],
)
def test_one_state_lookup_takes_codes_abbreviations_and_names(text, code):
    assert catalog.state_code(text) == code


def test_unknown_states_are_none():
    assert catalog.state_code("Atlantis") is None and catalog.state_code(None) is None


def test_crime_groups_by_key_or_spanish_or_english_name():
    assert catalog.crime_group("extorsion").key == "extortion"
    assert catalog.crime_group("Homicidio doloso").key == "intentional_homicide"
    assert catalog.crime_group("Violent vehicle theft").key == "vehicle_theft_violent"
    assert catalog.crime_group("piracy") is None
    assert {g.measure for g in catalog.crime_groups().values()} == {"victims", "crimes"}


def test_administrations_are_one_catalogue_with_labels_and_colours():
    admins = catalog.administrations()
    assert [a.key for a in admins] == ["calderon", "pena_nieto", "lopez_obrador", "sheinbaum"]
    for a, b in zip(admins, admins[1:]):
        assert (b.start - a.end).days == 1
    assert all(a.label("es") and a.label("en") and a.colour.startswith("#") for a in admins)


def test_file_kinds_and_fetch_targets_agree_with_the_sources():
    from usmx import sources

    assert catalog.file_kinds() == sorted(sources.kinds())
    for target in catalog.fetch_targets().values():
        assert target["kind"] in catalog.file_kinds()


def test_no_catalogue_file_names_a_key_twice():
    """YAML keeps the last of two equal keys without a word: a field defined twice would silently change a table."""
    from importlib import resources

    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        # the keys written in this mapping (a merge, <<, may legitimately be overridden by them)
        keys = [k.value for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
        dup = sorted({k for k in keys if keys.count(k) > 1}, key=str)
        assert not dup, f"line {node.start_mark.line + 1}: {dup} defined twice"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    root = resources.files("usmx")
    paths = [p for d in ("catalog", "catalog/tables", "catalog/headers", "strings") for p in root.joinpath(d).iterdir()]
    for path in paths:
        if path.name.endswith(".yaml"):
            yaml.load(path.read_text("utf-8"), Loader=Strict)
