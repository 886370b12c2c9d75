"""The gateway's web application: routes, security headers, the citizen page and its assets.

The phone's side lives in :mod:`dispatch_desk.gateway.phone`, the desk link's in
:mod:`dispatch_desk.gateway.desks`; this module holds what both share.

URLs: ``/s/<token>`` the caller's page, with ``/claim``, ``/ws`` and ``/upload`` below it;
``/c/<asset>`` the page's script and style; ``/desk`` the desk link; ``/healthz``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from dispatch_desk.gateway import pages
from dispatch_desk.gateway.ratelimit import RateLimiter
from dispatch_desk.gateway.registry import Invite, Refusal, Registry
from dispatch_desk.gateway.twilio_hooks import INBOUND_PATH, STATUS_PATH, TextHooks, TextingConfig

if TYPE_CHECKING:
    from dispatch_desk.gateway.phone_sim import PhoneSim

logger = logging.getLogger(__name__)

ASSETS = {
    "app.js": "text/javascript",
    "i18n.js": "text/javascript",
    "style.css": "text/css",
}
DEVICE_COOKIE = "dd_device"

# The page needs its own script and style, its own websocket, and camera frames as blob/
# mediastream URLs; nothing else, from anywhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=(self)",
}


@dataclass(frozen=True)
class GatewayConfig:
    assets_dir: Path
    desk_secret: str
    spool_dir: Path | None = None  # uploads waiting for their desk; None: a temporary folder
    ice_servers: tuple[dict[str, Any], ...] = ()
    upload_max_bytes: int = 25_000_000
    chat_max_chars: int = 1000
    link_checks_per_min: int = 30
    uploads_per_min: int = 10
    invites_per_min: int = 30
    secure_cookies: bool = False
    # After a start, links not yet registered get "try again" instead of "does not work", so a
    # phone riding out a gateway restart is not turned away before its desk has reconnected.
    startup_grace_s: float = 10.0
    # Embedded: the one desk there is has registered, so the grace ends at once.
    single_desk: bool = False
    # Twilio's webhooks (incoming texts, delivery statuses); None: not taken here.
    texting: TextingConfig | None = None


def ice_servers(urls: str, username: str = "", credential: str = "") -> tuple[dict[str, Any], ...]:
    """RTCIceServer entries from the settings' space-separated list."""
    servers = []
    for url in urls.replace(",", " ").split():
        entry: dict[str, Any] = {"urls": url}
        if url.startswith(("turn:", "turns:")) and username:
            entry.update(username=username, credential=credential)
        servers.append(entry)
    return tuple(servers)


class _AccessLog(AbstractAccessLogger):
    """Access lines name the route, never the path: a path can carry a link's token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        route = getattr(getattr(request, "match_info", None), "route", None)
        name = getattr(getattr(route, "resource", None), "canonical", "?")
        self.logger.debug(
            "%s %s -> %s in %.0f ms", request.method, name, response.status, time * 1000
        )


class Gateway:
    """One gateway: its registry of links, the phones and desks connected now, pending uploads.

    Made and started by :class:`dispatch_desk.gateway.server.GatewayServer`."""

    def __init__(self, config: GatewayConfig, *, clock: Callable[[], float] = time.monotonic):
        from dispatch_desk.gateway.desks import DeskLinks
        from dispatch_desk.gateway.phone import Phones

        self.config = config
        self.clock = clock
        self.started = clock()
        self.registry = Registry(clock=clock)
        self.link_checks = RateLimiter(config.link_checks_per_min, clock=clock)
        self.upload_limits = RateLimiter(config.uploads_per_min, clock=clock)
        self.invite_limits = RateLimiter(config.invites_per_min, clock=clock)
        self._own_spool = config.spool_dir is None
        self.spool = config.spool_dir or Path(tempfile.mkdtemp(prefix="dd-gateway-spool-"))
        self.spool.mkdir(parents=True, exist_ok=True)
        self.phones = Phones(self)
        self.desks = DeskLinks(self)
        self.texts = TextHooks(self)
        self.phone_sim: PhoneSim | None = None  # made with the routes
        self.app = self._make_app()

    def _make_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._headers],
            client_max_size=self.config.upload_max_bytes + 64 * 1024,
        )
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/c/{name}", self._asset)
        app.router.add_get("/s/{token}", self._page)
        app.router.add_post("/s/{token}/claim", self.phones.claim)
        app.router.add_get("/s/{token}/ws", self.phones.websocket)
        app.router.add_post("/s/{token}/upload", self.phones.upload)
        app.router.add_get("/desk", self.desks.websocket)
        app.router.add_get("/desk/uploads/{upload_id}", self.desks.fetch_upload)
        app.router.add_post(INBOUND_PATH, self.texts.inbound)
        app.router.add_post(STATUS_PATH, self.texts.status)
        from dispatch_desk.gateway.phone_sim import PhoneSim

        self.phone_sim = PhoneSim(self)
        app.router.add_get("/sim", self.phone_sim.index)
        app.router.add_get("/sim/phone", self.phone_sim.phone)
        app.router.add_post("/sim/send", self.phone_sim.send)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        return app

    access_log_class = _AccessLog

    @web.middleware
    async def _headers(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        if not response.prepared:
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if request.path.startswith("/s/"):
                response.headers["Cache-Control"] = "no-store"
        if isinstance(response, web.HTTPException):
            raise response
        return response

    async def _on_startup(self, _app: web.Application) -> None:
        if self.config.texting is not None:
            self.texts.configure(self.config.texting)

    async def _on_shutdown(self, _app: web.Application) -> None:
        await self.phones.close_all()
        await self.desks.close_all()
        await self.texts.close()

    def cleanup(self) -> None:
        if self._own_spool:
            shutil.rmtree(self.spool, ignore_errors=True)

    # -- shared by both sides

    @property
    def starting(self) -> bool:
        if self.config.single_desk and self.desks.registered:
            return False
        return self.clock() - self.started < self.config.startup_grace_s

    def check_link(
        self, request: web.Request, token: str, *, charge: bool = True
    ) -> Invite | Refusal:
        """The invite behind a link, or why not. Rate limited per address: opening a link costs
        one try, and so does every refused link (guessing); a phone already holding its link
        (its socket, its uploads) spends nothing, but is stopped too once the address is."""
        address = request.remote or "?"
        if self.link_checks.blocked(address):
            return Refusal.BUSY
        found = self.registry.lookup(token)
        if charge or isinstance(found, Refusal):
            self.link_checks.allow(address)
        if found == Refusal.UNKNOWN and self.starting:
            return Refusal.STARTING
        return found

    def refuse(self, request: web.Request, reason: Refusal, *, status: int = 403) -> web.Response:
        language = pages.language_of(request.headers.get("Accept-Language", ""))
        if reason in (Refusal.BUSY, Refusal.STARTING):
            status = 429 if reason == Refusal.BUSY else 503
        return web.Response(
            text=pages.refusal_page(reason, language),
            status=status,
            content_type="text/html",
            charset="utf-8",
        )

    # -- plain pages

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": True, "invites": len(self.registry), "desks": self.desks.connected()}
        )

    async def _asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        path = self.config.assets_dir / name
        return web.Response(
            body=path.read_bytes(),
            content_type=ASSETS[name],
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def _page(self, request: web.Request) -> web.StreamResponse:
        found = self.check_link(request, request.match_info["token"])
        if isinstance(found, Refusal) and found != Refusal.STARTING:
            return self.refuse(request, found)
        if (
            isinstance(found, Invite)
            and found.device_hash is not None
            and not self.registry.device_ok(found, request.cookies.get(DEVICE_COOKIE))
        ):
            self.desks.refused(found, Refusal.OTHER_DEVICE)
            return self.refuse(request, Refusal.OTHER_DEVICE)
        page = (self.config.assets_dir / "index.html").read_text(encoding="utf-8")
        return web.Response(text=page, content_type="text/html", charset="utf-8")
