#!/usr/bin/env python3
"""How long Tessera takes to answer for a known user against an unknown name, on each path that
hides users (issue 23, item 6): a benchmark, not a test. Run by `bash benches/run.sh --timing`
(see there), or by hand:

    python benches/timing.py --binary target/release/tessera [--postgres-url URL] [--pairs 300]

For each database: start the release binary (per-IP limits off), create a pool whose app
clients say PreventUserExistenceErrors=ENABLED and a set of users, then on each path send pairs
of requests, one for a known user and one for a name that does not exist, alternating which
goes first, after a warm-up. Each request is timed from the first byte sent to the last byte
read, on a kept-alive connection; what the client computes (SRP) is outside the timing.

Paths (the known user always gives a wrong secret, so both answers are the same refusal):
  password      InitiateAuth USER_PASSWORD_AUTH
  srp_initiate  InitiateAuth USER_SRP_AUTH (PASSWORD_VERIFIER challenge for both)
  srp_respond   RespondToAuthChallenge PASSWORD_VERIFIER (a wrong claim; the fake challenge)
  forgot        ForgotPassword (CodeDeliveryDetails for both)
  hosted        POST /login of the hosted sign-in page (the form, with its CSRF token)

Every answer is checked: the known and the unknown answer must be the same refusal (or the same
kind of success), so a 429, a lockout ("Password attempts exceeded") or any other answer stops
the run instead of being timed. A known user is used for at most four wrong secrets in a row
(the fifth locks it for a second, domain/lockout.rs), then signed in once, untimed, which clears
its count; ForgotPassword is limited to 10 an hour per user, so the users are many.
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (the server start, the admin client)

PASSWORD = "Timing-Pass-1x"
WRONG = "Wrong-Pass-2y"
CALLBACK = "http://localhost:3000/callback"
PATHS = ["password", "srp_initiate", "srp_respond", "forgot", "hosted"]
WHAT = {
    "password": "InitiateAuth USER_PASSWORD_AUTH, wrong password",
    "srp_initiate": "InitiateAuth USER_SRP_AUTH",
    "srp_respond": "RespondToAuthChallenge PASSWORD_VERIFIER, wrong password",
    "forgot": "ForgotPassword",
    "hosted": "POST /login (hosted sign-in page), wrong password",
}
INCORRECT = "Incorrect username or password."


def log(msg):
    print(f"benches/timing: {msg}", file=sys.stderr, flush=True)


class Unexpected(RuntimeError):
    """An answer that is not the one both kinds of user must get: the run stops."""


class Conn:
    """One kept-alive HTTP/1.1 connection with a cookie jar; every call is timed."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = body.encode() if isinstance(body, str) else body
        t0 = time.perf_counter()
        self.c.request(method, path, body=data, headers=headers)
        r = self.c.getresponse()
        payload = r.read()
        ms = (time.perf_counter() - t0) * 1000
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                k, _, v = value.split(";", 1)[0].partition("=")
                self.cookies[k.strip()] = v
        return r.status, r, payload, ms

    def api(self, action, body):
        """(status, JSON answer, ms) of a JSON API action."""
        status, _, payload, ms = self.request("POST", "/", json.dumps(body), {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService." + action})
        return status, json.loads(payload or b"{}"), ms


def expect_incorrect(what, status, answer):
    if (status, answer.get("__type"), answer.get("message")) != (
            400, "NotAuthorizedException", INCORRECT):
        raise Unexpected(f"{what}: {status} {answer}")


# --- the pool ---------------------------------------------------------------------------------

def seed(url, users):
    cognito = harness.admin(url)
    pool = cognito.create_user_pool(
        PoolName="timing-" + uuid.uuid4().hex[:8],
        AccountRecoverySetting={"RecoveryMechanisms": [
            {"Name": "verified_email", "Priority": 1}]},
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="timing", PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                           "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    web = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", PreventUserExistenceErrors="ENABLED",
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"], CallbackURLs=[CALLBACK],
        SupportedIdentityProviders=["COGNITO"], ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    names = [known_name(i) for i in range(users)]

    def create(name):
        c = harness.admin(url)
        c.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                            {"Name": "email_verified", "Value": "true"}])
        c.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD,
                                  Permanent=True)

    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(create, names))
    return pool, client, web, names


def known_name(i):
    return f"u{i:09d}"


_unknown = iter(range(500_000_000, 10**9))


def unknown_name():
    """A name never used before (the same shape as the known ones)."""
    return f"u{next(_unknown):09d}"


class Users:
    """Hands out known users in turn, each with at most four wrong secrets since its last
    sign-in: before a fifth, the user signs in (untimed), which clears the count."""

    def __init__(self, conn, client, names):
        self.conn, self.client, self.names = conn, client, names
        self.failures = {n: 0 for n in names}
        self.i = 0
        self.resets = 0

    def next(self):
        name = self.names[self.i % len(self.names)]
        self.i += 1
        if self.failures[name] >= 4:
            status, answer, _ = self.conn.api("InitiateAuth", {
                "ClientId": self.client, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}})
            if status != 200 or "AuthenticationResult" not in answer:
                raise Unexpected(f"resetting {name}: {status} {answer}")
            self.failures[name] = 0
            self.resets += 1
        return name

    def failed(self, name):
        self.failures[name] += 1


# --- one pair per path ------------------------------------------------------------------------

def pair(first_known, known, unknown):
    """Runs the two timed calls in the given order; (known ms, unknown ms)."""
    if first_known:
        k = known()
        u = unknown()
    else:
        u = unknown()
        k = known()
    return k, u


def password_pair(ctx, first_known):
    conn, client = ctx["conn"], ctx["client"]

    def attempt(name):
        status, answer, ms = conn.api("InitiateAuth", {
            "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG}})
        expect_incorrect(f"password {name}", status, answer)
        return ms

    name = ctx["users"].next()

    def known():
        ms = attempt(name)
        ctx["users"].failed(name)
        return ms

    return pair(first_known, known, lambda: attempt(unknown_name()))


def srp_pairs(ctx, first_known):
    """The two SRP steps for one known and one unknown name: two pairs."""
    from pycognito.aws_srp import AWSSRP
    conn, client, pool = ctx["conn"], ctx["client"], ctx["pool"]
    name = ctx["users"].next()
    ghost = unknown_name()
    srp = {n: AWSSRP(username=n, password=WRONG, pool_id=pool, client_id=client,
                     client=object())
           for n in (name, ghost)}
    params = {n: s.get_auth_params() for n, s in srp.items()}
    challenges = {}

    def initiate(n):
        def call():
            status, answer, ms = conn.api("InitiateAuth", {
                "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params[n]})
            if status != 200 or answer.get("ChallengeName") != "PASSWORD_VERIFIER":
                raise Unexpected(f"srp_initiate {n}: {status} {answer}")
            challenges[n] = answer
            return ms
        return call

    first = pair(first_known, initiate(name), initiate(ghost))
    # the client's proofs, outside the timing
    responses = {n: srp[n].process_challenge(challenges[n]["ChallengeParameters"], params[n])
                 for n in (name, ghost)}

    def respond(n):
        def call():
            status, answer, ms = conn.api("RespondToAuthChallenge", {
                "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER",
                "Session": challenges[n].get("Session"), "ChallengeResponses": responses[n]})
            expect_incorrect(f"srp_respond {n}", status, answer)
            return ms
        return call

    second = pair(first_known, respond(name), respond(ghost))
    ctx["users"].failed(name)
    return first, second


def forgot_pair(ctx, first_known):
    conn, client = ctx["conn"], ctx["client"]

    def call(name):
        status, answer, ms = conn.api("ForgotPassword", {"ClientId": client, "Username": name})
        details = answer.get("CodeDeliveryDetails") or {}
        if status != 200 or details.get("DeliveryMedium") != "EMAIL":
            raise Unexpected(f"forgot {name}: {status} {answer}")
        return ms

    name = ctx["forgot_users"].next()
    return pair(first_known, lambda: call(name), lambda: call(unknown_name()))


class Hosted:
    """The hosted sign-in page of the web client: one browser-like session (cookie, CSRF
    token) on its own connection, through /oauth2/authorize as a browser comes."""

    def __init__(self, url, pool, web):
        self.conn = Conn(url)
        q = urllib.parse.urlencode({"response_type": "code", "client_id": web,
                                    "redirect_uri": CALLBACK, "scope": "openid email"})
        status, r, _, _ = self.conn.request("GET", f"/{pool}/oauth2/authorize?{q}")
        if status not in (302, 303):
            raise Unexpected(f"authorize: {status}")
        status, _, page, _ = self.conn.request("GET", r.getheader("Location"))
        if status != 200:
            raise Unexpected(f"sign-in page: {status}")
        self.read_form(page.decode())

    def read_form(self, html):
        self.csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
        action = re.search(r'method="post" action="([^"]+)"', html).group(1)
        self.action = action.replace("&#38;", "&").replace("&amp;", "&")

    def post(self, name):
        body = urllib.parse.urlencode({"_csrf": self.csrf, "username": name, "password": WRONG})
        status, _, page, ms = self.conn.request(
            "POST", self.action, body, {"Content-Type": "application/x-www-form-urlencoded"})
        html = page.decode()
        if INCORRECT not in html or "Rate exceeded" in html:
            raise Unexpected(f"hosted {name}: {status} {html[:300]!r}")
        self.status = status
        self.read_form(html)
        return ms


def hosted_pair(ctx, first_known):
    hosted = ctx["hosted"]
    name = ctx["users"].next()
    statuses = []

    def known():
        ms = hosted.post(name)
        statuses.append(hosted.status)
        ctx["users"].failed(name)
        return ms

    def unknown():
        ms = hosted.post(unknown_name())
        statuses.append(hosted.status)
        return ms

    k, u = pair(first_known, known, unknown)
    if statuses[0] != statuses[1]:
        raise Unexpected(f"hosted: status {statuses} for known and unknown")
    return k, u


# --- statistics -------------------------------------------------------------------------------

def summarize(known, unknown):
    """Medians, their relative difference, and a bootstrap 95% interval of that difference
    (resampling the pairs), which says how much of it the noise alone could make."""
    mk, mu = statistics.median(known), statistics.median(unknown)
    rng = random.Random(1)
    n = len(known)
    diffs = []
    for _ in range(1000):
        idx = [rng.randrange(n) for _ in range(n)]
        bk = statistics.median(known[i] for i in idx)
        bu = statistics.median(unknown[i] for i in idx)
        diffs.append((bk - bu) / bu * 100)
    diffs.sort()
    return {"pairs": n, "median_known_ms": round(mk, 3), "median_unknown_ms": round(mu, 3),
            "difference_pct": round((mk - mu) / mu * 100, 2),
            "ci95_pct": [round(diffs[25], 2), round(diffs[974], 2)]}


# --- main -------------------------------------------------------------------------------------

def bench_database(args, backend, database_url):
    data_dir = os.path.join(args.work, backend)
    os.makedirs(data_dir, exist_ok=True)
    server = harness.Server(args.binary, data_dir, database_url,
                            os.path.join(args.work, f"{backend}.log"))
    try:
        t0 = time.monotonic()
        # ForgotPassword: 10 an hour per user; the other paths share the rest
        forgot_users = max(1, -(-(args.pairs + args.warmup) // 8))
        users = max(20, args.users)
        pool, client, web, names = seed(server.url, users + forgot_users)
        log(f"{backend}: seeded {len(names)} users in {time.monotonic() - t0:.1f} s")
        conn = Conn(server.url)
        ctx = {"conn": conn, "pool": pool, "client": client,
               "users": Users(conn, client, names[:users]),
               "forgot_users": Users(conn, client, names[users:]),
               "hosted": Hosted(server.url, pool, web)}
        samples = {p: ([], []) for p in PATHS}
        only = [p for p in PATHS if not args.paths or p in args.paths.split(",")]
        steps = {
            "password": lambda first: {"password": password_pair(ctx, first)},
            "srp": lambda first: dict(zip(("srp_initiate", "srp_respond"),
                                          srp_pairs(ctx, first))),
            "forgot": lambda first: {"forgot": forgot_pair(ctx, first)},
            "hosted": lambda first: {"hosted": hosted_pair(ctx, first)},
        }
        wanted = [s for s in steps if any(p.startswith(s) for p in only)]
        # Round robin over the paths, so that a slow moment of the machine hits every path
        # alike; within a path, the order of known and unknown alternates.
        for i in range(args.warmup + args.pairs):
            for step in wanted:
                for path, (k, u) in steps[step](i % 2 == 0).items():
                    if i >= args.warmup and path in only:
                        samples[path][0].append(k)
                        samples[path][1].append(u)
            if (i + 1) % 50 == 0:
                log(f"{backend}: {i + 1} of {args.warmup + args.pairs} rounds")
        result = {"backend": backend, "paths": {}, "resets": ctx["users"].resets}
        for path in only:
            s = summarize(*samples[path])
            s["what"] = WHAT[path]
            result["paths"][path] = s
            log(f"{backend} {path}: known {s['median_known_ms']:.2f} ms, unknown "
                f"{s['median_unknown_ms']:.2f} ms, {s['difference_pct']:+.1f}% "
                f"(95% {s['ci95_pct'][0]:+.1f}..{s['ci95_pct'][1]:+.1f})")
        return result
    finally:
        server.stop()


def table(results):
    lines = ["| path | database | median known (ms) | median unknown (ms) | difference | 95% interval |",
             "|---|---|---:|---:|---:|---|"]
    for path in PATHS:
        for db in results["databases"]:
            s = db["paths"].get(path)
            if s:
                lines.append(f"| {WHAT[path]} | {db['backend']} | {s['median_known_ms']:.2f} | "
                             f"{s['median_unknown_ms']:.2f} | {s['difference_pct']:+.1f}% | "
                             f"{s['ci95_pct'][0]:+.1f}% .. {s['ci95_pct'][1]:+.1f}% |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", default="target/bench/timing", help="data dirs and server logs")
    ap.add_argument("--out", default="", help="results JSON")
    ap.add_argument("--pairs", type=int, default=300, help="timed pairs per path")
    ap.add_argument("--warmup", type=int, default=20, help="untimed pairs per path first")
    ap.add_argument("--users", type=int, default=40, help="known users the sign-in paths share")
    ap.add_argument("--paths", default="", help="comma-separated subset of " + ",".join(PATHS))
    ap.add_argument("--databases", default="sqlite,postgres")
    ap.add_argument("--postgres-url", default="", help="a database to create the bench DB from")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "pairs": args.pairs, "warmup": args.warmup, "databases": [],
               "loadavg": " ".join(open("/proc/loadavg").read().split()[:3])}
    dbs = args.databases.split(",")
    try:
        if "sqlite" in dbs:
            results["databases"].append(bench_database(
                args, "sqlite", f"sqlite://{args.work}/sqlite/tessera.db"))
        if "postgres" in dbs and args.postgres_url:
            db = f"tessera_timing_{os.getpid()}"
            subprocess.run(["psql", "-q", args.postgres_url, "-c", f"DROP DATABASE IF EXISTS {db}",
                            "-c", f"CREATE DATABASE {db}"], check=True, stdout=subprocess.DEVNULL)
            try:
                results["databases"].append(bench_database(
                    args, "postgres", args.postgres_url.rsplit("/", 1)[0] + "/" + db))
            finally:
                subprocess.run(["psql", "-q", args.postgres_url, "-c",
                                f"DROP DATABASE IF EXISTS {db}"],
                               check=False, stdout=subprocess.DEVNULL)
        elif "postgres" in dbs:
            log("PostgreSQL skipped: no --postgres-url")
    finally:
        if harness._runtime is not None:
            harness._runtime.terminate()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    print(table(results))


if __name__ == "__main__":
    main()
