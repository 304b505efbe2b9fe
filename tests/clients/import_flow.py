"""User import jobs through boto3 (issue 24), against the real binary on one database.

A: a CSV built from GetCSVHeader, uploaded with `requests.put` to the job's pre-signed URL, with
good rows, an existing user and bad rows: counts, statuses, RESET_REQUIRED users.
B: one job per PasswordHashingAlgorithm with hashes made by the reference libraries (Python
`bcrypt`, `argon2-cffi`, passlib, Django's hashers): the users sign in with their old passwords
through the API and the hosted sign-in page, and the hash is argon2id afterwards (USER_SRP_AUTH,
which needs the verifier only a sign-in with the password makes, then works).
C: a job of 2,000 rows, the server killed with SIGKILL mid-import and started again: the job
ends with every row imported exactly once. D: StopUserImportJob.

Environment: TESSERA_BIN, DATABASE_URL (SQLite in a temporary directory when empty).
"""

import base64
import hashlib
import os
import re
import sys
import time
import urllib.parse

import argon2
import bcrypt
import boto3
import botocore.config
import requests
from passlib import hash as passlib_hash
from pycognito.aws_srp import AWSSRP

from flow_kit import TESSERA_BIN, Steps, Tessera, error_code, expect

ADMIN_KEY = ("AKIAIMPORTFLOWTEST01", "import-flow-test-secret-key-00000000000")
ROLE = "arn:aws:iam::000000000000:role/CognitoImportRole"
CALLBACK = "https://app.example.com/callback"
PASSWORD = "Old-Passw0rd!"


def django_hash(password, hasher):
    from django.conf import settings
    if not settings.configured:
        settings.configure()
    from django.contrib.auth.hashers import make_password
    return make_password(password, hasher=hasher)


def csv_line(header, row):
    """One CSV line in the header's order, commas escaped with a backslash as Cognito's files."""
    return ",".join(str(row.get(name, "")).replace(",", "\\,") for name in header)


class Flow:
    def __init__(self, tessera):
        self.tessera = tessera
        self.steps = Steps()
        config = botocore.config.Config(retries={"max_attempts": 1})
        self.admin = boto3.client(
            "cognito-idp", endpoint_url=tessera.url, region_name="us-east-1",
            aws_access_key_id=ADMIN_KEY[0], aws_secret_access_key=ADMIN_KEY[1], config=config)
        self.idp = boto3.client(
            "cognito-idp", endpoint_url=tessera.url, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x", config=config)

    # --- helpers ---------------------------------------------------------------------------

    def wait(self, job_id, statuses=("Succeeded", "Failed", "Stopped"), timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.admin.describe_user_import_job(UserPoolId=self.pool, JobId=job_id)["UserImportJob"]
            if job["Status"] in statuses:
                return job
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} still {job['Status']} after {timeout} s")

    def run_job(self, rows, algorithm=None, header=None):
        header = header or self.header
        kwargs = {"PasswordHashingAlgorithm": algorithm} if algorithm else {}
        job = self.admin.create_user_import_job(
            UserPoolId=self.pool, JobName="import-test", CloudWatchLogsRoleArn=ROLE, **kwargs)["UserImportJob"]
        body = "\n".join([",".join(header)] + [csv_line(header, r) for r in rows]) + "\n"
        put = requests.put(job["PreSignedUrl"], data=body.encode(),
                           headers={"x-amz-server-side-encryption": "aws:kms"}, timeout=30)
        expect(put.status_code == 200, f"upload answered {put.status_code}: {put.text}")
        self.admin.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])
        late = requests.put(job["PreSignedUrl"], data=body.encode(), timeout=30)
        expect(late.status_code == 403, f"an upload to a started job answered {late.status_code}")
        return self.wait(job["JobId"])

    def sign_in(self, username, password):
        return self.idp.initiate_auth(
            ClientId=self.client, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password})

    def srp_sign_in(self, username, password):
        srp = AWSSRP(username=username, password=password, pool_id=self.pool, client_id=self.client,
                     client=self.idp)
        return srp.authenticate_user()

    def hosted_sign_in(self, username, password):
        """The hosted sign-in page with a real form post; returns the redirect's query."""
        session = requests.Session()
        query = urllib.parse.urlencode({"client_id": self.client, "response_type": "code",
                                        "redirect_uri": CALLBACK, "scope": "openid"})
        page = session.get(f"{self.tessera.url}/{self.pool}/login?{query}", timeout=10)
        expect(page.status_code == 200, f"login page answered {page.status_code}")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
        form = {"_csrf": csrf, "username": username, "password": password}
        answer = session.post(page.url, data=form, allow_redirects=False, timeout=30)
        location = answer.headers.get("Location", "")
        return urllib.parse.parse_qs(urllib.parse.urlparse(location).query) if location.startswith(CALLBACK) else None

    # --- steps -----------------------------------------------------------------------------

    def setup(self):
        pool = self.admin.create_user_pool(
            PoolName="import", AutoVerifiedAttributes=["email"],
            Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])["UserPool"]
        self.pool = pool["Id"]
        self.admin.create_user_pool_domain(UserPoolId=self.pool, Domain=f"import-{self.pool.split('_')[1].lower()}")
        self.client = self.admin.create_user_pool_client(
            UserPoolId=self.pool, ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthScopes=["openid"],
            CallbackURLs=[CALLBACK], SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]
        self.header = self.admin.get_csv_header(UserPoolId=self.pool)["CSVHeader"]
        expect("cognito:username" in self.header and "cognito:mfa_enabled" in self.header
               and "custom:tier" in self.header and "email" in self.header, f"header {self.header}")
        self.admin.admin_create_user(UserPoolId=self.pool, Username="existing", MessageAction="SUPPRESS")

    def a_upload_rules(self):
        job = self.admin.create_user_import_job(
            UserPoolId=self.pool, JobName="rules", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
        expect(job["Status"] == "Created" and job["JobId"].startswith("import-"), f"job {job}")
        code = error_code(lambda: self.admin.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"]))
        expect(code == "PreconditionNotMetException", f"start before upload: {code}")
        forged = job["PreSignedUrl"][:-4] + "AAAA"
        expect(requests.put(forged, data=b"x", timeout=10).status_code == 403, "a forged signature was taken")
        other = job["PreSignedUrl"].replace(job["JobId"], "import-0000000000")
        expect(requests.put(other, data=b"x", timeout=10).status_code == 403, "another job's URL was taken")
        latin1 = requests.put(job["PreSignedUrl"], data="cognito:username\nJos\xe9\n".encode("latin-1"), timeout=10)
        expect(latin1.status_code == 400, f"a file that is not UTF-8 answered {latin1.status_code}")
        code = error_code(lambda: self.admin.create_user_import_job(
            UserPoolId=self.pool, JobName="x", CloudWatchLogsRoleArn=ROLE, PasswordHashingAlgorithm="MD5"))
        expect(code == "InvalidParameterException", f"MD5: {code}")
        code = error_code(lambda: self.admin.describe_user_import_job(UserPoolId=self.pool, JobId="import-nope"))
        expect(code == "ResourceNotFoundException", f"unknown job: {code}")

    def a_import(self):
        rows = [
            {"cognito:username": "alice", "email": "alice@example.com", "email_verified": "true",
             "name": "Smith, Alice", "custom:tier": "gold", "cognito:mfa_enabled": "false"},
            {"cognito:username": "bob", "email": "bob@example.com", "email_verified": "true",
             "cognito:mfa_enabled": "false"},
            {"cognito:username": "existing", "email": "existing@example.com", "email_verified": "true",
             "cognito:mfa_enabled": "false"},
            {"cognito:username": "", "email": "nobody@example.com", "cognito:mfa_enabled": "false"},
            {"cognito:username": "carol", "email": "not-an-email", "email_verified": "true",
             "cognito:mfa_enabled": "false"},
            {"cognito:username": "dave", "email": "dave@example.com", "cognito:mfa_enabled": "maybe"},
        ]
        job = self.run_job(rows)
        expect(job["Status"] == "Succeeded", f"job {job}")
        counts = (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"])
        expect(counts == (2, 1, 3), f"imported/skipped/failed {counts}")
        expect("3 users failed" in job.get("CompletionMessage", ""), f"message {job.get('CompletionMessage')}")
        alice = self.admin.admin_get_user(UserPoolId=self.pool, Username="alice")
        attrs = {a["Name"]: a["Value"] for a in alice["UserAttributes"]}
        expect(alice["UserStatus"] == "RESET_REQUIRED", f"status {alice['UserStatus']}")
        expect(attrs.get("name") == "Smith, Alice" and attrs.get("custom:tier") == "gold"
               and attrs.get("email_verified") == "true", f"attributes {attrs}")
        code = error_code(lambda: self.sign_in("alice", "anything-at-all"))
        expect(code == "PasswordResetRequiredException", f"sign-in of a RESET_REQUIRED user: {code}")
        names = {u["Username"] for u in self.admin.list_users(UserPoolId=self.pool)["Users"]}
        expect(names == {"alice", "bob", "existing"}, f"users {names}")

    def a_list(self):
        first = self.admin.list_user_import_jobs(UserPoolId=self.pool, MaxResults=1)
        expect(len(first["UserImportJobs"]) == 1 and "PaginationToken" in first, f"page {first}")
        rest = self.admin.list_user_import_jobs(UserPoolId=self.pool, MaxResults=60,
                                                PaginationToken=first["PaginationToken"])
        ids = [first["UserImportJobs"][0]["JobId"]] + [j["JobId"] for j in rest["UserImportJobs"]]
        expect(len(ids) == 2 and len(set(ids)) == 2, f"jobs {ids}")

    def b_hashes(self):
        self.fixtures = {
            "BCRYPT": [("bc1", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode())],
            "ARGON2ID": [("ar1", argon2.PasswordHasher().hash(PASSWORD)),
                         ("ar2", argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD))],
            "SCRYPT": [("sc1", passlib_hash.scrypt.using(rounds=14).hash(PASSWORD)),
                       ("sc2", django_hash(PASSWORD, "scrypt"))],
            "PBKDF2_SHA256": [("pb1", passlib_hash.pbkdf2_sha256.hash(PASSWORD)),
                              ("pb2", django_hash(PASSWORD, "pbkdf2_sha256"))],
        }
        for algorithm, users in self.fixtures.items():
            rows = [{"cognito:username": name, "email": f"{name}@example.com", "email_verified": "true",
                     "cognito:mfa_enabled": "false", "cognito:password_hash": h} for name, h in users]
            # A hash of another family and a malformed one fail their rows, not the job.
            other = "ARGON2ID" if algorithm != "ARGON2ID" else "BCRYPT"
            rows.append({"cognito:username": f"{algorithm.lower()}-wrong", "cognito:mfa_enabled": "false",
                         "email": f"w-{algorithm.lower()}@example.com", "email_verified": "true",
                         "cognito:password_hash": self.fixtures[other][0][1]})
            rows.append({"cognito:username": f"{algorithm.lower()}-broken", "cognito:mfa_enabled": "false",
                         "email": f"b-{algorithm.lower()}@example.com", "email_verified": "true",
                         "cognito:password_hash": "$2b$10$tooshort"})
            job = self.run_job(rows, algorithm, header=self.header + ["cognito:password_hash"])
            counts = (job["Status"], job["ImportedUsers"], job["FailedUsers"])
            expect(counts == ("Succeeded", len(users), 2), f"{algorithm}: {counts} {job.get('CompletionMessage')}")
            expect(job.get("PasswordHashingAlgorithm") == algorithm, f"{algorithm}: {job}")

    def b_no_hash_column(self):
        job = self.run_job([{"cognito:username": "x", "cognito:mfa_enabled": "false"}], "BCRYPT")
        expect(job["Status"] == "Failed" and "cognito:password_hash" in job.get("CompletionMessage", ""),
               f"job {job}")

    def b_sign_in(self):
        for algorithm, users in self.fixtures.items():
            for name, _ in users:
                user = self.admin.admin_get_user(UserPoolId=self.pool, Username=name)
                expect(user["UserStatus"] == "CONFIRMED", f"{name}: {user['UserStatus']}")
                # SRP needs the verifier that only a sign-in with the password makes.
                expect(error_code(lambda: self.srp_sign_in(name, PASSWORD)) == "NotAuthorizedException",
                       f"{name}: SRP before the first password sign-in")
                code = error_code(lambda: self.sign_in(name, PASSWORD + "x"))
                expect(code == "NotAuthorizedException", f"{name} wrong password: {code}")
        for algorithm, users in self.fixtures.items():
            name = users[0][0]
            tokens = self.sign_in(name, PASSWORD)["AuthenticationResult"]
            expect(tokens.get("AccessToken"), f"{name}: no tokens")
            tokens = self.srp_sign_in(name, PASSWORD)["AuthenticationResult"]
            expect(tokens.get("IdToken"), f"{name}: SRP after the upgrade")
            expect(error_code(lambda: self.sign_in(name, PASSWORD + "x")) == "NotAuthorizedException",
                   f"{name}: wrong password after the upgrade")
        log = self.tessera.log_text()
        expect(log.count("password hash upgraded to argon2id") >= len(self.fixtures), "no upgrade in the log")

    def b_hosted(self):
        for algorithm, users in self.fixtures.items():
            if len(users) < 2:
                continue
            name = users[1][0]
            expect(self.hosted_sign_in(name, PASSWORD + "x") is None, f"{name}: wrong password signed in")
            query = self.hosted_sign_in(name, PASSWORD)
            expect(query and query.get("code"), f"{name}: the hosted page gave no code")
            tokens = self.srp_sign_in(name, PASSWORD)["AuthenticationResult"]
            expect(tokens.get("IdToken"), f"{name}: SRP after the hosted sign-in")

    def e_cli_hashes(self):
        """`tessera users import` with the file-only forms, each made by a reference library:
        passlib's PBKDF2-SHA512, argon2-cffi's argon2i, Firebase's scrypt (its published
        project parameters; the user's hash made here with hashlib's scrypt and AES-CTR from
        `cryptography`, as Firebase's tool computes it). Each signs in through the API or the
        hosted page, and SRP works afterwards (argon2id)."""
        import base64
        import hashlib
        import json
        import subprocess
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        signer = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
        separator, salt = "Bw==", base64.b64encode(os.urandom(12)).decode()
        derived = hashlib.scrypt(PASSWORD.encode(), salt=base64.b64decode(salt) + base64.b64decode(separator),
                                 n=2 ** 14, r=8, p=1, dklen=64)
        encryptor = Cipher(algorithms.AES(derived[:32]), modes.CTR(b"\0" * 16)).encryptor()
        firebase_hash = base64.b64encode(encryptor.update(base64.b64decode(signer)) + encryptor.finalize()).decode()
        users = {
            "cli-pbkdf2-512": passlib_hash.pbkdf2_sha512.hash(PASSWORD),
            "cli-argon2i": argon2.PasswordHasher(type=argon2.Type.I).hash(PASSWORD),
            "cli-firebase": f"$firebase-scrypt$rounds=8,mem_cost=14${separator}${signer}${salt}${firebase_hash}",
        }
        path = os.path.join(self.tessera.dir, "users.jsonl")
        with open(path, "w") as f:
            for name, hashed in users.items():
                f.write(json.dumps({"username": name, "password_hash": hashed,
                                    "attributes": {"email": f"{name}@example.com", "email_verified": "true"}}) + "\n")
        out = subprocess.run([TESSERA_BIN, "users", "import", path, "--pool", self.pool], env=self.tessera.env,
                             capture_output=True, text=True, timeout=60)
        expect(out.returncode == 0 and "imported 3" in out.stdout, f"import: {out.stdout} {out.stderr[-500:]}")
        for i, name in enumerate(users):
            expect(error_code(lambda: self.sign_in(name, PASSWORD + "x")) == "NotAuthorizedException",
                   f"{name}: wrong password")
            if i % 2 == 0:
                expect(self.sign_in(name, PASSWORD)["AuthenticationResult"].get("AccessToken"), f"{name}: API")
            else:
                query = self.hosted_sign_in(name, PASSWORD)
                expect(query and query.get("code"), f"{name}: the hosted page gave no code")
            expect(self.srp_sign_in(name, PASSWORD)["AuthenticationResult"].get("IdToken"), f"{name}: SRP after")

    def c_restart(self):
        rows = [{"cognito:username": f"bulk{i:05d}", "email": f"bulk{i}@example.com", "email_verified": "true",
                 "cognito:mfa_enabled": "false"} for i in range(2000)]
        job = self.admin.create_user_import_job(
            UserPoolId=self.pool, JobName="bulk", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
        body = "\n".join([",".join(self.header)] + [csv_line(self.header, r) for r in rows])
        expect(requests.put(job["PreSignedUrl"], data=body.encode(), timeout=30).status_code == 200, "upload")
        self.admin.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])
        deadline = time.time() + 60
        seen = {}
        while time.time() < deadline:
            seen = self.admin.describe_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])["UserImportJob"]
            if seen["ImportedUsers"] >= 100:
                break
            time.sleep(0.05)
        expect(seen.get("Status") == "InProgress" and seen["ImportedUsers"] < 2000,
               f"not caught in progress: {seen.get('Status')} {seen.get('ImportedUsers')}")
        self.tessera.kill_and_restart()
        done = self.wait(job["JobId"], timeout=180)
        expect((done["Status"], done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"])
               == ("Succeeded", 2000, 0, 0), f"after the restart: {done}")
        count, token = 0, None
        while True:
            page = self.admin.list_users(UserPoolId=self.pool, Filter='username ^= "bulk"',
                                         **({"PaginationToken": token} if token else {}))
            count += len(page["Users"])
            token = page.get("PaginationToken")
            if not token:
                break
        expect(count == 2000, f"{count} bulk users listed")
        print(f"     killed at {seen['ImportedUsers']} rows; all 2,000 imported once after the restart")

    def d_stop(self):
        rows = [{"cognito:username": f"stop{i:05d}", "cognito:mfa_enabled": "false",
                 "email": f"stop{i}@example.com", "email_verified": "true"} for i in range(3000)]
        job = self.admin.create_user_import_job(
            UserPoolId=self.pool, JobName="stop", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
        body = "\n".join([",".join(self.header)] + [csv_line(self.header, r) for r in rows])
        requests.put(job["PreSignedUrl"], data=body.encode(), timeout=30)
        self.admin.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])
        stopped = self.admin.stop_user_import_job(UserPoolId=self.pool, JobId=job["JobId"])["UserImportJob"]
        expect(stopped["Status"] in ("Stopping", "Stopped"), f"stop answered {stopped['Status']}")
        done = self.wait(job["JobId"], statuses=("Stopped", "Succeeded"))
        expect(done["Status"] == "Stopped" and done["ImportedUsers"] < 3000, f"job {done}")
        code = error_code(lambda: self.admin.stop_user_import_job(UserPoolId=self.pool, JobId=job["JobId"]))
        expect(code == "PreconditionNotMetException", f"stopping a stopped job: {code}")
        code = error_code(lambda: self.admin.start_user_import_job(UserPoolId=self.pool, JobId=job["JobId"]))
        expect(code == "PreconditionNotMetException", f"starting a stopped job: {code}")


def main():
    tessera = Tessera(ADMIN_KEY, prefix="tessera-import-")
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"import: Tessera at {tessera.url} on {database}")
    flow = Flow(tessera)
    try:
        for name, fn in [
            ("set-up: pool with custom:tier, domain, client; GetCSVHeader", flow.setup),
            ("A upload URL: no start before upload; forged and foreign signatures, non-UTF-8 files refused", flow.a_upload_rules),
            ("A CSV with good, existing and bad rows: 2 imported, 1 skipped, 3 failed", flow.a_import),
            ("A ListUserImportJobs pages", flow.a_list),
            ("B one job per PasswordHashingAlgorithm, reference libraries' hashes", flow.b_hashes),
            ("B a hash job without the hash column fails with a message", flow.b_no_hash_column),
            ("B sign-in with the old passwords; argon2id and SRP afterwards", flow.b_sign_in),
            ("B the hosted sign-in page takes the imported hashes", flow.b_hosted),
            ("C SIGKILL mid-import: every row imported exactly once after the restart", flow.c_restart),
            ("D StopUserImportJob", flow.d_stop),
            ("E tessera users import: passlib PBKDF2-SHA512, argon2i, Firebase scrypt sign in", flow.e_cli_hashes),
        ]:
            flow.steps.run(name, fn)
    finally:
        if flow.steps.failed:
            print(tessera.log_tail(30))
        tessera.stop()
    print(f"import: {flow.steps.passed} passed, {flow.steps.failed} failed")
    return 1 if flow.steps.failed else 0


if __name__ == "__main__":
    sys.exit(main())
