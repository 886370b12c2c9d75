"""The demo cameras' pictures: short looping clips the project makes itself, at first use.

Each demo camera plays ``demo:<slug>`` (main, 640x360) or ``demo:<slug>/sub`` (320x180): a
20-second H.264 loop of a dim scene with shapes moving across it, the camera's name and a running
clock drawn in with a small built-in bitmap font (no image library in the core). Both sizes are
made in one pass with PyAV into the workstation's state folder and kept there; making them takes
a few seconds, on one background thread, so that start-up is not slowed.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av

from dispatch_desk.config.paths import resolve_paths

log = logging.getLogger(__name__)

MAIN_SIZE = (640, 360)
SUB_SIZE = (320, 180)
FPS = 25
SECONDS = 20
VERSION = 1  # bump when the picture changes: older clips are made again

# 5x7 glyphs, one string of 7 rows of 5 bits each ('#' on).
_GLYPHS: dict[str, tuple[str, ...]] = {
    "A": (" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "B": ("#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "),
    "C": (" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "),
    "D": ("#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "),
    "E": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"),
    "F": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "),
    "G": (" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"),
    "H": ("#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "I": (" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "J": ("  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "),
    "K": ("#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"),
    "L": ("#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"),
    "M": ("#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"),
    "N": ("#   #", "##  #", "# # #", "#  ##", "#   #", "#   #", "#   #"),
    "O": (" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "P": ("#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "),
    "Q": (" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"),
    "R": ("#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"),
    "S": (" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "V": ("#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "),
    "W": ("#   #", "#   #", "#   #", "# # #", "# # #", "## ##", "#   #"),
    "X": ("#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"),
    "Y": ("#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "),
    "Z": ("#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"),
    "0": (" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"),
    "3": ("#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "),
    "4": ("   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "),
    "5": ("#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "),
    "6": ("  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "),
    "8": (" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "),
    "9": (" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "),
    ":": ("     ", "  #  ", "  #  ", "     ", "  #  ", "  #  ", "     "),
    ".": ("     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "),
    "-": ("     ", "     ", "     ", "#####", "     ", "     ", "     "),
    "/": ("    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "),
    " ": ("     ",) * 7,
}


def name_from_slug(slug: str) -> str:
    return slug.replace("-", " ").upper()


def slugify(name: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in name)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:80]


class _Canvas:
    """An RGBA picture in a bytearray, with spans, rectangles, discs and text."""

    def __init__(self, width: int, height: int, background: bytes) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(background)

    def span(self, y: int, x0: int, x1: int, colour: bytes) -> None:
        if 0 <= y < self.height:
            x0, x1 = max(0, x0), min(self.width, x1)
            if x1 > x0:
                start = (y * self.width + x0) * 4
                self.pixels[start : start + (x1 - x0) * 4] = colour * (x1 - x0)

    def rect(self, x: int, y: int, w: int, h: int, colour: bytes) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            self.span(row, x, x + w, colour)

    def disc(self, cx: int, cy: int, r: int, colour: bytes) -> None:
        for dy in range(-r, r + 1):
            half = int(math.sqrt(r * r - dy * dy))
            self.span(cy + dy, cx - half, cx + half + 1, colour)

    def text(self, x: int, y: int, text: str, scale: int, colour: bytes) -> None:
        for char in text.upper():
            glyph = _GLYPHS.get(char, _GLYPHS[" "])
            for gy, row in enumerate(glyph):
                for gx, bit in enumerate(row):
                    if bit == "#":
                        self.rect(x + gx * scale, y + gy * scale, scale, scale, colour)
            x += 6 * scale


def _rgba(r: int, g: int, b: int) -> bytes:
    return bytes((r, g, b, 255))


@functools.lru_cache(maxsize=4)
def _background(width: int, height: int) -> bytes:
    rows = []
    for y in range(height):
        if height * 0.55 < y < height * 0.8:  # a road across the scene
            shade = _rgba(46, 48, 52) if (y // 6) % 9 else _rgba(120, 116, 90)
        else:
            v = 22 + int(18 * y / height)
            shade = _rgba(v, v + 4, v + 10)
        rows.append(shade * width)
    return b"".join(rows)


@functools.lru_cache(maxsize=4)
def _name_bar(name: str, width: int) -> bytes:
    bar = _Canvas(width, 26, _rgba(0, 0, 0) * width * 26)
    bar.text(8, 6, name[:50], 2, _rgba(230, 230, 230))
    return bytes(bar.pixels)


def draw_frame(name: str, index: int, width: int = 640, height: int = 360) -> bytes:
    """Frame ``index`` of a camera's clip, RGBA."""
    canvas = _Canvas(width, height, _background(width, height))
    t = index / FPS
    # Two vehicles across the road, a walker bouncing on the pavement: all loop in SECONDS.
    lane = int(height * 0.6)
    x = int((t / SECONDS) * (width + 140)) - 120
    canvas.rect(x, lane, 110, 34, _rgba(176, 58, 52))
    canvas.rect(x + 12, lane - 16, 70, 18, _rgba(150, 48, 44))
    x2 = width - int(((t * 2) % SECONDS) / SECONDS * (width + 100))
    canvas.rect(x2, lane + 40, 80, 26, _rgba(60, 110, 170))
    walk = int((math.sin(2 * math.pi * t / SECONDS * 3) + 1) / 2 * (width - 60)) + 30
    bounce = int(abs(math.sin(2 * math.pi * t)) * 14)
    canvas.disc(walk, int(height * 0.47) - bounce, 11, _rgba(210, 190, 90))
    # The camera's name top left, the running clock bottom right.
    canvas.pixels[: width * 26 * 4] = _name_bar(name, width)
    whole = int(t)
    clock = f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{index % FPS * 4:02d}"
    canvas.rect(
        width - 6 * 2 * len(clock) - 16, height - 26, 6 * 2 * len(clock) + 16, 26, _rgba(0, 0, 0)
    )
    canvas.text(width - 6 * 2 * len(clock) - 8, height - 20, clock, 2, _rgba(240, 200, 80))
    return bytes(canvas.pixels)


def make_clips(name: str, main_path: Path, sub_path: Path) -> None:
    """Make both sizes of a camera's clip (a few seconds of work); replaces them atomically."""
    width, height = MAIN_SIZE
    outputs = []
    for path, (w, h) in ((main_path, MAIN_SIZE), (sub_path, SUB_SIZE)):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + f".{os.getpid()}.part")
        container = av.open(str(partial), mode="w", format="mp4")
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(FPS)}
        outputs.append((path, partial, container, stream, w, h))
    try:
        for index in range(FPS * SECONDS):
            rgba = av.VideoFrame.from_bytes(
                draw_frame(name, index, width, height), width, height, "rgba"
            )
            for _, _, container, stream, w, h in outputs:
                frame = rgba.reformat(width=w, height=h, format="yuv420p")
                frame.pts = index
                frame.time_base = Fraction(1, FPS)
                for packet in stream.encode(frame):
                    container.mux(packet)
        for _, _, container, stream, _, _ in outputs:
            for packet in stream.encode(None):
                container.mux(packet)
            container.close()
        for path, partial, *_ in outputs:
            os.replace(partial, path)
    finally:
        for _, partial, container, *_ in outputs:
            if partial.exists():
                container.close()
                partial.unlink(missing_ok=True)


class DemoClips:
    """The clips in one folder, made on demand on one background thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._waiting: dict[str, list[Callable[[bool, str], None]]] = {}
        self._queue: list[str] = []
        self._worker: threading.Thread | None = None

    def clip_path(self, slug: str, *, sub: bool = False) -> Path:
        return self.folder / f"{slug}-v{VERSION}-{'sub' if sub else 'main'}.mp4"

    def ready(self, slug: str, *, sub: bool = False) -> bool:
        return self.clip_path(slug, sub=sub).is_file()

    def prepare(
        self, slug: str, *, sub: bool = False, on_done: Callable[[bool, str], None]
    ) -> None:
        """Make the slug's clips if they are missing; ``on_done(ok, why)`` is called on the
        maker's thread (or at once when they exist)."""
        if self.ready(slug, sub=sub):
            on_done(True, "")
            return
        with self._lock:
            if slug not in self._waiting:
                self._waiting[slug] = []
                self._queue.append(slug)
            self._waiting[slug].append(on_done)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="demo-clips", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._worker = None
                    return
                slug = self._queue.pop(0)
            ok, why = True, ""
            try:
                if not (self.ready(slug) and self.ready(slug, sub=True)):
                    log.info("making the demo clip for %s", slug)
                    make_clips(
                        name_from_slug(slug),
                        self.clip_path(slug),
                        self.clip_path(slug, sub=True),
                    )
            except (av.FFmpegError, OSError, ValueError) as exc:
                log.warning("demo clip for %s could not be made: %s", slug, exc)
                ok, why = False, "The demo clip could not be made"
            with self._lock:
                callbacks = self._waiting.pop(slug, [])
            for callback in callbacks:
                callback(ok, why)


_libraries: dict[Path, DemoClips] = {}
_libraries_lock = threading.Lock()
_configured: Path | None = None


def configure(folder: Path) -> None:
    """Where this workstation keeps its clips (the app calls it with its own paths, which a
    ``--home`` can move away from what the environment says)."""
    global _configured
    _configured = folder


def default_library(folder: Path | None = None) -> DemoClips:
    """The clips of this workstation: ``folder``, or the configured one, or in its state
    folder."""
    if folder is None:
        folder = _configured or resolve_paths().state_dir / "demo-clips"
    with _libraries_lock:
        if folder not in _libraries:
            _libraries[folder] = DemoClips(folder)
        return _libraries[folder]
