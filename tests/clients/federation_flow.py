"""Federation (issue 20) with a real upstream OpenID Provider, boto3 and a real browser.

The script starts everything it needs: its own Tessera server (`TESSERA_BIN`, default
target/debug/tessera) with `DATABASE_URL` (default: SQLite in a temporary directory) and a test
admin key; a tiny app on http://localhost:<port> (its page links to /oauth2/authorize, its
/callback records what it receives); and the upstream, tests/idp/op.mjs (the npm package
oidc-provider, from TESSERA_NODE_DIR, default target/node-clients), which plays both an OIDC
provider ("LocalOP", client_secret_basic, found by discovery) and a stand-in for Facebook (its
/auth, /token and /me given as the provider's endpoints, client_secret_post). Its accounts are a
JSON file it reads again on every sign-in, so an upstream attribute is changed by rewriting it.

  1. set-up: CreateUserPool (email auto-verified, custom:team); the OP with Tessera's
     /{poolId}/oauth2/idpresponse as both clients' redirect URI; CreateIdentityProvider for
     LocalOP (the endpoints discovered from the issuer, "username": "sub" added to the mapping)
     and Facebook; an app client naming an unknown provider is refused, then the public client
     (code grant, PKCE) for COGNITO, LocalOP and Facebook.
  2. the admin API as Cognito answers it: Describe, List (no ProviderDetails), GetByIdentifier,
     Update read back, and the refusals (DuplicateProviderException, ResourceNotFoundException,
     an http issuer that is not local, a mapping to an attribute not in the schema), Delete.
  3. the browser (Debian's Chromium, Playwright), a new context for every walk so that neither
     Tessera's nor the OP's session survives:
       a. sign-in page with a button per provider → LocalOP → the OP's login as alice → callback
          with the code and the state → tokens with the PKCE verifier → the ID token verified
          with PyJWT against Tessera's JWKS (iss, aud, nonce), its username LocalOP_alice, the
          mapped attributes, `identities` and the group {poolId}_LocalOP; AdminGetUser says
          EXTERNAL_PROVIDER;
       b. alice's given_name changed upstream; identity_provider=LocalOP skips the sign-in page;
          the new name reaches the token and the user;
       c. AdminLinkProviderForUser: carol at LocalOP signs in as the native user bob; after
          AdminDisableProviderForUser she is a user of her own, LocalOP_carol;
       d. the Facebook stand-in: dave → Facebook_dave, email read from /me;
       e. the upstream refuses (login `deny`): the app's callback gets the error and the state,
          no code;
       f. /logout with federated=true signs out at the OP too (its RP-initiated logout page) and
          comes back through /oauth2/idplogout to the app's sign-out URL;
       g. a native user signs in with "Email me a sign-in code" (the pool allows EMAIL_OTP as a
          first factor), the code read from Tessera's outbox.
The sign-in page with the provider buttons is saved to docs/screenshots/ (or
$BROWSER_SCREENSHOT_DIR) as a 1280×800 PNG; only Tessera's pages are pictured.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… TESSERA_NODE_DIR=target/node-clients \
      python tests/clients/federation_flow.py

The browser is /usr/bin/chromium (or $CHROMIUM); NODE is the node binary. Prints
"federation: N passed, M failed" and exits 1 if anything failed; a failed browser step prints the
page's URL and HTML, and the end of the Tessera and OP logs.
"""

import datetime
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from flow_kit import (ROOT, App, StepFailed, Tessera, authorization_request, error_code, expect, free_port,
                      id_claims_for_code, log_tail)
NODE = os.environ.get("NODE", "node")
NODE_DIR = os.environ.get("TESSERA_NODE_DIR") or os.path.join(ROOT, "target/node-clients")
OP_SCRIPT = os.path.join(ROOT, "tests/idp/op.mjs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("BROWSER_SCREENSHOT_DIR", os.path.join(ROOT, "docs/screenshots"))
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000

ADMIN_KEY_ID = "AKIAFEDERATIONTEST01"
ADMIN_SECRET = "federation-test-secret-key-00000000000"
# Tessera's two clients at the OP.
OIDC_CLIENT = ("tessera-localop", "localop-client-secret-0123456789abcdef")
FACEBOOK_CLIENT = ("tessera-facebook", "facebook-app-secret-0123456789abcdef")
LOCALOP_MAPPING = {"email": "email", "email_verified": "email_verified",
                   "given_name": "given_name", "family_name": "family_name"}
# The upstream accounts; `sub` and `id` are the login name (tests/idp/op.mjs).
ACCOUNTS = {
    "alice": {"email": "alice@example.org", "email_verified": True, "given_name": "Alice",
              "family_name": "Liddell", "name": "Alice Liddell"},
    "carol": {"email": "carol@example.org", "email_verified": True, "given_name": "Carol",
              "family_name": "Jones", "name": "Carol Jones"},
    "dave": {"email": "dave@example.net", "email_verified": True, "given_name": "Dave",
             "family_name": "Brown", "name": "Dave Brown"},
}
BOB = "bob"
BOB_EMAIL = "bob@example.com"
BOB_PASSWORD = "Bobs-Own-Pass-9"
EVE = "eve@example.com"

passed = 0
failed = 0


# ---------------------------------------------------------------- the upstream OP


class Upstream:
    """tests/idp/op.mjs on a free port: one OIDC client and one Facebook stand-in client, both
    redirecting to `redirect_uri`; the accounts in `accounts.json` beside its config."""

    def __init__(self, workdir, redirect_uri):
        node = shutil.which(NODE)
        expect(node is not None, f"node ({NODE}) is not installed")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.accounts_path = os.path.join(workdir, "accounts.json")
        self.write_accounts(ACCOUNTS)
        config_path = os.path.join(workdir, "op.json")
        clients = [
            {"client_id": OIDC_CLIENT[0], "client_secret": OIDC_CLIENT[1], "redirect_uris": [redirect_uri],
             "post_logout_redirect_uris": [redirect_uri.replace("/idpresponse", "/idplogout")],
             "token_endpoint_auth_method": "client_secret_basic"},
            {"client_id": FACEBOOK_CLIENT[0], "client_secret": FACEBOOK_CLIENT[1], "redirect_uris": [redirect_uri],
             "token_endpoint_auth_method": "client_secret_post"},
        ]
        with open(config_path, "w") as f:
            json.dump({"clients": clients, "accounts": "accounts.json"}, f)
        self.log_path = os.path.join(workdir, "op.log")
        env = dict(os.environ, TESSERA_NODE_DIR=NODE_DIR, NO_COLOR="1")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [node, OP_SCRIPT, "--port", str(self.port), "--issuer", self.issuer, "--config", config_path],
                env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline().strip() if ready else ""
        if line != "ready":
            self.stop()
            raise StepFailed(f"op.mjs did not start (printed {line!r}):\n{log_tail(self.log_path)}")
        with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration") as r:
            self.discovery = json.load(r)

    def write_accounts(self, accounts):
        with open(self.accounts_path + ".new", "w") as f:
            json.dump(accounts, f)
        os.replace(self.accounts_path + ".new", self.accounts_path)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# ---------------------------------------------------------------- the flow


class Flow:
    def __init__(self, workdir, tessera, app, browser):
        self.workdir, self.tessera, self.app, self.browser = workdir, tessera, app, browser
        self.outbox = os.path.join(tessera.dir, "outbox")
        self.admin = boto3.client(
            "cognito-idp", endpoint_url=tessera.url, region_name="local",
            aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )
        self.op = None
        self.pool_id = None
        self.client_id = None
        self.page = None
        self.navigations = []
        self.pending = None  # (state, nonce, verifier) of the authorization request under way
        self.code = None
        self.bob_sub = None
        self.accounts = json.loads(json.dumps(ACCOUNTS))

    @property
    def base(self):
        return f"{self.tessera.url}/{self.pool_id}"

    def localop_details(self, scopes="openid email profile"):
        return {"client_id": OIDC_CLIENT[0], "client_secret": OIDC_CLIENT[1], "authorize_scopes": scopes,
                "oidc_issuer": self.op.issuer, "attributes_request_method": "GET"}

    # -- 1. set-up

    def create_pool(self):
        pool = self.admin.create_user_pool(
            PoolName="Federated Mosaic",
            AutoVerifiedAttributes=["email"],
            Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True, "Required": False}],
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
        )["UserPool"]
        self.pool_id = pool["Id"]

    def start_op(self):
        self.op = Upstream(self.workdir, f"{self.base}/oauth2/idpresponse")

    def create_localop(self):
        out = self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="LocalOP", ProviderType="OIDC",
            ProviderDetails=self.localop_details(), AttributeMapping=LOCALOP_MAPPING, IdpIdentifiers=["example.org"],
        )["IdentityProvider"]
        self.check_localop(out)

    def check_localop(self, provider, scopes="openid email profile", mapping=LOCALOP_MAPPING):
        expect(provider.get("UserPoolId") == self.pool_id, f"UserPoolId {provider.get('UserPoolId')!r}")
        expect(provider.get("ProviderName") == "LocalOP" and provider.get("ProviderType") == "OIDC",
               f"name/type {provider.get('ProviderName')!r}/{provider.get('ProviderType')!r}")
        details = provider.get("ProviderDetails", {})
        discovered = self.op.discovery
        wanted = dict(self.localop_details(scopes), authorize_url=discovered["authorization_endpoint"],
                      token_url=discovered["token_endpoint"], attributes_url=discovered["userinfo_endpoint"],
                      jwks_uri=discovered["jwks_uri"])
        for key, value in wanted.items():
            expect(details.get(key) == value, f"ProviderDetails[{key!r}] {details.get(key)!r} instead of {value!r}")
        expect(provider.get("AttributeMapping") == dict(mapping, username="sub"),
               f"AttributeMapping {provider.get('AttributeMapping')}")
        expect(provider.get("IdpIdentifiers") == ["example.org"], f"IdpIdentifiers {provider.get('IdpIdentifiers')}")
        for name in ("LastModifiedDate", "CreationDate"):
            expect(isinstance(provider.get(name), datetime.datetime), f"{name} {provider.get(name)!r}")

    def create_facebook(self):
        op = self.op.issuer
        details = {"client_id": FACEBOOK_CLIENT[0], "client_secret": FACEBOOK_CLIENT[1],
                   "authorize_scopes": "openid,public_profile,email", "api_version": "v17.0",
                   "authorize_url": f"{op}/auth", "token_url": f"{op}/token", "attributes_url": f"{op}/me",
                   "attributes_request_method": "GET"}
        out = self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="Facebook", ProviderType="Facebook", ProviderDetails=details,
            AttributeMapping={"email": "email", "given_name": "given_name", "username": "id"},
        )["IdentityProvider"]
        expect(out.get("ProviderType") == "Facebook", f"ProviderType {out.get('ProviderType')!r}")
        for key, value in details.items():
            expect(out["ProviderDetails"].get(key) == value,
                   f"ProviderDetails[{key!r}] {out['ProviderDetails'].get(key)!r} instead of {value!r}")
        expect(out.get("AttributeMapping", {}).get("username") == "id", f"AttributeMapping {out.get('AttributeMapping')}")

    def create_client(self):
        settings = dict(
            UserPoolId=self.pool_id, ClientName="Federated Gallery", GenerateSecret=False,
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "profile"], CallbackURLs=[self.app.callback],
            LogoutURLs=[self.app.signed_out],
        )
        code = error_code(lambda: self.admin.create_user_pool_client(
            **settings, SupportedIdentityProviders=["COGNITO", "LocalOP", "NoSuchProvider"]))
        expect(code == "InvalidParameterException", f"an unknown provider gave {code}")
        client = self.admin.create_user_pool_client(
            **settings, SupportedIdentityProviders=["COGNITO", "LocalOP", "Facebook"])["UserPoolClient"]
        expect(sorted(client.get("SupportedIdentityProviders", [])) == ["COGNITO", "Facebook", "LocalOP"],
               f"SupportedIdentityProviders {client.get('SupportedIdentityProviders')}")
        self.client_id = client["ClientId"]

    # -- 2. the admin API

    def describe(self):
        out = self.admin.describe_identity_provider(UserPoolId=self.pool_id, ProviderName="LocalOP")
        self.check_localop(out["IdentityProvider"])

    def list_providers(self):
        providers = self.admin.list_identity_providers(UserPoolId=self.pool_id, MaxResults=60)["Providers"]
        expect(sorted(p.get("ProviderName") for p in providers) == ["Facebook", "LocalOP"], f"Providers {providers}")
        for p in providers:
            expect(set(p) == {"ProviderName", "ProviderType", "LastModifiedDate", "CreationDate"},
                   f"a listed provider has the keys {sorted(p)}")
        types = {p["ProviderName"]: p["ProviderType"] for p in providers}
        expect(types == {"LocalOP": "OIDC", "Facebook": "Facebook"}, f"types {types}")

    def by_identifier(self):
        out = self.admin.get_identity_provider_by_identifier(UserPoolId=self.pool_id, IdpIdentifier="example.org")
        self.check_localop(out["IdentityProvider"])

    def update(self):
        before = self.admin.describe_identity_provider(UserPoolId=self.pool_id, ProviderName="LocalOP")["IdentityProvider"]
        mapping = dict(LOCALOP_MAPPING, name="name")
        out = self.admin.update_identity_provider(
            UserPoolId=self.pool_id, ProviderName="LocalOP",
            ProviderDetails=self.localop_details("openid profile email"), AttributeMapping=mapping,
        )["IdentityProvider"]
        self.check_localop(out, "openid profile email", mapping)
        after = self.admin.describe_identity_provider(UserPoolId=self.pool_id, ProviderName="LocalOP")["IdentityProvider"]
        self.check_localop(after, "openid profile email", mapping)
        expect(after["CreationDate"] == before["CreationDate"], "the update changed CreationDate")
        expect(after["LastModifiedDate"] >= before["LastModifiedDate"], "LastModifiedDate went back")

    def duplicate(self):
        code = error_code(lambda: self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="LocalOP", ProviderType="OIDC",
            ProviderDetails=self.localop_details(), AttributeMapping=LOCALOP_MAPPING))
        expect(code == "DuplicateProviderException", f"a second LocalOP gave {code}")

    def unknown(self):
        code = error_code(lambda: self.admin.describe_identity_provider(UserPoolId=self.pool_id, ProviderName="Nobody"))
        expect(code == "ResourceNotFoundException", f"an unknown provider gave {code}")

    def remote_http_issuer(self):
        code = error_code(lambda: self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="Evil", ProviderType="OIDC",
            ProviderDetails=dict(self.localop_details(), oidc_issuer="http://evil.example")))
        expect(code == "InvalidParameterException", f"oidc_issuer http://evil.example gave {code}")

    def mapping_outside_schema(self):
        code = error_code(lambda: self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="Unmapped", ProviderType="OIDC",
            ProviderDetails=self.localop_details(), AttributeMapping={"custom:nope": "team"}))
        expect(code == "InvalidParameterException", f"a mapping to custom:nope gave {code}")

    def delete(self):
        out = self.admin.create_identity_provider(
            UserPoolId=self.pool_id, ProviderName="Scratch", ProviderType="OIDC",
            ProviderDetails=self.localop_details(), AttributeMapping={"custom:team": "team"},
        )["IdentityProvider"]
        expect(out.get("AttributeMapping", {}).get("custom:team") == "team", f"AttributeMapping {out.get('AttributeMapping')}")
        self.admin.delete_identity_provider(UserPoolId=self.pool_id, ProviderName="Scratch")
        code = error_code(lambda: self.admin.describe_identity_provider(UserPoolId=self.pool_id, ProviderName="Scratch"))
        expect(code == "ResourceNotFoundException", f"the deleted provider gave {code}")

    # -- browser helpers

    def new_page(self):
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.navigations = []
        self.page.on("response", lambda r: r.request.is_navigation_request()
                     and self.navigations.append(f"{r.status} {r.request.method} {r.url}"))
        return self.page

    def authorize_url(self, **extra):
        url, self.pending = authorization_request(self.base, self.client_id, self.app.callback, **extra)
        return url

    def from_app(self, **extra):
        """A new context; the app's sign-in link followed."""
        page = self.new_page()
        self.app.authorize_url = self.authorize_url(**extra)
        page.goto(f"{self.app.base}/")
        page.click("#sign-in")

    def provider_button(self, name):
        return self.page.locator(".idpButton-customizable", has_text=f"Continue with {name}")

    def sign_in_page(self):
        """The browser is on Tessera's sign-in page, with a button for each of the client's providers."""
        page = self.page
        page.wait_for_load_state()
        expect(urllib.parse.urlsplit(page.url).path == f"/{self.pool_id}/login",
               f"expected the sign-in page, the browser is at {page.url}")
        for name in ("LocalOP", "Facebook"):
            expect(self.provider_button(name).count() == 1, f"no 'Continue with {name}' button")
        expect(page.locator("#signInFormUsername").count() == 1, "no username field for COGNITO")

    def upstream_sign_in(self, login):
        """The browser is on the OP's login page: `login` with any password."""
        page = self.page
        page.wait_for_url(f"{self.op.issuer}/interaction/**")
        page.fill("#login", login)
        page.fill("#password", "any-password")
        page.click("#submit")

    def at_callback(self):
        """The query the app's callback received, after checking its state."""
        page = self.page
        page.wait_for_url(f"{self.app.callback}?**")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        state = self.pending[0]
        expect(query.get("state") == [state], f"state {query.get('state')} instead of {state!r}")
        expect(page.locator("h1", has_text="Callback").count() == 1, "the app's callback page did not load")
        return query

    def code_at_callback(self):
        query = self.at_callback()
        expect(len(query.get("code", [""])[0]) >= 16, f"no code in the callback {self.page.url}")
        return query["code"][0]

    def exchange(self, code):
        """The code at /oauth2/token with the PKCE verifier; the ID token verified with PyJWT."""
        return id_claims_for_code(self.base, self.client_id, self.app.callback, code, self.pending)

    def federated_claims(self, claims, username, provider, provider_type, user_id):
        """The ID token of a federated sign-in: its username, `identities` and group."""
        expect(claims.get("cognito:username") == username,
               f"cognito:username {claims.get('cognito:username')!r} instead of {username!r}")
        self.identity(claims.get("identities"), provider, provider_type, user_id)
        groups = claims.get("cognito:groups") or []
        expect(f"{self.pool_id}_{provider}" in groups, f"cognito:groups {groups}")

    def identity(self, identities, provider, provider_type, user_id, primary="true"):
        """`identities` (the claim, or the attribute parsed) lists `provider` once, as Cognito
        writes it; `primary` None leaves that field unchecked (a link to a native user)."""
        expect(isinstance(identities, list), f"identities is not a JSON array: {identities!r}")
        mine = [i for i in identities if i.get("providerName") == provider]
        expect(len(mine) == 1, f"identities {identities} do not list {provider} once")
        identity = dict(mine[0])
        created = identity.pop("dateCreated", None)
        wanted = {"userId": user_id, "providerName": provider, "providerType": provider_type,
                  "issuer": None, "primary": primary}
        if primary is None:
            identity.pop("primary", None)
            wanted.pop("primary")
        expect(identity == wanted, f"identity {mine[0]} instead of {wanted} and dateCreated")
        expect(isinstance(created, str) and created.isdigit()
               and abs(int(created) - time.time() * 1000) < 86_400_000,
               f"dateCreated {created!r} is not epoch milliseconds as a string")

    def user(self, username):
        user = self.admin.admin_get_user(UserPoolId=self.pool_id, Username=username)
        return user, {a["Name"]: a["Value"] for a in user["UserAttributes"]}

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(SHOTS, name), animations="disabled", caret="hide")

    # -- 3a. first sign-in through LocalOP

    def alice_sign_in_page(self):
        self.from_app()
        self.sign_in_page()
        self.shot("13-sign-in-providers.png")

    def alice_at_op(self):
        self.provider_button("LocalOP").click()
        self.upstream_sign_in("alice")
        self.code = self.code_at_callback()
        paths = [urllib.parse.urlsplit(n.split(" ", 2)[2]).path for n in self.navigations]
        expect(f"/{self.pool_id}/oauth2/idpresponse" in paths, f"no pass through idpresponse: {self.navigations}")

    def alice_tokens(self):
        claims = self.exchange(self.code)
        self.federated_claims(claims, "LocalOP_alice", "LocalOP", "OIDC", "alice")
        alice = ACCOUNTS["alice"]
        for name in ("email", "given_name", "family_name"):
            expect(claims.get(name) == alice[name], f"{name} {claims.get(name)!r} instead of {alice[name]!r}")
        expect(claims.get("email_verified") is True, f"email_verified {claims.get('email_verified')!r}")

    def alice_user(self):
        user, attributes = self.user("LocalOP_alice")
        expect(user["UserStatus"] == "EXTERNAL_PROVIDER", f"UserStatus {user['UserStatus']}")
        self.identity(json.loads(attributes.get("identities", "null")), "LocalOP", "OIDC", "alice")
        alice = ACCOUNTS["alice"]
        for name in ("email", "given_name", "family_name", "name"):
            expect(attributes.get(name) == alice[name], f"{name} {attributes.get(name)!r} instead of {alice[name]!r}")

    # -- 3b. identity_provider=LocalOP, a changed upstream attribute

    def alice_renamed(self):
        self.accounts["alice"]["given_name"] = "Alicia"
        self.op.write_accounts(self.accounts)
        self.from_app(identity_provider="LocalOP")
        self.upstream_sign_in("alice")
        login = f"/{self.pool_id}/login"
        expect(not any(urllib.parse.urlsplit(n.split(" ", 2)[2]).path == login for n in self.navigations),
               f"the sign-in page was shown: {self.navigations}")
        claims = self.exchange(self.code_at_callback())
        expect(claims.get("cognito:username") == "LocalOP_alice", f"cognito:username {claims.get('cognito:username')!r}")
        expect(claims.get("given_name") == "Alicia", f"given_name {claims.get('given_name')!r} in the new ID token")
        _, attributes = self.user("LocalOP_alice")
        expect(attributes.get("given_name") == "Alicia", f"given_name {attributes.get('given_name')!r} of the user")

    # -- 3b'. sign-out at the provider too (federated=true)

    def alice_signs_out_everywhere(self):
        page = self.page
        query = urllib.parse.urlencode({"client_id": self.client_id, "logout_uri": self.app.signed_out,
                                        "federated": "true"})
        page.goto(f"{self.base}/logout?{query}")
        page.wait_for_url(f"{self.op.issuer}/session/end**")
        page.locator("button[name=logout]").click()
        page.wait_for_url(f"{self.app.signed_out}**")
        paths = [urllib.parse.urlsplit(n.split(" ", 2)[2]).path for n in self.navigations]
        expect(f"/{self.pool_id}/oauth2/idplogout" in paths, f"no pass back through idplogout: {self.navigations}")
        # Both sessions are over: the same browser is asked to sign in at the OP again.
        self.app.authorize_url = self.authorize_url(identity_provider="LocalOP")
        page.goto(f"{self.app.base}/")
        page.click("#sign-in")
        page.wait_for_url(f"{self.op.issuer}/interaction/**")

    # -- 3b''. a native user signs in with a code from the outbox instead of the password

    def eve_signs_in_with_a_code(self):
        self.admin.admin_create_user(
            UserPoolId=self.pool_id, Username=EVE, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": EVE}, {"Name": "email_verified", "Value": "true"}])
        self.admin.admin_set_user_password(UserPoolId=self.pool_id, Username=EVE, Password=BOB_PASSWORD,
                                           Permanent=True)
        self.from_app()
        self.sign_in_page()
        page = self.page
        page.fill("#signInFormUsername", EVE)
        before = set(os.listdir(self.outbox)) if os.path.isdir(self.outbox) else set()
        page.get_by_role("button", name="Email me a sign-in code").click()
        page.wait_for_url(f"{self.base}/mfa?**")
        new = sorted(set(os.listdir(self.outbox)) - before)
        expect(len(new) == 1, f"no new mail in the outbox: {new}")
        with open(os.path.join(self.outbox, new[0]), encoding="utf-8", errors="replace") as f:
            found = re.search(r"code is (\d{6})", f.read())
        expect(found is not None, "no code in the mail")
        self.shot("14-sign-in-code.png")
        page.fill("input[name=code]", found.group(1))
        page.get_by_role("button", name="Sign in").click()
        claims = self.exchange(self.code_at_callback())
        expect(claims.get("email") == EVE, f"email {claims.get('email')!r}")

    # -- 3c. linking

    def link_carol(self):
        self.admin.admin_create_user(
            UserPoolId=self.pool_id, Username=BOB, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": BOB_EMAIL}, {"Name": "email_verified", "Value": "true"}])
        self.admin.admin_set_user_password(UserPoolId=self.pool_id, Username=BOB, Password=BOB_PASSWORD, Permanent=True)
        _, attributes = self.user(BOB)
        self.bob_sub = attributes["sub"]
        self.admin.admin_link_provider_for_user(
            UserPoolId=self.pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": BOB},
            SourceUser={"ProviderName": "LocalOP", "ProviderAttributeName": "Cognito_Subject",
                        "ProviderAttributeValue": "carol"})

    def carol_as_bob(self):
        self.from_app(identity_provider="LocalOP")
        self.upstream_sign_in("carol")
        claims = self.exchange(self.code_at_callback())
        expect(claims.get("sub") == self.bob_sub, f"sub {claims.get('sub')!r} instead of bob's {self.bob_sub!r}")
        expect(claims.get("cognito:username") == BOB, f"cognito:username {claims.get('cognito:username')!r}")
        self.identity(claims.get("identities"), "LocalOP", "OIDC", "carol", primary=None)

    def carol_unlinked(self):
        self.admin.admin_disable_provider_for_user(
            UserPoolId=self.pool_id,
            User={"ProviderName": "LocalOP", "ProviderAttributeName": "Cognito_Subject",
                  "ProviderAttributeValue": "carol"})
        _, attributes = self.user(BOB)
        expect("carol" not in attributes.get("identities", ""), f"bob still lists carol: {attributes.get('identities')}")
        self.from_app(identity_provider="LocalOP")
        self.upstream_sign_in("carol")
        claims = self.exchange(self.code_at_callback())
        expect(claims.get("sub") != self.bob_sub, "carol still signs in as bob")
        self.federated_claims(claims, "LocalOP_carol", "LocalOP", "OIDC", "carol")

    # -- 3d. the Facebook stand-in

    def dave_facebook(self):
        self.from_app()
        self.sign_in_page()
        self.provider_button("Facebook").click()
        self.upstream_sign_in("dave")
        claims = self.exchange(self.code_at_callback())
        self.federated_claims(claims, "Facebook_dave", "Facebook", "Facebook", "dave")
        expect(claims.get("email") == ACCOUNTS["dave"]["email"], f"email {claims.get('email')!r}")
        user, attributes = self.user("Facebook_dave")
        expect(user["UserStatus"] == "EXTERNAL_PROVIDER", f"UserStatus {user['UserStatus']}")
        expect(attributes.get("given_name") == "Dave", f"given_name {attributes.get('given_name')!r}")

    # -- 3e. the upstream refuses

    def upstream_refuses(self):
        self.from_app(identity_provider="LocalOP")
        self.upstream_sign_in("deny")
        query = self.at_callback()
        expect(query.get("error", [""])[0] in ("access_denied", "invalid_request"), f"error {query.get('error')}")
        expect("code" not in query, f"a code came with the error: {self.page.url}")


def run(steps, flow, needs=None):
    """Runs the steps in order; after a failure the rest is reported as blocked. Returns whether
    all passed. `needs`: the name of a failed earlier step these depend on (all then blocked)."""
    global passed, failed
    blocked = needs
    for name, fn in steps:
        if blocked:
            failed += 1
            print(f"FAIL {name} (blocked: {blocked} failed)")
            continue
        try:
            fn()
        except botocore.exceptions.ClientError as e:
            failed += 1
            blocked = name
            error = e.response.get("Error", {})
            print(f"FAIL {name}: {e.operation_name} answered {error.get('Code')}: {error.get('Message')}")
        except Exception as e:  # any failure of a step is reported, and the run goes on
            failed += 1
            blocked = name
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            page = flow.page
            if page is not None and not page.is_closed():
                try:
                    if page.url.startswith("chrome-error:"):
                        html = page.locator("body").inner_text()
                    else:
                        html = re.sub(r"<style.*?</style>", "<style>…</style>", page.content(), flags=re.S)
                    print("     navigations: " + "; ".join(flow.navigations[-8:]))
                    print(f"     the browser is at {page.url}; its HTML:\n{html[:6000]}")
                except PlaywrightError:
                    pass
        else:
            passed += 1
            print(f"ok   {name}")
    return blocked is None


def main():
    workdir = tempfile.mkdtemp(prefix="tessera-federation-")
    app = App("<h1>Callback</h1><p>The app received the answer of the authorization request.</p>")
    tessera = Tessera((ADMIN_KEY_ID, ADMIN_SECRET), prefix="tessera-federation-")
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"federation: Tessera at {tessera.url} on {database}, app at {app.base}")
    flow = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
            try:
                flow = Flow(workdir, tessera, app, browser)
                set_up = [
                    ("set-up: CreateUserPool (email auto-verified, custom:team)", flow.create_pool),
                    ("set-up: the upstream OP (tests/idp/op.mjs) with the idpresponse redirect", flow.start_op),
                    ("CreateIdentityProvider OIDC: endpoints discovered, username→sub added", flow.create_localop),
                    ("CreateIdentityProvider Facebook with the OP's endpoints", flow.create_facebook),
                    ("app client: an unknown provider refused; COGNITO, LocalOP, Facebook", flow.create_client),
                ]
                needs = None if run(set_up, flow) else "set-up"
                for check in [
                    ("DescribeIdentityProvider", flow.describe),
                    ("ListIdentityProviders (no ProviderDetails)", flow.list_providers),
                    ("GetIdentityProviderByIdentifier example.org", flow.by_identifier),
                    ("UpdateIdentityProvider read back", flow.update),
                    ("the same name twice: DuplicateProviderException", flow.duplicate),
                    ("an unknown name: ResourceNotFoundException", flow.unknown),
                    ("an http issuer that is not local: InvalidParameterException", flow.remote_http_issuer),
                    ("a mapping outside the schema: InvalidParameterException", flow.mapping_outside_schema),
                    ("DeleteIdentityProvider, then ResourceNotFoundException", flow.delete),
                ]:
                    run([check], flow, needs)
                run([
                    ("app → authorize → sign-in page with a button per provider", flow.alice_sign_in_page),
                    ("Continue with LocalOP → the OP as alice → idpresponse → callback", flow.alice_at_op),
                    ("tokens: LocalOP_alice, mapped claims, identities, group", flow.alice_tokens),
                    ("AdminGetUser: EXTERNAL_PROVIDER, identities, mapped attributes", flow.alice_user),
                ], flow, needs)
                run([("identity_provider=LocalOP skips the sign-in page; a changed given_name arrives",
                      flow.alice_renamed),
                     ("/logout with federated=true signs out at the OP too, then reaches the app",
                      flow.alice_signs_out_everywhere)], flow, needs)
                run([("a native user: \"Email me a sign-in code\" → the code page → callback",
                      flow.eve_signs_in_with_a_code)], flow, needs)
                run([
                    ("AdminLinkProviderForUser: carol at LocalOP → bob", flow.link_carol),
                    ("carol signs in as bob (his sub and username)", flow.carol_as_bob),
                    ("AdminDisableProviderForUser: carol becomes LocalOP_carol", flow.carol_unlinked),
                ], flow, needs)
                run([("Continue with Facebook → dave → Facebook_dave, email from /me", flow.dave_facebook)], flow, needs)
                run([("the upstream refuses: the callback gets the error and the state", flow.upstream_refuses)],
                    flow, needs)
            finally:
                browser.close()
    finally:
        if failed:
            print(f"---- last lines of the Tessera log:\n{tessera.log_tail()}")
            if flow is not None and flow.op is not None:
                print(f"---- last lines of the OP log:\n{log_tail(flow.op.log_path)}")
        if flow is not None and flow.op is not None:
            flow.op.stop()
        tessera.stop()
        app.server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"federation: {passed} passed, {failed} failed ({database})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
