"""Evaluation forms: questions with weights, a pass mark; versioned, stored as JSON.

A form is checked whole before anything is stored: a bad file is refused with what is wrong
and where (``questions[3].weight: must be a number above 0``). Importing a form under a name
that exists makes its next version; past evaluations keep the version they were made with
(and a copy of its spec).

A stored version's id is derived from its name, version and a hash of its content: the same
default seeded on two workstations is one row, while two different "version 2"s made apart are
two rows that sync keeps side by side. Where a name has two rows of one version, every reader
picks the same one (the greater id), and the next save makes the version after both.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import QaForm, stable_id

YES_NO = "yesno"
SCALE = "scale"
KINDS = (YES_NO, SCALE)
MAX_QUESTIONS = 100
MAX_SCALE = 10
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")


class FormRejected(ValueError):
    """A form file or document that cannot be used; the message says where and what."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    weight: float = 1.0
    kind: str = YES_NO
    scale_max: int = 0  # for SCALE: answers 0..scale_max
    allow_na: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "weight": self.weight,
            "kind": self.kind,
            "allow_na": self.allow_na,
        }
        if self.kind == SCALE:
            out["scale_max"] = self.scale_max
        return out


@dataclass(frozen=True)
class Form:
    name: str
    questions: tuple[Question, ...]
    pass_mark: float  # per cent
    version: int = 0  # 0: not stored yet
    id: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "pass_mark": self.pass_mark,
            "questions": [q.to_json() for q in self.questions],
        }

    def spec(self) -> str:
        body = {"pass_mark": self.pass_mark, "questions": [q.to_json() for q in self.questions]}
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


# The default call-taking form (after APCO/NENA ANS 1.107.1 call-handling QA elements).
DEFAULT_FORM = Form(
    name="Call taking",
    pass_mark=80.0,
    questions=(
        Question("answer", "Answered with the agency's standard greeting", 1.0),
        Question("address", "Location verified (address repeated back / confirmed)", 3.0),
        Question("callback", "Callback number verified", 2.0),
        Question("complaint", "Chief complaint / nature identified", 2.0),
        Question("protocol", "Protocol or card followed in order", 3.0, allow_na=True),
        Question("safety", "Scene and caller safety addressed", 2.0, allow_na=True),
        Question("pai", "Pre-arrival instructions given", 2.0, allow_na=True),
        Question("entry", "Incident entered with correct type and priority", 2.0),
        Question("professional", "Professionalism and tone (0-4)", 2.0, SCALE, 4),
        Question("closing", "Call closed appropriately (help on the way, call back if...)", 1.0),
    ),
)


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise FormRejected(f"{where}: {what}")


def _number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def parse_form(data: Any) -> Form:
    """A :class:`Form` from a JSON document, or :class:`FormRejected` naming what is wrong."""
    _need(isinstance(data, dict), "form", "must be a JSON object")
    name = data.get("name")
    _need(
        isinstance(name, str) and 0 < len(name.strip()) <= 120,
        "name",
        "must be a text of 1 to 120 characters",
    )
    mark = data.get("pass_mark")
    _need(_number(mark) and 0 <= mark <= 100, "pass_mark", "must be a number from 0 to 100")
    questions = data.get("questions")
    _need(
        isinstance(questions, list) and 0 < len(questions) <= MAX_QUESTIONS,
        "questions",
        f"must be a list of 1 to {MAX_QUESTIONS} questions",
    )
    seen: set[str] = set()
    parsed = []
    for i, raw in enumerate(questions):
        where = f"questions[{i}]"
        _need(isinstance(raw, dict), where, "must be an object")
        qid = raw.get("id")
        _need(
            isinstance(qid, str) and bool(_ID.match(qid)),
            f"{where}.id",
            "must be 1-40 lower-case letters, digits, _ or -",
        )
        _need(qid not in seen, f"{where}.id", f"{qid!r} is used twice")
        seen.add(qid)
        text = raw.get("text")
        _need(
            isinstance(text, str) and 0 < len(text.strip()) <= 500,
            f"{where}.text",
            "must be a text of 1 to 500 characters",
        )
        weight = raw.get("weight", 1.0)
        _need(_number(weight) and 0 < weight <= 1000, f"{where}.weight", "must be a number above 0")
        kind = raw.get("kind", YES_NO)
        _need(kind in KINDS, f"{where}.kind", f"must be one of {', '.join(KINDS)}")
        scale_max = 0
        if kind == SCALE:
            scale_max = raw.get("scale_max")
            _need(
                isinstance(scale_max, int)
                and not isinstance(scale_max, bool)
                and 1 <= scale_max <= MAX_SCALE,
                f"{where}.scale_max",
                f"must be a whole number from 1 to {MAX_SCALE}",
            )
        allow_na = raw.get("allow_na", False)
        _need(isinstance(allow_na, bool), f"{where}.allow_na", "must be true or false")
        parsed.append(
            Question(qid, text.strip(), float(weight), kind, scale_max, allow_na)  # type: ignore[arg-type]
        )
    return Form(name.strip(), tuple(parsed), float(mark))  # type: ignore[union-attr]


def read_form_file(path: Path) -> Form:
    """A form from a JSON file; :class:`FormRejected` starts with the file's path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FormRejected(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FormRejected(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormRejected(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return parse_form(data)
    except FormRejected as exc:
        raise FormRejected(f"{path}: {exc}") from None


def form_from_spec(name: str, version: int, form_id: Any, spec: str) -> Form:
    """A stored version from its spec (a form row's, or the copy an evaluation keeps)."""
    data = json.loads(spec)
    form = parse_form({"name": name, **data})
    return Form(form.name, form.questions, form.pass_mark, version, form_id)


def _from_row(row: QaForm) -> Form:
    return form_from_spec(row.name, row.version, row.id, row.spec)


def form_id(name: str, version: int, spec: str) -> Any:
    """The id of a stored form version: equal content converges, different content never
    collides (see the module's docstring)."""
    digest = hashlib.sha256(spec.encode("utf-8")).hexdigest()
    return stable_id("qa_form", f"{name}:{version}:{digest}")


def _newest(rows: list[QaForm]) -> QaForm | None:
    return max(rows, key=lambda r: (r.version, str(r.id)), default=None)


def latest_forms(session: Session) -> list[Form]:
    """The latest version of every form, by name."""
    newest: dict[str, QaForm] = {}
    for row in session.scalars(select(QaForm).order_by(QaForm.name)):
        best = newest.get(row.name)
        if best is None or (row.version, str(row.id)) > (best.version, str(best.id)):
            newest[row.name] = row
    return [_from_row(newest[name]) for name in sorted(newest)]


def form_by_id(session: Session, form_id: Any) -> Form:
    row = session.get(QaForm, form_id)
    if row is None:
        raise NotFound("That evaluation form is not in the store.")
    return _from_row(row)


def _latest_row(session: Session, name: str, version: int | None = None) -> QaForm | None:
    query = select(QaForm).where(QaForm.name == name)
    if version is None:
        top = session.scalar(select(func.max(QaForm.version)).where(QaForm.name == name))
        if top is None:
            return None
        version = top
    return _newest(list(session.scalars(query.where(QaForm.version == version))))


def get_form(session: Session, name: str, version: int | None = None) -> Form:
    row = _latest_row(session, name, version)
    if row is None:
        raise NotFound(f"No evaluation form {name!r}" + (f" v{version}" if version else ""))
    return _from_row(row)


def save_form(session: Session, actor: Actor, form: Form, now: datetime) -> tuple[Form, bool]:
    """Store ``form`` as the next version of its name; (stored form, True when new). A form
    identical to the latest version is not stored again."""
    from dispatch_desk.qa.access import MANAGE_FORMS

    audit.require(actor, now, "qa.form", MANAGE_FORMS, form=form.name)
    latest = _latest_row(session, form.name)
    if latest is not None and latest.spec == form.spec():
        return _from_row(latest), False
    version = (latest.version + 1) if latest is not None else 1
    row = QaForm(
        id=form_id(form.name, version, form.spec()),
        name=form.name,
        version=version,
        spec=form.spec(),
        created_by=actor.username,
        created_at=now,
    )
    session.add(row)
    audit.record(
        session,
        actor,
        now,
        "qa.form",
        entity_type="qa_form",
        entity_id=row.id,
        form=form.name,
        version=version,
        questions=len(form.questions),
    )
    note_change(session, "qa_form", row.id)
    return Form(form.name, form.questions, form.pass_mark, version, row.id), True


def ensure_default_form(session: Session, actor: Actor, now: datetime) -> Form | None:
    """Seed the default call-taking form when the store has no form at all."""
    if session.scalar(select(QaForm.id).limit(1)) is not None:
        return None
    form, _ = save_form(session, actor, DEFAULT_FORM, now)
    return form
