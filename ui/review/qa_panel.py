"""The QA panel: score one incident's call-taking with an evaluation form, by keyboard.

One row per question. Up/Down (or Tab) move between rows; in a row, Y / N / A answer yes, no,
N/A, and a digit answers a scale question; the answer moves focus to the next question. The score
and the verdict follow every answer. Comments below; Save (Ctrl+Enter, within the panel) stores
the evaluation, which is then listed with the earlier ones for this incident. Nothing typed is
lost on a refusal: the answers stay until the evaluation is stored. Opening another incident
puts the unsaved answers and comments aside as that incident's draft (never carried over to the
new one); opening the incident again brings its draft back.

Signals: loaded(incident_id), saved(EvaluationView), failed(str).
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import access
from dispatch_desk.qa.evaluations import (
    Evaluated,
    EvaluationView,
    evaluate,
    scoring_sheet,
)
from dispatch_desk.qa.forms import SCALE, Form, ensure_default_form, latest_forms
from dispatch_desk.qa.scoring import NA, NO, YES, score, shown_percent
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.tasks import TaskOwner
from ui.theme import restyle

STYLE = """
QFrame#qaQuestion { border: 1px solid transparent; border-radius: 3px; }
QFrame#qaQuestion[focused="true"] { border-color: #4c9be8; background: #1c2630; }
QPushButton[answer="true"] { background: #2f5d8a; color: #ffffff; }
QPushButton#qaChoice { padding: 1px 6px; min-width: 22px; }
QLabel#qaScore { font-size: 13pt; font-weight: bold; }
QLabel#qaScore[verdict="pass"] { color: #57ab5a; }
QLabel#qaScore[verdict="fail"] { color: #e5534b; }
QLabel#qaHeader { font-weight: bold; }
QLabel#qaEarlier { color: #8b96a5; }
"""


class QuestionRow(QFrame):
    """A question and its choices; keys answer it while it has focus."""

    answered = Signal(str, object)  # question id, answer (None: cleared)
    move = Signal(int)  # +1 / -1

    def __init__(self, number: int, question: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="qaQuestion")
        self.question = question
        self.answer: Any = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        label = QLabel(
            f"{number}. {question.text}  <span style='color:#8b96a5'>×{question.weight:g}</span>"
        )
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        self.buttons: dict[Any, QPushButton] = {}
        if question.kind == SCALE:
            choices: list[tuple[Any, str]] = [(v, str(v)) for v in range(question.scale_max + 1)]
        else:
            choices = [(YES, "Yes Y"), (NO, "No N")]
        if question.allow_na:
            choices.append((NA, "N/A A"))
        row = QHBoxLayout()
        row.setSpacing(3)
        row.setContentsMargins(0, 0, 0, 0)
        for value, text in choices:
            button = QPushButton(text, objectName="qaChoice")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, v=value: self.choose(v, advance=False))
            self.buttons[value] = button
            row.addWidget(button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 3, 4, 3)
        column.setSpacing(2)
        column.addWidget(label)
        column.addLayout(row)

    def choose(self, value: Any, *, advance: bool = True) -> None:
        self.answer = value
        for key, button in self.buttons.items():
            restyle(button, "answer", key == value)
        self.answered.emit(self.question.id, value)
        if advance:
            self.move.emit(1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text().lower()
        if key in (Qt.Key.Key_Down,):
            self.move.emit(1)
        elif key in (Qt.Key.Key_Up,):
            self.move.emit(-1)
        elif text == "y" and YES in self.buttons:
            self.choose(YES)
        elif text == "n" and NO in self.buttons:
            self.choose(NO)
        elif text == "a" and NA in self.buttons:
            self.choose(NA)
        elif text.isdigit() and int(text) in self.buttons and self.question.kind == SCALE:
            self.choose(int(text))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.answer = None
            for button in self.buttons.values():
                restyle(button, "answer", False)
            self.answered.emit(self.question.id, None)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        restyle(self, "focused", True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        restyle(self, "focused", False)
        super().focusOutEvent(event)


class QaPanel(QWidget):
    loaded = Signal(object)
    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaPanel")
        self.setStyleSheet(STYLE)
        self.core, self.actor = core, actor
        self.tasks = TaskOwner("qa-panel")
        self.incident_id: uuid.UUID | None = None
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.answers: dict[str, Any] = {}
        self.rows: list[QuestionRow] = []
        self.evaluated: Evaluated | None = None
        self.earlier: list[EvaluationView] = []
        # unsaved work per incident: (form id, answers, comments), kept while the panel lives
        self.drafts: dict[uuid.UUID, tuple[Any, dict[str, Any], str]] = {}
        self._seq = 0

        self.header = QLabel("No incident", objectName="qaHeader")
        self.header.setWordWrap(True)
        self.form_box = QComboBox(objectName="qaForm")
        self.form_box.currentIndexChanged.connect(self._form_chosen)
        self.score_label = QLabel("—", objectName="qaScore")
        self.detail = QLabel("", objectName="qaEarlier")
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.questions = QWidget()
        self.question_box = QVBoxLayout(self.questions)
        self.question_box.setContentsMargins(0, 0, 0, 0)
        self.question_box.setSpacing(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.questions)
        self.comments = QPlainTextEdit(objectName="qaComments")
        self.comments.setPlaceholderText("Comments for the call-taker (optional)")
        self.comments.setTabChangesFocus(True)
        self.comments.setMaximumHeight(80)
        self.save_button = QPushButton("Save  Ctrl+Enter", objectName="qaSave")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        self.earlier_label = QLabel("", objectName="qaEarlier")
        self.earlier_label.setWordWrap(True)
        self.earlier_label.setTextFormat(Qt.TextFormat.PlainText)

        top = QHBoxLayout()
        top.addWidget(QLabel("Form"))
        top.addWidget(self.form_box, 1)
        scoring = QHBoxLayout()
        scoring.addWidget(self.score_label)
        scoring.addWidget(self.detail, 1)
        scoring.addWidget(self.save_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addWidget(self.header)
        column.addLayout(top)
        column.addWidget(self.note)
        column.addWidget(scroll, 1)
        column.addLayout(scoring)
        column.addWidget(self.comments)
        column.addWidget(QLabel("Earlier evaluations"))
        column.addWidget(self.earlier_label)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.save)

    # -- loading

    def show_incident(self, incident_id: uuid.UUID) -> None:
        """Show ``incident_id`` for scoring (read off the GUI thread)."""
        self._seq += 1
        self.tasks.spawn(self.load(incident_id, self._seq), "qa-panel-load")

    async def load(self, incident_id: uuid.UUID, seq: int = 0) -> bool:
        now = self.core.clock()
        try:
            sheet = await access.read(self.core.store, scoring_sheet, self.actor, now, incident_id)
            forms = sheet.forms
            if not forms:  # a desk with no form yet scores with the default one
                await self.core.store.write(ensure_default_form, self.core.system_actor(), now)
                forms = await self.core.store.read(latest_forms)
        except EXPECTED as exc:
            self.say("error", f"Not shown: {user_message(exc)}")
            self.failed.emit(user_message(exc))
            return False
        if seq and seq != self._seq:
            return False
        other = incident_id != self.incident_id
        if other:
            self._put_draft_aside()
        self.incident_id, self.evaluated, self.earlier = incident_id, sheet.evaluated, sheet.earlier
        taker = sheet.evaluated.name or "unknown call-taker"
        self.header.setText(f"Incident {sheet.number} · {sheet.type_code} · taken by {taker}")
        self._set_forms(forms)
        if other:
            self._take_draft(incident_id)
        self._show_earlier()
        self.say("", "")
        self.save_button.setEnabled(True)
        self.loaded.emit(incident_id)
        return True

    def _set_forms(self, forms: list[Form]) -> None:
        keep = self.form.name if self.form is not None else self.core.settings.qa.default_form
        self.forms = forms
        self.form_box.blockSignals(True)
        self.form_box.clear()
        for form in forms:
            self.form_box.addItem(f"{form.name} v{form.version} · pass {form.pass_mark:g} %")
        index = next((i for i, f in enumerate(forms) if f.name == keep), 0)
        self.form_box.setCurrentIndex(index)
        self.form_box.blockSignals(False)
        self._use_form(forms[index] if forms else None)

    def _form_chosen(self, index: int) -> None:
        if 0 <= index < len(self.forms):
            self._use_form(self.forms[index])

    def _use_form(self, form: Form | None) -> None:
        same = self.form is not None and form is not None and self.form.id == form.id
        self.form = form
        if not same:
            self.answers = {}
            for row in self.rows:
                row.setParent(None)
                row.deleteLater()
            self.rows = []
            if form is not None:
                for n, question in enumerate(form.questions, 1):
                    row = QuestionRow(n, question)
                    row.answered.connect(self._answered)
                    row.move.connect(lambda step, r=row: self._move(r, step))
                    self.question_box.addWidget(row)
                    self.rows.append(row)
                self.question_box.addStretch(1)
        self._update_score()

    # -- drafts

    def _put_draft_aside(self) -> None:
        comments = self.comments.toPlainText()
        if self.incident_id is not None and self.form is not None:
            if self.answers or comments.strip():
                self.drafts[self.incident_id] = (self.form.id, dict(self.answers), comments)
            else:
                self.drafts.pop(self.incident_id, None)
        self._set_answers({})
        self.comments.clear()

    def _take_draft(self, incident_id: uuid.UUID) -> None:
        draft = self.drafts.get(incident_id)
        if draft is None:
            return
        form_id, answers, comments = draft
        index = next((i for i, f in enumerate(self.forms) if f.id == form_id), None)
        if index is None:  # its form is no longer listed: keep the draft, say so
            self.say("error", "A draft for this incident was made with a form no longer listed.")
            return
        self.form_box.setCurrentIndex(index)
        self._use_form(self.forms[index])
        self._set_answers(answers)
        self.comments.setPlainText(comments)

    def _set_answers(self, answers: dict[str, Any]) -> None:
        self.answers = dict(answers)
        for row in self.rows:
            row.answer = self.answers.get(row.question.id)
            for key, button in row.buttons.items():
                restyle(button, "answer", row.answer is not None and key == row.answer)
        self._update_score()

    def _show_earlier(self) -> None:
        if not self.earlier:
            self.earlier_label.setText("None yet.")
            return
        zone = ZoneInfo(self.core.profile.timezone)  # the agency's time, as everywhere
        lines = [
            f"{e.at.astimezone(zone):%Y-%m-%d %H:%M} · {e.evaluator_name} · {e.form_name} "
            f"v{e.form_version} · "
            f"{shown_percent(e.score, passed=e.passed, pass_mark=e.form.pass_mark)} % "
            f"{'pass' if e.passed else 'FAIL'}" + (f" · {e.comments}" if e.comments else "")
            for e in self.earlier
        ]
        self.earlier_label.setText("\n".join(lines))

    # -- answering

    def focus_first(self) -> None:
        target = next(
            (r for r in self.rows if r.answer is None), self.rows[0] if self.rows else None
        )
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Focus given to the panel (the review window's shortcut) goes to the first question
        still open, so the keys answer at once."""
        super().focusInEvent(event)
        if self.rows:
            self.focus_first()

    def _move(self, row: QuestionRow, step: int) -> None:
        i = self.rows.index(row) + step
        if 0 <= i < len(self.rows):
            self.rows[i].setFocus(Qt.FocusReason.TabFocusReason)
        elif i >= len(self.rows):
            self.comments.setFocus(Qt.FocusReason.TabFocusReason)

    def _answered(self, question_id: str, answer: Any) -> None:
        if answer is None:
            self.answers.pop(question_id, None)
        else:
            self.answers[question_id] = answer
        self._update_score()

    def _update_score(self) -> None:
        if self.form is None:
            self.score_label.setText("—")
            self.detail.setText("No evaluation form.")
            return
        result = score(self.form, self.answers)
        if result.percent is None:
            self.score_label.setText("—")
            restyle(self.score_label, "verdict", "")
        else:
            shown = shown_percent(
                result.percent, passed=result.passed, pass_mark=self.form.pass_mark
            )
            self.score_label.setText(f"{shown} % {'PASS' if result.passed else 'FAIL'}")
            restyle(self.score_label, "verdict", "pass" if result.passed else "fail")
        left = len(result.unanswered)
        self.detail.setText(
            f"pass mark {self.form.pass_mark:g} % · "
            + (f"{left} to answer" if left else "all answered")
        )

    # -- saving

    def save(self) -> None:
        if self.incident_id is None or self.form is None:
            return
        self.tasks.spawn(self.store(), "qa-panel-save")

    async def store(self) -> EvaluationView | None:
        if self.incident_id is None or self.form is None:
            return None
        incident_id, form = self.incident_id, self.form
        answers, comments = dict(self.answers), self.comments.toPlainText()
        try:
            view = await self.core.store.write(
                evaluate, self.actor, self.core.clock(), incident_id, form.id, answers, comments
            )
        except EXPECTED as exc:
            self.say("error", user_message(exc))
            self.failed.emit(user_message(exc))
            return None
        self.drafts.pop(incident_id, None)
        if incident_id != self.incident_id:
            return view
        self.earlier = [*self.earlier, view]
        self._show_earlier()
        self._set_answers({})
        self.comments.clear()
        verdict = "pass" if view.passed else "fail"
        self.say("ok", f"Evaluation saved: {view.score:.1f} % ({verdict}).")
        self.saved.emit(view)
        return view

    def say(self, kind: str, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
        restyle(self.note, "kind", kind)
