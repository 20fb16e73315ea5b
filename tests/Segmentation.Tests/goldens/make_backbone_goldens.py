#!/usr/bin/python3
"""Backbone parity goldens from Debian's python3-torchvision (the independent reference).

Usage: /usr/bin/python3 make_backbone_goldens.py OUT_DIR

For each case it writes OUT_DIR/<case>.weights.pth (a real torchvision `model.state_dict()` saved with torch.save,
so the test also exercises the importer on what users have) and OUT_DIR/<case>.outputs.pth (a plain dict: the
input and layer1..layer4 outputs in eval mode). The weights are torchvision's init with every BatchNorm's
affine parameters and running statistics randomized, so that BN is not an identity.

The test runs this script itself (the weights are ~140 MB, too large to commit) and caches the files in its build
output. Cases:
  resnet18_os32  torchvision's ResNet-18 as is
  resnet18_os8   ResNet-18 with layer3/layer4 dilated as torchvision's _make_layer would (torchvision refuses dilation
                 in BasicBlock, so the convolutions are patched here: both 3x3 convs of a block get the block's
                 dilation and padding; the stride-2 convs of layer3/layer4 become stride 1)
  resnet50_os8   torchvision's ResNet-50 with replace_stride_with_dilation=[False, True, True]
"""
import os
import sys

import torch
import torchvision


def randomize_batch_norms(model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.weight.data = torch.rand(n, generator=generator) + 0.5
            module.bias.data = torch.randn(n, generator=generator) * 0.1
            module.running_mean.data = torch.randn(n, generator=generator) * 0.1
            module.running_var.data = torch.rand(n, generator=generator) + 0.5


def dilate_basic_blocks(model):
    """Output stride 8 for BasicBlock ResNets, following torchvision's _make_layer dilation rule."""
    dilation = 1
    for layer in (model.layer3, model.layer4):
        previous = dilation
        dilation *= 2
        for index, block in enumerate(layer):
            d = previous if index == 0 else dilation
            for conv in (block.conv1, block.conv2):
                conv.stride = (1, 1)
                conv.dilation = (d, d)
                conv.padding = (d, d)
            if block.downsample is not None:
                block.downsample[0].stride = (1, 1)


def make(case, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    if case == "resnet18_os32":
        model = torchvision.models.resnet18()
    elif case == "resnet18_os8":
        model = torchvision.models.resnet18()
        dilate_basic_blocks(model)
    elif case == "resnet50_os8":
        model = torchvision.models.resnet50(replace_stride_with_dilation=[False, True, True])
    else:
        raise ValueError(case)
    randomize_batch_norms(model, generator)
    model.eval()
    x = torch.randn(2, 3, 64, 80, generator=generator)
    with torch.no_grad():
        h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        l1 = model.layer1(h)
        l2 = model.layer2(l1)
        l3 = model.layer3(l2)
        l4 = model.layer4(l3)
    torch.save(model.state_dict(), os.path.join(out_dir, case + ".weights.pth"))
    torch.save({"input": x, "layer1": l1, "layer2": l2, "layer3": l3, "layer4": l4},
               os.path.join(out_dir, case + ".outputs.pth"))


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in ("resnet18_os32", "resnet18_os8", "resnet50_os8"):
        make(name, out)
    open(os.path.join(out, "done"), "w").close()
