"""Indicator parameters checked against catalog/parameters.yaml before an indicator runs.

Each value, as it comes from Python, the CLI (``-p name=value``, text) or the web (query text), is read as its kind
says and held to its bounds; anything else is a :class:`~usmx.errors.ParameterError` that names the parameter, the
value and what it must be. An indicator never sees an unbounded lag or sample size, or a value of the wrong type.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from .. import catalog
from ..errors import ParameterError

TRUE, FALSE = ("1", "true", "yes", "y", "sí", "si"), ("0", "false", "no", "n")


@cache
def specs() -> dict[str, dict[str, Any]]:
    """Every indicator parameter's kind, bounds and words (catalog/parameters.yaml)."""
    return dict(catalog._read_yaml("parameters.yaml")["parameters"])


@cache
def cli_only() -> tuple[str, ...]:
    return tuple(catalog._read_yaml("parameters.yaml").get("cli_only") or ())


def _refuse(name: str, value: Any, expected: str) -> ParameterError:
    shown = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
    return ParameterError(f"{name} must be {expected}; got {shown!r}.")


def expected(name: str, grains: tuple[str, ...] = ()) -> str:
    """What a parameter must be, in words (for messages and help)."""
    s = specs()[name]
    kind = s["kind"]
    if kind == "int":
        return f"a whole number from {s['min']:,} to {s['max']:,}"
    if kind == "float":
        return f"a number from {s['min']:g} to {s['max']:g}"
    if kind == "bool":
        return "true or false"
    if kind == "choice":
        return "one of " + ", ".join(s["choices"])
    if kind == "by":
        return "one of " + ", ".join(grains) if grains else "a grain"
    if kind == "date":
        return "a month, YYYY-MM (or a day, YYYY-MM-DD)"
    if kind == "year":
        return "a year from 1900 to 2100"
    return f"text of at most {s['max_length']} characters"


def coerce(name: str, value: Any, grains: tuple[str, ...] = ()) -> Any:
    """``value`` of parameter ``name`` read as its kind and checked against its bounds."""
    if value is None:
        return None
    s = specs().get(name)
    if s is None:  # a parameter the catalogue does not describe: the indicator's own checks apply
        return value
    kind = s["kind"]
    text = str(value).strip()
    if kind in ("int", "year"):
        if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d{1,12}", text.replace("_", "")):
            raise _refuse(name, value, expected(name))
        n = int(text.replace("_", ""))
        low, high = (1900, 2100) if kind == "year" else (s["min"], s["max"])
        if not low <= n <= high:
            raise _refuse(name, value, expected(name))
        return n
    if kind == "float":
        try:
            x = float(text)
        except ValueError:
            raise _refuse(name, value, expected(name)) from None
        if not (s["min"] <= x <= s["max"]):  # NaN fails too
            raise _refuse(name, value, expected(name))
        return x
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise _refuse(name, value, expected(name))
    if kind in ("choice", "by"):
        choices = tuple(s["choices"]) if kind == "choice" else grains
        found = catalog.resolve_choice(name, text, choices) if choices else text
        if found is None:
            raise ParameterError(
                f"{name} must be one of {', '.join(choices)}; got {text[:60]!r}"
                f"{catalog.suggest(text, [*choices, *catalog.aliases_of(name, choices)])}."
            )
        return found
    if kind == "date":
        m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
        try:
            if not m:
                raise ValueError
            date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
        except ValueError:
            raise _refuse(name, value, expected(name)) from None
        return text
    # text
    if len(text) > int(s["max_length"]) or any(ord(c) < 32 for c in text):
        raise _refuse(name, value, expected(name))
    if s.get("pattern") and not re.fullmatch(s["pattern"], text):
        raise _refuse(name, value, f"text of the form {s['pattern']}")
    return text
