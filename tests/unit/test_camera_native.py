"""The wall's C frame callbacks (cameras/_native/frames.c), called here as VLC calls them: lock
gives VLC the tile's I420 planes, display converts with libswscale into a free one of three BGRA
buffers and publishes it, and the painter takes the newest; one waiting, one painted, never
written while either."""

from __future__ import annotations

import ctypes

import pytest

from dispatch_desk.cameras import native, yuv
from tests.unit.test_camera_yuv import COLOURS, fill, pixel

pytestmark = pytest.mark.skipif(
    not (native.available() and yuv.available()), reason="the C callbacks were not built"
)

_Lock = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_Display = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
WIDTH, HEIGHT = 64, 36


class Wall:
    """One tile, its I420 picture and three BGRA buffers, driven through the C callbacks."""

    def __init__(self) -> None:
        self.tile = native.NativeTile()
        self.picture = yuv.I420Picture(WIDTH, HEIGHT)
        self.converter = yuv.I420ToBgra(self.picture)
        size = yuv.I420ToBgra.buffer_size(WIDTH, HEIGHT)
        self.buffers = [ctypes.create_string_buffer(size) for _ in range(3)]
        self.lock = _Lock(native.lock_callback())
        self.display = _Display(native.display_callback())

    def configure(self) -> None:
        self.tile.configure(
            self.converter.scale_address, self.converter.context, self.picture.planes,
            self.picture.pitches, tuple(ctypes.addressof(b) for b in self.buffers),
            self.converter.stride, HEIGHT,
        )  # fmt: skip

    def frame(self, colour: str) -> None:
        """VLC decodes one frame: lock, write the planes, display."""
        planes = (ctypes.c_void_p * 3)()
        assert self.lock(self.tile.address, planes) == 1
        assert tuple(planes) == self.picture.planes
        yuv_colour = COLOURS[colour][0]
        fill(self.picture, yuv_colour, yuv_colour)
        self.display(self.tile.address, 1)

    def colour_of(self, index: int) -> str:
        """The named colour buffer ``index`` holds (within the converter's rounding)."""
        rgb = pixel(self.buffers[index], self.converter.stride, WIDTH // 2, HEIGHT // 2)[:3]
        for name, (_yuv, expected) in COLOURS.items():
            if max(abs(a - b) for a, b in zip(rgb, expected, strict=True)) <= 3:
                return name
        return repr(rgb)

    def close(self) -> None:
        self.tile.close()
        self.converter.close()
        self.tile.free()


@pytest.fixture
def wall() -> Wall:
    made = Wall()
    yield made
    made.close()


def test_nothing_is_converted_before_the_format_is_known(wall: Wall) -> None:
    wall.display(wall.tile.address, 1)  # VLC never does this, but a frame must not crash
    assert not wall.tile.waiting() and wall.tile.take() == -1
    assert wall.tile.counts() == (0, 0)


def test_frames_are_converted_published_and_taken_newest_first(wall: Wall) -> None:
    wall.configure()
    wall.frame("red")
    assert wall.tile.waiting()
    painted = wall.tile.take()
    assert wall.colour_of(painted) == "red"
    assert not wall.tile.waiting() and wall.tile.take() == -1

    # Two frames while the painter holds the red one: the blue replaces the green unseen,
    # and neither is written into the buffer being painted.
    wall.frame("green")
    wall.frame("blue")
    assert wall.colour_of(painted) == "red"
    assert wall.tile.counts() == (3, 1)
    newest = wall.tile.take()
    assert newest != painted and wall.colour_of(newest) == "blue"

    # The painter now holds the blue one; the next frames never touch it.
    for colour in ("white", "black", "green"):
        wall.frame(colour)
        assert wall.colour_of(newest) == "blue"
    assert wall.colour_of(wall.tile.take()) == "green"
    assert wall.tile.counts() == (6, 3)


def test_a_closed_tile_converts_nothing_more(wall: Wall) -> None:
    wall.configure()
    wall.frame("red")
    wall.tile.close()
    wall.frame("blue")
    assert wall.tile.counts() == (1, 0)
    assert wall.colour_of(wall.tile.take()) == "red"


def test_a_freed_tile_answers_as_an_empty_one() -> None:
    """The painter may still poll a pipeline whose player went down (teardown frees the tile
    on a worker thread): it gets nothing, never a call on freed memory."""
    made = Wall()
    made.configure()
    made.frame("red")
    made.frame("blue")
    made.close()
    assert made.tile.address == 0
    assert not made.tile.waiting() and made.tile.take() == -1
    assert made.tile.counts() == (2, 1)  # as they were when it was freed
    made.tile.free()  # twice is harmless
