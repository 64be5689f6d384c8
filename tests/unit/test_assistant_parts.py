"""The assistant's pure parts: naming a task fuzzily, quick add's chips, turns for the UI."""

import uuid

from todo_core.models import Status
from todo_core.repositories.tasks import TaskName
from todo_web.assistant.conversations import Conversation
from todo_web.assistant.matching import candidates
from todo_web.states.assistant import turn_views
from todo_web.states.quick_add import quick_chips, unchip


def _names(*titles: str, status: Status = Status.OPEN) -> list[TaskName]:
    return [TaskName(uuid.uuid4(), t, status) for t in titles]


def test_an_exact_or_clearly_best_title_is_the_one_meant() -> None:
    names = _names("Pay the phone bill", "Call the plumber", "Buy oat milk")
    assert [n.title for n in candidates("call the plumber", names, Status.OPEN)] == [
        "Call the plumber"
    ]
    assert [n.title for n in candidates("plumber", names, Status.OPEN)] == ["Call the plumber"]
    assert [n.title for n in candidates("oat milk", names, Status.OPEN)] == ["Buy oat milk"]


def test_close_titles_become_a_question_and_nothing_is_no_match() -> None:
    names = _names("pay the phone bill", "pay the water bill", "walk the dog")
    found = candidates("pay bill", names, Status.OPEN)
    assert sorted(n.title for n in found) == ["pay the phone bill", "pay the water bill"]
    assert candidates("quantum chromodynamics", names, Status.OPEN) == []


def test_the_expected_state_comes_first() -> None:
    done = _names("water plants", status=Status.DONE)
    open_ = _names("water plants")
    assert candidates("water plants", done + open_, Status.DONE) == done
    assert candidates("water plants", done + open_, Status.OPEN) == open_


def test_chips_and_removing_one() -> None:
    text = "pay rent every 1st at 10 #home p1"
    kinds = [c.kind for c in quick_chips(text, "Europe/Berlin")]
    assert sorted(kinds) == ["due", "priority", "repeat", "tag"]
    index = kinds.index("tag")
    assert unchip(text, "Europe/Berlin", index) == 'pay rent every 1st at 10 "#home" p1'
    assert quick_chips("   ", "UTC") == []


def test_only_the_newest_question_offers_buttons() -> None:
    conv = Conversation(id="c", owner="u")
    conv.turns = [
        {"role": "user", "text": "delete a", "at": "t"},
        {"role": "assistant", "text": "Delete “a”?", "options": ["Yes", "No"], "actions": []},
        {"role": "user", "text": "no", "at": "t"},
        {"role": "assistant", "text": "OK", "options": [], "actions": []},
    ]
    assert [v.options for v in turn_views(conv)] == [[], [], [], []]
    conv.turns = conv.turns[:2]
    conv.pending = {"kind": "confirm"}
    assert turn_views(conv)[-1].options == ["Yes", "No"]


def test_turns_are_capped(monkeypatch) -> None:
    monkeypatch.setenv("CHAT_MAX_TURNS", "4")
    from todo_core.settings import get_settings

    get_settings.cache_clear()
    try:
        conv = Conversation(id="c", owner="u")
        for i in range(5):
            conv.add_turns([{"role": "user", "text": f"m{i}"}, {"role": "assistant", "text": "r"}])
        assert [t["text"] for t in conv.turns] == ["m3", "r", "m4", "r"]
        assert conv.title == "m0"
    finally:
        get_settings.cache_clear()


def test_an_add_shows_what_was_understood() -> None:
    conv = Conversation(id="c", owner="u")
    parsed = {"chips": [{"kind": "tag", "label": "#home", "spans": [[0, 5]]}]}
    conv.turns = [{"role": "assistant", "text": "Added", "parsed": parsed, "actions": []}]
    assert turn_views(conv)[0].understood == ["#home"]
