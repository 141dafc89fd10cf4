"""gradplay's ``Value`` as a drop-in for micrograd's.

Three kinds of code written for micrograd, run with only the Value swapped:
the checks of micrograd's own test suite (its engine against PyTorch), its
demo (micrograd's ``nn`` module on gradplay's Value), and EurekaLabs'
single-file micrograd (an MLP, cross-entropy, and AdamW keeping ``p.m`` and
``p.v`` on each parameter). All are written here in our own words; the
installed ``micrograd`` package (dev extra) and PyTorch are the references.
"""

import math
import random

import pytest

from gradplay import Value

from op_table import torch  # noqa: F401  (a fixture: only the tests that ask for it skip)


@pytest.fixture(scope="module")
def micrograd_engine():
    return pytest.importorskip("micrograd.engine")


@pytest.fixture(scope="module")
def micrograd_nn():
    return pytest.importorskip("micrograd.nn")


# ---------------------------------------------------------------- micrograd's test suite
def relu_chain(V):
    """Scalars mixed with Values on both sides, a relu and a node used many times."""
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return x, y


def in_place_mix(V):
    """In-place +=, powers, reversed division, subtraction and negation."""
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    return (a, b), g


def _run(build, V):
    leaves, out = build(V)
    leaves = leaves if isinstance(leaves, tuple) else (leaves,)
    out.backward()
    return float(out.data), [float(leaf.grad) for leaf in leaves]


@pytest.mark.parametrize("build", [relu_chain, in_place_mix])
def test_the_checks_of_micrograds_test_suite_give_micrograds_numbers(build, micrograd_engine):
    ours = _run(build, Value)
    theirs = _run(build, micrograd_engine.Value)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-12)


@pytest.mark.parametrize("build", [relu_chain, in_place_mix])
def test_the_checks_of_micrograds_test_suite_against_torch(build, torch):
    """micrograd's own suite compares its engine with PyTorch: so do we."""
    ours = _run(build, Value)
    ref = _run(build, lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True))
    assert ours[0] == pytest.approx(ref[0], rel=1e-12)
    assert ours[1] == pytest.approx(ref[1], rel=1e-10)


# ---------------------------------------------------------------- micrograd's demo
def demo_step_losses(micrograd_nn, steps: int):
    """micrograd's demo (moons, MLP(2, [16, 16, 1]), max-margin loss + L2, SGD) for a
    few steps, with whatever Value class ``micrograd.nn`` currently uses."""
    from sklearn.datasets import make_moons
    X, y = make_moons(n_samples=60, noise=0.1, random_state=1)
    y = y * 2 - 1
    random.seed(1337)
    model = micrograd_nn.MLP(2, [16, 16, 1])
    V = micrograd_nn.Value
    losses = []
    for k in range(steps):
        inputs = [list(map(V, row)) for row in X.tolist()]
        scores = list(map(model, inputs))
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y.tolist(), scores)) * (
            1.0 / len(scores))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append((loss.data, accuracy))
    return losses


def test_micrograds_own_nn_and_demo_run_on_gradplays_value(monkeypatch, micrograd_nn):
    theirs = demo_step_losses(micrograd_nn, 4)
    monkeypatch.setattr(micrograd_nn, "Value", Value)
    ours = demo_step_losses(micrograd_nn, 4)
    assert all(isinstance(p, Value) for p in micrograd_nn.MLP(2, [3, 1]).parameters())
    assert [a for _, a in ours] == [a for _, a in theirs]
    assert [loss for loss, _ in ours] == pytest.approx([loss for loss, _ in theirs], rel=1e-12)
    assert ours[-1][0] < ours[0][0]


# ---------------------------------------------------------------- EurekaLabs' single file
class TanhMLP:
    """The single file's network: tanh hidden layers, a linear output layer, weights
    uniform(-1, 1) / sqrt(fan_in), bias Value(0), each parameter coloured for drawing."""

    def __init__(self, V, sizes, rng):
        self.layers = []
        for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
            neurons = []
            for _ in range(nout):
                w = [V(rng.uniform(-1, 1) * nin ** -0.5) for _ in range(nin)]
                b = V(0)
                for p in [b] + w:
                    setattr(p, "_vis_color", "lightgreen")
                neurons.append((w, b, i < len(sizes) - 2))
            self.layers.append(neurons)

    def __call__(self, x):
        for neurons in self.layers:
            outs = []
            for w, b, nonlin in neurons:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                outs.append(act.tanh() if nonlin else act)
            x = outs
        return x

    def parameters(self):
        return [p for neurons in self.layers for w, b, _ in neurons for p in w + [b]]


def cross_entropy(logits, target):
    """-log softmax(logits)[target], built from exp, a Python sum, division and log."""
    ex = [z.exp() for z in logits]
    denom = sum(ex)
    probs = [e / denom for e in ex]
    return -probs[target].log()


class AdamW:
    """Adam with decoupled weight decay, keeping its moments on the parameters."""

    def __init__(self, params, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4):
        self.params, self.lr, self.eps, self.wd = params, lr, eps, weight_decay
        self.beta1, self.beta2 = betas
        self.t = 0
        for p in self.params:
            p.m = 0
            p.v = 0

    def step(self):
        self.t += 1
        for p in self.params:
            if p.grad is None:
                continue
            p.m = self.beta1 * p.m + (1 - self.beta1) * p.grad
            p.v = self.beta2 * p.v + (1 - self.beta2) * p.grad ** 2
            m_hat = p.m / (1 - self.beta1 ** self.t)
            v_hat = p.v / (1 - self.beta2 ** self.t)
            p.data -= self.lr * (m_hat / (v_hat ** 0.5 + self.eps) + self.wd * p.data)

    def zero_grad(self):
        for p in self.params:
            p.grad = 0


def three_classes(rng, n):
    """Points in the square [-2, 2]^2, labelled by region: left, bottom right, top right."""
    pts = []
    for _ in range(n):
        x, y = rng.uniform(-2, 2), rng.uniform(-2, 2)
        pts.append(([x, y], 0 if x < 0 else 1 if y < 0 else 2))
    return pts


def eureka_run(steps=3):
    rng = random.Random(42)
    data = three_classes(rng, 40)
    model = TanhMLP(Value, [2, 8, 3], rng)
    start = [p.data for p in model.parameters()]
    opt = AdamW(model.parameters())

    def mean_loss(split):
        total = Value(0.0)
        for x, y in split:
            total = total + cross_entropy(model(x), y)
        return total * (1.0 / len(split))

    losses = []
    for _ in range(steps):
        loss = mean_loss(data)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.data)
    # the file ends by colouring the inputs and drawing one example's graph
    x = (Value(0.0), Value(0.0))
    loss = mean_loss([(x, 0)])
    loss.backward()
    for v in x:
        v._vis_color = "lightblue"
    nodes, stack = set(), [loss]
    while stack:
        n = stack.pop()
        if n not in nodes:
            nodes.add(n)
            stack.extend(n._prev)
    names = {str(id(n)) + n._op for n in nodes if n._op}
    colours = {n._vis_color for n in nodes if hasattr(n, "_vis_color")}
    return data, start, losses, model, (nodes, names, colours)


def torch_reference(torch, data, start, steps):
    """The same network, loss and optimizer in PyTorch (torch.optim.AdamW)."""
    params, k = [], 0
    shapes = [(2, 8), (8, 3)]
    layers = []
    for nin, nout in shapes:
        W = torch.tensor([start[k + j * (nin + 1): k + j * (nin + 1) + nin]
                          for j in range(nout)], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([start[k + j * (nin + 1) + nin] for j in range(nout)],
                         dtype=torch.float64, requires_grad=True)
        k += nout * (nin + 1)
        layers.append((W, b))
        params += [W, b]
    X = torch.tensor([x for x, _ in data], dtype=torch.float64)
    y = torch.tensor([c for _, c in data])
    opt = torch.optim.AdamW(params, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    losses = []
    for _ in range(steps):
        h = torch.tanh(X @ layers[0][0].T + layers[0][1])
        logits = h @ layers[1][0].T + layers[1][1]
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_eurekalabs_single_file_micrograd_runs_with_only_the_import_changed():
    data, start, losses, model, (nodes, names, colours) = eureka_run(steps=3)
    params = model.parameters()
    assert all(hasattr(p, "m") and hasattr(p, "v") for p in params)
    assert losses[-1] < losses[0]
    assert colours == {"lightgreen", "lightblue"} and len(nodes) > 50
    assert any(name.endswith("log") for name in names)
    assert math.isfinite(losses[-1])


def test_eurekalabs_single_file_gives_torchs_losses(torch):
    data, start, losses, _, _ = eureka_run(steps=3)
    assert losses == pytest.approx(torch_reference(torch, data, start, 3), rel=1e-10)
