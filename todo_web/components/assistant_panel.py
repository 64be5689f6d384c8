"""The assistant panel beside the task list: turns, answers as buttons, actions linking to
their tasks, and a message box that keeps its text when sending fails. Ctrl+/ (⌘+/ on a
Mac) opens and closes it, like the button."""

import reflex as rx

from todo_web.states.assistant import (
    GREETING,
    INPUT_ID,
    SHORTCUT_SCRIPT,
    ActionView,
    AssistantState,
    TurnView,
)
from todo_web.states.editor import EditorState


def assistant_toggle() -> rx.Component:
    return rx.button(
        rx.icon("message_circle", size=16),
        rx.text("Assistant", display=["none", "inline"]),
        type="button",
        variant=rx.cond(AssistantState.open, "solid", "soft"),
        size="3",
        on_click=AssistantState.toggle,
        title="Assistant (Ctrl+/)",
        aria_expanded=rx.cond(AssistantState.open, "true", "false"),
        custom_attrs={"data-testid": "assistant-toggle"},
    )


def _action(action: ActionView) -> rx.Component:
    return rx.vstack(
        _action_link(action),
        rx.foreach(
            action.changes,
            lambda change: rx.text(
                change,
                size="1",
                color_scheme="gray",
                custom_attrs={"data-testid": "assistant-change"},
            ),
        ),
        spacing="0",
    )


def _action_link(action: ActionView) -> rx.Component:
    label = rx.text(action.kind + ": " + action.title, size="1")
    return rx.cond(
        action.linked,
        rx.link(
            label,
            href="#",
            on_click=EditorState.open_task(action.task_id).prevent_default,  # type: ignore[operator]
            custom_attrs={"data-testid": "assistant-action"},
        ),
        rx.box(label, custom_attrs={"data-testid": "assistant-action"}),
    )


def _turn(turn: TurnView) -> rx.Component:
    mine = turn.role == "user"
    return rx.vstack(
        rx.box(
            rx.text(turn.text, white_space="pre-wrap", size="2"),
            background=rx.cond(mine, "var(--accent-4)", "var(--gray-3)"),
            padding="2",
            border_radius="var(--radius-3)",
            max_width="90%",
            custom_attrs={"data-testid": rx.cond(mine, "turn-user", "turn-assistant")},
        ),
        rx.cond(
            turn.understood.length() > 0,  # type: ignore[attr-defined]
            rx.flex(
                rx.foreach(
                    turn.understood,
                    lambda label: rx.badge(label, variant="soft", size="1", radius="full"),
                ),
                spacing="1",
                wrap="wrap",
                custom_attrs={"data-testid": "assistant-understood"},
            ),
        ),
        rx.foreach(turn.actions, _action),
        rx.cond(
            turn.undoable,
            rx.button(
                rx.icon("undo_2", size=14),
                "Undo",
                size="1",
                variant="soft",
                type="button",
                on_click=AssistantState.answer("undo"),  # type: ignore[operator]
                custom_attrs={"data-testid": "assistant-undo"},
            ),
        ),
        rx.cond(
            turn.options.length() > 0,  # type: ignore[attr-defined]
            rx.flex(
                rx.foreach(
                    turn.options,
                    lambda option: rx.button(
                        option,
                        size="1",
                        variant="outline",
                        type="button",
                        on_click=AssistantState.answer(option),  # type: ignore[operator]
                        custom_attrs={"data-testid": "assistant-option"},
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
        ),
        align=rx.cond(mine, "end", "start"),
        width="100%",
        spacing="1",
    )


def assistant_panel() -> rx.Component:
    return rx.fragment(
        rx.script(SHORTCUT_SCRIPT),
        rx.cond(
            AssistantState.open,
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.heading("Assistant", size="3"),
                        rx.spacer(),
                        rx.button(
                            "New",
                            size="1",
                            variant="ghost",
                            type="button",
                            on_click=AssistantState.start_over,
                            custom_attrs={"data-testid": "assistant-new"},
                        ),
                        rx.icon_button(
                            rx.icon("x", size=14),
                            size="1",
                            variant="ghost",
                            type="button",
                            on_click=AssistantState.toggle,
                            aria_label="Close the assistant",
                        ),
                        width="100%",
                        align="center",
                    ),
                    rx.scroll_area(
                        rx.vstack(
                            rx.cond(
                                AssistantState.turns.length() == 0,  # type: ignore[attr-defined]
                                rx.text(GREETING, size="2", color_scheme="gray"),
                            ),
                            rx.foreach(AssistantState.turns, _turn),
                            rx.box(id="assistant-end"),
                            spacing="3",
                            width="100%",
                            custom_attrs={"data-testid": "assistant-turns"},
                        ),
                        type="auto",
                        scrollbars="vertical",
                        max_height="60vh",
                    ),
                    rx.form(
                        rx.hstack(
                            rx.input(
                                id=INPUT_ID,
                                name="message",
                                placeholder="Ask or tell me something",
                                flex="1",
                                aria_label="Message to the assistant",
                                custom_attrs={"data-testid": "assistant-input"},
                            ),
                            rx.button(
                                rx.icon("send", size=14),
                                type="submit",
                                loading=AssistantState.sending,
                                aria_label="Send",
                                custom_attrs={"data-testid": "assistant-send"},
                            ),
                            width="100%",
                        ),
                        on_submit=AssistantState.send,
                        width="100%",
                    ),
                    rx.cond(
                        AssistantState.error != "",
                        rx.text(
                            AssistantState.error,
                            color_scheme="red",
                            size="1",
                            role="alert",
                            custom_attrs={"data-testid": "assistant-error"},
                        ),
                    ),
                    width="100%",
                    spacing="3",
                ),
                width=["100%", "100%", "24em"],
                flex_shrink="0",
                # A bottom sheet on phones, over the list; beside it from md up.
                position=["fixed", "fixed", "static"],
                bottom="0",
                left="0",
                z_index="20",
                max_height=["85vh", "85vh", "none"],
                box_shadow=["0 -8px 24px var(--black-a6)", "0 -8px 24px var(--black-a6)", "none"],
                custom_attrs={"data-testid": "assistant-panel"},
            ),
        ),
    )
