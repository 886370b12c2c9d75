"""Screenshots of the QA pieces of the review window (see screenshot.py --qa): the review
queue beside the QA panel with a call being scored, and the reports tab, over twelve weeks of
demo-sized incidents with real answer times and evaluations made through the core."""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QSplitter, QTabWidget

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import forms
from dispatch_desk.qa.evaluations import evaluate
from dispatch_desk.services import accounts
from ui.review.qa_panel import QaPanel
from ui.review.qa_queue import QaQueueView
from ui.review.qa_reports import QaReportsView
from ui.theme import apply_theme

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers.qa_data import bulk_incidents


async def shoot_qa(target: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="dd-shot-qa-"))
    paths = resolve_paths(home)
    paths.ensure()
    settings = load_settings(paths, environ={})
    app = QApplication.instance()
    apply_theme(app, paths.resources_dir, settings.ui.font_pt)
    core = DeskCore.open(settings, paths)
    try:
        supervisor, _ = core.store.write_sync(
            accounts.authenticate, "supervisor", "supervisor-demo", core.workstation
        )
        takers = [
            core.store.write_sync(accounts.authenticate, n, f"{n}-demo", core.workstation)[0]
            for n in ("calltaker", "dispatcher")
        ]
        rng = random.Random(7)
        end = core.clock() - timedelta(days=1)
        start = end - timedelta(weeks=12)
        types = [t.code for t in core.profile.incident_types]
        made, _ = core.store.write_sync(
            bulk_incidents,
            2400,
            start=start,
            span=timedelta(weeks=12),
            types=types,
            takers=[t.user_id for t in takers],
            rng=rng,
            answer_s=lambda r: None if r.random() < 0.01 else r.lognormvariate(1.9, 0.55),
        )
        core.store.write_sync(forms.ensure_default_form, supervisor, core.clock())
        form = core.store.read_sync(forms.get_form, "Call taking")
        for incident_id in rng.sample(made.incident_ids, 60):
            answers = {
                q.id: rng.randint(2, q.scale_max)
                if q.kind == "scale"
                else (
                    "na"
                    if q.allow_na and rng.random() < 0.2
                    else rng.choice(("yes", "yes", "yes", "yes", "no"))
                )
                for q in form.questions
            }
            core.store.write_sync(evaluate, supervisor, core.clock(), incident_id, form.id, answers)

        queue, reports, panel = (
            QaQueueView(core, supervisor),
            QaReportsView(core, supervisor),
            QaPanel(core, supervisor),
        )
        tabs = QTabWidget()
        tabs.addTab(queue, "QA queue")
        tabs.addTab(reports, "Reports")
        window = QSplitter(Qt.Orientation.Horizontal)
        window.setWindowTitle("Dispatch Desk — Review — QA")
        window.addWidget(tabs)
        window.addWidget(panel)
        window.setSizes([1050, 500])
        window.resize(1580, 900)
        window.move(0, 0)
        window.show()
        for view in (queue, reports):
            view.since.setDate(QDate(start.year, start.month, start.day))
            view.until.setDate(QDate(end.year, end.month, end.day))
        await asyncio.sleep(1.5)
        entries = queue.entries()
        queue.table.selectRow(2)
        panel.show_incident(entries[2].incident_id)
        await asyncio.sleep(1.0)
        panel.focus_first()
        for row, answer in zip(panel.rows, ("yes", "yes", "no", "yes", "na", "yes"), strict=False):
            row.choose(answer, advance=False)
        panel.rows[6].setFocus()
        panel.comments.setPlainText("Callback number not read back; otherwise by the card.")
        await asyncio.sleep(0.5)
        window.grab().save(str(target))
        print(f"saved {target}")
        tabs.setCurrentWidget(reports)
        await asyncio.sleep(0.8)
        second = target.with_name(target.stem + "_reports" + target.suffix)
        window.grab().save(str(second))
        print(f"saved {second}")
        window.close()
        for view in (queue, reports, panel):
            view.tasks.cancel_all()
        await asyncio.sleep(0.2)
    finally:
        core.close()
