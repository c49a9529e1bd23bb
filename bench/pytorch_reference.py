"""PyTorch reference for `npm run bench`: trains the architectures fer-run benchmarks, the same way.

M_Res only (backbone -> global average pooling -> linear head over 7 classes), batch of random
images, cross-entropy, Adam with weight decay 1e-4 (L2, as fer-run's default), on `--threads`
threads, in NCHW or channels_last. Prints one JSON line: images/s of each round (the mean step
time within the round) and the process's peak RSS.

With --serve it takes commands on stdin instead, one per line, and answers each with a JSON line:
"warmup" (steps before measuring), "round" ({"imagesPerSecond"}), "end" ({"peakRssMiB"}, then
exits), so that bench/versus-pytorch.ts can alternate its rounds with fer-run's on an idle CPU.

Run with Debian's interpreter, where python3-torch and python3-torchvision import:
  /usr/bin/python3 bench/pytorch_reference.py --arch resnet18 --size 112 --layout channels_last
"""
import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResNetMini(nn.Module):
    """fer-run's resnet-mini at its defaults: 3x3/2 stem, one basic block per stage, widths 16-128, no max-pool."""

    def __init__(self, classes, widths=(16, 32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        stages, cin = [], widths[0]
        for i, w in enumerate(widths):
            stages.append(BasicBlock(cin, w, 1 if i == 0 else 2))
            cin = w
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)).mean((2, 3)))


def model(arch, classes):
    if arch == 'resnet-mini':
        return ResNetMini(classes)
    import torchvision

    net = getattr(torchvision.models, arch)(weights=None)
    net.fc = nn.Linear(net.fc.in_features, classes)  # the same head: global pooling, then linear
    return net


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--arch', default='resnet-mini', choices=['resnet-mini', 'resnet18', 'resnet50'])
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--layout', default='channels_last', choices=['nchw', 'channels_last'])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--rounds', type=int, default=4)
    p.add_argument('--steps', type=int, default=8, help='steps per round')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--serve', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = model(a.arch, 7)
    fmt = torch.channels_last if a.layout == 'channels_last' else torch.contiguous_format
    net = net.to(memory_format=fmt).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    x = (torch.rand(a.batch, 3, a.size, a.size) * 2 - 1).contiguous(memory_format=fmt)
    y = torch.arange(a.batch) % 7
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()

    def measure():
        t = time.perf_counter()
        for _ in range(a.steps):
            step()
        return a.batch * a.steps / (time.perf_counter() - t)

    peak = lambda: round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if a.serve:
        print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'warmup':
                for _ in range(a.warmup):
                    step()
                print(json.dumps({'warm': True}), flush=True)
            elif cmd == 'round':
                print(json.dumps({'imagesPerSecond': measure()}), flush=True)
            elif cmd == 'end':
                print(json.dumps({'peakRssMiB': peak()}), flush=True)
                return
        return
    for _ in range(a.warmup):
        step()
    rounds = []
    for _ in range(a.rounds):
        rounds.append(measure())
    print(json.dumps({'arch': a.arch, 'size': a.size, 'batch': a.batch, 'layout': a.layout, 'threads': a.threads, 'torch': torch.__version__, 'rounds': rounds, 'peakRssMiB': peak()}))


if __name__ == '__main__':
    main()
