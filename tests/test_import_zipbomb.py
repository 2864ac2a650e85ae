"""Issue 13, finding 4: a 1 MB workbook whose shared strings unpack to ~1 GB. Refused from the zip's
central directory before anything is unpacked, and the unpacking itself is limited when the sizes
in the file lie; a clear message in the user's language, nothing written, memory not blown."""
from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from sqlalchemy import func, select

from talent.extensions import db
from talent.imports.parser import FileProblem, limited_zip, read_sheet, template_xlsx
from talent.learning.models import Enrollment
from talent.people.models import Trainee

MiB = 1024 * 1024
_CACHE: dict = {}


def _deflate_bomb(unpacked: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``unpacked`` bytes of shared-strings XML, and its CRC-32, built
    without compressing a gigabyte: after a full flush deflate forgets what came before, so one
    compressed megabyte of 'A' can be repeated."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    tail = b"</t></si></sst>"
    block = b"A" * MiB
    repeats = (unpacked - len(head) - len(tail)) // MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return start + middle * repeats + end, crc, len(head) + repeats * MiB + len(tail)


def _zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: (name, deflated data, crc, declared unpacked size, method)."""
    out, central = io.BytesIO(), []
    for name, data, crc, size, method in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                                   size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    directory = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - directory,
                          directory, 0))
    return out.getvalue()


def bomb_workbook(declared: int | None = None) -> bytes:
    """The import template with its shared strings replaced by ~1 GB of text (1 MB on disk).
    ``declared`` makes the zip lie about the unpacked size."""
    key = ("bomb", declared)
    if key not in _CACHE:
        if "deflated" not in _CACHE:
            _CACHE["deflated"] = _deflate_bomb(1024 * MiB)
        data, crc, size = _CACHE["deflated"]
        entries = []
        with zipfile.ZipFile(io.BytesIO(template_xlsx())) as template:
            for info in template.infolist():
                raw = template.read(info.filename)
                if info.filename == "[Content_Types].xml":      # declare the shared strings part
                    raw = raw.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                      b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                      b'sharedStrings+xml" /></Types>')
                elif info.filename == "xl/_rels/workbook.xml.rels":
                    raw = raw.replace(b"</Relationships>", b'<Relationship Id="rIdBomb" Type="http://schemas.'
                                      b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                      b'Target="sharedStrings.xml" /></Relationships>')
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                entries.append((info.filename, compressor.compress(raw) + compressor.flush(),
                                zlib.crc32(raw), len(raw), 8))
        entries.append(("xl/sharedStrings.xml", data, crc, declared or size, 8))
        _CACHE[key] = _zip(entries)
    return _CACHE[key]


def _measure(call):
    tracemalloc.start()
    started = time.process_time()     # CPU time (the work unpacking does), not the machine's load
    try:
        with pytest.raises(FileProblem) as error:
            call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error.value, peak, time.process_time() - started


def test_the_crafted_file_is_a_real_one_megabyte_workbook_of_a_gigabyte():
    data = bomb_workbook()
    assert len(data) < 2 * MiB
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
        assert info.file_size > 1000 * MiB
        with archive.open(info) as entry:                      # it really unpacks: the first 4 MB
            assert entry.read(4 * MiB).count(b"A") > 3 * MiB


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    problem, peak, seconds = _measure(lambda: read_sheet(bomb_workbook(), max_rows=50_000, max_bytes=10 * MiB))
    assert "would unpack to more than 100 MB" in str(problem.message)
    assert peak < 20 * MiB and seconds < 5


def test_a_tightly_packed_part_is_refused_even_under_the_total():
    problem, peak, _ = _measure(lambda: read_sheet(bomb_workbook(), max_rows=50_000, max_bytes=10 * MiB,
                                                   max_uncompressed=2048 * MiB))
    assert "packed far more tightly" in str(problem.message)
    assert peak < 20 * MiB


def test_a_zip_that_lies_about_its_sizes_is_stopped_while_unpacking():
    # The central directory claims 40 MB (under the total, ratio ~40): the stream is cut at the
    # budget (or, past the claimed size, zipfile's CRC check fails) — never a gigabyte in memory.
    lying = bomb_workbook(declared=40 * MiB)
    problem, peak, seconds = _measure(lambda: read_sheet(lying, max_rows=50_000, max_bytes=10 * MiB,
                                                         max_uncompressed=30 * MiB, max_ratio=1000))
    assert peak < 120 * MiB and seconds < 20
    assert "30 MB" in str(problem.message) or "cannot be read" in str(problem.message)


def test_the_unpacking_budget_is_shared_by_all_parts():
    with limited_zip(template_xlsx(), 2000) as archive:
        with pytest.raises(FileProblem):
            for name in archive.namelist():
                with archive.open(name) as entry:
                    entry.read()


def test_an_ordinary_workbook_still_reads():
    sheet = read_sheet(template_xlsx(), max_rows=10, max_bytes=10 * MiB)
    # The template: its header and its example row, a comment row the reader skips and counts.
    assert sheet.format == "xlsx" and "fin" in sheet.columns and sheet.comment_rows == 1 and sheet.rows == []


@pytest.mark.parametrize("language, words", [("az", "MB-dan çox"), ("ru", "более"), ("en", "more than")])
def test_upload_of_a_zip_bomb_is_refused_in_the_users_language_and_writes_nothing(client, factory, login_as,
                                                                                  language, words):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=10)
    admin = factory.center_admin(center)
    db.session.commit()
    login_as(admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post("/center/imports", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(bomb_workbook()), "trainees.xlsx"), "waitlist": "y",
                                 "center_id": center.id, "cohort_id": cohort.id})
    assert response.status_code == 302
    preview = client.get("/center/imports/preview")
    assert preview.status_code == 200 and words in preview.get_data(as_text=True)
    assert client.post("/center/imports/confirm").status_code in (302, 422)
    client.post("/center/imports/cancel")          # the pending upload is removed (as a user would)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 0
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_api_import_of_a_zip_bomb_is_a_clear_problem(client, factory, dry_run):
    from tests.api_helpers import Api, token_for
    center = factory.center()
    admin = factory.center_admin(center)
    db.session.commit()
    api = Api(client, token_for(admin))
    form = {"file": (io.BytesIO(bomb_workbook()), "t.xlsx"), "center_id": str(center.id), "dry_run": dry_run}
    response = api.post("/imports/trainees", data=form, content_type="multipart/form-data")
    assert response.status_code == (200 if dry_run == "true" else 422)
    assert "would unpack to more than 100 MB" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 0
