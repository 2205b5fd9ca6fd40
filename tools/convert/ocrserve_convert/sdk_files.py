"""deploy.json, pipeline.json and detail.json, laid out as mmdeploy 1.x writes them for MMOCR
(mmdeploy/backend/sdk/export_info.py and the mmocr task processors' get_preprocess /
get_postprocess), so that our packages and mmdeploy's are interchangeable."""
import copy
import json
import os
import shutil

from . import __version__
from .deploy_config import DeployConfig
from .model_zoo import DICTS_DIR

SDK_VERSION = '1.3.1'     # the mmdeploy release whose layout we write (deploy.json, detail.json "version")
MMOCR_VERSION = '1.0.1'   # the MMOCR release whose configs and parameter names we follow
# Who wrote the files, in detail.json beside mmdeploy's fields: not mmdeploy.
CONVERTED_BY = {'tool': 'ocrserve convert', 'version': __version__}
DEFAULT_META_KEYS = ['filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape',
                     'scale_factor', 'flip', 'flip_direction', 'img_norm_cfg', 'valid_ratio']


def network_file(deploy: DeployConfig) -> str:
    return 'end2end.pt' if deploy.backend == 'torchscript' else 'end2end.onnx'


# MMOCR 1.0.x configs load test images with file_client_args = dict(backend='disk'); the zoo
# leaves that file-IO option out of its pipelines, mmdeploy copies it into pipeline.json.
FILE_CLIENT_ARGS = {'backend': 'disk'}


def _is_dynamic_batch(deploy: DeployConfig) -> bool:
    """mmdeploy's is_dynamic_batch(deploy_cfg, 'input'): whether the IR config's dynamic_axes
    give the input a batch axis. Its dynamic ONNX configs do; static ones and the TorchScript
    configs (no dynamic_axes) do not."""
    return deploy.dynamic and deploy.backend == 'onnxruntime'


def _preprocess(entry: dict, deploy: DeployConfig) -> list:
    """The test pipeline as mmdeploy 1.x's get_preprocess rewrites it (codebase/mmocr/deploy/
    text_detection.py, text_recognition.py), in its order:

    * process_model_config: for a static input shape (w, h), a detector's Resize or
      ShortScaleAspectJitter becomes Resize(scale=(w, h), keep_ratio=False) and a recogniser's
      RescaleToHeight gets height h and min_width = max_width = w; LoadOCRAnnotations goes;
    * annotation loading and random transforms dropped; Pack*Inputs becomes Collect (keys
      ['img'], meta_keys the default list and its own; mmdeploy writes them in Python set order,
      which varies from run to run: we sort them); Resize's scale is renamed size, unchanged
      ([w, h]: the SDK reads size[0] as the width);
    * then DefaultFormatBundle before Collect, Pad (the data preprocessor's pad_size_divisor, 1
      when it has none) before that, Normalize before that."""
    transforms = [copy.deepcopy(t) for t in entry['test_pipeline']
                  if 'Random' not in t['type'] and 'Annotation' not in t['type']]
    if deploy.static_shape is not None:
        height, width = deploy.static_shape
        for i, transform in enumerate(transforms):
            if deploy.task == 'text-detection' and transform['type'] in ('Resize', 'ShortScaleAspectJitter'):
                transforms[i] = {'type': 'Resize', 'scale': [width, height], 'keep_ratio': False}
            if deploy.task == 'text-recognition' and transform['type'] == 'RescaleToHeight':
                transform.update(height=height, min_width=width, max_width=width)
    for i, transform in enumerate(transforms):
        if transform['type'] == 'LoadImageFromFile':
            transforms[i] = dict(type='LoadImageFromFile', file_client_args=dict(FILE_CLIENT_ARGS),
                                 **{k: v for k, v in transform.items() if k != 'type'})
        if transform['type'] in ('PackTextDetInputs', 'PackTextRecogInputs'):
            transform['meta_keys'] = sorted(set(DEFAULT_META_KEYS) | set(transform.get('meta_keys', [])))
            transform['keys'] = ['img']
            transform['type'] = 'Collect'
        if transform['type'] == 'Resize':
            transform['size'] = list(transform.pop('scale'))
    pre = entry['data_preprocessor']
    transforms.insert(len(transforms) - 1, {'type': 'DefaultFormatBundle'})
    transforms.insert(len(transforms) - 2, {'type': 'Pad', 'size_divisor': pre.get('pad_size_divisor', 1)})
    transforms.insert(len(transforms) - 3, {'type': 'Normalize', 'to_rgb': pre.get('bgr_to_rgb', False),
                                            'mean': pre.get('mean', [0, 0, 0]), 'std': pre.get('std', [1, 1, 1])})
    return transforms


def _postprocess(entry: dict, deploy: DeployConfig) -> dict:
    """mmdeploy 1.x's get_postprocess (backend/sdk/export_info.py) writes the task processor's
    dict as component = its type, params = its 'params' key or {}.

    Detectors: the processor returns the det_head config, which has no 'params' key, so every
    1.x release writes "params": {} and the SDK (and ocrserve, for these component names)
    applies the SDK head's own defaults. Recognisers: the decoder's postprocessor renamed to the
    SDK's convertor, with the Dictionary config as params (its dict_file the copy beside the
    network) and, since mmdeploy 1.2, BaseTextRecogPostprocessor's ignore_chars in params."""
    task = {'type': 'Task', 'module': 'mmocr', 'name': 'postprocess'}
    if deploy.task == 'text-detection':
        task.update(component=entry['head_type'], params={})
    else:
        params = {'type': 'Dictionary'}
        params.update(copy.deepcopy(entry['dictionary']))
        params['dict_file'] = 'dict_file.txt'
        params['ignore_chars'] = list(entry['postprocessor'].get('ignore_chars', ['padding']))
        task.update(component=entry['convertor'], params=params)
    task.update(output=['post_output'], input=['prep_output', 'infer_output'])
    return task


def model_name(entry: dict) -> str:
    return entry['model_type'].lower()


def write_sdk_files(work_dir: str, entry: dict, deploy: DeployConfig, checkpoint: str,
                    onnx_config: dict, config_file: str = None) -> None:
    """Writes deploy.json, pipeline.json, detail.json (and dict_file.txt for a recogniser).
    detail.json's codebase.pth and codebase.config are, as mmdeploy writes them, the checkpoint
    and the model config as given (`config_file`; the config's name + '.py' without one)."""
    customs = []
    if deploy.task == 'text-recognition':
        shutil.copyfile(os.path.join(DICTS_DIR, entry['dictionary']['dict_file']),
                        os.path.join(work_dir, 'dict_file.txt'))
        customs.append('dict_file.txt')
    deploy_json = {
        'version': SDK_VERSION,
        'task': deploy.sdk_task,
        'models': [{'name': model_name(entry), 'net': network_file(deploy), 'weights': '',
                    'backend': deploy.backend, 'precision': 'FP32', 'batch_size': 1,
                    'dynamic_shape': _is_dynamic_batch(deploy)}],
        'customs': customs,
    }
    pipeline_json = {'pipeline': {
        'input': ['img'],
        'output': ['post_output'],
        'tasks': [
            {'type': 'Task', 'module': 'Transform', 'name': 'Preprocess', 'input': ['img'],
             'output': ['prep_output'], 'transforms': _preprocess(entry, deploy)},
            {'name': model_name(entry), 'type': 'Task', 'module': 'Net',
             'is_batched': _is_dynamic_batch(deploy),
             'input': ['prep_output'], 'output': ['infer_output'],
             'input_map': {'img': 'input'}, 'output_map': {}},
            _postprocess(entry, deploy),
        ]}}
    detail_json = {
        'version': SDK_VERSION,
        'codebase': {'task': deploy.codebase_task, 'codebase': 'mmocr', 'version': MMOCR_VERSION,
                     'pth': checkpoint, 'config': config_file or entry['name'] + '.py'},
        'codebase_config': {'type': 'mmocr', 'task': deploy.codebase_task},
        'onnx_config': onnx_config,
        'backend_config': {'type': deploy.backend},
        'calib_config': {},
        'converted_by': dict(CONVERTED_BY),
    }
    for name, content in (('deploy.json', deploy_json), ('pipeline.json', pipeline_json),
                          ('detail.json', detail_json)):
        with open(os.path.join(work_dir, name), 'w') as out:
            json.dump(content, out, indent=4)
            out.write('\n')
