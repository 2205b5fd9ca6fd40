"""Text recognition networks (parameter names of MMOCR 1.x checkpoints, mmdeploy's outputs, ONNX
export), the dictionaries and the reference decoders.

    /usr/bin/python3 -m unittest discover -s tools/convert/tests -t tools/convert
"""
import copy
import os
import tempfile
import unittest
import warnings

import numpy as np
import torch

from ocrserve_convert.checkpoint import CheckpointError
from ocrserve_convert.models.nrtr_decoder import NRTRDecoder
from ocrserve_convert.models.sar import ParallelSARDecoder, SAREncoder
from ocrserve_convert.models.textrecog_zoo import DICTS_DIR, TEXTRECOG_MODELS
from ocrserve_convert.reference.textrecog import DecodeError, build_dictionary, decode

from .network_checks import (assert_batch_norms_complete, assert_round_trips_strictly, assert_strict_load_names,
                             cached_builder, dims, export_dynamic, load_saved)

CRNN = 'crnn_mini-vgg_5e_mj'
SAR = 'sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real'
SATRN = 'satrn_shallow_5e_st_mj'
SATRN_SM = 'satrn_shallow-small_5e_st_mj'

LOWER = '0123456789abcdefghijklmnopqrstuvwxyz'
SYMBOLS = LOWER + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' + '!"#$%&\'()*+,-./:;<=>?@[\\]_`~'

# Per config: a realistic input (the test pipeline's output size), the output shape [N, T, C],
# state_dict size, parameter count, and keys with the shapes an MMOCR 1.x checkpoint stores (read
# off MMOCR's MiniVGG, CRNNDecoder / BidirectionalLSTM, ResNet31OCR / BasicBlock, SAREncoder,
# ParallelSARDecoder, ShallowCNN, SATRNEncoder / satrn_layers, NRTRDecoder / TFDecoderLayer /
# MultiHeadAttention), plus keys it must not have.
EXPECTED = {
    CRNN: {
        'input': (1, 1, 32, 100), 'output': (1, 26, 37), 'keys': 49, 'params': 8331301,
        'prefixes': {'backbone', 'decoder'},
        'has': {
            'backbone.cnn.conv0.weight': (64, 1, 3, 3),
            'backbone.cnn.conv0.bias': (64,),
            'backbone.cnn.conv1.weight': (128, 64, 3, 3),
            'backbone.cnn.batchnorm2.running_mean': (256,),
            'backbone.cnn.batchnorm4.weight': (512,),
            'backbone.cnn.conv6.weight': (512, 512, 2, 2),
            'backbone.cnn.batchnorm6.num_batches_tracked': (),
            'decoder.decoder.0.rnn.weight_ih_l0': (1024, 512),
            'decoder.decoder.0.rnn.weight_hh_l0': (1024, 256),
            'decoder.decoder.0.rnn.bias_ih_l0_reverse': (1024,),
            'decoder.decoder.0.embedding.weight': (256, 512),
            'decoder.decoder.1.rnn.weight_ih_l0_reverse': (1024, 256),
            'decoder.decoder.1.embedding.weight': (37, 512),
            'decoder.decoder.1.embedding.bias': (37,),
        },
        'lacks': ['backbone.cnn.batchnorm0.weight', 'backbone.cnn.batchnorm3.weight', 'backbone.cnn.conv7.weight',
                  'decoder.decoder.0.rnn.weight_ih_l1', 'data_preprocessor.mean'],
    },
    SAR: {
        'input': (1, 3, 48, 160), 'output': (1, 30, 93), 'keys': 213, 'params': 57458014,
        'prefixes': {'backbone', 'encoder', 'decoder'},
        'has': {
            'backbone.conv1_1.weight': (64, 3, 3, 3),
            'backbone.conv1_1.bias': (64,),
            'backbone.bn1_2.running_var': (128,),
            'backbone.block2.0.conv1.weight': (256, 128, 3, 3),
            'backbone.block2.0.bn2.weight': (256,),
            'backbone.block2.0.downsample.0.weight': (256, 128, 1, 1),
            'backbone.block2.0.downsample.1.running_mean': (256,),
            'backbone.conv2.weight': (256, 256, 3, 3),
            'backbone.block3.1.conv2.weight': (256, 256, 3, 3),
            'backbone.block4.0.downsample.0.weight': (512, 256, 1, 1),
            'backbone.block4.4.bn2.num_batches_tracked': (),
            'backbone.block5.2.conv2.weight': (512, 512, 3, 3),
            'backbone.conv5.bias': (512,),
            'backbone.bn5.running_var': (512,),
            'encoder.rnn_encoder.weight_ih_l0': (2048, 512),
            'encoder.rnn_encoder.bias_hh_l1': (2048,),
            'encoder.linear.weight': (512, 512),
            'decoder.conv1x1_1.weight': (512, 512),
            'decoder.conv3x3_1.weight': (512, 512, 3, 3),
            'decoder.conv1x1_2.weight': (1, 512),
            'decoder.conv1x1_2.bias': (1,),
            'decoder.rnn_decoder.weight_hh_l1': (2048, 512),
            'decoder.embedding.weight': (93, 512),
            'decoder.prediction.weight': (93, 1536),
            'decoder.prediction.bias': (93,),
        },
        'lacks': ['backbone.block3.0.downsample.0.weight', 'backbone.block5.0.downsample.0.weight',
                  'backbone.block2.0.conv1.bias', 'backbone.block2.1.conv1.weight', 'backbone.block4.5.conv1.weight',
                  'encoder.rnn_encoder.weight_ih_l0_reverse', 'decoder.rnn_decoder.weight_ih_l2'],
    },
    SATRN: {
        'input': (1, 3, 32, 100), 'output': (1, 25, 93), 'keys': 450, 'params': 65640797,
        'prefixes': {'backbone', 'encoder', 'decoder'},
        'has': {
            'backbone.conv1.conv.weight': (256, 3, 3, 3),
            'backbone.conv1.bn.running_var': (256,),
            'backbone.conv2.conv.weight': (512, 256, 3, 3),
            'backbone.conv2.bn.num_batches_tracked': (),
            'encoder.position_enc.h_position_encoder': (1, 512, 100, 1),
            'encoder.position_enc.w_position_encoder': (1, 512, 1, 100),
            'encoder.position_enc.h_scale.0.weight': (512, 512, 1, 1),
            'encoder.position_enc.h_scale.2.bias': (512,),
            'encoder.position_enc.w_scale.2.weight': (512, 512, 1, 1),
            'encoder.layer_stack.0.norm1.weight': (512,),
            'encoder.layer_stack.0.attn.linear_q.weight': (512, 512),
            'encoder.layer_stack.0.attn.fc.weight': (512, 512),
            'encoder.layer_stack.11.norm2.bias': (512,),
            'encoder.layer_stack.11.feed_forward.conv1.conv.weight': (2048, 512, 1, 1),
            'encoder.layer_stack.11.feed_forward.depthwise_conv.conv.weight': (2048, 1, 3, 3),
            'encoder.layer_stack.11.feed_forward.depthwise_conv.bn.running_mean': (2048,),
            'encoder.layer_stack.11.feed_forward.conv2.conv.weight': (512, 2048, 1, 1),
            'encoder.layer_norm.weight': (512,),
            'decoder.trg_word_emb.weight': (93, 512),
            'decoder.position_enc.position_table': (1, 200, 512),
            'decoder.layer_stack.0.norm1.weight': (512,),
            'decoder.layer_stack.5.self_attn.linear_k.weight': (512, 512),
            'decoder.layer_stack.5.enc_attn.linear_v.weight': (512, 512),
            'decoder.layer_stack.5.enc_attn.fc.weight': (512, 512),
            'decoder.layer_stack.5.mlp.w_1.weight': (2048, 512),
            'decoder.layer_stack.5.mlp.w_1.bias': (2048,),
            'decoder.layer_stack.5.mlp.w_2.weight': (512, 2048),
            'decoder.layer_stack.5.norm3.bias': (512,),
            'decoder.layer_norm.weight': (512,),
            'decoder.classifier.weight': (93, 512),
            'decoder.classifier.bias': (93,),
        },
        'lacks': ['backbone.conv1.conv.bias', 'encoder.layer_stack.0.attn.linear_q.bias',
                  'encoder.layer_stack.0.feed_forward.conv1.conv.bias', 'encoder.layer_stack.12.norm1.weight',
                  'encoder.position_enc.h_scale.1.weight', 'decoder.layer_stack.6.norm1.weight',
                  'decoder.layer_stack.0.self_attn.fc.bias'],
    },
    SATRN_SM: {
        'input': (1, 3, 32, 100), 'output': (1, 25, 93), 'keys': 294, 'params': 11727069,
        'prefixes': {'backbone', 'encoder', 'decoder'},
        'has': {
            'backbone.conv1.conv.weight': (128, 3, 3, 3),
            'backbone.conv2.conv.weight': (256, 128, 3, 3),
            'encoder.position_enc.h_position_encoder': (1, 256, 100, 1),
            'encoder.layer_stack.5.attn.linear_v.weight': (256, 256),
            'encoder.layer_stack.5.feed_forward.depthwise_conv.conv.weight': (1024, 1, 3, 3),
            'decoder.position_enc.position_table': (1, 200, 256),
            'decoder.layer_stack.5.mlp.w_1.weight': (1024, 256),
            'decoder.classifier.weight': (93, 256),
        },
        'lacks': ['encoder.layer_stack.6.norm1.weight', 'decoder.layer_stack.6.norm1.weight'],
    },
}

# Narrow inputs (same height) where only agreement matters, to keep the tests fast.
NARROW = {CRNN: (1, 1, 32, 48), SAR: (1, 3, 48, 64), SATRN: (1, 3, 32, 32), SATRN_SM: (1, 3, 32, 48)}

built = cached_builder(TEXTRECOG_MODELS)


def short(name, steps=2):
    """A copy of the network that decodes only `steps` steps (the unrolled ONNX graph of the
    autoregressive decoders grows with every step; each step is the same computation)."""
    model = copy.deepcopy(built(name))
    if hasattr(model.decoder, 'max_seq_len'):
        model.decoder.max_seq_len = steps
    return model


def dictionary(name):
    entry = TEXTRECOG_MODELS[name]['dictionary']
    flags = {k: v for k, v in entry.items() if k != 'dict_file'}
    return build_dictionary(os.path.join(DICTS_DIR, entry['dict_file']), **flags)


class RegistryTest(unittest.TestCase):

    def test_entries_follow_the_contract(self):
        self.assertEqual(set(TEXTRECOG_MODELS), set(EXPECTED))
        kinds = {CRNN: ('CRNN', 'CTCConvertor', 'CTCPostProcessor', None),
                 SAR: ('SARNet', 'AttnConvertor', 'AttentionPostprocessor', 30),
                 SATRN: ('SATRN', 'AttnConvertor', 'AttentionPostprocessor', 25),
                 SATRN_SM: ('SATRN', 'AttnConvertor', 'AttentionPostprocessor', 25)}
        fields = {'build', 'model_type', 'convertor', 'data_preprocessor', 'test_pipeline', 'dictionary',
                  'postprocessor', 'max_seq_len', 'checkpoint_url'}
        for name, entry in TEXTRECOG_MODELS.items():
            with self.subTest(name):
                self.assertEqual(set(entry), fields)
                self.assertEqual((entry['model_type'], entry['convertor'], entry['postprocessor']['type'],
                                  entry['max_seq_len']), kinds[name])
                self.assertEqual(set(entry['data_preprocessor']), {'mean', 'std', 'bgr_to_rgb'})
                self.assertFalse(entry['data_preprocessor']['bgr_to_rgb'])
                pipeline = entry['test_pipeline']
                self.assertEqual(pipeline[0]['type'], 'LoadImageFromFile')
                self.assertEqual(pipeline[-2], {'type': 'LoadOCRAnnotations', 'with_text': True})
                self.assertEqual(pipeline[-1], {'type': 'PackTextRecogInputs',
                                                'meta_keys': ('img_path', 'ori_shape', 'img_shape', 'valid_ratio')})
                self.assertEqual(set(entry['dictionary']), {'dict_file', 'with_start', 'with_end', 'same_start_end',
                                                            'with_padding', 'with_unknown'})
                self.assertTrue(os.path.isfile(os.path.join(DICTS_DIR, entry['dictionary']['dict_file'])))
                self.assertTrue(entry['checkpoint_url'].startswith('https://download.openmmlab.com/mmocr/textrecog/'))
                self.assertTrue(entry['checkpoint_url'].endswith('.pth'))
                self.assertIn(f'/{name}/{name}_2022', entry['checkpoint_url'])
                model = built(name)
                self.assertFalse(model.training)
                self.assertEqual(model.model_type, entry['model_type'])
                if entry['max_seq_len'] is not None:
                    self.assertEqual(model.decoder.max_seq_len, entry['max_seq_len'])
        crnn = TEXTRECOG_MODELS[CRNN]
        self.assertEqual(crnn['data_preprocessor'], {'mean': [127], 'std': [127], 'bgr_to_rgb': False})
        self.assertEqual(crnn['test_pipeline'][:2], [
            {'type': 'LoadImageFromFile', 'color_type': 'grayscale'},
            {'type': 'RescaleToHeight', 'height': 32, 'min_width': 32, 'max_width': None, 'width_divisor': 16}])
        self.assertEqual(crnn['dictionary'], {'dict_file': 'lower_english_digits.txt', 'with_start': False,
                                              'with_end': False, 'same_start_end': False, 'with_padding': True,
                                              'with_unknown': False})
        sar = TEXTRECOG_MODELS[SAR]
        self.assertEqual(sar['data_preprocessor']['mean'], [127, 127, 127])
        self.assertEqual(sar['test_pipeline'][1:3], [
            {'type': 'RescaleToHeight', 'height': 48, 'min_width': 48, 'max_width': 160, 'width_divisor': 4},
            {'type': 'PadToWidth', 'width': 160}])
        for name in (SAR, SATRN, SATRN_SM):
            self.assertEqual(TEXTRECOG_MODELS[name]['dictionary'], {
                'dict_file': 'english_digits_symbols.txt', 'with_start': True, 'with_end': True,
                'same_start_end': True, 'with_padding': True, 'with_unknown': True})
        for name in (SATRN, SATRN_SM):
            entry = TEXTRECOG_MODELS[name]
            self.assertEqual(entry['data_preprocessor']['std'], [58.395, 57.12, 57.375])
            self.assertEqual(entry['test_pipeline'][:2], [
                {'type': 'LoadImageFromFile'}, {'type': 'Resize', 'scale': (100, 32), 'keep_ratio': False}])

    def test_entries_are_independent(self):
        first, second = TEXTRECOG_MODELS[SAR], TEXTRECOG_MODELS[SATRN]
        self.assertIsNot(first['dictionary'], second['dictionary'])
        self.assertIsNot(TEXTRECOG_MODELS[SATRN]['test_pipeline'], TEXTRECOG_MODELS[SATRN_SM]['test_pipeline'])
        self.assertIsNot(first['test_pipeline'][-1], second['test_pipeline'][-1])


class DictionaryFileTest(unittest.TestCase):

    def test_files_are_mmocr_character_lists(self):
        for file_name, chars in (('lower_english_digits.txt', LOWER), ('english_digits_symbols.txt', SYMBOLS)):
            with self.subTest(file_name):
                with open(os.path.join(DICTS_DIR, file_name), 'rb') as f:
                    data = f.read()
                # One character a line, no newline after the last one (71 and 179 bytes upstream).
                self.assertEqual(data, '\n'.join(chars).encode())
        self.assertEqual((len(LOWER), len(SYMBOLS)), (36, 90))

    def test_class_counts_match_the_networks(self):
        for name in EXPECTED:
            with self.subTest(name):
                tokens, special = dictionary(name)
                self.assertEqual(len(tokens), built(name).num_classes)
                self.assertEqual(len(tokens), EXPECTED[name]['output'][2])
        tokens, special = dictionary(CRNN)
        self.assertEqual(tokens[-1], '<PAD>')
        self.assertEqual(special, {'start': None, 'end': None, 'padding': 36, 'unknown': None})
        tokens, special = dictionary(SAR)
        self.assertEqual(tokens[89:], ['~', '<BOS/EOS>', '<PAD>', '<UKN>'])
        self.assertEqual(special, {'start': 90, 'end': 90, 'padding': 91, 'unknown': 92})
        sar, satrn = built(SAR).decoder, built(SATRN).decoder
        self.assertEqual((sar.start_idx, sar.embedding.padding_idx), (90, 91))
        self.assertEqual((satrn.start_idx, satrn.padding_idx, satrn.trg_word_emb.padding_idx), (90, 91, 91))


class NetworkTest(unittest.TestCase):

    def test_output_shapes_and_probabilities(self):
        for name, expected in EXPECTED.items():
            with self.subTest(name), torch.no_grad():
                torch.manual_seed(0)
                out = built(name)(torch.randn(*expected['input']))
                self.assertEqual(tuple(out.shape), expected['output'])
                self.assertTrue(torch.isfinite(out).all())
                self.assertTrue((out >= 0).all())
                self.assertTrue(torch.allclose(out.sum(-1), torch.ones(out.shape[:2]), atol=1e-5))

    def test_crnn_sequence_length_follows_the_width(self):
        model = built(CRNN)
        with torch.no_grad():
            for width, steps in ((32, 9), (96, 25), (160, 41)):
                self.assertEqual(tuple(model(torch.randn(2, 1, 32, width)).shape), (2, steps, 37))

    def test_batch_items_are_independent(self):
        for name in (CRNN, SAR, SATRN_SM):
            with self.subTest(name), torch.no_grad():
                model = built(name)
                torch.manual_seed(1)
                x = torch.randn(2, *NARROW[name][1:])
                together = model(x)
                for i in range(2):
                    self.assertTrue(torch.allclose(together[i], model(x[i:i + 1])[0], atol=1e-5))

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
                self.assertEqual({key.split('.')[0] for key in state}, expected['prefixes'])

    def test_every_batch_norm_has_its_five_entries(self):
        for name in EXPECTED:
            with self.subTest(name):
                assert_batch_norms_complete(self, built(name).state_dict())

    def test_position_tables_are_mmocr_sinusoids(self):
        state = built(SATRN).state_dict()
        table = state['decoder.position_enc.position_table'][0]
        position, column = 7, torch.arange(512)
        angle = position / torch.pow(10000.0, (2 * (column // 2)).double() / 512)
        expected = torch.where(column % 2 == 0, torch.sin(angle), torch.cos(angle)).float()
        self.assertTrue(torch.allclose(table[position], expected, atol=1e-5))
        # The encoder's tables: row-major [d, n] tables of the same kind, for heights and widths.
        h_table = state['encoder.position_enc.h_position_encoder'][0, :, :, 0]
        self.assertTrue(torch.equal(h_table.t(), table[:100]))
        self.assertTrue(torch.equal(state['encoder.position_enc.w_position_encoder'][0, :, 0, :], h_table))

    def test_state_dict_round_trips_strictly(self):
        for name in EXPECTED:
            with self.subTest(name):
                assert_round_trips_strictly(self, TEXTRECOG_MODELS, built(name), name, torch.randn(*NARROW[name]))

    def test_renamed_key_is_refused_with_both_names(self):
        assert_strict_load_names(self, built(SAR), 'decoder.prediction.weight', 'decoder.predictions.weight')

    def test_checkpoint_loader_lists_mismatches(self):
        model = built(CRNN)
        state = dict(model.state_dict())
        state['backbone.cnn.batchnorm_2.weight'] = state.pop('backbone.cnn.batchnorm2.weight')
        state['decoder.decoder.1.embedding.bias'] = torch.zeros(36)  # a 0.x-sized head
        state['data_preprocessor.mean'] = torch.zeros(1)  # dropped by the loader, not reported
        with self.assertRaises(CheckpointError) as caught:
            load_saved(model, state)
        message = str(caught.exception)
        self.assertIn('missing keys (1): backbone.cnn.batchnorm2.weight', message)
        self.assertIn('unexpected keys (1): backbone.cnn.batchnorm_2.weight', message)
        self.assertIn('decoder.decoder.1.embedding.bias (36,) vs (37,)', message)
        self.assertNotIn('data_preprocessor', message)

    def test_checkpoint_loader_accepts_own_state_dict(self):
        model = built(SATRN_SM)
        load_saved(model, model.state_dict())

    def test_onnx_export_with_dynamic_axes(self):
        # SAR and SATRN unroll one decoder step per character; two steps show the graph is sound.
        # The full-size SATRN is left out for time (15-20 s here: the same code as the small one
        # with four times the weights and twice the encoder layers).
        for name, expected in EXPECTED.items():
            if name == SATRN:
                continue
            with self.subTest(name), torch.no_grad():
                model = short(name)
                steps = expected['output'][1] if name == CRNN else 2
                proto = export_dynamic(self, model, torch.randn(*expected['input']), 'text-recognition')
                self.assertEqual(dims(proto.graph.input[0]), ['batch', expected['input'][1], expected['input'][2], 'width'])
                self.assertEqual(dims(proto.graph.output[0]), ['batch', 'seq_len', expected['output'][2]])
                ops = {n.op_type for n in proto.graph.node}
                self.assertNotIn('Loop', ops)
                if name != CRNN:  # the last step's arg-max feeds nothing and is pruned
                    self.assertEqual(sum(n.op_type == 'ArgMax' for n in proto.graph.node), steps - 1)
                self.assertEqual(model(torch.randn(1, *expected['input'][1:])).shape[1], steps)

    def test_traced_network_follows_other_shapes(self):
        for name in (CRNN, SAR, SATRN_SM):
            with self.subTest(name), torch.no_grad():
                model = built(name)
                shape = EXPECTED[name]['input']
                traced = torch.jit.trace(model, torch.randn(*shape), check_trace=False)
                other = torch.randn(2, shape[1], shape[2], shape[3] - 32)
                self.assertTrue(torch.allclose(traced(other), model(other), atol=1e-5))


class IncrementalDecodingTest(unittest.TestCase):
    """Our decoders decode incrementally; MMOCR re-runs the whole sequence at every step."""

    def test_sar_matches_the_full_sequence_loop(self):
        torch.manual_seed(2)
        decoder = ParallelSARDecoder(12, start_idx=10, padding_idx=11, d_model=32, d_enc=32, d_k=16,
                                     max_seq_len=6, pred_concat=True).eval()
        feat, holistic = torch.randn(3, 32, 4, 10), torch.randn(3, 32)
        with torch.no_grad():
            self.assertTrue(torch.allclose(decoder(feat, holistic), decoder.forward_full_sequence(feat, holistic),
                                           atol=1e-6))
            decoder.valid_ratio = 0.55  # attention masked to columns < ceil(10 * 0.55) = 6
            masked = decoder(feat, holistic)
            self.assertTrue(torch.allclose(masked, decoder.forward_full_sequence(feat, holistic), atol=1e-6))
            changed = feat.clone()
            changed[..., 7:] = 5.0  # column 6 is masked; the 3x3 key convolution reads it for column 5
            self.assertTrue(torch.allclose(decoder(changed, holistic), masked, atol=1e-6))

    def test_sar_full_size_decoder(self):
        model = short(SAR, 8)
        with torch.no_grad():
            feat = model.backbone(torch.randn(1, 3, 48, 40))
            holistic = model.encoder(feat)
            self.assertTrue(torch.allclose(model.decoder(feat, holistic),
                                           model.decoder.forward_full_sequence(feat, holistic), atol=1e-5))

    def test_sar_encoder_valid_ratio_picks_the_last_valid_column(self):
        torch.manual_seed(3)
        encoder = SAREncoder(d_model=8, d_enc=8).eval()
        feat = torch.randn(2, 8, 3, 10)
        with torch.no_grad():
            states = encoder.rnn_encoder(feat.amax(dim=2).permute(0, 2, 1))[0]
            self.assertTrue(torch.allclose(encoder(feat), encoder.linear(states[:, 9])))
            encoder.valid_ratio = 0.25  # ceil(10 * 0.25) = 3 valid columns
            self.assertTrue(torch.allclose(encoder(feat), encoder.linear(states[:, 2])))
            encoder.valid_ratio = 1.0
            self.assertTrue(torch.allclose(encoder(feat), encoder.linear(states[:, 9])))

    def test_nrtr_matches_the_full_sequence_loop(self):
        torch.manual_seed(4)
        decoder = NRTRDecoder(12, start_idx=10, padding_idx=11, n_layers=2, d_embedding=32, n_head=4, d_k=8,
                              d_v=8, d_model=32, d_inner=64, n_position=20, max_seq_len=7).eval()
        memory = torch.randn(3, 15, 32)
        with torch.no_grad():
            self.assertTrue(torch.allclose(decoder(None, memory), decoder.forward_full_sequence(None, memory),
                                           atol=1e-6))
            # Predicted padding tokens are masked as keys from then on, in both versions.
            decoder.classifier.bias[11] = 50.0
            out = decoder(None, memory)
            self.assertTrue((out.argmax(-1) == 11).all())
            self.assertTrue(torch.allclose(out, decoder.forward_full_sequence(None, memory), atol=1e-6))

    def test_satrn_decoder(self):
        model = short(SATRN_SM, 10)
        with torch.no_grad():
            memory = model.encoder(model.backbone(torch.randn(2, 3, 32, 24)))
            self.assertEqual(tuple(memory.shape), (2, 8 * 6, 256))
            self.assertTrue(torch.allclose(model.decoder(None, memory),
                                           model.decoder.forward_full_sequence(None, memory), atol=1e-5))


def one_hot(tokens, indexes, peak=0.9):
    """[T, C] probabilities with `peak` at each index and the rest spread evenly."""
    probs = np.full((len(indexes), len(tokens)), (1 - peak) / (len(tokens) - 1), dtype=np.float32)
    probs[np.arange(len(indexes)), indexes] = peak
    return probs


class DictionaryBuilderTest(unittest.TestCase):

    def write(self, text):
        handle = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False, encoding='utf-8', newline='')
        handle.write(text)
        handle.close()
        self.addCleanup(os.unlink, handle.name)
        return handle.name

    def test_special_token_order(self):
        path = self.write('a\nb\nc\n')
        self.assertEqual(build_dictionary(path), (['a', 'b', 'c'], dict.fromkeys(('start', 'end', 'padding',
                                                                                    'unknown'))))
        tokens, special = build_dictionary(path, with_start=True, with_end=True, with_padding=True, with_unknown=True)
        self.assertEqual(tokens, ['a', 'b', 'c', '<BOS>', '<EOS>', '<PAD>', '<UKN>'])
        self.assertEqual(special, {'start': 3, 'end': 4, 'padding': 5, 'unknown': 6})
        tokens, special = build_dictionary(path, with_start=True, with_end=True, same_start_end=True,
                                           with_unknown=True)
        self.assertEqual(tokens, ['a', 'b', 'c', '<BOS/EOS>', '<UKN>'])
        self.assertEqual(special, {'start': 3, 'end': 3, 'padding': None, 'unknown': 4})
        # same_start_end needs both flags; unknown_token None drops the unknown token.
        tokens, special = build_dictionary(path, with_end=True, same_start_end=True, with_unknown=True,
                                           unknown_token=None)
        self.assertEqual(tokens, ['a', 'b', 'c', '<EOS>'])
        self.assertEqual(special, {'start': None, 'end': 3, 'padding': None, 'unknown': None})
        # Config keys other than the flags are ignored.
        self.assertEqual(build_dictionary(path, type='Dictionary', dict_file='x', with_padding=True)[0][-1], '<PAD>')

    def test_file_rules(self):
        tokens, _ = build_dictionary(self.write('a\r\n\r\n \nb'))
        self.assertEqual(tokens, ['a', ' ', 'b'])  # CRLF stripped, empty line skipped, space kept
        with self.assertRaisesRegex(DecodeError, 'line 2 has 2 characters'):
            build_dictionary(self.write('a\nbc\n'))
        with self.assertRaisesRegex(DecodeError, 'duplicated'):
            build_dictionary(self.write('a\nb\na\n'))
        with self.assertRaisesRegex(DecodeError, 'duplicated'):
            build_dictionary(self.write('a\nb\n'), with_padding=True, padding_token='a')


class CtcDecoderTest(unittest.TestCase):

    def setUp(self):
        self.tokens, self.special = dictionary(CRNN)
        self.blank = self.special['padding']

    def idx(self, text):
        return [LOWER.index(c) if c != '-' else self.blank for c in text]

    def test_collapses_repeats_and_drops_blanks(self):
        probs = one_hot(self.tokens, self.idx('hh-e-ll-lo--'))
        probs[0, LOWER.index('h')] = 0.6
        text, scores, score = decode('CTCPostProcessor', self.tokens, self.special, None, probs)
        self.assertEqual(text, 'hello')
        self.assertEqual(len(scores), 5)
        self.assertAlmostEqual(scores[0], 0.6, places=6)  # the first step of a run gives the score
        self.assertAlmostEqual(score, (0.6 + 4 * 0.9) / 5, places=6)
        self.assertEqual(decode('CTCConvertor', self.tokens, self.special, None, probs)[0], 'hello')

    def test_leading_blank_state_and_valid_ratio(self):
        probs = one_hot(self.tokens, self.idx('aab-b'))
        self.assertEqual(decode('CTCPostProcessor', self.tokens, self.special, ['padding'], probs)[0], 'abb')
        # ceil(5 * 0.5) = 3 steps are read.
        self.assertEqual(decode('CTCPostProcessor', self.tokens, self.special, None, probs, valid_ratio=0.5)[0], 'ab')

    def test_ignore_chars(self):
        probs = one_hot(self.tokens, self.idx('a-b-1'))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            self.assertEqual(decode('CTCPostProcessor', self.tokens, self.special, ['padding', 'b', 'end', 'Z'],
                                    probs)[0], 'a1')
            # Without 'padding' ignored, the blank is emitted as its token text.
            self.assertEqual(decode('CTCPostProcessor', self.tokens, self.special, [], probs)[0],
                             'a<PAD>b<PAD>1')
        with self.assertWarns(UserWarning):
            decode('CTCPostProcessor', self.tokens, self.special, ['end'], probs)

    def test_empty(self):
        probs = one_hot(self.tokens, self.idx('----'))
        self.assertEqual(decode('CTCPostProcessor', self.tokens, self.special, None, probs), ('', [], 0.0))


class AttentionDecoderTest(unittest.TestCase):

    def setUp(self):
        self.tokens, self.special = dictionary(SAR)
        self.end, self.pad, self.unknown = self.special['end'], self.special['padding'], self.special['unknown']

    def test_stops_at_end(self):
        indexes = [SYMBOLS.index(c) for c in 'Hi!'] + [self.end, SYMBOLS.index('x'), self.pad]
        probs = one_hot(self.tokens, indexes, peak=0.8)
        text, scores, score = decode('AttentionPostprocessor', self.tokens, self.special, None, probs)
        self.assertEqual(text, 'Hi!')
        self.assertEqual(len(scores), 3)
        self.assertAlmostEqual(score, 0.8, places=6)
        self.assertEqual(decode('AttnConvertor', self.tokens, self.special, None, probs)[0], 'Hi!')

    def test_ignored_indexes_are_skipped_before_the_end_check(self):
        indexes = [SYMBOLS.index('a'), self.pad, self.unknown, SYMBOLS.index('b'), self.end, SYMBOLS.index('c')]
        probs = one_hot(self.tokens, indexes)
        self.assertEqual(decode('AttentionPostprocessor', self.tokens, self.special, None, probs)[0], 'a<UKN>b')
        self.assertEqual(decode('AttentionPostprocessor', self.tokens, self.special, ['padding', 'unknown'],
                                probs)[0], 'ab')
        # An ignored end token does not stop decoding; ignoring a character by its text works too.
        self.assertEqual(decode('AttentionPostprocessor', self.tokens, self.special, ['end', '<PAD>', 'b'],
                                probs)[0], 'a<UKN>c')

    def test_empty_and_errors(self):
        probs = one_hot(self.tokens, [self.end, SYMBOLS.index('a')])
        self.assertEqual(decode('AttentionPostprocessor', self.tokens, self.special, None, probs), ('', [], 0.0))
        self.assertEqual(decode('AttentionPostprocessor', self.tokens, self.special, None, probs[None])[0], '')
        with self.assertRaisesRegex(DecodeError, '92 classes, the dictionary 93'):
            decode('AttentionPostprocessor', self.tokens, self.special, None, probs[:, :92])
        with self.assertRaisesRegex(DecodeError, 'unknown postprocessor'):
            decode('SegPostprocessor', self.tokens, self.special, None, probs)
        with self.assertRaisesRegex(DecodeError, 'ignore_chars'):
            decode('AttentionPostprocessor', self.tokens, self.special, 'padding', probs)
        with self.assertRaisesRegex(DecodeError, r'\[T, C\]'):
            decode('AttentionPostprocessor', self.tokens, self.special, None, probs[0])


class NetworkOutputDecodingTest(unittest.TestCase):

    def test_reference_decoders_take_network_outputs(self):
        for name in (CRNN, SAR, SATRN_SM):
            with self.subTest(name), torch.no_grad():
                entry = TEXTRECOG_MODELS[name]
                tokens, special = dictionary(name)
                torch.manual_seed(5)
                probs = built(name)(torch.randn(*NARROW[name]))[0].numpy()
                ignore = entry['postprocessor'].get('ignore_chars')
                for kind in (entry['postprocessor']['type'], entry['convertor']):
                    text, scores, score = decode(kind, tokens, special, ignore, probs)
                    self.assertIsInstance(text, str)
                    self.assertLessEqual(len(scores), probs.shape[0])
                    self.assertTrue(all(0 <= s <= 1 for s in scores))
                    self.assertTrue(0 <= score <= 1)
                    self.assertNotIn('<PAD>', text)


if __name__ == '__main__':
    unittest.main()
