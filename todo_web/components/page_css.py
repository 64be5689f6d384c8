"""The few rules Radix's props cannot say: a visible focus on rows (the keyboard's cursor),
and touch targets of at least 44 px on phones (WCAG 2.5.5, Apple's and Google's guidance)."""

import reflex as rx

PAGE_CSS = """
.task-row { outline: none; }
.task-row:focus-visible, .task-row:focus {
  outline: 2px solid var(--accent-9); outline-offset: -2px; background: var(--accent-a3);
}
.check-target { display: flex; align-items: center; justify-content: center;
  min-width: 28px; min-height: 28px; }
/* An invisible skirt around the checkbox: its whole target box toggles it. */
.check-target button[role=checkbox] { position: relative; }
.check-target button[role=checkbox]::after { content: ""; position: absolute; inset: -4px; }
[data-day][data-dropping="true"] { outline: 2px dashed var(--accent-9); outline-offset: -2px;
  background: var(--accent-a2); }
.task-row[draggable="true"] { cursor: grab; }
@media (max-width: 767px) {
  .touch-target, .rt-BaseButton, .rt-IconButton, .rt-SelectTrigger, .rt-TextFieldRoot,
  [data-testid="tag"] {
    min-height: 44px; min-width: 44px;
  }
  .check-target button[role=checkbox]::after { inset: -12px; }
  [data-testid="tag"] { display: inline-flex; align-items: center; }
}
"""


def page_css() -> rx.Component:
    return rx.el.style(PAGE_CSS)
