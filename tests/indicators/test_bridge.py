"""Crime groups across SESNSP's January 2026 methodology break (catalog/bridge_2026.yaml)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from usmx import catalog
from usmx.catalog.bridge import bridge_2026
from usmx.indicators.bridge import _like_regex

from ..conftest import CONAPO_STATE, STATE_CRIMES, STATE_CRIMES_2026, text_of


def _keys_2026() -> dict[str, int]:
    """Each 2026 category's national total, summed from the file with the csv module."""
    out: dict[str, int] = {}
    rows = list(csv.reader(io.StringIO(text_of(STATE_CRIMES_2026, "cp1252"))))[1:]
    for r in rows:
        key = ".".join(catalog.normalise(x).replace(" ", "_") for x in r[4:7])
        out[key] = out.get(key, 0) + sum(int(v) for v in r[7:19] if v.strip())
    return out


def _matching(keys: dict[str, int], patterns) -> dict[str, int]:
    regexes = [_like_regex(p) for p in patterns]
    return {k: v for k, v in keys.items() if any(r.match(k) for r in regexes)}


def test_every_pattern_of_the_bridge_finds_its_categories_in_the_real_file():
    keys = _keys_2026()
    _, bridge = bridge_2026()
    for b in bridge.values():
        for p in (*b.keys, *b.left_out, *b.attempts):
            assert _matching(keys, [p]), f"{b.key}: {p!r} matches no 2026 category"
        assert not set(_matching(keys, b.keys)) & set(_matching(keys, b.left_out)), b.key
        assert set(_matching(keys, b.attempts)) <= set(_matching(keys, b.keys)), b.key
        assert b.choice_en and b.choice_es


def test_no_2026_category_of_a_whole_crime_type_is_dropped_silently():
    """Where the 2015 group is a whole crime type ('secuestro.%'), each 2026 category of that type is counted by
    the bridge or listed as left out (and so measured)."""
    keys = _keys_2026()
    _, bridge = bridge_2026()
    whole = {
        k: g
        for k, g in catalog.crime_groups().items()
        if k in bridge and any(re.fullmatch(r"[a-z_]+\.%", p) for p in g.keys)
    }
    assert {"kidnapping", "extortion", "retail_drug_dealing", "human_trafficking", "feminicide"} <= set(whole)
    for key, g in whole.items():
        family = _matching(keys, g.keys)
        covered = _matching(keys, bridge[key].keys + bridge[key].left_out)
        assert set(family) <= set(covered), f"{key}: {sorted(set(family) - set(covered))} neither counted nor left out"


def test_methodology_bridge_states_attempts_and_left_out_categories_from_the_file(obs):
    obs.ingest(STATE_CRIMES_2026)
    rows = {r["group"]: r for r in obs.indicator("methodology_bridge").to_pylist()}
    keys = _keys_2026()
    ext = rows["extortion"]
    assert ext["value"] == sum(v for k, v in keys.items() if k.startswith("extorsion."))
    assert ext["attempts_counted"] == sum(v for k, v in keys.items() if k.startswith("extorsion.tentativa_de_"))
    assert ext["attempts_pct"] == pytest.approx(ext["attempts_counted"] / ext["value"] * 100)
    hom = rows["intentional_homicide"]
    assert hom["left_out"] == keys["homicidio.tentativa_de_homicidio_doloso.tentativa_de_homicidio_doloso"] > 0
    assert hom["value"] == sum(v for k, v in keys.items() if k.startswith("homicidio.homicidio_doloso."))
    assert ext["months"] == 3 and ext["same_months_before"] is None  # no 2025 release loaded
    assert "attempt" in ext["choice_en"] and "tentativa" in ext["choice_es"]


def test_group_rates_run_across_the_break_and_every_row_says_its_methodology(obs, tmp_path):
    # a 2025 release in the 2015 methodology, made from the real 2020 rows with the year changed, so that a window
    # of 12 months can cross January 2026
    text = text_of(STATE_CRIMES, "latin-1").splitlines()
    fake = [text[0]] + [line.replace("2020,", "2025,", 1) for line in text[1:] if line.startswith("2020,")]
    release = tmp_path / "IDEFC_NM_dic2025.csv"
    release.write_bytes(("\r\n".join(fake) + "\r\n").encode("latin-1"))
    obs.ingest(CONAPO_STATE, release, STATE_CRIMES_2026)
    monthly = obs.indicator(
        "crime_rate_per_100k", group="extortion", by="month", level="national", measure="crimes"
    ).to_pylist()
    by_period = {r["period"].isoformat()[:7]: r for r in monthly}
    assert by_period["2025-12"]["methodology"] == "2015" and by_period["2026-01"]["methodology"] == "2026"
    keys = _keys_2026()
    jan = sum(v for k, v in keys.items() if k.startswith("extorsion."))  # 3 months
    assert sum(by_period[m]["total"] for m in ("2026-01", "2026-02", "2026-03")) == jan
    yearly = {
        r["year"]: r
        for r in obs.indicator("crime_rate_per_100k", group="extortion", level="national", measure="crimes").to_pylist()
    }
    assert yearly[2025]["methodology"] == "2015" and yearly[2026]["methodology"] == "2026"
    assert yearly[2026]["months"] == 3
    last = obs.indicator(
        "crime_rate_per_100k", group="extortion", by="last_12_months", level="state", measure="crimes"
    ).to_pylist()
    assert {r["methodology"] for r in last} == {"2015+2026 (bridged)"}
    # a group measured in victims keeps its (2015-methodology) victims series
    victims = obs.indicator("crime_rate_per_100k", group="extortion", measure="victims", level="national")
    assert victims.num_rows == 0 or set(victims.column("methodology").to_pylist()) == {"2015"}
    # with a 2025 release, the bridge compares the first 2026 months with the same months of 2025
    ext = {r["group"]: r for r in obs.indicator("methodology_bridge").to_pylist()}["extortion"]
    assert ext["same_months_before"] > 0 and ext["change_pct"] == pytest.approx(
        (ext["value"] / ext["same_months_before"] - 1) * 100
    )
