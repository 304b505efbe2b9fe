#!/usr/bin/env python3
"""Drives one Tessera server per database with wrk and records what it costs; run by
benches/run.sh (see there), not usually by hand.

For each database (sqlite, postgres): start the release binary (SQLite: also the time from spawn
to the first 200 on /ready, on a fresh database and again on the existing one), seed a pool
through the admin API (boto3, SigV4), then run every path of PATHS with wrk at each connection
count. Around each wrk run the server's CPU time (/proc/PID/stat utime+stime) and its peak RSS
(VmHWM, reset before the run through /proc/PID/clear_refs) are read. Results go to a JSON file
that benches/report.py turns into docs/benchmarks.md.
"""

import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid

import boto3

PASSWORD = "Bench-Pass-1x"
CALLBACK = "http://localhost:3000/callback"
KEY, SECRET = "benchkey", "benchsecret-0123456789"
CLK_TCK = os.sysconf("SC_CLK_TCK")
WRK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk")

# name, wrk script, what it is
PATHS = [
    ("jwks", "jwks.lua", "GET /{pool}/.well-known/jwks.json"),
    ("discovery", "discovery.lua", "GET /{pool}/.well-known/openid-configuration"),
    ("client_credentials", "client_credentials.lua", "POST /{pool}/oauth2/token client_credentials"),
    ("get_user", "get_user.lua", "GetUser (access token verified)"),
    ("userinfo", "userinfo.lua", "GET /{pool}/oauth2/userInfo (Bearer)"),
    ("password_auth", "initiate_auth_password.lua", "InitiateAuth USER_PASSWORD_AUTH"),
    ("refresh_auth", "initiate_auth_refresh.lua", "InitiateAuth REFRESH_TOKEN_AUTH"),
    ("refresh_grant", "refresh_grant.lua", "POST /{pool}/oauth2/token refresh_token"),
    ("sign_up", "sign_up.lua", "SignUp (new user each request)"),
    ("refresh_trigger", "initiate_auth_refresh_trigger.lua",
     "InitiateAuth REFRESH_TOKEN_AUTH with a PreTokenGeneration V2 trigger (Lambda Invoke API)"),
]

# The trigger tests' Lambda-compatible endpoint (tests/lambda/runtime.py) and its key pair.
RUNTIME = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "tests", "lambda", "runtime.py")
LAMBDA_KEY, LAMBDA_SECRET = "AKIDTESSERATRIGGERS", "tessera-trigger-tests-secret"
_runtime = None


def lambda_endpoint():
    """Starts the Lambda-compatible endpoint once; its URL."""
    global _runtime
    if _runtime is None:
        _runtime = subprocess.Popen([sys.executable, RUNTIME], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
        line = _runtime.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the Lambda endpoint did not start: {line!r}")
        _runtime.port = int(line.split()[-1])
    return f"http://127.0.0.1:{_runtime.port}"


def log(msg):
    print(f"benches/harness: {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- the server -------------------------------------------------------------------------------

def _stat_fields(pid):
    """Fields 3.. of /proc/PID/stat (after the command name), or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, rest = f.read().rsplit(")", 1)
    except OSError:
        return None
    return head.split("(", 1)[1], rest.split()


class DatabaseCpu:
    """CPU time of the PostgreSQL server on this machine: every live `postgres` process (the
    postmaster, its background workers and the backends serving Tessera's connections) plus what
    the postmaster has reaped from backends that exited. On a machine shared by the server, the
    database and wrk, this is the part of the cores the server's own column does not show."""

    def __init__(self):
        self.roots = set()
        for pid, fields in self._postgres():
            parent = _stat_fields(fields[1])  # field 4: the parent's pid
            if parent is None or parent[0] != "postgres":
                self.roots.add(pid)
        if not self.roots:
            raise RuntimeError("no local postgres process")

    @staticmethod
    def _postgres():
        """(pid, stat fields from field 3 on) of every `postgres` process."""
        for pid in os.listdir("/proc"):
            stat = _stat_fields(pid) if pid.isdigit() else None
            if stat and stat[0] == "postgres":
                yield pid, stat[1]

    def seconds(self):
        ticks = 0
        for pid, fields in self._postgres():
            # utime, stime are fields 14-15; cutime, cstime (reaped children) 16-17
            ticks += int(fields[11]) + int(fields[12])
            if pid in self.roots:
                ticks += int(fields[13]) + int(fields[14])
        return ticks / CLK_TCK


def database_cpu(database_url):
    """A DatabaseCpu when the database is a PostgreSQL server on this machine, else None."""
    if not database_url.startswith("postgres"):
        return None
    host = urllib.parse.urlsplit(database_url).hostname or "localhost"
    if host not in ("127.0.0.1", "localhost", "::1"):
        log(f"database CPU not measured: {host} is not this machine")
        return None
    try:
        return DatabaseCpu()
    except RuntimeError as e:
        log(f"database CPU not measured: {e}")
        return None


class Server:
    def __init__(self, binary, data_dir, database_url, log_path, callgrind=""):
        self.database = database_cpu(database_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({
            "TESSERA_LISTEN": f"127.0.0.1:{self.port}",
            "TESSERA_DATA_DIR": data_dir,
            "DATABASE_URL": database_url,
            "TESSERA_ADMIN_KEYS": f"{KEY}:{SECRET}",
            "TESSERA_RATE_LIMIT_PER_IP": "0",
            # Triggers go to the local endpoint (used by the refresh_trigger path only).
            "TESSERA_LAMBDA_ENDPOINT": lambda_endpoint(),
            "AWS_ACCESS_KEY_ID": LAMBDA_KEY,
            "AWS_SECRET_ACCESS_KEY": LAMBDA_SECRET,
        })
        env.pop("AWS_SESSION_TOKEN", None)
        self.log = open(log_path, "ab")
        self.callgrind = callgrind
        cmd = [binary, "serve"]
        if callgrind:
            # counted only between instructions_on() and instructions_off(); valgrind runs the
            # server's threads one at a time, so only instruction counts are meaningful
            cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={callgrind}/callgrind.%p"] + cmd
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log)
        self.ready_ms = self._wait_ready(t0, timeout=300 if callgrind else 60)

    def instructions_on(self):
        for arg in ("-z", "-i"):
            subprocess.run(["callgrind_control", arg] + (["on"] if arg == "-i" else [])
                           + [str(self.proc.pid)], check=True, capture_output=True)

    def instructions_off(self):
        """Instructions executed by the server since instructions_on() (all threads)."""
        pid = str(self.proc.pid)
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        before = set(os.listdir(self.callgrind))
        subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
        # the dump is written by the server's next scheduled thread: wait for its last line
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name in set(os.listdir(self.callgrind)) - before:
                with open(os.path.join(self.callgrind, name)) as f:
                    for line in f:
                        if line.startswith("totals:"):
                            return int(line.split()[1])
            time.sleep(0.1)
        raise RuntimeError("callgrind wrote no dump")

    def _wait_ready(self, t0, timeout=60):
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/ready")
                if c.getresponse().status == 200:
                    return (time.perf_counter() - t0) * 1000
            except OSError:
                pass
            time.sleep(0.001)
        raise RuntimeError("server not ready in time")

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state): utime is field 14, stime field 15
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def database_seconds(self):
        return self.database.seconds() if self.database else None

    def status_kb(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def reset_peak_rss(self):
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Peer(Server):
    """Another implementation, started from the registries' packages (see benches/run.sh)."""

    def __init__(self, name, cmd, env, cwd, log_path):
        self.name = name
        self.callgrind = ""  # peers always run at full speed
        self.database = None  # every peer keeps its data in its own process
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [c.replace("{port}", str(self.port)) for c in cmd]
        full_env = dict(os.environ, **{k: v.replace("{port}", str(self.port))
                                       for k, v in env.items()})
        self.log = open(log_path, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=full_env, cwd=cwd, stdout=self.log,
                                     stderr=self.log)
        self.ready_ms = self._wait_answering(t0)

    def _wait_answering(self, t0, timeout=120):
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/.well-known/openid-configuration")
                c.getresponse().read()
                return (time.perf_counter() - t0) * 1000
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} did not answer in time")


# --- seeding ----------------------------------------------------------------------------------

def admin(url, region="local"):
    return boto3.client("cognito-idp", endpoint_url=url, region_name=region,
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET)


def call(url, action, body):
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port)
    c.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService." + action})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"{action}: {r.status} {data[:300]!r}")
    return json.loads(data)


def hosted_sign_in(url, pool, client, user):
    """authorize → sign-in page → POST → code → token (as benches/load.py)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    q = urllib.parse.urlencode({"response_type": "code", "client_id": client,
                                "redirect_uri": CALLBACK, "scope": "openid email profile"})
    conn.request("GET", f"/{pool}/oauth2/authorize?{q}")
    r = conn.getresponse()
    r.read()
    conn.request("GET", r.getheader("Location"))
    r = conn.getresponse()
    html = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = html.split('name="_csrf" value="')[1].split('"')[0]
    action = html.split('method="post" action="')[1].split('"')[0]
    action = action.replace("&#38;", "&").replace("&amp;", "&")
    conn.request("POST", action, body=urllib.parse.urlencode(
        {"_csrf": csrf, "username": user, "password": PASSWORD}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = conn.getresponse()
    r.read()
    loc = r.getheader("Location") or ""
    code = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)["code"][0]
    conn.request("POST", f"/{pool}/oauth2/token", body=urllib.parse.urlencode(
        {"grant_type": "authorization_code", "client_id": client, "code": code,
         "redirect_uri": CALLBACK}),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"token: {r.status} {data[:300]!r}")
    return json.loads(data)


def seed(url, users, tokens, out_path):
    cognito = admin(url)
    pool = cognito.create_user_pool(PoolName="bench-" + uuid.uuid4().hex[:8])["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="bench",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.create_resource_server(
        UserPoolId=pool, Identifier="api", Name="api",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    machine = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="machine", GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["api/read"])["UserPoolClient"]
    web = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "profile"],
        CallbackURLs=[CALLBACK], SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]

    names = [f"user{i:07d}" for i in range(users)]

    def create(name):
        c = admin(url)
        c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                            {"Name": "email_verified", "Value": "true"}])
        c.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD,
                                  Permanent=True)

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(create, names))
    log(f"seeded {users} users in {time.monotonic() - t0:.1f} s")

    def sign_in(name):
        return call(url, "InitiateAuth", {
            "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})["AuthenticationResult"]

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        results = list(ex.map(sign_in, names[:tokens]))
        hosted = list(ex.map(lambda n: hosted_sign_in(url, pool, web, n), names[:tokens]))
    # A second pool whose PreTokenGeneration V2 function (tests/lambda/functions/pre_token_v2.py)
    # runs on every token issue, refresh included.
    trigger_pool = cognito.create_user_pool(
        PoolName="bench-trigger-" + uuid.uuid4().hex[:8],
        LambdaConfig={"PreTokenGenerationConfig": {
            "LambdaVersion": "V2_0",
            "LambdaArn": "arn:aws:lambda:eu-west-1:123456789012:function:pre_token_v2"}},
    )["UserPool"]["Id"]
    trigger_client = cognito.create_user_pool_client(
        UserPoolId=trigger_pool, ClientName="bench",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]

    def trigger_sign_in(name):
        c = admin(url)
        c.admin_create_user(UserPoolId=trigger_pool, Username=name, MessageAction="SUPPRESS")
        c.admin_set_user_password(UserPoolId=trigger_pool, Username=name, Password=PASSWORD,
                                  Permanent=True)
        return call(url, "InitiateAuth", {
            "ClientId": trigger_client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})["AuthenticationResult"]

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        triggered = list(ex.map(trigger_sign_in, names[:tokens]))
    basic = "Basic " + base64.b64encode(
        f"{machine['ClientId']}:{machine['ClientSecret']}".encode()).decode()

    def lua_list(values):
        return "{" + ",".join(json.dumps(v) for v in values) + "}"

    with open(out_path, "w") as f:
        f.write("return {\n")
        f.write(f"  pool = {json.dumps(pool)},\n  client = {json.dumps(client)},\n")
        f.write(f"  web = {json.dumps(web)},\n  basic = {json.dumps(basic)},\n")
        f.write(f"  password = {json.dumps(PASSWORD)},\n")
        f.write(f"  users = {lua_list(names)},\n")
        f.write(f"  access = {lua_list(r['AccessToken'] for r in results)},\n")
        f.write(f"  refresh = {lua_list(r['RefreshToken'] for r in results)},\n")
        f.write(f"  oauth_access = {lua_list(h['access_token'] for h in hosted)},\n")
        f.write(f"  oauth_refresh = {lua_list(h['refresh_token'] for h in hosted)},\n")
        f.write(f"  trigger_client = {json.dumps(trigger_client)},\n")
        f.write(f"  trigger_refresh = {lua_list(r['RefreshToken'] for r in triggered)},\n")
        f.write("}\n")
    return {"pool": pool, "client": client, "web": web, "users": names}


def seed_peer(url, users, tokens, out_path):
    """A pool, a client and users through the AWS API of an emulator (cognito-local, moto)."""
    cognito = admin(url, "us-east-1")  # moto knows only AWS's regions
    pool = cognito.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="bench",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    names = [f"user{i:07d}" for i in range(users)]

    def create(name):
        c = admin(url, "us-east-1")
        c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                            {"Name": "email_verified", "Value": "true"}])
        c.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD,
                                  Permanent=True)

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(create, names))
    results = [call(url, "InitiateAuth", {
        "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": n, "PASSWORD": PASSWORD}})["AuthenticationResult"]
        for n in names[:tokens]]

    def lua_list(values):
        return "{" + ",".join(json.dumps(v) for v in values) + "}"

    with open(out_path, "w") as f:
        f.write(f"return {{\n  pool = {json.dumps(pool)},\n  client = {json.dumps(client)},\n"
                f"  password = {json.dumps(PASSWORD)},\n  users = {lua_list(names)},\n"
                f"  access = {lua_list(r['AccessToken'] for r in results)},\n"
                f"  refresh = {lua_list(r.get('RefreshToken', '') for r in results)},\n}}\n")


def seed_oidc_provider(out_path):
    basic = "Basic " + base64.b64encode(b"machine:machine-secret").decode()
    with open(out_path, "w") as f:
        f.write(f'return {{ pool = "", token_path = "/token", basic = {json.dumps(basic)} }}\n')


# name -> (command, environment, paths it is measured on, seeding, what it skips)
def peer_specs(args):
    peers = args.peers_dir
    return {
        "oidc-provider": (["node", f"{peers}/oidc.mjs", "{port}"], {},
                          ["client_credentials"], "oidc"),
        "cognito-local": (["node", f"{peers}/node_modules/cognito-local/lib/bin/start.js"],
                          {"PORT": "{port}", "HOST": "127.0.0.1"},
                          ["password_auth", "refresh_auth", "get_user", "sign_up"], "aws"),
        "moto": ([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-p", "{port}"],
                 {}, ["password_auth", "refresh_auth", "get_user", "sign_up"], "aws"),
    }


def bench_peer(args, name, work):
    cmd, env, paths, kind = peer_specs(args)[name]
    cwd = os.path.join(work, "peer-" + name)
    os.makedirs(cwd, exist_ok=True)
    if name == "cognito-local":
        # its default pools take e-mail addresses as usernames; the bench uses plain names
        os.makedirs(os.path.join(cwd, ".cognito"), exist_ok=True)
        with open(os.path.join(cwd, ".cognito", "config.json"), "w") as f:
            json.dump({"UserPoolDefaults": {"UsernameAttributes": []}}, f)
    result = {"backend": name, "paths": {}}
    peer = Peer(name, cmd, env, cwd, os.path.join(work, f"peer-{name}.log"))
    try:
        result["ready_ms_fresh"] = round(peer.ready_ms, 1)
        time.sleep(0.5)
        result["idle_rss_kb"] = peer.status_kb("VmRSS")
        data_path = os.path.join(work, f"peer-{name}-data.lua")
        if kind == "aws":
            seed_peer(peer.url, args.peer_users, args.tokens, data_path)
        else:
            seed_oidc_provider(data_path)
        scripts = {n: (s, w) for n, s, w in PATHS}
        for path in paths:
            script, what = scripts[path]
            points = []
            for c in args.connections:
                r = run_wrk(peer, script, data_path, c, args.seconds)
                log(f"peer {name} {path} c={c}: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
                    f"p99={r['p99_ms'] or 0:.2f} ms cpu={r['server_cores']}{db_cores(r)} "
                    f"non2xx={r['non_2xx']}"
                    + (f" instructions/request={r['instructions_per_request']:,}"
                       if "instructions_per_request" in r else ""))
                points.append(r)
            result["paths"][path] = {"what": what, "points": points}
        result["peak_rss_process_kb"] = peer.status_kb("VmHWM")
        result["users"] = args.peer_users if kind == "aws" else 0
    finally:
        peer.stop()
    return result


# --- wrk --------------------------------------------------------------------------------------

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNIT[m.group(2)] if m else None


def parse_wrk(out):
    r = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    r["requests"] = int(m.group(1)) if m else 0
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", out, re.M)
        r[f"p{p}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return r


class Meter:
    """The server's CPU time (and the local database's, when there is one) over one load run."""

    def __init__(self, server):
        self.server = server
        self.cpu0, self.db0 = server.cpu_seconds(), server.database_seconds()
        self.t0 = time.monotonic()

    def stop(self):
        self.wall = time.monotonic() - self.t0
        self.cpu = self.server.cpu_seconds() - self.cpu0
        db = self.server.database_seconds()
        self.db = db - self.db0 if db is not None and self.db0 is not None else None

    def fields(self, requests):
        cpu = self.cpu
        out = {"server_cpu_s": round(cpu, 3), "server_cores": round(cpu / self.wall, 3),
               "per_cpu_second": round(requests / cpu, 1) if cpu > 0 else None}
        if self.db is not None:
            both = cpu + self.db
            out.update({"database_cpu_s": round(self.db, 3),
                        "database_cores": round(self.db / self.wall, 3),
                        "per_cpu_second_with_database":
                            round(requests / both, 1) if both > 0 else None})
        return out


def run_wrk(server, script, data_path, connections, seconds, delay_ms=None):
    threads = 1 if connections == 1 else 2
    env = dict(os.environ, BENCH_DATA=data_path, BENCH_WRK_DIR=WRK_DIR,
               BENCH_NONCE=uuid.uuid4().hex[:8])
    if delay_ms is not None:
        env.update(BENCH_PACED_SCRIPT=script, BENCH_DELAY_MS=str(delay_ms))
        script = "paced.lua"
    peak_reset = server.reset_peak_rss()
    if server.callgrind:
        server.instructions_on()
    meter = Meter(server)
    out = subprocess.run(
        ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "10s", "-s", os.path.join(WRK_DIR, script), server.url],
        env=env, capture_output=True, text=True, check=False)
    meter.stop()
    instructions = server.instructions_off() if server.callgrind else None
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}")
    r = parse_wrk(out.stdout)
    if instructions is not None and r["requests"]:
        r["instructions_per_request"] = instructions // r["requests"]
    r.update({
        "connections": connections,
        "seconds": seconds,
        **meter.fields(r["requests"]),
        "peak_rss_kb": server.status_kb("VmHWM"),
        "peak_is_per_run": peak_reset,
    })
    return r


# The paced measure of the flood: each cheap path at this many connections, each pausing this
# long before every request (at most 400 requests a second), alone and then under the flood.
PACED_CONNECTIONS, PACED_DELAY_MS = 4, 10


def run_flood(server, data_path, seconds):
    """Cheap paths while password sign-ins flood the server (64 connections of
    InitiateAuth USER_PASSWORD_AUTH, more than the hashing threads can take). Two measures of
    each cheap path: paced (PACED_CONNECTIONS connections pausing PACED_DELAY_MS, a steady
    rate far below capacity), first without the flood and then during it, so the difference is
    what the flood costs it; and a closed loop at 16 connections during the flood, which
    saturates the two cores by itself (its p99 is mostly its own queue). The sign-ins beyond
    the hashing queue are refused at once (TooManyRequestsException, counted as non-2xx)."""
    import concurrent.futures
    out = {}
    names = ("get_user", "jwks", "refresh_auth")
    scripts = {name: next(s for n, s, _ in PATHS if n == name) for name in names}
    for name in names:
        r = run_wrk(server, scripts[name], data_path, PACED_CONNECTIONS, seconds, PACED_DELAY_MS)
        log(f"flood: {name} paced, no flood: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
            f"p99={r['p99_ms'] or 0:.2f} ms non2xx={r['non_2xx']}")
        out[f"{name}_paced_alone"] = r
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        flood = pool.submit(run_wrk, server, "initiate_auth_password.lua", data_path, 64,
                            seconds * 6 + 2)
        time.sleep(1)
        for name in names:
            r = run_wrk(server, scripts[name], data_path, PACED_CONNECTIONS, seconds, PACED_DELAY_MS)
            log(f"flood: {name} paced, flood: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
                f"p99={r['p99_ms'] or 0:.2f} ms non2xx={r['non_2xx']}")
            out[f"{name}_paced"] = r
        for name in names:
            r = run_wrk(server, scripts[name], data_path, 16, seconds)
            log(f"flood: {name} c=16: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
                f"p99={r['p99_ms'] or 0:.2f} ms non2xx={r['non_2xx']}")
            out[name] = r
        f = flood.result()
    log(f"flood: password_auth c=64: {f['rps']:.0f}/s answered, p99={f['p99_ms'] or 0:.2f} ms, "
        f"refused (non-2xx) {f['non_2xx']} of {f['requests']}")
    out["password_auth"] = f
    return out


# --- multi-step flows (a Python driver: wrk cannot carry state from one step to the next) -------

def _flow_worker(job):
    """One connection's closed loop; returns its latencies (ms) and error count."""
    kind, url, data, worker, seconds = job
    import botocore
    import botocore.config
    from pycognito.aws_srp import AWSSRP
    users = data["users"]
    idp = boto3.client("cognito-idp", endpoint_url=url, region_name="local",
                       config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    lat, errors, n = [], [], worker * 7919
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        n += 1
        user = users[n % len(users)]
        t = time.perf_counter()
        try:
            if kind == "srp":
                AWSSRP(username=user, password=PASSWORD, pool_id=data["pool"],
                       client_id=data["client"], client=idp).authenticate_user()
            else:
                hosted_sign_in(url, data["pool"], data["web"], user)
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors.append(str(e)[:200])
            continue
        lat.append((time.perf_counter() - t) * 1000)
    return lat, errors


def run_flow(server, kind, data, connections, seconds):
    import multiprocessing
    jobs = [(kind, server.url, data, i, seconds) for i in range(connections)]
    peak_reset = server.reset_peak_rss()
    meter = Meter(server)
    with multiprocessing.get_context("fork").Pool(connections) as pool:
        parts = pool.map(_flow_worker, jobs)
    meter.stop()
    lat = sorted(x for p in parts for x in p[0])
    errors = [e for p in parts for e in p[1]]

    def pct(p):
        return round(lat[min(len(lat) - 1, int(len(lat) * p))], 2) if lat else None

    return {"connections": connections, "seconds": seconds, "requests": len(lat),
            "rps": round(len(lat) / seconds, 1), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
            "non_2xx": len(errors), "socket_errors": 0, "first_error": errors[0] if errors else None,
            **meter.fields(len(lat)),
            "peak_rss_kb": server.status_kb("VmHWM"), "peak_is_per_run": peak_reset}


FLOWS = [
    ("srp_auth", "srp", "USER_SRP_AUTH: InitiateAuth + RespondToAuthChallenge (pycognito)"),
    ("hosted_round_trip", "hosted", "hosted UI: authorize → sign-in page → POST → code → token"),
]


# --- ListUsers at scale ------------------------------------------------------------------------

def seed_many(backend, database_url, pool, n):
    """Inserts n confirmed users (no password) straight into the users table (see
    migrations/*/0001_init.sql): the admin API would need hours for a million."""
    now = int(time.time() * 1000)
    t0 = time.monotonic()
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=60)
        db.execute("PRAGMA busy_timeout = 60000")
        with db:
            db.execute(f"""
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1})
INSERT INTO users (id, pool_id, username, username_key, status, enabled, email, attributes,
                   created_at, updated_at)
SELECT sub, '{pool}', name, name, 'CONFIRMED', 1, name || '@example.com',
       '{{"email":"' || name || '@example.com","email_verified":"true","sub":"' || sub || '"}}',
       {now}, {now}
FROM (SELECT printf('lu%07d', i) AS name,
             printf('00000000-0000-4000-8000-%012x', i + 1) AS sub FROM seq)""")
        db.close()
    else:
        sql = f"""
INSERT INTO users (id, pool_id, username, username_key, status, enabled, email, attributes,
                   created_at, updated_at)
SELECT u.sub, '{pool}', u.name, u.name, 'CONFIRMED', true, u.name || '@example.com',
       '{{"email":"' || u.name || '@example.com","email_verified":"true","sub":"' || u.sub || '"}}',
       {now}, {now}
FROM (SELECT 'lu' || lpad(i::text, 7, '0') AS name,
             '00000000-0000-4000-8000-' || lpad(to_hex(i + 1), 12, '0') AS sub
      FROM generate_series(0, {n - 1}) AS i) AS u;
ANALYZE users;
"""
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", database_url, "-c", sql],
                       check=True, stdout=subprocess.DEVNULL)
    log(f"{backend}: inserted {n} users by SQL in {time.monotonic() - t0:.1f} s")


def list_users_latency(url, pool, n, seconds, filter_kind):
    """Closed loop on one connection (boto3, SigV4): ListUsers with a Filter; latencies as the
    client sees them (boto3's own overhead, about a millisecond, included)."""
    import random
    cognito = admin(url)
    lat, errors, matched = [], 0, 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        i = random.randrange(n)
        if filter_kind == "exact":
            flt = f'email = "lu{i:07d}@example.com"'
        else:
            flt = f'email ^= "lu{i // 10:06d}"'
        t = time.perf_counter()
        try:
            r = cognito.list_users(UserPoolId=pool, Filter=flt, Limit=60)
            matched += len(r["Users"])
        except Exception:  # noqa: BLE001 - counted and reported
            errors += 1
            continue
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(len(lat) * p))], 2) if lat else None

    return {"filter": filter_kind, "requests": len(lat), "errors": errors,
            "rps": round(len(lat) / seconds, 1), "p50_ms": pct(0.5), "p99_ms": pct(0.99),
            "users_per_answer": round(matched / len(lat), 1) if lat else None}


def db_cores(r):
    return f" db={r['database_cores']}" if "database_cores" in r else ""


# --- main -------------------------------------------------------------------------------------

def bench_database(args, backend, database_url, work):
    data_dir = os.path.join(work, backend)
    os.makedirs(data_dir, exist_ok=True)
    result = {"backend": backend}
    server = Server(args.binary, data_dir, database_url, os.path.join(work, f"{backend}.log"),
                    args.callgrind)
    try:
        result["ready_ms_fresh"] = round(server.ready_ms, 1)
        time.sleep(0.5)
        result["idle_rss_kb"] = server.status_kb("VmRSS")
        if backend == "sqlite":
            # a second start on the database the first one created (no migration to run)
            server.stop()
            server = Server(args.binary, data_dir, database_url,
                            os.path.join(work, f"{backend}.log"), args.callgrind)
            result["ready_ms_existing"] = round(server.ready_ms, 1)
        data_path = os.path.join(work, f"{backend}-data.lua")
        flow_data = seed(server.url, args.users, args.tokens, data_path)
        time.sleep(0.5)
        result["rss_after_seed_kb"] = server.status_kb("VmRSS")
        result["paths"] = {}
        only = set(args.paths.split(",")) if args.paths else None
        for name, script, what in PATHS:
            if only and name not in only:
                continue
            points = []
            for c in args.connections:
                r = run_wrk(server, script, data_path, c, args.seconds)
                log(f"{backend} {name} c={c}: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
                    f"p99={r['p99_ms'] or 0:.2f} ms cpu={r['server_cores']}{db_cores(r)} "
                    f"non2xx={r['non_2xx']}"
                    + (f" instructions/request={r['instructions_per_request']:,}"
                       if "instructions_per_request" in r else ""))
                points.append(r)
            result["paths"][name] = {"what": what, "points": points}
        for name, kind, what in FLOWS:
            if only and name not in only:
                continue
            points = []
            for c in args.flow_connections:
                r = run_flow(server, kind, flow_data, c, args.seconds)
                log(f"{backend} {name} c={c}: {r['rps']:.0f}/s p50={r['p50_ms'] or 0:.2f} ms "
                    f"p99={r['p99_ms'] or 0:.2f} ms cpu={r['server_cores']}{db_cores(r)} "
                    f"errors={r['non_2xx']}"
                    + (f" ({r['first_error']})" if r["first_error"] else ""))
                points.append(r)
            result["paths"][name] = {"what": what, "points": points, "driver": "python"}
        if only and "flood" in only:
            result["flood"] = run_flood(server, data_path, args.seconds)
        if args.list_users > 0:
            pool = admin(server.url).create_user_pool(PoolName="bench-list")["UserPool"]["Id"]
            seed_many(backend, database_url, pool, args.list_users)
            result["list_users"] = {"users": args.list_users, "points": []}
            for kind in ("exact", "prefix"):
                cpu0, t0 = server.cpu_seconds(), time.monotonic()
                r = list_users_latency(server.url, pool, args.list_users, args.seconds, kind)
                r["server_cores"] = round((server.cpu_seconds() - cpu0) / (time.monotonic() - t0), 3)
                log(f"{backend} ListUsers {kind} filter at {args.list_users} users: "
                    f"{r['rps']}/s p50={r['p50_ms']} ms p99={r['p99_ms']} ms errors={r['errors']}")
                result["list_users"]["points"].append(r)
        result["rss_end_kb"] = server.status_kb("VmRSS")
        result["peak_rss_process_kb"] = server.status_kb("VmHWM")
    finally:
        server.stop()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (data dirs, logs)")
    ap.add_argument("--out", required=True, help="results JSON")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", default="1,16,64")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--flow-connections", default="1,16",
                    help="processes driving the multi-step flows (Python)")
    ap.add_argument("--tokens", type=int, default=64, help="users signed in for token paths")
    ap.add_argument("--postgres-url", default="", help="a database to create bench DBs from")
    ap.add_argument("--paths", default="", help="comma-separated subset of paths")
    ap.add_argument("--databases", default="sqlite,postgres", help="which Tessera runs")
    ap.add_argument("--peers", default="", help="comma-separated: oidc-provider,cognito-local,moto")
    ap.add_argument("--peer-users", type=int, default=200,
                    help="users seeded into each AWS-protocol peer (cognito-local rewrites a "
                         "JSON file per user)")
    ap.add_argument("--peers-dir", default="", help="node_modules of the Node peers, oidc.mjs")
    ap.add_argument("--list-users", type=int, default=1_000_000,
                    help="users inserted by SQL for ListUsers with a Filter (0: skip)")
    ap.add_argument("--callgrind", default="",
                    help="a directory: run Tessera under callgrind and report instructions per "
                         "request (steady whatever else the machine does; rates are meaningless)")
    args = ap.parse_args()
    if args.callgrind:
        os.makedirs(args.callgrind, exist_ok=True)
        args.callgrind = os.path.abspath(args.callgrind)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.flow_connections = [int(c) for c in args.flow_connections.split(",")]
    args.seconds = int(args.seconds) if args.seconds == int(args.seconds) else args.seconds
    os.makedirs(args.work, exist_ok=True)

    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "seconds": args.seconds, "users": args.users, "databases": [],
               "loadavg": " ".join(open("/proc/loadavg").read().split()[:3])}
    dbs = args.databases.split(",")
    if "sqlite" in dbs:
        results["databases"].append(bench_database(
            args, "sqlite", f"sqlite://{args.work}/sqlite/tessera.db", args.work))
    if args.postgres_url and "postgres" in dbs:
        db = f"tessera_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", args.postgres_url, "-c", f"DROP DATABASE IF EXISTS {db}",
                        "-c", f"CREATE DATABASE {db}"], check=True, stdout=subprocess.DEVNULL)
        try:
            results["databases"].append(bench_database(
                args, "postgres", args.postgres_url.rsplit("/", 1)[0] + "/" + db, args.work))
        finally:
            subprocess.run(["psql", "-q", args.postgres_url, "-c", f"DROP DATABASE IF EXISTS {db}"],
                           check=False, stdout=subprocess.DEVNULL)
    results["peers"] = []
    for name in [p for p in args.peers.split(",") if p]:
        try:
            results["peers"].append(bench_peer(args, name, args.work))
        except Exception as e:  # noqa: BLE001 - a peer that fails is reported, not fatal
            log(f"peer {name} failed: {e}")
            results["peers"].append({"backend": name, "error": str(e)[:300], "paths": {}})
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
