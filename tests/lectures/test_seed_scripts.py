"""The lectures' PyTorch programs, run verbatim after ``import gradiente as torch``.

The scripts below are copied from ../shared/seeds/001_987bac397f59fb0b.txt (the training
script: MLP 10-40-40-5, He init, MSELoss, SGD with momentum, StepLR, DataLoader) and
002_5e612e05b1176a8c.txt (the MultilayerPerceptron classes and the training loop). Only the
import lines are rewritten, by ``swap_imports``; the bodies run unchanged.
"""

import contextlib
import io
import re
import warnings

import numpy as np
import pytest

import gradiente
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch

SEED_001_TRAINING = '''
import torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader
from torch.optim.lr_scheduler import StepLR

# define input size, hidden layer size, output size
D_i, D_k, D_o = 10, 40, 5
# create model with two hidden layers
model = nn.Sequential(
    nn.Linear(D_i, D_k),
    nn.ReLU(),
    nn.Linear(D_k, D_k),
    nn.ReLU(),
    nn.Linear(D_k, D_o))

# He initialization of weights
def weights_init(layer_in):
    if isinstance(layer_in, nn.Linear):
        nn.init.kaiming_uniform_(layer_in.weight)
        layer_in.bias.data.fill_(0.0)
model.apply(weights_init)

# choose least squares loss function
criterion = nn.MSELoss()
# construct SGD optimizer and initialize learning rate and momentum
optimizer = torch.optim.SGD(model.parameters(), lr = 0.01, momentum=0.9)
# object that decreases learning rate by half every 10 epochs
scheduler = StepLR(optimizer, step_size=10, gamma=0.5)

# create 100 dummy data points and store in data loader class
x = torch.randn(100, D_i)
y = torch.randn(100, D_o)
data_loader = DataLoader(TensorDataset(x,y), batch_size=10, shuffle=True)

# loop over the dataset 100 times
for epoch in range(100):
    epoch_loss = 0.0
    # loop over batches
    for i, data in enumerate(data_loader):
        # retrieve inputs and labels for this batch
        x_batch, y_batch = data
        # zero the parameter gradients
        optimizer.zero_grad()
        # forward pass
        pred = model(x_batch)
        loss = criterion(pred, y_batch)
        # backward pass
        loss.backward()
        # SGD update
        optimizer.step()
        # update statistics
        epoch_loss += loss.item()
    # print error
    print(f'Epoch {epoch:5d}, loss {epoch_loss:.3f}')
    # tell scheduler to consider updating learning rate
    scheduler.step()
'''

# Lecture 02, "API Orientada a Objetos vs Funcional": the four MultilayerPerceptron classes.
SEED_002_FUNCTIONAL = '''
import torch.nn.functional as F

class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()
        ### 1st hidden layer
        self.linear_1 = torch.nn.Linear(num_features,
                                        num_hidden_1)
        ### 2nd hidden layer
        self.linear_2 = torch.nn.Linear(num_hidden_1,
                                        num_hidden_2)
        ### Output layer
        self.linear_out = torch.nn.Linear(num_hidden_2,
                                         num_classes)

    def forward(self, x):
        out = self.linear_1(x)
        out = F.relu(out)
        out = self.linear_2(out)
        out = F.relu(out)
        logits = self.linear_out(out)
        probas = F.log_softmax(logits, dim=1)
        return logits, probas
'''

SEED_002_MODULES = '''
class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()
        ### 1st hidden layer
        self.linear_1 = torch.nn.Linear(num_features,
                                        num_hidden_1)
        self.relu1 = torch.nn.ReLU()
        ### 2nd hidden layer
        self.linear_2 = torch.nn.Linear(num_hidden_1,
                                        num_hidden_2)
        self.relu2 = torch.nn.ReLU()
        ### Output layer
        self.linear_out = torch.nn.Linear(num_hidden_2,
                                         num_classes)
        self.softmax = torch.nn.Softmax()

    def forward(self, x):
        out = self.linear_1(x)
        out = self.relu1(out)
        out = self.linear_2(out)
        out = self.relu2(out)
        logits = self.linear_out(out)
        probas = self.softmax(logits, dim=1)
        return logits, probas
'''

SEED_002_SEQUENTIAL = '''
import torch.nn.functional as F

class MultilayerPerceptron(torch.nn.Module):
    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()

        self.my_network = torch.nn.Sequential(
            torch.nn.Linear(num_features, num_hidden_1),
            torch.nn.ReLU(),
            torch.nn.Linear(num_hidden_1, num_hidden_2),
            torch.nn.ReLU(),
            torch.nn.Linear(num_hidden_2, num_classes)
        )

    def forward(self, x):
        logits = self.my_network(x)
        probas = F.softmax(logits, dim=1)
        return logits, probas
'''

# "Paso 1 (Definición)": the first version, whose __init__ uses the globals num_feat and num_h1
# (trailing spaces of the notes dropped)
SEED_002_STEP1 = '''
import torch.nn.functional as F

class MultilayerPerceptron(torch.nn.Module):

    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()

        ### 1st hidden layer
        self.linear_1 = torch.nn.Linear(num_feat, num_h1)

        ### 2nd hidden layer
        self.linear_2 = torch.nn.Linear(num_h1, num_h2)

        ### Output layer
        self.linear_out = torch.nn.Linear(num_h2, num_classes)

    def forward(self, x):
        out = self.linear_1(x)
        out = F.relu(out)
        out = self.linear_2(out)
        out = F.relu(out)
        logits = self.linear_out(out)
        probas = F.log_softmax(logits, dim=1)
        return logits, probas
'''

# "Paso 2 (Creación)" and "Paso 3 (Entrenamiento)"; the notes leave "# compute accuracy" empty,
# so the last two lines are ours.
SEED_002_TRAINING = '''
torch.manual_seed(random_seed)
model = MultilayerPerceptron(num_features=num_features,
                             num_classes=num_classes)

model = model.to(device)

optimizer = torch.optim.SGD(model.parameters(),
                           lr=learning_rate)

for epoch in range(num_epochs):
    model.train()
    for batch_idx, (features, targets) in enumerate(train_loader):

        features = features.view(-1, 28*28).to(device)
        targets = targets.to(device)

        ### FORWARD AND BACK PROP
        logits, probas = model(features)
        loss = F.cross_entropy(logits, targets)
        optimizer.zero_grad()

        loss.backward()

        ### UPDATE MODEL PARAMETERS
        optimizer.step()

    model.eval()
    with torch.no_grad():
        # compute accuracy
        logits, probas = model(all_features.view(-1, 28*28))
        accuracy = (logits.argmax(dim=1) == all_targets).float().mean().item()
'''

SEED_002_CLASSES = {"functional": SEED_002_FUNCTIONAL, "modules": SEED_002_MODULES,
                    "sequential": SEED_002_SEQUENTIAL, "step1": SEED_002_STEP1}


def swap_imports(source, library="gradiente"):
    """Rewrite only the import lines so that ``torch`` names ``library``."""
    def swap_module(part):
        part = part.strip()
        if part == "torch":
            return f"{library} as torch"
        return re.sub(r"^torch\b", library, part)

    lines = []
    for line in source.splitlines():
        if line.startswith("from torch"):
            line = "from " + library + line[len("from torch"):]
        elif line.startswith("import "):
            line = "import " + ", ".join(swap_module(p) for p in line[7:].split(","))
        lines.append(line)
    return "\n".join(lines) + "\n"


def run(source, library, namespace=None):
    """Exec ``source`` with its imports pointing at ``library``; return namespace and stdout."""
    namespace = {} if namespace is None else namespace
    if library == "gradiente":
        source = swap_imports(source)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit softmax dim, as PyTorch warns
        exec(compile(source, f"<seed script, {library}>", "exec"), namespace)
    return namespace, out.getvalue()


def test_swap_imports_touches_only_imports():
    swapped = swap_imports(SEED_001_TRAINING)
    assert swapped.splitlines()[1:4] == [
        "import gradiente as torch, gradiente.nn as nn",
        "from gradiente.utils.data import TensorDataset, DataLoader",
        "from gradiente.optim.lr_scheduler import StepLR"]
    body = [line for line in swapped.splitlines() if not line.startswith(("import", "from"))]
    assert body == [line for line in SEED_001_TRAINING.splitlines()
                    if not line.startswith(("import", "from"))]


def test_seed_001_training_script_runs_and_loss_decreases():
    gradiente.manual_seed(0)
    namespace, printed = run(SEED_001_TRAINING, "gradiente")
    assert namespace["torch"] is gradiente
    losses = [float(v) for v in re.findall(r"Epoch +\d+, loss ([\d.]+)", printed)]
    assert len(losses) == 100
    assert losses[-1] < 0.6 * losses[0]
    assert namespace["scheduler"].get_last_lr() == [0.01 * 0.5 ** 10]


def _seed_002_namespace(library):
    lib = gradiente if library == "gradiente" else torch
    rng = np.random.default_rng(0)
    images = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    features, targets = lib.tensor(images), lib.tensor(labels)
    data = lib.utils.data if library == "torch" else gradiente.utils.data
    loader = data.DataLoader(data.TensorDataset(features, targets), batch_size=16, shuffle=True)
    return {"random_seed": 1, "num_features": 784, "num_feat": 784, "num_hidden_1": 32,
            "num_h1": 32, "num_hidden_2": 16, "num_h2": 16, "num_classes": 10,
            "learning_rate": 0.5, "num_epochs": 15, "device": lib.device("cpu"),
            "train_loader": loader, "all_features": features, "all_targets": targets}


def _full_loss(namespace, lib):
    F = lib.nn.functional
    with lib.no_grad():
        logits, _ = namespace["model"](namespace["all_features"].view(-1, 28 * 28))
        return F.cross_entropy(logits, namespace["all_targets"]).item()


@pytest.mark.parametrize("variant", sorted(SEED_002_CLASSES))
def test_seed_002_multilayer_perceptrons_train(variant):
    libraries = ["gradiente"] + (["torch"] if HAS_TORCH else [])
    for library in libraries:
        lib = gradiente if library == "gradiente" else torch
        namespace = _seed_002_namespace(library)
        run("import torch\n" + SEED_002_CLASSES[variant], library, namespace)
        if variant == "modules":
            # the notes call nn.Softmax with dim=: a TypeError in PyTorch, and so in gradiente
            with pytest.raises(TypeError, match="dim"):
                run(SEED_002_TRAINING, library, namespace)
            continue
        run("model = MultilayerPerceptron(num_features, num_classes)", library, namespace)
        before = _full_loss(namespace, lib)
        run(SEED_002_TRAINING, library, namespace)
        after = _full_loss(namespace, lib)
        assert after < 0.5 * before, (library, before, after)
        assert namespace["accuracy"] > 0.5


# ----- the same loss curve as PyTorch from the same weights ---------------------------------------
def _seed_001_models():
    theirs = torch.nn.Sequential(torch.nn.Linear(10, 40), torch.nn.ReLU(),
                                 torch.nn.Linear(40, 40), torch.nn.ReLU(),
                                 torch.nn.Linear(40, 5))
    ours = gradiente.nn.Sequential(gradiente.nn.Linear(10, 40), gradiente.nn.ReLU(),
                                   gradiente.nn.Linear(40, 40), gradiente.nn.ReLU(),
                                   gradiente.nn.Linear(40, 5))
    return ours, theirs, "mse"


def _seed_002_models():
    namespaces = {}
    for library in ("gradiente", "torch"):
        namespace = _seed_002_namespace(library)
        run("import torch\n" + SEED_002_FUNCTIONAL, library, namespace)
        run("model = MultilayerPerceptron(num_features, num_classes)", library, namespace)
        namespaces[library] = namespace
    return namespaces["gradiente"]["model"], namespaces["torch"]["model"], "cross_entropy"


def _loss_curve(lib, model, optimizer, scheduler, batches, loss_kind):
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        out = model(lib.tensor(x))
        logits = out[0] if isinstance(out, tuple) else out
        if loss_kind == "mse":
            loss = lib.nn.MSELoss()(logits, lib.tensor(y))
        else:
            loss = lib.nn.functional.cross_entropy(logits, lib.tensor(y))
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


@requires_torch
@pytest.mark.parametrize("make_models", [_seed_001_models, _seed_002_models],
                         ids=["seed001-mlp", "seed002-mlp"])
@pytest.mark.parametrize("optimizer", [("SGD", dict(lr=0.01, momentum=0.9)),
                                       ("Adam", dict(lr=0.001))], ids=["sgd-momentum", "adam"])
def test_loss_curve_equals_torch_from_copied_weights(make_models, optimizer):
    ours, theirs, loss_kind = make_models()
    ours.load_state_dict({k: gradiente.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(3)
    if loss_kind == "mse":
        batches = [(rng.standard_normal((10, 10)).astype(np.float32),
                    rng.standard_normal((10, 5)).astype(np.float32)) for _ in range(4)]
    else:
        batches = [(rng.standard_normal((16, 784)).astype(np.float32), rng.integers(0, 10, 16))
                   for _ in range(4)]
    batches = batches * 5  # 5 epochs of 4 batches: 20 steps
    name, options = optimizer
    curves = []
    for lib, model in ((gradiente, ours), (torch, theirs)):
        opt = getattr(lib.optim, name)(model.parameters(), **options)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
        curves.append(_loss_curve(lib, model, opt, scheduler, batches, loss_kind))
    ours_curve, theirs_curve = curves
    assert sum(ours_curve[-4:]) < sum(ours_curve[:4])  # it learns
    np.testing.assert_allclose(ours_curve, theirs_curve, rtol=0, atol=1e-6)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.dtype == gradiente.float32
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0, atol=1e-5)


def test_lecture_02_training_modes_example_fits_the_line():
    import runpy
    from pathlib import Path

    example = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "training_modes.py"))
    dataset = example["make_data"]()
    for batch_size, lr, updates in [(1, 0.01, 4000), (len(dataset), 0.5, 20), (20, 0.1, 200)]:
        model, loss, steps = example["train"](dataset, batch_size, lr)
        assert steps == updates
        assert loss < 0.0105  # the noise's variance is 0.01
        np.testing.assert_allclose(model.weight.detach().numpy().ravel(), [2.0, -1.0, 0.5],
                                   atol=0.03)
