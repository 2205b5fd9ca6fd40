"""docs/sdk.md's Python example, run as written: its lines equal `ocrserve infer`'s."""
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_the_example_of_docs_sdk_md_reads_what_infer_reads(cli, data_dir, models_dir, tmp_path):
    docs = (REPO / "docs" / "sdk.md").read_text()
    example = re.search(r"```python\n(# read_page\.py.*?)```", docs, re.S).group(1)
    script = tmp_path / "read_page.py"
    script.write_text(example)
    image = data_dir / "demo_text_det.jpg"
    output = subprocess.run([sys.executable, str(script), str(image)], capture_output=True, text=True, check=True).stdout
    *page, summary = output.splitlines()
    expected = cli.infer(image)
    assert page == [f"{line['text']}\t{line['score']:.3f}" for line in expected]
    assert summary.startswith(f"{len(cli.infer(image, models_dir / 'ppocr-det')['boundary_result'])} boxes:")
    read = summary.split(":", 1)[1].strip().split(" | ")
    for line in expected:
        assert line["text"] in read
