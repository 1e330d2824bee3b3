#!/usr/bin/python3
"""Parity of `tokenize encode` with HuggingFace's BertTokenizer (bert-base-uncased, do_lower_case)
on every line of the ../shared/data texts and tests/bert/data/multilingual.txt.

The expected ids come from hf_tokenizer_reference.py (an independent re-implementation of
BertTokenizer on Python's unicodedata). A line whose ids differ only because Python's Unicode
tables (unicodedata.unidata_version) and utf8proc's give some character different categories is
reported as a Unicode-version difference, not a failure: HuggingFace's own output changes with the
Python version there.

Usage: check_tokenizer_parity.py TOKENIZE_BINARY SOURCE_DIR [--fuzz N]
  (exit 77 = skipped: no shared data). --fuzz N also checks N random lines (a fixed seed) mixing
  ASCII, literal special tokens, controls, marks, many scripts, CJK, emoji, private-use and
  unassigned code points, uncased and cased.
"""
import ctypes
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_tokenizer_reference as ref  # noqa: E402

TEXTS = [
    "wikitext-2/wiki.test.tokens",
    "wikitext-2/wiki.valid.tokens",
    "wikitext-2-raw/wiki.test.raw",
    "tinyshakespeare/input.txt",
    "bert-sample/sample_text.txt",
]


def utf8proc_category():
    """utf8proc's category of a code point (as the C++ side sees it), or None if unavailable."""
    try:
        lib = ctypes.CDLL("libutf8proc.so.2")
    except OSError:
        return None
    lib.utf8proc_category_string.restype = ctypes.c_char_p
    return lambda cp: lib.utf8proc_category_string(cp).decode()


# Code point ranges the fuzz lines draw from (controls, Latin, marks, scripts, punctuation, CJK,
# Hangul, compatibility ideographs, specials, emoji, extension B, tags, private use).
FUZZ_RANGES = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x250, 0x36F), (0x370, 0x52F),
               (0x590, 0x6FF), (0x900, 0xDFF), (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x206F),
               (0x2070, 0x2BFF), (0x3000, 0x30FF), (0x3400, 0x3410), (0x4E00, 0x4E50),
               (0xAC00, 0xAC50), (0xF900, 0xFB4F), (0xFE00, 0xFFFF), (0x10000, 0x1034F),
               (0x1D400, 0x1D7FF), (0x1F300, 0x1FAFF), (0x20000, 0x20010), (0x2F800, 0x2F810),
               (0xE0000, 0xE007F), (0xE000, 0xE010)]


def fuzz_lines(n, seed=1):
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        chars = []
        for _ in range(rng.randint(1, 30)):
            r = rng.random()
            if r < 0.3:
                chars.append(rng.choice("abcXYZ .,!'-[]"))
            elif r < 0.35:
                chars.append(rng.choice(["[MASK]", "[SEP]", "[mask]", "[UNK]", "[CLS]", "[PAD]"]))
            else:
                cp = rng.randint(*rng.choice(FUZZ_RANGES))
                if cp != 10 and not 0xD800 <= cp <= 0xDFFF:
                    chars.append(chr(cp))
        lines.append("".join(chars))
    return lines


def check_file(binary, vocab, vocab_path, path, label, category, cased=False):
    """Compares the binary with the reference on every line of path; returns True when they agree."""
    start = time.time()
    lines = ref.read_lines(path)
    expected = [" ".join(map(str, ref.encode_line(line, vocab, not cased))) for line in lines]
    cmd = [binary, "encode", "--vocab", vocab_path, path] + (["--cased"] if cased else [])
    got = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split("\n")
    if got and got[-1] == "":
        got.pop()
    if len(got) != len(expected):
        print(f"FAIL {label}: {len(got)} output lines for {len(expected)} input lines")
        return False
    unexplained, version = [], 0
    for i, (line, e, g) in enumerate(zip(lines, expected, got)):
        if e == g:
            continue
        if category and any(unicodedata.category(ch) != category(ord(ch)) for ch in line):
            version += 1
        else:
            unexplained.append(i)
    status = "OK  " if not unexplained else "FAIL"
    print(f"{status} {label}: {len(lines)} lines, {len(lines) - len(unexplained) - version} identical, "
          f"{version} Unicode-version differences, {len(unexplained)} mismatches "
          f"({time.time() - start:.1f} s)")
    for i in unexplained[:5]:
        print(f"  line {i + 1}: {lines[i]!r}\n    expected {expected[i]}\n    got      {got[i]}")
    return not unexplained


def main(argv):
    binary, source = argv[0], argv[1]
    fuzz = int(argv[argv.index("--fuzz") + 1]) if "--fuzz" in argv else 0
    data = os.path.join(source, "..", "shared", "data")
    vocab_path = os.path.join(data, "bert-base-uncased", "vocab.txt")
    if not os.path.exists(vocab_path):
        print(f"skipping: {vocab_path} not found")
        return 77
    vocab = ref.load_vocab(vocab_path)
    category = utf8proc_category()
    files = [os.path.join(data, t) for t in TEXTS if os.path.exists(os.path.join(data, t))]
    files.append(os.path.join(source, "tests", "bert", "data", "multilingual.txt"))
    print(f"Python unicodedata {unicodedata.unidata_version}")
    ok = all([check_file(binary, vocab, vocab_path, f, os.path.relpath(f, source), category)
              for f in files])
    if fuzz:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as f:
            f.write("\n".join(fuzz_lines(fuzz)) + "\n")
            f.flush()
            for cased in (False, True):
                label = f"fuzz ({fuzz} lines, {'cased' if cased else 'uncased'})"
                ok = check_file(binary, vocab, vocab_path, f.name, label, category, cased) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
