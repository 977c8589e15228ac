"""A small language model with attention, written as a PyTorch program: a character-level
Transformer (decoder-only, causal mask) trained on the first names that ship with gradiente,
then sampling new names. Lecture 003's language model (a vocabulary, one-hot vectors, a
probability vector over the next character), with self-attention in place of a fixed window.

Run: ``python examples/transformer_names.py`` (2 minutes; GRADIENTE_QUICK=1 for a few
steps). With PyTorch installed, ``import torch`` in place of ``import gradiente as torch``
trains the same model.
"""

import math
import os

import gradiente as torch
import gradiente.nn as nn
import gradiente.nn.functional as F
from gradiente.text import corpus

torch.manual_seed(0)
steps = 30 if os.environ.get("GRADIENTE_QUICK") else 1500
batch_size, d_model, heads, layers = 64, 48, 4, 2

# Characters to indices: index 0 is "." (a name's start and end), 1 is padding
names = corpus("names")
alphabet = sorted(set("".join(names)))
itos = [".", "_"] + alphabet
stoi = {c: i for i, c in enumerate(itos)}
block_size = max(len(name) for name in names) + 1
PAD = stoi["_"]


def encode(name):
    """x = .name, y = name. (the next character at each position), padded to block_size."""
    ids = [stoi["."]] + [stoi[c] for c in name] + [stoi["."]]
    x, y = ids[:-1], ids[1:]
    padding = [PAD] * (block_size - len(x))
    return x + padding, y + padding


pairs = [encode(name) for name in names]
order = torch.randperm(len(pairs)).tolist()
split = int(0.9 * len(pairs))
train_x = torch.tensor([pairs[i][0] for i in order[:split]])
train_y = torch.tensor([pairs[i][1] for i in order[:split]])
valid_x = torch.tensor([pairs[i][0] for i in order[split:]])
valid_y = torch.tensor([pairs[i][1] for i in order[split:]])


class NameTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.token = nn.Embedding(len(itos), d_model)
        self.position = nn.Embedding(block_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                           dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, len(itos))
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(
            block_size))

    def forward(self, ids):
        length = ids.shape[1]
        h = self.token(ids) + self.position(torch.arange(length))
        h = self.blocks(h, mask=self.causal[:length, :length], is_causal=True)
        return self.head(self.norm(h))


def loss_on(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, len(itos)), y.reshape(-1), ignore_index=PAD)


model = NameTransformer()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
print(f"{sum(p.numel() for p in model.parameters())} parameters; "
      f"uniform guessing: {math.log(len(itos) - 1):.3f} nats per character")

for step in range(steps):
    batch = torch.randint(0, len(train_x), (batch_size,))
    loss = loss_on(model, train_x[batch], train_y[batch])
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    if step % max(1, steps // 10) == 0 or step == steps - 1:
        print(f"step {step:5d}  training loss {loss.item():.3f}")

model.eval()
with torch.no_grad():
    valid_loss = loss_on(model, valid_x[:2000], valid_y[:2000]).item()
print(f"held-out loss {valid_loss:.3f} nats per character "
      f"(perplexity {math.exp(valid_loss):.2f})")
# better than guessing uniformly, by far once trained (2.21 nats after 1500 steps)
assert valid_loss < math.log(len(itos) - 1) - (0.5 if os.environ.get("GRADIENTE_QUICK") else 1.0)


def sample_name(temperature=1.0):
    ids = [stoi["."]]
    with torch.no_grad():
        while len(ids) < block_size:
            logits = model(torch.tensor([ids]))[0, -1] / temperature
            logits[PAD] = -math.inf  # padding is never a next character
            next_id = torch.distributions.Categorical(logits=logits).sample().item()
            if next_id == stoi["."]:
                break
            ids.append(next_id)
    return "".join(itos[i] for i in ids[1:])


samples = [sample_name() for _ in range(10)]
print("new names:", ", ".join(samples))
