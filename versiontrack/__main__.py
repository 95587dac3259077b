"""``python -m versiontrack``: the same as the ``versiontrack`` command."""

from versiontrack.cli import main

# Guarded: the page-reading process pool spawns interpreters that import this module.
if __name__ == "__main__":
    main()
