"""A real RTSP server for the camera tests and the benchmark: gst-rtsp-server on 127.0.0.1.

Debian's /usr/bin/python3 runs ``rtsp_server.py`` beside this file (the venv has no gi). The
server can be stopped and started again on the same port, as a camera that drops off the network
and comes back::

    with RtspServer(mounts=4) as server:
        server.url(0)             # rtsp://127.0.0.1:<port>/cam0
        server.stop(); server.start()
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_server.py")


def rtsp_server_available() -> str:
    """Why the RTSP server cannot run here, or "" when it can."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing"
    probe = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0');"
            "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
            "assert Gst.ElementFactory.find('x264enc'), 'no x264enc'",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode:
        return "gst-rtsp-server is not installed: " + probe.stderr.strip()[-200:]
    return ""


class RtspServer:
    def __init__(
        self,
        mounts: int = 1,
        *,
        auth: tuple[str, str] | None = None,
        width: int = 640,
        height: int = 360,
        fps: int = 25,
        speed: int = 0,
    ) -> None:
        self.mounts = mounts
        self.auth = auth
        self.size = (width, height, fps)
        self.speed = speed  # pixels a frame the test picture pans (0: still patterns)
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    def url(self, mount: int = 0, *, host: str = "127.0.0.1") -> str:
        return f"rtsp://{host}:{self.port}/cam{mount}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc else 0

    def start(self, timeout: float = 20.0) -> None:
        """Start serving; on the port used before, if there was one."""
        if self.running:
            return
        width, height, fps = self.size
        command = [
            SYSTEM_PYTHON,
            str(SCRIPT),
            f"--port={self.port}",
            f"--mounts={self.mounts}",
            f"--width={width}",
            f"--height={height}",
            f"--fps={fps}",
            f"--speed={self.speed}",
        ]
        if self.auth:
            command.append(f"--auth={self.auth[0]}:{self.auth[1]}")
        deadline = time.monotonic() + timeout
        while True:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
            )
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                self._proc = proc
                return
            proc.kill()
            proc.wait()
            # The old listening socket can linger a moment after a restart: try again.
            if time.monotonic() > deadline:
                raise RuntimeError(f"RTSP server did not start: {line!r}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop serving: connected clients lose their stream at once."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe:
                pipe.close()

    def __enter__(self) -> RtspServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def cvlc_path() -> str | None:
    return shutil.which("cvlc")
