#!/usr/bin/python3
"""TensorBoard event-file size of `u2pl train` (issue 14): bytes per 1,000 steps and per evaluation's overlays.

Usage: /usr/bin/python3 bench/tensorboard_size.py [--steps 400] [--images 3] [--height 128 --width 160]

Runs a small synthetic `u2pl train --json` (ResNet-18 OS16, 32x32 crops, batch 1, semi-supervised from the first step, so
every step writes all eight train/* scalars), evaluated once at the end with --images overlays of the
height x width validation scenes, then reads the event file with tests/Client.Tests/TensorBoard/read_events.py (framing
and CRCs checked) and splits its bytes into step scalars, evaluation scalars and images. Needs a Release build.
"""

import argparse
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("read_events", os.path.join(ROOT, "tests", "Client.Tests", "TensorBoard", "read_events.py"))
read_events = importlib.util.module_from_spec(spec)
spec.loader.exec_module(read_events)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--height", type=int, default=128)
    parser.add_argument("--width", type=int, default=160)
    args = parser.parse_args()
    u2pl = os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl")
    with tempfile.TemporaryDirectory(prefix="u2pl-tb-size-") as directory:
        config = os.path.join(directory, "size.yaml")
        with open(config, "w") as stream:
            stream.write(f"""seed: 1
dataset:
  type: synthetic
  synthetic: {{ train_count: {2 * args.steps}, val_count: {max(1, args.images)}, height: {args.height}, width: {args.width} }}
  labeled: {args.steps}
  batch_size: 1
  train:
    crop: {{ size: [32, 32] }}
net: {{ arch: resnet18, output_stride: 16 }}
trainer:
  epochs: 1
  sup_only_epoch: 0
  eval_every: 0
  threads: 2
  contrastive: {{ num_queries: 8, num_negatives: 16, low_rank: 2, high_rank: 5, memory_bank: {{ capacity: 500, background_capacity: 500 }} }}
saver:
  snapshot_dir: {directory}/run
logging:
  tensorboard_images: {args.images}
""")
        run = subprocess.run([u2pl, "train", "--config", config, "--json"], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"u2pl train failed ({run.returncode}): {run.stderr[-2000:]}")
        steps = sum(1 for line in run.stdout.splitlines() if json.loads(line)["type"] == "step")
        tb = os.path.join(directory, "run", "tb")
        (name,) = os.listdir(tb)
        path = os.path.join(tb, name)
        event_class = read_events._event_class()
        sizes = {"header": 0, "step": 0, "eval": 0, "image": 0}
        for data in read_events.records(path):
            event = event_class()
            event.ParseFromString(data)
            framed = len(data) + 16  # length, its CRC, the data's CRC
            tags = [value.tag for value in event.summary.value]
            kind = ("header" if event.file_version else "image" if any(t.startswith("val/overlay/") for t in tags)
                    else "eval" if any(t.startswith("val/") for t in tags) else "step")
            sizes[kind] += framed
        total = os.path.getsize(path)
        assert total == sum(sizes.values()), (total, sizes)
        print(json.dumps({
            "steps": steps, "file_bytes": total, "bytes": sizes,
            "step_bytes_per_1000_steps": round(sizes["step"] / steps * 1000),
            "eval_scalar_bytes_per_evaluation": sizes["eval"],
            "image_bytes_per_evaluation": sizes["image"], "images": args.images, "image_size": [args.height, 3 * args.width],
        }, indent=1))


if __name__ == "__main__":
    main()
