"""Crash safety: a mixed write load while the server is killed with SIGKILL and, on PostgreSQL,
while the database itself goes down; then every acknowledged write is looked for.

    TESSERA_BIN=target/debug/tessera python tests/clients/crash_flow.py sqlite|postgres

The script starts its own Tessera (`TESSERA_BIN`) on SQLite in a temporary directory, or on a
throw-away PostgreSQL cluster of its own (initdb in a temporary directory, its own port; never
the shared test cluster, since the script stops it). Worker threads (boto3, no retries) run
SignUp + AdminConfirmSignUp, AdminCreateUser, ChangePassword, AdminAddUserToGroup,
GetTokensFromRefreshToken on a client with refresh-token rotation (60 s grace), and TOTP
enrolment (AssociateSoftwareToken + VerifySoftwareToken with a code computed here).

Meanwhile the server is killed with SIGKILL at random moments (CRASH_KILLS, default 22) and
started again on the same database; after each restart the writes acknowledged before the kill
are read back. On PostgreSQL the cluster is then stopped twice while the load runs (immediate
mode, which is a crash, then fast mode) and started again a few seconds later: Tessera, not
restarted, must answer only 5xx while the database is down (a request may also wait for a
connection, up to Tessera's 10 s, and succeed once it is back; never a 2xx while it is down,
never a 4xx) and answer 2xx again within RECOVERY_BOUND seconds.

Each write is recorded as "maybe" before it is sent and as acknowledged once answered 2xx.
At the end: every acknowledged user exists with all its attributes and its status, every
acknowledged membership is there and nothing else is (ListUsers, ListUsersInGroup), the last
acknowledged password signs in (of an unanswered ChangePassword exactly one of old and new
does), an acknowledged TOTP enrolment challenges and accepts its code, and every rotation
chain ends in a refresh token that works (after an unanswered rotation the old token, within
its grace period, must still work). Writes that got no answer may have applied or not, but
wholly. The load itself must never get a 4xx, nor a 5xx outside a database outage; the server
log must show no panic. The figures (kills, requests cut and acknowledged, what was answered
during the outages, time to recover) are printed.

Prints "crash: N passed, M failed" and exits 1 if anything failed.
"""

import base64
import hashlib
import hmac
import os
import random
import secrets
import shutil
import signal
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

from flow_kit import TESSERA_BIN, Steps, expect, free_port, log_tail

ADMIN_KEY = ("AKIACRASHFLOWTEST001", "crash-flow-test-secret-key-000000000000")
WORKERS = 4
KILLS = int(os.environ.get("CRASH_KILLS", "22"))
GROUPS = ["red", "green", "blue"]
GRACE_SECONDS = 60
# The database stays down longer than Tessera's wait for a connection (10 s) once, then briefly.
OUTAGES = [("immediate", 11), ("fast", 3)]
RECOVERY_BOUND = 15
MAX_PASSWORD_CHANGES = 3  # ChangePassword allows 5 calls an hour per user
TOTP_PERIOD = 30

suite = Steps()
state = suite.state
need = suite.need


def totp(secret, step):
    """The 6-digit RFC 6238 code (HMAC-SHA-1) of base32 `secret` for time step `step`."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def new_password():
    return f"Crash-{secrets.token_hex(4)}-Mosaic9"


def attrs_of(user):
    """A user's attributes as a dict, from AdminGetUser (UserAttributes) or ListUsers (Attributes)."""
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", user.get("Attributes", []))}


# ---------------------------------------------------------------- the server and the database


class Server:
    """Tessera on a free port over one data directory and database for the whole run: `kill`
    sends SIGKILL, `start` starts it again on the same database and waits for /ready."""

    def __init__(self, database_url):
        self.dir = tempfile.mkdtemp(prefix="tessera-crash-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        for name in ("TESSERA_PUBLIC_URL", "TESSERA_DATABASE_URL"):
            self.env.pop(name, None)
        self.env.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": self.dir,
            "DATABASE_URL": database_url or f"sqlite://{self.dir}/tessera.db",
            "TESSERA_ADMIN_KEYS": f"{ADMIN_KEY[0]}:{ADMIN_KEY[1]}",
            "TESSERA_RATE_LIMIT_PER_IP": "0",
            "NO_COLOR": "1",
        })
        self.log_path = os.path.join(self.dir, "server.log")
        self.process = None
        self.starts = []

    def start(self):
        began = time.time()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([TESSERA_BIN, "serve"], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = began + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tessera exited with {self.process.returncode}:\n{log_tail(self.log_path)}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=1):
                    self.starts.append(time.time() - began)
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.02)
        raise RuntimeError(f"tessera was not ready within 30 s:\n{log_tail(self.log_path)}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """A throw-away PostgreSQL cluster: initdb in a temporary directory, its own port, trust
    authentication for the role `tessera`; run as the postgres user when this script is root
    (initdb refuses root). `stop(mode)` is pg_ctl's fast or immediate shutdown."""

    def __init__(self):
        versions = sorted((v for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), key=int) \
            if os.path.isdir("/usr/lib/postgresql") else []
        expect(versions, "no PostgreSQL server binaries under /usr/lib/postgresql (tests/run.sh installs them)")
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.dir = tempfile.mkdtemp(prefix="tessera-crash-pg-")
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.url = f"postgres://tessera@127.0.0.1:{self.port}/postgres"
        self.run("initdb", "-D", self.data, "-U", "tessera", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

    def run(self, tool, *args):
        done = subprocess.run(self.as_owner + [os.path.join(self.bin, tool), *args],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(done.returncode == 0, f"{tool} failed: {done.stdout[-800:]}")

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.dir, "postgres.log"),
                 "-w", "-t", "30", "start")

    def stop(self, mode):
        self.run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def remove(self):
        subprocess.run(self.as_owner + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                                        "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- what was asked and answered


class Answer:
    """One request's fate: "ok" (2xx), "refused" (4xx), "failed" (5xx) or "lost" (no answer)."""

    def __init__(self, kind, body=None, status=None, code=None, message=""):
        self.kind, self.body, self.status, self.code, self.message = kind, body, status, code, message

    def __str__(self):
        if self.kind == "lost":
            return f"no answer ({self.code})"
        return f"{self.status} {self.code}: {self.message}"


class Ledger:
    """Every request's answer, counted by action and kind; the load's problems; the database
    outages (windows in which 5xx answers are expected) and what was answered in them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.problems = []
        self.cut = 0  # requests sent that got no answer (not counting refused connections)
        self.outages = []  # [stop asked, stopped, back, end of the window], None until known
        self.in_outage = {}  # (when, answer) -> count, for requests overlapping an outage window
        self.records = []

    def add_problem(self, text):
        with self.lock:
            self.problems.append(text)

    def outage_phase(self, began, ended):
        """None outside the outage windows; else when the request ran: "stopping" (answered
        while pg_ctl stop ran), "down" (answered after the database had stopped and before it
        was back), "across" (sent while down, answered after) or "back" (sent after)."""
        for asked, stopped, back, end in self.outages:
            if began <= (end or ended) and ended >= asked:
                if stopped is None or ended < stopped:
                    return "stopping"
                if back is None or ended < back:
                    return "down"
                return "back" if began >= back else "across"
        return None

    def call(self, action, fn, expected=(), **kwargs):
        """Sends one request and records its answer; never raises on an answer or a cut. A 4xx
        whose code is in `expected` is not a problem."""
        began = time.time()
        try:
            answer = Answer("ok", body=fn(**kwargs), status=200)
        except botocore.exceptions.ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            error = e.response.get("Error", {})
            kind = "failed" if status >= 500 else "refused"
            answer = Answer(kind, status=status, code=error.get("Code"), message=error.get("Message", ""))
        except botocore.exceptions.ParamValidationError:
            raise
        except botocore.exceptions.BotoCoreError as e:
            answer = Answer("lost", code=type(e).__name__)
        ended = time.time()
        with self.lock:
            self.cut += answer.kind == "lost" and answer.code != "EndpointConnectionError"
            key = (action, answer.kind)
            self.counts[key] = self.counts.get(key, 0) + 1
            phase = self.outage_phase(began, ended)
            during_outage = phase is not None
            if during_outage:
                label = {"ok": f"2xx {action}", "lost": f"no answer ({answer.code})"}.get(
                    answer.kind, f"{answer.status} {answer.code}")
                if answer.code in expected:
                    label += " (expected: a wrong password tried)"
                self.in_outage[(phase, label)] = self.in_outage.get((phase, label), 0) + 1
        if answer.kind == "ok" and phase == "down":
            self.add_problem(f"{action} answered 2xx while the database was down")
        if answer.kind == "refused" and answer.code not in expected:
            self.add_problem(f"{action} answered {answer}{' during a database outage' if during_outage else ''}")
        elif answer.kind == "failed" and not during_outage:
            self.add_problem(f"{action} answered {answer} with the database up")
        return answer

    def acknowledged(self):
        with self.lock:
            return sum(n for (_, kind), n in self.counts.items() if kind == "ok")


class Record:
    """What one user should be, as far as acknowledged requests tell. Each write is marked
    "maybe" before it is sent and "ack" once answered 2xx (so a check running at any moment
    knows what may be there)."""

    def __init__(self, username, kind, attrs, password, owner):
        self.username, self.kind, self.attrs, self.owner = username, kind, attrs, owner
        self.created = "maybe"
        self.confirmed = None  # None | "maybe" | "ack"
        self.password = password  # the last acknowledged password (signup users)
        self.pending = None  # (old, new) of an unanswered ChangePassword
        self.changes = 0
        self.groups = {}  # group -> "maybe" | "ack"
        self.totp = None  # ("maybe" | "ack", secret, step)
        self.changed_at = 0.0  # when a request about it was last acknowledged

    def touch(self):
        self.changed_at = time.time()


ledger = Ledger()
server_up = threading.Event()
stop_load = threading.Event()


def clients(url):
    """(admin, public) boto3 clients of a session of their own: no retries, one attempt each."""
    session = boto3.session.Session()
    config = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30,
                                    max_pool_connections=4)
    admin = session.client("cognito-idp", endpoint_url=url, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                           aws_secret_access_key=ADMIN_KEY[1], config=config)
    public = session.client("cognito-idp", endpoint_url=url, region_name="local",
                            config=config.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
    return admin, public


# ---------------------------------------------------------------- the load


class Worker(threading.Thread):
    """One client thread: picks a write at random, over and over, until `stop_load`."""

    def __init__(self, index, url, pool, client):
        super().__init__(daemon=True)
        self.index, self.pool, self.client = index, pool, client
        self.admin, self.public = clients(url)
        self.records = []
        self.serial = 0
        self.refresh_user = None
        self.refresh_token = None
        self.refresh_unanswered_since = None
        self.rotations = 0
        self.error = None

    def call(self, action, fn, expected=(), **kwargs):
        server_up.wait(60)
        return ledger.call(action, fn, expected, **kwargs)

    def run(self):
        try:
            while not stop_load.is_set():
                self.step()
        except Exception as e:  # a bug in the load itself: reported, never hidden
            self.error = f"{type(e).__name__}: {e}"
            ledger.add_problem(f"worker {self.index} stopped: {self.error}")

    def step(self):
        for record in self.records:
            if record.pending:
                self.resolve_password(record)
                return
        choices = [(self.sign_up, 3), (self.admin_create, 2), (self.refresh, 3)]
        if any(r.created == "ack" for r in self.records):
            choices.append((self.add_to_group, 2))
        if self.password_users():
            choices += [(self.change_password, 2), (self.enrol_totp, 1)]
        fns, weights = zip(*choices)
        random.choices(fns, weights)[0]()

    def name(self):
        self.serial += 1
        return f"w{self.index}-{self.serial}-{secrets.token_hex(2)}"

    def new_record(self, kind, password):
        username = self.name()
        attrs = {
            "email": f"{username}@example.com",
            "name": f"Worker {self.index} user {self.serial}",
            "given_name": f"Given{self.serial}",
            "family_name": f"Family{self.index}",
            "custom:team": random.choice(["mosaic", "tessera", "tile"]),
        }
        if kind == "admin":
            attrs["email_verified"] = "true"
        record = Record(username, kind, attrs, password, self.index)
        with ledger.lock:
            ledger.records.append(record)
        self.records.append(record)
        return record

    def password_users(self):
        return [r for r in self.records if r.kind == "signup" and r.confirmed == "ack" and r.totp is None
                and r.pending is None and r.changes < MAX_PASSWORD_CHANGES]

    def sign_up(self):
        record = self.new_record("signup", new_password())
        answer = self.call("SignUp", self.public.sign_up, ClientId=self.client, Username=record.username,
                           Password=record.password,
                           UserAttributes=[{"Name": k, "Value": v} for k, v in record.attrs.items()])
        if answer.kind != "ok":
            return
        record.created = "ack"
        record.touch()
        record.confirmed = "maybe"
        answer = self.call("AdminConfirmSignUp", self.admin.admin_confirm_sign_up, UserPoolId=self.pool,
                           Username=record.username)
        if answer.kind == "ok":
            record.confirmed = "ack"
            record.touch()

    def admin_create(self):
        record = self.new_record("admin", None)
        answer = self.call("AdminCreateUser", self.admin.admin_create_user, UserPoolId=self.pool,
                           Username=record.username, TemporaryPassword=new_password(), MessageAction="SUPPRESS",
                           UserAttributes=[{"Name": k, "Value": v} for k, v in record.attrs.items()])
        if answer.kind == "ok":
            record.created = "ack"
            record.touch()

    def add_to_group(self):
        record = random.choice([r for r in self.records if r.created == "ack"])
        group = random.choice(GROUPS)
        if record.groups.get(group) != "ack":
            record.groups[group] = "maybe"
        answer = self.call("AdminAddUserToGroup", self.admin.admin_add_user_to_group, UserPoolId=self.pool,
                           Username=record.username, GroupName=group)
        if answer.kind == "ok":
            record.groups[group] = "ack"
            record.touch()

    def sign_in(self, username, password, action="InitiateAuth"):
        return self.call(action, self.public.initiate_auth, ClientId=self.client, AuthFlow="USER_PASSWORD_AUTH",
                         AuthParameters={"USERNAME": username, "PASSWORD": password})

    def access_token(self, record):
        """An access token of `record` (its acknowledged password), or None if the sign-in got
        no answer. A refusal here is a lost password or user: a problem (already counted)."""
        answer = self.sign_in(record.username, record.password)
        if answer.kind != "ok":
            return None
        result = answer.body.get("AuthenticationResult")
        if not result:
            ledger.add_problem(f"{record.username}: sign-in answered {answer.body.get('ChallengeName')}, not tokens")
            return None
        return result["AccessToken"]

    def change_password(self):
        record = random.choice(self.password_users())
        token = self.access_token(record)
        if token is None:
            return
        proposed = new_password()
        record.pending = (record.password, proposed)
        record.changes += 1
        answer = self.call("ChangePassword", self.public.change_password, AccessToken=token,
                           PreviousPassword=record.password, ProposedPassword=proposed)
        if answer.kind == "ok":
            record.password, record.pending = proposed, None
            record.touch()

    def resolve_password(self, record):
        """After an unanswered ChangePassword: exactly one of the old and the new password signs
        in (a wrong guess is an expected NotAuthorizedException, not counted as a problem)."""
        old, new = record.pending
        works = []
        for candidate in (new, old):
            answer = self.call("InitiateAuth (after a cut ChangePassword)", self.public.initiate_auth,
                               expected=("NotAuthorizedException",), ClientId=self.client,
                               AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": record.username, "PASSWORD": candidate})
            if answer.kind == "ok":
                works.append(candidate)
            elif answer.kind != "refused":
                return  # no answer: asked again at the next step
        if len(works) != 1:
            ledger.add_problem(f"{record.username}: after an unanswered ChangePassword "
                               f"{'both' if works else 'neither'} of the old and new passwords sign in")
        record.password = works[0] if works else old
        record.pending = None
        record.touch()

    def enrol_totp(self):
        record = random.choice(self.password_users())
        token = self.access_token(record)
        if token is None:
            return
        answer = self.call("AssociateSoftwareToken", self.public.associate_software_token, AccessToken=token)
        if answer.kind != "ok":
            return
        secret = answer.body["SecretCode"]
        step = int(time.time()) // TOTP_PERIOD
        record.totp = ("maybe", secret, step)
        answer = self.call("VerifySoftwareToken", self.public.verify_software_token, AccessToken=token,
                           UserCode=totp(secret, step), FriendlyDeviceName="crash-phone")
        if answer.kind == "ok":
            if answer.body.get("Status") != "SUCCESS":
                ledger.add_problem(f"{record.username}: VerifySoftwareToken answered {answer.body.get('Status')}")
            record.totp = ("ack", secret, step)
            record.touch()

    def start_refresh_session(self):
        """The worker's refresh user, made once, signed in (again after a refusal)."""
        if self.refresh_user is None:
            username, password = f"refresh-w{self.index}-{secrets.token_hex(3)}", new_password()
            for action, fn, kwargs in [
                ("AdminCreateUser", self.admin.admin_create_user,
                 {"Username": username, "MessageAction": "SUPPRESS",
                  "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}]}),
                ("AdminSetUserPassword", self.admin.admin_set_user_password,
                 {"Username": username, "Password": password, "Permanent": True}),
            ]:
                answer = self.call(action, fn, UserPoolId=self.pool, **kwargs)
                if answer.kind != "ok":
                    return  # a new user next time
            self.refresh_user = (username, password)
        answer = self.sign_in(*self.refresh_user)
        if answer.kind == "ok":
            self.refresh_token = answer.body["AuthenticationResult"]["RefreshToken"]
            self.refresh_unanswered_since = None

    def refresh(self):
        if self.refresh_token is None:
            self.start_refresh_session()
            return
        answer = self.call("GetTokensFromRefreshToken", self.public.get_tokens_from_refresh_token,
                           ClientId=self.client, RefreshToken=self.refresh_token)
        if answer.kind == "ok":
            new = answer.body["AuthenticationResult"].get("RefreshToken")
            if not new:
                ledger.add_problem("GetTokensFromRefreshToken answered no new refresh token on a rotating client")
                return
            self.refresh_token, self.refresh_unanswered_since = new, None
            self.rotations += 1
        elif answer.kind in ("lost", "failed"):
            # The rotation may have happened: the old token must still work within the grace.
            self.refresh_unanswered_since = self.refresh_unanswered_since or time.time()
        else:
            if self.refresh_unanswered_since:
                elapsed = time.time() - self.refresh_unanswered_since
                ledger.add_problem(f"after an unanswered rotation the old refresh token was refused "
                                   f"{elapsed:.1f} s later ({answer.code}), and the new one never reached the client")
            self.refresh_token = None


# ---------------------------------------------------------------- the checks


def check_user(admin, pool, record, final):
    """Problems with one user as stored, against what its requests were answered. `final`: the
    load has stopped, so "not attempted" facts must hold too."""
    # What was acknowledged before the reads (the worker may get more answers meanwhile).
    created, confirmed, groups, enrolled = record.created, record.confirmed, dict(record.groups), record.totp
    problems = []
    try:
        user = admin.admin_get_user(UserPoolId=pool, Username=record.username)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] == "UserNotFoundException":
            if created == "ack":
                return [f"{record.username}: acknowledged {record.kind} user is missing"]
            if "ack" in groups.values():
                return [f"{record.username}: missing, yet added to a group"]
            return []
        raise
    attrs = attrs_of(user)
    missing = {k: v for k, v in record.attrs.items() if attrs.get(k) != v}
    if missing or not attrs.get("sub"):
        problems.append(f"{record.username}: attributes {sorted(missing)} differ or sub missing: {attrs}")
    status = user.get("UserStatus")
    if record.kind == "admin":
        allowed = {"FORCE_CHANGE_PASSWORD"}
    elif confirmed == "ack":
        allowed = {"CONFIRMED"}
    elif confirmed == "maybe" or not final:
        allowed = {"CONFIRMED", "UNCONFIRMED"}
    else:
        allowed = {"UNCONFIRMED"}
    if status not in allowed:
        problems.append(f"{record.username}: status {status}, expected {sorted(allowed)}")
    acked = {g for g, v in groups.items() if v == "ack"}
    listed = set()
    if final or acked:
        listed = {g["GroupName"] for g in admin.admin_list_groups_for_user(
            UserPoolId=pool, Username=record.username, Limit=60)["Groups"]}
    if not acked <= listed:
        problems.append(f"{record.username}: acknowledged groups {sorted(acked - listed)} missing")
    if final and not listed <= set(groups):
        problems.append(f"{record.username}: in groups {sorted(listed - set(groups))} never asked for")
    mfa = user.get("UserMFASettingList", [])
    if enrolled and enrolled[0] == "ack" and "SOFTWARE_TOKEN_MFA" not in mfa:
        problems.append(f"{record.username}: acknowledged TOTP enrolment missing (UserMFASettingList {mfa})")
    if final and enrolled is None and mfa:
        problems.append(f"{record.username}: MFA {mfa} never enrolled")
    return problems


def spot_check(admin, pool, since, until):
    """After a restart: the users with writes acknowledged between the two last kills."""
    began = time.time()
    with ledger.lock:
        recent = [r for r in ledger.records if since <= r.changed_at < until]
    problems = []
    for record in recent:
        problems += check_user(admin, pool, record, final=False)
    state["spot_checked"] = state.get("spot_checked", 0) + len(recent)
    state["spot_seconds"] = state.get("spot_seconds", 0) + time.time() - began
    for p in problems:
        ledger.add_problem(f"after a restart: {p}")


# ---------------------------------------------------------------- the run


def set_up():
    admin, _ = clients(need("url"))
    pool = admin.create_user_pool(
        PoolName="crash", AutoVerifiedAttributes=["email"], MfaConfiguration="OFF",
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    admin.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                                   SoftwareTokenMfaConfiguration={"Enabled": True})
    client = admin.create_user_pool_client(
        UserPoolId=pool, ClientName="crash-app", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": GRACE_SECONDS},
    )["UserPoolClient"]["ClientId"]
    for group in GROUPS:
        admin.create_group(UserPoolId=pool, GroupName=group)
    state.update(pool=pool, client=client, admin=admin)


def kills():
    """SIGKILL at random moments, a restart on the same database, a spot check of the writes
    acknowledged since the previous kill."""
    server, admin, pool = need("server", "admin", "pool")
    began = last_check = time.time()
    for _ in range(KILLS):
        time.sleep(random.uniform(0.3, 1.3))
        server_up.clear()
        server.kill()
        killed_at = time.time()
        server.start()
        server_up.set()
        spot_check(admin, pool, last_check, killed_at)
        last_check = killed_at
    state["kill_seconds"] = time.time() - began
    print(f"crash: {state['spot_checked']} users read back after restarts in {state['spot_seconds']:.1f} s")
    print(f"crash: {KILLS} kills in {state['kill_seconds']:.0f} s, {ledger.cut} requests cut (no answer), restarts of "
          f"{min(server.starts[1:]):.2f}-{max(server.starts[1:]):.2f} s")
    expect(ledger.acknowledged() >= 2 * KILLS, f"only {ledger.acknowledged()} requests acknowledged")
    expect(ledger.cut >= KILLS, f"the kills cut only {ledger.cut} requests")


def probe_while_down(admin, pool, username, down_at, up, seen):
    """AdminGetUser over and over until the database is back (`up` set): what each got, when."""
    while not up.is_set():
        sent = time.time()
        answer = ledger.call("AdminGetUser (database down)", admin.admin_get_user, UserPoolId=pool,
                             Username=username)
        label = "2xx" if answer.kind == "ok" else str(answer)
        seen.append((sent - down_at, time.time() - down_at, up.is_set(), label))
        time.sleep(0.2)


def outages():
    """The PostgreSQL cluster stopped under load (immediate, then fast) and started again after
    some seconds (OUTAGES): Tessera, not restarted, must answer only 5xx while it is down (a
    request may also wait for it and succeed) and 2xx again within RECOVERY_BOUND s."""
    cluster, pool, probe_user = need("cluster", "pool", "probe_user")
    prober, _ = clients(need("url"))
    recoveries = []
    for mode, seconds in OUTAGES:
        time.sleep(1.5)
        with ledger.lock:
            ledger.outages.append([time.time(), None, None, None])
        cluster.stop(mode)
        down_at, up, seen = time.time(), threading.Event(), []
        with ledger.lock:
            ledger.outages[-1][1] = down_at
        thread = threading.Thread(target=probe_while_down, args=(prober, pool, probe_user, down_at, up, seen))
        thread.start()
        time.sleep(seconds)
        cluster.start()
        up_at = time.time()
        up.set()
        with ledger.lock:
            ledger.outages[-1][2] = up_at
        thread.join(60)
        answered_down = [label for _, answered, _, label in seen if answered < up_at - down_at]
        expect(all(label.startswith("5") for label in answered_down),
               f"with the database down ({mode}) AdminGetUser answered {answered_down}")
        print(f"crash: {mode} stop, down {up_at - down_at:.1f} s; probes (sent, answered, label): "
              + "; ".join(f"{a:.1f}-{b:.1f} s {label}" for a, b, _, label in seen))
        while True:
            answer = ledger.call("AdminGetUser (database back)", prober.admin_get_user, UserPoolId=pool,
                                 Username=probe_user)
            if answer.kind == "ok":
                break
            expect(time.time() - up_at < RECOVERY_BOUND,
                   f"no 2xx {RECOVERY_BOUND} s after the database came back ({mode}): {answer}")
            time.sleep(0.1)
        first = time.time() - up_at
        writes = ledger.acknowledged()
        deadline = time.time() + RECOVERY_BOUND
        while ledger.acknowledged() < writes + 20 and time.time() < deadline:
            time.sleep(0.1)
        recoveries.append((mode, first, time.time() - up_at))
        with ledger.lock:
            ledger.outages[-1][3] = time.time()
        expect(ledger.acknowledged() >= writes + 20, f"the load did not get going again after the {mode} stop")
    state["recoveries"] = recoveries
    with ledger.lock:
        seen = sorted(ledger.in_outage.items())
    for phase, meaning in [("stopping", "answered while pg_ctl stop ran"),
                           ("down", "answered while the database was down"),
                           ("across", "sent while it was down, answered after"),
                           ("back", "sent after it came back")]:
        print(f"crash: {meaning}: " + (", ".join(f"{n} × {label}" for (p, label), n in seen if p == phase) or "none"))
    print("crash: after the database came back, the first 2xx "
          f"and 20 more acknowledged: {', '.join(f'{m} {a:.1f} s, {b:.1f} s' for m, a, b in recoveries)}")


def stop_and_check_users():
    admin, pool = need("admin", "pool")
    stop_load.set()
    for worker in need("workers"):
        worker.join(60)
    problems = []
    for record in ledger.records:
        problems += check_user(admin, pool, record, final=True)
    state["users_checked"] = len(ledger.records)
    expect(not problems, f"{len(problems)} problems, first: {problems[:5]}")


def nothing_half_written():
    """ListUsers and ListUsersInGroup: each listed user was asked for and is whole; each member
    is a listed user that was added to that group."""
    admin, pool = need("admin", "pool")
    by_name = {r.username: r for r in ledger.records}
    listed, token = {}, None
    while True:
        page = admin.list_users(UserPoolId=pool, Limit=60, **({"PaginationToken": token} if token else {}))
        for user in page["Users"]:
            listed[user["Username"]] = user
        token = page.get("PaginationToken")
        if not token:
            break
    problems = []
    for name, user in listed.items():
        attrs = attrs_of(user)
        if name not in by_name and not name.startswith(("refresh-", "probe-")):
            problems.append(f"{name} listed but never asked for")
        elif name in by_name and any(attrs.get(k) != v for k, v in by_name[name].attrs.items()):
            problems.append(f"{name} listed with attributes {attrs}")
        if not attrs.get("sub") or not attrs.get("email") or not user.get("UserStatus"):
            problems.append(f"{name} listed without sub, email or status: {user}")
    acked = [r.username for r in ledger.records if r.created == "ack"]
    missing = [n for n in acked if n not in listed]
    if missing:
        problems.append(f"acknowledged users not listed: {missing[:5]}")
    members = 0
    for group in GROUPS:
        token = None
        while True:
            page = admin.list_users_in_group(UserPoolId=pool, GroupName=group, Limit=60,
                                             **({"NextToken": token} if token else {}))
            for user in page["Users"]:
                members += 1
                if user["Username"] not in listed:
                    problems.append(f"{group} has member {user['Username']}, who is not a listed user")
                elif user["Username"] in by_name and group not in by_name[user["Username"]].groups:
                    problems.append(f"{user['Username']} is in {group} but was never added")
            token = page.get("NextToken")
            if not token:
                break
    state["listed"], state["members"] = len(listed), members
    expect(not problems, f"{len(problems)} problems, first: {problems[:5]}")


def passwords_sign_in():
    _, public = clients(need("url"))
    client = need("client")
    problems, checked = [], 0
    for record in ledger.records:
        changed = record.changes or record.pending
        if record.kind != "signup" or record.confirmed != "ack" or record.totp or not changed:
            continue
        candidates = list(record.pending) if record.pending else [record.password]
        works = 0
        for candidate in candidates:
            try:
                out = public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                           AuthParameters={"USERNAME": record.username, "PASSWORD": candidate})
                works += "AuthenticationResult" in out
            except botocore.exceptions.ClientError as e:
                if e.response["Error"]["Code"] != "NotAuthorizedException":
                    raise
        checked += 1
        if works != 1:
            problems.append(f"{record.username}: {works} of {len(candidates)} candidate passwords sign in")
    state["passwords_checked"] = checked
    expect(checked > 0, "no password was changed during the run")
    expect(not problems, f"{len(problems)} problems, first: {problems[:5]}")


def totp_challenges():
    _, public = clients(need("url"))
    client = need("client")
    problems, checked = [], 0
    for record in ledger.records:
        if not record.totp:
            continue
        acked, secret, step = record.totp
        out = public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": record.username, "PASSWORD": record.password})
        checked += 1
        if out.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
            if acked == "ack" or "AuthenticationResult" not in out:
                problems.append(f"{record.username}: sign-in answered {out.get('ChallengeName') or 'tokens'}")
            continue
        # The next time step: later than the one the enrolment used up.
        code = totp(secret, max(step, int(time.time()) // TOTP_PERIOD) + 1)
        try:
            done = public.respond_to_auth_challenge(ClientId=client, ChallengeName="SOFTWARE_TOKEN_MFA",
                                                    Session=out["Session"],
                                                    ChallengeResponses={"USERNAME": record.username,
                                                                        "SOFTWARE_TOKEN_MFA_CODE": code})
            if "AuthenticationResult" not in done:
                problems.append(f"{record.username}: the TOTP answer gave {done.get('ChallengeName')}")
        except botocore.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
            problems.append(f"{record.username}: the enrolled secret's code was refused ({code})")
    state["totp_checked"] = checked
    expect(checked > 0, "no TOTP enrolment was made during the run")
    expect(not problems, f"{len(problems)} problems, first: {problems[:5]}")


def refresh_chains_end_well():
    _, public = clients(need("url"))
    client = need("client")
    problems = []
    for worker in need("workers"):
        if worker.refresh_token is None:
            problems.append(f"worker {worker.index} ended without a refresh token")
            continue
        try:
            out = public.get_tokens_from_refresh_token(ClientId=client, RefreshToken=worker.refresh_token)
            expect(out["AuthenticationResult"].get("RefreshToken"), "no rotated refresh token")
        except botocore.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
            problems.append(f"worker {worker.index}: its last refresh token was refused ({code})")
    rotations = sum(w.rotations for w in need("workers"))
    state["rotations"] = rotations
    expect(rotations > 0, "no refresh token was rotated")
    expect(not problems, "; ".join(problems))


def load_had_no_problems():
    with ledger.lock:
        problems = list(ledger.problems)
    expect(not problems, f"{len(problems)} problems, first: {problems[:6]}")


def no_panic():
    text = need("server").log_text()
    at = text.find("panicked")
    expect(at < 0, f"the server log shows a panic: {text[max(0, at - 300):at + 300]!r}")


def timed(phase, fn):
    """`fn`, its duration added to state["phases"]."""
    def run():
        began = time.time()
        try:
            fn()
        finally:
            state.setdefault("phases", []).append(f"{phase} {time.time() - began:.0f} s")
    return run


def main():
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    expect(backend in ("sqlite", "postgres"), "usage: crash_flow.py sqlite|postgres")
    started = time.time()
    cluster = Cluster() if backend == "postgres" else None
    state["phases"] = [f"start {time.time() - started:.0f} s"]
    server = Server(cluster.url if cluster else None)
    state.update(server=server, cluster=cluster, url=server.url)
    try:
        server.start()
        server_up.set()
        print(f"crash: Tessera at {server.url} on {backend}"
              + (f" (own cluster on port {cluster.port})" if cluster else ""))
        suite.run("set-up: a pool with TOTP optional, a rotating client (60 s grace), three groups", set_up)
        admin, pool = need("admin", "pool")
        probe = f"probe-{secrets.token_hex(3)}"
        admin.admin_create_user(UserPoolId=pool, Username=probe, MessageAction="SUPPRESS",
                                UserAttributes=[{"Name": "email", "Value": f"{probe}@example.com"}])
        state["probe_user"] = probe
        workers = [Worker(i, server.url, pool, need("client")) for i in range(WORKERS)]
        state["workers"] = workers
        for worker in workers:
            worker.start()
        suite.run(f"{KILLS} SIGKILLs under load, each followed by a restart and a read-back of the writes "
                  "acknowledged before it", timed("kills", kills))
        if cluster:
            suite.run("PostgreSQL stopped under load (immediate, fast): only 5xx while down, 2xx again "
                      f"within {RECOVERY_BOUND} s, without restarting Tessera", timed("outages", outages))
        checks = time.time()
        suite.run("every acknowledged user, status, membership and TOTP enrolment is there",
                  stop_and_check_users)
        suite.run("nothing half-written: ListUsers and ListUsersInGroup list only whole, asked-for records",
                  nothing_half_written)
        suite.run("the last acknowledged password signs in (exactly one after an unanswered change)",
                  passwords_sign_in)
        suite.run("acknowledged TOTP enrolments challenge and accept their code", totp_challenges)
        suite.run("every rotation chain ends in a working refresh token", refresh_chains_end_well)
        suite.run("the load never got a 4xx, nor a 5xx with the database up, nor a 2xx with it down",
                  load_had_no_problems)
        suite.run("no panic in the server log", no_panic)
        state.setdefault("phases", []).append(f"checks {time.time() - checks:.0f} s")
    finally:
        stop_load.set()
        server_up.set()
        tessera_log = log_tail(server.log_path) if suite.failed else ""
        server.stop()
        server.remove()
        if cluster:
            cluster.remove()
    with ledger.lock:
        counts = dict(ledger.counts)
    acked = sum(n for (_, kind), n in counts.items() if kind == "ok")
    unanswered = sum(n for (_, kind), n in counts.items() if kind in ("lost", "failed"))
    if suite.failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"crash: {acked} requests acknowledged, {unanswered} unanswered or 5xx; "
          f"{state.get('users_checked', 0)} users, {state.get('members', 0)} memberships, "
          f"{state.get('passwords_checked', 0)} changed passwords, {state.get('totp_checked', 0)} TOTP enrolments, "
          f"{state.get('rotations', 0)} rotations checked")
    print(f"crash: phases: {', '.join(state['phases'])}")
    print(f"crash: {suite.passed} passed, {suite.failed} failed ({backend}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
