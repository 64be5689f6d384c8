"""Vocabulary shared by the rules: weekdays, months, small numbers, ordinals, title leads."""

import re

WEEKDAY_WORDS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
# Whole names stand alone ("friday"); abbreviations ("sat", "sun", "wed" are also words)
# count only after a word like "on", "next" or "every".
WEEKDAY_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
WEEKDAY_ANY = (
    r"(?:monday|mon|tuesday|tues|tue|wednesday|weds|wed|thursday|thurs|thur|thu"
    r"|friday|fri|saturday|sat|sunday|sun)"
)
MONTH_WORDS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
MONTH_ANY = "(?:" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + ")"
SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a few": 3,
}  # fmt: skip
NUMBER = (
    r"(?:\d{1,3}|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve)"
)
ORDINAL_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "last": -1,
}  # fmt: skip
ORDINAL = r"(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def number(word: str) -> int:
    word = " ".join(word.split())
    return int(word) if word.isdigit() else SMALL_NUMBERS[word]


# What people put before a task that is not part of it ("I need to call the bank"): a row
# per phrase, longest first when matched. Chat reads them as "add"; titles drop them.
TITLE_LEADS = (
    "don't let me forget to", "dont let me forget to", "do not let me forget to",
    "don't forget to", "dont forget to", "do not forget to", "note to self:", "note to self",
    "i need to", "i have to", "i must", "i should", "i gotta", "need to", "have to",
    "remember to", "gotta", "todo:", "to-do:", "to do:",
)  # fmt: skip
LEAD = (
    "(?:"
    + "|".join(
        re.escape(lead).replace(r"\ ", r"\s+").replace("'", "'?")
        for lead in sorted(TITLE_LEADS, key=len, reverse=True)
    )
    + ")"
)


def strip_lead(title: str) -> str:
    """The title without a leading "I need to" (the rest keeps its casing)."""
    match = re.match(LEAD + r"\s*", title, flags=re.IGNORECASE)
    return title[match.end() :].strip() if match and match.end() < len(title) else title
