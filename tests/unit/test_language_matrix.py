"""The phrase matrix: a phrase, a frozen clock in a zone → the task fields that result.

Each case runs the phrase through parse_task and then the one set of input rules
(validation.task_create), and checks the stored fields: title, due (as wall-clock time in
the zone, and in UTC where DST makes the difference), the RRULE, priority, tags and the
reminder instant. Clocks sit on the days clocks change in Europe/Berlin (29 Mar, 25 Oct
2026) and America/New_York (8 Mar, 1 Nov 2026), and on month and year ends.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from todo_core.language import parse_task
from todo_core.validation import task_create

CLOCKS = {
    # Saturday evening before spring forward (02:00 → 03:00 on Sunday 29 March)
    "B1": ("Europe/Berlin", datetime(2026, 3, 28, 22, 0)),
    # Saturday before fall back (03:00 → 02:00 on Sunday 25 October)
    "B2": ("Europe/Berlin", datetime(2026, 10, 24, 10, 0)),
    # Saturday evening before spring forward (02:00 → 03:00 on Sunday 8 March)
    "N1": ("America/New_York", datetime(2026, 3, 7, 20, 0)),
    # Saturday 31 October, late, before fall back (02:00 → 01:00 on Sunday 1 November)
    "N2": ("America/New_York", datetime(2026, 10, 31, 23, 30)),
    # Saturday 31 January, a month end
    "T": ("Asia/Tokyo", datetime(2026, 1, 31, 8, 0)),
    # Monday 28 February of a leap year
    "U": ("UTC", datetime(2028, 2, 28, 12, 0)),
    # Thursday 31 December, the year end
    "K": ("Asia/Kolkata", datetime(2026, 12, 31, 18, 0)),
}

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

# (clock, phrase, expected); due/remind are wall-clock times in the clock's zone.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # ---- Berlin, the evening before spring forward ----
    (
        "B1",
        "call mom tomorrow at 5pm",
        {"title": "call mom", "due": "2026-03-29 17:00", "utc": "2026-03-29 15:00"},
    ),
    (
        "B1",
        "deploy tomorrow at 2:30",
        {"title": "deploy", "due": "2026-03-29 03:30", "utc": "2026-03-29 01:30"},
    ),
    ("B1", "backup tomorrow at 2:30am", {"title": "backup", "utc": "2026-03-29 01:30"}),
    (
        "B1",
        "in 2 hours check oven",
        {"title": "check oven", "due": "2026-03-29 00:00", "utc": "2026-03-28 23:00"},
    ),
    (
        "B1",
        "water plants in 5 hours",
        {"title": "water plants", "due": "2026-03-29 04:00", "utc": "2026-03-29 02:00"},
    ),
    (
        "B1",
        "standup every day at 9",
        {
            "title": "standup",
            "due": "2026-03-29 09:00",
            "utc": "2026-03-29 07:00",
            "rrule": "FREQ=DAILY",
        },
    ),
    ("B1", "read tonight", {"title": "read", "due": "2026-03-28 20:00"}),
    ("B1", "pay rent today", {"title": "pay rent", "due": "2026-03-28 23:59"}),
    ("B1", "gym sunday", {"title": "gym", "due": "2026-03-29 09:00", "utc": "2026-03-29 07:00"}),
    ("B1", "gym this sunday", {"title": "gym", "due": "2026-03-29 09:00"}),
    ("B1", "gym next sunday", {"title": "gym", "due": "2026-04-05 09:00"}),
    ("B1", "report next monday 10:30", {"title": "report", "due": "2026-03-30 10:30"}),
    ("B1", "report monday", {"title": "report", "due": "2026-03-30 09:00"}),
    ("B1", "review last friday", {"title": "review", "due": "2026-03-27 09:00"}),
    ("B1", "tax end of month", {"title": "tax", "due": "2026-03-31 23:59"}),
    ("B1", "clean end of week", {"title": "clean", "due": "2026-03-29 23:59"}),
    ("B1", "finish eod", {"title": "finish", "due": "2026-03-28 23:59"}),
    ("B1", "plan next week", {"title": "plan", "due": "2026-03-30 09:00"}),
    ("B1", "budget next month", {"title": "budget", "due": "2026-04-01 09:00"}),
    ("B1", "trip this weekend", {"title": "trip", "due": "2026-03-28 23:59"}),
    ("B1", "trip next weekend", {"title": "trip", "due": "2026-04-04 09:00"}),
    ("B1", "meeting at noon", {"title": "meeting", "due": "2026-03-29 12:00"}),
    ("B1", "meeting at 10", {"title": "meeting", "due": "2026-03-29 10:00"}),
    ("B1", "call at 5", {"title": "call", "due": "2026-03-29 17:00"}),
    ("B1", "call bob at 23:30", {"title": "call bob", "due": "2026-03-28 23:30"}),
    ("B1", "submit 15 april", {"title": "submit", "due": "2026-04-15 09:00"}),
    ("B1", "submit april 15th at 4pm", {"title": "submit", "due": "2026-04-15 16:00"}),
    (
        "B1",
        "dentist 2026-04-01 17:00",
        {"title": "dentist", "due": "2026-04-01 17:00", "utc": "2026-04-01 15:00"},
    ),
    ("B1", "dentist on 3/4 at 2pm", {"title": "dentist", "due": "2026-04-03 14:00"}),
    ("B1", "party 31.12.", {"title": "party", "due": "2026-12-31 09:00"}),
    ("B1", "pay bills the 15th", {"title": "pay bills", "due": "2026-04-15 09:00"}),
    (
        "B1",
        '"monthly report" friday',
        {"title": "monthly report", "due": "2026-04-03 09:00", "rrule": None},
    ),
    (
        "B1",
        "monthly report",
        {"title": "report", "due": "2026-03-29 09:00", "rrule": "FREQ=MONTHLY"},
    ),
    (
        "B1",
        "buy milk #shop p1",
        {"title": "buy milk", "tags": ["shop"], "priority": "high", "due": None},
    ),
    (
        "B1",
        "plan offsite p2 #work #q2",
        {"title": "plan offsite", "tags": ["work", "q2"], "priority": "medium"},
    ),
    ("B1", "fix bug high priority", {"title": "fix bug", "priority": "high"}),
    (
        "B1",
        "water plants low priority every sunday",
        {
            "title": "water plants",
            "priority": "low",
            "rrule": "FREQ=WEEKLY;BYDAY=SU",
            "due": "2026-03-29 09:00",
        },
    ),
    (
        "B1",
        "remind me to call mom tomorrow at 5pm",
        {"title": "call mom", "due": "2026-03-29 17:00", "remind": "2026-03-29 17:00"},
    ),
    (
        "B1",
        "dentist friday at 10 remind me 1 hour before",
        {"title": "dentist", "due": "2026-04-03 10:00", "remind": "2026-04-03 09:00"},
    ),
    (
        "B1",
        "standup every weekday at 9:15",
        {"title": "standup", "due": "2026-03-30 09:15", "rrule": WEEKDAYS},
    ),
    # ---- Berlin, the day before fall back ----
    (
        "B2",
        "deploy tomorrow at 2:30",
        {"title": "deploy", "due": "2026-10-25 02:30", "utc": "2026-10-25 00:30"},
    ),
    (
        "B2",
        "deploy tomorrow at 3:30",
        {"title": "deploy", "due": "2026-10-25 03:30", "utc": "2026-10-25 02:30"},
    ),
    (
        "B2",
        "in 3 hours call",
        {"title": "call", "due": "2026-10-24 13:00", "utc": "2026-10-24 11:00"},
    ),
    (
        "B2",
        "backup in 20 hours",
        {"title": "backup", "due": "2026-10-25 05:00", "utc": "2026-10-25 04:00"},
    ),
    (
        "B2",
        "standup every day at 9",
        {
            "title": "standup",
            "due": "2026-10-25 09:00",
            "utc": "2026-10-25 08:00",
            "rrule": "FREQ=DAILY",
        },
    ),
    (
        "B2",
        "sync every weekday at 8:30",
        {"title": "sync", "due": "2026-10-26 08:30", "utc": "2026-10-26 07:30", "rrule": WEEKDAYS},
    ),
    (
        "B2",
        "review every other friday at 3pm",
        {"title": "review", "due": "2026-10-30 15:00", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"},
    ),
    (
        "B2",
        "report the last friday of every month",
        {"title": "report", "due": "2026-10-30 09:00", "rrule": "FREQ=MONTHLY;BYDAY=-1FR"},
    ),
    (
        "B2",
        "pay rent every last day",
        {"title": "pay rent", "due": "2026-10-31 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"},
    ),
    (
        "B2",
        "pay rent every 1st at 10",
        {"title": "pay rent", "due": "2026-11-01 10:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=1"},
    ),
    (
        "B2",
        "salary every 25th",
        {
            "title": "salary",
            "due": "2026-10-25 09:00",
            "utc": "2026-10-25 08:00",
            "rrule": "FREQ=MONTHLY;BYMONTHDAY=25",
        },
    ),
    (
        "B2",
        "bins every mon and thu at 7am",
        {"title": "bins", "due": "2026-10-26 07:00", "rrule": "FREQ=WEEKLY;BYDAY=MO,TH"},
    ),
    (
        "B2",
        "yoga on mondays and wednesdays at 7pm",
        {"title": "yoga", "due": "2026-10-26 19:00", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE"},
    ),
    (
        "B2",
        "birthday every march 15",
        {"title": "birthday", "due": "2027-03-15 09:00", "rrule": "FREQ=YEARLY"},
    ),
    (
        "B2",
        "anniversary every 24 october",
        {"title": "anniversary", "due": "2027-10-24 09:00", "rrule": "FREQ=YEARLY"},
    ),
    (
        "B2",
        "gym every 3 days until 30 november",
        {
            "title": "gym",
            "due": "2026-10-25 09:00",
            "rrule": "FREQ=DAILY;INTERVAL=3;UNTIL=20261130T235959",
        },
    ),
    (
        "B2",
        "pills daily at 8am for 10 times",
        {"title": "pills", "due": "2026-10-25 08:00", "rrule": "FREQ=DAILY;COUNT=10"},
    ),
    (
        "B2",
        "newsletter every 2 weeks on mon and thu",
        {
            "title": "newsletter",
            "due": "2026-10-26 09:00",
            "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        },
    ),
    (
        "B2",
        "board every second tuesday of the month",
        {"title": "board", "due": "2026-11-10 09:00", "rrule": "FREQ=MONTHLY;BYDAY=2TU"},
    ),
    (
        "B2",
        "bins every 2nd wednesday",
        {"title": "bins", "due": "2026-10-28 09:00", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"},
    ),
    (
        "B2",
        "fortnightly review",
        {"title": "review", "due": "2026-10-25 09:00", "rrule": "FREQ=WEEKLY;INTERVAL=2"},
    ),
    (
        "B2",
        "weekly report on friday",
        {"title": "report", "due": "2026-10-30 09:00", "rrule": "FREQ=WEEKLY"},
    ),
    (
        "B2",
        "every weekend clean house",
        {"title": "clean house", "due": "2026-10-25 09:00", "rrule": "FREQ=WEEKLY;BYDAY=SA,SU"},
    ),
    (
        "B2",
        "water plants every 2 days",
        {"title": "water plants", "due": "2026-10-25 09:00", "rrule": "FREQ=DAILY;INTERVAL=2"},
    ),
    (
        "B2",
        "every year on 3 jan dentist",
        {"title": "dentist", "due": "2027-01-03 09:00", "rrule": "FREQ=YEARLY"},
    ),
    (
        "B2",
        "team lunch every other week",
        {"title": "team lunch", "due": "2026-10-25 09:00", "rrule": "FREQ=WEEKLY;INTERVAL=2"},
    ),
    (
        "B2",
        "quarterly review every 3 months",
        {
            "title": "quarterly review",
            "due": "2026-10-25 09:00",
            "rrule": "FREQ=MONTHLY;INTERVAL=3",
        },
    ),
    ("B2", "call grandma in 2 days", {"title": "call grandma", "due": "2026-10-26 09:00"}),
    ("B2", "renew passport in 1 month", {"title": "renew passport", "due": "2026-11-24 09:00"}),
    ("B2", "in a week check results", {"title": "check results", "due": "2026-10-31 09:00"}),
    ("B2", "holiday in 2 weeks", {"title": "holiday", "due": "2026-11-07 09:00"}),
    (
        "B2",
        "maintenance at 2:30 sunday",
        {"title": "maintenance", "due": "2026-10-25 02:30", "utc": "2026-10-25 00:30"},
    ),
    # ---- New York, the evening before spring forward ----
    (
        "N1",
        "deploy tomorrow at 2:30",
        {"title": "deploy", "due": "2026-03-08 03:30", "utc": "2026-03-08 07:30"},
    ),
    (
        "N1",
        "deploy tomorrow at 1:30",
        {"title": "deploy", "due": "2026-03-08 01:30", "utc": "2026-03-08 06:30"},
    ),
    (
        "N1",
        "in 2 hours check",
        {"title": "check", "due": "2026-03-07 22:00", "utc": "2026-03-08 03:00"},
    ),
    (
        "N1",
        "in 8 hours check",
        {"title": "check", "due": "2026-03-08 05:00", "utc": "2026-03-08 09:00"},
    ),
    (
        "N1",
        "dentist on 3/4 at 2pm",
        {"title": "dentist", "due": "2027-03-04 14:00", "utc": "2027-03-04 19:00"},
    ),
    ("N1", "party 12/31", {"title": "party", "due": "2026-12-31 09:00"}),
    (
        "N1",
        "report 4/15 at 9am",
        {"title": "report", "due": "2026-04-15 09:00", "utc": "2026-04-15 13:00"},
    ),
    (
        "N1",
        "standup every weekday at 9",
        {
            "title": "standup",
            "due": "2026-03-09 09:00",
            "utc": "2026-03-09 13:00",
            "rrule": WEEKDAYS,
        },
    ),
    (
        "N1",
        "run every day at 7am",
        {
            "title": "run",
            "due": "2026-03-08 07:00",
            "utc": "2026-03-08 11:00",
            "rrule": "FREQ=DAILY",
        },
    ),
    (
        "N1",
        "call mom sunday at 2:30pm",
        {"title": "call mom", "due": "2026-03-08 14:30", "utc": "2026-03-08 18:30"},
    ),
    ("N1", "tax return end of month", {"title": "tax return", "due": "2026-03-31 23:59"}),
    ("N1", "read tonight", {"title": "read", "due": "2026-03-07 20:00"}),
    (
        "N1",
        "buy gift tomorrow #family p1",
        {
            "title": "buy gift",
            "due": "2026-03-08 09:00",
            "utc": "2026-03-08 13:00",
            "tags": ["family"],
            "priority": "high",
        },
    ),
    ("N1", "renew in 1 month", {"title": "renew", "due": "2026-04-07 09:00"}),
    ("N1", "pay bills next friday", {"title": "pay bills", "due": "2026-03-13 09:00"}),
    ("N1", "pay bills this friday", {"title": "pay bills", "due": "2026-03-13 09:00"}),
    ("N1", "email bob at 6", {"title": "email bob", "due": "2026-03-08 18:00"}),
    ("N1", "email bob at 9pm", {"title": "email bob", "due": "2026-03-07 21:00"}),
    (
        "N1",
        "remind me to stretch in 30 minutes",
        {"title": "stretch", "utc": "2026-03-08 01:30", "remind": "2026-03-07 20:30"},
    ),
    (
        "N1",
        "remind me to call dad at 8pm tomorrow",
        {"title": "call dad", "due": "2026-03-08 20:00", "remind": "2026-03-08 20:00"},
    ),
    (
        "N1",
        "board meeting every first monday",
        {"title": "board meeting", "due": "2026-04-06 09:00", "rrule": "FREQ=MONTHLY;BYDAY=1MO"},
    ),
    (
        "N1",
        "clean gutters every march 10",
        {
            "title": "clean gutters",
            "due": "2026-03-10 09:00",
            "utc": "2026-03-10 13:00",
            "rrule": "FREQ=YEARLY",
        },
    ),
    (
        "N1",
        "rent every 1st",
        {"title": "rent", "due": "2026-04-01 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=1"},
    ),
    (
        "N1",
        '"every day" notebook tomorrow',
        {"title": "every day notebook", "due": "2026-03-08 09:00", "rrule": None},
    ),
    (
        "N1",
        "'weekly' newsletter draft",
        {"title": "weekly newsletter draft", "due": None, "rrule": None},
    ),
    ("N1", "pills every 8 hours", {"title": "pills every 8 hours", "due": None, "rrule": None}),
    ("N1", "lock up at midnight", {"title": "lock up", "due": "2026-03-07 23:59"}),
    ("N1", "party next saturday at 8pm", {"title": "party", "due": "2026-03-14 20:00"}),
    # ---- New York, 31 October, before fall back ----
    (
        "N2",
        "deploy tomorrow at 1:30",
        {"title": "deploy", "due": "2026-11-01 01:30", "utc": "2026-11-01 05:30"},
    ),
    (
        "N2",
        "deploy tomorrow at 2:30",
        {"title": "deploy", "due": "2026-11-01 02:30", "utc": "2026-11-01 07:30"},
    ),
    (
        "N2",
        "check in 2 hours",
        {"title": "check", "due": "2026-11-01 01:30", "utc": "2026-11-01 05:30"},
    ),
    (
        "N2",
        "in 3 hours check",
        {"title": "check", "due": "2026-11-01 01:30", "utc": "2026-11-01 06:30"},
    ),
    ("N2", "tax end of month", {"title": "tax", "due": "2026-10-31 23:59"}),
    (
        "N2",
        "pay rent tomorrow",
        {"title": "pay rent", "due": "2026-11-01 09:00", "utc": "2026-11-01 14:00"},
    ),
    (
        "N2",
        "standup every day at 9",
        {
            "title": "standup",
            "due": "2026-11-01 09:00",
            "utc": "2026-11-01 14:00",
            "rrule": "FREQ=DAILY",
        },
    ),
    ("N2", "renew in 1 month", {"title": "renew", "due": "2026-11-30 09:00"}),
    (
        "N2",
        "invoice every last day at 5pm",
        {"title": "invoice", "due": "2026-11-30 17:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"},
    ),
    (
        "N2",
        "invoice every 31st",
        {"title": "invoice", "due": "2026-12-31 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31"},
    ),
    ("N2", "pay bills the 31st", {"title": "pay bills", "due": "2026-10-31 23:59"}),
    ("N2", "pay bills the 30th", {"title": "pay bills", "due": "2026-11-30 09:00"}),
    ("N2", "call mom next month", {"title": "call mom", "due": "2026-11-01 09:00"}),
    ("N2", "trip next week", {"title": "trip", "due": "2026-11-02 09:00"}),
    ("N2", "eom report", {"title": "report", "due": "2026-10-31 23:59"}),
    ("N2", "review in 1 week", {"title": "review", "due": "2026-11-07 09:00"}),
    (
        "N2",
        "dinner at 7pm tomorrow #family",
        {
            "title": "dinner",
            "due": "2026-11-01 19:00",
            "utc": "2026-11-02 00:00",
            "tags": ["family"],
        },
    ),
    (
        "N2",
        "remind me to vote 11/3 at 8am",
        {"title": "vote", "due": "2026-11-03 08:00", "remind": "2026-11-03 08:00"},
    ),
    (
        "N2",
        "prep every 4th thursday of the month",
        {"title": "prep", "due": "2026-11-26 09:00", "rrule": "FREQ=MONTHLY;BYDAY=4TH"},
    ),
    (
        "N2",
        "halloween every october 31",
        {"title": "halloween", "due": "2027-10-31 09:00", "rrule": "FREQ=YEARLY"},
    ),
    (
        "N2",
        "weekly review every friday at 4pm until dec 31",
        {
            "title": "weekly review",
            "due": "2026-11-06 16:00",
            "rrule": "FREQ=WEEKLY;BYDAY=FR;UNTIL=20261231T235959",
        },
    ),
    # ---- Tokyo, 31 January ----
    ("T", "pay rent in 1 month", {"title": "pay rent", "due": "2026-02-28 09:00"}),
    ("T", "pay rent in 2 months", {"title": "pay rent", "due": "2026-03-31 09:00"}),
    ("T", "report end of month", {"title": "report", "due": "2026-01-31 23:59"}),
    (
        "T",
        "close books every last day at 6pm",
        {
            "title": "close books",
            "due": "2026-01-31 18:00",
            "utc": "2026-01-31 09:00",
            "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1",
        },
    ),
    (
        "T",
        "invoice every 30th",
        {"title": "invoice", "due": "2026-03-30 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=30"},
    ),
    ("T", "budget next month", {"title": "budget", "due": "2026-02-01 09:00"}),
    (
        "T",
        "standup every weekday at 9",
        {
            "title": "standup",
            "due": "2026-02-02 09:00",
            "utc": "2026-02-02 00:00",
            "rrule": WEEKDAYS,
        },
    ),
    ("T", "laundry this weekend", {"title": "laundry", "due": "2026-01-31 09:00"}),
    ("T", "call mom today", {"title": "call mom", "due": "2026-01-31 09:00"}),
    ("T", "call mom today at 7", {"title": "call mom", "due": "2026-01-31 07:00"}),
    ("T", "call at 7", {"title": "call", "due": "2026-02-01 07:00"}),
    ("T", "gym tomorrow morning", {"title": "gym", "due": "2026-02-01 09:00"}),
    ("T", "gym tomorrow evening", {"title": "gym", "due": "2026-02-01 19:00"}),
    ("T", "gym tomorrow afternoon", {"title": "gym", "due": "2026-02-01 15:00"}),
    ("T", "gym in the evening", {"title": "gym", "due": "2026-01-31 19:00"}),
    ("T", "dentist 2/3", {"title": "dentist", "due": "2026-03-02 09:00"}),
    ("T", "exam feb 29", {"title": "exam", "due": "2028-02-29 09:00"}),
    (
        "T",
        "exam on 3 feb at 13:45 p1 #school",
        {"title": "exam", "due": "2026-02-03 13:45", "priority": "high", "tags": ["school"]},
    ),
    ("T", "meet the day after tomorrow", {"title": "meet", "due": "2026-02-02 09:00"}),
    (
        "T",
        "weekly sync every monday 10:00",
        {"title": "weekly sync", "due": "2026-02-02 10:00", "rrule": "FREQ=WEEKLY;BYDAY=MO"},
    ),
    (
        "T",
        "every 15th pay card",
        {"title": "pay card", "due": "2026-02-15 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=15"},
    ),
    (
        "T",
        "every month on the 15th pay card",
        {"title": "pay card", "due": "2026-02-15 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=15"},
    ),
    (
        "T",
        "yearly checkup on 3 feb",
        {"title": "checkup", "due": "2026-02-03 09:00", "rrule": "FREQ=YEARLY"},
    ),
    # ---- UTC, 28 February of a leap year ----
    ("U", "leap day party tomorrow", {"title": "leap day party", "due": "2028-02-29 09:00"}),
    ("U", "pay rent in 1 month", {"title": "pay rent", "due": "2028-03-28 09:00"}),
    ("U", "report end of month", {"title": "report", "due": "2028-02-29 23:59"}),
    (
        "U",
        "invoice every last day",
        {"title": "invoice", "due": "2028-02-29 09:00", "rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"},
    ),
    (
        "U",
        "celebrate every feb 29",
        {"title": "celebrate", "due": "2028-02-29 09:00", "rrule": "FREQ=YEARLY"},
    ),
    ("U", "review this friday", {"title": "review", "due": "2028-03-03 09:00"}),
    ("U", "review last monday", {"title": "review", "due": "2028-02-21 09:00"}),
    ("U", "review monday", {"title": "review", "due": "2028-03-06 09:00"}),
    ("U", "review this monday", {"title": "review", "due": "2028-02-28 23:59"}),
    (
        "U",
        "standup every weekday at 9",
        {"title": "standup", "due": "2028-02-29 09:00", "rrule": WEEKDAYS},
    ),
    (
        "U",
        "sprint every 2 weeks on monday at 10",
        {"title": "sprint", "due": "2028-03-06 10:00", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"},
    ),
    ("U", "plan 1/3", {"title": "plan", "due": "2028-03-01 09:00"}),
    ("U", "at 3pm call", {"title": "call", "due": "2028-02-28 15:00"}),
    ("U", "call @ 4pm", {"title": "call", "due": "2028-02-28 16:00"}),
    (
        "U",
        "remind me to stretch every day at 10am",
        {
            "title": "stretch",
            "due": "2028-02-29 10:00",
            "rrule": "FREQ=DAILY",
            "remind": "2028-02-29 10:00",
        },
    ),
    (
        "U",
        "submit report by friday 5pm p1",
        {"title": "submit report", "due": "2028-03-03 17:00", "priority": "high"},
    ),
    ("U", "tidy desk in 45 minutes", {"title": "tidy desk", "due": "2028-02-28 12:45"}),
    ("U", "stand up in half an hour", {"title": "stand up", "due": "2028-02-28 12:30"}),
    ("U", "call in an hour", {"title": "call", "due": "2028-02-28 13:00"}),
    ("U", "call in a couple of days", {"title": "call", "due": "2028-03-01 09:00"}),
    # ---- Kolkata, the year end ----
    (
        "K",
        "new year party tomorrow at 8pm",
        {"title": "new year party", "due": "2027-01-01 20:00", "utc": "2027-01-01 14:30"},
    ),
    ("K", "plan in 1 month", {"title": "plan", "due": "2027-01-31 09:00"}),
    (
        "K",
        "dinner tonight",
        {"title": "dinner", "due": "2026-12-31 20:00", "utc": "2026-12-31 14:30"},
    ),
    ("K", "review next week", {"title": "review", "due": "2027-01-04 09:00"}),
    ("K", "tax next year", {"title": "tax", "due": "2027-01-01 09:00"}),
    (
        "K",
        "every jan 1 resolutions",
        {"title": "resolutions", "due": "2027-01-01 09:00", "rrule": "FREQ=YEARLY"},
    ),
    ("K", "call 1st of january", {"title": "call", "due": "2027-01-01 09:00"}),
    ("K", "report end of week", {"title": "report", "due": "2027-01-03 23:59"}),
    (
        "K",
        "gym every mon, wed and fri at 6:30am",
        {"title": "gym", "due": "2027-01-01 06:30", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR"},
    ),
    (
        "K",
        "backup every sunday at 2am for 5 times",
        {"title": "backup", "due": "2027-01-03 02:00", "rrule": "FREQ=WEEKLY;BYDAY=SU;COUNT=5"},
    ),
    ("K", "p3 tidy desk", {"title": "tidy desk", "priority": "low", "due": None}),
    (
        "K",
        "report tomorrow 9am remind me 15 minutes before #work",
        {
            "title": "report",
            "due": "2027-01-01 09:00",
            "remind": "2027-01-01 08:45",
            "tags": ["work"],
        },
    ),
    (
        "K",
        "remind me at 4pm to call mom tomorrow",
        {"title": "call mom", "due": "2027-01-01 16:00", "remind": "2027-01-01 16:00"},
    ),
    ("K", "ship #tag-with-dash", {"title": "ship", "tags": ["tag-with-dash"]}),
    (
        "K",
        "buy milk and eggs",
        {
            "title": "buy milk and eggs",
            "due": None,
            "rrule": None,
            "priority": "medium",
            "tags": [],
        },
    ),
    ("K", "call mom's friend today", {"title": "call mom's friend", "due": "2026-12-31 23:59"}),
    (
        "K",
        'read "the sun also rises" sunday',
        {"title": "read the sun also rises", "due": "2027-01-03 09:00"},
    ),
    ("K", "meet sat", {"title": "meet sat", "due": None}),
    ("K", "meet on sat", {"title": "meet", "due": "2027-01-02 09:00"}),
    (
        "K",
        "pay invoice 2027-01-15 p2 #finance with a reminder",
        {
            "title": "pay invoice",
            "due": "2027-01-15 09:00",
            "priority": "medium",
            "tags": ["finance"],
            "remind": "2027-01-15 09:00",
        },
    ),
    (
        "K",
        "yoga every tuesday and thursday at 7 until 31 jan",
        {
            "title": "yoga",
            "due": "2027-01-05 07:00",
            "rrule": "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270131T235959",
        },
    ),
    (
        "K",
        "check smoke alarm every 6 months",
        {
            "title": "check smoke alarm",
            "due": "2027-01-01 09:00",
            "rrule": "FREQ=MONTHLY;INTERVAL=6",
        },
    ),
    (
        "K",
        "water plants every weekday",
        {"title": "water plants", "due": "2027-01-01 09:00", "rrule": WEEKDAYS},
    ),
    (
        "K",
        "renew domain annually on 5 march",
        {"title": "renew domain", "due": "2027-03-05 09:00", "rrule": "FREQ=YEARLY"},
    ),
    (
        "K",
        "file taxes by 31 march 2027 at 11:59pm",
        {"title": "file taxes", "due": "2027-03-31 23:59"},
    ),
    (
        "K",
        "gym every tue thu sat",
        {"title": "gym", "due": "2027-01-02 09:00", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH,SA"},
    ),
]


def _wall(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


@pytest.mark.parametrize(
    ("clock", "phrase", "expected"), CASES, ids=[f"{c}:{p}" for c, p, _ in CASES]
)
def test_phrase_gives_task_fields(clock: str, phrase: str, expected: dict[str, Any]) -> None:
    zone, local_now = CLOCKS[clock]
    now = local_now.replace(tzinfo=ZoneInfo(zone))
    task = task_create(parse_task(phrase, zone, now).task_input(), zone)
    assert task.title == expected["title"]
    if "due" in expected:
        due = None if task.due_at is None else _wall(task.due_at, zone)
        assert due == expected["due"]
    if "utc" in expected:
        assert task.due_at is not None
        assert f"{task.due_at.astimezone(UTC):%Y-%m-%d %H:%M}" == expected["utc"]
    if "rrule" in expected:
        assert task.rrule == expected["rrule"]
    if "priority" in expected:
        assert task.priority.value == expected["priority"]
    if "tags" in expected:
        assert task.tags == expected["tags"]
    if "remind" in expected:
        assert task.remind_at is not None
        assert _wall(task.remind_at, zone) == expected["remind"]
    else:
        assert task.remind_at is None


def test_matrix_size_and_zones() -> None:
    assert len(CASES) >= 150
    assert {CLOCKS[c][0] for c, _, _ in CASES} >= {
        "Europe/Berlin",
        "America/New_York",
        "Asia/Tokyo",
    }
