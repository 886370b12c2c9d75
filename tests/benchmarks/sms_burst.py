"""Texting benchmark: a burst of signed Twilio webhooks into the gateway and through to a desk's
store, and the outbox sending through the real twilio library to a local Twilio.

    python -m tests.benchmarks.sms_burst [--texts 1000] [--sends 300]

posted_s: how long the --texts signed POSTs took (from another process, 200 at a time);
stored_s: from the first POST until every text is in the desk's store (counted);
lag_*_ms: how late a 5 ms tick on the gateway's and desk's event loop ran during the burst
(baseline_lag_max_ms: the same with nothing happening, for a busy machine); inbox_commits: how
many fsynced transactions the gateway's inbox needed; sends_per_s: --sends queued texts sent by
the outbox runner to the local Twilio, one request each. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from aiohttp import web
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://gw.example.org"

_CLIENT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    import aiohttp
    from tests.helpers.twilio_server import inbound_params, post_signed
    url, signed, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    forms = [inbound_params(sid=f"SM{i:032x}", from_=f"+1617555{i % 40:04d}",
                            to="+15005550911", body=f"text {i} \\U0001F6A8") for i in range(n)]
    async def main():
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as s:
            return await asyncio.gather(*(post_signed(url, f, signed_url=signed, session=s)
                                          for f in forms))
    started = time.perf_counter()
    statuses = asyncio.run(main())
    print(json.dumps({"ok": statuses.count(200), "seconds": time.perf_counter() - started}))
    """
)


async def _ticks(seconds: float | None, stop: asyncio.Event | None = None) -> list[float]:
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    end = loop.time() + seconds if seconds else None
    while (end is None or loop.time() < end) and not (stop and stop.is_set()):
        before = loop.time()
        await asyncio.sleep(0.005)
        lags.append(1000 * (loop.time() - before - 0.005))
    return lags


async def _run(home: Path, texts: int, sends: int) -> dict[str, object]:
    from dispatch_desk.domain.texting import Purpose
    from dispatch_desk.gateway.app import Gateway, GatewayConfig
    from dispatch_desk.gateway.twilio_hooks import TextingConfig
    from dispatch_desk.messaging import outbox
    from dispatch_desk.messaging.desk_texts import DeskTexts
    from dispatch_desk.storage.models import SmsMessage
    from tests.helpers.core import make_core
    from tests.helpers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

    core = make_core(home, texting__text911_number="+15005550911")
    gateway = Gateway(
        GatewayConfig(
            assets_dir=core.paths.resources_dir / "citizen",
            desk_secret="s",
            texting=TextingConfig(
                auth_token=AUTH_TOKEN,
                account_sid=ACCOUNT_SID,
                inbox_path=home / "gw" / "texts.sqlite3",
                public_url=PUBLIC,
                text911_number="+15005550911",
            ),
        )
    )
    runner = web.AppRunner(gateway.app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    desk = DeskTexts(core)
    gateway.texts.attach(desk.take)
    result: dict[str, object] = {"texts": texts}
    try:
        gc.collect()
        gc.freeze()
        baseline = await _ticks(1.0)
        stop = asyncio.Event()
        ticker = asyncio.ensure_future(_ticks(None, stop))
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CLIENT,
            f"http://127.0.0.1:{port}/twilio/sms",
            PUBLIC + "/twilio/sms",
            str(texts),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
        )
        started = time.perf_counter()
        out, _ = await child.communicate()
        posted = json.loads(out.decode().strip().splitlines()[-1])

        def count(s: object) -> int:
            return s.scalar(select(func.count()).select_from(SmsMessage))  # type: ignore[attr-defined]

        while await core.store.read(count) < posted["ok"]:
            await asyncio.sleep(0.02)
        stored_s = time.perf_counter() - started
        stop.set()
        lags = sorted(await ticker)
        result.update(
            posted_ok=posted["ok"],
            posted_s=round(posted["seconds"], 2),
            stored_s=round(stored_s, 2),
            lag_p50_ms=round(statistics.median(lags), 1),
            lag_p95_ms=round(lags[int(len(lags) * 0.95)], 1),
            lag_max_ms=round(lags[-1], 1),
            baseline_lag_max_ms=round(max(baseline), 1),
            inbox_commits=gateway.texts.inbox.commits if gateway.texts.inbox is not None else 0,
        )
        gc.unfreeze()
    finally:
        await runner.cleanup()
        core.close()

    # The outbox through the real twilio library.
    token = home / "token"
    token.write_text(AUTH_TOKEN, encoding="utf-8")
    async with FakeTwilio() as tw:
        core = make_core(
            home / "send",
            texting__provider="twilio",
            texting__account_sid=ACCOUNT_SID,
            texting__auth_token_file=str(token),
            texting__api_base_url=tw.base_url,
        )
        try:
            for i in range(sends):
                await core.store.write(
                    lambda s, i=i: outbox.enqueue(
                        s,
                        to_e164=f"+1617555{i:04d}",
                        body=f"status {i}",
                        purpose=Purpose.STATUS,
                        key=f"bench:{i}",
                        now=core.clock(),
                    )
                )
            started = time.perf_counter()
            sent = 0
            while sent < sends:
                sent += await core.outbox.run_once()
            result.update(
                sends=sends,
                sends_per_s=round(sends / (time.perf_counter() - started), 1),
                twilio_requests=len(tw.creates()),
            )
        finally:
            await core.texts.stop()
            core.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dd-sms-bench-") as folder:
        result = asyncio.run(_run(Path(folder), args.texts, args.sends))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
