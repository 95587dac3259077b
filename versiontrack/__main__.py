"""``python -m versiontrack``: the same as the ``versiontrack`` command."""

from versiontrack.cli import main

main()
