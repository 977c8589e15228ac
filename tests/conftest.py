import os

# The tests multiply small matrices: extra BLAS threads only contend for the cores (badly so on
# a loaded 2-core machine), so the suite runs BLAS on one thread. Benchmarks choose their own.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

import gradiente as gr

# CI decides whether a change lands, so there property tests draw the same examples every run;
# local runs draw new ones and explore. Counterexamples found locally become @example cases.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts from the same seed, default dtype and grad mode."""
    gr.manual_seed(0)
    previous = gr.get_default_dtype()
    yield
    gr.set_default_dtype(previous)
    gr.autograd.grad_mode.STATE.grad_enabled = True


@pytest.fixture
def rng():
    return np.random.default_rng(0)
