"""docs/api-coverage.md is what tools/api_coverage.py finds now (regenerate it with
``python tools/api_coverage.py --write`` in the commit that adds or removes a name)."""

import importlib.util
import re
from pathlib import Path

import pytest

from tests.helpers import HAS_TORCH

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    path = ROOT / "tools" / "api_coverage.py"
    spec = importlib.util.spec_from_file_location("api_coverage", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_coverage_page_is_up_to_date():
    import torch

    tool = _tool()
    written = tool.PAGE.read_text(encoding="utf-8")
    version = re.search(r"against PyTorch (\S+);", written).group(1)
    if torch.__version__.split("+")[0] != version:
        pytest.skip(f"the page was generated against PyTorch {version}")
    assert tool.page() == written, "run: python tools/api_coverage.py --write"


def test_the_out_of_scope_pattern_keeps_core_names():
    pattern = _tool().OUT_OF_SCOPE
    for name in ("matmul", "linalg", "Conv2d", "softmax", "cross_entropy", "LSTM", "GRU",
                 "Adam", "DataLoader", "Normal", "layer_norm", "cumsum"):
        assert not pattern.search(name), name
