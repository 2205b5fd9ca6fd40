"""Static int8 quantisation of an ONNX network into QDQ form, with python3-onnx and numpy only.

    python3 -m ocrserve_convert.quantize prepare IN.onnx PREPARED.onnx OBSERVED.onnx
    python3 -m ocrserve_convert.quantize qdq PREPARED.onnx RANGES.json OUT.onnx [--float-first N]
        [--float-after-last-pool] [--clip-first N]
    python3 -m ocrserve_convert.quantize int8-share OPTIMIZED.onnx

`prepare` rewrites the float network into an equivalent one that quantises well: constants
become initializers, the opset moves to 13, per-channel scales and shifts (BatchNormalization,
Mul/Add by constants) that follow a convolution fold into its weights, PaddlePaddle's spelled-out
hard-swish (four nodes) becomes x * HardSigmoid(x), and a ConvTranspose whose kernel equals its
stride becomes a 1x1 Conv and DepthToSpace. It also writes OBSERVED: the same network with every
tensor that may be quantised added as a graph output, which `ocrserve package --quantize` runs
over the calibration images in our own ONNX Runtime to measure each tensor's range.

`qdq` inserts QuantizeLinear/DequantizeLinear pairs: weights of Conv and MatMul as int8,
symmetric, per output channel; activations (the inputs and outputs of those nodes, of binary
Add/Mul, Concat, Resize and pools) as uint8 with the calibrated range. ONNX Runtime fuses each
DQ -> op -> Q into its int8 kernel (QLinearConv, QLinearMatMul, QLinearAdd, ...). The learnable
affine after PP-LCNetV3's activations folds into the QuantizeLinear that follows it, and
hard-swish runs as a uint8 gate and product (qdq's helpers say how).

`int8-share` prints how many of an optimised graph's convolutions and products run in int8.
"""
import argparse
import collections
import json
import sys

try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
except ImportError as missing:  # the exit status `ocrserve package` reads as "install python3-onnx"
    print(f'quantize: {missing}', file=sys.stderr)
    sys.exit(4)


class QuantizeError(ValueError):
    """A network this quantiser cannot rewrite."""


# --- graph helpers ------------------------------------------------------------------------------

class Graph:
    """Index of a graph's producers, consumers and initializers, rebuilt after each rewrite."""

    def __init__(self, model):
        self.model = model
        self.graph = model.graph
        self.refresh()

    def refresh(self):
        self.inits = {t.name: t for t in self.graph.initializer}
        self.producer = {o: n for n in self.graph.node for o in n.output}
        self.consumers = {}
        for n in self.graph.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.outputs = {o.name for o in self.graph.output}

    def const(self, name):
        return numpy_helper.to_array(self.inits[name]) if name in self.inits else None

    def set_const(self, name, value):
        tensor = numpy_helper.from_array(np.array(value, order='C'), name)  # 0-d stays 0-d (scalar scales)
        if name in self.inits:
            self.inits[name].CopyFrom(tensor)
        else:
            self.graph.initializer.append(tensor)
            self.inits[name] = self.graph.initializer[-1]

    def only_consumer(self, tensor):
        users = self.consumers.get(tensor, [])
        return users[0] if len(users) == 1 and tensor not in self.outputs else None

    def set_nodes(self, nodes):
        """Replaces the node list. The graph holds copies: references to old nodes go stale."""
        nodes = [onnx.NodeProto.FromString(n.SerializeToString()) for n in nodes]
        del self.graph.node[:]
        self.graph.node.extend(nodes)
        self.refresh()

    def remove(self, nodes):
        drop = {id(n) for n in nodes}
        self.set_nodes([n for n in self.graph.node if id(n) not in drop])


def attribute(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


# --- prepare: an equivalent float network that quantises well ----------------------------------

def drop_unused_initializers(g):
    used = {i for n in g.graph.node for i in n.input} | g.outputs
    kept = [t for t in g.graph.initializer if t.name in used]
    del g.graph.initializer[:]
    g.graph.initializer.extend(kept)
    g.refresh()


def constants_to_initializers(g):
    constants = [n for n in g.graph.node if n.op_type == 'Constant' and attribute(n, 'value') is not None]
    for n in constants:
        g.set_const(n.output[0], numpy_helper.to_array(attribute(n, 'value')))
    g.remove(constants)


# Per-channel DequantizeLinear (its axis attribute) needs opset 13. PaddlePaddle exports opset 9
# or 11; these are the nodes of those opsets whose form changed by 13 (same meaning, attributes
# became inputs). A network with any other changed operator is refused rather than guessed at.
QDQ_OPSET = 13
CHANGED_BY_13 = {'Split', 'Pad', 'Upsample', 'ReduceSum', 'TopK', 'Resize', 'Scatter', 'LogSoftmax', 'Hardmax'}


ELEMENTWISE = {'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Relu', 'Sigmoid', 'HardSigmoid', 'Clip', 'Cast',
               'Softmax', 'BatchNormalization', 'Conv', 'ConvTranspose'}


def tensor_ranks(g):
    """rank(name): a tensor's number of dimensions where the graph makes it plain, else None.
    ONNX's shape inference loses it behind Reshapes of computed shapes; this follows the nodes."""
    inputs = {i.name: len(i.type.tensor_type.shape.dim) for i in g.graph.input if i.type.tensor_type.HasField('shape')}
    known = {}

    def rank(name):
        if name in known:
            return known[name]
        known[name] = None  # cycles cannot occur in a valid graph; this also stops runaway recursion
        value = g.const(name)
        n = g.producer.get(name)
        if value is not None:
            result = value.ndim
        elif name in inputs:
            result = inputs[name]
        elif n is None:
            result = None
        elif n.op_type == 'Transpose' and attribute(n, 'perm') is not None:
            result = len(attribute(n, 'perm'))
        elif n.op_type in ('Squeeze', 'Unsqueeze') and attribute(n, 'axes') is not None and rank(n.input[0]) is not None:
            sign = -1 if n.op_type == 'Squeeze' else 1
            result = rank(n.input[0]) + sign * len(attribute(n, 'axes'))
        elif n.op_type == 'Reshape':
            result = length(n.input[1])
        elif n.op_type == 'Slice':
            result = rank(n.input[0])
        elif n.op_type in ELEMENTWISE or n.op_type == 'MatMul':
            ranks = [rank(i) for i in n.input if i]
            result = None if None in ranks else max(ranks)
        else:
            result = None
        known[name] = result
        return result

    def length(name):
        """The number of elements of a 1-D shape tensor (how Reshape's output rank is known)."""
        value = g.const(name)
        n = g.producer.get(name)
        if value is not None:
            return value.size
        if n is None:
            return None
        if n.op_type == 'Cast':
            return length(n.input[0])
        if n.op_type == 'Concat':
            pieces = [length(i) for i in n.input]
            return None if None in pieces else sum(pieces)
        if n.op_type == 'Slice' and attribute(n, 'starts') is not None and len(attribute(n, 'starts')) == 1:
            start, end = attribute(n, 'starts')[0], attribute(n, 'ends')[0]
            return end - start if 0 <= start <= end < 2**31 else None
        return None

    return rank


def upgrade_to_opset_13(g):
    version = next((o.version for o in g.model.opset_import if o.domain in ('', 'ai.onnx')), None)
    if version is None or version >= QDQ_OPSET:
        return
    # Ranks are read before the loop below rewrites Squeeze and Slice attributes into inputs.
    rank = tensor_ranks(g)
    softmax_rank = {n.input[0]: rank(n.input[0]) for n in g.graph.node if n.op_type == 'Softmax'}
    for n in g.graph.node:
        if n.op_type == 'Clip' and version < 11:
            low, high = attribute(n, 'min', float(np.finfo(np.float32).min)), attribute(n, 'max', float(np.finfo(np.float32).max))
            for name, value in (('_min', low), ('_max', high)):
                g.set_const(n.output[0] + name, np.array(value, np.float32))
            n.input.extend([n.output[0] + '_min', n.output[0] + '_max'])
        elif n.op_type == 'Slice' and version < 10:
            values = [attribute(n, 'starts'), attribute(n, 'ends'), attribute(n, 'axes')]
            for name, value in zip(('_starts', '_ends', '_axes'), values):
                if value is None:
                    raise QuantizeError(f'Slice {n.name} without {name[1:]}')
                g.set_const(n.output[0] + name, np.array(value, np.int64))
                n.input.append(n.output[0] + name)
        elif n.op_type == 'Resize' and attribute(n, 'coordinate_transformation_mode') != b'tf_half_pixel_for_nn' \
                and len(n.input) >= 3:
            continue  # Resize 11 (X, roi, scales[, sizes]) reads the same in 13
        elif n.op_type in ('Squeeze', 'Unsqueeze') and attribute(n, 'axes') is not None:
            g.set_const(n.output[0] + '_axes', np.array(attribute(n, 'axes'), np.int64))
            n.input.append(n.output[0] + '_axes')
        elif n.op_type == 'Softmax':
            # Before 13 softmax flattened the dimensions from axis on; the same as 13's only on the last.
            axis = attribute(n, 'axis', 1)
            if axis != -1 and softmax_rank[n.input[0]] != axis + 1:
                raise QuantizeError(f'Softmax {n.name} over axis {axis} of a tensor of unknown or higher rank')
        elif n.op_type in CHANGED_BY_13:
            raise QuantizeError(f'cannot move {n.op_type} from opset {version} to {QDQ_OPSET}')
        else:
            continue
        for name in ('min', 'max', 'starts', 'ends', 'axes'):
            if n.op_type != 'Softmax':
                kept = [a for a in n.attribute if a.name != name]
                del n.attribute[:]
                n.attribute.extend(kept)
    for o in g.model.opset_import:
        if o.domain in ('', 'ai.onnx'):
            o.version = QDQ_OPSET
    g.refresh()


def per_channel(value, channels):
    """A constant that scales or shifts channel c of an NCHW tensor, as a length-C vector (or None)."""
    if value is None:
        return None
    if value.size == 1:
        return np.full(channels, value.reshape(()), dtype=np.float32)
    shape = [d for d in value.shape]
    while shape and shape[0] == 1 and len(shape) > 3:
        shape.pop(0)
    if value.size == channels and len(shape) == 3 and shape[0] == channels and shape[1] == shape[2] == 1:
        return value.reshape(channels).astype(np.float32)
    return None


def fold_into_conv(g):
    """Conv followed by BatchNormalization, Mul(const) or Add(const): one Conv with new weights."""
    changed = True
    while changed:
        changed = False
        for conv in list(g.graph.node):
            if conv.op_type != 'Conv' or g.const(conv.input[1]) is None or attribute(conv, 'group', 1) < 0:
                continue
            nxt = g.only_consumer(conv.output[0])
            if nxt is None:
                continue
            w = g.const(conv.input[1]).astype(np.float32)
            channels = w.shape[0]
            b = g.const(conv.input[2]).astype(np.float32) if len(conv.input) > 2 and conv.input[2] else np.zeros(channels, np.float32)
            if nxt.op_type == 'BatchNormalization' and all(g.const(i) is not None for i in nxt.input[1:5]):
                gamma, beta, mean, var = (g.const(i).astype(np.float32) for i in nxt.input[1:5])
                scale = gamma / np.sqrt(var + attribute(nxt, 'epsilon', 1e-5))
                shift = beta - mean * scale
            elif nxt.op_type in ('Mul', 'Add'):
                other = nxt.input[1] if nxt.input[0] == conv.output[0] else nxt.input[0]
                value = per_channel(g.const(other), channels)
                if value is None:
                    continue
                scale, shift = (value, np.zeros(channels, np.float32)) if nxt.op_type == 'Mul' else \
                    (np.ones(channels, np.float32), value)
            else:
                continue
            weight_name = conv.input[1] + '_folded'
            bias_name = conv.output[0] + '_bias_folded'
            g.set_const(weight_name, w * scale.reshape((-1,) + (1,) * (w.ndim - 1)))
            g.set_const(bias_name, b * scale + shift)
            conv.input[1] = weight_name
            if len(conv.input) > 2:
                conv.input[2] = bias_name
            else:
                conv.input.append(bias_name)
            # The conv now writes what the folded node wrote (changed before remove(), which copies).
            conv.output[0] = nxt.output[0]
            g.remove([nxt])
            changed = True
            break


def transposed_conv_as_depth_to_space(g):
    """ConvTranspose whose kernel equals its stride, unpadded (DB's upsampling head): each input
    pixel writes its own k x k block, so it equals a 1x1 Conv to k*k times the channels followed
    by DepthToSpace. A Conv quantises into ONNX Runtime's QLinearConv; a ConvTranspose has no
    int8 kernel there."""
    rewritten = []
    for n in g.graph.node:
        w = g.const(n.input[1]) if n.op_type == 'ConvTranspose' and len(n.input) > 1 else None
        if w is None or w.ndim != 4:
            continue
        k = list(attribute(n, 'kernel_shape', w.shape[2:]))
        if k[0] != k[1] or list(attribute(n, 'strides', [1, 1])) != k or attribute(n, 'group', 1) != 1 or \
                any(attribute(n, 'pads', [0, 0, 0, 0])) or any(attribute(n, 'output_padding', [0, 0])) or \
                list(attribute(n, 'dilations', [1, 1])) != [1, 1] or attribute(n, 'output_shape') is not None or \
                attribute(n, 'auto_pad', b'NOTSET') not in (b'NOTSET', 'NOTSET'):
            continue
        block = k[0]
        c_in, c_out = w.shape[0], w.shape[1]
        # Output channel c*block*block + a*block + b of the Conv is pixel (a, b) of channel c's block.
        g.set_const(n.input[1] + '_as_conv', w.transpose(1, 2, 3, 0).reshape(c_out * block * block, c_in, 1, 1))
        inputs = [n.input[0], n.input[1] + '_as_conv']
        if len(n.input) > 2 and n.input[2]:
            g.set_const(n.input[2] + '_as_conv', np.repeat(g.const(n.input[2]), block * block))
            inputs.append(n.input[2] + '_as_conv')
        blocks = n.output[0] + '_blocks'
        rewritten.append((n, [helper.make_node('Conv', inputs, [blocks], kernel_shape=[1, 1]),
                              helper.make_node('DepthToSpace', [blocks], [n.output[0]], blocksize=block, mode='CRD')]))
    replace = {id(n): new for n, new in rewritten}
    g.set_nodes([m for n in g.graph.node for m in replace.get(id(n), [n])])


def channel_op_before_depth_to_space(g):
    """A Conv's DepthToSpace followed by a per-channel BatchNormalization, Add or Mul: the channel
    op moved before it (each channel repeated over its block), where fold_into_conv takes it.
    Whether one was moved."""
    nodes = list(g.graph.node)
    for d2s in nodes:
        nxt = g.only_consumer(d2s.output[0]) if d2s.op_type == 'DepthToSpace' else None
        producer = g.producer.get(d2s.input[0]) if nxt is not None else None
        if producer is None or producer.op_type != 'Conv' or g.const(producer.input[1]) is None or \
                attribute(d2s, 'mode', b'DCR') not in (b'CRD', 'CRD'):
            continue
        block = attribute(d2s, 'blocksize', 1)
        channels = g.const(producer.input[1]).shape[0] // (block * block)
        if nxt.op_type == 'BatchNormalization' and all(g.const(i) is not None and g.const(i).size == channels
                                                       for i in nxt.input[1:5]):
            repeated = {name: np.repeat(g.const(name), block * block) for name in nxt.input[1:5]}
        elif nxt.op_type in ('Add', 'Mul') and per_channel(g.const(nxt.input[1]), channels) is not None:
            value = per_channel(g.const(nxt.input[1]), channels)
            repeated = {nxt.input[1]: np.repeat(value, block * block).reshape(-1, 1, 1)}
        else:
            continue
        moved, after = onnx.NodeProto(), onnx.NodeProto()
        moved.CopyFrom(nxt)
        moved.input[0] = d2s.input[0]
        for i, name in enumerate(moved.input):
            if name in repeated:
                g.set_const(name + '_per_block', repeated[name])
                moved.input[i] = name + '_per_block'
        moved.output[0] = d2s.output[0] + '_channels'
        after.CopyFrom(d2s)
        after.input[0] = moved.output[0]
        after.output[0] = nxt.output[0]
        g.set_nodes([moved if n is d2s else after if n is nxt else n for n in nodes])
        return True
    return False


def is_const_value(g, name, value):
    v = g.const(name)
    return v is not None and v.size == 1 and abs(float(v.reshape(())) - value) < 1e-6


def fuse_hard_swish(g):
    """x * clip(x + 3, 0, 6) / 6 (PaddlePaddle's export of hardswish) -> x * HardSigmoid(x)."""
    fused = []
    for add in list(g.graph.node):
        if add.op_type != 'Add' or not is_const_value(g, add.input[1], 3.0):
            continue
        x = add.input[0]
        clip = g.only_consumer(add.output[0])
        if clip is None or clip.op_type != 'Clip' or len(clip.input) < 3 or \
                not is_const_value(g, clip.input[1], 0.0) or not is_const_value(g, clip.input[2], 6.0):
            continue
        mul = g.only_consumer(clip.output[0])
        if mul is None or mul.op_type != 'Mul' or set(mul.input) != {x, clip.output[0]}:
            continue
        div = g.only_consumer(mul.output[0])
        if div is None or div.op_type != 'Div' or div.input[0] != mul.output[0] or not is_const_value(g, div.input[1], 6.0):
            continue
        # HardSwish itself needs opset 14; HardSigmoid (opset 6) gives the same in two nodes.
        gate = helper.make_node('HardSigmoid', [x], [div.output[0] + '_gate'], alpha=1.0 / 6.0, beta=0.5)
        swish = [gate, helper.make_node('Mul', [x, gate.output[0]], [div.output[0]])]
        fused.append((add, [add, clip, mul, div], swish))
    replaced = {id(n) for _, nodes, _ in fused for n in nodes}
    swish_at = {id(first): swish for first, _, swish in fused}
    result = []
    for n in g.graph.node:
        if id(n) in swish_at:
            result.extend(swish_at[id(n)])
        if id(n) not in replaced:
            result.append(n)
    g.set_nodes(result)


def prepare(model):
    """The float network rewritten for quantisation; equal outputs up to float rounding."""
    g = Graph(model)
    constants_to_initializers(g)
    upgrade_to_opset_13(g)
    transposed_conv_as_depth_to_space(g)
    fold_into_conv(g)
    while channel_op_before_depth_to_space(g):
        fold_into_conv(g)
    fuse_hard_swish(g)
    drop_unused_initializers(g)
    onnx.checker.check_model(model)
    return model


# Nodes whose inputs and outputs are quantised. Weighted ones (Conv, ConvTranspose, MatMul with a
# constant right side) get int8 weights; the others run in ONNX Runtime's uint8 kernels
# (QLinearAdd, QLinearMul, QLinearConcat, QLinearGlobalAveragePool, uint8 Resize and pooling).
WEIGHTED_OPS = ('Conv', 'ConvTranspose', 'MatMul')
ACTIVATION_OPS = ('Add', 'Mul', 'Concat', 'Resize', 'GlobalAveragePool', 'AveragePool', 'MaxPool')


def gated_pair(g, a, b):
    """Whether one of two tensors is a sigmoid of the other (a gated activation: hard-swish)."""
    def gate_of(x, y):
        n = g.producer.get(y)
        return n is not None and n.op_type in ('HardSigmoid', 'Sigmoid') and n.input[0] == x
    return gate_of(a, b) or gate_of(b, a)


def float_tensors(g):
    """Names of the float tensors (ONNX's type inference; shape arithmetic is int64)."""
    inferred = onnx.shape_inference.infer_shapes(g.model).graph
    return {v.name for v in list(inferred.value_info) + list(inferred.input) + list(inferred.output)
            if v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT}


class Choice:
    """Which nodes stay float, and whose ranges are clipped. Measured on the dev sets, networks
    lose most accuracy in their first layers, at full resolution, where every later layer
    inherits the rounding and where a few extreme pixels stretch the ranges (a detector's first
    convolutions reach +-180 where 99.9% of the values lie within +-40). A detector reads best with
    those ranges clipped to the tails' 0.1% (`clip_first`), a recogniser with its first layers
    float (`float_first`) and its sequence part after the backbone's last pooling (attention, and
    the classifier over thousands of characters) float too, which costs little."""

    def __init__(self, float_first=0, float_after_last_pool=False, clip_first=0, dynamic_matmuls=False):
        self.float_first = float_first
        self.float_after_last_pool = float_after_last_pool
        self.clip_first = clip_first
        # The matrix products left float quantised dynamically instead (ONNX Runtime's
        # DynamicQuantizeMatMul: int8 weights, each input quantised as it comes): the recogniser's
        # attention and classifier read as well so and run a little faster.
        self.dynamic_matmuls = dynamic_matmuls


def quantized_nodes(g, choice=Choice()):
    """The nodes that run quantised, in graph order."""
    floats = float_tensors(g)
    nodes = []
    for n in g.graph.node:
        activations = [i for i in n.input if i and g.const(i) is None]
        if any(i not in floats for i in activations) or n.output[0] not in floats:
            continue
        if n.op_type in WEIGHTED_OPS and len(n.input) > 1 and g.const(n.input[1]) is not None:
            if n.op_type == 'ConvTranspose' and attribute(n, 'group', 1) != 1:
                continue
            nodes.append(n)
        elif n.op_type in ('Add', 'Mul'):
            # Of two different tensors only; hard-swish's x * HardSigmoid(x) is uint8_gates' to quantise.
            if len(activations) == 2 and not gated_pair(g, *activations):
                nodes.append(n)
        elif n.op_type in ACTIVATION_OPS and len(activations) >= 1:
            nodes.append(n)
    nodes = nodes[choice.float_first:]
    pools = [k for k, n in enumerate(nodes) if n.op_type in ('AveragePool', 'MaxPool')]
    if choice.float_after_last_pool and pools:
        nodes = nodes[:pools[-1] + 1]
    return nodes


def quantized_tensors(g, nodes):
    """Activations that get a uint8 form: the first input (Resize, pools), every input (Add, Mul,
    Concat) or the data input (weighted ops) of the quantised nodes, and their outputs."""
    names = []
    for n in nodes:
        if n.op_type in ('Resize',) or n.op_type in WEIGHTED_OPS or n.op_type.endswith('Pool'):
            inputs = [n.input[0]]
        else:
            inputs = [i for i in n.input if i and g.const(i) is None]
        for t in inputs + [n.output[0]]:
            if t not in names and g.const(t) is None:
                names.append(t)
    return names


def observed_tensors(model):
    """The activations whose ranges calibration must collect."""
    g = Graph(model)
    return quantized_tensors(g, quantized_nodes(g))


def with_observed_outputs(model, names):
    observed = onnx.ModelProto()
    observed.CopyFrom(model)
    present = {o.name for o in observed.graph.output}
    for name in names:
        if name not in present:
            observed.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    return observed


# --- qdq: quantise with calibrated ranges -------------------------------------------------------

def activation_parameters(low, high):
    """uint8 scale and zero point covering [low, high] (which always includes 0, as ORT requires)."""
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = (high - low) / 255.0 if high > low else 1.0
    zero_point = int(round(-low / scale))
    return np.float32(scale), np.uint8(min(max(zero_point, 0), 255))


def weight_parameters(w, axis):
    """int8 symmetric per-channel scales along axis (zero points 0), and the quantised weight."""
    moved = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
    peak = np.abs(moved).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return scale, np.zeros(w.shape[axis], np.int8), q


def scalar(g, name):
    value = g.const(name)
    return float(value.reshape(())) if value is not None and value.size == 1 else None


def affine_source(g, y):
    """(t, s, a) when y = s * t + a with scalar constants s > 0 and a (PP-LCNetV3's learnable
    affine after each activation), t read by nothing else; else None."""
    add = g.producer.get(y)
    if add is None or add.op_type != 'Add' or y in g.outputs:
        return None
    a = [scalar(g, i) for i in add.input]
    if a.count(None) != 1:
        return None
    u = add.input[a.index(None)]
    mul = g.producer.get(u)
    if mul is None or mul.op_type != 'Mul' or g.only_consumer(u) is not add:
        return None
    s = [scalar(g, i) for i in mul.input]
    if s.count(None) != 1:
        return None
    t = mul.input[s.index(None)]
    scale = next(v for v in s if v is not None)
    if scale <= 0 or g.only_consumer(t) is not mul:
        return None
    return t, scale, next(v for v in a if v is not None), [mul, add]


def floor_of_readers(g, y):
    """The value below which y's readers all give the same result (hard-swish gives 0 for
    x <= -beta/alpha, Relu for x <= 0), or None. Quantising y's range from there spends every
    uint8 level where it makes a difference."""
    readers = g.consumers.get(y, [])
    if y in g.outputs or not readers:
        return None
    if all(n.op_type == 'Relu' for n in readers):
        return 0.0
    sigmoids = [n for n in readers if n.op_type == 'HardSigmoid']
    if len(readers) == 2 and len(sigmoids) == 1:
        gate = sigmoids[0]
        mul = next(n for n in readers if n is not gate)
        if mul.op_type == 'Mul' and set(mul.input) == {y, gate.output[0]}:
            return -attribute(gate, 'beta', 0.5) / attribute(gate, 'alpha', 0.2)
    return None


def uint8_gates(g, tensors, affine_inputs):
    """Hard-swish x * HardSigmoid(x) between quantised tensors, done in uint8: the gate becomes a
    1x1 depthwise Conv (weight alpha, bias beta) quantised to [0, 1], whose saturation is the
    clip, and the product a QLinearMul. Two uint8 passes instead of four float ones. A product is
    only worth it where it is quantised: a quantised tensor, or one of `affine_inputs` (those an
    affine folded into a QuantizeLinear reads). Returns the gate tensors."""
    quantized = set(tensors)
    gates = []
    for sigmoid in list(g.graph.node):
        x = sigmoid.input[0]
        mul = g.only_consumer(sigmoid.output[0])
        conv = g.producer.get(x)
        if sigmoid.op_type != 'HardSigmoid' or x not in quantized or mul is None or mul.op_type != 'Mul' or \
                set(mul.input) != {x, sigmoid.output[0]} or conv is None or conv.op_type != 'Conv' or \
                g.const(conv.input[1]) is None:
            continue
        if mul.output[0] not in quantized and mul.output[0] not in affine_inputs:
            continue  # the product would stay float: nothing gained
        channels = g.const(conv.input[1]).shape[0]
        gate = sigmoid.output[0]
        g.set_const(gate + '_weight', np.full((channels, 1, 1, 1), attribute(sigmoid, 'alpha', 0.2), np.float32))
        g.set_const(gate + '_bias', np.full(channels, attribute(sigmoid, 'beta', 0.5), np.float32))
        sigmoid.op_type = 'Conv'
        del sigmoid.attribute[:]
        sigmoid.attribute.extend([helper.make_attribute('group', int(channels)),
                                  helper.make_attribute('kernel_shape', [1, 1])])
        sigmoid.input.extend([gate + '_weight', gate + '_bias'])
        gates.append(gate)
    return gates


def dynamic_matmuls(g):
    """Every float MatMul by a constant 2-D weight as DynamicQuantizeMatMul (com.microsoft), its
    weight int8 per column."""
    nodes = []
    for n in g.graph.node:
        w = g.const(n.input[1]) if n.op_type == 'MatMul' else None
        if w is None or w.ndim != 2:
            nodes.append(n)
            continue
        scale, zero, q = weight_parameters(w.astype(np.float32), 1)
        for suffix, value in (('_int8', q), ('_int8_scale', scale), ('_int8_zero_point', zero)):
            g.set_const(n.input[1] + suffix, value)
        nodes.append(helper.make_node('DynamicQuantizeMatMul', [n.input[0]] + [n.input[1] + s for s in
                                      ('_int8', '_int8_scale', '_int8_zero_point')], list(n.output),
                                      domain='com.microsoft'))
    if any(n.domain == 'com.microsoft' for n in nodes) and \
            not any(o.domain == 'com.microsoft' for o in g.model.opset_import):
        g.model.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    g.set_nodes(nodes)


def qdq(model, ranges, choice=Choice()):
    """A prepared network quantised with calibrated ranges: QDQ pairs for ONNX Runtime to fuse.
    A quantised tensor made by a scalar affine y = s*t + a is quantised straight from t, the
    affine folded into that QuantizeLinear's scale and zero point: one pass instead of three."""
    g = Graph(model)
    nodes = quantized_nodes(g, choice)
    tensors = quantized_tensors(g, nodes)
    clipped = set(quantized_tensors(g, nodes[:choice.clip_first]))
    missing = [t for t in tensors if t not in ranges]
    if missing:
        raise QuantizeError(f'no calibrated range for {len(missing)} tensors, e.g. {missing[0]}')
    floors = {y: floor_of_readers(g, y) for y in tensors}  # before the gates replace the HardSigmoids
    affines = {y: affine_source(g, y) for y in tensors}
    gates = uint8_gates(g, tensors, {found[0] for found in affines.values() if found})
    ranges = dict(ranges, **{gate: (0.0, 1.0) for gate in gates})
    tensors += gates
    nodes += [g.producer[gate] for gate in gates]
    after = {}   # tensor -> nodes to insert right after its producer
    removed = []
    rename = {}  # float tensor read by a quantised node -> its dequantised twin

    def place(tensor, new):
        after.setdefault(tensor, []).extend(new)

    def constants(name, scale, zero_point):
        g.set_const(name + '_scale', np.array(scale, np.float32))
        g.set_const(name + '_zero_point', np.array(zero_point, np.uint8))
        return [name + '_scale', name + '_zero_point']

    for y in tensors:
        # [low, high] or [low, high, tail low, tail high] (the 0.1% and 99.9% quantiles).
        low, high = ranges[y][2:4] if y in clipped and len(ranges[y]) == 4 else ranges[y][:2]
        floor = floors.get(y)
        scale, zero_point = activation_parameters(low if floor is None else max(low, floor), high)
        folded = affines.get(y)
        steps = round(folded[2] / scale) if folded else 0
        if abs(steps) >= 8:
            scale = np.float32(folded[2] / steps)  # a whole number of steps: the shift is exact
        if folded and 0 <= int(zero_point) + steps <= 255:
            t, s, _, affine = folded
            removed.extend(affine)
            source = constants(t, scale / s, int(zero_point) + steps)
            quantize = helper.make_node('QuantizeLinear', [t] + source, [y + '_q'])
            anchor = t
        else:
            quantize = helper.make_node('QuantizeLinear', [y] + constants(y, scale, zero_point), [y + '_q'])
            anchor = y
        dq = helper.make_node('DequantizeLinear', [y + '_q'] + constants(y, scale, zero_point), [y + '_dq'])
        place(anchor, [quantize, dq])
        rename[y] = y + '_dq'

    # Quantised nodes read the dequantised twins; int8 weights behind a DequantizeLinear.
    for n in nodes:
        if n.op_type in WEIGHTED_OPS:
            w = g.const(n.input[1]).astype(np.float32)
            # Output channels: axis 0 of Conv weights, 1 of ConvTranspose's (C_in, C_out, ...) and MatMul's (K, N).
            axis = 0 if n.op_type == 'Conv' else 1
            scale, zero, q = weight_parameters(w, axis)
            wname = n.input[1]
            g.set_const(wname + '_quantized', q)
            g.set_const(wname + '_scale', scale)
            g.set_const(wname + '_zero_point', zero)
            place(None, [helper.make_node('DequantizeLinear', [wname + '_quantized', wname + '_scale', wname + '_zero_point'],
                                          [wname + '_dq'], axis=axis)])
            n.input[1] = wname + '_dq'
    # Every other reader of a quantised tensor reads it through its QDQ pair, as ONNX Runtime's own
    # quantiser does: then neighbouring quantised nodes fuse, and a float reader sees the same values.
    removed_ids = {id(n) for n in removed}
    for n in g.graph.node:
        if id(n) in removed_ids:
            continue
        for k, name in enumerate(n.input):
            if name in rename:
                n.input[k] = rename[name]
    result = list(after.get(None, []))
    for t in [i.name for i in g.graph.input]:
        result.extend(after.get(t, []))
    for n in g.graph.node:
        if id(n) in removed_ids:
            continue
        result.append(n)
        for o in n.output:
            result.extend(after.get(o, []))
    g.set_nodes(result)
    if choice.dynamic_matmuls:
        dynamic_matmuls(g)
    drop_unused_initializers(g)
    onnx.checker.check_model(model)
    return model


def int8_share(optimized):
    """(int8, all): how many of a network's convolutions and matrix products ONNX Runtime runs
    in its int8 kernels, read from the graph it optimised."""
    kinds = collections.Counter(n.op_type for n in optimized.graph.node)
    int8 = sum(kinds[k] for k in ('QLinearConv', 'QLinearMatMul', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul'))
    return int8, int8 + sum(kinds[k] for k in ('Conv', 'FusedConv', 'ConvTranspose', 'MatMul', 'FusedMatMul', 'Gemm'))


def main(argv):
    """Exit status 0; 2 for a network this quantiser refuses or a wrong command line."""
    parser = argparse.ArgumentParser(prog='python3 -m ocrserve_convert.quantize', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest='step', required=True)
    step = steps.add_parser('prepare')
    step.add_argument('network')
    step.add_argument('prepared')
    step.add_argument('observed')
    step = steps.add_parser('qdq')
    step.add_argument('prepared')
    step.add_argument('ranges', help='JSON: tensor name -> [low, high]')
    step.add_argument('out')
    step.add_argument('--float-first', type=int, default=0, help='the first N quantisable nodes stay float')
    step.add_argument('--float-after-last-pool', action='store_true', help="a recogniser's sequence part stays float")
    step.add_argument('--dynamic-matmuls', action='store_true',
                      help='the matrix products left float as DynamicQuantizeMatMul')
    step.add_argument('--clip-first', type=int, default=0,
                      help="the first N quantised nodes' tensors take their tails' ranges (0.1%% clipped)")
    step = steps.add_parser('int8-share', help='prints "INT8 ALL" for a graph ONNX Runtime optimised')
    step.add_argument('optimized')
    args = parser.parse_args(argv)
    try:
        if args.step == 'prepare':
            model = prepare(onnx.load(args.network))
            onnx.save(model, args.prepared)
            onnx.save(with_observed_outputs(model, observed_tensors(model)), args.observed)
        elif args.step == 'qdq':
            with open(args.ranges, encoding='utf-8') as f:
                ranges = json.load(f)
            choice = Choice(args.float_first, args.float_after_last_pool, args.clip_first, args.dynamic_matmuls)
            onnx.save(qdq(onnx.load(args.prepared), ranges, choice), args.out)
        else:
            print(*int8_share(onnx.load(args.optimized)))
        return 0
    except (QuantizeError, ValueError, TypeError, onnx.checker.ValidationError,
            onnx.onnx_cpp2py_export.shape_inference.InferenceError) as e:  # ValueError: ranges that are not JSON
        print(f'quantize: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
