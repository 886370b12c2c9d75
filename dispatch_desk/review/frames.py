"""Exact pictures from a recording for scrubbing, decoded with PyAV (no Qt: the review window
builds the QImage on the GUI thread).

Why not let libvlc seek: the desk's recordings are fragmented MP4 (a key frame a second, see
``dispatch_desk.media.recorder``), and libvlc seeks to the sample at the asked time, not to the
key frame before it, so the picture after a seek is grey and fills in frame by frame until the
next key frame. Here the decoder starts at the key frame before and decodes up to the instant:
the picture shown is the one recorded at that instant. The key frames' times also let the
player start libvlc from a key frame when it plays on from there.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class Still:
    data: bytes  # BGRA rows of ``stride`` bytes
    width: int
    height: int
    stride: int
    at_s: float  # the picture's own time in the file


def keyframes(path: Path) -> list[float]:
    """The times (seconds) of the file's key frames, in order (reads packets, decodes none)."""
    times: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        if time_base is None:
            return []
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None:
                times.append(float(packet.pts * time_base))
    times.sort()
    return times


def keyframe_before(times: list[float], seconds: float) -> float:
    index = bisect.bisect_right(times, seconds + 1e-6)
    return times[index - 1] if index > 0 else 0.0


def fit(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    scale = min(1.0, box[0] / max(1, width), box[1] / max(1, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def still_at(path: Path, seconds: float, box: tuple[int, int]) -> Still | None:
    """The picture shown at ``seconds`` (the last frame at or before it), scaled into ``box``;
    None if the file has no picture there."""
    chosen = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        if time_base is None:
            return None
        start = stream.start_time or 0
        target = start + int(max(0.0, seconds) / time_base)
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            if frame.pts > target and chosen is not None:
                break
            chosen = frame
            if frame.pts >= target:
                break
    if chosen is None or chosen.pts is None:
        return None
    width, height = fit(chosen.width, chosen.height, box)
    picture = chosen.reformat(width=width, height=height, format="bgra")
    plane = picture.planes[0]
    return Still(bytes(plane), width, height, plane.line_size, float(chosen.pts * time_base))
