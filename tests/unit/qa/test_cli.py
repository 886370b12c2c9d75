"""``dispatch-desk qa ...`` as an administrator or a supervisor runs it: a real process on the
store a test core made (the core is closed first)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import forms
from dispatch_desk.services import audit
from dispatch_desk.storage.models import QaForm
from tests.helpers.core import demo_password
from tests.unit.qa.test_reports import constructed  # noqa: F401 - the fixture

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.main",
            "--home",
            str(home),
            "--set",
            "workstation.id=test-ws-1",
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
        check=False,
    )


def _reopen(core: DeskCore) -> DeskCore:
    return DeskCore.open(core.settings, core.paths, clock=core.clock)


def test_form_import_rejects_bad_file_and_stores_nothing(core: DeskCore, tmp_path: Path) -> None:
    home = tmp_path / "home"
    core.close()
    bad = tmp_path / "bad-form.json"
    bad.write_text(json.dumps({"name": "X", "pass_mark": 80, "questions": [{"id": "q"}]}))
    result = run(home, "qa", "form", "import", str(bad))
    assert result.returncode == 1
    assert f"{bad}: questions[0].text: must be a text" in result.stderr
    assert "nothing stored" in result.stderr
    again = _reopen(core)
    try:
        count = again.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(QaForm)))
    finally:
        again.close()
    assert count == 0
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"name": "Radio", "pass_mark": 70, "questions": [{"id": "q", "text": "Q?"}]})
    )
    result = run(home, "qa", "form", "import", str(good))
    assert result.returncode == 0 and "stored as version 1" in result.stdout, result.stderr
    out = tmp_path / "out.json"
    result = run(home, "qa", "form", "export", "--name", "Radio", str(out))
    assert result.returncode == 0, result.stderr
    assert forms.read_form_file(out).questions == forms.read_form_file(good).questions
    # without FILE: to stdout; without --name: qa.default_form, not seeded once a form exists
    result = run(home, "qa", "form", "export", "--name", "Radio")
    assert json.loads(result.stdout)["version"] == 1
    result = run(home, "qa", "form", "export")
    assert result.returncode == 1 and "No evaluation form 'Call taking'" in result.stderr


def test_report_signs_in_a_supervisor_and_refuses_a_call_taker(
    core: DeskCore,
    tmp_path: Path,
    constructed: dict,  # noqa: F811
) -> None:
    home = tmp_path / "home"
    supervisor, calltaker = demo_password(core, "supervisor"), demo_password(core, "calltaker")
    core.close()
    target = tmp_path / "qa.csv"
    period = ["qa", "report", "--from", "2025-03-03", "--to", "2025-03-16"]
    result = run(
        home,
        "--user",
        "supervisor",
        "--password-stdin",
        *period,
        str(target),
        stdin=supervisor + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert "30 calls answered, 90.0 % within 15 s" in result.stdout
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["period"] for r in rows] == ["2025-W10", "2025-W11", "total"]
    assert rows[-1]["answered_within_15s_pct"] == "90.00"
    by_taker = tmp_path / "by-taker.csv"
    result = run(
        home,
        "--user",
        "supervisor",
        "--password-stdin",
        *period,
        "--by-call-taker",
        str(by_taker),
        stdin=supervisor + "\n",
    )
    assert result.returncode == 0, result.stderr
    scores = list(csv.DictReader(by_taker.open(encoding="utf-8")))
    assert [r["evaluations"] for r in scores] == ["2", "1"]
    other = tmp_path / "no.csv"
    result = run(
        home, "--user", "calltaker", "--password-stdin", *period, str(other), stdin=calltaker + "\n"
    )
    assert result.returncode == 1 and "may not" in result.stderr and not other.exists()
    result = run(home, *period, str(other))
    assert result.returncode == 1 and "--user NAME --password-stdin" in result.stderr
    again = _reopen(core)
    try:
        events = again.store.read_sync(audit.list_events)
    finally:
        again.close()
    qa = [(e.action, e.username, e.outcome) for e in events if e.action in ("qa.export", "qa.read")]
    assert qa == [
        ("qa.export", "supervisor", "ok"),
        ("qa.export", "supervisor", "ok"),
        ("qa.read", "calltaker", "denied"),
    ]
    formats = [e.detail["format"] for e in events if e.action == "qa.export"]
    assert formats == ["csv", "csv-by-call-taker"]
