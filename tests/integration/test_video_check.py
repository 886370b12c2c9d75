"""The self-test's video line: libVLC decodes a generated H.264 clip into frames, or says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_desk.selftest import core_checks
from dispatch_desk.video_check import check_video, decode_one_frame, write_probe_clip


def test_the_installed_libvlc_decodes_the_probe_clip() -> None:
    line = check_video()
    assert line.startswith("libVLC 3.")
    assert "decodes H.264 into frames" in line


def test_a_file_with_no_video_is_a_clear_failure(tmp_path: Path) -> None:
    junk = tmp_path / "probe.ts"
    junk.write_bytes(b"\x47" + b"\xff" * 187 * 50)  # sync bytes, nothing in them
    with pytest.raises(RuntimeError, match=r"libVLC decoded no H\.264 frame in 3 s"):
        decode_one_frame(junk, timeout_s=3.0)


def test_the_probe_clip_is_h264_in_mpeg_ts(tmp_path: Path) -> None:
    import av

    clip = tmp_path / "probe.ts"
    write_probe_clip(clip)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert container.format.name == "mpegts"
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == 25


def test_the_self_test_has_its_video_schema_and_page_lines(tmp_path: Path) -> None:
    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.config.settings import load_settings

    paths = resolve_paths(tmp_path)
    settings = load_settings(paths, environ={}, overrides=["speech.engine=silent"])
    results = {r.name: r for r in core_checks(settings, paths)}
    assert results["video"].ok, results["video"].detail
    assert results["schema"].ok and "head" in results["schema"].detail
    assert results["citizen page"].ok
