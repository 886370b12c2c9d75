"""A still from the live video: the frame the dispatcher saw, as a JPEG."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
from av.video.reformatter import VideoReformatter


def jpeg_of(frame: Any, quality: int = 3) -> bytes:
    """Encode one decoded frame as JPEG (blocking; run it off the loop). ``quality`` is
    MJPEG's qscale, 2 (best) to 31."""
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height = frame.width // 2 * 2, frame.height // 2 * 2
    context.pix_fmt = "yuvj420p"
    context.time_base = Fraction(1, 25)
    context.options = {"qmin": str(quality), "qmax": str(quality)}
    # Its own scaler: the view and the recorder may be converting this frame right now.
    image = VideoReformatter().reformat(
        frame, width=context.width, height=context.height, format="yuvj420p"
    )
    image.pts = 0
    packets = list(context.encode(image)) + list(context.encode(None))
    return b"".join(bytes(p) for p in packets)
