"""Docs that cannot drift: the README documents every command, sub-command, indicator, core table and setting, and
its set-up is exactly two commands, the second of which CI runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import typer

from usmx import catalog, cli, config
from usmx.indicators import registry

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    """Every command path, e.g. 'ingest', 'evaluate its', from the Typer app itself."""
    found = [c.name or c.callback.__name__ for c in cli.app.registered_commands]
    for group in cli.app.registered_groups:
        sub: typer.Typer = group.typer_instance
        found += [f"{group.name} {c.name or c.callback.__name__}" for c in sub.registered_commands]
    return found


def test_the_app_has_the_commands_we_expect():
    assert set(_commands()) >= {
        "ingest",
        "tables",
        "sql",
        "loads",
        "fetch",
        "demo",
        "indicator",
        "indicators",
        "export",
        "report",
        "version",
        "evaluate its",
        "audit revisions",
    }


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme_and_its_help(command, capsys):
    assert f"usmx {command}" in README, f"`usmx {command}` is not in the README"
    assert cli.main([*command.split(), "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(registry()))
def test_every_indicator_is_in_the_readme(name):
    assert f"`{name}`" in README, f"indicator {name} is not in the README's indicator table"


@pytest.mark.parametrize("table", sorted(catalog.tables()))
def test_every_core_table_is_in_the_readme(table):
    assert f"`{table}`" in README, f"table {table} is not in the README's table list"


@pytest.mark.parametrize("name", sorted(catalog.fetch_targets()))
def test_every_fetch_target_is_in_the_readme(name):
    assert name in README, f"fetch target {name} is not in the README"


def _setting_row(s: config.Setting) -> str:
    """A setting as the README's settings table shows it."""
    if s.default is None:
        default = "–"
    elif isinstance(s.default, bool):
        default = "1" if s.default else "0"
    elif s.parse is config._bytes:
        default = f"{s.default >> 30} GiB"
    elif isinstance(s.default, float):
        default = f"{s.default:g} s"
    else:
        default = str(s.default)
    users = ", ".join(c if c == "every command" else f"`usmx {c}`" for c in s.commands)
    return f"| `{s.name}` | {s.kind} | {default} | {s.description} | {users} |"


@pytest.mark.parametrize("name", sorted(config.SETTINGS))
def test_every_setting_is_in_the_readme_as_declared(name):
    row = _setting_row(config.SETTINGS[name])
    assert row in README, f"the README's settings table lacks, or words differently:\n{row}"


def test_settings_are_read_only_through_the_declaration_and_never_at_import():
    """No module but config reads os.environ, and config.get is called only inside functions (a module-level read
    would fix a setting at import time)."""
    src = ROOT / "src" / "usmx"
    for path in src.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name != "config.py":
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                    raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} reads the environment itself")
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", "") == "get"
                    and getattr(node.func.value, "id", "") == "config"
                ):
                    raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} reads a setting at import time")


def test_readme_setup_is_exactly_two_commands_and_ci_runs_the_test_one():
    block = re.search(r"## Set up.*?```bash\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert [line.split("#")[0].strip() for line in block] == [
        "pip install -e . && usmx demo",
        "pip install -e '.[test]' && python -m pytest",
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python -m pytest" in ci
    for tool in ("ruff check .", "ruff format --check .", "mypy"):
        assert tool in ci, tool
