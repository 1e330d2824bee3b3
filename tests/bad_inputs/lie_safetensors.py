#!/usr/bin/python3
"""lie_safetensors.py — writes a hostile variant of a valid safetensors file (for test_bad_inputs.sh).

Usage: lie_safetensors.py IN OUT MODE. Every mode keeps the rest of the file as it was, so the file
has exactly one problem: truncated, short, garbage, huge_header, header_past_end, not_json,
json_array, offsets_outside, overlap, dtype_size, unknown_dtype, duplicate, wrong_shape,
missing_tensor, bad_shape, nan_weights.
"""
import json
import random
import struct
import sys


def main():
    src, dst, mode = sys.argv[1:4]
    data = open(src, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    first, last = names[0], names[-1]
    raw_header = None  # header text written as is (for modes JSON cannot express)
    if mode == "truncated":
        out = data[:len(data) // 2]
    elif mode == "short":
        out = data[:5]
    elif mode == "garbage":
        out = random.Random(14).randbytes(4096)
    elif mode == "huge_header":
        out = struct.pack("<Q", 1 << 40) + data[8:]
    elif mode == "header_past_end":
        out = struct.pack("<Q", len(data)) + data[8:]
    else:
        if mode == "not_json":
            raw_header = b"{\"bert.x\": {\"dtype\": \"F32\", " + b" " * 16
        elif mode == "json_array":
            raw_header = b"[1, 2, 3]"
        elif mode == "offsets_outside":
            header[last]["data_offsets"][1] += 4096
        elif mode == "overlap":
            b, e = header[names[1]]["data_offsets"]
            header[names[1]]["data_offsets"] = [b - 4, e - 4]
        elif mode == "dtype_size":
            header[first]["dtype"] = "F16"
        elif mode == "unknown_dtype":
            header[first]["dtype"] = "Q4"
        elif mode == "duplicate":
            text = json.dumps(header)
            entry = json.dumps(header[first])
            raw_header = text[:-1].encode() + b", " + json.dumps(first).encode() + b": " + entry.encode() + b"}"
        elif mode == "wrong_shape":
            header[first]["shape"] = list(reversed(header[first]["shape"]))
        elif mode == "missing_tensor":
            b, e = header[last]["data_offsets"]
            del header[last]
            body = body[:b] + body[e:]
        elif mode == "bad_shape":
            header[first]["shape"] = [-1] + header[first]["shape"][1:]
        elif mode == "nan_weights":
            b, _ = header[first]["data_offsets"]
            body = body[:b + 8] + struct.pack("<f", float("nan")) + body[b + 12:]
        else:
            sys.exit("unknown mode " + mode)
        text = raw_header if raw_header is not None else json.dumps(header).encode()
        out = struct.pack("<Q", len(text)) + text + body
    open(dst, "wb").write(out)


main()
