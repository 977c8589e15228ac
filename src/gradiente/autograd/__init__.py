"""Automatic differentiation: the graph, the reverse-mode engine, forward mode and checks."""

from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .function import Function, Node, FunctionCtx, once_differentiable
from .engine import backward, grad
from .anomaly import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                      is_anomaly_check_nan_enabled)
from . import forward_ad, functional
from .gradcheck import gradcheck, gradgradcheck, jvpcheck, GradcheckError
from .variable import Variable

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "Function", "Node", "FunctionCtx", "once_differentiable", "backward", "grad",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "forward_ad", "functional",
           "gradcheck", "gradgradcheck", "jvpcheck", "GradcheckError", "Variable"]
