"""Passkeys end to end: a real browser with a virtual authenticator, and boto3 with a software
authenticator.

The script starts its own Tessera (`TESSERA_BIN`, `DATABASE_URL`) with TESSERA_PUBLIC_URL
http://localhost:<port> (a passkey's relying party is a host name, never an IP address) and the
demo app (flow_kit.App). With boto3 it makes a pool whose SignInPolicy allows PASSWORD and
WEB_AUTHN, with relying party `localhost`, a public client with the code grant and
ALLOW_USER_AUTH, and two users with permanent passwords.

In Debian's Chromium, driven by Playwright, with the DevTools protocol's virtual authenticator
(WebAuthn.enable, WebAuthn.addVirtualAuthenticator: internal, resident keys, user verification):
  1. pia signs in with her password → Tessera's passkey prompt → "Add a passkey" → the browser
     makes one → the app's callback with a code → the ID token verified;
  2. sign-out; pia types her name and chooses "Sign in with a passkey" → the passkey page →
     "Use my passkey" → callback → the same user, no password typed; the pages' CSP allows
     Tessera's own script only there;
  3. with the authenticator's credentials removed, the passkey page says no passkey was used;
  4. ravi chooses "Not now" at the prompt → callback; his next sign-in is not prompted.
Then through boto3, with a software authenticator (an ES256 key of `cryptography`, "none"
attestation, the WebAuthn JSON built here): pia registers a second passkey
(StartWebAuthnRegistration, CompleteWebAuthnRegistration), lists both, signs in with USER_AUTH
WEB_AUTHN; and the refusals: a passkey of another relying party, an assertion replayed in its
session and a cloned one (the counter), a challenge from another session, a one-time code the
pool does not allow, DeleteWebAuthnCredential.

Screenshots: docs/screenshots/15-passkey-prompt.png, 16-passkey-sign-in.png and
17-sign-in-passkey-option.png (1280×800).
Prints "passkey: N passed, M failed" and exits 1 if anything failed.
"""

import base64
import hashlib
import json
import os
import secrets
import struct
import sys
import time
import urllib.parse
import urllib.request

import boto3
import botocore
import botocore.config
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import sync_playwright

from flow_kit import ROOT, App, Steps, Tessera, authorization_request, error_code, expect, id_claims_for_code

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("BROWSER_SCREENSHOT_DIR", os.path.join(ROOT, "docs/screenshots"))
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000
ADMIN_KEY = ("AKIAPASSKEYTEST00001", "passkey-test-secret-key-0000000000000000")
PIA, RAVI = "pia", "ravi"
PASSWORD = "Passkey-Mosaic-42"

suite = Steps()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftwareAuthenticator:
    """A passkey held by the test: answers WebAuthn options as a browser hands the answer over
    (RegistrationResponseJSON, AuthenticationResponseJSON), the user verified."""

    def __init__(self, rp_id, origin):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.rp_id, self.origin, self.counter = rp_id, origin, 0

    @property
    def id(self):
        return b64url(self.credential_id)

    def client_data(self, kind, challenge):
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def auth_data(self, flags):
        return hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x05 | flags]) + struct.pack(">I", self.counter)

    def cose_key(self):
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        # {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, CTAP's canonical order.
        return bytes([0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]) + x + bytes([0x22, 0x58, 0x20]) + y

    def register(self, options):
        client_data = self.client_data("webauthn.create", options["challenge"])
        data = (self.auth_data(0x40) + bytes(16) + struct.pack(">H", len(self.credential_id))
                + self.credential_id + self.cose_key())
        attestation = (bytes([0xA3, 0x63]) + b"fmt" + bytes([0x64]) + b"none" + bytes([0x67]) + b"attStmt"
                       + bytes([0xA0, 0x68]) + b"authData" + bytes([0x59]) + struct.pack(">H", len(data)) + data)
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                             "transports": ["usb"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "cross-platform"}

    def assert_(self, options, move=True):
        if move:
            self.counter += 1
        client_data = self.client_data("webauthn.get", options["challenge"])
        data = self.auth_data(0)
        signature = self.key.sign(data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": self.id, "rawId": self.id, "type": "public-key",
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(data),
                             "signature": b64url(signature)},
                "clientExtensionResults": {}, "authenticatorAttachment": "cross-platform"}


class Flow:
    def __init__(self, tessera, app, browser):
        self.tessera, self.app, self.browser = tessera, app, browser
        no_retries = botocore.config.Config(retries={"max_attempts": 1})
        self.admin = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="local",
                                  aws_access_key_id=ADMIN_KEY[0], aws_secret_access_key=ADMIN_KEY[1],
                                  config=no_retries)
        self.public = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="local",
                                   config=no_retries.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
        self.page = self.cdp = self.authenticator = None
        self.pending = None
        self.pia_sub = None
        self.origin = tessera.url  # http://localhost:<port>, an origin of relying party localhost

    @property
    def base(self):
        return f"{self.tessera.url}/{suite.state['pool']}"

    # -- set-up

    def create_pool(self):
        pool = self.admin.create_user_pool(
            PoolName="Mosaic passkeys",
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
        )["UserPool"]["Id"]
        self.admin.set_user_pool_mfa_config(
            UserPoolId=pool, WebAuthnConfiguration={"RelyingPartyId": "localhost", "UserVerification": "required"})
        config = self.admin.get_user_pool_mfa_config(UserPoolId=pool)["WebAuthnConfiguration"]
        expect(config.get("RelyingPartyId") == "localhost", f"WebAuthnConfiguration {config}")
        client = self.admin.create_user_pool_client(
            UserPoolId=pool, ClientName="Mosaic Gallery", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "profile"], CallbackURLs=[self.app.callback],
            LogoutURLs=[self.app.signed_out], SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]["ClientId"]
        for name in (PIA, RAVI):
            self.admin.admin_create_user(
                UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"},
                                {"Name": "email_verified", "Value": "true"}])
            self.admin.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
        suite.state.update(pool=pool, client=client)

    # -- browser helpers

    def new_page(self):
        """A new browser context with a fresh virtual authenticator (user verification on)."""
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable")
        self.authenticator = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
        }})["authenticatorId"]

    def from_app(self):
        """The app's sign-in link followed: the sign-in page."""
        pool, client = suite.need("pool", "client")
        url, self.pending = authorization_request(self.base, client, self.app.callback)
        self.app.authorize_url = url
        self.page.goto(f"{self.app.base}/")
        self.page.click("#sign-in")
        self.page.wait_for_url(f"{self.base}/login?**")

    def password_sign_in(self, username):
        self.from_app()
        self.page.fill("#signInFormUsername", username)
        self.page.fill("#signInFormPassword", PASSWORD)
        self.page.click("button[name=signInSubmitButton]")

    def claims_at_callback(self):
        page = self.page
        page.wait_for_url(f"{self.app.callback}?**")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        expect(query.get("state") == [self.pending[0]], f"state {query.get('state')}")
        _, client = suite.need("pool", "client")
        return id_claims_for_code(self.base, client, self.app.callback, query["code"][0], self.pending)

    def sign_out(self):
        _, client = suite.need("pool", "client")
        query = urllib.parse.urlencode({"client_id": client, "logout_uri": self.app.signed_out})
        self.page.goto(f"{self.base}/logout?{query}")
        self.page.wait_for_url(f"{self.app.signed_out}**")

    def credentials(self):
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator})["credentials"]

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(SHOTS, name), animations="disabled", caret="hide")

    # -- 1. the prompt after a password sign-in

    def pia_adds_a_passkey(self):
        self.new_page()
        self.password_sign_in(PIA)
        page = self.page
        page.wait_for_url(f"{self.base}/passkeyPrompt?**")
        expect(page.get_by_role("button", name="Add a passkey").is_visible(), "no visible 'Add a passkey' button")
        self.shot("15-passkey-prompt.png")
        page.get_by_role("button", name="Add a passkey").click()
        claims = self.claims_at_callback()
        expect(claims.get("cognito:username") == PIA, f"cognito:username {claims.get('cognito:username')!r}")
        self.pia_sub = claims["sub"]
        found = self.credentials()
        expect(len(found) == 1 and found[0]["rpId"] == "localhost", f"the authenticator holds {found}")

    # -- 2. sign-out, then the passkey alone

    def pia_signs_in_with_the_passkey(self):
        page = self.page
        self.sign_out()
        self.from_app()
        page.fill("#signInFormUsername", PIA)
        self.shot("17-sign-in-passkey-option.png")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{self.base}/passkey?**")
        self.shot("16-passkey-sign-in.png")
        before = self.credentials()[0]["signCount"]
        page.get_by_role("button", name="Use my passkey").click()
        claims = self.claims_at_callback()
        expect(claims["sub"] == self.pia_sub,
               f"sub {claims['sub']} instead of pia's {self.pia_sub}")
        after = self.credentials()[0]["signCount"]
        expect(after > before, f"the sign counter went from {before} to {after}")

    def only_passkey_pages_allow_the_script(self):
        with urllib.request.urlopen(f"{self.base}/login?{urllib.parse.urlsplit(self.app.authorize_url).query}") as r:
            login = r.headers.get("Content-Security-Policy", "")
        expect("script-src" not in login and "default-src 'none'" in login, f"the sign-in page's CSP: {login}")
        with urllib.request.urlopen(f"{self.tessera.url}/static/js/passkey.js") as r:
            expect(r.headers.get("Content-Type", "").startswith("text/javascript"), "passkey.js content type")

    # -- 3. no passkey given

    def no_passkey_is_reported(self):
        page = self.page
        self.cdp.send("WebAuthn.clearCredentials", {"authenticatorId": self.authenticator})
        self.sign_out()
        self.from_app()
        page.fill("#signInFormUsername", PIA)
        passkey_page = f"{self.base}/passkey"
        with page.expect_response(lambda r: r.url.startswith(passkey_page) and r.request.method == "GET") as got:
            page.get_by_role("button", name="Sign in with a passkey").click()
        csp = got.value.headers.get("content-security-policy", "")
        expect("script-src 'self'" in csp and "connect-src" not in csp and "default-src 'none'" in csp,
               f"the passkey page's CSP: {csp}")
        page.wait_for_url(f"{self.base}/passkey?**")
        page.get_by_role("button", name="Use my passkey").click()
        status = page.locator("#passkeyStatus")
        status.wait_for(state="visible")
        expect("No passkey was used" in status.inner_text(), f"the page says {status.inner_text()!r}")

    # -- 4. "Not now"

    def ravi_declines(self):
        self.new_page()
        self.password_sign_in(RAVI)
        self.page.wait_for_url(f"{self.base}/passkeyPrompt?**")
        self.page.get_by_role("button", name="Not now").click()
        claims = self.claims_at_callback()
        expect(claims.get("cognito:username") == RAVI, f"cognito:username {claims.get('cognito:username')!r}")
        self.sign_out()
        self.password_sign_in(RAVI)
        self.claims_at_callback()

    # -- 5. the API with a software authenticator

    def access_token(self, username):
        _, client = suite.need("pool", "client")
        out = self.public.initiate_auth(
            ClientId=client, AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})
        return out["AuthenticationResult"]["AccessToken"]

    def api_registers_a_second_passkey(self):
        token = self.access_token(PIA)
        options = self.public.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
        expect(options["rp"]["id"] == "localhost", f"rp {options['rp']}")
        key = SoftwareAuthenticator("localhost", self.origin)
        self.public.complete_web_authn_registration(AccessToken=token, Credential=key.register(options))
        listed = self.public.list_web_authn_credentials(AccessToken=token)["Credentials"]
        ids = {c["CredentialId"] for c in listed}
        expect(key.id in ids and len(listed) == 2, f"ListWebAuthnCredentials {listed}")
        mine = [c for c in listed if c["CredentialId"] == key.id][0]
        expect(mine["AuthenticatorTransports"] == ["usb"] and mine["AuthenticatorAttachment"] == "cross-platform",
               f"the software passkey is listed as {mine}")
        factors = self.public.get_user_auth_factors(AccessToken=token)["ConfiguredUserAuthFactors"]
        expect("WEB_AUTHN" in factors, f"ConfiguredUserAuthFactors {factors}")
        suite.state.update(key=key, token=token)

    def web_authn_challenge(self, username=PIA):
        _, client = suite.need("pool", "client")
        out = self.public.initiate_auth(ClientId=client, AuthFlow="USER_AUTH",
                                        AuthParameters={"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        expect(out.get("ChallengeName") == "WEB_AUTHN", f"challenge {out.get('ChallengeName')}")
        return out["Session"], json.loads(out["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])

    def answer(self, session, credential):
        _, client = suite.need("pool", "client")
        return self.public.respond_to_auth_challenge(
            ClientId=client, ChallengeName="WEB_AUTHN", Session=session,
            ChallengeResponses={"USERNAME": PIA, "CREDENTIAL": json.dumps(credential)})

    def api_signs_in_with_the_passkey(self):
        key = suite.need("key")
        session, options = self.web_authn_challenge()
        allowed = {c["id"] for c in options.get("allowCredentials", [])}
        expect(key.id in allowed and len(allowed) == 2, f"allowCredentials {allowed}")
        out = self.answer(session, key.assert_(options))
        expect("AccessToken" in out.get("AuthenticationResult", {}), f"no tokens: {out}")
        suite.state["last"] = (session, key.assert_(options, move=False))

    def api_refusals(self):
        key = suite.need("key")
        # The assertion just used, sent again in its session.
        session, used = suite.need("last")
        code = error_code(lambda: self.answer(session, used))
        expect(code == "NotAuthorizedException", f"the replayed assertion gave {code}")
        # A clone: a new challenge signed with a counter that did not move on.
        session, options = self.web_authn_challenge()
        code = error_code(lambda: self.answer(session, key.assert_(options, move=False)))
        expect(code == "NotAuthorizedException", f"the cloned assertion gave {code}")
        # Another relying party's passkey.
        session, options = self.web_authn_challenge()
        key.rp_id = "example.com"
        code = error_code(lambda: self.answer(session, key.assert_(options)))
        key.rp_id = "localhost"
        expect(code == "NotAuthorizedException", f"another relying party gave {code}")
        # A challenge from another session.
        _, first = self.web_authn_challenge()
        second_session, _ = self.web_authn_challenge()
        code = error_code(lambda: self.answer(second_session, key.assert_(first)))
        expect(code == "NotAuthorizedException", f"another session's challenge gave {code}")
        # Still good afterwards.
        session, options = self.web_authn_challenge()
        self.answer(session, key.assert_(options))

    def api_otp_not_allowed(self):
        _, client = suite.need("pool", "client")
        out = self.public.initiate_auth(ClientId=client, AuthFlow="USER_AUTH",
                                        AuthParameters={"USERNAME": PIA, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
        expect(out.get("ChallengeName") == "SELECT_CHALLENGE", f"challenge {out.get('ChallengeName')}")
        expect("EMAIL_OTP" not in out.get("AvailableChallenges", []), f"offered {out.get('AvailableChallenges')}")
        code = error_code(lambda: self.public.respond_to_auth_challenge(
            ClientId=client, ChallengeName="SELECT_CHALLENGE", Session=out["Session"],
            ChallengeResponses={"USERNAME": PIA, "ANSWER": "EMAIL_OTP"}))
        expect(code == "InvalidParameterException", f"answering EMAIL_OTP gave {code}")

    def api_deletes_the_passkey(self):
        key, token = suite.need("key", "token")
        self.public.delete_web_authn_credential(AccessToken=token, CredentialId=key.id)
        listed = self.public.list_web_authn_credentials(AccessToken=token)["Credentials"]
        expect(key.id not in {c["CredentialId"] for c in listed}, f"still listed: {listed}")
        session, options = self.web_authn_challenge()
        code = error_code(lambda: self.answer(session, key.assert_(options)))
        expect(code == "NotAuthorizedException", f"the deleted passkey gave {code}")


def main():
    started = time.time()
    app = App("<h1>Callback</h1><p>The app received the answer of the authorization request.</p>")
    tessera = Tessera(ADMIN_KEY, prefix="tessera-passkey-", public_host="localhost")
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"passkey: Tessera at {tessera.url} on {database}, app at {app.base}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
            try:
                flow = Flow(tessera, app, browser)
                for name, fn in [
                    ("set-up: a pool allowing PASSWORD and WEB_AUTHN, relying party localhost; two users",
                     flow.create_pool),
                    ("1 pia signs in with her password → the prompt → Add a passkey → callback", flow.pia_adds_a_passkey),
                    ("2 signed out; Sign in with a passkey → Use my passkey → callback as pia",
                     flow.pia_signs_in_with_the_passkey),
                    ("2 CSP: no script on the sign-in page; passkey.js served by Tessera",
                     flow.only_passkey_pages_allow_the_script),
                    ("3 CSP of the passkey page: Tessera's script only; no passkey in the authenticator: "
                     "the page says so", flow.no_passkey_is_reported),
                    ("4 ravi: Not now → callback; not prompted again in this browser", flow.ravi_declines),
                    ("5 boto3: Start/CompleteWebAuthnRegistration with a software authenticator; listed",
                     flow.api_registers_a_second_passkey),
                    ("5 boto3: USER_AUTH WEB_AUTHN with the software passkey → tokens",
                     flow.api_signs_in_with_the_passkey),
                    ("5 refused: replayed and cloned assertions, another relying party, another session",
                     flow.api_refusals),
                    ("5 EMAIL_OTP, which the pool does not allow: not offered, not accepted", flow.api_otp_not_allowed),
                    ("5 DeleteWebAuthnCredential: gone, and refused at sign-in", flow.api_deletes_the_passkey),
                ]:
                    suite.run(name, fn)
            finally:
                browser.close()
    finally:
        if suite.failed:
            print(f"---- last lines of the Tessera log:\n{tessera.log_tail()}")
        tessera.stop()
        app.server.shutdown()
    print(f"passkey: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
