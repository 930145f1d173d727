"""A decoder for Apple's typedstream ("streamtyped") archives, as NSArchiver writes them.

macOS Messages (since Ventura) often leaves ``message.text`` NULL and keeps the body only in
``message.attributedBody``: an ``NSAttributedString`` or ``NSMutableAttributedString`` archived
with the old NeXTSTEP ``NSArchiver`` into a typedstream. The format has no official
documentation; it is described by the NeXTSTEP/Darwin ``typedstream.h`` sources and by
dgelessus' python-typedstream (https://github.com/dgelessus/python-typedstream), whose reading
of the format this module follows (the code is our own).

Why a real decoder and not a byte search: the usual shortcut looks for ``01 2B`` (the ``+``
type encoding) and reads a length after it. Those bytes can occur inside valid UTF-8 of an
earlier value, class names can differ (NSMutableString, NSString, __NSCFString...), and lengths
above 127 bytes use ``0x81`` + 16-bit or ``0x82`` + 32-bit little-endian forms. Here the stream
is parsed by its grammar: header, typed value groups, objects with their class chains, shared
strings and back-references. The attributed string's first value must be an NSString-family
object whose first value is a ``+`` byte string: that is the message text. The attribute runs
that follow (``iI`` groups: run count and UTF-16 length) are read too, so the importer can check
that the runs cover exactly the decoded text.

Grammar in short (little-endian for ``streamtyped``):

* integer: one signed byte, unless it is a tag: ``0x81`` int16 follows, ``0x82`` int32 follows.
  Tags are ``0x80``..``0x91``; ``0x84`` NEW, ``0x85`` NIL, ``0x86`` END OF OBJECT. A reference to
  an earlier entry is an integer ``>= 0x92`` (signed: ``-110``) offset by -110.
* shared string (type encodings, class names): NEW + (length, bytes), or a reference into the
  shared-string table.
* object (``@``): NIL, a reference into the object table, or NEW + class chain + value groups
  until END OF OBJECT. Objects, classes and C strings share one reference table, numbered in
  the order they start (an object before its class).
* class: NEW + shared-string name + version integer + superclass (recursively), ending in NIL
  or a reference to a class already seen.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ArchivedClass",
    "ArchivedObject",
    "AttributedBody",
    "TypedStreamError",
    "decode",
    "decode_attributed_body",
    "encode_attributed_string",
    "heuristic_text",
]

_TAG_INTEGER_2 = -127  # 0x81
_TAG_INTEGER_4 = -126  # 0x82
_TAG_FLOAT = -125  # 0x83
_TAG_NEW = -124  # 0x84
_TAG_NIL = -123  # 0x85
_TAG_END = -122  # 0x86
_FIRST_TAG = -128  # 0x80
_LAST_TAG = -111  # 0x91
_FIRST_REF = _LAST_TAG + 1  # -110 == 0x92

#: Limits that keep a hostile blob from costing more than a small one.
MAX_DEPTH = 64
MAX_VALUES = 100_000

_STRING_CLASSES = frozenset({b"NSString", b"NSMutableString", b"__NSCFString", b"NSCFString",
                             b"__NSCFConstantString", b"NSTaggedPointerString"})
_ATTRIBUTED_CLASSES = frozenset({b"NSAttributedString", b"NSMutableAttributedString",
                                 b"NSConcreteAttributedString", b"NSConcreteMutableAttributedString"})


class TypedStreamError(ValueError):
    """The bytes are not a typedstream, or not the shape the caller needs."""


@dataclass(slots=True)
class ArchivedClass:
    """One class in a chain: its name, its archived version and its superclass."""

    name: bytes
    version: int
    superclass: ArchivedClass | None

    def chain(self) -> list[bytes]:
        out: list[bytes] = []
        c: ArchivedClass | None = self
        while c is not None and len(out) < MAX_DEPTH:
            out.append(c.name)
            c = c.superclass
        return out


@dataclass(slots=True, eq=False)
class ArchivedObject:
    """An archived object: its class and its value groups, in stream order."""

    cls: ArchivedClass | None
    groups: list[list[object]] = field(default_factory=list)

    def is_a(self, names: frozenset[bytes]) -> bool:
        return self.cls is not None and any(n in names for n in self.cls.chain())


@dataclass(frozen=True, slots=True)
class AttributedBody:
    """The text of an archived attributed string and the UTF-16 lengths of its attribute runs."""

    text: str
    run_lengths: tuple[int, ...]
    class_name: str

    def runs_cover_text(self) -> bool:
        """True when the attribute runs add up to the text's length in UTF-16 code units."""
        return sum(self.run_lengths) == len(self.text.encode("utf-16-le", "surrogatepass")) // 2


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.strings: list[bytes] = []
        self.objects: list[object] = []
        self.values = 0
        self.little = True

    # -- low level ---------------------------------------------------------------------------
    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise TypedStreamError(f"the archive ends early (wanted {n} bytes at offset {self.pos})")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def head(self) -> int:
        if self.pos >= len(self.data):
            raise TypedStreamError(f"the archive ends early (offset {self.pos})")
        v = self.data[self.pos]
        self.pos += 1
        return v - 256 if v > 127 else v

    def integer(self, head: int | None = None, *, signed: bool = True) -> int:
        h = self.head() if head is None else head
        if not (_FIRST_TAG <= h <= _LAST_TAG):
            return h if signed else h & 0xFF
        order: Literal["little", "big"] = "little" if self.little else "big"
        if h == _TAG_INTEGER_2:
            return int.from_bytes(self._take(2), order, signed=signed)
        if h == _TAG_INTEGER_4:
            return int.from_bytes(self._take(4), order, signed=signed)
        raise TypedStreamError(f"unexpected tag 0x{h & 0xFF:02x} where a number belongs (offset {self.pos - 1})")

    def reference(self, head: int, table: list[object] | list[bytes], what: str) -> int:
        n = self.integer(head, signed=True) - _FIRST_REF
        if not 0 <= n < len(table):
            raise TypedStreamError(f"reference to {what} #{n} that was never defined (offset {self.pos})")
        return n

    def unshared_string(self, head: int | None = None) -> bytes | None:
        h = self.head() if head is None else head
        if h == _TAG_NIL:
            return None
        n = self.integer(h, signed=False)
        return self._take(n)

    def shared_string(self, head: int | None = None) -> bytes | None:
        h = self.head() if head is None else head
        if h == _TAG_NIL:
            return None
        if h == _TAG_NEW:
            s = self.unshared_string()
            if s is None:
                raise TypedStreamError(f"a shared string is nil (offset {self.pos})")
            self.strings.append(s)
            return s
        return self.strings[self.reference(h, self.strings, "string")]

    # -- structure ---------------------------------------------------------------------------
    def header(self) -> None:
        version, siglen = self._take(2)
        if version != 4:
            raise TypedStreamError(f"unsupported typedstream version {version}")
        sig = self._take(siglen)
        if sig == b"streamtyped":
            self.little = True
        elif sig == b"typedstream":
            self.little = False
        else:
            raise TypedStreamError("not a typedstream (signature missing)")
        self.integer(signed=False)  # system version, 1000 on every Mac OS X

    def klass(self, depth: int, head: int | None = None) -> ArchivedClass | None:
        h = self.head() if head is None else head
        if h == _TAG_NIL:
            return None
        if h == _TAG_NEW:
            if depth > MAX_DEPTH:
                raise TypedStreamError("class chain nested too deeply")
            slot = len(self.objects)
            self.objects.append(None)
            name = self.shared_string()
            if name is None:
                raise TypedStreamError(f"a class without a name (offset {self.pos})")
            version = self.integer(signed=True)
            cls = ArchivedClass(name, version, None)
            self.objects[slot] = cls
            cls.superclass = self.klass(depth + 1)
            return cls
        ref = self.objects[self.reference(h, self.objects, "class")]
        if not isinstance(ref, ArchivedClass):
            raise TypedStreamError(f"a class reference points at something else (offset {self.pos})")
        return ref

    def obj(self, depth: int, head: int | None = None) -> ArchivedObject | None:
        h = self.head() if head is None else head
        if h == _TAG_NIL:
            return None
        if h != _TAG_NEW:
            ref = self.objects[self.reference(h, self.objects, "object")]
            if not isinstance(ref, ArchivedObject):
                raise TypedStreamError(f"an object reference points at something else (offset {self.pos})")
            return ref
        if depth > MAX_DEPTH:
            raise TypedStreamError("objects nested too deeply")
        o = ArchivedObject(None)
        self.objects.append(o)
        o.cls = self.klass(depth + 1)
        while True:
            h = self.head()
            if h == _TAG_END:
                return o
            o.groups.append(self.group(depth + 1, h))

    def c_string(self, head: int | None = None) -> bytes | None:
        h = self.head() if head is None else head
        if h == _TAG_NIL:
            return None
        if h == _TAG_NEW:
            s = self.shared_string()
            if s is None:
                raise TypedStreamError(f"a C string is nil (offset {self.pos})")
            self.objects.append(s)
            return s
        ref = self.objects[self.reference(h, self.objects, "C string")]
        if not isinstance(ref, bytes):
            raise TypedStreamError(f"a C string reference points at something else (offset {self.pos})")
        return ref

    def value(self, enc: bytes, depth: int) -> object:
        self.values += 1
        if self.values > MAX_VALUES:
            raise TypedStreamError("the archive holds too many values to be a message body")
        c = enc[:1]
        if c == b"C":
            return self._take(1)[0]
        if c == b"c":
            v = self._take(1)[0]
            return v - 256 if v > 127 else v
        if c in (b"S", b"I", b"L", b"Q"):
            return self.integer(signed=False)
        if c in (b"s", b"i", b"l", b"q"):
            return self.integer(signed=True)
        if c in (b"f", b"d"):
            h = self.head()
            if h != _TAG_FLOAT:
                return float(self.integer(h, signed=True))
            fmt = ("<" if self.little else ">") + ("f" if c == b"f" else "d")
            return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]
        if c == b"*":
            return self.c_string()
        if c in (b"%", b":"):
            return self.shared_string()
        if c == b"+":
            return self.unshared_string()
        if c == b"#":
            return self.klass(depth + 1)
        if c == b"@":
            return self.obj(depth + 1)
        if c == b"!":
            return None
        if c == b"[":
            count, elem = _parse_array(enc)
            if elem in (b"c", b"C"):
                return self._take(count)
            if count > MAX_VALUES:
                raise TypedStreamError("an array too long to be a message body")
            return [self.value(elem, depth + 1) for _ in range(count)]
        if c == b"{":
            return [self.value(e, depth + 1) for e in _split_encodings(_struct_fields(enc))]
        raise TypedStreamError(f"unknown type encoding {enc!r}")

    def group(self, depth: int, head: int | None = None) -> list[object]:
        if depth > MAX_DEPTH:
            raise TypedStreamError("values nested too deeply")
        enc = self.shared_string(head)
        if not enc:
            raise TypedStreamError(f"a value group without a type (offset {self.pos})")
        return [self.value(e, depth) for e in _split_encodings(enc)]


def _parse_array(enc: bytes) -> tuple[int, bytes]:
    if not enc.endswith(b"]"):
        raise TypedStreamError(f"bad array encoding {enc!r}")
    i = 1
    while i < len(enc) and enc[i:i + 1].isdigit():
        i += 1
    if i == 1:
        raise TypedStreamError(f"bad array encoding {enc!r}")
    return int(enc[1:i]), enc[i:-1]


def _struct_fields(enc: bytes) -> bytes:
    if not enc.endswith(b"}"):
        raise TypedStreamError(f"bad struct encoding {enc!r}")
    inner = enc[1:-1]
    eq = inner.find(b"=")
    return inner[eq + 1:] if eq >= 0 else inner


def _split_encodings(enc: bytes) -> list[bytes]:
    """Split ``iI`` into ``i``, ``I``; keeps ``[12c]`` and ``{name=ii}`` whole."""
    out: list[bytes] = []
    i = 0
    while i < len(enc):
        c = enc[i:i + 1]
        if c in (b"[", b"{", b"("):
            close = {b"[": b"]", b"{": b"}", b"(": b")"}[c]
            depth = 0
            j = i
            while j < len(enc):
                ch = enc[j:j + 1]
                if ch == c:
                    depth += 1
                elif ch == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(enc):
                raise TypedStreamError(f"unbalanced type encoding {enc!r}")
            out.append(enc[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return out


def decode(data: bytes) -> list[list[object]]:
    """Every top-level value group of a typedstream, objects decoded into ``ArchivedObject``."""
    r = _Reader(data)
    r.header()
    groups: list[list[object]] = []
    while r.pos < len(data):
        groups.append(r.group(0))
    return groups


def decode_attributed_body(data: bytes) -> AttributedBody:
    """The text and run lengths of an archived (mutable) attributed string.

    Raises ``TypedStreamError`` when the bytes are not a typedstream or its first object is not
    an attributed string holding a string: the caller decides what to do then.
    """
    try:
        groups = decode(data)
    except RecursionError:
        raise TypedStreamError("the archive is nested too deeply") from None
    if not groups or not groups[0] or not isinstance(groups[0][0], ArchivedObject):
        raise TypedStreamError("the archive does not start with an object")
    top = groups[0][0]
    if not top.is_a(_ATTRIBUTED_CLASSES):
        name = top.cls.name.decode("ascii", "replace") if top.cls else "nil"
        raise TypedStreamError(f"the archive holds a {name}, not an attributed string")
    if not top.groups or not top.groups[0] or not isinstance(top.groups[0][0], ArchivedObject):
        raise TypedStreamError("the attributed string holds no string object")
    string_obj = top.groups[0][0]
    if not string_obj.is_a(_STRING_CLASSES):
        raise TypedStreamError("the attributed string's first value is not a string")
    if not string_obj.groups or len(string_obj.groups[0]) != 1 or not isinstance(string_obj.groups[0][0], bytes):
        raise TypedStreamError("the string object holds no text bytes")
    raw = string_obj.groups[0][0]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TypedStreamError(f"the text is not valid UTF-8 ({e.reason} at byte {e.start})") from None
    runs: list[int] = []
    for g in top.groups[1:]:
        if len(g) == 2 and all(isinstance(v, int) for v in g):
            runs.append(int(g[1]))  # type: ignore[call-overload]
    assert top.cls is not None
    return AttributedBody(text, tuple(runs), top.cls.name.decode("ascii", "replace"))


def heuristic_text(data: bytes) -> str | None:
    """The last-resort reading peers use: the bytes after the first ``NSString`` + ``01 2B``.

    Only for blobs the structural decoder refuses; the importer records a Problem whenever it
    has to use this, so the person knows the body was recovered by a weaker method.
    """
    start = data.find(b"NSString")
    if start < 0:
        return None
    i = data.find(b"\x01\x2b", start)
    if i < 0:
        return None
    i += 2
    if i >= len(data):
        return None
    b0 = data[i]
    if b0 == 0x81:
        n, i = int.from_bytes(data[i + 1:i + 3], "little"), i + 3
    elif b0 == 0x82:
        n, i = int.from_bytes(data[i + 1:i + 5], "little"), i + 5
    else:
        n, i = b0, i + 1
    chunk = data[i:i + n]
    if len(chunk) != n:
        return None
    return chunk.decode("utf-8", "replace")


class _Writer:
    """The inverse of ``_Reader`` for the few shapes Messages writes (tests and samples use it)."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x04\x0bstreamtyped\x81\xe8\x03")
        self.strings: list[bytes] = []
        self.objects: list[bytes] = []  # class names and C strings, by position; objects as b""

    def integer(self, v: int) -> None:
        if -128 <= v <= 127 and not (_FIRST_TAG <= v <= _LAST_TAG):
            self.out += (v & 0xFF).to_bytes(1, "little")
        elif -(1 << 15) <= v < (1 << 15):
            self.out += b"\x81" + v.to_bytes(2, "little", signed=True)
        else:
            self.out += b"\x82" + v.to_bytes(4, "little", signed=True)

    def ref(self, index: int) -> None:
        self.integer(index + _FIRST_REF)

    def shared(self, s: bytes) -> None:
        if s in self.strings:
            self.ref(self.strings.index(s))
            return
        self.out += b"\x84"
        self.integer(len(s))
        self.out += s
        self.strings.append(s)

    def klass(self, chain: list[tuple[bytes, int]]) -> None:
        for name, version in chain:
            key = b"class:" + name
            if key in self.objects:
                self.ref(self.objects.index(key))
                return
            self.out += b"\x84"
            self.objects.append(key)
            self.shared(name)
            self.integer(version)
        self.out += b"\x85"

    def begin(self, chain: list[tuple[bytes, int]]) -> None:
        self.out += b"\x84"
        self.objects.append(b"")
        self.klass(chain)

    def end(self) -> None:
        self.out += b"\x86"


def encode_attributed_string(text: str, *, mutable: bool = True) -> bytes:
    """Archive ``text`` the way Messages does: an (NS)(Mutable)AttributedString with one run."""
    w = _Writer()
    raw = text.encode("utf-8", "surrogatepass")
    utf16 = len(text.encode("utf-16-le", "surrogatepass")) // 2
    root = [(b"NSAttributedString", 0), (b"NSObject", 0)]
    string = [(b"NSString", 1), (b"NSObject", 0)]
    if mutable:
        root.insert(0, (b"NSMutableAttributedString", 0))
        string.insert(0, (b"NSMutableString", 1))
    w.shared(b"@")
    w.begin(root)
    w.shared(b"@")
    w.begin(string)
    w.shared(b"+")
    w.integer(len(raw))
    w.out += raw
    w.end()
    if utf16:
        w.shared(b"iI")
        w.integer(1)
        w.integer(utf16)
        w.shared(b"@")
        w.begin([(b"NSDictionary", 0), (b"NSObject", 0)])
        w.shared(b"i")
        w.integer(1)
        w.shared(b"@")
        w.begin([(b"NSString", 1)])
        w.shared(b"+")
        key = b"__kIMMessagePartAttributeName"
        w.integer(len(key))
        w.out += key
        w.end()
        w.shared(b"@")
        w.begin([(b"NSNumber", 0), (b"NSValue", 0), (b"NSObject", 0)])
        w.shared(b"*")
        w.out += b"\x84"
        w.objects.append(b"cstring:i")
        w.shared(b"i")
        w.shared(b"i")
        w.integer(0)
        w.end()
        w.end()
    w.end()
    return bytes(w.out)
