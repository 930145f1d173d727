"""A fictional SMS Backup & Restore export (``sms-*.xml`` and ``calls-*.xml``) of the demo story.

Written the way the app (v10.20.002) writes it: single-quoted XML declaration, the app's comment,
the ``sms.xsl``/``calls.xsl`` processing instruction, ``<smses count backup_set backup_date
type="full">``, attributes in the app's order, ``"null"`` for missing values, ``&#10;`` for line
breaks, MMS with a SMIL part (``seq="-1"``), a ``text/plain`` part and base64 JPEG parts, MMS
``date`` in whole seconds x 1000 and ``date_sent`` in seconds, and a few emoji written as
surrogate-pair character references as some versions do. ``scale`` adds rounds of everyday
traffic (with photos) spread over the same weeks; the story's events stay as they are.

``sms_items``/``call_items`` give the elements in file order, so a benchmark can check every body
against what was written without keeping the file in memory.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nocontact.samples import DEMO_BOUNDARY_TEXT, DEMO_BOUNDARY_UTC, DEMO_TIMEZONE

__all__ = ["CallItem", "SmsItem", "call_items", "sms_items", "write_sample"]

ZONE = ZoneInfo(DEMO_TIMEZONE)
ROBIN = "+13125550123"
CASEY1 = ("+13125550187", "3125550187")
CASEY2 = ("+17735550164", "17735550164")
MOM, DAD, DANA, JOSE = "+13125550111", "+13125550112", "+13125550144", "+13125550132"
NAMES = {MOM: "Mom", DAD: "Dad", DANA: "Dana Ortiz", JOSE: "José Núñez", ROBIN: "Robin Hale"}
BLOCKED_LOCAL = datetime(2026, 3, 18, 9, 0, tzinfo=ZONE)
SPAN = (datetime(2026, 1, 5, tzinfo=ZONE), datetime(2026, 4, 20, tzinfo=ZONE))


@dataclass(frozen=True, slots=True)
class SmsItem:
    """One ``<sms>`` or ``<mms>``; ``body`` is what an importer must give back exactly."""

    kind: str  # "sms" | "mms"
    ms: int
    box: int  # 1 received, 2 sent
    addresses: tuple[str, ...]  # the other participants, as written
    sender: str  # the From address (the user's own number when sent)
    body: str | None
    images: tuple[int, ...] = ()  # indexes into the image pool
    pairs: bool = False  # write astral characters as surrogate-pair references


@dataclass(frozen=True, slots=True)
class CallItem:
    ms: int
    number: str
    call_type: int
    duration: int
    presentation: int = 1


def _ms(local: datetime, extra_ms: int = 0) -> int:
    return int(local.astimezone(UTC).timestamp()) * 1000 + extra_ms


def _at(month: int, day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, ss, tzinfo=ZONE)


def _casey(local: datetime, variant: int = 0) -> str:
    return (CASEY1 if local < BLOCKED_LOCAL else CASEY2)[variant % 2]


_STORY: list[tuple[datetime, str, int, str]] = [
    # (local time, other party, 1 received / 2 sent, body)
    (_at(1, 10, 19, 2, 11), CASEY1[0], 1, "Are you still coming Saturday?"),
    (_at(1, 10, 19, 20, 40), CASEY1[0], 2, "I don't think so. I need some space."),
    (_at(1, 14, 8, 30, 5), MOM, 1, "Morning sweetie ☀️ call me later?"),
    (_at(1, 14, 8, 45, 52), MOM, 2, "Will do ❤️"),
    (_at(1, 20, 22, 10, 3), CASEY1[1], 1, "Space from what? From me?\nWe need to talk."),
    (_at(1, 21, 7, 55, 30), CASEY1[1], 2, "Please give me a few days."),
    (_at(2, 2, 12, 0, 44), DANA, 1, "Lunch this week? 🥗"),
    (_at(2, 2, 12, 10, 9), DANA, 2, "Thursday works!"),
    (_at(2, 14, 9, 0, 27), CASEY1[0], 1, "Happy Valentine's 🌹 I miss you."),
    (_at(2, 20, 18, 30, 0), "22395", 1, "Lakeshore Credit Union: your code is 482913. Do not share it."),
    (_at(2, 27, 23, 50, 31), CASEY1[0], 1, "Why are you ignoring me?"),
    (_at(3, 2, 20, 16, 2), CASEY1[0], 1, "Robin please. Don't do this."),
    (_at(3, 2, 20, 17, 15), CASEY1[0], 1, "Please just talk to me 😢"),
    (_at(3, 2, 20, 40, 48), CASEY1[0], 1, "ANSWER ME"),
    (_at(3, 2, 20, 41, 30), CASEY1[0], 1, "ANSWER ME"),
    (_at(3, 3, 0, 12, 19), CASEY1[1], 1, "You can't just throw away two years like they're nothing"),
    (_at(3, 4, 7, 30, 2), CASEY1[0], 1, "Answer your phone. I know you're awake."),
    (_at(3, 6, 8, 15, 40), CASEY1[0], 1, "I saw you at the Green Line stop this morning. Nice blue scarf."),
    (_at(3, 7, 12, 40, 13), CASEY1[0], 1,
     "Maybe I'll stop by Lakeview Dental at lunch. Your coworkers seem \"nice\" & friendly."),
    (_at(3, 8, 21, 0, 0), MOM, 1, "Did you eat dinner? 🍝"),
    (_at(3, 9, 23, 30, 55), CASEY1[0], 1, "You're going to regret this, Robin."),
    (_at(3, 10, 1, 10, 21), CASEY1[0], 1,
     "If you don't answer me tonight I'll hurt myself and it will be your fault."),
    (_at(3, 11, 18, 30, 7), DANA, 1,
     "Casey texted me about you again. I told them to stop. Are you ok? 💛"),
    (_at(3, 11, 18, 35, 44), DANA, 2, "Thank you. Please don't tell them anything."),
    (_at(3, 12, 10, 0, 5), "+18005550187", 1, "Toll notice: unpaid balance of $4.35. Pay at https://tolls.example.info"),
    (_at(3, 18, 9, 5, 0), DANA, 2, "Blocked Casey's number this morning."),
    (_at(3, 19, 2, 3, 31), CASEY2[0], 1, "Blocking me won't work."),
    (_at(3, 19, 2, 4, 26), CASEY2[0], 1, "It's Casey."),
    (_at(3, 19, 2, 10, 50), CASEY2[0], 2, "Stop contacting me. If you keep going I will go to the police."),
    (_at(3, 21, 22, 0, 20), CASEY2[1], 1, "Answer me."),
    (_at(3, 25, 19, 45, 12), CASEY2[0], 1, "I'm outside your building."),
    (_at(3, 28, 10, 0, 40), "96911", 1, "CVS Pharmacy: your prescription is ready for pickup. Reply STOP to opt out."),
    (_at(4, 2, 23, 0, 19), CASEY2[0], 1, "Fine. Enjoy your perfect little life 🙂"),
]

_EVERYDAY = [
    "On my way", "Running 10 min late, sorry!", "Did you see the game last night? 🏀",
    "Can you grab milk & eggs?", "Call me when you're free", "Haha yes 😂", "Love you ❤️",
    "Meeting moved to 3pm", "Thanks!!", "Here's the address:\n1200 W Example Ave\nApt 4",
    "\"Best pizza in town\" — they weren't lying 🍕", "Good night 🌙", "Sure, see you there",
    "Zoë says hi 👋", "¿Vienes el sábado?", "Photo from today",
]
_CASEY_LINES = [
    "Why won't you answer?", "I just want to talk.", "Robin.", "Pick up.", "I'm not going anywhere.",
    "You owe me an explanation.", "I miss you 😢", "Answer me!!", "I know you read these.",
]


def _image_pool(seed: int) -> list[bytes]:
    """Deterministic placeholder JPEGs (SOI, a JFIF header, noise, EOI) of 6 to 24 KB."""
    rng = random.Random(f"sbr-images-{seed}")
    head = bytes.fromhex("ffd8ffe000104a46494600010101004800480000ffdb004300")
    return [head + rng.randbytes(rng.randrange(6_000, 24_000)) + b"\xff\xd9" for _ in range(16)]


def sms_items(scale: int = 1, seed: int = 0) -> list[SmsItem]:
    """Every message of the sample in file (date) order."""
    rng = random.Random(f"sbr-sms-{seed}")
    items: list[SmsItem] = []
    for i, (local, who, box, body) in enumerate(_STORY):
        items.append(SmsItem("sms", _ms(local, 37 + 113 * i % 900), box, (who,), who if box == 1 else ROBIN, body,
                             pairs=body.endswith("🙂")))
    boundary_ms = int(DEMO_BOUNDARY_UTC.timestamp() * 1000)
    items.append(SmsItem("sms", boundary_ms, 2, (CASEY1[0],), ROBIN, DEMO_BOUNDARY_TEXT))
    items += [
        SmsItem("mms", _ms(_at(3, 5, 13, 5, 9)), 1, (CASEY1[0],), CASEY1[0], "Remember this?", (0,)),
        SmsItem("mms", _ms(_at(3, 11, 18, 0, 33)), 1, (CASEY1[0], DANA), CASEY1[0],
                "Dana, tell Robin to answer me. She listens to you."),
        SmsItem("mms", _ms(_at(3, 14, 11, 2, 0)), 2, (MOM, DAD), ROBIN, "Brunch Sunday? 🥞"),
        SmsItem("mms", _ms(_at(3, 15, 12, 20, 45)), 1, (DAD, MOM), DAD, "Pancakes are ready!", (1,)),
    ]
    start, end = (int(t.timestamp()) for t in SPAN)
    for _ in range(max(0, scale - 1) * 40):
        t = rng.randrange(start, end)
        local = datetime.fromtimestamp(t, ZONE)
        r = rng.random()
        if r < 0.2:
            casey = _casey(local, rng.randrange(2))
            items.append(SmsItem("sms", t * 1000 + rng.randrange(1000), 1, (casey,), casey, rng.choice(_CASEY_LINES)))
        elif r < 0.8:
            who = rng.choice((MOM, DAD, DANA, JOSE))
            box = rng.choice((1, 2))
            items.append(SmsItem("sms", t * 1000 + rng.randrange(1000), box, (who,), who if box == 1 else ROBIN,
                                 rng.choice(_EVERYDAY)))
        else:
            who = rng.choice((MOM, DANA, JOSE))
            box = rng.choice((1, 2))
            pics = tuple(rng.randrange(16) for _ in range(rng.choice((1, 1, 2))))
            items.append(SmsItem("mms", t * 1000, box, (who,), who if box == 1 else ROBIN,
                                 rng.choice((None, "Look!", "📸 from today")), pics))
    items.sort(key=lambda it: it.ms)
    return items


def call_items(scale: int = 1, seed: int = 0) -> list[CallItem]:
    """Every call of the sample in file (date) order."""
    rng = random.Random(f"sbr-calls-{seed}")
    c1, c2 = CASEY1[0], CASEY2[0]
    calls = [
        CallItem(_ms(_at(1, 9, 18, 0, 12), 331), c1, 1, 300), CallItem(_ms(_at(1, 12, 12, 0, 5), 870), c1, 2, 120),
        CallItem(_ms(_at(1, 13, 17, 30, 0), 12), MOM, 1, 600), CallItem(_ms(_at(2, 28, 22, 0, 41), 500), c1, 3, 0),
        CallItem(_ms(_at(3, 2, 20, 30, 3), 101), c1, 3, 0), CallItem(_ms(_at(3, 2, 20, 31, 48), 202), CASEY1[1], 3, 0),
        CallItem(_ms(_at(3, 2, 20, 40, 9), 303), c1, 4, 45), CallItem(_ms(_at(3, 4, 7, 31, 0), 404), c1, 5, 0),
        CallItem(_ms(_at(3, 6, 8, 20, 0), 505), c1, 3, 0), CallItem(_ms(_at(3, 8, 19, 0, 0), 66), DANA, 1, 420),
        CallItem(_ms(_at(3, 9, 10, 0, 0), 77), DANA, 2, 95), CallItem(_ms(_at(3, 12, 10, 5, 0), 88), "+18005550187", 5, 0),
        CallItem(_ms(_at(3, 18, 21, 0, 0), 606), c1, 6, 0), CallItem(_ms(_at(3, 18, 21, 5, 0), 707), c1, 6, 0),
        CallItem(_ms(_at(3, 20, 3, 14, 2), 319), "", 3, 0, 2), CallItem(_ms(_at(3, 22, 2, 50, 22), 235), "", 3, 0, 2),
        CallItem(_ms(_at(3, 27, 4, 1, 19), 271), "", 3, 0, 2), CallItem(_ms(_at(4, 1, 22, 0, 0), 808), c2, 4, 38),
        CallItem(_ms(_at(4, 3, 9, 0, 0), 909), MOM, 3, 0),
    ]
    burst = _at(3, 19, 1, 10, 5)
    for i in range(20):
        calls.append(CallItem(_ms(burst + timedelta(seconds=140 * i + (i * 37) % 60)),
                              CASEY2[i % 2], 5 if i % 4 == 3 else 3, 0))
    start, end = (int(t.timestamp()) for t in SPAN)
    for _ in range(max(0, scale - 1) * 20):
        t = rng.randrange(start, end)
        local = datetime.fromtimestamp(t, ZONE)
        if rng.random() < 0.3:
            calls.append(CallItem(t * 1000 + rng.randrange(1000), _casey(local), rng.choice((3, 3, 4, 5)), 0))
        else:
            typ = rng.choice((1, 2, 3))
            calls.append(CallItem(t * 1000 + rng.randrange(1000), rng.choice((MOM, DAD, DANA, JOSE)), typ,
                                  0 if typ == 3 else rng.randrange(5, 2400)))
    calls.sort(key=lambda c: c.ms)
    return calls


def _attr(text: str, pairs: bool = False) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    out = out.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")
    if pairs:
        chars = []
        for ch in out:
            cp = ord(ch)
            if cp > 0xFFFF:
                v = cp - 0x10000
                chars.append(f"&#{0xD800 + (v >> 10)};&#{0xDC00 + (v & 0x3FF)};")
            else:
                chars.append(ch)
        out = "".join(chars)
    return out


def _readable(ms: int) -> str:
    t = datetime.fromtimestamp(ms // 1000, ZONE)
    h = t.hour % 12 or 12
    return f"{t:%b} {t.day}, {t.year} {h}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def _contact(addresses: tuple[str, ...]) -> str:
    names = [NAMES.get(a, "Casey" if a in CASEY1 else "(Unknown)") for a in addresses]
    return ", ".join(names)


def _sms_xml(it: SmsItem) -> str:
    sent = it.box == 2
    body = "null" if it.body is None else _attr(it.body, it.pairs)
    return (f'  <sms protocol="0" address="{it.addresses[0]}" date="{it.ms}" type="{it.box}" subject="null" '
            f'body="{body}" toa="null" sc_toa="null" service_center="{"null" if sent else "+13125550900"}" '
            f'read="1" status="-1" locked="0" date_sent="{0 if sent else it.ms - 1873}" sub_id="1" '
            f'readable_date="{_readable(it.ms)}" contact_name="{_attr(_contact(it.addresses))}" />\n')


_SMIL = ("&lt;smil&gt;&lt;head&gt;&lt;layout&gt;&lt;root-layout/&gt;&lt;region id=&quot;Image&quot; "
         "fit=&quot;meet&quot; top=&quot;0&quot; left=&quot;0&quot; height=&quot;80%&quot; width=&quot;100%&quot;/&gt;"
         "&lt;/layout&gt;&lt;/head&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;&lt;img src=&quot;image&quot; "
         "region=&quot;Image&quot;/&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;")


def _mms_xml(it: SmsItem, n: int, pool: list[bytes], b64: dict[int, str]) -> Iterator[str]:
    sent = it.box == 2
    mid = uuid.UUID(int=(it.ms << 16) ^ n).hex[:24]
    yield (f'  <mms date="{it.ms}" rr="129" sub="null" ct_t="application/vnd.wap.multipart.related" '
           f'read_status="null" seen="1" msg_box="{it.box}" address="{"~".join(it.addresses)}" sub_cs="null" '
           f'resp_st="{128 if sent else "null"}" retr_st="null" d_tm="null" text_only="{0 if it.images else 1}" '
           f'exp="{604800 if sent else "null"}" locked="0" m_id="{mid}" st="null" retr_txt_cs="null" '
           f'retr_txt="null" creator="com.google.android.apps.messaging" date_sent="{0 if sent else it.ms // 1000 - 4}" '
           f'read="1" m_size="{sum(len(pool[i]) for i in it.images) or "null"}" rpt_a="null" ct_cls="null" '
           f'pri="129" sub_id="1" tr_id="null" resp_txt="null" ct_l="null" m_cls="personal" d_rpt="129" v="18" '
           f'm_type="{128 if sent else 132}" readable_date="{_readable(it.ms)}" '
           f'contact_name="{_attr(_contact(it.addresses))}">\n    <parts>\n')
    yield (f'      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" fn="null" '
           f'cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" text="{_SMIL}" />\n')
    for k, img in enumerate(it.images):
        name = f"IMG_2026{it.ms % 10**9:09d}_{k}.jpg"
        if img not in b64:
            b64[img] = base64.b64encode(pool[img]).decode("ascii")
        yield (f'      <part seq="0" ct="image/jpeg" name="{name}" chset="null" cd="null" fn="null" '
               f'cid="&lt;{name}&gt;" cl="{name}" ctt_s="null" ctt_t="null" text="null" sub_id="1" '
               f'data="{b64[img]}" />\n')
    if it.body is not None:
        yield (f'      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" '
               f'cid="&lt;text000001&gt;" cl="text000001.txt" ctt_s="null" ctt_t="null" '
               f'text="{_attr(it.body, it.pairs)}" sub_id="1" />\n')
    yield "    </parts>\n    <addrs>\n"
    yield f'      <addr address="{it.sender}" type="137" charset="106" />\n'
    for a in it.addresses:
        if a != it.sender:
            yield f'      <addr address="{a}" type="151" charset="106" />\n'
    if not sent:
        yield f'      <addr address="{ROBIN}" type="151" charset="106" />\n'
    yield "    </addrs>\n  </mms>\n"


def _header(kind: str, count: int, stamp: datetime, rng: random.Random) -> str:
    backup_set = uuid.UUID(int=rng.getrandbits(128), version=4)
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            f"<!--File Created By SMS Backup & Restore v10.20.002 on {stamp:%d/%m/%Y %H:%M:%S}-->\n"
            f'<?xml-stylesheet type="text/xsl" href="{kind}.xsl"?>\n'
            f'<{"smses" if kind == "sms" else "calls"} count="{count}" backup_set="{backup_set}" '
            f'backup_date="{int(stamp.timestamp()) * 1000}" type="full">\n')


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write ``sms-<stamp>.xml`` and ``calls-<stamp>.xml`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime(2026, 4, 21, 9, 30, 15, tzinfo=ZONE)
    rng = random.Random(f"sbr-header-{seed}")
    sms_path = folder / f"sms-{stamp:%Y%m%d%H%M%S}.xml"
    calls_path = folder / f"calls-{stamp:%Y%m%d%H%M%S}.xml"
    items = sms_items(scale, seed)
    pool = _image_pool(seed)
    b64: dict[int, str] = {}
    with open(sms_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(_header("sms", len(items), stamp, rng))
        for n, it in enumerate(items):
            if it.kind == "sms":
                f.write(_sms_xml(it))
            else:
                f.writelines(_mms_xml(it, n, pool, b64))
        f.write("</smses>\n")
    calls = call_items(scale, seed)
    with open(calls_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(_header("calls", len(calls), stamp + timedelta(seconds=1), rng))
        for c in calls:
            contact = "(Unknown)" if not c.number else _contact((c.number,))
            f.write(f'  <call number="{c.number}" duration="{c.duration}" date="{c.ms}" type="{c.call_type}" '
                    f'presentation="{c.presentation}" subscription_id="null" post_dial_digits="" '
                    f'subscription_component_name="null" readable_date="{_readable(c.ms)}" '
                    f'contact_name="{_attr(contact)}" />\n')
        f.write("</calls>\n")
    return [sms_path, calls_path]
