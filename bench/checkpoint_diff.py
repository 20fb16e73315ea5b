"""Two checkpoints (safetensors) compared tensor by tensor with numpy: which tensors are bit-equal, and the largest
|difference| of those that are not. Hand-written: the format is an 8-byte header length, a JSON header and the raw
bytes, and the benchmark's /usr/bin/python3 has numpy but no safetensors package."""
import json
import struct

import numpy as np

COMPARED = ("student.", "teacher.", "optimizer.", "memory_bank.")

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "I16": np.int16,
          "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "BF16": np.uint16}


def safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r")
    base = 8 + size
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    return entries, lambda e: data[base + e["data_offsets"][0]: base + e["data_offsets"][1]]


def as_float(raw, dtype):
    if dtype == "BF16":
        return (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return raw.view(DTYPES[dtype]).astype(np.float64)


def compare(actual_path, expected_path):
    """Tensor by tensor over student.*, teacher.*, optimizer.*, memory_bank.* of the expected checkpoint."""
    actual, read_actual = safetensors(actual_path)
    expected, read_expected = safetensors(expected_path)
    groups = {p: {"tensors": 0, "equal": 0, "max": 0.0} for p in COMPARED}
    problems, worst = [], []
    for name, entry in sorted(expected.items()):
        prefix = next((p for p in COMPARED if name.startswith(p)), None)
        if prefix is None:
            continue
        group = groups[prefix]
        group["tensors"] += 1
        other = actual.get(name)
        if other is None:
            problems.append(f"{name}: missing")
            continue
        if other["shape"] != entry["shape"] or other["dtype"] != entry["dtype"]:
            problems.append(f"{name}: {other['dtype']} {other['shape']}, expected {entry['dtype']} {entry['shape']}")
            continue
        a, b = read_actual(other), read_expected(entry)
        if np.array_equal(a, b):
            group["equal"] += 1
            continue
        difference = float(np.max(np.abs(as_float(a, entry["dtype"]) - as_float(b, entry["dtype"])))) if entry["dtype"] in DTYPES else float("inf")
        group["max"] = max(group["max"], difference)
        worst.append((difference, name))
    total = {"tensors": sum(g["tensors"] for g in groups.values()), "equal": sum(g["equal"] for g in groups.values()),
             "max": max(g["max"] for g in groups.values())}
    extra = sorted(n for n in actual if n.startswith(COMPARED) and n not in expected)
    return {"groups": groups, "total": total, "problems": problems, "extra": extra,
            "worst": [f"{n}: {d:.3g}" for d, n in sorted(worst, reverse=True)[:6]]}
