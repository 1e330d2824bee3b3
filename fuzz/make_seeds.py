#!/usr/bin/python3
"""make_seeds.py — writes the hand-made seed inputs of every fuzz target into fuzz/corpus/<target>/
(valid and near-valid files; see fuzz/README.md). Regression inputs found by fuzzing are added
beside them by hand (crash-*/regress-* names) and are not touched by this script."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(header, data=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


# --- safetensors
f32 = struct.pack("<4f", 1.0, -2.0, 0.5, 3.25)
put("safetensors", "f32", safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, f32))
put("safetensors", "mixed", safetensors({
    "__metadata__": {"format": "pt"},
    "a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]},
    "b": {"dtype": "F16", "shape": [1, 2], "data_offsets": [4, 8]},
    "c": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]},
    "d": {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]},
    "e": {"dtype": "I32", "shape": [2], "data_offsets": [24, 32]},
    "f": {"dtype": "U8", "shape": [0, 3], "data_offsets": [32, 32]},
    "g": {"dtype": "F32", "shape": [], "data_offsets": [32, 36]},
}, b"\x80\x3f\x00\x40" + b"\x00\x3c\x00\xc0" + struct.pack("<q", -7) + struct.pack("<d", 1e300)
   + struct.pack("<2i", 5, -5) + struct.pack("<f", 7.0)))
put("safetensors", "empty_header", safetensors({}))
put("safetensors", "truncated", safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, f32[:9]))
put("safetensors", "overlap", safetensors({
    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, f32))
put("safetensors", "huge_shape", safetensors({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 16]}}, f32))
put("safetensors", "header_too_long", struct.pack("<Q", 1 << 40) + b"{}")
put("safetensors", "duplicate", b"\x2a\x00\x00\x00\x00\x00\x00\x00" + b'{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":1}'[:42])

# --- config.json
tiny = {"architectures": ["BertForPreTraining"], "vocab_size": 100, "hidden_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 512, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "is_decoder": False,
        "model_type": "bert"}
put("config_json", "tiny", json.dumps(tiny, indent=2))
cls = dict(tiny, architectures=["BertForSequenceClassification"], id2label={"0": "neg", "1": "pos"},
           label2id={"neg": 0, "pos": 1}, problem_type="single_label_classification", classifier_dropout=None)
put("config_json", "classifier", json.dumps(cls))
put("config_json", "bad_heads", json.dumps(dict(tiny, num_attention_heads=3)))
put("config_json", "wrong_types", json.dumps(dict(tiny, hidden_size="128", is_decoder=1, id2label=["a"])))
put("config_json", "sparse_labels", json.dumps(dict(tiny, id2label={"0": "a", "5": "b"}, classifier_dropout=0.2)))
put("config_json", "huge", json.dumps(dict(tiny, hidden_size=65536, num_hidden_layers=96, intermediate_size=1 << 62)))
put("config_json", "not_object", "[1, 2, 3]")
put("config_json", "truncated", json.dumps(tiny)[:60])

# --- vocab.txt
specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
words = ["the", "a", "hello", "world", "##s", "##ing", "un", "##aff", "##able", ",", ".", "é", "東", "##"]
put("vocab", "small", "\n".join(specials + words) + "\n")
put("vocab", "crlf", "\r\n".join(specials + words))
put("vocab", "no_specials", "\n".join(words) + "\n")
put("vocab", "duplicate", "\n".join(specials + ["the", "the"]) + "\n")
put("vocab", "blank_line", "\n".join(specials + ["a", "", "b"]) + "\n")
put("vocab", "bad_utf8", b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n\xff\xfe\n")
put("vocab", "nul", b"[PAD]\n[UNK]\n[CLS]\n[SEP]\na\x00b\n")
put("vocab", "bom", "\ufeff" + "\n".join(specials + words) + "\n")

# --- tokenizer_config.json
put("tokenizer_config", "uncased", json.dumps({"do_lower_case": True, "tokenizer_class": "BertTokenizer"}, indent=2))
put("tokenizer_config", "cased", json.dumps({"do_lower_case": False, "tokenizer_class": "BertTokenizer", "model_max_length": 512}))
put("tokenizer_config", "empty_object", "{}")
put("tokenizer_config", "wrong_type", '{"do_lower_case": "yes"}')
put("tokenizer_config", "array", '[{"do_lower_case": false}]')
put("tokenizer_config", "truncated", '{"do_lower_case": fal')

# --- wordpiece: first byte = options (bit 0 cased, bit 1 pair split at \x01, bits 2-4 max_length/3,
# bit 5 pad to max_length, bit 6 no specials); the rest = text
put("wordpiece", "plain", b"\x00Hello, world! The unaffable [MASK] test.")
put("wordpiece", "pair", b"\x0eHello world\x01the second text, with punctuation!?")
put("wordpiece", "accents_cjk", "\x01Héllo wörld 東京は日本の首都です Ça va? naïve café".encode())
put("wordpiece", "controls", b"\x22a\x00b\tc\r\nd\x7f e\xef\xbf\xbd f \xe2\x80\x8b g")
put("wordpiece", "invalid_utf8", b"\x02\xff\xfe abc \xc3\x28 \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 end\x01\x80")
put("wordpiece", "huge_word", b"\x40" + b"unaffable" * 30 + b" " + b"a" * 120)
put("wordpiece", "specials", b"\x03[CLS][SEP][MASK] [mask] [UNK]x ##s [PAD]\x01[MASK][MASK]")
put("wordpiece", "emoji_zwj", "\x00👩‍👩‍👧 🏳️‍🌈 e\u0301 \u00a0\u3000x".encode())

# --- corpus: first byte = options (format = byte % 3: auto, google, prose; bits 2-3 held-out share;
# bits 4-7 split seed; bit 7 tiny chunks)
google = "It is a test.\nThe dog is here.\n\nA second document.\nIt has two sentences.\n\nThird one!\n"
prose = ("Mr. Smith went to Washington. He said \"Hello!\" to Dr. J. Smith, e.g. at 3.14 p.m. "
         "in the U.S. It rained.\n\nA second paragraph (with brackets). Is it? Yes.\n")
put("corpus", "google", b"\x01" + google.encode())
put("corpus", "prose", b"\x02" + prose.encode())
put("corpus", "auto_heldout", b"\x84" + (google + "\n" + prose).encode())
put("corpus", "crlf_bom", b"\x80\xef\xbb\xbfIt is.\r\nThe a.\r\n\r\nIs it?\r\n")
put("corpus", "binary", b"\x00\x00\xff\x00\x01\x02\n\n\x89PNG\r\n\x1a\n")
put("corpus", "blank", b"\x00\n\n   \n\t\n")
put("corpus", "long_line", b"\x02" + b"the a is it " * 400 + b".\n")

# --- trainer_state.json
config = {"objective": "mlm", "batch_size": 8, "seq_len": 64, "grad_accum": 1, "total_steps": 10,
          "max_minutes": 0.0, "lr": 0.0001, "warmup_steps": 1, "schedule": "linear", "weight_decay": 0.01,
          "max_grad_norm": 1.0, "seed": 1, "eval_every": 0, "save_every": 1, "log_every": 1,
          "keep_checkpoints": 2, "out_dir": ".", "vocab_path": "vocab.txt", "lower_case": True,
          "save_bf16": False, "corpus": ["/data/c.txt"],
          "data_options": {"eval_fraction": 0.02, "split_seed": 1, "eval_file": "", "whole_word_masking": False,
                           "dynamic_masking": True, "masked_lm_prob": 0.15, "group_by_length": 50, "pack": True,
                           "pack_window": 4096, "inputs": [{"path": "/data/c.txt", "bytes": 100, "fnv1a64": "0123456789abcdef"}]},
          "task_data": {"task": "", "train_file": "", "eval_file": "", "format": "auto", "text_column": "",
                        "pair_column": "", "label_column": "", "target": "", "max_length": 128, "inputs": []},
          "best_metric": "", "greater_is_better": True}
state = {"step": 3, "tokens_seen": 1536, "elapsed_s": 1.5, "data_position": "0:3", "best_step": -1,
         "best_value": 0.0, "train_config": config}
put("trainer_state", "pretrain", json.dumps(state, indent=2))
ft = dict(config, objective="mlm+nsp", vocab_path="", best_metric="f1",
          task_data=dict(config["task_data"], task="sequence", train_file="t.tsv", target="single"))
put("trainer_state", "finetune", json.dumps(dict(state, data_position="2:17", best_step=2, best_value=0.9, train_config=ft)))
legacy = dict(config, data_options=json.dumps({"eval_fraction": 0.1, "split_seed": 3}))
put("trainer_state", "legacy_options", json.dumps(dict(state, train_config=legacy)))
put("trainer_state", "bad_position", json.dumps(dict(state, data_position="x:-1")))
put("trainer_state", "negative_step", json.dumps(dict(state, step=-5)))
put("trainer_state", "bad_objective", json.dumps(dict(state, train_config=dict(config, objective="gpt"))))
put("trainer_state", "minimal", '{"step": 0, "train_config": {}}')
put("trainer_state", "truncated", json.dumps(state)[:100])

# --- task_table: first byte = options (bit 0 CSV, bits 1-2 label kind, bit 3 single, bit 4 named columns)
put("task_table", "tsv", b"\x00sentence\tlabel\nit was great\t1\nawful film\t0\n")
put("task_table", "tsv_pair", b"\x00sentence1\tsentence2\tlabel\r\nA man.\tA person.\tentailment\r\nX\tY\tneutral\r\n")
put("task_table", "csv_quotes", b'\x01text,label\n"hello, ""world""",pos\n"multi\nline",neg\nplain "quote",pos\n')
put("task_table", "csv_bad_quote", b'\x01text,label\n"closed"after,pos\n"unterminated,neg\n')
put("task_table", "regression", b"\x02sentence1\tsentence2\tlabel\na\tb\t3.5\nc\td\t-1e3\ne\tf\tnan\n")
put("task_table", "unlabelled_bom", b"\x04\xef\xbb\xbftext\nfirst\nsecond\n")
put("task_table", "ragged", b"\x00text\tlabel\none\ttwo\tthree\nfour\n")
put("task_table", "named", b"\x11q,p,y\nquestion,passage,1\n,,\n")
put("task_table", "header_only", b"\x01text,label\n")
put("task_table", "bad_utf8", b"\x00text\tlabel\n\xff\xfe\t1\n")

# --- task_jsonl: first byte = options (bits 0-1 label kind, bit 2 single, bit 3 named keys)
put("task_jsonl", "basic", b'\x00{"text": "it was great", "label": "pos"}\n{"text": "bad", "label": "neg", "extra": [1]}\n')
put("task_jsonl", "pairs", b'\x00{"text": "a", "text_pair": "b", "label": 1}\n\n{"text": "c", "text_pair": null, "label": 0}\r\n')
put("task_jsonl", "numeric", b'\x01{"text": "a", "label": 2.50}\n{"text": "b", "label": "1e308"}\n{"text": "c", "label": 1e999}\n')
put("task_jsonl", "unlabelled", b'\x02{"text": "a"}\n{"text": "\\u00e9\\ud83d\\ude00"}\n')
put("task_jsonl", "named", b'\x08{"q": "a", "p": "b", "y": true}\n')
put("task_jsonl", "bad", b'\x00{"text": 5, "label": "x"}\n[1,2]\n{"text": "a", "label": "b"\n')
put("task_jsonl", "bad_utf8", b'\x00{"text": "\xff", "label": "x"}\n')
put("task_jsonl", "bigint", b'\x00{"text": "a", "label": 123456789012345678901234567890}\n{"text":"b","label":-9223372036854775809}\n')

# --- task_conll (also read as text lines)
put("task_conll", "conll2003", "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n.  . O O\n\nPeter\tB-PER\nBlackburn I-PER\n")
put("task_conll", "crlf_bom", "\ufeffJohn B-PER\r\nlives O\r\n\r\n\r\nin O\r\nParis B-LOC\r\n")
put("task_conll", "one_field", "John\nlives O\n")
put("task_conll", "text_lines", "a good film\nquestion\tpassage\n\nthird\n")
put("task_conll", "tabs", "a\t\tb\nx\ty\tz\n\t\n")
put("task_conll", "bad_utf8", b"J\xffohn B-PER\n")
put("task_conll", "docstart_only", "-DOCSTART- O\n\n")
