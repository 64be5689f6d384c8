"""Keyboard first (issue 25, part 3): one document-level key handler that drives the page's
own controls (it clicks them), so a shortcut does exactly what the click does, and a help
dialog listing the keys (`?`)."""

import reflex as rx

from todo_web.states.tasks import TasksState

SHORTCUTS: list[tuple[str, str]] = [
    ("q  or  a", "Quick add"),
    ("j / k  or  ↓ / ↑", "Next / previous task"),
    ("x  or  Space", "Complete the selected task"),
    ("e  or  Enter", "Open the selected task to edit it"),
    ("#", "Edit the selected task's tags"),
    ("t", "Today"),
    ("u", "Upcoming"),
    ("z", "Undo the last complete or delete"),
    ("Ctrl + /", "Assistant"),
    ("?", "This list"),
]

# Keys are ignored while typing or while a dialog or menu is open (those handle their own
# keys). A row is selected by focusing it, so the browser shows where the user is and a
# screen reader reads it; after a complete removes the row, the next key starts from the
# same position.
KEYS_SCRIPT = """
if (!window.__taskKeys) {
  window.__taskKeys = true;
  const q = (sel, root) => (root || document).querySelector(sel);
  const rows = () => Array.from(document.querySelectorAll('[data-testid="task-row"]'));
  const typing = (el) => el && (el.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
  const focusRow = (all, i) => {
    const row = all[Math.max(0, Math.min(all.length - 1, i))];
    window.__rowIndex = all.indexOf(row);
    row.focus(); row.scrollIntoView({block: 'nearest'});
  };
  const focusTagsWhenOpen = (tries) => {
    const tags = q('[data-testid="task-dialog"] [data-testid="edit-tags"]');
    if (tags) { tags.focus(); tags.select && tags.select(); return; }
    if (tries > 0) setTimeout(() => focusTagsWhenOpen(tries - 1), 100);
  };
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const active = document.activeElement;
    if (typing(active)) return;
    if (q('[role="dialog"], [role="alertdialog"], [role="menu"], [role="listbox"]')) return;
    const row = active && active.closest('[data-testid="task-row"]');
    const onRow = row && active === row;
    // Arrows keep their meaning on controls (menus, switches, scrolling); j / k do not.
    const passive = !active || active === document.body || onRow || active.tabIndex < 0;
    const inRow = (id) => {
      const el = row && q(`[data-testid="${id}"]`, row);
      if (el) el.click();
      return !!el;
    };
    const view = (name) => q(`[data-testid="nav-item"][data-view="${name}"]`)?.click();
    const all = rows();
    const start = row ? all.indexOf(row) : (window.__rowIndex ?? -1);
    switch (e.key) {
      case 'q': case 'a': q('#quick-title')?.focus(); break;
      case 'j': case 'ArrowDown':
        if (!all.length || (e.key !== 'j' && !passive)) return;
        focusRow(all, row ? start + 1 : Math.max(0, start)); break;
      case 'k': case 'ArrowUp':
        if (!all.length || (e.key !== 'k' && !passive)) return;
        focusRow(all, row ? start - 1 : Math.max(0, start)); break;
      case 'x': if (!inRow('toggle-done')) return; break;
      case ' ': if (!onRow || !inRow('toggle-done')) return; break;
      case 'e': if (!inRow('open-task')) return; break;
      case 'Enter': if (!onRow || !inRow('open-task')) return; break;
      case '#': if (!inRow('open-task')) return; focusTagsWhenOpen(30); break;
      case 't': view('today'); break;
      case 'u': view('upcoming'); break;
      case 'z': q('[data-testid="undo-last"]')?.click(); break;
      case '?': q('[data-testid="shortcuts-button"]')?.click(); break;
      default: return;
    }
    e.preventDefault();
  });
}
"""


def _row(keys: str, what: str) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(keys, variant="ghost")),
        rx.table.cell(what),
    )


def shortcuts_help() -> rx.Component:
    """The `?` button (also a visible way in) and its dialog, plus the key handler."""
    return rx.fragment(
        rx.script(KEYS_SCRIPT),
        # `z` clicks this: the undo lives in the state, the key only asks for it.
        rx.button(
            "Undo",
            on_click=TasksState.undo_last,
            display="none",
            tab_index=-1,
            aria_hidden="true",
            custom_attrs={"data-testid": "undo-last"},
        ),
        rx.dialog.root(
            rx.dialog.trigger(
                rx.icon_button(
                    rx.icon("keyboard", size=16),
                    variant="ghost",
                    color_scheme="gray",
                    aria_label="Keyboard shortcuts (?)",
                    title="Keyboard shortcuts (?)",
                    custom_attrs={"data-testid": "shortcuts-button"},
                )
            ),
            rx.dialog.content(
                rx.dialog.title("Keyboard shortcuts"),
                rx.dialog.description(
                    "Outside a text box. Select a task with j / k first.", size="2"
                ),
                rx.table.root(
                    rx.table.body(*[_row(k, w) for k, w in SHORTCUTS]),
                    size="1",
                    custom_attrs={"data-testid": "shortcuts-list"},
                ),
                rx.flex(
                    rx.dialog.close(rx.button("Close", variant="soft")),
                    justify="end",
                    margin_top="3",
                ),
                max_width="28em",
            ),
        ),
    )
