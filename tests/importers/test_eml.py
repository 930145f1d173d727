"""Single .eml files: one email each, recognised by its headers, read like an mbox message."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person
from nocontact.importers import identify
from nocontact.importers._email_message import AbsurdMessage, read_whole_message
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.eml import EmlImporter
from nocontact.model import Identifier, Problem, Record
from nocontact.sources import FileSource

DATA = Path(__file__).parent / "data" / "email"
IMP = EmlImporter()
CTX = ImportContext(case=Case(user=Person(emails=("Sam.Rivera@example.org",))))


def _src(p: Path) -> FileSource:
    return FileSource(p, p.parent, p.name)


def _read(p: Path, ctx: ImportContext = CTX) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in IMP.read(_src(p), ctx):
        (recs if isinstance(item, Record) else probs).append(item)
    return recs, probs


def _write(tmp_path: Path, data: bytes, name: str = "mail.eml") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_crlf_eml_with_quoted_printable_body_and_pdf_attachment() -> None:
    """QP soft breaks are undone, CRLF kept, RFC 2047 subject and name decoded, the PDF carried as bytes."""
    (rec,), probs = _read(DATA / "qp-with-pdf.eml")
    assert probs == []
    assert rec.body == ("I waited at the café for an hour. This line is long enough that it has a soft break in "
                        "it.\r\n")
    assert rec.subject == "Café ☕"
    assert rec.sender == Identifier("email", "jordan.blake@example.com")
    assert rec.peers == (Identifier("email", "sam.rivera@example.org"),)
    assert rec.source_id == rec.natural_key == "<eml-qp-1@example.com>"
    assert rec.utc == datetime(2025, 2, 4, 14, 12, 9, tzinfo=UTC)
    assert (rec.time_zone, rec.time_basis) == ("-08:00", "offset in Date header")
    (att,) = rec.attachments
    assert (att.name, att.mime, att.data) == ("letter.pdf", "application/pdf", b"%PDF-1.4\n%\xc4\xe5\xf2\xe5\xeb\n")


def test_html_only_latin1_body_is_kept_as_html_and_marked() -> None:
    """Without a text/plain part the HTML source is the body; -0000 is read as UTC and said so."""
    (rec,), _ = _read(DATA / "html-only-latin1.eml")
    assert rec.body == "<p>Je téléphone ce soir.</p>\n"
    assert ("body_format", "html") in rec.extra
    assert rec.utc == datetime(2025, 2, 5, 22, 0, tzinfo=UTC)
    assert rec.time_basis == "Date header with -0000 (no zone given), read as UTC"


def test_mail_from_the_user_is_outgoing_matching_case_insensitively(tmp_path: Path) -> None:
    """From one of the person's own addresses (any case) is outgoing; several recipients make a group."""
    p = _write(tmp_path, b"From: SAM.RIVERA@example.org\nTo: a@example.com, b@example.com\n"
                         b"Date: Sat, 1 Mar 2025 10:00:00 +0100\nMessage-ID: <o@x>\n\nhello\n")
    (rec,), _ = _read(p)
    assert rec.direction == "outgoing" and rec.is_group
    assert rec.time_zone == "+01:00"


def test_missing_date_falls_back_to_the_received_header(tmp_path: Path) -> None:
    """No Date header: the earliest Received timestamp is used, and time_basis says so."""
    p = _write(tmp_path, b"Received: by b; Sat, 1 Mar 2025 10:00:05 +0000\nReceived: by a; Sat, 1 Mar 2025 "
                         b"10:00:01 +0000\nFrom: x@example.com\nMessage-ID: <r@x>\n\nbody\n")
    (rec,), _ = _read(p)
    assert rec.utc == datetime(2025, 3, 1, 10, 0, 1, tzinfo=UTC)
    assert rec.time_basis.startswith("earliest Received header")


def test_no_time_at_all_is_a_problem(tmp_path: Path) -> None:
    """An email with no Date and no Received cannot be placed in time."""
    p = _write(tmp_path, b"From: x@example.com\nSubject: s\nMessage-ID: <n@x>\n\nbody\n")
    recs, probs = _read(p)
    assert recs == [] and probs[0].kind == "no_time"


@pytest.mark.parametrize("date", [b"Sat, 1 Jan 0000 00:00:00 +0000", b"1 Jan 0000 10:00 -0000", b"29 Feb 0100 1:00 +0000"])
def test_date_in_a_year_that_does_not_exist_is_no_time_not_year_2000(tmp_path: Path, date: bytes) -> None:
    """Year 0 (and 29 February of a year without one) is no usable Date: a no_time problem, never 2000."""
    p = _write(tmp_path, b"From: x@example.com\nDate: " + date + b"\nMessage-ID: <z@x>\n\nbody\n")
    recs, probs = _read(p)
    assert recs == [] and [x.kind for x in probs] == ["no_time"]


def test_year_0000_in_received_is_skipped_for_the_next_received(tmp_path: Path) -> None:
    """A Received stamp in year 0 is unusable, so the next earliest one gives the time."""
    p = _write(tmp_path, b"Received: by b; Sat, 1 Mar 2025 10:00:05 +0000\nReceived: by a; Sat, 1 Jan 0000 "
                         b"10:00:01 +0000\nFrom: x@example.com\nMessage-ID: <r@x>\n\nbody\n")
    (rec,), _ = _read(p)
    assert rec.utc == datetime(2025, 3, 1, 10, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(("date", "year"), [(b"Mon, 1 Jan 0050 00:00:00 +0000", 50),
                                            (b"Mon, 1 Jan 123 00:00:00 +0000", 2023),
                                            (b"Mon, 1 Jan 99 00:00:00 +0000", 1999),
                                            (b"Mon, 1 Jan 24 00:00:00 +0000", 2024),
                                            (b"Fri, 31 Dec 9999 23:59:59 +0000", 9999)])
def test_the_year_is_read_as_written(tmp_path: Path, date: bytes, year: int) -> None:
    """Four digits are the year itself, three add 1900 and two follow RFC 5322 4.3 (as email.utils does)."""
    p = _write(tmp_path, b"From: x@example.com\nDate: " + date + b"\nMessage-ID: <y@x>\n\nbody\n")
    (rec,), probs = _read(p)
    assert rec.utc.year == year and probs == []


def test_eml_of_one_enormous_line_is_refused_where_the_line_starts(tmp_path: Path) -> None:
    """A line past the line limit ends the read there: a refusal naming the file and the byte, not a whole read."""
    head = b"From: x@example.com\nDate: Sat, 1 Mar 2025 10:00:00 +0000\n\n"
    p = _write(tmp_path, head + b"A" * 5000 + b"\n")
    with pytest.raises(SourceError) as e:
        list(EmlImporter(max_line_bytes=1000).read(_src(p), CTX))
    assert str(e.value) == ("mail.eml: this file holds a line of more than 1,000 bytes with no line break, which no "
                            f"email program writes, so it was not read as an email (the problem starts at byte "
                            f"{len(head)}).")
    assert e.value.position == f"byte {len(head)}"


def test_eml_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A file larger than the message limit is refused by its size, naming the limit."""
    p = _write(tmp_path, b"From: x@example.com\nDate: Sat, 1 Mar 2025 10:00:00 +0000\n\n" + b"line\n" * 400)
    with pytest.raises(SourceError) as e:
        list(EmlImporter(max_bytes=1000).read(_src(p), CTX))
    assert str(e.value) == ("mail.eml: this file is 2,058 bytes, far larger than any email (the limit is 1,000); "
                            "it was not read.")


def test_stream_longer_than_its_stated_size_stops_at_the_limit() -> None:
    """A stream that keeps going (a size that lied) is cut off at the limit with AbsurdMessage, not read on."""
    with pytest.raises(AbsurdMessage) as e:
        read_whole_message(io.BytesIO(b"line\n" * 400), max_bytes=1000, chunk=64)
    assert e.value.offset == 1000 and e.value.reason == "more than 1,000 bytes, far larger than any email"
    assert read_whole_message(io.BytesIO(b"line\n" * 200), max_bytes=1000, chunk=64) == b"line\n" * 200


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.booleans(), st.integers(1, 50))
def test_the_line_limit_is_exact_whatever_the_read_size(lines: list[int], final_break: bool, chunk: int) -> None:
    """A message is refused at the start of its first line over the limit, and only then, for any read size."""
    data = b"\n".join(b"x" * n for n in lines) + (b"\n" if final_break else b"")
    starts = [sum(n + 1 for n in lines[:i]) for i in range(len(lines))]
    over = [s for s, n in zip(starts, lines, strict=True) if n > 20]
    try:
        got = read_whole_message(io.BytesIO(data), max_line_bytes=20, chunk=chunk)
    except AbsurdMessage as e:
        assert over and e.offset == over[0]
    else:
        assert not over and got == data


def test_eml_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    """A header block is claimed whatever the name; chat exports and JSON are not."""
    p = _write(tmp_path, (DATA / "qp-with-pdf.eml").read_bytes(), "saved message")
    assert identify(_src(p))[0].name == "eml"
    for other in (b"12/31/24, 11:59\xe2\x80\xafPM - Jordan Blake: hi\n", b'{"name": "x"}\n',
                  b"<?xml version='1.0'?><smses/>", b"Subject line only\n\nhello"):
        assert IMP.sniff(_src(p), other) is None


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """0 bytes: a plain sentence."""
    with pytest.raises(SourceError) as e:
        _read(_write(tmp_path, b""))
    assert str(e.value) == "mail.eml: the file is empty (0 bytes), so there is no email to read."


def test_file_that_is_not_an_email_is_refused(tmp_path: Path) -> None:
    """Text that does not begin with header lines is not an email."""
    with pytest.raises(SourceError) as e:
        _read(_write(tmp_path, b"Dear Sam,\nthis is a letter.\n"))
    assert str(e.value) == ("mail.eml: this is not an email file: it does not begin with email header lines "
                            "such as 'From:' and 'Date:'.")


def test_email_cut_inside_its_headers_is_refused(tmp_path: Path) -> None:
    """A file that stops in the middle of a header line looks cut short."""
    with pytest.raises(SourceError) as e:
        _read(_write(tmp_path, b"From: x@example.com\nDate: Sat, 1 Mar 2025 10:00:00 +0000\nSubj"))
    assert str(e.value) == "mail.eml: the email ends in the middle of its headers: the file looks cut short."


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_after_headers_give_only_records_or_problems(tmp_path_factory: pytest.TempPathFactory,
                                                                     body: bytes) -> None:
    """Any body (broken MIME, bad charsets, junk) yields a Record or Problems, nothing else."""
    head = (b"From: x@example.com\nDate: Sat, 1 Mar 2025 10:00:00 +0000\nMessage-ID: <f@x>\n"
            b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain; charset=x-bogus\n"
            b"Content-Transfer-Encoding: base64\n\n")
    p = tmp_path_factory.mktemp("eml") / "f.eml"
    p.write_bytes(head + body)
    for item in IMP.read(_src(p), CTX):
        assert isinstance(item, Record | Problem)
        if isinstance(item, Record):
            assert item.source_id == "<f@x>"


def test_attachment_before_the_text_part_does_not_hide_the_body(tmp_path: Path) -> None:
    """In multipart/mixed the text part is the body even when a file comes first; encoded file names decode."""
    p = _write(tmp_path, b"From: x@example.com\nDate: Sat, 1 Mar 2025 10:00:00 +0000\nMessage-ID: <m@x>\n"
                         b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: image/png\n"
                         b"Content-Disposition: attachment; filename=\"=?UTF-8?Q?f=C3=B6to.png?=\"\n"
                         b"Content-Transfer-Encoding: base64\n\niVBORw==\n--zz\nContent-Type: text/plain; "
                         b"charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nZo\xc3\xab was here\n--zz--\n")
    (rec,), probs = _read(p)
    assert rec.body == "Zoë was here"
    assert [(a.name, a.mime, a.data) for a in rec.attachments] == [("föto.png", "image/png", b"\x89PNG")]
