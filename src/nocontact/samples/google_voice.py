"""A fictional Google Voice Takeout (``Takeout/Voice/Calls/*.html``) of the demo story.

Pages follow Takeout's XHTML layout: an XML declaration, the XHTML 1.0 Strict DOCTYPE, the
stylesheet Google embeds, ``div.hChatLog > div.message`` with ``abbr.dt[title]`` (ISO time with
offset), ``cite.sender.vcard > a.tel[href]`` ("Me" as ``abbr.fn``), ``<q>`` bodies with ``<br>``,
picture attachments as ``img[src]`` without extension beside the page, ``div.participants`` in
group pages, and ``div.haudio`` call pages with ``abbr.published``, ``abbr.duration``
(``PT2M27S``), voicemail transcripts and ``audio[src]``. File names carry the UTC time of the
first event, ``:`` written as ``_``. ``scale`` adds more text pages of everyday traffic.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.samples import DEMO_TIMEZONE

__all__ = ["Message", "page_call", "page_text", "write_sample"]

#: (time, number, name, written by the user, body, picture srcs)
Message = tuple[datetime, str, str, bool, str, list[str]]

ZONE = ZoneInfo(DEMO_TIMEZONE)
ME = "+13125550123"
CASEY1, CASEY2 = "+13125550187", "+17735550164"
DANA, MOM = "+13125550144", "+13125550111"

_STYLE = """<style type="text/css">
          /* Copyright 2011 Google Inc.  All Rights Reserved. */

body {
  font-size: 13px;
  font-family: Arial, Helvectica, sans-serif;
}

.message {
  max-width: 640px;
}

q::before {
  content: "";
}

q::after {
  content: "";
}
        </style>"""

_HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
         '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml">'
         '<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n<title>{title}</title>\n'
         '{style}</head>\n<body>')
_TAIL = ('<div class="deletedStatusContainer">User Deleted:\nFalse</div>')


def _title_time(t: datetime) -> str:
    local = t.astimezone(ZONE)
    off = local.strftime("%z")
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}{off[:3]}:{off[3:]}"


def _display_time(t: datetime) -> str:
    local = t.astimezone(ZONE)
    h = local.hour % 12 or 12
    return f"{local:%b} {local.day}, {local.year}, {h}:{local:%M:%S}&#8239;{'AM' if local.hour < 12 else 'PM'}\nCentral Time"


def _vcard(number: str, name: str, *, me: bool = False) -> str:
    fn = '<abbr class="fn" title="">Me</abbr>' if me else f'<span class="fn">{escape(name)}</span>'
    return f'<cite class="sender vcard"><a class="tel" href="tel:{number}">{fn}</a></cite>'


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H_%M_%SZ")


def page_text(title: str, messages: list[Message],
              participants: list[tuple[str, str]] | None = None) -> str:
    """A text page: messages are (time, number, name, is me, body, image srcs)."""
    out = [_HEAD.format(title=escape(title), style=_STYLE), '<div class="hChatLog hfeed">']
    if participants:
        out.append('<div class="participants">Group conversation with:\n'
                   + ", ".join(_vcard(n, nm) for n, nm in participants) + "</div>\n")
    divs = []
    for t, number, name, me, body, images in messages:
        q = escape(body, quote=False).replace("\n", "<br>")
        imgs = "".join(f'\n<div><img src="{escape(s)}" alt="Image MMS Attachment" /></div>' for s in images)
        divs.append(f'<div class="message"><abbr class="dt" title="{_title_time(t)}">{_display_time(t)}</abbr>:\n'
                    f"{_vcard(number, name, me=me)}:\n<q>{q}</q>\n{imgs}</div>")
    out.append(" ".join(divs))
    out.append('</div>\n\n<div class="tags">Labels:\n<a rel="tag" href="http://www.google.com/voice#sms">Text</a>'
               f'</div>\n{_TAIL}</body></html>\n')
    return "".join(out)


def page_call(kind: str, number: str, name: str, t: datetime, duration_s: int | None = None,
              transcript: str | None = None, audio: str | None = None) -> str:
    """A call page; kind is Placed, Received, Missed or Voicemail."""
    label = {"Placed": "Placed call to", "Received": "Received call from", "Missed": "Missed call from",
             "Voicemail": "Voicemail from"}[kind]
    title = f"{label}\n{name}"
    out = [_HEAD.format(title=escape(title), style=_STYLE),
           f'<div class="haudio"><span class="album">Call Log for\n</span>\n<span class="fn">{escape(title)}</span>\n'
           f'<div class="contributor vcard">{label}\n<a class="tel" href="tel:{number}"><span class="fn">'
           f"{escape(name)}</span></a></div>\n"
           f'<abbr class="published" title="{_title_time(t)}">{_display_time(t)}</abbr>\n']
    if transcript is not None:
        out.append(f'Transcript:\n<span class="description"><span class="full-text">{escape(transcript)}</span>\n</span>\n')
    if audio is not None:
        out.append(f'<br />\n<audio controls="controls" src="{escape(audio)}"><a rel="enclosure" '
                   f'href="{escape(audio)}">Audio</a></audio>\n')
    if duration_s is not None:
        m, s = divmod(duration_s, 60)
        h, m = divmod(m, 60)
        iso = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"
        out.append(f'\n<abbr class="duration" title="{iso}">({h:02d}:{m:02d}:{s:02d})</abbr>\n')
    tags = {"Voicemail": "voicemail", "Placed": "placed", "Received": "received", "Missed": "missed"}[kind]
    out.append(f'\n<div class="tags">Labels:\n<a rel="tag" href="http://www.google.com/voice#{tags}">{kind}</a>'
               f', <a rel="tag" href="http://www.google.com/voice#inbox">Inbox</a></div>\n{_TAIL}</div></body></html>')
    return "".join(out)


def _local(month: int, day: int, hh: int, mm: int, ss: int = 0, ms: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, ms * 1000, tzinfo=ZONE)


_JPEG = bytes.fromhex("ffd8ffe000104a46494600010101004800480000ffd9")


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write a ``Takeout/Voice/Calls`` folder under ``folder``; return the pages (and not the media)."""
    calls = folder / "Takeout" / "Voice" / "Calls"
    calls.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"gv-{seed}")
    pages: list[Path] = []

    def put(name: str, html: str) -> None:
        p = calls / name
        p.write_text(html, encoding="utf-8")
        pages.append(p)

    c1: list[Message] = [
        (_local(2, 27, 22, 5, 10, 331), CASEY1, "Casey Drummond", False, "Why won't you pick up?", []),
        (_local(3, 2, 20, 16, 40, 120), CASEY1, "Casey Drummond", False, "Robin. Please.\nJust one call.", []),
        (_local(3, 3, 7, 2, 3, 5), CASEY1, "Casey Drummond", False, "Answer me. I'm not asking again.", []),
        (_local(3, 6, 8, 20, 0, 871), CASEY1, "Casey Drummond", False,
         "I saw you at the Green Line stop & you looked right at me.", []),
        (_local(3, 9, 23, 40, 12, 400), CASEY1, "Casey Drummond", False, "You'll regret this.", []),
    ]
    name1 = f"Casey Drummond - Text - {_stamp(c1[0][0])}"
    c1[3] = (*c1[3][:5], [f"{name1}-4-1"])
    put(f"{name1}.html", page_text("Casey Drummond", c1))
    (calls / f"{name1}-4-1.jpg").write_bytes(_JPEG)
    c2: list[Message] = [
        (_local(3, 19, 2, 3, 31, 10), CASEY2, "", False, "New number. Blocking me won't work 🙂", []),
        (_local(3, 19, 2, 10, 50, 640), ME, "", True, "Stop contacting me.", []),
        (_local(3, 25, 19, 45, 12, 77), CASEY2, "", False, "I'm outside your building.", []),
    ]
    put(f"{CASEY2} - Text - {_stamp(c2[0][0])}.html", page_text(CASEY2, c2))
    only_me: list[Message] = [(_local(1, 12, 9, 0, 0, 15), ME, "", True, "Please stop texting me at work.", [])]
    put(f"Casey Drummond - Text - {_stamp(only_me[0][0])}.html", page_text("Me to\nCasey Drummond", only_me))
    grp: list[Message] = [
        (_local(3, 11, 18, 0, 33, 250), CASEY1, "Casey Drummond", False,
         "Dana, tell Robin to answer me. She listens to you.", []),
        (_local(3, 11, 18, 3, 1, 9), DANA, "Dana Ortiz", False, "Casey, stop. Leave Robin alone.", []),
    ]
    put(f"Group Conversation - {_stamp(grp[0][0])}.html",
        page_text("Group Conversation", grp, [(CASEY1, "Casey Drummond"), (DANA, "Dana Ortiz")]))
    mom: list[Message] = [(_local(3, 8, 21, 0, 0, 500), MOM, "Mom", False, "Did you eat dinner? 🍝", []),
           (_local(3, 8, 21, 4, 30, 1), ME, "", True, "Yes ❤️", [])]
    put(f"Mom - Text - {_stamp(mom[0][0])}.html", page_text("Mom", mom))
    t = _local(3, 3, 2, 40, 9)
    vm = f"Casey Drummond - Voicemail - {_stamp(t)}"
    put(f"{vm}.html", page_call("Voicemail", CASEY1, "Casey Drummond", t, 28,
                                "Robin it's me. If you don't call back tonight I don't know what I'll do.", f"{vm}.mp3"))
    for kind, number, name, when, dur in (
        ("Missed", CASEY1, "Casey Drummond", _local(3, 4, 7, 31), None),
        ("Missed", CASEY2, "", _local(3, 19, 1, 10, 5), None),
        ("Received", CASEY1, "Casey Drummond", _local(1, 9, 18, 0, 12), 147),
        ("Placed", CASEY1, "Casey Drummond", _local(1, 12, 12, 0, 5), 95),
        ("Missed", "", "", _local(3, 20, 3, 14, 2), None),
        ("Placed", MOM, "Mom", _local(3, 9, 10, 0), 420),
    ):
        put(f"{name or number} - {kind} - {_stamp(when)}.html", page_call(kind, number, name, when, dur))
    everyday = ["On my way", "Running late, sorry!", "Haha yes 😂", "Call me later?", "Thanks & see you"]
    for k in range(max(0, scale - 1) * 5):
        base = datetime(2026, 1, 5, tzinfo=ZONE) + timedelta(seconds=rng.randrange(100 * 86400))
        msgs: list[Message] = [(base + timedelta(seconds=60 * i + rng.randrange(60)), MOM if i % 2 == 0 else ME,
                 "Mom", i % 2 == 1, rng.choice(everyday), []) for i in range(rng.randrange(2, 12))]
        put(f"Mom - Text - {_stamp(base)}-{k}.html", page_text("Mom", msgs))
    return pages
