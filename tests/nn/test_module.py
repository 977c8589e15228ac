"""Module: registration, iteration, modes, dtype moves, state dicts, hooks, repr, containers."""

from collections import OrderedDict

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


def make_net(lib=gr):
    """The same small network from gradiente.nn or torch.nn."""
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU())
            self.norm = lib.nn.BatchNorm1d(8)
            self.head = lib.nn.Linear(8, 3)
            self.scale = lib.nn.Parameter(lib.ones(3))

        def forward(self, x):
            return self.head(self.norm(self.features(x))) * self.scale

    return Net()


def test_registration_by_attribute_and_named_iterators():
    net = make_net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "norm.weight", "norm.bias",
                     "head.weight", "head.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["features", "norm", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "features", "features.0", "features.1",
                                                   "norm", "head"]
    assert len(list(net.parameters())) == 7 and len(list(net.parameters(recurse=False))) == 1
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert net.get_submodule("features.0") is net.features[0]
    assert net.get_parameter("head.bias") is net.head.bias


def test_shared_modules_and_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3


def test_reassigning_and_deleting_members():
    net = nn.Module()
    net.w = nn.Parameter(gr.zeros(2))
    net.w = None
    assert net.w is None and list(net.parameters()) == []
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        net.w = gr.zeros(2)
    net.register_buffer("stats", gr.zeros(3))
    net.stats = gr.ones(3)
    assert [n for n, _ in net.named_buffers()] == ["stats"]
    del net.stats
    assert list(net.buffers()) == []
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        _ = net.missing
    with pytest.raises(KeyError, match="contain"):
        net.register_buffer("a.b", gr.zeros(1))
    with pytest.raises(TypeError, match="gradiente.nn.Parameter or None required"):
        net.register_parameter("p", gr.zeros(1))


def test_assigning_before_init_is_an_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gr.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_train_eval_requires_grad_zero_grad_apply():
    net = make_net()
    assert net.training and net.features[1].training
    assert net.eval() is net and not net.norm.training and not net.features[0].training
    net.train()
    assert net.norm.training
    net(gr.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.array == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "BatchNorm1d", "Linear", "Net"]



def test_zero_grad_without_set_to_none_zeroes_the_same_tensors_as_torch():
    net = make_net()
    net(gr.randn(5, 4)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not np.any(g.array) for p, g in zip(net.parameters(), grads))


def test_to_double_keeps_parameter_identity():
    net = make_net()
    weight = net.head.weight
    assert net.double() is net
    assert net.head.weight is weight and weight.dtype == gr.float64
    assert net.norm.running_mean.dtype == gr.float64
    assert net.norm.num_batches_tracked.dtype == gr.int64  # integer buffers keep their dtype
    net.to(gr.float32)
    assert weight.dtype == gr.float32
    net.to("cpu", dtype=gr.float64)
    assert weight.dtype == gr.float64
    with pytest.raises(TypeError, match="floating point"):
        net.to(gr.int64)


def test_state_dict_round_trip():
    a, b = make_net(), make_net()
    a(gr.randn(6, 4))  # moves the running statistics
    state = a.state_dict()
    assert list(state) == ["scale", "features.0.weight", "features.0.bias", "norm.weight",
                           "norm.bias", "norm.running_mean", "norm.running_var",
                           "norm.num_batches_tracked", "head.weight", "head.bias"]
    assert not any(t.requires_grad for t in state.values())
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(value.array, state[key].array)
    x = gr.randn(3, 4)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).array, b(x).array)
    weight = b.head.weight
    b.load_state_dict(make_net().state_dict())
    assert b.head.weight is weight  # loaded in place


def test_state_dict_shares_memory_and_skips_non_persistent_buffers():
    net = nn.Linear(2, 2)
    net.register_buffer("scratch", gr.zeros(2), persistent=False)
    state = net.state_dict()
    assert "scratch" not in state
    state["weight"].array[0, 0] = 42.0
    assert net.weight.array[0, 0] == 42.0


def test_load_state_dict_errors_name_keys_and_shapes():
    net = nn.Sequential(nn.Linear(3, 2))
    state = net.state_dict()
    del state["0.bias"]
    state["0.extra"] = gr.zeros(1)
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Unexpected key(s) in state_dict: "0.extra".' in message
    assert 'Missing key(s) in state_dict: "0.bias".' in message
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["0.extra"]
    bad = nn.Sequential(nn.Linear(4, 2)).state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with "
                                           r"shape gradiente.Size\(\[2, 4\]\) from checkpoint, "
                                           r"the shape in current model is "
                                           r"gradiente.Size\(\[2, 3\]\)"):
        net.load_state_dict(bad, strict=False)


@requires_torch
def test_state_dicts_move_between_torch_and_gradiente():
    torch.manual_seed(0)
    theirs, ours = make_net(torch), make_net()
    theirs(torch.randn(5, 4))
    ours.load_state_dict(theirs.state_dict())
    back = make_net(torch)
    back.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in
                          ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    theirs.eval(), ours.eval()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(gr.from_numpy(x)).detach().array,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_forward_hooks_and_pre_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(gr.ones(3, 2))
    np.testing.assert_allclose(out.array, np.broadcast_to(layer.bias.array + 1, (3, 2)))
    assert calls == [(3, 2)]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(layer(gr.ones(1, 2)).array,
                               (layer.weight.array.sum(1) + layer.bias.array)[None])
    kwargs_seen = []
    layer.register_forward_hook(lambda m, args, kwargs, out: kwargs_seen.append(kwargs),
                                with_kwargs=True)
    layer(input=gr.ones(1, 2))
    assert kwargs_seen == [{"input": kwargs_seen[0]["input"]}]


def test_missing_forward_is_an_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(gr.ones(1))


@requires_torch
def test_repr_matches_torch():
    ours, theirs = make_net(), make_net(torch)
    assert repr(ours) == repr(theirs)
    mods = lambda lib: lib.ModuleList([lib.Linear(2, 2) for _ in range(3)] +  # noqa: E731
                                      [lib.ReLU(), lib.ReLU(), lib.Tanh()])
    assert repr(mods(nn)) == repr(mods(torch.nn))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    dicts = lambda lib: lib.ModuleDict({"act": lib.ReLU(), "seq": lib.Sequential(  # noqa: E731
        lib.Linear(1, 2), lib.Dropout(0.1))})
    assert repr(dicts(nn)) == repr(dicts(torch.nn))
    named = lambda lib: lib.Sequential(OrderedDict(  # noqa: E731
        [("fc", lib.Linear(3, 4, bias=False)), ("act", lib.GELU("tanh")),
         ("norm", lib.LayerNorm(4, elementwise_affine=False)), ("emb", lib.Embedding(5, 2)),
         ("loss", lib.CrossEntropyLoss())]))
    assert repr(named(nn)) == repr(named(torch.nn))
    assert repr(nn.Parameter(gr.zeros(2))) == "Parameter containing:\ntensor([0., 0.], " \
                                              "requires_grad=True)"


def test_sequential_indexing_slicing_and_editing():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    model.append(nn.Sigmoid())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    del model[1]
    assert [type(m).__name__ for m in model] == ["Linear", "Linear", "Sigmoid"]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    model[0] = nn.Linear(2, 3)
    assert tuple(model(gr.randn(5, 2)).shape) == (5, 1)
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert isinstance(named.fc, nn.Linear) and named[1] is named.act
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]


def test_sequential_insert_counts_negative_indices_as_list_insert_does():
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    model.insert(-1, nn.Sigmoid())  # before the last, as list.insert and PyTorch
    model.insert(3, nn.Identity())
    model.insert(-4, nn.ELU())
    assert [type(m).__name__ for m in model] == ["ELU", "ReLU", "Sigmoid", "Tanh", "Identity"]
    with pytest.raises(IndexError, match="out of range"):
        model.insert(-6, nn.ReLU())


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers += [nn.ReLU()]
    assert isinstance(layers[-1], nn.ReLU)
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    heads["c"] = nn.Identity()
    assert list(heads.keys()) == ["a", "b", "c"] and "b" in heads
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight",
                                                        "b.bias"]
    assert heads.pop("a") is not None and len(heads) == 2


def test_import_paths():
    import gradiente as torch_like
    import gradiente.nn.functional as F
    from gradiente.nn import init

    assert torch_like.nn.Linear is nn.Linear
    assert F.relu is torch_like.nn.functional.relu
    assert init.kaiming_uniform_ is torch_like.nn.init.kaiming_uniform_
    assert torch_like.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_


def test_deepcopy_of_a_module_is_independent():
    import copy
    net = make_net()
    net.features[0].weight.grad = gr.ones(8, 4)
    twin = copy.deepcopy(net)
    x = gr.randn(5, 4)
    np.testing.assert_array_equal(twin(x).array, net(x).array)
    pairs = list(zip(net.state_dict().values(), twin.state_dict().values()))
    assert all(not np.shares_memory(a.array, b.array) for a, b in pairs)
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in twin.parameters())
    assert twin.features[0].weight.grad is None  # as PyTorch: a Parameter's grad is not copied
    with gr.no_grad():
        net.head.bias.add_(1.0)
    assert not np.array_equal(twin.head.bias.array, net.head.bias.array)
    shared = nn.Linear(2, 2)
    tied = copy.deepcopy(nn.Sequential(shared, nn.ReLU(), shared))
    assert tied[0] is tied[2] and len(list(tied.parameters())) == 2
