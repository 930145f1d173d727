"""Fictional WhatsApp exports telling the demo story (see :mod:`nocontact.samples`).

Three files, written the way WhatsApp writes them:

* ``WhatsApp Chat with Casey Drummond.txt``: Android, US English, ``M/D/YY, h:mm`` with U+202F
  before AM/PM, LF line ends. Months of everyday chat before the break-up (``scale`` x 50
  messages, about 10% multi-line, some with ``…``), then Casey's messages after the boundary,
  escalating: pleading, anger, demands to answer, "I saw you at ...", the workplace, a threat, a
  self-harm threat used as leverage, pressure through a friend; a deleted and an edited message,
  ``<Media omitted>``, a continuation line starting with a date, then "You blocked this contact".
* ``WhatsApp Chat - Casey Drummond.zip``: iOS, UK English, ``[DD/MM/YYYY, HH:MM:SS]``, CRLF at
  the end of each message and bare LF inside one, U+200E marks, the encryption notice labelled
  with Casey's name, a photo in the zip, ``image omitted``. Casey writes from the second number.
* ``WhatsApp Chat with Trivia Night 🎲.txt``: an Android group (plain space before AM/PM) where
  Casey is one member among friends and a friend relays Casey's pressure.
"""

from __future__ import annotations

import base64
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.samples import DEMO_TIMEZONE

__all__ = ["ANDROID_NAME", "GROUP_NAME", "IOS_NAME", "PER_SCALE_ANDROID", "android_entries", "write_sample"]

USER = "Robin Hale"
EX = "Casey Drummond"
ANDROID_NAME = f"WhatsApp Chat with {EX}.txt"
IOS_NAME = f"WhatsApp Chat - {EX}.zip"
GROUP_NAME = "WhatsApp Chat with Trivia Night 🎲.txt"
PHOTO = "00000007-PHOTO-2026-03-18-07-41-06.jpg"
#: Messages of everyday chat per unit of ``scale`` in the Android 1:1 file.
PER_SCALE_ANDROID = 50
PER_SCALE_IOS = 10
PER_SCALE_GROUP = 10

NNBSP = "\u202f"
LRM = "\u200e"
E2E = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
       "can read or listen to them.")

_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")

_EVERYDAY = [
    "Did you feed the cat?", "On my way home", "Can you grab milk?", "Running late, sorry",
    "Movie tonight?", "Love you", "lol", "Traffic is terrible…", "What time is dinner?",
    "Mom called, call her back", "Ok", "Sounds good 👍", "I'm at the store, need anything?",
    "Don't forget the keys", "Happy Friday!", "Wait… what?", "Miss you", "Be there in 10",
]
_MULTI = [
    ("Shopping list:", "eggs", "bread…"), ("Can't talk now", "call you later"),
    ("Look at this", "https://example.org/article"), ("Remember", "3/1/25 was our first trip"),
]


def _android_time(local: datetime, space: str = NNBSP) -> str:
    h = local.hour % 12 or 12
    ampm = "AM" if local.hour < 12 else "PM"
    return f"{local.month}/{local.day}/{local.year % 100}, {h}:{local.minute:02d}{space}{ampm}"


def _local(parts: tuple[int, ...]) -> datetime:
    """Local wall-clock time (year, month, day, hour, minute[, second]) in the demo zone."""
    y, mo, d, h, mi, *rest = parts
    return datetime(y, mo, d, h, mi, rest[0] if rest else 0, tzinfo=ZoneInfo(DEMO_TIMEZONE))


def _everyday(rng: random.Random, n: int, end: datetime, people: tuple[str, ...]) -> Iterator[tuple[datetime, str, str]]:
    """n everyday messages ending before ``end``, oldest first (times in UTC)."""
    t = end - timedelta(seconds=95 * n + 3600)
    for _ in range(n):
        t += timedelta(seconds=rng.randint(5, 185))
        who = rng.choice(people)
        text = "\n".join(rng.choice(_MULTI)) if rng.random() < 0.1 else rng.choice(_EVERYDAY)
        yield t, who, text


#: (local time, author or None for a notice, text) after the boundary (2 March 2026 20:15 local).
_STORY_ANDROID: list[tuple[tuple[int, ...], str | None, str]] = [
    ((2026, 2, 14, 19, 2), EX, "Happy Valentine's ❤️"),
    ((2026, 2, 14, 19, 5), USER, "Thanks. We need to talk though."),
    ((2026, 2, 21, 22, 40), EX, "Fine. Whatever you want."),
    ((2026, 3, 2, 20, 31), EX, "Robin?? What does that text even mean"),
    ((2026, 3, 2, 20, 32), EX, "Please. Just talk to me. I'm begging you"),
    ((2026, 3, 2, 20, 32), EX, "Please"),
    ((2026, 3, 3, 0, 40), EX, "I can't sleep. I know you still love me…"),
    ((2026, 3, 3, 7, 2), EX, "<Media omitted>"),
    ((2026, 3, 4, 22, 15), EX, "This is so unfair. After everything I did for you\nYou don't get to just disappear"),
    ((2026, 3, 5, 21, 0), EX, "Answer me. ANSWER ME."),
    ((2026, 3, 6, 8, 12), EX, "I saw you at Lakeview Coffee this morning. Nice jacket."),
    ((2026, 3, 7, 17, 47), EX, "Maybe I'll stop by Northwind Logistics and ask your manager where you are"),
    ((2026, 3, 8, 3, 3), EX, "This message was deleted"),
    ((2026, 3, 9, 23, 58), EX, "If I can't have you nobody will. You'll be sorry."),
    ((2026, 3, 11, 1, 20), EX, "I don't want to be here anymore.\nIf something happens to me it's on you."),
    ((2026, 3, 12, 18, 45), EX, "I asked Morgan to talk some sense into you"),
    ((2026, 3, 13, 8, 0), EX, "Tomorrow is our day.\n3/14/26 is our anniversary, remember?"),
    ((2026, 3, 14, 19, 0), EX, "Happy anniversary. I'm outside. <This message was edited>"),
    ((2026, 3, 14, 19, 9), USER, "Stop contacting me."),
    ((2026, 3, 16, 9, 3), None, "You blocked this contact. Tap to unblock."),
]

_STORY_IOS: list[tuple[tuple[int, ...], str, str, bool]] = [
    ((2026, 3, 17, 22, 10, 5), EX, LRM + E2E, True),
    ((2026, 3, 17, 22, 10, 5), EX, "New number. You can't block me forever.", False),
    ((2026, 3, 17, 22, 10, 31), EX, "Robin.", False),
    ((2026, 3, 17, 22, 10, 34), EX, "Robin.", False),
    ((2026, 3, 17, 22, 10, 38), EX, "ROBIN", False),
    ((2026, 3, 18, 7, 41, 6), EX, LRM + f"<attached: {PHOTO}>", True),
    ((2026, 3, 18, 7, 41, 30), EX, "Your car is still parked on Halsted.", False),
    ((2026, 3, 19, 2, 12, 9), EX, "Nobody would even notice if I was gone.\nMaybe that's what you want.\nAnswer me.", False),
    ((2026, 3, 19, 20, 3, 44), EX, LRM + "image omitted", True),
    ((2026, 3, 20, 23, 59, 59), EX, "You'll regret this. I know where you work.", False),
    ((2026, 3, 21, 19, 30, 0), EX, LRM + "This message was deleted.", True),
]

_STORY_GROUP: list[tuple[tuple[int, ...], str | None, str]] = [
    ((2026, 1, 9, 18, 0), None, E2E + " Tap to learn more."),
    ((2026, 1, 9, 18, 0), None, 'Morgan Lee created group "Trivia Night 🎲"'),
    ((2026, 1, 9, 18, 0), None, "Morgan Lee added you"),
    ((2026, 1, 9, 18, 1), None, f"Morgan Lee added {EX}"),
    ((2026, 1, 9, 18, 1), None, "Morgan Lee added Dana Okafor"),
    ((2026, 1, 9, 18, 2), "Morgan Lee", "Thursday trivia at the Hopleaf? 🍻"),
    ((2026, 1, 9, 18, 5), "Dana Okafor", "I'm in"),
    ((2026, 1, 9, 18, 6), EX, "Count us in"),
    ((2026, 1, 9, 18, 9), USER, "Yes!"),
    ((2026, 3, 10, 12, 15), "Morgan Lee", "Robin, Casey keeps texting me asking if you're ok.\nCan you just answer them?"),
    ((2026, 3, 10, 12, 20), EX, "Robin you can't hide from me in here either."),
    ((2026, 3, 10, 12, 21), "Dana Okafor", "Casey, not here please."),
    ((2026, 3, 10, 12, 30), None, f"Dana Okafor removed {EX}"),
    ((2026, 3, 10, 12, 31), "Dana Okafor", "Sorry Robin ❤️ we've got you"),
]


def _android_entries(rng: random.Random, scale: int) -> Iterator[tuple[datetime, str | None, str]]:
    zone = ZoneInfo(DEMO_TIMEZONE)
    story_start = _local(_STORY_ANDROID[0][0])
    first = story_start - timedelta(seconds=95 * PER_SCALE_ANDROID * scale + 7200)
    yield first.astimezone(zone), None, f"{E2E} Tap to learn more."
    for t, who, text in _everyday(rng, PER_SCALE_ANDROID * scale, story_start.astimezone(UTC), (USER, EX)):
        yield t.astimezone(zone), who, text
    for parts, author, line in _STORY_ANDROID:
        yield _local(parts), author, line


def android_entries(scale: int = 1, seed: int = 0) -> Iterator[tuple[datetime, str | None, str]]:
    """Every entry of the Android 1:1 file ``write_sample`` writes, in file order.

    (local time, author or None for a notice, exact text); benchmarks compare parsed bodies
    with these.
    """
    return _android_entries(random.Random(seed), scale)


def _write_android(path: Path, rng: random.Random, scale: int) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        buf: list[str] = []
        for t, who, text in _android_entries(rng, scale):
            stamp = _android_time(t)
            buf.append(f"{stamp} - {text}\n" if who is None else f"{stamp} - {who}: {text}\n")
            if len(buf) >= 10_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


def _write_ios(path: Path, rng: random.Random, scale: int) -> None:
    lines: list[str] = []
    for parts, who, text, marked in _STORY_IOS:
        t = _local(parts)
        stamp = f"[{t.day:02d}/{t.month:02d}/{t.year}, {t.hour:02d}:{t.minute:02d}:{t.second:02d}]"
        lines.append(f"{LRM if marked else ''}{stamp} {who}: {text}\r\n")
    t = _local((2026, 3, 22, 1, 0, 0))
    for _ in range(PER_SCALE_IOS * scale):
        t += timedelta(seconds=rng.randint(3, 240))
        text = rng.choice(["Robin.", "Pick up.", "Answer me", "I'm not going anywhere.", "Why are you doing this\nto me"])
        lines.append(f"[{t.day:02d}/{t.month:02d}/{t.year}, {t.hour:02d}:{t.minute:02d}:{t.second:02d}] {EX}: {text}\r\n")
    when = (2026, 3, 22, 10, 20, 0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("_chat.txt", when), "".join(lines).encode("utf-8"), zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo(PHOTO, when), _JPEG, zipfile.ZIP_STORED)


def _write_group(path: Path, rng: random.Random, scale: int) -> None:
    out: list[str] = []
    for i, (parts, who, text) in enumerate(_STORY_GROUP):
        stamp = _android_time(_local(parts), " ")
        out.append(f"{stamp} - {text}\n" if who is None else f"{stamp} - {who}: {text}\n")
        if i == 8:
            t = _local((2026, 1, 10, 9, 0))
            n = PER_SCALE_GROUP * scale
            gap = max(2, 2 * 58 * 86400 // n)  # stay between 10 January and 9 March
            for _ in range(n):
                t += timedelta(seconds=rng.randint(1, gap))
                member = rng.choice(("Morgan Lee", "Dana Okafor", USER))
                out.append(f"{_android_time(t, ' ')} - {member}: {rng.choice(_EVERYDAY)}\n")
    path.write_text("".join(out), encoding="utf-8", newline="\n")


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write the three WhatsApp exports into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    android = folder / ANDROID_NAME
    ios = folder / IOS_NAME
    group = folder / GROUP_NAME
    _write_android(android, rng, scale)
    _write_ios(ios, rng, scale)
    _write_group(group, rng, scale)
    return [android, ios, group]
