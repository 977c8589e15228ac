"""WeightedRandomSampler and StackDataset: semantics beside PyTorch's (draws cannot match
PyTorch's RNG, so distributions are tested with fixed seeds)."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.utils.data import (
    BatchSampler, DataLoader, StackDataset, TensorDataset, WeightedRandomSampler,
)
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch
    import torch.utils.data as tdata

WEIGHTS = [0.5, 2.0, 0.0, 1.0, 4.5]


def _seeded(seed=0):
    return gr.Generator().manual_seed(seed)


def test_weighted_with_replacement_follows_the_weights():
    sampler = WeightedRandomSampler(WEIGHTS, 200_000, generator=_seeded())
    draws = list(sampler)
    assert len(sampler) == len(draws) == 200_000
    assert all(type(i) is int for i in draws[:10])
    counts = np.bincount(draws, minlength=len(WEIGHTS))
    p = np.array(WEIGHTS) / sum(WEIGHTS)
    sigma = np.sqrt(len(draws) * p * (1 - p))
    assert counts[2] == 0
    assert np.all(np.abs(counts - len(draws) * p) < 5 * sigma + 1e-9)


def test_weighted_without_replacement_draws_distinct_indices():
    for seed in range(20):
        draws = list(WeightedRandomSampler(WEIGHTS, 3, replacement=False,
                                           generator=_seeded(seed)))
        assert len(set(draws)) == 3 and 2 not in draws
    # the first draw follows the weights; the full draw is a permutation
    firsts = [next(iter(WeightedRandomSampler(WEIGHTS, 4, replacement=False,
                                              generator=_seeded(seed))))
              for seed in range(4000)]
    p = np.array(WEIGHTS) / sum(WEIGHTS)
    assert np.all(np.abs(np.bincount(firsts, minlength=5) / 4000 - p) < 0.03)
    assert sorted(WeightedRandomSampler([1.0, 3.0, 2.0], 3, replacement=False)) == [0, 1, 2]


@requires_torch
def test_zero_weights_come_last_without_replacement_like_torch():
    weights = [1.0, 0.0, 0.0, 2.0, 0.0]
    theirs = list(tdata.WeightedRandomSampler(weights, 5, replacement=False))
    ours = list(WeightedRandomSampler(weights, 5, replacement=False, generator=_seeded()))
    assert sorted(ours[:2]) == sorted(theirs[:2]) == [0, 3]
    assert sorted(ours[2:]) == sorted(theirs[2:]) == [1, 2, 4]
    assert list(WeightedRandomSampler(weights, 3, replacement=False))[2] in (1, 2, 4)


def test_weighted_sampler_is_reproducible_and_uses_the_default_generator():
    a = list(WeightedRandomSampler(WEIGHTS, 50, generator=_seeded(3)))
    b = list(WeightedRandomSampler(WEIGHTS, 50, generator=_seeded(3)))
    assert a == b
    sampler = WeightedRandomSampler(WEIGHTS, 50)
    gr.manual_seed(7)
    first = list(sampler)
    assert list(sampler) != first  # the next epoch draws again
    gr.manual_seed(7)
    assert list(sampler) == first


def test_weighted_sampler_weights_and_loader():
    sampler = WeightedRandomSampler(gr.tensor([1.0, 2.0, 3.0]), 7, generator=_seeded())
    assert sampler.weights.dtype == gr.float64
    np.testing.assert_array_equal(sampler.weights.numpy(), [1.0, 2.0, 3.0])
    data = TensorDataset(gr.arange(3) * 10)
    batches = [b[0].tolist() for b in DataLoader(data, batch_size=3, sampler=sampler)]
    assert [len(b) for b in batches] == [3, 3, 1]
    assert set(sum(batches, [])) <= {0, 10, 20}
    assert [len(b) for b in BatchSampler(sampler, 2, drop_last=True)] == [2, 2, 2]


def _sampler_errors():
    return [
        (dict(weights=[1.0], num_samples=0), ValueError,
         "num_samples should be a positive integer value, but got num_samples=0"),
        (dict(weights=[1.0], num_samples=True), ValueError, "num_samples=True"),
        (dict(weights=[1.0], num_samples=2, replacement=1), ValueError,
         "replacement should be a boolean value, but got replacement=1"),
        (dict(weights=[[1.0, 2.0]], num_samples=2), ValueError,
         r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
    ]


def _draw_errors():
    return [
        (dict(weights=[1.0, -1.0], num_samples=1), "contains either `inf`, `nan` or element < 0"),
        (dict(weights=[1.0, float("nan")], num_samples=1), "`inf`, `nan` or element < 0"),
        (dict(weights=[0.0, 0.0], num_samples=1), r"\(sum of probabilities <= 0\)"),
        (dict(weights=[1.0, 2.0], num_samples=3, replacement=False),
         "cannot sample n_sample > prob_dist.size"),
    ]


@pytest.mark.parametrize("options, error, message", _sampler_errors())
def test_weighted_sampler_argument_errors_like_torch(options, error, message):
    with pytest.raises(error, match=message):
        WeightedRandomSampler(**options)
    if HAS_TORCH:
        with pytest.raises(error, match=message):
            tdata.WeightedRandomSampler(**options)


@pytest.mark.parametrize("options, message", _draw_errors())
def test_weighted_sampler_errors_when_drawing_like_torch(options, message):
    sampler = WeightedRandomSampler(**options)  # bad weights are found when drawing
    with pytest.raises(RuntimeError, match="WeightedRandomSampler: .*" + message):
        list(sampler)
    if HAS_TORCH:
        with pytest.raises(RuntimeError, match=message):
            list(tdata.WeightedRandomSampler(**options))


def test_stack_dataset_tuples_and_dicts():
    xs, ys = TensorDataset(gr.arange(4)), [10, 11, 12, 13]
    stacked = StackDataset(xs, ys)
    assert len(stacked) == 4
    assert stacked[1][0][0].item() == 1 and stacked[1][1] == 11
    keyed = StackDataset(x=ys, y=[c * 2 for c in ys])
    assert keyed[2] == {"x": 12, "y": 24}
    assert keyed.__getitems__([0, 3]) == [{"x": 10, "y": 20}, {"x": 13, "y": 26}]
    assert [t[1] for t in stacked.__getitems__([3, 0])] == [13, 10]
    batch = next(iter(DataLoader(keyed, batch_size=4)))
    np.testing.assert_array_equal(batch["y"].numpy(), [20, 22, 24, 26])


class _Batched:
    """A dataset with ``__getitems__`` that returns the wrong number of items."""

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return i

    def __getitems__(self, indices):
        return [0]


@pytest.mark.parametrize("args, kwargs, message", [
    ((), {}, "At least one dataset should be passed"),
    (([1, 2],), {"y": [1, 2]}, "but both types are given"),
    (([1, 2], [1, 2, 3]), {}, "Size mismatch between datasets"),
    ((), {"x": [1, 2], "y": [1]}, "Size mismatch between datasets"),
])
def test_stack_dataset_errors_like_torch(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        StackDataset(*args, **kwargs)
    if HAS_TORCH:
        with pytest.raises(ValueError, match=message):
            tdata.StackDataset(*args, **kwargs)


def test_stack_dataset_checks_nested_batch_sizes():
    with pytest.raises(ValueError, match="Nested dataset's output size mismatch. Expected 2, "
                                         "got 1"):
        StackDataset(_Batched(), [1, 2, 3]).__getitems__([0, 1])


@requires_torch
def test_stack_dataset_items_equal_torch():
    a, b = [1, 2, 3], ["a", "b", "c"]
    assert [StackDataset(a, b)[i] for i in range(3)] == \
        [tdata.StackDataset(a, b)[i] for i in range(3)]
    assert StackDataset(p=a, q=b).__getitems__([2, 0]) == \
        tdata.StackDataset(p=a, q=b).__getitems__([2, 0])


@requires_torch
def test_common_torch_names_are_here():
    import gradiente.utils.data as ours
    left_out = {"DistributedSampler", "get_worker_info", "DataChunk", "DFIterDataPipe",
                "IterDataPipe", "MapDataPipe", "functional_datapipe", "argument_validation",
                "guaranteed_datapipes_determinism", "non_deterministic", "runtime_validation",
                "runtime_validation_disabled", "_DatasetKind"}
    assert set(tdata.__all__) - left_out <= set(ours.__all__)
    assert torch.utils.data.WeightedRandomSampler.__init__.__defaults__ == \
        WeightedRandomSampler.__init__.__defaults__
