"""Op specs of ``gradiente.ops.elementwise``: every UNARY row, arithmetic, activations.

Inputs stay inside each function's domain and away from kinks and jumps (finite differences
across a kink measure neither one-sided derivative).
"""

import numpy as np

from gradiente.ops.elementwise import SPECIAL_UNARY, UNARY
from tests.ops.spec import OpSpec

UNARY_SHAPES = [((),), ((5,),), ((3, 4),), ((2, 1, 3),)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()),
                 ((2, 1, 3), (4, 1))]
# the first input has the broadcast shape: for inputs built from the second (see _ratio_away)
FIRST_FULL_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3), ()), ((2, 3, 4), (3, 1))]


def away_from_zero(low, high):
    """Values of either sign with magnitude in [low, high]."""
    def make(rng, shapes):
        return [rng.choice([-1.0, 1.0], size=s) * rng.uniform(low, high, size=s)
                for s in shapes]
    return make


def away_from_integers(low, high, halves=False):
    """Values in [low, high] at least 0.1 from every integer (and from every half-integer)."""
    def make(rng, shapes):
        arrays = []
        for s in shapes:
            whole = rng.integers(int(np.floor(low)), int(np.ceil(high)), size=s)
            if halves:
                fraction = rng.choice([0.15, 0.65], size=s) + rng.uniform(0, 0.2, size=s)
            else:
                fraction = rng.uniform(0.1, 0.9, size=s)
            arrays.append(whole + fraction)
        return arrays
    return make


def _ratio_away(rng, shapes):
    """x, y with x / y at least 0.1 from every integer: remainder and fmod do not jump."""
    x_shape, y_shape = shapes
    y = rng.choice([-1.0, 1.0], size=y_shape) * rng.uniform(0.5, 1.5, size=y_shape)
    quotient = rng.integers(-3, 3, size=x_shape) + rng.uniform(0.1, 0.9, size=x_shape)
    return [quotient * y, y]


def _with_zeros_and_positive(rng, shapes):
    """x with some exact zeros (where xlogy is 0 whatever y), y > 0."""
    x_shape, y_shape = shapes
    x = rng.uniform(-2, 2, size=x_shape) * (rng.uniform(size=x_shape) > 0.3)
    return [x, rng.uniform(0.2, 2.0, size=y_shape)]


def _clamp_bounds(rng, shapes):
    x_shape, low_shape, high_shape = shapes
    return [rng.uniform(-2, 2, size=x_shape), rng.uniform(-1.5, -0.2, size=low_shape),
            rng.uniform(0.2, 1.5, size=high_shape)]


def _off_bounds(bounds):
    """Values in [-2, 2] at least 0.05 from each of ``bounds`` (clamp's and hard*'s kinks)."""
    def make(rng, shapes):
        arrays = []
        for s in shapes:
            a = rng.uniform(-2, 2, size=s)
            for b in bounds:
                a = np.where(np.abs(a - b) < 0.05, b + 0.1, a)
            arrays.append(a)
        return arrays
    return make


# PyTorch's float64 backward of celu and hardsigmoid uses float32 constants (hardsigmoid's
# slope comes out as float32(1/6)): ours is exact, so the comparison allows float32 rounding
TORCH_FLOAT32_BACKWARD = dict(torch_grad_rtol=1e-7)

# PyTorch's float64 trigamma (digamma's derivative, polygamma(1)) is a short series with
# relative errors up to 5e-10 (against mpmath; ours: 1e-15, tests/ops/test_special.py)
TORCH_TRIGAMMA = dict(torch_rtol=2e-9, torch_grad_rtol=2e-9)

# PyTorch's float64 igamma/igammac for 20 < a < 200 and |x − a| < 0.3a is Temme's asymptotic
# series, with relative errors up to 4e-10 (against mpmath; ours: 1e-14, test_special.py)
TORCH_IGAMMA = dict(torch_rtol=1e-9)

DOMAINS = {  # name: OpSpec keyword arguments for the inputs
    "lgamma": dict(make_inputs=away_from_integers(-2, 4)),
    "digamma": dict(make_inputs=away_from_integers(-2, 4), extra=TORCH_TRIGAMMA),
    "erfinv": dict(low=-0.9, high=0.9),
    "i0": dict(low=-12.0, high=12.0),
    "log": dict(low=0.2, high=3.0), "log2": dict(low=0.2, high=3.0),
    "log10": dict(low=0.2, high=3.0), "log1p": dict(low=-0.7, high=2.0),
    "sqrt": dict(low=0.2, high=3.0), "rsqrt": dict(low=0.2, high=3.0),
    "reciprocal": dict(make_inputs=away_from_zero(0.3, 2.0)),
    "abs": dict(make_inputs=away_from_zero(0.1, 2.0)),
    "tan": dict(low=-1.2, high=1.2),
    "asin": dict(low=-0.9, high=0.9), "acos": dict(low=-0.9, high=0.9),
    "acosh": dict(low=1.2, high=3.0), "atanh": dict(low=-0.9, high=0.9),
    "logit": dict(low=0.1, high=0.9),
    "relu": dict(make_inputs=away_from_zero(0.1, 2.0)),
    "sign": dict(make_inputs=away_from_zero(0.1, 2.0)),
    "floor": dict(make_inputs=away_from_integers(-3, 3)),
    "ceil": dict(make_inputs=away_from_integers(-3, 3)),
    "trunc": dict(make_inputs=away_from_integers(-3, 3)),
    "frac": dict(make_inputs=away_from_integers(-3, 3)),
    "round": dict(make_inputs=away_from_integers(-3, 3, halves=True)),
}

SPECS = [OpSpec(name, (lambda lib, x, name=name: getattr(lib, name)(x)), UNARY_SHAPES,
                **DOMAINS.get(name, {}))
         for name in UNARY]

SPECIAL_DOMAINS = {  # torch.special's functions: name: OpSpec keyword arguments
    "i0e": dict(make_inputs=away_from_zero(0.1, 12.0)),  # both Chebyshev ranges, |x| > 8 too
    "i1": dict(low=-12.0, high=12.0), "i1e": dict(make_inputs=away_from_zero(0.1, 12.0)),
    "ndtri": dict(low=0.02, high=0.98), "log_ndtr": dict(low=-12.0, high=4.0),
    "erfcx": dict(low=-2.0, high=12.0), "entr": dict(low=0.1, high=3.0),
}
SPECS += [OpSpec(f"special_{name}", (lambda lib, x, name=name: getattr(lib.special, name)(x)),
                 UNARY_SHAPES, covers=("".join(p.capitalize() for p in name.split("_")),),
                 **SPECIAL_DOMAINS.get(name, {}))
          for name in SPECIAL_UNARY]

SPECS += [
    # arithmetic, with broadcasting and Python scalars
    OpSpec("add", lambda lib, x, y: lib.add(x, y), BINARY_SHAPES),
    OpSpec("add_alpha", lambda lib, x, y: lib.add(x, y, alpha=2.5), BINARY_SHAPES[:2],
           covers=("Add", "Mul")),
    OpSpec("add_scalar", lambda lib, x: 1.5 + x, UNARY_SHAPES[:3], covers=("Add",)),
    OpSpec("sub", lambda lib, x, y: lib.sub(x, y), BINARY_SHAPES),
    OpSpec("sub_alpha", lambda lib, x, y: lib.sub(x, y, alpha=-3), BINARY_SHAPES[:2],
           covers=("Sub", "Mul")),
    OpSpec("rsub_scalar", lambda lib, x: 2.0 - x, UNARY_SHAPES[:3], covers=("Sub",)),
    OpSpec("mul", lambda lib, x, y: lib.mul(x, y), BINARY_SHAPES),
    OpSpec("mul_scalar", lambda lib, x: x * -1.25, UNARY_SHAPES[:3], covers=("Mul",)),
    OpSpec("mul_self", lambda lib, x: x * x, UNARY_SHAPES[:3], covers=("Mul",)),
    OpSpec("div", lambda lib, x, y: lib.div(x, y), BINARY_SHAPES,
           make_inputs=away_from_zero(0.4, 2.0)),
    OpSpec("rdiv_scalar", lambda lib, x: 3.0 / x, UNARY_SHAPES[:3],
           make_inputs=away_from_zero(0.4, 2.0), covers=("Div",)),
    OpSpec("div_scalar", lambda lib, x: x / 4.0, UNARY_SHAPES[:3], covers=("Div",)),
    OpSpec("neg", lambda lib, x: -x, UNARY_SHAPES),
    OpSpec("pow", lambda lib, x, y: lib.pow(x, y), BINARY_SHAPES,
           make_inputs=lambda rng, s: [rng.uniform(0.3, 2.0, size=s[0]),
                                       rng.uniform(-2.0, 2.0, size=s[1])]),
    OpSpec("pow_scalar_exponent", lambda lib, x: x ** 2.5, UNARY_SHAPES, low=0.2,
           covers=("Pow",)),
    OpSpec("pow_negative_exponent", lambda lib, x: lib.pow(x, -1.5), UNARY_SHAPES[:3],
           low=0.3, covers=("Pow",)),
    OpSpec("pow_integer_exponent", lambda lib, x: x ** 3, UNARY_SHAPES, covers=("Pow",)),
    OpSpec("pow_zero_exponent", lambda lib, x: x ** 0, UNARY_SHAPES[:3], covers=("Pow",)),
    OpSpec("pow_scalar_base", lambda lib, x: 2.5 ** x, UNARY_SHAPES, covers=("Pow",)),
    OpSpec("float_power", lambda lib, x, y: lib.float_power(x, y), BINARY_SHAPES[:3],
           make_inputs=lambda rng, s: [rng.uniform(0.3, 2.0, size=s[0]),
                                       rng.uniform(-2.0, 2.0, size=s[1])],
           covers=("Pow",)),
    OpSpec("remainder", lambda lib, x, y: lib.remainder(x, y), FIRST_FULL_SHAPES,
           make_inputs=_ratio_away),
    OpSpec("remainder_scalar", lambda lib, x: x % 1.5, UNARY_SHAPES[:3],
           make_inputs=lambda rng, s: [1.5 * away_from_integers(-3, 3)(rng, s)[0]],
           covers=("Remainder",)),
    OpSpec("fmod", lambda lib, x, y: lib.fmod(x, y), FIRST_FULL_SHAPES,
           make_inputs=_ratio_away),
    OpSpec("fmod_scalar", lambda lib, x: lib.fmod(x, -0.75), UNARY_SHAPES[:3],
           make_inputs=lambda rng, s: [0.75 * away_from_integers(-3, 3)(rng, s)[0]],
           covers=("Fmod",)),
    OpSpec("atan2", lambda lib, y, x: lib.atan2(y, x), BINARY_SHAPES,
           make_inputs=away_from_zero(0.3, 2.0)),
    OpSpec("hypot", lambda lib, x, y: lib.hypot(x, y), BINARY_SHAPES,
           make_inputs=away_from_zero(0.3, 2.0)),
    OpSpec("logaddexp", lambda lib, x, y: lib.logaddexp(x, y), BINARY_SHAPES, low=-30,
           high=30),
    OpSpec("logaddexp2", lambda lib, x, y: lib.logaddexp2(x, y), BINARY_SHAPES,
           covers=("Logaddexp",)),
    OpSpec("xlogy", lambda lib, x, y: lib.xlogy(x, y), BINARY_SHAPES,
           make_inputs=_with_zeros_and_positive),
    OpSpec("xlogy_scalar_other", lambda lib, x: lib.xlogy(x, 3.0), UNARY_SHAPES,
           covers=("Xlogy",)),
    OpSpec("clamp_min", lambda lib, x: lib.clamp_min(x, 0.25), UNARY_SHAPES,
           make_inputs=_off_bounds([0.25]), covers=("Clamp",)),
    OpSpec("clamp_max", lambda lib, x: x.clamp_max(-0.25), UNARY_SHAPES,
           make_inputs=_off_bounds([-0.25]), covers=("Clamp",)),
    OpSpec("polygamma_1", lambda lib, x: lib.polygamma(1, x), UNARY_SHAPES,
           make_inputs=away_from_integers(-2, 4), covers=("Polygamma",), extra=TORCH_TRIGAMMA),
    OpSpec("mvlgamma", lambda lib, x: lib.mvlgamma(x, 3), UNARY_SHAPES, low=1.2, high=4.0,
           covers=("Lgamma",)),
    OpSpec("polygamma_3", lambda lib, x: x.polygamma(3), UNARY_SHAPES,
           make_inputs=away_from_integers(-2, 4), covers=("Polygamma",)),
    OpSpec("xlog1py", lambda lib, x, y: lib.special.xlog1py(x, y), BINARY_SHAPES,
           make_inputs=lambda rng, s: _with_zeros_and_positive(rng, s)[:1] + [
               rng.uniform(-0.8, 2.0, size=s[1])]),
    OpSpec("xlog1py_scalar_other", lambda lib, x: lib.special.xlog1py(x, 0.5), UNARY_SHAPES,
           covers=("Xlog1py",)),
    # PyTorch has no derivative of zeta in x nor of gammainc/gammaincc in a
    OpSpec("zeta", lambda lib, x, q: lib.special.zeta(x, q), BINARY_SHAPES, diff_args=(1,),
           make_inputs=lambda rng, s: [rng.uniform(1.5, 6.0, size=s[0]),
                                       rng.uniform(0.3, 4.0, size=s[1])]),
    OpSpec("zeta_scalar_x", lambda lib, q: lib.special.zeta(2.5, q), UNARY_SHAPES, low=0.3,
           high=4.0, covers=("Zeta",)),
    OpSpec("igamma", lambda lib, a, x: lib.igamma(a, x), BINARY_SHAPES, diff_args=(1,),
           extra=TORCH_IGAMMA, make_inputs=lambda rng, s: [rng.uniform(0.2, 30.0, size=s[0]),
                                       rng.uniform(0.1, 40.0, size=s[1])]),
    OpSpec("igammac", lambda lib, a, x: (lib.special.gammaincc(a, x), a.igammac(x)),
           BINARY_SHAPES, diff_args=(1,), extra=TORCH_IGAMMA,
           make_inputs=lambda rng, s: [rng.uniform(0.2, 30.0, size=s[0]),
                                       rng.uniform(0.1, 40.0, size=s[1])]),
    OpSpec("maximum", lambda lib, x, y: lib.maximum(x, y), BINARY_SHAPES),
    OpSpec("minimum", lambda lib, x, y: lib.minimum(x, y), BINARY_SHAPES),
    OpSpec("fmax", lambda lib, x, y: lib.fmax(x, y), BINARY_SHAPES[:3]),
    OpSpec("fmin", lambda lib, x, y: lib.fmin(x, y), BINARY_SHAPES[:3]),
    # selection and interpolation
    OpSpec("where", lambda lib, x, y: lib.where(x > 0, x, y), BINARY_SHAPES,
           make_inputs=away_from_zero(0.1, 2.0)),
    OpSpec("where_scalar", lambda lib, x: lib.where(x > 0, x, 0.5), UNARY_SHAPES[:3],
           make_inputs=away_from_zero(0.1, 2.0), covers=("Where",)),
    OpSpec("where_condition_broadcast", lambda lib, x, y: lib.where(y > 0, x, x * 2),
           [((2, 3), (3,)), ((3,), (2, 1))], make_inputs=away_from_zero(0.1, 2.0),
           diff_args=(0,), covers=("Where", "Mul")),
    OpSpec("lerp", lambda lib, x, y, w: lib.lerp(x, y, w),
           [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), ()), ((4,), (3, 4), (3, 1))]),
    OpSpec("lerp_scalar_weight", lambda lib, x, y: lib.lerp(x, y, 0.3), BINARY_SHAPES[:3],
           covers=("Lerp",)),
    OpSpec("clamp", lambda lib, x: lib.clamp(x, -0.5, 0.7), UNARY_SHAPES,
           make_inputs=_off_bounds((-0.5, 0.7))),
    OpSpec("clamp_min", lambda lib, x: lib.clamp(x, min=-0.5), UNARY_SHAPES[:3],
           make_inputs=_off_bounds((-0.5,)), covers=("Clamp",)),
    OpSpec("clamp_max", lambda lib, x: lib.clamp(x, max=0.3), UNARY_SHAPES[:3],
           make_inputs=_off_bounds((0.3,)), covers=("Clamp",)),
    OpSpec("clamp_tensor_bounds", lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
           # torch's own backward fails when x is smaller than the broadcast shape
           [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((3, 4), (), (4,))],
           make_inputs=_clamp_bounds, covers=("Clamp",)),
    OpSpec("clamp_tensor_min", lambda lib, x, lo: lib.clamp(x, min=lo),
           [((3, 4), (3, 4)), ((3, 1), (4,))],
           make_inputs=lambda rng, s: _clamp_bounds(rng, (*s, ()))[:2], covers=("Clamp",)),
    # casts between floating types: dyadic inputs and step, exact in float32 (see the harness)
    OpSpec("cast", lambda lib, x: x.to(lib.float32).to(lib.float64) * 3, UNARY_SHAPES,
           make_inputs=lambda rng, s: [rng.integers(-256, 257, size=s[0]) / 64.0],
           extra=dict(eps=2.0 ** -10, fast_mode=False), covers=("Cast", "Mul")),
    # activations
    OpSpec("leaky_relu", lambda lib, x: lib.leaky_relu(x), UNARY_SHAPES,
           make_inputs=away_from_zero(0.1, 2.0),
           torch_fn=lambda torch, x: torch.nn.functional.leaky_relu(x)),
    OpSpec("leaky_relu_slope", lambda lib, x: lib.leaky_relu(x, 0.3), UNARY_SHAPES[:3],
           make_inputs=away_from_zero(0.1, 2.0), covers=("LeakyRelu",),
           torch_fn=lambda torch, x: torch.nn.functional.leaky_relu(x, 0.3)),
    OpSpec("elu", lambda lib, x: lib.elu(x, 1.3), UNARY_SHAPES,
           make_inputs=away_from_zero(0.1, 2.0),
           torch_fn=lambda torch, x: torch.nn.functional.elu(x, 1.3)),
    OpSpec("selu", lambda lib, x: lib.selu(x), UNARY_SHAPES, make_inputs=away_from_zero(0.1, 2),
           covers=("Elu",)),
    OpSpec("celu", lambda lib, x: lib.celu(x, 0.7), UNARY_SHAPES,
           make_inputs=away_from_zero(0.1, 2), covers=("Elu",), extra=TORCH_FLOAT32_BACKWARD),
    OpSpec("softplus", lambda lib, x: lib.softplus(x), UNARY_SHAPES, low=-3.0, high=3.0,
           torch_fn=lambda torch, x: torch.nn.functional.softplus(x)),
    OpSpec("softplus_beta_threshold", lambda lib, x: lib.softplus(x, 2.0, 1.5), UNARY_SHAPES,
           make_inputs=_off_bounds((0.75,)), covers=("Softplus",),
           torch_fn=lambda torch, x: torch.nn.functional.softplus(x, 2.0, 1.5)),
    OpSpec("gelu", lambda lib, x: lib.gelu(x), UNARY_SHAPES, low=-3.0, high=3.0,
           torch_fn=lambda torch, x: torch.nn.functional.gelu(x)),
    OpSpec("gelu_tanh", lambda lib, x: lib.gelu(x, approximate="tanh"), UNARY_SHAPES,
           low=-3.0, high=3.0, covers=("Gelu",),
           torch_fn=lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh")),
    OpSpec("silu", lambda lib, x: lib.silu(x), UNARY_SHAPES, covers=("Mul", "Sigmoid"),
           torch_fn=lambda torch, x: torch.nn.functional.silu(x)),
    OpSpec("mish", lambda lib, x: lib.mish(x), UNARY_SHAPES, covers=("Mul", "Tanh", "Softplus"),
           torch_fn=lambda torch, x: torch.nn.functional.mish(x)),
    OpSpec("hardtanh", lambda lib, x: lib.hardtanh(x, -0.8, 1.2), UNARY_SHAPES,
           make_inputs=_off_bounds((-0.8, 1.2)), covers=("Clamp",),
           torch_fn=lambda torch, x: torch.nn.functional.hardtanh(x, -0.8, 1.2)),
    OpSpec("relu6", lambda lib, x: lib.relu6(x * 4), UNARY_SHAPES,
           make_inputs=_off_bounds((0.0, 1.5)), covers=("Clamp", "Mul"),
           torch_fn=lambda torch, x: torch.nn.functional.relu6(x * 4)),
    OpSpec("hardsigmoid", lambda lib, x: lib.hardsigmoid(x * 2), UNARY_SHAPES,
           make_inputs=_off_bounds((-1.5, 1.5)), covers=("Clamp", "Div", "Add"),
           extra=TORCH_FLOAT32_BACKWARD,
           torch_fn=lambda torch, x: torch.nn.functional.hardsigmoid(x * 2)),
    OpSpec("hardswish", lambda lib, x: lib.hardswish(x * 2), UNARY_SHAPES,
           make_inputs=_off_bounds((-1.5, 1.5)), covers=("Clamp", "Mul"),
           torch_fn=lambda torch, x: torch.nn.functional.hardswish(x * 2)),
    OpSpec("softsign", lambda lib, x: lib.softsign(x), UNARY_SHAPES,
           make_inputs=away_from_zero(0.1, 2), covers=("Div", "Abs", "Add"),
           torch_fn=lambda torch, x: torch.nn.functional.softsign(x)),
    OpSpec("logsigmoid", lambda lib, x: lib.logsigmoid(x), UNARY_SHAPES, low=-4.0, high=4.0,
           covers=("Softplus", "Neg"),
           torch_fn=lambda torch, x: torch.nn.functional.logsigmoid(x)),
    OpSpec("tanhshrink", lambda lib, x: lib.tanhshrink(x), UNARY_SHAPES, covers=("Tanh", "Sub"),
           torch_fn=lambda torch, x: torch.nn.functional.tanhshrink(x)),
    OpSpec("nan_to_num", lambda lib, x: lib.nan_to_num(x * 2), UNARY_SHAPES[:3],
           covers=("Where", "Mul")),
]


def _positive_denominators(rng, shapes):
    arrays = [rng.uniform(-2, 2, size=s) for s in shapes]
    arrays[-1] = np.sign(arrays[-1] + 1e-3) * (np.abs(arrays[-1]) + 0.5)
    return arrays


SPECS += [
    # d/dy of copysign and nextafter is none (PyTorch: zeros), so only x is differentiated
    OpSpec("copysign", lambda lib, x, y: lib.copysign(x, y), BINARY_SHAPES, diff_args=(0,)),
    OpSpec("copysign_scalar", lambda lib, x: x.copysign(-1.0), UNARY_SHAPES[:3],
           covers=("Copysign",)),
    OpSpec("nextafter", lambda lib, x, y: lib.nextafter(x, y), BINARY_SHAPES, diff_args=(0,)),
    OpSpec("ldexp", lambda lib, x, y: lib.ldexp(x, y), BINARY_SHAPES, covers=("Mul", "Pow")),
    OpSpec("frexp_mantissa", lambda lib, x: lib.frexp(x)[0], UNARY_SHAPES,
           make_inputs=away_from_integers(-3, 3, halves=True), covers=("Mul",)),
    OpSpec("addcmul", lambda lib, x, y, z: (lib.addcmul(x, y, z), x.addcmul(y, z, value=-0.5)),
           [((), (), ()), ((3,), (2, 1), (3,)), ((2, 3), (2, 3), (1, 3))], covers=("Mul", "Add")),
    OpSpec("addcdiv", lambda lib, x, y, z: (lib.addcdiv(x, y, z), (x * 1).addcdiv_(y, z, value=2)),
           [((), (), ()), ((2, 3), (2, 1), (3,)), ((2, 3), (2, 3), (1, 3))],
           make_inputs=_positive_denominators, covers=("Div", "Add")),
]
