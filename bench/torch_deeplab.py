"""The same DeepLabv3+ as Segmentation/Models, in plain PyTorch (Debian's python3-torch / torchvision), for peer benchmarks.

torchvision refuses dilation in BasicBlock; for ResNet-18 at output stride 8 the 3x3 convolutions are dilated the way
Segmentation/Models/ResNetBlock.cs does it (both convs of a block, torchvision's _make_layer rule for which block gets
which dilation), so both sides run the same convolutions.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def _dilate_basic_blocks(model, layers):
    dilation = 1
    for layer in layers:
        previous = dilation
        dilation *= 2
        for index, block in enumerate(layer):
            d = previous if index == 0 else dilation
            for conv in (block.conv1, block.conv2):
                conv.stride, conv.dilation, conv.padding = (1, 1), (d, d), (d, d)
            if block.downsample is not None:
                block.downsample[0].stride = (1, 1)


def resnet(arch, output_stride):
    dilate = [False, True, True] if output_stride == 8 else [False, False, True]
    if arch == "resnet18":
        model = torchvision.models.resnet18()
        _dilate_basic_blocks(model, [model.layer3, model.layer4] if output_stride == 8 else [model.layer4])
    else:
        model = getattr(torchvision.models, arch)(replace_stride_with_dilation=dilate)
    del model.fc
    return model


def _conv_bn_relu(cin, cout, k, d):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=0 if k == 1 else d, dilation=d, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def _head(out):
    return nn.Sequential(nn.Conv2d(512, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.Dropout2d(0.1),
                         nn.Conv2d(256, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.Dropout2d(0.1),
                         nn.Conv2d(256, out, 1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, arch, num_classes, output_stride, representation=False):
        super().__init__()
        self.encoder = resnet(arch, output_stride)
        low, high = (64, 512) if arch == "resnet18" else (256, 2048)
        dilations = (12, 24, 36) if output_stride == 8 else (6, 12, 18)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(high, 256, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True))
        self.branches = nn.ModuleList([_conv_bn_relu(high, 256, 1, 1)] + [_conv_bn_relu(high, 256, 3, d) for d in dilations])
        self.head = nn.Sequential(nn.Conv2d(1280, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.Dropout2d(0.1))
        self.low_conv = nn.Sequential(nn.Conv2d(low, 256, 1), nn.BatchNorm2d(256), nn.ReLU(inplace=True))
        self.classifier = _head(num_classes)
        self.representation = _head(256) if representation else None

    def forward(self, x):
        e = self.encoder
        x = e.maxpool(e.relu(e.bn1(e.conv1(x))))
        layer1 = e.layer1(x)
        layer4 = e.layer4(e.layer3(e.layer2(layer1)))
        h, w = layer4.shape[-2:]
        pooled = F.interpolate(self.pool(layer4), size=(h, w), mode="bilinear", align_corners=True)
        aspp = torch.cat([pooled] + [branch(layer4) for branch in self.branches], dim=1)
        high = self.head(aspp)
        low = self.low_conv(layer1)
        high = F.interpolate(high, size=low.shape[-2:], mode="bilinear", align_corners=True)
        fused = torch.cat([low, high], dim=1)
        return self.classifier(fused), (self.representation(fused) if self.representation is not None else None)
