"""YUV 4:2:0 to the painter's BGRA with libswscale's unscaled converter, called from Python.

Why not let VLC convert: libvlc's converter does the scaling and the YUV -> RGB step in one
libswscale pass, and libswscale's scaled path writes packed RGB with plain C (about 200 us a
640x360 frame scaled to a 16-tile wall's tile on this machine), while its unscaled YUV -> RGB
converter is SIMD (about 30 us at tile size). So VLC scales in YUV (its planar scaler, a third
cheaper than the packed-RGB one) and hands over I420 at the tile's size, and
:class:`I420ToBgra` converts it, unscaled, straight into the buffer the widget paints. VLC's copy
of each picture into ours also shrinks from 4 bytes a pixel to 1.5.

libswscale is the one VLC itself uses (Debian's ``vlc-plugin-base`` depends on it). ctypes
releases the GIL for the call. :func:`available` is False when the library cannot be loaded;
playback then asks VLC for RGB as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

ALIGN = 64  # plane and row alignment for the SIMD code
PAD = 256  # bytes after each buffer: the converter may write a few pixels past a row's end
SWS_POINT = 0x10  # no scaling is asked: the flag only has to be a valid one

_Pointers = ctypes.c_void_p * 4
_Strides = ctypes.c_int * 4


def _load() -> tuple[ctypes.CDLL, int, int] | None:
    try:
        sws_name = ctypes.util.find_library("swscale")
        avutil_name = ctypes.util.find_library("avutil")
        if not sws_name or not avutil_name:
            return None
        sws = ctypes.CDLL(sws_name)
        avutil = ctypes.CDLL(avutil_name)
        avutil.av_get_pix_fmt.restype = ctypes.c_int
        avutil.av_get_pix_fmt.argtypes = [ctypes.c_char_p]
        yuv = avutil.av_get_pix_fmt(b"yuv420p")
        bgra = avutil.av_get_pix_fmt(b"bgra")  # QImage.Format_RGB32 in memory: B, G, R, 255
        if yuv < 0 or bgra < 0:
            return None
        sws.sws_getContext.restype = ctypes.c_void_p
        sws.sws_getContext.argtypes = [ctypes.c_int] * 7 + [ctypes.c_void_p] * 3
        sws.sws_scale.restype = ctypes.c_int
        sws.sws_scale.argtypes = [
            ctypes.c_void_p,
            _Pointers,
            _Strides,
            ctypes.c_int,
            ctypes.c_int,
            _Pointers,
            _Strides,
        ]
        sws.sws_freeContext.restype = None
        sws.sws_freeContext.argtypes = [ctypes.c_void_p]
        return sws, yuv, bgra
    except (OSError, AttributeError) as exc:
        log.info("libswscale not usable, VLC converts to RGB itself: %s", exc)
        return None


_lib = _load()


def available() -> bool:
    return _lib is not None


def _aligned(value: int) -> int:
    return (value + ALIGN - 1) & ~(ALIGN - 1)


class I420Picture:
    """One I420 picture VLC writes into: three aligned planes in one buffer."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        chroma_w, chroma_h = (width + 1) // 2, (height + 1) // 2
        self.pitches = (_aligned(width), _aligned(chroma_w), _aligned(chroma_w))
        self.lines = (height, chroma_h, chroma_h)
        sizes = [pitch * lines for pitch, lines in zip(self.pitches, self.lines, strict=True)]
        self._buffer = ctypes.create_string_buffer(sum(sizes) + 3 * PAD + ALIGN)
        offset = _aligned(ctypes.addressof(self._buffer))
        planes = []
        for size in sizes:
            planes.append(offset)
            offset = _aligned(offset + size + PAD)
        self.planes = tuple(planes)


class I420ToBgra:
    """Converts :class:`I420Picture` s of one size into BGRA buffers of the same size."""

    def __init__(self, source: I420Picture) -> None:
        assert _lib is not None
        sws, yuv, bgra = _lib
        self._sws = sws
        self.width, self.height = source.width, source.height
        self._context = sws.sws_getContext(
            source.width, source.height, yuv, source.width, source.height, bgra,
            SWS_POINT, None, None, None,
        )  # fmt: skip
        if not self._context:
            raise RuntimeError(f"libswscale cannot convert {source.width}x{source.height}")
        self._source = _Pointers(*source.planes, None)
        self._source_strides = _Strides(*source.pitches, 0)
        self.stride = source.width * 4
        self._strides = _Strides(self.stride, 0, 0, 0)

    @staticmethod
    def buffer_size(width: int, height: int) -> int:
        return width * 4 * height + PAD

    @property
    def scale_address(self) -> int:
        """The address of sws_scale, for the C display callback (cameras/native.py)."""
        return ctypes.cast(self._sws.sws_scale, ctypes.c_void_p).value or 0

    @property
    def context(self) -> int:
        return self._context or 0

    def target(self, address: int) -> ctypes.Array[ctypes.c_void_p]:
        """The destination argument for a BGRA buffer at ``address`` (made once per buffer)."""
        return _Pointers(address, None, None, None)

    def convert(self, target: ctypes.Array[ctypes.c_void_p]) -> None:
        """Convert the source picture into the buffer of ``target`` (GIL released meanwhile)."""
        self._sws.sws_scale(
            self._context, self._source, self._source_strides, 0, self.height,
            target, self._strides,
        )  # fmt: skip

    def close(self) -> None:
        context, self._context = self._context, None
        if context:
            self._sws.sws_freeContext(context)
