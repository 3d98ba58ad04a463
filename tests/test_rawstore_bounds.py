"""Decompression is bounded in memory, and capped by what it expands to (issue 31, item 3): each case runs in a
process of its own whose peak memory is compared with a baseline process doing the same with a small file."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from usmx import rawstore
from usmx.errors import UnknownFormatError

#: the most a refused bomb may take above the baseline process
HEADROOM_MB = 512

_RUN = """
import json, resource, sys
from usmx import Observatory
from usmx.errors import UsmxError
obs = Observatory(sys.argv[1])
try:
    obs.ingest(sys.argv[2])
    error = None
except UsmxError as exc:
    error = str(exc)
print(json.dumps({"error": error, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _ingest_peak(tmp_path: Path, file: Path) -> dict:
    db = tmp_path / f"w-{file.name}.duckdb"
    done = subprocess.run([sys.executable, "-c", _RUN, str(db), str(file)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gzip_of(pattern: bytes, total: int, first: bytes = b"") -> bytes:
    """``first``, then ``pattern`` repeated to ``total`` bytes, gzip-compressed a megabyte at a time (a bomb: about
    1,000 to 1)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = pattern * ((1 << 20) // len(pattern))
    out = [comp.compress(first)] + [comp.compress(block) for _ in range(total // len(block))]
    return b"".join([*out, comp.flush()])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> float:
    tmp = tmp_path_factory.mktemp("baseline")
    small = tmp / "ledger.yaml"
    small.write_text("x: 1\n")
    return _ingest_peak(tmp, small)["peak_mb"]


@pytest.mark.slow  # builds and streams a gigabyte: several seconds
def test_a_small_gzip_that_expands_to_a_gigabyte_is_streamed_in_bounded_memory(tmp_path, baseline):
    bomb = tmp_path / "ledger.yaml.gz"  # 1.1 MB that expands to 1.07 GB of text
    bomb.write_bytes(_gzip_of(b"  # a comment line, over and over\n", 1 << 30, first=b"events:\n"))
    got = _ingest_peak(tmp_path, bomb)
    assert got["error"] and "expands to more than 5,242,880 characters" in got["error"]
    assert got["peak_mb"] - baseline < HEADROOM_MB, got


@pytest.mark.slow
def test_an_archive_with_a_gigabyte_member_is_refused_from_its_header(tmp_path, baseline):
    info = tarfile.TarInfo("data_raw/gpo_interinstitucional/2021/2021-01-01.csv")
    info.size = 1 << 30  # the header says a gigabyte; the bytes that follow are a few zeros
    path = tmp_path / "daily.tar"
    path.write_bytes(info.tobuf(tarfile.USTAR_FORMAT) + b"\0" * 10240)
    got = _ingest_peak(tmp_path, path)
    assert got["error"] and "the member holds more than 16,777,216 bytes" in got["error"]
    assert got["peak_mb"] - baseline < HEADROOM_MB, got


def test_decompression_feeds_the_counter_a_megabyte_at_a_time(tmp_path):
    """The unit behind the bound: no decompressed piece is larger than rawstore.CHUNK, however well it packs."""
    seen: list[int] = []
    counter = rawstore._Lines()
    real = counter.feed

    def feed(data: bytes) -> None:
        seen.append(len(data))
        real(data)

    counter.feed = feed  # type: ignore[method-assign]
    data = gzip.compress(b"a,b\n" * (16 << 20))  # 64 MB from 64 KB
    state = {"d": rawstore._decompressor("gzip")}
    for i in range(0, len(data), rawstore.CHUNK):
        rawstore._feed_compressed(state, data[i : i + rawstore.CHUNK], counter, "gzip")
    assert max(seen) <= rawstore.CHUNK and counter.size == 64 << 20 and counter.newlines == 16 << 20


def test_the_expanded_cap_stops_the_stream(tmp_path, monkeypatch):
    monkeypatch.setenv("USMX_MAX_EXPANDED_BYTES", str(8 << 20))
    path = tmp_path / "big.csv.gz"
    path.write_bytes(_gzip_of(b"a,b\n", 32 << 20))
    with pytest.raises(UnknownFormatError, match="expands to more than 8,388,608 bytes"):
        rawstore.inspect(path)
