"""The scalar engine against finite differences, PyTorch autograd and micrograd."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay.scalar import MLP, Value

from op_table import torch  # noqa: F401  (a fixture: only the tests that ask for it skip)

# Each op against finite differences and PyTorch: tests/autograd/test_ops.py, from the
# op table (tests/op_table.py). Here: the engine's behaviour beyond single ops.


def torch_leaf(torch, x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def test_design_example():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = (a * b + 10).tanh()
    y.backward()
    t = math.tanh(4.0)
    assert y.data == pytest.approx(t)
    assert a.grad == pytest.approx((1 - t * t) * -3.0)
    assert b.grad == pytest.approx((1 - t * t) * 2.0)
    assert y.op == "tanh" and a.op == "" and a.children == () and a.label == "a"


def test_reused_nodes_accumulate():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    # a shared subgraph: s = a*b is used twice
    a, b = Value(2.0), Value(5.0)
    s = a * b
    out = s * s + s            # (ab)^2 + ab  -> d/da = (2ab + 1) b
    out.backward()
    assert a.grad == pytest.approx((2 * 10 + 1) * 5)
    assert b.grad == pytest.approx((2 * 10 + 1) * 2)


def test_backward_twice_accumulates_leaves_and_resets_interior_nodes():
    a, b = Value(2.0), Value(-3.0)
    mid = a * b
    out = mid.tanh()
    out.backward()
    first_a, first_mid = a.grad, mid.grad
    out.backward()
    assert a.grad == pytest.approx(2 * first_a)       # leaves accumulate, like PyTorch
    assert mid.grad == pytest.approx(first_mid)       # interior nodes are recomputed


def test_million_node_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0 + 0.0  # two nodes per step, plus constant leaves
    y.backward()
    assert x.grad == 1.0


def test_sigmoid_is_stable_far_from_zero():
    for x in (-800.0, -710.0, 710.0, 800.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert 0.0 <= s.data <= 1.0 and math.isfinite(v.grad)
        # the textbook forms, each where it cannot overflow: e^x / (1 + e^x) for x < 0
        expected = math.exp(x) / (1 + math.exp(x)) if x < 0 else 1 / (1 + math.exp(-x))
        assert s.data == pytest.approx(expected, rel=1e-12, abs=1e-300)   # 0 for e^-710


def test_sigmoid_far_from_zero_matches_torch(torch):
    for x in (-800.0, -710.0, -30.0, 30.0, 710.0, 800.0):
        s = Value(x).sigmoid()
        assert s.data == pytest.approx(torch.sigmoid(torch.tensor(x, dtype=torch.float64)).item())


def test_clear_errors_for_undefined_maths():
    with pytest.raises(ValueError, match=r"log\(-1\)"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"log\(0\)"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -1"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="fractional power"):
        Value(-8.0) ** 0.5
    with pytest.raises(OverflowError, match=r"exp\(1000\)"):
        Value(1000.0).exp()
    with pytest.raises(TypeError, match="plain number"):
        Value(2.0) ** Value(3.0)


# ---------------------------------------------------------------- property tests
SAFE_UNARY = [lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v * 0.5 + 1,
              lambda v: (v * v + 1).log(), lambda v: -v,
              lambda v: (v * 0.3).exp(), lambda v: v ** 2]
SAFE_BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
               lambda a, b: a / (b * b + 1.0)]


@st.composite
def expression_programs(draw):
    """A random DAG over 3 inputs: each step combines earlier nodes (reuse allowed)."""
    steps = []
    for i in range(draw(st.integers(1, 12))):
        pool = 3 + i
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(SAFE_UNARY) - 1)),
                          draw(st.integers(0, pool - 1))))
        else:
            steps.append(("b", draw(st.integers(0, len(SAFE_BINARY) - 1)),
                          draw(st.integers(0, pool - 1)), draw(st.integers(0, pool - 1))))
    return steps


def run_program(steps, inputs):
    nodes = list(inputs)
    for step in steps:
        if step[0] == "u":
            nodes.append(SAFE_UNARY[step[1]](nodes[step[2]]))
        else:
            nodes.append(SAFE_BINARY[step[1]](nodes[step[2]], nodes[step[3]]))
    return nodes[-1]


THREE_INPUTS = st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3)


@settings(max_examples=150, deadline=None)
@given(expression_programs(), THREE_INPUTS)
def test_random_graphs_match_central_finite_differences(steps, xs):
    leaves = [Value(x) for x in xs]
    out = run_program(steps, leaves)
    out.backward()
    h = 1e-6
    for i in range(3):
        up = [Value(x + (h if j == i else 0)) for j, x in enumerate(xs)]
        down = [Value(x - (h if j == i else 0)) for j, x in enumerate(xs)]
        numeric = (run_program(steps, up).data - run_program(steps, down).data) / (2 * h)
        assert leaves[i].grad == pytest.approx(numeric, rel=1e-4, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(expression_programs(), THREE_INPUTS)
def test_random_graphs_match_torch(torch, steps, xs):
    leaves = [Value(x) for x in xs]
    out = run_program(steps, leaves)
    out.backward()
    t_leaves = [torch_leaf(torch, x) for x in xs]
    ref = run_program(steps, t_leaves)
    if not ref.requires_grad:
        return
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)
    for ours, theirs in zip(leaves, t_leaves):
        expected = 0.0 if theirs.grad is None else theirs.grad.item()
        assert ours.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------- networks
def test_mlp_gradients_match_torch_with_same_weights(torch):
    random.seed(0)
    model = MLP(3, [5, 4, 1])
    xs = [[0.5, -1.2, 2.0], [-0.3, 0.8, 0.1]]
    loss = Value.sum([(model(x) - t) ** 2 for x, t in zip(xs, [1.0, -1.0])])
    model.zero_grad()
    loss.backward()

    # the same network in torch, weights copied neuron by neuron
    layers = []
    for layer in model.layers:
        W = torch.tensor([[p.data for p in n.w] for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)
        layers.append((W, b))
    X = torch.tensor(xs, dtype=torch.float64)
    h = X
    for i, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if i < len(layers) - 1:
            h = torch.relu(h)
    ref = ((h[:, 0] - torch.tensor([1.0, -1.0], dtype=torch.float64)) ** 2).sum()
    ref.backward()
    assert loss.data == pytest.approx(ref.item(), rel=1e-12)
    for layer, (W, b) in zip(model.layers, layers):
        for j, n in enumerate(layer.neurons):
            for i, w in enumerate(n.w):
                assert w.grad == pytest.approx(W.grad[j, i].item(), rel=1e-10, abs=1e-12)
            assert n.b.grad == pytest.approx(b.grad[j].item(), rel=1e-10, abs=1e-12)


def test_mlp_is_micrograd_compatible():
    micrograd = pytest.importorskip("micrograd.nn")
    random.seed(42)
    ours = MLP(2, [16, 16, 1])
    random.seed(42)
    theirs = micrograd.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == len(theirs.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 17
    x = [0.3, -0.7]
    assert ours(x).data == pytest.approx(theirs(x).data, rel=1e-12)
    ours.zero_grad()
    assert all(p.grad == 0 for p in ours.parameters())
    assert repr(ours).startswith("MLP of [Layer of [ReluNeuron(2)")
