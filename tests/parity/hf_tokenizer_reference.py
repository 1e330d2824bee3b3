#!/usr/bin/python3
"""Independent Python reference of HuggingFace's BertTokenizer (the slow, Python tokenizer) for
checking nnbert's C++ tokenizer id for id.

HuggingFace transformers cannot be installed here, so this file re-implements the algorithm of
transformers' BertTokenizer (PreTrainedTokenizer.tokenize + BasicTokenizer + WordpieceTokenizer)
step by step with Python's unicodedata, the module HuggingFace itself uses:

  1. Special tokens written literally ([UNK] [SEP] [PAD] [CLS] [MASK]) are cut out of the text
     first and kept whole; with do_lower_case every other character is lowercased one by one
     (str.lower per character, so Greek final-sigma context never applies).
  2. Each remaining segment: clean (drop U+0000, U+FFFD and every category C*; \\t \\n \\r and Zs
     become spaces), put spaces around CJK ideographs, NFC, split on whitespace (str.split),
     then per token (unless it is a special token): lowercase + NFD + drop Mn when uncased,
     split off punctuation (ASCII ranges and categories P*), split on whitespace again.
  3. WordPiece per word: greedy longest match first, "##" continuations, [UNK] for a word that
     cannot be covered or has more than 100 characters.

Usage as a program: hf_tokenizer_reference.py VOCAB [--cased] FILE...  prints, for every line
(split on \\n only, invalid UTF-8 decoded with errors="replace"), the ids of [CLS] line [SEP].
"""
import sys
import unicodedata

SPECIAL_TOKENS = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]
MAX_WORD_CHARS = 100


def load_vocab(path):
    """vocab.txt → {token: id}; like HF, only the newline is stripped and a later duplicate wins."""
    vocab = {}
    with open(path, "r", encoding="utf-8") as f:
        for index, line in enumerate(f):
            vocab[line.rstrip("\n")] = index
    return vocab


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def clean(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    return "".join(out)


def space_cjk(text):
    return "".join(f" {ch} " if is_cjk(ord(ch)) else ch for ch in text)


def strip_accents(token):
    return "".join(ch for ch in unicodedata.normalize("NFD", token) if unicodedata.category(ch) != "Mn")


def split_punctuation(token):
    words, current = [], []
    for ch in token:
        if is_punctuation(ch):
            if current:
                words.append("".join(current))
                current = []
            words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def basic_tokenize(text, lower_case):
    text = unicodedata.normalize("NFC", space_cjk(clean(text)))
    words = []
    for token in text.split():
        if token in SPECIAL_TOKENS:
            words.append(token)
            continue
        if lower_case:
            token = strip_accents(token.lower())
        words.extend(split_punctuation(token))
    return " ".join(words).split()


def wordpiece(word, vocab):
    if len(word) > MAX_WORD_CHARS:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def split_special(text, specials):
    """Cuts literal special tokens out of text (leftmost, longest): [(segment, is_special)]."""
    out, seg, i = [], 0, 0
    while i < len(text):
        match = max((s for s in specials if text.startswith(s, i)), key=len, default=None)
        if match:
            if i > seg:
                out.append((text[seg:i], False))
            out.append((match, True))
            i += len(match)
            seg = i
        else:
            i += 1
    if seg < len(text):
        out.append((text[seg:], False))
    return out


def tokenize(text, vocab, lower_case=True):
    specials = [s for s in SPECIAL_TOKENS if s in vocab]
    tokens = []
    for segment, special in split_special(text, specials):
        if special:
            tokens.append(segment)
            continue
        if lower_case:  # HF lowers non-special text one character at a time (regex ".+?")
            segment = "".join(ch if ch == "\n" else ch.lower() for ch in segment)
        for word in basic_tokenize(segment, lower_case):
            tokens.extend(wordpiece(word, vocab))
    return tokens


def encode_line(line, vocab, lower_case=True):
    """Ids of [CLS] line [SEP]."""
    return [vocab["[CLS]"]] + [vocab[t] for t in tokenize(line, vocab, lower_case)] + [vocab["[SEP]"]]


def read_lines(path):
    """Lines of a file split on \\n only (as `tokenize encode` does), decoded with replacement."""
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return []
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    return [p.decode("utf-8", errors="replace") for p in parts]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    vocab = load_vocab(argv[0])
    lower_case = "--cased" not in argv
    out = sys.stdout
    for path in (a for a in argv[1:] if a != "--cased"):
        for line in read_lines(path):
            out.write(" ".join(map(str, encode_line(line, vocab, lower_case))) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
