"""Parity of converted packages: for each architecture, `ocrserve convert` writes a package from
seeded random weights, the C++ SDK runs it on a real image (tests/parity/parity_dump), and here

* the PyTorch network, rebuilt with the same seed, takes the C++ preprocessed input and its
  output must match the C++ (ONNX Runtime) output within 1e-4;
* the reference decoders (ocrserve_convert.reference), given the C++ network output and the
  package's own postprocessing parameters, must give the C++ decoded result: the same
  detections (vertices within 0.01 px, scores within 1e-4, order aside) or the same text.

ctest runs it with OCRSERVE_BINARY, OCRSERVE_PARITY_DUMP and OCRSERVE_DATA_DIR set; without
them (a plain `unittest discover`) it is skipped. OCRSERVE_PARITY_ONLY=name[,name] picks cases.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import torch

from ocrserve_convert.checkpoint import randomize
from ocrserve_convert.model_zoo import find_model
from ocrserve_convert.reference import textdet, textrecog

SEED = 7
NETWORK_TOLERANCE = 1e-4

# name: (MMOCR config, deploy config, image under OCRSERVE_DATA_DIR). Static and dynamic
# shapes both appear; static shapes also keep the ResNet-50 detectors' inputs small.
CASES = {
    'dbnet_r18': ('dbnet_resnet18_fpnc_1200e_icdar2015', 'text-detection_onnxruntime_dynamic',
                  'mmocr/demo/demo_text_det.jpg'),
    'dbnet_r50': ('dbnet_resnet50_1200e_icdar2015', 'text-detection_onnxruntime_static-512x512',
                  'mmocr/det_toy/img_1.jpg'),
    'psenet': ('psenet_resnet50_fpnf_600e_icdar2015', 'text-detection_onnxruntime_static-640x1024',
               'mmocr/demo/demo_text_det.jpg'),
    'panet': ('panet_resnet18_fpem-ffm_600e_icdar2015', 'text-detection_onnxruntime_dynamic',
              'mmocr/det_toy/img_2.jpg'),
    'crnn': ('crnn_mini-vgg_5e_mj', 'text-recognition_onnxruntime_dynamic', 'mmocr/demo/demo_text_recog.jpg'),
    'sar': ('sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real', 'text-recognition_onnxruntime_dynamic',
            'mmocr/rec_toy/1036169.jpg'),
    'satrn': ('satrn_shallow-small_5e_st_mj', 'text-recognition_onnxruntime_dynamic',
              'mmocr/demo/demo_text_recog.jpg'),
}

# A random DBNet's probability map is speckled: tens of thousands of contours. MMOCR reads
# max_candidates + 1 of them (its loop breaks on index > max_candidates), and so does ocrserve
# for that key; a bound no map reaches checks every contour, not only the first 3001.
UNBOUNDED_CANDIDATES = 10 ** 7

ENVIRONMENT = ('OCRSERVE_BINARY', 'OCRSERVE_PARITY_DUMP', 'OCRSERVE_DATA_DIR')


def _selected(name: str) -> bool:
    only = os.environ.get('OCRSERVE_PARITY_ONLY')
    return not only or name in only.split(',')


def _run(command, what):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f'{what} failed ({done.returncode}): {" ".join(command)}\n{done.stdout}\n{done.stderr}')
    return done


def _postprocess_task(package: str) -> dict:
    with open(os.path.join(package, 'pipeline.json')) as f:
        return json.load(f)['pipeline']['tasks'][-1]


def _set_postprocessor(package: str, postprocessor: dict) -> None:
    """Gives the detector MMOCR's postprocessor, nested in params as mmdeploy 0.x wrote it: the
    package as converted has the empty params of mmdeploy 1.x, which decode with the SDK head's
    defaults; the parity check is with MMOCR's own postprocessor."""
    path = os.path.join(package, 'pipeline.json')
    with open(path) as f:
        pipeline = json.load(f)
    task = pipeline['pipeline']['tasks'][-1]
    if task['params'] != {}:
        raise AssertionError(f'a converted detector has params {{}} (mmdeploy 1.x), got {task["params"]}')
    task['params'] = {'postprocessor': postprocessor}
    with open(path, 'w') as f:
        json.dump(pipeline, f, indent=4)


def _sigmoid_quantile(logits: np.ndarray, q: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.quantile(logits.astype(np.float64), q))))


def _thresholds_for(name: str, output: np.ndarray) -> dict:
    """PSENet and PANet thresholds that make a random network's maps decode to many regions:
    with the default 0.5, the nearly constant maps of random weights hold no text at all. The
    thresholds sit inside each map's own range, so masks, kernels and score filters all act."""
    maps = output[0]
    if name == 'PSEPostprocessor':
        return {'min_kernel_confidence': _sigmoid_quantile(maps[0], 0.5),
                'score_threshold': _sigmoid_quantile(maps[0], 0.75)}
    if name == 'PANPostprocessor':
        return {'min_text_confidence': _sigmoid_quantile(maps[0], 0.4),
                'min_kernel_confidence': _sigmoid_quantile(maps[1], 0.5),
                'score_threshold': _sigmoid_quantile(maps[0], 0.7)}
    return {'max_candidates': UNBOUNDED_CANDIDATES}


def _same_polygon(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """Equal vertex cycles, whatever the starting vertex and direction."""
    if a.shape != b.shape:
        return False
    for candidate in (a, a[::-1]):
        for shift in range(len(a)):
            if np.abs(np.roll(candidate, shift, axis=0) - b).max() <= tolerance:
                return True
    return False


@unittest.skipUnless(all(os.environ.get(k) for k in ENVIRONMENT),
                     'run by ctest: needs ' + ', '.join(ENVIRONMENT))
class ParityTest(unittest.TestCase):

    def _convert_and_dump(self, name: str):
        config, deploy, image = CASES[name]
        image = os.path.join(os.environ['OCRSERVE_DATA_DIR'], image)
        work = tempfile.mkdtemp(prefix=f'parity-{name}-')
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        package, dump = os.path.join(work, 'package'), os.path.join(work, 'dump')
        _run([os.environ['OCRSERVE_BINARY'], 'convert', deploy, config, f'random:{SEED}', image,
              '--work-dir', package, '--dump-info'], 'ocrserve convert')
        _run([os.environ['OCRSERVE_PARITY_DUMP'], package, image, dump], 'parity_dump')
        entry = find_model(config)
        output = np.load(os.path.join(dump, 'output.npy'))
        if entry['task'] == 'text-detection':
            # Decode again with MMOCR's postprocessor and thresholds fitted to this output (the
            # network runs again too: its output must not change).
            postprocessor = dict(entry['postprocessor'])
            postprocessor.update(_thresholds_for(postprocessor['type'], output))
            _set_postprocessor(package, postprocessor)
            _run([os.environ['OCRSERVE_PARITY_DUMP'], package, image, dump], 'parity_dump')
            np.testing.assert_array_equal(np.load(os.path.join(dump, 'output.npy')), output)
        with open(os.path.join(dump, 'result.json')) as f:
            result = json.load(f)
        return entry, package, np.load(os.path.join(dump, 'input.npy')), output, result

    def _check_network(self, entry: dict, network_input: np.ndarray, output: np.ndarray):
        model = entry['build']()
        randomize(model, SEED)
        with torch.no_grad():
            expected = model(torch.from_numpy(network_input)).numpy()
        self.assertEqual(expected.shape, output.shape)
        difference = float(np.abs(expected - output).max())
        self.assertLessEqual(difference, NETWORK_TOLERANCE, f'max |PyTorch - ONNX Runtime| = {difference}')

    def _check_detection(self, package: str, output: np.ndarray, result: dict):
        postprocessor = dict(_postprocess_task(package)['params']['postprocessor'])
        name = postprocessor.pop('type')
        expected = textdet.decode(name, postprocessor, output[0], result['scale'], result['original_size'], clip=True)
        actual = [(np.array(d['points'], dtype=np.float64).reshape(-1, 2), d['score']) for d in result['detections']]
        self.assertGreater(len(expected), 0, 'the reference decoded nothing: the check would be empty')
        # Random networks give thousands of detections: look candidates up by centroid cell.
        cells = {}
        for i, (points, _) in enumerate(actual):
            cells.setdefault(tuple(np.floor(points.mean(axis=0)).astype(int)), []).append(i)
        unmatched = set(range(len(actual)))
        for points, score in expected:
            points = np.array(points).reshape(-1, 2)
            cx, cy = np.floor(points.mean(axis=0)).astype(int)
            nearby = [i for dx in (-1, 0, 1) for dy in (-1, 0, 1) for i in cells.get((cx + dx, cy + dy), [])]
            match = next((i for i in nearby if i in unmatched and abs(actual[i][1] - score) <= 1e-4
                          and _same_polygon(points, actual[i][0], 0.01)), None)
            self.assertIsNotNone(match, f'reference detection {points.tolist()} ({score}) is not in the C++ result')
            unmatched.remove(match)
        self.assertEqual(sorted(unmatched), [], f'C++ detections the reference lacks: {[actual[i] for i in sorted(unmatched)]}')

    def _check_recognition(self, package: str, output: np.ndarray, result: dict):
        task = _postprocess_task(package)
        flags = {k: v for k, v in task['params'].items() if k not in ('type', 'dict_file', 'ignore_chars')}
        tokens, special = textrecog.build_dictionary(os.path.join(package, task['params']['dict_file']), **flags)
        text, char_scores, score = textrecog.decode(task['component'], tokens, special,
                                                    task['params'].get('ignore_chars', ['padding']), output[0])
        self.assertEqual(result['text'], text)
        np.testing.assert_allclose(result['char_scores'], char_scores, atol=1e-5)
        self.assertAlmostEqual(result['score'], score, delta=1e-5)

    def _check(self, name: str):
        if not _selected(name):
            self.skipTest('not in OCRSERVE_PARITY_ONLY')
        entry, package, network_input, output, result = self._convert_and_dump(name)
        self._check_network(entry, network_input, output)
        if entry['task'] == 'text-detection':
            self._check_detection(package, output, result)
        else:
            self._check_recognition(package, output, result)

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
