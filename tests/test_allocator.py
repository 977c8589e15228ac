"""gradiente.allocator: big blocks freed in one step are reused, not faulted in again."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the policy is set through glibc's mallopt")

# three 8 MiB arrays made, written and freed, as a training step does with its activations;
# prints whether the policy was applied and the page faults per cycle once warmed up
PROBE = """
import resource
import numpy as np
import gradiente

def cycle():
    arrays = [np.ones(2 << 20, np.float32) for _ in range(3)]
    del arrays

for _ in range(3):
    cycle()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    cycle()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
print(gradiente.allocator.APPLIED, faults / 10)
"""


def _probe(**environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GRADIENTE_"))}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True, env={**env, **environment})
    applied, faults = done.stdout.split()
    return applied == "True", float(faults)


def test_freed_blocks_are_reused_without_page_faults():
    applied, faults = _probe()
    control_applied, control_faults = _probe(GRADIENTE_MALLOC="0")
    assert applied and not control_applied
    if control_faults < 100:  # e.g. transparent huge pages: 2 MiB per fault
        pytest.skip(f"glibc's default policy faults only {control_faults} times here")
    assert faults < control_faults / 100  # 6,144 pages are touched per cycle


def test_a_malloc_variable_in_the_environment_is_left_alone():
    applied, _ = _probe(MALLOC_ARENA_MAX="2")
    assert not applied
