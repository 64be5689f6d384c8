"""What one chat message does, and the reply.

Every change goes through todo_core.repositories (so the outbox, reminders and recurrence
follow exactly as for the REST API), in one transaction per message. A delete, and any
change to more than one task, waits for a "yes"; several tasks matching a name turn into a
numbered question. Nothing changes on a message the assistant cannot read.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from loguru import logger
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from todo_core.db import session_scope
from todo_core.events import TaskSnapshot
from todo_core.language import Command, ParsedTask, parse_command
from todo_core.language.intents import ListFilter, Target, moved_due
from todo_core.models import Status, Task, User, utcnow
from todo_core.recurrence import summarize
from todo_core.repositories import tasks as repo
from todo_core.repositories.errors import NotFound, QuotaReached, StaleVersion
from todo_core.repositories.restore import restore_task
from todo_core.repositories.tasks import snoozed_reminder
from todo_core.timezones import get_zone, to_utc_lenient
from todo_core.validation import ListQuery, TaskUpdate, field_errors, task_create
from todo_web import relay
from todo_web.assistant.changes import changes_between, describe_changes, fields_of
from todo_web.assistant.conversations import Conversation
from todo_web.assistant.resolve import resolve_words

LIST_LIMIT = 20
HELP = (
    "I can add, list, complete, reopen, delete, move, rename and change tasks. Try:\n"
    "• remind me to call mom tomorrow at 5pm\n"
    "• add pay rent every 1st at 10 #home p1\n"
    "• what's due today? / show overdue tasks / list #work\n"
    "• complete the second one / mark buy milk as done\n"
    "• move dentist to friday 3pm / postpone it by 2 days\n"
    "• rename milk to oat milk / make report high priority / tag report with #q1\n"
    "• remind me about report 30 minutes before / make standup repeat every weekday\n"
    "• delete all done tasks / undo"
)
_VERBS = {
    "complete": "Complete", "reopen": "Reopen", "delete": "Delete", "move": "Move",
    "rename": "Rename", "set_priority": "Change the priority of", "add_tags": "Tag",
    "remove_tags": "Untag", "set_reminder": "Set a reminder on",
    "set_recurrence": "Change the repetition of", "snooze": "Snooze",
}  # fmt: skip


@dataclass
class Reply:
    text: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    parsed: dict[str, Any] | None = None
    options: list[str] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)  # a list shown

    def turn(self) -> dict[str, Any]:
        return {
            "role": "assistant",
            "text": self.text,
            "at": utcnow().isoformat(),
            "actions": self.actions,
            "parsed": self.parsed,
            "options": self.options,
            "tasks": self.tasks,
        }


class _Refusal(Exception):
    """A reply instead of a change (nothing matched, no list shown yet, …)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


class _Added(Exception):
    """The message named no task but reads as a new one ("finish the slides by Monday")."""

    def __init__(self, task: ParsedTask) -> None:
        super().__init__(task.title)
        self.task = task


def _say(text: str, **kwargs: Any) -> _Refusal:
    return _Refusal(Reply(text, **kwargs))


class Engine:
    """Handles one message of one user's conversation (mutating the conversation)."""

    def __init__(self, user: User, conversation: Conversation, now: datetime | None = None) -> None:
        self.user, self.conv = user, conversation
        self.now = now or utcnow()
        self.zone = get_zone(user.time_zone)
        self.changed = False  # whether the outbox got rows (the relay is nudged)

    async def handle(self, message: str) -> Reply:
        try:
            command = parse_command(message, self.user.time_zone, self.now)
        except (ValueError, OverflowError):
            # A phrase the rules mis-read into an impossible date: say what we can do.
            logger.warning("assistant: unreadable message ({} chars)", len(message))
            command = Command("unknown")
        try:
            reply = await self._answer(command, message)
        except _Refusal as refusal:
            reply = refusal.reply
        if self.changed:
            relay.notify()
        return reply

    async def _answer(self, command: Command, message: str) -> Reply:
        pending = self.conv.pending
        if pending is not None:
            self.conv.pending = None
            if command.intent == "deny":
                return Reply("OK, nothing changed.")
            if command.intent == "confirm" and pending["kind"] == "confirm":
                again = parse_command(pending["message"], self.user.time_zone, self.now)
                return await self._change(again, [UUID(i) for i in pending["task_ids"]], True)
            if command.intent == "select" and pending["kind"] == "choose":
                ids = pending["task_ids"]
                choice = command.choice or 0
                if not 1 <= choice <= len(ids):
                    self.conv.pending = pending
                    raise _say(f"Pick a number from 1 to {len(ids)}.", options=pending["options"])
                again = parse_command(pending["message"], self.user.time_zone, self.now)
                chosen = [UUID(ids[choice - 1])]
                return await self._change(again, chosen, False, pending["message"])
        return await self._dispatch(command, message)

    async def _dispatch(self, command: Command, message: str) -> Reply:
        intent = command.intent
        if intent == "help":
            return Reply(HELP)
        if intent in ("unknown", "confirm", "deny", "select"):
            lead = "There is nothing to confirm. " if intent in ("confirm", "deny") else ""
            if intent == "unknown":
                lead = "Sorry, I didn't understand that; nothing changed. "
            return Reply(lead + HELP)
        if intent == "add":
            return await self._add(command.task)
        if intent == "list":
            return await self._list(command.filter or ListFilter())
        if intent == "undo":
            return await self._undo()
        if command.notes:
            raise _say(" ".join(command.notes) + "; nothing changed.")
        try:
            ids = await self._resolve(command, message)
        except _Added as added:
            return await self._add(added.task)
        return await self._change(command, ids, False, message)

    # ---- adding and listing ---------------------------------------------------------------

    async def _add(self, parsed: ParsedTask | None) -> Reply:
        if parsed is None or not parsed.title:
            raise _say("What should the task be called? Nothing was added.")
        try:
            data = task_create(parsed.task_input(), self.user.time_zone)
        except ValidationError as exc:
            raise _say(_invalid(exc), parsed=self._parsed(parsed)) from exc
        try:
            async with session_scope() as db:
                task = await repo.create_task(db, self.user.id, data, self.now)
        except QuotaReached as exc:
            raise _say(f"{str(exc).capitalize()}. Nothing was added.") from exc
        self.changed = True
        self._remember([{"op": "delete", "task_id": str(task.id)}], task.id)
        notes = (
            (" " + " ".join(n[0].upper() + n[1:] + "." for n in parsed.notes))
            if parsed.notes
            else ""
        )
        return Reply(
            f"Added “{task.title}”{self._when(task)}.{notes}",
            actions=[_action("created", task)],
            parsed=self._parsed(parsed),
        )

    async def _list(self, wanted: ListFilter) -> Reply:
        async with session_scope() as db:
            found = await self._query(db, wanted)
        self.conv.last_list = [str(t.id) for t in found]
        if not found:
            return Reply(f"No {wanted.describe()}.")
        lines = [f"{i}. {self._line(t)}" for i, t in enumerate(found, start=1)]
        return Reply(
            f"Your {wanted.describe()}:\n" + "\n".join(lines),
            tasks=[self._summary(t) for t in found],
        )

    async def _query(self, db: AsyncSession, wanted: ListFilter) -> list[Task]:
        due = {"tomorrow": "week"}.get(wanted.due or "", wanted.due)
        query = ListQuery(
            status=wanted.status,
            priority=wanted.priority,
            tag=wanted.tag,
            due=due,
            q=wanted.text,
            limit=100 if wanted.due == "tomorrow" else LIST_LIMIT,
        )
        page = await repo.list_tasks(db, self.user.id, query, self.user.time_zone, self.now)
        items = page.items
        if wanted.due == "tomorrow":
            tomorrow = self.now.astimezone(self.zone).date() + timedelta(days=1)
            items = [
                t for t in items if t.due_at and t.due_at.astimezone(self.zone).date() == tomorrow
            ]
        return items[:LIST_LIMIT]

    # ---- which tasks ------------------------------------------------------------------------

    async def _resolve(self, command: Command, message: str) -> list[UUID]:
        target = command.target or Target()
        if target.group is not None:
            async with session_scope() as db:
                found = await self._query(db, target.group)
            if not found:
                raise _say(f"No {target.group.describe()}; nothing changed.")
            return [t.id for t in found]
        names: list[repo.TaskName] = []
        if target.text is not None:
            async with session_scope() as db:
                names = await repo.task_names(db, self.user.id)
        resolved = resolve_words(command, names, self.conv.last_list, self.conv.last_task)
        if resolved.add is not None:
            raise _Added(resolved.add)
        if not resolved.ids:
            raise _say(resolved.reason or "Which task do you mean?")
        if len(resolved.ids) == 1:
            return resolved.ids
        by_id = {n.id: n for n in names}
        options = [
            f"{i}. {by_id[i_d].title}" + (" (done)" if by_id[i_d].status == Status.DONE else "")
            for i, i_d in enumerate(resolved.ids, 1)
        ]
        self.conv.pending = {
            "kind": "choose",
            "message": message,
            "task_ids": [str(i) for i in resolved.ids],
            "options": options,
        }
        raise _say("Which one do you mean?\n" + "\n".join(options), options=options)

    # ---- changing ---------------------------------------------------------------------------

    async def _change(
        self, command: Command, ids: list[UUID], confirmed: bool, message: str = ""
    ) -> Reply:
        if not confirmed and (command.intent == "delete" or len(ids) > 1):
            return await self._ask(command, ids, message)
        actions: list[dict[str, Any]] = []
        undo: list[dict[str, Any]] = []
        try:
            async with session_scope() as db:
                for task_id in ids:
                    actions.append(await self._apply(db, command, task_id, undo))
        except ValidationError as exc:
            raise _say(_invalid(exc)) from exc
        except NotFound as exc:
            raise _say("That task no longer exists; nothing changed.") from exc
        except StaleVersion as exc:
            raise _say("That task changed meanwhile; nothing changed, please try again.") from exc
        self.changed = True
        self._remember(undo, ids[-1] if command.intent != "delete" else None)
        return Reply(_summary_text(command, actions), actions=actions)

    async def _ask(self, command: Command, ids: list[UUID], message: str) -> Reply:
        async with session_scope() as db:
            titles = [t.title for t in [await repo.get_task(db, self.user.id, i) for i in ids] if t]
        shown = ", ".join(f"“{t}”" for t in titles[:5]) + (
            f" and {len(titles) - 5} more" if len(titles) > 5 else ""
        )
        what = f"{len(ids)} tasks: {shown}" if len(ids) > 1 else shown
        self.conv.pending = {
            "kind": "confirm",
            "message": message,
            "task_ids": [str(i) for i in ids],
            "options": ["Yes", "No"],
        }
        return Reply(f"{_VERBS[command.intent]} {what}?", options=["Yes", "No"])

    async def _apply(
        self, db: AsyncSession, command: Command, task_id: UUID, undo: list[dict[str, Any]]
    ) -> dict[str, Any]:
        intent, user_id = command.intent, self.user.id
        if intent == "delete":
            task = await _existing(db, user_id, task_id)
            snapshot = repo.snapshot_of(task).model_dump(mode="json")
            await repo.delete_task(db, user_id, task_id, now=self.now)
            undo.append({"op": "restore", "snapshot": snapshot})
            return {"kind": "deleted", "task_id": str(task_id), "title": snapshot["title"]}
        task = await _existing(db, user_id, task_id)
        shown_before = fields_of(task)
        if intent == "complete":
            task = await repo.complete_task(db, user_id, task_id, now=self.now)
            undo.append({"op": "reopen", "task_id": str(task_id)})
            return self._reported("completed", task, shown_before)
        if intent == "reopen":
            task = await repo.reopen_task(db, user_id, task_id, now=self.now)
            undo.append({"op": "complete", "task_id": str(task_id)})
            return self._reported("reopened", task, shown_before)
        before = _fields(task)
        update = TaskUpdate.model_validate(
            {"version": task.version, **self._changes(command, task)},
            context={"time_zone": self.user.time_zone},
        )
        task = await repo.update_task(db, user_id, task_id, update, self.now)
        undo.append({"op": "update", "task_id": str(task_id), "fields": before})
        return self._reported("updated", task, shown_before)

    def _reported(self, kind: str, task: Task, before: dict[str, Any]) -> dict[str, Any]:
        """The action, with each field it changed: before → after."""
        return {
            **_action(kind, task),
            "changes": changes_between(before, fields_of(task), self.zone),
        }

    def _changes(self, command: Command, task: Task) -> dict[str, Any]:
        intent = command.intent
        if intent == "move":
            return {"due": self._moved(command, task).isoformat()}
        if intent == "snooze":
            if task.status != Status.OPEN:
                raise _say(f"“{task.title}” is done; its reminder won't go off. Nothing changed.")
            return {"reminder": snoozed_reminder(command.due or self.now)}
        if intent == "rename":
            return {"title": command.title}
        if intent == "set_priority":
            return {"priority": command.priority.value if command.priority else "medium"}
        if intent == "add_tags":
            return {"tags": list(dict.fromkeys([*task.tags, *command.tags]))}
        if intent == "remove_tags":
            return {"tags": [t for t in task.tags if t not in command.tags]}
        if intent == "set_reminder":
            if task.due_at is None:
                raise _say(f"“{task.title}” has no due date; move it to a day first.")
            reminder = dict(command.reminder or {})
            if reminder.get("kind") == "at" and command.keep == "day":
                # "remind me about X at 7am": at 7 on the day X is due
                at = datetime.fromisoformat(reminder["at"])
                reminder["at"] = moved_due(at, "day", task.due_at, self.user.time_zone).isoformat()
            return {"reminder": reminder}
        if command.recurrence:
            if task.due_at is None:
                raise _say(f"“{task.title}” has no due date; move it to a day first.")
            return {"recurrence": {"kind": "rrule", "rrule": command.recurrence}}
        return {"recurrence": {"kind": "none"}}

    def _moved(self, command: Command, task: Task) -> datetime:
        if command.due is not None:
            return moved_due(command.due, command.keep, task.due_at, self.user.time_zone)
        start = (task.due_at or self.now).astimezone(self.zone).replace(tzinfo=None)
        shifted = start + (command.shift or timedelta(days=1))
        return to_utc_lenient(shifted, self.zone)

    # ---- undo -------------------------------------------------------------------------------

    async def _undo(self) -> Reply:
        steps = self.conv.undo
        if not steps:
            raise _say("There is nothing to undo.")
        actions = []
        try:
            async with session_scope() as db:
                for step in reversed(steps):
                    action = await self._undo_step(db, step)
                    if action:
                        actions.append(action)
        except (NotFound, StaleVersion, ValidationError) as exc:
            self.conv.undo = None
            raise _say("That can't be undone any more: the task changed since.") from exc
        self.conv.undo = None
        self.changed = True
        return Reply("Undone.", actions=actions)

    async def _undo_step(self, db: AsyncSession, step: dict[str, Any]) -> dict[str, Any] | None:
        user_id, op = self.user.id, step["op"]
        if op == "restore":
            task = await restore_task(db, TaskSnapshot.model_validate(step["snapshot"]), self.now)
            return _action("restored", task) if task else None
        task_id = UUID(step["task_id"])
        if op == "delete":
            task = await _existing(db, user_id, task_id)
            await repo.delete_task(db, user_id, task_id, now=self.now)
            return {"kind": "deleted", "task_id": str(task_id), "title": task.title}
        if op == "reopen":
            return _action("reopened", await repo.reopen_task(db, user_id, task_id, now=self.now))
        if op == "complete":
            return _action(
                "completed", await repo.complete_task(db, user_id, task_id, now=self.now)
            )
        task = await _existing(db, user_id, task_id)
        update = TaskUpdate.model_validate(
            {"version": task.version, **step["fields"]}, context={"time_zone": self.user.time_zone}
        )
        return _action("updated", await repo.update_task(db, user_id, task_id, update, self.now))

    # ---- wording ----------------------------------------------------------------------------

    def _remember(self, undo: list[dict[str, Any]], task_id: UUID | None) -> None:
        self.conv.undo = undo
        self.conv.last_task = str(task_id) if task_id else None

    def _when(self, task: Task) -> str:
        if task.due_at is None:
            return ""
        local = task.due_at.astimezone(self.zone)
        text = f", due {local:%a %-d %b %H:%M}"
        if task.recurrence:
            text += f", repeating {summarize(task.recurrence, local.replace(tzinfo=None))}"
        if task.remind_at is not None:
            text += f", reminder at {task.remind_at.astimezone(self.zone):%a %H:%M}"
        return text

    def _line(self, task: Task) -> str:
        parts = [task.title]
        if task.due_at:
            parts.append(f"due {task.due_at.astimezone(self.zone):%a %-d %b %H:%M}")
        if task.priority.value != "medium":
            parts.append(f"{task.priority.value} priority")
        parts += [f"#{t}" for t in task.tags]
        if task.status == Status.DONE:
            parts.append("done")
        return " · ".join(parts)

    def _summary(self, task: Task) -> dict[str, Any]:
        return {"task_id": str(task.id), "title": task.title, "line": self._line(task)}

    def _parsed(self, parsed: ParsedTask) -> dict[str, Any]:
        return {
            "title": parsed.title,
            "due": parsed.due.isoformat() if parsed.due else None,
            "recurrence": parsed.recurrence,
            "priority": parsed.priority.value if parsed.priority else None,
            "tags": parsed.tags,
            "reminder": parsed.reminder,
            "chips": [{"kind": c.kind, "label": c.label, "spans": c.spans} for c in parsed.chips],
            "notes": parsed.notes,
        }


async def _existing(db: AsyncSession, user_id: UUID, task_id: UUID) -> Task:
    task = await repo.get_task(db, user_id, task_id)
    if task is None:
        raise NotFound(str(task_id))
    return task


def _fields(task: Task) -> dict[str, Any]:
    """The task's changeable fields in TaskUpdate's shape, to put them back on undo."""
    return {
        "title": task.title,
        "priority": task.priority.value,
        "tags": list(task.tags),
        "due": task.due_at.isoformat() if task.due_at else None,
        "recurrence": {"kind": "rrule", "rrule": task.recurrence}
        if task.recurrence
        else {"kind": "none"},
        "reminder": task.reminder,
    }


def _action(kind: str, task: Task) -> dict[str, Any]:
    return {"kind": kind, "task_id": str(task.id), "title": task.title}


def _summary_text(command: Command, actions: list[dict[str, Any]]) -> str:
    done = {
        "complete": "Completed", "reopen": "Reopened", "delete": "Deleted", "move": "Moved",
        "rename": "Renamed", "set_priority": "Changed the priority of", "add_tags": "Tagged",
        "remove_tags": "Untagged", "set_reminder": "Set a reminder on",
        "set_recurrence": "Changed the repetition of", "snooze": "Snoozed",
    }[command.intent]  # fmt: skip
    titles = ", ".join(f"“{a['title']}”" for a in actions[:5])
    more = f" and {len(actions) - 5} more" if len(actions) > 5 else ""
    detail = describe_changes(actions[0].get("changes", [])) if len(actions) == 1 else ""
    detail = f" ({detail})" if detail else ""
    return f"{done} {titles}{more}{detail}. Say “undo” to take it back."


def _invalid(exc: ValidationError) -> str:
    problems = "; ".join(f"{k}: {v}" for k, v in field_errors(exc).items())
    return f"That doesn't work ({problems}); nothing changed."
