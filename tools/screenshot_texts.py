"""Screenshots of texting (run through tools/screenshot.py --texting / --feedback).

Texting: a call-taker has taken a text to 911, answered with presets, the caller's answers and
one with an emoji in; a second conversation held with unread texts; a third waiting above the
form. Feedback: ten weeks of incidents closed, surveyed a day later and (mostly) answered,
made by the real status-text rules on a clock that moves, then seen by a supervisor.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.intake import IntakeDraft, ValidIntake, validate_intake
from dispatch_desk.messaging import inbound
from dispatch_desk.messaging.inbound import InboundText
from dispatch_desk.services import accounts
from ui.app import DeskApp
from ui.calltaker.window import CallTakerWindow
from ui.theme import apply_theme


class MovingClock:
    """A clock the tool moves through past weeks, then brings back to now."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _core(clock: Any = None) -> DeskCore:
    home = Path(tempfile.mkdtemp(prefix="dd-shot-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    apply_theme(QApplication.instance(), paths.resources_dir, settings.ui.font_pt)
    if clock is None:
        return DeskCore.open(settings, paths)
    return DeskCore.open(settings, paths, clock=clock)


def _text(core: DeskCore, phone: str, body: str, to: str = "", media: int = 0) -> None:
    texting = core.settings.texting
    _, changes = core.store.write_sync(
        inbound.receive,
        InboundText(f"SM{uuid.uuid4().hex}", phone, to or texting.text911_number, body, media),
        now=core.clock(),
        text911_number=texting.text911_number,
        status_number=texting.status_number,
        conversations=core.conversations,
        try_answer=core.status_texts.try_answer,
    )
    core.bus.publish(changes)


async def _signed_in(desk: DeskApp, user: str, password: str) -> CallTakerWindow:
    ready = asyncio.get_running_loop().create_future()
    desk.main_window_ready.connect(lambda w: ready.done() or ready.set_result(w))
    await desk.sign_in(user, password)
    window = await ready
    window.resize(1580, 900)
    window.move(0, 0)
    await asyncio.sleep(0.3)
    return window


async def _until(test: Any, timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not test():
        if loop.time() > deadline:
            raise SystemExit("screenshot: the desk did not reach the expected state")
        await asyncio.sleep(0.05)


async def shoot_texting(target: Path) -> None:
    core = _core()
    desk = DeskApp(core)
    window = await _signed_in(desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    caller, other, waiting = "+16175550187", "+16175550164", "+16175550139"

    # The caller's text is taken first: the form takes their number, the incident to come.
    _text(core, caller, "someone is trying to get in my back door. cant talk, hiding upstairs")
    await _until(lambda: bool(panel.waiting))
    await panel.take_next()
    first = panel.current
    _text(core, other, "Is anyone coming? The car is still blocking our driveway")
    await _until(lambda: [c.phone_e164 for c in panel.waiting] == [other])
    await panel.take(panel.waiting[0].id)
    await panel.send(panel.current.id, "An officer is on the way. Is anyone hurt?")  # type: ignore[union-attr]
    await panel.open(first.id)  # type: ignore[union-attr]
    presets = {p.id: p for p in panel.composer.presets}
    for preset, answer in (
        ("greeting", "14 Elm St Riverton. upstairs bedroom"),
        ("police_weapons", "i think he has a knife 😨"),
    ):
        await panel.send(panel.current.id, presets[preset].en)  # type: ignore[union-attr]
        await asyncio.sleep(0.6)
        _text(core, caller, answer)
        await asyncio.sleep(0.3)
    await asyncio.sleep(0.5)
    _text(core, other, "My neighbour says he saw them leave")
    _text(core, waiting, "my dad fell and cant get up, he is breathing")
    await _until(lambda: [c.phone_e164 for c in panel.waiting] == [waiting])
    form = window.form
    form.address.setText("14 Elm St")
    form.incident_type.setCurrentText(core.catalog.get("BURG").display())  # type: ignore[union-attr]
    form.narrative.setPlainText(
        "Texting caller hiding upstairs; intruder at the back door, possibly armed (knife)."
    )
    form._emit_lookup()
    panel.composer.edit.setFocus()
    panel.composer.set_text("Stay upstairs and keep the door locked. Officers are 2 minutes away.")
    await asyncio.sleep(1.0)
    target.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(target))
    print(f"saved {target}")
    await desk.shutdown()


# (type, how many, scores to draw from): roughly how a centre's feedback looks
FEEDBACK_MIX = [
    ("BURG", 14, [5, 5, 4, 4, 4, 3, 5, 2]),
    ("MEDFALL", 12, [5, 5, 5, 4, 4, 3]),
    ("NOISE", 9, [4, 3, 2, 3, 1, 4]),
    ("THEFT", 10, [4, 3, 5, 2, 4]),
    ("MVA", 7, [5, 4, 4, 3]),
]
COMMENTS = ["", "", "quick and kind", "took a while", "thank you!", "", "officer was great", ""]


async def shoot_feedback(target: Path) -> None:
    real_now = datetime.now(UTC)
    clock = MovingClock(real_now - timedelta(weeks=10))
    core = _core(clock)
    rng = random.Random(911)
    actor = core.store.write_sync(
        accounts.authenticate, "dispatcher", "dispatcher-demo", core.workstation, max_failed=99
    )[0]
    cases = [(kind, scores) for kind, n, scores in FEEDBACK_MIX for _ in range(n)]
    rng.shuffle(cases)
    step = timedelta(weeks=9.5) / len(cases)
    for n, (kind, scores) in enumerate(cases):
        phone = f"+1617555{n + 2000:04d}"
        draft = IntakeDraft(
            callback_number=phone,
            caller_name="",
            ani=phone,
            ali="WIRELESS SECTOR 2 S",
            address=f"{10 + n} Main Street",
            incident_type=kind,
            priority="",
            narrative="Survey screenshot incident.",
            class_of_service="WPH2",
        )
        intake = validate_intake(draft, core.catalog, core.settings.intake.narrative_max_chars)
        if not isinstance(intake, ValidIntake):
            raise SystemExit(f"screenshot: bad draft {intake}")
        summary, _ = core.store.write_sync(core.incidents.create, actor, intake, clock())
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.now += timedelta(minutes=40)
        core.store.write_sync(core.incidents.close, actor, summary.id, "Report taken", clock())
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.now += timedelta(hours=24, minutes=1)
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.now += timedelta(hours=2)
        if rng.random() < 0.62:
            reply = f"{rng.choice(scores)} {rng.choice(COMMENTS)}".strip()
            _text(core, phone, reply, to=core.settings.texting.status_number)
        clock.now += step - timedelta(hours=26, minutes=41)
    clock.now = real_now
    desk = DeskApp(core)
    window = await _signed_in(desk, "supervisor", "supervisor-demo")
    view = window.supervisor.open_feedback()
    view.resize(1400, 860)
    view.move(0, 0)
    await _until(lambda: view.stats is not None)
    await asyncio.sleep(0.8)
    target.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(target))
    print(f"saved {target}")
    await desk.shutdown()
