"""Who is who: the person's own names and numbers, the ex's identities, and the time zone.

Imports keep only what is from or to the ex, and chat apps name people only by the names a phone
or an app shows, so without this page a person using only the app could import nothing of use.
Each change saves a new case version (journalled); events already in the vault are re-attributed
at once, and "Read my exports again" picks up messages that were skipped before.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.blobsource import reimport_stored
from nocontact.case import Case, Person, split_telegram
from nocontact.ingest import context_for_vault
from nocontact.summary_rows import not_theirs, summary_rows
from nocontact.vault.events import current_case, save_case
from nocontact.vault.importing import ImportSummary
from nocontact.vault.store import Vault
from nocontact.web.background import off_the_loop
from nocontact.web.pages import Refused, form, redirect, render, session_of, vault_of, writable_vault

__all__ = ["KINDS", "ROUTES"]

#: (form value, label, Person field); "telegram" is split into ids and usernames as the case file does.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("names", "A name (as it shows in a chat)", "names"),
    ("phones", "A phone number", "phones"),
    ("emails", "An e-mail address", "emails"),
    ("whatsapp_names", "Their name in a WhatsApp chat export", "whatsapp_names"),
    ("facebook_names", "Their name in Messenger", "facebook_names"),
    ("instagram_names", "Their name in Instagram", "instagram_names"),
    ("telegram", "Telegram: from_id (user123456789) or @username", "telegram_ids"),
    ("imessage_handles", "iMessage: phone number or Apple ID e-mail", "imessage_handles"),
)
_FIELDS = {value: field for value, _label, field in KINDS}
_SHOWN = (("name", "Main name"), ("names", "Other names"), ("phones", "Phone numbers"), ("emails", "E-mail"),
          ("whatsapp_names", "WhatsApp"), ("facebook_names", "Messenger"), ("instagram_names", "Instagram"),
          ("telegram_ids", "Telegram ids"), ("telegram_usernames", "Telegram usernames"),
          ("imessage_handles", "iMessage"))
_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def _rows(p: Person) -> list[tuple[str, str, list[str]]]:
    """(label, field, values) of each kind of identity the person has."""
    out: list[tuple[str, str, list[str]]] = []
    for field, label in _SHOWN:
        value = getattr(p, field)
        values = [value] if isinstance(value, str) else list(value or ())
        if values:
            out.append((label, field, values))
    return out


async def people(request: Request) -> Response:
    case = current_case(vault_of(request))
    return render(request, "people.html", me=_rows(case.user), them=_rows(case.ex), kinds=KINDS,
                  zone=case.source_timezone, zones=_ZONES, saved=request.query_params.get("saved"),
                  results=None, result_rows=None, failed=None)


def _added(person: Person, kind: str, value: str) -> Person:
    value = value.strip()
    if kind not in _FIELDS or not value:
        raise Refused("Choose what it is and type it in.")
    if len(value) > 500:
        raise Refused("That is longer than any name, number or address: nothing was saved.")
    if kind == "telegram":
        ids, usernames = split_telegram([value])
        return person.with_added("telegram_ids", ids).with_added("telegram_usernames", usernames)
    if kind == "names" and not person.name:
        return replace(person, name=value)
    return person.with_added(_FIELDS[kind], [value])


async def add(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    who = f.get("who", "")
    if who not in ("me", "them"):
        raise Refused("Choose whether this is you or them.")
    case = current_case(v)
    if who == "me":
        case = replace(case, user=_added(case.user, f.get("kind", ""), f.get("value", "")))
    else:
        case = replace(case, ex=_added(case.ex, f.get("kind", ""), f.get("value", "")))
    save_case(v, case)
    if who == "them" and f.get("then") == "again":  # "This is them" beside an import that found no one of theirs
        return await _read_again(request)
    return redirect(request, f"/documentation/people?saved={who}")


async def remove(request: Request) -> Response:
    """Take back an identity given by mistake: a friend's number among theirs would count the
    friend's messages as theirs in every report."""
    f = await form(request)
    v = writable_vault(request)
    who, field, value = f.get("who", ""), f.get("field", ""), f.get("value", "")
    if who not in ("me", "them") or field not in {name for name, _label in _SHOWN} or field == "name":
        raise Refused("That cannot be removed here.")
    case = current_case(v)
    if who == "me":
        case = replace(case, user=case.user.without(field, value))
    else:
        case = replace(case, ex=case.ex.without(field, value))
    save_case(v, case)
    return redirect(request, f"/documentation/people?saved={who}")


async def timezone(request: Request) -> Response:
    f = await form(request)
    v = writable_vault(request)
    zone = f.get("zone", "").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused("Choose the time zone your phone uses from the list.") from None
    case: Case = current_case(v)
    save_case(v, replace(case, source_timezone=zone))
    return redirect(request, "/documentation/people?saved=zone")


async def again(request: Request) -> Response:
    await form(request)
    return await _read_again(request)


async def _read_again(request: Request) -> Response:
    v = writable_vault(request)
    ctx = context_for_vault(v)
    s = session_of(request)

    def read(h: Vault) -> list[ImportSummary | tuple[str, str]]:
        out: list[ImportSummary | tuple[str, str]] = []
        for item in reimport_stored(h, ctx):  # minutes, for many exports: the page shows how far
            out.append(item)
            s.progress = f"{len(out):,} export(s) read again so far"
        return out

    outcome = await off_the_loop(v, read, s, "reading your exports again")
    if session_of(request).vault is not v:  # locked meanwhile: the reading finished all the same
        return redirect(request, "/unlock")
    results = [item for item in outcome if isinstance(item, ImportSummary)]
    failed = [item for item in outcome if not isinstance(item, ImportSummary)]
    case = current_case(v)
    return render(request, "people.html", me=_rows(case.user), them=_rows(case.ex), kinds=KINDS,
                  zone=case.source_timezone, zones=_ZONES, saved=None, results=results,
                  result_rows=summary_rows(results), not_theirs=not_theirs(results), failed=failed)


ROUTES = [
    Route("/documentation/people", people, methods=["GET"]),
    Route("/documentation/people/add", add, methods=["POST"]),
    Route("/documentation/people/remove", remove, methods=["POST"]),
    Route("/documentation/people/timezone", timezone, methods=["POST"]),
    Route("/documentation/people/again", again, methods=["POST"]),
]
