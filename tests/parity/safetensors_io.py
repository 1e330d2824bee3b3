"""safetensors reader and writer in pure Python (+ torch), for the parity scripts.

Debian's torch 1.13 has no `safetensors` module, so the format is written by hand
(https://github.com/huggingface/safetensors, DESIGN.md §4):

    8 bytes   little-endian u64 N = header length
    N bytes   UTF-8 JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...,
                           "__metadata__": {"k": "v"}}      (padded with spaces to a multiple of 8)
    data      the tensors' bytes, row-major little-endian; offsets are relative to the data start

Writing is deterministic: tensors in sorted name order, data in the same order, compact JSON.
Reading validates like the C++ reader must: header size, dtype, shape x dtype == byte count,
offsets that tile the data buffer exactly, no duplicate names.
"""
import json
import struct

import torch

# dtype name -> (torch dtype, bytes per element)
_DTYPES = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}
_BY_TORCH = {v[0]: k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(Exception):
    pass


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)  # numpy has no bfloat16; same bits
    return t.numpy().tobytes()  # x86: already little-endian


def serialize(tensors, metadata=None):
    """tensors: dict name -> torch.Tensor. Returns the file contents as bytes."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _BY_TORCH:
            raise SafetensorsError(f"{name}: unsupported dtype {t.dtype}")
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _BY_TORCH[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    return struct.pack("<Q", len(hjson)) + hjson + b"".join(chunks)


def save_file(tensors, path, metadata=None):
    data = serialize(tensors, metadata)
    with open(path, "wb") as f:
        f.write(data)


def deserialize(buf, what="safetensors"):
    """Returns (dict name -> torch.Tensor (own memory), metadata dict)."""
    if len(buf) < 8:
        raise SafetensorsError(f"{what}: file too short ({len(buf)} bytes)")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > _MAX_HEADER:
        raise SafetensorsError(f"{what}: header length {n} exceeds 100 MB")
    if 8 + n > len(buf):
        raise SafetensorsError(f"{what}: header length {n} runs past end of file")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"),
                            object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorsError(f"{what}: bad header JSON: {e}")
    if not isinstance(header, dict):
        raise SafetensorsError(f"{what}: header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(buf)[8 + n:]
    spans = []
    out = {}
    for name, info in header.items():
        try:
            dtype_name, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{what}: tensor {name}: malformed entry {info!r}")
        if dtype_name not in _DTYPES:
            raise SafetensorsError(f"{what}: tensor {name}: unsupported dtype {dtype_name}")
        dtype, size = _DTYPES[dtype_name]
        numel = 1
        for d in shape:
            if not isinstance(d, int) or d < 0:
                raise SafetensorsError(f"{what}: tensor {name}: bad shape {shape}")
            numel *= d
        if not (0 <= b <= e <= len(data)):
            raise SafetensorsError(f"{what}: tensor {name}: offsets [{b}, {e}] outside data "
                                   f"of {len(data)} bytes")
        if e - b != numel * size:
            raise SafetensorsError(f"{what}: tensor {name}: {e - b} bytes for shape {shape} "
                                   f"{dtype_name} (expected {numel * size})")
        spans.append((b, e, name))
        raw = bytearray(data[b:e])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if numel else \
                torch.empty(0, dtype=torch.bfloat16)
        else:
            t = torch.frombuffer(raw, dtype=dtype) if numel else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(shape).clone()
    pos = 0
    for b, e, name in sorted(spans):
        if b != pos:
            raise SafetensorsError(f"{what}: tensor {name}: offsets [{b}, {e}] overlap or leave "
                                   f"a gap (expected start {pos})")
        pos = e
    if pos != len(data):
        raise SafetensorsError(f"{what}: data buffer has {len(data) - pos} trailing bytes")
    return out, metadata


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise SafetensorsError(f"duplicate name {k} in header")
        d[k] = v
    return d


def load_file(path, with_metadata=False):
    with open(path, "rb") as f:
        buf = f.read()
    tensors, metadata = deserialize(buf, what=str(path))
    return (tensors, metadata) if with_metadata else tensors
