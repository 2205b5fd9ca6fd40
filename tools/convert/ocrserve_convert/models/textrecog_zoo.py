"""The MMOCR 1.x text recognition configs we can build, keyed by config name.

Each entry holds the network builder and what the SDK files need from the config: the data
preprocessor, the test pipeline, the dictionary and the decoder's postprocessor (values as the
configs write them, after their `_base_` files are merged; the file-IO option
`file_client_args` of LoadImageFromFile is left out), the recogniser type, the postprocess
component mmdeploy writes in pipeline.json, and the model zoo checkpoint (for documentation).
Configs read: configs/textrecog/{crnn,sar,satrn}/ of MMOCR 1.0.x and their `_base_` files; the
dictionary files are copied in ../dicts/.

Class counts (Dictionary: characters, then start/end or the shared start-end token, padding,
unknown): CRNN 36 + padding = 37 (the CTC blank is the padding class, index 36); SAR and SATRN
90 + <BOS/EOS> (90) + <PAD> (91) + <UKN> (92) = 93. In MMOCR 1.x every decoder here predicts all
classes, padding included.
"""
import copy
import os

# The network modules import PyTorch (seconds): the builders import them when called, so that
# reading the entries (checking a config name before converting) stays fast.

_DOWNLOAD = 'https://download.openmmlab.com/mmocr/textrecog'
DICTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'dicts')

_PACK = {'type': 'PackTextRecogInputs', 'meta_keys': ('img_path', 'ori_shape', 'img_shape', 'valid_ratio')}
_LOAD_ANNOTATIONS = {'type': 'LoadOCRAnnotations', 'with_text': True}

_LOWER_DICT = {'dict_file': 'lower_english_digits.txt', 'with_start': False, 'with_end': False,
               'same_start_end': False, 'with_padding': True, 'with_unknown': False}
_SYMBOLS_DICT = {'dict_file': 'english_digits_symbols.txt', 'with_start': True, 'with_end': True,
                 'same_start_end': True, 'with_padding': True, 'with_unknown': True}


def _class_indexes(dictionary: dict) -> dict:
    """num_classes and the special indexes of a Dictionary config (MMOCR's order)."""
    with open(os.path.join(DICTS_DIR, dictionary['dict_file']), encoding='utf-8') as f:
        count = sum(1 for line in f.read().splitlines() if line != '')
    indexes = {'start': None, 'end': None, 'padding': None, 'unknown': None}
    if dictionary['with_start'] and dictionary['with_end'] and dictionary['same_start_end']:
        indexes['start'] = indexes['end'] = count
        count += 1
    else:
        for key in ('start', 'end'):
            if dictionary[f'with_{key}']:
                indexes[key] = count
                count += 1
    for key in ('padding', 'unknown'):
        if dictionary[f'with_{key}']:
            indexes[key] = count
            count += 1
    indexes['num_classes'] = count
    return indexes


def build_crnn_mini_vgg():
    from .crnn_decoder import CRNNDecoder
    from .mini_vgg import MiniVGG
    from .text_recognizer import TextRecognizer
    # _base_crnn_mini-vgg.py: MiniVGG(leaky_relu=False, input_channels=1), CRNNDecoder(in_channels
    # 512, rnn_flag=True), no encoder.
    classes = _class_indexes(_LOWER_DICT)
    return TextRecognizer(
        backbone=MiniVGG(leaky_relu=False, input_channels=1),
        encoder=None,
        decoder=CRNNDecoder(512, classes['num_classes'], rnn_flag=True),
        model_type='CRNN').eval()


def build_sar_resnet31_parallel():
    from .resnet31_ocr import ResNet31OCR
    from .sar import ParallelSARDecoder, SAREncoder
    from .text_recognizer import TextRecognizer
    # _base_sar_resnet31_parallel-decoder.py: ResNet31OCR defaults; SAREncoder(enc_bi_rnn=False,
    # enc_do_rnn=0.1, enc_gru=False) (MMOCR 1.x names that dropout rnn_dropout, so the config's
    # value is swallowed by **kwargs; dropout does nothing at test time anyway);
    # ParallelSARDecoder(enc_bi_rnn=False, dec_bi_rnn=False, dec_do_rnn=0, dec_gru=False,
    # pred_dropout=0.1, d_k=512, pred_concat=True, max_seq_len=30).
    classes = _class_indexes(_SYMBOLS_DICT)
    return TextRecognizer(
        backbone=ResNet31OCR(),
        encoder=SAREncoder(enc_bi_rnn=False, enc_gru=False),
        decoder=ParallelSARDecoder(classes['num_classes'], start_idx=classes['start'],
                                   padding_idx=classes['padding'], enc_bi_rnn=False, dec_bi_rnn=False,
                                   dec_gru=False, pred_dropout=0.1, d_k=512, pred_concat=True, max_seq_len=30),
        model_type='SARNet').eval()


def _build_satrn(d_model: int, n_encoder_layers: int):
    from .nrtr_decoder import NRTRDecoder
    from .satrn import SATRNEncoder
    from .shallow_cnn import ShallowCNN
    from .text_recognizer import TextRecognizer
    # _base_satrn_shallow.py: ShallowCNN(input_channels=3, hidden_dim=512); SATRNEncoder(n_layers=12,
    # n_head=8, d_k=d_v=64, d_model=512, n_position=100, d_inner=2048, dropout=0.1); NRTRDecoder(
    # n_layers=6, d_embedding=512, n_head=8, d_model=512, d_inner=2048, d_k=d_v=64, max_seq_len=25).
    # satrn_shallow-small_5e_st_mj.py: the same with 256 channels and 6 encoder layers.
    classes = _class_indexes(_SYMBOLS_DICT)
    return TextRecognizer(
        backbone=ShallowCNN(input_channels=3, hidden_dim=d_model),
        encoder=SATRNEncoder(n_layers=n_encoder_layers, n_head=8, d_k=d_model // 8, d_v=d_model // 8,
                             d_model=d_model, n_position=100, d_inner=d_model * 4, dropout=0.1),
        decoder=NRTRDecoder(classes['num_classes'], start_idx=classes['start'], padding_idx=classes['padding'],
                            n_layers=6, d_embedding=d_model, n_head=8, d_k=d_model // 8, d_v=d_model // 8,
                            d_model=d_model, d_inner=d_model * 4, max_seq_len=25),
        model_type='SATRN').eval()


def build_satrn_shallow():
    return _build_satrn(512, 12)


def build_satrn_shallow_small():
    return _build_satrn(256, 6)


_SATRN_PIPELINE = [
    {'type': 'LoadImageFromFile'},
    {'type': 'Resize', 'scale': (100, 32), 'keep_ratio': False},
    _LOAD_ANNOTATIONS,
    _PACK,
]

_SATRN_ENTRY = {
    'model_type': 'SATRN',
    'convertor': 'AttnConvertor',
    'data_preprocessor': {'mean': [123.675, 116.28, 103.53], 'std': [58.395, 57.12, 57.375], 'bgr_to_rgb': False},
    'test_pipeline': _SATRN_PIPELINE,
    'dictionary': _SYMBOLS_DICT,
    'postprocessor': {'type': 'AttentionPostprocessor'},
    'max_seq_len': 25,
}

_MODELS = {
    'crnn_mini-vgg_5e_mj': {
        'build': build_crnn_mini_vgg,
        'model_type': 'CRNN',
        'convertor': 'CTCConvertor',
        'data_preprocessor': {'mean': [127], 'std': [127], 'bgr_to_rgb': False},
        'test_pipeline': [
            {'type': 'LoadImageFromFile', 'color_type': 'grayscale'},
            {'type': 'RescaleToHeight', 'height': 32, 'min_width': 32, 'max_width': None, 'width_divisor': 16},
            _LOAD_ANNOTATIONS,
            _PACK,
        ],
        'dictionary': _LOWER_DICT,
        'postprocessor': {'type': 'CTCPostProcessor'},
        'max_seq_len': None,
        'checkpoint_url': f'{_DOWNLOAD}/crnn/crnn_mini-vgg_5e_mj/crnn_mini-vgg_5e_mj_20220826_224120-8afbedbb.pth',
    },
    'sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real': {
        'build': build_sar_resnet31_parallel,
        'model_type': 'SARNet',
        'convertor': 'AttnConvertor',
        'data_preprocessor': {'mean': [127, 127, 127], 'std': [127, 127, 127], 'bgr_to_rgb': False},
        'test_pipeline': [
            {'type': 'LoadImageFromFile'},
            {'type': 'RescaleToHeight', 'height': 48, 'min_width': 48, 'max_width': 160, 'width_divisor': 4},
            {'type': 'PadToWidth', 'width': 160},
            _LOAD_ANNOTATIONS,
            _PACK,
        ],
        'dictionary': _SYMBOLS_DICT,
        'postprocessor': {'type': 'AttentionPostprocessor'},
        'max_seq_len': 30,
        'checkpoint_url': f'{_DOWNLOAD}/sar/sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real/'
                          'sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real_20220915_171910-04eb4e75.pth',
    },
    'satrn_shallow_5e_st_mj': dict(
        _SATRN_ENTRY, build=build_satrn_shallow,
        checkpoint_url=f'{_DOWNLOAD}/satrn/satrn_shallow_5e_st_mj/satrn_shallow_5e_st_mj_20220915_152443-5fd04a4c.pth'),
    'satrn_shallow-small_5e_st_mj': dict(
        _SATRN_ENTRY, build=build_satrn_shallow_small,
        checkpoint_url=f'{_DOWNLOAD}/satrn/satrn_shallow-small_5e_st_mj/'
                       'satrn_shallow-small_5e_st_mj_20220915_152442-5591bf27.pth'),
}

# Every entry gets its own copies of the nested dicts and lists, so that a caller editing one
# entry (e.g. the pipeline) does not change another.
TEXTRECOG_MODELS = {name: {key: (value if callable(value) else copy.deepcopy(value)) for key, value in entry.items()}
                    for name, entry in _MODELS.items()}
