"""A fictional Google Takeout mailbox (and one saved ``.eml``) telling the demo story.

Written byte by byte the way Takeout writes it: ``From <id>@xxx <date>`` separators with a blank
line before each, ``X-GM-THRID`` and ``X-Gmail-Labels`` (one label RFC 2047-encoded), RFC 2047
subjects and names, bodies in 7bit, quoted-printable and base64, ``multipart/alternative`` with
HTML, ``multipart/mixed`` with JPEG attachments, ``Date`` headers in -0600 and -0500 (US daylight
saving time starts on 8 March 2026) and one in ``-0000``, and body lines beginning ``From `` that
the mbox quotes as ``>From `` (mboxrd: ``>From `` becomes ``>>From ``). The same email Casey sent
after the boundary is also saved as an ``.eml`` file: importing both stores it once.

``generate`` yields every message with the body a correct reader must return, so the
benchmark can check bodies exactly. ``scale`` repeats the after-boundary weeks with new ids and
adds larger attachments (roughly 55 KB of mailbox per unit of scale).
"""

from __future__ import annotations

import base64
import quopri
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.samples import DEMO_BOUNDARY_UTC, DEMO_TIMEZONE

__all__ = ["SampleEmail", "generate", "mbox_bytes", "write_sample"]

ROBIN = ("Robin Hale", "robin.hale@example.org")
CASEY = ("Casey Drummond", "casey.drummond@example.com")
CASEY2 = ("Casey", "cd.other@example.net")
JAMIE = ("Jamie Ortiz", "jamie.ortiz@example.com")
MANAGER = ("Dr. Ana Lima", "ana.lima@lakeviewdental.example.com")
RENEE = ("Renée Dubois", "renee.dubois@example.net")
NEWS = ("Lakeview Runners", "news@lakeviewrunners.example.com")
BANK = ("First Example Bank", "alerts@bank.example.com")
SPAM = ("Prize Center", "winner@prizes.example.info")

ZONE = ZoneInfo(DEMO_TIMEZONE)
_QUOTE = re.compile(rb"(?m)^(>*From )")


@dataclass(frozen=True)
class SampleEmail:
    """One generated message: its id, the body a reader must return, and its bytes."""

    message_id: str
    body: str
    raw: bytes
    from_line: bytes
    has_attachment: bool


@dataclass(frozen=True)
class _Spec:
    offset: timedelta
    sender: tuple[str, str]
    to: tuple[tuple[str, str], ...]
    subject: str
    body: str
    labels: str
    layout: str  # plain7 | qp | b64 | alt | mixed | html
    cc: tuple[tuple[str, str], ...] = ()
    minus0000: bool = False


STORY: tuple[_Spec, ...] = (
    _Spec(timedelta(days=-41), NEWS, (ROBIN,), "March trail runs 🏃", "Saturday 8am at the lakefront.\n",
          "Inbox,Category Promotions", "alt"),
    _Spec(timedelta(days=-30), CASEY, (ROBIN,), "Your things",
          "Your books and the green scarf are still here.\nTell me when.\n\nC\n", "Inbox,Opened", "plain7"),
    _Spec(timedelta(days=-29, hours=5), ROBIN, (CASEY,), "Re: Your things",
          "Please leave them with Jamie. Thanks.\n", "Sent", "plain7"),
    _Spec(timedelta(days=-20), RENEE, (ROBIN, JAMIE), "Dîner samedi 🎉",
          "Samedi 20h chez moi ! Apportez du pain.\n\nR\n", "Inbox,Opened", "qp", cc=(CASEY,)),
    _Spec(timedelta(hours=11), CASEY, (ROBIN,), "Please",
          "I got your text. I don’t understand.\nThree years and you end it like this?\n\nPlease. 💔\n",
          "Inbox,Opened", "b64"),
    _Spec(timedelta(days=2, hours=4), CASEY, (ROBIN,), "Robin",
          "I wrote this at 3am.\n\nFrom the first day I knew.\nFrom now on I'll wait.\n>From a quoted line too.\n"
          "Answer me.\n", "Inbox,Opened", "alt"),
    _Spec(timedelta(days=3), BANK, (ROBIN,), "Your statement is ready",
          "Your February statement is ready.\n", "Inbox,Category Updates", "plain7", minus0000=True),
    _Spec(timedelta(days=4, hours=2), CASEY, (ROBIN,), "Our photos 📷",
          "Found these. We were happy.\n", "Inbox,Opened", "mixed"),
    _Spec(timedelta(days=6), CASEY, (ROBIN,), "Answer me",
          "Answer me. I mean it. I saw you at the farmers market on Saturday.\n", "Casey 🚩,Opened", "plain7"),
    _Spec(timedelta(days=7), MANAGER, (ROBIN,), "Visitor at reception",
          "Robin, someone named Casey came to the front desk asking for you today. We did not say anything.\n"
          "Let's talk about safety steps.\n", "Inbox,Opened", "qp"),
    _Spec(timedelta(days=9), CASEY2, (ROBIN,), "new address",
          "You blocked me. Fine. I'll call Lakeview Dental and tell your manager what you are.\n"
          "You'll regret this, Robin.\n", "Inbox,Opened", "plain7"),
    _Spec(timedelta(days=10), JAMIE, (ROBIN,), "Fwd: message from Casey",
          "Casey asked me to send you this. I'm sorry.\n\n---------- Forwarded message ---------\n"
          "From: Casey Drummond <casey.drummond@example.com>\nTell Robin to answer me.\n", "Inbox,Opened", "plain7"),
    _Spec(timedelta(days=12), SPAM, (ROBIN,), "You WON", "Claim your prize now.\n", "Spam", "html"),
    _Spec(timedelta(days=14), CASEY, (ROBIN,), "tonight",
          "If you don't answer tonight I don't know what I'll do to myself.\n", "Trash,Opened", "plain7"),
)


def _addr(p: tuple[str, str]) -> str:
    name, mail = p
    if name.isascii():
        return f"{name} <{mail}>"
    return f"{Header(name, 'utf-8').encode()} <{mail}>"


def _subject(s: str) -> str:
    return s if s.isascii() else Header(s, "utf-8").encode()


def _jpeg(rng: random.Random, size: int) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(max(0, size - 13)) + b"\xff\xd9"


def _text_part(body: str, cte: str) -> bytes:
    raw = body.encode("utf-8")
    if cte == "quoted-printable":
        enc = quopri.encodestring(raw)
    elif cte == "base64":
        enc = base64.encodebytes(raw)
    else:
        enc = raw
    return (f'Content-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: {cte}\n\n'.encode()
            + enc)


def _html(body: str) -> bytes:
    html = "<div>" + body.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</div>\n"
    return (b'Content-Type: text/html; charset="UTF-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
            + quopri.encodestring(html.encode("utf-8")))


def _message(spec: _Spec, when: datetime, mid: str, thread: int, rng: random.Random,
             attach_size: int) -> tuple[bytes, str, bool]:
    local = when.astimezone(ZONE)
    # a naive datetime is written with -0000 ("UTC, local zone unknown")
    date = format_datetime(when.astimezone(UTC).replace(tzinfo=None)) if spec.minus0000 else format_datetime(local)
    heads = [f"X-GM-THRID: {thread}",
             f"X-Gmail-Labels: {_subject(spec.labels)}"]
    if spec.sender != ROBIN:
        heads += ["Delivered-To: robin.hale@example.org",
                  f"Received: by 2002:a05:7208:{thread % 65536:x} with SMTP id x{thread % 997}csp;\n"
                  f"        {format_datetime(local + timedelta(seconds=3))}"]
    heads += ["MIME-Version: 1.0", f"From: {_addr(spec.sender)}", f"Date: {date}", f"Message-ID: {mid}",
              f"Subject: {_subject(spec.subject)}", "To: " + ", ".join(_addr(p) for p in spec.to)]
    if spec.cc:
        heads.append("Cc: " + ", ".join(_addr(p) for p in spec.cc))
    body = spec.body
    attached = False
    b1 = f"0000000000{rng.getrandbits(64):016x}"
    b2 = f"0000000000{rng.getrandbits(64):016x}"
    if spec.layout in ("plain7", "qp", "b64"):
        cte = {"plain7": "7bit", "qp": "quoted-printable", "b64": "base64"}[spec.layout]
        payload = _text_part(body, cte)
    elif spec.layout == "html":
        payload = _html(body)
        body = "<div>" + body.replace("\n", "<br>") + "</div>\n"
    elif spec.layout == "alt":
        heads_ct = f'multipart/alternative; boundary="{b1}"'
        payload = (f"Content-Type: {heads_ct}\n\n--{b1}\n".encode() + _text_part(body, "7bit")
                   + f"\n--{b1}\n".encode() + _html(spec.body) + f"\n--{b1}--\n".encode())
    else:  # mixed
        attached = True
        jpeg = base64.encodebytes(_jpeg(rng, attach_size))
        payload = (f'Content-Type: multipart/mixed; boundary="{b1}"\n\n--{b1}\n'
                   f'Content-Type: multipart/alternative; boundary="{b2}"\n\n--{b2}\n'.encode()
                   + _text_part(body, "7bit") + f"\n--{b2}\n".encode() + _html(spec.body)
                   + f"\n--{b2}--\n\n--{b1}\n".encode()
                   + (f'Content-Type: image/jpeg; name="photo-{thread % 1000}.jpg"\n'
                      f'Content-Disposition: attachment; filename="photo-{thread % 1000}.jpg"\n'
                      "Content-Transfer-Encoding: base64\n\n").encode()
                   + jpeg + f"--{b1}--\n".encode())
    head_bytes = "\n".join(heads).encode("ascii") + b"\n"
    return head_bytes + payload, body, attached


def generate(scale: int = 1, seed: int = 0) -> Iterator[SampleEmail]:
    """Every message of the sample mailbox, in mailbox order."""
    rng = random.Random(seed)
    for rep in range(max(1, scale)):
        shift = timedelta(days=28 * rep)
        for spec in STORY:
            if rep > 0 and spec.offset <= timedelta(0):
                continue
            when = (DEMO_BOUNDARY_UTC + spec.offset + shift).replace(microsecond=0) + timedelta(
                seconds=rng.randrange(3600))
            mid = f"<CA{rng.getrandbits(160):040x}@mail.gmail.com>"
            thread = rng.getrandbits(60) | (1 << 60)
            size = 600 if rep == 0 else rng.randrange(30_000, 90_000)
            raw, body, attached = _message(spec, when, mid, thread, rng, size)
            received = when + timedelta(seconds=rng.randrange(1, 9))
            from_line = f"From {thread}@xxx {received.astimezone(UTC).strftime('%a %b %d %H:%M:%S +0000 %Y')}\n"
            yield SampleEmail(mid, body, raw, from_line.encode("ascii"), attached)


def mbox_bytes(messages: Iterator[SampleEmail]) -> Iterator[bytes]:
    """The mailbox as Takeout writes it: From_ line, ``>From``-quoted message, blank line."""
    first = True
    for m in messages:
        if not first:
            yield b"\n"
        first = False
        yield m.from_line + _QUOTE.sub(rb">\1", m.raw)


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write the Takeout mailbox and one saved ``.eml``; return both paths."""
    mbox = folder / "Takeout" / "Mail" / "All mail Including Spam and Trash.mbox"
    mbox.parent.mkdir(parents=True, exist_ok=True)
    saved: SampleEmail | None = None
    with open(mbox, "wb") as f:

        def keep() -> Iterator[SampleEmail]:
            nonlocal saved
            for m in generate(scale, seed):
                if saved is None and m.raw.find(CASEY[1].encode()) >= 0 and b"Subject: Robin" in m.raw:
                    saved = m
                yield m

        for chunk in mbox_bytes(keep()):
            f.write(chunk)
    assert saved is not None
    eml = folder / "Saved emails" / "Robin - from Casey.eml"
    eml.parent.mkdir(parents=True, exist_ok=True)
    eml.write_bytes(saved.raw.replace(b"\n", b"\r\n"))
    return [mbox, eml]
