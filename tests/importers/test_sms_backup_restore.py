"""SMS Backup & Restore: what the importers must read from sms-*.xml and calls-*.xml, and refuse."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import case_from_json
from nocontact.identity import ExMatcher
from nocontact.importers import by_name, identify
from nocontact.importers import sms_backup_restore as sbr
from nocontact.importers.base import ImportContext, SourceError
from nocontact.model import Identifier, Problem, Record
from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_CASE
from nocontact.sources import FileSource
from tests.support import (
    assert_matches_expected,
    case_from_expected,
    context_for,
    fixture_source,
    load_expected,
    read_source,
)

DATA = Path(__file__).parent / "data" / "sms_backup_restore"
SMS = sbr.SmsBackupRestoreSms()
CALLS = sbr.SmsBackupRestoreCalls()
CTX = ImportContext()


def _source(path: Path) -> FileSource:
    return FileSource(path, path.parent, path.name)


def _write(tmp_path: Path, data: bytes, name: str = "sms-20240201090000.xml") -> FileSource:
    p = tmp_path / name
    p.write_bytes(data)
    return _source(p)


def _read(importer: Any, source: FileSource, ctx: ImportContext = CTX) -> tuple[list[Record], list[Problem]]:
    recs: list[Record] = []
    probs: list[Problem] = []
    for item in importer.read(source, ctx):
        (recs if isinstance(item, Record) else probs).append(item)
    return recs, probs


def _error(importer: Any, source: FileSource) -> SourceError:
    with pytest.raises(SourceError) as info:
        list(importer.read(source, CTX))
    return info.value


def _sms_doc(*elements: str, root_attrs: str = 'count="1"') -> bytes:
    body = "\n".join(f"  {e}" for e in elements)
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
            f"<smses {root_attrs}>\n{body}\n</smses>\n").encode()


# --- conformance against the shared sample exports ------------------------------------------------

def test_shared_sms_file_matches_every_expected_figure(shared_fixtures: Path) -> None:
    """Every figure of expected.json for sms-20250322101530.xml, and Jordan's events one by one."""
    expected = load_expected()
    rel = "sms-20250322101530.xml"
    records, problems = read_source(fixture_source(rel), context_for(case_from_expected(expected)))
    assert problems == []
    assert identify(fixture_source(rel))[0].name == expected["files"][rel]["format"]
    assert_matches_expected(rel, records, expected)


def test_shared_calls_file_matches_every_expected_figure(shared_fixtures: Path) -> None:
    """Every figure for calls-20250322101530.xml, including calls by type, withheld calls and the burst."""
    expected = load_expected()
    rel = "calls-20250322101530.xml"
    want = expected["files"][rel]
    case = case_from_expected(expected)
    records, problems = read_source(fixture_source(rel), context_for(case))
    assert problems == []
    assert identify(fixture_source(rel))[0].name == want["format"]
    assert_matches_expected(rel, records, expected)
    assert dict(Counter(str(r.call_type) for r in records)) == want["calls_by_type"]
    m = ExMatcher(case)
    boundary = datetime.fromisoformat(expected["boundary"]["utc"].replace("Z", "+00:00"))
    ex_calls = [r for r in records if m.attribute(r).is_ex]
    assert dict(Counter(str(r.call_type) for r in ex_calls)) == want["ex"]["calls_by_type"]
    assert dict(Counter(str(r.call_type) for r in ex_calls if r.utc > boundary)) == \
        want["ex"]["calls_after_boundary_by_type"]
    withheld = [r for r in records if r.sender == Identifier("withheld", "")]
    assert [r.source_id for r in withheld] == want["withheld_calls"]["ids"]
    assert sum(r.utc > boundary for r in withheld) == want["withheld_calls"]["after_boundary"]
    assert all(not m.attribute(r).is_ex for r in withheld)
    by_id = {r.source_id: r for r in records}
    for burst in want["bursts"]:
        calls = [by_id[i] for i in burst["ids"]]
        assert {m.attribute(r).identifier for r in calls} == {burst["identifier"]}
        assert min(r.utc for r in calls).strftime("%Y-%m-%dT%H:%M:%S") == burst["first_utc"][:19]
        assert max(r.utc for r in calls) - min(r.utc for r in calls) <= timedelta(minutes=burst["window_minutes"])


def test_shared_mms_people_and_parts(shared_fixtures: Path) -> None:
    """The sample's MMS: photo decoded, SMIL skipped, group flags, the sent MMS's From is the user."""
    expected = load_expected()
    case = case_from_expected(expected)
    records, _ = read_source(fixture_source("sms-20250322101530.xml"), context_for(case))
    mms = {r.source_id: r for r in records if r.kind == "mms"}
    photo = mms["25"]
    assert photo.body == "Remember this? ❤️"
    assert photo.attachments[0].name == "IMG_20240712_181455.jpg"
    assert (photo.attachments[0].content() or b"")[:2] == b"\xff\xd8"
    assert not photo.is_group and photo.time_basis == "epoch milliseconds"
    assert photo.utc == datetime(2025, 2, 4, 20, 2, tzinfo=UTC)
    assert mms["38"].is_group and mms["38"].sender == Identifier("phone", "+14155550199")
    sent = mms["30"]
    assert sent.direction == "outgoing" and sent.is_group and sent.sender == Identifier("phone", "+14155550100")


# --- variants the shared samples lack --------------------------------------------------------------

def test_surrogate_pair_references_are_joined_into_one_emoji() -> None:
    """&#55357;&#56846; (and the hexadecimal form) become 😎 / 😀; a lone half becomes U+FFFD with a problem."""
    recs, probs = _read(SMS, _source(DATA / "surrogates.xml"))
    assert [r.body for r in recs] == ["So cool 😎", "😀\nand a heart ❤️ and 😀", "half \ufffd an emoji"]
    assert [p.kind for p in probs] == ["repaired"]
    assert probs[0].position.startswith("byte ")


@pytest.mark.parametrize("shift", range(0, 20))
def test_surrogate_pair_split_across_read_chunks_is_still_joined(shift: int) -> None:
    """A pair that straddles the reader's chunk boundary at any byte is joined all the same."""
    pad = "x" * (64 - shift)
    doc = _sms_doc(f'<sms address="+15555550101" date="1706778000000" type="1" body="{pad}&#55357;&#56846;!" />')
    with mock.patch.object(sbr, "_READ_CHUNK", 128 + 64):
        reader = sbr.RepairingReader(io.BytesIO(doc), "t.xml")
        reader.prime()
        out = b"".join(iter(lambda: reader.read(7), b""))
    assert out == doc.replace(b"&#55357;&#56846;", b"&#128526;")
    assert reader.lone_offsets == []


def test_null_strings_mean_missing_and_a_bad_date_is_a_problem() -> None:
    """The literal "null" is absent (body, address, contact, part name); an undated SMS is a Problem."""
    recs, probs = _read(SMS, _source(DATA / "nulls.xml"))
    assert [r.source_id for r in recs] == ["0", "1", "2"]
    first, draft, mms = recs
    assert first.body is None and first.subject is None and dict(first.extra) == {"type": "1"}
    assert draft.direction == "draft" and draft.peers == () and draft.sender is None
    assert mms.body is None and mms.peers == (Identifier("phone", "+15555550102"),)
    assert mms.attachments[0].included is False and mms.attachments[0].name == "part1"
    assert [(p.kind, p.position) for p in probs] == [("bad_date", "element 3")]


def test_newer_root_attributes_are_accepted() -> None:
    """backup_version, encrypted and type="incremental" on <smses> do not stop the import."""
    source = _source(DATA / "nulls.xml")
    assert SMS.sniff(source, source.head()) is not None
    assert identify(source)[0].name == "sms_backup_restore_sms"


def test_sms_types_map_to_directions(tmp_path: Path) -> None:
    """type 1 incoming, 2 outgoing, 3 draft, 4 outbox and 6 queued outgoing, 5 failed, other unknown."""
    els = [f'<sms address="+15555550106" date="17067780{t}0000" type="{t}" body="b{t}" />' for t in range(1, 8)]
    recs, _ = _read(SMS, _write(tmp_path, _sms_doc(*els)))
    assert [r.direction for r in recs] == ["incoming", "outgoing", "draft", "outgoing", "failed", "outgoing",
                                           "unknown"]
    assert recs[0].sender == Identifier("phone", "+15555550106") and recs[1].sender is None
    assert all(r.peers == (Identifier("phone", "+15555550106"),) for r in recs)


def test_mms_seconds_date_sent_and_group_by_address(tmp_path: Path) -> None:
    """MMS date is ms, date_sent seconds kept raw; two other participants make a group; own number dropped."""
    case = case_from_json(json.dumps({"user": {"phone": "+15555550100"}, "ex": {"phones": ["+15555550107"]}}))
    mms = ('<mms date="1706778000000" date_sent="1706777998" msg_box="1" m_type="132" '
           'address="+15555550107~+15555550100~+15555550108"><parts>'
           '<part seq="0" ct="text/plain" text="one" /><part seq="1" ct="text/plain" text="two" />'
           '<part seq="2" ct="image/gif" cl="a.gif" data="R0lGODlhAQABAAAAACw=" /></parts>'
           '<addrs><addr address="+15555550107" type="137" /><addr address="+15555550100" type="151" />'
           '<addr address="+15555550108" type="130" /></addrs></mms>')
    recs, _ = _read(SMS, _write(tmp_path, _sms_doc(mms)), ImportContext(case=case))
    r = recs[0]
    assert r.body == "one\ntwo" and r.is_group
    assert r.peers == (Identifier("phone", "+15555550107"), Identifier("phone", "+15555550108"))
    assert r.attachments[0].content() == b"GIF89a\x01\x00\x01\x00\x00\x00\x00,"
    assert dict(r.extra)["date_sent"] == "1706777998"
    assert ExMatcher(case).attribute(r).is_ex


def test_call_type_7_and_presentations_3_and_4_are_kept() -> None:
    """Answered elsewhere (7), unknown (3) and payphone (4) callers, vendor types and "null" durations."""
    recs, probs = _read(CALLS, _source(DATA / "calls_variants.xml"))
    assert probs == []
    assert [r.call_type for r in recs] == [7, 3, 1, 5, 2, 100]
    assert [r.direction for r in recs] == ["incoming", "incoming", "incoming", "incoming", "outgoing", "incoming"]
    assert [r.sender for r in recs] == [
        Identifier("phone", "+15555550103"), Identifier("withheld", "unknown"), Identifier("withheld", "payphone"),
        Identifier("withheld", ""), None, Identifier("phone", "+15555550103")]
    assert [r.duration_s for r in recs] == [61, 0, 12, 0, None, 0]
    assert recs[4].peers == (Identifier("phone", "+15555550103"),)


# --- bad input -------------------------------------------------------------------------------------

def test_billion_laughs_doctype_is_refused_with_a_clear_sentence() -> None:
    """A DOCTYPE declaring entities is refused before parsing: nothing is expanded or read."""
    source = _source(DATA / "billion_laughs.xml")
    assert identify(source)[0].name == "sms_backup_restore_sms"
    err = _error(SMS, source)
    assert str(err) == (
        "billion_laughs.xml was refused: it contains a <!DOCTYPE> that declares entities or points to "
        "another file. SMS Backup & Restore never writes this, and it can be used to attack the program "
        "that reads the file. Nothing was read from it. If you did not change this file yourself, make "
        "the backup again on the phone.")
    assert err.position == "prolog"


def test_external_entity_is_refused() -> None:
    """A SYSTEM entity (file:///etc/passwd) in a call log is refused the same way."""
    err = _error(CALLS, _source(DATA / "external_entity.xml"))
    assert str(err).startswith("external_entity.xml was refused: it contains a <!DOCTYPE>")


def test_doctype_pointing_to_an_external_dtd_is_refused(tmp_path: Path) -> None:
    """<!DOCTYPE smses SYSTEM "http://..."> would ask for the network: refused."""
    doc = _sms_doc().replace(b"<smses", b'<!DOCTYPE smses SYSTEM "http://example.invalid/x.dtd">\n<smses', 1)
    assert "was refused" in str(_error(SMS, _write(tmp_path, doc)))


def test_truncated_file_names_where_it_stops(tmp_path: Path) -> None:
    """A file cut short is a SourceError that gives the line and byte where it ends."""
    data = (DATA / "calls_variants.xml").read_bytes()
    cut = data[: data.index(b"<call", 600) + 40]
    err = _error(CALLS, _write(tmp_path, cut, "calls-20240202090000.xml"))
    lines = cut.count(b"\n") + 1
    assert str(err) == (
        f"calls-20240202090000.xml is incomplete: it stops in the middle, at line {lines} (byte {len(cut)}). "
        "The backup was probably cut short while it was being copied or downloaded. Copy the complete file "
        "from the phone again and import that copy.")
    assert err.position == f"line {lines}, byte {len(cut)}"


@pytest.mark.parametrize("keep", [0.3, 0.5, 0.9, 0.999])
def test_truncation_anywhere_is_reported_as_incomplete(tmp_path: Path, keep: float) -> None:
    """Cut at any point past the root, the file is called incomplete (never read silently as shorter)."""
    data = (DATA / "nulls.xml").read_bytes()
    cut = data[: int(len(data) * keep)]
    assert "is incomplete" in str(_error(SMS, _write(tmp_path, cut)))


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """0 bytes: not claimed by sniffing, and read says plainly that it is empty."""
    source = _write(tmp_path, b"")
    assert SMS.sniff(source, b"") is None and CALLS.sniff(source, b"") is None
    assert str(_error(SMS, source)) == (
        "sms-20240201090000.xml is empty (0 bytes): there is nothing in it to import. "
        "Make the backup again in SMS Backup & Restore and import the new file.")


def test_non_xml_file_is_refused(tmp_path: Path) -> None:
    """A text file named like a backup is not claimed and not read."""
    source = _write(tmp_path, b"Date,From,Body\n2024-02-01,+15555550101,hi\n")
    assert SMS.sniff(source, source.head()) is None
    assert str(_error(SMS, source)) == (
        "sms-20240201090000.xml is not an SMS Backup & Restore backup (it is not an XML file the app "
        "writes), so nothing was read from it.")


def test_calls_file_given_to_the_messages_importer_says_which_it_is() -> None:
    """The wrong kind of backup names the kind it is."""
    err = _error(SMS, _source(DATA / "calls_variants.xml"))
    assert str(err) == ("calls_variants.xml is not an SMS Backup & Restore messages file: its main element is "
                        "<calls>, not <smses>. It looks like a call log backup (calls-...xml).")


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    """Damage in the middle (an unescaped < in a body) gives line and column and no records are invented."""
    doc = _sms_doc('<sms address="1" date="1706778000000" type="1" body="a < b" />')
    err = _error(SMS, _write(tmp_path, doc))
    assert str(err).startswith("sms-20240201090000.xml is damaged at line 4, column ")
    assert err.position.startswith("line 4, column ")


def test_undefined_entity_reference_is_damage_not_text(tmp_path: Path) -> None:
    """&secret; without a declaration is never resolved or kept as text."""
    doc = _sms_doc('<sms address="1" date="1706778000000" type="1" body="&secret;" />')
    with pytest.raises(SourceError):
        list(SMS.read(_write(tmp_path, doc), CTX))


# --- properties ------------------------------------------------------------------------------------

_TMP: list[Path] = []
_XML_CHARS = st.characters(codec="utf-8", exclude_characters="\ufffe\uffff",
                           min_codepoint=0x9).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)


def _escape(text: str, *, pairs: bool) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r":
            out.append(f"&#{cp};")
        elif ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif pairs and cp > 0xFFFF:
            v = cp - 0x10000
            out.append(f"&#{0xD800 + (v >> 10)};&#{0xDC00 + (v & 0x3FF)};")
        else:
            out.append(ch)
    return "".join(out)


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_only_records_problems_or_source_errors(
        tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    """Whatever the bytes (also after a real header), only Record, Problem or SourceError come out."""
    folder = tmp_path_factory.mktemp("bytes", numbered=False) if not _TMP else _TMP[0]
    _TMP[:] = [folder]
    for doc in (data, _sms_doc()[:120] + data):
        source = _write(folder, doc)
        for imp in (SMS, CALLS):
            try:
                for item in imp.read(source, CTX):
                    assert isinstance(item, Record | Problem)
                    if isinstance(item, Record):
                        assert item.source_id
            except SourceError:
                pass


@settings(max_examples=150, deadline=None)
@given(st.text(_XML_CHARS, max_size=60), st.booleans(), st.integers(min_value=10**11, max_value=4 * 10**12))
def test_body_and_date_round_trip(tmp_path_factory: pytest.TempPathFactory, text: str, pairs: bool,
                                  ms: int) -> None:
    """Any body comes back exactly (even when astral characters are written as surrogate pairs); ms round trip."""
    body = _escape(text, pairs=pairs)
    doc = _sms_doc(f'<sms address="+15555550101" date="{ms}" type="1" body="{body}" />')
    recs, probs = _read(SMS, _write(tmp_path_factory.getbasetemp(), doc, "round-trip.xml"))
    assert probs == []
    assert recs[0].body == text
    assert recs[0].raw_time == str(ms)
    assert int((recs[0].utc - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1)) == ms


# --- sample generator ------------------------------------------------------------------------------

def test_sample_generator_writes_files_the_importers_read(tmp_path: Path) -> None:
    """write_sample gives an sms and a calls file; the demo ex is found after the boundary, photos included."""
    from nocontact.samples.sms_backup_restore import write_sample

    paths = write_sample(tmp_path, scale=1, seed=0)
    assert sorted(p.name[:4] for p in paths) == ["call", "sms-"]
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = ImportContext(case=case)
    m = ExMatcher(case)
    for p in paths:
        imp, _ = identify(_source(p))
        recs, probs = _read(imp, _source(p), ctx)
        assert probs == []
        ex_after = [r for r in recs if m.attribute(r).is_ex and r.utc > DEMO_BOUNDARY_UTC]
        assert len(ex_after) >= 10
        assert any(not m.attribute(r).is_ex for r in recs)
        if imp.name == "sms_backup_restore_sms":
            assert any(a.content() for r in recs for a in r.attachments)
            assert any(r.kind == "mms" and r.is_group for r in recs)
        else:
            assert any(r.sender == Identifier("withheld", "") for r in recs)
    assert write_sample(tmp_path / "again", seed=0)[0].read_bytes() == paths[0].read_bytes()
    assert by_name("sms_backup_restore_calls") is not None
