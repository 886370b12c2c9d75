"""The wall's I420 -> BGRA converter (libswscale through ctypes): colours, sizes, alpha."""

from __future__ import annotations

import ctypes

import pytest

from dispatch_desk.cameras import yuv

pytestmark = pytest.mark.skipif(not yuv.available(), reason="libswscale cannot be loaded")

# BT.601 limited range, as libswscale and VLC convert by default: (Y, U, V) -> (R, G, B).
COLOURS = {
    "white": ((235, 128, 128), (255, 255, 255)),
    "black": ((16, 128, 128), (0, 0, 0)),
    "red": ((81, 90, 240), (255, 0, 0)),
    "green": ((145, 54, 34), (0, 255, 0)),
    "blue": ((41, 240, 110), (0, 0, 255)),
}


def fill(picture: yuv.I420Picture, left: tuple[int, int, int], right: tuple[int, int, int]) -> None:
    """The left half of the picture in one colour, the right half in another."""
    for plane, (address, pitch, lines) in enumerate(
        zip(picture.planes, picture.pitches, picture.lines, strict=True)
    ):
        width = picture.width if plane == 0 else (picture.width + 1) // 2
        half = width // 2
        row = bytes([left[plane]] * half + [right[plane]] * (width - half))
        for line in range(lines):
            ctypes.memmove(address + line * pitch, row, width)


def pixel(buffer: ctypes.Array[ctypes.c_char], stride: int, x: int, y: int) -> tuple[int, ...]:
    b, g, r, a = buffer.raw[y * stride + x * 4 : y * stride + x * 4 + 4]
    return (r, g, b, a)


@pytest.mark.parametrize("size", [(640, 360), (474, 266), (64, 36)])
@pytest.mark.parametrize("pair", [("red", "blue"), ("white", "green"), ("black", "white")])
def test_colours_come_out_right_and_opaque(size: tuple[int, int], pair: tuple[str, str]) -> None:
    width, height = size
    left, right = (COLOURS[name] for name in pair)
    picture = yuv.I420Picture(width, height)
    assert all(address % yuv.ALIGN == 0 for address in picture.planes)
    assert all(pitch % yuv.ALIGN == 0 for pitch in picture.pitches)
    fill(picture, left[0], right[0])
    converter = yuv.I420ToBgra(picture)
    buffer = ctypes.create_string_buffer(yuv.I420ToBgra.buffer_size(width, height))
    converter.convert(converter.target(ctypes.addressof(buffer)))
    converter.close()
    converter.close()  # twice is harmless
    assert converter.stride == width * 4
    # Away from the edge between the halves (the chroma there is shared by two pixels).
    for x, expected in ((2, left[1]), (width - 3, right[1])):
        for y in (0, height // 2, height - 1):
            r, g, b, alpha = pixel(buffer, converter.stride, x, y)
            assert alpha == 255, "QImage's RGB32 needs an opaque alpha byte"
            assert max(abs(r - expected[0]), abs(g - expected[1]), abs(b - expected[2])) <= 3, (
                pair,
                (x, y),
                (r, g, b),
            )
