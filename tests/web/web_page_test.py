#!/usr/bin/python3
"""The web page (GET /) in a real browser.

Starts `ocrserve start --foreground` on free ports and headless Chromium, and drives the page
over Chromium's DevTools protocol: the models are listed, an image goes in through the file input
(DOM.setFileInputFiles, as a user's choice would), and the page must show what the server read —
the recognised lines, the boxes drawn on the picture, the JSON and the time. The page's
Content-Security-Policy hashes are checked against its inline blocks, the browser must report no
error (a blocked script or style would be one), and a screenshot is written to the output folder.

Python's standard library only: the DevTools client below is a minimal WebSocket client.

    web_page_test.py --ocrserve build/ocrserve --image demo_text_det.jpg --output DIR [--chromium PATH]

Exit status 0 when every check passed, 1 when one failed, 77 (ctest's skip) without Chromium.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

# Generous: an ASan build on two busy cores takes seconds for what takes milliseconds alone.
START_TIMEOUT = 180
RESULT_TIMEOUT = 240
CALL_TIMEOUT = 120


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_until(what, predicate, timeout, interval=0.05):
    """Polls `predicate` until it returns something true; its value, or Failure after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Server:
    """`ocrserve start --foreground` on free loopback ports; its log (stderr) goes to a file."""

    def __init__(self, binary, workdir):
        config = os.path.join(workdir, "config.properties")
        with open(config, "w") as out:
            out.write("inference_address=http://127.0.0.1:0\nmanagement_address=http://127.0.0.1:0\n"
                      "metrics_address=http://127.0.0.1:0\ngrpc_inference_port=0\ngrpc_management_port=0\n"
                      "disable_token_authorization=true\n")  # on by default; this test drives the page without keys
        self.log_path = os.path.join(workdir, "server.log")
        env = dict(os.environ, TMPDIR=workdir)  # its own pid file
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([binary, "start", "--foreground", "--ts-config", config], cwd=workdir, env=env,
                                            stdout=subprocess.PIPE, stderr=log)
        banner = b""
        deadline = time.monotonic() + START_TIMEOUT
        while b"ocrserve started" not in banner:
            left = deadline - time.monotonic()
            check(left > 0, f"the server did not start within {START_TIMEOUT} s:\n{self.log()}")
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                check(chunk, f"the server exited before it was ready:\n{self.log()}")
                banner += chunk
        match = re.search(rb"Inference API bound to http://[^:]+:(\d+)", banner)
        check(match, f"no inference port in the banner: {banner!r}")
        self.port = int(match.group(1))

    def log(self):
        with open(self.log_path, errors="replace") as log:
            return log.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=START_TIMEOUT)
        self.process.stdout.close()
        return code


class DevTools:
    """One DevTools WebSocket session (RFC 6455 client frames: masked, text; replies may be
    fragmented). Events that arrive while waiting for a reply are kept in `events`."""

    def __init__(self, ws_url):
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", ws_url)
        check(match, f"unexpected WebSocket URL {ws_url}")
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=CALL_TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            check(chunk, "DevTools closed the connection during the handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        check(head.startswith(b"HTTP/1.1 101"), f"WebSocket handshake refused: {head!r}")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        check(accept in head, "WebSocket handshake: wrong Sec-WebSocket-Accept")
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            check(chunk, "DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _receive_message(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = first & 0x0F
            if opcode == 0x8:
                raise Failure("DevTools closed the WebSocket")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if first & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self._send_frame(0x1, json.dumps({"id": mine, "method": method, "params": params}).encode())
        while True:
            message = self._receive_message()
            if message.get("id") == mine:
                if "error" in message:
                    raise Failure(f"{method} failed: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise Failure(f"evaluating {expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def browser_errors(events):
    """What the browser reported as errors: exceptions, console errors, CSP violations."""
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("exception", {}).get("description")
                          or params["exceptionDetails"].get("text"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
    return errors


def check_csp(port):
    """The CSP names exactly the hashes of the page's inline script and style."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=CALL_TIMEOUT) as response:
        csp = response.headers["Content-Security-Policy"]
        page = response.read().decode()
        check(response.headers["Content-Type"] == "text/html; charset=utf-8", response.headers["Content-Type"])
    for tag in ("script", "style"):
        blocks = re.findall(f"<{tag}>(.*?)</{tag}>", page, re.S)
        check(len(blocks) == 1, f"expected one inline <{tag}>, found {len(blocks)}")
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
        check(f"{tag}-src 'sha256-{digest}'" in csp, f"the CSP does not hold the <{tag}> block's hash {digest}: {csp}")
    return csp


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ocrserve", required=True, help="the ocrserve binary")
    parser.add_argument("--image", required=True, help="the image to upload (demo_text_det.jpg)")
    parser.add_argument("--output", required=True, help="folder for the screenshot and logs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--expect-line", default="Octavia Hill", help="a line the page must show")
    parser.add_argument("--min-boxes", type=int, default=6)
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        print(f"SKIP: no Chromium at {args.chromium} (apt-get install chromium)")
        return 77
    os.makedirs(args.output, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="ocrserve-web-")
    server = browser = devtools = None
    try:
        server = Server(os.path.abspath(args.ocrserve), workdir)
        print(f"server on port {server.port}")
        csp = check_csp(server.port)
        print(f"CSP: {csp}")

        # Port 0: Chromium picks a free port and writes it to DevToolsActivePort in its profile.
        profile = os.path.join(workdir, "chromium-profile")
        with open(os.path.join(args.output, "chromium.log"), "wb") as chromium_log:
            browser = subprocess.Popen(
                [args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--mute-audio",
                 "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
                 "--window-size=1280,900", "about:blank"],
                stdout=chromium_log, stderr=subprocess.STDOUT)
        active_port = os.path.join(profile, "DevToolsActivePort")

        def devtools_port():
            check(browser.poll() is None, "Chromium exited; see chromium.log")
            if not os.path.exists(active_port):
                return None
            with open(active_port) as f:
                first = f.readline().strip()
            return int(first) if first.isdigit() else None

        port = wait_until("Chromium's DevTools port", devtools_port, START_TIMEOUT)

        def page_target():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=CALL_TIMEOUT) as response:
                    targets = json.load(response)
            except OSError:
                return None
            pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
            return pages[0]["webSocketDebuggerUrl"] if pages else None

        devtools = DevTools(wait_until("a page target", page_target, START_TIMEOUT))
        for domain in ("Runtime", "Log", "Page", "DOM"):
            devtools.call(f"{domain}.enable")
        devtools.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        url = f"http://127.0.0.1:{server.port}/"
        devtools.call("Page.navigate", url=url)

        # The page lists the models from GET /ping (det, rec and ocr by default) and picks ocr.
        models = wait_until("the model list",
                            lambda: devtools.evaluate("document.readyState === 'complete' && document.body.dataset.models"),
                            RESULT_TIMEOUT)
        print(f"models: {models}")
        check(set(models.split(",")) >= {"det", "rec", "ocr"}, f"the page lists {models}")
        check(devtools.evaluate("document.getElementById('model').value") == "ocr", "ocr is not the chosen model")

        # The upload, as a user's choice in the file dialog: the page sends it at once.
        root = devtools.call("DOM.getDocument")["root"]["nodeId"]
        node = devtools.call("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
        check(node, "no file input #file")
        devtools.call("DOM.setFileInputFiles", files=[os.path.abspath(args.image)], nodeId=node)
        state = wait_until("the result", lambda: devtools.evaluate(
            "['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state"), RESULT_TIMEOUT)
        shown = devtools.evaluate("""(() => {
          const canvas = document.getElementById('canvas');
          return {
            error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
            boxes: Number(document.body.dataset.boxes),
            lines: [...document.querySelectorAll('#lines .text')].map((node) => node.textContent),
            time: document.getElementById('time').textContent,
            json: document.getElementById('json').textContent,
            canvas: [canvas.width, canvas.height, canvas.hidden],
            title: document.getElementById('lines-title').textContent,
          };
        })()""")
        print(f"state {state}: {shown['boxes']} boxes, lines {shown['lines']}, time {shown['time']}, "
              f"canvas {shown['canvas']}")
        check(state == "done", f"the page shows an error: {shown['error']}")
        check(any(args.expect_line in line for line in shown["lines"]),
              f"no line holds {args.expect_line!r}: {shown['lines']}")
        check(shown["boxes"] >= args.min_boxes, f"{shown['boxes']} boxes drawn, expected at least {args.min_boxes}")
        check(shown["title"] == "Recognised lines", shown["title"])
        check(re.fullmatch(r"\d+ ms|\d+\.\d\d s", shown["time"]), f"time shown as {shown['time']!r}")
        answer = json.loads(shown["json"])
        check(isinstance(answer, list) and len(answer) == shown["boxes"], "the JSON shown is not the server's answer")
        check(shown["canvas"][0] > 0 and shown["canvas"][1] > 0 and not shown["canvas"][2], "the picture is not drawn")

        # Full-page screenshot.
        height = int(devtools.call("Page.getLayoutMetrics")["cssContentSize"]["height"])
        devtools.call("Emulation.setDeviceMetricsOverride", width=1280, height=max(900, height), deviceScaleFactor=1,
                      mobile=False)
        shot = devtools.call("Page.captureScreenshot", format="png")
        screenshot = os.path.join(os.path.abspath(args.output), "web-page.png")
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {screenshot}")

        errors = browser_errors(devtools.events)
        check(not errors, "the browser reported errors:\n  " + "\n  ".join(map(str, errors)))

        devtools.close()
        devtools = None
        browser.terminate()
        browser.wait(timeout=CALL_TIMEOUT)
        browser = None
        code = server.stop()
        log = server.log()
        server = None
        check(code == 0, f"the server exited {code}")
        # The access log has the page, the model list and the upload.
        for line in (r'"GET / HTTP/1\.1" 200 \d+', r'"GET /ping HTTP/1\.1" 200 \d+',
                     r'"POST /predictions/ocr HTTP/1\.1" 200 \d+'):
            check(re.search(r"ACCESS_LOG - /127\.0\.0\.1:\d+ " + line, log), f"no access-log line {line}:\n{log}")
        print("ok")
        return 0
    except Failure as failure:
        print(f"FAILED: {failure}")
        if server:
            print(f"--- server log\n{server.log()}")
        return 1
    finally:
        if devtools:
            devtools.close()
        if browser:
            browser.kill()
            browser.wait()
        if server and server.process.poll() is None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
