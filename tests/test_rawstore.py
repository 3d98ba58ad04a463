import gzip
import json

import pytest

from usmx import rawstore
from usmx.errors import UnknownFormatError


def test_inspect_settles_encoding(tmp_path):
    (tmp_path / "u.csv").write_bytes("Año,x\n1,México\n".encode())
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + "Año,x\r\n1,México\r\n".encode())
    (tmp_path / "l.csv").write_bytes("Año,x\n1,México\n".encode("latin-1"))
    (tmp_path / "g.csv.gz").write_bytes(gzip.compress("Año,x\n".encode("latin-1")))
    assert rawstore.inspect(tmp_path / "u.csv").encoding == "utf-8"
    assert rawstore.inspect(tmp_path / "b.csv").encoding == "utf-8-sig"
    assert rawstore.inspect(tmp_path / "l.csv").encoding == "latin-1"
    g = rawstore.inspect(tmp_path / "g.csv.gz")
    assert (g.encoding, g.compression, g.ext) == ("latin-1", "gzip", "csv.gz")
    assert g.head.startswith("Año")


def test_inspect_hashes_the_stored_bytes(tmp_path):
    import hashlib

    p = tmp_path / "a.csv"
    p.write_bytes(b"a,b\n1,2\n")
    assert rawstore.inspect(p).sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (bytes(range(256)) * 50, "binary"),
        ("Año,x\n".encode("utf-16"), "UTF-16"),
        ("Año,x\n1,México\n".encode() + "2,Michoacán\n".encode("latin-1"), "mixed text encodings"),
        (gzip.compress(b"a,b\n" * 1000, mtime=0)[:40], "corrupt or truncated"),
    ],
    ids=["empty", "binary", "utf-16", "mixed-encodings", "gzip-truncated"],  # the same in every test process
)
def test_inspect_refuses_what_cannot_be_read_safely(tmp_path, content, message):
    p = tmp_path / ("x.csv.gz" if content[:2] == b"\x1f\x8b" else "x.csv")
    p.write_bytes(content)
    with pytest.raises(UnknownFormatError, match=message):
        rawstore.inspect(p)


def test_store_is_content_addressed_and_idempotent(tmp_path):
    src = tmp_path / "IDEFC.csv"
    src.write_bytes(b"a,b\n1,2\n")
    store = rawstore.RawStore(tmp_path / "data")
    facts = rawstore.inspect(src)
    first = store.add(facts, "sesnsp", "https://example.invalid/IDEFC.csv", "Libre Uso MX")
    assert first.path == tmp_path / "data" / "raw" / "sesnsp" / f"{facts.sha256}.csv"
    meta = json.loads(first.path.with_name(first.path.name + ".json").read_text())
    assert meta["sha256"] == facts.sha256 and meta["bytes"] == 8 and meta["origin"].endswith("IDEFC.csv")
    assert meta["license"] == "Libre Uso MX" and meta["retrieved_at"]
    mtime = first.path.stat().st_mtime_ns
    again = store.add(facts, "sesnsp", "elsewhere")
    assert again.path == first.path and again.origin == first.origin  # first provenance kept
    assert first.path.stat().st_mtime_ns == mtime
    assert store.find(facts.sha256) == first.path
    assert not list(first.path.parent.glob("*.part*"))
