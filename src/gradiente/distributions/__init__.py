"""Probability distributions, as ``torch.distributions``."""

__all__ = []
