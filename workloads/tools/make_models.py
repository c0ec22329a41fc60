#!/usr/bin/env python3
"""Generates DreamRT's own models (workloads/models/SN_*.yaml, DRONE_*.yaml).

Run from the repository root: python3 workloads/tools/make_models.py
The XRBench models are not made here: they come from `dream import-maestro`.
Shapes follow the published architectures (MobileNetV2, SSDLite, SiamFC); accuracy figures are
the published ImageNet top-1 of MobileNetV2 at that width / resolution (TF-Slim table).
"""
import os

def div8(x):
    v = max(8, int(x + 4) // 8 * 8)
    if v < 0.9 * x:
        v += 8
    return v

class Net:
    def __init__(self):
        self.layers = []   # dicts in file order
        self.skips = []
        self.exits = []
    def out(self, name):
        for l in self.layers:
            if l["name"] == name:
                return l["_out"]
        raise KeyError(name)
    def last(self):
        return self.layers[-1]["name"]
    def add_layer(self, d, inputs=None, out=None):
        if inputs is not None:
            d["inputs"] = inputs
        d["_out"] = out
        self.layers.append(d)
        return d["name"]
    def conv(self, name, src, k, r, stride=1, groups=1, act=None):
        c, h, w = self.out(src) if src != "input" else self.input
        pad = (r - 1) // 2
        oh = (h + 2 * pad - r) // stride + 1
        ow = (w + 2 * pad - r) // stride + 1
        d = {"name": name, "op": "conv", "c": c, "h": h, "w": w, "k": k, "r": r}
        if stride != 1: d["stride"] = stride
        if pad: d["pad"] = pad
        if groups != 1: d["groups"] = groups
        if act: d["act"] = act
        seq = (src == self.last()) if self.layers else (src == "input")
        return self.add_layer(d, None if seq else [src], (k, oh, ow))
    def add(self, name, a, b):
        c, h, w = self.out(a)
        return self.add_layer({"name": name, "op": "add", "c": c, "h": h, "w": w}, [a, b], (c, h, w))
    def gpool(self, name, src):
        c, h, w = self.out(src)
        d = {"name": name, "op": "avgpool", "c": c, "h": h, "w": w, "r": h}
        if w != h: d["s"] = w
        seq = src == self.last()
        return self.add_layer(d, None if seq else [src], (c, 1, 1))
    def maxpool(self, name, src, r, stride):
        c, h, w = self.out(src)
        oh, ow = (h - r) // stride + 1, (w - r) // stride + 1
        d = {"name": name, "op": "maxpool", "c": c, "h": h, "w": w, "r": r, "stride": stride}
        seq = src == self.last()
        return self.add_layer(d, None if seq else [src], (c, oh, ow))
    def fc(self, name, src, n, act=None):
        c, h, w = self.out(src)
        d = {"name": name, "op": "gemm", "m": 1, "n": n, "k": c * h * w}
        if act: d["act"] = act
        seq = src == self.last()
        return self.add_layer(d, None if seq else [src], (n, 1, 1))

def fmt_layer(d):
    keys = ["name", "op", "m", "n", "c", "h", "w", "k", "r", "s", "stride", "pad", "groups", "act"]
    parts = ["%s: %s" % (k, d[k]) for k in keys if k in d]
    if "inputs" in d:
        parts.append("inputs: [%s]" % ", ".join(d["inputs"]))
    return "{" + ", ".join(parts) + "}"

def variant_body(net, indent):
    out = indent + "layers:\n"
    for l in net.layers:
        out += indent + "  - " + fmt_layer(l) + "\n"
    if net.skips:
        out += indent + "skip_blocks:\n"
        for (n, a, b, p) in net.skips:
            out += indent + "  - {name: %s, first: %s, last: %s, probability: %s}\n" % (n, a, b, p)
    if net.exits:
        out += indent + "early_exits:\n"
        for (n, a, p) in net.exits:
            out += indent + "  - {name: %s, after: %s, probability: %s}\n" % (n, a, p)
    return out

def bottleneck(net, prefix, src, t, cout, stride, skip_p):
    c = net.out(src)[0]
    x = src
    first = None
    if t != 1:
        x = net.conv(prefix + "_expand", x, c * t, 1, act="relu6"); first = x
    x = net.conv(prefix + "_dw", x, c * t, 3, stride=stride, groups=c * t, act="relu6")
    first = first or x
    x = net.conv(prefix + "_project", x, cout, 1)
    if stride == 1 and c == cout:
        x = net.add(prefix + "_add", x, src)
        if skip_p is not None:
            net.skips.append((prefix, first, x, skip_p))
    return x

MBV2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

def mobilenet_v2(width, res, depth=1.0, skip_p=None, classes=1000, head=True, stages=MBV2):
    net = Net()
    net.input = (3, res, res)
    x = net.conv("stem", "input", div8(32 * width), 3, stride=2, act="relu6")
    feats = []
    for si, (t, c, n, s) in enumerate(stages):
        reps = max(1, round(n * depth)) if n > 1 else n
        for i in range(reps):
            x = bottleneck(net, "s%db%d" % (si + 1, i + 1), x, t, div8(c * width), s if i == 0 else 1, skip_p)
        feats.append(x)
    if head:
        x = net.conv("head_conv", x, 1280 if width <= 1 else div8(1280 * width), 1, act="relu6")
        x = net.gpool("pool", x)
        net.fc("classifier", x, classes)
    return net, feats

def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    print("wrote", path)

def supernet():
    # (variant name, width, resolution, depth, published top-1)
    variants = [("w1.0-r224", 1.0, 224, 1.0, 0.718), ("w0.75-r192", 0.75, 192, 1.0, 0.687),
                ("w0.5-r160", 0.5, 160, 1.0, 0.610), ("w0.35-r128-d0.67", 0.35, 128, 0.67, None)]
    out = "name: SN_mobilenetv2_supernet\n"
    out += ('description: "MobileNetV2 supernet (once-for-all style): width / resolution / depth sub-networks; '
            'residual bottlenecks skippable (p 0.15, SkipNet-style)."\n')
    out += 'source: "DreamRT workloads/tools/make_models.py (MobileNetV2, Sandler et al. 2018)"\n'
    out += "variants:\n"
    for name, w, r, d, acc in variants:
        net, _ = mobilenet_v2(w, r, d, skip_p=0.15)
        out += "  - name: %s\n" % name
        if acc is None:
            acc = 0.508 * 0.98   # 0.35 @ 128 (50.8 %), minus about 1 point for the shallower depth
            acc = round(acc, 3)
        out += "    accuracy: %s\n" % acc
        out += variant_body(net, "    ")
    write("workloads/models/SN_mobilenetv2_supernet.yaml", out)

def drone_detector():
    out = "name: DRONE_ssdlite_detector\n"
    out += ('description: "SSDLite obstacle detector on a MobileNetV2 backbone (320x320): width variants, '
            'skippable residual blocks."\n')
    out += 'source: "DreamRT workloads/tools/make_models.py (SSDLite, Sandler et al. 2018)"\n'
    out += "variants:\n"
    for name, w, acc in [("w1.0", 1.0, 0.221), ("w0.5", 0.5, 0.168)]:   # COCO mAP: w1.0 published, w0.5 our estimate
        net, feats = mobilenet_v2(w, 320, 1.0, skip_p=0.1, head=False)
        # Two SSDLite heads (class + box), each depthwise 3x3 + pointwise, on the stride-16 and
        # stride-32 features; anchors 6, classes 8 (obstacle kinds).
        for fi, f in [(4, feats[4]), (6, feats[6])]:
            c = net.out(f)[0]
            for kind, kout in [("cls", 6 * 9), ("box", 6 * 4)]:
                x = net.conv("head%d_%s_dw" % (fi, kind), f, c, 3, groups=c, act="relu6")
                net.conv("head%d_%s_pw" % (fi, kind), x, kout, 1)
        out += "  - name: %s\n    accuracy: %s\n" % (name, acc)
        out += variant_body(net, "    ")
    write("workloads/models/DRONE_ssdlite_detector.yaml", out)

def drone_tracker():
    # SiamFC-style tracker: an AlexNet-like backbone on the 255x255 search region, the
    # cross-correlation with the 6x6x128 exemplar as a conv, and a refinement stage that an
    # early exit skips when the target is tracked confidently.
    net = Net()
    net.input = (3, 255, 255)
    net.layers.append({"name": "conv1", "op": "conv", "c": 3, "h": 255, "w": 255, "k": 48, "r": 11, "stride": 2, "act": "relu", "_out": (48, 123, 123)})
    net.maxpool("pool1", "conv1", 3, 2)
    l = net.layers[-1]; c, h, w = l["_out"]
    net.add_layer({"name": "conv2", "op": "conv", "c": c, "h": h, "w": w, "k": 128, "r": 5, "act": "relu"}, None, (128, h - 4, w - 4))
    net.maxpool("pool2", "conv2", 3, 2)
    c, h, w = net.layers[-1]["_out"]
    for i, k in [(3, 192), (4, 192)]:
        net.add_layer({"name": "conv%d" % i, "op": "conv", "c": c, "h": h, "w": w, "k": k, "r": 3, "act": "relu"}, None, (k, h - 2, w - 2))
        c, h, w = k, h - 2, w - 2
    net.add_layer({"name": "conv5", "op": "conv", "c": c, "h": h, "w": w, "k": 128, "r": 3}, None, (128, h - 2, w - 2))
    c, h, w = 128, h - 2, w - 2
    net.add_layer({"name": "xcorr", "op": "conv", "c": c, "h": h, "w": w, "k": 1, "r": 6}, None, (1, h - 5, w - 5))
    c, h, w = 1, h - 5, w - 5
    net.add_layer({"name": "refine1", "op": "conv", "c": 1, "h": h, "w": w, "k": 16, "r": 3, "pad": 1, "act": "relu"}, None, (16, h, w))
    net.add_layer({"name": "refine2", "op": "conv", "c": 16, "h": h, "w": w, "k": 16, "r": 3, "pad": 1, "act": "relu"}, None, (16, h, w))
    net.add_layer({"name": "refine3", "op": "conv", "c": 16, "h": h, "w": w, "k": 1, "r": 1}, None, (1, h, w))
    net.exits.append(("confident", "xcorr", 0.6))
    out = "name: DRONE_siamfc_tracker\n"
    out += ('description: "SiamFC-style single-object tracker (search region 255x255); early exit after the '
            'correlation when tracking is confident."\n')
    out += 'source: "DreamRT workloads/tools/make_models.py (SiamFC, Bertinetto et al. 2016)"\n'
    out += variant_body(net, "")
    write("workloads/models/DRONE_siamfc_tracker.yaml", out)

if __name__ == "__main__":
    os.makedirs("workloads/models", exist_ok=True)
    supernet()
    drone_detector()
    drone_tracker()
