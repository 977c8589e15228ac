"""``DataLoader``: batches of a dataset, in sampler order, collated into tensors.

Loading runs in the calling process: ``num_workers``, ``pin_memory``, ``timeout``,
``worker_init_fn``, ``prefetch_factor`` and the other worker options are accepted for
PyTorch compatibility and ignored (NumPy indexing is fast enough that workers would cost
more than they save on the lectures' data sets).

A ``TensorDataset`` (or a ``Subset`` of one) with the default collation takes a fast path:
each tensor is indexed with the whole batch of indices at once instead of stacking examples.
"""

import collections.abc

import numpy as np

from ...tensor import Tensor
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert"]

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                  "lists; found {}")


def default_collate(batch):
    """Stack a list of examples into a batch, keeping the examples' structure.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become a
    float64 tensor, ints an int64 tensor, bools a bool tensor; strings stay a list; dicts and
    sequences are collated field by field (a tuple of fields gives a list of batches).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stack([Tensor._make(np.asarray(b)) for b in batch])
    if isinstance(elem, np.generic):
        return Tensor._make(np.array(batch))
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError(f"default_collate: each element in list of batch should be of "
                               f"equal size, got sizes {[len(e) for e in batch]}")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _stack(tensors):
    """Stack tensors along a new first dimension (through the graph if one requires grad)."""
    if any(t._requires_grad for t in tensors):
        from ... import stack
        return stack(tensors)
    shapes = {t.array.shape for t in tensors}
    if len(shapes) != 1:
        sizes = [tuple(t.array.shape) for t in tensors]
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but "
                           f"got shapes {sizes}")
    return Tensor._make(np.stack([t.array for t in tensors]))


def default_convert(data):
    """Turn NumPy arrays (also inside dicts and sequences) into tensors; the rest unchanged."""
    if isinstance(data, (Tensor, str, bytes)):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in "SaUO":
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        converted = [default_convert(d) for d in data]
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data


class DataLoader:
    """Iterate over ``dataset`` in batches.

    ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, ..., generator=None)``.
    ``batch_size=None`` turns batching off (each example is converted, not collated).

    >>> ds = TensorDataset(gradiente.arange(10.0).reshape(5, 2), gradiente.arange(5))
    >>> [tuple(x.shape) for x, y in DataLoader(ds, batch_size=2)]
    [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
                    or batch_size <= 0:
                raise ValueError(f"DataLoader: batch_size should be a positive integer value "
                                 f"(or None to disable batching), but got "
                                 f"batch_size={batch_size}")
            if not iterable:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                whole, rest = divmod(length, self.batch_size)
                length = whole if self.drop_last or not rest else whole + 1
            return length
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            return self._iterate_stream()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        columns = _tensor_columns(self.dataset)
        if (columns is not None and self.collate_fn is default_collate
                and type(self.batch_sampler) is BatchSampler):
            return self._iterate_columns(*columns)
        return self._iterate_batches()

    def _iterate_columns(self, arrays, index_map):
        """The fast path: index every tensor of a TensorDataset with the batch at once."""
        for batch in self.batch_sampler._index_batches():
            batch = np.asarray(batch, dtype=np.int64)
            if index_map is not None:
                batch = index_map[batch]
            yield [Tensor._make(array[batch]) for array in arrays]

    def _iterate_batches(self):
        dataset, collate_fn = self.dataset, self.collate_fn
        get_many = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if get_many is not None:
                yield collate_fn(get_many(indices))
            else:
                yield collate_fn([dataset[i] for i in indices])

    def _iterate_stream(self):
        if self.batch_size is None:
            for example in self.dataset:
                yield self.collate_fn(example)
            return
        batch = []
        for example in self.dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


def _tensor_columns(dataset):
    """For a TensorDataset, or nested Subsets of one, whose tensors need no gradient: its
    arrays and the index map of the subsets (None for none); otherwise None."""
    index_map = None
    while type(dataset) is Subset:
        indices = np.asarray(dataset.indices, dtype=np.int64)
        index_map = indices if index_map is None else indices[index_map]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or any(t._requires_grad for t in dataset.tensors):
        return None
    return [t.array for t in dataset.tensors], index_map
