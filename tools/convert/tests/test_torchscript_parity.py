"""The TorchScript backend against ONNX Runtime: for each architecture, `ocrserve convert` writes
two packages from the same seeded random weights, one per backend (end2end.onnx and
end2end.pt), and the C++ runtime (tests/parity/parity_dump) runs both on the same real images
(two, or one where the input size is fixed):

* the raw network outputs must agree within 1e-4 (the inputs, made by the same preprocessing,
  must be identical);
* the decoded results must be the same: the same detections in the same order (vertices
  within 1e-3 px, scores within 1e-4) or the same text (scores within 1e-4).

Where the preprocessing lets the input size vary (DBNet R18, PANet, CRNN), the second image has
another size than the one the network was traced with, so the traced module is also checked on
shapes it was not traced on.

ctest runs one case per entry (test_NAME) with OCRSERVE_BINARY, OCRSERVE_PARITY_DUMP and
OCRSERVE_DATA_DIR set; without them it is skipped. It prints the largest difference per image.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

from ocrserve_convert.model_zoo import find_model

SEED = 0
NETWORK_TOLERANCE = 1e-4
SCORE_TOLERANCE = 1e-4
VERTEX_TOLERANCE = 1e-3

DYNAMIC = ('onnxruntime_dynamic', 'torchscript')
# The ResNet-50 detectors read large images (PSENet: 1024 pixels on the short side): fixed
# inputs keep their cases short (the others check shapes other than the traced one).
STATIC_512x512 = ('onnxruntime_static-512x512', 'torchscript_static-512x512')
STATIC_640x1024 = ('onnxruntime_static-640x1024', 'torchscript_static-640x1024')

# name: (MMOCR config, (ONNX, TorchScript) deploy configs after the task, images under
# OCRSERVE_DATA_DIR: the first one traces the network; a fixed input size needs only one).
CASES = {
    'dbnet_r18': ('dbnet_resnet18_fpnc_1200e_icdar2015', DYNAMIC,
                  ['mmocr/demo/demo_text_det.jpg', 'mmocr/det_toy/img_1.jpg']),
    'dbnet_r50': ('dbnet_resnet50_1200e_icdar2015', STATIC_512x512, ['mmocr/det_toy/img_1.jpg']),
    'psenet': ('psenet_resnet50_fpnf_600e_icdar2015', STATIC_640x1024, ['mmocr/demo/demo_text_det.jpg']),
    'panet': ('panet_resnet18_fpem-ffm_600e_icdar2015', DYNAMIC,
              ['mmocr/det_toy/img_2.jpg', 'mmocr/demo/demo_text_det.jpg']),
    'crnn': ('crnn_mini-vgg_5e_mj', DYNAMIC, ['mmocr/demo/demo_text_recog.jpg', 'mmocr/rec_toy/1036169.jpg']),
    'sar': ('sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real', DYNAMIC,
            ['mmocr/rec_toy/1036169.jpg', 'mmocr/demo/demo_text_recog.jpg']),
    'satrn': ('satrn_shallow-small_5e_st_mj', DYNAMIC, ['mmocr/demo/demo_text_recog.jpg', 'mmocr/rec_toy/1036169.jpg']),
}

ENVIRONMENT = ('OCRSERVE_BINARY', 'OCRSERVE_PARITY_DUMP', 'OCRSERVE_DATA_DIR')


def _run(command, what):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f'{what} failed ({done.returncode}): {" ".join(command)}\n{done.stdout}\n{done.stderr}')
    return done


def _probability_quantile(logits: np.ndarray, q: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.quantile(logits.astype(np.float64), q))))


def _detection_postprocessor(entry: dict, output: np.ndarray) -> dict:
    """The model's MMOCR postprocessor, with thresholds that make a random network's maps decode
    to many regions (with the defaults, PSENet's and PANet's nearly constant maps hold no text;
    DBNet's speckled map gets more candidates than the default bound)."""
    postprocessor = dict(entry['postprocessor'])
    maps = output[0]
    if postprocessor['type'] == 'PSEPostprocessor':
        postprocessor.update(min_kernel_confidence=_probability_quantile(maps[0], 0.5),
                             score_threshold=_probability_quantile(maps[0], 0.75))
    elif postprocessor['type'] == 'PANPostprocessor':
        postprocessor.update(min_text_confidence=_probability_quantile(maps[0], 0.4),
                             min_kernel_confidence=_probability_quantile(maps[1], 0.5),
                             score_threshold=_probability_quantile(maps[0], 0.7))
    else:
        postprocessor.update(max_candidates=10 ** 7)
    return postprocessor


def _set_postprocessor(package: str, postprocessor: dict) -> None:
    """Puts the postprocessor into pipeline.json as mmdeploy nests it in the head's params."""
    path = os.path.join(package, 'pipeline.json')
    with open(path) as f:
        pipeline = json.load(f)
    pipeline['pipeline']['tasks'][-1]['params'] = {'postprocessor': postprocessor}
    with open(path, 'w') as f:
        json.dump(pipeline, f, indent=4)


@unittest.skipUnless(all(os.environ.get(k) for k in ENVIRONMENT),
                     'run by ctest: needs ' + ', '.join(ENVIRONMENT))
class TorchScriptParityTest(unittest.TestCase):

    def _convert(self, work: str, config: str, task: str, backend: str, image: str) -> str:
        deploy = f'{task}_{backend}'
        package = os.path.join(work, backend.partition('_')[0])
        _run([os.environ['OCRSERVE_BINARY'], 'convert', deploy, config, f'random:{SEED}', image,
              '--work-dir', package, '--dump-info'], f'ocrserve convert {deploy}')
        return package

    def _dump(self, package: str, image: str, out: str) -> tuple:
        _run([os.environ['OCRSERVE_PARITY_DUMP'], package, image, out], 'parity_dump')
        with open(os.path.join(out, 'result.json')) as f:
            result = json.load(f)
        return np.load(os.path.join(out, 'input.npy')), np.load(os.path.join(out, 'output.npy')), result

    def _check_detections(self, expected: list, actual: list, where: str):
        self.assertGreater(len(expected), 0, f'{where}: nothing decoded: the comparison would be empty')
        self.assertEqual(len(actual), len(expected), f'{where}: detection counts differ')
        for i, (a, b) in enumerate(zip(expected, actual)):
            points_a, points_b = np.array(a['points']), np.array(b['points'])
            self.assertEqual(points_a.shape, points_b.shape, f'{where}: detection {i} has another vertex count')
            self.assertLessEqual(float(np.abs(points_a - points_b).max()), VERTEX_TOLERANCE,
                                 f'{where}: detection {i}: {a["points"]} vs {b["points"]}')
            self.assertLessEqual(abs(a['score'] - b['score']), SCORE_TOLERANCE, f'{where}: detection {i} score')

    def _check_text(self, expected: dict, actual: dict, where: str):
        self.assertEqual(actual['text'], expected['text'], where)
        self.assertLessEqual(abs(actual['score'] - expected['score']), SCORE_TOLERANCE, f'{where}: score')
        np.testing.assert_allclose(actual['char_scores'], expected['char_scores'], atol=SCORE_TOLERANCE,
                                   err_msg=f'{where}: character scores')

    def _check(self, name: str):
        config, (onnx_deploy, torchscript_deploy), images = CASES[name]
        entry = find_model(config)
        task = entry['task']
        images = [os.path.join(os.environ['OCRSERVE_DATA_DIR'], image) for image in images]
        work = tempfile.mkdtemp(prefix=f'torchscript-parity-{name}-')
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        onnx = self._convert(work, config, task, onnx_deploy, images[0])
        torchscript = self._convert(work, config, task, torchscript_deploy, images[0])
        with open(os.path.join(torchscript, 'deploy.json')) as f:
            model = json.load(f)['models'][0]
        self.assertEqual((model['backend'], model['net']), ('torchscript', 'end2end.pt'))

        for index, image in enumerate(images):
            where = f'{name} on {os.path.basename(image)}'
            dump = os.path.join(work, f'dump{index}')
            onnx_input, onnx_output, onnx_result = self._dump(onnx, image, os.path.join(dump, 'onnx'))
            if task == 'text-detection':
                # Both packages decode with the same postprocessor, fitted to this image's map.
                postprocessor = _detection_postprocessor(entry, onnx_output)
                for package in (onnx, torchscript):
                    _set_postprocessor(package, postprocessor)
                onnx_input, onnx_output, onnx_result = self._dump(onnx, image, os.path.join(dump, 'onnx'))
            ts_input, ts_output, ts_result = self._dump(torchscript, image, os.path.join(dump, 'torchscript'))

            np.testing.assert_array_equal(ts_input, onnx_input, err_msg=f'{where}: network inputs differ')
            self.assertEqual(ts_output.shape, onnx_output.shape, f'{where}: output shapes differ')
            difference = float(np.abs(ts_output.astype(np.float64) - onnx_output).max())
            print(f'{where}: input {list(onnx_input.shape)}, output {list(onnx_output.shape)}, '
                  f'max |TorchScript - ONNX Runtime| = {difference:.3g}', flush=True)
            self.assertLessEqual(difference, NETWORK_TOLERANCE, f'{where}: max |TorchScript - ONNX Runtime|')
            if task == 'text-detection':
                print(f'{where}: {len(onnx_result["detections"])} detections in both', flush=True)
                self._check_detections(onnx_result['detections'], ts_result['detections'], where)
            else:
                print(f'{where}: "{onnx_result["text"]}" in both', flush=True)
                self._check_text(onnx_result, ts_result, where)

    def test_dbnet_resnet18(self):
        self._check('dbnet_r18')

    def test_dbnet_resnet50(self):
        self._check('dbnet_r50')

    def test_psenet(self):
        self._check('psenet')

    def test_panet(self):
        self._check('panet')

    def test_crnn(self):
        self._check('crnn')

    def test_sar(self):
        self._check('sar')

    def test_satrn(self):
        self._check('satrn')


if __name__ == '__main__':
    unittest.main()
