"""typedstream: the message text is read from an archived attributed string by its structure."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocontact.importers.typedstream import (
    TypedStreamError,
    decode,
    decode_attributed_body,
    encode_attributed_string,
    heuristic_text,
)

HEADER = b"\x04\x0bstreamtyped\x81\xe8\x03"
#: Bytes as macOS Messages writes them (NSMutableAttributedString, one attribute).
MUTABLE = (HEADER + b"\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00\x84\x84\x12NSAttributedString\x00"
           b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x0fNSMutableString\x01\x84\x84\x08NSString\x01\x95"
           b"\x84\x01+\x0cLove you mom\x86\x84\x02iI\x01\x0c\x92\x84\x84\x84\x0cNSDictionary\x00\x95\x84\x01i"
           b"\x01\x92\x84\x98\x98\x1d__kIMMessagePartAttributeName\x86\x92\x84\x84\x84\x08NSNumber\x00\x84\x84"
           b"\x07NSValue\x00\x95\x84\x01*\x84\x9b\x9b\x00\x86\x86\x86")
#: The NSAttributedString variant, with two attributes and a C-string back-reference.
IMMUTABLE = (HEADER + b"\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84"
             b"\x84\x08NSString\x01\x94\x84\x01+\x12I'm not giving up.\x86\x84\x02iI\x01\x12\x92\x84\x84\x84"
             b"\x0cNSDictionary\x00\x94\x84\x01i\x02\x92\x84\x96\x96&__kIMBaseWritingDirectionAttributeName\x86"
             b"\x92\x84\x84\x84\x08NSNumber\x00\x84\x84\x07NSValue\x00\x94\x84\x01*\x84\x84\x01q\x9d\xff\x86\x92"
             b"\x84\x96\x96\x1d__kIMMessagePartAttributeName\x86\x92\x84\x9b\x9c\x9d\x9d\x00\x86\x86\x86")


def test_mutable_attributed_string_yields_its_text_and_run() -> None:
    """The NSMutableAttributedString form gives the NSString's UTF-8 text and one run of 12."""
    body = decode_attributed_body(MUTABLE)
    assert body.text == "Love you mom"
    assert body.run_lengths == (12,)
    assert body.class_name == "NSMutableAttributedString"


def test_immutable_variant_with_back_references_is_read() -> None:
    """The NSAttributedString variant (references to classes and C strings) decodes the same way."""
    body = decode_attributed_body(IMMUTABLE)
    assert body.text == "I'm not giving up."
    assert body.class_name == "NSAttributedString"
    assert body.runs_cover_text()


def test_messages_layout_is_reproduced_byte_for_byte() -> None:
    """The encoder writes exactly what Messages writes, so samples are faithful."""
    assert encode_attributed_string("Love you mom") == MUTABLE


def test_long_body_uses_the_16_bit_length_form_and_emoji_runs_count_utf16() -> None:
    """A body over 127 bytes is written 0x81 + u16; an emoji is 4 bytes but 2 UTF-16 units."""
    text = "x" * 200 + " 🙂"
    blob = encode_attributed_string(text)
    assert b"\x81\xcd\x00" in blob  # 205 bytes
    body = decode_attributed_body(blob)
    assert body.text == text
    assert body.run_lengths == (203,)


def test_bytes_that_look_like_the_string_marker_inside_text_do_not_confuse_the_decoder() -> None:
    """Text containing NSString and 01 2B is read whole, because the structure says where it ends."""
    text = "NSString\x01+\x05trap! and the rest"
    assert decode_attributed_body(encode_attributed_string(text)).text == text


def test_truncated_archive_is_refused_with_a_reason() -> None:
    """Cutting the archive inside the string is an error, not a shorter text."""
    with pytest.raises(TypedStreamError, match="ends early"):
        decode_attributed_body(MUTABLE[:60])


def test_archive_of_another_class_is_refused() -> None:
    """A typedstream whose root is not an attributed string is not a message body."""
    blob = HEADER + b"\x84\x01@\x84\x84\x84\x08NSString\x01\x84\x84\x08NSObject\x00\x85\x84\x01+\x02hi\x86"
    with pytest.raises(TypedStreamError, match="holds a NSString, not an attributed string"):
        decode_attributed_body(blob)
    assert heuristic_text(blob) is None or isinstance(heuristic_text(blob), str)


def test_reference_to_an_undefined_entry_is_refused() -> None:
    """A back-reference to an object never defined is an error (hostile or damaged data)."""
    with pytest.raises(TypedStreamError, match="never defined"):
        decode(HEADER + b"\x84\x01@\xa0")


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    """Thousands of nested objects stop at the depth limit with TypedStreamError."""
    blob = HEADER + b"\x84\x01@" + b"\x84\x84\x84\x01A\x00\x85\x92" * 5000
    with pytest.raises(TypedStreamError):
        decode_attributed_body(blob)


def test_not_a_typedstream_is_refused() -> None:
    """Other bytes (a binary plist) are refused by the header check."""
    with pytest.raises(TypedStreamError):
        decode_attributed_body(b"bplist00\xd4\x01\x02")


def test_heuristic_reads_the_classic_marker() -> None:
    """The fallback peers use still reads a well-formed blob (it is only used after a Problem)."""
    assert heuristic_text(MUTABLE) == "Love you mom"


@settings(max_examples=150, deadline=None)
@given(st.text(), st.booleans())
def test_any_text_round_trips_through_encode_and_decode(text: str, mutable: bool) -> None:
    """Every string survives the archive exactly, and its runs cover it."""
    body = decode_attributed_body(encode_attributed_string(text, mutable=mutable))
    assert body.text == text
    assert body.runs_cover_text()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_typedstream_error(data: bytes) -> None:
    """No input makes the decoder fail in any other way."""
    for blob in (data, HEADER + data, MUTABLE[: len(data) % len(MUTABLE)] + data):
        with contextlib.suppress(TypedStreamError):
            decode_attributed_body(blob)
        heuristic_text(blob)
