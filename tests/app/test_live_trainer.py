"""The live trainer's Streamlit binding (components/live_trainer), without a browser."""

import json
from types import SimpleNamespace

import pytest

pytest.importorskip("streamlit")
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType  # noqa: E402

from gradplay.app.components import live_trainer  # noqa: E402

CTX = "streamlit.runtime.scriptrunner_utils.script_run_context.get_script_run_ctx"


def pending(monkeypatch, widgets: dict | None, state: str = "RERUN", queue=("fragment",)) -> None:
    """A script run whose pending request is ``state``, with these widget
    values (widget id -> JSON text for a trigger, a number for a slider) or no
    rerun data at all (None); a rerun of the fragments in ``queue`` (empty:
    the whole page)."""
    rerun = None
    if widgets is not None:
        states = WidgetStates()
        for wid, value in widgets.items():
            if isinstance(value, str):
                states.widgets.add(id=wid, json_trigger_value=value)
            else:
                states.widgets.add(id=wid, double_value=value)
        rerun = SimpleNamespace(widget_states=states, fragment_id_queue=list(queue),
                                is_fragment_scoped_rerun=False)
    requests = SimpleNamespace(_rerun_data=rerun, _state=ScriptRequestType[state])
    ctx = SimpleNamespace(script_requests=requests)
    monkeypatch.setattr(CTX, lambda **kw: ctx)


def test_latest_event_reads_the_acknowledgement_waiting_for_the_next_run(monkeypatch):
    ack = {"seq": 12, "epoch": 11, "run": "r1", "statics": "r1"}
    pending(monkeypatch, {
        "$$STREAMLIT_INTERNAL_KEY_$$ID-abc-other__events": json.dumps([{"event": "drawn", "value": 1}]),
        "$$STREAMLIT_INTERNAL_KEY_$$ID-abc-gp-live__events":
            json.dumps([{"event": "edit", "value": {}}, {"event": "drawn", "value": ack}])})
    assert live_trainer.latest_event("gp-live", "drawn") == ack
    assert live_trainer.latest_event("gp-live", "resize") is None


def test_latest_event_is_none_without_a_pending_request_or_a_run(monkeypatch):
    pending(monkeypatch, None)
    assert live_trainer.latest_event("gp-live", "drawn") is None
    pending(monkeypatch, {"$$STREAMLIT_INTERNAL_KEY_$$ID-abc-gp-live__events": "not json"})
    assert live_trainer.latest_event("gp-live", "drawn") is None
    monkeypatch.setattr(CTX, lambda **kw: None)             # outside a script run
    assert live_trainer.latest_event("gp-live", "drawn") is None


def test_stop_waiting_is_a_page_rerun_or_a_stop_not_an_acknowledgement(monkeypatch):
    pending(monkeypatch, {})                          # the fragment's own rerun (an ack)
    assert not live_trainer.stop_waiting()
    pending(monkeypatch, {}, queue=())                # the whole page (Pause, a setting)
    assert live_trainer.stop_waiting()
    pending(monkeypatch, None, state="STOP")          # the page closed
    assert live_trainer.stop_waiting()
    pending(monkeypatch, None, state="CONTINUE")
    assert not live_trainer.stop_waiting()
    monkeypatch.setattr(CTX, lambda **kw: None)
    assert not live_trainer.stop_waiting()


LIVE = "$$STREAMLIT_INTERNAL_KEY_$$ID-abc-gp-live__events"


def test_pending_events_names_every_trigger_waiting_for_the_next_run(monkeypatch):
    pending(monkeypatch, {LIVE: json.dumps([{"event": "edit", "value": {}},
                                           {"event": "drawn", "value": {"seq": 3}}])})
    assert live_trainer.pending_events("gp-live") == {"edit", "drawn"}
    assert live_trainer.pending_events("other") == set()
    pending(monkeypatch, {LIVE: json.dumps([{"event": "drawn", "value": 1}])}, state="CONTINUE")
    assert live_trainer.pending_events("gp-live") == set()   # the request this run came from


def test_widget_values_change_with_a_widget_not_with_a_trigger(monkeypatch):
    def values(lr: float, ack: int, state: str = "RERUN"):
        pending(monkeypatch, {"$$ID-abc-w_lr": lr, LIVE: json.dumps([{"event": "drawn",
                                                                      "value": ack}])},
                state=state)
        return live_trainer.widget_values(pending=state == "RERUN")
    assert values(0.1, 1) == values(0.1, 2)                 # only the acknowledgement moved
    assert values(0.1, 1) != values(0.3, 1)                 # a slider moved
    assert values(0.1, 1, state="CONTINUE") == values(0.1, 2)   # this run's own request
    pending(monkeypatch, {"$$ID-abc-w_lr": 0.1}, state="CONTINUE")
    assert live_trainer.widget_values() is None             # nothing pending
    pending(monkeypatch, {"$$ID-abc-w_lr": 0.1})
    assert live_trainer.widget_values(pending=False) is None   # a new request is waiting
    monkeypatch.setattr(CTX, lambda **kw: None)
    assert live_trainer.widget_values() is None


def test_news_gives_each_numbered_event_once_in_order():
    heard = {}
    edits = [{"n": 5, "value": "b"}, {"n": 4, "value": "a"}]
    assert live_trainer.news(heard, "edit", edits) == ["a", "b"]
    assert heard == {"edit": 5}
    # told again with the next acknowledgement, and one more: only the new one counts
    assert live_trainer.news(heard, "edit", edits + [{"n": 6, "value": "c"}]) == ["c"]
    assert live_trainer.news(heard, "view", {"n": 2, "value": {"discretize": True}}) == \
        [{"discretize": True}]
    assert live_trainer.news(heard, "view", {"n": 2, "value": {"discretize": True}}) == []
    for bad in (None, "x", [{"value": 1}], [{"n": "7", "value": 1}], [3]):
        assert live_trainer.news(heard, "edit", bad) == []
    assert heard == {"edit": 6, "view": 2}
