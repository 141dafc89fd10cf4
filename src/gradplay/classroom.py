"""Classroom mode: a link that opens the trainer with some controls hidden.

A teacher sets up a problem, hides the controls that would give the answer
away (``hide=features,hidden``) and shares the link; students see only the
levers the lesson is about. TensorFlow Playground does the same with
``*_hide`` keys in its URL; here it is one key, ``hide``, listing names.

A name is a ``RunConfig`` field (its control: ``lr``, ``dataset``,
``features`` ...) or one of the page's other controls, ``UI_CONTROLS``.
Hiding a control never changes the run: the value still comes from the
link (or the default), only the widget is not drawn.

    names, notes = parse_hide("lr,dataset")           # ("dataset", "lr"), []
    student_query(cfg, names)                         # cfg.to_query() + {"hide": "dataset,lr"}
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urlencode

from .config import FIELDS, RunConfig

__all__ = ["UI_CONTROLS", "HIDEABLE", "parse_hide", "student_query", "student_link"]

# the page's controls that are not RunConfig fields: name -> what it is
UI_CONTROLS: dict[str, str] = {
    "train": "the Train and Pause buttons",
    "step": "the Step button",
    "reset": "the Reset button",
    "regenerate": "the Regenerate button (new data from the same generator)",
    "student_link": "the link for students",
    "compare": "the panel comparing the engines' gradients",
    "downloads": "the download buttons",
}

HIDEABLE: tuple[str, ...] = (*FIELDS, *UI_CONTROLS)   # the order names are listed in


def _names(value) -> list[str]:
    """hide as given: "lr,dataset", or a list of such strings (a repeated URL key)."""
    parts = [value] if isinstance(value, str) else list(value or [])
    return [name.strip() for part in parts for name in str(part).split(",") if name.strip()]


def parse_hide(value) -> tuple[tuple[str, ...], list[str]]:
    """The controls to hide, from a URL's ``hide`` value, and notes on names
    that are not controls (they are left out; nothing else is affected).

    The names come back once each, in ``HIDEABLE``'s order.
    """
    names = _names(value)
    unknown = [n for n in names if n not in HIDEABLE]
    notes = [f"hide: no control named {n[:40]!r}; the controls are {', '.join(HIDEABLE)}"
             for n in dict.fromkeys(unknown)]
    return tuple(n for n in HIDEABLE if n in names), notes


def student_query(cfg: RunConfig, hide: Iterable[str] = ()) -> dict[str, str]:
    """The query string of a link for students: every setting of ``cfg``, and
    ``hide`` listing the controls they will not see. A name that is not a
    control is an error here (the teacher picks from the list)."""
    names, notes = parse_hide(list(hide) if not isinstance(hide, str) else hide)
    if notes:
        raise ValueError("; ".join(notes))
    query = cfg.to_query()
    if names:
        query["hide"] = ",".join(names)
    return query


def student_link(page_url: str, cfg: RunConfig, hide: Iterable[str] = ()) -> str:
    """The whole link: ``page_url`` (the trainer's address) and the student query.
    Commas stay readable (``hide=lr,dataset``)."""
    return f"{page_url.split('?')[0]}?{urlencode(student_query(cfg, hide), safe=',')}"
