"""Lecture 02's ``MultilayerPerceptron`` class, trained on the 8×8 digits (the lecture uses
28×28 MNIST images: with its files in place, swap ``datasets.digits`` for
``datasets.mnist`` and ``num_features`` for 28*28).

Step 1 defines the class, step 2 creates the model and the optimizer, step 3 trains with
``zero_grad``/``backward``/``step`` and evaluates under ``model.eval()`` and ``no_grad``.
Run: ``python examples/multilayer_perceptron_digits.py`` (GRADIENTE_QUICK=1 for 2 epochs).
"""

import os

import gradiente as torch
import gradiente.nn.functional as F
from gradiente import datasets
from gradiente.utils.data import DataLoader

random_seed, learning_rate, batch_size = 1, 0.1, 64
num_epochs = 2 if os.environ.get("GRADIENTE_QUICK") else 20
num_features, num_hidden_1, num_hidden_2, num_classes = 8 * 8, 128, 64, 10
device = torch.device("cpu")

train_dataset, test_dataset = datasets.digits(standardize=True)
train_loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(test_dataset, batch_size=batch_size)


# Step 1: definition
class MultilayerPerceptron(torch.nn.Module):

    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()  # noqa: UP008 - as in the lecture
        ### 1st hidden layer
        self.linear_1 = torch.nn.Linear(num_features, num_hidden_1)
        ### 2nd hidden layer
        self.linear_2 = torch.nn.Linear(num_hidden_1, num_hidden_2)
        ### Output layer
        self.linear_out = torch.nn.Linear(num_hidden_2, num_classes)

    def forward(self, x):
        out = self.linear_1(x)
        out = F.relu(out)
        out = self.linear_2(out)
        out = F.relu(out)
        logits = self.linear_out(out)
        probas = F.log_softmax(logits, dim=1)
        return logits, probas


# Step 2: creation
torch.manual_seed(random_seed)
model = MultilayerPerceptron(num_features=num_features, num_classes=num_classes)
model = model.to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def compute_accuracy(model, data_loader):
    correct, total = 0, 0
    for features, targets in data_loader:
        logits, _ = model(features.view(-1, num_features).to(device))
        correct += (logits.argmax(dim=1) == targets.to(device)).sum().item()
        total += targets.size(0)
    return correct / total


# Step 3: training
for epoch in range(num_epochs):
    model.train()
    for batch_idx, (features, targets) in enumerate(train_loader):
        features = features.view(-1, num_features).to(device)
        targets = targets.to(device)

        ### FORWARD AND BACK PROP
        logits, probas = model(features)
        loss = F.cross_entropy(logits, targets)  # on the logits: log_softmax inside
        optimizer.zero_grad()
        loss.backward()

        ### UPDATE MODEL PARAMETERS
        optimizer.step()

    model.eval()
    with torch.no_grad():
        accuracy = compute_accuracy(model, test_loader)
    print(f"epoch {epoch + 1:2d}/{num_epochs}  loss {loss.item():.4f}  "
          f"test accuracy {accuracy:.4f}")

assert accuracy > (0.5 if os.environ.get("GRADIENTE_QUICK") else 0.95)
