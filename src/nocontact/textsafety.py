"""Making the ex's text harmless wherever it is shown: terminals and spreadsheets.

Stored text is never changed; these functions make a display copy. HTML escaping is left to
Jinja's autoescape and the PDF engine reads that escaped HTML.
"""

from __future__ import annotations

import re

__all__ = ["csv_cell", "terminal_text"]

# C0 and C1 control characters except tab and newline, DEL, and bidi overrides that can
# reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(s: str) -> str:
    """Show control characters (ANSI escapes, bidi overrides) as visible codes, never raw."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix a quote).

    Only cells starting with = + - @ or a tab/CR get the prefix; the JSON Lines export keeps
    the text exactly as stored.
    """
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    if s and s[0] in "=+-@\t\r\n":
        return "'" + s
    return s
