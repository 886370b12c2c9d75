"""Screenshot of the admin's audit trail viewer (tools/screenshot.py --audit FILE).

A throw-away demo home; a few sign-ins (one failed), a refused action and some camera views made
through the services, then the admin opens View → Audit trail… and an entry is selected.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import accounts, audit
from dispatch_desk.services.context import Actor, PermissionDenied
from ui.admin.audit_viewer import open_audit_viewer
from ui.app import DeskApp
from ui.theme import apply_theme


def _trail(core: DeskCore) -> None:
    def sign_in(name: str, password: str) -> Actor | None:
        try:
            actor, _ = core.store.write_sync(
                accounts.authenticate, name, password, core.workstation
            )
            return actor
        except accounts.LoginFailed:
            return None

    sign_in("dispatcher", "not-my-password")
    dispatcher = sign_in("dispatcher", "dispatcher-demo")
    calltaker = sign_in("calltaker", "calltaker-demo")
    assert dispatcher is not None and calltaker is not None
    other = Actor(None, "r.lee", "R. Lee", dispatcher.role, "desk-07")
    for actor, camera, purpose in (
        (dispatcher, "Main & 3rd", "MVA reported, checking lanes"),
        (other, "River Bridge N", "Welfare check near the bridge"),
        (dispatcher, "Depot Yard", "Alarm at the depot"),
    ):
        core.store.write_sync(
            audit.record,
            actor,
            core.clock(),
            "camera.view",
            entity_type="camera",
            entity_id=camera,
            purpose=purpose,
            stream="sub",
        )
    with contextlib.suppress(PermissionDenied):  # the refusal is the point: it is on the trail
        core.store.write_sync(
            lambda s: audit.require(calltaker, core.clock(), "recording.view", (), recording="demo")
        )


async def shoot_audit(target: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="dd-shot-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    apply_theme(QApplication.instance(), paths.resources_dir, settings.ui.font_pt)
    core = DeskCore.open(settings, paths)
    _trail(core)
    desk = DeskApp(core)
    ready = asyncio.get_running_loop().create_future()
    desk.main_window_ready.connect(lambda w: ready.done() or ready.set_result(w))
    await desk.sign_in("admin", "admin-demo-only")
    window = await ready
    viewer = open_audit_viewer(window)
    viewer.resize(1580, 860)
    viewer.move(0, 0)
    for _ in range(100):
        await asyncio.sleep(0.1)
        if viewer.rows and viewer.reports:
            break
    viewer.table.selectRow(3)
    await asyncio.sleep(0.4)
    viewer.grab().save(str(target))
    print(f"saved {target}")
    await desk.shutdown()
