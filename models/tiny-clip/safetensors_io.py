"""The safetensors file format, written and read by hand (the safetensors package is not installed).

Layout: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then the
raw little-endian tensor bytes. The header is padded with spaces to a multiple of 8 so data stays aligned.
"""

import json
import struct

import numpy as np
import torch

DTYPES = {np.dtype("float32"): "F32", np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint8"): "U8"}
NUMPY = {v: k for k, v in DTYPES.items()}


def _as_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    if value.dtype == np.float64:
        value = value.astype(np.float32)
    # np.require keeps 0-d scalars (e.g. a loss) as shape [], which ascontiguousarray would not.
    return np.require(value.astype(value.dtype.newbyteorder("<")), requirements="C")


def save(path, tensors, metadata=None):
    """tensors: {name: torch.Tensor | np.ndarray}, written in the given order."""
    arrays = {name: _as_numpy(t) for name, t in tensors.items()}
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, a in arrays.items():
        header[name] = {"dtype": DTYPES[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for a in arrays.values():
            f.write(a.tobytes())


def load(path):
    """{name: np.ndarray} (metadata dropped)."""
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + n:]
    out = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        dtype = NUMPY[info["dtype"]].newbyteorder("<")
        out[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(info["shape"]).copy()
    return out


def load_metadata(path):
    """The file's __metadata__ (string to string), or {}."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})
