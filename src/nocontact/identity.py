"""Matching identifiers to people: phone numbers, emails, handles and display names.

Normalisation produces a separate matching key; the stored text is never changed. Phone numbers
go through ``phonenumbers`` with a default region, so ``+1 (628) 555-0142`` (with a non-breaking
hyphen), ``0016285550142`` and ``16285550142`` all meet at E.164 ``+16285550142``. Numbers are
never matched on suffixes: +1 800 555 0199 is not +1 415 555 0199.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from nocontact.case import Case, Person
from nocontact.model import Identifier, Record

__all__ = ["Attribution", "ExMatcher", "name_key", "normalise", "normalise_phone"]

_DIAL_JUNK = dict.fromkeys(map(ord, " \t\u00a0\u202f\u2007\u2009()-.\u2010\u2011\u2012\u2013\u2014\u2212/"), None)

#: Characters that show as nothing: direction marks and embeddings (WhatsApp wraps a number in
#: U+202A ... U+202C where text runs right to left, and copying it keeps them), zero-width
#: spaces and joiners' kin, the BOM, variation selectors. They never tell two people apart.
_INVISIBLE = dict.fromkeys([*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF,
                            *range(0xFE00, 0xFE10)], None)
_INVISIBLE.pop(0x200D)  # the zero-width joiner builds emoji (👩‍❤️‍👨) that people put in names


@lru_cache(maxsize=65536)
def name_key(raw: str) -> str:
    """A display name as compared: invisible marks dropped, composed (NFC), spaces collapsed.

    The same person's name can arrive with a direction mark, decomposed accents (iOS) or a
    non-breaking space; what the person types never has them. Case is kept: it is what the
    export and the events list show.
    """
    return " ".join(unicodedata.normalize("NFC", raw.translate(_INVISIBLE)).split())


@lru_cache(maxsize=65536)
def normalise_phone(raw: str, region: str = "US") -> str:
    """E.164 for a dialable number; digits only for short codes and what cannot be parsed.

    Cached: an export names the same few numbers on every message, and ``phonenumbers.parse``
    was a fifth of an SMS import's time.
    """
    s = raw.translate(_INVISIBLE).strip().translate(_DIAL_JUNK)
    if not s:
        return ""
    if s.startswith("00"):
        s = "+" + s[2:]
    try:
        num = phonenumbers.parse(s, None if s.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in s if ch.isdigit() or ch == "+")
    if phonenumbers.is_possible_number(num):
        return str(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))
    return "".join(ch for ch in s if ch.isdigit() or ch == "+")


def normalise(ident: Identifier, region: str = "US") -> str:
    """The matching key of an identifier, in the conventions the events export uses.

    Phones: E.164. Emails: lower-cased. Telegram: ``user<id>``. Names and handles: as written
    (a handle that looks like a phone number or email is treated as one).
    """
    v = ident.value
    if ident.kind == "withheld":
        return ""
    if ident.kind == "party":
        return f"party:{v}"
    if ident.kind == "phone":
        return normalise_phone(v, region)
    if ident.kind == "email":
        return v.strip().lower()
    if ident.kind == "telegram":
        v = v.strip()
        return f"user{v}" if v.isdigit() else v
    if ident.kind == "handle":
        v = v.strip()
        if "@" in v:
            return v.lower()
        if any(ch.isdigit() for ch in v) and not any(ch.isalpha() for ch in v):
            return normalise_phone(v, region)
        return v
    return name_key(v)


@lru_cache(maxsize=65536)
def _cached_normalise(ident: Identifier, region: str) -> str:
    return normalise(ident, region)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Whether a record is the ex's, and under which normalised identifier."""

    is_ex: bool
    identifier: str | None


class ExMatcher:
    """Decides, from the case alone, which records are the ex's.

    A record is the ex's when one of the ex's identifiers sent it, or when the user sent it into
    a one-to-one conversation whose other party is one of them. Sharing a group or being in Cc
    is not enough. Derived on every read, so new identities re-attribute old imports.
    """

    def __init__(self, case: Case) -> None:
        self.region = case.region or "US"
        self._ex = case.ex
        self.keys = self._keys(case.ex)
        self.user_keys = self._keys(case.user)

    def _keys(self, p: Person) -> frozenset[str]:
        keys: set[str] = set()
        for ph in p.phones:
            keys.add(normalise_phone(ph, self.region))
        for em in p.emails:
            keys.add(em.strip().lower())
        for t in p.telegram_ids:
            keys.add(t if t.startswith("user") else f"user{t}")
        for h in p.imessage_handles:
            keys.add(normalise(Identifier("handle", h), self.region))
        for n in p.display_names():
            keys.add(name_key(n))
        keys.discard("")
        if p is self._ex:
            keys.add("party:ex")
        return frozenset(keys)

    def key(self, ident: Identifier | None) -> str | None:
        if ident is None:
            return None
        k = _cached_normalise(ident, self.region)
        return k or None

    def attribute(self, rec: Record) -> Attribution:
        return self.attribute_parts(rec.direction, rec.is_group, rec.sender, rec.peers)

    def attribute_parts(self, direction: str, is_group: bool, sender: Identifier | None,
                        peers: tuple[Identifier, ...] | Callable[[], tuple[Identifier, ...]]) -> Attribution:
        """``attribute`` from the fields it reads; ``peers`` may be a function, called only when needed
        (reading a stored event's peers costs a JSON parse that incoming messages never need)."""
        if direction in _OWN_DIRECTIONS:
            if is_group:
                return Attribution(False, None)
            ps = peers() if callable(peers) else peers
            if len(ps) != 1:
                return Attribution(False, None)
            k = self.key(ps[0])
            return Attribution(k in self.keys, k) if k else Attribution(False, None)
        k = self.key(sender)
        if k is None:
            return Attribution(False, None)
        return Attribution(k in self.keys, k)


#: Directions in which the user wrote: the other party is the conversation's one peer.
_OWN_DIRECTIONS = frozenset({"outgoing", "draft", "failed"})
