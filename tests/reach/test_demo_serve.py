"""`versiontrack demo --serve`: the links the demo prints answer, from the demo database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx

from ..daemon.test_daemon import free_port


def test_demo_serve_keeps_the_web_app_up_so_the_printed_links_work() -> None:
    port = free_port()
    env = {**os.environ, "VERSIONTRACK_SERVER_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "versiontrack", "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any(line.startswith("Serving the web app") for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        root = f"http://127.0.0.1:{port}"
        links = [m for line in lines for m in re.findall(rf"{root}/articles/\S+", line)]
        assert len(links) >= 5
        answered = None
        while answered is None and time.monotonic() < deadline:
            try:
                answered = httpx.get(f"{root}/healthz", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert answered is not None and answered.status_code == 200
        for link in links:
            page = httpx.get(link, timeout=10)
            assert page.status_code == 200, link
        body = httpx.get(f"{root}/", timeout=10).text
        assert "surely return in body bags" in body
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
    assert process.returncode == 0, "".join(lines)
