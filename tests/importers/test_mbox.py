"""Gmail Takeout mbox: how messages are split, read, dated and refused."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person, case_from_json
from nocontact.importers import identify
from nocontact.importers.base import ImportContext, SourceError
from nocontact.importers.eml import EmlImporter
from nocontact.importers.mbox import MboxImporter, split_mbox, unquote_from
from nocontact.model import Identifier, Problem, Record
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
from nocontact.samples.email import generate, write_sample
from nocontact.sources import FileSource
from tests.support import (
    assert_matches_expected,
    case_from_expected,
    context_for,
    figures,
    fixture_source,
    load_expected,
    read_source,
)

REL = "Takeout/Mail/All mail Including Spam and Trash.mbox"
IMP = MboxImporter()
CTX = ImportContext(case=Case(user=Person(emails=("sam.rivera@example.org",))))
SEP = b"From 1820780094791948177@xxx Thu Jan 09 14:00:13 +0000 2025\n"


def _msg(mid: str, body: bytes, extra: bytes = b"", date: bytes = b"Thu, 9 Jan 2025 14:00:12 +0000") -> bytes:
    return (b"From: Jordan Blake <jordan.blake@example.com>\nTo: sam.rivera@example.org\nDate: " + date
            + b"\nMessage-ID: <" + mid.encode() + b">\nSubject: s\n" + extra + b"\n" + body)


def _mbox(*messages: bytes, nl: bytes = b"\n") -> bytes:
    return nl.join(SEP.replace(b"\n", nl) + m.replace(b"\n", nl) for m in messages)


def _src(p: Path) -> FileSource:
    return FileSource(p, p.parent, p.name)


def _read(tmp_path: Path, data: bytes, imp: MboxImporter = IMP) -> tuple[list[Record], list[Problem]]:
    p = tmp_path / "mail.mbox"
    p.write_bytes(data)
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in imp.read(_src(p), CTX):
        (recs if isinstance(item, Record) else probs).append(item)
    return recs, probs


# --- conformance -------------------------------------------------------------------------------

def test_fixture_mbox_matches_every_expected_figure(shared_fixtures: Path) -> None:
    """Every figure of expected.json, the ex's events one by one, and the message order hold."""
    expected = load_expected()
    recs, probs = read_source(fixture_source(REL), context_for(case_from_expected(expected)))
    assert probs == []
    assert_matches_expected(REL, recs, expected)
    assert [r.source_id for r in recs] == expected["files"][REL]["messages_in_order"]
    assert all(r.natural_key == r.source_id for r in recs)


def test_fixture_bodies_subjects_and_labels_are_decoded(shared_fixtures: Path) -> None:
    """>From lines are unquoted, base64 and RFC 2047 decoded, labels split, the JPEG carried."""
    recs, _ = read_source(fixture_source(REL), CTX)
    by_id = {r.source_id: r for r in recs}
    letter = by_id["<CA0AKyKhX57ectTZ=d0LxDJkxdH0GK1zwIqxqnqVhw@mail.gmail.com>"]
    assert letter.body is not None and "\nFrom the moment I met you, I knew.\n" in letter.body
    assert ">From" not in letter.body
    b64 = by_id["<CAbhst_fGFDyHGLPjM8vJjLFa5ZAOraWqktIxXRpio@mail.gmail.com>"]
    assert b64.body is not None and b64.body.startswith("I got your text. I don’t understand.\n")
    assert by_id["<CARlgT6nCKoIyV1zYJ1ghJbEZsE5jKAbGyfRyxPxaG@mail.gmail.com>"].subject == (
        "Your February route-setting schedule 🧗")
    photos = by_id["<CAUfw17Fj18FtE8w=A5Lizu2qpJWNM2cl9aXysS8DQ@mail.gmail.com>"]
    assert [(a.name, a.mime) for a in photos.attachments] == [("us.jpg", "image/jpeg")]
    assert photos.attachments[0].data is not None and photos.attachments[0].data.startswith(b"\xff\xd8")
    assert ("gmail_labels", "Trash,Opened") in by_id[
        "<CATN9y6_vrrB-R+QavIh+lHvlaePvIffMjWi9CYYro@mail.gmail.com>"].extra


def test_fixture_is_identified_by_content(shared_fixtures: Path) -> None:
    """The registry picks the mbox importer on the From_ line and Gmail headers."""
    imp, match = identify(fixture_source(REL))
    assert imp.name == "gmail_takeout_mbox" and match.confidence == 85


# --- splitting ----------------------------------------------------------------------------------

def test_from_line_without_blank_line_before_does_not_split(tmp_path: Path) -> None:
    """A body line 'From ...' right after text stays in its message (mailbox.mbox would split)."""
    data = _mbox(_msg("a@x", b"hello\nFrom here on I'll wait.\nbye\n"), _msg("b@x", b"two\n"))
    recs, _ = _read(tmp_path, data)
    assert [r.body for r in recs] == ["hello\nFrom here on I'll wait.\nbye\n", "two\n"]


def test_mboxrd_quoting_is_undone_one_level(tmp_path: Path) -> None:
    """'>From ' becomes 'From ', '>>From ' becomes '>From '; other '>' lines stay as they are."""
    data = _mbox(_msg("a@x", b"x\n\n>From the start\n>>From quoted\n> reply\n>Fromage\n"))
    (rec,), _ = _read(tmp_path, data)
    assert rec.body == "x\n\nFrom the start\n>From quoted\n> reply\n>Fromage\n"
    assert unquote_from(b"no quoting here\n") == b"no quoting here\n"


def test_crlf_mailbox_is_split_and_bodies_keep_crlf(tmp_path: Path) -> None:
    """CRLF files split on CRLF blank lines; the framing blank line is not part of the body."""
    data = _mbox(_msg("a@x", b"one\n"), _msg("b@x", b"two\n"), nl=b"\r\n") + b"\r\n"
    recs, probs = _read(tmp_path, data)
    assert [r.body for r in recs] == ["one\r\n", "two\r\n"] and probs == []


def test_separator_split_across_read_chunks_is_found() -> None:
    """With tiny chunks, every separator is still found and every byte kept."""
    data = _mbox(*(_msg(f"{i}@x", b"body %d\n" % i) for i in range(20)))
    parts = list(split_mbox(io.BytesIO(data), chunk=7))
    assert len(parts) == 20
    assert b"\n".join(p.from_line + p.content for p in parts) == data


def test_oversized_message_is_skipped_with_a_problem_and_reading_continues(tmp_path: Path) -> None:
    """A message over the size cap is a Problem naming its byte range and headers; the next message is read."""
    first = _msg("a@x", b"line\n" * 40_000)
    data = _mbox(first, _msg("b@x", b"after\n"))
    recs, probs = _read(tmp_path, data, MboxImporter(max_message_bytes=100_000))
    assert [r.source_id for r in recs] == ["<b@x>"]
    assert probs[0].kind == "too_large" and probs[0].position == "byte 0"
    end = len(SEP) + len(first) - 1
    assert probs[0].message == (f"the message at bytes 0 to {end:,} of the file ({end + 1:,} bytes) is larger than "
                                "100,000 bytes, the most read as one email, so it was not read (Date: Thu, 9 Jan "
                                "2025 14:00:12 +0000; Message-ID: <a@x>). Nothing of it is lost: the vault keeps the "
                                "original file byte for byte, and the rest of the mailbox is read.")


def test_message_with_one_line_over_the_line_limit_is_refused_with_its_byte_range(tmp_path: Path) -> None:
    """A 2 MB single line is refused as soon as it passes the line limit; the messages around it are read exactly."""
    long = _msg("long@x", b"A" * 2_000_000 + b"\n")
    data = _mbox(_msg("a@x", b"before\n"), long, _msg("b@x", b"after\n"))
    recs, probs = _read(tmp_path, data, MboxImporter(max_line_bytes=100_000))
    assert [(r.source_id, r.body) for r in recs] == [("<a@x>", "before\n"), ("<b@x>", "after\n")]
    (prob,) = probs
    start = data.index(SEP + long)
    assert prob.kind == "too_large" and prob.position == f"byte {start}"
    assert data[start:start + len(SEP) + len(long)] == SEP + long
    assert prob.message.startswith(f"the message at bytes {start:,} to {start + len(SEP) + len(long) - 1:,} of the "
                                   f"file ({len(SEP) + len(long):,} bytes) holds a line of more than 100,000 bytes "
                                   "with no line break, which no email program writes, so it was not read (Date: "
                                   "Thu, 9 Jan 2025 14:00:12 +0000; Message-ID: <long@x>).")


def test_refused_message_is_named_without_control_characters(tmp_path: Path) -> None:
    """Hostile header text in a refused message is cut short and stripped of control characters."""
    evil = b"From: x@example.com\nDate: \x1b[2J" + b"D" * 500 + b"\nMessage-ID: <\x07e@x>\n\n" + b"A" * 5000 + b"\n"
    _, (prob,) = _read(tmp_path, _mbox(evil), MboxImporter(max_line_bytes=1000))
    assert "\x1b" not in prob.message and "\x07" not in prob.message
    assert "Date: \ufffd[2J" + "D" * 116 + ";" in prob.message and "Message-ID: <\ufffde@x>" in prob.message


def test_long_line_at_the_end_of_the_file_is_refused_up_to_the_last_byte(tmp_path: Path) -> None:
    """A last message whose long line never ends is refused with a range reaching the file's last byte."""
    data = _mbox(_msg("a@x", b"before\n"), _msg("z@x", b"A" * 300_000))
    recs, (prob,) = _read(tmp_path, data, MboxImporter(max_line_bytes=100_000))
    assert [r.source_id for r in recs] == ["<a@x>"]
    assert f"to {len(data) - 1:,} of the file" in prob.message


def _reference_split(data: bytes, limit: int) -> list[tuple[int, int, bool]]:
    """(start, end, refused) per message, worked out the slow obvious way for the property test."""
    starts = [0] + [i + 2 for i in range(len(data)) if data.startswith(b"\n\nFrom ", i)]
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 1 if k + 1 < len(starts) else len(data) - (1 if data.endswith(b"\n\n") else 0)
        out.append((s, e, max(len(x) for x in data[s:e].split(b"\n")) > limit))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 100), min_size=1, max_size=6), min_size=1, max_size=6),
       st.integers(1, 90))
def test_splitting_with_a_line_limit_is_exact_for_any_read_size(bodies: list[list[int]], chunk: int) -> None:
    """Every message is either returned byte for byte or refused with its exact range, decided by its longest line."""
    data = _mbox(*(_msg(f"{i}@x", b"".join(b"y" * n + b"\n" for n in lines)) for i, lines in enumerate(bodies)))
    parts = list(split_mbox(io.BytesIO(data), max_line_bytes=70, chunk=chunk))
    assert [(p.offset, p.end, p.oversized == "line") for p in parts] == _reference_split(data, 70)
    for p in parts:
        if p.oversized is None:
            assert p.from_line + p.content == data[p.offset:p.end]


# --- message content ----------------------------------------------------------------------------

def test_minus_0000_date_is_utc_and_says_so(tmp_path: Path) -> None:
    """RFC 5322's -0000 (zone unknown) is read as UTC; time_basis records that choice."""
    (rec,), _ = _read(tmp_path, _mbox(_msg("a@x", b"x\n", date=b"Fri, 7 Mar 2025 17:00:00 -0000")))
    assert rec.utc == datetime(2025, 3, 7, 17, 0, tzinfo=UTC)
    assert (rec.time_zone, rec.time_basis) == ("UTC", "Date header with -0000 (no zone given), read as UTC")
    assert rec.raw_time == "Fri, 7 Mar 2025 17:00:00 -0000"


def test_missing_date_uses_the_from_line(tmp_path: Path) -> None:
    """Without a Date header, the From_ line's receipt time is used and named."""
    data = SEP + b"From: a@example.com\nMessage-ID: <n@x>\n\nbody\n"
    (rec,), _ = _read(tmp_path, data)
    assert rec.utc == datetime(2025, 1, 9, 14, 0, 13, tzinfo=UTC)
    assert rec.time_basis.startswith("mbox From_ line")


def test_year_0000_date_uses_the_from_line_never_2000(tmp_path: Path) -> None:
    """A Date in year 0 is unreadable (not the year 2000): the From_ line's receipt time is used and named."""
    (rec,), probs = _read(tmp_path, _mbox(_msg("a@x", b"x\n", date=b"Sat, 1 Jan 0000 00:00:00 +0000")))
    assert rec.utc == datetime(2025, 1, 9, 14, 0, 13, tzinfo=UTC) and probs == []
    assert rec.time_basis == "mbox From_ line (receipt time; the Date header is missing or unreadable)"


def test_encoded_labels_are_decoded_before_splitting(tmp_path: Path) -> None:
    """An RFC 2047 X-Gmail-Labels value is decoded first, then split on commas."""
    labels = b"X-Gmail-Labels: =?UTF-8?Q?Jordan_=F0=9F=9A=A9,Opened?=\nX-GM-THRID: 42\n"
    (rec,), _ = _read(tmp_path, _mbox(_msg("a@x", b"x\n", extra=labels)))
    assert ("gmail_labels", "Jordan 🚩,Opened") in rec.extra
    assert rec.conversation == "42"


def test_direction_group_and_draft_follow_the_case_user(tmp_path: Path) -> None:
    """From the user is outgoing (draft with Gmail's Draft label); several To/Cc make a group."""
    sent = (b"From: Sam <sam.rivera@example.org>\nTo: j@example.com\nCc: k@example.com\n"
            b"Date: Thu, 9 Jan 2025 14:00:12 +0000\nMessage-ID: <s@x>\nX-Gmail-Labels: Draft\n\nunsent\n")
    inbound = _msg("i@x", b"x\n")
    recs, _ = _read(tmp_path, _mbox(sent, inbound))
    assert recs[0].direction == "draft" and recs[0].is_group
    assert recs[0].peers == (Identifier("email", "j@example.com"), Identifier("email", "k@example.com"))
    assert recs[1].direction == "incoming" and not recs[1].is_group


def test_same_email_in_mbox_and_eml_has_one_natural_key(tmp_path: Path) -> None:
    """The Message-ID is the dedupe key for both importers."""
    msg = _msg("same@x", b"hello\n")
    (a,), _ = _read(tmp_path, _mbox(msg))
    p = tmp_path / "m.eml"
    p.write_bytes(msg)
    (b,) = [r for r in EmlImporter().read(_src(p), CTX) if isinstance(r, Record)]
    assert a.natural_key == b.natural_key == "<same@x>"
    assert a.content_digest("email") == b.content_digest("email")


# --- refusals -----------------------------------------------------------------------------------

def test_empty_file_is_refused(tmp_path: Path) -> None:
    """0 bytes: a plain sentence."""
    with pytest.raises(SourceError) as e:
        _read(tmp_path, b"")
    assert str(e.value) == "mail.mbox: the file is empty (0 bytes), so there are no emails to read."


def test_file_that_is_not_an_mbox_is_refused(tmp_path: Path) -> None:
    """Text starting 'From ' that is not followed by headers is not an mbox."""
    with pytest.raises(SourceError) as e:
        _read(tmp_path, b"From here on, I promise.\nLove, J\n")
    assert str(e.value) == ("mail.mbox: this is not an mbox mailbox file: it should begin with a line starting "
                            "'From ' followed by email headers.")
    assert IMP.sniff(_src(tmp_path / "mail.mbox"), b"From here on, I promise.\nLove, J\n") is None


def test_last_message_cut_inside_its_headers_is_a_fatal_problem(tmp_path: Path) -> None:
    """Every complete message is read; the cut one is reported as truncation."""
    data = _mbox(_msg("a@x", b"one\n"), b"From: Jordan <jordan.blake@example.com>\nSubj")
    recs, probs = _read(tmp_path, data)
    assert [r.source_id for r in recs] == ["<a@x>"]
    assert probs[-1].fatal and probs[-1].kind == "truncated"
    assert probs[-1].message.startswith("the file ends in the middle of the headers of the message starting at byte")


# --- sample generator and properties ------------------------------------------------------------

def test_sample_generator_writes_a_mailbox_whose_bodies_read_back_exactly(tmp_path: Path) -> None:
    """The demo mailbox: 14 emails, 8 the ex's, every body equal to the generated one."""
    mbox, eml = write_sample(tmp_path)
    case = case_from_json(json.dumps(DEMO_CASE))
    recs, probs = read_source(FileSource(mbox, tmp_path, mbox.name), context_for(case))
    assert probs == []
    f = figures(recs, case, DEMO_BOUNDARY_UTC)
    assert f["records_total"] == 14 and f["ex"]["total"] == 8 and f["ex"]["after_boundary"] == 6
    want = {m.message_id: m.body for m in generate()}
    assert {r.source_id: r.body for r in recs} == want
    (saved,), _ = read_source(FileSource(eml, tmp_path, eml.name), context_for(case))
    assert saved.natural_key in want
    big, _ = write_sample(tmp_path / "big", scale=3)
    assert sum(isinstance(r, Record) for r in IMP.read(FileSource(big, tmp_path, "b"), CTX)) == 14 + 2 * 10


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_after_a_from_line_give_only_records_problems_or_source_error(
        tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    """No content crashes the reader; every record has a source_id."""
    p = tmp_path_factory.mktemp("mbox") / "f.mbox"
    p.write_bytes(SEP + b"From: a@example.com\nDate: Thu, 9 Jan 2025 14:00:12 +0000\n" + data)
    try:
        for item in IMP.read(_src(p), CTX):
            assert isinstance(item, Record | Problem)
            if isinstance(item, Record):
                assert item.source_id
    except SourceError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2090, 1, 1)),
       st.integers(min_value=-720, max_value=840))
def test_date_header_round_trips(tmp_path_factory: pytest.TempPathFactory, dt: datetime, offset_min: int) -> None:
    """Any Date header written with any offset reads back to the same UTC second."""
    from datetime import timedelta, timezone
    from email.utils import format_datetime
    local = dt.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_min)))
    p = tmp_path_factory.mktemp("d") / "f.mbox"
    p.write_bytes(_mbox(_msg("d@x", b"x\n", date=format_datetime(local).encode())))
    (rec,) = [r for r in IMP.read(_src(p), CTX) if isinstance(r, Record)]
    assert rec.utc == local.astimezone(UTC)
