"""The workstation's core, assembled once at start-up and handed to whoever needs it.

No global registry: the UI, the command line and the tests each build a DeskCore and pass it on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings, SettingsError
from dispatch_desk.domain.agency import (
    AgencyProfile,
    IncidentTypeCatalog,
    load_apco_types,
    load_profile,
)
from dispatch_desk.events import Change, ChangeBus
from dispatch_desk.messaging.desk_texts import DeskTexts
from dispatch_desk.messaging.outbox import OutboxRunner
from dispatch_desk.messaging.providers import make_sender, status_callback_url
from dispatch_desk.messaging.sms import SmsSender
from dispatch_desk.messaging.status_texts import RulesConfig, StatusTexts
from dispatch_desk.messaging.templates import Templates
from dispatch_desk.messaging.timers import StatusTextRunner
from dispatch_desk.services import accounts
from dispatch_desk.services.context import Actor, Clock, utc_now
from dispatch_desk.services.conversations import ConversationService
from dispatch_desk.services.incidents import IncidentService
from dispatch_desk.services.locations import LiveLocations
from dispatch_desk.services.units import UnitService
from dispatch_desk.storage.database import StoreUnavailable, open_sqlite
from dispatch_desk.storage.migrate import ensure_schema
from dispatch_desk.storage.store import Store
from dispatch_desk.sync.engine import SyncEngine, SyncStatus

if TYPE_CHECKING:
    from dispatch_desk.geo.service import GeoService

logger = logging.getLogger(__name__)


def profile_path(settings: Settings, paths: Paths) -> Path:
    if settings.demo_mode:
        return paths.resources_dir / "agency" / "demo.toml"
    return Path(settings.agency.profile).expanduser()


def load_agency(settings: Settings, paths: Paths) -> AgencyProfile:
    apco = load_apco_types(paths.resources_dir / "incident_types" / "apco_2103.csv")
    return load_profile(profile_path(settings, paths), apco, with_users=settings.demo_mode)


class DeskCore:
    def __init__(
        self,
        settings: Settings,
        paths: Paths,
        profile: AgencyProfile,
        store: Store,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.profile = profile
        self.store = store
        self.clock = clock
        self.catalog = IncidentTypeCatalog(profile)
        self.units = UnitService()
        self.incidents = IncidentService(
            self.catalog,
            profile.dispositions,
            self.units,
            leased_numbers=bool(settings.central.url),
        )
        # With a central database: the engine is made now, so that every write from here on
        # (seeding included) is captured for it; it starts when the app is ready.
        self.sync: SyncEngine | None = None
        if settings.central.url:
            self.sync = SyncEngine(
                store, settings.central, settings.workstation.id, paths.migrations_dir, clock=clock
            )
        # Callers' live positions (phone GPS through a live session, PIDF-LO, carrier updates).
        self.locations = LiveLocations(store)
        # The agency's map data and geocoder, loaded on a thread of its own when first asked for.
        self._geo_pool: ThreadPoolExecutor | None = None
        self._geo_future: Future[GeoService] | None = None
        self._geo_changes: list[Change] = []
        self._closed = False
        # One alert list for the whole workstation; sources raise, windows and speech listen.
        self.alerts = AlertCentre(clock, repeat_window_s=settings.speech.repeat_window_s)
        # Texts to callers (live-session links now; status texts later). Loopback until a
        # provider is configured: what would be sent is kept where the dispatcher and tests see it.
        self.sms: SmsSender = make_sender(settings)
        # Every text the centre sends on its own (status texts, replies, surveys) goes through
        # the outbox: stored first, sent by this desk's runner, retried, never sent twice.
        self.outbox = OutboxRunner(
            store,
            self.sms,
            clock,
            settings.texting,
            workstation=settings.workstation.id if settings.central.url else "",
            alerts=self.alerts,
            status_callback_url=status_callback_url(settings),
        )
        # Incoming texts from the gateway's webhooks, and the outbox's life (DeskTexts.start).
        self.texts = DeskTexts(self)
        # The texting rules: status texts and surveys (their runner starts with the app) and
        # text-to-911 conversations, whose new arrivals raise an alert once stored.
        try:
            rules_config = RulesConfig.from_settings(settings, profile)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        self.status_texts = StatusTexts(
            self.catalog, rules_config, Templates(profile.text_templates)
        )
        self.status_text_runner = StatusTextRunner(store, self.status_texts, clock)
        self.outbox.blocked_now = self.status_texts.blocked_now
        self.conversations = ConversationService(
            clock,
            settings.texting.conversation_limit,
            alerts=self.alerts,
            center_e164=settings.texting.text911_number,
        )
        store.bus.subscribe(self.conversations.on_changes)

    @property
    def bus(self) -> ChangeBus:
        return self.store.bus

    @property
    def workstation(self) -> str:
        return self.settings.workstation.id

    def system_actor(self) -> Actor:
        return Actor.system(self.workstation)

    @classmethod
    def open(cls, settings: Settings, paths: Paths, *, clock: Clock = utc_now) -> DeskCore:
        """Load the agency, open and upgrade the local store, and seed what is missing."""
        profile = load_agency(settings, paths)
        store_file = settings.store_file(paths)
        engine = open_sqlite(
            store_file,
            busy_timeout_ms=settings.store.busy_timeout_ms,
            synchronous=settings.store.synchronous,
        )
        try:
            ensure_schema(engine, paths.migrations_dir, backups_dir=paths.backups_dir)
        except Exception:
            engine.dispose()
            raise
        reader = open_sqlite(
            store_file,
            busy_timeout_ms=settings.store.busy_timeout_ms,
            synchronous=settings.store.synchronous,
        )
        core = cls(settings, paths, profile, Store(engine, reader=reader), clock)
        # The demo cameras' clips live with this workstation's state (a --home moves them).
        from dispatch_desk.cameras import demo_clips

        demo_clips.configure(paths.state_dir / "demo-clips")
        core.seed()
        return core

    def seed(self) -> None:
        now = self.clock()
        self.store.write_sync(self.units.ensure_units, self.profile.units, now)
        if self.settings.demo_mode and not self.store.read_sync(accounts.has_users):
            from dispatch_desk.demo.seed import seed_demo

            seed_demo(self, now)

    def start_sync(
        self,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_changes: Callable[[list[Change]], None] | None = None,
    ) -> None:
        """Start pushing and pulling. Callbacks run on the sync thread; the UI hands them on to
        its own thread. Standalone, nothing happens."""
        if self.sync is None:
            return
        if on_status is not None:
            self.sync.on_status = on_status
        if on_changes is not None:
            self.sync.on_changes = on_changes
        self.sync.start()

    def start_geo(self) -> Future[GeoService]:
        """Begin loading the map data (imported layers, or the demo town) in the background."""
        if self._geo_future is None and self._closed:
            closed: Future[GeoService] = Future()
            closed.cancel()
            return closed
        if self._geo_future is None:
            self._geo_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo")
            self._geo_future = self._geo_pool.submit(self._load_geo)
        return self._geo_future

    async def geo(self) -> GeoService:
        """The map data and geocoder, once loaded; the first caller publishes what loading
        changed (units placed at their stations, demo cameras)."""
        geo = await asyncio.wrap_future(self.start_geo())
        changes, self._geo_changes = self._geo_changes, []
        if changes:
            self.bus.publish(changes)
        return geo

    def geo_now(self, timeout_s: float = 30.0) -> GeoService:
        """The same, blocking: for tools and tests without an event loop."""
        return self.start_geo().result(timeout=timeout_s)

    def _load_geo(self) -> GeoService:
        from dispatch_desk.geo.service import GeoService

        started = time.perf_counter()
        geo = GeoService.open(self.settings, self.paths)
        try:
            self._place_from_map(geo)
        except StoreUnavailable as exc:  # the map works without; next start tries again
            logger.warning("units and cameras not placed on the map: %s", exc.user_message)
        logger.info(
            "map data ready in %.0f ms: %s (%s)",
            (time.perf_counter() - started) * 1000,
            geo.layers.source,
            ", ".join(f"{n} {kind}" for kind, n in geo.layers.counts().items()),
        )
        return geo

    def _write(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, list[Change]]:
        # On the store's one writer thread, as every write is (this runs on the geo thread).
        return self.store.submit_write(fn, *args).result()

    def _place_from_map(self, geo: GeoService) -> None:
        """What needs the map to be placed: units at their stations, and in the demo its
        cameras and the incidents seeded before the town was loaded."""
        now = self.clock()
        stations = {p.station: (p.lat, p.lon) for p in geo.layers.places if p.station}
        if stations:
            _, changes = self._write(self.units.place_at_stations, stations, now)
            self._geo_changes.extend(changes)
        if self.settings.demo_mode and not geo.layers.is_empty():
            from dispatch_desk.demo.cameras import seed_demo_cameras

            _, changes = self._write(seed_demo_cameras, geo.layers, now)
            self._geo_changes.extend(changes)
            if self.sync is None:  # the demo's own history, made before the town was loaded
                from dispatch_desk.demo.seed import place_demo_incidents

                _, changes = self._write(place_demo_incidents, geo.locate, now)
                self._geo_changes.extend(changes)

    def close(self) -> None:
        self._closed = True
        if self._geo_pool is not None:  # it may be writing to the store
            self._geo_pool.shutdown(wait=True, cancel_futures=True)
        if self.sync is not None:
            self.sync.stop()
        self.store.close()
