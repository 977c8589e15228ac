"""``gradiente demo``: the README's main job."""

import gradiente as gr


def register(subparsers):
    parser = subparsers.add_parser("demo", help="run the lectures' first example (the main job)")
    parser.set_defaults(func=run)


def trace_example():
    """f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5), lecture 000."""
    x1 = gr.tensor(2.0, dtype=gr.float64, requires_grad=True)
    x2 = gr.tensor(5.0, dtype=gr.float64, requires_grad=True)
    y = gr.log(x1) + x1 * x2 - gr.sin(x2)
    y.backward()
    print("f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (x1, x2) = (2, 5)")
    print(f"  y        = {y.item():.3f}")
    print(f"  dy/dx1   = {x1.grad.item():.3f}   (1/x1 + x2)")
    print(f"  dy/dx2   = {x2.grad.item():.3f}   (x1 - cos(x2))")


def run(args):
    trace_example()
    return 0
