"""Lecture 001's PyTorch training script, run unchanged with ``import gradiente as torch``.

An MLP 10-40-40-5 with He initialisation, the least-squares loss, SGD with momentum, a step
learning-rate schedule and a shuffling DataLoader over 100 random examples.
Run: ``python examples/lecture_001_training.py`` (GRADIENTE_QUICK=1 for 5 epochs).
"""

import os

import gradiente as torch
import gradiente.nn as nn  # noqa: PLR0402 - the lecture's spelling
from gradiente.optim.lr_scheduler import StepLR
from gradiente.utils.data import DataLoader, TensorDataset

EPOCHS = 5 if os.environ.get("GRADIENTE_QUICK") else 100
torch.manual_seed(0)

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
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
# object that decreases learning rate by half every 10 epochs
scheduler = StepLR(optimizer, step_size=10, gamma=0.5)

# create 100 dummy data points and store in data loader class
x = torch.randn(100, D_i)
y = torch.randn(100, D_o)
data_loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True)

losses = []
# loop over the dataset EPOCHS times
for epoch in range(EPOCHS):
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
    losses.append(epoch_loss)
    # tell scheduler to consider updating learning rate
    scheduler.step()

# random targets cannot be predicted, but the network memorises the training set
assert losses[-1] < losses[0]
