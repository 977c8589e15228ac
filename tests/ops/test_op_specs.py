"""The op-spec harness: every ``OpSpec`` of every ``tests/ops/specs_*.py``, checked in float64.

Per spec and shape case: gradcheck along random directions (reverse mode against central
differences); gradgradcheck when ``second_order``; when ``forward_mode``, the JVP against
central differences and the dot-product test ⟨u, J v⟩ (jvp) == ⟨Jᵀ u, v⟩ (vjp); the same
``fn`` on PyTorch when it is importable (values and input gradients); and for inputs of two or
more dimensions, the same values and gradients from non-contiguous (transposed) views.
A coverage test fails when a differentiable ``Function`` in ``gradiente.ops`` has no spec.

``OpSpec.extra`` may set ``eps`` (the finite-difference step, default 1e-6) and ``fast_mode``
(False builds whole Jacobians instead of projections along random directions): a rounding op
such as a cast to float32 needs a step and directions that float32 represents exactly. It may
also set ``torch_grad_rtol`` where PyTorch's own float64 backward uses float32 constants, and
``torch_rtol`` where PyTorch's float64 values are themselves approximations (its trigamma).
"""

import glob
import importlib
import os
import pkgutil
import zlib

import numpy as np
import pytest

import gradiente as gr
import gradiente.ops
from gradiente.autograd import gradcheck, gradgradcheck, jvpcheck
from gradiente.autograd.function import Function
from gradiente.autograd.gradcheck import jvp_of
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

SEED = 20240601
# Function classes with no spec of their own, each covered indirectly:
ALLOWLIST = {
    # the engine's reduction of broadcast gradients: run by every broadcast case
    "SumToShape",
    # the base class the UNARY rows are made from; each row has its own spec
    "Elementwise",
}


def _load_specs():
    """SPECS from every specs_*.py beside this file, and the import errors of broken ones."""
    specs, errors = [], {}
    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "specs_*.py"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            module = importlib.import_module(f"tests.ops.{stem}")
            specs.extend(module.SPECS)
        except Exception as error:  # reported by test_spec_files_import, the rest still run
            errors[stem] = f"{type(error).__name__}: {error}"
    return specs, errors


SPECS, IMPORT_ERRORS = _load_specs()


def _cases(check):
    """One case per spec and shape, marked xfail(strict=True) where a known bug fails ``check``."""
    return [pytest.param(spec, index, id=f"{spec.name}-{index}",
                         marks=[pytest.mark.xfail(strict=True, reason=spec.known_bugs[check])]
                         if check in spec.known_bugs else [])
            for spec in SPECS for index in range(len(spec.shapes))]


CASES = _cases(None)


# ----- inputs ---------------------------------------------------------------------------------

def _rng(spec, index, salt=0):
    return np.random.default_rng([SEED, zlib.crc32(spec.name.encode()), index, salt])


def _arrays(spec, index):
    return [np.asarray(a, dtype=np.float64) for a in
            spec.inputs(_rng(spec, index), spec.shapes[index])]


def _diff_args(spec, arrays):
    return tuple(range(len(arrays))) if spec.diff_args is None else tuple(spec.diff_args)


def _transposed_view(array):
    """The same values in a non-contiguous layout: a transposed view of a reversed copy."""
    return np.ascontiguousarray(array.T).T


def _gr_inputs(spec, arrays, noncontiguous=False):
    diff = _diff_args(spec, arrays)
    tensors = []
    for j, a in enumerate(arrays):
        a = _transposed_view(a) if noncontiguous and a.ndim >= 2 else a.copy()
        t = gr.from_numpy(a)
        if j in diff:
            t.requires_grad_()
        tensors.append(t)
    return tensors


def _directions(rng, shapes):
    """Random directions of dyadic values in [-4, 4]: exact in float32 too (for casts)."""
    return [np.asarray(rng.integers(-64, 65, size=s) / 16.0) for s in shapes]


def _outputs(result):
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    return [o for o in outputs if o.dtype.is_floating_point]


def _eps(spec):
    return spec.extra.get("eps", 1e-6)


def _fast(spec):
    return spec.extra.get("fast_mode", True)


def _call(spec, tensors):
    return spec.fn(gr, *tensors)


# ----- the checks -----------------------------------------------------------------------------

def test_spec_files_import():
    assert not IMPORT_ERRORS, f"spec files failed to import: {IMPORT_ERRORS}"


@pytest.mark.parametrize("spec, index", _cases("gradcheck"))
def test_gradcheck(spec, index):
    tensors = _gr_inputs(spec, _arrays(spec, index))
    assert gradcheck(lambda *xs: _call(spec, xs), tensors, eps=_eps(spec), atol=spec.atol,
                     rtol=spec.rtol, fast_mode=_fast(spec), seed=index)


@pytest.mark.parametrize("spec, index", _cases("gradgradcheck"))
def test_gradgradcheck(spec, index):
    if not spec.second_order:
        pytest.skip("second_order=False")
    tensors = _gr_inputs(spec, _arrays(spec, index))
    with gr.no_grad():
        shapes = [tuple(o.shape) for o in _outputs(_call(spec, tensors))]
    cotangents = [gr.from_numpy(v).requires_grad_()
                  for v in _directions(_rng(spec, index, 1), shapes)]
    assert gradgradcheck(lambda *xs: _call(spec, xs), tensors, cotangents, eps=_eps(spec),
                         atol=spec.atol, rtol=spec.rtol, fast_mode=_fast(spec), seed=index)


@pytest.mark.parametrize("spec, index", _cases("forward_mode"))
def test_forward_mode(spec, index):
    if not spec.forward_mode:
        pytest.skip("forward_mode=False")
    arrays = _arrays(spec, index)
    tensors = _gr_inputs(spec, arrays)
    diff = _diff_args(spec, arrays)
    rng = _rng(spec, index, 2)
    tangents = [v if j in diff else None
                for j, v in enumerate(_directions(rng, [a.shape for a in arrays]))]
    fn = lambda *xs: _call(spec, xs)  # noqa: E731
    assert jvpcheck(fn, tensors, tangents, eps=_eps(spec), atol=spec.atol, rtol=spec.rtol)

    # ⟨u, J v⟩ by forward mode equals ⟨Jᵀ u, v⟩ by reverse mode
    jv = jvp_of(fn, tensors, tangents)
    cotangents = _directions(rng, [t.shape for t in jv])
    outputs = _outputs(_call(spec, tensors))
    pairs = [(o, u) for o, u in zip(outputs, cotangents) if o.requires_grad]
    grads = gr.autograd.grad([o for o, _ in pairs], [tensors[j] for j in diff],
                             [gr.from_numpy(u).to(o.dtype) for o, u in pairs], allow_unused=True)
    forward = sum(float(np.sum(u * t)) for u, t in zip(cotangents, jv))
    reverse = sum(float(np.sum(to_numpy(g) * tangents[j]))
                  for j, g in zip(diff, grads) if g is not None)
    scale = (sum(np.linalg.norm(u) * np.linalg.norm(t) for u, t in zip(cotangents, jv))
             + sum(np.linalg.norm(to_numpy(g)) * np.linalg.norm(tangents[j])
                   for j, g in zip(diff, grads) if g is not None))
    assert abs(forward - reverse) <= 1e-12 * scale + 1e-300, (
        f"{spec.name}: <u, Jv> = {forward!r} by jvp but <J^T u, v> = {reverse!r} by vjp")


@requires_torch
@pytest.mark.parametrize("spec, index", _cases("torch"))
def test_against_torch(spec, index):
    if spec.no_torch:
        pytest.skip(spec.no_torch)
    arrays = _arrays(spec, index)
    diff = _diff_args(spec, arrays)
    tensors = _gr_inputs(spec, arrays)
    torch_tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=j in diff)
                     for j, a in enumerate(arrays)]
    ours = _call(spec, tensors)
    theirs = (spec.torch_fn or spec.fn)(torch, *torch_tensors)
    ours = list(ours) if isinstance(ours, (tuple, list)) else [ours]
    theirs = list(theirs) if isinstance(theirs, (tuple, list)) else [theirs]
    assert len(ours) == len(theirs), f"{spec.name}: {len(ours)} outputs vs torch's {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert tuple(a.shape) == tuple(b.shape), f"{spec.name}: output {k} shape"
        _assert_close(to_numpy(a), to_numpy(b), f"{spec.name}: output {k}",
                      spec.extra.get("torch_rtol", 1e-10))

    pairs = [(a, b) for a, b in zip(ours, theirs)
             if a.dtype.is_floating_point and (a.requires_grad or b.requires_grad)]
    if not pairs:
        return
    cotangents = _directions(_rng(spec, index, 3), [tuple(a.shape) for a, _ in pairs])
    ours_grads = _grads([a for a, _ in pairs], [tensors[j] for j in diff], cotangents,
                        lambda v, o: gr.from_numpy(v).to(o.dtype), gr.autograd.grad)
    theirs_grads = _grads([b for _, b in pairs], [torch_tensors[j] for j in diff], cotangents,
                          lambda v, o: torch.from_numpy(v).to(o.dtype), torch.autograd.grad)
    rtol = spec.extra.get("torch_grad_rtol", 1e-10)
    for j, a, b in zip(diff, ours_grads, theirs_grads):
        _assert_close(a, b, f"{spec.name}: gradient of input {j}", rtol)


def _has_matrix_input(case):
    spec, index = case.values
    return any(sum(n > 1 for n in shape) >= 2 for shape in spec.shapes[index])


@pytest.mark.parametrize("spec, index", [case for case in CASES if _has_matrix_input(case)])
def test_noncontiguous_inputs(spec, index):
    arrays = _arrays(spec, index)
    contiguous = _gr_inputs(spec, arrays)
    strided = _gr_inputs(spec, arrays, noncontiguous=True)
    assert any(not t.is_contiguous() for t in strided)
    if not spec.noncontiguous:
        with pytest.raises(RuntimeError, match="Use .reshape"):
            _call(spec, strided)
        if HAS_TORCH:  # torch refuses the same strides
            with pytest.raises(RuntimeError, match="Use .reshape"):
                spec.fn(torch, *[torch.from_numpy(t.array) for t in strided])
        return
    diff = _diff_args(spec, arrays)
    results = []
    for tensors in (contiguous, strided):
        outputs = _outputs(_call(spec, tensors))
        cotangents = _directions(_rng(spec, index, 4), [tuple(o.shape) for o in outputs])
        grads = _grads(outputs, [tensors[j] for j in diff], cotangents,
                       lambda v, o: gr.from_numpy(v).to(o.dtype), gr.autograd.grad)
        results.append(([to_numpy(o) for o in outputs], grads))
    (values, grads), (strided_values, strided_grads) = results
    for k, (a, b) in enumerate(zip(values, strided_values)):
        _assert_close(b, a, f"{spec.name}: output {k} from non-contiguous inputs")
    for j, a, b in zip(diff, grads, strided_grads):
        _assert_close(b, a, f"{spec.name}: gradient of non-contiguous input {j}")
    assert gradcheck(lambda *xs: _call(spec, xs), strided, eps=_eps(spec), atol=spec.atol,
                     rtol=spec.rtol, fast_mode=True, seed=index)


def _grads(outputs, inputs, cotangents, make, grad):
    """Input gradients as arrays (zeros for unused inputs) for the given cotangents."""
    live = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
    if not live:
        return [np.zeros(tuple(x.shape)) for x in inputs]
    found = grad([o for o, _ in live], inputs, [make(v, o) for o, v in live], allow_unused=True)
    return [np.zeros(tuple(x.shape)) if g is None else to_numpy(g)
            for x, g in zip(inputs, found)]


def _assert_close(actual, expected, what, rtol=1e-10):
    """Equal to rtol, relative to each entry and to the largest magnitude of ``expected``."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} vs {expected.shape}"
    if expected.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale,
                               equal_nan=True, err_msg=what)


# ----- coverage -------------------------------------------------------------------------------

def _differentiable_functions():
    """{class name: module} of every differentiable Function defined in gradiente.ops.*."""
    found = {}
    for info in pkgutil.iter_modules(gradiente.ops.__path__):
        module = importlib.import_module(f"gradiente.ops.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Function) and obj is not Function
                    and obj.__module__ == module.__name__ and obj.differentiable):
                found[obj.__name__] = module.__name__
    return found


def test_every_differentiable_function_has_a_spec():
    covered = {name for spec in SPECS for name in spec.class_names()}
    missing = sorted(f"{module}.{name}" for name, module in _differentiable_functions().items()
                     if name not in covered and name not in ALLOWLIST)
    assert not missing, f"Function classes without an OpSpec: {', '.join(missing)}"


def test_specs_name_existing_functions():
    known = _differentiable_functions()
    stale = sorted({f"{spec.name} -> {name}" for spec in SPECS for name in spec.class_names()
                    if name not in known})
    assert not stale, f"specs cover Function classes that do not exist: {', '.join(stale)}"


# ----- broadcasting, property-based ----------------------------------------------------------

try:
    from hypothesis import given, settings, strategies as st
    from hypothesis.extra.numpy import mutually_broadcastable_shapes
except ImportError:  # pragma: no cover - hypothesis is a test extra
    given = None

BROADCAST_BINARY = {
    "add": lambda lib, x, y: x + y, "sub": lambda lib, x, y: x - y,
    "mul": lambda lib, x, y: x * y, "div": lambda lib, x, y: x / (y * y + 1),
    "maximum": lambda lib, x, y: lib.maximum(x, y), "atan2": lambda lib, x, y: lib.atan2(x, y),
    "pow": lambda lib, x, y: lib.pow(x * x + 0.5, y),
}

if given is not None:
    @requires_torch
    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(name=st.sampled_from(sorted(BROADCAST_BINARY)),
           shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3))
    def test_binary_broadcasting_matches_torch(name, shapes):
        """Values and gradients of broadcast binary ops agree with PyTorch on any shape pair."""
        fn = BROADCAST_BINARY[name]
        rng = np.random.default_rng(zlib.crc32(repr((name, shapes)).encode()))
        arrays = [rng.uniform(-2, 2, size=s) for s in shapes.input_shapes]
        ours = [gr.tensor(a, dtype=gr.float64, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        out, expected = fn(gr, *ours), fn(torch, *theirs)
        assert tuple(out.shape) == tuple(expected.shape) == shapes.result_shape
        _assert_close(to_numpy(out), to_numpy(expected), f"{name}{shapes.input_shapes}")
        cotangent = np.asarray(rng.standard_normal(shapes.result_shape))
        out.backward(gr.tensor(cotangent, dtype=gr.float64))
        expected.backward(torch.tensor(cotangent, dtype=torch.float64))
        for j, (a, b) in enumerate(zip(ours, theirs)):
            assert tuple(a.grad.shape) == tuple(a.shape)
            _assert_close(to_numpy(a.grad), to_numpy(b.grad), f"{name}: gradient {j}")
