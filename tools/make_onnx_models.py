#!/usr/bin/python3
"""Small but realistic float ONNX models as PyTorch exports them, for dfsim's tests and docs.

Built with onnx.helper (Debian's python3-onnx 1.12) from one description per model, which also
gives the float reference:
  resnet_block       conv-BN-ReLU stem, a ResNet basic block (conv-BN-ReLU, conv-BN, + skip,
                     ReLU), a downsampling block (3x3/2 and a 1x1/2 conv-BN shortcut), global
                     average pool, flatten, FC (torchvision's resnet18 layout, narrower)
  mobilenetv2_block  conv-BN-ReLU6 stem, a MobileNetV2 inverted residual (1x1 expand-BN-ReLU6,
                     3x3 depthwise-BN-ReLU6, 1x1 project-BN, + skip), global average pool,
                     reshape, FC
  squeezenet_fire    conv-BN-ReLU stem, a SqueezeNet fire module (1x1 squeeze, then a 1x1 and a
                     3x3 expand read the squeeze, their outputs joined by Concat on the
                     channels), a 3x3/2 conv-BN-ReLU on the joined channels, global average
                     pool, flatten, FC
Each in opsets 11, 13, 17, 18 and 19 (Clip's bounds as initializers in 11, Constant nodes from 13;
BN with training_mode 0 from 14; IR version 7, 8 from opset 15, 9 for 19, as exporters write
them), weights from a fixed seed. None of the ops used changed meaning in opsets 18 and 19 (18
moved Reduce*/Pad/Split arguments to inputs, 19 added float8 types and AveragePool dilations),
so those files are the opset-17 graphs under the newer opset, as a newer exporter writes them.
onnx 1.12 checks the graphs it knows (opsets up to 18); the opset-19 file is written unchecked. With each model, NAME_input.npy (a
1x3x16x16 float input, multiples of 1/127 in [-1, 1]: exactly the int8 codes dfsim assumes for
a float model's input) and NAME_expected.npy (the float output for it, computed here with numpy
in float64: convolutions, batch norm unfolded, clips and adds as ONNX defines them).

With --resnet18 it writes instead torchvision's resnet18 at 224 x 224 (random weights, conv-BN
everywhere, opset 17, 47 MB) with its input and float reference: the export that
workloads/resnet18.yaml describes (README, "ONNX models").

Usage: tools/make_onnx_models.py [--resnet18] OUTDIR   (same bytes every time)
"""
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_onnx_models.py: {e}: install Debian's python3-onnx (tools/install-deps.sh)")

OPSETS = (11, 13, 17, 18, 19)
SHAPE = (1, 3, 16, 16)
CLASSES = 10


def conv_bn(rng, name, cin, cout, k, stride=1, groups=1, act="relu"):
    """A conv (no bias, as torchvision's) with its batch norm and activation (relu, relu6, None)."""
    fan_in = cin // groups * k * k
    return {"op": "conv_bn", "name": name, "stride": stride, "pad": k // 2, "groups": groups, "act": act,
            "w": rng.normal(0, np.sqrt(2.0 / fan_in), (cout, cin // groups, k, k)),
            "gamma": rng.uniform(0.5, 1.5, cout), "beta": rng.normal(0, 0.1, cout),
            "mean": rng.normal(0, 0.1, cout), "var": rng.uniform(0.5, 1.5, cout)}


def resnet_block(rng):
    """(ops, skips): each op reads the op before it; 'add' ops name the op whose output they add."""
    return [conv_bn(rng, "stem", 3, 8, 3),
            conv_bn(rng, "layer1_conv1", 8, 8, 3),
            conv_bn(rng, "layer1_conv2", 8, 8, 3, act=None),
            {"op": "add", "name": "layer1_add", "skip": "stem", "act": "relu"},
            conv_bn(rng, "layer2_conv1", 8, 16, 3, stride=2),
            conv_bn(rng, "layer2_conv2", 16, 16, 3, act=None),
            dict(conv_bn(rng, "layer2_down", 8, 16, 1, stride=2, act=None), reads="layer1_add"),
            {"op": "add", "name": "layer2_add", "skip": "layer2_conv2", "act": "relu"},
            {"op": "gap", "name": "avgpool"},
            {"op": "flatten", "name": "flatten"},
            {"op": "fc", "name": "fc", "w": rng.normal(0, np.sqrt(1.0 / 16), (CLASSES, 16)),
             "b": rng.normal(0, 0.1, CLASSES)}]


def mobilenetv2_block(rng):
    return [conv_bn(rng, "stem", 3, 16, 3, act="relu6"),
            conv_bn(rng, "block_expand", 16, 96, 1, act="relu6"),
            conv_bn(rng, "block_dw", 96, 96, 3, groups=96, act="relu6"),
            conv_bn(rng, "block_project", 96, 16, 1, act=None),
            {"op": "add", "name": "block_add", "skip": "stem", "act": None},
            {"op": "gap", "name": "avgpool"},
            {"op": "reshape", "name": "reshape"},
            {"op": "fc", "name": "classifier", "w": rng.normal(0, np.sqrt(1.0 / 16), (CLASSES, 16)),
             "b": rng.normal(0, 0.1, CLASSES)}]


def squeezenet_fire(rng):
    return [conv_bn(rng, "stem", 3, 16, 3),
            conv_bn(rng, "fire_squeeze", 16, 4, 1),
            conv_bn(rng, "fire_expand1", 4, 8, 1),
            dict(conv_bn(rng, "fire_expand3", 4, 8, 3), reads="fire_squeeze"),
            {"op": "concat", "name": "fire_concat", "parts": ["fire_expand1", "fire_expand3"]},
            conv_bn(rng, "conv_out", 16, 16, 3, stride=2),
            {"op": "gap", "name": "avgpool"},
            {"op": "flatten", "name": "flatten"},
            {"op": "fc", "name": "fc", "w": rng.normal(0, np.sqrt(1.0 / 16), (CLASSES, 16)),
             "b": rng.normal(0, 0.1, CLASSES)}]


def basic_block(rng, name, cin, cout, stride):
    """A torchvision BasicBlock: conv3x3-BN-ReLU, conv3x3-BN, (1x1/2 conv-BN shortcut), add, ReLU."""
    block_in = "_in_" + name  # placeholder, resolved in resnet18()
    ops = [dict(conv_bn(rng, name + "_conv1", cin, cout, 3, stride=stride), reads=block_in),
           conv_bn(rng, name + "_conv2", cout, cout, 3, act=None)]
    skip = block_in
    if stride != 1 or cin != cout:
        ops.append(dict(conv_bn(rng, name + "_down", cin, cout, 1, stride=stride, act=None), reads=block_in))
        skip = name + "_down"
        ops.append({"op": "add", "name": name + "_add", "skip": name + "_conv2", "act": "relu"})
    else:
        ops.append({"op": "add", "name": name + "_add", "skip": skip, "act": "relu"})
    return ops


def resnet18(rng):
    """torchvision's resnet18 at 224 x 224 (random weights): conv1 7x7/2, max pool 3x3/2, four
    stages of two basic blocks, global average pool, FC 512-1000."""
    ops = [conv_bn(rng, "conv1", 3, 64, 7, stride=2),
           {"op": "maxpool", "name": "maxpool"}]
    prev, cin = "maxpool", 64
    for stage, cout in enumerate((64, 128, 256, 512), start=1):
        for b in range(2):
            name = f"layer{stage}_{b}"
            block = basic_block(rng, name, cin, cout, 2 if stage > 1 and b == 0 else 1)
            for o in block:
                if o.get("reads", "").startswith("_in_"):
                    o["reads"] = prev
                if o.get("skip", "").startswith("_in_"):
                    o["skip"] = prev
            ops += block
            prev, cin = name + "_add", cout
    return ops + [{"op": "gap", "name": "avgpool"}, {"op": "flatten", "name": "flatten"},
                  {"op": "fc", "name": "fc", "w": rng.normal(0, np.sqrt(1.0 / 512), (1000, 512)),
                   "b": rng.normal(0, 0.1, 1000)}]


MODELS = {"resnet_block": (resnet_block, 1), "mobilenetv2_block": (mobilenetv2_block, 2),
          "squeezenet_fire": (squeezenet_fire, 3)}
# Built with --resnet18 only (47 MB, opset 17, with its reference): the full-size network, for
# comparing an export with workloads/resnet18.yaml (README, "ONNX models").
LARGE = {"resnet18": (resnet18, 4, (1, 3, 224, 224), 1000)}


# ---------------------------------------------------------------- ONNX graph
class Graph:
    def __init__(self, opset):
        self.opset, self.nodes, self.inits = opset, [], []

    def init(self, name, value, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op, ins, out, name, **attrs):
        self.nodes.append(helper.make_node(op, ins, [out], name=name, **attrs))
        return out

    def clip6(self, x, name):
        if self.opset < 13:  # bounds as initializers
            lo, hi = self.init(name + "_min", 0.0), self.init(name + "_max", 6.0)
        else:  # bounds as Constant nodes, as torch.onnx.export writes them
            lo = self.node("Constant", [], name + "_min", name + "_min",
                           value=numpy_helper.from_array(np.array(0.0, np.float32)))
            hi = self.node("Constant", [], name + "_max", name + "_max",
                           value=numpy_helper.from_array(np.array(6.0, np.float32)))
        return self.node("Clip", [x, lo, hi], name + "_out", name)

    def conv_bn(self, x, o):
        n = o["name"]
        k = o["w"].shape[2]
        y = self.node("Conv", [x, self.init(n + ".weight", o["w"])], n + "_conv_out", n,
                      kernel_shape=[k, k], strides=[o["stride"]] * 2, pads=[o["pad"]] * 4, group=o["groups"],
                      dilations=[1, 1])
        bn_ins = [y] + [self.init(n + "_bn." + p, o[p]) for p in ("gamma", "beta", "mean", "var")]
        attrs = {"epsilon": 1e-5, "momentum": 0.9}
        if self.opset >= 14:
            attrs["training_mode"] = 0
        y = self.node("BatchNormalization", bn_ins, n + "_bn_out", n + "_bn", **attrs)
        if o["act"] == "relu":
            return self.node("Relu", [y], n + "_relu_out", n + "_relu")
        if o["act"] == "relu6":
            return self.clip6(y, n + "_relu6")
        return y


def build(ops, opset, shape=SHAPE, classes=CLASSES):
    g = Graph(opset)
    outs, x = {}, "input"
    for o in ops:
        n = o["name"]
        if "reads" in o:
            x = outs[o["reads"]]
        if o["op"] == "conv_bn":
            x = g.conv_bn(x, o)
        elif o["op"] == "add":
            x = g.node("Add", [x, outs[o["skip"]]], n + "_out", n)
            if o["act"] == "relu":
                x = g.node("Relu", [x], n + "_relu_out", n + "_relu")
        elif o["op"] == "concat":
            x = g.node("Concat", [outs[p] for p in o["parts"]], n + "_out", n, axis=1)
        elif o["op"] == "gap":
            x = g.node("GlobalAveragePool", [x], n + "_out", n)
        elif o["op"] == "maxpool":
            x = g.node("MaxPool", [x], n + "_out", n, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
        elif o["op"] == "flatten":
            x = g.node("Flatten", [x], n + "_out", n, axis=1)
        elif o["op"] == "reshape":
            x = g.node("Reshape", [x, g.init(n + "_shape", [1, -1], np.int64)], n + "_out", n)
        elif o["op"] == "fc":
            x = g.node("Gemm", [x, g.init(n + ".weight", o["w"]), g.init(n + ".bias", o["b"])], "output", n,
                       alpha=1.0, beta=1.0, transB=1)
        outs[n] = x
    graph = helper.make_graph(g.nodes, "dfsim_test", [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, classes])], g.inits)
    model = helper.make_model(graph, producer_name="dfsim tools/make_onnx_models.py",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9 if opset >= 19 else 8 if opset >= 15 else 7
    if opset <= 18:  # onnx 1.12's checker knows IR version 8 (opsets up to 18 as used here)
        onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------- float reference (numpy, float64)
def conv2d(x, w, stride, pad, groups):
    n, c, h, wd = x.shape
    m, cg, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    e, f = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, m, e, f))
    mg = m // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for r in range(k):
            for s in range(k):
                patch = xs[:, :, r:r + stride * e:stride, s:s + stride * f:stride]  # n, cg, e, f
                y[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, w[g * mg:(g + 1) * mg, :, r, s])
    return y


def reference(ops, x):
    outs = {}
    for o in ops:
        n = o["name"]
        if "reads" in o:
            x = outs[o["reads"]]
        if o["op"] == "conv_bn":
            y = conv2d(x, o["w"], o["stride"], o["pad"], o["groups"])
            c = lambda v: v.reshape(1, -1, 1, 1)  # noqa: E731
            x = c(o["gamma"]) * (y - c(o["mean"])) / np.sqrt(c(o["var"]) + 1e-5) + c(o["beta"])
        elif o["op"] == "add":
            x = x + outs[o["skip"]]
        elif o["op"] == "concat":
            x = np.concatenate([outs[p] for p in o["parts"]], axis=1)
        elif o["op"] == "gap":
            x = x.mean(axis=(2, 3), keepdims=True)
        elif o["op"] == "maxpool":
            xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
            e = (x.shape[2] + 2 - 3) // 2 + 1
            x = np.max([xp[:, :, r:r + 2 * e:2, s:s + 2 * e:2] for r in range(3) for s in range(3)], axis=0)
        elif o["op"] in ("flatten", "reshape"):
            x = x.reshape(x.shape[0], -1)
        elif o["op"] == "fc":
            x = x @ o["w"].T + o["b"]
        if o.get("act") == "relu":
            x = np.maximum(x, 0)
        elif o.get("act") == "relu6":
            x = np.clip(x, 0, 6)
        outs[n] = x
    return x


def main():
    large = "--resnet18" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--resnet18"]
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    if large:
        for name, (make, seed, shape, classes) in LARGE.items():
            rng = np.random.default_rng(seed)
            ops = make(rng)
            x = rng.integers(-127, 128, shape) / 127.0
            onnx.save(build(ops, 17, shape, classes), os.path.join(out, f"{name}_opset17.onnx"))
            np.save(os.path.join(out, f"{name}_input.npy"), x.astype(np.float32))
            np.save(os.path.join(out, f"{name}_expected.npy"), reference(ops, x))
        return
    for name, (make, seed) in MODELS.items():
        rng = np.random.default_rng(seed)
        ops = make(rng)
        x = rng.integers(-127, 128, SHAPE) / 127.0
        for opset in OPSETS:
            onnx.save(build(ops, opset), os.path.join(out, f"{name}_opset{opset}.onnx"))
        np.save(os.path.join(out, f"{name}_input.npy"), x.astype(np.float32))
        np.save(os.path.join(out, f"{name}_expected.npy"), reference(ops, x))


if __name__ == "__main__":
    main()
