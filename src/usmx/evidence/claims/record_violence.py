"""The claim ``record_violence`` (catalog/claims.yaml): how its reading, direction and confidence are computed."""

from __future__ import annotations

from . import Insufficient, _num


def evaluate(ev, lang: str) -> tuple[dict, str, str]:
    """Supports when López Obrador's daily average of intentional homicides is the highest of every term in each
    source that covers his term (SESNSP; INEGI by month of occurrence); high confidence when two sources agree."""
    rows = ev.indicator("administration_comparison", groups="intentional_homicide").to_pylist()
    verdicts, shown = [], None
    for source in sorted({r["source"] for r in rows}):
        terms = {r["administration"]: r["value"] for r in rows if r["source"] == source}
        if "lopez_obrador" not in terms or len(terms) < 2:
            continue
        verdicts.append(terms["lopez_obrador"] == max(terms.values()))
        if shown is None or source.startswith("SESNSP"):
            shown = (terms["lopez_obrador"], terms.get("pena_nieto"), source)
    if not verdicts or shown is None:
        raise Insufficient(
            "homicide victims (SESNSP) or death records covering two terms",
            "víctimas de homicidio (SESNSP) o registros de defunción que cubran dos sexenios",
        )
    direction = "supports" if all(verdicts) else "contradicts" if not any(verdicts) else "mixed"
    prev = _num(shown[1], lang) if shown[1] is not None else "–"
    source = "SESNSP" if shown[2].startswith("SESNSP") else "INEGI"
    values = {"amlo": _num(shown[0], lang), "prev": prev, "source": source}
    return values, direction, "high" if len(verdicts) >= 2 and direction != "mixed" else "medium"
