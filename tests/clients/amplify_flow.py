"""Issue 25 through Amplify JS v6 (aws-amplify): an app's sign-up and sign-in against a running
Tessera, choice-based sign-in (USER_AUTH) included.

The script starts what it needs: an SMTP sink (aiosmtpd), its own Tessera server (`TESSERA_BIN`,
default target/debug/tessera) with `DATABASE_URL` (default: SQLite in a temporary directory),
TESSERA_SMTP_URL and a test admin key, and the app: tests/clients/amplify_flow.mjs under Node,
with aws-amplify from TESSERA_NODE_DIR (default target/node-clients), which takes one command a
line and answers each with Amplify's result and the calls Amplify made. boto3 only creates the
pool and the client and looks at the user; codes come from the SMTP sink.

  1. A pool with email as the username, email auto-verified, and the first factors PASSWORD and
     EMAIL_OTP (SignInPolicy); a client without a secret, ALLOW_USER_AUTH, ALLOW_USER_SRP_AUTH and
     ALLOW_REFRESH_TOKEN_AUTH.
  2. signUp with the email, then confirmSignUp with the code from the mail.
  3. signIn (Amplify's default, USER_SRP_AUTH); fetchAuthSession, getCurrentUser and
     fetchUserAttributes name the user; signOut.
  4. signIn with USER_AUTH preferring EMAIL_OTP: CONFIRM_SIGN_IN_WITH_EMAIL_CODE; a wrong code is
     refused, the right one (same sign-in) signs in.
  5. signIn with USER_AUTH and no preference: CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION;
     PASSWORD_SRP, then the password → signed in; again with PASSWORD.
  6. fetchAuthSession with forceRefresh: new tokens from the refresh token (Amplify calls
     GetTokensFromRefreshToken); signOut. On the sign-in of 5, or on one by SRP if 5 failed.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… TESSERA_NODE_DIR=target/node-clients \
      python tests/clients/amplify_flow.py

Every check is a named step; a step whose input an earlier step failed to produce fails as
"blocked". Prints "amplify: N passed, M failed" and exits 1 if anything failed.
"""

import email
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config
import botocore.exceptions
from aiosmtpd.controller import Controller

from flow_kit import ROOT, StepFailed, Tessera, expect, free_port, log_tail

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = os.environ.get("NODE", "node")
NODE_DIR = os.environ.get("TESSERA_NODE_DIR") or os.path.join(ROOT, "target/node-clients")

ADMIN_KEY = ("AKIAAMPLIFYFLOW00001", "amplify-flow-test-secret-key-000000000")
EMAIL = "amy.amplify@example.com"
PASSWORD = "Amplify-Flow-42"

passed = 0
failed = 0
state = {}


class Blocked(Exception):
    pass


def need(*keys):
    """The values earlier steps put in `state`; Blocked if one of them is missing."""
    missing = [k for k in keys if state.get(k) is None]
    if missing:
        raise Blocked(f"needs {', '.join(missing)} from an earlier step")
    return [state[k] for k in keys] if len(keys) > 1 else state[keys[0]]


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
    except Exception as e:  # a KeyError on a missing field, a broken pipe to Node…
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {name}")


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

    def code_for(self, address, after, timeout=15):
        """The code (6 to 8 digits) in the first message to `address` past index `after`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for to, m in self.messages[after:] if address in to]
            if found:
                text = text_of(found[0])
                code = re.search(r"\b(\d{6,8})\b", text)
                expect(code is not None, f"no code in the mail to {address}: {text!r}")
                return code.group(1)
            time.sleep(0.05)
        raise StepFailed(f"no mail to {address} reached the SMTP sink within {timeout} s")


def text_of(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"] or [message]
    return "\n".join(p.get_payload(decode=True).decode(errors="replace") for p in parts)


def wrong(code):
    """A code of the same length that is surely not `code`."""
    return ("1" if code[0] == "0" else "0") + code[1:]


# ---------------------------------------------------------------- the app (Amplify under Node)


class App:
    """tests/clients/amplify_flow.mjs: one command a line in, one JSON answer a line out."""

    def __init__(self, url, pool_id, client_id):
        node = shutil.which(NODE)
        expect(node is not None, f"node ({NODE}) is not installed")
        expect(os.path.isdir(os.path.join(NODE_DIR, "node_modules", "aws-amplify")),
               f"aws-amplify is not installed in {NODE_DIR} (tests/run.sh installs it)")
        self.dir = tempfile.mkdtemp(prefix="tessera-amplify-")
        self.stderr_path = os.path.join(self.dir, "node.stderr")
        env = dict(os.environ, TESSERA_URL=url, POOL_ID=pool_id, CLIENT_ID=client_id, TESSERA_NODE_DIR=NODE_DIR)
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([node, os.path.join(HERE, "amplify_flow.mjs")], env=env, text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def call(self, op, payload=None, timeout=30):
        """Amplify's `op` with `payload`: the answer, {"ok", "result" | "name", "message", "calls"}."""
        self.process.stdin.write(json.dumps({"op": op, "input": payload}) + "\n")
        self.process.stdin.flush()
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise StepFailed(f"{op}: no answer from amplify_flow.mjs within {timeout} s") from None
        if line is None:
            raise StepFailed(f"amplify_flow.mjs exited ({self.process.poll()}): {self.stderr_tail()}")
        return json.loads(line)

    def ok(self, op, payload=None):
        """The result of `op`, which must succeed."""
        answer = self.call(op, payload)
        expect(answer["ok"], f"{op} threw {answer.get('name')}: {answer.get('message')}; calls {answer['calls']}")
        state["last_calls"] = answer["calls"]
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


def calls_of(action):
    """The calls to `action` that the last successful command made."""
    return [c for c in state.get("last_calls", []) if c.get("action") == action]


def signed_in(result, what):
    expect(result.get("isSignedIn") is True and result.get("nextStep", {}).get("signInStep") == "DONE",
           f"{what}: not signed in: {result}; calls {state.get('last_calls')}")


def next_step(result, expected, what):
    got = result.get("nextStep", {}).get("signInStep")
    expect(result.get("isSignedIn") is False and got == expected,
           f"{what}: nextStep {got!r} (isSignedIn {result.get('isSignedIn')}), expected {expected}; "
           f"calls {state.get('last_calls')}")
    return result["nextStep"]


def session_tokens(what):
    """fetchAuthSession: both tokens, for the signed-up user."""
    session = app.ok("fetchAuthSession")
    expect(session["accessToken"] and session["idToken"], f"{what}: tokens missing: {session}")
    sub = need("sub")
    expect(session["userSub"] == sub, f"{what}: userSub {session['userSub']!r}, expected {sub!r}")
    id_claims = session["idToken"]["payload"]
    expect(id_claims.get("email") == EMAIL and id_claims.get("aud") == need("client"), f"{what}: ID token {id_claims}")
    expect(session["accessToken"]["payload"].get("client_id") == need("client"), f"{what}: access token claims")
    return session


def signed_out(what):
    """signOut, then no tokens; the calls signOut made."""
    app.ok("signOut")
    calls = state["last_calls"]
    session = app.ok("fetchAuthSession")
    expect(session["accessToken"] is None and session["idToken"] is None, f"{what}: tokens after signOut: {session}")
    return calls


# ---------------------------------------------------------------- the steps

admin = None
app = None
mail = None
URL = None


def create_pool():
    policies = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    pool = admin.create_user_pool(PoolName="amplify-app", AutoVerifiedAttributes=["email"],
                                  UsernameAttributes=["email"], Policies=policies)["UserPool"]
    pool_id = pool["Id"]
    described = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    factors = described.get("Policies", {}).get("SignInPolicy", {}).get("AllowedFirstAuthFactors")
    expect(sorted(factors or []) == ["EMAIL_OTP", "PASSWORD"], f"SignInPolicy {described.get('Policies')}")
    expect(described.get("UsernameAttributes") == ["email"], f"UsernameAttributes {described.get('UsernameAttributes')}")
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="amplify-app", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    expect(not client.get("ClientSecret"), "the client has a secret")
    state.update(pool=pool_id, client=client["ClientId"])


def start_app():
    global app
    pool_id, client_id = need("pool", "client")
    app = App(URL, pool_id, client_id)
    state["app"] = app


def sign_up():
    need("app")
    mark = mail.count()
    result = app.ok("signUp", {"username": EMAIL, "password": PASSWORD,
                               "options": {"userAttributes": {"email": EMAIL}}})
    nxt = result.get("nextStep", {})
    expect(result.get("isSignUpComplete") is False and nxt.get("signUpStep") == "CONFIRM_SIGN_UP", f"signUp {result}")
    expect(nxt.get("codeDeliveryDetails", {}).get("deliveryMedium") == "EMAIL", f"codeDeliveryDetails {nxt}")
    expect(result.get("userId"), f"no userId: {result}")
    state.update(sub=result["userId"], signup_code=mail.code_for(EMAIL, mark))


def confirm_sign_up():
    code = need("signup_code")
    result = app.ok("confirmSignUp", {"username": EMAIL, "confirmationCode": code})
    expect(result.get("isSignUpComplete") is True and result.get("nextStep", {}).get("signUpStep") == "DONE",
           f"confirmSignUp {result}")
    users = admin.list_users(UserPoolId=need("pool"), Filter=f'email = "{EMAIL}"')["Users"]
    expect(len(users) == 1 and users[0]["UserStatus"] == "CONFIRMED", f"ListUsers {users}")
    attrs = {a["Name"]: a["Value"] for a in users[0]["Attributes"]}
    expect(attrs.get("email_verified") == "true" and attrs.get("sub") == need("sub"), f"attributes {attrs}")
    state["username"] = users[0]["Username"]


def srp_sign_in():
    need("username")
    result = app.ok("signIn", {"username": EMAIL, "password": PASSWORD})
    signed_in(result, "signIn (USER_SRP_AUTH)")
    flows = [(c.get("authFlow") or c.get("challengeName"), c.get("status")) for c in state["last_calls"]]
    expect(flows == [("USER_SRP_AUTH", 200), ("PASSWORD_VERIFIER", 200)], f"calls {state['last_calls']}")
    state["srp_signed_in"] = True


def srp_session():
    need("srp_signed_in")
    session_tokens("after USER_SRP_AUTH")


def current_user():
    username = need("username")
    need("srp_signed_in")
    user = app.ok("getCurrentUser")
    expect(user.get("username") == username and user.get("userId") == need("sub"), f"getCurrentUser {user}")
    details = user.get("signInDetails", {})
    expect(details.get("loginId") == EMAIL and details.get("authFlowType") == "USER_SRP_AUTH", f"signInDetails {details}")


def user_attributes():
    need("srp_signed_in")
    attrs = app.ok("fetchUserAttributes")
    expect(attrs.get("email") == EMAIL and attrs.get("email_verified") == "true" and attrs.get("sub") == need("sub"),
           f"fetchUserAttributes {attrs}")


def srp_sign_out():
    need("srp_signed_in")
    calls = signed_out("after USER_SRP_AUTH")
    # Amplify revokes the refresh token when the access token has an origin_jti, as Tessera's do.
    revoked = [c for c in calls if c.get("action") == "RevokeToken"]
    expect(revoked and all(c.get("status") == 200 for c in revoked), f"RevokeToken {revoked}")


def email_otp_start():
    need("username")
    app.call("signOut")  # whatever an earlier step left
    mark = mail.count()
    result = app.ok("signIn", {"username": EMAIL,
                               "options": {"authFlowType": "USER_AUTH", "preferredChallenge": "EMAIL_OTP"}})
    nxt = next_step(result, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "USER_AUTH preferring EMAIL_OTP")
    delivery = nxt.get("codeDeliveryDetails", {})
    expect(delivery.get("deliveryMedium") == "EMAIL" and delivery.get("destination") not in (None, "", EMAIL),
           f"codeDeliveryDetails {delivery} (the destination masked)")
    state["otp_code"] = mail.code_for(EMAIL, mark)


def email_otp_wrong_code():
    code = need("otp_code")
    answer = app.call("confirmSignIn", {"challengeResponse": wrong(code)})
    expect(not answer["ok"] and answer.get("name") == "CodeMismatchException",
           f"a wrong code: {answer.get('name') or answer.get('result')}: {answer.get('message', '')}; calls {answer['calls']}")


def email_otp_right_code():
    code = need("otp_code")
    signed_in(app.ok("confirmSignIn", {"challengeResponse": code}), "EMAIL_OTP code after a wrong one")
    session_tokens("after EMAIL_OTP")
    signed_out("after EMAIL_OTP")


def first_factor_selection(answer):
    """signIn with USER_AUTH and no preference, then `answer` to the selection."""
    need("username")
    app.call("signOut")  # whatever an earlier step left
    result = app.ok("signIn", {"username": EMAIL, "options": {"authFlowType": "USER_AUTH"}})
    nxt = next_step(result, "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", "USER_AUTH without a preference")
    offered = set(nxt.get("availableChallenges") or [])
    expect("EMAIL_OTP" in offered and offered & {"PASSWORD", "PASSWORD_SRP"}, f"availableChallenges {sorted(offered)}")
    result = app.ok("confirmSignIn", {"challengeResponse": answer})
    next_step(result, "CONFIRM_SIGN_IN_WITH_PASSWORD", f"{answer} chosen")
    result = app.ok("confirmSignIn", {"challengeResponse": PASSWORD})
    signed_in(result, f"the password after {answer}")
    selection = calls_of("RespondToAuthChallenge")[0]
    expect(selection.get("challengeName") == "SELECT_CHALLENGE"
           and selection.get("challengeResponses", {}).get("values", {}).get("ANSWER") == answer,
           f"the password went as {selection}")
    session_tokens(f"after {answer}")


def select_password_srp():
    first_factor_selection("PASSWORD_SRP")
    signed_out("after PASSWORD_SRP")


def select_password():
    first_factor_selection("PASSWORD")
    state["signed_in"] = True


def force_refresh():
    if not state.get("signed_in"):
        # Step 5 did not sign in: the refresh is checked on a sign-in by SRP instead.
        need("username")
        signed_in(app.ok("signIn", {"username": EMAIL, "password": PASSWORD}), "signIn (USER_SRP_AUTH) for the refresh")
        state["signed_in"] = True
    before = session_tokens("before the refresh")
    after = app.ok("fetchAuthSession", {"forceRefresh": True})
    refreshed = calls_of("GetTokensFromRefreshToken")
    expect(refreshed and all(c.get("status") == 200 and c.get("tokens") for c in refreshed), f"calls {state['last_calls']}")
    expect(after["accessToken"] and after["accessToken"]["jwt"] != before["accessToken"]["jwt"], "the access token is the same")
    expect(after["idToken"] and after["idToken"]["payload"].get("sub") == need("sub"), f"ID token {after['idToken']}")


def final_sign_out():
    need("signed_in")
    signed_out("at the end")


def main():
    global admin, mail, URL
    started = time.time()
    mail = MailSink()
    mail.controller.start()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-amplify-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
    })
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"amplify: Tessera at {URL} on {database}, SMTP sink on {mail.port}")
    admin = boto3.client("cognito-idp", endpoint_url=URL, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                         aws_secret_access_key=ADMIN_KEY[1],
                         config=botocore.config.Config(retries={"max_attempts": 1}))
    try:
        steps = [
            ("1 pool: email username, auto-verified, first factors PASSWORD and EMAIL_OTP; public client", create_pool),
            ("1 Amplify configured with Tessera as the user pool endpoint", start_app),
            ("2 signUp: CONFIRM_SIGN_UP, code by email", sign_up),
            ("2 confirmSignUp with the code: CONFIRMED, email verified", confirm_sign_up),
            ("3 signIn (USER_SRP_AUTH, PASSWORD_VERIFIER): signed in", srp_sign_in),
            ("3 fetchAuthSession: ID and access tokens", srp_session),
            ("3 getCurrentUser: the user, signed in with the email", current_user),
            ("3 fetchUserAttributes: email, verified", user_attributes),
            ("3 signOut: no tokens left", srp_sign_out),
            ("4 signIn USER_AUTH preferring EMAIL_OTP: CONFIRM_SIGN_IN_WITH_EMAIL_CODE", email_otp_start),
            ("4 confirmSignIn with a wrong code: CodeMismatchException", email_otp_wrong_code),
            ("4 confirmSignIn with the code (same sign-in): signed in, tokens", email_otp_right_code),
            ("5 USER_AUTH: first factor selection, PASSWORD_SRP, the password: signed in", select_password_srp),
            ("5 USER_AUTH: first factor selection, PASSWORD, the password: signed in", select_password),
            ("6 fetchAuthSession forceRefresh: new tokens from the refresh token", force_refresh),
            ("6 signOut: no tokens left", final_sign_out),
        ]
        for name, fn in steps:
            step(name, fn)
    finally:
        node_log = app.stderr_tail() if app and failed else ""
        tessera_log = tessera.log_tail() if failed else ""
        if app:
            app.stop()
        tessera.stop()
        mail.controller.stop()
    if failed:
        print(f"---- last lines of amplify_flow.mjs's stderr:\n{node_log}")
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"amplify: {passed} passed, {failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
