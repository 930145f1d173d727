"""Running the app: uvicorn on 127.0.0.1, the start link printed, the browser opened.

The token is new on every start and lives only in this process and the printed link.
"""

from __future__ import annotations

import socket
import webbrowser
from pathlib import Path

import uvicorn

from nocontact.web.app import create_app
from nocontact.web.security import new_token

__all__ = ["make_url", "serve"]


def make_url(host: str, port: int, token: str) -> str:
    """The start link: opening it gives the browser its session, then the token leaves the address bar."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/unlock?token={token}"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(vault_root: Path, *, port: int = 0, open_browser: bool = True, host: str = "127.0.0.1") -> None:
    """Serve the app for ``vault_root`` until Ctrl+C. ``port=0`` picks a free port."""
    token = new_token()
    app = create_app(vault_root, token=token)
    port = port or _free_port(host)
    url = make_url(host, port, token)
    print(f"nocontact is running on this computer only. Open this link in your browser:\n\n  {url}\n\n"
          "Keep this window open while you use it; press Ctrl+C here to stop.", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Warning: listening on {host}, not only on this computer.", flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            server_header=False, date_header=False)
    server = uvicorn.Server(config)
    if open_browser:
        import threading

        threading.Timer(0.8, lambda: webbrowser.open(url)).start()
    server.run()
