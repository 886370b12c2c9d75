"""Screenshot of the call-taker window with demo data, for the README and for review.

    xvfb-run -s "-screen 0 1600x950x24" python tools/screenshot.py docs/calltaker.png [docs/map.png]
    xvfb-run -s "-screen 0 1600x950x24" python tools/screenshot.py --texting docs/texting.png \
        --feedback docs/feedback.png
    xvfb-run -a -s "-screen 0 1600x950x24" python tools/screenshot.py --wall docs/wall.png
    xvfb-run -a -s "-screen 0 1600x950x24" python tools/screenshot.py --qa docs/qa.png
    xvfb-run -a -s "-screen 0 1600x950x24" python tools/screenshot.py --review docs/review.png
    xvfb-run -a -s "-screen 0 1600x950x24" python tools/screenshot.py --audit docs/audit.png

It starts the workstation on a throw-away demo home, signs in, answers a simulated call, types
part of it, and saves a picture of the window as it is on the (virtual) screen. With --texting:
a text-to-911 conversation taken and answered, another waiting; with --feedback: the
supervisors' feedback view over ten weeks of surveys made by the real rules.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.services.locations import Fix
from ui.app import DeskApp
from ui.calltaker.window import CallTakerWindow
from ui.theme import apply_theme


async def shoot(target: Path, map_target: Path | None = None) -> None:
    home = Path(tempfile.mkdtemp(prefix="dd-shot-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    app = QApplication.instance()
    apply_theme(app, paths.resources_dir, settings.ui.font_pt)
    core = DeskCore.open(settings, paths)
    desk = DeskApp(core, demo_calls=True)
    ready = asyncio.get_running_loop().create_future()
    desk.main_window_ready.connect(lambda w: ready.done() or ready.set_result(w))
    await desk.sign_in("dispatcher", "dispatcher-demo")
    window = await ready
    window.resize(1580, 900)
    window.move(0, 0)
    await asyncio.sleep(0.3)
    call = window.ringing[0]
    window.answer_next()
    form = window.form  # typed as the call-taker would from what the caller says
    form.caller_name.setText(call.caller_name)
    form.address.setText(call.scenario_address.split(" (")[0])
    form.incident_type.setCurrentText(desk.core.catalog.get(call.scenario_type).display())
    form.narrative.setPlainText(call.scenario_text)
    form._emit_lookup()
    await asyncio.sleep(1.0)
    window.unit_view.selectRow(2)
    await asyncio.sleep(0.3)
    window.grab().save(str(target))
    print(f"saved {target}")
    if map_target is not None:
        await shoot_map(desk, window, map_target)
    await desk.shutdown()


async def shoot_map(desk: DeskApp, window: CallTakerWindow, target: Path) -> None:
    """Save the call being typed, give its caller a walk of GPS fixes, show the map window."""
    await window.map_ready
    window.maps.check_address(window.form.address.text())
    summary = await window.save(window.form.draft())
    if summary is None or summary.position is None:
        raise SystemExit("the screenshot call did not save with a place")
    start = summary.position
    now = desk.core.clock()
    for n in range(25):
        desk.core.locations.report(
            Fix(
                summary.id,
                start.lat + 0.00035 + n * 0.00004,
                start.lon - 0.0009 + n * 0.00006 + (n % 5) * 0.00001,
                18.0 - n * 0.4,
                now - timedelta(seconds=25 - n),
                origin="screenshot",
            )
        )
    map_window = window.maps.show_window()
    map_window.resize(1580, 900)
    map_window.move(0, 0)
    await asyncio.sleep(0.8)
    map_window.canvas.zoom_to(17, animate=False)
    map_window.canvas.set_follow(True)
    await asyncio.sleep(0.8)
    map_window.grab().save(str(target))
    print(f"saved {target}")
    window.grab().save(str(target.with_name(target.stem + "-calltaker.png")))


async def shoot_wall(target: Path) -> None:
    """The camera wall with the demo agency's cameras: an incident's nearest cameras docked,
    then the rest of the town's cameras in a 3x3 (the registry-only one refused on its tile)."""
    home = Path(tempfile.mkdtemp(prefix="dd-shot-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    app = QApplication.instance()
    apply_theme(app, paths.resources_dir, settings.ui.font_pt)
    core = DeskCore.open(settings, paths)
    desk = DeskApp(core)
    ready = asyncio.get_running_loop().create_future()
    desk.main_window_ready.connect(lambda w: ready.done() or ready.set_result(w))
    await desk.sign_in("dispatcher", "dispatcher-demo")
    window = await ready
    await core.geo()
    from dispatch_desk.cameras.registry import list_cameras

    cameras = await core.store.read(list_cameras)
    walls = desk.open_walls()
    wall = walls[0]
    wall.resize(1580, 900)
    wall.move(0, 0)
    await wall.loaded
    wall.set_grid(3, 3)
    live = sorted((c for c in cameras if c.sharing.value == "live"), key=lambda c: c.name)
    for tile, camera in zip(wall.tiles, live[:8], strict=False):
        wall.put(tile, [camera])
    refused = [c for c in cameras if not c.viewable]
    if refused:
        wall.put(wall.tiles[8], refused[:1])
    wall.choose(wall.tiles[4])
    wall.directory.search_box.setText("")
    for _ in range(600):  # up to 60 s for the clips to be made and the tiles to go live
        await asyncio.sleep(0.1)
        if all(t.view.state.value == "live" for t in wall.tiles[:8]):
            break
    await asyncio.sleep(1.5)
    wall.say("Drag cameras from the list onto a tile · double-click (or Z) enlarges · Ctrl+S saves")
    await asyncio.sleep(0.2)
    wall.grab().save(str(target))
    print(f"saved {target}")
    window.raise_()
    await desk.shutdown()


def main() -> int:
    args = sys.argv[1:]
    extra: dict[str, Path] = {}
    for flag in ("--texting", "--feedback", "--wall", "--qa", "--review", "--audit"):
        if flag in args:
            at = args.index(flag)
            extra[flag] = Path(args[at + 1])
            extra[flag].parent.mkdir(parents=True, exist_ok=True)
            del args[at : at + 2]
    QApplication(sys.argv[:1]).setQuitOnLastWindowClosed(False)
    if extra:
        from screenshot_texts import shoot_feedback, shoot_texting  # beside this file

        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            if "--wall" in extra:
                runner.run(shoot_wall(extra["--wall"]))
            if "--qa" in extra:
                from screenshot_qa import shoot_qa  # beside this file

                runner.run(shoot_qa(extra["--qa"]))
            if "--review" in extra:
                from screenshot_review import shoot_review  # beside this file

                runner.run(shoot_review(extra["--review"]))
            if "--texting" in extra:
                runner.run(shoot_texting(extra["--texting"]))
            if "--feedback" in extra:
                runner.run(shoot_feedback(extra["--feedback"]))
            if "--audit" in extra:
                from screenshot_audit import shoot_audit

                runner.run(shoot_audit(extra["--audit"]))
        if not args:
            return 0
    target = Path(args[0] if args else "docs/calltaker.png")
    map_target = Path(args[1]) if len(args) > 1 else None
    target.parent.mkdir(parents=True, exist_ok=True)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(shoot(target, map_target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
