"""A key written twice in one YAML mapping is refused, naming both lines (PyYAML keeps the last one silently)."""

from __future__ import annotations

import pytest

from usmx import _yaml, catalog, i18n
from usmx.errors import UnknownFormatError


def test_a_repeated_key_is_refused_with_both_lines():
    text = "a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n"
    with pytest.raises(UnknownFormatError, match=r"rules.yaml: line 5: the key 'c' appears twice \(first on line 3\)"):
        _yaml.load(text, "rules.yaml")


def test_the_same_key_in_different_mappings_is_fine_and_values_are_kept():
    assert _yaml.load("a: {x: 1}\nb: {x: 2}\nl: [{x: 3}, {x: 4}]\n", "f") == {
        "a": {"x": 1},
        "b": {"x": 2},
        "l": [{"x": 3}, {"x": 4}],
    }


def test_bad_yaml_names_the_source():
    with pytest.raises(UnknownFormatError, match="f.yaml: not valid YAML"):
        _yaml.load("a: [1, 2\n", "f.yaml")


def test_the_catalogue_and_the_strings_go_through_it():
    with pytest.raises(UnknownFormatError, match="appears twice"):
        catalog.load_yaml("k: 1\nk: 2\n", "x")
    assert i18n.strings("en") and i18n.strings("es")  # the bundled files hold no repeated key
