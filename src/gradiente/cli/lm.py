"""``gradiente lm train`` and ``gradiente lm sample``: a character-level language model.

    gradiente lm train --corpus names --context 3 --embed 10 --hidden 200 --epochs 10
    gradiente lm sample runs/lm -n 20 --temperature 0.8
"""

import json
import os
import time
from pathlib import Path

from . import CommandError

CHECKPOINT = "lm.safetensors"


def register(subparsers):
    parser = subparsers.add_parser("lm", help="train and sample a character-level language model")
    commands = parser.add_subparsers(dest="lm_command", metavar="{train,sample}")
    train = commands.add_parser("train", help="train Bengio et al.'s model on a word list")
    train.add_argument("--corpus", default="names", help="names (Faker's first names, ASCII) "
                       "or nombres (its Spanish-speaking locales)")
    train.add_argument("--context", type=int, default=3, help="characters of context")
    train.add_argument("--embed", type=int, default=10, help="embedding size per character")
    train.add_argument("--hidden", type=int, default=200, help="units of the tanh layer")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=0.1)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="runs/lm", help="run directory (checkpoint, metrics)")
    train.set_defaults(func=run_train)
    sample = commands.add_parser("sample", help="sample new words from a trained model")
    sample.add_argument("run", help="run directory written by `gradiente lm train`")
    sample.add_argument("-n", type=int, default=20, help="how many words")
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--top-k", type=int, default=None)
    sample.add_argument("--seed", type=int, default=0)
    sample.set_defaults(func=run_sample)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def _positive(name, value):
    if value <= 0:
        raise CommandError(f"--{name} must be positive, got {value}")


def run_train(args):
    import gradiente as gr
    from gradiente import text

    for name in ("context", "embed", "hidden", "epochs", "batch_size", "lr"):
        _positive(name.replace("_", "-"), getattr(args, name))
    try:
        words = text.corpus(args.corpus)
    except (ValueError, RuntimeError) as error:
        raise CommandError(str(error)) from None
    train_words, valid_words, test_words = text.split_words(words, seed=args.seed)
    vocab = text.Vocabulary.from_words(words)
    x_train, y_train = text.context_windows(train_words, vocab, args.context)
    x_test, y_test = text.context_windows(test_words, vocab, args.context)
    print(f"corpus {args.corpus}: {len(words)} words, vocabulary of {len(vocab)} characters "
          f"({''.join(vocab.tokens)}), {len(y_train)} training examples")

    bigram = text.BigramLM(len(vocab)).fit(*text.context_windows(train_words, vocab, 1))
    bigram_loss, bigram_ppl = text.evaluate(bigram, *text.context_windows(test_words, vocab, 1))

    gr.manual_seed(args.seed)
    model = text.CharMLP(len(vocab), args.context, args.embed, args.hidden)
    started = time.perf_counter()

    def report(epoch, loss):
        print(f"epoch {epoch + 1:3d}/{args.epochs}  train loss {loss:.4f}")

    try:
        history = text.train_char_mlp(model, x_train, y_train, args.epochs, args.batch_size,
                                      args.lr, args.seed, callback=report)
    except FloatingPointError as error:
        raise CommandError(str(error)) from None
    test_loss, test_ppl = text.evaluate(model, x_test, y_test)
    metrics = {"test_loss_per_char": test_loss, "test_perplexity": test_ppl,
               "bigram_test_loss_per_char": bigram_loss, "bigram_test_perplexity": bigram_ppl,
               "train_loss_history": history, "seconds": time.perf_counter() - started}
    print(f"held-out loss per character: MLP {test_loss:.4f} (perplexity {test_ppl:.2f}), "
          f"bigram counts {bigram_loss:.4f} (perplexity {bigram_ppl:.2f})")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = {k: getattr(args, k) for k in ("corpus", "context", "embed", "hidden", "epochs",
                                            "batch_size", "lr", "seed")}
    gr.save({"model": model.state_dict(), "vocab": vocab.tokens, "config": config},
            out / CHECKPOINT)
    _write_json(out / "metrics.json", metrics)
    print(f"samples: {', '.join(text.sample(model, vocab, 8, generator=gr.Generator()))}")
    print(f"wrote {out / CHECKPOINT} and {out / 'metrics.json'}")
    return 0


def _write_json(path, data):
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def load_model(run):
    """The trained CharMLP and its Vocabulary from a run directory."""
    import gradiente as gr
    from gradiente import text

    path = Path(run) / CHECKPOINT
    if not path.exists():
        raise CommandError(f"no language model checkpoint at {path}; train one with "
                           f"`gradiente lm train --out {run}`")
    try:
        state = gr.load(path)
        config = state["config"]
        vocab = text.Vocabulary(state["vocab"])
        model = text.CharMLP(len(vocab), config["context"], config["embed"], config["hidden"])
        model.load_state_dict(state["model"])
    except CommandError:
        raise
    except Exception as error:  # a corrupted or foreign file: one line, no traceback
        raise CommandError(f"cannot load {path}: {error}") from None
    return model, vocab


def run_sample(args):
    import gradiente as gr
    from gradiente import text

    model, vocab = load_model(args.run)
    try:
        words = text.sample(model, vocab, args.n, args.temperature, args.top_k,
                            generator=gr.Generator().manual_seed(args.seed))
    except ValueError as error:
        raise CommandError(str(error)) from None
    print("\n".join(words))
    return 0
