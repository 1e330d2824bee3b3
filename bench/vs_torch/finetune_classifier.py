#!/usr/bin/python3
r"""The PyTorch peer of `finetune` for sequence classification: the same checkpoint, data, token ids,
recipe and metrics, in PyTorch 1.13 with the parity reference model (issue 12's comparison).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/finetune_classifier.py --model DIR --train FILE --eval FILE [--threads 2]
        [--epochs 3 | --steps N] [--batch-size 32] [--lr 3e-5] [--warmup-ratio 0.1]
        [--weight-decay 0.01] [--max-grad-norm 1.0] [--max-length 128] [--dropout 0.1] [--seed 42]
        [--positive-label NAME] [--text-column C] [--text-pair-column C] [--label-column C]
        [--precision fp32|bf16] [--tokenizer nnbert|reference] [--tokenize-bin PATH]
        [--limit N] [--eval-limit N] [--log-every 10]

What is the same as `finetune --model DIR --train FILE --eval FILE` (single-label tasks):
  data      the TSV/CSV/JSON-lines file read as finetune reads it (header row, columns by name:
            text/sentence/sentence1, text_pair/sentence2, label; labels trimmed); labels ordered
            as finetune orders them (all integers: by value; else Python's sorted(), which is
            finetune's byte order), a binary task's positive class (--positive-label, else the
            rarer training label; on a tie the second) at id 1.
  token ids by default nnbert's own `build/apps/tokenize encode` on the texts (with --cased when
            DIR/tokenizer_config.json says do_lower_case false), so both sides see identical ids;
            --tokenizer reference uses tests/parity/hf_tokenizer_reference.py instead (it gives
            the same ids; checked on the Reuters texts). [CLS] a [SEP] (b [SEP]) cut to --max-length as
            finetune cuts (a pair loses tokens from its longer side, on a tie from the second).
  model     BertForSequenceClassification of tests/parity/bert_reference.py built from DIR's
            config.json; every weight DIR has (encoder, and pooler / classifier when present)
            loaded; the rest (the classifier, the pooler of an MLM checkpoint) initialised
            N(0, initializer_range) with zero biases, from torch.manual_seed(--seed). The initial
            head values are not ours (our RNG is Philox): same distribution, different draws.
  dropout   finetune's rule (since commit 7444b98): --dropout X (default 0.1, BERT's fine-tuning
            value, whatever the checkpoint was pretrained with) sets hidden and attention dropout
            to X and leaves classifier_dropout unset (so the head uses X too). The dropout masks
            are torch's draws, not ours.
  recipe    torch.optim.AdamW (betas 0.9/0.999, eps 1e-6, bias correction) with weight decay on
            every parameter except biases and LayerNorm weights; LambdaLR linear warmup over
            int(warmup_ratio * total) steps from 0, then linear decay to 0 at the last step (HF's
            get_linear_schedule_with_warmup, = nn::LrSchedule); clip_grad_norm_ to --max-grad-norm;
            cross-entropy (mean over the batch); ceil(examples / batch) steps per epoch (the last
            batch of an epoch smaller); each epoch a seeded permutation (torch.randperm with a
            generator seeded from (seed, epoch): not our permutation); batches padded to their
            longest, rounded up to a multiple of 8.
  eval      after every epoch and at the last step, in eval mode, the eval file in file order,
            --batch-size at a time; accuracy, macro-F1, F1 of class 1 (binary tasks), MCC and the
            mean loss, with finetune's (sklearn's) definitions; best F1 (binary) or accuracy.
  speed     text tokens per second: non-padding tokens trained on / wall time of the training
            steps (batch assembly, forward, backward, clipping, optimizer step; evaluation
            excluded), as finetune's metrics.jsonl tokens_per_s counts. `tokens_per_s_windowed`
            also gives the estimate finetune_compare.py makes from finetune's per-window rates
            (windows of --log-every steps and step 1 alone), to check that estimator.
Fairness: torch.set_num_threads(--threads) and the OpenMP OpenBLAS (LD_LIBRARY_PATH above); the
script prints torch's thread count and the OpenBLAS library actually loaded, and warns when it is
not the OpenMP build. --precision bf16 runs the forward in torch.autocast("cpu", bfloat16) as
train_bert.py does (finetune --precision bf16); weights and optimizer stay fp32.

Not covered: multi-label, regression and token classification (finetune has them).

Checking the peer against finetune step by step: start both from the same weights, a directory
finetune writes without changing them (`finetune --model CKPT --train F --eval E --steps 1 --lr 0
--dropout 0 --batch-size B --out INIT`, B >= the training examples), then run both from INIT with
--dropout 0 and --batch-size B (one batch per epoch, so the shuffle does not matter): the training
and eval losses agree to float rounding at every step.

Output: progress lines and per-evaluation lines on stdout, then one JSON line (the last line) with the settings, each evaluation, best_f1 / best_metric / best_value,
tokens_per_s, train_tokens, train_seconds and peak RSS.
--limit N / --eval-limit N keep the first N rows of the training / eval file (development only;
finetune_compare.py cuts the files for both sides instead).
"""
import argparse
import csv
import json
import math
import os
import re
import resource
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "parity"))
sys.path.insert(0, HERE)
from bert_reference import BertConfig, BertForSequenceClassification, no_decay  # noqa: E402
from safetensors_io import load_file  # noqa: E402
from train_bert import layer_norm_in_fp32  # noqa: E402  (torch 1.13 CPU autocast: LayerNorm in fp32)


class DataError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Data: the labelled file as finetune reads it (bert/data/task_data*.cc)


def _lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: invalid UTF-8 at byte {e.start}")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def _resolve(header, given, defaults, required, role, path):
    if given:
        if given not in header:
            raise DataError(f"{path}: no column '{given}' (the {role} column); its columns are {header}")
        return header.index(given)
    for name in defaults:
        if name in header:
            return header.index(name)
    if required:
        raise DataError(f"{path}: no {role} column ({' or '.join(defaults)}); its columns are {header}")
    return -1


def _rows_table(path, delimiter):
    if delimiter == "\t":
        return [(n, l.split("\t")) for n, l in enumerate(_lines(path), 1) if l != ""]
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=",", quotechar='"', doublequote=True, strict=True)
        return [(reader.line_num, r) for r in reader if r]


def read_examples(path, text_col="", pair_col="", label_col="", limit=0):
    """[(text, pair or None, label)] of a .tsv (tabs, no quoting), .csv (RFC 4180) or .jsonl file."""
    ext = os.path.splitext(path)[1].lower()
    out = []
    if ext in (".jsonl", ".json"):
        tk, pk, lk = text_col or "text", pair_col or "text_pair", label_col or "label"
        for n, line in enumerate(_lines(path), 1):
            if not line.strip():
                continue
            j = json.loads(line)
            if not isinstance(j.get(tk), str) or not j[tk].strip():
                raise DataError(f"{path}:{n}: no text in '{tk}'")
            label = j.get(lk)
            if label is None:
                raise DataError(f"{path}:{n}: no label in '{lk}'")
            label = label if isinstance(label, str) else json.dumps(label)
            out.append((j[tk], j.get(pk), label.strip(" \t")))
    elif ext in (".tsv", ".csv"):
        rows = _rows_table(path, "\t" if ext == ".tsv" else ",")
        if not rows:
            raise DataError(f"{path}: empty file")
        header = rows[0][1]
        t = _resolve(header, text_col, ["text", "sentence", "sentence1"], True, "text", path)
        p = _resolve(header, pair_col, ["text_pair", "sentence2"], False, "pair", path)
        lab = _resolve(header, label_col, ["label"], True, "label", path)
        for n, fields in rows[1:]:
            if len(fields) != len(header):
                raise DataError(f"{path}:{n}: row has {len(fields)} fields, the header has {len(header)}")
            if not fields[t].strip(" \t\r\n\f\v"):
                raise DataError(f"{path}:{n}: empty text")
            label = fields[lab].strip(" \t")
            if not label:
                raise DataError(f"{path}:{n}: empty label")
            out.append((fields[t], fields[p] if p >= 0 else None, label))
    else:
        raise DataError(f"{path}: unknown format (expected .tsv, .csv, .jsonl or .json)")
    if not out:
        raise DataError(f"{path}: no examples")
    return out[:limit] if limit else out


_INT = re.compile(r"-?[0-9]+\Z")


def order_labels(labels, positive=""):
    """finetune's label map (LabelMap::from_labels + order_labels in apps/finetune.cc)."""
    names = sorted(set(labels))
    if all(_INT.match(n) and -2**63 <= int(n) < 2**63 for n in names):
        names.sort(key=lambda n: (int(n), n))
    if positive and positive not in names:
        raise DataError(f"--positive-label '{positive}' is not a label of the training file ({names})")
    if len(names) != 2:
        return names
    pos = positive
    if not pos:
        count = {n: labels.count(n) for n in names}
        pos = names[0] if count[names[0]] < count[names[1]] else names[1]
    if names[1] != pos:
        names.reverse()
    return names


# ---------------------------------------------------------------------------------------------
# Token ids


def encode_nnbert(binary, vocab_path, lower_case, texts, threads):
    """Word-piece ids (no [CLS]/[SEP]) of each text by nnbert's `tokenize encode`. Line breaks
    inside a text become spaces (both are whitespace to the BERT tokenizer)."""
    cmd = [binary, "encode", "--vocab", vocab_path, "--threads", str(threads)]
    if not lower_case:
        cmd.append("--cased")
    payload = "".join(re.sub(r"[\r\n]", " ", t) + "\n" for t in texts).encode("utf-8")
    r = subprocess.run(cmd, input=payload, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise DataError(f"{' '.join(cmd)} failed: {r.stderr.decode(errors='replace')}")
    lines = r.stdout.decode().split("\n")[:-1]
    if len(lines) != len(texts):
        raise DataError(f"tokenize gave {len(lines)} lines for {len(texts)} texts")
    return [[int(x) for x in l.split()][1:-1] for l in lines]


def encode_reference(vocab_path, lower_case, texts):
    import hf_tokenizer_reference as ref
    vocab = ref.load_vocab(vocab_path)
    return [[vocab[t] for t in ref.tokenize(text, vocab, lower_case)] for text in texts]


def assemble(a, b, max_length, cls_id, sep_id):
    """[CLS] a [SEP] (b [SEP]) cut to max_length as Tokenizer::build: (ids, types, was_cut)."""
    la, lb = len(a), len(b) if b is not None else 0
    added = 3 if b is not None else 2
    budget = max_length - added
    cut = la + lb > budget
    if b is None:
        la = min(la, budget)
    while la + lb > budget:
        if la > lb:
            la -= 1
        else:
            lb -= 1
    ids = [cls_id] + a[:la] + [sep_id]
    types = [0] * len(ids)
    if b is not None:
        ids += b[:lb] + [sep_id]
        types += [1] * (lb + 1)
    return ids, types, cut


def load_vocab_ids(path):
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    return vocab


def lower_case_of(model_dir):
    p = os.path.join(model_dir, "tokenizer_config.json")
    if not os.path.isfile(p):
        return True
    with open(p) as f:
        return bool(json.load(f).get("do_lower_case", True))


# ---------------------------------------------------------------------------------------------
# Model


def _normalise(name):
    if name.endswith("LayerNorm.gamma"):
        return name[: -len("gamma")] + "weight"
    if name.endswith("LayerNorm.beta"):
        return name[: -len("beta")] + "bias"
    return name


def load_model(model_dir, labels, dropout, seed):
    """(BertForSequenceClassification with DIR's weights, names of the weights initialised here)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg["architectures"] = ["BertForSequenceClassification"]
    cfg["id2label"] = {str(i): n for i, n in enumerate(labels)}
    cfg["label2id"] = {n: i for i, n in enumerate(labels)}
    cfg.pop("num_labels", None)
    cfg["problem_type"] = "single_label_classification"
    cfg["is_decoder"] = False
    cfg["hidden_dropout_prob"] = cfg["attention_probs_dropout_prob"] = dropout
    cfg["classifier_dropout"] = None  # the head takes hidden_dropout_prob, as finetune sets it
    torch.manual_seed(seed)
    model = BertForSequenceClassification(BertConfig(**cfg))  # HF init: N(0, range), zero biases
    tensors = load_file(os.path.join(model_dir, "model.safetensors"))
    prefixed = any(n.startswith("bert.") for n in tensors)
    own = dict(model.named_parameters())
    loaded = set()
    with torch.no_grad():
        for name, t in tensors.items():
            n = _normalise(name)
            if not prefixed and not n.startswith("cls.") and not n.startswith("classifier."):
                n = "bert." + n
            if n not in own:
                continue  # MLM / NSP heads, position_ids, the tied decoder
            p = own[n]
            if tuple(t.shape) != tuple(p.shape):
                raise DataError(f"{model_dir}: tensor '{name}' has shape {tuple(t.shape)}, "
                                f"the model expects {tuple(p.shape)}")
            p.copy_(t.float())
            loaded.add(n)
    fresh = [n for n in own if n not in loaded]
    for n in fresh:
        if n.startswith("bert.") and not n.startswith("bert.pooler."):
            raise DataError(f"{model_dir}: the encoder weight '{n}' is missing (not a BERT checkpoint?)")
    return model, fresh


# ---------------------------------------------------------------------------------------------
# Batches and metrics


def make_batch(examples, indices, pad_id):
    """(ids, types, mask, labels, text tokens) padded to the longest, rounded up to 8."""
    T = max(len(examples[i][0]) for i in indices)
    T = (T + 7) // 8 * 8
    B = len(indices)
    ids = torch.full((B, T), pad_id, dtype=torch.long)
    types = torch.zeros((B, T), dtype=torch.long)
    mask = torch.zeros((B, T), dtype=torch.long)
    tokens = 0
    for r, i in enumerate(indices):
        e_ids, e_types, _ = examples[i]
        n = len(e_ids)
        ids[r, :n] = torch.tensor(e_ids)
        types[r, :n] = torch.tensor(e_types)
        mask[r, :n] = 1
        tokens += n
    labels = torch.tensor([examples[i][2] for i in indices], dtype=torch.long)
    return ids, types, mask, labels, tokens


def classification_metrics(pred, gold, K, positive):
    """Accuracy, macro-F1, F1 of `positive`, MCC (sklearn's definitions, as finetune)."""
    m = [[0] * K for _ in range(K)]
    for p, g in zip(pred, gold):
        m[g][p] += 1
    total = len(gold)

    def ratio(a, b):
        return 0.0 if b == 0 else a / b

    def f1(c):
        tp = m[c][c]
        support, predicted = sum(m[c]), sum(m[g][c] for g in range(K))
        prec, rec = ratio(tp, predicted), ratio(tp, support)
        return ratio(2 * prec * rec, prec + rec), support, predicted

    scores = [f1(c) for c in range(K)]
    present = [s[0] for s in scores if s[1] or s[2]]
    correct = sum(m[c][c] for c in range(K))
    t = [sum(m[c]) for c in range(K)]
    p = [sum(m[g][c] for g in range(K)) for c in range(K)]
    cov_pp = total * total - sum(x * x for x in p)
    cov_tt = total * total - sum(x * x for x in t)
    mcc = 0.0 if cov_pp == 0 or cov_tt == 0 else \
        max(-1.0, min(1.0, (correct * total - sum(a * b for a, b in zip(t, p))) / math.sqrt(cov_pp * cov_tt)))
    out = {"accuracy": ratio(correct, total), "macro_f1": ratio(sum(present), len(present))}
    if positive is not None:
        out["f1"] = scores[positive][0]
    out["mcc"] = mcc
    return out, m


def evaluate(model, examples, batch_size, pad_id, K, precision):
    model.eval()
    preds, gold, loss_sum = [], [], 0.0
    with torch.no_grad():
        for begin in range(0, len(examples), batch_size):
            idx = list(range(begin, min(len(examples), begin + batch_size)))
            ids, types, mask, labels, _ = make_batch(examples, idx, pad_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                logits = model(ids, mask, types)["logits"]
            logits = logits.float()
            loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
            preds += logits.argmax(-1).tolist()
            gold += labels.tolist()
    model.train()
    metrics, confusion = classification_metrics(preds, gold, K, 1 if K == 2 else None)
    return dict(loss=loss_sum / len(gold), **metrics), confusion


def blas_report():
    """torch's thread count and the OpenBLAS library this process loaded."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                if "openblas" in line or "libblas" in line:
                    libs.add(line.split()[-1])
    except OSError:
        pass
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return sorted(libs), blas.group(1) if blas else "?"


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=int)
    g.add_argument("--steps", type=int)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.1, help="hidden, attention and classifier dropout")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--positive-label", default="")
    ap.add_argument("--text-column", default="")
    ap.add_argument("--text-pair-column", default="")
    ap.add_argument("--label-column", default="")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--tokenizer", choices=["nnbert", "reference"], default="nnbert")
    ap.add_argument("--tokenize-bin", default=os.path.join(REPO, "build", "apps", "tokenize"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--eval-limit", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=10)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    libs, blas = blas_report()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS_INFO {blas}, loaded: "
          f"{', '.join(libs) or 'no OpenBLAS loaded yet'}", flush=True)
    if not any("openblas-openmp" in l for l in libs):
        print("warning: the OpenMP OpenBLAS is not loaded (LD_LIBRARY_PATH="
              "/usr/lib/x86_64-linux-gnu/openblas-openmp); PyTorch will be slow", file=sys.stderr)

    try:
        train_rows = read_examples(a.train, a.text_column, a.text_pair_column, a.label_column, a.limit)
        eval_rows = read_examples(a.eval, a.text_column, a.text_pair_column, a.label_column, a.eval_limit)
        labels = order_labels([r[2] for r in train_rows], a.positive_label)
        if len(labels) < 2:
            raise DataError(f"{a.train}: every example has the label '{labels[0]}'")
        label_id = {n: i for i, n in enumerate(labels)}
        for path, rows in ((a.eval, eval_rows),):
            for r in rows:
                if r[2] not in label_id:
                    raise DataError(f"{path}: label '{r[2]}' is not one of the training labels {labels}")
        vocab_path = os.path.join(a.model, "vocab.txt")
        vocab = load_vocab_ids(vocab_path)
        lower = lower_case_of(a.model)
        texts = [r[0] for r in train_rows + eval_rows]
        pairs = [r[1] for r in train_rows + eval_rows if r[1] is not None]
        t0 = time.perf_counter()
        if a.tokenizer == "nnbert":
            pieces = encode_nnbert(a.tokenize_bin, vocab_path, lower, texts + pairs, a.threads)
        else:
            pieces = encode_reference(vocab_path, lower, texts + pairs)
        tok_s = time.perf_counter() - t0
        pair_pieces = iter(pieces[len(texts):])
        encoded, cut = [], 0
        for r, a_ids in zip(train_rows + eval_rows, pieces[:len(texts)]):
            b_ids = next(pair_pieces) if r[1] is not None else None
            ids, types, was_cut = assemble(a_ids, b_ids, a.max_length, vocab["[CLS]"], vocab["[SEP]"])
            cut += was_cut
            encoded.append((ids, types, label_id[r[2]]))
        train, held_out = encoded[:len(train_rows)], encoded[len(train_rows):]
        pad_id = vocab.get("[PAD]", 0)
        model, fresh = load_model(a.model, labels, a.dropout, a.seed)
        if a.max_length > model.config.max_position_embeddings:
            raise DataError(f"--max-length {a.max_length} exceeds the model's "
                            f"{model.config.max_position_embeddings} positions")
    except (DataError, OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    c = model.config
    K = len(labels)
    print(f"model: BertForSequenceClassification from {a.model}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters; newly initialised: "
          f"{', '.join(fresh) or 'none'}", flush=True)
    print(f"labels ({K}): {', '.join(labels)}" + (f" — positive class (f1): {labels[1]}" if K == 2 else ""))
    print(f"data: {len(train)} training examples, {len(held_out)} held out; {cut} cut to {a.max_length} "
          f"tokens; ids by {a.tokenizer} tokenizer ({tok_s:.1f} s, lower case {lower})")
    print(f"dropout hidden {c.hidden_dropout_prob:g}, attention {c.attention_probs_dropout_prob:g}, "
          f"classifier {c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob:g}",
          flush=True)

    per_epoch = (len(train) + a.batch_size - 1) // a.batch_size
    total = a.steps if a.steps else per_epoch * (a.epochs or 3)
    warmup = int(a.warmup_ratio * total)
    model.train()
    if a.precision == "bf16":
        layer_norm_in_fp32(model)
    params = list(model.named_parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for n, p in params if not no_decay(n)], "weight_decay": a.weight_decay},
         {"params": [p for n, p in params if no_decay(n)], "weight_decay": 0.0}],
        lr=a.lr, betas=(0.9, 0.999), eps=1e-6)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))

    evals, step_log = [], []  # step_log: (text tokens, seconds) per step
    win = {"steps": 0, "loss": 0.0, "tokens": 0, "seconds": 0.0}
    train_tokens, train_seconds = 0, 0.0
    step, epoch = 0, 0
    while step < total:
        gen = torch.Generator()
        gen.manual_seed((a.seed * 1000003 + epoch) % (1 << 63))
        order = torch.randperm(len(train), generator=gen).tolist()
        for b in range(per_epoch):
            if step >= total:
                break
            t0 = time.perf_counter()
            ids, types, mask, y, tokens = make_batch(train, order[b * a.batch_size:(b + 1) * a.batch_size], pad_id)
            lr = sched.get_last_lr()[0]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
                logits = model(ids, mask, types)["logits"]
            loss = F.cross_entropy(logits.float(), y)
            opt.zero_grad(set_to_none=False)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.max_grad_norm)
            opt.step()
            sched.step()
            dt = time.perf_counter() - t0
            step += 1
            train_tokens += tokens
            train_seconds += dt
            step_log.append((tokens, dt))
            win["steps"] += 1
            win["loss"] += loss.item()
            win["tokens"] += tokens
            win["seconds"] += dt
            last = step == total
            if step == 1 or step % a.log_every == 0 or step % per_epoch == 0 or last:
                print(f"step {step}/{total}  loss {win['loss'] / win['steps']:.4f}  lr {lr:.2e}  "
                      f"{win['tokens'] / win['seconds']:.0f} tok/s", flush=True)
                win = {"steps": 0, "loss": 0.0, "tokens": 0, "seconds": 0.0}
            if step % per_epoch == 0 or last:
                m, confusion = evaluate(model, held_out, a.batch_size, pad_id, K, a.precision)
                m = {"epoch": step / per_epoch, "step": step, **m}
                evals.append(m)
                print("eval  step {}  {}".format(step, "  ".join(
                    f"{k} {v:.4f}" for k, v in m.items() if k not in ("epoch", "step"))), flush=True)
                corner = "gold \\ predicted"
                w = max(len(n) for n in labels + [corner])
                print(f"{corner:<{w}}" + "".join(f"  {n:>7}" for n in labels))
                for i, n in enumerate(labels):
                    print(f"{n:<{w}}" + "".join(f"  {x:>7}" for x in confusion[i]))
        epoch += 1

    # finetune_compare.py's estimate from per-window rates (windows: step 1, then every
    # --log-every steps and at epoch ends), the same estimate it makes of finetune's metrics.jsonl.
    bounds = sorted({1, total} | set(range(a.log_every, total + 1, a.log_every)) |
                    set(range(per_epoch, total + 1, per_epoch)))
    prev, steps_sum, inv_sum = 0, 0, 0.0
    for s in bounds:
        tok = sum(t for t, _ in step_log[prev:s])
        sec = sum(d for _, d in step_log[prev:s])
        steps_sum += s - prev
        inv_sum += (s - prev) / (tok / sec)
        prev = s
    metric = "f1" if K == 2 else "accuracy"
    best = max(evals, key=lambda e: e[metric])
    result = {
        "peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "blas": libs, "model": a.model, "train": a.train, "eval": a.eval,
        "train_examples": len(train), "eval_examples": len(held_out), "labels": labels,
        "epochs": total / per_epoch, "steps": total, "batch_size": a.batch_size, "lr": a.lr,
        "warmup_steps": warmup, "weight_decay": a.weight_decay, "max_length": a.max_length,
        "dropout": a.dropout, "seed": a.seed, "precision": a.precision, "tokenizer": a.tokenizer,
        "newly_initialised": fresh, "evals": evals,
        "best_f1": best["f1"] if K == 2 else None, "best_metric": metric, "best_value": best[metric],
        "best_step": best["step"],
        "tokens_per_s": train_tokens / train_seconds, "tokens_per_s_windowed": steps_sum / inv_sum,
        "train_tokens": train_tokens, "train_seconds": train_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(f"best {metric} {best[metric]:.4f} at step {best['step']}; training {train_tokens} text tokens "
          f"in {train_seconds:.1f} s = {result['tokens_per_s']:.0f} tokens/s ({a.threads} threads)")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
