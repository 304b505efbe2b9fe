#!/usr/bin/env python3
"""A small closed-loop load generator for a running Tessera: sign-in, refresh, GetUser, and the
pool's JWKS and discovery documents.

Usage (the server started with TESSERA_ADMIN_KEYS=KEY:SECRET and TESSERA_RATE_LIMIT_PER_IP=0):
    python3 benches/load.py --url http://127.0.0.1:9339 --key KEY --secret SECRET \
        [--connections 8] [--seconds 10] [--scenarios sign-in,refresh,get-user,jwks,discovery,
         client-credentials,hosted-sign-in,userinfo,refresh-grant]

Setup goes through boto3 (admin, SigV4); the measured calls are raw keep-alive HTTP requests so
the client costs little next to the server. Prints requests/s and latency percentiles per
scenario. Python caps the rate near a few thousand requests/s: it measures the argon2-bound
sign-in exactly and gives only a lower bound for the cheap GetUser path.
"""

import argparse
import base64
import http.client
import json
import threading
import time
import urllib.parse
import uuid

import boto3

PASSWORD = "Load-Test-Pass-1"


def admin(url, key, secret):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="local",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def setup(cognito, users):
    pool = cognito.create_user_pool(PoolName="load-" + uuid.uuid4().hex[:8])["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="load",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    names = []
    for i in range(users):
        name = f"user{i}"
        cognito.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True
        )
        names.append(name)
    return pool, client, names


class Conn:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port or 80)

    def call(self, action, body):
        self.conn.request(
            "POST",
            "/",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService." + action,
            },
        )
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{action}: {resp.status} {data[:200]!r}")
        return json.loads(data)

    def form(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields)
        h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        self.conn.request("POST", path, body=body, headers=h)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status not in (200, 302):
            raise RuntimeError(f"POST {path}: {resp.status} {data[:200]!r}")
        return resp, data

    def get(self, path, headers=None):
        self.conn.request("GET", path, headers=headers or {})
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {data[:200]!r}")
        return data


def sign_in(conn, client, user):
    return conn.call(
        "InitiateAuth",
        {
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
        },
    )["AuthenticationResult"]


CALLBACK = "http://localhost:3000/callback"


def setup_oauth(cognito, pool):
    """A machine client (client_credentials, custom scope) and a hosted-UI client (code)."""
    cognito.create_resource_server(
        UserPoolId=pool, Identifier="api", Name="api",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}],
    )
    machine = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="machine", GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["api/read"],
    )["UserPoolClient"]
    web = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "profile"],
        CallbackURLs=[CALLBACK], SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return machine, web


def hosted_sign_in(conn, pool, client, user):
    """The hosted-UI round trip: authorize → sign-in page → POST → code → token."""
    q = urllib.parse.urlencode({"response_type": "code", "client_id": client,
                                "redirect_uri": CALLBACK, "scope": "openid email"})
    conn.conn.request("GET", f"/{pool}/oauth2/authorize?{q}")
    r = conn.conn.getresponse()
    r.read()
    login = r.getheader("Location")
    page = conn.conn
    page.request("GET", login)
    r = page.getresponse()
    html = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = html.split('name="_csrf" value="')[1].split('"')[0]
    action = html.split('method="post" action="')[1].split('"')[0].replace("&#38;", "&").replace("&amp;", "&")
    r, _ = conn.form(action, {"_csrf": csrf, "username": user, "password": PASSWORD},
                     {"Cookie": cookie})
    code = urllib.parse.parse_qs(urllib.parse.urlparse(r.getheader("Location")).query)["code"][0]
    r, data = conn.form(f"/{pool}/oauth2/token", {"grant_type": "authorization_code",
                        "client_id": client, "code": code, "redirect_uri": CALLBACK})
    return json.loads(data)


def run(url, connections, seconds, make_request):
    latencies, errors = [], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(i):
        conn = Conn(url)
        request = make_request(conn, i)
        local = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                request()
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(e))
                conn = Conn(url)
                request = make_request(conn, i)
                continue
            local.append(time.perf_counter() - t)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0

    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9339")
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--scenarios", default="sign-in,refresh,get-user,jwks,discovery")
    args = ap.parse_args()
    cognito = admin(args.url, args.key, args.secret)
    pool, client, users = setup(cognito, args.connections)
    tokens = [sign_in(Conn(args.url), client, u) for u in users]
    machine, web = setup_oauth(cognito, pool)
    basic = "Basic " + base64.b64encode(
        f"{machine['ClientId']}:{machine['ClientSecret']}".encode()).decode()
    oauth_tokens = [hosted_sign_in(Conn(args.url), pool, web, u) for u in users]

    scenarios = {
        "sign-in": lambda conn, i: (lambda: sign_in(conn, client, users[i])),
        "refresh": lambda conn, i: (
            lambda: conn.call(
                "InitiateAuth",
                {
                    "ClientId": client,
                    "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": tokens[i]["RefreshToken"]},
                },
            )
        ),
        "get-user": lambda conn, i: (
            lambda: conn.call("GetUser", {"AccessToken": tokens[i]["AccessToken"]})
        ),
        "client-credentials": lambda conn, i: (
            lambda: conn.form(f"/{pool}/oauth2/token", {"grant_type": "client_credentials"},
                              {"Authorization": basic})
        ),
        "hosted-sign-in": lambda conn, i: (lambda: hosted_sign_in(conn, pool, web, users[i])),
        "userinfo": lambda conn, i: (
            lambda: conn.get(f"/{pool}/oauth2/userInfo",
                             {"Authorization": "Bearer " + oauth_tokens[i]["access_token"]})
        ),
        "refresh-grant": lambda conn, i: (
            lambda: conn.form(f"/{pool}/oauth2/token", {
                "grant_type": "refresh_token", "client_id": web,
                "refresh_token": oauth_tokens[i]["refresh_token"]})
        ),
        "jwks": lambda conn, i: (lambda: conn.get(f"/{pool}/.well-known/jwks.json")),
        "discovery": lambda conn, i: (
            lambda: conn.get(f"/{pool}/.well-known/openid-configuration")
        ),
    }
    for name in args.scenarios.split(","):
        result = run(args.url, args.connections, args.seconds, scenarios[name])
        print(json.dumps({"scenario": name, "connections": args.connections, **result}))


if __name__ == "__main__":
    main()
