"""The worker's life: start the pieces, serve until SIGTERM, drain, stop.

Everything runs on one asyncio loop: the gRPC app callback daprd calls, the database
engine, the sidecar client, the outbox relay, the reconciler and the health endpoint.
"""

import asyncio
import signal
from datetime import timedelta

import grpc
from dapr.proto.runtime.v1.appcallback_pb2 import BulkSubscribeConfig
from loguru import logger

from todo_core.db import (
    SessionFactory,
    create_autocommit_session_factory,
    create_engine,
    create_session_factory,
)
from todo_core.events import RECURRING_TASK, REMINDERS, TASK_EVENTS
from todo_core.outbox import Backoff, OutboxRelay
from todo_core.settings import Settings
from worker.callback import AppCallback, HealthCheck, build_server
from worker.dispatch import Dispatcher
from worker.handlers.recurring import Recurring
from worker.handlers.reminders import Reminders
from worker.handlers.task_events import TaskEvents
from worker.health import HealthServer
from worker.jobs import REMINDER_JOB_PREFIX
from worker.push import PushSweep
from worker.reconciler import Reconciler
from worker.settings import WorkerSettings
from worker.sidecar import Sidecar


class Worker:
    def __init__(self, settings: Settings, worker_settings: WorkerSettings) -> None:
        self.settings = settings
        self.ws = worker_settings

    async def _start(self) -> None:
        s, ws = self.settings, self.ws
        self.dispatcher = Dispatcher(ws.handler_timeout_seconds, ws.handler_concurrency)
        # No overflow: with more handlers than connections, a handler waits for a pooled
        # connection instead of opening (and closing) one of its own.
        self.engine = create_engine(s.database_url, pool_size=ws.db_pool_size, max_overflow=0)
        self.sessions: SessionFactory = create_session_factory(self.engine)
        self.sidecar = Sidecar(ws.dapr_grpc_port, s.pubsub_name, ws.sidecar_wait_seconds)
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
        # A trigger's notifications are one statement per batch.
        self.reminders = Reminders(
            self.sidecar,
            create_autocommit_session_factory(self.engine),
            shards=ws.reminder_shards,
            batch=ws.reminder_batch,
        )
        self.push_sweep = PushSweep(self.sessions, ws.push_sweep_seconds, ws.reminder_batch)
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
        self.server = self._app_callback_server()
        await self.health.start()
        self.relay.start()
        self.reconciler.start()
        self.push_sweep.start()
        await self.server.start()

    def _app_callback_server(self) -> grpc.aio.Server:
        """What daprd calls: the three subscriptions (bulk) and the reminder jobs."""
        s, ws = self.settings, self.ws
        callback = AppCallback(
            self.dispatcher,
            s.pubsub_name,
            # Each handler takes only its own topic's events, which is what parse_event
            # gives for that topic; one dict's value type cannot say so.
            {
                TASK_EVENTS: self.task_events.on_event,  # type: ignore[dict-item]
                REMINDERS: self.reminders.on_event,  # type: ignore[dict-item]
                RECURRING_TASK: self.recurring.on_event,  # type: ignore[dict-item]
            },
            {REMINDER_JOB_PREFIX: self.reminders.on_job},
            BulkSubscribeConfig(
                enabled=True,
                max_messages_count=ws.bulk_max_messages,
                max_await_duration_ms=ws.bulk_max_await_ms,
            ),
            self.sidecar.dead_letter,
        )
        token = ws.app_api_token.get_secret_value()
        if not token:
            logger.warning("APP_API_TOKEN is not set: the app port takes calls from anyone")
        health = HealthCheck(self.dispatcher)
        server, _ = build_server(callback, health, ws.app_host, ws.app_port, token)
        return server

    async def _stop(self) -> None:
        self.reconciler.stop()
        await self.push_sweep.stop()
        await self.relay.stop()
        await self.health.stop()
        await self.sidecar.close()
        await self.engine.dispose()

    async def serve(self) -> None:
        """Serve until SIGTERM/SIGINT; returns after a clean stop."""
        await self._start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum, stop)
        logger.info(
            "todo-worker listening: app port {} health port {} sidecar gRPC {}",
            self.ws.app_port, self.ws.health_port, self.ws.dapr_grpc_port,
        )  # fmt: skip
        await stop.wait()
        await self._drain()
        try:
            await self._stop()
        except Exception:
            logger.exception("error while stopping")
        logger.info("todo-worker stopped")

    def _on_signal(self, signum: int, stop: asyncio.Event) -> None:
        if not stop.is_set():
            logger.info("{} received: draining in-flight handlers", signal.Signals(signum).name)
            stop.set()

    async def _drain(self) -> None:
        grace = self.ws.shutdown_grace_seconds
        if await self.dispatcher.drain(grace):
            logger.info("in-flight handlers finished")
        else:
            logger.warning(
                "{} handlers still running after {}s; stopping anyway (they will be redelivered)",
                self.dispatcher.inflight, grace,
            )  # fmt: skip
        # New calls are answered RETRY/UNAVAILABLE meanwhile; the server stops last.
        await self.server.stop(grace=1)

    def run(self) -> None:
        asyncio.run(self.serve())
