#!/usr/bin/python3
"""make_dicts.py — writes fuzz/dict/<target>.dict, the libFuzzer dictionaries (one quoted token per
line, non-printable bytes as \\xNN) of the fuzz targets; any directory."""
import os

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dict"))


def esc(b):
    if isinstance(b, str): b = b.encode()
    out = ""
    for c in b:
        if c == 0x22: out += '\\"'
        elif c == 0x5c: out += '\\\\'
        elif 32 <= c < 127: out += chr(c)
        else: out += "\\x%02x" % c
    return '"' + out + '"'
def write(name, comment, toks):
    with open(name + ".dict", "w") as f:
        f.write("# " + comment + "\n")
        for t in toks: f.write(esc(t) + "\n")
J = ["{", "}", "[", "]", ":", ",", '"', "true", "false", "null", "-1", "0", "1e308", "-0.0",
     "18446744073709551615", "9223372036854775808", "\\u0000", "\\ud800"]
q = lambda ks: ['"%s"' % k for k in ks]
write("safetensors", "JSON syntax and safetensors header keys and dtypes", J + q("__metadata__ dtype shape data_offsets F32 BF16 F16 F64 I64 I32 U8 BOOL I8 I16 U16 U32 U64 F8_E5M2 F8_E4M3".split()))
write("config_json", "JSON syntax and HF BertConfig field names", J + q("vocab_size hidden_size num_hidden_layers num_attention_heads intermediate_size hidden_act gelu gelu_new relu hidden_dropout_prob attention_probs_dropout_prob max_position_embeddings type_vocab_size initializer_range layer_norm_eps pad_token_id is_decoder architectures id2label label2id problem_type classifier_dropout model_type single_label_classification multi_label_classification regression BertForPreTraining BertForSequenceClassification BertForTokenClassification BertForMaskedLM BertLMHeadModel".split()))
write("tokenizer_config", "JSON syntax and tokenizer_config.json keys", J + q("do_lower_case tokenizer_class BertTokenizer".split()))
write("trainer_state", "JSON syntax and trainer_state.json / TrainConfig keys", J + q("step tokens_seen elapsed_s data_position best_step best_value train_config objective mlm mlm+nsp clm batch_size seq_len grad_accum total_steps max_minutes lr warmup_steps schedule linear cosine weight_decay max_grad_norm seed eval_every save_every log_every keep_checkpoints out_dir vocab_path lower_case save_bf16 corpus data_options task_data best_metric greater_is_better eval_fraction split_seed eval_file whole_word_masking dynamic_masking masked_lm_prob group_by_length pack pack_window inputs path bytes fnv1a64 task train_file format text_column pair_column label_column target max_length 0:0 18446744073709551615:1".split()))
write("task_jsonl", "JSON syntax and the JSON-lines example keys", J + q("text text_pair label sentence sentence1 sentence2 q p y".split()) + ["\n", "\r\n", b"\xef\xbb\xbf"])
write("task_table", "table header names, delimiters, quoting", "text text_pair label sentence sentence1 sentence2 q p y nan inf 1e999 -0x1p3".split() + ["\t", ",", '"', '""', "\n", "\r\n", b"\xef\xbb\xbf"])
V = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "##", "\n", "\r\n", b"\xef\xbb\xbf", b"\x00"]
write("vocab", "vocabulary special tokens and pieces", V)
write("wordpiece", "special tokens, pieces, tricky UTF-8", V + [b"\x01", "東", "\u0301", "\u200b", "\ufffd", "😀", b"\xed\xa0\x80", "é", "unaffable", "\u3000"])
write("corpus", "sentence ends, abbreviations, quotes", ["Mr.", "Dr.", "e.g.", "i.e.", "U.S.", "etc.", "vs.", "J.", ". ", "! ", "? ", '." ', ".) ", "3.14", "\n\n", "\r\n", b"\xef\xbb\xbf", "\u201c"])
write("task_conll", "CoNLL tags and separators", "-DOCSTART- O B-PER I-PER B-LOC B-ORG B-MISC".split() + ["\t", "\n\n", "\r\n", b"\xef\xbb\xbf"])
