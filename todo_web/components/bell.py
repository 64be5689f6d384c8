"""The notifications bell: unread count on the button, the list in a popover."""

import reflex as rx

from todo_web.states.notifications import ASK_PERMISSION, NotificationState
from todo_web.states.snooze_choices import CHOICES
from todo_web.states.views import NotificationRow


def _snooze(item: NotificationRow) -> rx.Component:
    """Remind again: 10 min, 1 h, tomorrow morning, or a picked time."""
    return rx.vstack(
        rx.hstack(
            rx.text("Snooze", size="1", color="var(--gray-11)"),
            *[
                rx.button(label, size="1", variant="soft",
                          on_click=NotificationState.snooze(item.task_id, item.id, choice),  # type: ignore[operator]
                          custom_attrs={"data-testid": f"snooze-{choice}"})
                for choice, label in CHOICES.items()
            ],
            spacing="1",
            align="center",
            wrap="wrap",
        ),
        rx.form(
            rx.hstack(
                rx.el.input(type="hidden", name="task_id", value=item.task_id),
                rx.el.input(type="hidden", name="notification_id", value=item.id),
                rx.input(type="datetime-local", name="until", size="1",
                         aria_label="Snooze until", custom_attrs={"data-testid": "snooze-at"}),
                rx.button("Snooze", size="1", variant="soft", type="submit",
                          custom_attrs={"data-testid": "snooze-pick"}),
                spacing="1",
                align="center",
            ),
            on_submit=NotificationState.snooze_picked,
        ),
        spacing="1",
        width="100%",
    )  # fmt: skip


def _item(item: NotificationRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("alarm_clock", size=16),
            rx.vstack(
                rx.text(item.title, size="2", weight="medium"),
                rx.text(item.when, size="1", color_scheme="gray"),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.icon_button(
                rx.icon("check", size=14),
                size="1",
                variant="ghost",
                aria_label="Mark as read",
                on_click=NotificationState.mark_read(item.id),  # type: ignore[operator]
            ),
            align="center",
            width="100%",
        ),
        _snooze(item),
        spacing="1",
        width="100%",
        padding_bottom="var(--space-2)",
        border_bottom="1px solid var(--gray-a4)",
        custom_attrs={"data-testid": "notification"},
    )


def bell() -> rx.Component:
    count = NotificationState.badge
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("bell", size=18),
                rx.cond(
                    count != "",
                    rx.badge(
                        count,
                        color_scheme="red",
                        variant="solid",
                        radius="full",
                        custom_attrs={"data-testid": "bell-count"},
                    ),
                ),
                variant="ghost",
                aria_label="Notifications",
                custom_attrs={"data-testid": "bell"},
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.hstack(
                    rx.text("Reminders", weight="bold"),
                    rx.spacer(),
                    rx.cond(
                        NotificationState.unread_count > 0,
                        rx.button(
                            "Mark all read",
                            size="1",
                            variant="soft",
                            on_click=NotificationState.mark_all_read,
                        ),
                    ),
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    NotificationState.unread_count > 0,
                    rx.vstack(rx.foreach(NotificationState.items, _item), width="100%"),
                    rx.text(
                        "No new reminders. They appear here when a task's reminder is due.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.button(
                    "Allow desktop notifications",
                    size="1",
                    variant="ghost",
                    on_click=ASK_PERMISSION,
                ),
                width="100%",
                spacing="3",
            ),
            width=["90vw", "360px"],
            aria_label="Reminders",  # the popover is a dialog: it needs a name
            custom_attrs={"data-testid": "bell-list"},
        ),
    )
