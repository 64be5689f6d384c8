"""Runs tests/language/corpus.yaml: each phrase through the parser and, for chat, the
assistant's own resolution and change rules, against a frozen clock and an in-memory task
list (pure logic: no database; the engine's storage path has its own integration tests).

`score()` gives accuracy per kind; tests/unit/test_language_corpus.py and `make bench` use it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError

from todo_core.language import parse_command, parse_task
from todo_core.models import Priority, Status, Task, User
from todo_core.validation import task_create
from todo_web.assistant.conversations import Conversation
from todo_web.assistant.resolve import Resolution, resolve_words

CORPUS = Path(__file__).with_name("corpus.yaml")
# Phrases written after the grammar grew (see its header): reported, not gated.
HELD_OUT = Path(__file__).with_name("heldout.yaml")
# Intents that change no task and ask nothing ("cancel" with nothing pending is a "no").
QUIET = {"unknown", "help", "deny", "confirm", "list", "select", "undo"}
EDITS = {
    "complete", "reopen", "delete", "move", "rename", "set_priority", "add_tags",
    "remove_tags", "set_reminder", "set_recurrence", "snooze",
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    kind: str
    phrase: str
    expected: dict[str, Any]


@dataclass
class World:
    """The frozen clock, the person's tasks, the last list shown and "it"."""

    zone: str
    now: datetime
    tasks: list[Task]
    last_list: list[str]
    last_task: str | None
    cases: list[Case] = field(default_factory=list)

    def by_title(self, title: str) -> Task:
        return next(t for t in self.tasks if t.title == title)


def _local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)


def _task(row: dict[str, Any], zone: ZoneInfo, user_id: UUID) -> Task:
    due = _local(row["due"], zone) if row.get("due") else None
    return Task(
        id=uuid5(NAMESPACE_URL, row["title"]),
        user_id=user_id,
        title=row["title"],
        tags=list(row.get("tags", [])),
        due_at=due,
        recurrence=row.get("rrule"),
        status=Status(row.get("status", "open")),
        priority=Priority(row.get("priority", "medium")),
        reminder={"kind": "at_due"} if due else {"kind": "none"},
        remind_at=due,
        version=1,
    )


@lru_cache(maxsize=2)
def load(cases: Path = CORPUS) -> World:
    """The world of corpus.yaml with the cases of `cases` (corpus.yaml or heldout.yaml)."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    zone = ZoneInfo(data["clock"]["zone"])
    user_id = uuid5(NAMESPACE_URL, "corpus-user")
    tasks = [_task(row, zone, user_id) for row in data["tasks"]]
    world = World(
        zone=zone.key,
        now=_local(data["clock"]["now"], zone),
        tasks=tasks,
        last_list=[],
        last_task=None,
    )
    world.last_list = [str(world.by_title(t).id) for t in data["last_list"]]
    world.last_task = str(world.by_title(data["last_task"]).id)
    rows = yaml.safe_load(cases.read_text(encoding="utf-8"))["cases"]
    world.cases = [Case(kind, phrase, dict(expected)) for kind, phrase, expected in rows]
    return world


def _wall(instant: datetime | None, zone: ZoneInfo) -> str | None:
    return None if instant is None else f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def _stored(data: dict[str, Any], zone_name: str) -> dict[str, Any]:
    """The fields a new task would be stored with (after the one set of input rules)."""
    try:
        made = task_create(data, zone_name)
    except ValidationError as exc:
        return {"invalid": str(exc).splitlines()[0]}
    zone = ZoneInfo(zone_name)
    due = _wall(made.due, zone)
    return {
        "title": made.title,
        "due": due,
        "day": due[:10] if due else None,
        "rrule": made.rrule,
        "priority": made.priority.value,
        "tags": list(made.tags),
        "remind": _wall(made.remind_at, zone),
    }


def quick_add(phrase: str, zone: str, now: datetime) -> dict[str, Any]:
    return _stored(parse_task(phrase, zone, now).task_input(), zone)


def chat(phrase: str, world: World, zone: str) -> dict[str, Any]:
    """What one chat message would do to the world: the effect as the corpus writes it."""
    from todo_web.assistant.engine import Engine  # the web package; only chat needs it

    command = parse_command(phrase, zone, world.now)
    intent = command.intent
    if intent == "add":
        parsed = command.task
        return {"do": "add", **_stored(parsed.task_input(), zone)} if parsed else {"do": "none"}
    if intent == "list":
        wanted = command.filter
        return {
            "do": "list",
            "when": wanted.due if wanted else None,
            "tag": wanted.tag if wanted else None,
            "priority": wanted.priority.value if wanted and wanted.priority else None,
            "status": wanted.status.value if wanted and wanted.status else None,
        }
    if intent == "select":
        return {"do": "select", "choice": command.choice}
    if intent in QUIET:
        return {"do": "none" if intent == "unknown" else intent}
    if command.notes:
        return {"do": "none", "why": command.notes}
    found: Resolution = resolve_words(command, _names(world), world.last_list, world.last_task)
    if found.add is not None:
        return {"do": "add", **_stored(found.add.task_input(), zone)}
    if not found.ids:
        return {"do": "none", "why": found.reason}
    if len(found.ids) > 1:
        return {"do": "ask", "options": len(found.ids)}
    task = next(t for t in world.tasks if t.id == found.ids[0])
    user = User(id=task.user_id, email="c@x", password_hash="", display_name="c", time_zone=zone)
    engine = Engine(user, Conversation(id="c", owner=str(user.id)), now=world.now)
    effect: dict[str, Any] = {"do": intent, "task": task.title}
    if intent in ("complete", "reopen", "delete"):
        return effect
    try:
        changes = engine._changes(command, task)  # noqa: SLF001 (the engine's own rule)
    except Exception as exc:  # a refusal: nothing changes
        return {"do": "none", "why": str(exc)}
    from todo_core.repositories.tasks import _as_input  # noqa: PLC0415

    merged = {**_as_input(task), **changes}
    merged["priority"] = getattr(merged["priority"], "value", merged["priority"])
    if isinstance(merged["due"], datetime):
        merged["due"] = merged["due"].isoformat()
    stored = _stored(merged, zone)
    stored.pop("day", None)
    stored["tags"] = command.tags if intent in ("add_tags", "remove_tags") else stored["tags"]
    if intent == "set_recurrence":
        stored["rrule"] = stored.get("rrule") or ""
    return {**effect, **stored}


def _names(world: World) -> list[Any]:
    from todo_core.repositories.tasks import TaskName

    return [TaskName(t.id, t.title, t.status) for t in world.tasks]


def effect_of(case: Case, world: World) -> dict[str, Any]:
    zone = case.expected.get("zone", world.zone)
    try:
        if "do" in case.expected:
            return chat(case.phrase, world, zone)
        return quick_add(case.phrase, zone, world.now.replace(tzinfo=ZoneInfo(zone)))
    except Exception as exc:  # the corpus reports a crash as a miss, with its cause
        return {"error": f"{type(exc).__name__}: {exc}"}


def matches(case: Case, got: dict[str, Any]) -> bool:
    wanted = {k: v for k, v in case.expected.items() if k != "zone"}
    if wanted.get("do") == "none":  # "cancel" with nothing pending is a "no": no change
        return got.get("do") in ("none", "deny", "confirm", "help")
    if wanted.get("do") == "ask":
        return got.get("do") == "ask"
    for key, value in wanted.items():
        have = got.get(key)
        if key == "tags" and have is not None:
            have, value = sorted(have), sorted(value)
        if key == "rrule" and isinstance(have, str) and value:
            have, value = set(have.split(";")), set(str(value).split(";"))
        if have != value:
            return False
    return True


@dataclass
class Score:
    passed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Case, dict[str, Any]]] = field(default_factory=list)

    def accuracy(self, kind: str | None = None) -> float:
        if kind is None:
            return sum(self.passed.values()) / max(sum(self.total.values()), 1)
        return self.passed[kind] / max(self.total[kind], 1)

    def table(self) -> str:
        rows = [f"{'kind':<16}{'pass':>6}{'total':>7}{'acc':>8}"]
        for kind in sorted(self.total):
            rows.append(
                f"{kind:<16}{self.passed[kind]:>6}{self.total[kind]:>7}"
                f"{100 * self.accuracy(kind):>7.1f}%"
            )
        rows.append(
            f"{'overall':<16}{sum(self.passed.values()):>6}{sum(self.total.values()):>7}"
            f"{100 * self.accuracy():>7.1f}%"
        )
        return "\n".join(rows)


def score(cases: Path = CORPUS) -> Score:
    world = load(cases)
    result = Score()
    for case in world.cases:
        got = effect_of(case, world)
        result.total[case.kind] += 1
        if matches(case, got):
            result.passed[case.kind] += 1
        else:
            result.misses.append((case, got))
    return result


if __name__ == "__main__":
    import sys

    outcome = score(HELD_OUT if "--held-out" in sys.argv else CORPUS)
    if "-v" in sys.argv:
        for case, got in outcome.misses:
            print(f"[{case.kind}] {case.phrase!r}\n   want {case.expected}\n   got  {got}")
    print(outcome.table())
