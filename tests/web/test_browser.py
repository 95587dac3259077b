"""The diff page in a real browser: headless Chromium against the app served by uvicorn.

Checks the DOM Chromium builds (both Guardian headlines, ``<del>``/``<ins>``, the side-by-side
rows) and takes a desktop and a phone-sized screenshot. Skips only when no Chromium is
installed (CI installs Debian's ``chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from .conftest import GUARDIAN, NEW_HEADLINE, OLD_HEADLINE, Site, text_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (apt-get install chromium)"
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def base_url(site: Site) -> Iterator[str]:
    """The app on an ephemeral loopback port, served by uvicorn in a background thread."""
    config = uvicorn.Config(site.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_diff_page_renders_side_by_side_in_chromium(
    site: Site, base_url: str, tmp_path: Path
) -> None:
    url = f"{base_url}/articles/{site.ids[GUARDIAN]}/diff/2/3"
    dom = chromium(tmp_path, "--dump-dom", url).stdout
    assert "<del>in Russian uniforms heading to Kursk, says US</del>" in dom
    assert "<ins>fighting for Russia in Ukraine will ‘surely return in body bags’, US envoy" in dom
    assert OLD_HEADLINE in text_of(dom) and NEW_HEADLINE in text_of(dom)
    assert '<table class="sbs">' in dom
    assert dom.count('<tr class="row-added') == 3
    assert dom.count('<td class="old gap"></td>') == 3
    assert dom.count('<tr class="row-equal') > 30
    # No script ran or was there to run: the DOM holds none.
    assert "<script" not in dom


@pytest.mark.parametrize(("name", "size"), [("desktop", "1280,2000"), ("phone", "390,1600")])
def test_diff_page_screenshots(
    site: Site, base_url: str, tmp_path: Path, name: str, size: str
) -> None:
    url = f"{base_url}/articles/{site.ids[GUARDIAN]}/diff/2/3"
    png = tmp_path / f"diff-{name}.png"
    chromium(tmp_path, f"--screenshot={png}", f"--window-size={size}", url)
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == tuple(int(n) for n in size.split(","))
    assert len(data) > 10_000  # a rendered page, not a blank one
