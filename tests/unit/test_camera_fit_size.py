"""The size VLC scales a stream to for a tile (playback.fit_size)."""

from __future__ import annotations

import pytest

from dispatch_desk.cameras.playback import NEAR_SCALE, fit_size


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((640, 360), (640, 360)),  # the source's own size
        ((637, 357), (640, 360)),  # a 3x3 wall: a few pixels under, not scaled
        ((320, 240), (320, 180)),  # shape kept, a multiple of 16 already
        ((477, 267), (480, 270)),  # a 4x4 wall: 474 moves to 480, the painter crops 3 px
        ((1280, 720), (1280, 720)),  # up to twice the source
        ((4000, 3000), (1280, 720)),
    ],
)
def test_sizes_for_a_640x360_stream(box: tuple[int, int], expected: tuple[int, int]) -> None:
    assert fit_size((640, 360), box) == expected


@pytest.mark.parametrize("width", range(100, 1300, 7))
def test_a_scaled_width_moves_to_a_multiple_of_16_only_when_near(width: int) -> None:
    box = (width, width)  # the width decides
    out_w, out_h = fit_size((640, 360), box)
    exact = max(16, int(640 * min(width / 640, 2.0))) & ~1
    assert out_w % 2 == 0 and out_h % 2 == 0
    assert NEAR_SCALE <= out_w / exact <= 1 / NEAR_SCALE
    if out_w != exact:
        assert out_w % 16 == 0
    assert abs(out_h - out_w * 360 / 640) <= 2  # the shape is kept, to the even pixel


def test_an_unknown_source_takes_the_box() -> None:
    assert fit_size((0, 0), (477, 267)) == (476, 266)
