"""A picked example and a selected weight in a live run (gradplay.live.focus):
the frame carries the trace's own numbers, checked against gradplay.trace."""

from urllib.parse import parse_qs

import numpy as np
import pytest

from gradplay.config import RunConfig
from gradplay.expr import evaluate
from gradplay.live import LiveSession
from gradplay.live.focus import Focus
from gradplay.trace import attribution, backprop_steps, sample_trace
from gradplay.viz.frames import shown_rows, unpack


@pytest.fixture(scope="module")
def session():
    s = LiveSession(RunConfig(samples=100, hidden=(4, 3), data_seed=1))
    s.advance(5, budget=10)
    return s


def trace_of(session, index):
    row = shown_rows(len(session.data.y_train))[index]
    return sample_trace(session.model, session.data.X_train[row], session.data.y_train[row],
                        session.trainer.loss_name)


def test_nothing_picked_adds_nothing(session):
    assert Focus().frame_part(session) is None
    header, _ = unpack(session.frame(seq=1, focus=Focus()))
    assert "focus" not in header


def test_a_picked_example_s_numbers_are_its_trace(session):
    f = Focus(index=7)
    header, blobs = unpack(session.frame(seq=1, focus=f))
    tr = trace_of(session, 7)
    facts = header["focus"]["sample"]
    assert facts["index"] == 7 and facts["loss"] == pytest.approx(tr.loss)
    assert facts["prediction"] == pytest.approx(float(tr.prediction))
    a = np.concatenate([tr.inputs, *(t.a for t in tr.layers)])
    np.testing.assert_allclose(blobs["s_a"], a, rtol=1e-6)
    np.testing.assert_allclose(blobs["s_dz"], np.concatenate([t.grad_z for t in tr.layers]),
                               rtol=1e-5, atol=1e-9)
    dW = np.concatenate([t.grad_W.ravel() for t in tr.layers])
    np.testing.assert_allclose(blobs["s_dW"], dW, rtol=1e-5, atol=1e-9)
    W1 = session.model.get_weights()[1][0]
    np.testing.assert_allclose(blobs["s_wa"][8:8 + W1.size], (W1 * tr.layers[0].a[:, None]).ravel(),
                               rtol=1e-5, atol=1e-9)


def test_the_walk_shows_one_step_of_the_trace(session):
    tr = trace_of(session, 2)
    steps = backprop_steps(tr, session.trainer.optimizer.lr)
    for k in (0, 4, len(steps) - 1, len(steps) + 3):
        walk = Focus(index=2, step=k).frame_part(session)[0]["walk"]
        shown = min(k, len(steps) - 1)
        assert walk["step"] == shown and walk["count"] == len(steps)
        assert walk["text"] == steps[shown].text and walk["kind"] == steps[shown].kind


def test_a_neuron_s_graph_is_the_expression_language_s_and_its_link_opens_it(session):
    tr = trace_of(session, 3)
    n = Focus(index=3, neuron=(1, 2)).frame_part(session)[0]["neuron"]
    out = n["nodes"][-1]
    assert out["op"] == "tanh" and out["data"] == pytest.approx(tr.layers[1].a[2])
    assert out["grad"] == pytest.approx(tr.layers[1].grad_a[2])        # dL/da at the top
    leaves = {node["label"]: node for node in n["nodes"] if not node["op"]}
    assert leaves["b"]["grad"] == pytest.approx(tr.layers[1].grad_b[2])  # dL/db = dL/dz
    assert leaves["w0"]["grad"] == pytest.approx(tr.layers[1].grad_W[0, 2])
    query = {k: v[0] for k, v in parse_qs(n["explorer"]).items()}
    value, _ = evaluate(query.pop("expr"), **{k[2:]: float(v) for k, v in query.items()})
    assert value.data == pytest.approx(tr.layers[1].a[2])


def test_a_selected_weight_colours_each_drawn_point_by_its_pull(session):
    header, blobs = unpack(session.frame(seq=1, focus=Focus(weight=(0, 1, 2))))
    rows = shown_rows(len(session.data.y_train))
    want = attribution(session.model, session.data.X_train[rows], session.data.y_train[rows],
                       session.trainer.loss_name, 0, 1, 2)
    np.testing.assert_allclose(blobs["pull"], want, rtol=1e-5, atol=1e-9)
    assert header["focus"]["pull"] == {"weight": [0, 1, 2],
                                       "scale": pytest.approx(np.abs(want).max())}


def test_the_update_is_one_sgd_step_on_the_example_and_lowers_its_loss():
    s = LiveSession(RunConfig(samples=100, hidden=(4,), data_seed=3))
    f = Focus(index=5)
    before = trace_of(s, 5).loss
    f.sgd_step(s)
    assert trace_of(s, 5).loss < before and s.epoch == 0


@pytest.mark.parametrize("name, payload, message", [
    ("pick", {"index": 10_000}, "pick: index must be in"),
    ("select", {"layer": 5, "i": 0, "j": 0}, "select: layer must be in"),
    ("select", {"layer": 0, "i": 2, "j": 0}, "select: i must be in"),
    ("neuron", {"layer": 0, "unit": 4}, "neuron: unit must be in"),
])
def test_what_is_not_there_is_refused(session, name, payload, message):
    with pytest.raises(ValueError, match=message):
        Focus().changed(name, payload, session)
    assert Focus().changed("walk", {"step": 3}, session).step == -1    # nothing picked: no walk
