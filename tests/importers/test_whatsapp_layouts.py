"""WhatsApp header layouts of many phone locales: each hand-written export reads with the figures
stated beside it (count, first message time in UTC, authors, one multi-line body exactly)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nocontact.case import Case, Person
from nocontact.importers.base import DateOrderNeeded, ImportContext
from nocontact.importers.whatsapp import WhatsAppTxtImporter
from nocontact.model import Record, format_utc
from nocontact.sources import FileSource

NNBSP = "\u202f"
NBSP = "\u00a0"


@dataclass(frozen=True)
class Case_:
    locale: str
    zone: str
    text: str
    count: int
    first_utc: str
    authors: frozenset[str]
    multi_id: str
    multi_body: str
    order: str


CASES: list[Case_] = [
    Case_("en_US android 12h U+202F", "America/New_York",
          f"3/14/25, 9:05{NNBSP}AM - Ana Ruiz: Morning\n"
          f"3/14/25, 9:07{NNBSP}AM - Ben Ode: Hi\nline two\n"
          f"3/15/25, 12:30{NNBSP}PM - Ana Ruiz: Lunch?\n",
          3, "2025-03-14T13:05:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Hi\nline two", "MDY"),
    Case_("en_US iOS 12h U+00A0", "America/Chicago",
          f"[6/13/18, 9:25:15{NBSP}PM] Ana Ruiz: late\n[6/13/18, 9:26:00{NBSP}PM] Ben Ode: very\nlate\r\n",
          2, "2018-06-14T02:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "very\nlate", "MDY"),
    Case_("en_GB iOS", "Europe/London",
          "[13/06/2018, 21:25:15] Ana Ruiz: Hello\r\n[13/06/2018, 21:26:02] Ben Ode: two\nlines\r\n",
          2, "2018-06-13T20:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "two\nlines", "DMY"),
    Case_("de_DE android", "Europe/Berlin",
          "13.06.18, 21:25 - Ana Ruiz: Hallo\n13.06.18, 21:26 - Ben Ode: <Medien ausgeschlossen>\n"
          "14.06.18, 08:00 - Ana Ruiz: Guten\nMorgen\n",
          3, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "3", "Guten\nMorgen", "DMY"),
    Case_("de_DE iOS", "Europe/Berlin",
          "[13.06.18, 21:25:15] Ana Ruiz: Hallo\r\n[13.06.18, 21:25:40] Ben Ode: Na\ndu\r\n",
          2, "2018-06-13T19:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Na\ndu", "DMY"),
    Case_("fi_FI klo", "Europe/Helsinki",
          "13.6.2018 klo 21.25.15 - Ana Ruiz: Moi\n13.6.2018 klo 21.26.01 - Ben Ode: Hei\nhei\n",
          2, "2018-06-13T18:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Hei\nhei", "DMY"),
    Case_("nl_NL dashes", "Europe/Amsterdam",
          "13-06-2018 21:25 - Ana Ruiz: Hoi\n13-06-2018 21:27 - Ben Ode: <Media weggelaten>\n"
          "14-06-2018 07:00 - Ben Ode: Goede\nmorgen\n",
          3, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "3", "Goede\nmorgen", "DMY"),
    Case_("es_ES p. m.", "Europe/Madrid",
          "13/6/18, 9:25 p. m. - Ana Ruiz: Hola\n13/6/18, 9:30 p. m. - Ben Ode: ¿Qué\ntal?\n",
          2, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "¿Qué\ntal?", "DMY"),
    Case_("fr_FR à", "Europe/Paris",
          "13/06/2018 à 21:25 - Ana Ruiz: Salut\n13/06/2018 à 21:26 - Ben Ode: Ça\nva ?\n",
          2, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Ça\nva ?", "DMY"),
    Case_("it_IT", "Europe/Rome",
          "13/06/18, 21:25 - Ana Ruiz: Ciao\n13/06/18, 21:26 - Ben Ode: <Media omessi>\n"
          "13/06/18, 21:27 - Ben Ode: a\ndomani\n",
          3, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "3", "a\ndomani", "DMY"),
    Case_("pt_BR", "America/Sao_Paulo",
          "13/06/2018 21:25 - Ana Ruiz: Oi\n13/06/2018 21:26 - Ben Ode: Tudo\nbem?\n",
          2, "2018-06-14T00:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Tudo\nbem?", "DMY"),
    Case_("ja_JP year first", "Asia/Tokyo",
          "2018/06/13 21:25 - Ana Ruiz: こんにちは\n2018/06/13 21:26 - Ben Ode: はい\nいいえ\n",
          2, "2018-06-13T12:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "はい\nいいえ", "YMD"),
    Case_("sv_SE iOS year first", "Europe/Stockholm",
          "[2018-06-13 21:25:15] Ana Ruiz: Hej\r\n[2018-06-13 21:25:30] Ben Ode: Hej\nhej\r\n",
          2, "2018-06-13T19:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Hej\nhej", "YMD"),
    Case_("cs_CZ spaced dots", "Europe/Prague",
          "13. 6. 2018 21:25 - Ana Ruiz: Ahoj\n13. 6. 2018 21:26 - Ben Ode: Jak\nse máš\n",
          2, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Jak\nse máš", "DMY"),
    Case_("hr_HR trailing dot and seconds", "Europe/Zagreb",
          "13. 6. 2018. 21:25:15 - Ana Ruiz: Bok\n13. 6. 2018. 21:25:50 - Ben Ode: Kako\nsi\n",
          2, "2018-06-13T19:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Kako\nsi", "DMY"),
    Case_("ru_RU", "Europe/Moscow",
          "13.06.2018, 21:25 - Ana Ruiz: Привет\n13.06.2018, 21:26 - Ben Ode: Как\nдела?\n",
          2, "2018-06-13T18:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Как\nдела?", "DMY"),
    Case_("tr_TR", "Europe/Istanbul",
          "13.06.2018 21:25 - Ana Ruiz: Merhaba\n13.06.2018 21:26 - Ben Ode: Nasılsın\niyi misin\n",
          2, "2018-06-13T18:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "Nasılsın\niyi misin", "DMY"),
    Case_("en_IN a.m./p.m.", "Asia/Kolkata",
          "13/06/18, 9:25 p.m. - Ana Ruiz: hi\n14/06/18, 12:05 a.m. - Ben Ode: so\nlate\n",
          2, "2018-06-13T15:55:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "so\nlate", "DMY"),
    Case_("old Android colon after time", "Europe/Berlin",
          "13.06.18 21.25.15: Ana Ruiz: Hallo\n13.06.18 21.25.40: Ben Ode: zwei\nZeilen\n",
          2, "2018-06-13T19:25:15.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "zwei\nZeilen", "DMY"),
    Case_("de_DE CRLF everywhere", "Europe/Berlin",
          "13.06.18, 21:25 - Ana Ruiz: Hallo\r\n13.06.18, 21:26 - Ben Ode: eins\r\nzwei\r\n",
          2, "2018-06-13T19:25:00.000Z", frozenset({"Ana Ruiz", "Ben Ode"}), "2", "eins\r\nzwei", "DMY"),
]


def read_text(tmp_path: Path, text: str, zone: str, date_order: str | None = None,
              name: str = "chat.txt") -> list[Record]:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    ctx = ImportContext(case=Case(user=Person(name="Ben Ode")), source_timezone=ZoneInfo(zone),
                        date_order=date_order)
    src = FileSource(p, tmp_path, name)
    imp = WhatsAppTxtImporter()
    assert imp.sniff(src, src.head()) is not None
    out = list(imp.read(src, ctx))
    assert all(isinstance(r, Record) for r in out)
    return [r for r in out if isinstance(r, Record)]


@pytest.mark.parametrize("case", CASES, ids=[c.locale for c in CASES])
def test_each_locale_layout_reads_with_hand_written_figures(tmp_path: Path, case: Case_) -> None:
    """Every locale's file gives the stated count, first UTC time, authors and exact multi-line body."""
    recs = [r for r in read_text(tmp_path, case.text, case.zone) if r.category == "message"]
    assert len(recs) == case.count
    assert format_utc(recs[0].utc) == case.first_utc
    assert {r.sender.value for r in recs if r.sender} == case.authors
    multi = next(r for r in recs if r.source_id == case.multi_id)
    assert multi.body == case.multi_body
    assert dict(recs[0].extra)["date_order"] == case.order
    assert recs[0].time_zone == case.zone
    assert recs[0].time_basis == "case source_timezone"


def test_user_messages_are_outgoing_and_the_other_author_is_the_peer(tmp_path: Path) -> None:
    """With two authors, the user's messages go out to the other author, who is the single peer."""
    recs = read_text(tmp_path, CASES[0].text, CASES[0].zone)
    ben = next(r for r in recs if r.sender and r.sender.value == "Ben Ode")
    assert ben.direction == "outgoing"
    assert [p.value for p in ben.peers] == ["Ana Ruiz"]
    assert not ben.is_group


AMBIGUOUS = (
    "1/2/25, 10:00 - Ana Ruiz: one\n"
    "2/1/25, 10:00 - Ben Ode: two\n"
    "1/2/25, 11:00 - Ana Ruiz: three\n"
)


def test_ambiguous_dates_ask_for_the_order(tmp_path: Path) -> None:
    """All days <= 12 and no order makes dates run forward only one way: DateOrderNeeded, no guess."""
    with pytest.raises(DateOrderNeeded) as e:
        read_text(tmp_path, AMBIGUOUS, "Europe/London")
    assert e.value.candidates == ("DMY", "MDY")
    assert "Tell nocontact which order your phone uses" in str(e.value)
    assert e.value.readings == (("DMY", "1 February 2025"), ("MDY", "2 January 2025"))
    assert "The chat's first date is 1 February 2025 read day first, or 2 January 2025 read month first." \
        in str(e.value)


@pytest.mark.parametrize(("order", "first"), [("DMY", "2025-02-01T10:00:00.000Z"),
                                               ("MDY", "2025-01-02T10:00:00.000Z")])
def test_ambiguous_dates_read_in_the_order_the_person_gives(tmp_path: Path, order: str, first: str) -> None:
    """The same ambiguous file reads once ctx.date_order says DMY or MDY, and records the basis."""
    recs = read_text(tmp_path, AMBIGUOUS, "Europe/London", date_order=order)
    assert len(recs) == 3
    assert format_utc(recs[0].utc) == first
    assert dict(recs[0].extra)["date_order_basis"] == "date order given by the person"


def test_monotonic_dates_decide_the_order_when_no_day_is_above_12(tmp_path: Path) -> None:
    """When no field is above 12, the order in which the dates never go backwards is the one read."""
    text = "1/2/25, 10:00 - Ana Ruiz: a\n2/2/25, 10:00 - Ben Ode: b\n3/2/25, 10:00 - Ana Ruiz: c\n" \
           "1/3/25, 10:00 - Ana Ruiz: d\n"
    # DMY: 1 Feb, 2 Feb, 3 Feb, 1 Mar (forward). MDY: 2 Jan, 2 Feb, 2 Mar, 3 Jan (backwards).
    recs = read_text(tmp_path, text, "UTC")
    assert dict(recs[0].extra)["date_order"] == "DMY"
    assert format_utc(recs[-1].utc) == "2025-03-01T10:00:00.000Z"


def test_a_day_above_12_anywhere_in_the_file_decides_the_order(tmp_path: Path) -> None:
    """The deciding date may be the last line: the whole file is surveyed before reading."""
    text = "1/2/25, 10:00 - Ana Ruiz: a\n" + "1/2/25, 10:01 - Ben Ode: b\n" * 50 + "1/13/25, 10:00 - Ana Ruiz: c\n"
    recs = read_text(tmp_path, text, "UTC")
    assert dict(recs[0].extra)["date_order"] == "MDY"
    assert format_utc(recs[0].utc) == "2025-01-02T10:00:00.000Z"
