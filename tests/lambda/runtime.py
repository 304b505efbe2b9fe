"""A Lambda-compatible endpoint and a webhook receiver for the trigger tests.

It runs the handlers in ./functions, written as Lambda functions are (`def handler(event,
context)`), behind two doors:

- the AWS Lambda Invoke API, `POST /2015-03-31/functions/{name}/invocations`: the request must
  carry a valid SigV4 signature (service `lambda`) by the test key pair; a handler that raises
  is answered as Lambda answers it (200, `X-Amz-Function-Error: Unhandled`, `errorMessage`);
- a Standard Webhooks receiver, `POST /webhook/{name}`: the `webhook-signature` must verify
  under the test secret, else 401; a handler that raises is answered 400 with `errorMessage`.

A handler raising `Retry` makes the endpoint answer 503 (the service, not the function, failed).
`GET /events/{name}?pool=ID` lists the events the function received for that pool.

Prints `listening on PORT` once ready. Standard library only.
"""

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ACCESS_KEY = "AKIDTESSERATRIGGERS"
SECRET_KEY = "tessera-trigger-tests-secret"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"tessera-trigger-tests-webhook!!!").decode()
FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")

events = {}
events_lock = threading.Lock()
modules = {}
modules_lock = threading.Lock()


class Retry(Exception):
    """Raised by a handler to make the endpoint answer 503."""


def load(name):
    with modules_lock:
        if name not in modules:
            path = os.path.join(FUNCTIONS, name + ".py")
            if not name.replace("_", "").isalnum() or not os.path.exists(path):
                return None
            spec = importlib.util.spec_from_file_location("fn_" + name, path)
            module = importlib.util.module_from_spec(spec)
            module.Retry = Retry
            spec.loader.exec_module(module)
            modules[name] = module
        return modules[name]


def sigv4_valid(method, path, query, headers, body):
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, terminal = parts["Credential"].split("/")
    if key_id != ACCESS_KEY or service != "lambda" or terminal != "aws4_request":
        return False
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return False
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(query, keep_blank_values=True))
    )
    canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    canonical = "\n".join([
        method, path, canonical_query, canonical_headers, ";".join(signed),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", headers["x-amz-date"], scope,
        hashlib.sha256(canonical.encode()).hexdigest(),
    ])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["Signature"])


def webhook_valid(headers, body):
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    key = base64.b64decode(WEBHOOK_SECRET[len("whsec_"):])
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, s) for s in offered)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without this, each answer waits for the
    # client's delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, payload, headers=()):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "events":
            pool = dict(parse_qsl(url.query)).get("pool")
            with events_lock:
                found = [e for e in events.get(parts[1], []) if e.get("userPoolId") == pool]
            return self.answer(200, found)
        self.answer(404, {"message": "not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["2015-03-31", "functions"] and parts[3] == "invocations":
            door, name = "lambda", parts[2]
            if not sigv4_valid("POST", url.path, url.query, headers, body):
                return self.answer(403, {"message": "The request signature we calculated does not match"},
                                   [("x-amzn-ErrorType", "InvalidSignatureException")])
        elif len(parts) == 2 and parts[0] == "webhook":
            door, name = "webhook", parts[1]
            if not webhook_valid(headers, body):
                return self.answer(401, {"errorMessage": "Invalid webhook signature"})
        else:
            return self.answer(404, {"message": "not found"})
        module = load(name)
        if module is None:
            return self.answer(404, {"Type": "User", "message": f"Function not found: {name}"},
                               [("x-amzn-ErrorType", "ResourceNotFoundException")])
        event = json.loads(body)
        with events_lock:
            events.setdefault(name, []).append(json.loads(body))
        try:
            result = module.handler(event, {"function_name": name, "door": door})
        except Retry:
            return self.answer(503, {"message": "Service unavailable"},
                               [("x-amzn-ErrorType", "ServiceException")])
        except Exception as e:  # the function failed: as Lambda reports it
            error = {"errorMessage": str(e), "errorType": type(e).__name__,
                     "stackTrace": traceback.format_exc().splitlines()}
            if door == "lambda":
                return self.answer(200, error, [("X-Amz-Function-Error", "Unhandled")])
            return self.answer(400, error)
        self.answer(200, result)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    server.daemon_threads = True
    # Ends with the process that started it: its end closes our standard input.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
