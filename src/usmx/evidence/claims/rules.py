"""A claim's rule, read from catalog/claims.yaml: conditions over named facts, in a small language that is data.

A condition is a Python-like expression over the facts a claim's evidence module computes and the thresholds its
rule names: comparisons (``<``, ``<=``, ``==``...), ``and``, ``or``, ``not``, arithmetic, numbers, ``true``,
``false`` and ``none``. Nothing else parses: no calls, no attributes, no subscripts, so a rule in the catalogue can
compute nothing but what it says. A comparison with a missing fact (``none``) is false. The first condition that
holds gives the direction (or the confidence).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from functools import cache
from typing import Any

_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}  # fmt: skip
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_WORDS = {"true": True, "false": False, "none": None}


class RuleError(ValueError):
    """A condition that is not in the rule language, or names a fact or threshold the claim does not have."""


@cache
def parse(text: str) -> ast.Expression:
    """A condition, checked to use only the rule language."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"{text!r} does not parse: {exc.msg}") from None
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Compare,
               ast.Name, ast.Load, ast.Constant, *_COMPARE, *_ARITH)  # fmt: skip
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise RuleError(f"{text!r}: {type(node).__name__} is not part of the rule language")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str)):
            raise RuleError(f"{text!r}: only numbers and words are constants")
    return tree


def names(text: str) -> set[str]:
    """The facts and thresholds a condition reads."""
    return {n.id for n in ast.walk(parse(text)) if isinstance(n, ast.Name) and n.id not in _WORDS}


def holds(text: str, values: Mapping[str, Any]) -> bool:
    """Whether the condition holds for these facts and thresholds."""
    return bool(_eval(parse(text).body, values))


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(bool(_eval(v, env)) for v in node.values)
        return any(bool(_eval(v, env)) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not value
        return None if value is None else -value
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, env), _eval(node.right, env)
        if a is None or b is None:
            return None
        return _ARITH[type(node.op)](a, b)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, env)
            if left is None or right is None:  # a missing fact makes any comparison false
                return op.__class__ is ast.Eq and left is right or op.__class__ is ast.NotEq and left is not right
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        if node.id in _WORDS:
            return _WORDS[node.id]
        if node.id not in env:
            raise RuleError(f"the rule names {node.id!r}, which is neither a fact nor a threshold of the claim")
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    raise RuleError(f"{type(node).__name__} is not part of the rule language")  # pragma: no cover - parse() refuses it


def first(conditions: Mapping[str, str], values: Mapping[str, Any]) -> str:
    """The first key whose condition holds (conditions in the catalogue's order)."""
    for key, condition in conditions.items():
        if holds(str(condition), values):
            return key
    raise RuleError(f"no condition holds among {list(conditions)}; the last should be 'true'")
