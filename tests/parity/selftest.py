#!/usr/bin/python3
"""Self-checks of the parity scripts (run after editing them; not needed by the C++ tests).

    /usr/bin/python3 tests/parity/selftest.py [--fixtures tests/parity/fixtures]

- the encoder layers agree with torch.nn.TransformerEncoderLayer (post-LN, gelu), an
  independent implementation, with padding and with causal + padding masks;
- padded positions do not influence real ones; a causal model does not look ahead;
- finfo.min and HF's old -10000 masks give the same outputs here;
- the MLM loss on gathered masked_positions equals the full loss with -100 labels;
- the committed fixtures reproduce (forward, loss, grads) from their own files, within 1e-5
  (bit-exactly on the CPU that wrote them; torch's kernels differ in the last bits elsewhere);
- the classification fixtures:
  logits = classifier(pooler) / classifier(sequence_output); each loss equals its formula
  written out (log-softmax CE, BCE from log-sigmoid, squared error, -100 skipped); HF's
  problem_type inference and an explicit problem_type give the same loss; the classifier's
  dropout is classifier_dropout, else hidden_dropout_prob; the heads round-trip through a
  checkpoint directory (no cls.* tensors, no pooler in the token model);
- the tied decoder shares word_embeddings; checkpoints load with the HF name variants and
  refuse an unknown / missing / misshapen tensor naming it;
- safetensors round-trip (F32, BF16, F16, I64, 0-d, empty) and rejection of bad files;
- the builtin tokenizer encodes the canonical fill-mask prompt like HF BertTokenizer.
"""
import argparse
import os
import struct
import sys
import tempfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bert_reference as br  # noqa: E402
from checkpoint_io import CheckpointError, load_checkpoint, save_checkpoint  # noqa: E402
from safetensors_io import SafetensorsError, deserialize, load_file, serialize  # noqa: E402


def close(a, b, tol=1e-5):
    return torch.allclose(a, b, rtol=tol, atol=tol)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        check.failed = True


check.failed = False


def encoder_via_torch(model, x, mask, causal):
    c = model.config
    for L in model.bert.encoder.layer:
        t = torch.nn.TransformerEncoderLayer(c.hidden_size, c.num_attention_heads,
                                             c.intermediate_size, dropout=0.0, activation="gelu",
                                             layer_norm_eps=c.layer_norm_eps, batch_first=True,
                                             norm_first=False)
        s = L.attention.self
        with torch.no_grad():
            t.self_attn.in_proj_weight.copy_(torch.cat([s.query.weight, s.key.weight,
                                                        s.value.weight]))
            t.self_attn.in_proj_bias.copy_(torch.cat([s.query.bias, s.key.bias, s.value.bias]))
            t.self_attn.out_proj.weight.copy_(L.attention.output.dense.weight)
            t.self_attn.out_proj.bias.copy_(L.attention.output.dense.bias)
            t.linear1.load_state_dict(L.intermediate.dense.state_dict())
            t.linear2.load_state_dict(L.output.dense.state_dict())
            t.norm1.load_state_dict(L.attention.output.LayerNorm.state_dict())
            t.norm2.load_state_dict(L.output.LayerNorm.state_dict())
        t.train()  # avoid the eval fast path (nested tensors)
        T = x.shape[1]
        src_mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
        x = t(x, src_mask=src_mask, src_key_padding_mask=(mask == 0))
    return x


def fixture_checks(fdir):
    for case in ("pretraining", "lm_head"):
        d = os.path.join(fdir, case)
        if not os.path.isdir(d):
            check(False, f"fixture {d} exists")
            continue
        model, cfg, arch = load_checkpoint(d)
        model.train()
        inp = load_file(os.path.join(d, "inputs.safetensors"))
        outs = load_file(os.path.join(d, "outputs.safetensors"))
        grads = load_file(os.path.join(d, "grads.safetensors"))
        kw = dict(input_ids=inp["input_ids"], attention_mask=inp["attention_mask"],
                  token_type_ids=inp["token_type_ids"], labels=inp["labels"])
        if case == "pretraining":
            kw["next_sentence_label"] = inp["next_sentence_label"]
        out = model(**kw)
        out["loss"].backward()
        # Bit-exact on the CPU that wrote the fixtures; torch's kernels differ in the last bits
        # on another kind of CPU, so what must hold is agreement within 1e-5.
        exact = all(torch.equal(out[k].detach(), v) for k, v in outs.items())
        check(all(close(out[k].detach(), v, 1e-5) for k, v in outs.items()),
              f"{case}: outputs.safetensors reproduces from model/inputs "
              f"({'bit-exactly' if exact else 'within 1e-5, not bit-exactly on this CPU'})")
        named = dict(model.named_parameters())
        exact = set(named) == set(grads) and all(torch.equal(named[k].grad, grads[k]) for k in grads)
        check(set(named) == set(grads) and all(close(named[k].grad, grads[k], 1e-5) for k in grads),
              f"{case}: grads.safetensors reproduces, one grad per parameter ({len(grads)}; "
              f"{'bit-exactly' if exact else 'within 1e-5, not bit-exactly on this CPU'})")
        x = model.bert.embeddings(inp["input_ids"], inp["token_type_ids"])
        ref = encoder_via_torch(model, x, inp["attention_mask"], cfg.is_decoder)
        m = inp["attention_mask"].bool()
        check(close(ref[m], out["sequence_output"][m], 1e-5),
              f"{case}: encoder == torch.nn.TransformerEncoderLayer stack on real tokens "
              f"(max diff {(ref[m] - out['sequence_output'][m]).abs().max():.2e})")
        if case == "pretraining":
            pos, lab = inp["masked_positions"], inp["masked_labels"]
            logits = out["prediction_logits"].reshape(-1, cfg.vocab_size)[pos]
            check(close(F.cross_entropy(logits, lab), outs["mlm_loss"], 1e-6),
                  "pretraining: gathered MLM loss == full loss with -100 labels")
            check(close(outs["mlm_loss"] + outs["nsp_loss"], outs["loss"], 1e-6),
                  "pretraining: loss == mlm_loss + nsp_loss")
        with torch.no_grad():
            ids2 = inp["input_ids"].clone()
            ids2[inp["attention_mask"] == 0] = 7  # change padded tokens
            o2 = model(ids2, inp["attention_mask"], inp["token_type_ids"])
            check(close(o2["sequence_output"][m], out["sequence_output"][m], 1e-6),
                  f"{case}: padded tokens do not affect real positions")
            if cfg.is_decoder:
                ids3 = inp["input_ids"].clone()
                ids3[:, 5:] = 9
                o3 = model(ids3, inp["attention_mask"], inp["token_type_ids"])
                check(close(o3["sequence_output"][:, :5], out["sequence_output"][:, :5], 1e-6)
                      and not close(o3["sequence_output"][0, 5:], out["sequence_output"][0, 5:]),
                      f"{case}: causal: changing tokens >= 5 leaves outputs < 5 unchanged")
            ext_new = br.extended_attention_mask(inp["attention_mask"], cfg.is_decoder)
            ext_old = (ext_new != 0).float() * -10000.0
            x = model.bert.embeddings(inp["input_ids"], inp["token_type_ids"])
            a = model.bert.encoder(x, ext_new)
            b = model.bert.encoder(x, ext_old)
            check(close(a[m], b[m], 1e-6),
                  f"{case}: finfo.min mask == -10000 mask on real positions "
                  f"(max diff {(a[m] - b[m]).abs().max():.2e})")
        check(model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
              and model.cls.predictions.decoder.bias is model.cls.predictions.bias,
              f"{case}: decoder weight/bias tied")
        sd = model.state_dict()
        check("cls.predictions.decoder.weight" in sd and "cls.predictions.decoder.weight"
              not in grads, f"{case}: state_dict has the tied decoder, files do not")


def classification_fixture_checks(fdir):
    for case in ("seqcls_single", "seqcls_multi", "seqcls_regression", "token_cls"):
        d = os.path.join(fdir, case)
        if not os.path.isdir(d):
            check(False, f"fixture {d} exists")
            continue
        model, cfg, arch = load_checkpoint(d)
        model.train()
        inp = load_file(os.path.join(d, "inputs.safetensors"))
        outs = load_file(os.path.join(d, "outputs.safetensors"))
        grads = load_file(os.path.join(d, "grads.safetensors"))
        y = inp["labels"]
        out = model(inp["input_ids"], inp["attention_mask"], inp["token_type_ids"], labels=y)
        out["loss"].backward()
        check(all(close(out[k].detach(), v, 1e-5) for k, v in outs.items()),
              f"{case}: outputs.safetensors reproduces from model/inputs (1e-5)")
        named = dict(model.named_parameters())
        check(set(named) == set(grads) and all(close(named[k].grad, grads[k], 1e-5) for k in grads),
              f"{case}: grads.safetensors reproduces, one grad per parameter ({len(grads)})")
        W, b = model.classifier.weight.detach(), model.classifier.bias.detach()
        logits = outs["logits"].double()
        if arch == "BertForSequenceClassification":
            seq = outs["sequence_output"]
            pooled = torch.tanh(seq[:, 0] @ model.bert.pooler.dense.weight.detach().T
                                + model.bert.pooler.dense.bias.detach())
            check(close(pooled, outs["pooled_output"], 1e-6)
                  and close(pooled @ W.T + b, outs["logits"], 1e-5),
                  f"{case}: logits = classifier(tanh(dense(h[:, 0])))")
            ptype = {"seqcls_single": "single_label_classification",
                     "seqcls_multi": "multi_label_classification",
                     "seqcls_regression": "regression"}[case]
            check(cfg.problem_type == ptype, f"{case}: problem_type {cfg.problem_type}")
            if ptype == "single_label_classification":
                by_hand = -torch.log_softmax(logits, -1)[torch.arange(len(y)), y].mean()
            elif ptype == "multi_label_classification":
                t = y.double()
                by_hand = -(t * F.logsigmoid(logits) + (1 - t) * F.logsigmoid(-logits)).mean()
            else:
                by_hand = ((logits.view(-1) - y.double().view(-1)) ** 2).mean()
            check(abs(float(by_hand) - float(outs["loss"])) <= 1e-6 * float(outs["loss"]),
                  f"{case}: loss == its formula by hand ({float(by_hand):.7f})")
            # the loss whether the type is written in the config or inferred (HF, first call)
            # (single, regression: inferred in the fixture, written here; multi: the reverse)
            other = br.BertConfig(**dict(cfg.to_dict(), problem_type=ptype))
            if case == "seqcls_multi":
                other.extra.pop("problem_type")
            explicit = "problem_type" in other.extra  # (the forward writes an inferred one)
            m2 = br.BertForSequenceClassification(other)
            m2.load_checkpoint_state(model.checkpoint_state())
            m2.train()
            with torch.no_grad():
                l2 = m2(inp["input_ids"], inp["attention_mask"], inp["token_type_ids"], labels=y)
            check(other.problem_type == ptype and torch.equal(l2["loss"], out["loss"].detach()),
                  f"{case}: {'explicit' if explicit else 'inferred'} problem_type gives the "
                  f"fixture's loss ({other.problem_type})")
            check(not any(n.startswith("cls.") for n in named), f"{case}: no cls.* parameters")
        else:
            seq = outs["sequence_output"]
            check(close(seq @ W.T + b, outs["logits"], 1e-5), f"{case}: logits = classifier(h)")
            keep = y.view(-1) != -100
            lp = torch.log_softmax(logits.view(-1, cfg.num_labels), -1)
            by_hand = -lp[keep.nonzero().view(-1), y.view(-1)[keep]].mean()
            check(int((~keep).sum()) > 0 and
                  abs(float(by_hand) - float(outs["loss"])) <= 1e-6 * float(outs["loss"]),
                  f"{case}: loss == mean CE over the {int(keep.sum())} labelled tokens "
                  f"({int((~keep).sum())} are -100)")
            check(not any("pooler" in n or n.startswith("cls.") for n in named),
                  f"{case}: no pooler, no cls.* parameters")
        with tempfile.TemporaryDirectory() as t:
            save_checkpoint(model, t)
            m3, _, arch3 = load_checkpoint(t)
            m3.train()
            with torch.no_grad():
                o3 = m3(inp["input_ids"], inp["attention_mask"], inp["token_type_ids"])
            check(arch3 == arch and torch.equal(o3["logits"], out["logits"].detach()),
                  f"{case}: checkpoint round trip ({arch3})")
    c = br.BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=16, hidden_dropout_prob=0.3)
    check(br.BertForSequenceClassification(c).dropout.p == 0.3
          and br.BertForTokenClassification(br.BertConfig(**dict(c.to_dict(),
                                                                 classifier_dropout=0.7))).dropout.p == 0.7
          and c.num_labels == 2 and br.BertConfig(num_labels=5).num_labels == 5,
          "classifier dropout (classifier_dropout, else hidden_dropout_prob); num_labels defaults")


def loader_checks():
    cfg = br.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=20)
    torch.manual_seed(3)
    model = br.BertForPreTraining(cfg).eval()  # default dropout 0.1: eval for equality
    ids = torch.tensor([[1, 5, 9, 2]])
    ref = model(ids)["prediction_logits"]
    with tempfile.TemporaryDirectory() as d:
        for variant in ({}, {"gamma_beta": True}, {"with_decoder": True}):
            save_checkpoint(model, d, **variant)
            m2, _, arch = load_checkpoint(d)
            check(arch == "BertForPreTraining" and torch.equal(m2(ids)["prediction_logits"], ref),
                  f"checkpoint round trip {variant or 'plain'}")
        st = load_file(os.path.join(d, "model.safetensors"))
        for name, mutate in (("unknown", lambda s: s.update({"bert.extra.weight": torch.ones(1)})),
                             ("missing", lambda s: s.pop("bert.pooler.dense.bias")),
                             ("shape", lambda s: s.update({"cls.seq_relationship.bias":
                                                           torch.ones(3)}))):
            s = dict(st)
            mutate(s)
            with open(os.path.join(d, "model.safetensors"), "wb") as f:
                f.write(serialize(s))
            try:
                load_checkpoint(d)
                check(False, f"loader refuses {name} tensor")
            except CheckpointError as e:
                named = any(n in str(e) for n in ("bert.extra.weight", "bert.pooler.dense.bias",
                                                  "cls.seq_relationship.bias"))
                check(named, f"loader refuses {name} tensor: {e}")


def safetensors_checks():
    ts = {"a": torch.randn(3, 4), "b": torch.randn(5).to(torch.bfloat16),
          "c": torch.arange(6).view(2, 3), "d": torch.tensor(1.5), "e": torch.empty(0, 4),
          "f": torch.randn(2).half()}
    buf = serialize(ts, {"k": "v"})
    (n,) = struct.unpack("<Q", buf[:8])
    back, meta = deserialize(buf)
    check(n % 8 == 0 and meta == {"k": "v"} and set(back) == set(ts)
          and all(torch.equal(back[k], ts[k]) and back[k].dtype == ts[k].dtype for k in ts),
          "safetensors round trip F32/BF16/I64/0-d/empty/F16, header padded to 8")
    bad = {
        "truncated": buf[:-1],
        "header too long": struct.pack("<Q", 10**9) + buf[8:],
        "duplicate": (lambda h: struct.pack("<Q", len(h)) + h)(
            b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
            b'"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}') + b"\0" * 8,
        "size mismatch": (lambda h: struct.pack("<Q", len(h)) + h)(
            b'{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}') + b"\0" * 4,
        "overlap": (lambda h: struct.pack("<Q", len(h)) + h)(
            b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
            b'"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}') + b"\0" * 4,
    }
    for what, b in bad.items():
        try:
            deserialize(b)
            check(False, f"safetensors rejects {what}")
        except SafetensorsError as e:
            check(True, f"safetensors rejects {what}: {e}")


def tokenizer_checks():
    vocab = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data",
                         "bert-base-uncased", "vocab.txt")  # ../shared beside the clone
    if not os.path.isfile(vocab):
        print(f"skip tokenizer check: {vocab} missing")
        return
    from checkpoint_io import encode_prompt
    ids = encode_prompt(vocab, "the man went to the [MASK] .", "builtin")
    check(ids == [101, 1996, 2158, 2253, 2000, 1996, 103, 1012, 102],
          f"builtin tokenizer: canonical prompt -> {ids}")
    ids = encode_prompt(vocab, "Héllo, WORLD! unaffable [MASK]", "builtin")
    check(ids[:4] == [101, 7592, 1010, 2088], f"builtin tokenizer: accents/case/punct -> {ids}")
    from checkpoint_io import tokenizer_name
    if tokenizer_name("auto") == "hf_tokenizer_reference":
        text = "The man went to the [MASK]. Héllo, 日本 unaffable [MASK]![SEP]x"
        check(encode_prompt(vocab, text, "reference") == encode_prompt(vocab, text, "builtin"),
              "builtin tokenizer == hf_tokenizer_reference on a mixed prompt")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(HERE, "fixtures"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    fixture_checks(args.fixtures)
    classification_fixture_checks(args.fixtures)
    loader_checks()
    safetensors_checks()
    tokenizer_checks()
    print("FAILED" if check.failed else "all ok")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
