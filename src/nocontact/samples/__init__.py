"""Fictional sample exports, made on the person's own machine for the demo and the benchmarks.

A user's clone has no access to the developers' fixtures, so the project grows its own: one
module per format, each with ``write_sample(folder, *, scale=1, seed=0) -> list[Path]`` that
writes a faithful export of that format telling one story (below) and returns the files it wrote.
``scale`` multiplies the volume (benchmarks use large scales); the story's people stay the same.

Every name, number and address is fictional (555 numbers, ``example.*`` domains).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["DEMO_BOUNDARY_UTC", "DEMO_CASE", "DEMO_TIMEZONE"]

DEMO_TIMEZONE = "America/Chicago"

#: Robin Hale ended a relationship with Casey Drummond and sent a no-contact text on
#: 2 March 2026 at 20:15 local time. Casey kept writing and calling from two numbers, two
#: emails, WhatsApp, Telegram and Messenger.
DEMO_CASE: dict[str, object] = {
    "user": {
        "name": "Robin Hale",
        "phone": "+13125550123",
        "email": "robin.hale@example.org",
        "telegram_from_id": "user4400112233",
        "facebook_name": "Robin Hale",
        "whatsapp_name": "Robin Hale",
    },
    "ex": {
        "name": "Casey Drummond",
        "identifiers": {
            "phones": ["+13125550187", "+17735550164"],
            "emails": ["casey.drummond@example.com", "cd.other@example.net"],
            "telegram": [{"username": "@cdrum", "from_id": "user7700998811", "display_name": "Casey Drummond"}],
            "facebook_names": ["Casey Drummond"],
            "whatsapp_names": ["Casey Drummond"],
            "imessage_handles": ["+13125550187", "casey.drummond@example.com"],
        },
    },
    "source_timezone": DEMO_TIMEZONE,
}

#: The boundary message: an SMS from Robin to Casey's first number.
DEMO_BOUNDARY_UTC = datetime(2026, 3, 3, 2, 15, 0, 412000, tzinfo=UTC)
DEMO_BOUNDARY_TEXT = (
    "Casey, I am ending all contact. Do not call, text, email or message me, and do not come to my "
    "home or work. I will not reply to any further messages."
)
