"""The few rules Radix's props cannot say: a visible focus on rows (the keyboard's cursor),
touch targets of at least 44 px on phones (WCAG 2.5.5, Apple's and Google's guidance), and a
task row's own layout (components/task_row.py: plain elements, no style props)."""

import reflex as rx

from todo_web.components.row_icons import ICON_CSS

PAGE_CSS = """
.task-row { width: 100%; border-bottom: 1px solid var(--gray-a4); }
/* Rows out of sight are not styled, laid out or painted until scrolled near: a view of a
   few hundred rows costs about a screenful when shown (45 px: a row with one line of detail).
   The clip margin keeps the focus rings of a row's controls whole. */
.task-row { content-visibility: auto; contain-intrinsic-size: auto 45px;
  overflow-clip-margin: 4px; }
.task-main { flex: 1 1 0%; min-width: 0; }
.task-open { height: auto; min-height: 28px; padding: 0; white-space: normal; text-align: left;
  justify-content: flex-start; }
.task-title { color: var(--gray-12); }
.task-row[data-done="true"] .task-title { text-decoration: line-through; color: var(--gray-11); }
.row-meta { color: var(--gray-11); }
.row-repeat { color: var(--violet-11); }
.row-repeat p { max-width: 16em; }
.row-flag[data-priority="high"] { color: var(--red-11); }
.row-flag[data-priority="low"] { color: var(--blue-11); }
.row-tag { cursor: pointer; }
.task-row .rt-CheckboxIndicator { pointer-events: none; }
.task-delete { padding: 6px; }
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
  /* A title of several lines outgrows its 44 px button: keep it off the row's border. */
  .task-row { padding-block: var(--space-1); }
  [data-testid="tag"] { display: inline-flex; align-items: center; }
  /* A row's tag keeps its 44 px target but looks like the badge it is: the surface is drawn
     behind the text at the badge's own height. */
  .task-row .row-tag { position: relative; z-index: 0; background: none; box-shadow: none; }
  .task-row .row-tag::before { content: ""; position: absolute; inset: 12px 0; z-index: -1;
    border-radius: inherit; background-color: var(--accent-surface);
    box-shadow: inset 0 0 0 1px var(--accent-a6); }
}
"""


def page_css() -> rx.Component:
    return rx.el.style(PAGE_CSS + ICON_CSS)
