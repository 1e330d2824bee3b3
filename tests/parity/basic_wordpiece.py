"""Minimal BERT tokenizer (HF BertTokenizer / Google tokenization.py: BasicTokenizer + WordPiece),
the fallback for fill_mask.py / check_checkpoint.py when tests/parity/hf_tokenizer_reference.py
(the tokenizer reference owned by the tokenizer work) is absent.

tokenize_ids(vocab_path, text) -> list of ids WITHOUT [CLS]/[SEP]; the literal "[MASK]" (and the
other bracketed special tokens present in the vocabulary) are kept whole, as HF does.
Uncased (do_lower_case=True) by default; pass lower=False for a cased vocabulary.
"""
import re
import unicodedata

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_vocab_cache = {}


def load_vocab(path):
    if path not in _vocab_cache:
        with open(path, encoding="utf-8") as f:
            _vocab_cache[path] = {line.rstrip("\n"): i for i, line in enumerate(f)}
    return _vocab_cache[path]


def _is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def _is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def _is_punct(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def _basic(text, lower):
    out = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or _is_control(c):
            continue
        if _is_whitespace(c):
            out.append(" ")
        elif any(a <= cp <= b for a, b in _CJK):
            out.append(" " + c + " ")
        else:
            out.append(c)
    text = unicodedata.normalize("NFC", "".join(out))
    words = []
    for tok in text.split():
        if lower:
            tok = tok.lower()
            tok = "".join(c for c in unicodedata.normalize("NFD", tok)
                          if unicodedata.category(c) != "Mn")
        cur = ""
        for c in tok:
            if _is_punct(c):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(c)
            else:
                cur += c
        if cur:
            words.append(cur)
    return words


def _wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [vocab[unk]]
    ids, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [vocab[unk]]
        ids.append(found)
        start = end
    return ids


def tokenize_ids(vocab_path, text, lower=True):
    vocab = load_vocab(vocab_path)
    specials = [s for s in SPECIALS if s in vocab]
    ids = []
    for part in re.split("(" + "|".join(re.escape(s) for s in specials) + ")", text):
        if part in specials:
            ids.append(vocab[part])
        elif part:
            for w in _basic(part, lower):
                ids.extend(_wordpiece(w, vocab))
    return ids
