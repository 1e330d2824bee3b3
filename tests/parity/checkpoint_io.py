"""Checkpoint directories (config.json + model.safetensors [+ vocab.txt]) for the parity scripts:
load one into the reference model, write one, and the tokenizer used by the prompt options.
"""
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import ARCHITECTURES, BertConfig  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402


class CheckpointError(Exception):
    pass


def architecture(cfg_dict, tensors):
    archs = cfg_dict.get("architectures") or []
    for a in archs:
        if a in ARCHITECTURES:
            return a
    if archs:
        raise CheckpointError(f"config.json: unsupported architectures {archs}")
    if "cls.seq_relationship.weight" in tensors:
        return "BertForPreTraining"
    return "BertLMHeadModel" if cfg_dict.get("is_decoder") else "BertForMaskedLM"


def load_checkpoint(path):
    """Returns (model in eval mode, BertConfig, architecture name). Accepts the HF variants
    (LayerNorm.gamma/beta, missing tied decoder, *.position_ids); BF16/F16 become float32."""
    cfg_path = os.path.join(path, "config.json")
    st_path = os.path.join(path, "model.safetensors")
    for p in (cfg_path, st_path):
        if not os.path.isfile(p):
            raise CheckpointError(f"{p}: no such file")
    with open(cfg_path) as f:
        try:
            cfg_dict = json.load(f)
        except ValueError as e:
            raise CheckpointError(f"{cfg_path}: bad JSON: {e}")
    try:
        tensors = load_file(st_path)
    except Exception as e:
        raise CheckpointError(str(e))
    arch = architecture(cfg_dict, tensors)
    cfg = BertConfig(**cfg_dict)
    torch.manual_seed(0)
    model = ARCHITECTURES[arch](cfg)
    for name, t in tensors.items():
        if not t.is_floating_point() and not name.endswith("position_ids"):
            raise CheckpointError(f"{name}: dtype {t.dtype}, expected a float type")
    try:
        model.load_checkpoint_state({k: (v.float() if v.is_floating_point() else v)
                                     for k, v in tensors.items()})
    except (KeyError, ValueError) as e:
        raise CheckpointError(f"{st_path}: {e.args[0] if e.args else e}")
    model.eval()
    return model, cfg, arch


def save_checkpoint(model, path, vocab=None, dtype=torch.float32, gamma_beta=False,
                    with_decoder=False, metadata=None):
    """HF-format directory: config.json, model.safetensors (HF names), vocab.txt if given."""
    os.makedirs(path, exist_ok=True)
    cfg = model.config.to_dict()
    cfg.setdefault("architectures", [type(model).__name__])
    cfg["architectures"] = [type(model).__name__]
    cfg.setdefault("model_type", "bert")
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    state = model.checkpoint_state()
    if with_decoder:
        state["cls.predictions.decoder.weight"] = state["bert.embeddings.word_embeddings.weight"]
    if gamma_beta:
        state = {(k[:-len("weight")] + "gamma" if k.endswith("LayerNorm.weight") else
                  k[:-len("bias")] + "beta" if k.endswith("LayerNorm.bias") else k): v
                 for k, v in state.items()}
    state = {k: v.to(dtype).contiguous() for k, v in state.items()}
    save_file(state, os.path.join(path, "model.safetensors"), metadata or {"format": "pt"})
    if vocab:
        shutil.copyfile(vocab, os.path.join(path, "vocab.txt"))


def _reference_tokenizer():
    """The tokenizer reference of tests/parity/ (hf_tokenizer_reference.py), or None.
    Returns a function (vocab_path, text) -> ids of [CLS] text [SEP]."""
    try:
        import hf_tokenizer_reference as ref
    except ImportError:
        return None
    if hasattr(ref, "encode_line") and hasattr(ref, "load_vocab"):
        # encode_line(text, vocab_dict, lower_case=True) -> [CLS] ... [SEP], specials kept whole
        return lambda vp, text: list(ref.encode_line(text, ref.load_vocab(vp)))
    if hasattr(ref, "encode"):
        return lambda vp, text: _split_on_mask(vp, text, ref.encode)
    return None


def _split_on_mask(vocab_path, text, enc):
    """[CLS] + enc(piece) ... [MASK] ... + [SEP]; a leading [CLS] / trailing [SEP] that enc may
    add are stripped from each piece (HF cuts special tokens out before BasicTokenizer, so
    encoding the pieces separately is the same)."""
    from basic_wordpiece import load_vocab
    vocab = load_vocab(vocab_path)
    cls_id, sep_id, mask_id = vocab["[CLS]"], vocab["[SEP]"], vocab["[MASK]"]
    ids = [cls_id]
    for i, part in enumerate(text.split("[MASK]")):
        if i > 0:
            ids.append(mask_id)
        if part.strip():
            piece = list(enc(vocab_path, part))
            if piece and piece[0] == cls_id:
                piece = piece[1:]
            if piece and piece[-1] == sep_id:
                piece = piece[:-1]
            ids.extend(int(x) for x in piece)
    ids.append(sep_id)
    return ids


def encode_prompt(vocab_path, text, tokenizer="auto"):
    """Ids of [CLS] text [SEP] (uncased); "[MASK]" in the text stays one token.

    tokenizer: "reference" = tests/parity/hf_tokenizer_reference.py (encode_line/load_vocab, the
    tokenizer reference written for the C++ tokenizer tests), "builtin" = basic_wordpiece.py,
    "auto" = the reference when importable, else builtin.
    """
    if tokenizer in ("auto", "reference"):
        ref = _reference_tokenizer()
        if ref is not None:
            return [int(x) for x in ref(vocab_path, text)]
        if tokenizer == "reference":
            raise CheckpointError("tests/parity/hf_tokenizer_reference.py (encode_line, "
                                  "load_vocab) is not available")
    from basic_wordpiece import tokenize_ids
    return _split_on_mask(vocab_path, text, lambda vp, t: tokenize_ids(vp, t))


def tokenizer_name(tokenizer="auto"):
    if tokenizer != "builtin" and _reference_tokenizer() is not None:
        return "hf_tokenizer_reference"
    return "builtin"
