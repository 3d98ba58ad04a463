"""`usmx update`: each discoverer reads a publisher's page or API answer written by hand to its layout
(tests/fixtures/publishers/), and each release is downloaded from a local server handing out the real bundled files."""

from __future__ import annotations

import gzip
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from usmx import Observatory, cli
from usmx.errors import FetchError
from usmx.fetch.discover import discover

from ..conftest import DATA

PUB = Path(__file__).parents[1] / "fixtures" / "publishers"
SHA = "6869d42f3a1b2c4d5e6f708192a3b4c5d6e7f809"
GITOC = Path(__file__).parents[3] / "shared" / "data" / "gitoc" / "global_oc_index_2021_2023.xlsx"

#: Google Drive file ids of the SESNSP fixture -> the file the local "Drive" hands out
DRIVE = {
    "1RnId2026EstatalOct26AbCdEfGh": DATA / "sesnsp" / "RNID_Delitos_Estatal_2026_ene-mar2026.csv.gz",
    "1IdefcNmDic25QwErTyUiOp": DATA / "sesnsp" / "IDEFC_NM_dic2023.csv.gz",  # large: behind Drive's confirmation
    "1IdvfcNmDic25PoIuYtReWq": DATA / "sesnsp" / "IDVFC_NM_jun25.reconstructed.csv.gz",
    "1IdeffOct26LkJhGfDsApOi": DATA / "sesnsp_federal" / "IDEFF_jul25.csv.gz",
}
CBP = "/sites/default/files/"
FILES = {
    f"{CBP}2026-01/nationwide-drugs-fy23-fy26-dec.csv": DATA / "cbp" / "nationwide-drugs-fy23-fy26-dec.csv.gz",
    f"{CBP}2026-01/amo-drug-seizures-fy23-fy26-dec.csv": DATA / "cbp" / "amo-drug-seizures-fy23-fy26-dec.csv.gz",
    f"{CBP}2024-10/nationwide-encounters-fy21-fy24-state.csv": DATA / "cbp" / "nationwide-encounters-fy21-fy24-state"
    ".csv.gz",
    "/cdc/api/views/xkb8-kh2a/rows.csv": DATA / "cdc" / "VSRR_Provisional_Drug_Overdose_Death_Counts_2019-07.csv.gz",
    f"/raw/thegargiulian/mexico-homicide-rates/{SHA}/data/mexico-state-month-homicide-rates-2000-2022.csv":
        DATA / "inegi_occurrence" / "mexico-state-month-homicide-rates-2000-2022.csv.gz",
    f"/raw/thegargiulian/mexico-homicide-rates/{SHA}/data/mexico-muni-month-homicide-rates-2000-2021.csv":
        DATA / "inegi_occurrence" / "mexico-muni-month-homicide-rates-2020-2021.csv.gz",
    "/ofac/SDN.CSV": DATA / "ofac" / "sdn_2024-05-03.mexico.csv.gz",
}  # fmt: skip
PAGES = {
    "/gob/datos-abiertos": "sesnsp_datos_abiertos.html",
    "/gob/fuero-federal": "sesnsp_fuero_federal.html",
    "/cbp/drug-seizure-statistics": "cbp_drug_seizure_statistics.html",
    "/cbp/nationwide-encounters": "cbp_nationwide_encounters.html",
    "/cdc/api/views/xkb8-kh2a.json": "cdc_views_xkb8-kh2a.json",
    "/gh/repos/thegargiulian/mexico-homicide-rates/commits": "github_commits.json",
    "/ocindex/downloads": "ocindex_downloads.html",
}


class Publisher(BaseHTTPRequestHandler):
    hits: list[str] = []
    municipal: bytes = b""

    def log_message(self, *args):
        pass

    def _send(self, body: bytes, kind: str = "application/octet-stream") -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        Publisher.hits.append(url.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path in PAGES:
            name = PAGES[url.path]
            return self._send((PUB / name).read_bytes(), "application/json" if name.endswith(".json") else "text/html")
        if url.path in FILES:
            return self._send(gzip.decompress(FILES[url.path].read_bytes()))
        if url.path == "/drive/uc":  # Drive: a large file answers with its confirmation page first
            if query["id"] == "1IdefcNmDic25QwErTyUiOp":
                return self._send((PUB / "drive_confirm.html").read_bytes(), "text/html; charset=utf-8")
            return self._send(self._drive(query["id"]))
        if url.path == "/drive/download" and query.get("confirm") == "t":
            return self._send(self._drive(query["id"]))
        if url.path == "/assets/downloads/global_oc_index_2023.xlsx" and GITOC.exists():
            return self._send(GITOC.read_bytes())
        self.send_error(404)

    def _drive(self, file_id: str) -> bytes:
        if file_id == "1IdmNmDic25ZxCvBnMaSdFg":
            return Publisher.municipal
        return gzip.decompress(DRIVE[file_id].read_bytes())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ..synthetic import write_municipal_incidence

    path = tmp_path_factory.mktemp("idm") / "IDM_NM_dic25.csv"
    write_municipal_incidence(path, years=[2024], states=["25"])
    Publisher.municipal = path.read_bytes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _bases(base: str) -> dict[str, dict[str, str]]:
    return {
        "sesnsp": {"page": f"{base}/gob/datos-abiertos", "drive": f"{base}/drive"},
        "sesnsp_federal": {"page": f"{base}/gob/fuero-federal", "drive": f"{base}/drive"},
        "cbp": {"page": f"{base}/cbp/drug-seizure-statistics,{base}/cbp/nationwide-encounters"},
        "cdc": {"page": f"{base}/cdc"},
        "inegi": {"github_api": f"{base}/gh", "github_raw": f"{base}/raw"},
        "ofac": {"page": f"{base}/ofac/SDN.CSV"},
        "gitoc": {"page": f"{base}/ocindex/downloads"},
    }


def test_each_discoverer_reads_its_publishers_layout(server):
    bases = _bases(server)
    sesnsp = {r.target: r for r in discover("sesnsp", bases=bases["sesnsp"])}
    assert sesnsp["sesnsp-state-crimes"].url == f"{server}/drive/uc?export=download&id=1IdefcNmDic25QwErTyUiOp"
    assert sesnsp["sesnsp-state-crimes"].version == "drive:1IdefcNmDic25QwErTyUiOp"  # not the older methodology's
    assert sesnsp["sesnsp-municipal-crimes"].version == "drive:1IdmNmDic25ZxCvBnMaSdFg"
    assert sesnsp["sesnsp-state-victims"].version == "drive:1IdvfcNmDic25PoIuYtReWq"
    assert sesnsp["sesnsp-state-crimes-2026"].version == "drive:1RnId2026EstatalOct26AbCdEfGh"
    cbp = {r.target: r.version for r in discover("cbp", bases=bases["cbp"])}
    assert cbp == {
        "cbp-seizures": "nationwide-drugs-fy23-fy26-dec.csv",  # the newest, listed first
        "cbp-amo-seizures": "amo-drug-seizures-fy23-fy26-dec.csv",
        "cbp-encounters": "nationwide-encounters-fy21-fy24-state.csv",  # the state file, not the AOR one
    }
    (cdc,) = discover("cdc", bases=bases["cdc"])
    assert (cdc.target, cdc.version) == ("cdc-overdoses", "2025-11-19T16:00Z")  # rowsUpdatedAt 1763568000
    assert cdc.url == f"{server}/cdc/api/views/xkb8-kh2a/rows.csv?accessType=DOWNLOAD"
    inegi = {r.target: r for r in discover("inegi", bases=bases["inegi"])}
    assert inegi["inegi-homicides-occurrence"].version == "6869d42f3a1b (2024-03-11)"
    assert inegi["inegi-homicides-occurrence-municipal"].url.endswith(
        f"/{SHA}/data/mexico-muni-month-homicide-rates-2000-2021.csv"
    )
    (gitoc,) = discover("gitoc", bases=bases["gitoc"])
    assert gitoc.url == f"{server}/assets/downloads/global_oc_index_2023.xlsx"
    (gdelt,) = discover("gdelt", today=date(2026, 12, 6))
    assert dict(gdelt.options) == {"since": date(2026, 11, 30), "until": date(2026, 12, 6)}
    with pytest.raises(FetchError, match="dashboard whose queries are not a documented API"):
        discover("rnpdno")


def test_a_page_without_the_link_says_so(server):
    with pytest.raises(FetchError, match="no link found for sesnsp-federal-crimes"):
        discover("sesnsp_federal", bases={"page": f"{server}/cbp/nationwide-encounters"})
    with pytest.raises(FetchError, match="HTTP 404"):
        discover("cdc", bases={"page": f"{server}/nowhere"})


def test_update_loads_what_is_new_and_then_nothing(server, tmp_path):
    obs = Observatory(tmp_path / "w.duckdb")
    bases = _bases(server)
    first = obs.update(["cbp", "cdc", "inegi", "ofac"], bases=bases)
    assert [r.failed for r in first] == [None] * 4
    loaded = {x.kind: x.rows for r in first for x in r.loaded}
    assert loaded["cbp_drug_seizures"] == 7895 and loaded["cbp_encounters_state"] == 46995  # the bundled files' rows
    assert loaded["inegi_homicide_occurrence_municipal"] == 59208 and "ofac_sdn" in loaded
    origins = obs.sql("SELECT file_name FROM loads WHERE kind = 'cdc_vsrr_overdose'").to_pylist()
    assert origins[0]["file_name"].endswith("[version 2025-11-19T16:00Z]")
    Publisher.hits.clear()
    second = obs.update(["cbp", "cdc", "inegi", "ofac"], bases=bases)
    assert all(not r.loaded and not r.failed for r in second)
    assert [r.line for r in second][0] == (
        "cbp: cbp-seizures: up to date; cbp-amo-seizures: up to date; cbp-encounters: up to date"
    )
    # nothing was downloaded again but the pages and OFAC's list (which has no version but its bytes)
    assert [h for h in Publisher.hits if not h.startswith(("/cbp/", "/cdc/api/views/xkb8-kh2a.json", "/gh/"))] == [
        "/ofac/SDN.CSV"
    ]


def test_update_follows_drives_confirmation_and_loads_sesnsp(server, tmp_path):
    obs = Observatory(tmp_path / "w.duckdb")
    Publisher.hits.clear()
    (result,) = obs.update(["sesnsp"], bases=_bases(server))
    assert result.failed is None, result.failed
    kinds = {"sesnsp_state_crimes", "sesnsp_municipal_crimes", "sesnsp_state_victims", "sesnsp_state_crimes_2026"}
    assert {x.kind for x in result.loaded} == kinds
    assert "/drive/download" in Publisher.hits  # the large file came through the confirmation form
    rows = obs.sql("SELECT count(*) AS n FROM core_sesnsp__municipal_crimes_monthly").to_pylist()[0]["n"]
    assert rows > 0


def test_one_source_failing_does_not_stop_the_others_and_the_cli_exits_2(server, tmp_path, capsys, monkeypatch):
    db = tmp_path / "w.duckdb"
    obs = Observatory(db)
    results = obs.update(["rnpdno", "ofac"], bases=_bases(server))
    assert results[0].failed and "documented API" in results[0].failed and results[1].failed is None
    code = cli.main(["update", "cdc", "--page", f"{server}/nowhere", "--db", str(db)])
    assert code == 2 and "could not be checked" in capsys.readouterr().err
    assert cli.main(["update", "cdc", "cbp", "--page", server, "--db", str(db)]) == 2
    assert cli.main(["update", "nosuch", "--db", str(db)]) == 2
