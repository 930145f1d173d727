"""The WhatsApp importer's bulk reader: text decoded in large pieces and split at the file's own
headers must give exactly what a line-by-line reading gives, wherever the pieces are cut."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.case import Case, Person
from nocontact.importers import whatsapp
from nocontact.importers._whatsapp_layout import HeaderParser, Layout, Survey, iter_regions, scan
from nocontact.importers.base import ImportContext
from nocontact.importers.whatsapp import WhatsAppTxtImporter
from nocontact.model import Problem, Record
from nocontact.samples.whatsapp import write_sample
from nocontact.sources import FileSource

NNBSP = "\u202f"
LRM = "\u200e"
HEADER = f"2/21/25, 1:10{NNBSP}AM - "


def _parser() -> tuple[HeaderParser, Layout]:
    survey = Survey()
    survey.feed(HEADER + "A: x")
    det = survey.result("MDY")
    assert det is not None
    return HeaderParser(det.layout, det.order), det.layout


def _pieces(text: str, cuts: list[int]) -> list[str]:
    bounds = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


_LINES = st.lists(st.builds(lambda h, t: h + t, st.sampled_from([
    HEADER + "Jordan Blake: ", f"{LRM}{HEADER}Sam: ", "2/30/25, 1:10\u202fAM - Fake: ", "13/13/25, 25:99 PM - ",
    "[21/02/2025, 02:20:31] X: ", "", "", ""]), st.text(st.characters(blacklist_characters="\n"), max_size=12)),
    max_size=20)


@settings(max_examples=200, deadline=None)
@given(_LINES, st.booleans(), st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_pieces_cut_anywhere_give_the_same_messages_and_lose_no_character(lines: list[str], final_lf: bool,
                                                                          cuts: list[int]) -> None:
    """Split into pieces at arbitrary places, the text scans to the same messages, which rebuild it exactly."""
    text = "\n".join(lines) + ("\n" if final_lf and lines else "")
    parser, layout = _parser()
    whole = list(scan(iter_regions([text]), layout, parser.stamp))
    cut = list(scan(iter_regions(_pieces(text, cuts)), layout, parser.stamp))
    assert cut == whole
    rebuilt = "\n".join(pre + raw + (layout.term if st_ is not None else "") + body
                        for _n, pre, raw, body, st_ in whole)
    assert rebuilt == (text[:-1] if text.endswith("\n") else text)  # an LF ending the file ends its last line
    assert all(s is not None for *_x, s in whole[1:])
    # line numbers: each message starts on the line after the previous message's last line
    expect = 1
    for n, _pre, _raw, body, _s in whole:
        assert n == expect
        expect += body.count("\n") + 1


def _ctx() -> ImportContext:
    return ImportContext(case=Case(user=Person(name="Sam Rivera")), source_timezone=ZoneInfo("America/Los_Angeles"))


def _read(path: Path) -> list[Record | Problem]:
    return list(WhatsAppTxtImporter().read(FileSource(path, path.parent, path.name), _ctx()))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_tiny_decoding_pieces_give_the_same_records_as_large_ones(tmp_path: Path, size: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few bytes (cutting U+202F, emoji and CRLF in two) change no record of a generated export."""
    path = write_sample(tmp_path, scale=1, seed=3)[0]
    expected = _read(path)
    monkeypatch.setattr(whatsapp, "CHUNK_BYTES", size)
    assert _read(path) == expected
    assert len(expected) > 60 and all(isinstance(r, Record) for r in expected)


def test_a_line_longer_than_many_pieces_is_one_exact_body(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 300,000-character line read in 4 KiB pieces is one message whose body is that line exactly."""
    monkeypatch.setattr(whatsapp, "CHUNK_BYTES", 4096)
    long = "ä" * 150_000 + "z" * 150_000
    p = tmp_path / "long.txt"
    p.write_text(f"{HEADER}Jordan Blake: {long}\n{HEADER}Jordan Blake: {long}\nand more\n", encoding="utf-8")
    recs = [r for r in _read(p) if isinstance(r, Record)]
    assert [r.body for r in recs] == [long, long + "\nand more"]
    assert [r.source_id for r in recs] == ["1", "2"]


def test_undecodable_bytes_across_a_piece_boundary_are_one_problem(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad byte in the second line of a message, read 5 bytes at a time, makes that message one Problem."""
    monkeypatch.setattr(whatsapp, "CHUNK_BYTES", 5)
    p = tmp_path / "bad.txt"
    p.write_bytes(f"{HEADER}Jordan Blake: ok\n{HEADER}Jordan Blake: two\n".encode()
                  + b"lines \xff\n" + f"{HEADER}Jordan Blake: fine\n".encode())
    items = _read(p)
    assert [type(i).__name__ for i in items] == ["Record", "Problem", "Record"]
    prob = items[1]
    assert isinstance(prob, Problem) and prob.position == "line 2" and "1 line(s) after it" in prob.message


def test_a_name_that_only_labels_notices_does_not_make_a_chat_a_group(tmp_path: Path) -> None:
    """Two people writing plus a notice labelled with the chat's name is a 1:1 chat, in either pass."""
    e2e = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
           "can read or listen to them.")
    p = tmp_path / "chat.txt"
    p.write_text(f"{HEADER}Kletterclub: {e2e}\n{HEADER}Jordan Blake: hi\n{HEADER}Sam Rivera: stop\n",
                 encoding="utf-8")
    recs = [r for r in _read(p) if isinstance(r, Record)]
    assert [r.category for r in recs] == ["system", "message", "message"]
    assert not any(r.is_group for r in recs)
    assert [p.value for p in recs[2].peers] == ["Jordan Blake"]
