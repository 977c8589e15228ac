"""``gradiente demo``: the README's main job.

1. The first lecture's example, f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5): its
   evaluation trace, forward-mode tangents and reverse-mode adjoints, as the lecture writes
   them (``gradiente explain``).
2. An MLP trained on scikit-learn's bundled digits (8×8 images, 10 classes) with the
   training command line's machinery: progress, metrics, curves and checkpoints in
   ``runs/demo-digits``.
"""

from . import CommandError

LECTURE_EXPRESSION = "ln(x1) + x1*x2 - sin(x2)"
DIGITS = {"dataset": "digits", "model": "mlp", "hidden": [256], "activation": "relu",
          "epochs": 30, "batch_size": 32, "optimizer": "sgd", "lr": 0.03, "momentum": 0.9,
          "weight_decay": 1e-4, "scheduler": "step", "step_size": 10, "gamma": 0.5, "seed": 0}


def register(subparsers):
    parser = subparsers.add_parser("demo", help="the main job: the lecture's trace example, "
                                                "then an MLP trained on digits")
    parser.add_argument("--out", default="runs/demo-digits", help="run directory")
    parser.add_argument("--lang", default="en", choices=("en", "es"))
    parser.set_defaults(func=run)


def run(args):
    from . import main as cli_main
    from ..training import run as train

    print("=" * 80)
    print("1. Lecture 000: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (x1, x2) = (2, 5)")
    print("=" * 80)
    status = cli_main(["explain", LECTURE_EXPRESSION, "--at", "x1=2", "x2=5",
                       "--lang", args.lang])
    if status:
        return status
    print()
    print("=" * 80)
    print("2. An MLP 64-256-10 on the digits dataset (1,797 8×8 images), SGD with momentum")
    print("=" * 80)
    try:
        metrics = train({**DIGITS, "out": args.out})
    except (ValueError, RuntimeError) as error:
        raise CommandError(str(error)) from None
    accuracy = metrics["final"]["test"]["accuracy"]
    print(f"test accuracy {accuracy:.1%} after {metrics['epochs']} epochs in "
          f"{metrics['seconds']:.1f} s; curves, metrics and checkpoint in {metrics['out']}")
    return 0
