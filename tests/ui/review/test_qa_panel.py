"""The QA panel scored by keyboard alone, and the evaluation read back from the store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa.evaluations import for_incident
from dispatch_desk.services import audit
from tests.helpers.core import FakeClock, actor_for, create_incident, make_core
from tests.ui.conftest import keys, press
from ui.review.qa_panel import QaPanel, QuestionRow


@pytest.fixture
def core(tmp_path: Path, qloop: asyncio.AbstractEventLoop) -> Iterator[DeskCore]:
    desk = make_core(tmp_path, clock=FakeClock())
    yield desk
    desk.close()


def _closed_incident(core: DeskCore) -> object:
    incident = create_incident(core, actor_for(core, "calltaker"), incident_type="MEDCARD")
    core.clock.advance(minutes=25)  # type: ignore[attr-defined]
    core.store.write_sync(
        core.incidents.close,
        actor_for(core, "dispatcher"),
        incident.id,
        "Transported",
        core.clock(),
    )
    return incident.id


def test_score_by_keyboard_and_read_back(qtbot: QtBot, core: DeskCore) -> None:
    incident_id = _closed_incident(core)
    supervisor = actor_for(core, "supervisor")
    panel = QaPanel(core, supervisor)
    qtbot.addWidget(panel)
    panel.resize(520, 760)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.show_incident(incident_id)
    assert "taken by" in panel.header.text()
    assert panel.form is not None and panel.form.name == "Call taking"
    panel.activateWindow()
    panel.setFocus()  # as the review window's "QA panel" shortcut does
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.rows[0])
    # answer, address, callback, complaint, protocol, safety, pai, entry, professional, closing
    for key in "yynyayay3y":
        keys(qtbot, key)
    assert panel.score_label.text() == "83.3 % PASS"  # 12.5 of 15: two N/A left out
    assert "all answered" in panel.detail.text()
    assert QApplication.focusWidget() is panel.comments  # the last answer moved on
    keys(qtbot, "Callback not read back.")
    with qtbot.waitSignal(panel.saved, timeout=10000) as saved:
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    view = saved.args[0]
    stored = core.store.read_sync(for_incident, supervisor, core.clock(), incident_id)
    assert [e.id for e in stored] == [view.id]
    evaluation = stored[0]
    assert evaluation.score == pytest.approx(83.33, abs=0.01) and evaluation.passed
    assert evaluation.answers["callback"] == "no" and evaluation.answers["protocol"] == "na"
    assert evaluation.answers["professional"] == 3
    assert evaluation.comments == "Callback not read back."
    assert evaluation.evaluated_name == actor_for(core, "calltaker").display_name
    assert (evaluation.form_name, evaluation.form_version) == ("Call taking", 1)
    logged = core.store.read_sync(audit.list_events, action="qa.evaluate")
    assert [(e.username, e.entity_id, e.outcome) for e in logged] == [
        ("supervisor", str(incident_id), "ok")
    ]
    assert "83.3 % pass" in panel.earlier_label.text()
    assert panel.answers == {} and panel.comments.toPlainText() == ""


def test_incomplete_evaluation_refused_and_kept(qtbot: QtBot, core: DeskCore) -> None:
    incident_id = _closed_incident(core)
    panel = QaPanel(core, actor_for(core, "supervisor"))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.show_incident(incident_id)
    panel.activateWindow()
    panel.focus_first()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QuestionRow))
    for key in "yyy":  # one at a time: each answer moves focus to the next question
        keys(qtbot, key)
    with qtbot.waitSignal(panel.failed, timeout=10000) as failed:
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "7 question(s) unanswered" in failed.args[0]
    assert panel.answers == {"answer": "yes", "address": "yes", "callback": "yes"}
    assert not panel.note.isHidden() and "unanswered" in panel.note.text()


def test_call_taker_is_refused_in_the_panel(qtbot: QtBot, core: DeskCore) -> None:
    incident_id = _closed_incident(core)
    panel = QaPanel(core, actor_for(core, "calltaker"))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.failed, timeout=10000) as failed:
        panel.show_incident(incident_id)
    assert "may not" in failed.args[0]
    refused = core.store.read_sync(audit.list_events, action="qa.read")
    assert [(e.username, e.outcome) for e in refused] == [("calltaker", "denied")]


def _open(qtbot: QtBot, panel: QaPanel, incident_id: object) -> None:
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.show_incident(incident_id)


def test_drafts_stay_with_their_incident(qtbot: QtBot, core: DeskCore) -> None:
    """Answers and comments typed for A are not carried to B (nor saved as B's evaluation);
    they come back when A is opened again."""
    a, b = _closed_incident(core), _closed_incident(core)
    supervisor = actor_for(core, "supervisor")
    panel = QaPanel(core, supervisor)
    qtbot.addWidget(panel)
    panel.resize(520, 760)
    panel.show()
    qtbot.waitExposed(panel)
    _open(qtbot, panel, a)
    panel.activateWindow()
    panel.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.rows[0])
    for key in "yyn":
        keys(qtbot, key)
    panel.comments.setPlainText("A: callback missed")
    drafted = {"answer": "yes", "address": "yes", "callback": "no"}
    assert panel.answers == drafted
    _open(qtbot, panel, b)
    assert panel.answers == {} and panel.comments.toPlainText() == ""
    assert all(row.answer is None for row in panel.rows)
    assert panel.score_label.text() == "—"
    with qtbot.waitSignal(panel.failed, timeout=10000):
        panel.save()  # nothing answered for B: refused, and A's draft is not B's evaluation
    assert core.store.read_sync(for_incident, supervisor, core.clock(), b) == []
    _open(qtbot, panel, a)
    assert panel.answers == drafted
    assert [row.answer for row in panel.rows[:3]] == ["yes", "yes", "no"]
    assert panel.comments.toPlainText() == "A: callback missed"
    assert "3 to answer" not in panel.detail.text() and "7 to answer" in panel.detail.text()


def test_earlier_evaluations_in_the_agency_zone(qtbot: QtBot, core: DeskCore) -> None:
    from zoneinfo import ZoneInfo

    incident_id = _closed_incident(core)
    panel = QaPanel(core, actor_for(core, "supervisor"))
    qtbot.addWidget(panel)
    panel.show()
    _open(qtbot, panel, incident_id)
    assert panel.form is not None
    for q in panel.form.questions:
        panel.answers[q.id] = 1 if q.kind == "scale" else "yes"
    with qtbot.waitSignal(panel.saved, timeout=10000) as saved:
        panel.save()
    at = saved.args[0].at
    zone = ZoneInfo(core.profile.timezone)
    assert at.utcoffset() is not None and at.astimezone(zone).utcoffset() != at.utcoffset()
    assert panel.earlier_label.text().startswith(f"{at.astimezone(zone):%Y-%m-%d %H:%M} · ")
