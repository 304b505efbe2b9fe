"""What the browser suites (browser_flow.py, federation_flow.py) share: failing a step, free
ports, the Cognito error code of a boto3 call, the demo app that starts authorization requests
and receives their answers, the Tessera server under test (`TESSERA_BIN`, default
target/debug/tessera, with `DATABASE_URL` or SQLite in its own temporary directory), and the
app's side of the code grant with PKCE (the authorization URL, the exchange and the ID token's
checks)."""

import base64
import hashlib
import http.server
import json
import os
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESSERA_BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "target/debug/tessera"))


class StepFailed(Exception):
    pass


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

    def __init__(self, admin_key, env=None, prefix="tessera-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = dict(os.environ)
        full.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": self.dir,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{self.dir}/tessera.db",
            "TESSERA_ADMIN_KEYS": f"{admin_key[0]}:{admin_key[1]}",
            "NO_COLOR": "1",
        })
        full.update(env or {})
        for name in ("TESSERA_PUBLIC_URL", "TESSERA_DATABASE_URL"):
            full.pop(name, None)
        self.log_path = os.path.join(self.dir, "server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([TESSERA_BIN, "serve"], env=full, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tessera exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"tessera was not ready within 30 s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        return log_tail(self.log_path, lines)

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
