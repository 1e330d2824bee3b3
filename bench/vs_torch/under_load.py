#!/usr/bin/python3
"""Training beside a busy core: nnbert and PyTorch 1.13, each quiet and then with one other
process spinning (one core's worth of demand), BERT-base fp32 by default (issue #17, item 4).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/under_load.py --nnbert build/apps/pretrain [--config base] [--steps 8]
        [--threads 2] [--rounds 1]

Both sides run as a user would start them: nnbert's apps wait passively in OpenMP unless the
environment says otherwise (apps/omp_wait_policy.cc); PyTorch keeps libgomp's default (spin,
then sleep). Prints tokens/s quiet and loaded for each side and the slowdown (quiet / loaded);
with 2 threads and one core taken, a side that degrades gracefully slows about 2×.
"""
import argparse
import statistics
import subprocess

import train_bert


class BusyCore:
    """A shell loop that never sleeps, for the duration of a with-block."""

    def __enter__(self):
        self.p = subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"])
        return self

    def __exit__(self, *exc):
        self.p.kill()
        self.p.wait()


def measure(nnbert, config, steps, threads, rounds):
    """Medians over `rounds` of tokens/s: {(side, 'quiet'|'loaded'): rate}."""
    runs = {}
    for _ in range(rounds):
        for loaded in (False, True):
            cond = "loaded" if loaded else "quiet"
            busy = BusyCore() if loaded else None
            if busy:
                busy.__enter__()
            try:
                ours = train_bert.nnbert_tokens_per_s(nnbert, config, 8, 128, steps, threads, "fp32")[0]
                theirs = train_bert.torch_tokens_per_s(config, 8, 128, steps, threads, "fp32")[0]
            finally:
                if busy:
                    busy.__exit__(None, None, None)
            runs.setdefault(("nnbert", cond), []).append(ours)
            runs.setdefault(("torch", cond), []).append(theirs)
    return {k: statistics.median(v) for k, v in runs.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nnbert", required=True)
    ap.add_argument("--config", default="base")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    m = measure(a.nnbert, a.config, a.steps, a.threads, a.rounds)
    for side in ("nnbert", "torch"):
        q, l = m[(side, "quiet")], m[(side, "loaded")]
        print(f"{side:7s} quiet {q:7.0f} tok/s   one core busy {l:7.0f} tok/s   slowdown {q / l:.2f}×")


if __name__ == "__main__":
    main()
