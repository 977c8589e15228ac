"""A differential review of the functions added in the PyTorch API rounds: float32 inputs give
float32 outputs and gradients as in PyTorch, integer and bool inputs promote as PyTorch does, and
the edge cases (empty dims, 0-d, Python numbers, devices) found wrong in review stay fixed."""

import warnings

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(21)
F32 = RNG.uniform(0.2, 0.9, (3, 4)).astype(np.float32)  # inside every domain used below
F32B = RNG.uniform(0.2, 0.9, (3, 4)).astype(np.float32)
I64 = RNG.integers(1, 6, (3, 4))
SPD = (lambda a: (a @ a.T + 3 * np.eye(3)).astype(np.float32))(RNG.standard_normal((3, 3)))
RHS = RNG.standard_normal((3, 2)).astype(np.float32)

UNARY_SPECIAL = ["i0", "i0e", "i1", "i1e", "ndtri", "log_ndtr", "entr", "erfcx", "ndtr",
                 "digamma", "erfinv", "expit", "logit", "sinc", "gammaln", "expm1", "exp2",
                 "log1p", "erf", "erfc"]
BINARY = ["hypot", "logaddexp", "logaddexp2", "atan2", "xlogy", "copysign", "fmax", "fmin",
          "fmod", "remainder", "maximum", "minimum", "clamp_min", "clamp_max"]
BINARY_SPECIAL = ["xlog1py", "xlogy", "zeta", "gammainc", "gammaincc"]


def _mod(lib, name):
    """``lib.special.NAME`` for the special names, ``lib.NAME`` otherwise."""
    return getattr(lib.special if name.startswith("special.") else lib, name.split(".")[-1])


def _compare(ours, theirs, gradient=False):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _compare(o, t)
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    expected = theirs.detach().numpy()
    # a gradient sums float32 products in another order: its rounding is relative to its
    # largest entry (matrix_exp's reach 1e5), not to each entry
    atol = 1e-5 * np.abs(expected).max(initial=0) if gradient else 1e-6
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=1e-5, atol=atol)


def _check(gr_fn, torch_fn, *arrays, grads=True):
    """Outputs (dtype, shape, values) and, for float inputs, gradients of the sum of squares."""
    float_in = all(a.dtype.kind == "f" for a in arrays) and grads
    ours_in = [gr.tensor(a, requires_grad=float_in) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=float_in) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = gr_fn(*ours_in), torch_fn(*theirs_in)
    _compare(ours, theirs)
    if float_in:
        ours, theirs = (o if isinstance(o, (tuple, list)) else [o] for o in (ours, theirs))
        sum((o * o).sum() for o in ours if o.dtype.is_floating_point).backward()
        sum((t * t).sum() for t in theirs if t.dtype.is_floating_point).backward()
        for o, t in zip(ours_in, theirs_in):
            assert (o.grad is None) == (t.grad is None)
            if t.grad is not None:
                _compare(o.grad, t.grad, gradient=True)


@requires_torch
@pytest.mark.parametrize("name", UNARY_SPECIAL)
@pytest.mark.parametrize("kind", ["float32", "int64", "bool"])
def test_unary_special_dtypes_match_torch(name, kind):
    data = {"float32": F32, "int64": I64 // 4, "bool": I64 > 2}[kind]  # int64: 0 and 1
    if kind != "float32" and name in ("ndtri", "erfinv", "logit"):
        data = data * 0  # 0 lies inside their domain
    _check(getattr(gr.special, name), getattr(torch.special, name), data)


@requires_torch
@pytest.mark.parametrize("name", BINARY + [f"special.{n}" for n in BINARY_SPECIAL])
@pytest.mark.parametrize("kinds", [("float32", "float32"), ("int64", "float32"),
                                   ("float32", "int64"), ("bool", "float32")])
def test_binary_dtypes_match_torch(name, kinds):
    first, second = ({"float32": F32, "int64": I64, "bool": I64 > 2}[k] for k in kinds)
    if "zeta" in name or "gammainc" in name:
        first = first + 1.5  # in their domain, and no derivative with respect to it in PyTorch
    grads = not ("zeta" in name or "gammainc" in name)
    _check(_mod(gr, name), _mod(torch, name), first, second, grads=grads)


@requires_torch
@pytest.mark.parametrize("name", ["xlogy", "special.xlog1py", "special.xlogy",
                                  "special.zeta"])
@pytest.mark.parametrize("number", [2.0, 2])
def test_python_number_first_keeps_float32(name, number):
    # torch.xlogy(2.0, float32) is float32: a Python number adds no width
    _compare(_mod(gr, name)(number, gr.tensor(F32 + 1)),
             _mod(torch, name)(number, torch.tensor(F32 + 1)))


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "logaddexp2", "atan2", "copysign"])
def test_python_number_and_integer_operands_compute_in_float32(name):
    # torch requires tensors here; gradiente takes numbers, and must not widen to float64
    x, i = gr.tensor(F32), gr.tensor(I64)
    for first, second in ((2.0, x), (x, 2.0), (2, x), (i, i)):
        assert getattr(gr, name)(first, second).dtype == gr.float32


@requires_torch
@pytest.mark.parametrize("name", ["clamp_min", "clamp_max", "clamp"])
@pytest.mark.parametrize("bound", [2.0, 2, "float32 tensor"])
def test_clamp_promotes_integer_input_as_torch(name, bound):
    ours_bound = gr.tensor(np.float32(2.0)) if bound == "float32 tensor" else bound
    theirs_bound = torch.tensor(np.float32(2.0)) if bound == "float32 tensor" else bound
    _compare(getattr(gr, name)(gr.tensor(I64), ours_bound),
             getattr(torch, name)(torch.tensor(I64), theirs_bound))


LINALG = {
    "matrix_exp": lambda m, a: m.linalg.matrix_exp(a / 4),  # torch's float32 error grows with e^A
    "inv": lambda m, a: m.linalg.inv(a),
    "det": lambda m, a: m.linalg.det(a),
    "slogdet": lambda m, a: m.linalg.slogdet(a),
    "cholesky": lambda m, a: m.linalg.cholesky(a),
    "lu_factor": lambda m, a: m.linalg.lu_factor(a)[0],
    "lu": lambda m, a: m.linalg.lu(a),
    "eigvalsh": lambda m, a: m.linalg.eigvalsh(a),
    "svdvals": lambda m, a: m.linalg.svdvals(a),
    "pinv": lambda m, a: m.linalg.pinv(a),
    "cond": lambda m, a: m.linalg.cond(a),
    "matrix_norm": lambda m, a: m.linalg.matrix_norm(a),
    "matrix_power": lambda m, a: m.linalg.matrix_power(a, -2),
    "vander": lambda m, a: m.linalg.vander(a[0]),
    "tensorinv": lambda m, a: m.linalg.tensorinv(m.kron(a, a)[:6, :6].reshape(6, 2, 3), ind=1),
    "logdet": lambda m, a: m.logdet(a),
    "cholesky_inverse": lambda m, a: m.cholesky_inverse(m.linalg.cholesky(a)),
}
LINALG_SOLVE = {
    "solve": lambda m, a, b: m.linalg.solve(a, b),
    "lstsq": lambda m, a, b: m.linalg.lstsq(a, b)[0],
    "lu_solve": lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b),
    "solve_triangular": lambda m, a, b: m.linalg.solve_triangular(m.triu(a), b, upper=True),
    "cholesky_solve": lambda m, a, b: m.cholesky_solve(b, m.linalg.cholesky(a)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_keeps_float32(name):
    fn = LINALG[name]
    _check(lambda a: fn(gr, a), lambda a: fn(torch, a), SPD)


@requires_torch
@pytest.mark.parametrize("name", sorted(LINALG_SOLVE))
def test_linalg_solvers_keep_float32(name):
    fn = LINALG_SOLVE[name]
    _check(lambda a, b: fn(gr, a, b), lambda a, b: fn(torch, a, b), SPD, RHS)


@requires_torch
@pytest.mark.parametrize("data", [I64, I64 > 2, F32], ids=["int64", "bool", "float32"])
def test_nansum_keeps_the_input_dtype_as_torch(data):
    _compare(gr.nansum(gr.tensor(data), 1), torch.nansum(torch.tensor(data), 1))
    _compare(gr.nansum(gr.tensor(data)), torch.nansum(torch.tensor(data)))


@requires_torch
def test_aminmax_over_a_non_empty_dim_of_an_empty_tensor():
    ours, theirs = gr.aminmax(gr.zeros(0, 4), dim=1), torch.aminmax(torch.zeros(0, 4), dim=1)
    _compare(tuple(ours), tuple(theirs))
    with pytest.raises(RuntimeError, match=r"aminmax: .*empty.*\(0, 4\), dim 0"):
        gr.aminmax(gr.zeros(0, 4), dim=0)


@requires_torch
@pytest.mark.parametrize("shape, dim, sizes", [((0, 4), -1, (1, -1)), ((3, 0), 1, (-1, 2)),
                                               ((0, 6), 1, (-1, 3))])
def test_unflatten_infers_minus_one_beside_empty_dims(shape, dim, sizes):
    assert (tuple(gr.zeros(shape).unflatten(dim, sizes).shape)
            == tuple(torch.zeros(shape).unflatten(dim, sizes).shape))


@pytest.mark.parametrize("make", [
    lambda: gr.hann_window(4, device="cuda"), lambda: gr.hamming_window(4, device="cuda"),
    lambda: gr.blackman_window(4, device="cuda"), lambda: gr.bartlett_window(4, device="cuda"),
    lambda: gr.kaiser_window(4, device="cuda"), lambda: gr.tril_indices(3, 3, device="cuda"),
    lambda: gr.triu_indices(3, 3, device="cuda"), lambda: gr.range(0, 3, device="cuda")])
def test_creation_refuses_a_device_it_does_not_have(make):
    with warnings.catch_warnings(), pytest.raises(RuntimeError, match="device.*'cuda'"):
        warnings.simplefilter("ignore")
        make()


def test_creation_accepts_the_cpu_device():
    assert gr.hann_window(4, device="cpu").shape == (4,)
    assert gr.tril_indices(3, 3, device=gr.device("cpu")).shape == (2, 6)


def test_zeros_refuses_out_rather_than_ignoring_it():
    target = gr.ones(2)
    with pytest.raises(RuntimeError, match="zeros: out="):
        gr.zeros(2, out=target)
    assert target.tolist() == [1.0, 1.0]


@requires_torch
def test_copysign_gives_its_sign_operand_a_zero_gradient_as_torch():
    x, y = gr.tensor(F32, requires_grad=True), gr.tensor(-F32B, requires_grad=True)
    (gx, gy), = [gr.autograd.grad(gr.copysign(x, y).sum(), (x, y))]
    assert gy.dtype == gr.float32 and gy.shape == y.shape and not gy.numpy().any()
    assert gx.tolist() == [[-1.0] * 4] * 3


def test_conj_physical_in_place_bumps_the_version_and_refuses_grad_leaves():
    x = gr.tensor([1.0, -2.0])
    version = x._version[0]
    assert x.conj_physical_() is x
    assert x._version[0] == version + 1 and x.tolist() == [1.0, -2.0]
    with pytest.raises(RuntimeError, match="conj_physical_: a leaf Variable"):
        gr.tensor([1.0], requires_grad=True).conj_physical_()
