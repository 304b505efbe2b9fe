"""The live migration from Amazon Cognito (issue 24) against a Cognito-compatible source: moto's
server, started here, plays the source pool. A Tessera pool with a `MigrationSource` signs users
in with their source passwords (AdminInitiateAuth at the source), copies their attributes and
groups, refuses wrong passwords without copying anyone, copies a user on ForgotPassword, and
`tessera users copy-from-cognito` / `tessera users pending` copy the rest and list who has not
signed in since. Once copied, a user signs in with the source gone.

Environment: TESSERA_BIN, DATABASE_URL (SQLite in a temporary directory when empty).
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.config
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from flow_kit import TESSERA_BIN, Steps, Tessera, error_code, expect, free_port

ADMIN_KEY = ("AKIAMIGRATIONFLOW001", "migration-flow-test-secret-000000000000")
SOURCE_KEY = ("testing", "testing")
PASSWORDS = {"ann": "Ann-Source-Passw0rd!", "bob": "Bob-Source-Passw0rd!", "carl": "Carl-Source-Passw0rd!",
             "dave": "Dave-Source-Passw0rd!"}
CONFIG = botocore.config.Config(retries={"max_attempts": 1})


class Moto:
    """moto's server on a free port: the source Cognito pool."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto's server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Flow:
    def __init__(self, moto, tessera):
        self.moto, self.tessera = moto, tessera
        self.steps = Steps()
        self.source = boto3.client("cognito-idp", endpoint_url=moto.url, region_name="us-east-1",
                                   aws_access_key_id=SOURCE_KEY[0], aws_secret_access_key=SOURCE_KEY[1], config=CONFIG)
        self.admin = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="us-east-1",
                                  aws_access_key_id=ADMIN_KEY[0], aws_secret_access_key=ADMIN_KEY[1], config=CONFIG)
        self.idp = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="us-east-1",
                                aws_access_key_id="x", aws_secret_access_key="x", config=CONFIG)

    def raw(self, action, body):
        """An admin call with members boto3 does not know (MigrationSource), signed as boto3 would."""
        request = AWSRequest(method="POST", url=self.tessera.url + "/", data=json.dumps(body), headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"})
        SigV4Auth(Credentials(*ADMIN_KEY), "cognito-idp", "us-east-1").add_auth(request)
        answer = requests.post(request.url, data=request.body, headers=dict(request.headers), timeout=10)
        expect(answer.status_code == 200, f"{action} answered {answer.status_code}: {answer.text}")
        return answer.json()

    def cli(self, *args):
        out = subprocess.run([TESSERA_BIN, *args], env=self.tessera.env, capture_output=True, text=True, timeout=120)
        expect(out.returncode == 0, f"tessera {' '.join(args)} failed: {out.stderr[-2000:]}")
        return out.stdout

    def sign_in(self, username, password):
        return self.idp.initiate_auth(ClientId=self.client, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": username, "PASSWORD": password})

    def groups_of(self, username):
        return [g["GroupName"] for g in
                self.admin.admin_list_groups_for_user(UserPoolId=self.pool, Username=username)["Groups"]]

    # --- steps -----------------------------------------------------------------------------

    def source_setup(self):
        pool = self.source.create_user_pool(PoolName="source")["UserPool"]["Id"]
        client = self.source.create_user_pool_client(
            UserPoolId=pool, ClientName="migration",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        self.source.create_group(UserPoolId=pool, GroupName="staff")
        for name in ("ann", "bob", "carl"):
            self.source.admin_create_user(
                UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                {"Name": "email_verified", "Value": "true"},
                                {"Name": "given_name", "Value": name.title()}])
            self.source.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORDS[name],
                                                Permanent=True)
        self.source.admin_add_user_to_group(UserPoolId=pool, Username="bob", GroupName="staff")
        self.source_pool, self.source_client = pool, client

    def tessera_setup(self):
        created = self.raw("CreateUserPool", {
            "PoolName": "migrated", "AutoVerifiedAttributes": ["email"],
            "MigrationSource": {"Region": "us-east-1", "UserPoolId": self.source_pool,
                                "ClientId": self.source_client, "Endpoint": self.moto.url}})
        self.pool = created["UserPool"]["Id"]
        shown = self.admin.describe_user_pool(UserPoolId=self.pool)
        expect("UserPool" in shown, "DescribeUserPool")
        self.client = self.admin.create_user_pool_client(
            UserPoolId=self.pool, ClientName="app", PreventUserExistenceErrors="LEGACY",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def bad_source_refused(self):
        request_failed = False
        try:
            self.raw("UpdateUserPool", {"UserPoolId": self.pool, "MigrationSource": {
                "Region": "us-east-1", "UserPoolId": "no-underscore", "ClientId": "x"}})
        except Exception as e:  # StepFailed with the 400
            request_failed = "InvalidParameterException" in str(e)
        expect(request_failed, "a malformed MigrationSource was taken")

    def wrong_password_copies_nobody(self):
        code = error_code(lambda: self.sign_in("ann", "not-her-password"))
        expect(code == "NotAuthorizedException", f"wrong password: {code}")
        code = error_code(lambda: self.admin.admin_get_user(UserPoolId=self.pool, Username="ann"))
        expect(code == "UserNotFoundException", f"ann was copied after a wrong password: {code}")
        code = error_code(lambda: self.sign_in("nobody", "whatever-it-is"))
        expect(code == "UserNotFoundException", f"a name the source lacks: {code}")

    def sign_in_migrates(self):
        tokens = self.sign_in("ann", PASSWORDS["ann"])["AuthenticationResult"]
        expect(tokens.get("AccessToken"), "no tokens for ann")
        user = self.admin.admin_get_user(UserPoolId=self.pool, Username="ann")
        attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        expect(user["UserStatus"] == "CONFIRMED" and attrs.get("email") == "ann@example.com"
               and attrs.get("given_name") == "Ann" and attrs.get("email_verified") == "true", f"ann {user}")
        tokens = self.sign_in("bob", PASSWORDS["bob"])["AuthenticationResult"]
        expect(tokens.get("IdToken"), "no tokens for bob")
        expect(self.groups_of("bob") == ["staff"], f"bob's groups {self.groups_of('bob')}")

    def bulk_copy(self):
        self.source.admin_create_user(
            UserPoolId=self.source_pool, Username="dave", MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": "dave@example.com"}, {"Name": "email_verified", "Value": "true"}])
        self.source.admin_set_user_password(UserPoolId=self.source_pool, Username="dave",
                                            Password=PASSWORDS["dave"], Permanent=True)
        out = self.cli("users", "copy-from-cognito", "--pool", self.pool)
        expect("copied 2, skipped 2" in out, f"copy: {out}")
        pending = self.cli("users", "pending", "--pool", self.pool).split()
        expect(sorted(pending) == ["carl", "dave"], f"pending {pending}")
        again = self.cli("users", "copy-from-cognito", "--pool", self.pool)
        expect("copied 0, skipped 4" in again, f"second copy: {again}")

    def copied_users_sign_in(self):
        code = error_code(lambda: self.sign_in("carl", "not-carls-password"))
        expect(code == "NotAuthorizedException", f"carl's wrong password: {code}")
        tokens = self.sign_in("carl", PASSWORDS["carl"])["AuthenticationResult"]
        expect(tokens.get("AccessToken"), "no tokens for carl")
        pending = self.cli("users", "pending", "--pool", self.pool).split()
        expect(pending == ["dave"], f"pending after carl {pending}")

    def forgot_password_copies(self):
        self.source.admin_create_user(
            UserPoolId=self.source_pool, Username="erin", MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": "erin@example.com"}, {"Name": "email_verified", "Value": "true"}])
        self.source.admin_set_user_password(UserPoolId=self.source_pool, Username="erin",
                                            Password="Erin-Source-Passw0rd!", Permanent=True)
        details = self.idp.forgot_password(ClientId=self.client, Username="erin")["CodeDeliveryDetails"]
        expect(details.get("DeliveryMedium") == "EMAIL", f"delivery {details}")
        user = self.admin.admin_get_user(UserPoolId=self.pool, Username="erin")
        expect(user["Username"] == "erin" and user["UserStatus"] == "CONFIRMED", f"erin {user}")

    def without_the_source(self):
        self.moto.stop()
        tokens = self.sign_in("ann", PASSWORDS["ann"])["AuthenticationResult"]
        expect(tokens.get("AccessToken"), "ann could not sign in with the source gone")
        code = error_code(lambda: self.sign_in("dave", PASSWORDS["dave"]))
        expect(code == "UnexpectedLambdaException", f"a pending user with the source gone: {code}")


def main():
    moto = Moto()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-migration-", env={
        "AWS_ACCESS_KEY_ID": SOURCE_KEY[0], "AWS_SECRET_ACCESS_KEY": SOURCE_KEY[1]})
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"cognito migration: Tessera at {tessera.url} on {database}, source (moto) at {moto.url}")
    flow = Flow(moto, tessera)
    try:
        for name, fn in [
            ("source pool in moto: users with passwords, a group", flow.source_setup),
            ("Tessera pool with a MigrationSource", flow.tessera_setup),
            ("a malformed MigrationSource is refused", flow.bad_source_refused),
            ("a wrong password copies nobody; a name the source lacks is unknown", flow.wrong_password_copies_nobody),
            ("sign-in with the source password: tokens, attributes and groups copied", flow.sign_in_migrates),
            ("copy-from-cognito copies the rest without passwords; pending lists them", flow.bulk_copy),
            ("a copied user signs in with the source password, then is no longer pending", flow.copied_users_sign_in),
            ("ForgotPassword copies a user Tessera lacks", flow.forgot_password_copies),
            ("with the source gone, migrated users sign in; pending ones get an error", flow.without_the_source),
        ]:
            flow.steps.run(name, fn)
    finally:
        if flow.steps.failed:
            print(tessera.log_tail(30))
        tessera.stop()
        if moto.process.poll() is None:
            moto.stop()
    print(f"cognito migration: {flow.steps.passed} passed, {flow.steps.failed} failed")
    return 1 if flow.steps.failed else 0


if __name__ == "__main__":
    sys.exit(main())
