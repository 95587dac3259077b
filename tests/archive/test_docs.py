"""The archive commands are documented, with an example in their help."""

from __future__ import annotations

import re
from pathlib import Path

from ..cli.test_cli import Runner, vt  # noqa: F401

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_documents_the_archive_commands() -> None:
    for command in ("warc export", "warc import", "import wayback", "archive"):
        assert f"`{command} " in README, command
    for key in ("origin", "archive_url"):
        assert f"`{key}`" in README or f'"{key}"' in README


def test_every_archive_command_has_an_example(vt: Runner) -> None:  # noqa: F811
    for args in (("warc", "export"), ("warc", "import"), ("import", "wayback"), ("archive",)):
        result = vt(*args, "--help")
        assert result.code == 0, args
        assert re.search(rf"Example: versiontrack {' '.join(args)}", result.out), args
