"""The import hot path (``prepare_record``) and the general path (``record_row`` + ``make_storable``
+ ``prepare``) must give every event the same content, hash and stored columns."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import case_from_json
from nocontact.importers.base import ImportContext
from nocontact.ingest import Planned, plan_sources
from nocontact.model import AttachmentRef, Identifier, Record, format_utc
from nocontact.samples import DEMO_CASE
from nocontact.vault.events import (
    CONTENT_FIELDS,
    Prepared,
    make_storable,
    prepare,
    prepare_record,
    record_row,
)
from tests.vault.helpers import samples

SHA = "ab" * 32


def _general(rec: Record, atts: list[dict[str, object]]) -> tuple[Prepared, list[str]]:
    row = record_row(rec, fmt="fmt", source_sha256=SHA, source_display="export.txt", utc_text=format_utc(rec.utc))
    fixed = make_storable(row)
    return prepare(row, dedupe_key="k", attachments=atts), fixed


def _fast(rec: Record, atts: list[dict[str, object]]) -> tuple[Prepared, list[str]]:
    return prepare_record(rec, fmt="fmt", source_sha256=SHA, source_display="export.txt",
                          utc_text=format_utc(rec.utc), dedupe_key="k", attachments=atts)


def _stored(p: Prepared) -> tuple[object, ...]:
    """The CONTENT_FIELDS columns as insert_prepared writes them."""
    if p.values is not None:
        return tuple(p.values)
    c = p.content
    out = []
    for k in CONTENT_FIELDS:
        v = c[k]
        if k in ("peers", "extra"):
            v = json.dumps(v, ensure_ascii=False, sort_keys=True) if v else ("[]" if k == "peers" else "{}")
        elif k == "is_group":
            v = int(v)
        out.append(v)
    return tuple(out)


def _assert_same(rec: Record, atts: list[dict[str, object]] | None = None) -> bool:
    """Both paths agree; returns whether the fast path wrote the record itself."""
    atts = atts or []
    fast, fast_fixed = _fast(rec, atts)
    slow, slow_fixed = _general(rec, atts)
    assert fast.content_hash == slow.content_hash
    assert fast.occurred_us == slow.occurred_us
    assert fast_fixed == slow_fixed
    assert _stored(fast) == _stored(slow)
    return fast.values is not None


def _base() -> Record:
    return Record(source_id="7", kind="sms", category="message", utc=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
                  raw_time="1772366400000", time_zone="UTC", time_basis="epoch milliseconds", direction="incoming",
                  sender=Identifier("phone", "+16285550142"), peers=(Identifier("phone", "+16285550142"),),
                  body="Pick up.", extra=(("type", "1"), ("date_sent", "0"), ("contact_name", "C")))


def test_every_sample_record_gets_the_same_hash_and_columns_on_both_paths(tmp_path: Path) -> None:
    """Every record of every sample export, through both paths, hashes and stores identically."""
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = ImportContext(case=case, source_timezone=ZoneInfo(case.source_timezone or "UTC"))
    n = fast = 0
    for item in plan_sources(list(samples(tmp_path).values())):
        if not isinstance(item, Planned):
            continue
        for rec in item.importer.read(item.source, ctx):
            if isinstance(rec, Record):
                fast += _assert_same(rec)
                n += 1
    assert n > 300
    assert fast == n  # ordinary records never need the general path


@pytest.mark.parametrize("change", [
    {"body": "half an emoji \ud83d here"},
    {"peers": (Identifier("phone", "\udc00"),), "is_group": False},
    {"extra": (("name", "\ud800"),)},
    {"duration_s": 2**70},
    {"call_type": -(2**64)},
    {"body": None, "subject": "Re: \u2028 \x00 \u202e"},
    {"extra": (("b", "2"), ("a", "1"), ("b", "3"))},
    {"duration_s": True, "call_type": 0},
    {"duration_s": 2**63 - 1, "call_type": -(2**63)},
    {"body": "", "subject": "", "sender": None, "peers": (), "conversation": "\"q\" \\ \u2028"},
    {"body": "</script>\u202e\x00 🙂 \t\r\n", "is_group": True, "conversation": "Family"},
    {"raw_time": "12/31/24, 11:59\u202fPM", "time_zone": "Europe/Helsinki", "time_basis": "case"},
])
def test_unusual_records_take_the_same_path_to_the_same_result(change: dict[str, object]) -> None:
    """Lone surrogates, numbers beyond 64 bits, odd text and repeated extra keys agree on both paths."""
    _assert_same(replace(_base(), **change))  # type: ignore[arg-type]


def test_a_lone_surrogate_is_reported_as_the_field_it_was_in() -> None:
    """The fast path names what it had to change, exactly as make_storable does."""
    _, fixed = _fast(replace(_base(), body="x\ud83dy"), [])
    assert fixed == ["body"]


def test_attachments_enter_the_hash_the_same_way() -> None:
    """An event's attachment list is part of its content on both paths."""
    atts: list[dict[str, object]] = [{"blob": "b" * 64, "sha256": "c" * 64, "size": 3, "name": "p.jpg",
                                      "mime": "image/jpeg", "included": True}]
    rec = replace(_base(), attachments=(AttachmentRef("p.jpg", "image/jpeg", data=b"abc"),))
    _assert_same(rec, atts)
    assert _fast(rec, atts)[0].content_hash != _fast(rec, [])[0].content_hash


def _reference_digest(rec: Record, fmt: str) -> bytes:
    """The dedupe digest exactly as docs/vault-format.md defines it, written the plain way."""
    import hashlib

    def ident(i: Identifier | None) -> str:
        return "" if i is None else f"{i.kind}:{i.value}"

    if rec.natural_key is not None:
        parts: list[object] = [fmt, "natural", rec.natural_key]
    else:
        parts = [fmt, rec.kind, format_utc(rec.utc), rec.direction, ident(rec.sender),
                 sorted(ident(p) for p in rec.peers), rec.body, rec.subject, rec.duration_s, rec.call_type]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8", "surrogatepass")).digest()


def test_the_dedupe_digest_of_every_sample_record_is_the_documented_one(tmp_path: Path) -> None:
    """Keys already in people's vaults must not change: the fast digest equals the documented encoding."""
    case = case_from_json(json.dumps(DEMO_CASE))
    ctx = ImportContext(case=case, source_timezone=ZoneInfo(case.source_timezone or "UTC"))
    n = 0
    for item in plan_sources(list(samples(tmp_path).values())):
        if isinstance(item, Planned):
            for rec in item.importer.read(item.source, ctx):
                if isinstance(rec, Record):
                    assert rec.content_digest(item.importer.name) == _reference_digest(rec, item.importer.name)
                    n += 1
    assert n > 300


@pytest.mark.parametrize("change", [
    {"body": "half an emoji \ud83d here", "subject": "\"quoted\" \\ back\nslash\t\x1f"},
    {"duration_s": 2**70, "call_type": -3},
    {"duration_s": True},
    {"body": "", "subject": "", "sender": None, "peers": ()},
    {"peers": (Identifier("name", "Zoë"), Identifier("email", "a@b.example"), Identifier("name", "Zoë"))},
    {"natural_key": "<id@host>"},
    {"body": "\u2028\u2029 \u00a0 </script> 🙂"},
])
def test_the_dedupe_digest_of_unusual_records_is_the_documented_one(change: dict[str, object]) -> None:
    """Escapes, surrogates, big and odd numbers, empty and repeated peers: the same digest either way."""
    rec = replace(_base(), **change)  # type: ignore[arg-type]
    assert rec.content_digest("fmt") == _reference_digest(rec, "fmt")


_texts = st.text(alphabet=st.characters(), max_size=40)


@settings(max_examples=300, deadline=None)
@given(body=st.none() | _texts, subject=st.none() | _texts, conversation=st.none() | _texts, raw=_texts,
       sender=st.none() | _texts, peers=st.lists(_texts, max_size=3),
       extra=st.lists(st.tuples(_texts, _texts), max_size=4),
       duration=st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70),
       group=st.booleans())
def test_any_record_hashes_and_stores_the_same_on_both_paths(
        body: str | None, subject: str | None, conversation: str | None, raw: str, sender: str | None,
        peers: list[str], extra: list[tuple[str, str]], duration: int | None, group: bool) -> None:
    """Whatever text or number a record carries, the fast path gives the general path's hash and columns."""
    _assert_same(replace(_base(), body=body, subject=subject, conversation=conversation, raw_time=raw,
                         sender=None if sender is None else Identifier("name", sender),
                         peers=tuple(Identifier("name", p) for p in peers), extra=tuple(extra),
                         duration_s=duration, is_group=group))


def test_one_event_read_by_its_id_is_the_event_the_full_read_gives(tmp_path: Path) -> None:
    """``get_event`` (correct, retract, the app's event page) reads one event by id; it must give
    what ``iter_events`` gives: corrections applied, retraction noted, attachments in order."""
    from nocontact.vault.events import get_event, iter_events, retract, revise, save_case
    from nocontact.vault.store import Vault, VaultError
    from tests.vault.helpers import import_paths

    vault, _ = Vault.create(tmp_path / "vault", "correct horse", fast_kdf=True)
    try:
        save_case(vault, case_from_json(json.dumps(DEMO_CASE)))
        samples(tmp_path / "s")
        import_paths(vault, tmp_path / "s")
        ids = [ev.id for ev in iter_events(vault)]
        with_files = [ev.id for ev in iter_events(vault) if ev.attachments]
        assert len(ids) > 50 and with_files
        revise(vault, ids[3], {"body": "corrected"}, "typo")
        revise(vault, ids[3], {"location": "the park"}, "added")
        retract(vault, ids[5], "not them")
        retract(vault, with_files[0], "wrong chat")
        for ev in iter_events(vault, include_retracted=True):
            one = get_event(vault, ev.id)
            assert (one.id, one.row, one.attachments, one.retracted, one.retraction_reason, one.revised) == (
                ev.id, ev.row, ev.attachments, ev.retracted, ev.retraction_reason, ev.revised)
        assert get_event(vault, ids[3]).row["body"] == "corrected"
        with pytest.raises(VaultError, match="there is no event 999999"):
            get_event(vault, 999_999)
    finally:
        vault.close()
