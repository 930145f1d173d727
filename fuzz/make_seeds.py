"""Write the seed corpus: the package's own samples, small shared fixtures, and hostile mutations.

Run ``python -m fuzz.make_seeds`` after a sample generator or a fixture changes; the output under
``fuzz/seeds/<target>/`` is committed so ``make test`` needs no generation step. Everything here
is deterministic. Seeds are kept small (libFuzzer mutates faster on short inputs): big samples are
cut to their first few records. Shared fixtures are copied only when under 30 KB (they are
fictional and their README allows use in tests) and only when present.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from fuzz.targets import FUZZ_DIR, TARGETS

SHARED = FUZZ_DIR.parent.parent / "shared" / "fixtures"
MAX_FIXTURE = 30 * 1024

# --- cutting big samples down ------------------------------------------------------------------


def first_xml_records(data: bytes, keep: int) -> bytes:
    """The XML prolog, the first ``keep`` top-level records, and the closing root tag; media shrunk."""
    text = data.decode("utf-8")
    root = re.search(r"<(smses|calls)\b[^>]*>", text)
    assert root is not None
    head, rest = text[:root.end()], text[root.end():]
    parts = re.split(r"(?=\n  <(?:sms|mms|call)\b)", rest)
    body = "".join(parts[:keep + 1])
    body = re.sub(r'data="[A-Za-z0-9+/=]{64,}"', 'data="/9j/4AAQSkZJRgABAQ=="', body)
    return (head + body + f"\n</{root.group(1)}>\n").encode("utf-8")


def small_sqlite(src: Path) -> bytes:
    """The same database rewritten with 512-byte pages, so a seed is a few KB instead of 127."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "small.db"
        shutil.copy(src, out)
        con = sqlite3.connect(out)
        try:
            con.execute("PRAGMA journal_mode=DELETE")
            con.execute("PRAGMA page_size=512")
            con.execute("VACUUM")
        finally:
            con.close()
        return out.read_bytes()


def sqlite_variant(db: bytes, *statements: str) -> bytes:
    """A copy of ``db`` after running ``statements`` on it (to build hostile databases)."""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "v.db"
        p.write_bytes(db)
        con = sqlite3.connect(p)
        try:
            for s in statements:
                con.execute(s)
            con.commit()
            con.execute("VACUUM")
        finally:
            con.close()
        return p.read_bytes()


def zip_of(members: Iterable[tuple[str, bytes]], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, b"/etc/passwd")
    return buf.getvalue()


# --- hostile variants, by family ---------------------------------------------------------------

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE smses [\n <!ENTITY a "lol">\n'
                  b' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n')
XXE_FILE = b'<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
XXE_NET = b'<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x SYSTEM "http://192.0.2.1/x">]>\n'
DTD_FETCH = b'<?xml version="1.0"?>\n<!DOCTYPE smses SYSTEM "http://192.0.2.1/sms.dtd">\n'


def xml_variants(sample: bytes, record_tag: bytes) -> dict[str, bytes]:
    rec_start = sample.index(b"<" + record_tag + b" ")
    root_start = sample.index(b"<sms" if record_tag != b"call" else b"<calls")
    root_start = sample.rindex(b"\n<", 0, rec_start) + 1
    body = sample[root_start:]
    out = {
        "truncated": sample[: len(sample) // 2],
        "billion_laughs": BILLION_LAUGHS + body.replace(b'body="', b'body="&c;', 1),
        "xxe_file": XXE_FILE + body.replace(b'body="', b'body="&x;', 1),
        "xxe_network": XXE_NET + body.replace(b'body="', b'body="&x;', 1),
        "dtd_retrieval": DTD_FETCH + body,
        "surrogate_pair_refs": sample.replace(b'body="', b'body="&#55357;&#56846; ', 1),
        "lone_surrogate_ref": sample.replace(b'body="', b'body="&#55357; ', 1),
        "invalid_utf8": sample.replace(b'body="', b'body="\xff\xfe\xc3(', 1),
        "date_year_0": re.sub(rb' date="\d+"', b' date="-62167219200000"', sample, count=1),
        "date_year_9999": re.sub(rb' date="\d+"', b' date="253402300799999"', sample, count=1),
        "date_overflow": re.sub(rb' date="\d+"', b' date="99999999999999999999999999"', sample, count=1),
        "duration_overflow": sample.replace(b' duration="', b' duration="9999999999999999999', 1),
        "null_strings": re.sub(rb'="[^"]*"', b'="null"', sample, count=40),
    }
    return out


def json_variants(sample: bytes) -> dict[str, bytes]:
    deep = b'{"messages": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    return {
        "truncated": sample[: len(sample) // 2],
        "nested_3000": deep,
        "nested_in_text": sample.replace(b'"text": "', b'"text": ' + b"[" * 2000 + b'"x"' + b"]" * 2000
                                         + b', "was": "', 1),
        "x_escapes": sample.replace(b'"text": "', b'"text": "\\x01\\x7f ', 1),
        "lone_surrogate": sample.replace(b'"text": "', b'"text": "\\ud83d ', 1),
        "invalid_utf8": sample.replace(b'"text": "', b'"text": "\xff\xc3(', 1),
        "big_numbers": re.sub(rb'"(date_unixtime|timestamp_ms)": "?\d+"?',
                              b'"\\1": 123456789012345678901234567890123456789', sample),
        "float_overflow": re.sub(rb'"(date_unixtime|timestamp_ms)": "?\d+"?', b'"\\1": 1e400', sample),
        "year_0": re.sub(rb'"date": "\d{4}-', b'"date": "0000-', sample),
        "year_9999": re.sub(rb'"date_unixtime": "\d+"', b'"date_unixtime": "253402300799"',
                            re.sub(rb'"timestamp_ms": \d+', b'"timestamp_ms": 253402300799999', sample)),
        "negative_times": re.sub(rb'"(date_unixtime|timestamp_ms)": ("?)\d+', b'"\\1": \\2-62135596801', sample),
    }


def text_variants(sample: bytes) -> dict[str, bytes]:
    return {
        "truncated": sample[: len(sample) // 2 + 7],
        "invalid_utf8": sample.replace(b"\n", b"\n\xff\xfe", 2),
        "cesu_surrogate": sample.replace(b"\n", b"\n\xed\xa0\xbd", 1),
        "year_0": re.sub(rb"\d{1,2}/\d{1,2}/\d{2,4}", b"1/1/0000", sample, count=3),
        "year_9999": re.sub(rb"\d{1,2}/\d{1,2}/\d{2,4}", b"12/31/9999", sample, count=3),
        "crlf": sample.replace(b"\n", b"\r\n"),
        "bom": b"\xef\xbb\xbf" + sample,
        "nul_bytes": sample.replace(b" ", b"\x00", 5),
    }


def email_variants(sample: bytes) -> dict[str, bytes]:
    return {
        "truncated": sample[: len(sample) // 2],
        "headers_cut": sample[: sample.index(b"\n\n") // 2] if b"\n\n" in sample else sample[:40],
        "year_0": re.sub(rb"Date: [^\n]*", b"Date: Mon, 1 Jan 0000 00:00:00 +0000", sample),
        "year_9999": re.sub(rb"Date: [^\n]*", b"Date: Fri, 31 Dec 9999 23:59:59 -1400", sample),
        "date_overflow": re.sub(rb"Date: [^\n]*", b"Date: 99 Foo 99999999999999999999 99:99:99 +9999", sample),
        "bad_charset": re.sub(rb"Subject: [^\n]*", b"Subject: =?x-no-such-charset?Q?=FF=FE?= =?utf-8?B?////?=",
                              sample),
        "invalid_utf8": sample.replace(b"\n\n", b"\n\n\xff\xfe\xc3(", 1),
        "nested_multipart": sample.replace(
            b"\n\n", b"\nContent-Type: multipart/mixed; boundary=a\n\n"
            + b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 200, 1),
    }


def html_variants(sample: bytes) -> dict[str, bytes]:
    return {
        "truncated": sample[: len(sample) // 2],
        "year_0": re.sub(rb'title="\d{4}-', b'title="0000-', sample),
        "year_9999_east": re.sub(rb'title="\d{4}-\d\d-\d\dT[^"]*"', b'title="9999-12-31T23:59:59.999-14:00"', sample),
        "year_1_west": re.sub(rb'title="\d{4}-\d\d-\d\dT[^"]*"', b'title="0001-01-01T00:00:00.000+14:00"', sample),
        "duration_overflow": re.sub(rb'title="PT[^"]*"', b'title="PT99999999999999999999H"', sample),
        "entities": BILLION_LAUGHS.replace(b"smses", b"html") + sample.replace(b"<q>", b"<q>&c;", 1),
        "nested_divs": sample.replace(b"<q>", b"<q>" + b"<div>" * 5000, 1),
        "invalid_utf8": sample.replace(b"<q>", b"<q>\xff\xfe\xc3(", 1),
    }


def chatdb_variants(db: bytes) -> dict[str, bytes]:
    return {
        "truncated": db[: len(db) // 2],
        "header_only": db[:100],
        "date_max": sqlite_variant(db, "UPDATE message SET date = 9223372036854775807 WHERE ROWID = 1"),
        "date_min": sqlite_variant(db, "UPDATE message SET date = -9223372036854775808 WHERE ROWID = 2"),
        "text_blob": sqlite_variant(db, "UPDATE message SET text = x'ff00fe' WHERE ROWID = 1"),
        "body_garbage": sqlite_variant(db, "UPDATE message SET attributedBody = x'040b73747265616d747970656481'"),
        "trigger": sqlite_variant(db, "CREATE TABLE pwned(x)", "CREATE TRIGGER t AFTER INSERT ON handle "
                                  "BEGIN INSERT INTO pwned VALUES (1); END"),
        "message_view": sqlite_variant(db, "ALTER TABLE message RENAME TO message_real",
                                       "CREATE VIEW message AS SELECT * FROM message_real"),
        "wal_header": db[:18] + b"\x02\x02" + db[20:],
    }


def zip_variants(chat: bytes) -> dict[str, bytes]:
    return {
        "traversal": zip_of([("_chat.txt", chat), ("../evil.txt", b"x")]),
        "absolute": zip_of([("_chat.txt", chat), ("/etc/evil", b"x")]),
        "symlink": zip_of([("_chat.txt", chat)], symlink="IMG-0001.jpg"),
        "nested_zip": zip_of([("inner.zip", zip_of([("_chat.txt", chat)]))]),
        "duplicate": zip_of([("_chat.txt", chat), ("_chat.txt", chat)]),
        "ratio": zip_of([("_chat.txt", chat), ("pad.bin", b"\0" * 200_000)]),
        "truncated": zip_of([("_chat.txt", chat)])[:-30],
    }


# --- per-target seed sets ----------------------------------------------------------------------


def _samples(folder: Path) -> dict[str, Path]:
    from nocontact.demo import write_all_samples

    return {p.relative_to(folder).as_posix(): p for p in write_all_samples(folder)}


def _fixture(rel: str) -> dict[str, bytes]:
    p = SHARED / rel
    if p.is_file() and p.stat().st_size < MAX_FIXTURE:
        return {"fixture": p.read_bytes()}
    return {}


def build(folder: Path) -> dict[str, dict[str, bytes]]:
    s = {k: v.read_bytes() for k, v in _samples(folder).items() if not k.endswith(".db")}
    sms = first_xml_records(s["sms-20260421093015.xml"], 14)
    calls = first_xml_records(s["calls-20260421093015.xml"], 14)
    tg = s["DataExport_2026-04-02/result.json"]
    fb = s["facebook-robinhale/messages/inbox/caseydrummond_10160011223344556/message_1.json"]
    ig = s["instagram-robinhale-2026-04-02/your_instagram_activity/messages/inbox/caseyd_17841400/message_1.json"]
    wa = s["WhatsApp Chat with Casey Drummond.txt"]
    wa_zip = s["WhatsApp Chat - Casey Drummond.zip"]
    with zipfile.ZipFile(io.BytesIO(wa_zip)) as zf:
        ios_chat = zf.read("_chat.txt")
    mbox = s["Takeout/Mail/All mail Including Spam and Trash.mbox"]
    eml = s["Saved emails/Robin - from Casey.eml"]
    voice = {k: v for k, v in s.items() if k.startswith("Takeout/Voice/") and k.endswith(".html")}
    db = small_sqlite(folder / "Library/Messages/chat.db")

    seeds: dict[str, dict[str, bytes]] = {}
    seeds["sms_backup_restore_sms"] = {"sample": sms, **xml_variants(sms, b"sms"),
                                      **_fixture("sms-20250322101530.xml")}
    seeds["sms_backup_restore_calls"] = {"sample": calls, **xml_variants(calls, b"call"),
                                        **_fixture("calls-20250322101530.xml")}
    seeds["telegram_desktop_json"] = {"sample": tg, **json_variants(tg),
                                      **_fixture("DataExport_2025-03-22/result.json")}
    seeds["facebook_messenger_json"] = {"sample": fb, **json_variants(fb), **_fixture(
        "facebook-samrivera/messages/inbox/jordanblake_10158273645192837/message_1.json")}
    seeds["instagram_json"] = {"sample": ig, **json_variants(ig)}
    seeds["whatsapp_android_txt"] = {"sample": wa, "group": s["WhatsApp Chat with Trivia Night 🎲.txt"],
                                     "ios_chat": ios_chat, **text_variants(wa),
                                     **_fixture("WhatsApp Chat with Jordan Blake.txt")}
    seeds["whatsapp_ios_zip"] = {"sample": wa_zip, **zip_variants(ios_chat),
                                 **_fixture("WhatsApp Chat - Jordan Blake.zip")}
    seeds["gmail_takeout_mbox"] = {"sample": mbox, **email_variants(mbox),
                                   **_fixture("Takeout/Mail/All mail Including Spam and Trash.mbox")}
    seeds["eml"] = {"sample": eml, **email_variants(eml)}
    seeds["google_voice_html"] = {f"sample_{i:02d}": v for i, (_, v) in enumerate(sorted(voice.items()))}
    seeds["google_voice_html"].update(html_variants(voice["Takeout/Voice/Calls/Casey Drummond - Text - "
                                                         "2026-02-28T04_05_10Z.html"]))
    seeds["imessage_chat_db"] = {"sample": db, **chatdb_variants(db)}
    seeds["zip_archive"] = {
        "download": zip_of([("Takeout/Saved/a.eml", eml), ("WhatsApp Chat with Casey Drummond.txt", wa),
                            ("DataExport/result.json", tg[:4000] if len(tg) > 4000 else tg),
                            ("Library/Messages/chat.db", db)]),
        **zip_variants(wa),
    }
    assert set(seeds) == set(TARGETS), set(TARGETS) ^ set(seeds)
    return seeds


def write(seeds: dict[str, dict[str, bytes]], out: Path, log: Callable[[str], None] = print) -> None:
    for target, files in sorted(seeds.items()):
        d = out / target
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        for label, data in sorted(files.items()):
            digest = hashlib.sha256(data).hexdigest()[:10]
            (d / f"{label}-{digest}").write_bytes(data)
        log(f"{target}: {len(files)} seeds, {sum(len(v) for v in files.values()):,} bytes")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        write(build(Path(tmp)), FUZZ_DIR / "seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
