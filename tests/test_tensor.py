"""Tensor basics against PyTorch: creation, dtypes, type promotion, printing, errors."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch


# ----- creation ---------------------------------------------------------------------------------

def test_tensor_infers_pytorch_default_dtypes():
    assert gr.tensor([1.0, 2.0]).dtype == gr.float32
    assert gr.tensor([1, 2]).dtype == gr.int64
    assert gr.tensor([True, False]).dtype == gr.bool
    assert gr.tensor(np.array([1.0], dtype=np.float64)).dtype == gr.float64
    assert gr.tensor(np.array([1], dtype=np.int32)).dtype == gr.int32
    assert gr.tensor(3.5).shape == () and gr.tensor([]).shape == (0,)


def test_tensor_copies_but_from_numpy_and_as_tensor_share_memory():
    array = np.zeros(3)
    copied, shared, converted = gr.tensor(array), gr.from_numpy(array), gr.as_tensor(array)
    array[0] = 5.0
    assert copied[0].item() == 0.0
    assert shared[0].item() == 5.0 and converted[0].item() == 5.0


def test_default_dtype_controls_new_floating_tensors():
    gr.set_default_dtype(gr.float64)
    assert gr.tensor([1.5]).dtype == gr.float64
    assert gr.zeros(2).dtype == gr.float64 and gr.randn(2).dtype == gr.float64
    assert gr.tensor([1]).dtype == gr.int64


@pytest.mark.parametrize("make, shape", [
    (lambda: gr.zeros(2, 3), (2, 3)), (lambda: gr.ones((2, 3)), (2, 3)),
    (lambda: gr.full((2,), 7.0), (2,)), (lambda: gr.eye(3), (3, 3)),
    (lambda: gr.arange(5), (5,)), (lambda: gr.linspace(0, 1, 4), (4,)),
    (lambda: gr.randn(4, 1), (4, 1)), (lambda: gr.rand(()), ()),
])
def test_creation_functions_shapes(make, shape):
    assert tuple(make().shape) == shape


@requires_torch
@pytest.mark.parametrize("name, args, kwargs", [
    ("arange", (5,), {}), ("arange", (1, 4, 0.5), {}), ("arange", (0.0, 1.0, 0.25), {}),
    ("linspace", (0, 1, 5), {}), ("eye", (2, 3), {}), ("full", ((2,), 3), {}),
    ("zeros", (2,), {"dtype": "int32"}), ("ones", (2,), {"dtype": "float64"}),
])
def test_creation_values_and_dtypes_match_torch(name, args, kwargs):
    ours_kwargs = {k: getattr(gr, v) for k, v in kwargs.items()}
    theirs_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    ours = getattr(gr, name)(*args, **ours_kwargs)
    theirs = getattr(torch, name)(*args, **theirs_kwargs)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)


def test_manual_seed_makes_random_tensors_reproducible():
    gr.manual_seed(3)
    first = gr.randn(5).numpy().copy()
    gr.manual_seed(3)
    np.testing.assert_array_equal(gr.randn(5).numpy(), first)


def test_requires_grad_on_creation():
    assert gr.ones(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        gr.arange(3, requires_grad=True)


# ----- promotion --------------------------------------------------------------------------------

PROMOTION_CASES = [  # (left, right) as (kind, dtype name or Python value)
    (("t", "float32"), ("s", 2.5)), (("t", "int64"), ("s", 2.5)), (("t", "int32"), ("s", 2)),
    (("t", "bool"), ("s", 2)), (("t", "float32"), ("t", "float64")),
    (("t", "int64"), ("t", "float32")), (("t", "int32"), ("t", "int64")),
    (("t", "uint8"), ("t", "int8")), (("t", "float32"), ("z", "float64")),
    (("t", "int64"), ("z", "float64")), (("t", "int32"), ("z", "int64")),
    (("z", "int64"), ("z", "float32")), (("t", "bool"), ("t", "bool")),
    (("t", "float16"), ("t", "float32")),
]


def _operand(lib, spec):
    kind, value = spec
    if kind == "s":
        return value
    dtype = getattr(lib, value)
    return lib.ones((2,) if kind == "t" else (), dtype=dtype)


@requires_torch
@pytest.mark.parametrize("left, right", PROMOTION_CASES)
@pytest.mark.parametrize("op", ["add", "mul"])
def test_binary_promotion_matches_torch(left, right, op):
    ours = getattr(gr, op)(_operand(gr, left), _operand(gr, right))
    theirs = getattr(torch, op)(_operand(torch, left), _operand(torch, right))
    assert repr(ours.dtype).split(".")[1] == repr(theirs.dtype).split(".")[1]
    ours_r = getattr(gr, op)(_operand(gr, right), _operand(gr, left)) if right[0] != "s" else ours
    assert ours_r.dtype == ours.dtype


@requires_torch
@pytest.mark.parametrize("a, b", [("int64", "int64"), ("int32", "float64"), ("bool", "int64")])
def test_true_division_of_integers_gives_floats_as_torch(a, b):
    ours = gr.ones(2, dtype=getattr(gr, a)) / gr.ones(2, dtype=getattr(gr, b))
    theirs = torch.ones(2, dtype=getattr(torch, a)) / torch.ones(2, dtype=getattr(torch, b))
    assert repr(ours.dtype).split(".")[1] == repr(theirs.dtype).split(".")[1]


def test_promote_types_and_result_type():
    assert gr.promote_types(gr.int32, gr.float32) == gr.float32
    assert gr.promote_types(gr.uint8, gr.int8) == gr.int16
    assert gr.result_type(gr.ones(2, dtype=gr.int32), 2.0) == gr.float32


def test_casting_methods():
    x = gr.tensor([1.7, -2.2])
    assert x.double().dtype == gr.float64 and x.long().dtype == gr.int64
    np.testing.assert_array_equal(x.long().numpy(), [1, -2])  # truncation, as torch
    assert x.to(gr.float64).dtype == gr.float64 and x.bool().dtype == gr.bool
    assert x.to(x).dtype == x.dtype


# ----- printing ---------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("values, dtype", [
    ([1.0, 2.0, 3.0], "float32"), ([1.5, -2.25], "float32"), ([[1.0, 2.0], [3.0, 4.0]], None),
    ([1, 2, 3], "int64"), ([True, False], "bool"), (3.0, "float32"), ([0.1, 2.0], "float64"),
    ([1.0, 2.0], "float64"), ([1, 2], "int32"), ([], "int64"), ([], "bool"), ([], "float32"),
    ([[]], "int64"),
])
def test_repr_matches_torch(values, dtype):
    ours = gr.tensor(values, dtype=getattr(gr, dtype) if dtype else None)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype) if dtype else None)
    assert repr(ours) == repr(theirs).replace("torch.", "gradiente.")


@requires_torch
def test_repr_with_grad_matches_torch():
    ours = gr.tensor([1.0, 2.0], requires_grad=True)
    theirs = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(ours) == repr(theirs)
    assert repr(ours * 2).startswith("tensor([2., 4.], grad_fn=<MulBackward0>")
    assert repr(theirs * 2).startswith("tensor([2., 4.], grad_fn=<MulBackward0>")


_PRINT_ARRAYS = {
    "normal": np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32),
    "large": np.random.default_rng(1).standard_normal((3, 3)).astype(np.float32) * 1e9,
    "integral large": np.arange(9, dtype=np.float64).reshape(3, 3) * 1e9,
    "wide": (np.arange(40, dtype=np.float32) / 7).reshape(5, 8),
}


@pytest.fixture
def default_printing():
    yield
    gr.set_printoptions(profile="default")
    if HAS_TORCH:
        torch.set_printoptions(profile="default")


@requires_torch
@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False),
    dict(profile="short"), dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=2),
    dict(linewidth=30), dict(profile="full"),
], ids=repr)
@pytest.mark.parametrize("name", sorted(_PRINT_ARRAYS))
def test_set_printoptions_prints_as_torch(default_printing, options, name):
    array = _PRINT_ARRAYS[name]
    if name == "wide" and options.get("sci_mode"):
        pytest.skip("PyTorch wraps scientific rows by its own width rule (a known difference)")
    gr.set_printoptions(**options)
    torch.set_printoptions(**options)
    ours, theirs = repr(gr.from_numpy(array)), repr(torch.from_numpy(array))
    assert ours == theirs.replace("torch.", "gradiente.")


def test_set_printoptions_keeps_options_not_given(default_printing):
    gr.set_printoptions(precision=2)
    gr.set_printoptions(linewidth=120)
    assert repr(gr.tensor([1 / 3])) == "tensor([0.33])"
    gr.set_printoptions(profile="default")
    assert repr(gr.tensor([1 / 3])) == "tensor([0.3333])"
    with pytest.raises(ValueError, match="set_printoptions: unknown profile 'long'"):
        gr.set_printoptions(profile="long")


# ----- metadata and errors ----------------------------------------------------------------------

def test_shape_size_dim_numel():
    x = gr.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3
    assert x.size(-1) == 4 and x.dim() == 3 and x.ndim == 3 and x.numel() == 24
    assert len(x) == 2 and x.is_contiguous()


def test_size_out_of_range_names_the_valid_range():
    with pytest.raises(IndexError, match=r"range of \[-3, 2\], but got 3"):
        gr.zeros(2, 3, 4).size(3)


def test_item_and_conversions():
    assert gr.tensor([[2.5]]).item() == 2.5 and float(gr.tensor(1.5)) == 1.5
    assert int(gr.tensor(7)) == 7 and [1, 2][gr.tensor(1)] == 2
    with pytest.raises(RuntimeError, match="2 elements cannot be converted"):
        gr.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gr.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="0-d"):
        len(gr.tensor(1.0))


def test_numpy_of_a_tensor_requiring_grad_raises():
    x = gr.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 1.0])


def test_requires_grad_only_on_leaves_and_detach():
    x = gr.ones(2, requires_grad=True)
    y = x * 2
    assert not y.is_leaf and x.is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None


def test_unsupported_data_raises():
    with pytest.raises(TypeError, match="can't convert"):
        gr.tensor(["a", "b"])
    with pytest.raises(TypeError, match="complex"):
        gr.tensor([1j])


# ----- copy and deepcopy ------------------------------------------------------------------------

def test_deepcopy_of_a_leaf_copies_values_requires_grad_and_grad():
    import copy
    x = gr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert y is not x and y.is_leaf and y.requires_grad
    np.testing.assert_array_equal(y.array, x.array)
    np.testing.assert_array_equal(y.grad.array, [2.0, 4.0])
    assert not np.shares_memory(y.array, x.array)
    assert not np.shares_memory(y.grad.array, x.grad.array)
    ints = copy.deepcopy(gr.tensor([1, 2]))
    assert ints.dtype == gr.int64 and not ints.requires_grad


def test_deepcopy_of_a_non_leaf_raises_as_torch():
    import copy
    y = gr.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(y)
    assert copy.deepcopy(y.detach()).is_leaf


def test_deepcopy_keeps_aliasing_within_one_copy():
    import copy
    base = gr.zeros(4)
    pair = copy.deepcopy([base, base[1:], base])
    assert pair[0] is pair[2] and not np.shares_memory(pair[0].array, base.array)
    pair[0][2] = 5.0
    assert pair[1][1].item() == 5.0 and base[2].item() == 0.0


def test_copy_shares_memory_and_gives_a_leaf():
    import copy
    x = gr.tensor([1.0, 2.0], requires_grad=True)
    for source in (x, x * 2):
        y = copy.copy(source)
        assert y.is_leaf and y.requires_grad and y.grad is None
        assert np.shares_memory(y.array, source.array)


@requires_torch
def test_copy_and_deepcopy_match_torch():
    import copy
    for lib in (gr, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.grad = lib.ones(2)
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        results = [(type(c).__name__, c.requires_grad, c.grad is None)
                   for c in (copy.deepcopy(x), copy.deepcopy(p), copy.copy(x), copy.copy(p))]
        if lib is gr:
            ours = results
    assert ours == results


def test_device_and_seeding_boilerplate_runs_on_the_cpu():
    device = gr.device("cuda" if gr.cuda.is_available() else "cpu")
    assert device == "cpu" and gr.cuda.device_count() == 0
    assert not gr.backends.mps.is_available() and not gr.backends.cudnn.is_available()
    gr.cuda.manual_seed(0)
    gr.cuda.manual_seed_all(0)
    gr.backends.cudnn.deterministic, gr.backends.cudnn.benchmark = True, False
    assert gr.backends.cudnn.deterministic is True
    gr.use_deterministic_algorithms(True)
    try:
        assert gr.are_deterministic_algorithms_enabled()
    finally:
        gr.use_deterministic_algorithms(False)
        gr.backends.cudnn.deterministic = False
    assert not gr.are_deterministic_algorithms_enabled()
    with pytest.raises(RuntimeError, match="device: unknown or unavailable device 'cuda'"):
        gr.zeros(2, device="cuda")


def test_is_tensor_numel_is_floating_point():
    x = gr.zeros(2, 3)
    assert gr.is_tensor(x) and not gr.is_tensor(x.numpy()) and not gr.is_tensor([1.0])
    assert gr.numel(x) == 6 and gr.is_floating_point(x)
    assert not gr.is_floating_point(gr.arange(3))


# ----- conveniences: new_*, random fills, predicates ----------------------------------------

@requires_torch
@pytest.mark.parametrize("call", [
    lambda t: t.new_zeros(2, 3), lambda t: t.new_ones((4,)), lambda t: t.new_full((2,), 7.5),
    lambda t: t.new_tensor([1, 2]), lambda t: t.new_zeros(2, dtype=t.new_tensor(1).dtype),
    lambda t: t.new_empty(3).shape, lambda t: t.type_as(t.new_tensor([1]).long()),
    lambda t: t.reshape_as(t.new_zeros(3, 2)), lambda t: t.ravel(),
    lambda t: t.where(t > 2, 0.5), lambda t: t.sum_to_size(1, 3), lambda t: t.byte(),
    lambda t: t.char(), lambda t: t.short(), lambda t: t.is_signed(),
    lambda t: t.is_same_size(t.new_zeros(2, 3)), lambda t: t.get_device(),
    lambda t: t.is_complex(), lambda t: t.equal(t.clone()), lambda t: t.allclose(t + 1e-9),
    lambda t: t.isclose(t + 1e-3), lambda t: t[0, :1].is_nonzero(), lambda t: t.is_cpu,
])
def test_conveniences_match_torch(call):
    values = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    ours = call(gr.tensor(values))
    theirs = call(torch.tensor(values))
    if hasattr(theirs, "numpy"):
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    else:
        assert ours == theirs


def test_is_nonzero_refuses_several_values():
    with pytest.raises(RuntimeError, match="is_nonzero: .* with 2 values is ambiguous"):
        gr.zeros(2).is_nonzero()


@pytest.mark.parametrize("name, args, mean, variance", [
    ("uniform_", (-1.0, 3.0), 1.0, 16 / 12), ("normal_", (2.0, 0.5), 2.0, 0.25),
    ("exponential_", (4.0,), 0.25, 1 / 16), ("log_normal_", (0.0, 0.25), np.exp(0.25 ** 2 / 2),
                                             (np.exp(0.0625) - 1) * np.exp(0.0625)),
    ("geometric_", (0.25,), 4.0, 0.75 / 0.0625), ("bernoulli_", (0.3,), 0.3, 0.21),
    ("random_", (2, 6), 3.5, 1.25), ("random_", (4,), 1.5, 1.25),
])
def test_in_place_random_fills_draw_from_their_distribution(name, args, mean, variance):
    gr.manual_seed(11)
    x = gr.empty(20000, dtype=gr.float64)
    assert getattr(x, name)(*args) is x
    sample = x.numpy()
    standard_error = np.sqrt(variance / sample.size)
    assert abs(sample.mean() - mean) < 5 * standard_error
    assert abs(sample.var() - variance) < 0.1 * variance
    if name == "random_":
        low, high = (0, args[0]) if len(args) == 1 else args
        assert set(np.unique(sample)) == set(range(low, high))


def test_in_place_random_fills_keep_dtype_follow_the_seed_and_the_graph_rules():
    gr.manual_seed(3)
    first = gr.zeros(5, dtype=gr.float32).uniform_()
    gr.manual_seed(3)
    again = gr.zeros(5, dtype=gr.float32).uniform_()
    assert first.dtype == gr.float32 and np.array_equal(first.numpy(), again.numpy())
    other = gr.zeros(5).uniform_(generator=gr.Generator().manual_seed(3))
    assert np.array_equal(other.numpy(), first.numpy())
    ints = gr.zeros(1000, dtype=gr.int64).random_(-3, 3)
    assert ints.dtype == gr.int64 and set(ints.numpy()) == set(range(-3, 3))
    weight = gr.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="normal_: a leaf Variable that requires grad"):
        weight.normal_()
    with gr.no_grad():
        weight.normal_()
    assert weight.requires_grad and weight._version[0] > 0
    x = gr.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()  # as PyTorch: the draws do not depend on x, so x's gradient is 0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))
    with pytest.raises(RuntimeError, match="random_: expects 'from' to be less than 'to'"):
        gr.zeros(2).random_(3, 3)
    with pytest.raises(RuntimeError, match=r"bernoulli_: p must be in \[0, 1\]"):
        gr.zeros(2).bernoulli_(1.5)


def test_bernoulli_and_multinomial_methods():
    gr.manual_seed(0)
    probs = gr.full((20000,), 0.25)
    assert abs(probs.bernoulli().mean().item() - 0.25) < 0.02
    counts = np.bincount(gr.tensor([0.1, 0.0, 0.9]).multinomial(5000, True).numpy(), minlength=3)
    assert counts[1] == 0 and abs(counts[2] / 5000 - 0.9) < 0.02


@requires_torch
@pytest.mark.parametrize("name, args", [
    ("absolute_", ()), ("arctan_", ()), ("arctan2_", ("other",)), ("cumsum_", (1,)),
    ("cumprod_", (0,)), ("divide_", ("other",)), ("multiply_", ("other",)),
    ("subtract_", ("other",)), ("true_divide_", ("other",)), ("negative_", ()), ("fix_", ()),
    ("fmod_", (0.75,)), ("sgn_", ()), ("nan_to_num_", ()), ("lt_", ("other",)), ("ge_", (0.0,)),
    ("not_equal_", ("other",)), ("logical_and_", ("other",)), ("logical_not_", ()),
])
def test_in_place_forms_match_torch(name, args):
    rng = np.random.default_rng(4)
    values, other = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (gr, torch):
        x = lib.tensor(values)
        call_args = [lib.tensor(other) if a == "other" else a for a in args]
        assert getattr(x, name)(*call_args) is x
        results.append(to_numpy(x))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)
