"""Docs that cannot drift: the README documents every command, sub-command, indicator, core table and setting, and
its set-up is exactly two commands, the second of which CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from usmx import catalog, cli
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


def test_settings_are_documented():
    for env in (
        "USMX_DB",
        "USMX_DATA_DIR",
        "USMX_DEBUG",
        "USMX_SPARK_MASTER",
        "USMX_SQL_TIMEOUT",
        "USMX_SQL_MEMORY",
        "USMX_MAX_DOWNLOAD_BYTES",
        "USMX_DOWNLOAD_DEADLINE",
        "USMX_MAX_EXPANDED_BYTES",
    ):
        assert env in README, env


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
