"""Issue 5's "done when" through boto3: TOTP, SMS and email MFA against a running Tessera.

The script starts everything it needs: a local SMS webhook receiver (http.server; Tessera POSTs
`{to, message, pool_id, kind}` to it), an SMTP sink (aiosmtpd), and its own Tessera server
(`TESSERA_BIN`, default target/debug/tessera) with `DATABASE_URL` (default: SQLite in a
temporary directory), TESSERA_SMS_WEBHOOK_URL and TESSERA_SMTP_URL pointing at them, and a test
admin key. TOTP codes come from the RFC 6238 implementation below (checked against the RFC's
test vectors first), never from the server's code.

  A. MFA ON, software token only: the first sign-in gets MFA_SETUP → AssociateSoftwareToken and
     VerifySoftwareToken with the session → MFA_SETUP answered → tokens (ID token verified with
     PyJWT against the JWKS); GetUser lists SOFTWARE_TOKEN_MFA. The next sign-in gets
     SOFTWARE_TOKEN_MFA: a wrong code → CodeMismatchException, the code of a later time step →
     tokens, the same code in a new sign-in → CodeMismatchException (replay); a refresh needs no
     second factor.
  B. MFA OPTIONAL with SMS: no factor → tokens at once; SMS enabled and preferred → SMS_MFA with
     the delivery parameters, the code from the webhook ("Code: {####}"), a wrong code, the right
     one → tokens, the session then refused; three wrong codes end the session.
  C. Email MFA in the same pool: EMAIL_OTP, the code from the SMTP sink with the pool's Subject
     and Message → tokens.
  D. TOTP and SMS enabled, none preferred: SELECT_MFA_TYPE → ANSWER SMS_MFA → SMS_MFA → tokens.
  E. MFA ON with email only: MFA_SETUP (MFAS_CAN_SETUP ["EMAIL_OTP"]) answered with EMAIL →
     EMAIL_OTP → tokens; the address is then the user's verified email and the next sign-in
     asks for an email code directly.
The second half of A runs last, so that the wait for a time step after the enrolment's (at most
30 s) overlaps B–E.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… python tests/clients/mfa_flow.py

Every check is a named step; a step whose input an earlier step failed to produce fails as
"blocked". Prints "mfa: N passed, M failed" and exits 1 if anything failed.
"""

import base64
import email
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import boto3
import botocore
import botocore.config
import botocore.exceptions
import jwt
from aiosmtpd.controller import Controller

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESSERA_BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "target/debug/tessera"))

ADMIN_KEY_ID = "AKIAMFAFLOWTEST00001"
ADMIN_SECRET = "mfa-flow-test-secret-key-0000000000000"
PASSWORD = "Second-Factor-42"
SMS_TEMPLATE = "Code: {####}"
EMAIL_SUBJECT = "Your Mosaic sign-in code"
EMAIL_TEMPLATE = "Your code {####}"
TOTP_PERIOD = 30

passed = 0
failed = 0
state = {}


class StepFailed(Exception):
    pass


class Blocked(Exception):
    pass


def need(*keys):
    """The values earlier steps put in `state`; Blocked if one of them is missing."""
    missing = [k for k in keys if state.get(k) is None]
    if missing:
        raise Blocked(f"needs {', '.join(missing)} from an earlier step")
    return [state[k] for k in keys] if len(keys) > 1 else state[keys[0]]


def expect(condition, detail):
    if not condition:
        raise StepFailed(detail)


def step(name, fn):
    """Runs one named check; any error becomes a FAIL line with a one-line reason."""
    global passed, failed
    try:
        fn()
    except Blocked as e:
        failed += 1
        print(f"FAIL {name} (blocked: {e})")
    except StepFailed as e:
        failed += 1
        print(f"FAIL {name}: {e}")
    except botocore.exceptions.ClientError as e:
        failed += 1
        err = e.response.get("Error", {})
        print(f"FAIL {name}: {e.operation_name} answered {err.get('Code')}: {err.get('Message')}")
    except Exception as e:  # a client library's own exception, a KeyError on a missing field…
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {name}")


def expect_error(code, call, **kwargs):
    """The call must fail with this Cognito error; returns its message."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        text = e.response["Error"].get("Message")
        expect(got == code, f"expected {code}, got {got}: {text}")
        return text
    raise StepFailed(f"expected {code}, but the call succeeded")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- TOTP (RFC 6238), independent


def totp_at_step(secret, counter):
    """RFC 6238 / RFC 4226: HMAC-SHA-1 of the 8-byte counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def step_now():
    return int(time.time()) // TOTP_PERIOD


def code_not_near(secret, counter):
    """A 6-digit code that no step within ±2 of `counter` produces: surely wrong."""
    near = {totp_at_step(secret, counter + d) for d in range(-2, 3)}
    return next(f"{n:06d}" for n in range(0, 1_000_000, 111_111) if f"{n:06d}" not in near)


def other_code(code):
    return "000000" if code != "000000" else "111111"


# ---------------------------------------------------------------- the SMS webhook receiver


class SmsSink:
    """http.server on a free port: every JSON body POSTed to /sms is kept."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.port = free_port()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
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

    def message_to(self, number, after, timeout=15):
        """The first message to `number` past index `after`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages[after:] if m.get("to") == number]
            if found:
                return found[0]
            time.sleep(0.05)
        raise StepFailed(f"no SMS to {number} reached the webhook within {timeout} s")


# ---------------------------------------------------------------- the SMTP sink


class MailSink:
    """aiosmtpd on a free port; keeps every message it receives."""

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


def text_of(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"] or [message]
    return "\n".join(p.get_payload(decode=True).decode(errors="replace") for p in parts)


# ---------------------------------------------------------------- Tessera


class Tessera:
    """The server under test, on a free port, with its own data directory and the sinks."""

    def __init__(self, smtp_port, sms_url):
        self.dir = tempfile.mkdtemp(prefix="tessera-mfa-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": self.dir,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{self.dir}/tessera.db",
            "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
            "TESSERA_SMS_WEBHOOK_URL": sms_url,
            "TESSERA_ADMIN_KEYS": f"{ADMIN_KEY_ID}:{ADMIN_SECRET}",
            "NO_COLOR": "1",  # the log tail printed on failure stays readable
        })
        env.pop("TESSERA_PUBLIC_URL", None)
        env.pop("TESSERA_DATABASE_URL", None)
        self.log_path = os.path.join(self.dir, "server.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([TESSERA_BIN, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tessera exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"tessera was not ready within 30 s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- clients and helpers

admin = None
idp = None
sms = None
mail = None
URL = None


def clients(url):
    config = botocore.config.Config(retries={"max_attempts": 1})
    signed = boto3.client("cognito-idp", endpoint_url=url, region_name="local", aws_access_key_id=ADMIN_KEY_ID,
                          aws_secret_access_key=ADMIN_SECRET, config=config)
    # What an app without AWS credentials uses: the public actions are not signed.
    unsigned = boto3.client("cognito-idp", endpoint_url=url, region_name="local",
                            config=config.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
    return signed, unsigned


def secret_hash(username, client_id, client_secret):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def attributes(user):
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", user.get("Attributes", []))}


def claims_of(token, token_use, pool_id, client_id):
    """Verifies a JWT with PyJWT against the pool's JWKS, as any relying party does."""
    issuer = f"{URL}/{pool_id}"
    key = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json", cache_keys=False).get_signing_key_from_jwt(token)
    options = {"require": ["exp", "iat", "iss", "sub", "token_use"]}
    if token_use == "access":
        claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, options={**options, "verify_aud": False})
        expect(claims.get("client_id") == client_id, f"client_id {claims.get('client_id')!r}")
    else:
        claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, audience=client_id, options=options)
    expect(claims.get("token_use") == token_use, f"token_use {claims.get('token_use')!r}, expected {token_use!r}")
    return claims


def tokens_of(result, what):
    auth = result.get("AuthenticationResult")
    expect(auth is not None, f"{what}: no AuthenticationResult; got {sorted(result)} (challenge {result.get('ChallengeName')})")
    for field in ("AccessToken", "IdToken"):
        expect(auth.get(field), f"{what}: no {field}")
    expect(auth.get("TokenType") == "Bearer", f"{what}: TokenType {auth.get('TokenType')!r}")
    return auth


def verified_id_token(auth, pool_id, client_id, username):
    claims = claims_of(auth["IdToken"], "id", pool_id, client_id)
    expect(claims.get("cognito:username") == username, f"cognito:username {claims.get('cognito:username')!r}")
    claims_of(auth["AccessToken"], "access", pool_id, client_id)
    return claims


def challenge_of(result, name, what):
    """The response is the challenge `name`, with a session and no tokens; its parameters."""
    expect("AuthenticationResult" not in result, f"{what}: tokens instead of the {name} challenge")
    expect(result.get("ChallengeName") == name, f"{what}: ChallengeName {result.get('ChallengeName')!r}, expected {name}")
    session = result.get("Session") or ""
    expect(20 <= len(session) <= 2048, f"{what}: Session of {len(session)} chars")
    return result.get("ChallengeParameters", {})


def json_list(params, name):
    try:
        value = json.loads(params.get(name, ""))
    except ValueError:
        raise StepFailed(f"{name} is not a JSON string: {params.get(name)!r}") from None
    expect(isinstance(value, list), f"{name} is not a JSON list: {params.get(name)!r}")
    return value


def create_pool(name, mfa_config):
    pool_id = admin.create_user_pool(PoolName=name)["UserPool"]["Id"]
    out = admin.set_user_pool_mfa_config(UserPoolId=pool_id, **mfa_config)
    expect(out.get("MfaConfiguration") == mfa_config["MfaConfiguration"], f"SetUserPoolMfaConfig answered {out}")
    return pool_id


def create_client(pool_id, secret):
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="mfa-app", GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return client["ClientId"], client.get("ClientSecret")


def create_user(pool_id, username, attrs):
    admin.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    user = admin.admin_get_user(UserPoolId=pool_id, Username=username)
    expect(user["UserStatus"] == "CONFIRMED", f"status {user['UserStatus']}")


def sign_in(client_id, username, client_secret=None):
    params = {"USERNAME": username, "PASSWORD": PASSWORD}
    if client_secret:
        params["SECRET_HASH"] = secret_hash(username, client_id, client_secret)
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)


def respond(client_id, name, session, responses, client_secret=None):
    responses = dict(responses)
    if client_secret:
        responses["SECRET_HASH"] = secret_hash(responses["USERNAME"], client_id, client_secret)
    return idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName=name, Session=session,
                                         ChallengeResponses=responses)


def code_in(text, template, what):
    """The 6-digit code in `text`, which must be `template` with {####} filled in."""
    pattern = re.escape(template).replace(re.escape("{####}"), r"(\d{6})")
    found = re.fullmatch(pattern, text.strip())
    expect(found is not None, f"{what} {text!r} is not {template!r} with a 6-digit code")
    return found.group(1)


def rfc6238_vectors():
    """The TOTP code of this script against RFC 6238 appendix B (SHA-1; last 6 of 8 digits)."""
    secret = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    vectors = {59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
               1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130"}
    for t, code in vectors.items():
        got = totp_at_step(secret, t // TOTP_PERIOD)
        expect(got == code[-6:], f"T={t}: {got}, RFC 6238 says {code[-6:]}")


# ---------------------------------------------------------------- A: TOTP in a pool with MFA ON

ANNA = "anna"


def a_setup():
    pool_id = create_pool("mfa-on-totp", {
        "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True},
    })
    config = admin.get_user_pool_mfa_config(UserPoolId=pool_id)
    expect(config.get("MfaConfiguration") == "ON", f"MfaConfiguration {config.get('MfaConfiguration')!r}")
    expect(config.get("SoftwareTokenMfaConfiguration", {}).get("Enabled") is True, f"GetUserPoolMfaConfig {config}")
    client_id, client_secret = create_client(pool_id, secret=True)
    expect(client_secret, "the client has no secret")
    create_user(pool_id, ANNA, {"email": "anna@example.com", "email_verified": "true"})
    state.update(a_pool=pool_id, a_client=client_id, a_secret=client_secret)


def a_mfa_setup_challenge():
    client_id, client_secret = need("a_client", "a_secret")
    result = sign_in(client_id, ANNA, client_secret)
    params = challenge_of(result, "MFA_SETUP", "first sign-in")
    expect(json_list(params, "MFAS_CAN_SETUP") == ["SOFTWARE_TOKEN_MFA"], f"MFAS_CAN_SETUP {params.get('MFAS_CAN_SETUP')!r}")
    expect(params.get("USER_ID_FOR_SRP") == ANNA, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")
    state["a_setup_session"] = result["Session"]


def a_associate():
    out = idp.associate_software_token(Session=need("a_setup_session"))
    secret = out.get("SecretCode", "")
    expect(re.fullmatch(r"[A-Z2-7]{16,}", secret), f"SecretCode {secret!r} is not base32 of 16+ characters")
    expect(out.get("Session") and out["Session"] != state["a_setup_session"], "no new Session from AssociateSoftwareToken")
    state.update(a_totp=secret, a_assoc_session=out["Session"])


def a_verify_wrong():
    secret, session = need("a_totp", "a_assoc_session")
    expect_error("EnableSoftwareTokenMFAException", idp.verify_software_token, Session=session,
                 UserCode=code_not_near(secret, step_now()), FriendlyDeviceName="Anna's phone")


def a_verify():
    secret, session = need("a_totp", "a_assoc_session")
    counter = step_now()
    out = idp.verify_software_token(Session=session, UserCode=totp_at_step(secret, counter),
                                    FriendlyDeviceName="Anna's phone")
    expect(out.get("Status") == "SUCCESS", f"Status {out.get('Status')!r}")
    expect(out.get("Session"), "no Session to answer MFA_SETUP with")
    state.update(a_enrol_step=counter, a_verified_session=out["Session"])


def a_answer_setup():
    client_id, client_secret, session = need("a_client", "a_secret", "a_verified_session")
    result = respond(client_id, "MFA_SETUP", session, {"USERNAME": ANNA}, client_secret)
    auth = tokens_of(result, "MFA_SETUP")
    expect(auth.get("RefreshToken"), "no RefreshToken")
    verified_id_token(auth, need("a_pool"), client_id, ANNA)
    state["a_tokens"] = auth


def a_get_user():
    auth = need("a_tokens")
    user = idp.get_user(AccessToken=auth["AccessToken"])
    expect("SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []), f"UserMFASettingList {user.get('UserMFASettingList')!r}")


def a_challenge():
    client_id, client_secret = need("a_client", "a_secret")
    result = sign_in(client_id, ANNA, client_secret)
    params = challenge_of(result, "SOFTWARE_TOKEN_MFA", "sign-in after enrolment")
    expect(params.get("USER_ID_FOR_SRP") == ANNA, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")
    state["a_session"] = result["Session"]


def a_wrong_code():
    client_id, client_secret, session, secret = need("a_client", "a_secret", "a_session", "a_totp")
    expect_error("CodeMismatchException", respond, client_id=client_id, name="SOFTWARE_TOKEN_MFA", session=session,
                 responses={"USERNAME": ANNA, "SOFTWARE_TOKEN_MFA_CODE": code_not_near(secret, step_now())},
                 client_secret=client_secret)


def a_right_code():
    client_id, client_secret, session, secret, enrolled = need("a_client", "a_secret", "a_session", "a_totp", "a_enrol_step")
    # The enrolment used its time step; a code is accepted once, so wait for a later one.
    while step_now() <= enrolled:
        time.sleep(0.2)
    code = totp_at_step(secret, step_now())
    # The same session after the wrong code: a mistyped code may be tried again.
    result = respond(client_id, "SOFTWARE_TOKEN_MFA", session, {"USERNAME": ANNA, "SOFTWARE_TOKEN_MFA_CODE": code},
                     client_secret)
    auth = tokens_of(result, "SOFTWARE_TOKEN_MFA")
    verified_id_token(auth, need("a_pool"), client_id, ANNA)
    state.update(a_used_code=code, a_signed_in=auth)


def a_replay():
    client_id, client_secret, code = need("a_client", "a_secret", "a_used_code")
    result = sign_in(client_id, ANNA, client_secret)
    challenge_of(result, "SOFTWARE_TOKEN_MFA", "sign-in for the replay")
    expect_error("CodeMismatchException", respond, client_id=client_id, name="SOFTWARE_TOKEN_MFA",
                 session=result["Session"], responses={"USERNAME": ANNA, "SOFTWARE_TOKEN_MFA_CODE": code},
                 client_secret=client_secret)


def a_refresh():
    client_id, client_secret, auth = need("a_client", "a_secret", "a_signed_in")
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={
        "REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": secret_hash(ANNA, client_id, client_secret)})
    verified_id_token(tokens_of(result, "REFRESH_TOKEN_AUTH"), need("a_pool"), client_id, ANNA)


# ---------------------------------------------------------------- B, C, D: a pool with MFA OPTIONAL

SAM, SAM_PHONE = "sam", "+15555550100"
EMMA, EMMA_MAIL = "emma", "emma@example.com"
DORA, DORA_PHONE = "dora", "+15555550177"


def optional_setup():
    pool_id = create_pool("mfa-optional", {
        "MfaConfiguration": "OPTIONAL",
        "SmsMfaConfiguration": {"SmsAuthenticationMessage": SMS_TEMPLATE},
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "EmailMfaConfiguration": {"Subject": EMAIL_SUBJECT, "Message": EMAIL_TEMPLATE},
    })
    config = admin.get_user_pool_mfa_config(UserPoolId=pool_id)
    expect(config.get("SmsMfaConfiguration", {}).get("SmsAuthenticationMessage") == SMS_TEMPLATE, f"GetUserPoolMfaConfig {config}")
    expect(config.get("EmailMfaConfiguration") == {"Subject": EMAIL_SUBJECT, "Message": EMAIL_TEMPLATE}, f"GetUserPoolMfaConfig {config}")
    client_id, _ = create_client(pool_id, secret=False)
    create_user(pool_id, SAM, {"phone_number": SAM_PHONE, "phone_number_verified": "true"})
    create_user(pool_id, EMMA, {"email": EMMA_MAIL, "email_verified": "true"})
    create_user(pool_id, DORA, {"phone_number": DORA_PHONE, "phone_number_verified": "true"})
    state.update(o_pool=pool_id, o_client=client_id)


def b_no_factor_no_challenge():
    client_id = need("o_client")
    verified_id_token(tokens_of(sign_in(client_id, SAM), "OPTIONAL pool, no factor"), need("o_pool"), client_id, SAM)


def b_enable_sms():
    pool_id = need("o_pool")
    admin.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=SAM,
                                        SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    user = admin.admin_get_user(UserPoolId=pool_id, Username=SAM)
    expect(user.get("UserMFASettingList") == ["SMS_MFA"], f"UserMFASettingList {user.get('UserMFASettingList')!r}")
    expect(user.get("PreferredMfaSetting") == "SMS_MFA", f"PreferredMfaSetting {user.get('PreferredMfaSetting')!r}")
    state["b_sms_on"] = True


def sms_challenge(client_id, username, phone, result, what):
    """SMS_MFA with its delivery parameters, and the code the webhook received."""
    params = challenge_of(result, "SMS_MFA", what)
    expect(params.get("CODE_DELIVERY_DELIVERY_MEDIUM") == "SMS", f"CODE_DELIVERY_DELIVERY_MEDIUM {params.get('CODE_DELIVERY_DELIVERY_MEDIUM')!r}")
    shown = params.get("CODE_DELIVERY_DESTINATION", "")
    expect(shown.endswith(phone[-4:]) and phone[1:-4] not in shown, f"CODE_DELIVERY_DESTINATION {shown!r} is not {phone} masked")
    expect(params.get("USER_ID_FOR_SRP") == username, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")
    return params


def sms_code(phone, mark, pool_id):
    message = sms.message_to(phone, mark)
    expect(message.get("kind") == "mfa" and message.get("pool_id") == pool_id, f"webhook body {message}")
    return code_in(message.get("message", ""), SMS_TEMPLATE, "the SMS")


def b_sms_challenge():
    client_id = need("o_client")
    need("b_sms_on")
    mark = sms.count()
    result = sign_in(client_id, SAM)
    sms_challenge(client_id, SAM, SAM_PHONE, result, "sign-in with SMS MFA")
    state.update(b_session=result["Session"], b_code=sms_code(SAM_PHONE, mark, need("o_pool")))


def b_wrong_code():
    client_id, session, code = need("o_client", "b_session", "b_code")
    expect_error("CodeMismatchException", respond, client_id=client_id, name="SMS_MFA", session=session,
                 responses={"USERNAME": SAM, "SMS_MFA_CODE": other_code(code)})


def b_right_code():
    client_id, session, code = need("o_client", "b_session", "b_code")
    result = respond(client_id, "SMS_MFA", session, {"USERNAME": SAM, "SMS_MFA_CODE": code})
    verified_id_token(tokens_of(result, "SMS_MFA"), need("o_pool"), client_id, SAM)
    state["b_done"] = True


def b_session_single_use():
    client_id, session, code = need("o_client", "b_session", "b_code")
    need("b_done")
    expect_error("NotAuthorizedException", respond, client_id=client_id, name="SMS_MFA", session=session,
                 responses={"USERNAME": SAM, "SMS_MFA_CODE": code})


def b_three_wrong_codes():
    client_id = need("o_client")
    need("b_sms_on")
    mark = sms.count()
    result = sign_in(client_id, SAM)
    sms_challenge(client_id, SAM, SAM_PHONE, result, "sign-in for three wrong codes")
    code = sms_code(SAM_PHONE, mark, need("o_pool"))
    answer = {"client_id": client_id, "name": "SMS_MFA", "session": result["Session"]}
    for _ in range(2):
        expect_error("CodeMismatchException", respond, **answer, responses={"USERNAME": SAM, "SMS_MFA_CODE": other_code(code)})
    expect_error("NotAuthorizedException", respond, **answer, responses={"USERNAME": SAM, "SMS_MFA_CODE": other_code(code)})
    expect_error("NotAuthorizedException", respond, **answer, responses={"USERNAME": SAM, "SMS_MFA_CODE": code})


def c_enable_email():
    pool_id = need("o_pool")
    admin.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=EMMA,
                                        EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    user = admin.admin_get_user(UserPoolId=pool_id, Username=EMMA)
    expect(user.get("UserMFASettingList") == ["EMAIL_OTP"], f"UserMFASettingList {user.get('UserMFASettingList')!r}")
    state["c_email_on"] = True


def email_challenge(result, username, address, what):
    params = challenge_of(result, "EMAIL_OTP", what)
    expect(params.get("CODE_DELIVERY_DELIVERY_MEDIUM") == "EMAIL", f"CODE_DELIVERY_DELIVERY_MEDIUM {params.get('CODE_DELIVERY_DELIVERY_MEDIUM')!r}")
    masked = f"{address[0]}***@{address.split('@')[1][0]}***"
    expect(params.get("CODE_DELIVERY_DESTINATION") == masked, f"CODE_DELIVERY_DESTINATION {params.get('CODE_DELIVERY_DESTINATION')!r}, expected {masked!r}")
    expect(params.get("USER_ID_FOR_SRP") == username, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")


def email_code(address, mark):
    subject, text = mail.message_to(address, mark)
    expect(subject == EMAIL_SUBJECT, f"Subject {subject!r}, expected {EMAIL_SUBJECT!r}")
    return code_in(text, EMAIL_TEMPLATE, "the mail")


def c_email_otp():
    client_id = need("o_client")
    need("c_email_on")
    mark = mail.count()
    result = sign_in(client_id, EMMA)
    email_challenge(result, EMMA, EMMA_MAIL, "sign-in with email MFA")
    code = email_code(EMMA_MAIL, mark)
    auth = tokens_of(respond(client_id, "EMAIL_OTP", result["Session"], {"USERNAME": EMMA, "EMAIL_OTP_CODE": code}), "EMAIL_OTP")
    verified_id_token(auth, need("o_pool"), client_id, EMMA)


def d_enrol_totp():
    client_id, pool_id = need("o_client", "o_pool")
    auth = tokens_of(sign_in(client_id, DORA), "OPTIONAL pool, no factor yet")
    secret = idp.associate_software_token(AccessToken=auth["AccessToken"])["SecretCode"]
    out = idp.verify_software_token(AccessToken=auth["AccessToken"], UserCode=totp_at_step(secret, step_now()),
                                    FriendlyDeviceName="Dora's tablet")
    expect(out.get("Status") == "SUCCESS", f"Status {out.get('Status')!r}")
    admin.admin_set_user_mfa_preference(
        UserPoolId=pool_id, Username=DORA,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    user = admin.admin_get_user(UserPoolId=pool_id, Username=DORA)
    expect(sorted(user.get("UserMFASettingList", [])) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"], f"UserMFASettingList {user.get('UserMFASettingList')!r}")
    expect("PreferredMfaSetting" not in user, f"PreferredMfaSetting {user.get('PreferredMfaSetting')!r}")
    state["d_both"] = True


def d_select():
    client_id = need("o_client")
    need("d_both")
    result = sign_in(client_id, DORA)
    params = challenge_of(result, "SELECT_MFA_TYPE", "two factors, none preferred")
    choices = json_list(params, "MFAS_CAN_CHOOSE")
    expect(sorted(choices) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"], f"MFAS_CAN_CHOOSE {choices}")
    expect(params.get("USER_ID_FOR_SRP") == DORA, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")
    state["d_session"] = result["Session"]


def d_answer_not_offered():
    client_id, session = need("o_client", "d_session")
    expect_error("InvalidParameterException", respond, client_id=client_id, name="SELECT_MFA_TYPE", session=session,
                 responses={"USERNAME": DORA, "ANSWER": "EMAIL_OTP"})


def d_answer_sms():
    client_id, session = need("o_client", "d_session")
    mark = sms.count()
    result = respond(client_id, "SELECT_MFA_TYPE", session, {"USERNAME": DORA, "ANSWER": "SMS_MFA"})
    sms_challenge(client_id, DORA, DORA_PHONE, result, "ANSWER SMS_MFA")
    code = sms_code(DORA_PHONE, mark, need("o_pool"))
    auth = tokens_of(respond(client_id, "SMS_MFA", result["Session"], {"USERNAME": DORA, "SMS_MFA_CODE": code}), "SMS_MFA")
    verified_id_token(auth, need("o_pool"), client_id, DORA)


# ---------------------------------------------------------------- E: email MFA set up at sign-in

ED, ED_MAIL = "ed", "ed.mosaic@example.com"


def e_setup():
    pool_id = create_pool("mfa-on-email", {
        "MfaConfiguration": "ON",
        "EmailMfaConfiguration": {"Subject": EMAIL_SUBJECT, "Message": EMAIL_TEMPLATE},
    })
    client_id, _ = create_client(pool_id, secret=False)
    create_user(pool_id, ED, {"name": "Ed"})
    state.update(e_pool=pool_id, e_client=client_id)


def e_mfa_setup():
    client_id = need("e_client")
    result = sign_in(client_id, ED)
    params = challenge_of(result, "MFA_SETUP", "MFA ON, email only, no email yet")
    expect(json_list(params, "MFAS_CAN_SETUP") == ["EMAIL_OTP"], f"MFAS_CAN_SETUP {params.get('MFAS_CAN_SETUP')!r}")
    state["e_session"] = result["Session"]


def e_answer_email():
    client_id, session = need("e_client", "e_session")
    mark = mail.count()
    result = respond(client_id, "MFA_SETUP", session, {"USERNAME": ED, "EMAIL": ED_MAIL})
    email_challenge(result, ED, ED_MAIL, "MFA_SETUP with EMAIL")
    code = email_code(ED_MAIL, mark)
    auth = tokens_of(respond(client_id, "EMAIL_OTP", result["Session"], {"USERNAME": ED, "EMAIL_OTP_CODE": code}), "EMAIL_OTP")
    claims = verified_id_token(auth, need("e_pool"), client_id, ED)
    expect(claims.get("email") == ED_MAIL and claims.get("email_verified") is True,
           f"email claims {claims.get('email')!r} {claims.get('email_verified')!r}")
    state["e_done"] = True


def e_enrolled():
    pool_id = need("e_pool")
    need("e_done")
    user = admin.admin_get_user(UserPoolId=pool_id, Username=ED)
    attrs = attributes(user)
    expect(attrs.get("email") == ED_MAIL and attrs.get("email_verified") == "true", f"attributes {attrs}")
    expect("EMAIL_OTP" in user.get("UserMFASettingList", []), f"UserMFASettingList {user.get('UserMFASettingList')!r}")


def e_next_sign_in():
    client_id = need("e_client")
    need("e_done")
    mark = mail.count()
    result = sign_in(client_id, ED)
    email_challenge(result, ED, ED_MAIL, "second sign-in")
    code = email_code(ED_MAIL, mark)
    tokens_of(respond(client_id, "EMAIL_OTP", result["Session"], {"USERNAME": ED, "EMAIL_OTP_CODE": code}), "EMAIL_OTP")


def main():
    global admin, idp, sms, mail, URL
    started = time.time()
    sms = SmsSink()
    mail = MailSink()
    mail.controller.start()
    tessera = Tessera(mail.port, sms.url)
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"mfa: Tessera at {URL} on {database}, SMS webhook on {sms.port}, SMTP sink on {mail.port}")
    try:
        admin, idp = clients(URL)
        steps = [
            ("TOTP of this script matches the RFC 6238 test vectors", rfc6238_vectors),
            ("A set-up: pool MFA ON (software token), client with secret, user", a_setup),
            ("A first sign-in: MFA_SETUP, MFAS_CAN_SETUP [SOFTWARE_TOKEN_MFA]", a_mfa_setup_challenge),
            ("A AssociateSoftwareToken with the session", a_associate),
            ("A VerifySoftwareToken wrong code: EnableSoftwareTokenMFAException", a_verify_wrong),
            ("A VerifySoftwareToken (same session): SUCCESS", a_verify),
            ("A RespondToAuthChallenge MFA_SETUP: tokens, verified against the JWKS", a_answer_setup),
            ("A GetUser lists SOFTWARE_TOKEN_MFA", a_get_user),
            ("B/C/D set-up: pool OPTIONAL (SMS, TOTP, email), users", optional_setup),
            ("B no factor enabled: tokens without a challenge", b_no_factor_no_challenge),
            ("B AdminSetUserMFAPreference SMS enabled and preferred", b_enable_sms),
            ("B sign-in: SMS_MFA, code from the webhook", b_sms_challenge),
            ("B wrong SMS code: CodeMismatchException", b_wrong_code),
            ("B right SMS code (same session): tokens", b_right_code),
            ("B the used session again: NotAuthorizedException", b_session_single_use),
            ("B three wrong SMS codes end the session", b_three_wrong_codes),
            ("C AdminSetUserMFAPreference email enabled and preferred", c_enable_email),
            ("C sign-in: EMAIL_OTP, code from the SMTP sink → tokens", c_email_otp),
            ("D TOTP and SMS enabled, none preferred", d_enrol_totp),
            ("D sign-in: SELECT_MFA_TYPE [SMS_MFA, SOFTWARE_TOKEN_MFA]", d_select),
            ("D ANSWER not offered: InvalidParameterException", d_answer_not_offered),
            ("D ANSWER SMS_MFA: SMS_MFA, code from the webhook → tokens", d_answer_sms),
            ("E set-up: pool MFA ON (email only), user without email", e_setup),
            ("E first sign-in: MFA_SETUP, MFAS_CAN_SETUP [EMAIL_OTP]", e_mfa_setup),
            ("E MFA_SETUP with EMAIL: EMAIL_OTP, code from the SMTP sink → tokens", e_answer_email),
            ("E the address is the verified email, email MFA enabled", e_enrolled),
            ("E next sign-in: EMAIL_OTP directly → tokens", e_next_sign_in),
            ("A sign-in: SOFTWARE_TOKEN_MFA", a_challenge),
            ("A wrong TOTP code: CodeMismatchException", a_wrong_code),
            ("A TOTP code of a later step (same session): tokens", a_right_code),
            ("A the same code in a new sign-in: CodeMismatchException (replay)", a_replay),
            ("A REFRESH_TOKEN_AUTH: tokens without a second factor", a_refresh),
        ]
        for name, fn in steps:
            step(name, fn)
    finally:
        tessera_log = tessera.log_tail() if failed else ""
        tessera.stop()
        mail.controller.stop()
        sms.server.shutdown()
    if failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"mfa: {passed} passed, {failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
