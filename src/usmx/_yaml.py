"""Safe YAML that refuses a key written twice in one mapping.

PyYAML keeps the last of two equal keys without a word, so a ledger entry or a catalogue rule edited in two places
silently loses one of them. Every YAML usmx reads (the catalogue, its strings, users' ledger files) goes through
:func:`load`, which says which key repeats and on which lines.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import UnknownFormatError

_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


class UniqueKeys:
    """Mixin for a SafeLoader: a mapping's keys must differ."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                first = seen.get(key)
                seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the constructor reports it
                continue
            if first is not None:
                raise DuplicateKeyError(
                    None, None, f"the key {key!r} appears twice (first on line {first})", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class SafeLoader(UniqueKeys, _BASE):
    """Safe loading (no Python objects), libyaml's speed, unique keys."""


def load(text: str, source: object, loader: type = SafeLoader) -> Any:
    """Parse ``text`` (from ``source``, named in errors); a repeated key or bad YAML is an UnknownFormatError."""
    try:
        return yaml.load(text, Loader=loader)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise UnknownFormatError(
            f"{source}: line {line}: {exc.problem}; YAML would keep only the last value, so the file is refused. "
            "Merge the two entries."
        ) from None
    except yaml.YAMLError as exc:
        raise UnknownFormatError(f"{source}: not valid YAML ({exc}).") from exc
