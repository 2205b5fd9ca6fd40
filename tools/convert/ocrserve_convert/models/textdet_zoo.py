"""The MMOCR 1.x text detection configs we can build, keyed by config name.

Each entry holds the network builder and what the SDK files need from the config: the data
preprocessor, the test pipeline and the postprocessor (values as the configs write them, after
their `_base_` files are merged), the head type mmdeploy writes as the postprocess component,
and the model zoo checkpoint (for documentation). Configs read: configs/textdet/{dbnet,psenet,
panet}/ of MMOCR 1.0.x and their `_base_` files.
"""
import copy

# The network modules import PyTorch (seconds): the builders import them when called, so that
# reading the entries (checking a config name before converting) stays fast.

_DOWNLOAD = 'https://download.openmmlab.com/mmocr/textdet'

# All three families normalise with the ImageNet statistics on RGB and pad to a multiple of 32.
_DATA_PREPROCESSOR = {'mean': [123.675, 116.28, 103.53], 'std': [58.395, 57.12, 57.375], 'bgr_to_rgb': True,
                      'pad_size_divisor': 32}


def _test_pipeline(resize: dict) -> list:
    return [
        {'type': 'LoadImageFromFile', 'color_type': 'color_ignore_orientation'},
        resize,
        {'type': 'LoadOCRAnnotations', 'with_polygon': True, 'with_bbox': True, 'with_label': True},
        {'type': 'PackTextDetInputs', 'meta_keys': ('img_path', 'ori_shape', 'img_shape', 'scale_factor')},
    ]


def _eval(model):
    return model.eval()


def build_dbnet_resnet18():
    from .det_heads import DBHead
    from .fpnc import FPNC
    from .resnet import ResNet
    from .text_detector import TextDetector
    # _base_dbnet_resnet18_fpnc.py: mmdet.ResNet depth 18, style 'caffe' (no effect on basic blocks).
    return _eval(TextDetector(
        backbone=ResNet(18, style='caffe'),
        neck=FPNC(in_channels=[64, 128, 256, 512], lateral_channels=256),
        det_head=DBHead(in_channels=256),
        model_type='DBNet'))


def build_dbnet_resnet50():
    from .det_heads import DBHead
    from .fpnc import FPNC
    from .resnet import ResNet
    from .text_detector import TextDetector
    # dbnet_resnet50_1200e_icdar2015.py replaces the DCNv2 backbone of its base with a plain
    # ResNet-50, style 'pytorch'; neck and head as _base_dbnet_resnet50-dcnv2_fpnc.py.
    return _eval(TextDetector(
        backbone=ResNet(50, style='pytorch'),
        neck=FPNC(in_channels=[256, 512, 1024, 2048], lateral_channels=256),
        det_head=DBHead(in_channels=256),
        model_type='DBNet'))


def build_psenet_resnet50():
    from .det_heads import PSEHead
    from .fpnf import FPNF
    from .resnet import ResNet
    from .text_detector import TextDetector
    # _base_psenet_resnet50_fpnf.py (style 'caffe', SyncBN); psenet_resnet50_fpnf_600e_icdar2015.py
    # overrides the style to 'pytorch'.
    return _eval(TextDetector(
        backbone=ResNet(50, style='pytorch'),
        neck=FPNF(in_channels=[256, 512, 1024, 2048], out_channels=256, fusion_type='concat'),
        det_head=PSEHead(in_channels=[256], hidden_dim=256, out_channel=7),
        model_type='PSENet'))


def build_panet_resnet18():
    from .det_heads import PANHead
    from .fpem_ffm import FPEM_FFM
    from .resnet import ResNet
    from .text_detector import TextDetector
    # _base_panet_resnet18_fpem-ffm.py: ResNet-18 with a deep stem of 128 channels.
    return _eval(TextDetector(
        backbone=ResNet(18, stem_channels=128, deep_stem=True, style='pytorch'),
        neck=FPEM_FFM(in_channels=[64, 128, 256, 512]),
        det_head=PANHead(in_channels=[128, 128, 128, 128], hidden_dim=128, out_channel=6),
        model_type='PANet'))


TEXTDET_MODELS = {
    'dbnet_resnet18_fpnc_1200e_icdar2015': {
        'build': build_dbnet_resnet18,
        'model_type': 'DBNet',
        'head_type': 'DBHead',
        'data_preprocessor': copy.deepcopy(_DATA_PREPROCESSOR),
        'test_pipeline': _test_pipeline({'type': 'Resize', 'scale': (1333, 736), 'keep_ratio': True}),
        'postprocessor': {'type': 'DBPostprocessor', 'text_repr_type': 'quad'},
        'checkpoint_url': f'{_DOWNLOAD}/dbnet/dbnet_resnet18_fpnc_1200e_icdar2015/'
                          'dbnet_resnet18_fpnc_1200e_icdar2015_20220825_221614-7c0e94f2.pth',
    },
    # The config file is dbnet_resnet50_1200e_icdar2015.py; MMOCR's metafile lists the model as
    # "dbnet_resnet50_fpnc_1200e_icdar2015" with a config path that does not exist.
    'dbnet_resnet50_1200e_icdar2015': {
        'build': build_dbnet_resnet50,
        'model_type': 'DBNet',
        'head_type': 'DBHead',
        'data_preprocessor': copy.deepcopy(_DATA_PREPROCESSOR),
        'test_pipeline': _test_pipeline({'type': 'Resize', 'scale': (4068, 1024), 'keep_ratio': True}),
        'postprocessor': {'type': 'DBPostprocessor', 'text_repr_type': 'quad'},
        'checkpoint_url': f'{_DOWNLOAD}/dbnet/dbnet_resnet50_1200e_icdar2015/'
                          'dbnet_resnet50_1200e_icdar2015_20221102_115917-54f50589.pth',
    },
    'psenet_resnet50_fpnf_600e_icdar2015': {
        'build': build_psenet_resnet50,
        'model_type': 'PSENet',
        'head_type': 'PSEHead',
        'data_preprocessor': copy.deepcopy(_DATA_PREPROCESSOR),
        'test_pipeline': _test_pipeline({'type': 'Resize', 'scale': (2240, 2240), 'keep_ratio': True}),
        'postprocessor': {'type': 'PSEPostprocessor', 'text_repr_type': 'quad'},
        'checkpoint_url': f'{_DOWNLOAD}/psenet/psenet_resnet50_fpnf_600e_icdar2015/'
                          'psenet_resnet50_fpnf_600e_icdar2015_20220825_222709-b6741ec3.pth',
    },
    'panet_resnet18_fpem-ffm_600e_icdar2015': {
        'build': build_panet_resnet18,
        'model_type': 'PANet',
        'head_type': 'PANHead',
        'data_preprocessor': copy.deepcopy(_DATA_PREPROCESSOR),
        'test_pipeline': _test_pipeline({'type': 'ShortScaleAspectJitter', 'short_size': 736, 'scale_divisor': 1,
                                         'ratio_range': (1.0, 1.0), 'aspect_ratio_range': (1.0, 1.0)}),
        'postprocessor': {'type': 'PANPostprocessor', 'text_repr_type': 'quad'},
        'checkpoint_url': f'{_DOWNLOAD}/panet/panet_resnet18_fpem-ffm_600e_icdar2015/'
                          'panet_resnet18_fpem-ffm_600e_icdar2015_20220826_144817-be2acdb4.pth',
    },
}
