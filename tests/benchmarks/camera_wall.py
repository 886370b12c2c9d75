"""Camera wall benchmark: 4, 9 and 16 tiles of 640x360 H.264 at 25 fps from a local RTSP server.

    python -m tests.benchmarks.camera_wall [--seconds 10] [--counts 4,9,16] [--size 1920x1080]
                                           [--speed 0] [--repeat 3]

The RTSP server is gst-rtsp-server on 127.0.0.1 (tests/helpers/rtsp.py), one mount per tile,
each a videotestsrc pattern (bars, a ball, snow, circles, ...) standing still unless --speed
makes it pan: still pictures are cheap to decode, so the baseline is small and the wall's fixed
cost per frame (scaling to RGB, painting) weighs more in the ratio.

Wall: a real window (QT_QPA_PLATFORM=offscreen) of N CameraViews in a grid, in this process:
PyAV relay -> libvlc decode and scale to the tile (I420) -> converted to BGRA on VLC's threads
(dispatch_desk/cameras/yuv.py) -> QImage painted on the GUI thread. While it measures, the
benchmark runs Qt's event loop, as the desk does.

Baseline: ``cvlc`` (run as nobody: it refuses root) with no display, ``--vout dummy``, one per
stream. Debian's VLC cannot open rtsp:// (no live555), so cvlc plays the same H.264 over the
same route the wall uses: the project's RtspRelay (PyAV, remux to MPEG-TS, no re-encoding), run
in a helper process that writes each stream into a FIFO cvlc reads. The baseline's CPU is that
of every cvlc process plus the relay helper (the wall pays for its relay in-process too);
``cpu_ratio_vs_cvlc_only`` leaves the relay helper out, for the record.

Per tile count:
  cpu_ratio_vs_vlc   whole-process CPU (utime+stime from /proc) of the wall over --seconds,
                     divided by the baseline's over the same length, measured one after the
                     other in this run, each after a 2 s warm-up; --repeat such pairs (3), the
                     median of their ratios (each pair's in cpu_ratio_pairs: on a shared
                     machine one pair moves by 0.1 either way with whatever else runs).
  first_frame_s      from play() until the tile painted its first frame: the slowest tile.
  layout_switch_ms   re-grid the tiles (positions permuted, like a new saved view) and switch
                     every tile to another stream (as sub <-> main does), until the new layout
                     is painted with every tile in its place (the slowest of 3 switches).
  layout_live_ms     the same switch, until every tile shows its new stream's picture again.
reconnect_s: the 16-tile wall (the last count), the server stopped until every tile shows the
loss, then started again on the same port: until every tile is live again.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGETS = {"cpu_ratio_vs_vlc": 1.3, "first_frame_s": 2.0, "layout_switch_ms": 300.0}
RECONNECT_TARGET_S = 5.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parents[2]


# -- CPU of a process tree, from /proc


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def process_cpu_s(pid: int) -> float:
    """utime+stime of one process (all its threads, not its children), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_cpu_s(pid: int) -> float:
    """utime+stime of a process and all its descendants, in seconds (runuser -> vlc)."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        total += process_cpu_s(current)
        stack += _children(current)
    return total


# -- the relay helper for the cvlc baseline: python -m tests.benchmarks.camera_wall --relay ...


def relay_main(fifos: list[str], urls: list[str]) -> int:
    from dispatch_desk.cameras.relay import RtspRelay

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    relays = []
    for fifo, url in zip(fifos, urls, strict=True):
        fd = os.open(fifo, os.O_RDWR)  # RDWR: no wait for the reader to open it
        relay = RtspRelay(url, transport="tcp")
        relay.start(sink_fd=fd)
        relays.append(relay)
    print("READY", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    for relay in relays:
        relay.stop()
    return 0


class Baseline:
    """cvlc x N, fed by one relay helper process through FIFOs."""

    def __init__(self, urls: list[str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="camera-wall-bench-"))
        os.chmod(self.folder, 0o755)
        self.fifos = []
        for n in range(len(urls)):
            fifo = self.folder / f"stream{n}.ts"
            os.mkfifo(fifo)
            os.chmod(fifo, 0o666)
            self.fifos.append(str(fifo))
        self.relay = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.benchmarks.camera_wall",
                "--relay",
                *self.fifos,
                "--",
                *urls,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.relay.stdout is not None
        if self.relay.stdout.readline().strip() != "READY":
            raise RuntimeError("relay helper did not start")
        user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        self.players = [
            subprocess.Popen(
                [
                    *user,
                    "cvlc",
                    "--intf",
                    "dummy",
                    "--vout",
                    "dummy",
                    "--no-audio",
                    "--no-video-title-show",
                    "--quiet",
                    "--demux=ts",
                    f"file://{fifo}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for fifo in self.fifos
        ]

    def cpu(self) -> tuple[float, float]:
        """(CPU seconds of all cvlc processes, of the relay helper)."""
        return sum(tree_cpu_s(p.pid) for p in self.players), tree_cpu_s(self.relay.pid)

    def alive(self) -> bool:
        return self.relay.poll() is None and all(p.poll() is None for p in self.players)

    def close(self) -> None:
        for player in self.players:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(player.pid, signal.SIGTERM)
        for player in self.players:
            try:
                player.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(player.pid, signal.SIGKILL)
                player.wait()
        assert self.relay.stdin is not None
        self.relay.stdin.close()
        try:
            self.relay.wait(10)
        except subprocess.TimeoutExpired:
            self.relay.kill()
            self.relay.wait()
        for fifo in self.fifos:
            os.unlink(fifo)
        self.folder.rmdir()


# -- the wall


def grid_shape(count: int) -> tuple[int, int]:
    columns = 1
    while columns * columns < count:
        columns += 1
    rows = (count + columns - 1) // columns
    return rows, columns


class Wall:
    def __init__(self, app: Any, count: int, size: tuple[int, int]) -> None:
        from PySide6.QtWidgets import QGridLayout, QWidget

        from ui.wall.player import CameraView

        self.app = app
        self.window = QWidget()
        self.window.setWindowTitle(f"Camera wall benchmark ({count})")
        self.window.setStyleSheet("background: #171b21;")
        self.grid = QGridLayout(self.window)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(2)
        self.views = [CameraView(self.window) for _ in range(count)]
        self.first: dict[int, float] = {}
        self.started: dict[int, float] = {}
        for n, view in enumerate(self.views):
            view.first_frame.connect(lambda n=n: self.first.setdefault(n, time.monotonic()))
        self.place(list(range(count)))
        self.window.resize(*size)
        self.window.show()
        self.pump(0.2)

    def place(self, order: list[int]) -> None:
        _rows, columns = grid_shape(len(self.views))
        for view in self.views:
            self.grid.removeWidget(view)
        for slot, index in enumerate(order):
            self.grid.addWidget(self.views[index], slot // columns, slot % columns)

    def play(self, urls: list[str]) -> None:
        self.first.clear()
        for n, (view, url) in enumerate(zip(self.views, urls, strict=True)):
            self.started[n] = time.monotonic()
            view.play(url)

    def pump(self, seconds: float) -> None:
        """Run Qt's event loop for ``seconds``, as the desk's loop runs: asleep until a timer
        or an event. (Polling processEvents() every 2 ms cost ~3% CPU with an idle wall, all
        of it counted as the wall's.)"""
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        loop = QEventLoop()
        timer = QTimer(loop, singleShot=True, interval=max(0, round(seconds * 1000)))
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(loop.quit)
        timer.start()
        loop.exec()

    def wait(self, check: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            self.pump(0.01)
        return bool(check())

    def all_first(self) -> bool:
        return len(self.first) == len(self.views)

    def live(self) -> bool:
        from dispatch_desk.cameras.streams import StreamState

        return all(v.state is StreamState.LIVE for v in self.views)

    def switch(self, urls: list[str], order: list[int]) -> tuple[float, float]:
        """Re-grid and switch streams; (ms until painted in place, ms until all live)."""
        from PySide6.QtCore import QEventLoop

        started = time.monotonic()
        self.window.setUpdatesEnabled(False)
        self.place(order)
        self.play(urls)
        self.window.setUpdatesEnabled(True)
        self.grid.activate()
        self.window.repaint()  # synchronous: the new layout is on screen when this returns
        self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        painted = (time.monotonic() - started) * 1000
        self.wait(self.all_first, 20)
        live = (time.monotonic() - started) * 1000
        return painted, live

    def close(self) -> None:
        from dispatch_desk.cameras.playback import close_all

        for view in self.views:
            view.stop()
        close_all(timeout=15)
        self.window.close()
        self.window.deleteLater()
        self.pump(0.2)


def measure(
    app: Any, server: Any, count: int, seconds: float, size: tuple[int, int]
) -> tuple[dict[str, Any], Wall]:
    mounts = server.mounts
    urls = [server.url(n % mounts) for n in range(count)]
    wall = Wall(app, count, size)
    wall.play(urls)
    if not wall.wait(wall.all_first, 30):
        raise RuntimeError(f"{count} tiles: only {len(wall.first)} showed a picture")
    firsts = [wall.first[n] - wall.started[n] for n in range(count)]
    result = {
        "first_frame_s": round(max(firsts), 3),
        "first_frame_median_s": round(statistics.median(firsts), 3),
        **wall_cpu(wall, seconds),
    }
    switches = []
    for k in range(1, 4):
        order = [(n + k) % count for n in range(count)]
        other = [server.url((n + k) % mounts) for n in range(count)]
        switches.append(wall.switch(other, order))
    result["layout_switch_ms"] = round(max(s[0] for s in switches), 1)
    result["layout_live_ms"] = round(max(s[1] for s in switches), 1)
    result["tile_px"] = [wall.views[0].width(), wall.views[0].height()]
    return result, wall


def wall_cpu(wall: Wall, seconds: float) -> dict[str, Any]:
    """The wall's CPU over ``seconds`` of playing, after a 2 s warm-up."""
    wall.pump(2.0)  # warm-up
    count = len(wall.views)
    shown = sum(v.frames_shown for v in wall.views)
    replaced = sum(v.frames_replaced for v in wall.views)
    # This process only: the RTSP server is a child of it and must not count.
    me = os.getpid()
    cpu0, t0 = process_cpu_s(me), time.monotonic()
    wall.pump(seconds)
    used, elapsed = process_cpu_s(me) - cpu0, time.monotonic() - t0
    return {
        "wall_cpu_percent": round(100 * used / elapsed, 1),
        "wall_fps_per_tile": round(
            (sum(v.frames_shown for v in wall.views) - shown) / elapsed / count, 1
        ),
        # Frames VLC handed over that a newer one replaced before they were painted.
        "wall_frames_replaced": sum(v.frames_replaced for v in wall.views) - replaced,
    }


def stop_wall(wall: Wall) -> None:
    """The tiles stopped and their players down: the baseline runs alone."""
    from dispatch_desk.cameras.playback import close_all

    for view in wall.views:
        view.stop()
    close_all(timeout=15)


def cpu_pairs(
    wall: Wall, server: Any, first: dict[str, Any], seconds: float, repeat: int
) -> dict[str, Any]:
    """``repeat`` pairs of (the wall's CPU, then the baseline's over as long); the ratio is the
    median of the pairs' ratios. One pair is at the mercy of whatever else the machine runs
    in those 10 s; the pairs' spread is reported with it."""
    count = len(wall.views)
    urls = [server.url(n % server.mounts) for n in range(count)]
    walls = [first]
    pairs: list[dict[str, Any]] = []
    for n in range(repeat):
        if n > 0:
            wall.play(urls)
            if not wall.wait(wall.all_first, 30):
                raise RuntimeError(f"{count} tiles: not all came back for pair {n + 1}")
            walls.append(wall_cpu(wall, seconds))
        stop_wall(wall)
        base = measure_baseline(server, count, seconds)
        baseline_cpu = base["cvlc_cpu_percent"] + base["relay_helper_cpu_percent"]
        pairs.append(
            {
                **base,
                "ratio": round(walls[n]["wall_cpu_percent"] / baseline_cpu, 3),
                "ratio_cvlc_only": round(
                    walls[n]["wall_cpu_percent"] / max(0.1, base["cvlc_cpu_percent"]), 3
                ),
            }
        )

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "wall_cpu_percent": median([w["wall_cpu_percent"] for w in walls]),
        "wall_fps_per_tile": min(w["wall_fps_per_tile"] for w in walls),
        "wall_frames_replaced": sum(w["wall_frames_replaced"] for w in walls),
        "cvlc_cpu_percent": median([p["cvlc_cpu_percent"] for p in pairs]),
        "relay_helper_cpu_percent": median([p["relay_helper_cpu_percent"] for p in pairs]),
        "cpu_ratio_vs_vlc": median([p["ratio"] for p in pairs]),
        "cpu_ratio_vs_cvlc_only": median([p["ratio_cvlc_only"] for p in pairs]),
        "cpu_ratio_pairs": [round(p["ratio"], 2) for p in pairs],
        "wall_cpu_pairs": [w["wall_cpu_percent"] for w in walls],
        "baseline_cpu_pairs": [
            round(p["cvlc_cpu_percent"] + p["relay_helper_cpu_percent"], 1) for p in pairs
        ],
    }


def measure_baseline(server: Any, count: int, seconds: float) -> dict[str, Any]:
    urls = [server.url(n % server.mounts) for n in range(count)]
    baseline = Baseline(urls)
    try:
        time.sleep(2.0)  # warm-up
        if not baseline.alive():
            raise RuntimeError("cvlc or the relay helper stopped")
        vlc0, relay0 = baseline.cpu()
        t0 = time.monotonic()
        time.sleep(seconds)
        vlc1, relay1 = baseline.cpu()
        elapsed = time.monotonic() - t0
        if not baseline.alive():
            raise RuntimeError("cvlc or the relay helper stopped")
    finally:
        baseline.close()
    return {
        "cvlc_cpu_percent": round(100 * (vlc1 - vlc0) / elapsed, 1),
        "relay_helper_cpu_percent": round(100 * (relay1 - relay0) / elapsed, 1),
    }


def measure_reconnect(wall: Wall, server: Any) -> float:
    from dispatch_desk.cameras.streams import StreamState

    server.stop()
    if not wall.wait(
        lambda: all(v.state is StreamState.RECONNECTING for v in wall.views), timeout=10
    ):
        raise RuntimeError("the tiles did not notice the server going away")
    wall.pump(3.0)  # a few failed attempts: the backoff grows
    server.start()
    back = time.monotonic()
    if not wall.wait(wall.live, timeout=30):
        raise RuntimeError("the tiles did not come back")
    return time.monotonic() - back


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--counts", default="4,9,16")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="pairs of (wall, baseline) CPU measurements per tile count; the ratio is their median",
    )
    parser.add_argument("--size", default="1920x1080", help="the wall window, WxH")
    parser.add_argument(
        "--speed",
        type=int,
        default=0,
        help="pan the test pictures this many pixels a frame (more to decode, like a busy "
        "scene); 0 = videotestsrc's patterns standing still, as the issue's server",
    )
    parser.add_argument("--relay", nargs="*", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.relay is not None:
        return relay_main(args.relay, [u for u in rest if u != "--"])

    from PySide6.QtWidgets import QApplication

    from tests.helpers.rtsp import RtspServer, rtsp_server_available

    why = rtsp_server_available()
    if why:
        print(json.dumps({"error": why}))
        return 1
    counts = [int(c) for c in args.counts.split(",")]
    width, height = (int(v) for v in args.size.split("x"))
    app = QApplication.instance() or QApplication([])
    report: dict[str, Any] = {
        "baseline": (
            "cvlc --intf dummy --vout dummy --demux=ts, one per stream, as nobody, reading the "
            "same H.264 (640x360, 25 fps, from the same gst-rtsp-server) remuxed unchanged to "
            "MPEG-TS by the project's RtspRelay in a helper process, through FIFOs; baseline "
            "CPU = all cvlc processes + the relay helper"
        ),
        "wall": (
            f"{width}x{height} offscreen window, N CameraViews in a grid, in this process: "
            "relay + libvlc decode/scale + Qt paint"
        ),
        "seconds": args.seconds,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "tiles": {},
    }
    failed: list[str] = []
    report["pattern_speed_px_per_frame"] = args.speed
    with RtspServer(mounts=max(counts), speed=args.speed) as server:
        wall = None
        for count in counts:
            if wall is not None:
                wall.close()
            result, wall = measure(app, server, count, args.seconds, (width, height))
            first = {k: result.pop(k) for k in list(result) if k.startswith("wall_")}
            result.update(cpu_pairs(wall, server, first, args.seconds, args.repeat))
            report["tiles"][str(count)] = result
            print(f"{count} tiles: {json.dumps(result)}", file=sys.stderr, flush=True)
            for name, limit in TARGETS.items():
                judged = count in (9, 16) or name != "cpu_ratio_vs_vlc"
                if judged and result[name] > limit:
                    failed.append(f"{name}@{count}={result[name]} > {limit}")
            if count == counts[-1]:
                # Play again for the reconnect test: the same wall, all tiles live.
                wall.play([server.url(n % server.mounts) for n in range(count)])
                if not wall.wait(wall.live, 30):
                    raise RuntimeError("the wall did not come back for the reconnect test")
                report["reconnect_s"] = round(measure_reconnect(wall, server), 2)
                report["reconnect_tiles"] = count
                if report["reconnect_s"] > RECONNECT_TARGET_S:
                    failed.append(f"reconnect_s={report['reconnect_s']} > {RECONNECT_TARGET_S}")
        if wall is not None:
            wall.close()
    report["targets"] = {**TARGETS, "reconnect_s": RECONNECT_TARGET_S}
    report["missed"] = failed
    report["ok"] = not failed
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
