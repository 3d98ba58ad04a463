"""The claims tracker: each claim of the security debate (catalog/claims.yaml) read against the warehouse.

Every claim is evaluated by a function here from the indicators, evaluations and audits that bear on it: the
numbers it finds fill the claim's reading (in Spanish or English), and rules stated beside each function give the
direction (``supports``, ``contradicts``, ``mixed``) and a confidence (``high``, ``medium``, ``low``). A claim whose
data are not loaded says so (``insufficient``), with what it needs. Nothing is written by hand: run it again on a
newer warehouse and the readings change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from . import catalog, i18n
from .errors import UsmxError

INTERVENTION = "2024-10"


class Insufficient(Exception):
    """The warehouse lacks what a claim needs: what, in English and in Spanish."""

    def __init__(self, en: str, es: str) -> None:
        super().__init__(en)
        self.text = {"en": en, "es": es}


def _num(x: float, lang: str, decimals: int = 1) -> str:
    return i18n.number(x, lang, decimals)


def _pct(x: float, lang: str) -> str:
    return i18n.pct(x, lang, 1)


def _record_violence(obs, lang: str) -> tuple[dict, str, str]:
    """Supports when López Obrador's daily average of intentional homicides is the highest of every term in each
    source that covers his term (SESNSP; INEGI by month of occurrence); high confidence when two sources agree."""
    rows = obs.indicator("administration_comparison", groups="intentional_homicide").to_pylist()
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


def _news_share(obs) -> tuple[float, float, int] | None:
    """GDELT's law-enforcement share of US-Mexico events from December 2018 on and in the six years before, and the
    months loaded; None with fewer than 24 months, or less than a year on a side."""
    rows = obs.indicator("cooperation_index", smooth=1).to_pylist()
    if len(rows) < 24:
        return None
    cut = date(2018, 12, 1)
    before = [r["share"] for r in rows if date(2012, 12, 1) <= r["period"] < cut and r["share"] is not None]
    after = [r["share"] for r in rows if r["period"] >= cut and r["share"] is not None]
    if len(before) < 12 or len(after) < 12:
        return None
    return sum(before) / len(before), sum(after) / len(after), len(rows)


def _cooperation(obs, lang: str) -> tuple[dict, str, str]:
    """Counted acts first: the key-date studies (usmx evaluate cooperation) at December 2018 and December 2020 for
    components with acts before the date (counts or OFAC lists, not the ledger's named-event floors); then GDELT's
    law-enforcement share of US-Mexico news, December 2018 on against the six years before (a fall of a quarter or
    more). Supports when a counted act fell beyond chance and the news did not rise (or, with no counts, when the
    news share fell); contradicts when the counted acts held and the news did not fall (or, with no counts, when it
    rose); mixed otherwise. Medium confidence with counted acts, low on the news alone."""
    studies = obs.evaluate("cooperation")["event_studies"].to_pylist()
    informative = [
        r for r in studies
        if r["key_date"] in ("2018-12", "2020-12") and r["basis"] in ("count", "list_difference")
        and r["before"] and r["finding"] not in ("not measurable",)
    ]  # fmt: skip
    news = _news_share(obs)
    if not informative and news is None:
        raise Insufficient(
            "counted acts with activity before December 2018 (yearly extradition counts in the ledger, OFAC lists) "
            "or at least 24 months of GDELT events on both sides of it",
            "actos contados con actividad antes de diciembre de 2018 (conteos anuales de extradiciones en el "
            "registro, listas de la OFAC) o al menos 24 meses de eventos de GDELT a ambos lados de esa fecha",
        )
    fell = [r for r in informative if r["finding"] == "fell"]
    words = {"fell": ("fell", "cayó"), "rose": ("rose", "subió"),
             "no clear change": ("did not clearly change", "no cambió con claridad")}  # fmt: skip
    order = catalog.scorecard_order()
    informative.sort(key=lambda r: (r["key_date"], order.index(r["component"]) if r["component"] in order else 99))
    since = "desde" if lang == "es" else "from"

    def reading(r: dict) -> str:
        name = i18n.t("component_" + r["component"], lang).lower()
        verb = words.get(r["finding"], (r["finding"],) * 2)[lang == "es"]
        return f"{name} {verb} ({since} {r['date']:%Y-%m}: {_num(r['ratio'] or 0, lang, 2)}×)"

    parts = [reading(r) for r in informative]
    none = "ninguno con actividad previa" if lang == "es" else "none with acts before those dates"
    news_text = "–"
    news_fell = news_rose = False
    if news is not None:
        b, a, months = news
        news_fell, news_rose = a <= 0.75 * b, a > b
        against, of = ("frente a", "meses de GDELT") if lang == "es" else ("against", "months of GDELT")
        news_text = f"{_pct(a, lang).lstrip('+')} {against} {_pct(b, lang).lstrip('+')} ({months} {of})"
    if informative:
        if fell and not news_rose:
            direction = "supports"
        elif not fell and not news_fell:
            direction = "contradicts"
        else:
            direction = "mixed"
    else:
        direction = "supports" if news_fell else "contradicts" if news_rose else "mixed"
    values = {"counted": "; ".join(parts) or none, "news": news_text}
    return values, direction, "medium" if informative else "low"


def _criminal_reach(obs, lang: str) -> tuple[dict, str, str]:
    """Markets (catalog/markets.yaml) whose national count grew by more than 10% between the first and last years
    every market is measured: supports when most grew, contradicts when few did; medium confidence (records)."""
    from .indicators.markets import markets

    yearly: dict[str, dict[int, float]] = {}
    for key, m in markets().items():
        if m.get("federal"):
            rows = obs.indicator("federal_crimes", group=m["group"], by="year").to_pylist()
        else:
            measure = catalog.crime_groups()[m["group"]].measure
            rows = obs.indicator("crime_rate_per_100k", group=m["group"], by="year", level="national",
                                 measure=measure).to_pylist()  # fmt: skip
            rows = [{**r, "value": r["total"]} for r in rows]
        yearly[key] = {r["year"]: float(r["value"]) for r in rows if r.get("months", 12) == 12}
    common = set.intersection(*(set(v) for v in yearly.values())) if yearly else set()
    if len(common) < 2:
        raise Insufficient(
            "two complete years with every criminal market measured (SESNSP state and federal)",
            "dos años completos con todos los mercados criminales medidos (SESNSP, fuero común y federal)",
        )
    first, last = min(common), max(common)
    rose = [k for k, v in yearly.items() if v[first] > 0 and v[last] / v[first] > 1.1]
    share = len(rose) / len(yearly)
    direction = "supports" if share > 0.5 else "contradicts" if share < 0.3 else "mixed"
    names = ", ".join(markets()[k][f"label_{lang}"].lower() for k in rose) or "–"
    values = {"rose": len(rose), "markets": len(yearly), "first": first, "last": last, "which": names}
    return values, direction, "medium"


def _narco_state(obs, lang: str) -> tuple[dict, str, str]:
    """Supports when, nationally, homicides fell while disappearances per homicide rose significantly (the
    substitution audit's flag) and extortion rose; mixed when one of the two; contradicts when neither."""
    sub = {r["state_code"]: r for r in obs.audit("substitution", intervention=INTERVENTION).to_pylist()}
    nat = sub.get("00")
    if nat is None:
        raise Insufficient(
            "SESNSP victims and RNPDNO persons not located after October 2024",
            "víctimas del SESNSP y personas no localizadas del RNPDNO después de octubre de 2024",
        )
    ext = obs.indicator("crime_rate_per_100k", group="extortion", by="year", level="national").to_pylist()
    full = [r for r in ext if r.get("months") == 12]
    if len(full) < 2:
        raise Insufficient("two complete years of extortion victims", "dos años completos de víctimas de extorsión")
    a, b = full[max(0, len(full) - 4)], full[-1]
    ext_change = (b["value"] / a["value"] - 1) * 100 if a["value"] else 0.0
    signs = [bool(nat["flagged"]), ext_change > 0]
    direction = "supports" if all(signs) else "mixed" if any(signs) else "contradicts"
    values = {
        "homicides": _pct(nat["homicide_change_pct"], lang), "ratio_pre": _num(nat["ratio_pre"], lang),
        "ratio_post": _num(nat["ratio_post"], lang), "p": i18n.number(nat["p_holm"], lang, 4),
        "extortion": _pct(ext_change, lang), "first": a["year"], "last": b["year"],
    }  # fmt: skip
    return values, direction, "medium" if direction != "mixed" else "low"


def _strategy(obs, lang: str) -> tuple[dict, str, str]:
    """Supports when the 95% interval of the interrupted-time-series effect lies below zero, the placebo rank p is
    at most 0.1 and no national reclassification flag is raised; contradicts when the interval lies above zero;
    mixed otherwise. High confidence needs a strong placebo rank (p at most 0.1)."""
    try:
        # the primary estimate and its placebo rank (the state-space check is the evaluation section's, not needed here)
        its = obs.evaluate(
            "its", indicator="homicide_victims", intervention=INTERVENTION, pre_window=60, second_model=False
        )
    except UsmxError as exc:
        raise Insufficient(
            f"homicide victims before and after October 2024 ({exc})",
            "víctimas de homicidio antes y después de octubre de 2024",
        ) from exc
    lo, hi = its.effect_pct_ci
    flags = [r["candidate"] for r in obs.audit("reclassification", intervention=INTERVENTION).to_pylist()
             if r["state_code"] == "00" and r["flagged"]]  # fmt: skip
    placebo = its.placebo_p_value
    strong = placebo is not None and placebo <= 0.1
    if hi < 0 and strong and not flags:
        direction = "supports"
    elif lo > 0:
        direction = "contradicts"
    else:
        direction = "mixed"
    values = {
        "effect": _pct(its.effect_pct, lang), "low": _pct(lo, lang), "high": _pct(hi, lang),
        "placebo": i18n.number(placebo, lang, 2) if placebo is not None else "–",
        "flags": ", ".join(catalog.crime_groups()[f].label(lang).lower() for f in flags) or "0",  # words, not keys
    }  # fmt: skip
    return values, direction, "high" if strong and direction != "mixed" else "medium" if strong else "low"


def _fentanyl(obs, lang: str) -> tuple[dict, str, str]:
    """Supports co-movement when the largest cross-correlation lies outside the 95% band and is positive;
    contradicts when no lag does; low confidence (trending series)."""
    rows = [r for r in obs.indicator("fentanyl_seizures_vs_overdoses").to_pylist() if r["value"] is not None]
    if not rows:
        raise Insufficient(
            "CBP fentanyl seizures and CDC overdose deaths over the same months",
            "decomisos de fentanilo de la CBP y muertes por sobredosis de los CDC en los mismos meses",
        )
    top = max(rows, key=lambda r: abs(r["value"]))
    outside = sum(1 for r in rows if r["outside_band"])
    direction = "supports" if top["outside_band"] and top["value"] > 0 else "contradicts" if not outside else "mixed"
    lag = int(top["lag_months"])
    unit = {"es": ("mes", "meses"), "en": ("month", "months")}[lang][abs(lag) != 1]
    values = {"r": i18n.number(top["value"], lang, 2), "lag": f"{lag} {unit}",
              "band": i18n.number(top["band_high"], lang, 2), "outside": outside, "lags": len(rows)}  # fmt: skip
    return values, direction, "low"


def _us_pressure(obs, lang: str) -> tuple[dict, str, str]:
    """Mexico-tied SDN entries first seen on the newest list against those dropped since the one before: supports
    when more were added than removed; medium confidence (one instrument)."""
    rows = obs.indicator("designations").to_pylist()
    lists = sorted({r["list_date"] for r in rows})
    if len(lists) < 2:
        raise Insufficient(
            "two OFAC SDN lists (vintages) to compare", "dos listas SDN de la OFAC (versiones) para comparar"
        )
    last = [r for r in rows if r["list_date"] == lists[-1]]
    new = sum(r["value"] or 0 for r in last)
    dropped = sum(r["dropped"] or 0 for r in last)
    direction = "supports" if new > dropped else "contradicts" if new < dropped else "mixed"
    values = {"new": new, "dropped": dropped, "first": lists[-2], "last": lists[-1]}
    return values, direction, "medium"


def _migration(obs, lang: str) -> tuple[dict, str, str]:
    """The newest complete fiscal year's southwest border encounters against the peak year: supports when below
    half the peak, contradicts when within a tenth of it; high confidence (counted by CBP)."""
    rows = [r for r in obs.indicator("southwest_border_encounters", by="fiscal_year").to_pylist() if r["months"] == 12]
    if len(rows) < 2:
        raise Insufficient(
            "two complete fiscal years of CBP encounters", "dos años fiscales completos de encuentros de la CBP"
        )
    peak, last = max(rows, key=lambda r: r["value"]), rows[-1]
    change = (last["value"] / peak["value"] - 1) * 100
    direction = "supports" if change <= -50 else "contradicts" if change > -10 else "mixed"
    values = {
        "last_value": _num(last["value"], lang, 0),
        "last": last["fiscal_year"],
        "peak_value": _num(peak["value"], lang, 0),
        "peak": peak["fiscal_year"],
        "change": _pct(change, lang),
    }
    return values, direction, "high"  # fmt: skip


EVALUATORS: dict[str, Callable[[Any, str], tuple[dict, str, str]]] = {
    "record_violence": _record_violence,
    "cooperation_collapsed": _cooperation,
    "criminal_reach_grew": _criminal_reach,
    "narco_state_risk": _narco_state,
    "strategy_working": _strategy,
    "fentanyl": _fentanyl,
    "us_pressure": _us_pressure,
    "migration_fell": _migration,
}


class _Memo:
    """Each indicator, evaluation and audit computed once, however many claims and languages read it."""

    def __init__(self, obs) -> None:
        self.obs = obs
        self.seen: dict[tuple, Any] = {}

    def _get(self, method: str, name: str, options: dict):
        key = (method, name, tuple(sorted(options.items())))
        if key not in self.seen:
            try:
                self.seen[key] = getattr(self.obs, method)(name, **options)
            except UsmxError as exc:  # remembered too: the same gap is reported for every claim that needs it
                self.seen[key] = exc
        if isinstance(self.seen[key], UsmxError):
            raise self.seen[key]
        return self.seen[key]

    def indicator(self, name: str, **options):
        return self._get("indicator", name, options)

    def evaluate(self, method: str, **options):
        return self._get("evaluate", method, options)

    def audit(self, kind: str, **options):
        return self._get("audit", kind, options)


class Backend:
    """What the claims read, straight from an Ibis backend (the report's worker processes have no Observatory)."""

    def __init__(self, con, run=None) -> None:
        self.con = con
        self.run = run  # the report's memo of indicator tables, shared with its other figures

    def indicator(self, name: str, **params):
        if self.run is not None:
            return self.run(name, **params)
        from . import indicators

        return indicators.run(self.con, name, **params)

    def evaluate(self, method: str, indicator: str = "homicide_victims", **options):
        from .evaluate import interrupted_time_series, monthly_series

        if method == "cooperation":
            from .indicators.scorecard import event_studies, reported_vs_counted

            return {"event_studies": event_studies(self.con), "correlation": reported_vs_counted(self.con)}
        if method != "its":
            raise UsmxError(f"the claims read no {method!r} evaluation")
        return interrupted_time_series(monthly_series(self.indicator(indicator, by="month"), indicator), **options)

    def audit(self, kind: str, **options):
        from .evaluate import integrity

        rates = {
            g: self.indicator("crime_rate_per_100k", group=g, by="month", level="state", measure="victims")
            for g in ["intentional_homicide", *(integrity.CANDIDATES if kind == "reclassification" else [])]
        }
        if kind == "reclassification":
            return integrity.reclassification(rates, **options)
        rates["disappeared_not_located"] = self.indicator("disappearances", by="state_month")
        return integrity.substitution(rates, **options)


def evaluate(obs, lang: str = "en") -> list[dict]:
    """Every claim, read against the warehouse behind ``obs`` (an :class:`usmx.Observatory`, or anything with its
    ``indicator``, ``evaluate`` and ``audit``)."""
    return evaluate_all(obs, (lang,))[lang]


def evaluate_all(obs, langs: tuple[str, ...] = ("es", "en")) -> dict[str, list[dict]]:
    """Every claim in each language, each figure computed once."""
    memo = _Memo(obs)
    return {lang: [_claim(memo, key, lang) for key in keys()] for lang in langs}


def keys() -> list[str]:
    """The claims, in the catalogue's order."""
    return list(catalog._read_yaml("claims.yaml")["claims"])


def evaluate_one(obs, key: str, langs: tuple[str, ...] = ("es", "en")) -> dict[str, dict]:
    """One claim in each language (the report computes the claims as separate jobs, in parallel)."""
    memo = _Memo(obs)
    return {lang: _claim(memo, key, lang) for lang in langs}


def _claim(obs, key: str, lang: str) -> dict:
    spec = catalog._read_yaml("claims.yaml")["claims"][key]
    try:
        values, direction, confidence = EVALUATORS[key](obs, lang)
        reading = spec[f"reading_{lang}"].format(**values)
    except Insufficient as exc:
        direction, confidence = "insufficient", "low"
        needs = "Sin datos suficientes: se necesitan " if lang == "es" else "No data to test it: needs "
        reading = needs + exc.text[lang] + "."
    except UsmxError as exc:
        direction, confidence = "insufficient", "low"
        reading = ("Sin datos suficientes: " if lang == "es" else "No data to test it: ") + str(exc)
    return {
        "key": key,
        "claim": spec[f"claim_{lang}"],
        "indicators": spec["indicators"],
        "reading": reading,
        "direction": direction,
        "confidence": confidence,
        "caveats": spec[f"caveats_{lang}"],
    }
