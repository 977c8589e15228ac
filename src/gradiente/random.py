"""Random number generation: ``manual_seed``, ``Generator`` and the default generator.

Draws come from NumPy's PCG64, so a seed gives the same numbers on every machine (not the
same numbers as PyTorch's Mersenne Twister: copy weights across libraries, not seeds).
"""

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator",
           "get_rng_state", "set_rng_state"]


class Generator:
    """A source of random numbers, ``gradiente.Generator().manual_seed(0)``."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self.rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (2**63))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's full state as a JSON-serialisable dict (checkpoints store it)."""
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator, which every random function uses unless given another."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


class _VmapRandomness:
    """Set by ``gradiente.func.vmap`` while it runs: its ``handler`` refuses random draws
    (``randomness='error'``) or makes them one per example (``'different'``)."""
    handler = None


VMAP = _VmapRandomness()


def rng_of(generator):
    rng = (generator or default_generator).rng
    return rng if VMAP.handler is None else VMAP.handler.rng(rng)


def drawn(tensor):
    """``tensor``, made of draws from ``rng_of``: batched per example under
    ``vmap(randomness='different')``."""
    return tensor if VMAP.handler is None else VMAP.handler.batched(tensor)


def _random_integers(rng, like, low=0, high=None):
    """random_(to) draws from [0, to); random_(from, to) from [from, to); random_() from
    [0, 2**mantissa] for floats, the dtype's whole non-negative range for integers."""
    if high is None:
        low, high = 0, low if low else None
    if high is None:
        high = (2 ** (np.finfo(like.dtype).nmant + 1) + 1 if like.dtype.kind == "f"
                else int(np.iinfo(like.dtype).max) + 1 if like.dtype.kind in "iu" else 2)
    if low >= high:
        raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    return rng.integers(low, high, like.shape)


def _bernoulli_draws(rng, like, p=0.5):
    probs = np.asarray(getattr(p, "array", p), dtype=np.float64)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli_: p must be in [0, 1]")
    return rng.random(like.shape) < probs


# Tensor.NAME_(...) fills the tensor in place with draws: name -> draw(rng, array, *args)
IN_PLACE_DRAWS = {
    "uniform_": lambda rng, like, low=0.0, high=1.0: rng.uniform(low, high, like.shape),
    "normal_": lambda rng, like, mean=0.0, std=1.0: rng.normal(mean, std, like.shape),
    "random_": _random_integers,
    "exponential_": lambda rng, like, lambd=1.0: rng.exponential(1.0 / lambd, like.shape),
    "geometric_": lambda rng, like, p: rng.geometric(p, like.shape),
    "cauchy_": lambda rng, like, median=0.0, sigma=1.0:
        median + sigma * rng.standard_cauchy(like.shape),
    "log_normal_": lambda rng, like, mean=1.0, std=2.0: rng.lognormal(mean, std, like.shape),
    "bernoulli_": _bernoulli_draws,
}
