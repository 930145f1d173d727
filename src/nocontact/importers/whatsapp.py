"""WhatsApp "Export chat": Android ``.txt`` and iOS ``.zip`` (``_chat.txt`` plus media).

Exporting app: WhatsApp Messenger for Android and iOS, menu *More > Export chat* (with or
without media). There is no published field reference; the facts used here are in the
project's ``FORMATS.md`` section 2, gathered from peer parsers and their issue trackers
(whatstk: https://github.com/lucasrodes/whatstk, whatsapp-chat-parser:
https://github.com/Pustur/whatsapp-chat-parser, chat-miner), and cover exports written
from about 2018 (app 2.18) to 2025. Localised notice and placeholder texts beyond English are
best-effort [U]; each table below is data and easy to extend.

Why the tricky parts are done as they are:

* **Layouts.** The header follows the phone locale and the file says nothing about it, so the
  layout and the day/month order are detected from the whole file in a first streaming pass
  (:mod:`nocontact.importers._whatsapp_layout`); an undecidable order raises
  ``DateOrderNeeded`` unless ``ctx.date_order`` says, never a silent guess.
* **Anchored headers.** Only a line that *starts* with a header in the file's own layout starts a
  message. A continuation line that starts with a date, a pasted header of another layout and a
  quoted header in the middle of a line stay text of the message they belong to.
* **Exact bodies.** A body is the message's lines joined with ``\\n`` exactly as in the file,
  minus the header (and ``Name: ``). Lines are split on LF only (never ``str.splitlines``, which
  would split on U+2028 and others). iOS ends every message with CRLF but writes bare LF inside
  a message: the one CR that ends the message's last line is the message terminator and is not
  part of the body; any other CR is kept. U+200E marks are kept in bodies.
* **System notices** (encryption notice, blocks, group changes, in several languages) are
  records of category ``system`` with ``extra`` ``notice_basis``: a line without ``Name: `` (no
  author); a line WhatsApp marked with U+200E *before the header* (iOS marks notices and media
  so; a sender cannot put a mark there) that is not media, a deletion or a call; or a line with
  an author whose whole text is a known notice (since 2024 notices carry an author, e.g. the
  encryption notice labelled with the other person's name). A message that merely starts like
  a notice stays a message: the ex must not be able to hide a message by typing notice text.
* **Missed calls** (``Missed voice call``, localised) are records of category ``call``
  (``call_type`` 3 when incoming, 2 when the user placed it), like missed calls in call logs.
* **Media placeholders** (``<Media omitted>``, ``IMG-... (file attached)``, ``<attached: ...>``,
  ``image omitted``, localised) become ``AttachmentRef(included=False)``, or carry the bytes when
  the zip (or the folder, for a bare ``.txt``) holds the named file. Their ``digest_body`` is
  ``("media",)``, so a chat exported with its media and again without is one set of events
  (dedupe form 4); media messages of one minute from one sender are told apart by their order.
  ``This message was deleted`` and the ``<This message was edited>`` suffix stay in the body as
  written and set ``extra`` flags ``deleted``/``edited``.
* **Times** are naive wall-clock times read in ``ctx.source_timezone`` (SourceError when it is
  not set). Android headers have minute precision and stay at the minute. A wall time that
  happened twice (the hour the clocks go back) is the second one when the first would step back
  from the message before it, else the first; ``extra`` ``repeated_local_time`` says which.
* **Speed without loss.** Exports reach a million messages, so neither pass loops over lines in
  Python: the file is decoded in 1 MiB pieces (a character cut by a piece boundary is completed,
  a line longer than a piece is joined once) and each piece is split at the LFs followed by a
  header of the file's own layout by one regex call (:func:`~nocontact.importers._whatsapp_layout.scan`).
  A body is the text between two headers, so nothing between them can be dropped; line numbers
  come from counting LFs. Times are cached by their date text and clock text. The per-message
  work left is classification and building the :class:`Record`.
* **Ids.** ``source_id`` is the 1-based line number (lines split on LF) of the message's first
  line, in the chat text (``_chat.txt`` for a zip).
* **Who.** Authors are names as saved on the exporting phone (``Identifier("name", ...)``), or a
  phone number for an unsaved contact (``Identifier("phone", ...)``). A message is outgoing when
  its author is one of the user's names or phones. A chat is a group when it has more than two
  authors or group notices; otherwise its other party is the chat title from the file name
  ("WhatsApp Chat with X", without a " (1)" or " - Copy" that saving the file twice added, when
  what remains is an author's or the ex's name) or the one author who is not the user. In a
  chat of two authors of which the case names neither as the user (WhatsApp wrote their profile
  name), the author who is not the other party (the title, or the ex by the case) is the user,
  and ``extra`` says so (``direction_basis``, :data:`BY_PEER`).
"""

from __future__ import annotations

import codecs
import io
import mimetypes
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal
from zoneinfo import ZoneInfo

from nocontact.identity import name_key, normalise_phone
from nocontact.importers._local_time import REPEATED_KEY, read_local
from nocontact.importers._whatsapp_layout import (
    GENERIC_HEADER,
    MAX_DATE_CHANGES,
    Detected,
    HeaderParser,
    Layout,
    Survey,
    decide_order,
    iter_regions,
    layout_of,
    scan,
)
from nocontact.importers.base import ImportContext, Match, SourceError
from nocontact.model import AttachmentRef, Identifier, Problem, Record
from nocontact.sources import Archive, ArchiveError, Source, ZipMemberSource, is_zip, zip_members

__all__ = [
    "BY_PEER",
    "IMPORTERS",
    "WhatsAppTxtImporter",
    "WhatsAppZipImporter",
    "chat_title",
    "classify",
]

LRM = "\u200e"
KIND = "whatsapp"

# --- data tables: notices, media placeholders, deletions, calls (several languages) -------------

#: Texts of notices WhatsApp writes, as regular expressions that must match the WHOLE text after
#: "Name: " for a line with an author and no U+200E mark to be a notice (the ex can type anything,
#: so a message that merely starts like a notice stays a message). English texts are exact;
#: localised ones are the notice's first sentence followed by anything on the same line [U].
NOTICES: tuple[str, ...] = (
    # end-to-end encryption
    r"Messages and calls are end-to-end encrypted\. No one outside of this chat, not even WhatsApp, "
    r"can read or listen to them\.(?: Tap to learn more\.)?",
    r"Messages to this (?:group|chat) are now secured with end-to-end encryption\. Tap for more info\.",
    r"Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt\.[^\n]*",
    r"Los mensajes y las llamadas están cifrados de extremo a extremo\.[^\n]*",
    r"Les messages et les appels sont chiffrés de bout en bout\.[^\n]*",
    r"I messaggi e le chiamate sono crittografati end-to-end\.[^\n]*",
    r"As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta\.[^\n]*",
    r"As mensagens e ligações são protegidas com criptografia de ponta a ponta\.[^\n]*",
    r"Berichten en oproepen worden end-to-end versleuteld\.[^\n]*",
    r"Сообщения и звонки защищены сквозным шифрованием\.[^\n]*",
    r"Mesajlar ve aramalar uçtan uca şifrelidir\.[^\n]*",
    r"Viestit ja puhelut ovat päästä päähän salattuja\.[^\n]*",
    r"Zprávy a hovory jsou koncově šifrované\.[^\n]*",
    r"Správy a hovory sú chránené end-to-end šifrovaním\.[^\n]*",
    r"メッセージと通話はエンドツーエンド暗号化されています。[^\n]*",
    # blocking
    r"You blocked this contact\. Tap to unblock\.",
    r"You unblocked this contact\.",
    r"Du hast diesen Kontakt (?:blockiert|freigegeben)\.[^\n]*",
    r"(?:Bloqueaste|Desbloqueaste) a este contacto\.[^\n]*",
    r"Vous avez (?:bloqué|débloqué) ce contact\.[^\n]*",
    r"Hai (?:bloccato|sbloccato) questo contatto\.[^\n]*",
    r"Você (?:bloqueou|desbloqueou) (?:esse|este) contato\.[^\n]*",
    r"Je hebt deze contactpersoon (?:geblokkeerd|gedeblokkeerd)\.[^\n]*",
    # security code, disappearing messages, business chats
    r"Your security code with [^\n]{1,200} changed\. Tap to learn more\.",
    r"Dein Sicherheitscode für [^\n]{1,200} hat sich geändert\.[^\n]*",
    r"Tu código de seguridad con [^\n]{1,200} cambió\.[^\n]*",
    r"Votre code de sécurité avec [^\n]{1,200} a changé\.[^\n]*",
    r"This chat is with a business account\. Tap for more info\.",
)

#: Group notices (also make the chat a group): "X created group", "X added Y", "X left" ...
GROUP_NOTICES: tuple[str, ...] = (
    r".*\bcreated group\b",
    r".*\bcreated this group\b",
    r".* added .+",
    r".* removed .+",
    r".* left$",
    r".* joined using this group's invite link",
    r".* changed the (?:subject|group description|group name)\b",
    r".* changed (?:this group's|the group) (?:icon|settings)",
    r".* deleted this group's icon",
    r".* is now an admin\b",
    r"You're now an admin\b",
    r"You were added\b",
    r".* hat die Gruppe .* erstellt",
    r".* hat .* hinzugefügt",
    r".* hat .* entfernt",
    r".* hat die Gruppe verlassen",
    r".* creó el grupo",
    r".* añadió a .+",
    r".* eliminó a .+",
    r".* salió del grupo",
    r".* a créé le groupe",
    r".* a ajouté .+",
    r".* a retiré .+",
    r".* est parti",
    r".* ha creato il gruppo",
    r".* ha aggiunto .+",
    r".* ha rimosso .+",
    r".* criou o grupo",
    r".* adicionou .+",
    r".* removeu .+",
    r".* saiu$",
    r".* heeft groep .* aangemaakt",
    r".* heeft .* toegevoegd",
    r".* создал\(а\) группу",
)

_NOTICE_RE = re.compile("(?:" + "|".join(f"(?:{p})" for p in NOTICES) + ")\r?")
_GROUP_NOTICE_RE = re.compile("|".join(f"(?:{p})" for p in GROUP_NOTICES))

#: Phrases that betray a notice in what looks like an author: only notices quoting the
#: members' own text (a subject, a description) can hold a ": ", e.g.
#: ``X changed the subject from "a: b" to "c"``.
_NOTICE_IN_AUTHOR = re.compile(
    r" (?:changed the (?:subject|group name|group description)|created group|"
    r"hat (?:den Betreff|die Gruppe|den Gruppennamen|die Gruppenbeschreibung)|"
    r"cambió (?:el asunto|el nombre|la descripción)|creó el grupo|a modifié|a créé le groupe|"
    r"ha cambiato|ha creato il gruppo|mudou o|criou o grupo|heeft (?:de|groep)) ")

#: author text -> whether it betrays a notice (the same few authors come back on every line)
_NOTICE_AUTHORS: dict[str, bool] = {}

#: Android whole-text media placeholders, localised.
_MEDIA_OMITTED = re.compile(
    r"\u200e?<(?:Media omitted|Medien ausgeschlossen|Multimedia omitido|Archivo omitido|Médias omis|"
    r"Media omessi|Mídia oculta|Arquivo de mídia oculto|Media weggelaten|Без медиафайлов|"
    r"Medya dahil edilmedi|Media tidak disertakan|Media jätetty pois|Média vynechána|"
    r"Médiá vynechané|メディアは含まれていません)>\r?\Z")

#: iOS "image omitted" and friends, localised (after an optional U+200E).
_IOS_OMITTED = re.compile(
    r"\u200e?(?P<what>image|video|audio|sticker|GIF|document|Contact card|"
    r"Bild|Video|Audio|Sticker|Dokument|Kontaktkarte|imagen|vídeo|documento|"
    r"image|vidéo|document|immagine|documento|imagem|afbeelding|"
    r"изображение|видео|аудио) (?:omitted|weggelassen|omitid[oa]|absente?|omess[oa]|ocultad[oa]|"
    r"weggelaten|отсутствует)\r?\Z")

#: "IMG-20250224-WA0001.jpg (file attached)", localised; a caption may follow on the next lines.
_FILE_ATTACHED = re.compile(
    r"\u200e?(?P<name>[^\n<>:\"/\\|?*]+?\.[A-Za-z0-9]{1,5}) \((?:file attached|Datei angehängt|"
    r"archivo adjunto|fichier joint|file allegato|arquivo anexado|bestand bijgevoegd|"
    r"файл добавлен|dosya ekli|tiedosto liitetty|soubor připojen|súbor pripojený)\)")

#: iOS "<attached: 00000042-PHOTO-....jpg>", localised.
_IOS_ATTACHED = re.compile(
    r"\u200e?<(?:attached|Anhang|adjunto|pièce jointe|allegato|anexado|bijgevoegd|"
    r"прикреплено|eklendi|liite|příloha|príloha) ?: (?P<name>[^<>\n]+)>")

_DELETED = re.compile(
    r"\u200e?(?:This message was deleted\.?|You deleted this message\.?|"
    r"Diese Nachricht wurde gelöscht\.?|Du hast diese Nachricht gelöscht\.?|"
    r"Se eliminó este mensaje\.?|Eliminaste este mensaje\.?|Ce message a été supprimé\.?|"
    r"Vous avez supprimé ce message\.?|Questo messaggio è stato eliminato\.?|"
    r"Mensagem apagada\.?|Esta mensagem foi apagada\.?|Dit bericht is verwijderd\.?|"
    r"Данное сообщение удалено\.?|Bu mesaj silindi\.?|Tämä viesti poistettiin\.?|"
    r"Tato zpráva byla smazána\.?|このメッセージは削除されました)\r?\Z")

_EDITED = re.compile(
    r"[ \u200e]<(?:This message was edited|Diese Nachricht wurde bearbeitet|Se editó este mensaje|"
    r"Ce message a été modifié|Questo messaggio è stato modificato|Esta mensagem foi editada|"
    r"Dit bericht is bewerkt|Сообщение изменено|Bu mesaj düzenlendi)>\r?\Z")

_MISSED_CALL = re.compile(
    r"\u200e?(?:Missed (?:voice|video|group voice|group video) call|Verpasster (?:Sprach|Video)anruf|"
    r"Llamada (?:de voz|de video|de vídeo) perdida|Appel (?:vocal|vidéo) manqué|"
    r"Chiamata (?:vocale|video) persa|Chamada de (?:voz|vídeo) perdida|"
    r"Gemiste (?:spraak|video)oproep)\r?\Z")

#: An unsaved number written as the author, possibly wrapped in direction marks (U+202A ... U+202C).
_PHONE_AUTHOR = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]*\+[\d \u00a0\u202f()\u2010\u2011\u2012\u2013-]{6,}"
                           r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]*\Z")

#: Chat titles in export file names ("WhatsApp Chat with X.txt", "WhatsApp Chat - X.zip").
_TITLE = re.compile(
    r"^(?:WhatsApp Chat with |WhatsApp Chat - |WhatsApp-Chat mit |WhatsApp Chat mit |"
    r"Chat de WhatsApp con |Discussion WhatsApp avec |Chat WhatsApp con |Conversa do WhatsApp com |"
    r"WhatsApp-chat met |Чат WhatsApp с |WhatsApp Sohbeti: )(?P<title>.+?)(?:\.txt|\.zip)?$")


def chat_title(file_name: str) -> str | None:
    """The chat's name from an export's file name, or None."""
    m = _TITLE.match(file_name)
    return m.group("title") if m else None


#: What browsers and file managers add to a file saved twice: "X (1).txt", "X(2)", "X - Copy",
#: "X - Copy (2)", "X copy", "X copy 2", "X-2".
_SAVED_AGAIN = re.compile(r"(?: ?\(\d{1,3}\)| - Copy(?: \(\d{1,3}\))?| copy(?: \d{1,3})?|-\d{1,2})\Z")


def _title_among(title: str | None, authors: list[str], theirs: tuple[str, ...] = ()) -> str | None:
    """The chat's title, without what saving the file twice added to it when that makes it a name.

    "WhatsApp Chat with Casey (1).txt" is the chat with Casey: read as "Casey (1)", the other
    person matched no one, and the person's own messages to them were left out. The suffix is
    only dropped when what remains is the name of one of the chat's authors or of the ex.
    """
    if title is None:
        return None
    keys = {name_key(a) for a in (*authors, *theirs)}
    if name_key(title) in keys:
        return title
    bare = _SAVED_AGAIN.sub("", title)
    return bare if bare != title and name_key(bare) in keys else title


#: What the text after a header is: (author or None, text, why it is a notice ("" for a
#: message), whether it is a group notice).
Classified = tuple[str | None, str, str, bool]

NO_AUTHOR = "no author"
MARKED = "U+200E mark before the header"
KNOWN_TEXT = "known notice text"


def classify(rest: str, marked: bool, colon_names: tuple[str, ...] = ()) -> Classified:
    """Split the first line's text after the header into author and text, and spot notices.

    ``marked``: the line starts with U+200E, which WhatsApp (iOS) writes before the header of
    notices and media; a sender cannot put it there (a typed U+200E lands after "Name: ").
    ``colon_names``: names known to hold ": " themselves (people rename an ex's contact to
    "DO NOT ANSWER: Casey"), each tried before the first ": " splits the line.
    """
    bare = rest.lstrip(LRM) if rest[:1] == LRM else rest
    idx = bare.find(": ")
    for name in colon_names:
        if bare.startswith(name) and bare.startswith(": ", len(name)):
            idx = len(name)
            break
    if idx <= 0:
        return None, rest, NO_AUTHOR, _GROUP_NOTICE_RE.match(bare) is not None
    author = bare[:idx]
    notice = _NOTICE_AUTHORS.get(author)
    if notice is None:
        notice = _NOTICE_IN_AUTHOR.search(author) is not None
        if len(_NOTICE_AUTHORS) < 10_000:  # a chat has few authors; a hostile file cannot grow it
            _NOTICE_AUTHORS[author] = notice
    if notice:
        return None, rest, NO_AUTHOR, True
    text = bare[idx + 2:]
    if marked:
        if _SPECIAL.match(text) is None:
            return author, text, MARKED, _GROUP_NOTICE_RE.match(text.lstrip(LRM)) is not None
        return author, text, "", False
    if _NOTICE_RE.fullmatch(text):
        return author, text, KNOWN_TEXT, False
    return author, text, "", False


# --- reading ------------------------------------------------------------------------------------

_UNDECODABLE = re.compile("[\udc80-\udcff]")

#: One pass over a message's text for everything that is not plain text: which group matched
#: says what the message is (``lastgroup``).
_SPECIAL = re.compile("|".join(f"(?P<{k}>{rx.pattern})" for k, rx in (
    ("ios_attached", _IOS_ATTACHED), ("file_attached", _FILE_ATTACHED), ("omitted", _MEDIA_OMITTED),
    ("ios_omitted", _IOS_OMITTED), ("deleted", _DELETED), ("call", _MISSED_CALL))).replace(
    "(?P<name>", "(?P<file>", 1).replace("(?P<what>", "(?:"))


def _text_lines(binary: BinaryIO, strict: bool = False) -> io.TextIOWrapper:
    """Lines split on LF only, LF kept, CR kept; bytes that are not UTF-8 kept as surrogates."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict" if strict else "surrogateescape",
                            newline="\n")


#: Bytes decoded at a time: large enough that per-piece costs vanish, small enough for memory.
CHUNK_BYTES = 1 << 20


def _decoded(binary: BinaryIO, strict: bool = False) -> Iterator[str]:
    """The file as text in large pieces: UTF-8 (a leading BOM dropped); bytes that are not UTF-8
    kept as surrogates (U+DC80..U+DCFF), or UnicodeDecodeError when ``strict``. A character cut
    by a piece boundary is completed by the incremental decoder, never split."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict" if strict else "surrogateescape")
    size = CHUNK_BYTES
    while data := binary.read(size):
        if text := decoder.decode(data):
            yield text
    if text := decoder.decode(b"", True):
        yield text


class _Clock:
    """UTC offsets of local days in one zone; None for a day whose offset changes (DST)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.offsets: dict[tuple[int, int, int], timedelta | None] = {}

    def offset(self, day: tuple[int, int, int]) -> timedelta | None:
        start = datetime(*day, tzinfo=self.zone).utcoffset()
        end = datetime(*day, 23, 59, 59, tzinfo=self.zone).utcoffset()
        off = start if start == end else None
        self.offsets[day] = off
        return off


@dataclass
class _Chat:
    detected: Detected
    authors: list[str]
    group: bool
    title: str | None
    clean: bool  # every byte decoded as UTF-8 in pass 1


_PROBLEM_TEXT = ("line {n} and the {k} line(s) after it hold bytes that are not UTF-8 text; "
                 "the message was not read (the original file is kept unchanged)")


class _Reader:
    """Both passes over one chat text; shared by the .txt and the .zip importer."""

    def __init__(self, opener: Callable[[], BinaryIO], display: str, title: str | None,
                 ctx: ImportContext, media: Callable[[str], AttachmentRef | None]) -> None:
        self.opener = opener
        self.display = display
        self.title = title
        self.ctx = ctx
        self.ex_names = ctx.case.ex.display_names()
        known = (*ctx.case.user.display_names(), *ctx.case.ex.display_names(), *((title,) if title else ()))
        #: Known names that hold ": " (longest first), so "DO NOT ANSWER: Casey: hi" is Casey's "hi".
        self.colon_names = tuple(sorted({n for n in known if ": " in n}, key=len, reverse=True))
        self.media = media

    def _user_by_peer(self, chat: _Chat, is_user: Callable[[str], bool]) -> str | None:
        """The person's own name in a chat between two people that the case does not name them by.

        A chat that is not a group has two authors: whoever exported it and the other person.
        When neither is one of the person's names (WhatsApp showed their profile name, "Robbie",
        and the case says "Robin Hale") and exactly one is the other person (the name in the file's
        name, or one of the ex's names or numbers), the other author is the person. Without this
        their own messages, the boundary message among them, were left out as someone else's.
        One author alone decides nothing: a renamed file could make the ex look like the person.
        """
        if chat.group or len(chat.authors) != 2 or any(is_user(a) for a in chat.authors):
            return None
        region = self.ctx.region
        ex_names = {name_key(n) for n in self.ex_names}
        ex_phones = {normalise_phone(p, region) for p in self.ctx.case.ex.phones} - {""}
        title = name_key(chat.title) if chat.title is not None else None

        def is_peer(author: str) -> bool:
            key = name_key(author)
            if key == title or key in ex_names:
                return True
            return bool(ex_phones) and _PHONE_AUTHOR.match(author) is not None \
                and normalise_phone(author, region) in ex_phones

        peers = [a for a in chat.authors if is_peer(a)]
        if len(peers) != 1:
            return None
        return next(a for a in chat.authors if a != peers[0])

    def survey(self) -> _Chat:
        """Pass 1: the layout, the date order, the authors and whether the chat is a group."""
        try:
            return self._survey(strict=True)
        except UnicodeDecodeError:
            return self._survey(strict=False)

    def _survey(self, strict: bool) -> _Chat:
        with self.opener() as f:
            regions = iter_regions(_decoded(f, strict))
            first = next(regions, None)
            if first is None:
                raise SourceError(f"{self.display} is empty (0 bytes): there is no chat in it to import.")
            end = first.find("\n", 1)
            m = GENERIC_HEADER.match(first, 1, len(first) if end < 0 else end)
            lay = layout_of(m) if m is not None else None
            if lay is not None:
                return self._survey_layout(chain((first,), regions), lay, strict)
        return self._survey_lines(strict)

    def _survey_layout(self, regions: Iterator[str], lay: Layout, strict: bool) -> _Chat:
        """Pass 1 when line 1 is a header: its layout is the file's, so only its headers count.

        One ``findall`` per piece of the file gives each header line's prefix, date text and
        text after the header; per header, only the author is looked up (and the date when it
        changes, and the whole line when the author is new or has only labelled notices).
        """
        colon_names = self.colon_names
        date_fields = lay.date.fullmatch
        findall = lay.heads.findall
        dates: list[tuple[int, int, int]] = []
        last = ""
        seen: dict[str, bool] = {}  # author -> True once seen writing a message (not only labelling a notice)
        group = False
        for region in regions:
            for pre, date, text in findall(region):
                if date != last:
                    last = date
                    if len(dates) < MAX_DATE_CHANGES:
                        m = date_fields(date)
                        assert m is not None  # the same pattern matched it
                        dates.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
                i = text.find(": ")
                if i > 0 and seen.get(text[:i]) and not colon_names:
                    continue
                author, _text, system, group_notice = classify(text, LRM in pre[:2], colon_names)
                if system:
                    group = group or group_notice
                    if author is not None and author not in seen and len(seen) < 5000:
                        seen[author] = False
                elif author is not None and len(seen) < 5000:
                    seen[author] = True
        order, basis = decide_order(lay, dates, self.ctx.date_order)
        names = [a for a, real in seen.items() if real]
        title = _title_among(self.title, names, self.ex_names)
        return _Chat(Detected(lay, order, basis), names, group or len(names) > 2, title, strict)

    def _survey_lines(self, strict: bool) -> _Chat:
        """Pass 1 when line 1 is not a header (a file cut at the top): every layout is counted
        line by line and the most frequent one is the file's (see ``_whatsapp_layout``)."""
        colon_names = self.colon_names
        survey = Survey()
        # per layout: author -> True once seen writing a message (not only labelling a notice)
        authors: dict[object, dict[str, bool]] = {}
        group: set[object] = set()
        with self.opener() as f:
            for line in _text_lines(f, strict):
                got = survey.feed(line)
                if got is None:
                    continue
                lay, rest = got
                seen = authors.get(lay)
                if seen is None:
                    seen = authors[lay] = {}
                if rest[-1:] == "\n":
                    rest = rest[:-1]
                i = rest.find(": ")
                if i > 0 and seen.get(rest[:i]) and not colon_names:
                    continue
                author, _text, system, group_notice = classify(rest, LRM in line[:2], colon_names)
                if system:
                    if group_notice:
                        group.add(lay)
                    if author is not None and author not in seen and len(seen) < 5000:
                        seen[author] = False
                elif author is not None and len(seen) < 5000:
                    seen[author] = True
        det = survey.result(self.ctx.date_order)
        if det is None:
            raise SourceError(f"{self.display} is not a WhatsApp chat export: no line starts with a "
                              "date and time the way WhatsApp writes messages.", "line 1")
        names = [a for a, real in authors.get(det.layout, {}).items() if real]
        title = _title_among(self.title, names, self.ex_names)
        return _Chat(det, names, det.layout in group or len(names) > 2, title, strict)

    def read(self) -> Iterator[Record | Problem]:
        """Pass 2: one record (or problem) per message, in file order.

        The file is decoded in large pieces and split at its own layout's headers by one regex
        call per piece (:func:`scan`); the Python work is per message, not per line. Times are
        converted once per distinct header time text.
        """
        if self.ctx.source_timezone is None:
            raise SourceError(
                f"{self.display}: WhatsApp writes local times without a time zone. Say which zone the "
                "phone was in (in the app: Documentation, Who is who; or nocontact me --timezone "
                "America/Los_Angeles) and import again.")
        chat = self.survey()
        zone = self.ctx.source_timezone
        clock_ = _Clock(zone)
        zone_name = zone.key
        basis = self.ctx.timezone_basis
        user_names = {name_key(n) for n in self.ctx.case.user.display_names()}
        region = self.ctx.region
        user_phones = {normalise_phone(p, region) for p in self.ctx.case.user.phones} - {""}

        def ident(author: str) -> Identifier:
            return Identifier("phone", author) if _PHONE_AUTHOR.match(author) else Identifier("name", author)

        def is_user(author: str) -> bool:
            if name_key(author) in user_names or author == inferred_user:
                return True
            return bool(user_phones) and _PHONE_AUTHOR.match(author) is not None \
                and normalise_phone(author, region) in user_phones

        inferred_user: str | None = None  # is_user reads it: None while the case alone is asked
        inferred_user = self._user_by_peer(chat, is_user)
        other: Identifier | None = None
        if not chat.group:
            others = [a for a in chat.authors if not is_user(a)]
            if chat.title is not None and name_key(chat.title) not in user_names:
                other = ident(chat.title)
            elif len(others) == 1:
                other = ident(others[0])
        people = _People(chat, ident, is_user, other)
        det = chat.detected
        base = (("date_order", det.order), ("date_order_basis", det.basis),
                ("layout", "ios" if det.layout.bracket else "android"),
                *((("direction_basis", BY_PEER),) if inferred_user is not None else ()))
        extras = {(crlf, minute): base + ((("line_end", "CRLF"),) if crlf else ())
                  + ((("time_precision", "minute"),) if minute else ())
                  for crlf in (False, True) for minute in (False, True)}
        check = not chat.clean
        group, title = chat.group, chat.title
        media = self._media
        offsets = clock_.offsets
        parser = HeaderParser(det.layout, det.order)
        day_of, time_of = parser.day, parser.time
        #: date text -> (UTC instant of local midnight, or None on a day the offset changes; date)
        days: dict[str, tuple[datetime | None, tuple[int, int, int]] | None] = {}
        #: clock text -> (time since midnight, hour, minute, second, minute precision)
        clocks: dict[str, tuple[timedelta, int, int, int, bool] | None] = {}

        def when(date: str, clock: str) -> tuple[datetime, bool, datetime | None] | None:
            """(UTC instant, minute precision, the aware local time on a day the zone's offset
            changes, else None) of a header's date and clock texts; None: not a real time. Both
            halves are cached: a chat has few dates and at most 86,400 clocks."""
            if date in days:
                d = days[date]
            else:
                ymd = day_of(date)
                if ymd is None:
                    d = None
                else:
                    off = offsets[ymd] if ymd in offsets else clock_.offset(ymd)
                    d = (None if off is None else datetime(*ymd, tzinfo=UTC) - off, ymd)
                if len(days) >= 100_000:
                    days.clear()
                days[date] = d
            if clock in clocks:
                c = clocks[clock]
            else:
                hms = time_of(clock)
                c = None if hms is None else (timedelta(hours=hms[0], minutes=hms[1], seconds=hms[2]), *hms)
                if len(clocks) >= 100_000:
                    clocks.clear()
                clocks[clock] = c
            if d is None or c is None:
                return None
            midnight, ymd = d
            if midnight is None:  # the zone's offset changes that day: convert this time exactly
                local = datetime(ymd[0], ymd[1], ymd[2], c[1], c[2], c[3], tzinfo=zone)
                return local.astimezone(UTC), not c[4], local
            return midnight + c[0], not c[4], None

        colon_names = self.colon_names
        #: the previous message's instant: a wall time that happened twice (the clocks went back) is
        #: the second one when the first would go back in time from the message before it
        last: datetime | None = None
        special = _SPECIAL.match
        with self.opener() as f:
            for n, pre, raw, text, stamp in scan(iter_regions(_decoded(f)), det.layout, when):
                if stamp is None:
                    yield Problem("orphan_lines", f"line {n}",
                                  f"{text.count(chr(10)) + 1} line(s) before the first message header were "
                                  "not read as a message")
                    continue
                if check and _UNDECODABLE.search(text):
                    yield Problem("encoding", f"line {n}", _PROBLEM_TEXT.format(n=n, k=text.count("\n")))
                    continue
                end = text.find("\n")
                crlf = text[-1:] == "\r"
                if end < 0:
                    author, body, system, _g = classify(text, LRM in pre[:2], colon_names)
                    if crlf:
                        body = body[:-1]
                else:
                    author, body, system, _g = classify(text[:end], LRM in pre[:2], colon_names)
                    body += text[end:-1] if crlf else text[end:]
                utc, minute, local = stamp
                extra = extras[crlf, minute]
                if local is not None:  # a day the offset changes: a wall time may have happened twice
                    utc, repeated = read_local(local, last)
                    if repeated is not None:
                        extra = (*extra, (REPEATED_KEY, repeated))
                last = utc
                if system:
                    extra = (*extra, ("notice_basis", system))
                    if author is not None:
                        extra = (*extra, ("notice_label", author))
                    yield Record(str(n), KIND, "system", utc, raw, zone_name, basis, "unknown",
                                 None, (), group, title, body, None, None, None, (), None, extra)
                    continue
                assert author is not None
                sender, peers, outgoing = people.of(author)
                category: Literal["message", "call"] = "message"
                call_type: int | None = None
                attachments: tuple[AttachmentRef, ...] = ()
                digest_body: tuple[str, ...] | None = None
                sm = special(body)
                if sm is not None:
                    kind = sm.lastgroup
                    if kind == "deleted":
                        extra = (*extra, ("deleted", "true"))
                    elif kind == "call":
                        category = "call"
                        call_type = 2 if outgoing else 3
                    else:
                        attachments, note = media(sm, body)
                        extra = (*extra, note)
                        # With media or without, one message. The caption an export with media
                        # writes after the file's name is not counted: without media it is gone.
                        digest_body = _MEDIA_DIGEST
                if body[-1:] == ">" and _EDITED.search(body):
                    extra = (*extra, ("edited", "true"))
                yield Record(str(n), KIND, category, utc, raw, zone_name, basis,
                             "outgoing" if outgoing else "incoming", sender, peers, group, title, body,
                             None, None, call_type, attachments, None, extra, digest_body)

    def _media(self, sm: re.Match[str], text: str) -> tuple[tuple[AttachmentRef, ...], tuple[str, str]]:
        name = sm.group("name") or sm.group("file")
        if name is not None:
            name = name.strip()
            found = self.media(name)
            if found is not None:
                return (found,), ("media", "attached")
            return (AttachmentRef(name, mimetypes.guess_type(name)[0], related=name, included=False),), \
                ("media", "not in export")
        return (AttachmentRef(text.lstrip(LRM), None, included=False),), ("media", "omitted")


#: A media message's ``Record.digest_body``: the same whichever way the export wrote the placeholder.
_MEDIA_DIGEST = ("media",)

#: How direction was told in a chat between two people whose case names neither author as the person.
BY_PEER = ("a chat between two people, and the case names neither author as you: one author is the chat's "
           "other person (by the file's name or the case), so the other author is you")


class _People:
    """Sender identifier, peers and direction per author, computed once per author."""

    def __init__(self, chat: _Chat, ident: Callable[[str], Identifier], is_user: Callable[[str], bool],
                 other: Identifier | None) -> None:
        self.chat = chat
        self.ident = ident
        self.is_user = is_user
        self.other = other
        self.idents = {a: ident(a) for a in chat.authors}
        self._cache: dict[str, tuple[Identifier, tuple[Identifier, ...], bool]] = {}

    def of(self, author: str) -> tuple[Identifier, tuple[Identifier, ...], bool]:
        got = self._cache.get(author)
        if got is not None:
            return got
        sender = self.idents.get(author) or self.ident(author)
        outgoing = self.is_user(author)
        other = self.other
        if self.chat.group or not outgoing:
            peers = tuple(self.idents[a] for a in self.chat.authors if a != author)
            if not self.chat.group and other is not None and other not in peers and other != sender:
                peers = (*peers, other)
        else:
            peers = (other,) if other is not None else ()
        got = (sender, peers, outgoing)
        if len(self._cache) < 10_000:
            self._cache[author] = got
        return got


def _header_lines(head: bytes) -> tuple[bool, int]:
    """(first line is a header, number of header lines) in the first bytes of a file."""
    text = head.decode("utf-8", "ignore")
    if text.startswith("\ufeff"):
        text = text[1:]
    first = True
    first_ok = False
    n = 0
    for line in text.split("\n")[:200]:
        m = GENERIC_HEADER.match(line)
        ok = m is not None and layout_of(m) is not None
        if first:
            first_ok, first = ok, False
        n += ok
    return first_ok, n


def _looks_like_chat(head: bytes) -> bool:
    first, n = _header_lines(head)
    return first or n >= 2


def _media_from_source(source: Source) -> Callable[[str], AttachmentRef | None]:
    """Files named in a bare .txt: beside it on disk (related path) or in the same archive (bytes)."""

    def find(name: str) -> AttachmentRef | None:
        if "/" in name or "\\" in name or name.startswith("."):
            return None
        rel = source.related(name)
        if rel is None:
            return None
        mime = mimetypes.guess_type(name)[0]
        if rel.local_path() is None:
            with rel.open() as f:
                return AttachmentRef(name, mime, data=f.read())
        return AttachmentRef(name, mime, related=rel.display)

    return find


def _title_of(source: Source) -> str | None:
    if isinstance(source, ZipMemberSource):
        t = chat_title(PurePosixPath(source.archive_display).name)
        if t is not None:
            return t
    return chat_title(source.name)


class WhatsAppTxtImporter:
    """A bare chat text of either layout (Android ``WhatsApp Chat with X.txt`` or iOS ``_chat.txt``)."""

    name = "whatsapp_android_txt"

    def sniff(self, source: Source, head: bytes) -> Match | None:
        if is_zip(head):
            return None
        first, n = _header_lines(head)
        if first:
            return Match(self.name, 80, "first line is a WhatsApp message header")
        if n >= 2:
            return Match(self.name, 60, "lines start with WhatsApp message headers")
        return None

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        reader = _Reader(source.open, source.display, _title_of(source), ctx, _media_from_source(source))
        yield from reader.read()


_CHAT_MEMBER = "_chat.txt"


def _chat_member(names: list[str]) -> str | None:
    for n in names:
        if PurePosixPath(n).name == _CHAT_MEMBER:
            return n
    txts = [n for n in names if n.lower().endswith(".txt") and PurePosixPath(n).name.startswith("WhatsApp")]
    return txts[0] if len(txts) == 1 else None


def _archive(source: Source) -> Archive | None:
    """The zip to open: a file on disk, or (for an export stored in the vault) its seekable stream."""
    path = source.local_path()
    if path is not None:
        return path
    if isinstance(source, ZipMemberSource):
        return None  # a zip inside a zip: its stream cannot seek
    return source.open


class WhatsAppZipImporter:
    """An export with media: a zip holding ``_chat.txt`` (iOS) or one ``WhatsApp Chat ... .txt``."""

    name = "whatsapp_ios_zip"

    def sniff(self, source: Source, head: bytes) -> Match | None:
        archive = _archive(source)
        if not is_zip(head) or archive is None:
            return None
        try:
            with zipfile.ZipFile(archive if isinstance(archive, Path) else archive()) as zf:
                member = _chat_member(zf.namelist())
                if member is None:
                    return None
                with zf.open(member) as f:
                    inner = f.read(4096)
        except Exception:  # noqa: BLE001 - a damaged zip is simply not a WhatsApp export we can read
            return None
        if not _looks_like_chat(inner):
            return None
        return Match(self.name, 90, f"zip holding a WhatsApp chat ({member})")

    def read(self, source: Source, ctx: ImportContext) -> Iterator[Record | Problem]:
        archive = _archive(source)
        if archive is None:
            raise SourceError(f"{source.display}: a zip inside another archive cannot be read; "
                              "unpack the outer archive first.")
        try:
            members = zip_members(archive, source.display)
        except ArchiveError as e:
            raise SourceError(f"{source.display} was not opened: {e}. WhatsApp never writes an "
                              "archive like this, so it may have been tampered with.") from None
        by_name = {m.info.filename: m for m in members}
        chat_name = _chat_member(list(by_name))
        if chat_name is None:
            raise SourceError(f"{source.display} holds no _chat.txt: it is not a WhatsApp chat export.")
        chat = by_name[chat_name]
        folder = PurePosixPath(chat_name).parent
        media_members = {m.name: m for m in members
                         if PurePosixPath(m.info.filename).parent == folder and m is not chat}

        def media(name: str) -> AttachmentRef | None:
            m = media_members.get(name)
            if m is None:
                return None
            with m.open() as f:
                return AttachmentRef(name, mimetypes.guess_type(name)[0], data=f.read())

        title = chat_title(source.name)
        reader = _Reader(chat.open, f"{source.display}!/{chat_name}", title, ctx, media)
        yield from reader.read()


IMPORTERS = (WhatsAppTxtImporter(), WhatsAppZipImporter())
