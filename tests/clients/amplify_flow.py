"""Issue 25 through Amplify JS v6 (aws-amplify): an app's sign-up and sign-in against a running
Tessera, choice-based sign-in (USER_AUTH) included.

The script starts what it needs: an SMTP sink (aiosmtpd), its own Tessera server (`TESSERA_BIN`,
default target/debug/tessera) with `DATABASE_URL` (default: SQLite in a temporary directory),
TESSERA_SMTP_URL and a test admin key, and the app: tests/clients/amplify_flow.mjs under Node,
with aws-amplify from TESSERA_NODE_DIR (default target/node-clients), which takes one command a
line and answers each with Amplify's result and the calls Amplify made. boto3 only creates the
pool and the client and looks at the user; codes come from the SMTP sink.

  1. A pool with email as the username, email auto-verified, and the first factors PASSWORD and
     EMAIL_OTP (SignInPolicy); a client without a secret, ALLOW_USER_AUTH, ALLOW_USER_SRP_AUTH and
     ALLOW_REFRESH_TOKEN_AUTH.
  2. signUp with the email, then confirmSignUp with the code from the mail.
  3. signIn (Amplify's default, USER_SRP_AUTH); fetchAuthSession, getCurrentUser and
     fetchUserAttributes name the user; signOut.
  4. signIn with USER_AUTH preferring EMAIL_OTP: CONFIRM_SIGN_IN_WITH_EMAIL_CODE; a wrong code is
     refused, the right one (same sign-in) signs in.
  5. signIn with USER_AUTH and no preference: CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION;
     PASSWORD_SRP, then the password → signed in; again with PASSWORD.
  6. fetchAuthSession with forceRefresh: new tokens from the refresh token (Amplify calls
     GetTokensFromRefreshToken); signOut. On the sign-in of 5, or on one by SRP if 5 failed.
  7. Remembered devices, in a second pool (MFA ON with email codes, DeviceConfiguration
     ChallengeRequiredOnNewDevice and DeviceOnlyRememberedOnUserPrompt) with an admin-created user
     preferring email MFA, and a second Amplify app: signIn → CONFIRM_SIGN_IN_WITH_EMAIL_CODE, the
     code signs in and Amplify confirms the new device (ConfirmDevice); rememberDevice;
     fetchDevices lists it; signOut, signIn → signed in without a code (Amplify answers
     DEVICE_SRP_AUTH, no mail sent); forceRefresh sends the DeviceKey; forgetDevice; the next
     sign-in asks for the code again and gets a new device.
  8. Sign-in after sign-up, in the pool of 1, for a new user: signUp with autoSignIn for USER_AUTH,
     confirmSignUp with the mailed code → COMPLETE_AUTO_SIGN_IN (ConfirmSignUp answered a
     Session); autoSignIn() → signed in, tokens, with one InitiateAuth USER_AUTH that carried the
     Session and USERNAME only (no PASSWORD, no SRP_A).

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… TESSERA_NODE_DIR=target/node-clients \
      python tests/clients/amplify_flow.py

Every check is a named step; a step whose input an earlier step failed to produce fails as
"blocked". Prints "amplify: N passed, M failed" and exits 1 if anything failed.
"""

import os
import sys
import time

import boto3
import botocore.config

from flow_kit import MailSink, NodeApp, Steps, Tessera, expect

ADMIN_KEY = ("AKIAAMPLIFYFLOW00001", "amplify-flow-test-secret-key-000000000")
EMAIL = "amy.amplify@example.com"
PASSWORD = "Amplify-Flow-42"

suite = Steps()
state = suite.state
need = suite.need
step = suite.run


def wrong(code):
    """A code of the same length that is surely not `code`."""
    return ("1" if code[0] == "0" else "0") + code[1:]


# ---------------------------------------------------------------- the app (Amplify under Node)


class App(NodeApp):
    """tests/clients/amplify_flow.mjs, Amplify configured with Tessera as the endpoint of the
    pool and client; `ok` also keeps the calls in `state["last_calls"]`."""

    def __init__(self, url, pool_id, client_id):
        super().__init__("amplify_flow.mjs", "aws-amplify", {"TESSERA_URL": url, "POOL_ID": pool_id, "CLIENT_ID": client_id})

    def ok(self, op, payload=None):
        result = super().ok(op, payload)
        state["last_calls"] = self.last_calls
        return result


def calls_of(action):
    """The calls to `action` that the last successful command made."""
    return [c for c in state.get("last_calls", []) if c.get("action") == action]


def signed_in(result, what):
    expect(result.get("isSignedIn") is True and result.get("nextStep", {}).get("signInStep") == "DONE",
           f"{what}: not signed in: {result}; calls {state.get('last_calls')}")


def next_step(result, expected, what):
    got = result.get("nextStep", {}).get("signInStep")
    expect(result.get("isSignedIn") is False and got == expected,
           f"{what}: nextStep {got!r} (isSignedIn {result.get('isSignedIn')}), expected {expected}; "
           f"calls {state.get('last_calls')}")
    return result["nextStep"]


def session_tokens(what, email=EMAIL, sub_key="sub"):
    """fetchAuthSession: both tokens, for the signed-up user (the one with `email`, whose sub is
    `state[sub_key]`)."""
    session = app.ok("fetchAuthSession")
    expect(session["accessToken"] and session["idToken"], f"{what}: tokens missing: {session}")
    sub = need(sub_key)
    expect(session["userSub"] == sub, f"{what}: userSub {session['userSub']!r}, expected {sub!r}")
    id_claims = session["idToken"]["payload"]
    expect(id_claims.get("email") == email and id_claims.get("aud") == need("client"), f"{what}: ID token {id_claims}")
    expect(session["accessToken"]["payload"].get("client_id") == need("client"), f"{what}: access token claims")
    return session


def signed_out(what, on=None):
    """signOut in the app `on` (default the first), then no tokens; the calls signOut made."""
    on = on or app
    on.ok("signOut")
    calls = state["last_calls"]
    session = on.ok("fetchAuthSession")
    expect(session["accessToken"] is None and session["idToken"] is None, f"{what}: tokens after signOut: {session}")
    return calls


# ---------------------------------------------------------------- the steps

admin = None
app = None
mail = None
URL = None


def create_pool():
    policies = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    pool = admin.create_user_pool(PoolName="amplify-app", AutoVerifiedAttributes=["email"],
                                  UsernameAttributes=["email"], Policies=policies)["UserPool"]
    pool_id = pool["Id"]
    described = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    factors = described.get("Policies", {}).get("SignInPolicy", {}).get("AllowedFirstAuthFactors")
    expect(sorted(factors or []) == ["EMAIL_OTP", "PASSWORD"], f"SignInPolicy {described.get('Policies')}")
    expect(described.get("UsernameAttributes") == ["email"], f"UsernameAttributes {described.get('UsernameAttributes')}")
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="amplify-app", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    expect(not client.get("ClientSecret"), "the client has a secret")
    state.update(pool=pool_id, client=client["ClientId"])


def start_app():
    global app
    pool_id, client_id = need("pool", "client")
    app = App(URL, pool_id, client_id)
    state["app"] = app


def sign_up():
    need("app")
    mark = mail.count()
    result = app.ok("signUp", {"username": EMAIL, "password": PASSWORD,
                               "options": {"userAttributes": {"email": EMAIL}}})
    nxt = result.get("nextStep", {})
    expect(result.get("isSignUpComplete") is False and nxt.get("signUpStep") == "CONFIRM_SIGN_UP", f"signUp {result}")
    expect(nxt.get("codeDeliveryDetails", {}).get("deliveryMedium") == "EMAIL", f"codeDeliveryDetails {nxt}")
    expect(result.get("userId"), f"no userId: {result}")
    state.update(sub=result["userId"], signup_code=mail.code_for(EMAIL, mark))


def confirm_sign_up():
    code = need("signup_code")
    result = app.ok("confirmSignUp", {"username": EMAIL, "confirmationCode": code})
    expect(result.get("isSignUpComplete") is True and result.get("nextStep", {}).get("signUpStep") == "DONE",
           f"confirmSignUp {result}")
    users = admin.list_users(UserPoolId=need("pool"), Filter=f'email = "{EMAIL}"')["Users"]
    expect(len(users) == 1 and users[0]["UserStatus"] == "CONFIRMED", f"ListUsers {users}")
    attrs = {a["Name"]: a["Value"] for a in users[0]["Attributes"]}
    expect(attrs.get("email_verified") == "true" and attrs.get("sub") == need("sub"), f"attributes {attrs}")
    state["username"] = users[0]["Username"]


def srp_sign_in():
    need("username")
    result = app.ok("signIn", {"username": EMAIL, "password": PASSWORD})
    signed_in(result, "signIn (USER_SRP_AUTH)")
    flows = [(c.get("authFlow") or c.get("challengeName"), c.get("status")) for c in state["last_calls"]]
    expect(flows == [("USER_SRP_AUTH", 200), ("PASSWORD_VERIFIER", 200)], f"calls {state['last_calls']}")
    state["srp_signed_in"] = True


def srp_session():
    need("srp_signed_in")
    session_tokens("after USER_SRP_AUTH")


def current_user():
    username = need("username")
    need("srp_signed_in")
    user = app.ok("getCurrentUser")
    expect(user.get("username") == username and user.get("userId") == need("sub"), f"getCurrentUser {user}")
    details = user.get("signInDetails", {})
    expect(details.get("loginId") == EMAIL and details.get("authFlowType") == "USER_SRP_AUTH", f"signInDetails {details}")


def user_attributes():
    need("srp_signed_in")
    attrs = app.ok("fetchUserAttributes")
    expect(attrs.get("email") == EMAIL and attrs.get("email_verified") == "true" and attrs.get("sub") == need("sub"),
           f"fetchUserAttributes {attrs}")


def srp_sign_out():
    need("srp_signed_in")
    calls = signed_out("after USER_SRP_AUTH")
    # Amplify revokes the refresh token when the access token has an origin_jti, as Tessera's do.
    revoked = [c for c in calls if c.get("action") == "RevokeToken"]
    expect(revoked and all(c.get("status") == 200 for c in revoked), f"RevokeToken {revoked}")


def email_otp_start():
    need("username")
    app.call("signOut")  # whatever an earlier step left
    mark = mail.count()
    result = app.ok("signIn", {"username": EMAIL,
                               "options": {"authFlowType": "USER_AUTH", "preferredChallenge": "EMAIL_OTP"}})
    nxt = next_step(result, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "USER_AUTH preferring EMAIL_OTP")
    delivery = nxt.get("codeDeliveryDetails", {})
    expect(delivery.get("deliveryMedium") == "EMAIL" and delivery.get("destination") not in (None, "", EMAIL),
           f"codeDeliveryDetails {delivery} (the destination masked)")
    state["otp_code"] = mail.code_for(EMAIL, mark)


def email_otp_wrong_code():
    code = need("otp_code")
    answer = app.call("confirmSignIn", {"challengeResponse": wrong(code)})
    expect(not answer["ok"] and answer.get("name") == "CodeMismatchException",
           f"a wrong code: {answer.get('name') or answer.get('result')}: {answer.get('message', '')}; calls {answer['calls']}")


def email_otp_right_code():
    code = need("otp_code")
    signed_in(app.ok("confirmSignIn", {"challengeResponse": code}), "EMAIL_OTP code after a wrong one")
    session_tokens("after EMAIL_OTP")
    signed_out("after EMAIL_OTP")


def first_factor_selection(answer):
    """signIn with USER_AUTH and no preference, then `answer` to the selection."""
    need("username")
    app.call("signOut")  # whatever an earlier step left
    result = app.ok("signIn", {"username": EMAIL, "options": {"authFlowType": "USER_AUTH"}})
    nxt = next_step(result, "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", "USER_AUTH without a preference")
    offered = set(nxt.get("availableChallenges") or [])
    expect("EMAIL_OTP" in offered and offered & {"PASSWORD", "PASSWORD_SRP"}, f"availableChallenges {sorted(offered)}")
    result = app.ok("confirmSignIn", {"challengeResponse": answer})
    next_step(result, "CONFIRM_SIGN_IN_WITH_PASSWORD", f"{answer} chosen")
    result = app.ok("confirmSignIn", {"challengeResponse": PASSWORD})
    signed_in(result, f"the password after {answer}")
    selection = calls_of("RespondToAuthChallenge")[0]
    expect(selection.get("challengeName") == "SELECT_CHALLENGE"
           and selection.get("challengeResponses", {}).get("values", {}).get("ANSWER") == answer,
           f"the password went as {selection}")
    session_tokens(f"after {answer}")


def select_password_srp():
    first_factor_selection("PASSWORD_SRP")
    signed_out("after PASSWORD_SRP")


def select_password():
    first_factor_selection("PASSWORD")
    state["signed_in"] = True


def force_refresh():
    if not state.get("signed_in"):
        # Step 5 did not sign in: the refresh is checked on a sign-in by SRP instead.
        need("username")
        signed_in(app.ok("signIn", {"username": EMAIL, "password": PASSWORD}), "signIn (USER_SRP_AUTH) for the refresh")
        state["signed_in"] = True
    before = session_tokens("before the refresh")
    after = app.ok("fetchAuthSession", {"forceRefresh": True})
    refreshed = calls_of("GetTokensFromRefreshToken")
    expect(refreshed and all(c.get("status") == 200 and c.get("tokens") for c in refreshed), f"calls {state['last_calls']}")
    expect(after["accessToken"] and after["accessToken"]["jwt"] != before["accessToken"]["jwt"], "the access token is the same")
    expect(after["idToken"] and after["idToken"]["payload"].get("sub") == need("sub"), f"ID token {after['idToken']}")


def final_sign_out():
    need("signed_in")
    signed_out("at the end")


# ---------------------------------------------------------------- 7: a remembered device

DEVICE_USER = "devon"
DEVICE_EMAIL = "devon.devices@example.com"
devices_app = None


def flows():
    """What the last successful command sent: (action, flow or challenge answered, status,
    challenge returned or "tokens")."""
    return [(c["action"], c.get("authFlow") or c.get("challengeName"), c.get("status"),
             c.get("challenge") or ("tokens" if c.get("tokens") else c.get("error")))
            for c in state.get("last_calls", [])]


def one_call(action, name=None):
    """The last command's one call to `action` (answering `name`, when given)."""
    found = [c for c in calls_of(action) if name in (None, c.get("authFlow"), c.get("challengeName"))]
    expect(len(found) == 1, f"{len(found)} calls to {action} {name or ''}: {state.get('last_calls')}")
    return found[0]


def devices_pool():
    need("client")  # Amplify runs
    devices = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
    pool_id = admin.create_user_pool(PoolName="amplify-devices", DeviceConfiguration=devices)["UserPool"]["Id"]
    mfa = admin.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="ON",
        EmailMfaConfiguration={"Subject": "Your sign-in code", "Message": "Your code is {####}"})
    expect(mfa.get("MfaConfiguration") == "ON", f"SetUserPoolMfaConfig answered {mfa}")
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="amplify-devices", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    admin.admin_create_user(UserPoolId=pool_id, Username=DEVICE_USER, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": DEVICE_EMAIL}, {"Name": "email_verified", "Value": "true"}])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=DEVICE_USER, Password=PASSWORD, Permanent=True)
    admin.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=DEVICE_USER,
                                        EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    user = admin.admin_get_user(UserPoolId=pool_id, Username=DEVICE_USER)
    expect(user["UserStatus"] == "CONFIRMED" and user.get("PreferredMfaSetting") == "EMAIL_OTP",
           f"status {user['UserStatus']}, PreferredMfaSetting {user.get('PreferredMfaSetting')}")
    state.update(d_pool=pool_id, d_client=client["ClientId"])


def devices_start_app():
    global devices_app
    pool_id, client_id = need("d_pool", "d_client")
    devices_app = App(URL, pool_id, client_id)
    state["d_app"] = devices_app


def email_code_sign_in(what):
    """signIn (SRP) stops at the email code; confirmSignIn with the mailed code signs in."""
    mark = mail.count()
    result = devices_app.ok("signIn", {"username": DEVICE_USER, "password": PASSWORD})
    next_step(result, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", what)
    expect(flows() == [("InitiateAuth", "USER_SRP_AUTH", 200, "PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "PASSWORD_VERIFIER", 200, "EMAIL_OTP")], f"{what}: calls {flows()}")
    code = mail.code_for(DEVICE_EMAIL, mark)
    signed_in(devices_app.ok("confirmSignIn", {"challengeResponse": code}), f"{what}: the email code")
    device = one_call("RespondToAuthChallenge", "EMAIL_OTP").get("newDevice") or {}
    expect(device.get("DeviceKey") and device.get("DeviceGroupKey"), f"{what}: no NewDeviceMetadata: {state['last_calls']}")
    confirm = one_call("ConfirmDevice")
    expect(confirm.get("DeviceKey") == device["DeviceKey"] and confirm.get("status") == 200
           and confirm.get("UserConfirmationNecessary") is True, f"{what}: ConfirmDevice {confirm}")
    return device["DeviceKey"]


def devices_first_sign_in():
    need("d_app")
    state["d_device"] = email_code_sign_in("the first sign-in")


def devices_remember():
    key = need("d_device")
    devices_app.ok("rememberDevice")
    update = one_call("UpdateDeviceStatus")
    expect(update.get("DeviceKey") == key and update.get("DeviceRememberedStatus") == "remembered"
           and update.get("status") == 200, f"UpdateDeviceStatus {update}")
    device = admin.admin_get_device(UserPoolId=need("d_pool"), Username=DEVICE_USER, DeviceKey=key)["Device"]
    status = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}.get("dev:device_remembered_status")
    expect(status == "remembered", f"AdminGetDevice: {device}")
    state["d_remembered"] = True


def devices_fetch():
    key = need("d_device")
    need("d_remembered")
    devices = devices_app.ok("fetchDevices")
    expect([d.get("id") for d in devices] == [key], f"fetchDevices {devices}")
    expect(devices[0].get("name") and devices[0]["attributes"].get("dev:device_remembered_status") == "remembered",
           f"fetchDevices {devices[0]}")


def devices_sign_in_without_code():
    key = need("d_device")
    need("d_remembered")
    signed_out("before the sign-in on the remembered device", devices_app)
    mark = mail.count()
    signed_in(devices_app.ok("signIn", {"username": DEVICE_USER, "password": PASSWORD}), "signIn on the remembered device")
    expect(flows() == [("InitiateAuth", "USER_SRP_AUTH", 200, "PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "PASSWORD_VERIFIER", 200, "DEVICE_SRP_AUTH"),
                       ("RespondToAuthChallenge", "DEVICE_SRP_AUTH", 200, "DEVICE_PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "DEVICE_PASSWORD_VERIFIER", 200, "tokens")], f"calls {flows()}")
    for name in ("PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"):
        sent = one_call("RespondToAuthChallenge", name).get("challengeResponses", {}).get("values", {})
        expect(sent.get("DEVICE_KEY") == key, f"{name} sent DEVICE_KEY {sent.get('DEVICE_KEY')!r}, expected {key}")
    time.sleep(1)
    expect(mail.count() == mark, "a code was mailed")
    state["d_signed_in"] = True


def devices_refresh():
    key = need("d_device")
    need("d_signed_in")
    before = devices_app.ok("fetchAuthSession")
    after = devices_app.ok("fetchAuthSession", {"forceRefresh": True})
    refresh = one_call("GetTokensFromRefreshToken")
    expect(refresh.get("DeviceKey") == key and refresh.get("status") == 200 and refresh.get("tokens"),
           f"GetTokensFromRefreshToken {refresh}")
    expect(after["accessToken"] and after["accessToken"]["jwt"] != before["accessToken"]["jwt"], "the access token is the same")


def devices_forget():
    key = need("d_device")
    need("d_signed_in")
    devices_app.ok("forgetDevice")
    forget = one_call("ForgetDevice")
    expect(forget.get("DeviceKey") == key and forget.get("status") == 200, f"ForgetDevice {forget}")
    listed = admin.admin_list_devices(UserPoolId=need("d_pool"), Username=DEVICE_USER)["Devices"]
    expect(listed == [], f"AdminListDevices after forgetDevice: {listed}")
    state["d_forgotten"] = True


def devices_code_again():
    old = need("d_device")
    need("d_forgotten")
    signed_out("after forgetDevice", devices_app)
    new = email_code_sign_in("the sign-in after forgetDevice")
    expect(new != old, "the forgotten device came back")
    signed_out("at the end", devices_app)


# ---------------------------------------------------------------- 8: sign-in after sign-up

AUTO_EMAIL = "ada.autosignin@example.com"


def auto_sign_up():
    need("app")
    app.call("signOut")  # whatever an earlier step left
    mark = mail.count()
    result = app.ok("signUp", {"username": AUTO_EMAIL, "password": PASSWORD, "options": {
        "userAttributes": {"email": AUTO_EMAIL}, "autoSignIn": {"authFlowType": "USER_AUTH"}}})
    nxt = result.get("nextStep", {})
    expect(result.get("isSignUpComplete") is False and nxt.get("signUpStep") == "CONFIRM_SIGN_UP", f"signUp {result}")
    expect(result.get("userId"), f"no userId: {result}")
    state.update(auto_sub=result["userId"], auto_code=mail.code_for(AUTO_EMAIL, mark))


def auto_confirm_sign_up():
    code = need("auto_code")
    result = app.ok("confirmSignUp", {"username": AUTO_EMAIL, "confirmationCode": code})
    confirm = one_call("ConfirmSignUp")
    expect(confirm.get("status") == 200 and confirm.get("newSession") is True,
           f"ConfirmSignUp answered no Session: {confirm}")
    expect(result.get("isSignUpComplete") is True
           and result.get("nextStep", {}).get("signUpStep") == "COMPLETE_AUTO_SIGN_IN", f"confirmSignUp {result}")
    users = admin.list_users(UserPoolId=need("pool"), Filter=f'email = "{AUTO_EMAIL}"')["Users"]
    expect(len(users) == 1 and users[0]["UserStatus"] == "CONFIRMED", f"ListUsers {users}")
    state["auto_confirmed"] = True


def auto_sign_in():
    need("auto_confirmed")
    signed_in(app.ok("autoSignIn"), "autoSignIn")
    expect(flows() == [("InitiateAuth", "USER_AUTH", 200, "tokens")], f"calls {flows()}")
    initiate = one_call("InitiateAuth", "USER_AUTH")
    sent = initiate.get("authParameters") or {}
    expect(initiate.get("session") is True, f"InitiateAuth without a Session: {initiate}")
    expect(sent.get("keys") == ["USERNAME"] and sent.get("values", {}).get("USERNAME") == AUTO_EMAIL,
           f"InitiateAuth sent AuthParameters {sent} (no PASSWORD, no SRP_A expected)")
    session_tokens("after autoSignIn", email=AUTO_EMAIL, sub_key="auto_sub")
    signed_out("after autoSignIn")


def main():
    global admin, mail, URL
    started = time.time()
    mail = MailSink()
    mail.controller.start()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-amplify-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
    })
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"amplify: Tessera at {URL} on {database}, SMTP sink on {mail.port}")
    admin = boto3.client("cognito-idp", endpoint_url=URL, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                         aws_secret_access_key=ADMIN_KEY[1],
                         config=botocore.config.Config(retries={"max_attempts": 1}))
    try:
        steps = [
            ("1 pool: email username, auto-verified, first factors PASSWORD and EMAIL_OTP; public client", create_pool),
            ("1 Amplify configured with Tessera as the user pool endpoint", start_app),
            ("2 signUp: CONFIRM_SIGN_UP, code by email", sign_up),
            ("2 confirmSignUp with the code: CONFIRMED, email verified", confirm_sign_up),
            ("3 signIn (USER_SRP_AUTH, PASSWORD_VERIFIER): signed in", srp_sign_in),
            ("3 fetchAuthSession: ID and access tokens", srp_session),
            ("3 getCurrentUser: the user, signed in with the email", current_user),
            ("3 fetchUserAttributes: email, verified", user_attributes),
            ("3 signOut: no tokens left", srp_sign_out),
            ("4 signIn USER_AUTH preferring EMAIL_OTP: CONFIRM_SIGN_IN_WITH_EMAIL_CODE", email_otp_start),
            ("4 confirmSignIn with a wrong code: CodeMismatchException", email_otp_wrong_code),
            ("4 confirmSignIn with the code (same sign-in): signed in, tokens", email_otp_right_code),
            ("5 USER_AUTH: first factor selection, PASSWORD_SRP, the password: signed in", select_password_srp),
            ("5 USER_AUTH: first factor selection, PASSWORD, the password: signed in", select_password),
            ("6 fetchAuthSession forceRefresh: new tokens from the refresh token", force_refresh),
            ("6 signOut: no tokens left", final_sign_out),
            ("7 pool: MFA ON (email), devices remembered on the user's prompt; a user with email MFA", devices_pool),
            ("7 Amplify configured for that pool", devices_start_app),
            ("7 signIn: CONFIRM_SIGN_IN_WITH_EMAIL_CODE; the code signs in, Amplify confirms the new device", devices_first_sign_in),
            ("7 rememberDevice: UpdateDeviceStatus remembered", devices_remember),
            ("7 fetchDevices: the device, remembered", devices_fetch),
            ("7 signOut, signIn: no code, DEVICE_SRP_AUTH answered by Amplify, signed in", devices_sign_in_without_code),
            ("7 fetchAuthSession forceRefresh: GetTokensFromRefreshToken with the DeviceKey", devices_refresh),
            ("7 forgetDevice: ForgetDevice, no device left (AdminListDevices)", devices_forget),
            ("7 signOut, signIn: the email code again, a new device", devices_code_again),
            ("8 signUp (a new user, pool of 1) with autoSignIn for USER_AUTH: CONFIRM_SIGN_UP", auto_sign_up),
            ("8 confirmSignUp with the code: COMPLETE_AUTO_SIGN_IN, ConfirmSignUp answered a Session", auto_confirm_sign_up),
            ("8 autoSignIn: InitiateAuth USER_AUTH with the Session, no password or SRP_A: signed in, tokens",
             auto_sign_in),
        ]
        for name, fn in steps:
            step(name, fn)
    finally:
        node_log = "\n".join(a.stderr_tail() for a in (app, devices_app) if a) if suite.failed else ""
        tessera_log = tessera.log_tail() if suite.failed else ""
        for running in (app, devices_app):
            if running:
                running.stop()
        tessera.stop()
        mail.controller.stop()
    if suite.failed:
        print(f"---- last lines of amplify_flow.mjs's stderr:\n{node_log}")
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"amplify: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
