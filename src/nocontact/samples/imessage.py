"""A fictional macOS Messages ``chat.db`` telling the demo story, written with sqlite3.

The schema is Messages' own (macOS 14/15 column lists for the core tables). Bodies are split as
real databases hold them: many rows keep ``text`` NULL and the body only in ``attributedBody``
(a typedstream NSMutableAttributedString, one row the NSAttributedString variant); dates are
nanoseconds since 2001-01-01 UTC. The ex writes from a phone handle, then (after being
blocked) from an Apple ID email; there are tapbacks, a group chat with a rename, a photo row
whose file is not included, a spam message and unrelated people. ``scale`` repeats the
after-boundary weeks with new rows, for benchmarks.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nocontact.importers.typedstream import encode_attributed_string
from nocontact.samples import DEMO_BOUNDARY_UTC

__all__ = ["SCHEMA", "apple_ns", "write_chat_db", "write_sample"]

SCHEMA: tuple[str, ...] = (
    'CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));',
    'CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);',
    'CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER, engram_id TEXT, server_change_token TEXT, ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0, is_pending_review INTEGER DEFAULT 0);',
    'CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service) );',
    'CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT, associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER, message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT, ck_record_change_tag TEXT, destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT, sort_id INTEGER, is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT, thread_originator_part TEXT, syndication_ranges TEXT, synced_syndication_ranges TEXT, was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER, date_edited INTEGER, was_detonated INTEGER DEFAULT 0, part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0, is_critical INTEGER DEFAULT 0, bia_reference_id TEXT, is_kt_verified INTEGER DEFAULT 0, fallback_hash TEXT, associated_message_emoji TEXT, is_pending_satellite_send INTEGER DEFAULT 0, needs_relay INTEGER DEFAULT 0, schedule_type INTEGER DEFAULT 0, schedule_state INTEGER DEFAULT 0, sent_or_received_off_grid INTEGER DEFAULT 0);',
    'CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB, ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL, is_commsafety_sensitive INTEGER DEFAULT 0, emoji_image_content_identifier TEXT, emoji_image_short_description TEXT, preview_generation_state INTEGER DEFAULT 0);',
    'CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));',
    'CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));',
    'CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));',
    'CREATE INDEX chat_message_join_idx_message_date_id_chat_id ON chat_message_join(chat_id, message_date, message_id);',
    'CREATE INDEX message_idx_handle ON message(handle_id, date);',
    'CREATE INDEX message_idx_is_read ON message(is_read, is_from_me, is_finished);',
)

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)

CASEY_PHONE = "+13125550187"
CASEY_EMAIL = "casey.drummond@example.com"
HANDLES = (
    (CASEY_PHONE, "3125550187"),        # 1
    (CASEY_EMAIL, None),                # 2
    ("+13125550111", "3125550111"),     # 3 Mom
    ("jamie.ortiz@example.com", None),  # 4 Jamie, the mutual friend
    ("+13125550145", None),             # 5 Lee (group)
    ("+18005550187", "8005550187"),     # 6 spam (same last digits as Casey: not Casey)
)
#: chat ROWID -> (identifier, style, display name, handle ROWIDs)
CHATS = {
    1: (CASEY_PHONE, 45, None, (1,)),
    2: (CASEY_EMAIL, 45, None, (2,)),
    3: ("+13125550111", 45, None, (3,)),
    4: ("chat771234500099", 43, "Book club 📚", (4, 5)),
    5: ("+18005550187", 45, None, (6,)),
    6: ("jamie.ortiz@example.com", 45, None, (4,)),
}

B = DEMO_BOUNDARY_UTC
#: (offset from the boundary, chat, handle ROWID (0 = Robin), from me, text, how)
#: how: "text" (text column), "ab" (attributedBody only), "ab1" (NSAttributedString variant),
#: "react:<type>:<index of target row>", "rename:<title>", "photo"
STORY: tuple[tuple[timedelta, int, int, bool, str, str], ...] = (
    (timedelta(days=-40), 1, 1, False, "Miss you already. Dinner Friday?", "text"),
    (timedelta(days=-40, minutes=9), 1, 1, True, "Friday works", "ab"),
    (timedelta(days=-40, minutes=10), 1, 1, False, "Loved \u201cFriday works\u201d", "react:2000:1"),
    (timedelta(days=-35), 3, 3, False, "Call me this weekend, love Mom", "text"),
    (timedelta(days=-35, hours=2), 3, 3, True, "Will do \u2764\ufe0f", "ab"),
    (timedelta(days=-30), 4, 5, False, "", "rename:Book club \U0001f4da"),
    (timedelta(days=-30, minutes=3), 4, 4, False, "Next pick is yours Robin", "ab"),
    (timedelta(days=-30, minutes=5), 4, 0, True, "On it!", "text"),
    (timedelta(days=-10), 1, 1, False, "Why are you so distant lately?", "ab"),
    (timedelta(days=-9), 1, 1, True, "I need some time to think.", "ab"),
    (timedelta(minutes=20), 1, 1, False, "Robin please. Don't do this. Talk to me.", "ab"),
    (timedelta(minutes=22), 1, 1, False, "I'm begging you \U0001f622", "ab"),
    (timedelta(days=1, hours=3), 1, 1, False, "You can't just end three years with a text.", "text"),
    (timedelta(days=2, hours=5), 1, 1, False, "\ufffc", "photo"),
    (timedelta(days=3), 1, 1, False, "Answer me. I know you're reading these.", "ab"),
    (timedelta(days=4, hours=9), 1, 1, False, "I saw you at the farmers market on Saturday. Blue coat.", "text"),
    (timedelta(days=6), 1, 1, False, "Answer your phone. ANSWER IT.", "ab1"),
    (timedelta(days=8), 6, 4, False, "Casey asked me to tell you to call them. Sorry, I'm just passing it on.", "text"),
    (timedelta(days=8, hours=1), 6, 0, True, "Please don't pass on messages from Casey. Thank you.", "text"),
    (timedelta(days=9), 2, 2, False, "Blocked my number? I have other ways.", "ab"),
    (timedelta(days=9, minutes=2), 2, 2, False, "Answer me", "text"),
    (timedelta(days=11), 2, 2, False, "Maybe I'll stop by Lakeview Dental and see your manager.", "ab"),
    (timedelta(days=12), 5, 6, False, "USPS: your parcel is held. Confirm at https://usps-track.example.info", "text"),
    (timedelta(days=13), 2, 2, False, "Emphasized \u201cAnswer me\u201d", "react:2004:20"),
    (timedelta(days=15), 2, 2, False, "You'll regret this, Robin.", "ab"),
    (timedelta(days=17), 2, 2, False, "If you don't answer tonight I don't know what I'll do to myself. It's on you.", "ab"),
    (timedelta(days=20), 4, 5, False, "Great meeting everyone tonight!", "text"),
    (timedelta(days=22), 2, 2, False, "I'm going to keep writing until you answer. I have all the time in the world, and "
     "every day you ignore me I'll remember it. One day you'll pick up and we'll laugh about how long this took. "
     "\U0001f642", "ab"),
)


def apple_ns(dt: datetime) -> int:
    """Nanoseconds since 2001-01-01 UTC, as Messages stores dates since High Sierra."""
    d = dt - APPLE_EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000_000 + d.microseconds * 1000


def write_chat_db(path: Path, *, scale: int = 1, seed: int = 0) -> None:
    """Write the sample database at ``path`` (replacing it)."""
    rng = random.Random(seed)
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        for stmt in SCHEMA:
            con.execute(stmt)
        con.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', '18033')")
        for i, (hid, unc) in enumerate(HANDLES, 1):
            con.execute("INSERT INTO handle (ROWID, id, country, service, uncanonicalized_id) VALUES (?,?,?,?,?)",
                        (i, hid, "us", "iMessage", unc))
        for cid, (ident, style, name, members) in CHATS.items():
            sep = "+" if style == 43 else "-"
            con.execute("INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name, display_name) "
                        "VALUES (?,?,?,?,?,?)", (cid, f"iMessage;{sep};{ident}", style, ident, "iMessage", name))
            for h in members:
                con.execute("INSERT INTO chat_handle_join VALUES (?,?)", (cid, h))
        guids: list[str] = []
        rowid = 0
        for rep in range(max(1, scale)):
            # Apple's nanosecond dates fit 64 bits for 292 years: past 2,000 months, wrap around.
            shift = timedelta(days=30 * (rep % 2000), seconds=rep // 2000)
            story = STORY if rep == 0 else tuple(s for s in STORY if s[0] > timedelta(0))
            base_index = len(guids)
            for off, chat, handle, me, text, how in story:
                rowid += 1
                g = str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()
                guids.append(g)
                when = B + off + shift + timedelta(milliseconds=rng.randrange(1000))
                ns = apple_ns(when) + rng.randrange(1000)
                col_text: str | None = text
                body: bytes | None = None
                item_type = 0
                group_title = None
                atype = 0
                aguid = None
                has_att = 0
                if how == "ab":
                    col_text, body = None, encode_attributed_string(text)
                elif how == "ab1":
                    col_text, body = None, encode_attributed_string(text, mutable=False)
                elif how.startswith("rename:"):
                    col_text, item_type, group_title = None, 2, how.split(":", 1)[1]
                elif how.startswith("react:"):
                    _, t, target = how.split(":")
                    atype = int(t)
                    idx = int(target) if rep == 0 else base_index
                    aguid = f"p:0/{guids[min(idx, len(guids) - 1)]}"
                elif how == "photo":
                    has_att = 1
                con.execute(
                    "INSERT INTO message (ROWID, guid, text, handle_id, attributedBody, service, account, date, "
                    "date_read, date_delivered, is_delivered, is_finished, is_from_me, is_read, is_sent, "
                    "cache_has_attachments, item_type, group_title, associated_message_guid, "
                    "associated_message_type) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (rowid, g, col_text, 0 if (me and CHATS[chat][1] == 43) else handle, body, "iMessage",
                     "E:robin.hale@example.org", ns, 0 if me else ns + 60_000_000_000, ns if me else 0, 1, 1,
                     int(me), int(not me), int(me), has_att, item_type, group_title, aguid, atype))
                con.execute("INSERT INTO chat_message_join VALUES (?,?,?)", (chat, rowid, ns))
                if has_att:
                    ag = str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper()
                    con.execute(
                        "INSERT INTO attachment (guid, created_date, filename, uti, mime_type, transfer_state, "
                        "transfer_name, total_bytes, original_guid) VALUES (?,?,?,?,?,?,?,?,?)",
                        (ag, ns // 1_000_000_000, f"~/Library/Messages/Attachments/{ag[:2]}/00/{ag}/IMG_{rowid:04d}.HEIC",
                         "public.heic", "image/heic", 5, f"IMG_{rowid:04d}.HEIC", 1_800_000 + rowid, ag))
                    con.execute("INSERT INTO message_attachment_join VALUES (?, last_insert_rowid())", (rowid,))
        con.commit()
    finally:
        con.close()


def write_sample(folder: Path, *, scale: int = 1, seed: int = 0) -> list[Path]:
    """Write ``Library/Messages/chat.db`` under ``folder`` and return its path."""
    path = folder / "Library" / "Messages" / "chat.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_chat_db(path, scale=scale, seed=seed)
    return [path]
