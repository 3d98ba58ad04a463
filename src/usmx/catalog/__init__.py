"""Metadata as data: states, municipalities, administrations, series breaks, table specs and header maps.

Everything here is read from small CSV/YAML files beside this module, so that a new release that renames a column,
or a new administration, is a data change rather than a code change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from ..i18n import Bilingual
from ._files import _PKG, _read_csv, _read_yaml, load_yaml
from .dates import (
    Administration,
    KeyDate,
    SeriesBreak,
    administration,
    administrations,
    cooperation_key_dates,
    key_date,
    key_dates,
    series_breaks,
)
from .maps import topology

__all__ = [
    "Administration",
    "KeyDate",
    "SeriesBreak",
    "administration",
    "administrations",
    "cooperation_key_dates",
    "key_date",
    "key_dates",
    "load_yaml",
    "series_breaks",
    "topology",
]


@lru_cache(maxsize=1 << 16)
def normalise(label: str) -> str:
    """Fold case, accents, punctuation and spacing: the form in which labels and headers are compared.

    Cached: header detection compares every known spelling of every layout with each file's header.

    ``normalise(" Bien jurídico  afectado")  == "bien juridico afectado"``; the SQL twin is :data:`NORMALISE_SQL`.
    """
    text = unicodedata.normalize("NFKD", label)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def suggest(text: str, choices, n: int = 3) -> str:
    """' (did you mean X or Y?)' for a mistyped name, comparing folded forms; '' when nothing is close."""
    import difflib

    folded = {normalise(str(c)): str(c) for c in choices}
    close = difflib.get_close_matches(normalise(str(text)), list(folded), n=n, cutoff=0.6)
    names = list(dict.fromkeys(folded[c] for c in close))
    return f" (did you mean {' or '.join(names)}?)" if names else ""


@cache
def choice_aliases() -> dict[str, dict[str, str]]:
    """Other names for choices' values, by option (catalog/choice_aliases.yaml), keys folded with :func:`normalise`."""
    return {opt: {normalise(k): v for k, v in m.items()} for opt, m in _read_yaml("choice_aliases.yaml").items()}


def aliases_of(option: str, choices) -> list[str]:
    """The aliases (folded) that name one of ``choices`` of ``option``."""
    return [k for k, v in choice_aliases().get(option, {}).items() if v in choices]


def resolve_choice(option: str, value: str, choices) -> str | None:
    """``value`` as one of ``choices``: itself, its folded form ('Year'), or an alias ('sexenio'); None if none."""
    if value in choices:
        return value
    folded = normalise(value)
    for c in choices:
        if normalise(c) == folded or normalise(c.replace("_", " ")) == folded:
            return c
    alias = choice_aliases().get(option, {}).get(folded)
    return alias if alias in choices else None


def NORMALISE_SQL(expr: str) -> str:  # noqa: N802 - reads as a constant template
    """The DuckDB expression that computes :func:`normalise` of ``expr``."""
    return f"trim(regexp_replace(lower(strip_accents({expr})), '[^a-z0-9]+', ' ', 'g'))"


def KEY_SQL(*exprs: str) -> str:  # noqa: N802
    """A stable dotted key from label expressions: 'Homicidio doloso' -> 'homicidio_doloso'."""
    parts = [f"replace({NORMALISE_SQL(e)}, ' ', '_')" for e in exprs]
    return " || '.' || ".join(parts)


@dataclass(frozen=True)
class State:
    code: str
    name: str
    official_name: str
    abbreviation: str


@cache
def states() -> dict[str, State]:
    """The 32 federal entities keyed by two-digit INEGI code."""
    return {
        r["state_code"]: State(r["state_code"], r["name"], r["official_name"], r["abbreviation"])
        for r in _read_csv("states.csv")
    }


def state_names() -> dict[str, str]:
    """State code -> usual name ('09' -> 'Ciudad de México')."""
    return {code: s.name for code, s in states().items()}


@cache
def _state_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, s in states().items():
        for name in (code, str(int(code)), s.abbreviation, s.name, s.official_name):
            index[normalise(name)] = code
    for alias, code in _read_yaml("state_aliases.yaml")["aliases"].items():
        index[normalise(alias)] = code
    return index


def state_code(text: str | int | None) -> str | None:
    """The INEGI code of a state given as a code (9, '09'), an abbreviation (CDMX, SIN) or a name, official or usual,
    with or without accents ('Michoacán', 'michoacan de ocampo', 'Estado de México'); None if it is none of those."""
    if text is None:
        return None
    return _state_index().get(normalise(str(text)))


@cache
def municipalities() -> dict[str, tuple[str, str]]:
    """Municipality code (5 digits) -> (state code, name), INEGI Marco Geoestadístico 2023 (2,475 municipalities)."""
    return {r["municipality_code"]: (r["state_code"], r["name"]) for r in _read_csv("municipalities.csv")}


def ledger_quantities() -> dict[str, dict[str, Any]]:
    """What a ledger count may count (catalog/ledger_kinds.yaml ``quantities``): unit, scorecard component, side."""
    return dict(_read_yaml("ledger_kinds.yaml")["quantities"])


def scorecard_order() -> list[str]:
    """The cooperation scorecard's components in the order they are shown (catalog/ledger_kinds.yaml)."""
    return list(_read_yaml("ledger_kinds.yaml")["scorecard_order"])


@dataclass(frozen=True)
class Field(Bilingual):
    """One column as catalog/fields.yaml defines it (once for every table that has it)."""

    name: str
    type: str
    label_en: str
    label_es: str
    unit: str | None = None
    description: str | None = None
    constraints: tuple[tuple[str, Any], ...] = ()

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.constraints)


@cache
def fields() -> dict[str, Field]:
    """Every field of the core tables, defined once (catalog/fields.yaml)."""
    return {name: _field(name, spec) for name, spec in _read_yaml("fields.yaml")["fields"].items()}


def _field(name: str, spec: dict, constraints: dict | None = None) -> Field:
    rules = constraints if constraints is not None else spec.get("constraints") or {}
    return Field(
        name,
        spec["type"],
        spec["label_en"],
        spec["label_es"],
        spec.get("unit"),
        spec.get("description"),
        tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in rules.items()),
    )


#: the twelve month columns, as the parsers name the wide files' months and as a ``months`` table stores them
MONTHS = tuple(f"m{i:02d}" for i in range(1, 13))


@dataclass(frozen=True)
class Coded:
    """Label columns stored once per load in a dimension table; the facts keep a small integer id."""

    dimension: str
    id: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """What one release of a table covers: cells of (period, unit) (see catalog/tables/*.yaml)."""

    period: str  # a column or SQL expression giving the first day of the month (or year) a row belongs to
    unit: str | None = None  # the place column; "scope" for files that accumulate; None: the period alone
    grain: str = "month"  # month, year, or all (one cell per file)
    first_year: int = 1900
    lead_months: int = 0


@dataclass(frozen=True)
class TableSpec:
    """A core table: its public columns (``fields``) and how they are stored.

    Users and indicators only see ``name`` (a view of the current release) and ``history_table`` (a view of every
    release), in long rows. Physically the rows live in ``facts_table``; ``coded`` label columns live in a dimension
    table, ``derived`` columns are computed from others, and a ``months`` table stores its count (the column named)
    as the publisher's wide files have it: one row per year with twelve month columns ``m01``..``m12`` in place of
    ``period`` and the count, which the views unpivot (a twelfth of the rows to write, a quarter of the bytes).
    """

    name: str
    source: str
    kind: str
    description: str
    primary_key: tuple[str, ...]
    fields: tuple[Field, ...]
    coded: Coded | None = None
    derived: tuple[tuple[str, str], ...] = ()
    coverage: Coverage = Coverage("period")
    months: str | None = None

    @property
    def history_table(self) -> str:
        """The view of every vintage loaded; ``name`` is the view of the current one."""
        return f"{self.name}__all_vintages"

    @property
    def facts_table(self) -> str:
        """The physical table (an intermediate: leading underscore)."""
        return f"_{self.name}__facts"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def fact_fields(self) -> list[Field]:
        """The physically stored columns in order (the coded id takes the place of the first coded column)."""
        skip = set(self.coded.columns if self.coded else ()) | {name for name, _ in self.derived}
        out: list[Field] = []
        for f in self.fields:
            if self.coded and f.name == self.coded.columns[0]:
                out.append(Field(self.coded.id, "USMALLINT", "Label id (1..n within a release)", "Id de etiqueta"))
            if self.months and f.name == "period":
                out.append(Field("year", "SMALLINT", "Year", "Año"))
            elif self.months and f.name == self.months:
                out += [Field(m, f.type, f"{f.label_en}, month {m[1:]}", f"{f.label_es}, mes {m[1:]}") for m in MONTHS]
            elif f.name not in skip:
                out.append(f)
        return out

    @property
    def fact_columns(self) -> list[str]:
        return [f.name for f in self.fact_fields]


@cache
def tables() -> dict[str, TableSpec]:
    """Every core table spec, from the per-source YAML files in catalog/tables/ and the fields catalogue."""
    known = fields()
    raw = _read_yaml("fields.yaml")["fields"]
    out: dict[str, TableSpec] = {}
    for entry in sorted(_PKG.joinpath("tables").iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        for name, spec in load_yaml(entry.read_text(encoding="utf-8"))["tables"].items():
            overrides = spec.get("constraints") or {}
            unknown = [f for f in spec["fields"] if f not in known]
            if unknown:
                raise ValueError(
                    f"{entry.name}: {name} lists fields {unknown} that catalog/fields.yaml does not define"
                )
            out[name] = TableSpec(
                name=name,
                source=spec["source"],
                kind=spec["kind"],
                description=" ".join(spec["description"].split()),
                primary_key=tuple(spec["primary_key"]),
                fields=tuple(
                    _field(f, raw[f], overrides.get(f)) if f in overrides else known[f] for f in spec["fields"]
                ),
                coded=Coded(spec["coded"]["dimension"], spec["coded"]["id"], tuple(spec["coded"]["columns"]))
                if spec.get("coded")
                else None,
                derived=tuple((spec.get("derived") or {}).items()),
                coverage=Coverage(**spec["coverage"]),
                months=spec.get("months"),
            )
    return out


def table(name: str) -> TableSpec:
    return tables()[name]


@dataclass(frozen=True)
class Layout:
    """One known header layout: canonical column -> accepted spellings (compared normalised)."""

    kind: str
    table: str
    columns: dict[str, tuple[str, ...]]
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def match(self, header: list[str]) -> tuple[dict[int, str], list[str], list[str]]:
        """Map header positions to canonical names; return (mapping, unknown columns, missing canonical columns)."""
        lookup: dict[str, str] = {}
        for canonical, spellings in self.columns.items():
            for spelling in spellings:
                lookup[normalise(spelling)] = canonical
        # optional columns are known (not reported as unknown) and read under a leading-underscore name
        for spelling in self.extra.get("optional", ()):
            lookup[normalise(spelling)] = "_opt_" + normalise(spelling).replace(" ", "_")
        mapping: dict[int, str] = {}
        unknown: list[str] = []
        for i, col in enumerate(header):
            found = lookup.get(normalise(col))
            if found is None or found in mapping.values():
                unknown.append(col)
            else:
                mapping[i] = found
        missing = [c for c in self.columns if c not in mapping.values()]
        return mapping, unknown, missing


@cache
def header_maps(source: str) -> dict[str, Any]:
    """The raw header-map document of one source (catalog/headers/<source>.yaml)."""
    return _read_yaml(f"headers/{source}.yaml")


def layouts(source: str) -> dict[str, Layout]:
    doc = header_maps(source)
    out = {}
    for kind, spec in doc["layouts"].items():
        cols = {k: tuple(v) for k, v in spec["columns"].items()}
        extra = {k: v for k, v in spec.items() if k not in ("table", "columns")}
        out[kind] = Layout(kind, spec["table"], cols, extra)
    return out


def value_map(source: str, name: str) -> dict[str, str]:
    """A label map (e.g. official sex labels -> usmx codes) from a source's header-map file, keys normalised."""
    return {normalise(k): v for k, v in header_maps(source)[name].items()}


@dataclass(frozen=True)
class CrimeGroup(Bilingual):
    key: str
    measure: str  # what usmx counts for the group: "victims" (IDVFC) or "crimes" (IDEFC)
    label_en: str
    label_es: str
    keys: tuple[str, ...]  # SQL LIKE patterns on crime_key
    note_en: str = ""
    note_es: str = ""
    short_en: str = ""
    short_es: str = ""

    def short(self, lang: str) -> str:
        """A label short enough for a chart panel (falls back to the full label)."""
        return self.text("short", lang) or self.label(lang)


@cache
def crime_groups() -> dict[str, CrimeGroup]:
    """usmx's analytical crime groups (catalog/taxonomy.yaml)."""
    texts = ("note_en", "note_es", "short_en", "short_es")
    return {
        k: CrimeGroup(k, v["measure"], v["label_en"], v["label_es"], tuple(v["keys"]), *(v.get(t, "") for t in texts))
        for k, v in _read_yaml("taxonomy.yaml")["groups"].items()
    }


def comparison_groups() -> list[str]:
    """The crime groups compared across administrations by default, in order (catalog/taxonomy.yaml)."""
    return list(_read_yaml("taxonomy.yaml")["comparison_groups"])


def crime_group(name: str) -> CrimeGroup | None:
    """A crime group by key or by its Spanish or English label, short or long, with or without accents."""
    groups = crime_groups()
    if name in groups:
        return groups[name]
    wanted = normalise(name).replace(" ", "_")
    for g in groups.values():
        names = {g.key, g.label_en, g.label_es, g.short_en, g.short_es}
        if wanted in {normalise(n).replace(" ", "_") for n in names if n}:
            return g
    return None


@cache
def fetch_targets() -> dict[str, dict]:
    """What ``usmx fetch NAME`` downloads (catalog/fetch_targets.yaml)."""
    return _read_yaml("fetch_targets.yaml")["targets"]


@cache
def file_kinds() -> list[str]:
    """Every kind of file usmx ingests: the header layouts of every source, and each table's own kind."""
    kinds = {t.kind for t in tables().values()}
    for entry in _PKG.joinpath("headers").iterdir():
        if entry.name.endswith(".yaml"):
            doc = load_yaml(entry.read_text(encoding="utf-8"))
            kinds |= set(doc.get("layouts") or {}) | set(doc.get("other_kinds") or ())
    return sorted(kinds)


@cache
def indicator_meta() -> dict[str, dict]:
    """Labels, units, definitions and sources of every indicator (catalog/indicators.yaml)."""
    return _read_yaml("indicators.yaml")["indicators"]


@cache
def _publishers() -> dict[str, Any]:
    return _read_yaml("publishers.yaml")


def kind_page(kind: str) -> str | None:
    """The official page of the dataset a kind of file comes from."""
    for target in fetch_targets().values():
        if target["kind"] == kind and target.get("page"):
            return target["page"]
    return _publishers()["kinds"].get(kind)


def federal_groups() -> dict[str, dict[str, Any]]:
    """usmx's federal crime groups (drugs, firearms, fuel theft, organized crime, all): labels and LIKE patterns on
    the folded 'law | concept | type' key (catalog/headers/sesnsp_federal.yaml)."""
    return header_maps("sesnsp_federal")["groups"]


@dataclass(frozen=True)
class Release(Bilingual):
    """How a publisher releases one core table (catalog/releases.yaml): its cadence, its lag, and what to know."""

    table: str
    every_months: int | None
    lag_months: int
    anchor: str | None
    ends: str | None
    judge: str
    label_en: str
    label_es: str
    note_en: str
    note_es: str


@cache
def releases() -> dict[str, Release]:
    """Every core table's release cadence and lag (catalog/releases.yaml), checked against catalog/tables/."""
    raw = _read_yaml("releases.yaml")["tables"]
    out: dict[str, Release] = {}
    for name, spec in raw.items():
        if name not in tables():
            raise ValueError(f"catalog/releases.yaml: {name} is not a core table of catalog/tables/")
        every = spec.get("every_months")
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ValueError(f"catalog/releases.yaml: {name}: every_months must be a whole number of months >= 1")
        if spec.get("judge", "period") not in ("period", "release"):
            raise ValueError(f"catalog/releases.yaml: {name}: judge must be 'period' or 'release'")
        out[name] = Release(
            table=name,
            every_months=every,
            lag_months=int(spec.get("lag_months", 0)),
            anchor=str(spec["anchor"]) if spec.get("anchor") else None,
            ends=str(spec["ends"]) if spec.get("ends") else None,
            judge=spec.get("judge", "period"),
            label_en=spec["label_en"],
            label_es=spec["label_es"],
            note_en=spec["note_en"],
            note_es=spec["note_es"],
        )
    missing = sorted(set(tables()) - set(out))
    if missing:
        raise ValueError(f"catalog/releases.yaml has no entry for {missing}")
    return out
