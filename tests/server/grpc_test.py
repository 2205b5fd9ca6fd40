#!/usr/bin/python3
"""The gRPC APIs of the real `ocrserve start --foreground`, with Python's grpcio as the client.

The stubs are generated from src/frontend/grpc/proto by protoc and grpc_python_plugin (both from
Debian's protobuf-compiler-grpc) into a scratch folder, as a TorchServe or KServe user would
generate them from the same-named protos. Covers TorchServe's inference API (against the REST
body of /predictions), its management API (a register/scale/describe/unregister round trip),
KServe's v2 service (texts against REST's), malformed messages, token authorization, and the
Python example of docs/grpc.md.

    grpc_test.py --ocrserve BIN --source SOURCE_DIR --data DATA_DIR
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

START_TIMEOUT = 180
CALL_TIMEOUT = 120

ARGS = None


def generate_stubs(source, into):
    os.makedirs(into, exist_ok=True)
    proto_dir = os.path.join(source, "src/frontend/grpc/proto")
    subprocess.run(["protoc", "-I", proto_dir, "-I", "/usr/include", f"--python_out={into}", f"--grpc_out={into}",
                    "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", "inference.proto", "management.proto",
                    "grpc_predict_v2.proto", "google/rpc/status.proto"], check=True)
    sys.path.insert(0, into)


class Server:
    """`ocrserve start --foreground` with every listener on a free loopback port."""

    def __init__(self, workdir, extra_config=""):
        self.workdir = workdir
        config = os.path.join(workdir, "config.properties")
        with open(config, "w") as out:
            out.write("inference_address=http://127.0.0.1:0\nmanagement_address=http://127.0.0.1:0\n"
                      "metrics_address=http://127.0.0.1:0\ngrpc_inference_port=0\ngrpc_management_port=0\n"
                      "enable_model_api=true\ndisable_token_authorization=true\n" + extra_config)
        self.log_path = os.path.join(workdir, "server.log")
        env = dict(os.environ, TMPDIR=workdir)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([ARGS.ocrserve, "start", "--foreground", "--ts-config", config], cwd=workdir,
                                            env=env, stdout=subprocess.PIPE, stderr=log)
        banner = b""
        deadline = time.monotonic() + START_TIMEOUT
        while b"ocrserve started" not in banner:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise AssertionError(f"the server did not start:\n{self.log()}")
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                banner += os.read(self.process.stdout.fileno(), 4096)
        self.banner = banner.decode()
        port = lambda pattern: int(re.search(pattern + r"[^\n]*:(\d+)\n", self.banner).group(1)) \
            if re.search(pattern, self.banner) else None
        self.http = port("^Inference API bound to")
        self.grpc_inference = port("gRPC Inference API bound to")
        self.grpc_management = port("gRPC Management API bound to")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=CALL_TIMEOUT)
        self.process.stdout.close()
        return self.process.returncode

    def rest_prediction(self, model, body):
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}/predictions/{model}", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
            return response.read()


class GrpcApis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import grpc  # noqa: F401  (Debian's python3-grpcio)
        cls.scratch = tempfile.mkdtemp(prefix="ocrserve-grpc-")
        generate_stubs(ARGS.source, os.path.join(cls.scratch, "stubs"))
        os.makedirs(os.path.join(cls.scratch, "server"))
        cls.server = Server(os.path.join(cls.scratch, "server"))
        with open(os.path.join(ARGS.data, "mmocr/demo/demo_text_ocr.jpg"), "rb") as f:
            cls.image = f.read()
        with open(os.path.join(ARGS.data, "mmocr/demo/demo_text_recog.jpg"), "rb") as f:
            cls.word = f.read()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.scratch, ignore_errors=True)
        assert code == 0, f"the server exited with {code}"

    def setUp(self):
        import grpc
        import inference_pb2_grpc
        import management_pb2_grpc
        import grpc_predict_v2_pb2_grpc
        self.grpc = grpc
        self.inference_channel = grpc.insecure_channel(f"127.0.0.1:{self.server.grpc_inference}")
        self.management_channel = grpc.insecure_channel(f"127.0.0.1:{self.server.grpc_management}")
        self.inference = inference_pb2_grpc.InferenceAPIsServiceStub(self.inference_channel)
        self.management = management_pb2_grpc.ManagementAPIsServiceStub(self.management_channel)
        self.v2 = grpc_predict_v2_pb2_grpc.GRPCInferenceServiceStub(self.inference_channel)

    def tearDown(self):
        self.inference_channel.close()
        self.management_channel.close()

    def assertStatus(self, code, call, *args, **kwargs):
        with self.assertRaises(self.grpc.RpcError) as raised:
            call(*args, timeout=CALL_TIMEOUT, **kwargs)
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        return raised.exception.details()

    # TorchServe's inference API

    def test_ping(self):
        from google.protobuf import empty_pb2
        health = self.inference.Ping(empty_pb2.Empty(), timeout=CALL_TIMEOUT).health
        self.assertEqual(json.loads(health), {"status": "Healthy"})

    def test_prediction_is_the_rest_body(self):
        import inference_pb2
        rest = self.server.rest_prediction("ocr", self.image)
        answer = self.inference.Predictions(inference_pb2.PredictionsRequest(model_name="ocr", input={"data": self.image}),
                                            timeout=CALL_TIMEOUT)
        self.assertEqual(answer.prediction, rest)
        self.assertIn("SALE", [line["text"] for line in json.loads(answer.prediction)])
        # MMOCR's handler takes base64 text too, and a version by name.
        encoded = self.inference.Predictions(inference_pb2.PredictionsRequest(
            model_name="ocr", model_version="1.0", input={"data": base64.b64encode(self.image)}), timeout=CALL_TIMEOUT)
        self.assertEqual(encoded.prediction, rest)

    def test_stream_predictions(self):
        import inference_pb2
        rest = self.server.rest_prediction("rec", self.word)
        answers = list(self.inference.StreamPredictions(
            inference_pb2.PredictionsRequest(model_name="rec", input={"data": self.word}), timeout=CALL_TIMEOUT))
        self.assertEqual([a.prediction for a in answers], [rest])

    def test_stream_predictions2_answers_each_request_in_turn(self):
        import inference_pb2
        rest = self.server.rest_prediction("rec", self.word)
        requests = [inference_pb2.PredictionsRequest(model_name="rec", input={"data": self.word}, sequenceId="s1"),
                    inference_pb2.PredictionsRequest(model_name="ghost", input={"data": self.word}, sequenceId="s1"),
                    inference_pb2.PredictionsRequest(model_name="rec", input={"data": self.word}),
                    inference_pb2.PredictionsRequest(model_name="rec", input={"data": self.word}, sequenceId="s1")]
        answers = list(self.inference.StreamPredictions2(iter(requests), timeout=CALL_TIMEOUT))
        self.assertEqual(len(answers), 4)
        self.assertEqual((answers[0].prediction, answers[0].sequenceId, answers[0].HasField("status")), (rest, "s1", False))
        self.assertEqual(answers[1].status.code, self.grpc.StatusCode.NOT_FOUND.value[0])
        self.assertEqual(answers[1].status.message, "Model not found: ghost")
        self.assertEqual(answers[2].status.code, self.grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(answers[3].prediction, rest)

    def test_prediction_errors(self):
        import inference_pb2
        request = inference_pb2.PredictionsRequest
        codes = self.grpc.StatusCode
        self.assertEqual(self.assertStatus(codes.NOT_FOUND, self.inference.Predictions,
                                           request(model_name="ghost", input={"data": self.image})), "Model not found: ghost")
        self.assertStatus(codes.NOT_FOUND, self.inference.Predictions,
                          request(model_name="ocr", model_version="9.9", input={"data": self.image}))
        self.assertStatus(codes.INVALID_ARGUMENT, self.inference.Predictions, request(input={"data": self.image}))
        self.assertStatus(codes.INVALID_ARGUMENT, self.inference.Predictions, request(model_name="ocr"))
        self.assertStatus(codes.INVALID_ARGUMENT, self.inference.Predictions,
                          request(model_name="ocr", input={"data": b"not an image"}))
        stream = lambda message, timeout: list(self.inference.StreamPredictions(message, timeout=timeout))
        self.assertStatus(codes.NOT_FOUND, stream, request(model_name="ghost", input={"data": self.image}))

    def test_malformed_messages_are_invalid_argument_and_the_server_still_answers(self):
        import inference_pb2
        garbage = [b"\xff\xff\xff\xff\xff", b"\x0a\xff\xff\xff\xff\x0f", b"\x1a\x05\x0a\x04data"]
        for method in ("/org.pytorch.serve.grpc.inference.InferenceAPIsService/Predictions",
                       "/inference.GRPCInferenceService/ModelInfer"):
            call = self.inference_channel.unary_unary(method)
            for payload in garbage:
                self.assertStatus(self.grpc.StatusCode.INVALID_ARGUMENT, call, payload)
        # Over max_request_size (TorchServe's 6553500 bytes): refused before it is parsed.
        self.assertStatus(self.grpc.StatusCode.RESOURCE_EXHAUSTED, self.inference.Predictions,
                          inference_pb2.PredictionsRequest(model_name="ocr", input={"data": b"\0" * 7_000_000}))
        answer = self.inference.Predictions(inference_pb2.PredictionsRequest(model_name="rec", input={"data": self.word}),
                                            timeout=CALL_TIMEOUT)
        self.assertEqual(answer.prediction, self.server.rest_prediction("rec", self.word))

    # TorchServe's management API

    def test_register_scale_describe_unregister(self):
        import inference_pb2
        import management_pb2 as m
        codes = self.grpc.StatusCode
        registered = self.management.RegisterModel(m.RegisterModelRequest(
            url="ppocr-rec", model_name="words", initial_workers=1, synchronous=True), timeout=CALL_TIMEOUT).msg
        self.assertEqual(registered, 'Model "words" Version: 1.0 registered with 1 initial workers')
        self.assertStatus(codes.ABORTED, self.management.RegisterModel,
                          m.RegisterModelRequest(url="ppocr-rec", model_name="words", synchronous=True))
        self.assertStatus(codes.NOT_FOUND, self.management.RegisterModel, m.RegisterModelRequest(url="ghost.mar"))
        self.assertStatus(codes.INVALID_ARGUMENT, self.management.RegisterModel, m.RegisterModelRequest())

        described = json.loads(self.management.DescribeModel(m.DescribeModelRequest(model_name="words"),
                                                             timeout=CALL_TIMEOUT).msg)
        self.assertEqual((described[0]["modelName"], described[0]["modelVersion"], len(described[0]["workers"])),
                         ("words", "1.0", 1))
        scaled = self.management.ScaleWorker(m.ScaleWorkerRequest(model_name="words", min_worker=2, synchronous=True),
                                             timeout=CALL_TIMEOUT).msg
        self.assertEqual(scaled, "Workers scaled to 2 for model: words")
        described = json.loads(self.management.DescribeModel(m.DescribeModelRequest(model_name="words", model_version="all"),
                                                             timeout=CALL_TIMEOUT).msg)
        self.assertEqual([len(v["workers"]) for v in described], [2])
        listed = json.loads(self.management.ListModels(m.ListModelsRequest(limit=100), timeout=CALL_TIMEOUT).msg)
        self.assertIn("words", [model["modelName"] for model in listed["models"]])
        self.assertEqual(self.management.SetDefault(m.SetDefaultRequest(model_name="words", model_version="1.0"),
                                                    timeout=CALL_TIMEOUT).msg,
                         'Default version successfully updated for model "words" to "1.0"')
        self.assertStatus(codes.NOT_FOUND, self.management.SetDefault,
                          m.SetDefaultRequest(model_name="words", model_version="2.0"))

        answer = self.inference.Predictions(inference_pb2.PredictionsRequest(model_name="words", input={"data": self.word}),
                                            timeout=CALL_TIMEOUT)
        self.assertEqual(answer.prediction, self.server.rest_prediction("rec", self.word))

        self.assertEqual(self.management.UnregisterModel(m.UnregisterModelRequest(model_name="words"),
                                                         timeout=CALL_TIMEOUT).msg, 'Model "words" unregistered')
        self.assertStatus(codes.NOT_FOUND, self.management.DescribeModel, m.DescribeModelRequest(model_name="words"))
        self.assertStatus(codes.NOT_FOUND, self.management.UnregisterModel, m.UnregisterModelRequest(model_name="words"))
        self.assertStatus(codes.NOT_FOUND, self.management.ScaleWorker, m.ScaleWorkerRequest(model_name="words"))
        self.assertStatus(codes.INVALID_ARGUMENT, self.management.DescribeModel, m.DescribeModelRequest(model_name="a/b"))

    # KServe's v2 service

    def test_kserve_v2_health_and_metadata(self):
        import grpc_predict_v2_pb2 as v2
        self.assertTrue(self.v2.ServerLive(v2.ServerLiveRequest(), timeout=CALL_TIMEOUT).live)
        self.assertTrue(self.v2.ServerReady(v2.ServerReadyRequest(), timeout=CALL_TIMEOUT).ready)
        self.assertTrue(self.v2.ModelReady(v2.ModelReadyRequest(name="ocr"), timeout=CALL_TIMEOUT).ready)
        self.assertStatus(self.grpc.StatusCode.NOT_FOUND, self.v2.ModelReady, v2.ModelReadyRequest(name="ghost"))
        self.assertEqual(self.v2.ServerMetadata(v2.ServerMetadataRequest(), timeout=CALL_TIMEOUT).name, "ocrserve")
        metadata = self.v2.ModelMetadata(v2.ModelMetadataRequest(name="ocr"), timeout=CALL_TIMEOUT)
        self.assertEqual((metadata.name, list(metadata.versions)), ("ocr", ["1.0"]))
        self.assertEqual([(t.name, t.datatype, list(t.shape)) for t in metadata.inputs], [("images", "BYTES", [-1])])
        self.assertEqual([(t.name, t.datatype, list(t.shape)) for t in metadata.outputs],
                         [("texts", "BYTES", [-1]), ("scores", "FP32", [-1]), ("det_scores", "FP32", [-1]),
                          ("boxes", "FP32", [-1, 8]), ("image_index", "INT32", [-1])])
        self.assertStatus(self.grpc.StatusCode.NOT_FOUND, self.v2.ModelMetadata, v2.ModelMetadataRequest(name="ghost"))

    def test_kserve_v2_infer_gives_rest_texts(self):
        import grpc_predict_v2_pb2 as v2
        rest = json.loads(self.server.rest_prediction("ocr", self.image))
        texts = [line["text"].encode() for line in rest]
        tensor = v2.ModelInferRequest.InferInputTensor
        typed = self.v2.ModelInfer(v2.ModelInferRequest(
            model_name="ocr", id="req-1",
            inputs=[tensor(name="images", datatype="BYTES", shape=[1],
                           contents=v2.InferTensorContents(bytes_contents=[self.image]))]), timeout=CALL_TIMEOUT)
        self.assertEqual((typed.model_name, typed.model_version, typed.id), ("ocr", "1.0", "req-1"))
        outputs = {o.name: o for o in typed.outputs}
        self.assertEqual(list(outputs["texts"].contents.bytes_contents), texts)
        self.assertEqual(list(outputs["boxes"].shape), [len(texts), 8])
        self.assertEqual(list(outputs["image_index"].contents.int_contents), [0] * len(texts))
        for got, line in zip(outputs["scores"].contents.fp32_contents, rest):
            self.assertAlmostEqual(got, line["score"], places=5)

        # Triton's raw form: length-prefixed elements in, raw outputs back.
        raw = self.v2.ModelInfer(v2.ModelInferRequest(
            model_name="ocr", inputs=[tensor(name="images", datatype="BYTES", shape=[2])],
            outputs=[v2.ModelInferRequest.InferRequestedOutputTensor(name="texts"),
                     v2.ModelInferRequest.InferRequestedOutputTensor(name="image_index")],
            raw_input_contents=[b"".join(struct.pack("<I", len(self.image)) + self.image for _ in range(2))]),
            timeout=CALL_TIMEOUT)
        self.assertEqual([o.name for o in raw.outputs], ["texts", "image_index"])
        self.assertEqual(len(raw.raw_output_contents), 2)
        blob, decoded = raw.raw_output_contents[0], []
        while blob:
            (length,) = struct.unpack("<I", blob[:4])
            decoded.append(blob[4:4 + length])
            blob = blob[4 + length:]
        self.assertEqual(decoded, texts * 2)
        self.assertEqual(list(struct.unpack(f"<{2 * len(texts)}i", raw.raw_output_contents[1])),
                         [0] * len(texts) + [1] * len(texts))

    def test_kserve_v2_infer_errors(self):
        import grpc_predict_v2_pb2 as v2
        codes = self.grpc.StatusCode
        tensor = v2.ModelInferRequest.InferInputTensor
        image = tensor(name="images", datatype="BYTES", shape=[1], contents=v2.InferTensorContents(bytes_contents=[self.image]))
        cases = [
            (codes.NOT_FOUND, v2.ModelInferRequest(model_name="ghost", inputs=[image])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr")),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="x", datatype="FP32", shape=[1], contents=v2.InferTensorContents(fp32_contents=[1.0]))])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="images", datatype="BYTES", shape=[3], contents=v2.InferTensorContents(bytes_contents=[self.image]))])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="images", datatype="BYTES", shape=[1 << 40, 1 << 40])])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[image], outputs=[
                v2.ModelInferRequest.InferRequestedOutputTensor(name="logits")])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="images", datatype="BYTES", shape=[1])], raw_input_contents=[b"\xff\xff\x00\x00abc"])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="images", datatype="BYTES", shape=[1])], raw_input_contents=[b"\x01\x00"])),
            (codes.INVALID_ARGUMENT, v2.ModelInferRequest(model_name="ocr", inputs=[
                tensor(name="images", datatype="BYTES", shape=[1])])),
        ]
        for code, request in cases:
            self.assertStatus(code, self.v2.ModelInfer, request)

    # docs/grpc.md

    def test_docs_python_example(self):
        with open(os.path.join(ARGS.source, "docs/grpc.md")) as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertGreaterEqual(len(blocks), 1)
        for block in blocks:
            script = (block.replace("localhost:7070", f"127.0.0.1:{self.server.grpc_inference}")
                      .replace("localhost:7071", f"127.0.0.1:{self.server.grpc_management}")
                      .replace("../shared/data/", ARGS.data.rstrip("/") + "/"))
            result = subprocess.run([sys.executable, "-c", script], cwd=os.path.join(self.scratch, "stubs"),
                                    capture_output=True, text=True, timeout=CALL_TIMEOUT)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("SALE", result.stdout)


class GrpcConfiguration(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="ocrserve-grpc-config-")
        generate_stubs(ARGS.source, os.path.join(self.scratch, "stubs"))

    def tearDown(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def test_token_authorization_checks_the_metadata(self):
        import grpc
        import inference_pb2
        import inference_pb2_grpc
        import management_pb2
        import management_pb2_grpc
        server = Server(self.scratch, "disable_token_authorization=false\n")
        try:
            with open(os.path.join(self.scratch, "key_file.json")) as f:
                keys = json.load(f)
            with open(os.path.join(ARGS.data, "mmocr/demo/demo_text_recog.jpg"), "rb") as f:
                word = f.read()
            inference = inference_pb2_grpc.InferenceAPIsServiceStub(
                grpc.insecure_channel(f"127.0.0.1:{server.grpc_inference}"))
            management = management_pb2_grpc.ManagementAPIsServiceStub(
                grpc.insecure_channel(f"127.0.0.1:{server.grpc_management}"))
            request = inference_pb2.PredictionsRequest(model_name="rec", input={"data": word})
            for metadata in ([], [("authorization", "Bearer wrong")],
                             [("authorization", "Bearer " + keys["management"]["key"])]):
                with self.assertRaises(grpc.RpcError) as raised:
                    inference.Predictions(request, metadata=metadata, timeout=CALL_TIMEOUT)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            answer = inference.Predictions(request, timeout=CALL_TIMEOUT,
                                           metadata=[("authorization", "Bearer " + keys["inference"]["key"])])
            self.assertIn("text", json.loads(answer.prediction))
            with self.assertRaises(grpc.RpcError) as raised:
                management.ListModels(management_pb2.ListModelsRequest(), timeout=CALL_TIMEOUT)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            listed = management.ListModels(management_pb2.ListModelsRequest(), timeout=CALL_TIMEOUT,
                                           metadata=[("authorization", "Bearer " + keys["management"]["key"])])
            self.assertIn("rec", listed.msg)
        finally:
            self.assertEqual(server.stop(), 0)

    def test_enable_grpc_false_starts_no_listener(self):
        server = Server(self.scratch, "enable_grpc=false\n")
        try:
            self.assertNotIn("gRPC", server.banner)
            self.assertIsNone(server.grpc_inference)
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ocrserve", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
