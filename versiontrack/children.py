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

Children are forked when the parent runs no other thread (``fork_context``: a one-off
pass's shards and page readers, started before the pass starts any), and otherwise spawned
with ``SPAWN``, which starts them without the parent's main module. A plain spawned process
imports the parent's ``__main__`` again (the ``versiontrack`` script and so the whole CLI,
or a benchmark's driver): about a third of a second of CPU a process that it never uses,
since what it runs is named by module (``shards._shard_main``, the reader pool's
functions). A child imports only what its work needs, and a program that starts a pass
needs no ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import context, get_context, popen_spawn_posix
from multiprocessing.process import BaseProcess

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


_SWAPPING = threading.Lock()


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Spawning reads ``sys.modules["__main__"]`` to tell the child what to import as its
    main module: a bare module names nothing. Objects defined in ``__main__`` cannot be sent
    to a child meanwhile (none is: children run functions of versiontrack's modules)."""
    with _SWAPPING:  # two threads spawning at once must not restore each other's stand-in
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def sendable(obj: object) -> bool:
    """Whether ``obj`` can be sent to a child: a lambda cannot, nor anything of ``__main__``."""
    with _main_module_hidden():
        try:
            pickle.dumps(obj)
        except (pickle.PicklingError, AttributeError, TypeError):
            return False
    return True


class _Popen(popen_spawn_posix.Popen):
    def _launch(self, process_obj: BaseProcess) -> None:
        with _main_module_hidden():
            super()._launch(process_obj)


class _Process(context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _Popen:  # type: ignore[override]
        return _Popen(process_obj)


class _SpawnContext(context.SpawnContext):
    Process = _Process


#: The start method of children started while other threads run: spawn, without the
#: parent's main module.
SPAWN = _SpawnContext()


def fork_context() -> context.BaseContext | None:
    """The fork start method when forking is safe here, else None (then ``SPAWN``).

    A forked child has every module its parent imported, for a few milliseconds of CPU,
    where a spawned one spends the better part of a second importing trafilatura, httpx and
    SQLAlchemy again. But a fork copies the locks other threads hold, mid-use, and none of
    their work: only a process that runs no other thread may fork. And only on Linux: macOS's
    system libraries are not fork-safe (Python spawns there by default for that reason).
    """
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return None
    return get_context("fork")
