"""``usmx site``: the dashboard as static files any static host can publish, with no server.

The answers are the server's own: each of the dashboard's queries (static/queries.json, per crime group where it
says so) is asked of the app in this process and written to ``data/<key>.json``, beside ``data/catalog.json``, the
page, its script and styles, the vendored Vega libraries (with their licences) and the state map. So that the copy
also opens from disk (``file://``, where a page cannot fetch files), each JSON file has a twin script
(``data/<key>.js``, setting ``window.USMX_DATA[key]``) that the page loads instead of calling ``/api/``. The
folder is written beside the target and moved into place, so a host never serves half a site; the target must be
new, empty or a site usmx wrote (:mod:`usmx.outdir`): nothing else is ever deleted.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from ..outdir import write_folder
from .app import create_app, dashboard_catalog, static_file
from .warm import dashboard_urls

#: the files the page loads, besides the data
ASSETS = ("dashboard.js", "dashboard.css", "strings.json", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
          "vega-interpreter.min.js", "LICENSE-vega.txt", "LICENSE-vega-lite.txt", "LICENSE-vega-embed.txt",
          "LICENSE-vega-interpreter.txt", "mx_states.topojson.json", "mx_municipalities.topojson.json")  # fmt: skip


def requests(cat: dict) -> dict[str, str]:
    """Every query of the dashboard, expanded (see :func:`usmx.web.warm.dashboard_urls`)."""
    return dashboard_urls(cat)


def export(db: str | Path, output: str | Path, *, data_dir: str | Path | None = None, progress=None) -> dict:
    """Write the static site of warehouse ``db`` into folder ``output``; returns counts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's in-process client still runs on httpx
        from fastapi.testclient import TestClient

    cat = dashboard_catalog()

    def fill(tmp: Path) -> dict:
        (tmp / "static").mkdir()
        (tmp / "data").mkdir()
        missing = 0
        with TestClient(create_app(db, data_dir=data_dir), base_url="http://127.0.0.1") as client:
            todo = requests(cat)
            for i, (key, url) in enumerate(todo.items(), start=1):
                r = client.get(url)
                if r.status_code == 200:
                    (tmp / "data" / f"{key}.json").write_bytes(r.content)
                    _script(tmp / "data" / f"{key}.js", key, r.content.decode("utf-8"))
                else:
                    missing += 1  # the page shows "no data" for this view, as the server would
                if progress:
                    progress("queries", i, len(todo))
        text = json.dumps(cat, ensure_ascii=False)
        (tmp / "data" / "catalog.json").write_text(text, encoding="utf-8")
        _script(tmp / "data" / "catalog.js", "catalog", text)
        for name in ASSETS:
            src = static_file(name)
            assert src is not None, name
            shutil.copyfile(src, tmp / "static" / name)
        for name, key in (
            ("strings.json", "strings"),
            ("mx_states.topojson.json", "topology"),
            ("mx_municipalities.topojson.json", "municipalities"),
        ):
            _script(tmp / "static" / name.replace(".json", ".js"), key, (tmp / "static" / name).read_text("utf-8"))
        page = (static_file("index.html") or Path()).read_text("utf-8")
        (tmp / "index.html").write_text(
            page.replace('<meta name="usmx-static" content="false">', '<meta name="usmx-static" content="true">'),
            "utf-8",
        )
        return {"queries": len(todo), "written": len(todo) - missing, "missing": missing}

    res = write_folder(output, "site", fill)
    return {**res, "path": Path(output)}


def _script(path: Path, key: str, text: str) -> None:
    """A JSON document as a script that sets ``window.USMX_DATA[key]`` (what a page opened from disk can load)."""
    path.write_text(
        f"window.USMX_DATA = window.USMX_DATA || {{}};\nwindow.USMX_DATA[{json.dumps(key)}] = {text};\n", "utf-8"
    )
