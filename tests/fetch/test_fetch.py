"""One entry point for every fetch target, typed results, and options checked against what a target takes."""

from __future__ import annotations

import inspect

import pytest

from usmx import catalog, cli, fetch
from usmx.errors import ParameterError, UnknownNameError
from usmx.rawstore import RawStore


def test_every_target_has_a_method_and_its_options(tmp_path):
    for name in catalog.fetch_targets():
        assert fetch.options(name), name
    assert set(fetch.options("gdelt")) >= {"since", "until", "url", "workers", "retries"}
    assert "country" in fetch.options("acled") and "country" not in fetch.options("ofac-sdn")


def test_an_option_a_target_does_not_take_is_refused_naming_those_it_takes(tmp_path):
    store = RawStore(tmp_path)
    with pytest.raises(ParameterError, match=r"ofac-sdn takes no --country; it takes: --url"):
        fetch.fetch(store, "ofac-sdn", country="Mexico")
    with pytest.raises(UnknownNameError, match="did you mean ofac-sdn"):
        fetch.fetch(store, "ofac-sdm")
    assert not any(tmp_path.rglob("*"))  # nothing was downloaded or stored


def test_the_cli_has_no_branch_per_target(tmp_path, capsys):
    from usmx.cli import fetch as cli_fetch

    source = inspect.getsource(cli_fetch.fetch)
    assert not any(f'"{name}"' in source for name in catalog.fetch_targets())
    code = cli.main(["fetch", "ofac-sdn", "--country", "Mexico", "--db", str(tmp_path / "w.duckdb")])
    assert code == 2 and "ofac-sdn takes no --country" in capsys.readouterr().err
