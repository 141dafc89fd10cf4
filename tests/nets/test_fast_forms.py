"""Each fast form in gradplay.functional and the tensor engine agrees with the
textbook form written beside it (issue 15: speed; issue 10: keep the
textbook form readable and test that the two agree)."""

import warnings

import numpy as np
import pytest

from gradplay import Tensor
from gradplay import functional as F

EDGES = [0.0, -0.0, 1e-300, -1e-300, 1e-12, -1e-8, 3e-5, 0.5, -1.0, 19.0, -19.5, 354.0,
         -354.5, 400.0, -800.0, 1e308, -1e308, np.inf, -np.inf]


def _big(values) -> np.ndarray:
    """An array big enough to take the fast tanh, holding ``values`` and a spread of z."""
    rng = np.random.default_rng(0)
    spread = np.concatenate([rng.normal(0, 3, F.FAST_TANH_MIN_SIZE), np.linspace(-40, 40, 801)])
    return np.concatenate([np.asarray(values, dtype=float), spread])


def test_fast_tanh_agrees_with_np_tanh_everywhere():
    z = _big(EDGES + [np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # e^{2z} overflows for z > 354: silenced, right
        fast = F.tanh(z)
    ref = np.tanh(z)
    finite = ~np.isnan(ref)
    assert np.max(np.abs(fast[finite] - ref[finite])) <= 4.5e-16      # 2 ulp of 1
    assert np.isnan(fast[~finite]).all()
    assert np.all(np.abs(fast[finite]) <= 1.0)
    np.testing.assert_array_equal(fast[np.abs(z) > 20], ref[np.abs(z) > 20])   # exactly +-1


def test_fast_tanh_relative_error_near_zero_is_as_documented():
    z = _big([])
    z = np.concatenate([z[:0], np.geomspace(1e-4, 1, 2000), -np.geomspace(1e-4, 1, 2000)])
    rel = np.abs(F.tanh(z) - np.tanh(z)) / np.abs(np.tanh(z))
    assert rel.max() < 2e-12


def test_small_arrays_numbers_and_float32_take_np_tanh_itself():
    small = np.linspace(-3, 3, F.FAST_TANH_MIN_SIZE - 1)
    np.testing.assert_array_equal(F.tanh(small), np.tanh(small))
    assert F.tanh(0.3) == np.tanh(0.3)
    big32 = _big([]).astype(np.float32)
    out = F.tanh(big32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.tanh(big32), atol=2.5e-7)


def test_fast_tanh_on_torch_is_torch_tanh():
    torch = pytest.importorskip("torch")
    z = torch.tensor(_big([]))
    assert torch.equal(F.tanh(z), torch.tanh(z))


@pytest.mark.parametrize("name,textbook", [
    ("tanh", lambda z, a, g: g * (1 - a * a)),
    ("sigmoid", lambda z, a, g: g * a * (1 - a)),
])
def test_in_place_backward_equals_the_textbook_form_and_leaves_its_inputs(name, textbook):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, size=(300, 7))
    f = F.ACTIVATIONS[name]
    a = f.forward(z)
    g = rng.normal(size=z.shape)
    a0, g0 = a.copy(), g.copy()
    got = f.backward(z, a, g)
    want = textbook(z, a, g)
    if name == "tanh":
        np.testing.assert_array_equal(got, want)      # -(a^2 - 1) g is bit for bit g (1 - a^2)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-300)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(g, g0)
    # on one float (the scalar engine's use) it is the same number
    assert f.backward(0.3, f.forward(0.3), 1.0) == pytest.approx(textbook(0.3, f.forward(0.3), 1.0),
                                                                  rel=1e-15)


def test_softmax_is_the_textbook_ratio_and_stable():
    rng = np.random.default_rng(2)
    z = rng.normal(0, 4, size=(50, 5))
    e = np.exp(z)
    np.testing.assert_allclose(F.softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    huge = np.array([[1000.0, 999.0, -1000.0]])
    p = F.softmax(huge)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))], rtol=1e-14)


def test_linear_node_equals_matmul_plus_bias_and_skips_the_datas_gradient():
    rng = np.random.default_rng(3)
    X, W, b = rng.normal(size=(20, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    G = rng.normal(size=(20, 4))
    grads = []
    for fused in (False, True):
        x = Tensor(X, requires_grad=not fused)
        w, bb = Tensor(W), Tensor(b)
        z = x.linear(w, bb) if fused else x @ w + bb
        np.testing.assert_allclose(z.data, X @ W + b, rtol=1e-15)
        (z * Tensor(G)).sum().backward()
        grads.append((x.grad, w.grad, bb.grad))
    (dX, dW, db), (dX2, dW2, db2) = grads
    np.testing.assert_allclose(dX, G @ W.T, rtol=1e-14)      # the two-node graph: all three
    np.testing.assert_allclose(dW2, X.T @ G, rtol=1e-14)
    np.testing.assert_allclose(db2, G.sum(axis=0), rtol=1e-14)
    np.testing.assert_array_equal(dW, dW2)
    np.testing.assert_array_equal(db, db2)
    assert dX2 is None                                        # data: no gradient computed


def test_backward_without_retained_grads_gives_the_same_leaf_gradients():
    """retain_grads=False (what TensorMLP uses) frees interior gradients early,
    as PyTorch does by default; the leaves' gradients are the same numbers."""
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=(3, 2))
    results = []
    for retain in (True, False):
        ta, tb = Tensor(a), Tensor(b)
        h = (ta @ tb).tanh()
        out = (h * h + h).sum()
        out.backward(retain_grads=retain)
        results.append((ta.grad, tb.grad, h.grad))
    (ga, gb, gh), (ga2, gb2, gh2) = results
    np.testing.assert_array_equal(ga, ga2)
    np.testing.assert_array_equal(gb, gb2)
    assert gh is not None and gh2 is None
