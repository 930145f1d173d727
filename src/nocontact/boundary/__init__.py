"""The boundary message: templates by channel and a checker that explains what to change.

The rules and templates are data (``rules.toml``, ``templates.toml``) so advocates can review
and change them without reading code.
"""

from nocontact.boundary.checker import Finding, Rule, check_message, load_rules
from nocontact.boundary.templates import Template, load_templates, render_template

__all__ = ["Finding", "Rule", "Template", "check_message", "load_rules", "load_templates", "render_template"]
