"""Raster base layers: an MBTiles file, and an XYZ server cached on disk so the map keeps its
tiles when the server is gone; bad sources are refused with the file or URL named."""

from __future__ import annotations

import http.server
import sqlite3
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from ui.map.canvas import MapCanvas
from ui.map.projection import TILE, to_world
from ui.map.tiles import MBTilesSource, RasterTiles, TileSourceError, XyzSource, open_source

LAT, LON, ZOOM = 42.51, -71.72, 15


def _png(colour: str) -> bytes:
    image = QImage(TILE, TILE, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _tile_xy() -> tuple[int, int]:
    x, y = to_world(LAT, LON)
    return int(x * 2**ZOOM), int(y * 2**ZOOM)


def _mbtiles(path: Path, colour: str) -> Path:
    tx, ty = _tile_xy()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
    db.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [("name", "test"), ("format", "png"), ("minzoom", "10"), ("maxzoom", "17")],
    )
    db.execute(  # MBTiles rows count from the south (TMS)
        "INSERT INTO tiles VALUES (?, ?, ?, ?)", (ZOOM, tx, 2**ZOOM - 1 - ty, _png(colour))
    )
    db.commit()
    db.close()
    return path


def _centre_colour(qtbot: QtBot, canvas: MapCanvas, raster: RasterTiles) -> QColor:
    canvas.resize(300, 200)
    canvas.set_raster(raster)
    canvas.centre_on(LAT, LON, ZOOM)
    canvas.grab()  # asks for the tile
    qtbot.waitUntil(lambda: raster.get((ZOOM, *_tile_xy()))[0], timeout=5000)
    return QColor(canvas.grab().toImage().pixel(150, 100))


def test_an_mbtiles_file_draws_under_the_map(qtbot: QtBot, tmp_path: Path) -> None:
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    raster = RasterTiles(MBTilesSource(_mbtiles(tmp_path / "base.mbtiles", "#803020")))
    try:
        colour = _centre_colour(qtbot, canvas, raster)
    finally:
        raster.close()
    assert (colour.red(), colour.green(), colour.blue()) == (0x80, 0x30, 0x20)


class _TileServer(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it
    body = b""

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_xyz_tiles_are_cached_on_disk_and_served_from_there_when_the_server_is_gone(
    qtbot: QtBot, tmp_path: Path
) -> None:
    _TileServer.hits = []
    _TileServer.body = _png("#206080")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TileServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    template = f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    cache = tmp_path / "tiles"
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    raster = RasterTiles(XyzSource(template, cache))
    try:
        colour = _centre_colour(qtbot, canvas, raster)
    finally:
        raster.close()
        server.shutdown()
        server.server_close()
    tx, ty = _tile_xy()
    assert f"/{ZOOM}/{tx}/{ty}.png" in _TileServer.hits
    assert (colour.red(), colour.green(), colour.blue()) == (0x20, 0x60, 0x80)

    # The server is gone; a new map (a restart) still has the tile, from the disk cache.
    again = MapCanvas()
    qtbot.addWidget(again)
    source = XyzSource(template, cache, timeout_s=0.5)
    offline = RasterTiles(source)
    try:
        colour = _centre_colour(qtbot, again, offline)
    finally:
        offline.close()
    assert (colour.red(), colour.green(), colour.blue()) == (0x20, 0x60, 0x80)
    assert source.fetched == 0  # nothing came from a server: the disk had it


def test_bad_tile_sources_are_refused_with_a_clear_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TileSourceError, match=r"junk\.mbtiles: not an MBTiles file"):
        MBTilesSource(junk)
    with pytest.raises(TileSourceError, match="no such MBTiles file"):
        open_source(str(tmp_path / "missing.mbtiles"), tmp_path)
    with pytest.raises(TileSourceError, match=r"needs \{z\}"):
        XyzSource("https://tiles.example/{x}/{y}.png", tmp_path)
    with pytest.raises(TileSourceError, match="must start with http"):
        XyzSource("ftp://tiles.example/{z}/{x}/{y}.png", tmp_path)
    assert open_source("", tmp_path) is None
