"""Measures of a rendered WAV file: how long, how loud (RMS), how much of it is sound."""

from __future__ import annotations

import array
import math
import sys
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WavStats:
    duration_s: float
    rms: float  # of 16-bit samples, 0 .. 32767
    peak: int
    voiced_fraction: float  # share of 20 ms windows louder than -40 dBFS

    @property
    def silent(self) -> bool:
        return self.peak < 100 or self.rms < 50


def wav_stats(path: Path) -> WavStats:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit samples, got {8 * wav.getsampwidth()}-bit")
        rate, channels = wav.getframerate(), wav.getnchannels()
        frames = wav.getnframes()
        samples = array.array("h", wav.readframes(frames))
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        return WavStats(0.0, 0.0, 0, 0.0)
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    window = max(1, rate * channels // 50)
    threshold = 32767 * 10 ** (-40 / 20)
    chunks = [samples[i : i + window] for i in range(0, len(samples), window)]
    voiced = sum(1 for c in chunks if math.sqrt(sum(s * s for s in c) / len(c)) > threshold)
    return WavStats(
        duration_s=frames / rate,
        rms=rms,
        peak=max(abs(min(samples)), max(samples)),
        voiced_fraction=voiced / len(chunks),
    )
