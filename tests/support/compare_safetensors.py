#!/usr/bin/python3
"""compare_safetensors.py A B REL — compares two safetensors files tensor by tensor (F32 only).
REL 0: every byte of every tensor must be equal (bit-identical). REL > 0: normwise over the model,
max |a − b| ≤ REL · max |a| (the largest magnitude of any tensor): a tensor whose gradient is
rounding noise only (attention key biases: softmax ignores them) has no scale of its own. Prints
'same' or the first tensor that differs, and exits 0/1."""
import json
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    out = {}
    for name, t in header.items():
        assert t["dtype"] == "F32", f"{path}: {name} is {t['dtype']}"
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + e], dtype="<f4")
    return out


a, b, rel = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
if sorted(a) != sorted(b):
    print("different tensor names")
    sys.exit(1)
scale = max(max((float(np.max(np.abs(t))) for t in a.values() if t.size), default=0.0), 1e-30)
for name in sorted(a):
    x, y = a[name], b[name]
    if rel == 0:
        if x.tobytes() != y.tobytes():
            print(f"{name}: differs ({np.count_nonzero(x != y)} of {x.size} elements, max |diff| {np.max(np.abs(x - y)):.3g})")
            sys.exit(1)
    else:
        diff = float(np.max(np.abs(x.astype(np.float64) - y))) if x.size else 0.0
        if diff > rel * scale:
            print(f"{name}: max |diff| {diff:.3g} > {rel} × max |a| {scale:.3g}")
            sys.exit(1)
print("same")
