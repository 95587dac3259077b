"""Spawned children (``children.SPAWN``) start without the parent's main module."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from versiontrack import children

#: A main module that says when it is imported, spawns one child and sends it work.
PROGRAM = """\
import os
import sys

from versiontrack import children

print("main module imported", flush=True)


def here():
    pass


if __name__ == "__main__":
    print("sendable:", children.sendable(os.getpid), children.sendable(here), flush=True)
    child = children.SPAWN.Process(target=sys.exit, args=(3,))
    child.start()
    child.join()
    print("child exit code:", child.exitcode, flush=True)
"""


def test_a_child_does_not_import_the_parents_main_module(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    done = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=60, check=True
    )
    # a plain spawned child would print "main module imported" too, on importing program.py
    assert done.stdout.splitlines() == [
        "main module imported",
        "sendable: True False",
        "child exit code: 3",
    ]


def test_what_cannot_be_sent_to_a_child() -> None:
    assert children.sendable(time.time)
    assert not children.sendable(lambda: 0)
