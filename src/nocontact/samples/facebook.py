"""Fictional Facebook Messenger and Instagram "Download your information" exports of the demo story.

Written as Meta writes them: ``messages/inbox/<thread>/message_N.json`` (at most 10,000 messages a
file, newest first), two-space indentation, every non-ASCII character as per-byte ``\\u00XX``
mojibake, ``timestamp_ms``, ``type`` Generic/Call/Share, ``is_unsent``, photos beside the JSON.
Instagram's copy lives under ``your_instagram_activity/messages/inbox/``.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nocontact.samples import DEMO_BOUNDARY_UTC

__all__ = ["write_sample"]

ROBIN = "Robin Hale"
CASEY = "Casey Drummond"
PER_FILE = 10_000
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300" + "08" * 64 + "ffd9")

#: (offset from the boundary, sender, content, extra fields)
_CASEY: list[tuple[timedelta, str, str | None, dict[str, Any]]] = [
    (timedelta(days=-30), CASEY, "Happy Sunday ☀️ brunch?", {}),
    (timedelta(days=-30, minutes=4), ROBIN, "Can't today, sorry!", {"reactions": [{"reaction": "😢", "actor": CASEY}]}),
    (timedelta(days=-6), CASEY, "Why are you pulling away from me?", {}),
    (timedelta(hours=3), CASEY, "You blocked my number so I'm here. Talk to me.", {}),
    (timedelta(hours=3, minutes=1), CASEY, "Casey called you.", {"type": "Call", "call_duration": 0}),
    (timedelta(hours=3, minutes=2), CASEY, "Casey called you.", {"type": "Call", "call_duration": 0}),
    (timedelta(days=1, hours=2), CASEY, "Answer me. Now.", {}),
    (timedelta(days=2), CASEY, None, {"photos": "photo"}),
    (timedelta(days=2, minutes=1), CASEY, "Remember this night? You can't just throw it away.", {}),
    (timedelta(days=4), CASEY, "I saw you at the farmers market on Saturday. You looked happy. Café Lumen after?", {}),
    (timedelta(days=6), CASEY, "Your manager at Calloway & Price should know what kind of person you are.", {}),
    (timedelta(days=7), CASEY, "something I shouldn't have said", {"is_unsent": True}),
    (timedelta(days=8), CASEY, "If I can't have you back I'll end it. Is that what you want?", {}),
    (timedelta(days=10), CASEY, "Morgan told me you're 'fine'. Ask Morgan what I said.", {}),
    (timedelta(days=12), CASEY, "Listen to this", {"type": "Share", "share": {"link": "https://music.example.com/t/42"}}),
]

_INSTAGRAM: list[tuple[timedelta, str, str | None]] = [
    (timedelta(days=-50), ROBIN, "that sunset 😍"),
    (timedelta(days=3), CASEY, "Nice story. Who took the picture?"),
    (timedelta(days=9), CASEY, "You'll regret ignoring me, Robin."),
    (timedelta(days=9, minutes=3), CASEY, "Audio call ended"),
]

_GROUP_PEOPLE = [ROBIN, "Morgan Lee", "Jamie Ortiz", "Priya Shah"]
_GROUP_LINES = ["Climbing Thursday?", "I'm in 🧗", "Bringing snacks", "Running 10 min late", "Who has the rope?",
                "Great session!", "Same time next week?", "Señor Taco after? 🌮", "My forearms hurt", "Nice send!"]


def _moj(s: str) -> str:
    return s.encode("utf-8").decode("latin-1")


def _mojall(v: Any) -> Any:
    if isinstance(v, str):
        return _moj(v)
    if isinstance(v, list):
        return [_mojall(x) for x in v]
    if isinstance(v, dict):
        return {k: _mojall(x) for k, x in v.items()}
    return v


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _write_thread(folder: Path, root_rel: str, thread: str, participants: list[str], title: str,
                  messages: list[dict[str, Any]], group: bool) -> list[Path]:
    """``messages`` oldest first; written newest first, PER_FILE per file (message_1 newest)."""
    out: list[Path] = []
    tdir = folder / root_rel / "messages" / "inbox" / thread
    tdir.mkdir(parents=True, exist_ok=True)
    newest_first = messages[::-1]
    chunks = [newest_first[i:i + PER_FILE] for i in range(0, len(newest_first), PER_FILE)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        doc = {"participants": [{"name": p} for p in participants], "messages": chunk, "title": title,
               "is_still_participant": True, "thread_path": f"inbox/{thread}", "magic_words": [],
               "thread_type": "RegularGroup" if group else "Regular"}
        p = tdir / f"message_{n}.json"
        p.write_text(json.dumps(_mojall(doc), indent=2, ensure_ascii=True), encoding="ascii")
        out.append(p)
    return out


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write a Messenger export (``facebook-robinhale/``) and an Instagram one; return the files.

    ``scale`` multiplies an unrelated climbing group thread (200 messages per unit).
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    base = DEMO_BOUNDARY_UTC.replace(microsecond=0)
    rng = random.Random(seed)
    written: list[Path] = []
    fb = "facebook-robinhale"
    casey_thread = "caseydrummond_10160011223344556"
    msgs: list[dict[str, Any]] = []
    photo_rel: str | None = None
    for off, who, content, extra in _CASEY:
        t = base + off + timedelta(milliseconds=rng.randrange(1000))
        m: dict[str, Any] = {"sender_name": who, "timestamp_ms": _ms(t)}
        if content is not None:
            m["content"] = content
        for k, v in extra.items():
            if k == "photos":
                name = f"{_ms(t) // 1000}_{rng.randrange(10**9)}_n.jpg"
                photo_rel = f"messages/inbox/{casey_thread}/photos/{name}"
                m["photos"] = [{"uri": photo_rel, "creation_timestamp": _ms(t) // 1000}]
            elif k != "type":
                m[k] = v
        m["type"] = extra.get("type", "Generic")
        m.setdefault("is_unsent", False)
        msgs.append(m)
    written += _write_thread(folder, fb, casey_thread, [CASEY, ROBIN], CASEY, msgs, group=False)
    if photo_rel is not None:
        photo = folder / fb / photo_rel
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(JPEG)
        written.append(photo)
    group: list[dict[str, Any]] = []
    start = base - timedelta(days=60)
    times = sorted(rng.randrange(90 * 86400 * 1000) for _ in range(200 * scale))
    for ms in times:
        group.append({"sender_name": _GROUP_PEOPLE[rng.randrange(len(_GROUP_PEOPLE))],
                      "timestamp_ms": _ms(start) + ms,
                      "content": _GROUP_LINES[rng.randrange(len(_GROUP_LINES))],
                      "type": "Generic", "is_unsent": False})
    written += _write_thread(folder, fb, "climbingcrew_10159988776655443", _GROUP_PEOPLE, "Climbing crew 🧗",
                             group, group=True)
    ig_msgs: list[dict[str, Any]] = []
    for off, who, content in _INSTAGRAM:
        t = base + off + timedelta(milliseconds=rng.randrange(1000))
        m = {"sender_name": who, "timestamp_ms": _ms(t), "content": content, "is_geoblocked_for_viewer": False}
        if content == "Audio call ended":
            m["call_duration"] = 0
        ig_msgs.append(m)
    written += _write_thread(folder, "instagram-robinhale-2026-04-02/your_instagram_activity", "caseyd_17841400",
                             [CASEY, ROBIN], CASEY, ig_msgs, group=False)
    return written
