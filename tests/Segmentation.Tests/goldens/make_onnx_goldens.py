#!/usr/bin/python3
"""ONNX encoder goldens: the packaged ImageNet ResNet-18 evaluated as its graphs say (the independent reference).

Usage: /usr/bin/python3 make_onnx_goldens.py MODELS_DIR OUT_DIR

MODELS_DIR is the package's DnnImageModels folder (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, which the
build copies to artifacts/DnnImageModels): ResNetPrepOnnx/ResNetPreprocess.onnx (RGB -> BGR minus a 224x224 mean
image) and ResNet18Onnx/ResNet18.onnx (a CNTK export). Debian's python3-onnx reads the graphs; every node is evaluated
with python3-torch as the graph states it: asymmetric pads are applied with F.pad before an unpadded conv or pool
(pool padding is -inf), BatchNormalization with the node's epsilon, Split/Concat/Sub as written. Nothing here knows
our module names: the stage outputs layer1..layer4 are found as the last residual output (a Relu on an Add) at each
spatial size.

Writes OUT_DIR/onnx_encoder.pth (a plain dict, read by OnnxEncoderTests):
  rgb                     1x3x224x224 RGB in 0..255 (a smooth random image plus noise)
  graph.layer1..4         the preprocessing graph then the ResNet graph, as packaged
  channel_mean.layer1..4  the same with the mean image replaced by its per-channel averages: what a fold into a
                          convolutional encoder of any input size can reproduce (exactly, except at image borders)
The test runs this script itself and caches the file in its build output (the graphs are 64 MB; only this is committed).
"""
import os
import sys

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pad(x, pads, value=0.0):
    """ONNX pads are [top, left, bottom, right] for 2-D; F.pad takes (left, right, top, bottom)."""
    return F.pad(x, (pads[1], pads[3], pads[0], pads[2]), value=value)


def evaluate(graph, feeds, overrides=None):
    values = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    values.update(overrides or {})
    values.update(feeds)
    for node in graph.node:
        a = attributes(node)
        x = [values[name] for name in node.input]
        op = node.op_type
        if op == "Conv":
            assert a.get("auto_pad", b"NOTSET") == b"NOTSET"
            bias = x[2] if len(x) > 2 else None
            y = F.conv2d(pad(x[0], a["pads"]), x[1], bias, stride=a["strides"], dilation=a["dilations"], groups=a["group"])
        elif op == "BatchNormalization":
            y = F.batch_norm(x[0], x[3], x[4], x[1], x[2], training=False, eps=a["epsilon"])
        elif op == "Relu":
            y = F.relu(x[0])
        elif op == "MaxPool":
            y = F.max_pool2d(pad(x[0], a["pads"], float("-inf")), a["kernel_shape"], a["strides"])
        elif op == "AveragePool":
            assert not any(a["pads"])
            y = F.avg_pool2d(x[0], a["kernel_shape"], a["strides"])
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "Sub":
            y = x[0] - x[1]
        elif op == "Split":
            y = torch.split(x[0], a["split"], dim=a["axis"])
        elif op == "Concat":
            y = torch.cat(x, dim=a["axis"])
        else:
            raise ValueError(f"node {node.name}: op {op} is not evaluated here")
        for name, value in zip(node.output, y if isinstance(y, tuple) else (y,)):
            values[name] = value
    return values


def stage_outputs(graph, values):
    """layer1..layer4: the last block output (Relu of an Add) at each spatial size, in graph order."""
    producers = {output: node for node in graph.node for output in node.output}
    stages = {}
    for node in graph.node:
        if node.op_type == "Relu" and producers[node.input[0]].op_type == "Add":
            y = values[node.output[0]]
            stages[tuple(y.shape[2:])] = y
    assert len(stages) == 4, f"expected 4 stage sizes, found {list(stages)}"
    return list(stages.values())


def main(models, out):
    prep = onnx.load(os.path.join(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx")).graph
    net = onnx.load(os.path.join(models, "ResNet18Onnx", "ResNet18.onnx")).graph
    (mean_image,) = [t for t in prep.initializer]
    mean_image_array = torch.from_numpy(numpy_helper.to_array(mean_image).copy())
    channel_means = mean_image_array.double().mean(dim=(0, 2, 3)).float().view(1, 3, 1, 1).expand_as(mean_image_array)

    generator = torch.Generator().manual_seed(0)
    coarse = torch.rand(1, 3, 28, 28, generator=generator) * 255
    rgb = F.interpolate(coarse, size=(224, 224), mode="bilinear", align_corners=False)
    rgb = (rgb + torch.randn(1, 3, 224, 224, generator=generator) * 10).clamp(0, 255)

    result = {"rgb": rgb}
    with torch.no_grad():
        for case, overrides in (("graph", None), ("channel_mean", {mean_image.name: channel_means.contiguous()})):
            prepared = evaluate(prep, {prep.input[0].name: rgb}, overrides)[prep.output[0].name]
            data_input = [i.name for i in net.input if i.name not in {t.name for t in net.initializer}][0]
            values = evaluate(net, {data_input: prepared})
            for index, y in enumerate(stage_outputs(net, values)):
                result[f"{case}.layer{index + 1}"] = y.contiguous()
    torch.save(result, os.path.join(out, "onnx_encoder.pth"))


if __name__ == "__main__":
    models_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    main(models_dir, out_dir)
