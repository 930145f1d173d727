"""The shared email parsing: the fast paths (single part, multipart split by boundary) must parse
exactly as the stdlib does, and leave every message they are unsure of to it."""

from __future__ import annotations

from email.message import Message
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.importers._email_message import _PARSER, _parse_fast, parse_message
from nocontact.importers.mbox import split_mbox
from nocontact.samples.email import generate

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
            msg.get_payload(decode=True) if not msg.is_multipart() else None, msg.preamble, msg.epilogue,
            msg.get_unixfrom(), msg.get_default_type())


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


SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def test_the_sample_mailbox_parses_as_the_stdlib_parses_it() -> None:
    """Every message of the generated mailbox (nested multiparts, photos, QP, HTML) is identical,
    and every one of them took the fast path."""
    import io

    from nocontact.samples.email import mbox_bytes

    data = b"".join(mbox_bytes(generate(scale=3, seed=5)))
    parts = list(split_mbox(io.BytesIO(data)))
    assert len(parts) > 20
    for part in parts:
        assert _parse_fast(part.content) is not None
        _same_as_stdlib(part.content)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures is not on this machine")
def test_the_shared_mailbox_and_emails_parse_as_the_stdlib_parses_them() -> None:
    import io

    mboxes = list(SHARED.rglob("*.mbox"))
    assert mboxes
    for mbox in mboxes:
        for part in split_mbox(io.BytesIO(mbox.read_bytes())):
            _same_as_stdlib(part.content)
    for eml in SHARED.rglob("*.eml"):
        _same_as_stdlib(eml.read_bytes())


def test_a_photo_in_a_nested_multipart_is_read_whole() -> None:
    """mixed(alternative(plain, html), photo): the tree, the text and the photo's bytes."""
    photo = bytes(range(256)) * 40
    import base64

    b64 = base64.encodebytes(photo)
    raw = (b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
           b"This is a multi-part message.\r\n--outer\r\n"
           b'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
           b"--inner\r\nContent-Type: text/plain\r\n\r\nHello\r\n--outer is not here\r\n\r\n"
           b"--inner\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--inner--\r\n"
           b"--outer\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + b64.replace(b"\n", b"\r\n") + b"--outer--\r\nbye\r\n")
    msg = _parse_fast(raw)
    assert msg is not None
    alt, jpeg = msg.get_payload()
    plain, _html = alt.get_payload()
    assert plain.get_payload() == "Hello\r\n--outer is not here\r\n"
    assert jpeg.get_payload(decode=True) == photo
    assert msg.preamble == "This is a multi-part message."
    assert msg.epilogue == "bye\r\n"
    _same_as_stdlib(raw)


@pytest.mark.parametrize("raw", [
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nno close boundary\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\nno boundary at all\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b--\nclosed before opened\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n--b\n\ntwo in a row\n--b--\n',
    b'Content-Type: multipart/mixed\n\n--b\n\nno boundary parameter\n--b--\n',
    b'Content-Type: multipart/mixed; boundary="b"\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n',
    b'Content-Type: multipart/digest; boundary="b"\n\n--b\n\nx\n--b--\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: message/rfc822\n\nA: b\n\nx\n--b--\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nno header separator\n--b--\n',
    b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n\nlone\rCR\n--b--\n',
])
def test_a_message_the_fast_path_is_unsure_of_is_left_to_the_stdlib(raw: bytes) -> None:
    assert _parse_fast(raw) is None
    _same_as_stdlib(raw)


_GOOD_HEADERS = [b"Content-Type: text/plain; charset=utf-8", b"Content-Type: text/html",
                 b"Content-Type: image/jpeg", b"Content-Transfer-Encoding: base64",
                 b'Content-Disposition: attachment; filename="a.pdf"', b"Content-Transfer-Encoding: 7bit"]
_ODD_HEADERS = [b"Content-Type: message/rfc822", b"X-Junk: \xff", b" folded", b"not a header", b"From nobody"]
_BOUNDARIES = [b"b", b"b1", b"=_b", b"b--", b"b b"]
_BODIES = st.one_of(
    st.sampled_from([b"", b"text", b"--b", b"--b--", b"--b1", b"x\n--b \ny", b"--b\t\n", b"--bx\n", b"QUJD\nREVG\n",
                     b"\n\n", b"caf\xc3\xa9 \xff\r\n"]),
    st.text(alphabet="ab-= \t\n\u00e9", max_size=30).map(lambda t: t.encode("utf-8")),
    st.binary(max_size=40))


@st.composite
def _mime(draw: st.DrawFn, depth: int = 0, clean: bool | None = None, used: tuple[bytes, ...] = ()) -> bytes:
    """A message or part: a leaf, or a multipart. Two in three are well formed (the fast path's
    own ground); the rest have odd headers, boundaries that are not, missing or extra boundary
    lines, digest and message/* parts, anywhere in the tree. LF or CRLF endings."""
    if clean is None:
        clean = draw(st.integers(0, 2)) > 0

    def pick(good: list[bytes], odd: list[bytes]) -> bytes:
        return draw(st.sampled_from(good if clean else good + odd))

    nl = draw(st.sampled_from([b"\n", b"\r\n"]))
    headers = draw(st.lists(st.sampled_from(_GOOD_HEADERS if clean else _GOOD_HEADERS + _ODD_HEADERS),
                            min_size=1 if clean else 0, max_size=3))
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return nl.join(headers) + nl + pick([nl], [b""]) + draw(_BODIES if not clean else _BODIES.filter(
            lambda b: b.count(b"\r") == b.count(b"\r\n")))
    b = draw(st.sampled_from([x for x in _BOUNDARIES if x not in used] if clean else _BOUNDARIES))
    ctype = pick([b"multipart/mixed", b"multipart/alternative"], [b"multipart/digest"])
    quoted = b'"' + b + b'"' if draw(st.booleans()) or b" " in b else b
    head = [b"Content-Type: " + ctype + b"; boundary=" + quoted,
            *(h for h in headers if not h.startswith(b"Content-T"))]
    out = nl.join(head) + nl + nl + pick([b"", b"preamble" + nl, nl, nl + nl], [b"x"])
    for _ in range(draw(st.integers(1 if clean else 0, 3))):
        out += (b"--" + b + pick([b"", b" ", b"\t "], [b"x", b"--"]) + nl
                + draw(_mime(depth + 1, clean, (*used, b))) + pick([nl], [b""]))
    if clean or draw(st.integers(0, 3)):
        out += (b"--" + b + b"--" + draw(st.sampled_from([b"", b" "])) + pick([nl], [b""])
                + draw(st.sampled_from([b"", b"epilogue" + nl, nl, nl + nl, b"--" + b + nl])))
    return out


@settings(max_examples=1500, deadline=None)
@given(_mime())
def test_any_multipart_message_parses_as_the_stdlib_parses_it(raw: bytes) -> None:
    """Nested multiparts with good and bad boundaries, junk headers, message/* and digest parts,
    preambles and epilogues of every shape: the tree is the stdlib's, defects included."""
    _same_as_stdlib(b"From: a@example.com\n" + raw)
    _same_as_stdlib(raw)
