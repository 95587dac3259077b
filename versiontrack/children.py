"""The processes versiontrack spawns (page readers, pass shards) die with their parent.

A parent that exits normally stops its children itself (``readers.cpu_pool``,
``shards.check_in_shards``), but a parent killed with ``kill -9`` (or by the OOM killer) runs
no code at all: its children would go on, orphaned, holding memory and the leases of the
pass. So every spawned process first asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG`` on Linux), and watches its parent's pid besides: that covers a parent
that died before the request was made, and systems without ``prctl``. multiprocessing's
resource tracker needs nothing of its own: it exits when the last process holding its pipe
(the parent and these children) is gone.

``PR_SET_PDEATHSIG`` fires when the *thread* that spawned the child ends, so children must be
spawned from a thread that outlives them: the thread running the pass or the daemon.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

from versiontrack import logs

_PR_SET_PDEATHSIG = 1
#: How often the watchdog looks at the parent's pid, in seconds.
WATCH_INTERVAL = 0.5
#: Exit status of a child that found its parent gone.
ORPHANED = 70


def start(parent: int, log_level: int, tag: str) -> None:
    """What a spawned process does first: die with ``parent`` (its pid), then log like it."""
    die_with(parent)
    logs.start_child(log_level, tag)


def die_with(parent: int) -> None:
    """Make this process end when ``parent`` does, however ``parent`` ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the kernel was asked: we are an orphan already
        os._exit(ORPHANED)
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(ORPHANED)
