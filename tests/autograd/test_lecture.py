"""gradplay's ``Value`` in place of the one built in Karpathy's micrograd lecture.

Each test does what a group of the lecture's notebook cells does (nn-zero-to-hero,
lecture 1: micrograd_lecture_first_half / second_half), written here in our own
words, with ``from gradplay import Value`` as the only change a learner makes.
"""

import math
import random
import re
import shutil
from collections import Counter

import pytest

from gradplay import Value, draw_dot
from op_table import closure_cube

BIAS = 6.8813735870195432  # the lecture's bias: it makes n = 0.8814, o = tanh(n) = 1/sqrt(2)


def lecture_neuron():
    """The lecture's two-input neuron o = tanh(x1*w1 + x2*w2 + b), every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(BIAS, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2,
                n=n, o=o)


# d o / d node for the lecture's neuron, worked out by hand: do/dn = 1 - o^2 = 0.5,
# + passes 0.5 on unchanged, and * swaps: dx1 = w1 * 0.5, dw1 = x1 * 0.5, ...
LECTURE_GRADS = {"o": 1.0, "n": 0.5, "b": 0.5, "x1w1x2w2": 0.5, "x1w1": 0.5, "x2w2": 0.5,
                 "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}


def test_manual_backward_node_by_node_in_the_lectures_order():
    g = lecture_neuron()
    assert g["o"].data == pytest.approx(math.sqrt(0.5))
    g["o"].grad = 1.0                      # the base case: do/do = 1
    g["o"]._backward()                     # tanh: n.grad += (1 - o^2) * o.grad
    assert g["n"].grad == pytest.approx(0.5) and g["x1"].grad == 0.0
    g["n"]._backward()                     # +: both inputs get 0.5
    assert g["b"].grad == pytest.approx(0.5) and g["x1w1x2w2"].grad == pytest.approx(0.5)
    g["b"]._backward()                     # a leaf: nothing to pass on
    assert g["b"].grad == pytest.approx(0.5)
    g["x1w1x2w2"]._backward()
    g["x2w2"]._backward()
    g["x1w1"]._backward()
    for name, grad in LECTURE_GRADS.items():
        assert g[name].grad == pytest.approx(grad, abs=1e-12), name


def test_leaf_backward_does_nothing():
    a = Value(3.0, label="a")
    a.grad = 2.5
    a._backward()
    assert a.grad == 2.5


def lecture_topo(root) -> list:
    """The lecture's build_topo: a recursive walk over ``_prev``, children first."""
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def test_backward_by_hand_in_topological_order_equals_backward():
    # the lecture's build_topo, then _backward on each node in reverse
    by_hand = lecture_neuron()
    topo = lecture_topo(by_hand["o"])
    assert len(topo) == 10 and topo[-1] is by_hand["o"]
    by_hand["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    auto = lecture_neuron()
    auto["o"].backward()
    for name in LECTURE_GRADS:
        assert by_hand[name].grad == pytest.approx(auto[name].grad, abs=1e-15)
        assert auto[name].grad == pytest.approx(LECTURE_GRADS[name], abs=1e-12)


def test_constructor_children_op_and_labels_as_in_the_lecture():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    manual = Value(a.data + b.data, (a, b), "+", label="sum")
    assert manual.data == -1.0 and manual._prev == {a, b} and manual._op == "+"
    assert manual.label == "sum" and manual.grad == 0.0
    e = a * b
    e.label = "e"
    assert e._op == "*" and e._prev == {a, b} and e.label == "e"
    assert isinstance(e._prev, set)
    assert a._op == "" and a._prev == set()


def test_repr_is_micrograds_data_and_grad():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-3, label="b")) == "Value(data=-3.0, grad=0.0)"
    x = Value(0.1)
    y = x * 3
    y.backward()
    assert repr(y) == f"Value(data={0.1 * 3}, grad=1.0)"   # plain float formatting
    assert repr(x) == "Value(data=0.1, grad=3.0)"


def test_repr_matches_micrograd_after_backward():
    engine = pytest.importorskip("micrograd.engine")

    def graph(V):
        a, b = V(-4.0), V(2.0)
        c = a * b + b ** 3
        d = (c * 2 + 1).relu() + c / a
        d.backward()
        return [a, b, c, d]

    ours, theirs = graph(Value), graph(engine.Value)
    for a, b in zip(ours[:-1], theirs[:-1]):
        assert repr(a) == repr(b)
    # the output: micrograd seeds it with the int 1, gradplay with 1.0 (grads are floats)
    assert repr(ours[-1]) == repr(theirs[-1]).replace("grad=1)", "grad=1.0)")


def test_user_code_may_set_its_own_attributes():
    p = Value(0.5)
    p.m, p.v = 0.0, 0.0                      # an optimizer's moments
    p._vis_color = "lightgreen"              # a colour for drawing
    p.m = 0.9 * p.m + 0.1 * 2.0
    assert (p.m, p.v, p._vis_color) == (pytest.approx(0.2), 0.0, "lightgreen")
    assert hasattr(p, "_vis_color") and not hasattr(Value(1.0), "_vis_color")


def test_a_plus_a_accumulates_instead_of_overwriting():
    # the lecture's bug hunt: b = a + a must give db/da = 2, not 1
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert a.grad == 2.0 and b._prev == {a}
    # a node used twice through different paths: f = (a*b) * (a+b)
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    e = a + b
    f = d * e
    f.backward()
    assert a.grad == pytest.approx(b.data * e.data + d.data)    # -3
    assert b.grad == pytest.approx(a.data * e.data + d.data)    # -8
    assert (a.grad, b.grad) == (pytest.approx(-3.0), pytest.approx(-8.0))


def test_nudging_inputs_along_the_gradient_raises_the_output():
    # the lecture's "one step of optimisation": data += 0.01 * grad
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    L = (a * b + c) * f
    L.backward()
    before = L.data
    for leaf in (a, b, c, f):
        leaf.data += 0.01 * leaf.grad
    assert ((a * b + c) * f).data > before


def test_tanh_written_with_exp_gives_tanhs_gradients():
    # second half: o = (e - 1) / (e + 1) with e = exp(2n), instead of n.tanh()
    g = lecture_neuron()
    e = (2 * g["n"]).exp()
    o = (e - 1) / (e + 1)
    o.label = "o"
    o.backward()
    for name in ("x1", "w1", "x2", "w2", "b"):
        assert g[name].grad == pytest.approx(LECTURE_GRADS[name], abs=1e-12), name


def test_lecture_neuron_matches_torch():
    torch = pytest.importorskip("torch")
    g = lecture_neuron()
    g["o"].backward()
    t = {k: torch.tensor([v], dtype=torch.float64, requires_grad=True)
         for k, v in dict(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=BIAS).items()}
    o = torch.tanh(t["x1"] * t["w1"] + t["x2"] * t["w2"] + t["b"])
    o.backward()
    assert g["o"].data == pytest.approx(o.item(), abs=1e-15)
    for name, leaf in t.items():
        assert g[name].grad == pytest.approx(leaf.grad.item(), abs=1e-15)


def test_an_op_written_in_micrograds_closure_style_still_backpropagates():
    # A learner adds an op the lecture's way: build the node, then assign a closure.
    x = Value(2.0)
    y = closure_cube(x) * 5 + x
    y.backward()
    assert x.grad == pytest.approx(5 * 3 * 4 + 1)


# ---------------------------------------------------------------- the lecture's MLP
def lecture_mlp(value_cls, nin, nouts, rng):
    """The lecture's Neuron/Layer/MLP (tanh everywhere, bias drawn like the weights),
    written generically so the same code runs on any Value class."""

    class Neuron:
        def __init__(self, n):
            self.w = [value_cls(rng.uniform(-1, 1)) for _ in range(n)]
            self.b = value_cls(rng.uniform(-1, 1))

        def __call__(self, x):
            return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, n, m):
            self.neurons = [Neuron(n) for _ in range(m)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP:
        def __init__(self):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP()


class LectureValue:
    """A reference built the lecture's way (closures), with tanh and exp, in our own
    words: the yardstick gradplay's Value must match number for number."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data, self.grad, self.label = data, 0.0, label
        self._backward = lambda: None
        self._prev, self._op = set(_children), _op

    def _wrap(self, other):
        return other if isinstance(other, LectureValue) else LectureValue(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def back():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = back
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = self._wrap(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def back():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = back
        return out

    __rmul__ = __mul__

    def __pow__(self, k):
        out = LectureValue(self.data ** k, (self,), f"**{k}")

        def back():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = back
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def tanh(self):
        t = math.tanh(self.data)
        out = LectureValue(t, (self,), "tanh")

        def back():
            self.grad += (1 - t * t) * out.grad
        out._backward = back
        return out

    def backward(self):
        self.grad = 1.0
        for v in reversed(lecture_topo(self)):
            v._backward()


def train_lecture_mlp(value_cls, steps=20):
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    net = lecture_mlp(value_cls, 3, [4, 4, 1], random.Random(0))
    losses = []
    for _ in range(steps):
        ypred = [net(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in net.parameters():
            p.grad = 0.0
        loss.backward()
        for p in net.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses, [p.data for p in net.parameters()]


def test_lecture_training_loop_gives_the_lectures_numbers():
    ours, ours_w = train_lecture_mlp(Value)
    ref, ref_w = train_lecture_mlp(LectureValue)
    assert ours == pytest.approx(ref, rel=1e-12, abs=1e-14)
    assert ours_w == pytest.approx(ref_w, rel=1e-12, abs=1e-14)
    assert ours[-1] < 0.2 * ours[0]   # and it learns


# ---------------------------------------------------------------- draw_dot
def lecture_trace(root):
    """The lecture's trace: every node and every (child, parent) edge, as sets."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges


def lecture_draw_dot(root):
    """The lecture's draw_dot, as its notebook writes it: the reference graph."""
    graphviz = pytest.importorskip("graphviz")
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = lecture_trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad),
                 shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


QUOTED = r'"(?:[^"\\]|\\.)*"'


def _unquote(token: str) -> str:
    """A DOT id as written, less its quotes; inside them only \\" is an escape of DOT's
    own (a record's \\| is the record's, and stays)."""
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


def dot_structure(dot) -> tuple:
    """A Digraph's structure, with its ids replaced by what they show: each node's
    (label, shape), and each edge as (source, target) in those terms. An op node is
    told apart by the record it feeds. Raw DOT text differs in ids; this does not."""
    nodes, edges = {}, []
    for line in dot.body:
        line = line.strip()
        edge = re.fullmatch(rf"({QUOTED}|\S+) -> ({QUOTED}|\S+)", line)
        if edge:
            edges.append(tuple(_unquote(t) for t in edge.groups()))
            continue
        name, attrs = re.fullmatch(rf"({QUOTED}|\S+) \[(.*)\]", line).groups()
        pairs = dict((k, _unquote(v)) for k, v in re.findall(rf"(\w+)=({QUOTED}|[^\s\]]+)",
                                                             attrs))
        nodes[_unquote(name)] = (pairs["label"], pairs.get("shape", "ellipse"))
    feeds = {src: nodes[dst][0] for src, dst in edges if nodes[src][1] != "record"}
    seen = {n: (label, shape, feeds.get(n, "")) for n, (label, shape) in nodes.items()}
    return (Counter(seen.values()), Counter((seen[a], seen[b]) for a, b in edges),
            dict(dot.graph_attr))


def lecture_expression():
    """The lecture's first graph: L = (a*b + c) * f, every node labelled."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return L


def lecture_tanh_by_exp():
    g = lecture_neuron()
    e = (2 * g["n"]).exp()
    e.label = "e"
    o = (e - 1) / (e + 1)
    o.label = "o"
    return o


def lecture_bug():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    return b


def lecture_mlp_output():
    net = lecture_mlp(Value, 3, [4, 4, 1], random.Random(0))
    return net([2.0, 3.0, -1.0])


GRAPHS = {"L = (a*b + c) * f": lecture_expression, "the neuron": lambda: lecture_neuron()["o"],
          "tanh by exp": lecture_tanh_by_exp, "b = a + a": lecture_bug,
          "MLP(3, [4, 4, 1])": lecture_mlp_output}


@pytest.mark.parametrize("build", GRAPHS.values(), ids=GRAPHS)
@pytest.mark.parametrize("backward", [False, True], ids=["before backward", "after"])
def test_draw_dot_draws_the_lectures_graph(build, backward):
    root = build()
    if backward:
        root.backward()
    ours = draw_dot(root)
    assert type(ours).__name__ == "Digraph" and ours.format == "svg"
    assert dot_structure(ours) == dot_structure(lecture_draw_dot(root))


def test_draw_dot_shows_the_lectures_numbers():
    o = lecture_neuron()["o"]
    o.backward()
    labels = dot_structure(draw_dot(o))[0]
    assert ("{ o | data 0.7071 | grad 1.0000 }", "record", "") in labels
    assert ("{ x1 | data 2.0000 | grad -1.5000 }", "record", "") in labels
    assert ("tanh", "ellipse", "{ o | data 0.7071 | grad 1.0000 }") in labels
    assert sum(shape == "record" for _, shape, _ in labels.elements()) == 10
    edges = dot_structure(draw_dot(lecture_bug()))[1]
    assert sum(edges.values()) == 2              # a -> +, + -> b: one edge, as micrograd draws


def test_draw_dot_takes_micrograds_format_and_rankdir():
    o = lecture_neuron()["o"]
    assert draw_dot(o).graph_attr == {"rankdir": "LR"}
    tb = draw_dot(o, format="png", rankdir="TB")   # micrograd's trace_graph notebook's call
    assert tb.format == "png" and tb.graph_attr == {"rankdir": "TB"}
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        draw_dot(o, rankdir="BT; evil=1")


def test_draw_dot_escapes_record_syntax_in_a_label():
    v = Value(1.0, label="a|b{c}")
    labels = dot_structure(draw_dot(v * 2))[0]
    assert ("{ a\\|b\\{c\\} | data 1.0000 | grad 0.0000 }", "record", "") in labels


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_draw_dot_shows_in_a_notebook_as_the_lectures_does():
    o = lecture_neuron()["o"]
    o.backward()
    bundle = draw_dot(o)._repr_mimebundle_()           # what Jupyter calls to show a cell
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "data 0.7071" in svg
    texts = re.findall(r">([^<>]+)</text>", svg)
    reference = re.findall(r">([^<>]+)</text>", lecture_draw_dot(o)._repr_mimebundle_()[
        "image/svg+xml"])
    assert sorted(texts) == sorted(reference)          # the same words in the picture
