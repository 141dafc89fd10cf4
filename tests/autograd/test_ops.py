"""Every op of the op table (tests/op_table.py) on Value and on Tensor: against
finite differences always, and against PyTorch autograd where it is installed."""

import numpy as np
import pytest

from gradplay import Tensor, Value
from op_table import (TENSOR_OPS, VALUE_OPS, by_name, central_difference,  # noqa: F401
                      tensor_inputs, torch)


def value_graph(op, xs):
    """(output, leaves) of the op on fresh Value leaves, backpropagated."""
    leaves = [Value(x) for x in xs]
    out = op.value(*leaves)
    out.backward()
    return out, leaves


# ---------------------------------------------------------------- Value
@pytest.mark.parametrize("op", **by_name(VALUE_OPS))
def test_value_op_matches_finite_differences(op):
    for xs in op.points():
        out, leaves = value_graph(op, xs)
        for i, leaf in enumerate(leaves):
            numeric = central_difference(lambda ys: op.value(*map(Value, ys)).data, list(xs), i)
            assert leaf.grad == pytest.approx(numeric, rel=1e-6, abs=1e-8), (xs, i)


@pytest.mark.parametrize("op", **by_name(VALUE_OPS))
def test_value_op_matches_torch(op, torch):
    for xs in op.points():
        out, leaves = value_graph(op, xs)
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        ref = op.torch_form()(*ts)
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-12), xs
        for leaf, t in zip(leaves, ts):
            assert leaf.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12), xs


@pytest.mark.parametrize("op", **by_name([op for op in VALUE_OPS if op.arity == 2]))
def test_value_op_takes_a_plain_number_on_either_side(op):
    x, y = op.points()[0]
    out, (a, b) = value_graph(op, (x, y))
    a2, b2 = Value(x), Value(y)
    left, right = op.value(a2, y), op.value(x, b2)      # x op 2.0 and 2.0 op y: reversed ops
    left.backward()
    right.backward()
    assert left.data == right.data == out.data
    assert (a2.grad, b2.grad) == (a.grad, b.grad)


@pytest.mark.parametrize("op", **by_name(VALUE_OPS))
def test_value_op_states_its_op_and_children(op):
    out, leaves = value_graph(op, op.points()[0])
    assert out.op and set(out.children) == set(leaves)
    assert len(out.local_grads) == len(out.children)


# ---------------------------------------------------------------- Tensor
def tensor_graph(op, arrays, upstream=None):
    """(output, leaves, G): the op on fresh Tensor leaves, backpropagated from
    the scalar sum(out * G) with a random G, so every entry's gradient counts."""
    leaves = [Tensor(a) for a in arrays]
    out = op.tensor_form()(*leaves)
    G = np.random.default_rng(1).normal(size=out.shape) if upstream is None else upstream
    (out * Tensor(G, requires_grad=False)).sum().backward()
    return out, leaves, G


@pytest.mark.parametrize("op", **by_name(TENSOR_OPS))
def test_tensor_op_matches_finite_differences(op):
    arrays = tensor_inputs(op)
    out, leaves, G = tensor_graph(op, arrays)
    for k, (a, leaf) in enumerate(zip(arrays, leaves)):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            def f(ys, k=k, idx=idx):
                shifted = [x.copy() for x in arrays]
                shifted[k][idx] = ys[0]
                return float((op.tensor_form()(*map(Tensor, shifted)).data * G).sum())
            numeric[idx] = central_difference(f, [a[idx]], 0)
        assert leaf.grad.shape == a.shape
        np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=f"input {k}")


@pytest.mark.parametrize("op", **by_name(TENSOR_OPS))
def test_tensor_op_matches_torch(op, torch):
    arrays = tensor_inputs(op)
    out, leaves, G = tensor_graph(op, arrays)
    refs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = op.torch_form()(*refs)
    (ref * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    for leaf, r in zip(leaves, refs):
        np.testing.assert_allclose(leaf.grad, r.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", **by_name([op for op in VALUE_OPS if op.tensor_form()]))
def test_tensor_op_is_the_value_op_entry_by_entry(op):
    """A Tensor op on arrays equals the Value op on each entry, value and gradient."""
    arrays = [a.reshape(-1)[:3] for a in tensor_inputs(op)]       # (3,) each
    out, leaves, G = tensor_graph(op, arrays, upstream=np.ones(3))
    for j in range(3):
        v_out, v_leaves = value_graph(op, [float(a[j]) for a in arrays])
        assert float(out.data[j]) == pytest.approx(v_out.data, rel=1e-15, abs=1e-15)
        for leaf, v in zip(leaves, v_leaves):
            assert float(leaf.grad[j]) == pytest.approx(v.grad, rel=1e-14, abs=1e-15)
