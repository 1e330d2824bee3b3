#!/usr/bin/python3
r"""nnbert's `finetune` beside its PyTorch peer (finetune_classifier.py) on the same checkpoint and
labelled data: F1 (or accuracy) and training tokens/s, one table row (issue 12's comparison).

    /usr/bin/python3 bench/vs_torch/finetune_compare.py --model DIR \
        --train data/finetune/reuters-grain/train.tsv --eval data/finetune/reuters-grain/test.tsv \
        [--build build] [--threads 2] [--seeds 42[,43,...]] [--rounds 1] [--epochs 3]
        [--batch-size 32] [--lr 3e-5] [--warmup-ratio 0.1] [--weight-decay 0.01] [--max-length 128]
        [--dropout 0.1] [--precision fp32|bf16] [--positive-label NAME] [--limit N] [--eval-limit N]
        [--work DIR] [--keep-runs]

Each run of a seed is one round: `build/apps/finetune ... --seed S --threads N`, then the peer
with the same options (so the runs alternate nnbert, PyTorch, nnbert, ...); --rounds repeats the
whole list of seeds. The row gives the medians over all rounds, of the best F1 and of tokens/s.
The seed fixes each side's head initialisation, dropout and shuffling, but the two sides draw
different numbers from it, so a pair of runs differs as two seeds of one side do. On a small
eval set that is coarse (Reuters grain has 57 positives: one more or one fewer found moves F1 by
1 to 2 points), so judge the 2-point bar over several seeds (--seeds 1,2,3,4,5).
The peer runs fairly: /usr/bin/python3 with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp
(set here for the peer's process) and torch.set_num_threads(N). Every recipe option is passed
to both sides explicitly (--dropout too), so they agree even if finetune's defaults change.
--limit N / --eval-limit N cut the files to their first N examples (written to --work as TSV with
the columns text, [text_pair,] label; tabs and line breaks in texts become spaces, which the
tokenizer treats alike) and give the cut files to both sides: for quick development runs only.

nnbert's figures come from its run directory's metrics.jsonl: the F1 is the best eval_f1 over the
run's evaluations (eval_accuracy for tasks with more than two labels), as finetune keeps its best
model by it. Its tokens/s is the rate of the whole run from the per-window records: each record
gives the text tokens per second of the steps since the previous record (evaluation excluded), so
with s_i steps at r_i tokens/s the run's rate is Σ s_i / Σ (s_i / r_i) (exact when every step
carries the same number of text tokens; the steps are shuffled, so nearly; the window after each
epoch's end also holds that epoch's checkpoint save, a small share). The peer measures
text tokens / training seconds exactly and also reports this same windowed estimate of itself
(the `windowed` column of the per-round lines) to show how close the estimate is.

Prints one line per round and run, then a markdown table row:
| task | model | threads | precision | F1 nnbert | F1 PyTorch | tokens/s nnbert | tokens/s PyTorch | speed-up |
and whether issue 12's bar is met (|ΔF1| <= 2 points, speed-up >= 1.5).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import finetune_classifier  # noqa: E402  (the data reader, to cut files with --limit)

OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def cut_file(src, dst, limit, columns):
    rows = finetune_classifier.read_examples(src, *columns, limit=limit)
    pairs = any(r[1] is not None for r in rows)

    def clean(s):
        return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")

    with open(dst, "w", encoding="utf-8") as f:
        f.write("text\ttext_pair\tlabel\n" if pairs else "text\tlabel\n")
        for text, pair, label in rows:
            f.write("\t".join([clean(text)] + ([clean(pair)] if pairs else []) + [label]) + "\n")
    return len(rows)


def ours_run(a, seed, out_dir, train, evalf, columns):
    binary = os.path.join(a.build, "apps", "finetune")
    cmd = [binary, "--model", a.model, "--train", train, "--eval", evalf, "--out", out_dir,
           "--threads", str(a.threads), "--epochs", str(a.epochs), "--batch-size", str(a.batch_size),
           "--lr", repr(a.lr), "--warmup-ratio", repr(a.warmup_ratio), "--weight-decay", repr(a.weight_decay),
           "--max-length", str(a.max_length), "--dropout", repr(a.dropout), "--seed", str(seed),
           "--precision", a.precision, "--keep", "1"]
    if a.positive_label:
        cmd += ["--positive-label", a.positive_label]
    for flag, value in zip(("--text-column", "--text-pair-column", "--label-column"), columns):
        if value:
            cmd += [flag, value]
    log = out_dir + ".log"
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit(f"finetune failed (exit {r.returncode}); its output is in {log}:\n" + open(log).read()[-3000:])
    records = [json.loads(l) for l in open(os.path.join(out_dir, "metrics.jsonl")) if l.strip()]
    evals = [r for r in records if "eval_accuracy" in r]
    metric = "f1" if all("eval_f1" in r for r in evals) else "accuracy"
    best = max(evals, key=lambda r: r["eval_" + metric])
    prev, steps, inv = 0, 0, 0.0
    for rec in records:
        s = rec["step"] - prev
        steps += s
        inv += s / rec["tokens_per_s"]
        prev = rec["step"]
    return {"metric": metric, "best": best["eval_" + metric], "best_step": best["step"],
            "evals": [{k[5:]: v for k, v in r.items() if k.startswith("eval_")} | {"step": r["step"]}
                      for r in evals],
            "tokens_per_s": steps / inv, "steps": prev, "log": log}


def peer_run(a, seed, train, evalf, columns, log):
    cmd = ["/usr/bin/python3", os.path.join(HERE, "finetune_classifier.py"), "--model", a.model,
           "--train", train, "--eval", evalf, "--threads", str(a.threads), "--epochs", str(a.epochs),
           "--batch-size", str(a.batch_size), "--lr", repr(a.lr), "--warmup-ratio", repr(a.warmup_ratio),
           "--weight-decay", repr(a.weight_decay), "--max-length", str(a.max_length),
           "--dropout", repr(a.dropout), "--seed", str(seed), "--precision", a.precision,
           "--tokenize-bin", os.path.join(a.build, "apps", "tokenize")]
    if a.positive_label:
        cmd += ["--positive-label", a.positive_label]
    for flag, value in zip(("--text-column", "--text-pair-column", "--label-column"), columns):
        if value:
            cmd += [flag, value]
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = OPENBLAS_OPENMP + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=f, text=True, env=env)
        f.write(r.stdout)
    if r.returncode != 0:
        sys.exit(f"the PyTorch peer failed (exit {r.returncode}); its output is in {log}:\n" + open(log).read()[-3000:])
    j = json.loads(r.stdout.strip().split("\n")[-1])
    return {"metric": j["best_metric"], "best": j["best_value"], "best_step": j["best_step"],
            "evals": j["evals"], "tokens_per_s": j["tokens_per_s"], "windowed": j["tokens_per_s_windowed"],
            "steps": j["steps"], "log": log, "blas": j["blas"], "threads": j["threads"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seeds", default="42", help="comma-separated seeds, one round each")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--positive-label", default="")
    ap.add_argument("--text-column", default="")
    ap.add_argument("--text-pair-column", default="")
    ap.add_argument("--label-column", default="")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--eval-limit", type=int, default=0)
    ap.add_argument("--work", help="directory for the runs and logs (default: a temporary one)")
    ap.add_argument("--keep-runs", action="store_true", help="keep nnbert's run directories")
    a = ap.parse_args()

    work = a.work or tempfile.mkdtemp(prefix="finetune-compare-")
    os.makedirs(work, exist_ok=True)
    columns = (a.text_column, a.text_pair_column, a.label_column)
    train, evalf = a.train, a.eval
    if a.limit or a.eval_limit:
        train, evalf = os.path.join(work, "train.tsv"), os.path.join(work, "eval.tsv")
        n_train = cut_file(a.train, train, a.limit, columns)
        n_eval = cut_file(a.eval, evalf, a.eval_limit, columns)
        columns = ("", "", "")
        print(f"cut to {n_train} training and {n_eval} eval examples in {work}", flush=True)

    seeds = [int(x) for x in a.seeds.split(",") if x.strip()]
    ours, theirs = [], []
    for r, seed in enumerate([s for _ in range(a.rounds) for s in seeds], 1):
        out_dir = os.path.join(work, f"nnbert-round{r}")
        shutil.rmtree(out_dir, ignore_errors=True)
        o = ours_run(a, seed, out_dir, train, evalf, columns)
        ours.append(o)
        print(f"round {r} seed {seed} nnbert:  {o['steps']} steps, best {o['metric']} {o['best']:.4f} (step {o['best_step']}), "
              f"{o['tokens_per_s']:.0f} tokens/s   [{o['log']}]", flush=True)
        if not a.keep_runs:
            shutil.rmtree(out_dir, ignore_errors=True)
        t = peer_run(a, seed, train, evalf, columns, os.path.join(work, f"pytorch-round{r}.log"))
        theirs.append(t)
        print(f"round {r} seed {seed} PyTorch: {t['steps']} steps, best {t['metric']} {t['best']:.4f} (step {t['best_step']}), "
              f"{t['tokens_per_s']:.0f} tokens/s (windowed {t['windowed']:.0f}), {t['threads']} threads, "
              f"BLAS {', '.join(os.path.basename(b) for b in t['blas'])}   [{t['log']}]", flush=True)

    metric = ours[0]["metric"]
    if theirs[0]["metric"] != metric:
        sys.exit(f"the two sides chose different metrics: {metric} and {theirs[0]['metric']}")
    fo = statistics.median(o["best"] for o in ours)
    ft = statistics.median(t["best"] for t in theirs)
    so = statistics.median(o["tokens_per_s"] for o in ours)
    st = statistics.median(t["tokens_per_s"] for t in theirs)
    task = os.path.basename(os.path.dirname(os.path.abspath(a.train))) or a.train
    name = "F1" if metric == "f1" else "accuracy"
    print()
    print(f"| task | model | threads | precision | {name} nnbert | {name} PyTorch | tokens/s nnbert | "
          f"tokens/s PyTorch | speed-up |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    print(f"| {task}, {a.epochs} epochs | {os.path.basename(os.path.normpath(a.model))} | {a.threads} | "
          f"{a.precision} | {100 * fo:.1f} | {100 * ft:.1f} | {so:.0f} | {st:.0f} | {so / st:.2f}× |")
    gap = 100 * (fo - ft)
    if len(ours) > 1:
        print(f"\nmean {name} over {len(ours)} rounds: nnbert {100 * statistics.mean(o['best'] for o in ours):.1f}, "
              f"PyTorch {100 * statistics.mean(t['best'] for t in theirs):.1f}")
    print(f"\nissue 12: {name} nnbert − PyTorch = {gap:+.1f} points ({'within' if abs(gap) <= 2 else 'NOT within'} 2), "
          f"speed-up {so / st:.3f}× ({'≥' if so / st >= 1.5 else 'below'} 1.5×); "
          f"{len(ours)} round{'s' if len(ours) > 1 else ''} (seeds {a.seeds}), medians; logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
