"""`GET /metrics` after a known mixed run, read by a real parser.

The script starts its own Tessera (`TESSERA_BIN`, `DATABASE_URL`) with TESSERA_METRICS_TOKEN and
an SMTP sink (flow_kit), then does, with boto3 and plain HTTP, a run whose every count it
knows: sign-ups with emailed codes, confirmations, password sign-ins that succeed and fail, a
lockout, SRP first steps (challenges), refreshes, JWKS and hosted-page requests, and unknown
JSON actions. It reads /metrics with the `prometheus_client` package's OpenMetrics parser and
checks each counter against the run: tessera_requests_total by door, action and status,
tessera_request_duration_seconds, tessera_sign_ins_total, tessera_lockouts_total,
tessera_codes_sent_total, tessera_tokens_issued_total, tessera_password_hash_queue_depth and
tessera_db_connections; that /metrics wants the token; and that no label carries a pool id.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… python tests/clients/metrics_flow.py

Prints "metrics: N passed, M failed" and exits 1 if anything failed.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
import botocore
import botocore.config
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from flow_kit import MailSink, Steps, Tessera, error_code, expect

ADMIN_KEY = ("AKIAMETRICSFLOW00001", "metrics-flow-test-secret-key-000000000")
TOKEN = "metrics-scrape-token-42"
PASSWORD = "Counted-Mosaic-42"
SIGN_UPS = 3
GOOD_SIGN_INS = 4
JWKS_GETS = 5

suite = Steps()
state = suite.state
need = suite.need
admin = public = mail = None
URL = ""


def scrape(token=TOKEN):
    request = urllib.request.Request(f"{URL}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as r:
        return r.headers.get("Content-Type", ""), r.read().decode()


def samples(text):
    """{(sample name, frozenset of labels): value} of every sample."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(parsed, name, **labels):
    return parsed.get((name, frozenset(labels.items())), 0)


def set_up():
    pool = admin.create_user_pool(PoolName="metrics", AutoVerifiedAttributes=["email"],
                                  UsernameAttributes=["email"])["UserPool"]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool, ClientName="metrics-app", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
        CallbackURLs=["https://app.example.com/callback"], SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]
    state.update(pool=pool, client=client)


def token_required():
    try:
        scrape(token=None)
    except urllib.error.HTTPError as e:
        expect(e.code == 401, f"/metrics without the token answered {e.code}")
    else:
        raise AssertionError("/metrics answered without the token")
    try:
        scrape(token="wrong")
    except urllib.error.HTTPError as e:
        expect(e.code == 401, f"/metrics with a wrong token answered {e.code}")
    else:
        raise AssertionError("/metrics answered a wrong token")
    content_type, text = scrape()
    expect(content_type.startswith("application/openmetrics-text"), f"Content-Type {content_type}")
    state["before"] = samples(text)


def run():
    """The mixed run; what it did is kept in `state` for the checks."""
    _, client = need("pool", "client")
    for i in range(SIGN_UPS):
        address = f"user{i}@example.com"
        before = mail.count()
        public.sign_up(ClientId=client, Username=address, Password=PASSWORD,
                       UserAttributes=[{"Name": "email", "Value": address}])
        public.confirm_sign_up(ClientId=client, Username=address,
                               ConfirmationCode=mail.code_for(address, before))
    refresh = None
    for i in range(GOOD_SIGN_INS):
        out = public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": f"user{i % SIGN_UPS}@example.com",
                                                   "PASSWORD": PASSWORD})
        refresh = out["AuthenticationResult"]["RefreshToken"]
    # user2 gets five wrong passwords: locked out at the fifth.
    for _ in range(5):
        code = error_code(lambda: public.initiate_auth(
            ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "user2@example.com", "PASSWORD": "Wrong-Password-1"}))
        expect(code == "NotAuthorizedException", f"a wrong password gave {code}")
    # Two SRP first steps: challenges.
    for _ in range(2):
        out = public.initiate_auth(ClientId=client, AuthFlow="USER_SRP_AUTH",
                                   AuthParameters={"USERNAME": "user0@example.com", "SRP_A": "0a" * 384})
        expect(out["ChallengeName"] == "PASSWORD_VERIFIER", f"challenge {out.get('ChallengeName')}")
    # One refresh.
    public.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                         AuthParameters={"REFRESH_TOKEN": refresh})
    pool, _ = need("pool", "client")
    for _ in range(JWKS_GETS):
        with urllib.request.urlopen(f"{URL}/{pool}/.well-known/jwks.json") as r:
            expect(r.status == 200, f"JWKS {r.status}")
    query = f"response_type=code&client_id={client}&redirect_uri=https://app.example.com/callback&scope=openid"
    with urllib.request.urlopen(f"{URL}/{pool}/login?{query}") as r:
        expect(r.status == 200, f"/login {r.status}")
    # A made-up action, twice.
    for _ in range(2):
        body = json.dumps({}).encode()
        request = urllib.request.Request(f"{URL}/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.MadeUpAction"})
        try:
            urllib.request.urlopen(request)
        except urllib.error.HTTPError:
            pass
    _, text = scrape()
    state["after"] = samples(text)
    state["text"] = text


def delta(name, **labels):
    before, after = need("before", "after")
    return value(after, name, **labels) - value(before, name, **labels)


def requests_counted():
    api = {"door": "api", "status": "200"}
    expect(delta("tessera_requests_total", action="SignUp", **api) == SIGN_UPS, "SignUp requests")
    expect(delta("tessera_requests_total", action="ConfirmSignUp", **api) == SIGN_UPS, "ConfirmSignUp")
    initiated = GOOD_SIGN_INS + 2 + 1
    got = delta("tessera_requests_total", action="InitiateAuth", **api)
    expect(got == initiated, f"InitiateAuth 200: {got} instead of {initiated}")
    refused = delta("tessera_requests_total", door="api", action="InitiateAuth", status="400")
    expect(refused == 5, f"InitiateAuth 400: {refused}")
    unknown = delta("tessera_requests_total", door="api", action="unknown", status="400")
    expect(unknown == 2, f"unknown actions: {unknown}")
    jwks = delta("tessera_requests_total", door="oauth", action="/.well-known/jwks.json", status="200")
    expect(jwks == JWKS_GETS, f"JWKS requests {jwks}")
    login = delta("tessera_requests_total", door="ui", action="/login", status="200")
    expect(login == 1, f"/login requests {login}")
    count = delta("tessera_request_duration_seconds_count", door="oauth", action="/.well-known/jwks.json")
    expect(count == JWKS_GETS, f"JWKS duration count {count}")


def sign_ins_counted():
    flow = "USER_PASSWORD_AUTH"
    expect(delta("tessera_sign_ins_total", flow=flow, outcome="success") == GOOD_SIGN_INS, "successes")
    expect(delta("tessera_sign_ins_total", flow=flow, outcome="failure") == 5, "failures")
    expect(delta("tessera_sign_ins_total", flow="USER_SRP_AUTH", outcome="challenge") == 2, "SRP challenges")
    expect(delta("tessera_sign_ins_total", flow="REFRESH_TOKEN_AUTH", outcome="success") == 1, "refresh")
    expect(delta("tessera_lockouts_total") == 1, f"lockouts {delta('tessera_lockouts_total')}")


def deliveries_and_tokens_counted():
    codes = delta("tessera_codes_sent_total", channel="email", outcome="success")
    expect(codes == SIGN_UPS, f"emails {codes}")
    signed = delta("tessera_tokens_issued_total", grant="sign_in")
    expect(signed == GOOD_SIGN_INS, f"sign_in tokens {signed}")
    refreshed = delta("tessera_tokens_issued_total", grant="refresh_token")
    expect(refreshed == 1, f"refresh_token tokens {refreshed}")


def gauges_and_labels():
    after, text = need("after", "text")
    depth = value(after, "tessera_password_hash_queue_depth")
    expect(depth == 0, f"hash queue depth {depth} at rest")
    connections = value(after, "tessera_db_connections", state="idle") + value(
        after, "tessera_db_connections", state="in_use")
    expect(connections >= 1, f"db connections {connections}")
    pool, client = need("pool", "client")
    expect(pool not in text and client not in text, "a pool or client id is in the metrics")


def main():
    global admin, public, mail, URL
    started = time.time()
    mail = MailSink()
    mail.controller.start()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-metrics-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "TESSERA_METRICS_TOKEN": TOKEN,
    })
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"metrics: Tessera at {URL} on {database}, SMTP sink on {mail.port}")
    no_retries = botocore.config.Config(retries={"max_attempts": 1})
    admin = boto3.client("cognito-idp", endpoint_url=URL, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                         aws_secret_access_key=ADMIN_KEY[1], config=no_retries)
    public = boto3.client("cognito-idp", endpoint_url=URL, region_name="local",
                          config=no_retries.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
    try:
        for name, fn in [
            ("set-up: a pool (email usernames, auto-verified) and a client", set_up),
            ("/metrics wants TESSERA_METRICS_TOKEN; OpenMetrics text", token_required),
            ("the run: sign-ups, sign-ins, a lockout, SRP, a refresh, JWKS, /login, unknown actions", run),
            ("tessera_requests_total and the duration histogram match the run", requests_counted),
            ("tessera_sign_ins_total and tessera_lockouts_total match the run", sign_ins_counted),
            ("tessera_codes_sent_total and tessera_tokens_issued_total match the run",
             deliveries_and_tokens_counted),
            ("gauges: hash queue empty at rest, connections open; no pool or client id in a label",
             gauges_and_labels),
        ]:
            suite.run(name, fn)
    finally:
        tessera_log = tessera.log_tail() if suite.failed else ""
        tessera.stop()
        mail.controller.stop()
    if suite.failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"metrics: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
