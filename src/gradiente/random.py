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
