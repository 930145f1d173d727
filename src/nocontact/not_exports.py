"""Files people give nocontact that are not exports it reads, each with what to do instead.

Telegram Desktop and Facebook/Instagram offer HTML as their first export format, and a
frightened person who picked it (or a phone backup instead of an export) would otherwise be told
only "not an export nocontact can read" for every file. The reason is the one place to tell them
what to choose next time, so each one names the setting to change. Recognition is by name and
the file's first bytes only: these files are never parsed, so a wrong guess costs a wrong hint,
never a wrong record.

Telegram's HTML is not read as messages, though it may be all a person has: the offset after each
time is asked of Qt as the zone's *standard-time* offset (``export_output_html.cpp`` and
``export_data_types.cpp`` in tdesktop), so a summer message may be labelled an hour off, and
older versions write no offset at all; it has no edit marks; and its senders are display names,
so a later JSON export of the same chat could not be recognised as the same messages and each
would count twice. Keeping the pages whole (``nocontact attach``) keeps them as evidence.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

__all__ = ["DOCUMENT", "FACEBOOK_HTML", "IPHONE_BACKUP", "IPHONE_BACKUP_ENCRYPTED", "OTHER_APP", "SIGNAL_BACKUP",
           "TELEGRAM_HTML", "WHATSAPP_BACKUP", "WHATSAPP_DATABASE", "advice_for"]

TELEGRAM_HTML = (
    "Telegram's export in HTML (\"Human-readable HTML\"); nocontact reads Telegram's JSON export. "
    "In Telegram Desktop, export again and choose Format: \"Machine-readable JSON\" (Settings > Advanced > "
    "Export Telegram data, or in the chat, the ... menu > Export chat history), then import the new folder; "
    "it holds result.json. If messages were deleted after this export was made, keep it too: zip its folder "
    "and add the zip with 'nocontact attach' (in the app, as the file of an incident), which stores it byte "
    "for byte")
FACEBOOK_HTML = (
    "the HTML version of a Facebook or Instagram download; nocontact reads the JSON version. Ask for your "
    "information again (Accounts Center > Your information and permissions > Download your information), "
    "choose Format: JSON, include Messages, and import that download")
WHATSAPP_BACKUP = (
    "WhatsApp's encrypted backup: only WhatsApp itself can open it. Use Export chat instead (open the chat, "
    "then the menu > More > Export chat) and import the file it makes")
WHATSAPP_DATABASE = (
    "WhatsApp's own message database from a phone, not an export; nocontact reads chats saved with "
    "Export chat (open the chat, then the menu > More > Export chat)")
SIGNAL_BACKUP = (
    "Signal's encrypted backup: nocontact cannot open it. Signal has no export of its own; take screenshots of "
    "the messages and add them with 'nocontact attach' or Log an incident in the app (see the README, Signal)")
IPHONE_BACKUP = (
    "part of an iPhone backup, not an export itself. When the backup is not encrypted, nocontact reads the "
    "Messages database in it (the file named 3d0d7e5fb2ce288813306e4d4636395e047a3d28) when you import the "
    "whole backup folder")
IPHONE_BACKUP_ENCRYPTED = (
    "the Messages database of an encrypted iPhone backup: nocontact cannot open it. On a Mac signed in to "
    "the same Apple account with Messages in iCloud turned on, import ~/Library/Messages/chat.db instead")
DOCUMENT = (
    "a document, not an export. To keep it as evidence, add it with 'nocontact attach' or to an incident "
    "(Log an incident in the app); it is stored byte for byte")

#: Apps whose downloads hold messages nocontact does not read yet: (app, test on the file's name
#: and folders). Said plainly, with how to keep the file as evidence meanwhile.
OTHER_APP = ("{app}'s download: nocontact cannot read its messages yet. Keep the file as evidence with "
             "'nocontact attach' (in the app, as the file of an incident; it is stored byte for byte), and take "
             "screenshots of the messages that matter")
_OTHER_APPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (app, file name, a folder it sits in)
    ("Snapchat", "chat_history.json", ("json",)),
    ("Snapchat", "chat_history.html", ("html",)),
    ("X (Twitter)", "direct-messages.js", ("data",)),
    ("X (Twitter)", "direct-messages-group.js", ("data",)),
    ("Google Chat", "messages.json", ("google chat",)),
    ("Discord", "messages.json", ("messages",)),
    ("Discord", "messages.csv", ("messages",)),
)

_SQLITE = b"SQLite format 3\x00"
_TELEGRAM_MARKS = (b"<title>Exported Data</title>", b'class="page_wrap"')
_FACEBOOK_MESSAGE_HTML = re.compile(r"message_\d+\.html?", re.IGNORECASE)
_WHATSAPP_CRYPT = re.compile(r".+\.db\.crypt\d*", re.IGNORECASE)
_SIGNAL_BACKUP = re.compile(r"signal-[\d-]+\.backup", re.IGNORECASE)
_IPHONE_SMS_DB = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
_IPHONE_MANIFEST = {"manifest.db", "manifest.plist", "manifest.mbdb"}
_DOCUMENTS = (".pdf", ".doc", ".docx", ".odt", ".rtf", ".pages")


def _folders(display: str) -> list[str]:
    """The folder names in a file's place, lower-cased, across a zip's ``!/`` and either slash."""
    return [p.lower() for p in PurePosixPath(display.replace("\\", "/").replace("!/", "/")).parts[:-1]]


def advice_for(display: str, name: str, head: bytes) -> str | None:
    """Why this file is not read and what to do instead, when it is a file people often give by mistake.

    ``display`` is where the file is (a path, or ``download.zip!/member``), ``name`` its own name,
    ``head`` its first bytes. ``None`` means nothing specific is known about it.
    """
    low = name.lower()
    folders = _folders(display)
    for app, file_name, places in _OTHER_APPS:
        if low == file_name and any(place in folders for place in places):
            return OTHER_APP.format(app=app)
    if low.endswith((".html", ".htm")):
        if any(mark in head for mark in _TELEGRAM_MARKS):
            return TELEGRAM_HTML
        if _FACEBOOK_MESSAGE_HTML.fullmatch(low) and "messages" in folders:
            return FACEBOOK_HTML
        return None
    if _WHATSAPP_CRYPT.fullmatch(low):
        return WHATSAPP_BACKUP
    if low == "msgstore.db" and head.startswith(_SQLITE):
        return WHATSAPP_DATABASE
    if _SIGNAL_BACKUP.fullmatch(low):
        return SIGNAL_BACKUP
    if low in _IPHONE_MANIFEST:
        return IPHONE_BACKUP
    if low == _IPHONE_SMS_DB and not head.startswith(_SQLITE):
        return IPHONE_BACKUP_ENCRYPTED
    if low.endswith(_DOCUMENTS):
        return DOCUMENT
    return None
