"""OpenTelemetry traces, received by a real OTLP/HTTP receiver.

The script runs an OTLP/HTTP receiver (http.server on 127.0.0.1: POST /v1/traces, each body
decoded as an ExportTraceServiceRequest with the `opentelemetry-proto` package) and starts its
own Tessera (`TESSERA_BIN`, `DATABASE_URL`) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it,
OTEL_EXPORTER_OTLP_HEADERS and a short batch delay. It makes known requests: a health check, a
pool, a client and a user made with the admin key, a password sign-in that returns tokens, an
InitiateAuth on a made-up client (an error) carrying the password, a JWKS fetch, and a health
check with a W3C traceparent. It finds each request's span by its request id (the
x-amzn-RequestId header) and checks: service.name is tessera; the HTTP attributes and the
Cognito action are on the spans; the traceparent's trace id and parent span id are on its
span; the headers reached the receiver; neither the password, the admin secret nor a token is
anywhere in what was exported; and the spans of the last request before SIGTERM arrive too.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… python tests/clients/otel_flow.py

Prints "otel: N passed, M failed" and exits 1 if anything failed.
"""

import http.server
import os
import secrets
import sys
import threading
import time
import urllib.request

import boto3
import botocore
import botocore.config
import botocore.exceptions
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from flow_kit import Steps, Tessera, expect, free_port

ADMIN_KEY = ("AKIAOTELFLOWTEST0001", "otel-flow-test-secret-key-00000000000000")
PASSWORD = "Traced-Mosaic-Secret-42"
HEADER = ("x-otel-flow", "receiver-check")

suite = Steps()
state = suite.state
need = suite.need
admin = public = receiver = None
URL = ""


class Receiver:
    """An OTLP/HTTP traces receiver on a free port: keeps each POST /v1/traces (its headers with
    lowercase names, the raw body and the decoded ExportTraceServiceRequest) and answers as a
    collector does."""

    def __init__(self):
        self.exports = []
        self.lock = threading.Lock()
        self.port = free_port()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                decoded = ExportTraceServiceRequest()
                decoded.ParseFromString(body)
                with sink.lock:
                    sink.exports.append(({k.lower(): v for k, v in self.headers.items()}, body, decoded))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def received(self):
        with self.lock:
            return list(self.exports)

    def spans(self):
        """Every span received, as (resource attributes, span)."""
        out = []
        for _, _, request in self.received():
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    out.extend((resource, span) for span in scope_spans.spans)
        return out

    def span_of(self, request_id, timeout=15):
        """The span whose request_id attribute is `request_id`, waiting for its export."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for resource, span in self.spans():
                if attributes(span.attributes).get("request_id") == request_id:
                    return resource, span
            time.sleep(0.1)
        raise AssertionError(f"no span with request_id {request_id} reached the receiver within {timeout} s")


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def attributes(key_values):
    return {kv.key: value(kv.value) for kv in key_values}


def get(path, headers=None):
    """GET `path` on Tessera: (status, request id)."""
    request = urllib.request.Request(f"{URL}{path}", headers=headers or {})
    with urllib.request.urlopen(request) as r:
        r.read()
        return r.status, r.headers.get("x-amzn-RequestId")


def request_id_of(response):
    return response["ResponseMetadata"]["RequestId"]


def run():
    """The known requests; each request id is kept in `state`."""
    status, state["health"] = get("/health")
    expect(status == 200, f"/health {status}")
    pool = admin.create_user_pool(PoolName="otel")["UserPool"]["Id"]
    created = admin.create_user_pool_client(UserPoolId=pool, ClientName="otel-app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                               "ALLOW_REFRESH_TOKEN_AUTH"])
    state["create_client"] = request_id_of(created)
    client = created["UserPoolClient"]["ClientId"]
    admin.admin_create_user(UserPoolId=pool, Username="traced", MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool, Username="traced", Password=PASSWORD, Permanent=True)
    signed_in = public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "traced", "PASSWORD": PASSWORD})
    state["sign_in"] = request_id_of(signed_in)
    state["tokens"] = list(signed_in["AuthenticationResult"][name]
                           for name in ("IdToken", "AccessToken", "RefreshToken"))
    try:
        public.initiate_auth(ClientId="nosuchclient00000000000000", AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "traced", "PASSWORD": PASSWORD})
    except botocore.exceptions.ClientError as e:
        state["refused_code"] = e.response["Error"]["Code"]
        state["refused"] = request_id_of(e.response)
    else:
        raise AssertionError("InitiateAuth on a made-up client succeeded")
    status, state["jwks"] = get(f"/{pool}/.well-known/jwks.json")
    expect(status == 200, f"JWKS {status}")
    state["pool"] = pool
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    status, state["joined"] = get("/health", {"traceparent": f"00-{trace_id}-{parent_id}-01"})
    expect(status == 200, f"/health with traceparent {status}")
    state["caller"] = (trace_id, parent_id)


def exported_with_resource():
    request_id = need("health")
    resource, _ = receiver.span_of(request_id)
    expect(resource.get("service.name") == "tessera", f"service.name {resource.get('service.name')!r}")
    for headers, _, _ in receiver.received():
        content_type = headers.get("content-type")
        expect(content_type == "application/x-protobuf", f"Content-Type {content_type!r}")
        given = headers.get(HEADER[0])
        expect(given == HEADER[1], f"{HEADER[0]}: {given!r} (OTEL_EXPORTER_OTLP_HEADERS)")


def http_attributes():
    def check(request_id, method, path, status):
        _, span = receiver.span_of(request_id)
        found = attributes(span.attributes)
        expect(found.get("http.request.method") == method, f"{path}: http.request.method {found}")
        expect(found.get("url.path") == path, f"{path}: url.path {found.get('url.path')!r}")
        got = found.get("http.response.status_code")
        expect(got == status, f"{path}: http.response.status_code {got!r} instead of {status}")
        return found

    check(need("health"), "GET", "/health", 200)
    pool, jwks = need("pool", "jwks")
    check(jwks, "GET", f"/{pool}/.well-known/jwks.json", 200)
    found = check(need("create_client"), "POST", "/", 200)
    expect(found.get("action") == "CreateUserPoolClient", f"action {found.get('action')!r}")
    expect(found.get("access_key_id") == ADMIN_KEY[0], f"access_key_id {found.get('access_key_id')!r}")
    found = check(need("sign_in"), "POST", "/", 200)
    expect(found.get("action") == "InitiateAuth", f"action {found.get('action')!r}")
    expect(need("refused_code") == "ResourceNotFoundException", f"refused with {state['refused_code']}")
    found = check(need("refused"), "POST", "/", 400)
    expect(found.get("action") == "InitiateAuth", f"action {found.get('action')!r}")


def joins_the_callers_trace():
    (trace_id, parent_id), joined = need("caller", "joined")
    _, span = receiver.span_of(joined)
    expect(span.trace_id.hex() == trace_id, f"trace id {span.trace_id.hex()} instead of {trace_id}")
    expect(span.parent_span_id.hex() == parent_id, f"parent span id {span.parent_span_id.hex()} instead of {parent_id}")
    expect(span.span_id.hex() not in ("", parent_id, "0" * 16), f"span id {span.span_id.hex()}")
    _, other = receiver.span_of(need("health"))
    expect(other.trace_id.hex() != trace_id, "a request without traceparent joined the caller's trace")
    expect(other.parent_span_id in (b"", bytes(8)),
           f"a request without traceparent has parent {other.parent_span_id.hex()}")


def no_secrets():
    tokens = need("tokens")
    receiver.span_of(need("jwks"))  # everything made before it has been exported too
    secrets_used = {"the password": PASSWORD, "the admin secret": ADMIN_KEY[1]}
    secrets_used.update({f"token {i}": t for i, t in enumerate(tokens)})
    for name, secret in secrets_used.items():
        for _, body, _ in receiver.received():
            expect(secret.encode() not in body, f"{name} is in an exported body")
    # And, decoded, in no attribute of a span, its events or its resource.
    for resource, span in receiver.spans():
        values = list(resource.values()) + list(attributes(span.attributes).values())
        for event in span.events:
            values.extend(attributes(event.attributes).values())
        for v in values:
            expect(PASSWORD not in str(v), f"the password is in an attribute of span {span.name}")


def flushed_at_exit(tessera):
    def check():
        _, request_id = get("/health")
        tessera.process.terminate()
        code = tessera.process.wait(timeout=15)
        expect(code == 0, f"tessera exited with {code}")
        receiver.span_of(request_id, timeout=1)
    return check


def main():
    global admin, public, receiver, URL
    started = time.time()
    receiver = Receiver()
    # The defaults under test: no service name or other OTLP settings from the caller.
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        del os.environ[name]
    tessera = Tessera(ADMIN_KEY, prefix="tessera-otel-", env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"{HEADER[0]}={HEADER[1]}",
        "OTEL_BSP_SCHEDULE_DELAY": "500",
    })
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"otel: Tessera at {URL} on {database}, OTLP receiver on {receiver.port}")
    no_retries = botocore.config.Config(retries={"max_attempts": 1})
    admin = boto3.client("cognito-idp", endpoint_url=URL, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                         aws_secret_access_key=ADMIN_KEY[1], config=no_retries)
    public = boto3.client("cognito-idp", endpoint_url=URL, region_name="local",
                          config=no_retries.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
    try:
        for name, fn in [
            ("the requests: health, admin calls, a sign-in, a refused InitiateAuth, JWKS, a traceparent", run),
            ("spans reach the receiver as protobuf with the OTLP headers; service.name is tessera",
             exported_with_resource),
            ("spans carry the method, path, status, Cognito action and access key id", http_attributes),
            ("a request with traceparent joins the caller's trace; one without starts its own",
             joins_the_callers_trace),
            ("no password, admin secret or token in what was exported", no_secrets),
            ("the last request before SIGTERM is exported at exit", flushed_at_exit(tessera)),
        ]:
            suite.run(name, fn)
    finally:
        tessera_log = tessera.log_tail() if suite.failed else ""
        tessera.stop()
        receiver.server.shutdown()
    if suite.failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"otel: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
