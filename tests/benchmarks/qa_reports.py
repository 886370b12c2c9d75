"""QA benchmark: the review queue and the QA report over many incidents and calls.

    python -m tests.benchmarks.qa_reports [--incidents 100000] [--runs 5]

Builds a demo store with --incidents closed incidents spread over a year, one phone call each
(exponential answer times, mean 6 s, 1 % never answered), a few hundred evaluations; then times
(median of --runs, seconds) the review queue for the year (2 % sample + high-acuity types), and
the report by week and by month (answer-time histogram and NENA percentages, scores per
call-taker, session counts), each through the store's reader as the desk runs them, and the CSV.
Also the ranges the QA views open with (the queue's last 30 days, the report's last 12 weeks by
week): those hold the store's only reader while the desk waits, so they must stay well under
0.2 s. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TARGETS = {
    "queue_median_s": 2.0,
    "report_week_median_s": 3.0,
    "queue_default_median_s": 0.2,
    "report_default_median_s": 0.2,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    from dispatch_desk.qa import forms, reports
    from dispatch_desk.qa.evaluations import evaluate
    from dispatch_desk.qa.queue import review_queue, type_codes
    from tests.helpers.core import FakeClock, actor_for, make_core
    from tests.helpers.qa_data import bulk_incidents

    with tempfile.TemporaryDirectory() as folder:
        core = make_core(Path(folder), clock=FakeClock())
        try:
            supervisor = actor_for(core, "supervisor")
            takers = [actor_for(core, n).user_id for n in ("calltaker", "dispatcher")]
            end = core.clock() - timedelta(days=60)
            start = end - timedelta(days=365)
            types = [t.code for t in core.profile.incident_types]
            rng = random.Random(2026)
            began = time.perf_counter()
            made, _ = core.store.write_sync(
                bulk_incidents,
                args.incidents,
                start=start,
                span=timedelta(days=365),
                types=types,
                takers=takers,
                rng=rng,
                answer_s=lambda r: None if r.random() < 0.01 else r.expovariate(1 / 6.0),
            )
            core.store.write_sync(forms.ensure_default_form, supervisor, core.clock())
            form = core.store.read_sync(forms.get_form, "Call taking")
            for incident_id in rng.sample(made.incident_ids, 300):
                answers = {
                    q.id: (
                        rng.randint(0, q.scale_max)
                        if q.kind == "scale"
                        else rng.choice(("yes", "yes", "yes", "no"))
                    )
                    for q in form.questions
                }
                core.store.write_sync(
                    evaluate, supervisor, core.clock(), incident_id, form.id, answers
                )
            build_s = time.perf_counter() - began
            qa = core.settings.qa
            zone = ZoneInfo(core.profile.timezone)
            until = end + timedelta(days=1)

            def queue(since=start) -> list:  # type: ignore[no-untyped-def]
                return core.store.read_sync(
                    review_queue,
                    supervisor,
                    core.clock(),
                    since,
                    until,
                    sample_percent=qa.sample_percent,
                    high_acuity=type_codes(qa.high_acuity_types),
                    catalog=core.catalog,
                )

            def report(period: str, since=start) -> reports.QaReport:  # type: ignore[no-untyped-def]
                return core.store.read_sync(
                    reports.build_report, supervisor, core.clock(), since, until, period, zone
                )

            cpu: dict[str, float] = {}

            def timed(fn, name: str = "") -> tuple[float, object]:  # type: ignore[no-untyped-def]
                times, used, result = [], [], None
                for _ in range(args.runs):
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = fn()
                    times.append(time.perf_counter() - t0)
                    used.append(time.process_time() - c0)
                if name:  # CPU seconds: what the read costs, whatever else the machine runs
                    cpu[name] = round(statistics.median(used), 3)
                return statistics.median(times), result

            queue_s, entries = timed(queue)
            week_s, weekly = timed(lambda: report("week"))
            month_s, _ = timed(lambda: report("month"))
            csv_s, text = timed(lambda: reports.to_csv(weekly))
            # the views' default ranges (ui/review/qa_queue.py, ui/review/qa_reports.py)
            queue_default_s, _ = timed(lambda: queue(until - timedelta(days=31)), "queue_default")
            report_default_s, _ = timed(
                lambda: report("week", until - timedelta(weeks=12)), "report_default"
            )
        finally:
            core.close()
    sampled = sum(1 for e in entries if "sampled" in e.reasons)
    acute = sum(1 for e in entries if "high-acuity" in e.reasons)
    result = {
        "benchmark": "qa_reports",
        "incidents": args.incidents,
        "calls": args.incidents,
        "runs": args.runs,
        "build_s": round(build_s, 2),
        "queue_median_s": round(queue_s, 3),
        "queue_entries": len(entries),
        "queue_sampled": sampled,
        "queue_sampled_pct": round(100 * sampled / args.incidents, 2),
        "queue_high_acuity": acute,
        "report_week_median_s": round(week_s, 3),
        "report_month_median_s": round(month_s, 3),
        "report_weeks": len(weekly.rows),
        "answered_within_15s_pct": round(weekly.total.answers.pct_15 or 0, 2),
        "csv_median_s": round(csv_s, 4),
        "queue_default_median_s": round(queue_default_s, 3),
        "report_default_median_s": round(report_default_s, 3),
        "queue_default_cpu_s": cpu["queue_default"],
        "report_default_cpu_s": cpu["report_default"],
        "csv_bytes": len(text),
        "targets": TARGETS,
        "met": queue_s <= TARGETS["queue_median_s"]
        and week_s <= TARGETS["report_week_median_s"]
        and queue_default_s <= TARGETS["queue_default_median_s"]
        and report_default_s <= TARGETS["report_default_median_s"],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
