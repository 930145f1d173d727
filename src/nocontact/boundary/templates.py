"""Templates for a clear, firm, respectful no-contact message, one per channel."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Template", "load_templates", "render_template"]


@dataclass(frozen=True)
class Template:
    channel: str
    label: str
    text: str
    subject: str | None = None


@cache
def load_templates() -> tuple[Template, ...]:
    text = resources.files("nocontact.boundary").joinpath("templates.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(Template(channel=str(t["channel"]), label=str(t["label"]), text=str(t["text"]),
                          subject=t.get("subject")) for t in data.get("template", []))


def render_template(t: Template, *, ex_name: str | None, my_name: str | None, date: str) -> str:
    """Fill in names and date; placeholders stay readable when a name is unknown."""
    return (t.text.replace("{ex_name}", ex_name or "[their name]")
            .replace("{my_name}", my_name or "[your name]").replace("{date}", date))
