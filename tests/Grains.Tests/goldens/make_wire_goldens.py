"""Goldens for cluster.wire (Grains/Model/WireCodec.cs): float32 values and their float16 and bfloat16 round trips,
as PyTorch (Debian's python3-torch) casts them. Run: /usr/bin/python3 tests/Grains.Tests/goldens/make_wire_goldens.py"""
import json
import os
import struct

import torch

g = torch.Generator().manual_seed(22)
values = torch.cat([
    torch.randn(2000, generator=g) * 10 ** torch.randint(-8, 6, (2000,), generator=g).float(),  # many decades
    torch.tensor([0.0, -0.0, 1.0, -1.0, 65504.0, 65520.0, 1e-8, 3.4e38, -3.4e38, float("inf"), float("-inf"),
                  1.00390625, 1.01171875,  # exactly halfway between two bfloat16 values: ties to even, down and up
                  struct.unpack("<f", struct.pack("<I", 0x3F808000))[0], struct.unpack("<f", struct.pack("<I", 0x3F818000))[0],
                  struct.unpack("<f", struct.pack("<I", 0x00000001))[0]]),  # the smallest denormal
])


def bits(t):
    return [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in t.tolist()]


golden = {
    "float32": bits(values),
    "fp16": bits(values.to(torch.float16).to(torch.float32)),
    "bf16": bits(values.to(torch.bfloat16).to(torch.float32)),
    "torch": torch.__version__,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.json"), "w") as f:
    json.dump(golden, f)
