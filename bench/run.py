"""Run every benchmark script of bench/ in one go, each in its own process.

    python bench/run.py   # core overhead, training steps (MLP, CNN, Transformer), transforms
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = ("core.py", "mlp.py", "cnn.py", "transformer.py", "transforms.py")


def main():
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # both libraries on one thread (see common.py)
    failed = []
    for script in SCRIPTS:
        print(f"\n===== bench/{script}", flush=True)
        if subprocess.run([sys.executable, os.path.join(HERE, script)], env=env).returncode:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
