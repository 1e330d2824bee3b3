#!/usr/bin/python3
"""Writes the llm.c-style parity fixtures for nnbert's C++ tests (see README.md for the layout).

    /usr/bin/python3 tests/parity/make_fixtures.py [--out tests/parity/fixtures] [--case NAME]...

Cases, each in <out>/<case>/: `pretraining` (BertForPreTraining, padding, MLM + NSP) and
`lm_head` (BertLMHeadModel, is_decoder, causal + padding, shifted LM loss), with five AdamW
steps; and the fine-tuning heads, forward + backward only: `seqcls_single`, `seqcls_multi`,
`seqcls_regression` (BertForSequenceClassification: cross-entropy, BCE with logits, MSE) and
`token_cls` (BertForTokenClassification, -100 labels ignored). Deterministic: fixed seeds,
float32, one thread, torch.use_deterministic_algorithms(True); two runs on one machine give
identical bytes (another kind of CPU changes the last bits of outputs and gradients: regenerate
only the cases you change, with --case).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import (BertConfig, BertForPreTraining, BertForSequenceClassification,  # noqa: E402
                            BertForTokenClassification, BertLMHeadModel, no_decay)
from safetensors_io import save_file  # noqa: E402

B, T = 3, 12
LENGTHS = [12, 9, 7]          # row b has attention_mask 1 for t < LENGTHS[b], 0 after (padding)
SEP_A = [6, 4, 3]             # first [SEP] position of row b: token_type 0 up to it, 1 after
NEXT_SENTENCE_LABEL = [0, 1, 1]
PAD, CLS, SEP, MASK = 0, 1, 2, 3   # special ids of the tiny vocabulary
MLM_PER_ROW = 3

# Fixture init: the weights are N(0, WEIGHT_STD) instead of HF's N(0, 0.02). With 0.02 and H=32,
# q.k/sqrt(d) is ~1e-3 (softmax uniform: a wrong scale or a transposed head split would not show),
# GELU sees inputs ~0.1 (nearly linear) and logits are ~0.1 (CE ~ log V whatever the model does).
# With 0.2 the attention scores are O(1), GELU works in its curved region and the logits spread
# over a few units, so every part of the computation moves the numbers. Biases and LayerNorm
# parameters are also perturbed (HF inits them to 0 / (1, 0)), otherwise a missing bias add or a
# swapped gamma/beta would be invisible in the forward pass.
WEIGHT_STD = 0.2
BIAS_STD = 0.1
LN_STD = 0.1

ADAMW = {
    "lr": 1e-3,
    "betas": [0.9, 0.999],
    "eps": 1e-6,
    "weight_decay": 0.01,
    "max_grad_norm": 1.0,
    "steps": 5,
}


def tiny_config(is_decoder, arch, **extra):
    return BertConfig(
        vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, hidden_act="gelu", hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, max_position_embeddings=40, type_vocab_size=2,
        initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=PAD, is_decoder=is_decoder,
        architectures=[arch], model_type="bert", **extra)


def label_maps(names):
    """HF's config.json form: id2label {"0": name, ...} and label2id {name: 0, ...}."""
    return dict(id2label={str(i): n for i, n in enumerate(names)},
                label2id={n: i for i, n in enumerate(names)})


# The fine-tuning cases: (architecture, config fields, labels(gen, inputs), problem type the
# reference must end with). problem_type is left out where HF infers it (single-label from long
# labels, regression from num_labels 1) and written where it cannot be inferred from the labels
# alone; classifier_dropout is null (-> hidden_dropout_prob) or an explicit 0.0.
def _single_labels(gen, inputs):
    return torch.tensor([2, 0, 1], dtype=torch.long)


def _multi_labels(gen, inputs):
    return torch.tensor([[1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 1]], dtype=torch.float32)


def _regression_labels(gen, inputs):
    return torch.tensor([[0.5], [-1.25], [2.0]], dtype=torch.float32)  # (B, 1), as HF collates


def _token_labels(gen, inputs):
    """A tag per real token; -100 at [CLS], [SEP], padding and two "continuation pieces"."""
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    labels = torch.randint(0, len(TOKEN_TAGS), ids.shape, generator=gen)
    labels[(mask == 0) | (ids == CLS) | (ids == SEP)] = -100
    labels[0, 2] = -100
    labels[1, 6] = -100
    return labels


TOKEN_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
CLASSIFICATION_CASES = {
    "seqcls_single": ("BertForSequenceClassification",
                      dict(label_maps(["negative", "neutral", "positive"]), classifier_dropout=None),
                      _single_labels, "single_label_classification"),
    "seqcls_multi": ("BertForSequenceClassification",
                     dict(label_maps(["a", "b", "c", "d"]), classifier_dropout=0.0,
                          problem_type="multi_label_classification"),
                     _multi_labels, "multi_label_classification"),
    "seqcls_regression": ("BertForSequenceClassification",
                          dict(label_maps(["LABEL_0"]), classifier_dropout=None),
                          _regression_labels, "regression"),
    "token_cls": ("BertForTokenClassification",
                  dict(label_maps(TOKEN_TAGS), classifier_dropout=0.0),
                  _token_labels, None),
}


@torch.no_grad()
def fixture_init(model):
    model.init_weights(std=WEIGHT_STD)
    for name, p in model.named_parameters():
        if name.endswith("LayerNorm.weight"):
            p.add_(torch.randn_like(p) * LN_STD)
        elif name.endswith("bias"):  # includes LayerNorm.bias and cls.predictions.bias
            p.normal_(0.0, BIAS_STD if "LayerNorm" not in name else LN_STD)


def make_inputs(gen, vocab_size, with_mlm):
    input_ids = torch.full((B, T), PAD, dtype=torch.long)
    token_type_ids = torch.zeros((B, T), dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    original = torch.full((B, T), PAD, dtype=torch.long)
    for b in range(B):
        n = LENGTHS[b]
        words = torch.randint(4, vocab_size, (n,), generator=gen)
        words[0] = CLS
        words[SEP_A[b]] = SEP
        words[n - 1] = SEP
        original[b, :n] = words
        input_ids[b, :n] = words
        attention_mask[b, :n] = 1
        token_type_ids[b, SEP_A[b] + 1:n] = 1
    if not with_mlm:
        labels = original.clone()
        labels[attention_mask == 0] = -100
        return dict(input_ids=input_ids, token_type_ids=token_type_ids,
                    attention_mask=attention_mask, labels=labels)
    labels = torch.full((B, T), -100, dtype=torch.long)
    for b in range(B):
        n = LENGTHS[b]
        cand = [t for t in range(1, n - 1) if t != SEP_A[b]]
        perm = torch.randperm(len(cand), generator=gen).tolist()
        for j, i in enumerate(sorted(cand[k] for k in perm[:MLM_PER_ROW])):
            labels[b, i] = original[b, i]
            # Google's 80/10/10: here one of each kind per row, deterministic
            if j == 0 or j == 2:
                input_ids[b, i] = MASK if j == 0 else int(torch.randint(4, vocab_size, (1,),
                                                                        generator=gen))
            # j == 1: token left unchanged
    flat = labels.view(-1)
    masked_positions = (flat != -100).nonzero().view(-1)  # b*T + t, row-major
    masked_labels = flat[masked_positions]
    return dict(input_ids=input_ids, token_type_ids=token_type_ids,
                attention_mask=attention_mask, labels=labels,
                next_sentence_label=torch.tensor(NEXT_SENTENCE_LABEL, dtype=torch.long),
                masked_positions=masked_positions.clone(), masked_labels=masked_labels.clone())


def forward(model, inputs, pretraining):
    kw = dict(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
              token_type_ids=inputs["token_type_ids"], labels=inputs["labels"])
    if pretraining:
        kw["next_sentence_label"] = inputs["next_sentence_label"]
    return model(**kw)


def write_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def f32(x):
    """Python float of a float32 value (repr round-trips the float32 exactly)."""
    return float(torch.tensor(float(x), dtype=torch.float32).item())


def make_case(out_dir, case, seed):
    pretraining = case == "pretraining"
    arch = "BertForPreTraining" if pretraining else "BertLMHeadModel"
    cfg = tiny_config(is_decoder=not pretraining, arch=arch)
    torch.manual_seed(seed)
    model = (BertForPreTraining if pretraining else BertLMHeadModel)(cfg)
    fixture_init(model)
    model.train()  # dropout probabilities are 0.0: train mode, deterministic
    gen = torch.Generator().manual_seed(seed + 1)
    inputs = make_inputs(gen, cfg.vocab_size, with_mlm=pretraining)

    d = os.path.join(out_dir, case)
    os.makedirs(d, exist_ok=True)
    write_json(cfg.to_dict(), os.path.join(d, "config.json"))
    meta = {"format": "pt", "generator": "tests/parity/make_fixtures.py"}
    save_file(model.checkpoint_state(), os.path.join(d, "model.safetensors"), meta)
    save_file(inputs, os.path.join(d, "inputs.safetensors"), meta)

    # forward + backward at the initial weights
    model.zero_grad(set_to_none=True)
    out = forward(model, inputs, pretraining)
    out["loss"].backward()
    outputs = {"sequence_output": out["sequence_output"],
               "prediction_logits": out["prediction_logits"],
               "loss": out["loss"]}
    if pretraining:
        outputs.update(pooled_output=out["pooled_output"],
                       seq_relationship_logits=out["seq_relationship_logits"],
                       mlm_loss=out["mlm_loss"], nsp_loss=out["nsp_loss"])
    save_file({k: v.detach().float().contiguous() for k, v in outputs.items()},
              os.path.join(d, "outputs.safetensors"), meta)
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    save_file(grads, os.path.join(d, "grads.safetensors"), meta)

    # 5 AdamW steps: loss k is computed before update k; then the loss after the 5th update
    decay = [p for n, p in model.named_parameters() if not no_decay(n)]
    nodecay = [p for n, p in model.named_parameters() if no_decay(n)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": ADAMW["weight_decay"]},
         {"params": nodecay, "weight_decay": 0.0}],
        lr=ADAMW["lr"], betas=tuple(ADAMW["betas"]), eps=ADAMW["eps"], amsgrad=False)
    losses, grad_norms = [], []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad(set_to_none=True)
        loss = forward(model, inputs, pretraining)["loss"]
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), ADAMW["max_grad_norm"])
        opt.step()
        losses.append(f32(loss.item()))
        grad_norms.append(f32(norm.item()))
    with torch.no_grad():
        final_loss = f32(forward(model, inputs, pretraining)["loss"].item())
    write_json({
        **ADAMW,
        "bias_correction": True,
        "no_decay": ["bias", "LayerNorm.weight"],
        "no_decay_params": [n for n, _ in model.named_parameters() if no_decay(n)],
        "losses": losses,
        "final_loss": final_loss,
        "grad_norms": grad_norms,
        "note": ("torch.optim.AdamW (torch 1.13): p *= 1 - lr*wd; m = b1*m + (1-b1)*g; "
                 "v = b2*v + (1-b2)*g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). "
                 "Before each step grads are clipped: total = ||all grads||_2, "
                 "g *= min(1, max_grad_norm/(total + 1e-6)). losses[k] is the loss before "
                 "update k (losses[0] == outputs loss), final_loss after the last update; "
                 "grad_norms[k] is the total norm before clipping at step k. "
                 "Same inputs every step."),
    }, os.path.join(d, "adamw.json"))
    return losses, final_loss


def make_classification_case(out_dir, case, seed):
    """A fine-tuning head: weights, inputs with labels, outputs (logits, loss) and every
    gradient at the initial weights. Returns the loss."""
    arch, fields, make_labels, expect_type = CLASSIFICATION_CASES[case]
    cfg = tiny_config(is_decoder=False, arch=arch, **fields)
    config_json = cfg.to_dict()  # before the forward: HF writes an inferred problem_type back
    torch.manual_seed(seed)
    cls = {"BertForSequenceClassification": BertForSequenceClassification,
           "BertForTokenClassification": BertForTokenClassification}[arch]
    model = cls(cfg)
    fixture_init(model)
    model.train()  # dropout probabilities are 0.0: train mode, deterministic
    gen = torch.Generator().manual_seed(seed + 1)
    inputs = make_inputs(gen, cfg.vocab_size, with_mlm=False)
    inputs["labels"] = make_labels(gen, inputs)

    d = os.path.join(out_dir, case)
    os.makedirs(d, exist_ok=True)
    write_json(config_json, os.path.join(d, "config.json"))
    meta = {"format": "pt", "generator": "tests/parity/make_fixtures.py"}
    save_file(model.checkpoint_state(), os.path.join(d, "model.safetensors"), meta)
    save_file(inputs, os.path.join(d, "inputs.safetensors"), meta)

    model.zero_grad(set_to_none=True)
    out = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                token_type_ids=inputs["token_type_ids"], labels=inputs["labels"])
    if arch == "BertForSequenceClassification" and cfg.problem_type != expect_type:
        raise AssertionError(f"{case}: problem_type {cfg.problem_type}, expected {expect_type}")
    out["loss"].backward()
    names = ["sequence_output", "pooled_output", "logits", "loss"]
    save_file({k: out[k].detach().float().contiguous() for k in names if k in out},
              os.path.join(d, "outputs.safetensors"),
              dict(meta, problem_type=expect_type) if expect_type else meta)
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    save_file(grads, os.path.join(d, "grads.safetensors"), meta)
    return f32(out["loss"].item())


# case -> seed, in the order they are written
CASES = {"pretraining": 1234, "lm_head": 4321, "seqcls_single": 2001, "seqcls_multi": 2002,
         "seqcls_regression": 2003, "token_cls": 2004}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "fixtures"))
    ap.add_argument("--case", action="append",
                    help="write only this case (repeatable); default: every case")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float32)
    unknown = [c for c in args.case or [] if c not in CASES]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r}; cases: {', '.join(CASES)}")
    for case, seed in CASES.items():
        if args.case and case not in args.case:
            continue
        if case in CLASSIFICATION_CASES:
            print(f"{case}: loss {make_classification_case(args.out, case, seed):.6f}")
        else:
            losses, final = make_case(args.out, case, seed)
            print(f"{case}: losses {['%.6f' % l for l in losses]} final {final:.6f}")


if __name__ == "__main__":
    main()
