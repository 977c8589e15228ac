import numpy as np
import pytest

import gradiente as gr


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
