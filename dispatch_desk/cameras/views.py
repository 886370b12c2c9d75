"""Saved wall views: a grid, and which camera (or sequence of cameras) is in which tile.

Kept in the database (``wall_view``), so that a view saved on one console is there on every
console of the centre. A view names cameras by id; a camera removed since is left out of the
tile when the view is loaded, never an error. Views are replaced, not deleted (deleting rows is
not replicated by sync).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.storage.models import WallView, stable_id

MAX_SIDE = 8
PRESETS: dict[str, tuple[int, int]] = {"1": (1, 1), "2x2": (2, 2), "3x3": (3, 3), "4x4": (4, 4)}


@dataclass(frozen=True)
class TileSpec:
    """One tile: no camera, one camera, or a sequence rotating every ``dwell_s`` seconds."""

    cameras: tuple[uuid.UUID, ...] = ()
    dwell_s: float = 10.0


@dataclass(frozen=True)
class WallSpec:
    rows: int
    cols: int
    tiles: tuple[TileSpec, ...] = field(default=())

    def __post_init__(self) -> None:
        if not (1 <= self.rows <= MAX_SIDE and 1 <= self.cols <= MAX_SIDE):
            raise RuleViolation(f"a wall grid is 1 to {MAX_SIDE} tiles a side")
        count = self.rows * self.cols
        tiles = tuple(self.tiles[:count]) + (TileSpec(),) * max(0, count - len(self.tiles))
        object.__setattr__(self, "tiles", tiles)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "rows": self.rows,
                "cols": self.cols,
                "tiles": [
                    {"cameras": [str(c) for c in t.cameras], "dwell_s": t.dwell_s}
                    for t in self.tiles
                ],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> WallSpec:
        try:
            data = json.loads(text)
            tiles = tuple(
                TileSpec(
                    tuple(uuid.UUID(c) for c in t.get("cameras", [])),
                    max(2.0, min(3600.0, float(t.get("dwell_s", 10.0)))),
                )
                for t in data["tiles"]
            )
            return cls(int(data["rows"]), int(data["cols"]), tiles)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RuleViolation(f"the saved wall view cannot be read: {exc}") from None


@dataclass(frozen=True)
class SavedView:
    id: uuid.UUID
    name: str
    spec: WallSpec
    updated_at: datetime


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise RuleViolation("A wall view needs a name.")
    if len(clean) > 80:
        raise RuleViolation("A wall view's name is at most 80 characters.")
    return clean


def save_view(
    session: Session, actor: Actor, name: str, spec: WallSpec, now: datetime
) -> SavedView:
    """Save under ``name`` (replacing a view of the same name)."""
    clean = _clean_name(name)
    row = session.scalar(select(WallView).where(WallView.name == clean))
    if row is None:
        # The same id for the same name on every console: two consoles saving "Downtown"
        # while apart merge into one view when they sync, instead of clashing on the name.
        row = WallView(id=stable_id("wall_view", clean), name=clean, created_by=actor.user_id)
        session.add(row)
    row.spec = spec.to_json()
    row.workstation = actor.workstation
    row.updated_at = now
    audit.record(
        session,
        actor,
        now,
        "camera.wall_view.save",
        entity_type="wall_view",
        entity_id=row.id,
        name=clean,
        grid=f"{spec.rows}x{spec.cols}",
    )
    note_change(session, "wall_view", row.id)
    return SavedView(row.id, clean, spec, now)


def list_views(session: Session) -> list[SavedView]:
    out = []
    for row in session.scalars(select(WallView).order_by(WallView.name)):
        try:
            spec = WallSpec.from_json(row.spec)
        except RuleViolation:
            continue  # a view written by a newer version: not offered rather than broken
        out.append(SavedView(row.id, row.name, spec, row.updated_at))
    return out


def load_view(session: Session, name: str) -> SavedView:
    row = session.scalar(select(WallView).where(WallView.name == _clean_name(name)))
    if row is None:
        raise NotFound(f"No wall view named {name!r}.")
    return SavedView(row.id, row.name, WallSpec.from_json(row.spec), row.updated_at)
