"""The icons of a task row as CSS masks: one empty span each, painted in the text colour.

They are Lucide's own drawings (what `rx.icon` renders, lucide-react as Reflex pins it), but
`rx.icon` makes a React component and an <svg> of 2-5 elements per icon, and a row has 2-5
icons: a view of a hundred rows spent more on its icons than on its text. A mask is drawn
by the browser from one stylesheet rule (page_css.py includes ICON_CSS).
"""

from urllib.parse import quote

import reflex as rx

# name -> (size in px, Lucide's elements inside its 24×24 viewBox)
ICONS: dict[str, tuple[int, str]] = {
    "calendar": (12, '<path d="M8 2v4"/><path d="M16 2v4"/>'
                     '<rect width="18" height="18" x="3" y="4" rx="2"/><path d="M3 10h18"/>'),
    "bell": (13, '<path d="M10.268 21a2 2 0 0 0 3.464 0"/><path d="M3.262 15.326A1 1 0 0 0 4 '
                 "17h16a1 1 0 0 0 .74-1.673C19.41 13.956 18 12.499 18 8A6 6 0 0 0 6 8c0 "
                 '4.499-1.411 5.956-2.738 7.326"/>'),
    "repeat": (13, '<path d="m17 2 4 4-4 4"/><path d="M3 11v-1a4 4 0 0 1 4-4h14"/>'
                   '<path d="m7 22-4-4 4-4"/><path d="M21 13v1a4 4 0 0 1-4 4H3"/>'),
    "flag": (13, '<path d="M4 22V4a1 1 0 0 1 .4-.8A6 6 0 0 1 8 2c3 0 5 2 7.333 2q2 0 3.067-.8A1 '
                 "1 0 0 1 20 4v10a1 1 0 0 1-.4.8A6 6 0 0 1 16 16c-3 0-5-2-8-2a6 6 0 0 0-4 "
                 '1.528"/>'),
    "trash": (16, '<path d="M10 11v6"/><path d="M14 11v6"/><path d="M19 6v14a2 2 0 0 1-2 2H7a2 '
                  '2 0 0 1-2-2V6"/><path d="M3 6h18"/><path d="M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 '
                  '2 2v2"/>'),
}  # fmt: skip

_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="black" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{}</svg>'
)


def _rule(name: str, size: int, shape: str) -> str:
    url = "data:image/svg+xml," + quote(_SVG.format(shape), safe=" =:/")
    return f'.row-icon-{name} {{ width: {size}px; height: {size}px; --row-icon: url("{url}"); }}'


ICON_CSS = "\n".join(
    [
        ".row-icon { display: inline-block; flex-shrink: 0; background-color: currentColor;"
        " -webkit-mask: var(--row-icon) center / 100% 100% no-repeat;"
        " mask: var(--row-icon) center / 100% 100% no-repeat; }",
        *(_rule(name, size, shape) for name, (size, shape) in ICONS.items()),
    ]
)


def row_icon(name: str) -> rx.Component:
    return rx.el.span(class_name=f"row-icon row-icon-{name}", aria_hidden="true")
