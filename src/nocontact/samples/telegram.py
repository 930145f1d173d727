"""A fictional Telegram Desktop full export (``DataExport_<date>/result.json``) of the demo story.

Written the way Telegram Desktop writes it: one-space indentation, raw UTF-8, ``date`` in the
exporting computer's local time (the demo zone) next to the authoritative ``date_unixtime``,
``text`` as a string or an entity array with ``text_entities`` beside it, calls as ``phone_call``
service messages, a ``create_group`` service event and "(File not included ...)" placeholders.
The file is written message by message, so large scales never sit in memory.
"""

from __future__ import annotations

import json
import random
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_TIMEZONE

__all__ = ["write_sample"]

ROBIN_ID = 4400112233
CASEY_ID = 7700998811
MORGAN_ID = 5300221144  # a mutual friend
DANA_ID = 5300998877  # Robin's sister
PAT_ID = 5300445566  # Robin's dad
ZONE = ZoneInfo(DEMO_TIMEZONE)
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"

Part = str | dict[str, str]

#: (offset from the boundary, sender "casey"/"robin", text or entity parts, kind)
_CASEY_CHAT: list[tuple[timedelta, str, Any, str]] = [
    (timedelta(days=-40), "casey", "Dinner Friday? I booked the Thai place 🍜", "message"),
    (timedelta(days=-40, minutes=9), "robin", "Sounds good!", "message"),
    (timedelta(days=-39), "robin", "", "call_hangup"),
    (timedelta(days=-12), "casey", ["We need to ", {"type": "bold", "text": "talk"}, ". Tonight."], "message"),
    (timedelta(days=-11), "robin", "I need some space, Casey.", "message"),
    (timedelta(minutes=31), "casey", "Robin please. Don't do this. I love you.", "message"),
    (timedelta(minutes=33), "casey", "", "call_missed"),
    (timedelta(minutes=34), "casey", "", "call_missed"),
    (timedelta(hours=20), "casey", "I can't eat, I can't sleep. Just one conversation.", "message"),
    (timedelta(days=2), "casey", [{"type": "bold", "text": "ANSWER ME"}], "message"),
    (timedelta(days=2, hours=1), "casey", "You think you can just erase me? You are pathetic.", "message"),
    (timedelta(days=3), "casey", "photo", "photo"),
    (timedelta(days=4), "casey", ["I saw you at ", {"type": "italic", "text": "Green Street Coffee"},
                                  " this morning. Blue coat. Who was he?"], "message"),
    (timedelta(days=5), "casey", ["Nice lobby at ", {"type": "text_link", "text": "Calloway & Price",
                                                     "href": "https://maps.example.com/?q=Calloway"},
                                  ". I'll wait for you there at 5."], "message"),
    (timedelta(days=5, minutes=2), "casey", "", "call_busy"),
    (timedelta(days=6), "casey", "Answer or I show up at your place tonight.", "message"),
    (timedelta(days=7), "casey", "You'll regret this, Robin. I promise you that.", "message"),
    (timedelta(days=8), "casey", "If you don't answer I don't know what I'll do to myself.\nIt's on you.",
     "message"),
    (timedelta(days=9), "casey", ["I told ", {"type": "mention", "text": "@morganlee"},
                                  " everything. Morgan agrees you owe me a call."], "message"),
    (timedelta(days=9, hours=3), "casey", "", "call_missed"),
    (timedelta(days=9, hours=3, minutes=1), "casey", "", "call_missed"),
    (timedelta(days=12), "casey", "voice", "voice"),
    (timedelta(days=15), "casey", "Last chance.", "message_edited"),
]

_MORGAN_CHAT: list[tuple[timedelta, str, str]] = [
    (timedelta(days=-20), "morgan", "Climbing Sunday?"),
    (timedelta(days=-20, minutes=5), "robin", "Yes!"),
    (timedelta(days=9, hours=1), "morgan", "Casey keeps messaging me. They want you to call them. Are you ok?"),
    (timedelta(days=9, hours=2), "robin", "I'm ok. Please don't pass anything on."),
]

_FAMILY_LINES = [
    "Dinner at 7 on Sunday", "Did anyone feed the cat?", "Happy birthday Dana! 🎂", "Running late",
    "Photos from the lake", "Call Grandma tonight", "Who has the spare key?", "Love you all ❤️",
    "Traffic is terrible", "Leftovers in the fridge", "Great game last night", "On my way",
]


def _dt(offset: timedelta) -> datetime:
    return DEMO_BOUNDARY_UTC.replace(microsecond=0) + offset


def _stamp(utc: datetime) -> dict[str, str]:
    return {"date": utc.astimezone(ZONE).replace(tzinfo=None).isoformat(timespec="seconds"),
            "date_unixtime": str(int(utc.timestamp()))}


def _entities(text: str | list[Part]) -> list[dict[str, str]]:
    if isinstance(text, str):
        return [{"type": "plain", "text": text}] if text else []
    return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]


def _message(mid: int, utc: datetime, name: str, uid: int, text: str | list[Part],
             **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"id": mid, "type": "message", **_stamp(utc), "from": name, "from_id": f"user{uid}"}
    m.update(extra)
    m["text"] = text
    m["text_entities"] = _entities(text)
    return m


def _call(mid: int, utc: datetime, name: str, uid: int, reason: str, duration: int | None) -> dict[str, Any]:
    m: dict[str, Any] = {"id": mid, "type": "service", **_stamp(utc), "actor": name, "actor_id": f"user{uid}",
                         "action": "phone_call"}
    if duration is not None:
        m["duration_seconds"] = duration
    m.update({"discard_reason": reason, "text": "", "text_entities": []})
    return m


def _casey_messages() -> Iterator[dict[str, Any]]:
    mid = 30100
    for off, who, text, kind in _CASEY_CHAT:
        mid += 1
        utc = _dt(off)
        name, uid = ("Casey Drummond", CASEY_ID) if who == "casey" else ("Robin Hale", ROBIN_ID)
        if kind.startswith("call_"):
            reason = kind[5:]
            yield _call(mid, utc, name, uid, reason, 312 if reason == "hangup" else None)
        elif kind == "photo":
            yield _message(mid, utc, name, uid, "Remember this?", photo=NOT_INCLUDED, width=1280, height=960)
        elif kind == "voice":
            yield _message(mid, utc, name, uid, "", file=NOT_INCLUDED, media_type="voice_message",
                           mime_type="audio/ogg", duration_seconds=48)
        elif kind == "message_edited":
            edited = utc + timedelta(minutes=3)
            yield _message(mid, utc, name, uid, text, edited=_stamp(edited)["date"],
                           edited_unixtime=_stamp(edited)["date_unixtime"])
        else:
            yield _message(mid, utc, name, uid, text)


def _morgan_messages() -> Iterator[dict[str, Any]]:
    for i, (off, who, text) in enumerate(_MORGAN_CHAT):
        name, uid = ("Morgan Lee", MORGAN_ID) if who == "morgan" else ("Robin Hale", ROBIN_ID)
        yield _message(900 + i, _dt(off), name, uid, text)


def _family_messages(scale: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    start = _dt(timedelta(days=-60))
    yield {"id": 1, "type": "service", **_stamp(start), "actor": "Dana Hale", "actor_id": f"user{DANA_ID}",
           "action": "create_group", "title": "Hale family 🏡", "members": ["Dana Hale", "Robin Hale", "Pat Hale"],
           "text": "", "text_entities": []}
    people = [("Dana Hale", DANA_ID), ("Robin Hale", ROBIN_ID), ("Pat Hale", PAT_ID)]
    n = 40 * scale
    span = 100 * 24 * 3600
    times = sorted(rng.randrange(span) for _ in range(n))
    for i, t in enumerate(times):
        name, uid = people[rng.randrange(3)]
        line = _FAMILY_LINES[rng.randrange(len(_FAMILY_LINES))]
        if rng.random() < 0.2:
            text: str | list[Part] = [line + " ", {"type": "bold", "text": f"#{i}"}]
        else:
            text = line
        yield _message(2 + i, start + timedelta(seconds=60 + t), name, uid, text)


def _write_chat(out: Any, head: dict[str, Any], messages: Iterator[dict[str, Any]], last: bool) -> None:
    out.write("   {\n")
    for k, v in head.items():
        out.write(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
    out.write('    "messages": [')
    first = True
    for m in messages:
        out.write("\n" if first else ",\n")
        first = False
        out.write(textwrap.indent(json.dumps(m, ensure_ascii=False, indent=1), "     "))
    out.write("\n    ]\n   }" + ("\n" if last else ",\n"))


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write ``DataExport_2026-04-02/result.json`` under ``folder``; ``scale`` multiplies the family chat."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    target = folder / "DataExport_2026-04-02" / "result.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    head = {
        "about": "Here is the data you requested. Remember: Telegram is ad free, it doesn't use your data "
                 "for ad targeting and doesn't sell it to anyone.",
        "personal_information": {"user_id": ROBIN_ID, "first_name": "Robin", "last_name": "Hale",
                                 "phone_number": "+1 312 555 0123", "username": "@robinh"},
        "contacts": {"about": "This is your contact list.", "list": [
            {"user_id": CASEY_ID, "first_name": "Casey", "last_name": "Drummond",
             "phone_number": "+1 312 555 0187", **_stamp(datetime(2024, 5, 1, 18, 3, 11, tzinfo=UTC))},
            {"user_id": MORGAN_ID, "first_name": "Morgan", "last_name": "Lee",
             "phone_number": "+1 312 555 0145", **_stamp(datetime(2023, 2, 9, 20, 0, 5, tzinfo=UTC))},
        ]},
    }
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        body = json.dumps(head, ensure_ascii=False, indent=1)
        out.write(body[:-2] + ",\n")  # drop the closing "\n}"
        out.write(' "chats": {\n  "about": "This page lists all chats from this export.",\n  "list": [\n')
        _write_chat(out, {"name": "Casey Drummond", "type": "personal_chat", "id": CASEY_ID}, _casey_messages(),
                    last=False)
        _write_chat(out, {"name": "Hale family 🏡", "type": "private_group", "id": 4100200300},
                    _family_messages(scale, seed), last=False)
        _write_chat(out, {"name": "Morgan Lee", "type": "personal_chat", "id": MORGAN_ID}, _morgan_messages(),
                    last=True)
        out.write("  ]\n }\n}\n")
    return [target]
