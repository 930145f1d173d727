"""The local web app: the main face for the person, served on 127.0.0.1 only.

``create_app`` builds it; ``server.serve`` runs it. Safety rules (token, CSRF, idle lock,
no-store, neutral title, strict CSP, escaping) live in ``security.py`` and ``app.py``.
"""

from nocontact.web.app import create_app

__all__ = ["create_app"]
