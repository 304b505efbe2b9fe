"""Issue 19's "done when" through boto3 and amazon-cognito-identity-js: triggers over the Lambda
Invoke API and over signed webhooks, against a running Tessera.

The script starts what it needs: the trigger tests' Lambda-compatible endpoint and webhook
receiver (tests/lambda/runtime.py, which runs the handlers of tests/lambda/functions as Lambda
runs them) and its own Tessera server (`TESSERA_BIN`, default target/debug/tessera) with
`DATABASE_URL` (default: SQLite in a temporary directory), TESSERA_LAMBDA_ENDPOINT, the
endpoint's key pair and TESSERA_WEBHOOK_SECRET. boto3 holds only the endpoint and the admin key.

For each transport (a Lambda ARN, then the same functions as webhook URLs):
  1. CreateUserPool with PreSignUp, PreTokenGeneration V2 and UserMigration; an invalid
     LambdaConfig is refused (InvalidParameterException).
  2. SignUp with a blocked domain: UserLambdaValidationException, no user; with the trusted
     domain: UserConfirmed, email verified, signs in at once.
  3. The access token carries the claim and the scope PreTokenGeneration V2 added; the ID token
     its own claim; ClientMetadata reached the function.
  4. A legacy user (a dict in the function) signs in for the first time: migrated, CONFIRMED.
  5. CUSTOM_AUTH with the three challenge functions through amazon-cognito-identity-js: one wrong
     answer, then the right one, tokens; then "SRP then custom challenge" (the password by SRP,
     then the question), and a wrong password refused.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… TESSERA_NODE_DIR=target/node-clients \
      python tests/clients/triggers_flow.py

Prints "triggers: N passed, M failed" and exits 1 if anything failed.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESSERA_BIN = os.environ.get("TESSERA_BIN", os.path.join(ROOT, "target/debug/tessera"))
NODE = os.environ.get("NODE", "node")

ADMIN_KEY_ID = "AKIATRIGGERSFLOW0001"
ADMIN_SECRET = "triggers-flow-test-secret-key-000000000"
# The runtime's own test credentials (tests/lambda/runtime.py).
LAMBDA_KEY_ID = "AKIDTESSERATRIGGERS"
LAMBDA_SECRET = "tessera-trigger-tests-secret"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"tessera-trigger-tests-webhook!!!").decode()
PASSWORD = "Trigger-Pass-42"

passed = 0
failed = 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def step(name, fn):
    global passed, failed
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        failed += 1
        err = e.response.get("Error", {})
        print(f"FAIL {name}: {e.operation_name} answered {err.get('Code')}: {err.get('Message')}")
    except Exception as e:
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {name}")


def expect(condition, detail):
    if not condition:
        raise AssertionError(detail)


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def error_code(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


class Processes:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tessera-triggers-")
        self.runtime = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests/lambda/runtime.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.runtime.stdout.readline().strip()
        expect(line.startswith("listening on "), f"the Lambda endpoint did not start: {line!r}")
        self.lambda_port = int(line.split()[-1])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": self.dir,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{self.dir}/tessera.db",
            "TESSERA_ADMIN_KEYS": f"{ADMIN_KEY_ID}:{ADMIN_SECRET}",
            "TESSERA_LAMBDA_ENDPOINT": f"http://127.0.0.1:{self.lambda_port}",
            "AWS_ACCESS_KEY_ID": LAMBDA_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": LAMBDA_SECRET,
            "TESSERA_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "NO_COLOR": "1",
        })
        for name in ("TESSERA_PUBLIC_URL", "TESSERA_DATABASE_URL", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(name, None)
        self.log_path = os.path.join(self.dir, "server.log")
        self.log = open(self.log_path, "wb")
        self.server = subprocess.Popen([TESSERA_BIN, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            expect(self.server.poll() is None, f"tessera exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"tessera was not ready within 30 s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")

    def stop(self):
        for p in (self.server, self.runtime):
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def target(procs, via, function):
    if via == "lambda":
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{function}"
    return f"http://127.0.0.1:{procs.lambda_port}/webhook/{function}"


def run(procs, via):
    config = botocore.config.Config(retries={"max_attempts": 1})
    idp = boto3.client("cognito-idp", endpoint_url=procs.url, region_name="eu-west-1",
                       aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET, config=config)
    s = {}

    def create_pool():
        code, _ = error_code(lambda: idp.create_user_pool(
            PoolName="bad", LambdaConfig={"PreSignUp": "arn:aws:lambda:eu-west-1:1:function:x"}))
        expect(code == "InvalidParameterException", f"an invalid ARN gave {code}")
        pool = idp.create_user_pool(
            PoolName=f"triggers-{via}",
            AutoVerifiedAttributes=["email"],
            LambdaConfig={
                "PreSignUp": target(procs, via, "pre_sign_up"),
                "UserMigration": target(procs, via, "migrate"),
                "PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
                                             "LambdaArn": target(procs, via, "pre_token_v2")},
                "DefineAuthChallenge": target(procs, via, "define_challenge"),
                "CreateAuthChallenge": target(procs, via, "create_challenge"),
                "VerifyAuthChallengeResponse": target(procs, via, "verify_challenge"),
            },
        )["UserPool"]
        expect(pool["LambdaConfig"]["PreSignUp"] == target(procs, via, "pre_sign_up"), pool["LambdaConfig"])
        s["pool"] = pool["Id"]
        s["client"] = idp.create_user_pool_client(
            UserPoolId=s["pool"], ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH",
                               "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def blocked_domain():
        code, message = error_code(lambda: idp.sign_up(
            ClientId=s["client"], Username="mallory", Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "mallory@blocked.example"}]))
        expect(code == "UserLambdaValidationException", f"{code}: {message}")
        expect(message == "PreSignUp failed with error Email domain not allowed.", message)
        code, _ = error_code(lambda: idp.admin_get_user(UserPoolId=s["pool"], Username="mallory"))
        expect(code == "UserNotFoundException", f"the refused user exists ({code})")

    def trusted_domain():
        out = idp.sign_up(ClientId=s["client"], Username="trudy", Password=PASSWORD,
                          UserAttributes=[{"Name": "email", "Value": "trudy@trusted.example"}])
        expect(out["UserConfirmed"] is True, out)
        user = idp.admin_get_user(UserPoolId=s["pool"], Username="trudy")
        attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        expect(user["UserStatus"] == "CONFIRMED" and attrs.get("email_verified") == "true", user)

    def token_claims():
        out = idp.initiate_auth(ClientId=s["client"], AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "trudy", "PASSWORD": PASSWORD},
                                ClientMetadata={"app": "triggers-flow"})["AuthenticationResult"]
        access, id_token = claims(out["AccessToken"]), claims(out["IdToken"])
        expect(access.get("tenant") == "acme", access)
        expect("tessera/extra" in access["scope"].split(), access["scope"])
        expect(access["client_id"] == s["client"], "a reserved claim changed")
        expect(id_token.get("plan") == "gold", id_token)
        with urllib.request.urlopen(
                f"http://127.0.0.1:{procs.lambda_port}/events/pre_token_v2?pool={s['pool']}") as r:
            seen = json.load(r)
        expect(seen and seen[-1]["request"]["clientMetadata"] == {"app": "triggers-flow"}, seen[-1:])

    def migration():
        code, _ = error_code(lambda: idp.admin_get_user(UserPoolId=s["pool"], Username="legacy-alice"))
        expect(code == "UserNotFoundException", "the legacy user is there before migration")
        out = idp.initiate_auth(ClientId=s["client"], AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "legacy-alice", "PASSWORD": "Legacy-Pass-1"})
        expect(claims(out["AuthenticationResult"]["IdToken"])["email"] == "alice@legacy.example", out)
        user = idp.admin_get_user(UserPoolId=s["pool"], Username="legacy-alice")
        expect(user["UserStatus"] == "CONFIRMED", user["UserStatus"])

    def custom_auth():
        idp.admin_create_user(UserPoolId=s["pool"], Username="carol", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
        idp.admin_set_user_password(UserPoolId=s["pool"], Username="carol", Password=PASSWORD, Permanent=True)
        node = shutil.which(NODE)
        expect(node is not None, f"node ({NODE}) is not installed")
        env = dict(os.environ, TESSERA_URL=procs.url, POOL_ID=s["pool"], CLIENT_ID=s["client"],
                   USERNAME="carol", ANSWERS="41,42")
        done = subprocess.run([node, os.path.join(HERE, "custom_auth_acij.mjs")], env=env,
                              capture_output=True, text=True, timeout=60)
        lines = done.stdout.strip().splitlines()
        expect(done.returncode == 0 and lines, f"custom_auth_acij.mjs exited {done.returncode}: {done.stderr[-500:]}")
        result = json.loads(lines[-1])
        expect(result["ok"], result)
        expect(result["questions"] == ["What is 6 x 7? (round 1)", "What is 6 x 7? (round 2)"], result["questions"])
        expect(claims(result["idToken"])["cognito:username"] == "carol", result)

    step(f"{via}: CreateUserPool with triggers; an invalid LambdaConfig refused", create_pool)
    step(f"{via}: PreSignUp refuses a blocked domain, no user left", blocked_domain)
    step(f"{via}: PreSignUp auto-confirms a trusted domain", trusted_domain)
    step(f"{via}: PreTokenGeneration V2 claims in both tokens, ClientMetadata passed", token_claims)
    step(f"{via}: UserMigration brings in a legacy user on first sign-in", migration)
    def srp_then_custom():
        node = shutil.which(NODE)
        expect(node is not None, f"node ({NODE}) is not installed")
        env = dict(os.environ, TESSERA_URL=procs.url, POOL_ID=s["pool"], CLIENT_ID=s["client"],
                   USERNAME="carol", PASSWORD=PASSWORD, ANSWERS="42")
        done = subprocess.run([node, os.path.join(HERE, "custom_auth_acij.mjs")], env=env,
                              capture_output=True, text=True, timeout=60)
        lines = done.stdout.strip().splitlines()
        expect(done.returncode == 0 and lines, f"custom_auth_acij.mjs exited {done.returncode}: {done.stderr[-500:]}")
        result = json.loads(lines[-1])
        expect(result["ok"], result)
        expect(result["questions"] == ["What is 6 x 7? (round 1)"], result["questions"])
        wrong = dict(env, PASSWORD="Not-Carols-Pass-1")
        done = subprocess.run([node, os.path.join(HERE, "custom_auth_acij.mjs")], env=wrong,
                              capture_output=True, text=True, timeout=60)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        expect(not result["ok"] and result["code"] == "NotAuthorizedException", result)

    step(f"{via}: CUSTOM_AUTH through amazon-cognito-identity-js", custom_auth)
    step(f"{via}: CUSTOM_AUTH after SRP (password, then the question)", srp_then_custom)


def main():
    procs = Processes()
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"triggers: Tessera at {procs.url} on {database}, Lambda endpoint on {procs.lambda_port}")
    try:
        for via in ("lambda", "webhook"):
            run(procs, via)
    finally:
        if failed:
            print(procs.log_tail())
        procs.stop()
    print(f"triggers: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
