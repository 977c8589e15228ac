"""One flat vector from many parameters, and back."""

from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check(vec, op):
    if not isinstance(vec, Tensor):
        raise TypeError(f"{op}: expected vec to be a Tensor, but got {type(vec).__name__}")


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated (differentiable)."""
    from ...ops.movement import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Give each parameter its slice of ``vec`` as its new values (sharing vec's memory)."""
    _check(vec, "vector_to_parameters")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {total} elements (the "
                         f"parameters' total), got shape {tuple(vec.shape)}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.array = vec.array[start:start + n].reshape(p.array.shape)
        start += n
