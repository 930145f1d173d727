"""The typed records that flow from importers to the vault.

Importers know formats, not people: they say who sent a record and who else was in the
conversation, exactly as the source wrote it. Whether that person is the ex is decided later
(`nocontact.identity`), so adding an identity re-attributes old imports without touching them.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "CATEGORIES",
    "RECORD_CATEGORIES",
    "DIRECTIONS",
    "AttachmentRef",
    "Category",
    "Direction",
    "Identifier",
    "IdentifierKind",
    "Problem",
    "Record",
    "format_utc",
]

#: message and call are contact records (what exports are counted in); reaction (a tapback) and
#: system (a chat notice such as "You blocked this contact") are kept as events but never counted
#: as records; incident and attachment come from the person's own entries.
Category = Literal["message", "call", "reaction", "system", "incident", "attachment"]
CATEGORIES: tuple[str, ...] = ("message", "call", "reaction", "system", "incident", "attachment")
RECORD_CATEGORIES: tuple[str, ...] = ("message", "call")

#: incoming/outgoing as the person sees them; draft = never sent; failed = send failed.
#: For calls, the convention is outgoing for placed calls and incoming for every other type
#: (missed, rejected, blocked ... are kept in ``call_type``).
Direction = Literal["incoming", "outgoing", "draft", "failed", "unknown"]
DIRECTIONS: tuple[str, ...] = ("incoming", "outgoing", "draft", "failed", "unknown")

#: ``party`` is used for the person's own entries: ``Identifier("party", "ex")``.
IdentifierKind = Literal["phone", "email", "telegram", "name", "handle", "withheld", "party"]


@dataclass(frozen=True, slots=True)
class Identifier:
    """One way a person appears in a source, as the source wrote it (never normalised here)."""

    kind: IdentifierKind
    value: str


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A file that came with a record.

    Exactly one of ``data`` (bytes decoded from the source), ``base64`` (the source's base64
    text, decoded only if the record is kept: most MMS photos in a backup are other people's) or
    ``related`` (a path relative to the import root, e.g. a photo beside a Messenger JSON) is set
    when the file is included; ``included`` is False for placeholders such as ``<Media omitted>``.
    A file the export names by a path but that was not there has ``included`` False and
    ``related`` set to where it was looked for: importing the export again where the file is
    adds it beside its event (``nocontact.vault.importing``).
    """

    name: str
    mime: str | None = None
    data: bytes | None = None
    related: str | None = None
    included: bool = True
    base64: str | None = None

    def content(self) -> bytes | None:
        """The file's bytes when the record carries them (``data``, or ``base64`` decoded).

        Raises ``binascii.Error`` for base64 that cannot be decoded.
        """
        if self.data is not None:
            return self.data
        if self.base64 is not None:
            return binascii.a2b_base64(self.base64)
        return None


@dataclass(frozen=True, slots=True)
class Record:
    """One message or call read from a source, exactly as the source holds it.

    ``source_id`` is the record's position in its source in the sense the format's ``id_meaning``
    defines (element index, line number, ROWID, Message-ID ...). ``utc`` is timezone-aware UTC;
    ``raw_time`` is the source's own text for that time, ``time_zone`` the zone used to read it
    and ``time_basis`` how that zone was chosen, so a court can follow the conversion.
    """

    source_id: str
    kind: str
    category: Category
    utc: datetime
    raw_time: str
    time_zone: str
    time_basis: str
    direction: Direction
    sender: Identifier | None = None
    peers: tuple[Identifier, ...] = ()
    is_group: bool = False
    conversation: str | None = None
    body: str | None = None
    subject: str | None = None
    duration_s: int | None = None
    call_type: int | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    natural_key: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    #: What the dedupe digest reads in place of ``body`` (from dedupe form 4) when the source
    #: writes one message differently in its variants: WhatsApp's media placeholder is
    #: "IMG-….jpg (file attached)" (with a caption after it) in an export with media and
    #: "<Media omitted>" without, so a media message is ``("media",)``. ``body`` keeps the text.
    digest_body: tuple[str, ...] | None = None

    def content_digest(self, fmt: str, utc_text: str | None = None, *, variants: bool = False) -> bytes:
        """A digest of what the record says, independent of where in which file it stood.

        Used for deduplication across overlapping exports. A format with a globally unique id
        (Message-ID, iMessage guid) sets ``natural_key`` and that id alone decides. The parts are
        JSON-encoded as a list, which keeps the encoding unambiguous. With ``variants`` (dedupe
        form 4) a ``digest_body`` takes the body's place as a JSON list, which no text can equal.
        """
        if self.natural_key is not None:
            parts: list[object] = [fmt, "natural", self.natural_key]
            return _sha256(_compact(parts).encode("utf-8", "surrogatepass")).digest()
        peers = sorted(_ident(p) for p in self.peers)
        variant = variants and self.digest_body is not None
        try:
            # ``_compact`` of the list below, written out: this runs once per record of every import.
            body = _compact(list(self.digest_body)) if variant and self.digest_body else _enc_opt(self.body)
            text = ("[" + _enc(fmt) + "," + _enc(self.kind) + "," + _enc(utc_text or format_utc(self.utc)) + ","
                    + _enc(self.direction) + "," + _enc(_ident(self.sender)) + ",["
                    + ",".join([_enc(p) for p in peers]) + "]," + body + "," + _enc_opt(self.subject)
                    + "," + _int_opt(self.duration_s) + "," + _int_opt(self.call_type) + "]")
        except TypeError:  # a field of an unexpected type: the general encoder decides
            text = _compact([fmt, self.kind, utc_text or format_utc(self.utc), self.direction, _ident(self.sender),
                             peers, list(self.digest_body) if variant and self.digest_body else self.body,
                             self.subject, self.duration_s, self.call_type])
        return _sha256(text.encode("utf-8", "surrogatepass")).digest()


_sha256 = hashlib.sha256
_enc = json.encoder.encode_basestring  # the encoder's own string escaping (ensure_ascii=False)


def _compact(parts: list[object]) -> str:
    """The digest's encoding: compact JSON, text as written (docs/vault-format.md, "Dedupe key")."""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def _enc_opt(v: str | None) -> str:
    if v is None:
        return "null"
    return _enc(v)


def _int_opt(v: int | None) -> str:
    if v is None:
        return "null"
    if type(v) is not int:
        raise TypeError(v)
    return int.__repr__(v)


def _ident(i: Identifier | None) -> str:
    return "" if i is None else f"{i.kind}:{i.value}"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a source that could not be read as a record.

    Importers yield these instead of raising, so one bad row never ends an import; the caller
    decides whether a problem aborts the import (the default for structural damage) or is
    counted. ``fatal`` marks damage after which nothing more can be read (truncation).
    """

    kind: str
    position: str
    message: str
    excerpt: str = ""
    fatal: bool = False


def format_utc(dt: datetime) -> str:
    """ISO-8601 UTC floored to milliseconds with a ``Z``: the one way times are written out."""
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
