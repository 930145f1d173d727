"""The evidence bundle built in memory, for the web app: the same zip ``nocontact bundle`` writes.

``build_bundle`` writes to a path (a ``.partial`` file renamed when complete), which in the web
app would leave an unencrypted copy of all the evidence on disk until the download ends. The web
app asks the same builder (``write_bundle``) for the zip in memory and journals the export the
way the CLI does.
"""

from __future__ import annotations

import hashlib
import io

from nocontact.bundle.build import BundleOptions, write_bundle
from nocontact.vault.store import Vault

__all__ = ["bundle_bytes"]


def bundle_bytes(vault: Vault, name: str, opts: BundleOptions | None = None) -> bytes:
    """The whole bundle as bytes, journalled as an export like the CLI's."""
    dest = io.BytesIO()
    seq, head, events = write_bundle(vault, dest, name, opts)
    data = dest.getvalue()
    with vault.transaction():
        vault.append_journal("export", {"kind": "bundle", "file_name": name, "head_seq": seq, "head": head,
                                        "events": events, "sha256": hashlib.sha256(data).hexdigest()})
    return data
