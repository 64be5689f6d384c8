"""When "snooze" moves a reminder to, for the toast's and the bell's buttons (issue 25, part 4):
in 10 minutes, in an hour, tomorrow morning (09:00 in the user's zone), or a picked time.
Pure, so the rules are unit-tested without Reflex."""

from datetime import datetime, time, timedelta

from todo_core.timezones import get_zone, to_utc_lenient

MORNING = time(9, 0)
CHOICES: dict[str, str] = {"10m": "10 min", "1h": "1 h", "morning": "Tomorrow 9:00"}


def snooze_until(choice: str, now: datetime, zone: str, picked: str = "") -> datetime:
    """The aware moment for a choice; `picked` is an <input type=datetime-local> value in the
    user's zone. ValueError naming what is wrong otherwise."""
    if choice == "10m":
        return now + timedelta(minutes=10)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "morning":
        tomorrow = now.astimezone(get_zone(zone)).date() + timedelta(days=1)
        return to_utc_lenient(datetime.combine(tomorrow, MORNING), get_zone(zone))
    if choice == "pick":
        try:
            wall = datetime.fromisoformat(picked.strip())
        except ValueError:
            raise ValueError("pick a date and time to snooze to") from None
        until = to_utc_lenient(wall.replace(tzinfo=None), get_zone(zone))
        if until <= now:
            raise ValueError("pick a time that is still ahead")
        return until
    raise ValueError(f"unknown snooze choice {choice!r}")
