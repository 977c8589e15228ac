"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step ``*Cell`` forms.

Parameters are laid out exactly as in PyTorch (``weight_ih_l0`` of shape (gates·hidden, input),
gates stacked in PyTorch's order: LSTM i, f, g, o; GRU r, z, n), so weights transfer in both
directions. The input projection of every time step is one matrix product; only the
recurrence h_t = cell(x_t, h_{t-1}) loops over time. A ``PackedSequence`` input steps only
the sequences still running, so each final state is taken at its sequence's own last step.
"""

import math

import numpy as np

from ... import creation
from ...ops import elementwise as E
from ...ops.movement import cat, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(gates_x, h, w_hh, b_hh, nonlinearity):
    """h' = act(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ); ``gates_x`` already holds x Wᵢₕᵀ + bᵢₕ."""
    pre = gates_x + F.linear(h, w_hh, b_hh)
    return E.tanh(pre) if nonlinearity == "tanh" else E.relu(pre)


def _lstm_step(gates_x, state, w_hh, b_hh):
    """i, f, g, o = split(gates); c' = f·c + i·g; h' = o·tanh(c')"""
    h, c = state
    gates = gates_x + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = E.sigmoid(f) * c + E.sigmoid(i) * E.tanh(g)
    return E.sigmoid(o) * E.tanh(c), c


def _gru_step(gates_x, h, w_hh, b_hh):
    """r, z = σ(...); n = tanh(xₙ + r·(h Wₕₙᵀ + bₕₙ)); h' = (1 − z)·n + z·h"""
    gates_h = F.linear(h, w_hh, b_hh)
    x_r, x_z, x_n = gates_x.chunk(3, -1)
    h_r, h_z, h_n = gates_h.chunk(3, -1)
    r = E.sigmoid(x_r + h_r)
    z = E.sigmoid(x_z + h_z)
    n = E.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError(f"{type(self).__name__}: proj_size is not supported")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: dropout should be in [0, 1], got "
                             f"{dropout}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = 0
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        factory = {"dtype": dtype, "device": device}
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(creation.empty(shape, **factory)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _layer_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = lambda name: getattr(self, name + suffix, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _step(self, gates_x, state, w_hh, b_hh):
        if self.mode == "LSTM":
            return _lstm_step(gates_x, state, w_hh, b_hh)
        if self.mode == "GRU":
            return _gru_step(gates_x, state, w_hh, b_hh)
        return _rnn_step(gates_x, state, w_hh, b_hh,
                         "tanh" if self.mode == "RNN_TANH" else "relu")

    def forward(self, input, hx=None):
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        if packed:
            input, packed_batch_sizes, sorted_indices, unsorted_indices = input
            if input.ndim != 2:
                raise ValueError(f"{name}: expected packed data of 2 dimensions, got shape "
                                 f"{tuple(input.shape)}")
            batch_sizes = [int(n) for n in packed_batch_sizes.array]
        elif input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched) or 3-D input, got shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        unbatched = not packed and input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first and not packed:
            input = input.transpose(0, 1)
        if not packed:
            steps, batch = input.shape[0], input.shape[1]
            batch_sizes = [batch] * steps
            input = input.reshape(steps * batch, self.input_size)
        directions = 2 if self.bidirectional else 1
        state = self._initial_state(hx, batch_sizes[0], directions, unbatched, input)
        states = state if self.mode == "LSTM" else (state,)
        if packed and sorted_indices is not None:  # hx is in the caller's batch order
            states = tuple(s.index_select(1, sorted_indices) for s in states)
        output, final = self._run_layers(input, batch_sizes, states, directions)
        if packed:
            if unsorted_indices is not None:
                final = [s.index_select(1, unsorted_indices) for s in final]
            output = PackedSequence(output, packed_batch_sizes, sorted_indices,
                                    unsorted_indices)
        else:
            output = output.reshape(steps, batch, output.shape[-1])
            if unbatched:
                output, final = output.squeeze(1), [s.squeeze(1) for s in final]
            elif self.batch_first:
                output = output.transpose(0, 1)
        return (output, tuple(final)) if self.mode == "LSTM" else (output, final[0])

    def _run_layers(self, layer_input, batch_sizes, states, directions):
        """Every layer over the time steps laid out as a packed sequence: step t is the
        ``batch_sizes[t]`` rows after those of the steps before. ``states`` and the result's
        final states are (h,) or, for an LSTM, (h, c). Returns the last layer's output in that
        layout and the final states [h_n] (or [h_n, c_n])."""
        starts = np.concatenate([[0], np.cumsum(batch_sizes)])
        final = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
                gates_x = F.linear(layer_input, w_ih, b_ih)  # every time step in one product
                s = tuple(initial[index] for initial in states)
                order = range(len(batch_sizes) - 1, -1, -1) if direction \
                    else range(len(batch_sizes))
                hs = [None] * len(batch_sizes)
                for t in order:
                    s, hs[t] = self._step_running(gates_x[starts[t]:starts[t + 1]], s, w_hh,
                                                  b_hh)
                outputs.append(cat(hs) if len(hs) > 1 else hs[0])
                for kept, last in zip(final, s):
                    kept.append(last)
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, [stack(kept) for kept in final]

    def _step_running(self, gates_x, state, w_hh, b_hh):
        """One step of the first ``len(gates_x)`` sequences (those still running); the rest
        keep their state, so each ends with the state of its own last step. Returns the new
        state of all and the new h of the running ones."""
        running = gates_x.shape[0]
        everyone = running == state[0].shape[0]
        current = state if everyone else tuple(s[:running] for s in state)
        new = self._step(gates_x, current if self.mode == "LSTM" else current[0], w_hh, b_hh)
        new = new if self.mode == "LSTM" else (new,)
        if everyone:
            return new, new[0]
        return tuple(cat([n, s[running:]]) for n, s in zip(new, state)), new[0]

    def _initial_state(self, hx, batch, directions, unbatched, input):
        shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            zeros = creation.zeros(shape, dtype=input.dtype)
            return (zeros, zeros) if self.mode == "LSTM" else zeros
        states = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, tuple) or len(hx) != 2):
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
        checked = []
        for s in states:
            if unbatched:
                s = s.unsqueeze(1)
            if tuple(s.shape) != shape:
                raise RuntimeError(f"{type(self).__name__}: expected hidden size {shape}, got "
                                   f"{tuple(s.shape)}")
            checked.append(s)
        return tuple(checked) if self.mode == "LSTM" else checked[0]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t Wᵢₕᵀ + bᵢₕ + h_{t−1} Wₕₕᵀ + bₕₕ) (or relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (tanh or relu)")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class RNNCellBase(Module):
    """The base of the cells: ``weight_ih`` (num_chunks·hidden, input), ``weight_hh``
    (num_chunks·hidden, hidden) and the biases, uniform in ±1/√hidden as in PyTorch."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        factory = {"dtype": dtype, "device": device}
        size = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty((size, input_size), **factory))
        self.weight_hh = Parameter(creation.empty((size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(creation.empty(size, **factory))
            self.bias_hh = Parameter(creation.empty(size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _zeros(self, input):
        shape = input.shape[:-1] + (self.hidden_size,)
        return creation.zeros(shape, dtype=input.dtype)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                         self.bias_hh, self.nonlinearity)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is None:
            hx = (self._zeros(input), self._zeros(input))
        return _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                          self.bias_hh)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                         self.bias_hh)
