"""Transforms: forward, inverse and log |det J| against torch in float64 and against finite
differences; their attributes (sign, bijective, domain, codomain, shapes), caching, equality,
gradients, and biject_to/transform_to."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck
from gradiente.distributions import constraints, transforms
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch
    import torch.distributions.transforms as torch_transforms

TOL = dict(rtol=1e-12, atol=1e-12)
RNG = np.random.default_rng(0)
LOC, SCALE = RNG.standard_normal(3), RNG.uniform(0.5, 2.0, 3) * np.array([1, -1, 1])
EXPONENT = RNG.uniform(0.5, 2.0, 3)


def reals(rng, shape):
    return rng.standard_normal(shape)


def positives(rng, shape):
    return rng.uniform(0.3, 3.0, shape)


# name, arguments (lib -> args), domain sampler: the same construction in both libraries
ELEMENTWISE = [
    ("ExpTransform", lambda lib: (), reals),
    ("SigmoidTransform", lambda lib: (), reals),
    ("TanhTransform", lambda lib: (), reals),
    ("SoftplusTransform", lambda lib: (), reals),
    ("PowerTransform", lambda lib: (lib.tensor(EXPONENT),), positives),
    ("PowerTransform", lambda lib: (lib.tensor(-1.5, dtype=lib.float64),), positives),
    ("AffineTransform", lambda lib: (lib.tensor(LOC), lib.tensor(SCALE)), reals),
    ("AffineTransform", lambda lib: (0.5, -2.0), reals),
]
ELEMENTWISE_IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(ELEMENTWISE)]


def both(name, args):
    """The transform from gradiente and from torch."""
    return (getattr(transforms, name)(*args(gr)), getattr(torch_transforms, name)(*args(torch)))


def assert_same(ours, theirs, what):
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape"
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), err_msg=what, **TOL)


@requires_torch
@pytest.mark.parametrize("name, args, domain", ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_elementwise_transform_matches_torch(name, args, domain):
    ours, theirs = both(name, args)
    x = domain(np.random.default_rng(1), (2, 3))
    y_ours, y_theirs = ours(gr.tensor(x)), theirs(torch.tensor(x))
    assert_same(y_ours, y_theirs, f"{name} forward")
    assert_same(ours.inv(y_ours), theirs.inv(y_theirs), f"{name} inverse")
    assert_same(ours.log_abs_det_jacobian(gr.tensor(x), y_ours),
                theirs.log_abs_det_jacobian(torch.tensor(x), y_theirs), f"{name} log|det J|")
    inverse = ours.inv.log_abs_det_jacobian(y_ours, gr.tensor(x))
    assert_same(inverse, theirs.inv.log_abs_det_jacobian(y_theirs, torch.tensor(x)),
                f"{name}.inv log|det J|")
    np.testing.assert_allclose(to_numpy(ours.inv(y_ours)), x, rtol=1e-10)
    for attribute in ("bijective", "domain", "codomain"):
        assert repr(getattr(ours, attribute)) == repr(getattr(theirs, attribute)), attribute
    sign_ours, sign_theirs = ours.sign, theirs.sign
    assert np.array_equal(to_numpy(sign_ours) if hasattr(sign_ours, "shape") else sign_ours,
                          to_numpy(sign_theirs) if hasattr(sign_theirs, "shape") else sign_theirs)
    assert repr(ours) == repr(theirs) and repr(ours.inv) == repr(theirs.inv)


@pytest.mark.parametrize("name, args, domain", ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_log_abs_det_jacobian_is_log_of_the_finite_difference_slope(name, args, domain):
    transform = getattr(transforms, name)(*args(gr))
    x = domain(np.random.default_rng(2), (2, 3))
    h = 1e-6
    slope = (transform(gr.tensor(x + h)).numpy() - transform(gr.tensor(x - h)).numpy()) / (2 * h)
    ladj = transform.log_abs_det_jacobian(gr.tensor(x), transform(gr.tensor(x))).numpy()
    np.testing.assert_allclose(ladj, np.log(np.abs(slope)), atol=1e-7)


@pytest.mark.parametrize("name, args, domain", ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_forward_inverse_and_log_abs_det_jacobian_differentiate(name, args, domain):
    transform = getattr(transforms, name)(*args(gr))
    x = gr.tensor(domain(np.random.default_rng(3), (2, 3)), requires_grad=True)
    assert gradcheck(lambda x: transform(x), (x,))
    assert gradcheck(lambda x: transform.log_abs_det_jacobian(x, transform(x)), (x,))
    y = transform(x).detach().requires_grad_()
    assert gradcheck(lambda y: transform.inv(y), (y,))


def test_affine_and_power_differentiate_by_their_parameters():
    x = gr.tensor(RNG.uniform(0.5, 2.0, (2, 3)))
    loc, scale, exponent = (gr.tensor(v, requires_grad=True) for v in (LOC, SCALE, EXPONENT))

    def affine(loc, scale):
        t = transforms.AffineTransform(loc, scale)
        return t(x) + t.log_abs_det_jacobian(x, t(x))

    def power(exponent):
        t = transforms.PowerTransform(exponent)
        return t(x) + t.log_abs_det_jacobian(x, t(x))
    assert gradcheck(affine, (loc, scale)) and gradcheck(power, (exponent,))


@requires_torch
def test_affine_over_event_dims_sums_log_abs_det_jacobian_as_torch():
    x = RNG.standard_normal((4, 2, 3))
    for scale in (SCALE, -2.0, np.float64(3.0)):
        scale_of = (lambda lib: lib.tensor(scale)) if isinstance(scale, np.ndarray) else (
            lambda lib: float(scale))
        for event_dim in (1, 2):
            ours = transforms.AffineTransform(gr.tensor(LOC), scale_of(gr), event_dim)
            theirs = torch_transforms.AffineTransform(torch.tensor(LOC), scale_of(torch),
                                                      event_dim)
            y = ours(gr.tensor(x))
            assert_same(ours.log_abs_det_jacobian(gr.tensor(x), y),
                        theirs.log_abs_det_jacobian(torch.tensor(x), theirs(torch.tensor(x))),
                        f"AffineTransform(event_dim={event_dim})")
            assert repr(ours.domain) == repr(theirs.domain)
            assert ours.forward_shape((4, 1, 1)) == tuple(theirs.forward_shape((4, 1, 1)))


@requires_torch
def test_compose_transform_matches_torch():
    def parts(lib, module):
        return [module.AffineTransform(lib.tensor(LOC), lib.tensor(SCALE)),
                module.SigmoidTransform(), module.ExpTransform().inv,
                module.AffineTransform(1.0, -3.0)]
    ours = transforms.ComposeTransform(parts(gr, transforms))
    theirs = torch_transforms.ComposeTransform(parts(torch, torch_transforms))
    x = RNG.standard_normal((2, 3))
    y_ours, y_theirs = ours(gr.tensor(x)), theirs(torch.tensor(x))
    assert_same(y_ours, y_theirs, "Compose forward")
    assert_same(ours.inv(y_ours), theirs.inv(y_theirs), "Compose inverse")
    assert_same(ours.log_abs_det_jacobian(gr.tensor(x), y_ours),
                theirs.log_abs_det_jacobian(torch.tensor(x), y_theirs), "Compose log|det J|")
    assert_same(ours.sign, theirs.sign, "Compose sign")
    assert ours.bijective and repr(ours) == repr(theirs)
    assert repr(ours.domain) == repr(theirs.domain) == "Real()"
    assert repr(ours.codomain) == repr(theirs.codomain) == "Real()"
    empty = transforms.identity_transform
    assert_same(empty(gr.tensor(x)), torch.tensor(x), "identity")
    assert_same(empty.log_abs_det_jacobian(gr.tensor(x), gr.tensor(x)), torch.zeros(2, 3),
                "identity log|det J|")


@requires_torch
def test_compose_with_an_event_dim_transform_widens_domain_as_torch():
    def parts(module):
        return [module.ExpTransform(), module.SoftmaxTransform(), module.ExpTransform()]
    ours = transforms.ComposeTransform(parts(transforms))
    theirs = torch_transforms.ComposeTransform(parts(torch_transforms))
    assert repr(ours.domain) == repr(theirs.domain) == "IndependentConstraint(Real(), 1)"
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert repr(ours.codomain) == "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"


@requires_torch
def test_softmax_and_abs_transforms_match_torch_and_have_no_log_abs_det_jacobian():
    x = RNG.standard_normal((2, 4))
    for name in ("SoftmaxTransform", "AbsTransform"):
        ours, theirs = getattr(transforms, name)(), getattr(torch_transforms, name)()
        y_ours, y_theirs = ours(gr.tensor(x)), theirs(torch.tensor(x))
        assert_same(y_ours, y_theirs, f"{name} forward")
        assert_same(ours.inv(y_ours), theirs.inv(y_theirs), f"{name} inverse")
        assert not ours.bijective and not theirs.bijective
        assert repr(ours.codomain) == repr(theirs.codomain)
        for transform, lib in ((ours, gr), (theirs, torch)):
            with pytest.raises(NotImplementedError):
                transform.log_abs_det_jacobian(lib.tensor(x), transform(lib.tensor(x)))
    np.testing.assert_allclose(transforms.SoftmaxTransform()(gr.tensor(x)).numpy().sum(-1), 1.0)


def test_cache_returns_the_paired_value_itself():
    x = gr.tensor([-1.0, 2.0])
    cached = transforms.AbsTransform(cache_size=1)
    y = cached(x)
    assert cached.inv(y) is x and cached(x) is y  # the sign of x survives the round trip
    assert transforms.AbsTransform()(x) is not transforms.AbsTransform()(x)
    assert transforms.AbsTransform().inv(y).tolist() == [1.0, 2.0]
    exp = transforms.ExpTransform(cache_size=1)
    y = gr.tensor([1.0, 3.0])
    x = exp.inv(y)
    assert exp(x) is y


@requires_torch
def test_cache_size_must_be_0_or_1_as_in_torch():
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        transforms.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        torch_transforms.ExpTransform(cache_size=2)


def test_equality_compares_types_and_parameters():
    t = gr.tensor([1.0, 2.0])
    assert transforms.ExpTransform() == transforms.ExpTransform()
    assert transforms.ExpTransform() != transforms.SigmoidTransform()
    assert transforms.AffineTransform(t, 2.0) == transforms.AffineTransform(t.clone(), 2.0)
    assert transforms.AffineTransform(t, 2.0) != transforms.AffineTransform(t, 3.0)
    assert transforms.ExpTransform().inv == transforms.ExpTransform().inv
    assert transforms.ComposeTransform([transforms.ExpTransform()]) != \
        transforms.ComposeTransform([transforms.ExpTransform(), transforms.ExpTransform()])
    assert len({transforms.ExpTransform(), transforms.ExpTransform()}) == 2  # hashed by id


def test_base_transform_implements_nothing():
    base = transforms.Transform()
    with pytest.raises(NotImplementedError, match="Transform does not implement sign"):
        base.sign
    with pytest.raises(NotImplementedError, match="Transform does not implement _call"):
        base(gr.tensor(1.0))
    with pytest.raises(NotImplementedError, match="Transform does not implement _inverse"):
        base.inv(gr.tensor(1.0))
    with pytest.raises(NotImplementedError, match="does not implement log_abs_det_jacobian"):
        base.log_abs_det_jacobian(gr.tensor(1.0), gr.tensor(1.0))


CONSTRAINTS = [
    lambda c: c.real, lambda c: c.positive, lambda c: c.nonnegative,
    lambda c: c.greater_than(1.5), lambda c: c.less_than(-2.0), lambda c: c.unit_interval,
    lambda c: c.interval(-1.0, 3.0),
]


@requires_torch
@pytest.mark.parametrize("factory", ["biject_to", "transform_to"])
@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=lambda f: repr(f(constraints)))
def test_biject_to_and_transform_to_match_torch(constraint, factory):
    ours = getattr(gr.distributions, factory)(constraint(constraints))
    theirs = getattr(torch.distributions, factory)(constraint(torch.distributions.constraints))
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((3, 4)) * 3
    y = ours(gr.tensor(x))
    assert_same(y, theirs(torch.tensor(x)), f"{factory}({constraint(constraints)!r})")
    assert_same(ours.log_abs_det_jacobian(gr.tensor(x), y),
                theirs.log_abs_det_jacobian(torch.tensor(x), theirs(torch.tensor(x))),
                "log|det J|")
    assert constraint(constraints).check(y).all()
    np.testing.assert_allclose(ours.inv(y).numpy(), x, rtol=1e-9)


@requires_torch
def test_transform_to_simplex_is_softmax_and_biject_to_simplex_is_not_implemented():
    assert repr(gr.distributions.transform_to(constraints.simplex)) == repr(
        torch.distributions.transform_to(torch.distributions.constraints.simplex))
    with pytest.raises(NotImplementedError, match="Cannot transform _Simplex constraints"):
        gr.distributions.biject_to(constraints.simplex)  # torch's is StickBreakingTransform
    for lib in (gr, torch):
        with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
            lib.distributions.biject_to(lib.distributions.constraints.boolean)
