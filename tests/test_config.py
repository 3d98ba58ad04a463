"""Settings are declared once and read when needed; a malformed one names itself and what it must be."""

from __future__ import annotations

from datetime import date

import pytest

from usmx import cli, config
from usmx.errors import SettingError


def test_a_setting_is_read_when_asked_not_at_import(monkeypatch):
    monkeypatch.setenv("USMX_SQL_TIMEOUT", "3.5")
    assert config.get("USMX_SQL_TIMEOUT") == 3.5
    monkeypatch.delenv("USMX_SQL_TIMEOUT")
    assert config.get("USMX_SQL_TIMEOUT") == 120.0


@pytest.mark.parametrize(
    ("text", "expected"), [("17179869184", 16 << 30), ("16GiB", 16 << 30), ("512MB", 512 << 20), ("2G", 2 << 30)]
)
def test_sizes_read_as_people_write_them(monkeypatch, text, expected):
    monkeypatch.setenv("USMX_MAX_EXPANDED_BYTES", text)
    assert config.get("USMX_MAX_EXPANDED_BYTES") == expected


def test_a_malformed_value_is_refused_by_name_and_a_secret_is_not_echoed(monkeypatch):
    monkeypatch.setenv("USMX_LOCK_WAIT", "soon")
    with pytest.raises(SettingError, match=r"\$USMX_LOCK_WAIT must be a number of seconds; got 'soon'"):
        config.get("USMX_LOCK_WAIT")
    monkeypatch.setenv("ACLED_PASSWORD", "")
    assert config.get("ACLED_PASSWORD") == ""


def test_today_is_the_clock_unless_overridden(monkeypatch):
    monkeypatch.delenv("USMX_TODAY", raising=False)
    assert config.today() == date.today()
    monkeypatch.setenv("USMX_TODAY", "2025-03-01")
    assert config.today() == date(2025, 3, 1)
    monkeypatch.setenv("USMX_TODAY", "March")
    with pytest.raises(SettingError, match="USMX_TODAY must be a date, YYYY-MM-DD"):
        config.today()


def test_the_cli_exits_2_on_a_malformed_setting(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("USMX_SQL_TIMEOUT", "-1")
    from usmx.warehouse import opened

    with opened(tmp_path / "w.duckdb"):
        pass
    assert cli.main(["sql", "SELECT 1", "--db", str(tmp_path / "w.duckdb")]) == 2
    assert "USMX_SQL_TIMEOUT" in capsys.readouterr().err
