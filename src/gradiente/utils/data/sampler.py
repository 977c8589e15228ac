"""Samplers: the order in which a DataLoader visits a dataset's indices."""

import numpy as np

from ...random import Generator, default_generator
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


class Sampler:
    """An iterable over dataset indices (or over lists of indices, for batch samplers)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Sampler should "
                                  f"implement __iter__")

    def _index_array(self):
        """One epoch's indices as an int64 array, or None when only iteration can tell."""
        return None


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

    def _index_array(self):
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` draws with replacement.

    Without a ``generator``, each epoch seeds a fresh generator from the default one, so
    ``gradiente.manual_seed`` makes the shuffles reproducible.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self):
        return self.num_samples

    def __iter__(self):
        return iter(self._index_array().tolist())

    def _index_array(self):
        rng = self._rng()
        n, count = len(self.data_source), self.num_samples
        if self.replacement:
            return rng.integers(0, n, count)
        whole = [rng.permutation(n) for _ in range(count // n)]
        return np.concatenate(whole + [rng.permutation(n)[:count % n]])

    def _rng(self):
        if self.generator is not None:
            return self.generator.rng
        seed = int(default_generator.rng.integers(2**63))
        return Generator().manual_seed(seed).rng


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return len(self.indices)

    def _index_array(self):
        rng = (self.generator or default_generator).rng
        return np.asarray(self.indices, dtype=np.int64)[rng.permutation(len(self.indices))]


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``, with or
    without replacement (PyTorch's ``torch.multinomial``; the draws come from the
    ``generator``, or the default one, through NumPy, so they differ from PyTorch's)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) \
                or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        array = np.asarray(weights.array if isinstance(weights, Tensor) else weights,
                           dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(array.shape)}")
        self.weights = Tensor._make(array)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples

    def _index_array(self):
        # checked when drawing, as torch.multinomial does
        weights, count = self.weights.array, self.num_samples
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise RuntimeError("WeightedRandomSampler: probability tensor contains either "
                               "`inf`, `nan` or element < 0")
        if weights.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum "
                               "of probabilities <= 0)")
        if not self.replacement and count > len(weights):
            raise RuntimeError("WeightedRandomSampler: cannot sample n_sample > "
                               "prob_dist.size(-1) samples without replacement")
        rng = (self.generator or default_generator).rng
        p = weights / weights.sum()
        if self.replacement:
            return rng.choice(len(weights), count, p=p)
        positive = np.count_nonzero(weights)
        drawn = rng.choice(len(weights), min(count, positive), replace=False, p=p)
        # past the positive weights PyTorch goes on with the zero ones (in its top-k's order;
        # here in a random order)
        zeros = rng.permutation(np.flatnonzero(weights == 0))[:count - len(drawn)]
        return np.concatenate([drawn, zeros])


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        for batch in self._index_batches():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def _index_batches(self):
        """The batches as slices of one index array when the sampler can give it, else lists."""
        indices = self.sampler._index_array() if isinstance(self.sampler, Sampler) else None
        size = self.batch_size
        if indices is not None:
            stop = len(indices) - len(indices) % size if self.drop_last else len(indices)
            for start in range(0, stop, size):
                yield indices[start:start + size]
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
