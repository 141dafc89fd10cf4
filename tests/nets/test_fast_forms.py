"""Each fast form in gradplay.functional and the tensor engine agrees with the
textbook form written beside it (issue 15: speed; issue 10: keep the
textbook form readable and test that the two agree)."""

import warnings

import numpy as np
import pytest

from gradplay import Tensor, make_mlp
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
        fast = F.tanh_exp_form(z)
    ref = np.tanh(z)
    finite = ~np.isnan(ref)
    assert np.max(np.abs(fast[finite] - ref[finite])) <= 4.5e-16      # 2 ulp of 1
    assert np.isnan(fast[~finite]).all()
    assert np.all(np.abs(fast[finite]) <= 1.0)
    np.testing.assert_array_equal(fast[np.abs(z) > 20], ref[np.abs(z) > 20])   # exactly +-1


def test_fast_tanh_relative_error_near_zero_is_as_documented():
    z = _big([])
    z = np.concatenate([z[:0], np.geomspace(1e-4, 1, 2000), -np.geomspace(1e-4, 1, 2000)])
    rel = np.abs(F.tanh_exp_form(z) - np.tanh(z)) / np.abs(np.tanh(z))
    assert rel.max() < 2e-12


def test_small_arrays_numbers_and_float32_take_np_tanh_itself():
    small = np.linspace(-3, 3, F.FAST_TANH_MIN_SIZE - 1)
    np.testing.assert_array_equal(F.tanh(small), np.tanh(small))
    assert F.tanh(0.3) == np.tanh(0.3)
    big32 = _big([]).astype(np.float32)
    out = F.tanh(big32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.tanh(big32), atol=2.5e-7)


@pytest.mark.parametrize("vectorised", [True, False])
def test_tanh_takes_the_exp_form_only_where_numpy_has_no_vectorised_tanh(monkeypatch,
                                                                        vectorised):
    z = _big([0.3, -2.0])
    monkeypatch.setattr(F, "NUMPY_TANH_IS_VECTORISED", vectorised)
    want = np.tanh(z) if vectorised else F.tanh_exp_form(z)
    np.testing.assert_array_equal(F.tanh(z), want)


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


# ---------------------------------------------------------------- products and reductions
def _operands(n, m, k, seed=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, m)), rng.normal(size=(m, k))


@pytest.mark.parametrize("case", ["plain", "outer", "transposed right", "strided left",
                                  "transposed left"])
def test_matmul_is_the_textbook_product_for_every_layout(case):
    """``functional.matmul`` picks np.dot, a C-ordered copy of the right operand or
    ``@`` by layout; each gives the textbook a @ b (the same BLAS sums, so to a few ulp)."""
    a, b = _operands(300, 7, 5)
    if case == "outer":
        a, b = a[:, :1], b[:1]                                 # (300, 1) @ (1, 5)
    elif case == "transposed right":
        b = np.ascontiguousarray(b.T).T                        # W.T in the backward pass
        assert not b.flags.c_contiguous
    elif case == "strided left":
        a = np.random.default_rng(6).normal(size=(300, 8))[:, :7]   # load_digits' X
        assert not a.flags.c_contiguous and not a.flags.f_contiguous
    elif case == "transposed left":
        a = np.ascontiguousarray(a.T).T                        # A.T in dW = A.T @ delta
    got = F.matmul(a, b)
    want = np.einsum("ij,jk->ik", a, b)                        # no BLAS: the sums as written
    scale = np.abs(a) @ np.abs(b)                              # error bound of a dot product
    assert got.shape == want.shape and got.flags.c_contiguous
    assert np.all(np.abs(got - want) <= 8 * np.finfo(float).eps * scale)


def test_matmul_leaves_its_operands_as_they_were():
    a, b = _operands(50, 4, 3)
    bt = np.ascontiguousarray(b.T)
    a0, bt0 = a.copy(), bt.copy()
    F.matmul(a, bt.T)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(bt, bt0)


@pytest.mark.parametrize("shape", [(1437, 10), (120, 3), (7, 2), (5, 40)])
def test_row_sum_and_row_max_equal_the_textbook_reductions(shape):
    d = np.random.default_rng(7).normal(0, 5, size=shape)
    np.testing.assert_array_equal(F.row_max(d), d.max(axis=1, keepdims=True))
    got, want = F.row_sum(d), d.sum(axis=1, keepdims=True)
    assert got.shape == want.shape == (shape[0], 1)
    bound = shape[1] * np.finfo(float).eps * np.abs(d).sum(axis=1, keepdims=True)
    assert np.all(np.abs(got - want) <= bound)


def test_row_reductions_on_a_transposed_view_and_with_inf():
    d = np.ascontiguousarray(np.random.default_rng(8).normal(size=(4, 30))).T   # (30, 4) F
    d[3, 1] = np.inf
    np.testing.assert_array_equal(F.row_max(d), d.max(axis=1, keepdims=True))
    np.testing.assert_array_equal(np.isinf(F.row_sum(d)), np.isinf(d.sum(axis=1, keepdims=True)))


def test_column_sum_equals_the_textbook_sum():
    d = np.random.default_rng(9).normal(size=(1000, 6))
    bound = d.shape[0] * np.finfo(float).eps * np.abs(d).sum(axis=0)
    assert np.all(np.abs(F.column_sum(d) - d.sum(axis=0)) <= bound)


def test_the_fast_reductions_keep_softmax_and_cross_entropy_textbook():
    """softmax, logsumexp and the cross-entropy, built on row_max/row_sum, against
    the formulas written with NumPy's own reductions."""
    rng = np.random.default_rng(10)
    z = rng.normal(0, 6, size=(400, 10))
    Y = F.one_hot(rng.integers(0, 10, 400), 10)
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(F.logsumexp(z), lse, rtol=1e-15)
    np.testing.assert_allclose(F.softmax(z), np.exp(z - lse), rtol=1e-13)
    ce = (lse - (z * Y).sum(axis=1, keepdims=True)).mean()
    assert F.LOSSES["ce"].value(z, F.softmax(z), Y) == pytest.approx(ce, rel=1e-14)
    a, g = F.softmax(z), rng.normal(size=z.shape)
    np.testing.assert_allclose(F.OUTPUTS["softmax"].backward(z, a, g),
                               a * (g - (g * a).sum(axis=1, keepdims=True)), rtol=1e-12,
                               atol=1e-15)


def test_fast_forms_on_torch_are_the_textbook_forms():
    torch = pytest.importorskip("torch")
    a, b = _operands(40, 6, 3)
    ta, tb = torch.tensor(a), torch.tensor(b)
    assert torch.equal(F.matmul(ta, tb), ta @ tb)
    z = torch.tensor(np.random.default_rng(11).normal(size=(40, 5)))
    assert torch.equal(F.row_max(z), z.amax(dim=1, keepdim=True))
    assert torch.equal(F.row_sum(z), z.sum(dim=1, keepdim=True))


@pytest.mark.parametrize("activation, output", [("tanh", "sigmoid"), ("relu", "softmax"),
                                                ("sigmoid", "linear"), ("leaky_relu", "tanh")])
def test_the_pictures_float32_forward_pass_is_the_textbook_one(activation, output):
    """forward_layers(X, dtype=np.float32) computes z = (W^T a^T + b)^T, units
    first: the same z = a W + b as the float64 pass, to float32's precision."""
    sizes = [2, 8, 5, 3 if output == "softmax" else 1]
    model = make_mlp(sizes, activation, output, engine="manual", seed=3)
    X = np.random.default_rng(0).uniform(-3, 3, size=(6400, 2))
    exact, fast = model.forward_layers(X), model.forward_layers(X, dtype=np.float32)
    assert fast[0] is exact[0] or np.array_equal(fast[0], exact[0])   # the inputs untouched
    for a, b in zip(exact[1:], fast[1:]):
        assert b.dtype == np.float32 and b.shape == a.shape
        np.testing.assert_allclose(b, a, rtol=2e-5, atol=2e-6)


def test_bce_on_several_sigmoid_units_has_the_gradient_of_its_value():
    """BCE's value is a mean over every entry (n samples x k sigmoid units): its
    dL/dz = (a - y) / (n k), checked by finite differences (it was / n once)."""
    rng = np.random.default_rng(1)
    z, Y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=(5, 3)).astype(float)
    loss, out = F.LOSSES["bce"], F.OUTPUTS["sigmoid"]
    grad = loss.grad_z(out, z, out.forward(z), Y)
    h, numeric = 1e-6, np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss.value(up, out.forward(up), Y) -
                        loss.value(down, out.forward(down), Y)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-10)
