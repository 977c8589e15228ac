"""utils.data: datasets, samplers, collation and the DataLoader, beside PyTorch's."""

from collections import namedtuple

import numpy as np
import pytest

import gradiente as gr
from gradiente.utils.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
    SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, default_collate,
    default_convert, random_split,
)
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch
    import torch.utils.data as tdata

Point = namedtuple("Point", ["x", "y"])


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _same_batch(ours, theirs):
    """Same structure and values; gradiente tensors where PyTorch has tensors, same dtypes."""
    if HAS_TORCH and isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gr.Tensor), (ours, theirs)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(to_numpy(ours), to_numpy(theirs))
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for key in theirs:
            _same_batch(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same_batch(a, b)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def _examples(lib):
    """Examples of every collatable kind; tensors made by ``lib`` (gradiente or torch)."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(3):
        array = rng.standard_normal((2, 3)).astype(np.float32)
        out.append({
            "tensor": lib.tensor(array),
            "long": lib.tensor([i, i + 1]),
            "numpy": array.astype(np.float64),
            "np_scalar": np.float32(i / 2),
            "float": i / 3,
            "int": i,
            "bool": i % 2 == 0,
            "text": f"example {i}",
            "pair": (i, float(i)),
            "list": [lib.tensor([i]), i],
            "point": Point(i, lib.tensor(float(i))),
        })
    return out


@requires_torch
def test_default_collate_matches_torch():
    _same_batch(default_collate(_examples(gr)), tdata.default_collate(_examples(torch)))


@requires_torch
def test_default_convert_matches_torch():
    data = {"a": np.arange(3), "b": [np.ones(2), 3, "x"], "c": (np.float64(2.0),)}
    _same_batch(default_convert(data), tdata.default_convert(data))


def test_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                                           r"got shapes \[\(2,\), \(3,\)\]"):
        default_collate([gr.zeros(2), gr.zeros(3)])


def test_collate_keeps_the_graph_for_tensors_that_require_grad():
    w = gr.ones(2, requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])


# ----- datasets -----------------------------------------------------------------------------------
def test_tensor_dataset():
    x, y = gr.randn(5, 3), gr.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[2])
    assert yi.item() == 2
    with pytest.raises(ValueError, match=r"size mismatch between tensors: first dimensions are "
                                         r"\[5, 4\]"):
        TensorDataset(x, gr.arange(4))
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(x, np.arange(5))


def test_subset_and_concat():
    squares = Squares(5)
    sub = Subset(squares, [4, 0, 2])
    assert [sub[i] for i in range(len(sub))] == [16, 0, 4]
    both = ConcatDataset([squares, Squares(3)])
    assert len(both) == 8 and both.cumulative_sizes == [5, 8]
    assert [both[i] for i in range(8)] == [0, 1, 4, 9, 16, 0, 1, 4]
    assert both[-1] == 4 and both[-8] == 0
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        both[-9]
    assert len(squares + Squares(2)) == 7
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Stream(3)])


@requires_torch
@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (11, [0.3, 0.7]), (11, [0.5, 0.25, 0.25]),
                                        (10, [0.34, 0.33, 0.33]), (7, [0.1, 0.1, 0.8])])
def test_random_split_lengths_match_torch(n, lengths):
    ours = random_split(Squares(n), lengths, generator=gr.Generator().manual_seed(1))
    theirs = tdata.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(n))
    assert ours[0][0] == ours[0].indices[0] ** 2


def test_random_split_is_seeded_and_checked():
    a = random_split(Squares(20), [0.5, 0.5], generator=gr.Generator().manual_seed(3))
    b = random_split(Squares(20), [0.5, 0.5], generator=gr.Generator().manual_seed(3))
    assert a[0].indices == b[0].indices
    gr.manual_seed(5)
    c = random_split(Squares(20), [10, 10])
    gr.manual_seed(5)
    assert random_split(Squares(20), [10, 10])[1].indices == c[1].indices
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length "
                                         r"of the input dataset \(10\)"):
        random_split(Squares(10), [4, 5])


# ----- samplers -----------------------------------------------------------------------------------
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    perm = list(RandomSampler(range(10), generator=gr.Generator().manual_seed(0)))
    assert sorted(perm) == list(range(10)) and perm != list(range(10))
    longer = list(RandomSampler(range(4), num_samples=10, generator=gr.Generator()))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)
    batches = BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)
    assert list(batches) == [[0, 1, 2], [3, 4, 5], [6]] and len(batches) == 3
    dropped = BatchSampler(range(7), 3, drop_last=True)
    assert list(dropped) == [[0, 1, 2], [3, 4, 5]] and len(dropped) == 2


def test_random_sampler_follows_the_default_seed():
    gr.manual_seed(7)
    first = list(RandomSampler(range(20)))
    gr.manual_seed(7)
    assert list(RandomSampler(range(20))) == first


# ----- DataLoader ---------------------------------------------------------------------------------
def _data(n=10):
    return TensorDataset(gr.randn(n, 3), gr.arange(n))


def test_batches_in_order_with_last_short_or_dropped():
    ds = _data()
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x, _ in batches]),
                                  ds.tensors[0].numpy())
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    assert [len(y) for _, y in DataLoader(ds, batch_size=4, drop_last=True)] == [4, 4]
    x, y = next(iter(DataLoader(ds)))  # default batch size 1 keeps a batch dimension
    assert tuple(x.shape) == (1, 3) and tuple(y.shape) == (1,)


def test_shuffle_with_seeded_generator_is_reproducible_and_covers_everything():
    ds = _data(23)

    def order(seed):
        loader = DataLoader(ds, batch_size=5, shuffle=True,
                            generator=gr.Generator().manual_seed(seed))
        return np.concatenate([y.numpy() for _, y in loader])

    assert np.array_equal(order(1), order(1))
    assert not np.array_equal(order(1), order(2))
    assert sorted(order(1)) == list(range(23))
    gr.manual_seed(3)
    unseeded = [np.concatenate([y.numpy() for _, y in DataLoader(ds, 5, shuffle=True)])
                for _ in range(2)]
    assert not np.array_equal(*unseeded)  # a new order every epoch


def test_fast_path_equals_example_by_example_collation():
    ds = Subset(_data(17), list(range(16, -1, -2)))
    fast = DataLoader(ds, batch_size=4, shuffle=True, generator=gr.Generator().manual_seed(0))
    slow = DataLoader(ds, batch_size=4, shuffle=True, generator=gr.Generator().manual_seed(0),
                      collate_fn=lambda batch: default_collate(batch))
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_sampler_batch_sampler_and_collate_fn():
    ds = Squares(6)
    assert [b.tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 3, 1, 0])] == \
        [[25, 9], [1, 0]]
    loader = DataLoader(ds, batch_sampler=[[0, 1, 2], [5]])
    assert [b.tolist() for b in loader] == [[0, 1, 4], [25]] and len(loader) == 2
    assert list(DataLoader(ds, batch_size=4, collate_fn=sum)) == [14, 41]


def test_batch_size_none_converts_without_collating():
    loader = DataLoader([np.arange(2), np.arange(2) + 1], batch_size=None)
    items = list(loader)
    assert len(loader) == 2 and isinstance(items[0], gr.Tensor)
    np.testing.assert_array_equal(items[1].numpy(), [1, 2])
    assert list(DataLoader(Squares(3), batch_size=None)) == [0, 1, 4]


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


@requires_torch
def test_loader_lengths_and_batches_match_torch():
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, False), (1, 5, False)]:
        ours = DataLoader(Squares(n), batch_size=size, drop_last=drop)
        theirs = tdata.DataLoader([i * i for i in range(n)], batch_size=size, drop_last=drop)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same_batch(a, b)


def test_loader_errors():
    ds = _data()
    with pytest.raises(ValueError, match="batch_size should be a positive integer value.*"
                                         "batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="batch_size=-2"):
        DataLoader(ds, batch_size=-2)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)


def test_num_workers_is_accepted_and_loading_stays_in_process():
    ds = _data()
    ours = [y.tolist() for _, y in DataLoader(ds, batch_size=4, num_workers=4, pin_memory=True)]
    assert ours == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
