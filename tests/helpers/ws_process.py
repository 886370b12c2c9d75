"""A workstation in its own process, for the sync tests that kill one and for the benchmark.

    python -m tests.helpers.ws_process --home DIR --id NAME --url URL [--set k=v ...] [--no-sync]

Opens a DeskCore (demo profile) with central.url, starts sync unless --no-sync, prints
``READY <pid>`` and then takes one command per line on stdin, answering on stdout:

    create                 one incident         -> CREATED <id> <number> <unix time of commit>
    work N [EVERY]         N dispatcher writes  -> PROGRESS <k> every EVERY, then
                                                   WORKED <n> <seconds> <max ms> <outbox seq>
    sync start|stop        start/stop the sync engine              -> OK
    status                 -> STATUS <state> <pending> <behind> <cursor> <outbox>
    wait-synced T          until online, nothing pending or behind -> SYNCED <s> | TIMEOUT ...
    catchup SEQ T          start sync, until the pull cursor >= SEQ -> CAUGHTUP <s> | TIMEOUT
    watch on|off           print SEEN <id> <unix time> when a pulled incident is committed
    quit                   close the core                          -> BYE

Whenever the engine's state changes it prints ``STATE <state> <pending> <behind>``.
:class:`WsProcess` runs one and talks to it.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[2]


# -- the workstation process


class _Driver:
    def __init__(self, args: argparse.Namespace) -> None:
        from dispatch_desk.config.paths import resolve_paths
        from dispatch_desk.config.settings import load_settings
        from dispatch_desk.desk import DeskCore

        self._out_lock = threading.Lock()
        paths = resolve_paths(Path(args.home))
        paths.ensure()
        overrides = [
            f"workstation.id={args.id}",
            f"central.url={args.url}",
            "speech.engine=silent",
            *args.set,
        ]
        settings = load_settings(paths, environ={}, overrides=overrides)
        self.core = DeskCore.open(settings, paths)
        self.watching = False
        self.state = ""
        self.workload: Any = None
        self.sync_on = False
        if not args.no_sync:
            self.start_sync()

    def out(self, line: str) -> None:
        with self._out_lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def on_status(self, status: Any) -> None:
        if status.state != self.state:
            self.state = status.state
            self.out(f"STATE {status.state} {status.pending} {status.behind}")

    def on_changes(self, changes: list[Any]) -> None:
        at = time.time()
        if self.watching:
            for change in changes:
                if change.kind == "incident":
                    for row_id in change.ids:
                        self.out(f"SEEN {row_id} {at:.6f}")
        self.core.bus.publish(changes)

    def start_sync(self) -> None:
        self.core.start_sync(on_status=self.on_status, on_changes=self.on_changes)
        self.sync_on = True

    def local(self) -> tuple[int, int, int]:
        from sqlalchemy import func, select

        from dispatch_desk.storage.models import SyncOutbox
        from dispatch_desk.sync import local

        def read(session: Any) -> tuple[int, int, int]:
            top = session.scalar(select(func.max(SyncOutbox.seq))) or 0
            return local.cursor(session), local.pending_count(session), int(top)

        result: tuple[int, int, int] = self.core.store.read_sync(read)
        return result

    def run(self, stdin: TextIO) -> None:
        self.out(f"READY {os.getpid()}")
        for line in stdin:
            words = line.split()
            if not words:
                continue
            try:
                if not self.command(words[0], words[1:]):
                    break
            except Exception as exc:  # report, keep serving: the test decides
                logging.getLogger(__name__).exception("command %s failed", words)
                self.out(f"ERROR {type(exc).__name__}: {exc}")
        self.core.close()
        self.out("BYE")

    def command(self, name: str, args: list[str]) -> bool:
        core = self.core
        if name == "create":
            made = self._workload().create()
            self.out(f"CREATED {made.id} {made.number} {time.time():.6f}")
        elif name == "work":
            count, every = int(args[0]), int(args[1]) if len(args) > 1 else 0
            work = self._workload()
            started, first = time.perf_counter(), len(work.latencies)
            for i in range(1, count + 1):
                work.step()
                if every and i % every == 0:
                    self.out(f"PROGRESS {i}")
            elapsed = time.perf_counter() - started
            worst = max(work.latencies[first:], default=0.0) * 1000
            self.out(f"WORKED {count} {elapsed:.3f} {worst:.1f} {self.local()[2]}")
        elif name == "sync":
            if args[0] == "start":
                self.start_sync()
            else:
                assert core.sync is not None
                core.sync.stop()
                self.sync_on = False
            self.out("OK")
        elif name == "status":
            s = core.sync.status if core.sync else None
            cursor, outbox, _ = self.local()
            state = s.state if s else "standalone"
            self.out(
                f"STATUS {state} {s.pending if s else 0} {s.behind if s else 0} {cursor} {outbox}"
            )
        elif name == "wait-synced":
            self._wait_synced(float(args[0]))
        elif name == "catchup":
            target, timeout = int(args[0]), float(args[1])
            started = time.perf_counter()
            self.start_sync()
            while (cursor := self.local()[0]) < target:
                if time.perf_counter() - started > timeout:
                    self.out(f"TIMEOUT cursor {cursor} < {target}")
                    return True
                time.sleep(0.005)
            self.out(f"CAUGHTUP {time.perf_counter() - started:.3f}")
        elif name == "watch":
            self.watching = args[0] == "on"
            self.out("OK")
        elif name == "quit":
            return False
        else:
            self.out(f"ERROR unknown command {name}")
        return True

    def _workload(self) -> Any:
        if self.workload is None:
            from tests.helpers.workload import Workload

            self.workload = Workload(self.core)
        return self.workload

    def _wait_synced(self, timeout: float) -> None:
        started = time.perf_counter()
        sync = self.core.sync
        assert sync is not None
        while True:
            s = sync.status
            _, outbox, _ = self.local()
            if s.state == "online" and s.pending == 0 and s.behind == 0 and outbox == 0:
                self.out(f"SYNCED {time.perf_counter() - started:.3f}")
                return
            if time.perf_counter() - started > timeout:
                self.out(f"TIMEOUT {s.state} pending {s.pending} behind {s.behind} outbox {outbox}")
                return
            time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--set", action="append", default=[], help="section.key=value")
    parser.add_argument("--no-sync", action="store_true", help="do not start the sync engine")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    _Driver(args).run(sys.stdin)
    return 0


# -- the test's side


class WsProcess:
    """Runs the driver; lines it prints are queued for :meth:`expect`, except ``SEEN`` (kept in
    :attr:`seen`) and ``STATE`` (appended to :attr:`states`)."""

    def __init__(
        self,
        home: Path,
        name: str,
        url: str,
        *settings: str,
        sync: bool = True,
        ready_timeout: float = 60.0,
    ) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.stderr_path = self.home / f"{name}.stderr.log"
        command = [sys.executable, "-m", "tests.helpers.ws_process", "--home", str(home)]
        command += ["--id", name, "--url", url]
        for item in settings:
            command += ["--set", item]
        if not sync:
            command.append("--no-sync")
        self._stderr = self.stderr_path.open("a")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: dict[str, float] = {}
        self.states: list[str] = []
        self._reader = threading.Thread(target=self._read, name=f"ws-{name}", daemon=True)
        self._reader.start()
        self.pid = int(self.expect("READY", ready_timeout).split()[1])

    @property
    def store_file(self) -> Path:
        from dispatch_desk.config.paths import resolve_paths

        return resolve_paths(self.home).default_store_file

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("SEEN "):
                _, row_id, at = line.split()
                self.seen.setdefault(row_id, float(at))
            elif line.startswith("STATE "):
                self.states.append(line)
            else:
                self.lines.put(line)
        self.lines.put(None)

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-3000:]

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float) -> str:
        """The next line starting with ``prefix`` (other lines are skipped); fails on ERROR,
        TIMEOUT, the process ending or ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(
                    f"{self.name}: no {prefix} within {timeout:.0f} s\n{self.stderr()}"
                ) from None
            if line is None:
                raise AssertionError(f"{self.name} ended waiting for {prefix}\n{self.stderr()}")
            if line.startswith(prefix):
                return line
            if line.startswith(("ERROR", "TIMEOUT")):
                raise AssertionError(f"{self.name}: {line} (waiting for {prefix})\n{self.stderr()}")

    def ask(self, command: str, prefix: str, timeout: float = 60.0) -> list[str]:
        self.send(command)
        return self.expect(prefix, timeout).split()[1:]

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut or the task manager would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(5)
        self._stderr.close()

    def quit(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)
        self._stderr.close()

    def __enter__(self) -> WsProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.quit()


if __name__ == "__main__":
    sys.exit(main())
