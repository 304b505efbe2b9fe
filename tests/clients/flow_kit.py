"""What the suites that start their own server share (browser_flow.py, federation_flow.py,
amplify_flow.py, devices_flow.py): named steps and failing one, free ports, the Cognito error
code of a boto3 call, an SMTP sink and an SMS webhook receiver that keep what Tessera sends, a
JavaScript app under Node driven one command a line, the demo app that starts authorization
requests and receives their answers, the Tessera server under test (`TESSERA_BIN`, default
target/debug/tessera, with `DATABASE_URL` or SQLite in its own temporary directory), and the
app's side of the code grant with PKCE (the authorization URL, the exchange and the ID token's
checks)."""

import base64
import email
import hashlib
import http.server
import json
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import botocore.exceptions
import jwt
from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESSERA_BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "target/debug/tessera"))
NODE = os.environ.get("NODE", "node")
NODE_DIR = os.environ.get("TESSERA_NODE_DIR") or os.path.join(ROOT, "target/node-clients")


class StepFailed(Exception):
    pass


class Blocked(Exception):
    """A step's input was not produced: an earlier step failed."""


class Steps:
    """A suite's named checks, run in order: each prints "ok   name" or "FAIL name: reason" (one
    line) and is counted in `passed` or `failed`. `state` carries what a step produces to the
    later steps that need it."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.state = {}

    def need(self, *keys):
        """The values earlier steps put in `state`; Blocked if one of them is missing."""
        missing = [k for k in keys if self.state.get(k) is None]
        if missing:
            raise Blocked(f"needs {', '.join(missing)} from an earlier step")
        return [self.state[k] for k in keys] if len(keys) > 1 else self.state[keys[0]]

    def run(self, name, fn):
        """Runs one named check; any error becomes a FAIL line with a one-line reason."""
        try:
            fn()
        except Blocked as e:
            self.failed += 1
            print(f"FAIL {name} (blocked: {e})")
        except StepFailed as e:
            self.failed += 1
            print(f"FAIL {name}: {e}")
        except botocore.exceptions.ClientError as e:
            self.failed += 1
            err = e.response.get("Error", {})
            print(f"FAIL {name}: {e.operation_name} answered {err.get('Code')}: {err.get('Message')}")
        except Exception as e:  # a KeyError on a missing field, a broken pipe to Node…
            self.failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        else:
            self.passed += 1
            print(f"ok   {name}")


def expect(condition, detail):
    if not condition:
        raise StepFailed(detail)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def error_code(fn):
    """The Cognito error code `fn` raised, or None if it succeeded."""
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def log_tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
    except OSError:
        return ""


class MailSink:
    """aiosmtpd on a free port (start it with `controller.start()`); keeps every message it
    receives as (recipients, email.message.Message)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def count(self):
        with self.lock:
            return len(self.messages)

    def message_to(self, address, after, timeout=15):
        """The first message to `address` past index `after`: (subject, plain text)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for to, m in self.messages[after:] if address in to]
            if found:
                return str(found[0].get("Subject", "")), text_of(found[0])
            time.sleep(0.05)
        raise StepFailed(f"no mail to {address} reached the SMTP sink within {timeout} s")

    def code_for(self, address, after, timeout=15):
        """The code (6 to 8 digits) in the first message to `address` past index `after`."""
        _, text = self.message_to(address, after, timeout)
        code = re.search(r"\b(\d{6,8})\b", text)
        expect(code is not None, f"no code in the mail to {address}: {text!r}")
        return code.group(1)


def text_of(message):
    """The plain-text parts of a mail, joined."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"] or [message]
    return "\n".join(p.get_payload(decode=True).decode(errors="replace") for p in parts)


class SmsSink:
    """An SMS webhook receiver on a free port (TESSERA_SMS_WEBHOOK_URL = `url`): every JSON body
    Tessera POSTs to /sms (`{to, message, pool_id, kind}`) is kept."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.port = free_port()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    message = json.loads(body)
                except ValueError:
                    message = None
                ok = self.path == "/sms" and isinstance(message, dict)
                if ok:
                    with sink.lock:
                        sink.messages.append(message)
                self.send_response(200 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    def count(self):
        with self.lock:
            return len(self.messages)

    def code_for(self, number, after, timeout=15):
        """The code (6 to 8 digits) in the first message to `number` past index `after`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages[after:] if m.get("to") == number]
            if found:
                text = str(found[0].get("message", ""))
                code = re.search(r"\b(\d{6,8})\b", text)
                expect(code is not None, f"no code in the SMS to {number}: {text!r}")
                return code.group(1)
            time.sleep(0.05)
        raise StepFailed(f"no SMS to {number} reached the webhook within {timeout} s")


class NodeApp:
    """A JavaScript app under Node (tests/clients/`script`, with its npm `package` from
    TESSERA_NODE_DIR, default target/node-clients) that takes one JSON command a line,
    {"op", "input"}, and answers each with one JSON line, {"ok", "result" | "name", "message",
    "calls"}; `env` adds to its environment."""

    def __init__(self, script, package, env):
        node = shutil.which(NODE)
        expect(node is not None, f"node ({NODE}) is not installed")
        expect(os.path.isdir(os.path.join(NODE_DIR, "node_modules", package)),
               f"{package} is not installed in {NODE_DIR} (tests/run.sh installs it)")
        self.script = script
        self.last_calls = []
        self.dir = tempfile.mkdtemp(prefix="tessera-node-")
        self.stderr_path = os.path.join(self.dir, "node.stderr")
        full = dict(os.environ, TESSERA_NODE_DIR=NODE_DIR, **env)
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([node, os.path.join(HERE, script)], env=full, text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def call(self, op, payload=None, timeout=30):
        """The app's `op` with `payload`: the whole answer, success or not."""
        self.process.stdin.write(json.dumps({"op": op, "input": payload}) + "\n")
        self.process.stdin.flush()
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise StepFailed(f"{op}: no answer from {self.script} within {timeout} s") from None
        if line is None:
            raise StepFailed(f"{self.script} exited ({self.process.poll()}): {self.stderr_tail()}")
        return json.loads(line)

    def ok(self, op, payload=None):
        """The result of `op`, which must succeed; its calls are kept in `last_calls`."""
        answer = self.call(op, payload)
        expect(answer["ok"], f"{op} threw {answer.get('name')}: {answer.get('message')}; calls {answer['calls']}")
        self.last_calls = answer["calls"]
        return answer["result"]

    def stderr_tail(self):
        return log_tail(self.stderr_path, 20)

    def stop(self):
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class App:
    """A relying party on http://localhost:<port>: `/` links to `authorize_url`, `/callback`
    records the query it receives and shows `callback_body`, `/signed-out` says so."""

    def __init__(self, callback_body):
        self.port = free_port()
        self.authorize_url = ""
        self.callbacks = []
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path, _, query = self.path.partition("?")
                if path == "/callback":
                    app.callbacks.append(urllib.parse.parse_qs(query))
                    body = callback_body
                elif path == "/signed-out":
                    body = "<h1>Signed out</h1>"
                else:
                    href = app.authorize_url.replace("&", "&amp;").replace('"', "&quot;")
                    body = f'<h1>Demo app</h1><p><a id="sign-in" href="{href}">Sign in</a></p>'
                page = f"<!DOCTYPE html><html><head><title>Demo app</title></head><body>{body}</body></html>"
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self):
        return f"http://localhost:{self.port}"

    @property
    def callback(self):
        return f"{self.base}/callback"

    @property
    def signed_out(self):
        return f"{self.base}/signed-out"


class Tessera:
    """The server under test, on a free port, with its own data directory (removed by `stop`)
    and the admin key `admin_key` (id, secret); `env` adds settings."""

    def __init__(self, admin_key, env=None, prefix="tessera-", public_host=None, tls_context=None):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        # `tls_context` (an ssl.SSLContext trusting the server's CA): the server speaks HTTPS.
        scheme = "https" if tls_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        # `public_host` (localhost, for passkeys): TESSERA_PUBLIC_URL and `url` use that name.
        public = f"{scheme}://{public_host}:{self.port}" if public_host else None
        full = dict(os.environ)
        full.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": self.dir,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{self.dir}/tessera.db",
            "TESSERA_ADMIN_KEYS": f"{admin_key[0]}:{admin_key[1]}",
            "NO_COLOR": "1",
        })
        for name in ("TESSERA_PUBLIC_URL", "TESSERA_DATABASE_URL"):
            full.pop(name, None)
        full.update(env or {})
        if public:
            full["TESSERA_PUBLIC_URL"] = public
        self.log_path = os.path.join(self.dir, "server.log")
        self.env, self.tls_context, self.public = full, tls_context, public
        self._start()

    def _start(self):
        full, tls_context, public = self.env, self.tls_context, self.public
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([TESSERA_BIN, "serve"], env=full, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tessera exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=1, context=tls_context):
                    self.url = public or self.url
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"tessera was not ready within 30 s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        return log_tail(self.log_path, lines)

    def kill_and_restart(self):
        """SIGKILL, then a new process on the same port, data directory and database."""
        self.process.kill()
        self.process.wait()
        self.url = f"{'https' if self.tls_context else 'http'}://127.0.0.1:{self.port}"
        self._start()

    def log_text(self):
        """Everything the server wrote so far (stdout and stderr), such as what `tessera serve`
        shows once on the first start."""
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def authorization_request(base, client_id, redirect_uri, **extra):
    """A code-grant authorization URL at `base` (a pool's site) with PKCE S256, a fresh state and
    nonce, scopes openid email profile, and `extra` parameters; returns the URL and what the
    exchange needs, (state, nonce, verifier)."""
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode(dict({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": "openid email profile", "state": state, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256",
    }, **extra))
    return f"{base}/oauth2/authorize?{query}", (state, nonce, verifier)


def id_claims_for_code(base, client_id, redirect_uri, code, pending):
    """Exchanges `code` at `base`'s /oauth2/token with the PKCE verifier of `pending`; checks the
    answer (Bearer, the three tokens) and verifies the ID token with PyJWT against the JWKS
    (signature, iss, aud, nonce, token_use). Returns its claims."""
    _, nonce, verifier = pending
    body = urllib.parse.urlencode({
        "grant_type": "authorization_code", "client_id": client_id, "code": code,
        "redirect_uri": redirect_uri, "code_verifier": verifier,
    }).encode()
    request = urllib.request.Request(f"{base}/oauth2/token", data=body,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request) as r:
            tokens = json.load(r)
    except urllib.error.HTTPError as e:
        raise StepFailed(f"/oauth2/token answered {e.code}: {e.read().decode(errors='replace')}")
    expect(tokens.get("token_type") == "Bearer", f"token_type {tokens.get('token_type')!r}")
    for name in ("id_token", "access_token", "refresh_token"):
        expect(tokens.get(name), f"no {name} in {sorted(tokens)}")
    key = jwt.PyJWKClient(f"{base}/.well-known/jwks.json", cache_keys=False).get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], issuer=base, audience=client_id,
                        options={"require": ["exp", "iat", "iss", "sub", "aud", "nonce"]})
    expect(claims.get("nonce") == nonce, f"nonce {claims.get('nonce')!r} instead of {nonce!r}")
    expect(claims.get("token_use") == "id", f"token_use {claims.get('token_use')!r}")
    return claims
