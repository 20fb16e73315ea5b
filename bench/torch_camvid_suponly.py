#!/usr/bin/python3
"""Issue 15 §3 fidelity: SupOnly of the pretrained CamVid protocol in plain PyTorch (Debian's python3-torch), as a
cross-check of `u2pl train --config configs/camvid-1-8-pretrained.yaml --set trainer.semi=false`.

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/torch_camvid_suponly.py --encoder ENCODER.safetensors --labeled LABELED.txt [--seed 0]
                                                 [--threads 1] [--json OUT.json]

ENCODER is what `u2pl weights import --onnx artifacts/DnnImageModels/ResNet18Onnx/ResNet18.onnx --arch resnet18-3b
--classes 11 --os 16` writes: the package's ImageNet ResNet-18 with its preprocessing folded for ImageNet-normalized
RGB (tested against the ONNX graph's own evaluation by OnnxEncoderTests); only its encoder.* tensors are used here.
LABELED lists the 46 labeled ids our split draws (dataset.labeled 46, split_seed 0), one per line.
Everything else is written here from the config's words, not from our code: DeepLabv3+ OS16 (bench/torch_deeplab.py,
layer4 with 3 blocks, decoder in PyTorch's default init), random scale 0.75-1.5 (bilinear image, nearest mask), flip,
random 128x128 crop (padded with 0 / ignore 255 where the scaled image is smaller), batch 4, SGD momentum 0.9 lr 0.01
poly 0.9 wd 5e-4 over 10 epochs of 81 steps, cross-entropy ignoring 255; val = the 101 whole 180x240 images, mIoU over
the 11 classes from one confusion matrix.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_deeplab import DeepLabV3Plus, _dilate_basic_blocks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets", "camvid-180x240")
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
CLASSES, IGNORE, CROP, BATCH, EPOCHS, STEPS_PER_EPOCH = 11, 255, 128, 4, 10, 81


def read_safetensors(path):
    """The format's whole spec: an 8-byte little-endian header length, a JSON header, then the raw tensors."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"]).copy())
    return tensors


def model_with_imagenet_encoder(encoder_file):
    model = DeepLabV3Plus("resnet18", CLASSES, 16)
    # resnet18-3b: torchvision's ResNet-18 with a third block in layer4, dilated for OS16 like the other two.
    encoder = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [2, 2, 2, 3])
    _dilate_basic_blocks(encoder, [encoder.layer4])
    del encoder.fc
    model.encoder = encoder
    weights = {k[len("encoder."):]: v for k, v in read_safetensors(encoder_file).items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"{encoder_file}: encoder keys do not match (missing {missing[:5]}, unexpected {unexpected[:5]})")
    return model


def load(split, stem):
    image = torch.from_numpy(np.asarray(Image.open(os.path.join(DATA, "images", split, stem + ".jpg")).convert("RGB"), dtype=np.float32)).permute(2, 0, 1)
    mask = torch.from_numpy(np.asarray(Image.open(os.path.join(DATA, "masks", split, stem + ".png")), dtype=np.int64))
    return image, mask


def augment(image, mask, generator):
    scale = 0.75 + 0.75 * torch.rand(1, generator=generator).item()
    h, w = image.shape[1:]
    size = (int(h * scale + 0.5), int(w * scale + 0.5))
    image = F.interpolate(image[None], size=size, mode="bilinear", align_corners=False)[0]
    mask = F.interpolate(mask[None, None].float(), size=size, mode="nearest")[0, 0].long()
    if torch.rand(1, generator=generator).item() < 0.5:
        image, mask = image.flip(-1), mask.flip(-1)
    image = (image - MEAN) / STD
    pad_h, pad_w = max(0, CROP - size[0]), max(0, CROP - size[1])
    if pad_h or pad_w:
        image = F.pad(image, (0, pad_w, 0, pad_h), value=0.0)
        mask = F.pad(mask, (0, pad_w, 0, pad_h), value=IGNORE)
    top = torch.randint(0, image.shape[1] - CROP + 1, (1,), generator=generator).item()
    left = torch.randint(0, image.shape[2] - CROP + 1, (1,), generator=generator).item()
    return image[:, top:top + CROP, left:left + CROP], mask[top:top + CROP, left:left + CROP]


def evaluate(model, val):
    model.eval()
    confusion = torch.zeros(CLASSES, CLASSES, dtype=torch.int64)
    with torch.no_grad():
        for image, mask in val:
            logits, _ = model(((image - MEAN) / STD)[None])
            prediction = F.interpolate(logits, size=mask.shape, mode="bilinear", align_corners=True).argmax(1)[0]
            keep = mask != IGNORE
            confusion += torch.bincount(mask[keep] * CLASSES + prediction[keep], minlength=CLASSES * CLASSES).view(CLASSES, CLASSES)
    model.train()
    intersection = confusion.diag().double()
    union = confusion.sum(0).double() + confusion.sum(1).double() - intersection
    return (intersection / union.clamp(min=1)).mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoder", required=True)
    parser.add_argument("--labeled", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    labeled = [line.strip() for line in open(args.labeled) if line.strip()]
    train = [load("train", stem) for stem in labeled]
    val = [load("val", line.strip()) for line in open(os.path.join(DATA, "val.txt")) if line.strip()]
    model = model_with_imagenet_encoder(args.encoder)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    total = EPOCHS * STEPS_PER_EPOCH
    curve, started, order = [], time.time(), []
    for step in range(total):
        if len(order) < BATCH:
            order += torch.randperm(len(train), generator=generator).tolist()
        batch = [augment(*train[order.pop(0)], generator) for _ in range(BATCH)]
        images, masks = torch.stack([b[0] for b in batch]), torch.stack([b[1] for b in batch])
        for group in optimizer.param_groups:
            group["lr"] = 0.01 * (1 - step / total) ** 0.9
        logits, _ = model(images)
        logits = F.interpolate(logits, size=masks.shape[-2:], mode="bilinear", align_corners=True)
        loss = F.cross_entropy(logits, masks, ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % STEPS_PER_EPOCH == 0:
            curve.append(round(evaluate(model, val) * 100, 2))
            print(f"epoch {len(curve)}: step {step + 1}, loss {loss.item():.3f}, val mIoU {curve[-1]:.2f} "
                  f"({(time.time() - started) / 60:.1f} min)", file=sys.stderr, flush=True)
    result = {"miou": curve[-1] / 100, "curve": curve, "minutes": (time.time() - started) / 60, "seed": args.seed, "threads": args.threads}
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
