"""The trainer page's settings: the URL, the sidebar's widgets and the run's
``RunConfig``, kept in step in one place.

* ``start(state, query)``: when a page opens, the link's values go into the
  widgets' keys (``w_<field>``); what the link asked for and could
  not be used comes back as notes (``RunConfig.from_query``), never silently.
* ``config(state)``: the widgets' values as a ``RunConfig`` (or the error).
* ``changed(state, cfg)``: the fields the learner changed in the sidebar since
  the page's last rerun, so a rerun applies only those on top of the live run (a
  lever pulled in the renderer meanwhile is not undone).
* ``take_settings(state, values)``: a lever in the renderer changed settings
  (the features, the display, the speed): into the widgets, hence the URL.
* ``url(cfg, state)``: the query string of the run as it is.
* ``bounds(name, value)``: a widget's range, from the field's rule in
  ``config.FIELDS`` -- widened to hold a value from a link, so a link's value
  is shown as it is and never clamped.
"""

from __future__ import annotations

from ..classroom import parse_hide, student_query
from ..config import FIELDS, RunConfig
from ..live.protocol import MESSAGES, speed_value

__all__ = ["start", "config", "changed", "take_settings", "url", "bounds", "speed_from"]


def speed_from(text) -> tuple:
    """A link's speed ("5", "max") -> (speed, note or None): checked by the
    live channel's own rule for it; a bad one is 1."""
    try:
        return speed_value(MESSAGES["speed"].fields["value"].check(str(text))), None
    except ValueError as e:
        return 1, f"speed: {e}; kept 1"


def start(state, query) -> None:
    """The link's settings into the widgets' keys, once per page."""
    cfg, notes = RunConfig.from_query(query)
    for name, value in cfg.to_dict().items():
        state[f"w_{name}"] = value
    state.w_features = list(cfg.features)           # a multiselect holds a list
    state.w_layers = len(cfg.hidden)
    for i, n in enumerate(cfg.hidden):
        state[f"w_n{i}"] = n
    state.w_speed, note = speed_from(query.get("speed", "1"))
    state.w_stop = query.get("stop") == "1"
    state.hide, hide_notes = parse_hide(query.get_all("hide") if hasattr(query, "get_all")
                                        else query.get("hide"))
    state.url_notes = notes + hide_notes + ([note] if note else [])
    state.applied = cfg


def config(state) -> tuple[RunConfig | None, str | None]:
    """The widgets' values as a RunConfig, or (None, the reason)."""
    values = {name: state[f"w_{name}"] for name in FIELDS if f"w_{name}" in state}
    values["hidden"] = tuple(int(state[f"w_n{i}"]) for i in range(state.w_layers))
    values["features"] = tuple(state.w_features)
    try:
        return RunConfig(**values), None
    except ValueError as e:
        return None, str(e)


def changed(state, cfg: RunConfig) -> dict:
    """The fields of ``cfg`` that differ from the last config the page applied."""
    old = state.applied
    return {name: getattr(cfg, name) for name in FIELDS if getattr(cfg, name) != getattr(old, name)}


def take_settings(state, values: dict) -> None:
    """Settings a renderer lever changed, into the widgets (and so the URL)."""
    if not isinstance(values, dict):
        return
    if isinstance(values.get("features"), list):
        state.w_features = list(values["features"])
    for name in ("discretize", "show_test"):
        if isinstance(values.get(name), bool):
            state[f"w_{name}"] = values[name]
    if "speed" in values:
        state.w_speed = speed_from(values["speed"])[0]


def url(cfg: RunConfig, state) -> dict:
    """The page's query string: every field of the run, the hidden controls,
    the speed and whether it stops at an epoch."""
    return {**student_query(cfg, state.hide), "speed": str(state.w_speed),
            "stop": "1" if state.w_stop else "0"}


def bounds(name: str, value=None) -> tuple:
    """(lo, hi, step) of a field's widget: its rule's usual range, holding ``value``."""
    return FIELDS[name].rule.ui_range(value)

