"""The wall's per-frame callbacks in C (``_native/frames.c``), loaded with ctypes.

:class:`NativeTile` is one tile's state in C: VLC's lock and display callbacks point straight at
C functions, so no Python runs on VLC's threads per frame (see ``_native/frames.c`` for why). Python
still answers VLC's format callback (once a stream) and hands the pictures over with
:meth:`NativeTile.configure`; the painter takes frames with :meth:`NativeTile.take`.

:func:`available` is False when the library was not built (no compiler at install time) or
cannot be loaded; ``DISPATCH_DESK_NATIVE_FRAMES=0`` turns it off. Playback then runs the same
steps in Python.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

_Three = ctypes.c_void_p * 3
_Ints3 = ctypes.c_int * 3


def _library_path() -> Path | None:
    # Not beside this module: a folder without __init__.py, so that what walks the package's
    # modules (the layering test, PyInstaller) does not take it for one to import.
    folders = [Path(__file__).resolve().parent / "_native"]
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle keeps it in its own tree
    if bundle:
        folders.append(Path(bundle) / "dispatch_desk" / "cameras" / "_native")
    for folder in folders:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"frames{suffix}"
            if path.is_file():
                return path
    return None


def _load() -> ctypes.PyDLL | None:
    if os.environ.get("DISPATCH_DESK_NATIVE_FRAMES", "1") == "0":
        return None
    path = _library_path()
    if path is None:
        return None
    try:
        # PyDLL: the calls keep the GIL. Each is a few instructions (the painter's, once a
        # frame), and free() must not run while the painter's call is using the tile.
        lib = ctypes.PyDLL(str(path))
        lib.tile_new.restype = ctypes.c_void_p
        lib.tile_new.argtypes = []
        lib.tile_free.restype = None
        lib.tile_free.argtypes = [ctypes.c_void_p]
        lib.tile_configure.restype = None
        lib.tile_configure.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, _Three, _Ints3, _Three,
            ctypes.c_int, ctypes.c_int,
        ]  # fmt: skip
        lib.tile_take.restype = ctypes.c_int
        lib.tile_take.argtypes = [ctypes.c_void_p]
        lib.tile_waiting.restype = ctypes.c_int
        lib.tile_waiting.argtypes = [ctypes.c_void_p]
        lib.tile_counts.restype = None
        lib.tile_counts.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int64),
            ctypes.POINTER(ctypes.c_int64),
        ]
        lib.tile_close.restype = None
        lib.tile_close.argtypes = [ctypes.c_void_p]
        return lib
    except (OSError, AttributeError) as exc:
        log.info("the wall's C frame callbacks cannot be loaded (%s); Python runs them", exc)
        return None


_lib = _load()


def available() -> bool:
    return _lib is not None


def lock_callback() -> int:
    """The address of the C libvlc_video_lock_cb (VLC calls it, not Python)."""
    assert _lib is not None
    return ctypes.cast(_lib.tile_lock, ctypes.c_void_p).value or 0


def display_callback() -> int:
    """The address of the C libvlc_video_display_cb."""
    assert _lib is not None
    return ctypes.cast(_lib.tile_display, ctypes.c_void_p).value or 0


class NativeTile:
    """One tile's frames in C. Free it (:meth:`free`) only once its player has stopped."""

    def __init__(self) -> None:
        assert _lib is not None
        self._lib = _lib
        self.address: int = self._lib.tile_new()
        self._last_counts = (0, 0)
        if not self.address:
            raise MemoryError("no memory for a camera tile")

    def configure(
        self,
        scale: int,
        context: int,
        source: tuple[int, ...],
        source_strides: tuple[int, ...],
        targets: tuple[int, ...],
        target_stride: int,
        rows: int,
    ) -> None:
        """VLC writes I420 into ``source``; display converts with ``scale`` (sws_scale) into
        one of ``targets`` (BGRA, ``target_stride`` bytes a row)."""
        self._lib.tile_configure(
            self.address, scale, context, _Three(*source), _Ints3(*source_strides),
            _Three(*targets), target_stride, rows,
        )  # fmt: skip

    # Every call holds the GIL (PyDLL), free() too: none can run on an address free() is
    # releasing. After free() they answer as for an empty tile.

    def waiting(self) -> bool:
        address = self.address
        return bool(address and self._lib.tile_waiting(address))

    def take(self) -> int:
        """The index of the newest finished buffer, now the painter's; -1 if none."""
        address = self.address
        return int(self._lib.tile_take(address)) if address else -1

    def counts(self) -> tuple[int, int]:
        """(frames converted, frames replaced before they were taken)."""
        address = self.address
        if not address:
            return self._last_counts
        frames, replaced = ctypes.c_int64(), ctypes.c_int64()
        self._lib.tile_counts(address, ctypes.byref(frames), ctypes.byref(replaced))
        return frames.value, replaced.value

    def close(self) -> None:
        """No conversion starts after this."""
        if self.address:
            self._lib.tile_close(self.address)

    def free(self) -> None:
        """Only once the player has stopped (no callback can come any more)."""
        if self.address:
            self._last_counts = self.counts()
            address, self.address = self.address, 0
            self._lib.tile_free(address)
