"""Where the files shipped beside the code live: ``migrations/`` and ``seeds/``.

A wheel carries them inside the package (``versiontrack/_migrations``, ``versiontrack/_seeds``);
a source checkout or editable install has them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The folder ``name`` (``"migrations"`` or ``"seeds"``) for this installation."""
    for candidate in (PACKAGE_DIR / f"_{name}", PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"versiontrack's {name}/ folder is missing from this installation")
