"""Raster base tiles: an MBTiles file, or an XYZ URL template with an on-disk cache.

Tiles are read on worker threads (a file read or an HTTP request never stalls the map) and
arrive as QImages on the GUI thread through ``tile_ready``. A missing tile is simply not drawn
(the agency's vector streets still are); a source that cannot be used says so once, plainly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

logger = logging.getLogger(__name__)

TileKey = tuple[int, int, int]  # zoom, x, y (XYZ numbering: y grows southwards)


class TileSourceError(ValueError):
    """A configured tile source cannot be used; the message says which and why."""


class TileSource(Protocol):
    name: str
    min_zoom: int
    max_zoom: int

    def fetch(self, zoom: int, x: int, y: int) -> bytes | None: ...

    def close(self) -> None: ...


class MBTilesSource:
    """An MBTiles 1.3 file (SQLite; rows numbered TMS-style, so y is flipped)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TileSourceError(f"{self.path}: no such MBTiles file")
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []  # one per reading thread, all closed at close
        self._opened_lock = threading.Lock()
        try:
            meta = dict(self._db().execute("SELECT name, value FROM metadata").fetchall())
            self._db().execute("SELECT zoom_level FROM tiles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise TileSourceError(f"{self.path}: not an MBTiles file ({exc})") from None
        self.name = str(meta.get("name") or self.path.stem)
        self.min_zoom = int(meta.get("minzoom", 0))
        self.max_zoom = int(meta.get("maxzoom", 19))
        self.attribution = str(meta.get("attribution", ""))
        fmt = str(meta.get("format", "png")).lower()
        if fmt not in ("png", "jpg", "jpeg", "webp"):
            raise TileSourceError(f"{self.path}: tiles in format {fmt!r} are not images")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        return db

    def fetch(self, zoom: int, x: int, y: int) -> bytes | None:
        row = (
            self._db()
            .execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (zoom, x, (2**zoom - 1) - y),
            )
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def close(self) -> None:
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()


class XyzSource:
    """A tile server's URL template ({z}/{x}/{y}), cached on disk so the map keeps working
    when the server (or the internet) is gone."""

    def __init__(
        self,
        template: str,
        cache_dir: Path,
        *,
        min_zoom: int = 0,
        max_zoom: int = 19,
        timeout_s: float = 5.0,
        retry_after_s: float = 60.0,
    ) -> None:
        if not all(part in template for part in ("{z}", "{x}", "{y}")):
            raise TileSourceError(f"tile URL {template!r} needs {{z}}, {{x}} and {{y}}")
        if not template.startswith(("http://", "https://", "file://")):
            raise TileSourceError(f"tile URL {template!r} must start with http:// or https://")
        self.template = template
        self.name = template
        self.min_zoom, self.max_zoom = min_zoom, max_zoom
        digest = hashlib.sha256(template.encode()).hexdigest()[:16]
        self.cache_dir = Path(cache_dir) / digest
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._failed_at: dict[TileKey, float] = {}
        self._warned = False
        self.fetched = 0  # from the server, for tests and the status line

    def _cached(self, zoom: int, x: int, y: int) -> Path:
        return self.cache_dir / str(zoom) / str(x) / f"{y}.tile"

    def fetch(self, zoom: int, x: int, y: int) -> bytes | None:
        cached = self._cached(zoom, x, y)
        try:
            return cached.read_bytes()
        except OSError:
            pass
        failed = self._failed_at.get((zoom, x, y))
        if failed is not None and time.monotonic() - failed < self.retry_after_s:
            return None
        url = self.template.format(z=zoom, x=x, y=y, s="a")
        request = urllib.request.Request(url, headers={"User-Agent": "DispatchDesk/1 (map)"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                data = reply.read(4 * 1024 * 1024)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._failed_at[(zoom, x, y)] = time.monotonic()
            if not self._warned:
                self._warned = True
                logger.warning("map tiles from %s are not available: %s", self.template, exc)
            return None
        if QImage.fromData(data).isNull():  # an error page served as 200 is not a tile
            self._failed_at[(zoom, x, y)] = time.monotonic()
            if not self._warned:
                self._warned = True
                logger.warning("map tiles from %s: the server sent something not an image", url)
            return None
        self.fetched += 1
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(data)
        os.replace(partial, cached)
        return data

    def close(self) -> None:
        pass


def open_source(spec: str, cache_dir: Path) -> TileSource | None:
    """'' (no raster layer), a path to an .mbtiles file, or an XYZ URL template."""
    spec = spec.strip()
    if not spec:
        return None
    if "{z}" in spec:
        return XyzSource(spec, cache_dir)
    return MBTilesSource(Path(spec).expanduser())


class RasterTiles(QObject):
    """Tiles of one source, decoded off the GUI thread and kept most-recently-used."""

    tile_ready = Signal(int, int, int)

    def __init__(self, source: TileSource, capacity: int = 300, workers: int = 3) -> None:
        super().__init__()
        self.source = source
        self._images: OrderedDict[TileKey, QImage | None] = OrderedDict()
        self._pending: set[TileKey] = set()
        self._lock = threading.Lock()
        self.capacity = capacity
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="map-tiles")
        self._closed = False

    def get(self, key: TileKey) -> tuple[bool, QImage | None]:
        """(known, image): known is False while the tile is still being fetched."""
        zoom = key[0]
        if not self.source.min_zoom <= zoom <= self.source.max_zoom:
            return True, None
        with self._lock:
            if key in self._images:
                self._images.move_to_end(key)
                return True, self._images[key]
            if key not in self._pending and not self._closed:
                self._pending.add(key)
                self._pool.submit(self._load, key)
        return False, None

    def _load(self, key: TileKey) -> None:
        image: QImage | None = None
        try:
            data = self.source.fetch(*key)
            if data:
                decoded = QImage.fromData(data)
                image = None if decoded.isNull() else decoded
        except Exception:  # a broken tile costs one tile, never the map
            logger.exception("map tile %s could not be read", key)
        with self._lock:
            self._pending.discard(key)
            if self._closed:
                return
            self._images[key] = image
            while len(self._images) > self.capacity:
                self._images.popitem(last=False)
        self.tile_ready.emit(*key)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        # A file read finishes at once: wait for it, then close the file. A web request may
        # hang on a dead network: do not hold the window for it.
        self._pool.shutdown(wait=isinstance(self.source, MBTilesSource), cancel_futures=True)
        self.source.close()
