"""The backward pass one node at a time (gradplay.autograd.steps), on any Value graph:
its order, its replay, every += with the gradient before and after, and the sums of a
gradient used more than once (karpathy/micrograd#2), against backward(), micrograd and
PyTorch."""

import math
import random

import pytest

from gradplay import Value
from gradplay.autograd import (backward_order, backward_steps, chain_rule_terms,
                               gradient_sums, replay_backward)
from op_table import closure_cube, torch  # noqa: F401  (torch: a fixture)


def neuron():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = a * b
    e = d + c
    f = e.tanh()
    return f, {"a": a, "b": b, "c": c, "d": d, "e": e}


def used_twice(V, x: float = 2.0):
    """micrograd#2's graph: b = a + a; c = b * b (b is one node, used twice by c)."""
    a = V(x)
    b = a + a
    c = b * b
    return a, b, c


def random_graph(seed: int):
    """A random graph over three leaves, each step reusing earlier nodes."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1.5, 1.5), label=f"x{i}") for i in range(3)]
    ops = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x - y,
           lambda x, y: (x * y).tanh(), lambda x, y: x.sigmoid() * y]
    for _ in range(rng.randint(2, 15)):
        nodes.append(rng.choice(ops)(rng.choice(nodes), rng.choice(nodes)))
    return nodes[-1], nodes[:3]


# ---------------------------------------------------------------- order and replay
def test_backward_order_and_chain_rule_terms():
    out, n = neuron()
    out.backward()
    order = backward_order(out)
    assert order[0] is out and {id(n[k]) for k in "abc"} <= {id(v) for v in order}
    position = {id(v): i for i, v in enumerate(order)}
    for node in order:  # every node comes after all the nodes that use it
        for child in node.children:
            assert position[id(child)] > position[id(node)]
    terms = chain_rule_terms(out)
    assert len(terms) == 1
    assert terms[0]["contribution"] == pytest.approx(1 - math.tanh(4.0) ** 2)
    ts = chain_rule_terms(n["d"])
    assert [t["local"] for t in ts] == [-3.0, 2.0]
    assert ts[0]["contribution"] == pytest.approx(n["a"].grad)


def test_replaying_every_step_gives_backwards_gradients():
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    out = ((a * b + c) ** 2 + (b - a).relu()) / 2
    out.backward()
    final = [a.grad, b.grad, c.grad]
    for steps in range(len(backward_order(out)) + 1):
        visited = replay_backward(out, steps)
        assert len(visited) == steps and out.grad == 1.0
    assert [a.grad, b.grad, c.grad] == final
    replay_backward(out, 1)                                 # only the output's step taken
    assert a.grad == b.grad == c.grad == 0.0


# ---------------------------------------------------------------- every +=
@pytest.mark.parametrize("seed", range(12))
def test_backward_steps_are_backward_one_term_at_a_time(seed):
    out, leaves = random_graph(seed)
    out.backward()
    expected = {id(v): v.grad for v in out.topological_order()}
    steps = backward_steps(out)
    assert [s.node for s in steps] == backward_order(out)
    for v in out.topological_order():
        assert v.grad == expected[id(v)]                    # the same grads, to the bit
    last = {}
    for step in steps:
        assert len(step.terms) == len(step.node.children)
        for t in step.terms:
            assert t.node is step.node and t.upstream == step.node.grad
            assert t.contribution == t.local * t.upstream
            assert t.before == last.get(id(t.child), 0.0)   # each += starts where the last ended
            last[id(t.child)] = t.after
            assert 1 <= t.use <= t.uses
    for v in out.topological_order():
        if v is not out and id(v) in last:
            assert last[id(v)] == v.grad                    # the last += is the final grad


def test_used_twice_sums_both_uses_by_hand():
    a, b, c = used_twice(Value, 2.0)
    steps = backward_steps(c)
    sums = dict((id(node), terms) for node, terms in gradient_sums(steps))
    assert set(sums) == {id(a), id(b)}
    # c = b * b: each factor's local derivative is the other factor, b = 4
    assert [(t.local, t.upstream, t.before, t.after) for t in sums[id(b)]] == \
        [(4.0, 1.0, 0.0, 4.0), (4.0, 1.0, 4.0, 8.0)]
    # b = a + a: local derivative 1 each time, upstream b.grad = 8
    assert [(t.local, t.upstream, t.before, t.after) for t in sums[id(a)]] == \
        [(1.0, 8.0, 0.0, 8.0), (1.0, 8.0, 8.0, 16.0)]
    assert [(t.use, t.uses) for t in sums[id(a)]] == [(1, 2), (2, 2)]
    assert a.grad == 8 * a.data == 16.0                     # c = 4a^2, dc/da = 8a


def test_used_twice_gives_micrograds_gradient():
    engine = pytest.importorskip("micrograd.engine")
    ours = used_twice(Value, -1.25)
    theirs = used_twice(engine.Value, -1.25)
    theirs[2].backward()
    sums = gradient_sums(backward_steps(ours[2]))
    for (node, terms), ref in zip(sums, theirs[1::-1]):   # b completes first, then a
        assert sum(t.contribution for t in terms) == node.grad == ref.grad


def test_used_twice_gives_torchs_gradient(torch):
    a = torch.tensor(-1.25, dtype=torch.float64, requires_grad=True)
    b = a + a
    (b * b).backward()
    ours = used_twice(Value, -1.25)
    backward_steps(ours[2])
    assert ours[0].grad == a.grad.item()


def test_a_node_used_by_two_different_nodes():
    # the lecture's f = (a*b) * (a+b): a feeds d = a*b and e = a+b
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d, e = a * b, a + b
    f = d * e
    sums = {id(n): terms for n, terms in gradient_sums(backward_steps(f))}
    assert {t.node for t in sums[id(a)]} == {d, e}
    by_consumer = {id(t.node): t.contribution for t in sums[id(a)]}
    assert by_consumer == {id(d): b.data * e.data, id(e): d.data}   # -3 = 3*1 + (-6)
    assert a.grad == pytest.approx(-3.0) and sums[id(a)][-1].after == a.grad


def test_nodes_used_once_are_not_sums_and_closure_nodes_still_step():
    out, n = neuron()
    assert gradient_sums(backward_steps(out)) == []

    x = Value(2.0)
    y = closure_cube(x) * 5                      # an op in micrograd's closure style
    steps = backward_steps(y)
    assert x.grad == 60.0 and [len(s.terms) for s in steps] == [2, 0, 0, 0]
