#!/usr/bin/python3
"""A fine-tuned classifier directory (e.g. written by nnbert's `finetune`) run by the PyTorch
reference on text lines, printing what `classify --format json` prints; with --against, compared
with classify's output: "a checkpoint fine-tuned here loads in the reference and predicts the
same labels".

    /usr/bin/python3 tests/parity/check_classifier.py DIR INPUT [--against OURS.jsonl]
        [--max-length N] [--tol 1e-4] [--tokenizer auto|reference|builtin]

DIR: config.json ("architectures": BertForSequenceClassification | BertForTokenClassification,
id2label, problem_type), model.safetensors, vocab.txt, tokenizer_config.json (do_lower_case;
uncased when absent). INPUT: text lines as classify reads them; blank lines skipped. Sequence
models: "text" or "text<TAB>pair" ([CLS] a [SEP] b [SEP], token types 0 up to the first [SEP]);
token models: words separated by whitespace, each word's label from its first piece (a word with
no pieces gets ""). Each line is run alone (batch 1, no padding), model in eval mode, float32.
A line longer than --max-length tokens (default min(128, max_position_embeddings), classify's
default) is an error: the reference does not truncate.

Output, one JSON object per line (classify's fields):
  single-label  {"text", ["text_pair"], "label", "probability", "probabilities": {label: p}}
                (softmax)
  multi-label   {"text", ["text_pair"], "labels": [σ > 0.5], "probabilities": {label: σ}}
  regression    {"text", ["text_pair"], "value"}   (problem_type regression, or unset with 1 label)
  token         {"words", "labels"} (+ "word_probabilities", "label_names": the reference's
                softmax of each word's first piece, in label order)

--against OURS.jsonl: the same number of lines; texts equal; labels equal (for a label whose
reference probability is within --tol of the runner-up the order is not decided at that
tolerance and only the probabilities are compared); every probability and value within --tol
(absolute). Prints one summary line (the largest differences) and exits 1 on any mismatch,
naming the line and the field.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from basic_wordpiece import load_vocab  # noqa: E402
from checkpoint_io import CheckpointError, load_checkpoint  # noqa: E402

CLASSIFIERS = ("BertForSequenceClassification", "BertForTokenClassification")


def make_encoder(vocab_path, lower_case, tokenizer):
    """(text) -> word-piece ids without [CLS]/[SEP], with the tokenizer reference of tests/parity
    (hf_tokenizer_reference.py) or the builtin fallback (basic_wordpiece.py)."""
    vocab = load_vocab(vocab_path)
    if tokenizer in ("auto", "reference"):
        try:
            import hf_tokenizer_reference as ref
            return lambda text: [vocab[t] for t in ref.tokenize(text, vocab, lower_case)]
        except ImportError:
            if tokenizer == "reference":
                raise CheckpointError("tests/parity/hf_tokenizer_reference.py is not available")
    from basic_wordpiece import tokenize_ids
    return lambda text: tokenize_ids(vocab_path, text, lower=lower_case)


def lower_case_of(path):
    p = os.path.join(path, "tokenizer_config.json")
    if not os.path.isfile(p):
        return True
    with open(p) as f:
        return bool(json.load(f).get("do_lower_case", True))


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        lines = f.read().split("\n")
    return [l.rstrip("\r") for l in lines if l.strip(" \t\r")]


def predict(model, cfg, arch, encode, specials, lines, max_length):
    """Reference predictions of every line; specials = ([CLS] id, [SEP] id)."""
    CLS, SEP = specials
    names = [cfg.id2label[i] for i in range(cfg.num_labels)]
    out = []
    for n, line in enumerate(lines, 1):
        if arch == "BertForTokenClassification":
            words = line.split()
            ids, starts = [CLS], []
            for w in words:
                pieces = encode(w)
                starts.append(len(ids) if pieces else -1)
                ids.extend(pieces)
            ids.append(SEP)
            types = [0] * len(ids)
        else:
            text, _, pair = line.partition("\t")
            a = encode(text)
            ids = [CLS] + a + [SEP]
            types = [0] * len(ids)
            if "\t" in line:
                b = encode(pair)
                ids += b + [SEP]
                types += [1] * (len(b) + 1)
        if len(ids) > max_length:
            raise CheckpointError(f"line {n}: {len(ids)} tokens exceed --max-length {max_length} "
                                  "(the reference does not truncate)")
        input_ids = torch.tensor([ids])
        with torch.no_grad():
            logits = model(input_ids, torch.ones_like(input_ids), torch.tensor([types]))["logits"][0]
        if arch == "BertForTokenClassification":
            labels = [names[int(logits[s].argmax())] if s >= 0 else "" for s in starts]
            probs = [torch.softmax(logits[s].double(), -1).tolist() if s >= 0 else [] for s in starts]
            out.append({"words": words, "labels": labels, "word_probabilities": probs,
                        "label_names": names})
            continue
        text, _, pair = line.partition("\t")
        j = {"text": text}
        if "\t" in line:
            j["text_pair"] = pair
        ptype = cfg.problem_type
        if ptype == "regression" or (ptype is None and cfg.num_labels == 1):
            j["value"] = float(logits[0])
        elif ptype == "multi_label_classification":
            p = torch.sigmoid(logits.double()).tolist()
            j["labels"] = [names[k] for k in range(len(names)) if p[k] > 0.5]
            j["probabilities"] = dict(zip(names, p))
        else:
            p = torch.softmax(logits.double(), -1).tolist()
            best = max(range(len(p)), key=lambda k: p[k])
            j.update(label=names[best], probability=p[best], probabilities=dict(zip(names, p)))
        out.append(j)
    return out


def near_tie(probs, a, b, tol):
    """True when labels a and b have reference probabilities within tol (their order is not
    decided at that tolerance)."""
    return a in probs and b in probs and abs(probs[a] - probs[b]) <= tol


def compare(ref, ours, tol):
    """(list of mismatch messages, largest probability/value difference, undecided labels)."""
    errors, worst, ties = [], 0.0, 0
    if len(ref) != len(ours):
        return [f"{len(ours)} lines from classify, {len(ref)} from the reference"], worst, ties
    for n, (r, o) in enumerate(zip(ref, ours), 1):
        for key in ("text", "text_pair", "words"):
            if r.get(key) != o.get(key):
                errors.append(f"line {n}: {key} {o.get(key)!r}, reference {r.get(key)!r}")
        if "words" in r:
            if len(r["labels"]) != len(o.get("labels", [])):
                errors.append(f"line {n}: {len(o.get('labels', []))} word labels, "
                              f"reference {len(r['labels'])}")
                continue
            names = {k: i for i, k in enumerate(r["label_names"])}
            for i, (lr, lo) in enumerate(zip(r["labels"], o["labels"])):
                if lr == lo:
                    continue
                probs = {k: r["word_probabilities"][i][names[k]] for k in names} \
                    if r["word_probabilities"][i] else {}
                if near_tie(probs, lr, lo, tol):
                    ties += 1
                else:
                    errors.append(f"line {n}: word {i} ({r['words'][i]!r}) label {lo!r}, "
                                  f"reference {lr!r}")
            continue
        if "value" in r:
            if "value" not in o:
                errors.append(f"line {n}: no value")
                continue
            d = abs(r["value"] - o["value"])
            worst = max(worst, d)
            if d > tol:
                errors.append(f"line {n}: value {o['value']}, reference {r['value']} (|diff| {d:.2e})")
            continue
        rp, op = r["probabilities"], o.get("probabilities", {})
        if set(rp) != set(op):
            errors.append(f"line {n}: labels {sorted(op)}, reference {sorted(rp)}")
            continue
        for k in rp:
            d = abs(rp[k] - op[k])
            worst = max(worst, d)
            if d > tol:
                errors.append(f"line {n}: probability of {k} {op[k]}, reference {rp[k]} "
                              f"(|diff| {d:.2e})")
        if "label" in r:
            if r["label"] != o.get("label"):
                if near_tie(rp, r["label"], o.get("label"), tol):
                    ties += 1
                else:
                    errors.append(f"line {n}: label {o.get('label')!r}, reference {r['label']!r}")
            d = abs(r["probability"] - o.get("probability", float("nan")))
            if not d <= tol:
                errors.append(f"line {n}: probability {o.get('probability')}, reference "
                              f"{r['probability']}")
        else:
            undecided = [k for k in rp if abs(rp[k] - 0.5) <= tol]
            if [k for k in r["labels"] if k not in undecided] != \
                    [k for k in o.get("labels", []) if k not in undecided]:
                errors.append(f"line {n}: labels {o.get('labels')}, reference {r['labels']}")
            ties += len(undecided)
    return errors, worst, ties


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("input")
    ap.add_argument("--against")
    ap.add_argument("--max-length", type=int)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--tokenizer", choices=["auto", "reference", "builtin"], default="auto")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        model, cfg, arch = load_checkpoint(args.dir)
        if arch not in CLASSIFIERS:
            raise CheckpointError(f"{args.dir}: a {arch}, not a fine-tuned classifier")
        vocab_path = os.path.join(args.dir, "vocab.txt")
        if not os.path.isfile(vocab_path):
            raise CheckpointError(f"{vocab_path}: no such file")
        vocab = load_vocab(vocab_path)
        encode = make_encoder(vocab_path, lower_case_of(args.dir), args.tokenizer)
        max_length = args.max_length or min(128, cfg.max_position_embeddings)
        ref = predict(model, cfg, arch, encode, (vocab["[CLS]"], vocab["[SEP]"]),
                      read_lines(args.input), max_length)
    except (CheckpointError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not args.against:
        for j in ref:
            print(json.dumps(j))
        return 0
    with open(args.against) as f:
        ours = [json.loads(l) for l in f if l.strip()]
    errors, worst, ties = compare(ref, ours, args.tol)
    for e in errors:
        print(f"mismatch: {e}", file=sys.stderr)
    kind = arch if arch == "BertForTokenClassification" else f"{arch} ({cfg.problem_type})"
    print(f"{kind}: {len(ref)} lines, largest |difference| {worst:.2e} (tolerance {args.tol:g})"
          + (f", {ties} labels undecided at that tolerance" if ties else "")
          + (f", {len(errors)} MISMATCHES" if errors else ", all agree"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
