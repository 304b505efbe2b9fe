"""The admin console in a real browser: Debian's Chromium, driven by Python Playwright.

The script starts its own Tessera (`TESSERA_BIN`, default target/debug/tessera, with
`DATABASE_URL` or SQLite in a temporary directory) and an SMTP sink, and reads the first
operator's invitation (username and temporary password) from what `tessera serve` prints once.
With boto3 and a test admin key it creates a pool `shop` (plain usernames), an app client
allowing ALLOW_USER_PASSWORD_AUTH, and CONFIRMED users with email addresses.

Then the browser walks, asserting on every page:
  1. /admin/ → the operators' pool's hosted sign-in (the console's client, its callback) →
     `admin` with the temporary password → a new password → the authenticator set-up (the key
     read off the page, the code computed here: RFC 6238, hmac + hashlib + struct) → the
     console's pool list;
  2. the pool → Users → the user found by typing their email → their page → Disable (the notice;
     USER_PASSWORD_AUTH through boto3 now fails with NotAuthorizedException) → Enable (it works
     again) → Reset password (a mail reaches the sink; the sign-in now answers
     PasswordResetRequiredException);
  3. App clients → a client with a generated secret, a callback URL and the code flow → the
     secret shown once, equal to DescribeUserPoolClient's; the client's page (GET) without it;
  4. Branding → CSS saved → the preview frame shows the sign-in page in that colour (the
     computed style read inside the frame);
  5. Sign out → /admin/ sends the browser to the sign-in again → the new password and a code of
     a later time step (a step is not accepted twice) → the console;
  6. the first Tab stop is "Skip to content"; the user page on a phone-sized screen.
Screenshots go to docs/screenshots/ (or $BROWSER_SCREENSHOT_DIR), 18-console-pools.png to
23-console-user-phone.png: PNG, 1280×800 (the phone one 390×844), device scale 1. The text
typed is the same on every run; what is new on every run (pool and client ids, the client
secret, timestamps, the user's sub) is masked, so the pictures only change when the pages do.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… python tests/clients/console_flow.py

The browser is /usr/bin/chromium (or $CHROMIUM), headless with a fresh profile. Prints
"console: N passed, M failed" and exits 1 if anything failed; a failed step prints the page's
URL and HTML.
"""

import base64
import hashlib
import hmac
import os
import re
import struct
import sys
import time
import urllib.parse

import boto3
import botocore
import botocore.config
import botocore.exceptions
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from flow_kit import ROOT, MailSink, StepFailed, Tessera, error_code, expect

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("BROWSER_SCREENSHOT_DIR", os.path.join(ROOT, "docs/screenshots"))
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000

ADMIN_KEY = ("AKIACONSOLETEST00001", "console-test-secret-key-0000000000000000")
OPERATOR_PASSWORD = "Operator-Mosaic-2026"
POOL_NAME = "shop"
JANE, JANE_EMAIL = "jane", "jane@example.com"
OTHERS = [("omar", "omar@example.com"), ("lin", "lin@example.org")]
PASSWORD = "Shop-Mosaic-42"
CLIENT_NAME = "Shop backend"
CLIENT_CALLBACK = "https://shop.example.com/callback"
BRAND_CSS = ".banner-customizable { background-color: #0b3d91; }"
BRAND_RGB = "rgb(11, 61, 145)"
# What differs on every run, greyed out in the screenshots.
MASK_POOL_ID = ".poolname code"
MASK_SUB = "dt:text-is('sub') + dd"
RANDOM_TEXT = ".poolname code, td code, time, #client-id, #client-secret"

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


# ---------------------------------------------------------------- the flow


class Flow:
    def __init__(self, tessera, sink, browser):
        self.tessera, self.sink, self.browser = tessera, sink, browser
        no_retries = botocore.config.Config(retries={"max_attempts": 1})
        self.admin = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="local",
                                  aws_access_key_id=ADMIN_KEY[0], aws_secret_access_key=ADMIN_KEY[1],
                                  config=no_retries)
        self.public = boto3.client("cognito-idp", endpoint_url=tessera.url, region_name="local",
                                   config=no_retries.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
        self.page = None
        self.navigations = []
        self.pool_id = self.client_id = None
        self.operators_pool = self.console_client = None
        self.temporary = None
        self.secret = None
        self.enrol_step = None
        self.new_client_id = self.client_secret = None

    # -- set-up

    def invitation(self):
        """The first operator, as `tessera serve` shows it once."""
        log = self.tessera.log_text()
        expect(f"The admin console is at {self.tessera.url}/admin/." in log, f"no console address in:\n{log[-2000:]}")
        found = re.search(r"^  username: (\S+)\n  temporary password: (\S+)$", log, re.M)
        expect(found is not None, f"no first operator in the server's output:\n{log[-2000:]}")
        expect(found.group(1) == "admin", f"the first operator is {found.group(1)!r}")
        self.temporary = found.group(2)
        expect(log.count(self.temporary) == 1, "the temporary password is shown more than once")
        pools = self.admin.list_user_pools(MaxResults=60)["UserPools"]
        operators = [p["Id"] for p in pools if p["Name"] == "tessera-operators"]
        expect(len(operators) == 1, f"pools {[p['Name'] for p in pools]}")
        self.operators_pool = operators[0]
        clients = self.admin.list_user_pool_clients(UserPoolId=self.operators_pool, MaxResults=60)
        console = [c["ClientId"] for c in clients["UserPoolClients"] if c["ClientName"] == "tessera-console"]
        expect(len(console) == 1, f"clients of the operators' pool: {clients['UserPoolClients']}")
        self.console_client = console[0]
        mfa = self.admin.get_user_pool_mfa_config(UserPoolId=self.operators_pool)
        expect(mfa["MfaConfiguration"] == "ON" and mfa["SoftwareTokenMfaConfiguration"]["Enabled"],
               f"the operators' pool's MFA: {mfa}")

    def create_shop(self):
        # Pools are listed in the order of their random ids (ListUserPools' and the console's):
        # a pool listed after the operators' pool keeps the list's picture the same on every run.
        for _ in range(20):
            self.pool_id = self.admin.create_user_pool(PoolName=POOL_NAME)["UserPool"]["Id"]
            listed = [p["Name"] for p in self.admin.list_user_pools(MaxResults=60)["UserPools"]]
            if listed == ["tessera-operators", POOL_NAME]:
                break
            self.admin.delete_user_pool(UserPoolId=self.pool_id)
        else:
            raise StepFailed(f"ListUserPools never listed {POOL_NAME} after the operators' pool: {listed}")
        self.client_id = self.admin.create_user_pool_client(
            UserPoolId=self.pool_id, ClientName="Shop web", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for username, address in [(JANE, JANE_EMAIL)] + OTHERS:
            self.admin.admin_create_user(
                UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}])
            self.admin.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=PASSWORD,
                                               Permanent=True)
        user = self.admin.admin_get_user(UserPoolId=self.pool_id, Username=JANE)
        expect(user["UserStatus"] == "CONFIRMED", f"jane is {user['UserStatus']}")
        self.jane_signs_in()

    def jane_signs_in(self):
        return self.public.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": JANE, "PASSWORD": PASSWORD})

    def jane_refused_with(self, code):
        got = error_code(self.jane_signs_in)
        expect(got == code, f"USER_PASSWORD_AUTH for jane gave {got}, expected {code}")

    # -- browser helpers

    def new_page(self):
        context = self.browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        self.page = context.new_page()
        self.page.on("response", lambda r: r.request.is_navigation_request()
                     and self.navigations.append(f"{r.status} {r.request.method} {r.url}"))

    def shot(self, name, mask=()):
        """A screenshot of the viewport; `mask` (selectors) and every timestamp greyed out, the
        text under them transparent (a glyph may reach past its box), the mouse hovering nothing."""
        os.makedirs(SHOTS, exist_ok=True)
        self.page.mouse.move(0, 0)
        # Through the CSSOM: the pages' CSP refuses a style element (screenshot's `style`).
        self.page.evaluate("(random) => document.querySelectorAll(random).forEach("
                           "(e) => e.style.setProperty('color', 'transparent', 'important'))", RANDOM_TEXT)
        masks = [self.page.locator(m) for m in (*mask, "time")]
        self.page.screenshot(path=os.path.join(SHOTS, name), animations="disabled", caret="hide",
                             mask=masks, mask_color="#8c959f")

    def path(self):
        return urllib.parse.urlsplit(self.page.url).path

    def on_console(self, path, title, *selectors):
        """The browser is on the console's `path` (a string or a regex), titled `title`, and
        shows every selector."""
        page = self.page
        page.wait_for_load_state()
        here = self.path()
        matches = re.fullmatch(path, here) if isinstance(path, re.Pattern) else here == path
        expect(matches, f"expected the console's {getattr(path, 'pattern', path)}, the browser is at {page.url}")
        h1 = page.locator("main h1").inner_text()
        expect(h1 == title, f"{here}: the page is titled {h1!r}, not {title!r}")
        expect(page.title().endswith("Tessera console"), f"{here}: document title {page.title()!r}")
        for selector in selectors:
            expect(page.locator(selector).count() > 0, f"{here}: no {selector} on the page")

    def on_hosted(self, path, *selectors):
        """The browser is on the operators' pool's hosted page `path`."""
        page = self.page
        page.wait_for_load_state()
        expect(self.path() == f"/{self.operators_pool}{path}",
               f"expected the operators' pool's {path}, the browser is at {page.url}")
        for selector in selectors:
            expect(page.locator(selector).count() > 0, f"{path}: no {selector} on the page")

    def notice(self, text):
        """The notice the last action left (role=status), which says `text`."""
        found = self.page.locator("main .message.notice[role=status]")
        expect(found.count() == 1, f"{self.path()}: no notice on the page")
        said = found.inner_text()
        expect(text in said, f"the notice says {said!r}, not {text!r}")

    def submit(self):
        self.page.locator("main form[method=post] [type=submit]").first.click()

    def nav(self, label, path, title, *selectors):
        """Follows the pool's navigation link `label`."""
        link = self.page.locator("nav.poolnav").get_by_role("link", name=label, exact=True)
        link.click()
        self.on_console(f"/admin/pools/{self.pool_id}{path}", title, *selectors)
        current = self.page.locator("nav.poolnav a[aria-current=page]").inner_text()
        expect(current == label, f"the navigation marks {current!r} as the current section")

    def sign_in_page(self):
        """/admin/ without a session: the hosted sign-in of the operators' pool, for the console."""
        self.page.goto(f"{self.tessera.url}/admin/")
        self.on_hosted("/login", "form[method=post] input[name=_csrf]", "#signInFormUsername", "#signInFormPassword",
                       "button[name=signInSubmitButton]")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.page.url).query)
        expect(query.get("client_id") == [self.console_client], f"client_id {query.get('client_id')}")
        expect(query.get("redirect_uri") == [f"{self.tessera.url}/admin/callback"],
               f"redirect_uri {query.get('redirect_uri')}")
        expect(query.get("code_challenge_method") == ["S256"] and query.get("state"), f"no PKCE or state: {query}")

    def sign_in(self, password):
        self.page.fill("#signInFormUsername", "admin")
        self.page.fill("#signInFormPassword", password)
        self.page.click("button[name=signInSubmitButton]")

    def at_pool_list(self):
        self.on_console("/admin/", "User pools", "form.signout button[type=submit]")
        expect(self.page.locator(".topbar .who").inner_text() == "admin", "the top bar does not name the operator")
        names = self.page.locator("tbody td:first-child a").all_inner_texts()
        expect("tessera-operators" in names and POOL_NAME in names, f"the pools listed: {names}")

    # -- 1. the first operator's first sign-in

    def first_sign_in(self):
        self.new_page()
        self.sign_in_page()
        self.sign_in(self.temporary)
        self.on_hosted("/resetPassword", "input[name=password]", "input[name=password_repeat]", "input[name=_csrf]")

    def new_password(self):
        self.page.fill("input[name=password]", OPERATOR_PASSWORD)
        self.page.fill("input[name=password_repeat]", OPERATOR_PASSWORD)
        self.submit_hosted()
        self.on_hosted("/mfaSetup", "#totpSecret", "input[name=code]", "input[name=device_name]", "input[name=_csrf]")

    def submit_hosted(self):
        self.page.locator("form[method=post] [type=submit]").first.click()

    def totp_setup(self):
        expect(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59 // TOTP_PERIOD) == "287082",
               "the test's TOTP generator fails the RFC 6238 test vector")
        key = self.page.locator("#totpSecret")
        self.secret = key.get_attribute("data-secret") or ""
        expect(re.fullmatch(r"[A-Z2-7]{32}", self.secret), f"no base32 key on the page: {self.secret!r}")
        self.enrol_step = totp_step()
        self.page.fill("input[name=code]", totp(self.secret, self.enrol_step))
        self.page.fill("input[name=device_name]", "Laptop")
        self.submit_hosted()
        self.at_pool_list()
        self.shot("18-console-pools.png", mask=("tbody td code",))

    # -- 2. a user: found, disabled, enabled, password reset

    def find_user(self):
        page = self.page
        page.locator("tbody a", has_text=POOL_NAME).click()
        self.on_console(f"/admin/pools/{self.pool_id}", "Settings", "nav.poolnav", "input#name[value=shop]")
        expect(page.locator(".poolname strong").inner_text() == POOL_NAME, "the pool's name is not in the navigation")
        hint = page.locator("fieldset", has_text="Messages").locator(".hint").inner_text()
        expect(hint.startswith("{####} is the code"), f"the messages' hint says {hint!r}")
        self.nav("Users", "/users", "Users", "form[role=search] input#q", "tbody")
        listed = page.locator("tbody td:first-child a").all_inner_texts()
        expect(sorted(listed) == sorted([JANE] + [u for u, _ in OTHERS]), f"users listed before the search: {listed}")
        page.fill("#q", JANE_EMAIL)
        page.get_by_role("button", name="Search").click()
        self.on_console(f"/admin/pools/{self.pool_id}/users", "Users")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        expect(query.get("q") == [JANE_EMAIL], f"the search's query is {query}")
        rows = page.locator("tbody tr")
        expect(rows.count() == 1, f"{rows.count()} rows found for {JANE_EMAIL}: {rows.all_inner_texts()}")
        cells = rows.first.locator("td").all_inner_texts()
        expect(cells[:4] == [JANE, JANE_EMAIL, "CONFIRMED", "yes"], f"the row found: {cells}")
        caption = page.locator("caption").inner_text()
        expect(JANE_EMAIL in caption, f"the caption {caption!r} does not say what was searched")
        self.shot("19-console-users.png", mask=(MASK_POOL_ID,))

    def user_page(self):
        self.page.locator("tbody").get_by_role("link", name=JANE, exact=True).click()
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE, "section[aria-labelledby=account] dl.facts")
        facts = self.facts("account")
        expect(facts.get("Username") == JANE and facts.get("Status") == "CONFIRMED" and facts.get("Enabled") == "yes",
               f"the account facts: {facts}")
        attributes = self.facts("attributes")
        expect(attributes.get("email") == JANE_EMAIL, f"the attributes shown: {attributes}")

    def facts(self, section):
        """The term → description pairs of a section's facts list."""
        dl = self.page.locator(f"section[aria-labelledby={section}] dl.facts")
        terms = dl.locator("dt").all_inner_texts()
        values = dl.locator("dd").all_inner_texts()
        return dict(zip(terms, values))

    def disable(self):
        self.page.get_by_role("button", name="Disable", exact=True).click()
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE)
        self.notice("User disabled")
        expect(self.facts("account").get("Enabled") == "disabled", f"the account facts: {self.facts('account')}")
        expect(self.page.get_by_role("button", name="Enable", exact=True).count() == 1, "no Enable button")
        self.shot("20-console-user.png", mask=(MASK_POOL_ID, MASK_SUB))
        self.jane_refused_with("NotAuthorizedException")

    def enable(self):
        self.page.get_by_role("button", name="Enable", exact=True).click()
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE)
        self.notice("User enabled")
        expect(self.facts("account").get("Enabled") == "yes", f"the account facts: {self.facts('account')}")
        tokens = self.jane_signs_in()["AuthenticationResult"]
        expect(tokens.get("AccessToken"), "no access token for jane")

    def reset_password(self):
        mark = self.sink.count()
        self.page.get_by_role("button", name="Reset password", exact=True).click()
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE)
        self.notice("Password reset")
        self.sink.code_for(JANE_EMAIL, mark)
        status = self.facts("account").get("Status")
        expect(status == "RESET_REQUIRED", f"the status shown: {status!r}")
        self.jane_refused_with("PasswordResetRequiredException")

    # -- 3. an app client with a secret

    def create_client(self):
        page = self.page
        self.nav("App clients", "/clients", "App clients", "input#generate_secret")
        page.fill("#client-name", CLIENT_NAME)
        page.fill("#callback_urls", CLIENT_CALLBACK)
        page.fill("#scopes", "openid email")
        page.check("#generate_secret")
        expect(page.locator("input[id='oauth.code']").is_checked(), "the code flow is not checked by default")
        page.get_by_role("button", name="Create app client").click()
        self.on_console(f"/admin/pools/{self.pool_id}/clients", CLIENT_NAME, "#client-secret", "#client-id")
        expect(page.locator(".secret-once[role=status]").count() == 1, "the secret is not announced")
        self.new_client_id = page.locator("#client-id").inner_text()
        shown = page.locator("#client-secret").inner_text()
        described = self.admin.describe_user_pool_client(UserPoolId=self.pool_id,
                                                         ClientId=self.new_client_id)["UserPoolClient"]
        expect(described.get("ClientSecret") and shown == described["ClientSecret"],
               "the secret shown is not DescribeUserPoolClient's ClientSecret")
        expect(described["CallbackURLs"] == [CLIENT_CALLBACK] and described["AllowedOAuthFlows"] == ["code"],
               f"the client saved: {described}")
        expect(described["AllowedOAuthScopes"] == ["openid", "email"], f"scopes {described['AllowedOAuthScopes']}")
        self.shot("21-console-client-secret.png", mask=(MASK_POOL_ID, "#client-secret", "#client-id"))
        self.client_secret = shown

    def secret_not_shown_again(self):
        page = self.page
        page.goto(f"{self.tessera.url}/admin/pools/{self.pool_id}/clients/{self.new_client_id}")
        self.on_console(f"/admin/pools/{self.pool_id}/clients/{self.new_client_id}", CLIENT_NAME, "#client-id")
        expect(page.locator("#client-secret").count() == 0, "the secret is shown again")
        expect(self.client_secret not in page.content(), "the secret is in the page's HTML")
        expect(self.facts("facts").get("Secret") == "yes", f"the client's facts: {self.facts('facts')}")
        self.nav("App clients", "/clients", "App clients")
        expect(self.client_secret not in page.content(), "the secret is on the list of clients")
        names = page.locator("tbody td:first-child a").all_inner_texts()
        expect(sorted(names) == sorted(["Shop web", CLIENT_NAME]), f"the clients listed: {names}")

    # -- 4. branding

    def branding(self):
        page = self.page
        self.nav("Branding", "/branding", "Branding", "textarea#css", "iframe.preview")
        page.fill("#css", BRAND_CSS)
        page.get_by_role("button", name="Save and preview").click()
        self.on_console(f"/admin/pools/{self.pool_id}/branding", "Branding", "iframe.preview")
        self.notice("Branding saved")
        expect(page.locator("#css").input_value() == BRAND_CSS, "the saved CSS is not in the form")
        frame = page.frame_locator("iframe.preview")
        banner = frame.locator(".banner-customizable")
        banner.wait_for()
        colour = banner.evaluate("(e) => getComputedStyle(e).backgroundColor")
        expect(colour == BRAND_RGB, f"the preview's banner is {colour}, not {BRAND_RGB}")
        form = frame.locator("#signInFormUsername")
        expect(form.count() == 1, "the preview is not the sign-in page")
        title = frame.locator("body").inner_text()
        expect(POOL_NAME in title, f"the preview does not name the pool: {title[:200]!r}")
        self.shot("22-console-branding.png", mask=(MASK_POOL_ID,))

    # -- 5. sign-out and a second sign-in

    def sign_out(self):
        """Sign out ends the hosted pages' session too: back at /admin/, the sign-in page."""
        mark = len(self.navigations)
        self.page.locator("form.signout").get_by_role("button", name="Sign out").click()
        self.page.wait_for_url(f"{self.tessera.url}/{self.operators_pool}/login?**")
        went = [n.split(" ")[2].split("?")[0].removeprefix(self.tessera.url) for n in self.navigations[mark:]]
        expect(went[:3] == ["/admin/signout", f"/{self.operators_pool}/logout", "/admin/"],
               f"sign-out went through {went}")
        self.on_hosted("/login", "#signInFormUsername")
        self.page.goto(f"{self.tessera.url}/admin/")
        self.on_hosted("/login", "#signInFormUsername")
        self.page.goto(f"{self.tessera.url}/admin/pools/{self.pool_id}/users/{JANE}")
        self.on_hosted("/login", "#signInFormUsername")

    def second_sign_in(self):
        self.sign_in_page()
        self.sign_in(OPERATOR_PASSWORD)
        self.on_hosted("/mfa", "input[name=code]", "input[name=_csrf]")
        # The set-up used its time step: a code of a later one.
        while totp_step() <= self.enrol_step:
            time.sleep(0.5)
        self.page.fill("input[name=code]", totp(self.secret, totp_step()))
        self.submit_hosted()
        self.at_pool_list()

    # -- 6. keyboard and phone

    def skip_link(self):
        page = self.page
        page.goto(f"{self.tessera.url}/admin/pools/{self.pool_id}/users/{JANE}")
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE)
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent,"
                                " document.activeElement.getAttribute('href')]")
        expect(focused == ["skip", "Skip to content", "#main"], f"the first Tab stop is {focused}")
        box = page.locator("a.skip").bounding_box()
        expect(box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 1, f"the focused skip link is off screen: {box}")
        page.keyboard.press("Enter")
        expect(urllib.parse.urlsplit(page.url).fragment == "main", f"Enter on the skip link went to {page.url}")

    def phone(self):
        page = self.page
        page.set_viewport_size(PHONE)
        page.goto(f"{self.tessera.url}/admin/pools/{self.pool_id}/users/{JANE}")
        self.on_console(f"/admin/pools/{self.pool_id}/users/{JANE}", JANE)
        width = page.evaluate("document.documentElement.scrollWidth")
        expect(width <= PHONE["width"], f"the user page is {width} px wide on a {PHONE['width']} px screen")
        for label in ("Enable", "Disable", "Reset password"):
            button = page.get_by_role("button", name=label, exact=True)
            if button.count():
                box = button.bounding_box()
                expect(box["x"] + box["width"] <= PHONE["width"], f"{label} sticks out: {box}")
        self.shot("23-console-user-phone.png", mask=(MASK_POOL_ID, MASK_SUB))

    def nothing_secret_logged(self):
        log = self.tessera.log_text()
        for what, value in [("the operator's password", OPERATOR_PASSWORD), ("the TOTP key", self.secret),
                            ("the client secret", self.client_secret)]:
            expect(not value or value not in log, f"{what} is in the server's log")


def run(flow, steps, needs=None):
    """Runs the steps in order; after a failure the rest of the walk is reported as blocked, and
    so is a walk whose `needs` (a walk run earlier) failed. Returns the name of the failed step."""
    global passed, failed
    blocked = needs
    for name, fn in steps:
        if blocked:
            failed += 1
            print(f"FAIL {name} (blocked: {blocked} failed)")
            continue
        try:
            fn()
        except (StepFailed, PlaywrightError, botocore.exceptions.ClientError, OSError, KeyError) as e:
            failed += 1
            blocked = name
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            page = flow.page
            if page is not None and not page.is_closed():
                try:
                    html = re.sub(r"<style.*?</style>", "<style>…</style>", page.content(), flags=re.S)
                    print("     navigations: " + "; ".join(flow.navigations[-6:]))
                    print(f"     the browser is at {page.url}; its HTML:\n{html[:6000]}")
                except PlaywrightError:
                    pass
        else:
            passed += 1
            print(f"ok   {name}")
    return blocked if blocked != needs else None


def main():
    started = time.time()
    sink = MailSink()
    sink.controller.start()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-console-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
    })
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"console: Tessera at {tessera.url} on {database}, SMTP sink on {sink.port}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
            try:
                flow = Flow(tessera, sink, browser)
                setup = run(flow, [
                    ("set-up: the first operator's invitation, shown once by tessera serve", flow.invitation),
                    ("set-up: pool shop, a client with USER_PASSWORD_AUTH, CONFIRMED users", flow.create_shop),
                ])
                signed_in = run(flow, [
                    ("/admin/ → the operators' pool's sign-in → temporary password → new password page",
                     flow.first_sign_in),
                    ("new password → authenticator set-up page", flow.new_password),
                    ("code computed from the key → the console's pool list", flow.totp_setup),
                ], setup) or setup
                run(flow, [
                    ("pool → Users → the user found by their email", flow.find_user),
                    ("the user's page", flow.user_page),
                    ("Disable → notice; USER_PASSWORD_AUTH → NotAuthorizedException", flow.disable),
                    ("Enable → notice; USER_PASSWORD_AUTH works", flow.enable),
                    ("Reset password → mail at the sink; PasswordResetRequiredException", flow.reset_password),
                ], signed_in)
                run(flow, [
                    ("App clients → a client with a secret → shown once, DescribeUserPoolClient's", flow.create_client),
                    ("the client's page (GET) and the list: no secret", flow.secret_not_shown_again),
                ], signed_in)
                run(flow, [("Branding → CSS saved → the preview frame in that colour", flow.branding)], signed_in)
                signed_in_again = run(flow, [
                    ("Sign out → /admin/ sends the browser to the sign-in", flow.sign_out),
                    ("new password + a code of a later time step → the console", flow.second_sign_in),
                ], signed_in) or signed_in
                run(flow, [
                    ("the first Tab stop is Skip to content", flow.skip_link),
                    ("the user's page on a phone-sized screen", flow.phone),
                ], signed_in_again)
                run(flow, [("no password, TOTP key or client secret in the server's log",
                            flow.nothing_secret_logged)])
            finally:
                browser.close()
    finally:
        tessera_log = tessera.log_tail() if failed else ""
        tessera.stop()
        sink.controller.stop()
    if failed:
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"console: {passed} passed, {failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
