"""``gradiente.linalg``, as ``torch.linalg``: the linear-algebra functions under their
PyTorch names. Their forward rules, VJPs and JVPs live in ``gradiente/ops/linalg.py``.
"""

__all__ = []
