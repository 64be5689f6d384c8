"""The recurrence builder's fields (the task dialog's rec_* inputs, all strings as the
inputs hold them) to a RecurrenceChoice, and back from a stored RRULE. Pure: no Reflex.

Back from a rule is exact or nothing: a rule opens in the builder only when the builder
would save the very same rule again; anything else stays editable as RRULE text."""

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from todo_core.recurrence import WEEKDAY_CODES, RecurrenceError, build_rrule, parse_rule
from todo_core.validation import RecurrenceChoice

Fields = dict[str, Any]
_CHOICE: TypeAdapter[RecurrenceChoice] = TypeAdapter(RecurrenceChoice)
_KIND_OF_FREQ = {"DAILY": "daily", "WEEKLY": "weekly", "YEARLY": "yearly"}


def choice_of(fields: Fields) -> dict[str, Any]:
    """The RecurrenceChoice input for these fields (validated by the caller)."""
    kind = fields["rec_kind"]
    if kind == "none":
        return {"kind": "none"}
    if kind == "rrule":
        return {"kind": "rrule", "rrule": fields["rec_rrule"]}
    ends: dict[str, Any] = {"kind": fields["rec_end"]}
    if fields["rec_end"] == "count":
        ends["count"] = fields["rec_count"]
    elif fields["rec_end"] == "until":
        ends["until"] = fields["rec_until"]
    choice: dict[str, Any] = {"kind": kind, "interval": fields["rec_interval"], "ends": ends}
    if kind == "weekly":
        choice["days"] = list(fields["rec_days"])
    elif kind == "monthly_day":
        choice["day"] = None if fields["rec_month_day"] == "due" else int(fields["rec_month_day"])
    elif kind == "monthly_weekday":
        choice["week"], choice["weekday"] = int(fields["rec_week"]), fields["rec_weekday"]
    return choice


def fields_of(rule: str) -> Fields | None:
    """The builder's fields for a stored rule; None when only RRULE text can express it."""
    try:
        parts = parse_rule(rule)
        fields = _guess(parts)
        same = fields is not None and build_rrule(_CHOICE.validate_python(choice_of(fields)))
        return fields if same == build_rrule(_CHOICE.validate_python(_raw(rule))) else None
    except (RecurrenceError, ValidationError, ValueError):
        return None


def _raw(rule: str) -> dict[str, str]:
    return {"kind": "rrule", "rrule": rule}


def _guess(parts: dict[str, str]) -> Fields | None:
    """The fields that would most likely give these parts; fields_of checks the guess."""
    kind = _kind(parts)
    if kind is None:
        return None
    fields: Fields = {"rec_kind": kind, "rec_interval": parts.get("INTERVAL", "1")}
    fields["rec_days"] = parts["BYDAY"].split(",") if kind == "weekly" and "BYDAY" in parts else []
    fields["rec_month_day"] = parts.get("BYMONTHDAY", "due")
    position = parts.get("BYDAY", "1MO") if kind == "monthly_weekday" else "1MO"
    fields["rec_week"], fields["rec_weekday"] = position[:-2].lstrip("+"), position[-2:]
    fields.update(_ends(parts))
    return fields


def _kind(parts: dict[str, str]) -> str | None:
    freq, by = parts["FREQ"], set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL"}
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "WEEKLY" and by <= {"BYDAY"} and all(d in WEEKDAY_CODES for d in days):
        return "weekdays" if parts.get("BYDAY") == "MO,TU,WE,TH,FR" else "weekly"
    if freq == "MONTHLY" and by == {"BYDAY"}:
        return "monthly_weekday"
    # The builder offers the due date's day or the last day, not any day of the month.
    if freq == "MONTHLY" and by <= {"BYMONTHDAY"} and parts.get("BYMONTHDAY", "-1") == "-1":
        return "monthly_day"
    return _KIND_OF_FREQ.get(freq) if not by else None


def _ends(parts: dict[str, str]) -> Fields:
    fields: Fields = {"rec_end": "never", "rec_count": "10", "rec_until": ""}
    if "COUNT" in parts:
        fields["rec_end"], fields["rec_count"] = "count", parts["COUNT"]
    elif "UNTIL" in parts:
        day = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        fields["rec_end"], fields["rec_until"] = "until", day.isoformat()
    return fields
