"""A real headless Chromium as the caller's phone, driven over the DevTools protocol.

One browser-level websocket stays open for the browser's whole life: geolocation permission and
overrides only hold while the connection that granted them is open. Pages are attached in
"flatten" mode, so every command for a page goes over that same socket with its session id.

    async with Chromium.launch(tmp_path) as browser:
        page = await browser.new_page(url, geolocation=(42.36, -71.06, 8.0))
        await page.wait_for("document.querySelector('#consent') !== null")
        await page.click("#agree")
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    # Keep timers and rendering running in a page nobody looks at.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--mute-audio",
)


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CdpError(RuntimeError):
    pass


class Page:
    """One tab, attached over the browser's socket."""

    def __init__(self, browser: Chromium, target_id: str, session_id: str) -> None:
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id
        self.console: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.browser.send(method, session_id=self.session_id, **params)

    async def evaluate(self, expression: str, *, timeout_s: float = 10.0) -> Any:
        result = await asyncio.wait_for(
            self.send(
                "Runtime.evaluate",
                expression=expression,
                returnByValue=True,
                awaitPromise=True,
            ),
            timeout_s,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"page threw: {text}")
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, *, timeout_s: float = 10.0) -> Any:
        """Poll ``expression`` in the page until it is truthy (the page side waits, not us)."""
        script = (
            "new Promise((resolve, reject) => {"
            f" const until = performance.now() + {timeout_s * 1000:.0f};"
            " const check = () => {"
            f"  let v; try {{ v = ({expression}); }} catch (e) {{ v = undefined; }}"
            "  if (v) { resolve(v); return; }"
            "  if (performance.now() > until) { reject(new Error('timed out: ' + "
            f"{json.dumps(expression)})); return; }}"
            "  setTimeout(check, 20);"
            " };"
            " check();"
            "})"
        )
        return await self.evaluate(script, timeout_s=timeout_s + 5)

    async def click(self, selector: str) -> None:
        await self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            f" if (!el) throw new Error('no element ' + {json.dumps(selector)});"
            " el.click(); return true; })()"
        )

    async def set_geolocation(self, lat: float, lon: float, accuracy_m: float) -> None:
        await self.send(
            "Emulation.setGeolocationOverride", latitude=lat, longitude=lon, accuracy=accuracy_m
        )

    async def text(self, selector: str) -> str:
        return str(
            await self.evaluate(
                f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"
            )
        )

    async def close(self) -> None:
        with contextlib.suppress(CdpError, asyncio.TimeoutError, ConnectionError):
            await asyncio.wait_for(
                self.browser.send("Target.closeTarget", targetId=self.target_id), 5
            )


class Chromium:
    def __init__(self, process: subprocess.Popen[bytes], profile: Path, ws_url: str) -> None:
        self.process = process
        self.profile = profile
        self.ws_url = ws_url
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._pages: dict[str, Page] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def launch(cls, workdir: Path, *extra_flags: str) -> AsyncIterator[Chromium]:
        binary = chromium_binary()
        if binary is None:
            raise RuntimeError("chromium not found; './desk test' installs it")
        profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=workdir))
        log = (profile / "chromium.log").open("wb")
        process = subprocess.Popen(
            [
                binary,
                *FLAGS,
                *extra_flags,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        log.close()  # the browser holds its own copy
        browser: Chromium | None = None
        try:
            ws_url = await _devtools_url(process, profile, timeout_s=30)
            browser = cls(process, profile, ws_url)
            await browser._connect()
            yield browser
        finally:
            if browser is not None:
                await browser._disconnect()
            _stop(process)
            shutil.rmtree(profile, ignore_errors=True)

    async def _connect(self) -> None:
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(self.ws_url, max_msg_size=0, heartbeat=None)
        self._reader = asyncio.ensure_future(self._read())

    async def _disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(CdpError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
            elif data.get("method") == "Runtime.consoleAPICalled":
                page = self._pages.get(data.get("sessionId", ""))
                if page is not None:
                    args = data["params"].get("args", [])
                    page.console.append(" ".join(str(a.get("value", "")) for a in args))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CdpError("browser connection closed"))

    async def send(self, method: str, *, session_id: str | None = None, **params: Any) -> Any:
        assert self._ws is not None
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session_id is not None:
            message["sessionId"] = session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_str(json.dumps(message))
        return await future

    async def new_page(
        self,
        url: str,
        *,
        geolocation: tuple[float, float, float] | None = None,
        context: bool = False,
        before_load: str = "",
    ) -> Page:
        """Open ``url`` in a new tab (``context``: in a fresh browser context, i.e. another
        phone with its own cookies). With ``geolocation``, permission is granted first and the
        position overridden. ``before_load``: a script run before the page's own."""
        params: dict[str, Any] = {"url": "about:blank"}
        origin = re.match(r"^(https?://[^/]+)", url)
        if context:
            created = await self.send("Target.createBrowserContext", disposeOnDetach=True)
            params["browserContextId"] = created["browserContextId"]
        if geolocation is not None and origin:
            grant: dict[str, Any] = {"permissions": ["geolocation"], "origin": origin.group(1)}
            if "browserContextId" in params:
                grant["browserContextId"] = params["browserContextId"]
            await self.send("Browser.grantPermissions", **grant)
        target = await self.send("Target.createTarget", **params)
        attached = await self.send(
            "Target.attachToTarget", targetId=target["targetId"], flatten=True
        )
        page = Page(self, target["targetId"], attached["sessionId"])
        self._pages[page.session_id] = page
        await page.send("Runtime.enable")
        await page.send("Page.enable")
        if geolocation is not None:
            await page.set_geolocation(*geolocation)
        if before_load:
            await page.send("Page.addScriptToEvaluateOnNewDocument", source=before_load)
        await page.send("Page.navigate", url=url)
        await page.wait_for("document.readyState === 'complete'", timeout_s=15)
        return page


async def _devtools_url(process: subprocess.Popen[bytes], profile: Path, timeout_s: float) -> str:
    """Chromium writes its DevTools port and path to DevToolsActivePort once it listens."""
    marker = profile / "DevToolsActivePort"
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout_s
    while loop.time() < until:
        if process.poll() is not None:
            log = (profile / "chromium.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"chromium exited before listening:\n{log}")
        with contextlib.suppress(OSError):
            lines = marker.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        await asyncio.sleep(0.02)  # polling a file the browser writes once at start-up
    raise RuntimeError("chromium did not open its DevTools port in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
