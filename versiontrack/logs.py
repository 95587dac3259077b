"""Log output of every versiontrack process: the CLI's and the ones it spawns.

Spawned processes (page readers, pass shards) start with no logging set up, so each calls
``configure`` with its parent's level and a tag that says which process wrote a line.
"""

from __future__ import annotations

import logging
import signal


def configure(level: int, tag: str = "") -> None:
    """One format for every process, at ``level``; ``tag`` names a spawned process."""
    prefix = f"{tag} " if tag else ""
    logging.basicConfig(
        level=level, format=f"%(asctime)s %(levelname)s {prefix}%(name)s: %(message)s", force=True
    )
    # trafilatura warns about every page it finds nothing in; our checks record that already.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


def level() -> int:
    """This process's log level, for the processes it spawns."""
    return logging.getLogger().getEffectiveLevel()


def start_child(log_level: int, tag: str) -> None:
    """What a spawned process does first: log like its parent, and leave Ctrl-C (which
    reaches the whole process group) to the parent, which stops its children itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure(log_level, tag)
