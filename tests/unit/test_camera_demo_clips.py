"""The demo cameras' clips: made by the project, both sizes, looping with name and clock."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from dispatch_desk.cameras import demo_clips
from dispatch_desk.cameras.streams import SourceKind, parse_source
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import CameraSharing
from dispatch_desk.storage.models import Camera
from tests.helpers.core import make_core


def test_frames_move_and_carry_the_name_and_a_running_clock() -> None:
    first = demo_clips.draw_frame("LOT A", 0)
    assert len(first) == 640 * 360 * 4
    assert demo_clips.draw_frame("LOT A", 0) == first  # the same clip on every workstation
    assert demo_clips.draw_frame("LOT A", 50) != first
    assert demo_clips.draw_frame("LOT B", 0) != first

    def strip(frame: bytes, y0: int, y1: int) -> bytes:
        return frame[y0 * 640 * 4 : y1 * 640 * 4]

    # The name bar (top) differs by name only; the clock (bottom right) changes with time.
    assert strip(first, 0, 26) != strip(demo_clips.draw_frame("LOT B", 0), 0, 26)
    assert strip(first, 0, 26) == strip(demo_clips.draw_frame("LOT A", 1), 0, 26)
    assert strip(first, 334, 360) != strip(demo_clips.draw_frame("LOT A", 25), 334, 360)


def test_both_sizes_are_made_as_twenty_second_h264_loops(tmp_path: Path) -> None:
    library = demo_clips.DemoClips(tmp_path / "clips")
    done = threading.Event()
    results: list[tuple[bool, str]] = []

    def finished(ok: bool, why: str) -> None:
        results.append((ok, why))
        done.set()

    assert not library.ready("lot-a")
    library.prepare("lot-a", sub=True, on_done=finished)
    assert done.wait(60)
    assert results == [(True, "")]
    for sub, size in ((False, demo_clips.MAIN_SIZE), (True, demo_clips.SUB_SIZE)):
        assert library.ready("lot-a", sub=sub)
        with av.open(str(library.clip_path("lot-a", sub=sub))) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert (stream.codec_context.width, stream.codec_context.height) == size
            assert stream.frames == demo_clips.FPS * demo_clips.SECONDS
    assert not list((tmp_path / "clips").glob("*.part"))
    # Ready clips are not made again: the callback comes at once.
    again: list[bool] = []
    library.prepare("lot-a", on_done=lambda ok, why: again.append(ok))
    assert again == [True]


def test_the_demo_agency_has_a_dozen_playable_cameras(core: DeskCore) -> None:
    core.geo_now()  # the cameras are placed from the map
    cameras = core.store.read_sync(lambda s: list(s.scalars(select(Camera))))
    playable = [c for c in cameras if c.sharing is not CameraSharing.REGISTRY]
    assert len(playable) == 12
    for camera in cameras:
        main, sub = parse_source(camera.main_url), parse_source(camera.sub_url)
        assert main.kind is sub.kind is SourceKind.DEMO
        assert main.path == sub.path == demo_clips.slugify(camera.name)
        assert sub.sub and not main.sub
    assert len({c.main_url for c in cameras}) == len(cameras)


def test_the_desk_keeps_its_clips_in_its_own_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_clips, "_configured", None)  # put back after the test
    core = make_core(tmp_path)  # home = tmp_path / "home", as --home does
    try:
        folder = core.paths.state_dir / "demo-clips"
        assert folder.is_relative_to(tmp_path)
        assert demo_clips.default_library().folder == folder
    finally:
        core.close()
