"""deploy.json, pipeline.json and detail.json as mmdeploy 1.x writes them, field by field.

The golden files in golden/ were written by hand from mmdeploy's exporter (golden/README.md says
where each field comes from); sdk_files must write the same JSON, with the deliberate
differences listed in DIFFERENCES and asserted here. The last test runs a SATRN package as
mmdeploy writes it ("size": [100, 32]) through the C++ SDK when ctest gives it parity_dump.

    cd tools/convert && /usr/bin/python3 -m unittest tests.test_sdk_files
"""
import copy
import json
import os
import re
import shutil
import subprocess
import tempfile
import types
import unittest

from ocrserve_convert import __version__
from ocrserve_convert.deploy_config import parse_deploy_config
from ocrserve_convert.model_zoo import DICTS_DIR, find_model
from ocrserve_convert.sdk_files import write_sdk_files

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden')
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# case: (MMOCR config as given to the converter, deploy config, checkpoint as given, network
# input (N, C, H, W) and output rank of the export).
CASES = {
    'dbnet_r18': ('configs/textdet/dbnet/dbnet_resnet18_fpnc_1200e_icdar2015.py',
                  'text-detection_onnxruntime_dynamic',
                  'dbnet_resnet18_fpnc_1200e_icdar2015_20220825_221614-7c0e94f2.pth', (1, 3, 736, 1312), 3),
    'dbnet_r50': ('configs/textdet/dbnet/dbnet_resnet50_1200e_icdar2015.py',
                  'text-detection_onnxruntime_static-512x512',
                  'dbnet_resnet50_1200e_icdar2015_20221102_115917-54f50589.pth', (1, 3, 512, 512), 3),
    'psenet': ('configs/textdet/psenet/psenet_resnet50_fpnf_600e_icdar2015.py',
               'text-detection_onnxruntime_static-640x1024',
               'psenet_resnet50_fpnf_600e_icdar2015_20220825_222709-b6741ec3.pth', (1, 3, 640, 1024), 4),
    'panet': ('configs/textdet/panet/panet_resnet18_fpem-ffm_600e_icdar2015.py',
              'text-detection_onnxruntime_dynamic',
              'panet_resnet18_fpem-ffm_600e_icdar2015_20220826_144817-be2acdb4.pth', (1, 3, 736, 1248), 4),
    'crnn': ('configs/textrecog/crnn/crnn_mini-vgg_5e_mj.py', 'text-recognition_onnxruntime_dynamic',
             'crnn_mini-vgg_5e_mj_20220826_224120-8afbedbb.pth', (1, 1, 32, 32), 3),
    'crnn_static': ('configs/textrecog/crnn/crnn_mini-vgg_5e_mj.py', 'text-recognition_onnxruntime_static-32x128',
                    'crnn_mini-vgg_5e_mj_20220826_224120-8afbedbb.pth', (1, 1, 32, 128), 3),
    'sar': ('configs/textrecog/sar/sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real.py',
            'text-recognition_onnxruntime_dynamic',
            'sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real_20220915_171910-04eb4e75.pth', (1, 3, 48, 160), 3),
    'satrn': ('configs/textrecog/satrn/satrn_shallow-small_5e_st_mj.py', 'text-recognition_onnxruntime_dynamic',
              'satrn_shallow-small_5e_st_mj_20220915_152442-5591bf27.pth', (1, 3, 32, 100), 3),
}

# Where we write something else than mmdeploy, on purpose (golden/README.md):
# * detail.json's converted_by, which mmdeploy does not write: who wrote the files.
# * detail.json's onnx_config.dynamic_axes.output: mmdeploy copies its deploy config's axes,
#   {0: batch, 2: height, 3: width} for every detector and {0: batch, 3: width} for every
#   recogniser, whatever the network's output rank; we name the axes of the network we exported:
#   DBNet's probability map is [N, H, W], a recogniser's scores [N, T, C].
DIFFERENCES = {
    'converted_by': {'tool': 'ocrserve convert', 'version': __version__},
    'output_axes': {'dbnet': {'0': 'batch', '1': 'height', '2': 'width'},
                    'text-recognition': {'0': 'batch', '1': 'seq_len'}},
}


def _load(path: str):
    with open(path) as f:
        return json.load(f)


def _written(case: str, work_dir: str) -> dict:
    """The three files sdk_files writes for a case, with the onnx_config the converter's export
    gives for that network input (export.py)."""
    from ocrserve_convert.export import dynamic_axes, onnx_config
    config, deploy_name, checkpoint, input_shape, output_rank = CASES[case]
    deploy = parse_deploy_config(deploy_name)
    entry = find_model(config)
    axes = dynamic_axes(deploy, output_rank)
    sample = types.SimpleNamespace(shape=input_shape)
    write_sdk_files(work_dir, entry, deploy, checkpoint, onnx_config(deploy, axes, sample), config)
    return {name: _load(os.path.join(work_dir, name)) for name in ('deploy.json', 'pipeline.json', 'detail.json')}


class GoldenFiles(unittest.TestCase):

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix='sdk-files-')
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)

    def test_every_case_has_golden_files(self):
        self.assertEqual(sorted(os.listdir(GOLDEN)), sorted(list(CASES) + ['README.md']))

    def _check(self, case: str):
        work = os.path.join(self.work, case)
        os.makedirs(work)
        written = _written(case, work)
        golden = {name: _load(os.path.join(GOLDEN, case, name)) for name in written}
        self.assertEqual(written['deploy.json'], golden['deploy.json'])
        self.assertEqual(written['pipeline.json'], golden['pipeline.json'])

        detail, expected = copy.deepcopy(written['detail.json']), copy.deepcopy(golden['detail.json'])
        self.assertEqual(detail.pop('converted_by'), DIFFERENCES['converted_by'])
        name = written['deploy.json']['models'][0]['name']
        axes = detail['onnx_config'].get('dynamic_axes')
        if axes is not None:
            task = 'dbnet' if name == 'dbnet' else CASES[case][1].split('_')[0]
            if task in DIFFERENCES['output_axes']:
                self.assertEqual(axes['output'], DIFFERENCES['output_axes'][task])
                axes['output'] = expected['onnx_config']['dynamic_axes']['output']
        self.assertEqual(detail, expected)
        # Same keys in the same order as mmdeploy's json.dump of its dicts (readers do not care;
        # a person comparing two files does).
        self.assertEqual(list(written['pipeline.json']['pipeline']['tasks'][1]), 
                         list(golden['pipeline.json']['pipeline']['tasks'][1]))
        if written['deploy.json']['task'] == 'TextRecognizer':
            with open(os.path.join(work, 'dict_file.txt'), encoding='utf-8') as copied, \
                    open(os.path.join(DICTS_DIR, find_model(CASES[case][0])['dictionary']['dict_file']),
                         encoding='utf-8') as original:
                self.assertEqual(copied.read(), original.read())

    def test_dbnet_resnet18(self):
        self._check('dbnet_r18')

    def test_dbnet_resnet50_static(self):
        self._check('dbnet_r50')

    def test_psenet_static_non_square(self):
        self._check('psenet')

    def test_panet(self):
        self._check('panet')

    def test_crnn(self):
        self._check('crnn')

    def test_crnn_static(self):
        self._check('crnn_static')

    def test_sar(self):
        self._check('sar')

    def test_satrn(self):
        self._check('satrn')

    def test_what_the_golden_files_say(self):
        """The claims of issue 14, read off the golden files."""
        for case in CASES:
            tasks = _load(os.path.join(GOLDEN, case, 'pipeline.json'))['pipeline']['tasks']
            transforms, net, post = tasks[0]['transforms'], tasks[1], tasks[2]
            dynamic = 'dynamic' in CASES[case][1]
            self.assertEqual(net['is_batched'], dynamic, case)
            resize = [t for t in transforms if t['type'] == 'Resize']
            for t in resize:
                self.assertNotIn('scale', t, case)  # mmdeploy renames scale to size, [w, h]
            if post['component'].endswith('Head'):
                self.assertEqual(post['params'], {}, case)
            else:
                self.assertEqual(post['params']['ignore_chars'], ['padding'], case)
                self.assertNotIn('ignore_chars', post, case)
                self.assertIn({'type': 'Pad', 'size_divisor': 1}, transforms, case)
        satrn = _load(os.path.join(GOLDEN, 'satrn', 'pipeline.json'))['pipeline']['tasks'][0]['transforms']
        self.assertEqual(satrn[1], {'type': 'Resize', 'keep_ratio': False, 'size': [100, 32]})
        psenet = _load(os.path.join(GOLDEN, 'psenet', 'pipeline.json'))['pipeline']['tasks'][0]['transforms']
        self.assertEqual(psenet[1], {'type': 'Resize', 'keep_ratio': False, 'size': [1024, 640]})


class Version(unittest.TestCase):

    def test_converter_version_is_the_projects(self):
        cmake = os.path.join(SOURCE_ROOT, 'CMakeLists.txt')
        if not os.path.isfile(cmake):
            self.skipTest('not in a source tree (an installed converter)')
        with open(cmake) as f:
            match = re.search(r'project\(ocrserve VERSION (\S+)', f.read())
        self.assertIsNotNone(match)
        self.assertEqual(__version__, match.group(1))


@unittest.skipUnless(os.environ.get('OCRSERVE_PARITY_DUMP') and os.environ.get('OCRSERVE_DATA_DIR'),
                     'run by ctest: needs OCRSERVE_PARITY_DUMP and OCRSERVE_DATA_DIR')
class MmdeploySatrnPackageRuns(unittest.TestCase):
    """A SATRN package as mmdeploy writes it: pipeline.json's Resize has "size": [100, 32], which
    the SDK reads as width 100, height 32. The network here takes exactly [1, 3, 32, 100] (no
    dynamic axes), as a static export does, so ONNX Runtime refuses any other input ("index: 2
    Got: 100 Expected: 32" when the size was read as [h, w])."""

    def test_runs_with_width_100_and_height_32(self):
        import numpy as np
        import torch

        work = tempfile.mkdtemp(prefix='satrn-size-')
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        package, dump = os.path.join(work, 'package'), os.path.join(work, 'dump')
        os.makedirs(package)
        _written('satrn', package)

        class Tiny(torch.nn.Module):
            """[1, 3, 32, 100] → [1, 25, 93] class probabilities."""

            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(32 * 100, 25 * 93)

            def forward(self, x):
                return torch.softmax(self.linear(x.mean(dim=1).reshape(1, -1)).reshape(1, 25, 93), dim=-1)

        torch.manual_seed(0)
        with torch.no_grad():
            torch.onnx.export(Tiny().eval(), torch.zeros(1, 3, 32, 100), os.path.join(package, 'end2end.onnx'),
                              input_names=['input'], output_names=['output'], opset_version=11)
        image = os.path.join(os.environ['OCRSERVE_DATA_DIR'], 'mmocr', 'demo', 'demo_text_recog.jpg')
        done = subprocess.run([os.environ['OCRSERVE_PARITY_DUMP'], package, image, dump],
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(np.load(os.path.join(dump, 'input.npy')).shape, (1, 3, 32, 100))
        self.assertEqual(np.load(os.path.join(dump, 'output.npy')).shape, (1, 25, 93))
        with open(os.path.join(dump, 'result.json')) as f:
            result = json.load(f)
        self.assertIsInstance(result['text'], str)
        self.assertTrue(0 <= result['score'] <= 1)


if __name__ == '__main__':
    unittest.main()
