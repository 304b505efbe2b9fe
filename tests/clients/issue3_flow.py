"""Issue 3's "done when", driven by real clients against a running Tessera.

boto3 (the public actions unsigned, as an app without AWS credentials sends them) does SignUp →
code from mail → ConfirmSignUp → InitiateAuth (USER_PASSWORD_AUTH) → GetUser →
UpdateUserAttributes → ChangePassword → REFRESH_TOKEN_AUTH → GlobalSignOut (the old tokens then
fail) → ForgotPassword → code from mail → ConfirmForgotPassword → sign-in; an admin-created
user goes through NEW_PASSWORD_REQUIRED; PyJWT verifies the tokens against the pool's JWKS;
amazon-cognito-identity-js (Node, tests/clients/srp_acij.mjs) and pycognito sign in with SRP,
with the right and a wrong password.

Only the endpoint differs from real Cognito. The admin calls use Tessera's admin key
(`{TESSERA_DATA_DIR}/admin-key.txt`) and codes are read from the mail outbox
(`{TESSERA_DATA_DIR}/outbox/*.eml`, where Tessera writes mail when no SMTP server is set).

    TESSERA_URL=http://127.0.0.1:9339 TESSERA_DATA_DIR=./data \\
      TESSERA_NODE_DIR=target/node-clients python tests/clients/issue3_flow.py

TESSERA_PUBLIC_URL (default TESSERA_URL) is the issuer base; TESSERA_NODE_DIR holds the
node_modules of tests/clients/package.json (tests/run.sh installs it); NODE is the node binary.
Every check is a named step; a step whose input an earlier step failed to produce fails as
"blocked". Prints "issue3: N passed, M failed" and exits 1 if anything failed.
"""

import base64
import email
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import botocore
import botocore.config
import botocore.exceptions

try:
    import jwt
except ImportError as e:  # reported as failed steps, not a traceback
    jwt = None
    JWT_IMPORT_ERROR = str(e)
try:
    import pycognito
except ImportError as e:
    pycognito = None
    PYCOGNITO_IMPORT_ERROR = str(e)

URL = os.environ.get("TESSERA_URL", "http://127.0.0.1:9339").rstrip("/")
PUBLIC_URL = os.environ.get("TESSERA_PUBLIC_URL", URL).rstrip("/")
DATA_DIR = os.environ.get("TESSERA_DATA_DIR", "./data")
NODE = os.environ.get("NODE", "node")
NODE_DIR = os.environ.get("TESSERA_NODE_DIR", "")
HERE = os.path.dirname(os.path.abspath(__file__))

INCORRECT = "Incorrect username or password."

passed = 0
failed = 0
state = {}


class StepFailed(Exception):
    pass


class Blocked(Exception):
    pass


def need(*keys):
    """The values earlier steps put in `state`; Blocked if one of them is missing."""
    missing = [k for k in keys if state.get(k) is None]
    if missing:
        raise Blocked(f"needs {', '.join(missing)} from an earlier step")
    return [state[k] for k in keys] if len(keys) > 1 else state[keys[0]]


def expect(condition, detail):
    if not condition:
        raise StepFailed(detail)


def step(name, fn):
    """Runs one named check; any error becomes a FAIL line with a one-line reason."""
    global passed, failed
    try:
        fn()
    except Blocked as e:
        failed += 1
        print(f"FAIL {name} (blocked: {e})")
    except StepFailed as e:
        failed += 1
        print(f"FAIL {name}: {e}")
    except botocore.exceptions.ClientError as e:
        failed += 1
        err = e.response.get("Error", {})
        print(f"FAIL {name}: {e.operation_name} answered {err.get('Code')}: {err.get('Message')}")
    except Exception as e:  # a client library's own exception, a KeyError on a missing field…
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {name}")


def expect_error(code, call, message=None, **kwargs):
    """The call must fail with this Cognito error (and message, when given)."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        text = e.response["Error"].get("Message")
        expect(got == code, f"expected {code}, got {got}: {text}")
        expect(message is None or text == message, f"expected message {message!r}, got {text!r}")
        return
    raise StepFailed(f"expected {code}, but the call succeeded")


# ---------------------------------------------------------------- clients, mail, helpers


def read_key():
    values = {}
    with open(os.path.join(DATA_DIR, "admin-key.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                values[k] = v
    return values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]


def admin_client():
    key_id, secret = read_key()
    return boto3.client(
        "cognito-idp", endpoint_url=URL, region_name="local",
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def public_client():
    """What an app without AWS credentials uses: the public actions are not signed."""
    return boto3.client(
        "cognito-idp", endpoint_url=URL, region_name="local",
        config=botocore.config.Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
    )


def secret_hash(username, client_id, client_secret):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


seen_mail = set()


def text_of(message):
    if message.is_multipart():
        parts = [p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain"]
        return "\n".join(parts)
    return message.get_payload(decode=True).decode()


def code_from_mail(address, timeout=10):
    """The 6-digit code in the next mail (not seen before) to `address`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(DATA_DIR, "outbox", "*.eml")), key=os.path.getmtime):
            if path in seen_mail:
                continue
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read())
            if address not in message.get("To", ""):
                continue
            seen_mail.add(path)
            found = re.search(r"\b(\d{6})\b", text_of(message))
            expect(found is not None, f"no 6-digit code in the mail to {address}: {text_of(message)!r}")
            return found.group(1)
        time.sleep(0.2)
    raise StepFailed(f"no new mail to {address} in {DATA_DIR}/outbox within {timeout} s")


def claims_of(token, token_use, client_id):
    """Verifies a JWT with PyJWT against the pool's JWKS, as any relying party does."""
    if jwt is None:
        raise StepFailed(f"PyJWT is not installed: {JWT_IMPORT_ERROR}")
    pool_id = need("pool_id")
    issuer = f"{PUBLIC_URL}/{pool_id}"
    keys = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json", cache_keys=False)
    key = keys.get_signing_key_from_jwt(token)
    options = {"require": ["exp", "iat", "iss", "sub", "token_use"]}
    if token_use == "access":
        claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, options={**options, "verify_aud": False})
        expect("aud" not in claims, f"an access token has no aud, got {claims.get('aud')!r}")
        expect(claims.get("client_id") == client_id, f"client_id {claims.get('client_id')!r}")
    else:
        claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, audience=client_id, options=options)
    expect(claims.get("token_use") == token_use, f"token_use {claims.get('token_use')!r}, expected {token_use!r}")
    return claims


def attributes(user):
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", user.get("Attributes", []))}


def tokens_of(result, what):
    auth = result.get("AuthenticationResult")
    expect(auth is not None, f"{what}: no AuthenticationResult; got {sorted(result)} (challenge {result.get('ChallengeName')})")
    for field in ("AccessToken", "IdToken"):
        expect(auth.get(field), f"{what}: no {field}")
    expect(auth.get("TokenType") == "Bearer", f"{what}: TokenType {auth.get('TokenType')!r}")
    expect(isinstance(auth.get("ExpiresIn"), int) and auth["ExpiresIn"] > 0, f"{what}: ExpiresIn {auth.get('ExpiresIn')!r}")
    return auth


# ---------------------------------------------------------------- set-up

admin = None
idp = None

PASSWORD_1 = "Initial-Pass-1"
PASSWORD_2 = "Changed-Pass-2"
PASSWORD_3 = "Recovered-Pass-3"
ALICE = "alice"
ALICE_MAIL = f"alice.{uuid.uuid4().hex[:8]}@example.com"


def setup_pool():
    pool = admin.create_user_pool(
        PoolName="issue3-flow",
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
    )["UserPool"]
    state["pool_id"] = pool["Id"]


def setup_clients():
    pool_id = need("pool_id")
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    confidential = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="server-app", GenerateSecret=True, ExplicitAuthFlows=flows,
    )["UserPoolClient"]
    public = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="browser-app", GenerateSecret=False, ExplicitAuthFlows=flows,
    )["UserPoolClient"]
    expect(confidential.get("ClientSecret"), "the confidential client has no secret")
    state["client_id"], state["client_secret"] = confidential["ClientId"], confidential["ClientSecret"]
    state["public_client_id"] = public["ClientId"]


def sh(username):
    client_id, client_secret = need("client_id", "client_secret")
    return secret_hash(username, client_id, client_secret)


def password_auth(username, password):
    return idp.initiate_auth(
        ClientId=need("client_id"), AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, "SECRET_HASH": sh(username)},
    )


# ---------------------------------------------------------------- flow A: self-service user


def sign_up():
    result = idp.sign_up(
        ClientId=need("client_id"), SecretHash=sh(ALICE), Username=ALICE, Password=PASSWORD_1,
        UserAttributes=[{"Name": "email", "Value": ALICE_MAIL}, {"Name": "name", "Value": "Alice"}],
    )
    expect(result.get("UserConfirmed") is False, f"UserConfirmed {result.get('UserConfirmed')!r}")
    expect(re.fullmatch(r"[0-9a-f-]{36}", result.get("UserSub", "")), f"UserSub {result.get('UserSub')!r}")
    delivery = result.get("CodeDeliveryDetails", {})
    expect(delivery.get("DeliveryMedium") == "EMAIL" and delivery.get("AttributeName") == "email", f"CodeDeliveryDetails {delivery}")
    expect(delivery.get("Destination") == "a***@e***", f"Destination {delivery.get('Destination')!r} is not masked like a***@e***")
    state["alice_sub"] = result["UserSub"]


def sign_up_duplicate():
    need("alice_sub")
    expect_error("UsernameExistsException", idp.sign_up, ClientId=need("client_id"), SecretHash=sh(ALICE),
                 Username=ALICE, Password=PASSWORD_1, UserAttributes=[{"Name": "email", "Value": ALICE_MAIL}])


def sign_up_code_from_mail():
    need("alice_sub")
    state["signup_code"] = code_from_mail(ALICE_MAIL)


def sign_in_unconfirmed():
    need("alice_sub")
    expect_error("UserNotConfirmedException", password_auth, username=ALICE, password=PASSWORD_1)


def confirm_wrong_code():
    code = need("signup_code")
    wrong = "000000" if code != "000000" else "111111"
    expect_error("CodeMismatchException", idp.confirm_sign_up, ClientId=need("client_id"), SecretHash=sh(ALICE),
                 Username=ALICE, ConfirmationCode=wrong)


def confirm_sign_up():
    idp.confirm_sign_up(ClientId=need("client_id"), SecretHash=sh(ALICE), Username=ALICE,
                        ConfirmationCode=need("signup_code"))
    user = admin.admin_get_user(UserPoolId=need("pool_id"), Username=ALICE)
    expect(user["UserStatus"] == "CONFIRMED", f"status {user['UserStatus']}")
    expect(attributes(user).get("email_verified") == "true", f"email_verified {attributes(user).get('email_verified')!r}")
    state["alice_confirmed"] = True


def sign_in_wrong_password():
    need("alice_confirmed")
    expect_error("NotAuthorizedException", password_auth, message=INCORRECT, username=ALICE, password="Wrong-Pass-9")


def sign_in_password():
    need("alice_confirmed")
    result = password_auth(ALICE, PASSWORD_1)
    auth = tokens_of(result, "USER_PASSWORD_AUTH")
    expect(auth.get("RefreshToken"), "no RefreshToken")
    expect(result.get("ChallengeParameters") == {}, f"ChallengeParameters {result.get('ChallengeParameters')!r}")
    state["alice_tokens"] = auth


def id_token_verified():
    auth = need("alice_tokens")
    claims = claims_of(auth["IdToken"], "id", need("client_id"))
    expect(claims.get("cognito:username") == ALICE, f"cognito:username {claims.get('cognito:username')!r}")
    expect(claims.get("sub") == need("alice_sub"), f"sub {claims.get('sub')!r}")
    expect(claims.get("email") == ALICE_MAIL and claims.get("email_verified") is True, f"email claims {claims.get('email')!r} {claims.get('email_verified')!r}")
    expect(isinstance(claims.get("auth_time"), int), f"auth_time {claims.get('auth_time')!r}")
    expect(claims.get("origin_jti") and claims.get("jti") and claims.get("event_id"), "origin_jti/jti/event_id missing")


def access_token_verified():
    auth = need("alice_tokens")
    claims = claims_of(auth["AccessToken"], "access", need("client_id"))
    expect(claims.get("username") == ALICE, f"username {claims.get('username')!r}")
    expect(claims.get("scope") == "aws.cognito.signin.user.admin", f"scope {claims.get('scope')!r}")
    id_kid = jwt.get_unverified_header(auth["IdToken"]).get("kid")
    access_kid = jwt.get_unverified_header(auth["AccessToken"]).get("kid")
    expect(id_kid and access_kid and id_kid != access_kid, f"ID and access tokens share kid {id_kid!r}")


def openid_configuration():
    pool_id = need("pool_id")
    issuer = f"{PUBLIC_URL}/{pool_id}"
    address = f"{issuer}/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(address, timeout=10) as r:
            doc = json.load(r)
    except urllib.error.HTTPError as e:
        raise StepFailed(f"GET {address} answered HTTP {e.code}") from None
    expect(doc.get("issuer") == issuer, f"issuer {doc.get('issuer')!r}")
    expect(doc.get("jwks_uri") == f"{issuer}/.well-known/jwks.json", f"jwks_uri {doc.get('jwks_uri')!r}")


def get_user():
    auth = need("alice_tokens")
    user = idp.get_user(AccessToken=auth["AccessToken"])
    attrs = attributes(user)
    expect(user.get("Username") == ALICE, f"Username {user.get('Username')!r}")
    expect(attrs.get("sub") == need("alice_sub") and attrs.get("email") == ALICE_MAIL, f"attributes {attrs}")


def update_user_attributes():
    auth = need("alice_tokens")
    idp.update_user_attributes(AccessToken=auth["AccessToken"],
                               UserAttributes=[{"Name": "name", "Value": "Alice Liddell"}])
    attrs = attributes(idp.get_user(AccessToken=auth["AccessToken"]))
    expect(attrs.get("name") == "Alice Liddell", f"name {attrs.get('name')!r}")


def change_password_wrong_previous():
    auth = need("alice_tokens")
    expect_error("NotAuthorizedException", idp.change_password, AccessToken=auth["AccessToken"],
                 PreviousPassword="Not-The-Pass-1", ProposedPassword=PASSWORD_2)


def change_password():
    auth = need("alice_tokens")
    idp.change_password(AccessToken=auth["AccessToken"], PreviousPassword=PASSWORD_1, ProposedPassword=PASSWORD_2)
    state["alice_password"] = PASSWORD_2


def old_password_refused():
    need("alice_password")
    expect_error("NotAuthorizedException", password_auth, message=INCORRECT, username=ALICE, password=PASSWORD_1)


def new_password_works():
    password = need("alice_password")
    state["alice_tokens"] = tokens_of(password_auth(ALICE, password), "sign-in with the changed password")


def refresh():
    auth = need("alice_tokens")
    # SECRET_HASH of a refresh uses the internal username (cognito:username), not an alias.
    internal = jwt.decode(auth["IdToken"], options={"verify_signature": False})["cognito:username"]
    result = idp.initiate_auth(
        ClientId=need("client_id"), AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": sh(internal)},
    )
    fresh = tokens_of(result, "REFRESH_TOKEN_AUTH")
    expect("RefreshToken" not in fresh, "a refresh without rotation returns no new RefreshToken")
    claims = claims_of(fresh["IdToken"], "id", need("client_id"))
    expect(claims.get("sub") == need("alice_sub"), f"sub {claims.get('sub')!r}")
    idp.get_user(AccessToken=fresh["AccessToken"])
    state["alice_refreshed_access"] = fresh["AccessToken"]


def global_sign_out():
    auth = need("alice_tokens")
    idp.global_sign_out(AccessToken=auth["AccessToken"])
    state["alice_signed_out"] = auth


def old_access_token_refused():
    auth = need("alice_signed_out")
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=auth["AccessToken"])


def refreshed_access_token_refused():
    need("alice_signed_out")
    expect_error("NotAuthorizedException", idp.get_user, AccessToken=need("alice_refreshed_access"))


def old_refresh_token_refused():
    auth = need("alice_signed_out")
    expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=need("client_id"), AuthFlow="REFRESH_TOKEN_AUTH",
                 AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": sh(ALICE)})


def forgot_password():
    need("alice_confirmed")
    result = idp.forgot_password(ClientId=need("client_id"), SecretHash=sh(ALICE), Username=ALICE)
    delivery = result.get("CodeDeliveryDetails", {})
    expect(delivery.get("DeliveryMedium") == "EMAIL" and delivery.get("Destination") == "a***@e***", f"CodeDeliveryDetails {delivery}")
    state["reset_code"] = code_from_mail(ALICE_MAIL)


def confirm_forgot_wrong_code():
    code = need("reset_code")
    wrong = "000000" if code != "000000" else "111111"
    expect_error("CodeMismatchException", idp.confirm_forgot_password, ClientId=need("client_id"), SecretHash=sh(ALICE),
                 Username=ALICE, ConfirmationCode=wrong, Password=PASSWORD_3)


def confirm_forgot_password():
    idp.confirm_forgot_password(ClientId=need("client_id"), SecretHash=sh(ALICE), Username=ALICE,
                                ConfirmationCode=need("reset_code"), Password=PASSWORD_3)
    state["alice_password"] = PASSWORD_3
    state["alice_recovered"] = True


def reset_code_single_use():
    need("alice_recovered")
    try:
        idp.confirm_forgot_password(ClientId=need("client_id"), SecretHash=sh(ALICE), Username=ALICE,
                                    ConfirmationCode=need("reset_code"), Password="Another-Pass-4")
    except botocore.exceptions.ClientError as e:
        code = e.response["Error"]["Code"]
        expect(code in ("ExpiredCodeException", "CodeMismatchException"), f"got {code}")
        return
    raise StepFailed("a used reset code was accepted again")


def sign_in_after_recovery():
    need("alice_recovered")
    tokens_of(password_auth(ALICE, PASSWORD_3), "sign-in after recovery")
    expect_error("NotAuthorizedException", password_auth, message=INCORRECT, username=ALICE, password=PASSWORD_2)


# ---------------------------------------------------------------- flow B: admin-created user

BOB = "bob"
BOB_TEMPORARY = "Temporary-Pass-5"
BOB_PASSWORD = "Bobs-Own-Pass-6"


def admin_create_bob():
    user = admin.admin_create_user(
        UserPoolId=need("pool_id"), Username=BOB, TemporaryPassword=BOB_TEMPORARY, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )["User"]
    expect(user["UserStatus"] == "FORCE_CHANGE_PASSWORD", f"status {user['UserStatus']}")
    state["bob_created"] = True


def bob_gets_new_password_required():
    need("bob_created")
    result = password_auth(BOB, BOB_TEMPORARY)
    expect(result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED", f"ChallengeName {result.get('ChallengeName')!r}")
    expect("AuthenticationResult" not in result, "tokens before the new password")
    params = result.get("ChallengeParameters", {})
    expect(params.get("USER_ID_FOR_SRP") == BOB, f"USER_ID_FOR_SRP {params.get('USER_ID_FOR_SRP')!r}")
    expect(json.loads(params.get("requiredAttributes", "null")) == [], f"requiredAttributes {params.get('requiredAttributes')!r}")
    shown = json.loads(params.get("userAttributes", "{}"))
    expect(shown.get("email") == "bob@example.com", f"userAttributes {shown}")
    expect(result.get("Session") and 20 <= len(result["Session"]) <= 2048, "Session missing or out of 20-2048 chars")
    state["bob_session"] = result["Session"]


def bob_sets_new_password():
    session = need("bob_session")
    result = idp.respond_to_auth_challenge(
        ClientId=need("client_id"), ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
        ChallengeResponses={"USERNAME": BOB, "NEW_PASSWORD": BOB_PASSWORD, "SECRET_HASH": sh(BOB),
                            "userAttributes.given_name": "Bob"},
    )
    auth = tokens_of(result, "NEW_PASSWORD_REQUIRED")
    claims = claims_of(auth["IdToken"], "id", need("client_id"))
    expect(claims.get("cognito:username") == BOB, f"cognito:username {claims.get('cognito:username')!r}")
    user = admin.admin_get_user(UserPoolId=need("pool_id"), Username=BOB)
    expect(user["UserStatus"] == "CONFIRMED", f"status {user['UserStatus']}")
    expect(attributes(user).get("given_name") == "Bob", f"given_name {attributes(user).get('given_name')!r}")
    state["bob_confirmed"] = True


def bob_session_single_use():
    session = need("bob_session")
    need("bob_confirmed")
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=need("client_id"),
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
                 ChallengeResponses={"USERNAME": BOB, "NEW_PASSWORD": "Yet-Another-7", "SECRET_HASH": sh(BOB)})


def bob_signs_in():
    need("bob_confirmed")
    tokens_of(password_auth(BOB, BOB_PASSWORD), "sign-in with the new password")
    expect_error("NotAuthorizedException", password_auth, message=INCORRECT, username=BOB, password=BOB_TEMPORARY)


# ---------------------------------------------------------------- flow C: SRP with real clients

CAROL = "carol"
CAROL_PASSWORD = "Srp-Secret-Pass-8"


def create_carol():
    pool_id = need("pool_id")
    admin.admin_create_user(UserPoolId=pool_id, Username=CAROL, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": "carol@example.com"}, {"Name": "email_verified", "Value": "true"}])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=CAROL, Password=CAROL_PASSWORD, Permanent=True)
    state["carol"] = True


def run_acij(password):
    need("carol")
    node = shutil.which(NODE)
    expect(node is not None, f"node ({NODE}) is not installed")
    env = dict(os.environ, TESSERA_URL=URL, POOL_ID=need("pool_id"), CLIENT_ID=need("public_client_id"),
               USERNAME=CAROL, PASSWORD=password)
    if NODE_DIR:
        env["TESSERA_NODE_DIR"] = NODE_DIR
    done = subprocess.run([node, os.path.join(HERE, "srp_acij.mjs")], env=env, capture_output=True, text=True, timeout=60)
    lines = done.stdout.strip().splitlines()
    expect(done.returncode == 0 and lines, f"srp_acij.mjs exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def acij_right_password():
    result = run_acij(CAROL_PASSWORD)
    expect(result.get("ok"), f"sign-in failed: {result.get('code')}: {result.get('message')}")
    expect(result.get("flow") == "USER_SRP_AUTH", f"flow {result.get('flow')!r}")
    claims = claims_of(result["idToken"], "id", need("public_client_id"))
    expect(claims.get("cognito:username") == CAROL, f"cognito:username {claims.get('cognito:username')!r}")
    claims_of(result["accessToken"], "access", need("public_client_id"))
    expect(result.get("refreshToken"), "no refresh token")


def acij_wrong_password():
    result = run_acij("Wrong-Srp-Pass-9")
    expect(not result.get("ok"), "signed in with a wrong password")
    expect(result.get("code") == "NotAuthorizedException" and result.get("message") == INCORRECT,
           f"expected NotAuthorizedException {INCORRECT!r}, got {result.get('code')}: {result.get('message')!r}")


def pycognito_user(client_id, client_secret=None):
    if pycognito is None:
        raise StepFailed(f"pycognito is not installed: {PYCOGNITO_IMPORT_ERROR}")
    # pycognito derives the issuer it checks from endpoint_url: {endpoint_url}/{pool_id}.
    return pycognito.Cognito(
        need("pool_id"), client_id, username=CAROL, client_secret=client_secret,
        boto3_client_kwargs={"endpoint_url": URL, "region_name": "local",
                             "config": botocore.config.Config(signature_version=botocore.UNSIGNED)},
    )


def pycognito_right_password():
    need("carol")
    user = pycognito_user(need("public_client_id"))
    user.authenticate(password=CAROL_PASSWORD)  # verifies both tokens against the JWKS itself
    expect(user.id_token and user.access_token and user.refresh_token, "tokens missing")
    claims = claims_of(user.id_token, "id", need("public_client_id"))
    expect(claims.get("cognito:username") == CAROL, f"cognito:username {claims.get('cognito:username')!r}")


def pycognito_wrong_password():
    need("carol")
    user = pycognito_user(need("public_client_id"))
    expect_error("NotAuthorizedException", user.authenticate, message=INCORRECT, password="Wrong-Srp-Pass-9")


def pycognito_with_client_secret():
    need("carol")
    user = pycognito_user(need("client_id"), need("client_secret"))
    user.authenticate(password=CAROL_PASSWORD)
    expect(user.id_token, "no ID token")


def main():
    global admin, idp
    print(f"issue3: Tessera at {URL}, issuer base {PUBLIC_URL}, data dir {DATA_DIR}")
    admin = admin_client()
    idp = public_client()
    steps = [
        ("set-up: pool", setup_pool),
        ("set-up: clients with and without secret", setup_clients),
        ("SignUp", sign_up),
        ("SignUp again: UsernameExistsException", sign_up_duplicate),
        ("sign-up code from mail", sign_up_code_from_mail),
        ("InitiateAuth before confirming: UserNotConfirmedException", sign_in_unconfirmed),
        ("ConfirmSignUp wrong code: CodeMismatchException", confirm_wrong_code),
        ("ConfirmSignUp", confirm_sign_up),
        ("InitiateAuth wrong password: NotAuthorizedException", sign_in_wrong_password),
        ("InitiateAuth USER_PASSWORD_AUTH", sign_in_password),
        ("ID token verified with PyJWT against the JWKS", id_token_verified),
        ("access token verified with PyJWT, its own key", access_token_verified),
        ("openid-configuration", openid_configuration),
        ("GetUser", get_user),
        ("UpdateUserAttributes", update_user_attributes),
        ("ChangePassword wrong previous: NotAuthorizedException", change_password_wrong_previous),
        ("ChangePassword", change_password),
        ("old password refused", old_password_refused),
        ("new password signs in", new_password_works),
        ("REFRESH_TOKEN_AUTH", refresh),
        ("GlobalSignOut", global_sign_out),
        ("GetUser with the signed-out access token: NotAuthorizedException", old_access_token_refused),
        ("GetUser with a refreshed access token: NotAuthorizedException", refreshed_access_token_refused),
        ("refresh with the signed-out refresh token: NotAuthorizedException", old_refresh_token_refused),
        ("ForgotPassword and the code from mail", forgot_password),
        ("ConfirmForgotPassword wrong code: CodeMismatchException", confirm_forgot_wrong_code),
        ("ConfirmForgotPassword", confirm_forgot_password),
        ("reset code is single use", reset_code_single_use),
        ("sign-in after recovery", sign_in_after_recovery),
        ("AdminCreateUser", admin_create_bob),
        ("InitiateAuth: NEW_PASSWORD_REQUIRED", bob_gets_new_password_required),
        ("RespondToAuthChallenge NEW_PASSWORD_REQUIRED", bob_sets_new_password),
        ("challenge Session is single use", bob_session_single_use),
        ("admin-created user signs in with the new password", bob_signs_in),
        ("set-up: SRP user", create_carol),
        ("amazon-cognito-identity-js SRP, right password", acij_right_password),
        ("amazon-cognito-identity-js SRP, wrong password", acij_wrong_password),
        ("pycognito SRP, right password", pycognito_right_password),
        ("pycognito SRP, wrong password", pycognito_wrong_password),
        ("pycognito SRP with a client secret", pycognito_with_client_secret),
    ]
    for name, fn in steps:
        step(name, fn)
    print(f"issue3: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
