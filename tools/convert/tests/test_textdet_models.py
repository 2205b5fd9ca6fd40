"""Text detection networks (parameter names of MMOCR 1.x checkpoints, mmdeploy's outputs, ONNX
export) and the reference decoders.

    /usr/bin/python3 -m unittest discover -s tools/convert/tests -t tools/convert
"""
import unittest

import numpy as np
import torch

from ocrserve_convert.checkpoint import CheckpointError
from ocrserve_convert.models.textdet_zoo import TEXTDET_MODELS
from ocrserve_convert.reference.textdet import DecodeError, decode

from .network_checks import (assert_batch_norms_complete, assert_round_trips_strictly, assert_strict_load_names,
                             cached_builder, dims, export_dynamic, load_saved)

DB_R18 = 'dbnet_resnet18_fpnc_1200e_icdar2015'
DB_R50 = 'dbnet_resnet50_1200e_icdar2015'
PSE_R50 = 'psenet_resnet50_fpnf_600e_icdar2015'
PAN_R18 = 'panet_resnet18_fpem-ffm_600e_icdar2015'

# Per config: state_dict size, parameter count, output shapes for inputs [1,3,64,96] and
# [2,3,96,64], and keys with the shapes an MMOCR checkpoint stores (read off MMOCR's FPNC / FPNF /
# FPEM_FFM / DBHead / PANHead and mmdet's ResNet), plus keys it must not have.
EXPECTED = {
    DB_R18: {
        'keys': 158, 'params': 12340930, 'shapes': ((1, 64, 96), (2, 96, 64)),
        'has': {
            'backbone.conv1.weight': (64, 3, 7, 7),
            'backbone.bn1.running_var': (64,),
            'backbone.layer1.0.conv1.weight': (64, 64, 3, 3),
            'backbone.layer1.1.bn2.num_batches_tracked': (),
            'backbone.layer2.0.downsample.0.weight': (128, 64, 1, 1),
            'backbone.layer2.0.downsample.1.running_mean': (128,),
            'backbone.layer4.1.conv2.weight': (512, 512, 3, 3),
            'neck.lateral_convs.0.conv.weight': (256, 64, 1, 1),
            'neck.lateral_convs.3.conv.weight': (256, 512, 1, 1),
            'neck.smooth_convs.3.conv.weight': (64, 256, 3, 3),
            'det_head.binarize.0.weight': (64, 256, 3, 3),
            'det_head.binarize.1.running_mean': (64,),
            'det_head.binarize.3.weight': (64, 64, 2, 2),
            'det_head.binarize.3.bias': (64,),
            'det_head.binarize.4.weight': (64,),
            'det_head.binarize.6.weight': (64, 1, 2, 2),
            'det_head.binarize.6.bias': (1,),
            'det_head.threshold.0.weight': (64, 256, 3, 3),
            'det_head.threshold.6.bias': (1,),
        },
        'lacks': ['backbone.layer1.0.downsample.0.weight', 'neck.lateral_convs.0.conv.bias',
                  'neck.smooth_convs.0.bn.weight', 'det_head.binarize.0.bias', 'det_head.threshold.0.bias',
                  'backbone.fc.weight', 'data_preprocessor.mean'],
    },
    DB_R50: {
        'keys': 356, 'params': 25409730, 'shapes': ((1, 64, 96), (2, 96, 64)),
        'has': {
            'backbone.layer1.0.conv1.weight': (64, 64, 1, 1),
            'backbone.layer1.0.conv2.weight': (64, 64, 3, 3),
            'backbone.layer1.0.conv3.weight': (256, 64, 1, 1),
            'backbone.layer1.0.bn3.weight': (256,),
            'backbone.layer1.0.downsample.0.weight': (256, 64, 1, 1),
            'backbone.layer3.5.bn3.running_var': (1024,),
            'backbone.layer4.0.downsample.0.weight': (2048, 1024, 1, 1),
            'backbone.layer4.2.conv2.weight': (512, 512, 3, 3),
            'neck.lateral_convs.3.conv.weight': (256, 2048, 1, 1),
            'det_head.binarize.0.weight': (64, 256, 3, 3),
        },
        'lacks': ['backbone.layer2.0.conv2.conv_offset.weight', 'backbone.layer3.6.conv1.weight'],
    },
    PSE_R50: {
        'keys': 375, 'params': 29216327, 'shapes': ((1, 7, 16, 24), (2, 7, 24, 16)),
        'has': {
            'backbone.conv1.weight': (64, 3, 7, 7),
            'backbone.layer2.0.conv2.weight': (128, 128, 3, 3),
            'neck.lateral_convs.0.conv.weight': (256, 256, 1, 1),
            'neck.lateral_convs.0.bn.weight': (256,),
            'neck.lateral_convs.3.conv.weight': (256, 2048, 1, 1),
            'neck.fpn_convs.2.conv.weight': (256, 256, 3, 3),
            'neck.fpn_convs.2.bn.num_batches_tracked': (),
            'neck.output_convs.conv.weight': (256, 1024, 3, 3),
            'neck.output_convs.bn.running_var': (256,),
            'det_head.conv1.weight': (256, 256, 3, 3),
            'det_head.conv1.bias': (256,),
            'det_head.bn1.weight': (256,),
            'det_head.conv2.weight': (7, 256, 1, 1),
            'det_head.conv2.bias': (7,),
        },
        'lacks': ['neck.fpn_convs.3.conv.weight', 'neck.lateral_convs.0.conv.bias', 'neck.output_convs.conv.bias'],
    },
    PAN_R18: {
        'keys': 283, 'params': 12256966, 'shapes': ((1, 6, 16, 24), (2, 6, 24, 16)),
        'has': {
            'backbone.stem.0.weight': (64, 3, 3, 3),
            'backbone.stem.1.weight': (64,),
            'backbone.stem.3.weight': (64, 64, 3, 3),
            'backbone.stem.4.running_mean': (64,),
            'backbone.stem.6.weight': (128, 64, 3, 3),
            'backbone.stem.7.running_var': (128,),
            'backbone.layer1.0.conv1.weight': (64, 128, 3, 3),
            'backbone.layer1.0.downsample.0.weight': (64, 128, 1, 1),
            'neck.reduce_conv_c2.0.weight': (128, 64, 1, 1),
            'neck.reduce_conv_c2.0.bias': (128,),
            'neck.reduce_conv_c5.0.weight': (128, 512, 1, 1),
            'neck.reduce_conv_c5.1.weight': (128,),
            'neck.fpems.0.up_add1.depthwise_conv.weight': (128, 1, 3, 3),
            'neck.fpems.0.up_add1.depthwise_conv.bias': (128,),
            'neck.fpems.1.down_add3.pointwise_conv.weight': (128, 128, 1, 1),
            'neck.fpems.1.down_add3.bn.num_batches_tracked': (),
            'det_head.conv1.weight': (128, 512, 3, 3),
            'det_head.bn1.running_mean': (128,),
            'det_head.conv2.weight': (6, 128, 1, 1),
        },
        'lacks': ['backbone.conv1.weight', 'backbone.bn1.weight', 'neck.fpems.2.up_add1.bn.weight'],
    },
}

built = cached_builder(TEXTDET_MODELS)


class RegistryTest(unittest.TestCase):

    def test_entries_follow_the_contract(self):
        self.assertEqual(set(TEXTDET_MODELS), set(EXPECTED))
        kinds = {DB_R18: ('DBNet', 'DBHead', 'DBPostprocessor'), DB_R50: ('DBNet', 'DBHead', 'DBPostprocessor'),
                 PSE_R50: ('PSENet', 'PSEHead', 'PSEPostprocessor'), PAN_R18: ('PANet', 'PANHead', 'PANPostprocessor')}
        for name, entry in TEXTDET_MODELS.items():
            with self.subTest(name):
                self.assertEqual((entry['model_type'], entry['head_type'], entry['postprocessor']['type']), kinds[name])
                self.assertEqual(entry['postprocessor']['text_repr_type'], 'quad')
                self.assertEqual(entry['data_preprocessor']['mean'], [123.675, 116.28, 103.53])
                self.assertEqual(entry['data_preprocessor']['std'], [58.395, 57.12, 57.375])
                self.assertTrue(entry['data_preprocessor']['bgr_to_rgb'])
                types = [t['type'] for t in entry['test_pipeline']]
                self.assertEqual(types[0], 'LoadImageFromFile')
                self.assertEqual(types[2:], ['LoadOCRAnnotations', 'PackTextDetInputs'])
                self.assertEqual(entry['test_pipeline'][-1]['meta_keys'],
                                 ('img_path', 'ori_shape', 'img_shape', 'scale_factor'))
                self.assertTrue(entry['checkpoint_url'].startswith('https://download.openmmlab.com/mmocr/textdet/'))
                self.assertTrue(entry['checkpoint_url'].endswith('.pth'))
                model = built(name)
                self.assertFalse(model.training)
                self.assertEqual(model.model_type, entry['model_type'])
        self.assertEqual(TEXTDET_MODELS[DB_R18]['test_pipeline'][1],
                         {'type': 'Resize', 'scale': (1333, 736), 'keep_ratio': True})
        self.assertEqual(TEXTDET_MODELS[DB_R50]['test_pipeline'][1]['scale'], (4068, 1024))
        self.assertEqual(TEXTDET_MODELS[PSE_R50]['test_pipeline'][1]['scale'], (2240, 2240))
        self.assertEqual(TEXTDET_MODELS[PAN_R18]['test_pipeline'][1]['type'], 'ShortScaleAspectJitter')

    def test_entries_are_independent(self):
        first, second = TEXTDET_MODELS[DB_R18], TEXTDET_MODELS[PSE_R50]
        self.assertIsNot(first['data_preprocessor']['mean'], second['data_preprocessor']['mean'])
        self.assertIsNot(first['test_pipeline'][0], second['test_pipeline'][0])


class NetworkTest(unittest.TestCase):

    def test_output_shapes(self):
        inputs = (torch.randn(1, 3, 64, 96), torch.randn(2, 3, 96, 64))
        for name, expected in EXPECTED.items():
            with self.subTest(name), torch.no_grad():
                model = built(name)
                for x, shape in zip(inputs, expected['shapes']):
                    out = model(x)
                    self.assertEqual(tuple(out.shape), shape)
                    self.assertTrue(torch.isfinite(out).all())
                if name.startswith('dbnet'):  # a probability map
                    self.assertTrue(((out >= 0) & (out <= 1)).all())

    def test_state_dict_names_and_shapes(self):
        for name, expected in EXPECTED.items():
            with self.subTest(name):
                model = built(name)
                state = model.state_dict()
                self.assertEqual(len(state), expected['keys'])
                self.assertEqual(sum(p.numel() for p in model.parameters()), expected['params'])
                for key, shape in expected['has'].items():
                    self.assertIn(key, state)
                    self.assertEqual(tuple(state[key].shape), shape, key)
                for key in expected['lacks']:
                    self.assertNotIn(key, state)
                prefixes = {key.split('.')[0] for key in state}
                self.assertEqual(prefixes, {'backbone', 'neck', 'det_head'})

    def test_every_batch_norm_has_its_five_entries(self):
        for name in EXPECTED:
            with self.subTest(name):
                assert_batch_norms_complete(self, built(name).state_dict())

    def test_state_dict_round_trips_strictly(self):
        x = torch.randn(1, 3, 64, 96)
        for name in EXPECTED:
            with self.subTest(name):
                assert_round_trips_strictly(self, TEXTDET_MODELS, built(name), name, x)

    def test_renamed_key_is_refused_with_both_names(self):
        assert_strict_load_names(self, built(PAN_R18), 'backbone.stem.0.weight', 'backbone.stem.0.weights')

    def test_checkpoint_loader_lists_mismatches(self):
        model = built(DB_R18)
        state = dict(model.state_dict())
        state['det_head.binarise.0.weight'] = state.pop('det_head.binarize.0.weight')
        state['data_preprocessor.mean'] = torch.zeros(3)  # dropped by the loader, not reported
        with self.assertRaises(CheckpointError) as caught:
            load_saved(model, state)
        message = str(caught.exception)
        self.assertIn('missing keys (1): det_head.binarize.0.weight', message)
        self.assertIn('unexpected keys (1): det_head.binarise.0.weight', message)
        self.assertNotIn('data_preprocessor', message)

    def test_checkpoint_loader_accepts_own_state_dict(self):
        model = built(PSE_R50)
        load_saved(model, model.state_dict())

    def test_onnx_export_with_dynamic_axes(self):
        x = torch.randn(1, 3, 64, 96)
        standard_ops = {'Conv', 'ConvTranspose', 'BatchNormalization', 'Relu', 'Sigmoid', 'MaxPool', 'Add',
                        'Concat', 'Resize', 'Squeeze', 'Shape', 'Gather', 'Unsqueeze', 'Slice', 'Cast',
                        'Constant', 'Identity'}
        for name, expected in EXPECTED.items():
            with self.subTest(name), torch.no_grad():
                proto = export_dynamic(self, built(name), x, 'text-detection')
                self.assertLessEqual({n.op_type for n in proto.graph.node}, standard_ops)
                rank = len(expected['shapes'][0])
                channels = [] if rank == 3 else [expected['shapes'][0][1]]
                self.assertEqual(dims(proto.graph.output[0]), ['batch'] + channels + ['height', 'width'])
                # Upsampling sizes come from the feature maps' shapes, not constants of the sample.
                constants = {i.name for i in proto.graph.initializer}
                constants |= {o for n in proto.graph.node if n.op_type == 'Constant' for o in n.output}
                for node in proto.graph.node:
                    if node.op_type == 'Resize':
                        self.assertNotIn(node.input[3], constants)

    def test_traced_network_follows_other_shapes(self):
        for name in EXPECTED:
            with self.subTest(name), torch.no_grad():
                model = built(name)
                traced = torch.jit.trace(model, torch.randn(1, 3, 64, 96), check_trace=False)
                other = torch.randn(2, 3, 96, 160)
                self.assertTrue(torch.allclose(traced(other), model(other), atol=1e-5))

    def test_reference_decoders_take_network_outputs(self):
        for name in EXPECTED:
            with self.subTest(name), torch.no_grad():
                entry = TEXTDET_MODELS[name]
                output = built(name)(torch.randn(1, 3, 64, 96))[0].numpy()
                params = {k: v for k, v in entry['postprocessor'].items() if k != 'type'}
                for kind, kind_params in ((entry['postprocessor']['type'], params), (entry['head_type'], {})):
                    for points, score in decode(kind, kind_params, output, (0.5, 0.5), (192, 128)):
                        self.assertEqual(len(points) % 2, 0)
                        self.assertGreaterEqual(len(points), 8)
                        self.assertTrue(0 <= score <= 1)


def corners(points):
    """A quadrilateral's corners as a sorted list of (x, y), rounded to 1e-3."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return sorted((round(x, 3), round(y, 3)) for x, y in xy)


def box(x0, y0, x1, y1):
    return sorted([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


class DbDecoderTest(unittest.TestCase):

    def setUp(self):
        # One 40x10 text block at x 30..69, y 20..29 of a 96x64 map, one faint block.
        self.prob = np.zeros((64, 96), np.float32)
        self.prob[20:30, 30:70] = 0.9
        self.prob[40:50, 10:20] = 0.2

    def test_mmocr_quad(self):
        # Contour polygon (30,20)-(69,29): area 39*9, perimeter 96 -> unclip distance 5.48, which
        # Clipper rounds to integer vertices x 25..74, y 15..34; then / scale 0.5.
        result = decode('DBPostprocessor', {'text_repr_type': 'quad'}, self.prob, (0.5, 0.5), (192, 128))
        self.assertEqual(len(result), 1)
        points, score = result[0]
        self.assertEqual(corners(points), box(50, 30, 148, 68))
        self.assertAlmostEqual(score, 0.9, places=6)

    def test_mmocr_default_is_poly(self):
        result = decode('DBPostprocessor', {}, self.prob, (1, 1), (96, 64))
        self.assertEqual(len(result), 1)
        xy = np.array(result[0][0]).reshape(-1, 2)
        self.assertGreater(len(xy), 4)
        self.assertEqual((xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()), (25, 74, 15, 34))

    def test_mmocr_thin_quads_dropped_by_min_text_width(self):
        prob = np.zeros((64, 96), np.float32)
        prob[50:53, 10:60] = 0.9  # 3 pixels high: the expanded box is 4 pixels thick
        self.assertEqual(decode('DBPostprocessor', {'text_repr_type': 'quad'}, prob, (1, 1), (96, 64)), [])
        self.assertEqual(len(decode('DBPostprocessor', {'text_repr_type': 'quad', 'min_text_width': 1},
                                    prob, (1, 1), (96, 64))), 1)
        self.assertEqual(len(decode('DBPostprocessor', {'text_repr_type': 'poly'}, prob, (1, 1), (96, 64))), 1)

    def test_thresholds(self):
        self.assertEqual(decode('DBPostprocessor', {'mask_thr': 0.95}, self.prob, (1, 1), (96, 64)), [])
        self.assertEqual(decode('DBPostprocessor', {'min_text_score': 0.95}, self.prob, (1, 1), (96, 64)), [])
        # The faint block passes a low mask threshold and a low score threshold.
        low = {'text_repr_type': 'quad', 'mask_thr': 0.1, 'min_text_score': 0.1}
        self.assertEqual(len(decode('DBPostprocessor', low, self.prob, (1, 1), (96, 64))), 2)

    def test_sdk_head_defaults_and_strict_threshold(self):
        # mmdeploy's DBHead thresholds with >=, MMOCR with >: a block exactly at mask_thr.
        prob = np.zeros((64, 96), np.float32)
        prob[20:30, 30:70] = 0.5
        self.assertEqual(decode('DBPostprocessor', {'mask_thr': 0.5}, prob, (1, 1), (96, 64)), [])
        result = decode('DBHead', {'mask_thr': 0.5}, prob, (1, 1), (96, 64))
        self.assertEqual(len(result), 1)
        self.assertEqual(corners(result[0][0]), box(25, 15, 74, 34))

    def test_sdk_head_rounds_and_ignores_nested_postprocessor(self):
        params = {'postprocessor': {'type': 'DBPostprocessor', 'mask_thr': 0.95}, 'in_channels': 256}
        result = decode('DBHead', params, self.prob, (0.3, 0.3), (320, 213))
        self.assertEqual(len(result), 1)
        # 25 / 0.3 = 83.33, 74 / 0.3 = 246.67, 15 / 0.3 = 50, 34 / 0.3 = 113.33: rounded.
        self.assertEqual(corners(result[0][0]), box(83, 50, 247, 113))
        mmocr = decode('DBPostprocessor', {'text_repr_type': 'quad'}, self.prob, (0.3, 0.3), (320, 213))
        self.assertAlmostEqual(min(np.array(mmocr[0][0])[0::2]), 25 / 0.3, places=4)

    def test_rescale_and_clip(self):
        result = decode('DBPostprocessor', {'text_repr_type': 'quad', 'rescale_fields': []},
                        self.prob, (0.5, 0.5), (192, 128))
        self.assertEqual(corners(result[0][0]), box(25, 15, 74, 34))
        clipped = decode('DBPostprocessor', {'text_repr_type': 'quad'}, self.prob, (0.5, 0.5), (100, 50), clip=True)
        self.assertEqual(corners(clipped[0][0]), box(50, 30, 99, 49))

    def test_accepts_a_leading_unit_axis(self):
        self.assertEqual(len(decode('DBHead', {}, self.prob[None], (1, 1), (96, 64))), 1)

    def test_errors(self):
        with self.assertRaises(DecodeError):
            decode('FCEPostprocessor', {}, self.prob, (1, 1), (96, 64))
        with self.assertRaisesRegex(DecodeError, 'mask_threshold'):
            decode('DBPostprocessor', {'mask_threshold': 0.3}, self.prob, (1, 1), (96, 64))
        with self.assertRaises(DecodeError):
            decode('DBPostprocessor', {'text_repr_type': 'box'}, self.prob, (1, 1), (96, 64))
        with self.assertRaises(DecodeError):
            decode('DBHead', {}, np.zeros((2, 8, 8), np.float32), (1, 1), (8, 8))
        with self.assertRaises(DecodeError):
            decode('DBHead', {}, self.prob, (0, 1), (96, 64))


def pse_logits():
    """7 logit maps of 24x16 with two text instances. Instance A (x 2..11, y 2..7): every map
    but the smallest kernel covers it, its kernel is x 5..8, y 4..5. Instance B (x 14..21,
    y 10..13): only the text map covers x 14..15; kernel x 16..19, y 11..12."""
    logits = np.full((7, 16, 24), -5, np.float32)
    logits[:, 2:8, 2:12] = 3
    logits[6, 2:8, 2:12] = -5
    logits[6, 4:6, 5:9] = 3
    logits[:, 10:14, 14:22] = 3
    logits[1:, 10:14, 14:16] = -5
    logits[6, 10:14, 14:22] = -5
    logits[6, 11:13, 16:20] = 3
    return logits


class PseDecoderTest(unittest.TestCase):

    def test_mmocr_grows_kernels_through_the_text_map(self):
        result = decode('PSEPostprocessor', {'text_repr_type': 'quad'}, pse_logits(), (0.5, 0.5), (48, 32))
        # Map pixels / (0.5 * 0.25).
        self.assertEqual([corners(p) for p, _ in result], [box(16, 16, 88, 56), box(112, 80, 168, 104)])
        for _, score in result:
            self.assertAlmostEqual(score, 1 / (1 + np.exp(-3)), places=5)

    def test_sdk_grows_kernels_through_the_largest_kernel(self):
        result = decode('PSEHead', {}, pse_logits(), (0.5, 0.5), (48, 32))
        self.assertEqual([corners(p) for p, _ in result], [box(16, 16, 88, 56), box(128, 80, 168, 104)])

    def test_filters(self):
        logits = pse_logits()
        logits[:, 10:14, 14:22] = -5
        logits[:, 11:13, 16:19] = 1  # B: a 3x2 instance of mean score 0.73
        mmocr = decode('PSEPostprocessor', {'text_repr_type': 'quad'}, logits, (1, 1), (96, 64))
        self.assertEqual(len(mmocr), 2)  # MMOCR keeps an instance if big enough OR confident enough
        self.assertEqual(len(decode('PSEPostprocessor', {'score_threshold': 0.8}, logits, (1, 1), (96, 64))), 1)
        self.assertEqual(len(decode('PSEHead', {}, logits, (1, 1), (96, 64))), 1)  # area < 16
        self.assertEqual(len(decode('PSEHead', {'min_text_area': 6, 'min_text_avg_confidence': 0.7},
                                    logits, (1, 1), (96, 64))), 2)
        self.assertEqual(decode('PSEPostprocessor', {'min_kernel_confidence': 0.99}, logits, (1, 1), (96, 64)), [])

    def test_poly(self):
        result = decode('PSEPostprocessor', {}, pse_logits(), (1, 1), (96, 64))
        xy = np.array(result[0][0]).reshape(-1, 2)
        self.assertEqual((xy[:, 0].min(), xy[:, 0].max(), xy[:, 1].min(), xy[:, 1].max()), (8, 44, 8, 28))


def pan_logits(embedding_step=0.0):
    """6 maps of 48x16: one text band x 4..43, y 4..11, two kernels (x 8..15 and 32..39, y 6..9),
    the first embedding channel 0 left of x = 24 and 10 right of it, so the band splits there.
    `embedding_step` adds that much to the first channel on the band's outer columns."""
    logits = np.full((6, 16, 48), -5, np.float32)
    logits[0, 4:12, 4:44] = 3
    logits[1, 6:10, 8:16] = 3
    logits[1, 6:10, 32:40] = 3
    logits[2:] = 0
    logits[2, :, 24:] = 10
    logits[2, :, 4:6] += embedding_step
    logits[2, :, 42:44] += embedding_step
    return logits


class PanDecoderTest(unittest.TestCase):

    def test_instances_split_by_embedding(self):
        for name, params in (('PANPostprocessor', {'text_repr_type': 'quad'}), ('PANHead', {})):
            with self.subTest(name):
                result = decode(name, params, pan_logits(), (1, 1), (192, 64))
                self.assertEqual(sorted(corners(p) for p, _ in result), [box(16, 16, 92, 44), box(96, 16, 172, 44)])

    def test_distance_threshold(self):
        # Embeddings 1.0 away from the kernel's mean: within MMOCR's 3.0, beyond the SDK's 0.85.
        logits = pan_logits(embedding_step=1.0)
        mmocr = decode('PANPostprocessor', {'text_repr_type': 'quad'}, logits, (1, 1), (192, 64))
        self.assertEqual(sorted(corners(p) for p, _ in mmocr), [box(16, 16, 92, 44), box(96, 16, 172, 44)])
        sdk = decode('PANHead', {}, logits, (1, 1), (192, 64))
        self.assertEqual(sorted(corners(p) for p, _ in sdk), [box(24, 16, 92, 44), box(96, 16, 164, 44)])
        strict = decode('PANPostprocessor', {'text_repr_type': 'quad', 'distance_threshold': 0.5}, logits,
                        (1, 1), (192, 64))
        self.assertEqual(sorted(corners(p) for p, _ in strict), [box(24, 16, 92, 44), box(96, 16, 164, 44)])

    def test_score_thresholds(self):
        logits = pan_logits()
        logits[0, 4:12, 4:44] = 1.0  # text score 0.73
        self.assertEqual(len(decode('PANPostprocessor', {}, logits, (1, 1), (192, 64))), 2)
        self.assertEqual(decode('PANHead', {}, logits, (1, 1), (192, 64)), [])
        self.assertEqual(len(decode('PANHead', {'min_text_avg_confidence': 0.7}, logits, (1, 1), (192, 64))), 2)

    def test_min_text_area(self):
        self.assertEqual(decode('PANPostprocessor', {'min_text_area': 161}, pan_logits(), (1, 1), (192, 64)), [])
        self.assertEqual(len(decode('PANPostprocessor', {'min_text_area': 160}, pan_logits(), (1, 1), (192, 64))), 2)


if __name__ == '__main__':
    unittest.main()
