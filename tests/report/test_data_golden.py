"""A change of structure changes no figure: the demo's report data and every claim's JSON, field by field, equal the
golden file (tests/golden.py says how and when it is written again)."""

from __future__ import annotations

from usmx import Observatory

from .. import golden


def test_the_report_data_and_the_claims_equal_the_golden_file(reported_db):
    obs = Observatory(reported_db)
    now = golden.canonical(obs.report_data(), {lang: obs.claims(lang) for lang in ("es", "en")})
    changed = golden.differences(golden.read(), now)
    assert not changed, f"{len(changed)} fields changed, e.g.:\n" + "\n".join(changed[:20])


def test_the_claims_computed_without_the_reports_cache_equal_the_golden_file(loaded):
    """`usmx claims` on a warehouse whose report was never computed evaluates the claims itself: same JSON."""
    expected = golden.read()["claims_json"]
    for lang in ("es", "en"):
        changed = golden.differences(expected[lang], golden.plain(loaded.claims(lang)), f"claims[{lang}]")
        assert not changed, "\n".join(changed[:20])
