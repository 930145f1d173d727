"""The shared email parsing: the single-part fast path must parse exactly as the stdlib does."""

from __future__ import annotations

from email.message import Message
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.importers._email_message import _PARSER, parse_message

DATA = Path(__file__).parent / "data" / "email"

HEADER_LINES = [
    b"From: Jordan Blake <jordan.blake@example.com>", b"To: sam.rivera@example.org",
    b"Date: Thu, 9 Jan 2025 14:00:12 +0000", b"Subject: =?UTF-8?Q?caf=C3=A9?=", b" folded continuation",
    b"Content-Type: text/plain; charset=utf-8", b"Content-Type: text/html", b"Content-Type: message/rfc822",
    b'Content-Type: multipart/mixed; boundary="b"', b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable", b"not a header line", b"Subject: lone\rCR", b"X-\xff: \xfe",
    b"",
]


def _shape(msg: Message) -> object:
    """Everything the importers read from a parsed message, recursively, for comparison."""
    payload = msg.get_payload()
    inner = [_shape(p) for p in payload] if isinstance(payload, list) else payload
    return (type(msg).__name__, list(msg.raw_items()), [type(d).__name__ for d in msg.defects], inner,
            msg.get_payload(decode=True) if not msg.is_multipart() else None)


def _same_as_stdlib(raw: bytes) -> None:
    assert _shape(parse_message(raw)) == _shape(_PARSER.parsebytes(raw))


def test_fixture_emails_parse_as_the_stdlib_parses_them() -> None:
    """Every stored sample email gives the same headers, defects and payloads on either path."""
    files = sorted(DATA.glob("*.eml"))
    assert files
    for p in files:
        _same_as_stdlib(p.read_bytes())


def test_one_line_body_keeps_every_byte() -> None:
    """A long single-line body (with bytes that are not ASCII) is the payload byte for byte."""
    body = b"A" * 100_000 + b"\xe9\xff\r\n" + b"B" * 10
    msg = parse_message(b"From: a@example.com\r\nDate: Thu, 9 Jan 2025 14:00:12 +0000\r\n\r\n" + body)
    assert msg.get_payload(decode=True) == body
    _same_as_stdlib(b"From: a@example.com\r\nDate: Thu, 9 Jan 2025 14:00:12 +0000\r\n\r\n" + body)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HEADER_LINES), max_size=8), st.sampled_from([b"\n", b"\r\n", b"\r"]),
       st.sampled_from([b"\n", b"\r\n", b""]), st.binary(max_size=300))
def test_any_message_parses_as_the_stdlib_parses_it(lines: list[bytes], nl: bytes, blank: bytes,
                                                    body: bytes) -> None:
    """Headers of every kind (multipart, message/rfc822, lone CR, junk), any line ending: identical results."""
    _same_as_stdlib(nl.join(lines) + nl + blank + body)
    _same_as_stdlib(b"--b\n".join([nl.join(lines) + nl + blank, body, body]))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_as_the_stdlib_parses_them(raw: bytes) -> None:
    """Bytes that are hardly an email still give exactly the stdlib's result."""
    _same_as_stdlib(raw)


_HEADER_NAMES = ["Subject", "X-Gmail-Labels", "X-GM-THRID", "X-Filename", "Date", "From", "To", "Message-ID"]


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(_HEADER_NAMES),
       value=st.lists(st.sampled_from([*"ab =?Q?B?_-\r\n\t\"<>@,;:\\()é\udcff", "=?utf-8?q?caf=C3=A9?=",
                                       "=?iso-8859-1?b?6Q==?=", "=?utf-8?b?8J+Zgg==?="]), max_size=30).map("".join))
def test_cached_header_classes_parse_exactly_as_the_policy_does(name: str, value: str) -> None:
    """The cached header class gives the same text and defects as ``policy.default`` on any value."""
    from email.policy import default

    from nocontact.importers._email_message import _parsed

    try:
        want = default.header_fetch_parse(name, value)
    except Exception:  # noqa: BLE001 - then ours must say 'cannot be parsed' too
        assert _parsed(name, value) is None
        return
    got = _parsed(name, value)
    assert got is not None
    assert str(got) == str(want) and got.name == want.name
    assert [type(d) for d in got.defects] == [type(d) for d in want.defects]
