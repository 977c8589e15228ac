"""Matmul, Einsum and IndexPut run one backward rule on arrays (first order) and on Tensors
(create_graph): both must give the same gradient, and the Tensor run must differentiate again.
The index keys here are those the op specs do not reach (ints between arrays, None, ...)."""

import pytest

import gradiente as gr
from tests.helpers import assert_rules_agree_and_differentiate


def _write(key):
    """x with x[key] replaced by the values given (or by 0 when none), times 2."""
    def f(x, *values):
        y = x.clone()
        y[key] = values[0] if values else 0.0
        return y * 2.0
    return f


# (case id, fn, input shapes)
CASES = [
    ("matmul_vector_batch", lambda x, y: x @ y, [(3,), (2, 3, 4)]),
    ("matmul_batch_vector", lambda x, y: x @ y, [(2, 2, 3), (3,)]),
    ("dot", lambda x, y: x @ y, [(3,), (3,)]),
    ("einsum_diagonal_batch", lambda x: gr.einsum("bii->bi", x), [(2, 3, 3)]),
    ("einsum_summed_letter", lambda x, y: gr.einsum("ij,k->i", x, y), [(2, 3), (4,)]),
    ("einsum_large", lambda x, y: gr.einsum("ij,jk->ik", x, y), [(70, 70), (70, 3)]),
    ("setitem_int_between_arrays", _write((gr.tensor([0, 1]), 1, gr.tensor([2, 0]))),
     [(2, 3, 4), (2,)]),
    ("setitem_ellipsis_none", _write((Ellipsis, None, slice(1, 3))), [(2, 4), (2, 1, 2)]),
    ("setitem_values_broadcast", _write((slice(None), 1)), [(3, 2), (1,)]),
    ("setitem_zero", _write((gr.tensor([True, False, True]),)), [(3, 2)]),
    ("scatter_0d", lambda x, v: x.scatter(0, gr.tensor(0), v), [(), ()]),
    ("index_put_accumulate_repeats",
     lambda x, v: x.index_put((gr.tensor([1, 1, 0]),), v, accumulate=True), [(3, 2), (3, 2)]),
]


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_array_and_tensor_rules_agree(fn, shapes):
    assert_rules_agree_and_differentiate(fn, shapes)
