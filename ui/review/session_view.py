"""SessionView: one incident under review, everything in step on one playhead.

The video (the recording playing at the playhead, if any), the timeline, the map (the caller's
trail up to the playhead and the position at it) and the events list (chat, texts, narrative in
time order, scrolled to the playhead) all follow :meth:`seek`. While playing, the playhead comes
from the video's own clock inside a recording, and from the wall clock between recordings, so
time with no video still moves the map and the marks ("No recording at this time").

Opening a recording goes through the core (supervisors and admins, ``recording.view`` audited)
once per segment while the incident is open; a recording held on another workstation, or a file
missing, is said in the video pane and the status line.
"""

from __future__ import annotations

import asyncio
import bisect
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.review import bookmarks, timeline
from dispatch_desk.review.access import RecordingAccess, open_recording
from dispatch_desk.review.timeline import Span, Timeline
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.map.canvas import MapCanvas
from ui.map.marks import TrackPoint
from ui.review.timeline_view import TimelineView
from ui.review.video import NO_RECORDING, RecordingPlayer
from ui.tasks import TaskOwner

TICK_MS = 50
LIST_TRACKS = ("chat", "text", "narrative", "bookmark")
FUTURE = QColor("#5f6b7a")
PAST = QColor("#d9dfe7")


class BookmarkBar(QWidget):
    """Asks for a bookmark's note in place (never a modal dialog): Enter keeps, Esc drops."""

    submitted = Signal(object, str)  # datetime, note
    cancelled = Signal()

    def __init__(self, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = zone
        self.at: datetime | None = None
        self.label = QLabel()
        self.note = QLineEdit(objectName="reviewBookmarkNote")
        self.note.setPlaceholderText("Note for this moment — Enter to keep, Esc to cancel")
        self.note.setMaxLength(bookmarks.NOTE_MAX_CHARS)
        self.note.returnPressed.connect(self._submit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.note, 1)
        self.hide()

    def ask(self, at: datetime) -> None:
        self.at = at
        self.label.setText(f"Bookmark at {at.astimezone(self.zone):%H:%M:%S}")
        self.show()
        self.note.setFocus()

    def _submit(self) -> None:
        if self.at is not None:
            self.submitted.emit(self.at, self.note.text())

    def done(self) -> None:
        self.note.clear()
        self.at = None
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.done()
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class SessionView(QWidget):
    loaded = Signal(object)  # Timeline
    failed = Signal(str)
    said = Signal(str)  # a line for the status bar
    bookmarked = Signal(object)  # BookmarkView

    def __init__(self, core: DeskCore, actor: Actor, zone: ZoneInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewSession")
        self.core, self.actor, self.zone = core, actor, zone
        self.tasks = TaskOwner("review-session")
        self.timeline: Timeline | None = None
        self.playhead: datetime | None = None
        self.playing = False
        self.span: Span | None = None  # the recording loaded in the player
        self._access: dict[uuid.UUID, RecordingAccess] = {}
        self._opening: uuid.UUID | None = None
        self._seek_after_open = 0.0
        self._last_tick = 0.0
        self._clock_pos: float | None = None  # VLC's last clock reading while playing
        self._clock_at = 0.0  # when it was read (time.perf_counter())
        self._seq = 0
        self._event_times: list[datetime] = []
        self._events_past = 0
        self._trail_shown = -1
        self._events_current = -2

        self.title = QLabel("No incident open", objectName="incidentHeader")
        self.play_button = QPushButton("Play  Space", objectName="reviewPlay")
        self.play_button.clicked.connect(self.toggle_play)
        self.clock_label = QLabel("—", objectName="reviewClock")
        self.video = RecordingPlayer()
        self.video.ended.connect(self._video_ended)
        self.map = MapCanvas(compact=True)
        self.map.setObjectName("reviewMap")
        self.events = QListWidget(objectName="reviewEvents")
        self.events.setWordWrap(True)
        self.events.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.events.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.events.setMinimumWidth(220)
        self.events.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.timeline_view = TimelineView(zone)
        self.timeline_view.scrubbed.connect(self.seek)
        self.timeline_view.play_toggled.connect(self.toggle_play)
        self.timeline_view.bookmark_requested.connect(self.ask_bookmark)
        self.bookmark_bar = BookmarkBar(zone)
        self.bookmark_bar.submitted.connect(self._keep_bookmark)
        self.bookmark_bar.cancelled.connect(self.timeline_view.setFocus)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.clock_label)
        head.addWidget(self.play_button)
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self.video)
        upper.addWidget(self.map)
        upper.addWidget(self.events)
        upper.setChildrenCollapsible(False)
        upper.setSizes([500, 380, 320])
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addLayout(head)
        column.addWidget(upper, 1)
        column.addWidget(self.timeline_view)
        column.addWidget(self.bookmark_bar)

        self._timer = QTimer(self, interval=TICK_MS, timeout=self._tick)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.tasks.spawn(self._load_map(), "review-map")

    # -- loading

    async def _load_map(self) -> None:
        try:
            geo = await self.core.geo()
        except Exception as exc:  # the review goes on without streets
            self.map.message = f"Map data could not be loaded: {exc}"
            self.map.update()
            return
        from ui.map.basemap import VectorBase

        base = await asyncio.to_thread(VectorBase, geo.layers)
        self.map.set_layers(geo.layers, fit=self.timeline is None, base=base)
        if self.timeline is not None:
            self._centre_map()

    def open_incident(self, incident_id: uuid.UUID) -> asyncio.Task[None]:
        self._seq += 1
        return self.tasks.spawn(self.load(incident_id, self._seq), "review-load")

    async def load(self, incident_id: uuid.UUID, seq: int) -> None:
        try:
            line = await self.core.store.write(
                timeline.build, self.actor, incident_id, self.core.clock()
            )
        except EXPECTED as exc:
            self.failed.emit(user_message(exc))
            return
        if seq != self._seq:
            return
        self.stop()
        self.video.close_file()
        self._access.clear()
        self.span = None
        self.timeline = line
        self.title.setText(f"{line.number} · {line.type_code} · {line.address}")
        self.timeline_view.playhead = None
        self.timeline_view.view_start = None
        self.timeline_view.set_timeline(line)
        self.map.select(line.incident_id, centre=False)
        self._fill_events()
        self._centre_map()
        first = line.spans[0].start if line.spans else line.start
        self.seek(first)
        self.timeline_view.setFocus()
        self.loaded.emit(line)

    def _fill_events(self) -> None:
        assert self.timeline is not None
        self.events.clear()
        self._event_times = []
        for mark in self.timeline.marks:
            if mark.track not in LIST_TRACKS:
                continue
            item = QListWidgetItem(f"{mark.at.astimezone(self.zone):%H:%M:%S}  {mark.text}")
            item.setData(Qt.ItemDataRole.UserRole, mark.at)
            item.setForeground(FUTURE)
            self.events.addItem(item)
            self._event_times.append(mark.at)
        self._events_past = 0  # lines styled as past: the first this many
        self._events_current = -2  # the current line (-2: none chosen yet)
        self._trail_shown = -1  # the trail's fixes on the map: to be drawn for this timeline

    def _centre_map(self) -> None:
        if self.timeline is None or not self.timeline.trail:
            return
        lats = [f.lat for f in self.timeline.trail]
        lons = [f.lon for f in self.timeline.trail]
        self.map.view.fit(min(lats), min(lons), max(lats), max(lons))
        self.map.view.zoom = min(max(self.map.view.zoom - 0.5, 13.0), 18.0)
        self.map.update()

    # -- the playhead

    def seek(self, at: datetime) -> None:
        """Move everything to ``at``: video, timeline, map, events list."""
        line = self.timeline
        if line is None:
            return
        at = max(line.start, min(line.end, at))
        self.playhead = at
        self._last_tick = time.perf_counter()
        self.timeline_view.set_playhead(at)
        self._show_trail(at)
        self._show_events(at)
        self.clock_label.setText(f"{at.astimezone(self.zone):%Y-%m-%d %H:%M:%S}")
        found = line.span_at(at)
        if found is None:
            if self.span is not None or self.video.path is not None:
                self.span = None
                self.video.close_file(NO_RECORDING)
            elif not self._opening:
                self.video.message = NO_RECORDING
                self.video.update()
            return
        span, offset = found
        if self.span is not None and span.media_id == self.span.media_id:
            self.video.seek(offset)
            return
        self._seek_after_open = offset
        if self._opening != span.media_id:
            self._opening = span.media_id
            self.tasks.spawn(self._open(span), "review-open-recording")

    async def _open(self, span: Span) -> None:
        try:
            access = self._access.get(span.media_id)
            if access is None:
                access = await self.core.store.write(
                    open_recording,
                    self.actor,
                    span.media_id,
                    self.core.clock(),
                    media_dir=self.core.paths.media_dir,
                )
                self._access[span.media_id] = access
        except EXPECTED as exc:
            self.video.close_file(user_message(exc))
            self.said.emit(user_message(exc))
            return
        finally:
            if self._opening == span.media_id:
                self._opening = None
        current = self.timeline.span_at(self.playhead) if self.timeline and self.playhead else None
        if current is None or current[0].media_id != span.media_id:
            return  # the reviewer moved on while it was being opened
        if access.path is None:
            self.span = span
            self.video.close_file(access.message)
            self.said.emit(access.message)
            return
        self.span = span
        self.video.open(access.path, paused=not self.playing)
        self.video.seek(current[1])
        if self.playing:
            self.video.play()

    def _show_trail(self, at: datetime) -> None:
        """The caller's trail up to ``at``; drawn again only when a fix crossed the playhead
        (this runs on every tick)."""
        assert self.timeline is not None
        count = self.timeline.trail_count(at)
        if count == self._trail_shown:
            return
        self._trail_shown = count
        track = self.map.caller(self.timeline.incident_id)
        track.fixes = [
            TrackPoint(f.lat, f.lon, f.accuracy_m, f.at) for f in self.timeline.trail[:count]
        ]
        self.map.update()

    def _show_events(self, at: datetime) -> None:
        """Lines up to ``at`` bright, later ones dim, the last one current and in view; only
        the lines that crossed the playhead are restyled (this runs on every tick)."""
        past = bisect.bisect_right(self._event_times, at)
        low, high = sorted((past, self._events_past))
        for row in range(low, high):
            self.events.item(row).setForeground(PAST if row < past else FUTURE)
        self._events_past = past
        if past == self._events_current + 1:
            return
        self._events_current = past - 1
        if past:
            self.events.setCurrentRow(past - 1)
            self.events.scrollToItem(self.events.item(past - 1))
        else:
            self.events.setCurrentRow(-1)
            self.events.scrollToTop()

    # -- playing

    def toggle_play(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        if self.timeline is None:
            return
        if self.playhead is not None and self.playhead >= self.timeline.end:
            self.seek(self.timeline.start)
        self.playing = True
        self.play_button.setText("Pause  Space")
        self._last_tick = time.perf_counter()
        if self.span is not None and self.video.pipeline is not None:
            self.video.play()
        self._timer.start()

    def stop(self) -> None:
        was_playing = self.playing
        self.playing = False
        self.play_button.setText("Play  Space")
        self._timer.stop()
        self.video.pause()
        self._clock_pos = None
        position = self.video.position_s() if self.span is not None else None
        if was_playing and position is not None and self.span is not None:
            # Paused: the playhead is where the picture stopped.
            self._advance(max(self.span.start + timedelta(seconds=position), self.span.start))

    def _tick(self) -> None:
        line, at = self.timeline, self.playhead
        if line is None or at is None:
            return
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        position = self.video.position_s() if self.span is not None else None
        if position is not None and self.video.playing and not self.video.at_end:
            # VLC's clock steps every few hundred ms: between steps, run on from the last one.
            if position != self._clock_pos:
                self._clock_pos, self._clock_at = position, now
            position += min(1.0, now - self._clock_at)
            target = self.span.start + timedelta(seconds=position)  # type: ignore[union-attr]
            target = max(target, at)  # never backwards
        else:
            target = at + timedelta(seconds=elapsed)
        if target >= line.end:
            self.seek(line.end)
            self.stop()
            return
        self._advance(target)

    def _advance(self, at: datetime) -> None:
        """Move the playhead while playing: the video is not sought, only followed."""
        assert self.timeline is not None
        found = self.timeline.span_at(at)
        same = (
            found is not None and self.span is not None and found[0].media_id == self.span.media_id
        )
        if same:
            self.playhead = at
            self.timeline_view.set_playhead(at)
            self._show_trail(at)
            self._show_events(at)
            self.clock_label.setText(f"{at.astimezone(self.zone):%Y-%m-%d %H:%M:%S}")
        else:
            self.seek(at)

    def _video_ended(self) -> None:
        if self.span is not None and self.playing:
            self._advance(self.span.end + timedelta(milliseconds=1))

    # -- bookmarks

    def ask_bookmark(self) -> None:
        if self.playhead is None:
            return
        if self.playing:
            self.stop()
        self.bookmark_bar.ask(self.playhead)

    def _keep_bookmark(self, at: datetime, note: str) -> None:
        self.tasks.spawn(self.add_bookmark(at, note), "review-bookmark")

    async def add_bookmark(self, at: datetime, note: str) -> None:
        if self.timeline is None:
            return
        found = self.timeline.span_at(at)
        try:
            view = await self.core.store.write(
                bookmarks.add,
                self.actor,
                self.timeline.incident_id,
                at,
                note,
                self.core.clock(),
                media_id=found[0].media_id if found else None,
            )
        except EXPECTED as exc:
            self.said.emit(user_message(exc))  # the note stays typed in the bar
            return
        self.bookmark_bar.done()
        self.said.emit(f"Bookmark kept at {at.astimezone(self.zone):%H:%M:%S}.")
        await self.reload()
        self.timeline_view.setFocus()
        self.bookmarked.emit(view)

    async def reload(self) -> None:
        """Read the timeline again (a bookmark was added), keeping the playhead."""
        if self.timeline is None:
            return
        at = self.playhead
        # through the audited, role-checked way in (never an unchecked read of caller data)
        try:
            line = await self.core.store.write(
                timeline.build, self.actor, self.timeline.incident_id, self.core.clock()
            )
        except EXPECTED as exc:
            self.said.emit(f"Timeline not refreshed: {user_message(exc)}")
            return
        self.timeline = line
        self.timeline_view.set_timeline(line)
        self._fill_events()
        if at is not None:
            self._show_events(at)
