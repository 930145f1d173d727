"""The case: who the person is, who the ex is, and the time zone their devices use.

The case file (``nocontact case load CASE.json``) is an interface advocates' scripts rely on:
its shape is the ``user``/``ex``/``source_timezone`` part of the fixtures' ``expected.json``.
Singular and plural keys are both accepted, so a hand-written file is forgiving.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Case", "CaseError", "Person", "case_from_json", "case_to_json", "split_telegram"]

IDENTITY_FIELDS: tuple[str, ...] = (
    "phones",
    "emails",
    "telegram_ids",
    "telegram_usernames",
    "facebook_names",
    "instagram_names",
    "whatsapp_names",
    "imessage_handles",
    "names",
)


class CaseError(ValueError):
    """A case file that cannot be understood; the message says which key and why."""


@dataclass(frozen=True)
class Person:
    """One person's identities as the user knows them (written as given, normalised on use)."""

    name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    telegram_ids: tuple[str, ...] = ()
    telegram_usernames: tuple[str, ...] = ()
    facebook_names: tuple[str, ...] = ()
    instagram_names: tuple[str, ...] = ()
    whatsapp_names: tuple[str, ...] = ()
    imessage_handles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def display_names(self) -> tuple[str, ...]:
        """Every name this person may appear under in a chat app, the main name first."""
        out: list[str] = []
        for n in (self.name, *self.names, *self.whatsapp_names, *self.facebook_names,
                  *self.instagram_names):
            if n and n not in out:
                out.append(n)
        return tuple(out)

    def without(self, field_name: str, value: str) -> Person:
        """This person without one identity given by mistake (the case keeps every earlier
        version in the journal; events are never changed, only who they are attributed to)."""
        if field_name not in IDENTITY_FIELDS:
            raise CaseError(f"unknown identity kind {field_name!r}; use one of {', '.join(IDENTITY_FIELDS)}")
        cur = tuple(v for v in getattr(self, field_name) if v != value)
        return replace(self, **{field_name: cur})  # type: ignore[arg-type]

    def with_added(self, field_name: str, values: Iterable[str]) -> Person:
        if field_name not in IDENTITY_FIELDS:
            raise CaseError(f"unknown identity kind {field_name!r}; use one of {', '.join(IDENTITY_FIELDS)}")
        cur = list(getattr(self, field_name))
        for v in values:
            v = v.strip()
            if v and v not in cur:
                cur.append(v)
        return replace(self, **{field_name: tuple(cur)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    user: Person = field(default_factory=Person)
    ex: Person = field(default_factory=Person)
    source_timezone: str | None = None
    region: str | None = None

    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.source_timezone) if self.source_timezone else None


def split_telegram(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(ids, usernames) among Telegram identities written by hand.

    The case file's rule (docs/case-file.md): an id is what exports name a sender by
    (``from_id``), a text starting with ``user`` or all digits (then given the prefix); anything
    else (``@casey``) is a username, which exports do not carry next to messages.
    """
    ids: list[str] = []
    users: list[str] = []
    for raw in values:
        t = raw.strip()
        if t.startswith("user") or t.isdigit():
            ids.append(t if t.startswith("user") else f"user{t}")
        elif t:
            users.append(t)
    return ids, users


def _strs(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CaseError(f"{key}: expected a text or a list of texts")


def _person(block: Mapping[str, Any], where: str) -> Person:
    if not isinstance(block, Mapping):
        raise CaseError(f"{where}: expected an object")
    ids = block.get("identifiers", {})
    if not isinstance(ids, Mapping):
        raise CaseError(f"{where}.identifiers: expected an object")
    merged: dict[str, Any] = {**block, **ids}

    def get(*keys: str) -> tuple[str, ...]:
        out: list[str] = []
        for k in keys:
            for v in _strs(merged.get(k), f"{where}.{k}"):
                if v not in out:
                    out.append(v)
        return tuple(out)

    tg_ids = list(get("telegram_from_id", "telegram_from_ids", "telegram_ids"))
    tg_users = list(get("telegram_username", "telegram_usernames"))
    tg_names: list[str] = []
    tg = merged.get("telegram", [])
    if isinstance(tg, Mapping):
        tg = [tg]
    if not isinstance(tg, list):
        raise CaseError(f"{where}.telegram: expected a list of objects")
    for t in tg:
        if isinstance(t, str):
            ids, users = split_telegram([t])
            tg_ids.extend(ids)
            tg_users.extend(users)
            continue
        if not isinstance(t, Mapping):
            raise CaseError(f"{where}.telegram: expected objects with from_id/username")
        if isinstance(t.get("from_id"), str | int):
            tg_ids.append(str(t["from_id"]))
        if isinstance(t.get("username"), str):
            tg_users.append(t["username"])
        if isinstance(t.get("display_name"), str):
            tg_names.append(t["display_name"])
    tg_ids = [t if t.startswith("user") else f"user{t}" for t in tg_ids]
    name = merged.get("name")
    if name is not None and not isinstance(name, str):
        raise CaseError(f"{where}.name: expected a text")
    return Person(
        name=name,
        phones=get("phone", "phones"),
        emails=get("email", "emails"),
        telegram_ids=tuple(dict.fromkeys(tg_ids)),
        telegram_usernames=tuple(dict.fromkeys(tg_users)),
        facebook_names=get("facebook_name", "facebook_names"),
        instagram_names=get("instagram_name", "instagram_names"),
        whatsapp_names=get("whatsapp_name", "whatsapp_names"),
        imessage_handles=get("imessage_handle", "imessage_handles"),
        names=tuple(dict.fromkeys([*get("names"), *tg_names])),
    )


def case_from_json(text: str | bytes) -> Case:
    """Parse a case file. Raises ``CaseError`` with the offending key on any problem."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise CaseError(f"not valid JSON: {e}") from None
    if not isinstance(data, Mapping):
        raise CaseError("expected a JSON object with 'user', 'ex' and 'source_timezone'")
    if "ex" not in data:
        raise CaseError("the case file has no 'ex' block: who should nocontact look for?")
    tz = data.get("source_timezone")
    if tz is not None:
        if not isinstance(tz, str):
            raise CaseError("source_timezone: expected a zone name such as 'America/Los_Angeles'")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CaseError(f"source_timezone: unknown time zone {tz!r} (use a name such as 'Europe/London')") from None
    region = data.get("region")
    if region is not None and not (isinstance(region, str) and len(region) == 2):
        raise CaseError("region: expected a two-letter country code such as 'US' or 'GB'")
    return Case(
        user=_person(data.get("user", {}), "user"),
        ex=_person(data["ex"], "ex"),
        source_timezone=tz,
        region=region.upper() if isinstance(region, str) else None,
    )


def _person_json(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "identifiers": {}}
    for f in IDENTITY_FIELDS:
        v = list(getattr(p, f))
        if v:
            out["identifiers"][f] = v
    return out


def case_to_json(case: Case) -> str:
    """The canonical form stored in the vault; ``case_from_json`` reads it back unchanged."""
    data = {
        "user": _person_json(case.user),
        "ex": _person_json(case.ex),
        "source_timezone": case.source_timezone,
        "region": case.region,
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
