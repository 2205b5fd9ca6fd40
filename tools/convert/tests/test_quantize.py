"""The int8 quantiser on small networks, run by a numpy interpreter of the operators involved:
`prepare` must not change what a network computes, and `qdq` must compute it within a few
uint8 steps while folding what it says it folds.

    cd tools/convert && /usr/bin/python3 -m unittest tests.test_quantize
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ocrserve_convert import quantize

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def conv(x, w, b, group):
    """1x1 convolutions only (all these tests need), grouped as ONNX's Conv."""
    n, c, h, wd = x.shape
    out = w.shape[0]
    xs = x.reshape(n, group, c // group, h, wd)
    ws = w.reshape(group, out // group, c // group)
    y = np.einsum('ngchw,goc->ngohw', xs, ws).reshape(n, out, h, wd)
    return y + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def run(model, x):
    """Evaluates the graph on input x with numpy; returns the first output."""
    values = {t.name: numpy_helper.to_array(t).astype(np.float32) if t.data_type == onnx.TensorProto.FLOAT
              else numpy_helper.to_array(t) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for n in model.graph.node:
        a = [values[i] if i else None for i in n.input]
        op = n.op_type
        if op == 'Conv':
            assert attr(n, 'kernel_shape', [1, 1]) == [1, 1]
            y = conv(a[0], a[1], a[2] if len(a) > 2 else None, attr(n, 'group', 1))
        elif op == 'BatchNormalization':
            g, b, m, v = a[1:5]
            shape = (1, -1, 1, 1)
            y = (a[0] - m.reshape(shape)) / np.sqrt(v.reshape(shape) + attr(n, 'epsilon', 1e-5)) * g.reshape(shape) + b.reshape(shape)
        elif op in ('Add', 'Mul', 'Div'):
            y = {'Add': np.add, 'Mul': np.multiply, 'Div': np.divide}[op](a[0], a[1])
        elif op == 'Clip':
            y = np.clip(a[0], a[1], a[2])
        elif op == 'HardSigmoid':
            y = np.clip(attr(n, 'alpha', 0.2) * a[0] + attr(n, 'beta', 0.5), 0, 1)
        elif op == 'ConvTranspose':  # kernel = stride = k, unpadded: each pixel writes its own k x k block
            w = a[1]
            k = w.shape[2]
            n_, _, h, wd = a[0].shape
            y = np.einsum('nchw,cdab->ndhawb', a[0], w).reshape(n_, w.shape[1], h * k, wd * k)
        elif op == 'DepthToSpace':
            assert attr(n, 'mode', b'DCR') in (b'CRD', 'CRD')
            k = attr(n, 'blocksize', 1)
            n_, c, h, wd = a[0].shape
            y = a[0].reshape(n_, c // (k * k), k, k, h, wd).transpose(0, 1, 4, 2, 5, 3).reshape(n_, c // (k * k), h * k, wd * k)
        elif op == 'Relu':
            y = np.maximum(a[0], 0)
        elif op == 'AveragePool':
            y = a[0]  # 1x1 pooling in these tests
        elif op == 'QuantizeLinear':
            y = np.clip(np.round(a[0] / a[1]) + a[2].astype(np.int32), 0, 255).astype(np.uint8)
        elif op == 'DequantizeLinear':
            axis = attr(n, 'axis', 1)
            shape = [1] * a[0].ndim
            if a[1].ndim == 1:
                shape[axis] = -1
            y = (a[0].astype(np.float32) - a[2].astype(np.float32).reshape(shape if a[1].ndim else ())) * \
                a[1].reshape(shape if a[1].ndim else ())
        else:
            raise AssertionError(f'no numpy form for {op}')
        values[n.output[0]] = y.astype(np.float32) if y.dtype == np.float64 else y
    return values[model.graph.output[0].name]


def network(nodes, initializers, channels=4):
    graph = helper.make_graph(
        nodes, 'test', [helper.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [1, channels, 3, 5])],
        [helper.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [1, channels, 3, 5])],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 11)])


def hard_swish(x, out, prefix):
    """PaddlePaddle's export of hardswish: x * clip(x + 3, 0, 6) / 6."""
    return [helper.make_node('Add', [x, 'three'], [prefix + 'a']),
            helper.make_node('Clip', [prefix + 'a', 'zero', 'six'], [prefix + 'c']),
            helper.make_node('Mul', [x, prefix + 'c'], [prefix + 'm']),
            helper.make_node('Div', [prefix + 'm', 'six'], [out])]


def lcnet_block(rng, channels=4):
    """Conv -> BatchNormalization -> hard-swish -> learnable affine (s * h + a) -> Conv, as in
    PP-LCNetV3: the shape of every layer of the PP-OCR networks this quantiser is for."""
    init = {'w1': rng.normal(0, 1, (channels, channels, 1, 1)), 'b1': rng.normal(0, 1, channels),
            'gamma': rng.uniform(0.5, 2, channels), 'beta': rng.normal(0, 1, channels),
            'mean': rng.normal(0, 0.5, channels), 'var': rng.uniform(0.5, 2, channels),
            'three': 3.0, 'zero': 0.0, 'six': 6.0, 's': [1.7], 'a': [0.35],
            'w2': rng.normal(0, 1, (channels, channels, 1, 1)), 'b2': rng.normal(0, 1, channels)}
    nodes = [helper.make_node('Conv', ['x', 'w1', 'b1'], ['c1'], kernel_shape=[1, 1]),
             helper.make_node('BatchNormalization', ['c1', 'gamma', 'beta', 'mean', 'var'], ['bn'])]
    nodes += hard_swish('bn', 'hs', 'hs_')
    nodes += [helper.make_node('Mul', ['hs', 's'], ['scaled']),
              helper.make_node('Add', ['scaled', 'a'], ['affine']),
              helper.make_node('Conv', ['affine', 'w2', 'b2'], ['y'], kernel_shape=[1, 1])]
    return network(nodes, init, channels)


def calibrated(prepared, inputs):
    """Each observed tensor's range over the inputs, as `ocrserve package` calibrates."""
    names = quantize.observed_tensors(prepared)
    observed = quantize.with_observed_outputs(prepared, names)
    ranges = {}
    for x in inputs:
        for name in names:
            single = onnx.ModelProto()
            single.CopyFrom(observed)
            single.graph.output[0].name = name
            v = run(single, x)
            low, high = ranges.get(name, (np.inf, -np.inf))
            ranges[name] = (min(low, float(v.min())), max(high, float(v.max())))
    return ranges


class PrepareTest(unittest.TestCase):
    def test_folds_batch_norm_and_spells_hard_swish_as_hard_sigmoid_with_the_same_outputs(self):
        rng = np.random.default_rng(1)
        original = lcnet_block(rng)
        x = rng.normal(0, 2, (1, 4, 3, 5)).astype(np.float32)
        expected = run(original, x)
        prepared = quantize.prepare(lcnet_block(np.random.default_rng(1)))
        kinds = [n.op_type for n in prepared.graph.node]
        self.assertEqual(kinds, ['Conv', 'HardSigmoid', 'Mul', 'Mul', 'Add', 'Conv'])
        self.assertEqual(prepared.opset_import[0].version, 13)
        np.testing.assert_allclose(run(prepared, x), expected, rtol=1e-5, atol=1e-5)

    def test_turns_db_upsampling_into_a_convolution_and_depth_to_space_with_the_same_outputs(self):
        # DB's head: ConvTranspose(k=2, s=2) -> bias Add -> BatchNormalization -> Relu -> ConvTranspose.
        rng = np.random.default_rng(7)
        init = {'up1': rng.normal(0, 1, (4, 3, 2, 2)), 'bias': rng.normal(0, 1, (1, 3, 1, 1)),
                'gamma': rng.uniform(0.5, 2, 3), 'beta': rng.normal(0, 1, 3), 'mean': rng.normal(0, 0.5, 3),
                'var': rng.uniform(0.5, 2, 3), 'up2': rng.normal(0, 1, (3, 4, 2, 2))}
        nodes = [helper.make_node('ConvTranspose', ['x', 'up1'], ['t1'], kernel_shape=[2, 2], strides=[2, 2]),
                 helper.make_node('Add', ['t1', 'bias'], ['b1']),
                 helper.make_node('BatchNormalization', ['b1', 'gamma', 'beta', 'mean', 'var'], ['n1']),
                 helper.make_node('Relu', ['n1'], ['r1']),
                 helper.make_node('ConvTranspose', ['r1', 'up2'], ['y'], kernel_shape=[2, 2], strides=[2, 2])]
        original = network(nodes, init)
        x = rng.normal(0, 1, (1, 4, 3, 5)).astype(np.float32)
        expected = run(original, x)
        self.assertEqual(expected.shape, (1, 4, 12, 20))
        prepared = quantize.prepare(network(nodes, init))
        # The bias and the batch norm folded into the first Conv, moved before its DepthToSpace.
        self.assertEqual([n.op_type for n in prepared.graph.node], ['Conv', 'DepthToSpace', 'Relu', 'Conv', 'DepthToSpace'])
        np.testing.assert_allclose(run(prepared, x), expected, rtol=1e-4, atol=1e-4)

    def test_observes_the_inputs_and_outputs_of_what_will_be_quantised(self):
        prepared = quantize.prepare(lcnet_block(np.random.default_rng(2)))
        # The image, each convolution's output, and the affine's output that the second reads.
        self.assertEqual(quantize.observed_tensors(prepared), ['x', 'bn', 'affine', 'y'])


class QdqTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(3)
        self.inputs = [rng.normal(0, 2, (1, 4, 3, 5)).astype(np.float32) for _ in range(4)]
        self.prepared = quantize.prepare(lcnet_block(np.random.default_rng(4)))
        self.ranges = calibrated(self.prepared, self.inputs)

    def quantised(self, choice=quantize.Choice()):
        model = onnx.ModelProto()
        model.CopyFrom(self.prepared)
        return quantize.qdq(model, self.ranges, choice)

    def test_computes_the_network_within_a_few_uint8_steps(self):
        model = self.quantised()
        step = (self.ranges['y'][1] - self.ranges['y'][0]) / 255
        for x in self.inputs:
            error = np.abs(run(model, x) - run(self.prepared, x)).max()
            self.assertLess(error, 6 * step)
            self.assertGreater(error, 0)  # it did quantise

    def test_folds_the_affine_into_quantize_linear_and_gates_hard_swish_in_uint8(self):
        model = self.quantised()
        g = quantize.Graph(model)
        kinds = [n.op_type for n in model.graph.node]
        self.assertNotIn('HardSigmoid', kinds)
        self.assertNotIn('Add', kinds)
        self.assertEqual(kinds.count('Mul'), 1)  # hard-swish's product; the affine's Mul is gone
        # The gate: a 1x1 depthwise Conv with weight alpha and bias beta, quantised to [0, 1].
        gate = next(n for n in model.graph.node if n.op_type == 'Conv' and attr(n, 'group', 1) == 4)
        self.assertEqual(float(g.const(gate.input[2])[0]), 0.5)
        gate_q = next(n for n in model.graph.node if n.op_type == 'QuantizeLinear' and n.input[0] == gate.output[0])
        self.assertAlmostEqual(float(g.const(gate_q.input[1])), 1 / 255, places=7)
        self.assertEqual(int(g.const(gate_q.input[2])), 0)
        # The product is quantised straight to the affine's output: scale / s, zero point + a / scale.
        product = next(n for n in model.graph.node if n.op_type == 'Mul')
        quant = next(n for n in model.graph.node if n.op_type == 'QuantizeLinear' and n.input[0] == product.output[0])
        dequant = next(n for n in model.graph.node if n.op_type == 'DequantizeLinear' and n.input[0] == quant.output[0])
        scale_t, zero_t = float(g.const(quant.input[1])), int(g.const(quant.input[2]))
        scale_y, zero_y = float(g.const(dequant.input[1])), int(g.const(dequant.input[2]))
        self.assertAlmostEqual(scale_t, scale_y / 1.7, places=6)
        self.assertEqual(zero_t, zero_y + round(0.35 / scale_y))

    def test_spends_no_levels_below_where_hard_swish_is_zero(self):
        model = self.quantised()
        g = quantize.Graph(model)
        self.assertLess(self.ranges['bn'][0], -3)  # the data goes lower than that
        q = next(n for n in model.graph.node if n.op_type == 'QuantizeLinear' and n.input[0] == 'bn')
        scale, zero = float(g.const(q.input[1])), int(g.const(q.input[2]))
        self.assertAlmostEqual(-zero * scale, -3, delta=scale)

    def test_clips_the_first_layers_ranges_to_their_tails_when_asked(self):
        ranges = {name: list(r) + [r[0] / 4, r[1] / 4] for name, r in self.ranges.items()}
        model = onnx.ModelProto()
        model.CopyFrom(self.prepared)
        model = quantize.qdq(model, ranges, quantize.Choice(clip_first=1))
        g = quantize.Graph(model)
        scale = lambda t: float(g.const(next(n for n in model.graph.node
                                             if n.op_type == 'QuantizeLinear' and n.input[0] == t).input[1]))
        # The first Conv's input and output take the tails; the second Conv's output does not.
        self.assertAlmostEqual(scale('x'), (self.ranges['x'][1] - self.ranges['x'][0]) / 4 / 255, places=6)
        self.assertAlmostEqual(scale('y'), (self.ranges['y'][1] - self.ranges['y'][0]) / 255, places=6)

    def test_leaves_the_first_layers_float_when_asked(self):
        model = self.quantised(quantize.Choice(float_first=1))
        first = next(n for n in model.graph.node if n.op_type == 'Conv')
        self.assertEqual(first.input[1], 'w1_folded')  # its own float weight, no DequantizeLinear
        last = [n for n in model.graph.node if n.op_type == 'Conv'][-1]
        self.assertTrue(last.input[1].endswith('_dq'))

    def test_leaves_a_recogniser_float_after_its_last_pooling(self):
        rng = np.random.default_rng(5)
        init = {'w1': rng.normal(0, 1, (4, 4, 1, 1)), 'w2': rng.normal(0, 1, (4, 4, 1, 1))}
        nodes = [helper.make_node('Conv', ['x', 'w1'], ['c1'], kernel_shape=[1, 1]),
                 helper.make_node('AveragePool', ['c1'], ['p'], kernel_shape=[1, 1]),
                 helper.make_node('Conv', ['p', 'w2'], ['y'], kernel_shape=[1, 1])]
        prepared = quantize.prepare(network(nodes, init))
        kinds = lambda choice: [n.op_type for n in quantize.quantized_nodes(quantize.Graph(prepared), choice)]
        self.assertEqual(kinds(quantize.Choice()), ['Conv', 'AveragePool', 'Conv'])
        self.assertEqual(kinds(quantize.Choice(float_after_last_pool=True)), ['Conv', 'AveragePool'])

    def test_quantises_the_float_matrix_products_dynamically_when_asked(self):
        rng = np.random.default_rng(8)
        w = rng.normal(0, 1, (5, 3)).astype(np.float32)
        nodes = [helper.make_node('MatMul', ['x', 'w'], ['y'])]
        graph = helper.make_graph(nodes, 'mm', [helper.make_tensor_value_info('x', onnx.TensorProto.FLOAT, [2, 5])],
                                  [helper.make_tensor_value_info('y', onnx.TensorProto.FLOAT, [2, 3])],
                                  [numpy_helper.from_array(w, 'w')])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
        # Left float (float_first), then quantised dynamically.
        model = quantize.qdq(model, {'x': [-1, 1], 'y': [-1, 1]}, quantize.Choice(float_first=1, dynamic_matmuls=True))
        (node,) = model.graph.node
        self.assertEqual((node.op_type, node.domain), ('DynamicQuantizeMatMul', 'com.microsoft'))
        self.assertIn('com.microsoft', [o.domain for o in model.opset_import])
        g = quantize.Graph(model)
        q, scale = g.const(node.input[1]), g.const(node.input[2])
        self.assertEqual((q.dtype, scale.shape), (np.int8, (3,)))  # int8, one scale per column
        self.assertTrue(np.all(np.abs(q * scale - w) <= scale / 2 + 1e-7))

    def test_refuses_ranges_that_miss_a_tensor(self):
        del self.ranges['affine']
        with self.assertRaisesRegex(quantize.QuantizeError, 'no calibrated range for 1 tensors, e.g. affine'):
            self.quantised()


class CommandLineTest(unittest.TestCase):
    def quantizer(self, *args):
        return subprocess.run([sys.executable, '-m', 'ocrserve_convert.quantize', *args], cwd=SOURCE,
                              capture_output=True, text=True)

    def test_prepares_quantises_and_counts_int8_kernels(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = lambda name: os.path.join(tmp, name)
            onnx.save(lcnet_block(np.random.default_rng(6)), path('in.onnx'))
            r = self.quantizer('prepare', path('in.onnx'), path('prepared.onnx'), path('observed.onnx'))
            self.assertEqual(r.returncode, 0, r.stderr)
            observed = onnx.load(path('observed.onnx'))
            self.assertEqual([o.name for o in observed.graph.output], ['y', 'x', 'bn', 'affine'])
            with open(path('ranges.json'), 'w') as f:
                json.dump({'x': [-4, 4], 'bn': [-9, 7], 'affine': [0, 12], 'y': [-30, 30]}, f)
            r = self.quantizer('qdq', path('prepared.onnx'), path('ranges.json'), path('int8.onnx'), '--float-first', '1')
            self.assertEqual(r.returncode, 0, r.stderr)
            for broken in ('not json', '{"x": "wide", "bn": [], "affine": [0, 1], "y": [0, 1]}'):
                with open(path('broken.json'), 'w') as f:
                    f.write(broken)
                r = self.quantizer('qdq', path('prepared.onnx'), path('broken.json'), path('no.onnx'))
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertTrue(r.stderr.startswith('quantize: '), r.stderr)
            # ONNX Runtime's optimised graphs name their int8 kernels; this one is written by hand.
            fused = network([helper.make_node('QLinearConv', ['x'], ['q'], domain=''),
                             helper.make_node('Conv', ['q', 'w'], ['y'])], {'w': np.ones((4, 4, 1, 1))})
            onnx.save(fused, path('optimized.onnx'))
            r = self.quantizer('int8-share', path('optimized.onnx'))
            self.assertEqual(r.stdout.split(), ['1', '2'])

    def test_a_network_it_cannot_rewrite_exits_2(self):
        with tempfile.TemporaryDirectory() as tmp:
            nodes = [helper.make_node('TopK', ['x'], ['y', 'i'], k=1)]
            onnx.save(network(nodes, {}), os.path.join(tmp, 'in.onnx'))
            r = self.quantizer('prepare', os.path.join(tmp, 'in.onnx'), os.path.join(tmp, 'p.onnx'),
                               os.path.join(tmp, 'o.onnx'))
            self.assertEqual(r.returncode, 2)
            self.assertIn('cannot move TopK from opset 11 to 13', r.stderr)


if __name__ == '__main__':
    unittest.main()
