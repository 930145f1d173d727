"""Unlock (passphrase, recovery key or a helper's passphrase), lock, quick exit, the neutral page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nocontact.pillars import ensure_pillars
from nocontact.support import open_as_helper
from nocontact.vault.store import NotAVault, Vault, VaultError
from nocontact.web.pages import config_of, form, redirect, render, session_of

__all__ = ["ROUTES"]


async def unlock_page(request: Request) -> Response:
    s = session_of(request)
    if s.unlocked:
        return redirect(request, "/")
    note = None
    if s.locked_for_idle:
        note = "The vault locked itself after a while without use. Unlock it again to continue."
        s.locked_for_idle = False
    elif request.query_params.get("locked"):
        note = "The vault is locked."
    return render(request, "unlock.html", note=note, error=None)


#: Seconds an app write waits for another writer before saying the vault is busy.
APP_LOCK_WAIT_S = 5.0


async def unlock(request: Request) -> Response:
    s = session_of(request)
    f = await form(request)
    root = config_of(request).vault_root
    secret = f.get("passphrase", "")
    use_recovery = f.get("method") == "recovery"
    error = None
    try:
        if use_recovery:
            vault = Vault.open(root, recovery_key=secret)
            helper = None
        else:
            try:
                vault = Vault.open(root, secret)
                helper = None
            except NotAVault:
                raise
            except VaultError:
                vault, helper = open_as_helper(root, secret)
    except NotAVault as e:
        error = str(e)
    except VaultError:
        error = ("That did not open the vault. Check the passphrase (capitals, spaces) and try again. "
                 "Nothing was changed.")
    if error is not None:
        return render(request, "unlock.html", status=401, note=None, error=error)
    # A write that waits for another nocontact holds up every page, quick exit included: wait
    # briefly, then say the vault is busy (the CLI waits a minute).
    vault.default_lock_wait = APP_LOCK_WAIT_S
    with s.lock:
        s.close_vault()
        s.vault = vault
        s.helper = helper
        s.locked_for_idle = False
    ensure_pillars(vault)
    if helper is None:  # start counting now, so Home has its figures by the time it is read
        s.derived.get(vault, config_of(request).today())
    return redirect(request, "/helper" if helper else "/")


async def lock(request: Request) -> Response:
    s = session_of(request)
    f = await form(request)
    s.close_vault()
    return redirect(request, "/neutral" if f.get("exit") else "/unlock?locked=1")


async def neutral(request: Request) -> Response:
    return render(request, "neutral.html")


ROUTES = [
    Route("/unlock", unlock_page, methods=["GET"]),
    Route("/unlock", unlock, methods=["POST"]),
    Route("/lock", lock, methods=["POST"]),
    Route("/neutral", neutral, methods=["GET"]),
]
