"""Screenshot of the review window (see screenshot.py --review): a recorded session made with
the desk's own recorder (a moving picture, chat, a GPS trail), opened by a supervisor and
scrubbed to the second chat line, with a bookmark, the QA panel docked beside it."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.review import bookmarks
from ui.review.window import ReviewWindow
from ui.theme import apply_theme

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers.core import FakeClock, actor_for
from tests.ui.review.recorded import make_recorded


async def shoot_review(target: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="dd-shot-review-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    app = QApplication.instance()
    apply_theme(app, paths.resources_dir, settings.ui.font_pt)
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    core = DeskCore.open(settings, paths, clock=clock)
    try:
        geo = await core.geo()
        min_lon, min_lat, max_lon, max_lat = geo.layers.bounds()
        centre = ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
        made = make_recorded(core, clock, actor_for(core, "dispatcher"), origin=centre)
        supervisor = actor_for(core, "supervisor")
        core.store.write_sync(
            bookmarks.add,
            supervisor,
            made.incident_id,
            made.chat_at[0] + timedelta(seconds=3),
            "Location confirmed only after the second prompt",
            clock(),
        )
        review = ReviewWindow(core, supervisor)
        review.resize(1580, 900)
        review.move(0, 0)
        review.show()
        loaded = asyncio.get_running_loop().create_future()
        review.session.loaded.connect(lambda line: loaded.done() or loaded.set_result(line))
        await asyncio.sleep(0.5)
        review.open_incident(made.incident_id)
        await loaded
        for _ in range(100):
            await asyncio.sleep(0.1)
            if review.session.video.painted_frames and review.search.row_ids():
                break
        review.session.seek(made.chat_at[1])
        review.search.table.selectRow(0)
        await asyncio.sleep(2.0)
        review.session.timeline_view.setFocus()
        await asyncio.sleep(0.3)
        review.grab().save(str(target))
        print(f"saved {target}")
        review.close()
        await asyncio.sleep(0.5)
    finally:
        core.close()
