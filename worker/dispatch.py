"""From Dapr's calls to the handlers, with one log line per message.

Each topic message is decoded and validated here (a bad one is dropped before any handler
runs) and answered success/retry/drop. A bulk delivery is handled message by message: in
order for each partition key (one task's events keep their order; after a RETRY, its later
events are answered RETRY too), concurrently across keys, at most `concurrency` at a time.
In-flight work is counted so that SIGTERM can wait for it; once draining starts, new
messages are answered RETRY (Dapr redelivers them to the next worker) and job triggers fail
(the scheduler retries them).
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from loguru import logger
from opentelemetry.trace import SpanKind

from todo_core.events import Event, parse_event
from todo_core.metrics import EVENTS_HANDLED, JOBS_HANDLED
from todo_core.telemetry import continued_span
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


# A failure that is not transient is tried this many times in all, a short pause apart,
# before the message is dead-lettered (or the job trigger ended): a one-off glitch gets
# another chance, a deterministic error holds its partition for well under a second.
ATTEMPTS = 3
PAUSE_SECONDS = 0.1


class Dispatcher:
    def __init__(self, timeout_seconds: float, concurrency: int, attempts: int = ATTEMPTS) -> None:
        self._timeout = timeout_seconds
        self._attempts = attempts
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.draining = False

    # ---- in-flight accounting ---------------------------------------------------------

    def _enter(self) -> None:
        if self.draining:
            raise ShuttingDown("the worker is shutting down")
        self._inflight += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._inflight -= 1
        if self._inflight == 0:
            self._idle.set()

    @property
    def inflight(self) -> int:
        return self._inflight

    async def drain(self, grace_seconds: float) -> bool:
        """Refuse new work and wait for in-flight handlers; False if time ran out."""
        self.draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace_seconds)
        except TimeoutError:
            return False
        return True

    async def _run(self, work: Callable[[], Awaitable[str]]) -> str:
        """`work()` in a concurrency slot, bounded by the handler timeout; a failure that is
        not transient is tried again, up to `attempts` in all, and then raised."""
        self._enter()
        try:
            async with self._slots:
                for attempt in range(1, self._attempts + 1):
                    try:
                        return await self._once(work)
                    except Exception as exc:
                        if classify(exc) == Answer.RETRY or attempt == self._attempts:
                            raise
                        await asyncio.sleep(PAUSE_SECONDS * attempt)
                raise AssertionError("unreachable")  # the last attempt returns or raises
        finally:
            self._leave()

    async def _once(self, work: Callable[[], Awaitable[str]]) -> str:
        try:
            return await asyncio.wait_for(work(), self._timeout)
        except TimeoutError:
            raise TimeoutError(f"handler took longer than {self._timeout}s") from None

    # ---- topics ---------------------------------------------------------------------

    async def handle_message(self, topic: str, handler: TopicHandler, data: bytes) -> Answer:
        return (await self.handle_batch(topic, handler, [data]))[0]

    async def handle_batch(
        self,
        topic: str,
        handler: TopicHandler,
        messages: Sequence[bytes],
        traceparents: Sequence[str | None] = (),
    ) -> list[Answer]:
        """One answer per message, in the order given; each handled in a span continuing
        its message's trace (the traceparent daprd carried in the CloudEvent)."""
        parents = list(traceparents) or [None] * len(messages)
        answers: list[Answer | None] = [None] * len(messages)
        by_key: dict[str, list[tuple[int, Event, dict[str, Any]]]] = {}
        for i, data in enumerate(messages):
            started = time.perf_counter()
            fields: dict[str, Any] = {"topic": topic, "type": "?", "event_id": "?"}
            try:
                decoded = decode_data(data)
                _name(fields, decoded)
                event = parse_event(topic, decoded)
            except Exception as exc:  # unparseable: never reaches a handler
                answers[i] = self._log(classify(exc), describe(exc), started, fields, exc)
                continue
            by_key.setdefault(event.partition_key, []).append((i, event, fields))

        async def in_order(items: list[tuple[int, Event, dict[str, Any]]]) -> None:
            for n, (i, event, fields) in enumerate(items):
                with continued_span(f"handle {topic} {event.type}", parents[i], SpanKind.CONSUMER):
                    answers[i] = await self._handle(handler, event, fields)
                if answers[i] == Answer.RETRY:
                    # The key's later events wait for this one: Dapr redelivers them all.
                    for j, _, _ in items[n + 1 :]:
                        answers[j] = Answer.RETRY
                    return

        await asyncio.gather(*(in_order(items) for items in by_key.values()))
        return [a if a is not None else Answer.RETRY for a in answers]

    async def _handle(self, handler: TopicHandler, event: Event, fields: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        try:
            detail = await self._run(lambda: handler(event))
        except ShuttingDown:
            return self._log(Answer.RETRY, "shutting down", started, fields)
        except Exception as exc:  # the process never dies of a message
            return self._log(classify(exc), describe(exc), started, fields, exc)
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
        EVENTS_HANDLED.labels(fields["topic"], answer.value).inc()
        line = logger.bind(**fields, outcome=answer.value, detail=detail, ms=round(ms, 1))
        level = {Answer.SUCCESS: "INFO", Answer.RETRY: "WARNING", Answer.DROP: "WARNING"}[answer]
        line.log(
            level,
            "event topic={} type={} event_id={} outcome={} ms={:.1f} detail={}",
            fields["topic"], fields["type"], fields["event_id"], answer.value, ms, detail,
        )  # fmt: skip
        if answer == Answer.DROP and exc is not None:
            # Dead-lettered: someone has to look at it, so the whole traceback.
            logger.opt(exception=exc).error("dead-lettered after {} attempts", self._attempts)
        elif answer == Answer.RETRY and exc is not None:
            logger.opt(exception=exc).debug("retry cause")
        return answer

    # ---- jobs -----------------------------------------------------------------------

    async def handle_job(self, handler: JobHandler, name: str, data: bytes) -> None:
        """Raise to make daprd report a failed trigger (the scheduler retries it)."""
        started = time.perf_counter()
        try:
            detail = await self._run(lambda: handler(name, data))
        except Exception as exc:
            answer = classify(exc)
            ms = (time.perf_counter() - started) * 1000
            logger.warning(
                "job name={} outcome={} ms={:.1f} detail={}",
                name, "drop" if answer == Answer.DROP else "retry", ms, describe(exc),
            )  # fmt: skip
            JOBS_HANDLED.labels(answer.value).inc()
            if answer == Answer.DROP:
                logger.opt(exception=exc).error(
                    "job {} ended after {} attempts", name, self._attempts
                )
                return  # answering OK ends a trigger that can never succeed
            raise
        ms = (time.perf_counter() - started) * 1000
        JOBS_HANDLED.labels(Answer.SUCCESS.value).inc()
        logger.info("job name={} outcome=success ms={:.1f} detail={}", name, ms, detail)


def _name(fields: dict[str, Any], decoded: object) -> None:
    """The type and event id for the log line, from whatever the message holds."""
    if isinstance(decoded, dict):
        fields["type"] = str(decoded.get("type", "?"))[:100]
        fields["event_id"] = str(decoded.get("event_id", "?"))[:100]
