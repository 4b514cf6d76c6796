"""Where one installation keeps its local state: one answer for every entry point.

``newswire up`` runs the services with their state under this folder, and a command typed in a
plain shell (``newswire feeds list``, ``newswire ingest poll``) finds the same state there, for
the same user, as root or not, and with ``NEWSWIRE_INFRA_STATE_DIR`` set or not.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "NEWSWIRE_INFRA_STATE_DIR"


def default_state_dir() -> Path:
    """``/var/lib/newswire`` as root, else ``$XDG_STATE_HOME/newswire``
    (``~/.local/state/newswire``)."""
    # Elasticsearch runs as a dedicated user when we are root, and root's home is usually 0700:
    # its home, data and logs must live where that user can reach them.
    if os.geteuid() == 0:
        return Path("/var/lib/newswire")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "newswire"


def state_dir() -> Path:
    """The installation's state folder: ``NEWSWIRE_INFRA_STATE_DIR`` when set (as the local
    runner reads it), else ``default_state_dir()``."""
    configured = os.environ.get(STATE_DIR_ENV)
    return Path(configured).expanduser() if configured else default_state_dir()


def service_state_dir(service: str) -> Path:
    """One service's folder under the installation's state folder."""
    return state_dir() / service
