"""From Dapr's gRPC threads to the asyncio handlers, with one log line per message.

Each topic message is decoded and validated here (a bad one is dropped without touching the
loop), handed to the worker's event loop, and answered success/retry/drop. In-flight
messages are counted so that SIGTERM can wait for them; once draining starts, new messages
are answered RETRY (Dapr redelivers them to the next worker) and job triggers fail (the
scheduler retries them).
"""

import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cloudevents.sdk.event import v1
from dapr.clients.grpc._request import JobEvent
from dapr.clients.grpc._response import TopicEventResponse
from loguru import logger

from todo_core.events import Event, parse_event
from worker.loop import LoopThread
from worker.outcome import Answer, classify, describe

TopicHandler = Callable[[Event], Awaitable[str]]
JobHandler = Callable[[str, bytes], Awaitable[str]]


class ShuttingDown(Exception):
    """The worker is stopping; the message will be delivered again."""


def decode_data(raw: object) -> object:
    """The CloudEvent's data as JSON (Dapr hands it over as bytes)."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8")
    if isinstance(raw, str):
        return json.loads(raw)
    return raw


class Dispatcher:
    def __init__(self, loop: LoopThread, timeout_seconds: float) -> None:
        self._loop = loop
        self._timeout = timeout_seconds
        self._inflight = 0
        self._idle = threading.Condition()
        self.draining = False

    # ---- in-flight accounting ---------------------------------------------------------

    def _enter(self) -> None:
        with self._idle:
            if self.draining:
                raise ShuttingDown("the worker is shutting down")
            self._inflight += 1

    def _leave(self) -> None:
        with self._idle:
            self._inflight -= 1
            self._idle.notify_all()

    @property
    def inflight(self) -> int:
        return self._inflight

    def drain(self, timeout: float) -> bool:
        """Refuse new work and wait for in-flight handlers; False if time ran out."""
        with self._idle:
            self.draining = True
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    # ---- topics ---------------------------------------------------------------------

    def topic_handler(
        self, topic: str, handler: TopicHandler
    ) -> Callable[[v1.Event], TopicEventResponse]:
        def on_message(message: v1.Event) -> TopicEventResponse:
            return TopicEventResponse(self.handle_message(topic, handler, message).value)

        on_message.__name__ = f"on_{topic.replace('-', '_')}"
        return on_message

    def handle_message(self, topic: str, handler: TopicHandler, message: v1.Event) -> Answer:
        started = time.perf_counter()
        fields: dict[str, Any] = {"topic": topic, "type": "?", "event_id": "?"}
        try:
            data = decode_data(message.Data())
            if isinstance(data, dict):
                fields["type"] = str(data.get("type", "?"))[:100]
                fields["event_id"] = str(data.get("event_id", "?"))[:100]
            event = parse_event(topic, data)
            self._enter()
            try:
                detail = self._loop.run(handler(event), self._timeout)
            finally:
                self._leave()
        except ShuttingDown:
            return self._log(Answer.RETRY, "shutting down", started, fields)
        except Exception as exc:  # the process never dies of a message
            answer = classify(exc)
            return self._log(answer, describe(exc), started, fields, exc)
        return self._log(Answer.SUCCESS, detail, started, fields)

    def _log(
        self,
        answer: Answer,
        detail: str,
        started: float,
        fields: dict[str, Any],
        exc: BaseException | None = None,
    ) -> Answer:
        ms = (time.perf_counter() - started) * 1000
        line = logger.bind(**fields, outcome=answer.value, detail=detail, ms=round(ms, 1))
        level = {Answer.SUCCESS: "INFO", Answer.RETRY: "WARNING", Answer.DROP: "WARNING"}[answer]
        line.log(
            level,
            "event topic={} type={} event_id={} outcome={} ms={:.1f} detail={}",
            fields["topic"], fields["type"], fields["event_id"], answer.value, ms, detail,
        )  # fmt: skip
        if answer == Answer.RETRY and exc is not None and classify(exc) == Answer.RETRY:
            logger.opt(exception=exc).debug("retry cause")
        return answer

    # ---- jobs -----------------------------------------------------------------------

    def job_handler(self, handler: JobHandler) -> Callable[[JobEvent], None]:
        def on_job(job: JobEvent) -> None:
            self.handle_job(handler, job)

        return on_job

    def handle_job(self, handler: JobHandler, job: JobEvent) -> None:
        """Raise to make daprd report a failed trigger (the scheduler retries it)."""
        started = time.perf_counter()
        try:
            self._enter()
            try:
                detail = self._loop.run(handler(job.name, job.data), self._timeout)
            finally:
                self._leave()
        except Exception as exc:
            answer = classify(exc)
            ms = (time.perf_counter() - started) * 1000
            logger.warning(
                "job name={} outcome={} ms={:.1f} detail={}",
                job.name, "drop" if answer == Answer.DROP else "retry", ms, describe(exc),
            )  # fmt: skip
            if answer == Answer.DROP:
                return  # answering OK ends a trigger that can never succeed
            raise
        ms = (time.perf_counter() - started) * 1000
        logger.info("job name={} outcome=success ms={:.1f} detail={}", job.name, ms, detail)
