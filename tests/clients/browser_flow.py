"""The hosted UI in a real browser: Debian's Chromium, driven by Python Playwright.

The script starts everything it needs: a local SMTP sink (aiosmtpd) that catches Tessera's
mail, a tiny web app on http://localhost:<port> (its page links to /oauth2/authorize and its
/callback receives the code), and its own Tessera server (`TESSERA_BIN`, default
target/debug/tessera) with `DATABASE_URL` (default: SQLite in a temporary directory). With boto3
and a test admin key it creates a pool (email as the username, email auto-verified), a public
app client with the code grant and PKCE, and a logo and CSS (SetUICustomization).

Then the browser walks, asserting on every page:
  1. app → /oauth2/authorize (PKCE S256, state, nonce) → sign-in → "Sign up" → a weak password
     refused → sign-up → confirmation code from the SMTP sink → callback with the code and the
     state → the code exchanged at /oauth2/token with the verifier → the ID token verified with
     PyJWT against the JWKS (signature, iss, aud, nonce);
  2. a new browser context: sign-in → "Forgot your password?" → code from the sink → new
     password → sign-in with the "password changed" notice → sign-in with the new password →
     callback with a code;
  3. an unregistered redirect_uri → the error page; an AdminCreateUser user → the new-password
     page → callback; the sign-in page on a phone-sized screen;
  4. the pool then requires MFA with an authenticator app: sign-in → the set-up page (QR code and
     key) → the key read off the page and the code computed here (RFC 6238, hmac + hashlib +
     struct, independent of the server) → callback → tokens; a second sign-in → the code page →
     a code of a later time step (a step is not accepted twice) → callback → tokens.
A screenshot of every page goes to docs/screenshots/ (or $BROWSER_SCREENSHOT_DIR): PNG,
1280×800 (the phone one 390×844), device scale 1. The text typed is the same on every run, so
the pictures only change when the pages do; the authenticator key and its QR code, new on every
run, are masked.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… python tests/clients/browser_flow.py

The browser is /usr/bin/chromium (or $CHROMIUM), launched headless with a fresh profile; the
script never downloads a browser. Prints "browser: N passed, M failed" and exits 1 if anything
failed; a failed step prints the page's URL and HTML.
"""

import base64
import hashlib
import hmac
import os
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import boto3
import botocore.config
import botocore.exceptions
import jwt
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from flow_kit import ROOT, App, MailSink, StepFailed, Tessera, authorization_request, expect, id_claims_for_code
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("BROWSER_SCREENSHOT_DIR", os.path.join(ROOT, "docs/screenshots"))
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000

ADMIN_KEY_ID = "AKIABROWSERTEST00001"
ADMIN_SECRET = "browser-test-secret-key-000000000000000"
JANE = "jane@example.com"
WEAK_PASSWORD = "short"
PASSWORD_1 = "Mosaic-Tiles-42"
PASSWORD_2 = "Second-Mosaic-77"
BOB = "bob@example.com"
BOB_TEMPORARY = "Temporary-Pass-1"
BOB_PASSWORD = "Bobs-Own-Pass-9"

passed = 0
failed = 0


# ---------------------------------------------------------------- TOTP (RFC 6238)

TOTP_PERIOD = 30


def totp(secret, step):
    """The 6-digit RFC 6238 code (HMAC-SHA-1) of base32 `secret` for time step `step`."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def totp_step():
    return int(time.time()) // TOTP_PERIOD


# ---------------------------------------------------------------- branding


def logo_png():
    """A small mosaic logo (168×48), made here so the test ships no binary file."""
    width, height, tile, gap = 168, 48, 10, 2
    colours = [(15, 118, 110), (20, 184, 166), (245, 158, 11), (30, 64, 175)]
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            ty, tx, iy, ix = y // (tile + gap), x // (tile + gap), y % (tile + gap), x % (tile + gap)
            if ix >= tile or iy >= tile or ty > 3:
                row += bytes((255, 255, 255, 0))
            else:
                row += bytes(colours[(tx * 7 + ty * 3 + tx // 3) % len(colours)] + (255,))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


CUSTOM_CSS = """\
.banner-customizable { background-color: #f0fdfa; }
.submitButton-customizable { background-color: #0f766e; border-color: #0f766e; }
.submitButton-customizable:hover { background-color: #115e59; }
"""


# ---------------------------------------------------------------- the flow


class Flow:
    def __init__(self, tessera, sink, app, browser):
        self.tessera, self.sink, self.app, self.browser = tessera, sink, app, browser
        self.admin = boto3.client(
            "cognito-idp", endpoint_url=tessera.url, region_name="local",
            aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )
        self.pool_id = None
        self.client_id = None
        self.page = None
        self.navigations = []
        self.pending = None  # (state, nonce, verifier) of the authorization request under way

    @property
    def base(self):
        return f"{self.tessera.url}/{self.pool_id}"

    # -- set-up

    def create_pool(self):
        pool = self.admin.create_user_pool(
            PoolName="Mosaic",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        )["UserPool"]
        self.pool_id = pool["Id"]

    def create_client(self):
        client = self.admin.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="Mosaic Gallery",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "profile"],
            CallbackURLs=[self.app.callback],
            LogoutURLs=[f"{self.app.base}/"],
            SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]
        self.client_id = client["ClientId"]

    def customize(self):
        out = self.admin.set_ui_customization(UserPoolId=self.pool_id, CSS=CUSTOM_CSS, ImageFile=logo_png())
        custom = out["UICustomization"]
        expect(custom.get("CSS") == CUSTOM_CSS, f"CSS not stored: {custom}")
        expect(custom.get("ImageUrl", "").startswith(f"{self.base}/ui/logo?"), f"ImageUrl {custom.get('ImageUrl')!r}")
        with urllib.request.urlopen(custom["ImageUrl"]) as r:
            expect(r.headers.get("Content-Type") == "image/png", f"logo served as {r.headers.get('Content-Type')}")

    def create_bob(self):
        self.admin.admin_create_user(
            UserPoolId=self.pool_id, Username=BOB, TemporaryPassword=BOB_TEMPORARY, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": BOB}, {"Name": "email_verified", "Value": "true"}],
        )

    # -- browser helpers

    def new_page(self, viewport=DESKTOP):
        if self.page is not None:
            self.page.context.close()
        context = self.browser.new_context(viewport=viewport, device_scale_factor=1, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.navigations = []
        self.page.on("response", lambda r: r.request.is_navigation_request()
                     and self.navigations.append(f"{r.status} {r.request.method} {r.url}"))
        return self.page

    def authorize_url(self, redirect_uri=None):
        url, self.pending = authorization_request(self.base, self.client_id, redirect_uri or self.app.callback)
        return url

    def shot(self, name, mask=()):
        os.makedirs(SHOTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(SHOTS, name), animations="disabled", caret="hide",
                             mask=[self.page.locator(m) for m in mask], mask_color="#8c959f")

    def on_page(self, path, *selectors):
        """The browser is on `{base}{path}` and shows every selector."""
        page = self.page
        page.wait_for_load_state()
        url = urllib.parse.urlsplit(page.url)
        expect(url.path == f"/{self.pool_id}{path}", f"expected the page {path}, the browser is at {page.url}")
        for selector in selectors:
            expect(page.locator(selector).count() > 0, f"{path}: no {selector} on the page")

    def sign_in_page_from_app(self, viewport=DESKTOP):
        page = self.new_page(viewport)
        self.app.authorize_url = self.authorize_url()
        page.goto(f"{self.app.base}/")
        page.click("#sign-in")
        self.on_page("/login", "form[method=post] input[name=_csrf]", "#signInFormUsername", "#signInFormPassword",
                     "button[name=signInSubmitButton]")

    def at_callback(self):
        """The browser landed on the app's callback with a code and the request's state."""
        page = self.page
        page.wait_for_url(f"{self.app.callback}?**")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        state = self.pending[0]
        expect(query.get("state") == [state], f"state {query.get('state')} instead of {state!r}")
        expect(len(query.get("code", [""])[0]) >= 16, f"no code in the callback {page.url}")
        expect(page.locator("h1", has_text="Signed in").count() == 1, "the app's callback page did not load")
        return query["code"][0]

    def alert_text(self):
        alert = self.page.locator("[role=alert]")
        expect(alert.count() > 0, "no message with role=alert on the page")
        return alert.first.inner_text()

    def exchange(self, code):
        """The code at /oauth2/token with the PKCE verifier; the ID token verified with PyJWT."""
        return id_claims_for_code(self.base, self.client_id, self.app.callback, code, self.pending)

    # -- walk 1: sign-up

    def sign_in_page(self):
        self.sign_in_page_from_app()
        self.shot("01-sign-in.png")

    def branding_shown(self):
        page = self.page
        expect(page.locator("link[rel=stylesheet][href*='/ui/custom.css']").count() == 1, "no link to the custom CSS")
        logo = page.locator("img[src*='/ui/logo']")
        expect(logo.count() == 1, "no logo")
        expect(page.evaluate("(img) => img.complete && img.naturalWidth", logo.element_handle()) == 168,
               "the logo did not load")

    def sign_up_page(self):
        self.page.get_by_role("link", name="Sign up").click()
        self.on_page("/signup", "input[name=username]", "input[name=password]", "input[name=_csrf]")
        self.shot("02-sign-up.png")

    def weak_password_refused(self):
        page = self.page
        page.fill("input[name=username]", JANE)
        page.fill("input[name=password]", WEAK_PASSWORD)
        page.locator("form[method=post] [type=submit]").first.click()
        self.on_page("/signup", "input[name=username]")
        text = self.alert_text()
        expect("password" in text.lower(), f"the message does not talk about the password: {text!r}")
        self.shot("03-sign-up-weak-password.png")

    def sign_up(self):
        page = self.page
        self.mail_mark = self.sink.count()
        page.fill("input[name=username]", JANE)
        page.fill("input[name=password]", PASSWORD_1)
        page.locator("form[method=post] [type=submit]").first.click()
        self.on_page("/confirm", "input[name=code]", "input[name=_csrf]")
        self.shot("04-confirm.png")

    def confirm(self):
        code = self.sink.code_for(JANE, self.mail_mark)
        page = self.page
        page.fill("input[name=code]", code)
        page.locator("form[method=post] button[type=submit]:not([value=resend])").first.click()
        self.code = self.at_callback()

    def tokens(self):
        claims = self.exchange(self.code)
        expect(claims.get("email") == JANE, f"email claim {claims.get('email')!r}")
        expect(claims.get("email_verified") is True, f"email_verified {claims.get('email_verified')!r}")

    # -- walk 2: forgotten password

    def forgot_page(self):
        self.sign_in_page_from_app()
        self.page.get_by_role("link", name="Forgot your password?").click()
        self.on_page("/forgotPassword", "input[name=username]", "input[name=_csrf]")
        self.shot("05-forgot-password.png")

    def request_code(self):
        self.mail_mark = self.sink.count()
        self.page.fill("input[name=username]", JANE)
        self.page.locator("form[method=post] [type=submit]").first.click()
        self.on_page("/confirmForgotPassword", "input[name=code]", "input[name=password]", "input[name=password_repeat]")
        self.shot("06-reset-password.png")

    def reset(self):
        code = self.sink.code_for(JANE, self.mail_mark)
        page = self.page
        page.fill("input[name=code]", code)
        page.fill("input[name=password]", PASSWORD_2)
        page.fill("input[name=password_repeat]", PASSWORD_2)
        page.locator("form[method=post] [type=submit]").first.click()
        self.on_page("/login", "#signInFormUsername")
        text = page.locator("main").inner_text()
        expect("password" in text.lower() and "changed" in text.lower(), f"no 'password changed' notice: {text!r}")
        self.shot("07-sign-in-password-changed.png")

    def old_password_refused(self):
        page = self.page
        page.fill("#signInFormUsername", JANE)
        page.fill("#signInFormPassword", PASSWORD_1)
        page.click("button[name=signInSubmitButton]")
        self.on_page("/login", "#signInFormUsername")
        text = self.alert_text()
        expect("incorrect" in text.lower(), f"unexpected message {text!r}")

    def sign_in_new_password(self):
        page = self.page
        page.fill("#signInFormUsername", JANE)
        page.fill("#signInFormPassword", PASSWORD_2)
        page.click("button[name=signInSubmitButton]")
        self.exchange(self.at_callback())

    # -- walk 3: error page, new password required, phone

    def error_page(self):
        page = self.new_page()
        response = page.goto(self.authorize_url(redirect_uri="https://attacker.example/callback"))
        page.wait_for_load_state()
        expect(urllib.parse.urlsplit(page.url).hostname == "127.0.0.1", f"the browser left Tessera: {page.url}")
        expect(response is not None and response.status == 400, f"status {response and response.status}")
        text = page.locator("body").inner_text()
        expect("An error was encountered with the requested page." in text, f"not the error page: {text!r}")
        self.shot("08-error.png")

    def new_password_required(self):
        self.sign_in_page_from_app()
        page = self.page
        page.fill("#signInFormUsername", BOB)
        page.fill("#signInFormPassword", BOB_TEMPORARY)
        page.click("button[name=signInSubmitButton]")
        self.on_page("/resetPassword", "input[name=password]", "input[name=password_repeat]", "input[name=_csrf]")
        self.shot("09-new-password.png")
        page.fill("input[name=password]", BOB_PASSWORD)
        page.fill("input[name=password_repeat]", BOB_PASSWORD)
        page.locator("form[method=post] [type=submit]").first.click()
        claims = self.exchange(self.at_callback())
        expect(claims.get("email") == BOB, f"email claim {claims.get('email')!r}")

    def phone(self):
        self.sign_in_page_from_app(PHONE)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        expect(width <= PHONE["width"], f"the sign-in page is {width} px wide on a {PHONE['width']} px screen")
        self.shot("10-sign-in-phone.png")

    # -- walk 4: MFA with an authenticator app

    def require_mfa(self):
        expect(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59 // TOTP_PERIOD) == "287082",
               "the test's TOTP generator fails the RFC 6238 test vector")
        self.admin.set_user_pool_mfa_config(
            UserPoolId=self.pool_id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True},
        )

    def sign_in_jane(self):
        self.sign_in_page_from_app()
        page = self.page
        page.fill("#signInFormUsername", JANE)
        page.fill("#signInFormPassword", PASSWORD_2)
        page.click("button[name=signInSubmitButton]")

    def mfa_setup_page(self):
        self.sign_in_jane()
        self.on_page("/mfaSetup", "svg.qr", "#totpSecret", "input[name=code][autocomplete=one-time-code]",
                     "input[name=_csrf]")
        key = self.page.locator("#totpSecret")
        self.secret = key.get_attribute("data-secret") or ""
        expect(re.fullmatch(r"[A-Z2-7]{32}", self.secret), f"no base32 key on the page: {self.secret!r}")
        expect(key.inner_text().replace(" ", "") == self.secret, f"the key shown is not the key: {key.inner_text()!r}")
        uri = self.page.locator("a[href^='otpauth://totp/']").get_attribute("href") or ""
        expect(f"secret={self.secret}&issuer=Mosaic&" in uri, f"unexpected key URI {uri!r}")
        self.shot("11-mfa-setup.png", mask=(".qr-code", "#totpSecret"))

    def mfa_set_up(self):
        self.enrol_step = totp_step()
        self.page.fill("input[name=code]", totp(self.secret, self.enrol_step))
        self.page.fill("input[name=device_name]", "Phone")
        self.page.locator("form[method=post] [type=submit]").first.click()
        claims = self.exchange(self.at_callback())
        expect(claims.get("email") == JANE, f"email claim {claims.get('email')!r}")

    def mfa_code_page(self):
        self.sign_in_jane()
        self.on_page("/mfa", "input[name=code][inputmode=numeric]", "input[name=_csrf]")
        text = self.page.locator("main").inner_text()
        expect("authenticator app" in text, f"the code page does not say where the code is: {text!r}")
        self.shot("12-mfa-code.png")

    def mfa_sign_in(self):
        # The enrolment used its time step: wait for the next one.
        while totp_step() <= self.enrol_step:
            time.sleep(0.5)
        self.page.fill("input[name=code]", totp(self.secret, totp_step()))
        self.page.locator("form[method=post] [type=submit]").first.click()
        claims = self.exchange(self.at_callback())
        expect(claims.get("email") == JANE, f"email claim {claims.get('email')!r}")


def run(steps, flow):
    """Runs the steps in order; after a failure the rest of the walk is reported as blocked."""
    global passed, failed
    blocked = None
    for name, fn in steps:
        if blocked:
            failed += 1
            print(f"FAIL {name} (blocked: {blocked} failed)")
            continue
        try:
            fn()
        except (StepFailed, PlaywrightError, botocore.exceptions.ClientError, jwt.PyJWTError, OSError) as e:
            failed += 1
            blocked = name
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            page = flow.page
            if page is not None and not page.is_closed():
                try:
                    if page.url.startswith("chrome-error:"):  # Chromium's own page: its text says enough
                        html = page.locator("body").inner_text()
                    else:
                        html = re.sub(r"<style.*?</style>", "<style>…</style>", page.content(), flags=re.S)
                    print("     navigations: " + "; ".join(flow.navigations[-6:]))
                    print(f"     the browser is at {page.url}; its HTML:\n{html[:6000]}")
                except PlaywrightError:
                    pass
        else:
            passed += 1
            print(f"ok   {name}")


def main():
    sink = MailSink()
    sink.controller.start()
    app = App("<h1>Signed in</h1><p>The app received an authorization code.</p>")
    tessera = Tessera((ADMIN_KEY_ID, ADMIN_SECRET), prefix="tessera-browser-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
    })
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"browser: Tessera at {tessera.url} on {database}, app at {app.base}, SMTP sink on {sink.port}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
            try:
                flow = Flow(tessera, sink, app, browser)
                run([
                    ("set-up: pool (email as username, auto-verified)", flow.create_pool),
                    ("set-up: public client, code grant with PKCE", flow.create_client),
                    ("set-up: SetUICustomization (logo and CSS)", flow.customize),
                    ("set-up: AdminCreateUser (temporary password)", flow.create_bob),
                ], flow)
                run([
                    ("app → authorize → sign-in page", flow.sign_in_page),
                    ("custom CSS and logo on the sign-in page", flow.branding_shown),
                    ("sign-in → sign-up page", flow.sign_up_page),
                    ("sign-up with a weak password: refused with a message", flow.weak_password_refused),
                    ("sign-up → confirmation page", flow.sign_up),
                    ("code from the SMTP sink → callback with code and state", flow.confirm),
                    ("code → tokens with the PKCE verifier; ID token verified (iss, aud, nonce)", flow.tokens),
                ], flow)
                run([
                    ("new context: sign-in → forgot password page", flow.forgot_page),
                    ("forgot password → reset page", flow.request_code),
                    ("code from the SMTP sink + new password → sign-in with a notice", flow.reset),
                    ("old password refused", flow.old_password_refused),
                    ("sign-in with the new password → callback → tokens", flow.sign_in_new_password),
                ], flow)
                run([("unregistered redirect_uri → error page", flow.error_page)], flow)
                run([("AdminCreateUser user → new password page → callback", flow.new_password_required)], flow)
                run([("sign-in page on a phone-sized screen", flow.phone)], flow)
                run([
                    ("set-up: the pool requires MFA (authenticator app)", flow.require_mfa),
                    ("sign-in → authenticator set-up page (QR code and key)", flow.mfa_setup_page),
                    ("code computed from the key → callback → tokens", flow.mfa_set_up),
                    ("second sign-in → code page", flow.mfa_code_page),
                    ("code of a later time step → callback → tokens", flow.mfa_sign_in),
                ], flow)
            finally:
                browser.close()
    finally:
        tessera_log = tessera.log_tail() if failed else ""
        tessera.stop()
        sink.controller.stop()
        app.server.shutdown()
    if failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"browser: {passed} passed, {failed} failed ({database})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
