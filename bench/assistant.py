"""The assistant's figures: the parser per phrase (in-process), and POST /api/chat's server
time (parse, the task write, the conversation's state read and write) beside the REST
create of the same task as the baseline. Server time is the app's own `Server-Timing`
header, so HTTP and client overhead stay out of both."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bench import api
from bench.stats import Figure
from devstack.config import StackConfig
from todo_core.language import parse_command, parse_task
from todo_core.language.dates import warm_up

PHRASES = [
    "call mom tomorrow at 5pm",
    "remind me to call mom tomorrow at 5pm",
    "pay rent every 1st at 10 #home p1",
    "standup every weekday at 9:15",
    "team sync every other tuesday at 10:30",
    "review the last friday of every month",
    "gym every 3 days until 30 april",
    "pills daily at 8am for 10 times",
    "report next monday 10:30",
    "buy milk in 2 hours",
    "dentist on 3/4 at 2pm",
    "submit 15 april",
    "tax end of month",
    "birthday every march 15",
    '"monthly report" friday',
    "buy milk and eggs",
    "what's due today?",
    "complete the second one",
    "move dentist to friday 3pm",
    "delete all done tasks",
]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]


def parser_per_phrase(rounds: int) -> Figure:
    figure = Figure(
        "parser_phrase",
        "Parser: one phrase → intent and task fields (parse_command, or parse_task for quick add)",
        "ms",
        "—",
        "p95 ≤ 1 ms",
    )
    warm_up()
    now = datetime.now(UTC)
    for _ in range(rounds):
        for zone in ZONES:
            for phrase in PHRASES:
                started = time.perf_counter()
                parse_task(phrase, zone, now)
                parse_command(phrase, zone, now)
                figure.samples.append((time.perf_counter() - started) * 1000 / 2)
    figure.notes.append(
        f"{len(PHRASES)} phrases × {len(ZONES)} zones × {rounds} rounds, in-process, warm; "
        "the two calls of each phrase averaged (dateparser results are cached per phrase, "
        "zone and minute)"
    )
    return figure


def _server_ms(response: httpx.Response) -> float:
    response.raise_for_status()
    timing = response.headers["server-timing"]  # app;dur=12.34
    return float(timing.split("dur=")[1])


async def chat_server_time(cfg: StackConfig, n: int) -> list[Figure]:
    chat = Figure(
        "chat_post",
        "POST /api/chat server time: add a task with a date and a tag (state read + write)",
        "ms",
        "—",
        "p95 ≤ 30 ms",
    )
    rest = Figure(
        "chat_rest_baseline",
        "POST /api/tasks server time: the same task through REST (baseline)",
        "ms",
        "—",
        "—",
    )
    client = await api.sign_up(cfg, zone="Europe/Berlin")
    try:
        first = await client.post("/api/chat", json={"message": "help"})  # also warms up
        conversation = first.json()["conversation_id"]
        for i in range(n):
            said = f"add bench task {i} tomorrow at 9 #bench"
            response = await client.post(
                "/api/chat", json={"message": said, "conversation_id": conversation}
            )
            chat.samples.append(_server_ms(response))
            body = {"title": f"bench task {i}", "tags": ["bench"], "due": _nine_tomorrow()}
            rest.samples.append(_server_ms(await client.post("/api/tasks", json=body)))
    finally:
        await client.aclose()
    chat.notes.append(
        f"{n} messages in one conversation (it holds the last 50 turns), interleaved with "
        "the REST creates; sequential, one user"
    )
    return [chat, rest]


def _nine_tomorrow() -> str:
    """What "tomorrow at 9" gives in Berlin, as the REST body's naive local time."""
    tomorrow = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=1)
    return f"{tomorrow.isoformat()}T09:00"
