"""The worker's life: start the pieces, serve until SIGTERM, drain, stop.

Threads: the main thread runs the gRPC server (Dapr's App); one thread runs the asyncio
loop that owns the database engine, the sidecar client, the outbox relay, the reconciler
and the health endpoint. A signal starts a shutdown thread, because the signal handler must
return at once while draining may take seconds.
"""

import signal
import threading
from datetime import timedelta
from types import FrameType

from dapr.ext.grpc import App
from loguru import logger

from todo_core.db import SessionFactory, create_engine, create_session_factory
from todo_core.events import RECURRING_TASK, REMINDERS, TASK_EVENTS
from todo_core.outbox import Backoff, OutboxRelay
from todo_core.settings import Settings
from worker.app import build_app
from worker.dispatch import Dispatcher
from worker.handlers.recurring import Recurring
from worker.handlers.reminders import Reminders
from worker.handlers.task_events import TaskEvents
from worker.health import HealthServer
from worker.loop import LoopThread
from worker.reconciler import Reconciler
from worker.reminder_state import ReminderStore
from worker.settings import WorkerSettings
from worker.sidecar import Sidecar


class Worker:
    def __init__(self, settings: Settings, worker_settings: WorkerSettings) -> None:
        self.settings = settings
        self.ws = worker_settings
        self.loop = LoopThread()
        self.dispatcher = Dispatcher(self.loop, worker_settings.handler_timeout_seconds)
        self._app: App | None = None
        self._stopping = threading.Event()

    async def _start_async(self) -> None:
        s, ws = self.settings, self.ws
        self.engine = create_engine(s.database_url, pool_size=ws.db_pool_size)
        self.sessions: SessionFactory = create_session_factory(self.engine)
        self.sidecar = Sidecar(
            ws.dapr_grpc_port, s.pubsub_name, s.statestore_name, ws.sidecar_wait_seconds
        )
        # The worker writes outbox rows too (the next task of a series); two relays (web
        # and worker) are safe: rows are claimed with SKIP LOCKED.
        self.relay = OutboxRelay(
            self.sessions,
            self.sidecar,
            batch_size=s.outbox_batch_size,
            sweep_seconds=s.outbox_sweep_seconds,
            backoff=Backoff(max_seconds=s.outbox_max_backoff_seconds),
            retention=timedelta(hours=s.outbox_retention_hours),
        )
        store = ReminderStore(self.sidecar, ws.reminder_tombstone_ttl_seconds)
        self.reminders = Reminders(self.sidecar, store, self.sessions)
        self.recurring = Recurring(self.sessions, self.relay.notify)
        self.task_events = TaskEvents(self.sessions, self.reminders)
        self.reconciler = Reconciler(
            self.sessions,
            self.reminders,
            window=timedelta(seconds=ws.reconcile_window_seconds),
            lookback=timedelta(seconds=ws.reconcile_lookback_seconds),
            interval_seconds=ws.reconcile_seconds,
        )
        self.health = HealthServer(ws.health_host, ws.health_port, lambda: self.dispatcher.draining)
        await self.health.start()
        self.relay.start()
        self.reconciler.start()

    async def _stop_async(self) -> None:
        self.reconciler.stop()
        await self.relay.stop()
        await self.health.stop()
        await self.sidecar.close()
        await self.engine.dispose()

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT; returns after a clean stop."""
        self.loop.start()
        self.loop.run(self._start_async(), timeout=30)
        self._app = build_app(
            self.dispatcher,
            self.settings.pubsub_name,
            {
                TASK_EVENTS: self.task_events.on_event,  # type: ignore[dict-item]
                REMINDERS: self.reminders.on_event,  # type: ignore[dict-item]
                RECURRING_TASK: self.recurring.on_event,  # type: ignore[dict-item]
            },
            self.reminders.on_job,
        )
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        logger.info(
            "todo-worker listening: app port {} health port {} sidecar gRPC {}",
            self.ws.app_port, self.ws.health_port, self.ws.dapr_grpc_port,
        )  # fmt: skip
        self._app.run(self.ws.app_port, listen_address=self.ws.app_host)
        # The gRPC server has stopped: no handler is running any more.
        try:
            self.loop.run(self._stop_async(), timeout=15)
        except Exception:
            logger.exception("error while stopping")
        self.loop.stop()
        logger.info("todo-worker stopped")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        logger.info("{} received: draining in-flight handlers", signal.Signals(signum).name)
        threading.Thread(target=self._shutdown, name="worker-shutdown", daemon=True).start()

    def _shutdown(self) -> None:
        drained = self.dispatcher.drain(self.ws.shutdown_grace_seconds)
        if drained:
            logger.info("in-flight handlers finished")
        else:
            logger.warning(
                "{} handlers still running after {}s; stopping anyway (they will be redelivered)",
                self.dispatcher.inflight, self.ws.shutdown_grace_seconds,
            )  # fmt: skip
        if self._app is not None:
            self._app.stop()
