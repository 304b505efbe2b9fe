"""Issue 25 through amazon-cognito-identity-js: a remembered device stands in for MFA.

The script starts what it needs: an SMS webhook receiver and an SMTP sink (flow_kit), its own
Tessera server (`TESSERA_BIN`, default target/debug/tessera) with `DATABASE_URL` (default:
SQLite in a temporary directory), TESSERA_SMS_WEBHOOK_URL, TESSERA_SMTP_URL and a test admin
key, and the app: tests/clients/devices_acij.mjs under Node, with amazon-cognito-identity-js from
TESSERA_NODE_DIR (default target/node-clients), which keeps its tokens and device keys in one
store for the whole run, as a browser's localStorage does. boto3 creates the pool, the client
and the user and looks at the devices from the admin side.

The second factor is SMS: acij 6.3.21 has no EMAIL_OTP branch (authenticateUser ends in a
TypeError on that challenge), so it cannot answer email MFA. The pool has email MFA configured
too, and every "no code was sent" check looks at both sinks.

  1. A pool with MFA ON (SMS and email codes) and DeviceConfiguration ChallengeRequiredOnNewDevice
     and DeviceOnlyRememberedOnUserPrompt; a public client (SRP, refresh); a user with a verified
     email and phone number, a permanent password and SMS MFA preferred.
  2. The first sign-in (authenticateUser, SRP): SMS_MFA; the code (sendMFACode) signs in with
     NewDeviceMetadata, and acij confirms the device itself (ConfirmDevice): UserConfirmationNecessary
     true, the device not remembered yet. A sign-in naming it still asks for the SMS code.
  3. setDeviceStatusRemembered; listDevices and getDevice show the device remembered.
  4. A new CognitoUser signs in: PASSWORD_VERIFIER names the device, DEVICE_SRP_AUTH and
     DEVICE_PASSWORD_VERIFIER follow, tokens come without a code (none sent by SMS or mail). With a
     wrong device secret in acij's storage that sign-in is refused.
  5. refreshSession (acij sends DEVICE_KEY): new tokens; the refresh token without the device
     key is refused.
  6. forgetDevice: the device is gone (and its sign-ins' refresh tokens); the next sign-in asks
     for the SMS code again and gets a new device.

    TESSERA_BIN=target/debug/tessera DATABASE_URL=postgres://… TESSERA_NODE_DIR=target/node-clients \\
      python tests/clients/devices_flow.py

Every check is a named step; a step whose input an earlier step failed to produce fails as
"blocked". Prints "devices: N passed, M failed" and exits 1 if anything failed.
"""

import os
import sys
import time

import boto3
import botocore
import botocore.config

from flow_kit import MailSink, NodeApp, SmsSink, Steps, Tessera, error_code, expect

ADMIN_KEY = ("AKIADEVICESFLOW00001", "devices-flow-test-secret-key-000000000")
USERNAME = "dana"
EMAIL = "dana.devices@example.com"
PHONE = "+15555550125"
PASSWORD = "Remember-Me-42"
DEVICES = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
# How long a code that should not be sent is waited for.
QUIET = 1.0

suite = Steps()
state = suite.state
need = suite.need

admin = None
public = None
app = None
mail = None
sms = None
URL = None


def calls():
    """What the last successful command sent: (action, flow or challenge answered, status,
    challenge returned or "tokens")."""
    return [(c["action"], c.get("authFlow") or c.get("challengeName"), c.get("status"),
             c.get("challenge") or ("tokens" if c.get("tokens") else c.get("error")))
            for c in app.last_calls]


def call_of(action, name=None):
    """The last command's one call to `action` (answering `name`, when given)."""
    found = [c for c in app.last_calls
             if c["action"] == action and name in (None, c.get("authFlow"), c.get("challengeName"))]
    expect(len(found) == 1, f"{len(found)} calls to {action} {name or ''}: {app.last_calls}")
    return found[0]


def device_key_sent(call, where):
    return call.get(where, {}).get("values", {}).get("DEVICE_KEY")


def attributes(device):
    return {a["Name"]: a["Value"] for a in device.get("DeviceAttributes", [])}


def admin_device(key):
    return admin.admin_get_device(UserPoolId=need("pool"), Username=USERNAME, DeviceKey=key)["Device"]


def no_code_sent(sms_mark, mail_mark, what):
    time.sleep(QUIET)
    expect(sms.count() == sms_mark, f"{what}: an SMS was sent: {sms.messages[sms_mark:]}")
    expect(mail.count() == mail_mark, f"{what}: a mail was sent")


# ---------------------------------------------------------------- the steps


def create_pool():
    pool_id = admin.create_user_pool(PoolName="devices-acij", DeviceConfiguration=DEVICES)["UserPool"]["Id"]
    described = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    expect(described.get("DeviceConfiguration") == DEVICES, f"DeviceConfiguration {described.get('DeviceConfiguration')}")
    mfa = admin.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="ON",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Your Tessera code is {####}"},
        EmailMfaConfiguration={"Subject": "Your Tessera sign-in code", "Message": "Your code is {####}"},
    )
    expect(mfa.get("MfaConfiguration") == "ON", f"SetUserPoolMfaConfig answered {mfa}")
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="devices-app", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    state.update(pool=pool_id, client=client["ClientId"])


def create_user():
    pool_id = need("pool")
    attrs = {"email": EMAIL, "email_verified": "true", "phone_number": PHONE, "phone_number_verified": "true"}
    admin.admin_create_user(UserPoolId=pool_id, Username=USERNAME, MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True)
    admin.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=USERNAME,
                                        SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    user = admin.admin_get_user(UserPoolId=pool_id, Username=USERNAME)
    expect(user["UserStatus"] == "CONFIRMED", f"status {user['UserStatus']}")
    expect(user.get("PreferredMfaSetting") == "SMS_MFA", f"PreferredMfaSetting {user.get('PreferredMfaSetting')}")
    got = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    expect(got.get("email_verified") == "true" and got.get("phone_number_verified") == "true", f"attributes {got}")
    state["sub"] = got["sub"]


def start_app():
    global app
    pool_id, client_id = need("pool", "client")
    app = NodeApp("devices_acij.mjs", "amazon-cognito-identity-js",
                  {"TESSERA_URL": URL, "POOL_ID": pool_id, "CLIENT_ID": client_id})
    state["app"] = app


def sms_challenge(what):
    """authenticateUser stops at SMS_MFA; the code the webhook received."""
    mark = sms.count()
    result = app.ok("signIn", {"username": USERNAME, "password": PASSWORD})
    expect(result.get("signedIn") is False and result.get("challenge") == "SMS_MFA",
           f"{what}: {result}; calls {calls()}")
    expect(result["parameters"].get("CODE_DELIVERY_DELIVERY_MEDIUM") == "SMS", f"{what}: parameters {result['parameters']}")
    expect(calls() == [("InitiateAuth", "USER_SRP_AUTH", 200, "PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "PASSWORD_VERIFIER", 200, "SMS_MFA")], f"{what}: calls {calls()}")
    return sms.code_for(PHONE, mark)


def first_sign_in():
    need("app")
    state["first_code"] = sms_challenge("the first sign-in")
    verifier = call_of("RespondToAuthChallenge", "PASSWORD_VERIFIER")
    expect(device_key_sent(verifier, "challengeResponses") is None, f"a device key on the first sign-in: {verifier}")


def first_code_confirms_device():
    code = need("first_code")
    result = app.ok("sendMFACode", {"code": code})
    expect(result.get("signedIn") is True, f"sendMFACode: {result}; calls {calls()}")
    expect(result["access"].get("sub") == need("sub") and result["access"].get("client_id") == need("client"),
           f"access token {result['access']}")
    answered = call_of("RespondToAuthChallenge", "SMS_MFA")
    expect(answered.get("status") == 200 and answered.get("tokens"), f"SMS_MFA answered {answered}")
    device = answered.get("newDevice") or {}
    expect(device.get("DeviceKey") and device.get("DeviceGroupKey"), f"no NewDeviceMetadata: {answered}")
    confirm = call_of("ConfirmDevice")
    expect(confirm.get("DeviceKey") == device["DeviceKey"] and confirm.get("status") == 200,
           f"ConfirmDevice {confirm} for {device}")
    expect(confirm.get("DeviceSecretVerifierConfig") == ["PasswordVerifier", "Salt"] and confirm.get("DeviceName"),
           f"ConfirmDevice sent {confirm}")
    expect(confirm.get("UserConfirmationNecessary") is True, f"ConfirmDevice answered {confirm}")
    expect(result.get("userConfirmationNecessary") is True,
           f"onSuccess's userConfirmationNecessary {result.get('userConfirmationNecessary')!r}")
    stored = app.ok("stored")
    expect(stored == {"deviceKey": device["DeviceKey"], "deviceGroupKey": device["DeviceGroupKey"], "hasRandomPassword": True},
           f"acij stored {stored}, expected {device}")
    state.update(device=device["DeviceKey"], device_name=confirm["DeviceName"])


def device_not_remembered_yet():
    key, name = need("device", "device_name")
    got = attributes(admin_device(key))
    expect(got.get("device_name") == name and got.get("dev:device_remembered_status") == "not_remembered",
           f"AdminGetDevice attributes {got}")


def unremembered_device_still_asks_for_code():
    key = need("device")
    code = sms_challenge("a sign-in naming the unremembered device")
    verifier = call_of("RespondToAuthChallenge", "PASSWORD_VERIFIER")
    expect(device_key_sent(verifier, "challengeResponses") == key, f"PASSWORD_VERIFIER sent {verifier}")
    result = app.ok("sendMFACode", {"code": code})
    expect(result.get("signedIn") is True and result.get("deviceKey") == key, f"sendMFACode: {result}; calls {calls()}")
    expect(calls() == [("RespondToAuthChallenge", "SMS_MFA", 200, "tokens")], f"calls {app.last_calls}")
    expect(not call_of("RespondToAuthChallenge", "SMS_MFA").get("newDevice"), f"a new device: {app.last_calls}")


def remember_device():
    key = need("device")
    expect(app.ok("setDeviceStatusRemembered") == "SUCCESS", "setDeviceStatusRemembered")
    update = call_of("UpdateDeviceStatus")
    expect(update.get("DeviceKey") == key and update.get("DeviceRememberedStatus") == "remembered"
           and update.get("status") == 200, f"UpdateDeviceStatus {update}")
    got = attributes(admin_device(key))
    expect(got.get("dev:device_remembered_status") == "remembered", f"AdminGetDevice attributes {got}")
    state["remembered"] = True


def list_devices():
    key, name = need("device", "device_name")
    need("remembered")
    listed = app.ok("listDevices", {"limit": 10})
    devices = listed.get("Devices") or []
    expect([d.get("DeviceKey") for d in devices] == [key], f"ListDevices {listed}")
    got = attributes(devices[0])
    expect(got.get("device_name") == name and got.get("dev:device_remembered_status") == "remembered",
           f"ListDevices attributes {got}")
    device = app.ok("getDevice").get("Device", {})
    expect(device.get("DeviceKey") == key and attributes(device) == got, f"GetDevice {device}")


def device_srp_instead_of_code():
    key = need("device")
    need("remembered")
    sms_mark, mail_mark = sms.count(), mail.count()
    result = app.ok("signIn", {"username": USERNAME, "password": PASSWORD})
    expect(result.get("signedIn") is True and result.get("deviceKey") == key, f"signIn: {result}; calls {calls()}")
    expect(calls() == [("InitiateAuth", "USER_SRP_AUTH", 200, "PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "PASSWORD_VERIFIER", 200, "DEVICE_SRP_AUTH"),
                       ("RespondToAuthChallenge", "DEVICE_SRP_AUTH", 200, "DEVICE_PASSWORD_VERIFIER"),
                       ("RespondToAuthChallenge", "DEVICE_PASSWORD_VERIFIER", 200, "tokens")], f"calls {app.last_calls}")
    expect(device_key_sent(call_of("RespondToAuthChallenge", "PASSWORD_VERIFIER"), "challengeResponses") == key,
           "PASSWORD_VERIFIER without the device key")
    srp = call_of("RespondToAuthChallenge", "DEVICE_SRP_AUTH")
    expect(srp["challengeResponses"]["keys"] == ["DEVICE_KEY", "SRP_A", "USERNAME"]
           and device_key_sent(srp, "challengeResponses") == key, f"DEVICE_SRP_AUTH sent {srp}")
    expect(srp.get("challengeParameters") == ["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME"],
           f"DEVICE_PASSWORD_VERIFIER parameters {srp.get('challengeParameters')}")
    proof = call_of("RespondToAuthChallenge", "DEVICE_PASSWORD_VERIFIER")
    expect(proof["challengeResponses"]["keys"] == ["DEVICE_KEY", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE",
                                                   "TIMESTAMP", "USERNAME"], f"DEVICE_PASSWORD_VERIFIER sent {proof}")
    expect(not proof.get("newDevice"), f"a new device: {proof}")
    expect(result["access"].get("sub") == need("sub"), f"access token {result['access']}")
    no_code_sent(sms_mark, mail_mark, "the sign-in on the remembered device")
    state["device_session"] = result


def wrong_device_secret_refused():
    need("device_session")
    sms_mark, mail_mark = sms.count(), mail.count()
    previous = app.ok("setStored", {"name": "randomPasswordKey", "value": "not-the-device-secret"})["previous"]
    expect(previous, "acij stored no device secret")
    try:
        answer = app.call("signIn", {"username": USERNAME, "password": PASSWORD})
    finally:
        app.ok("setStored", {"name": "randomPasswordKey", "value": previous})
    last = [(c["action"], c.get("challengeName"), c.get("status"), c.get("error")) for c in answer["calls"]][-1:]
    expect(not answer["ok"] and answer.get("name") == "NotAuthorizedException"
           and last == [("RespondToAuthChallenge", "DEVICE_PASSWORD_VERIFIER", 400, "NotAuthorizedException")],
           f"a wrong device secret: {answer.get('name') or answer.get('result')}: {answer.get('message', '')}; "
           f"calls {answer['calls']}")
    no_code_sent(sms_mark, mail_mark, "the refused device proof")


def refresh_with_device_key():
    key, before = need("device", "device_session")
    result = app.ok("refreshSession")
    refresh = call_of("InitiateAuth", "REFRESH_TOKEN_AUTH")
    expect(device_key_sent(refresh, "authParameters") == key and refresh.get("status") == 200 and refresh.get("tokens"),
           f"REFRESH_TOKEN_AUTH {refresh}")
    expect(result["accessToken"] != before["accessToken"] and result["access"].get("sub") == need("sub"),
           f"refreshed access token {result['access']}")
    state["refresh_token"] = before["refreshToken"]


def refresh_without_device_key_refused():
    token = need("refresh_token")
    code = error_code(lambda: public.initiate_auth(ClientId=need("client"), AuthFlow="REFRESH_TOKEN_AUTH",
                                                   AuthParameters={"REFRESH_TOKEN": token}))
    expect(code == "NotAuthorizedException", f"REFRESH_TOKEN_AUTH without DEVICE_KEY: {code or 'tokens'}")


def forget_device():
    key = need("device")
    need("device_session")
    expect(app.ok("forgetDevice") == "SUCCESS", "forgetDevice")
    forget = call_of("ForgetDevice")
    expect(forget.get("DeviceKey") == key and forget.get("status") == 200, f"ForgetDevice {forget}")
    stored = app.ok("stored")
    expect(stored["deviceKey"] is None and not stored["hasRandomPassword"], f"acij still stores {stored}")
    listed = admin.admin_list_devices(UserPoolId=need("pool"), Username=USERNAME)["Devices"]
    expect(listed == [], f"AdminListDevices {listed}")
    state["forgotten"] = True


def forgotten_device_refresh_refused():
    key, token = need("device", "refresh_token")
    need("forgotten")
    code = error_code(lambda: public.initiate_auth(ClientId=need("client"), AuthFlow="REFRESH_TOKEN_AUTH",
                                                   AuthParameters={"REFRESH_TOKEN": token, "DEVICE_KEY": key}))
    expect(code == "NotAuthorizedException", f"REFRESH_TOKEN_AUTH on the forgotten device: {code or 'tokens'}")


def code_again_after_forget():
    old = need("device")
    need("forgotten")
    code = sms_challenge("the sign-in after forgetDevice")
    verifier = call_of("RespondToAuthChallenge", "PASSWORD_VERIFIER")
    expect(device_key_sent(verifier, "challengeResponses") is None, f"a device key after forgetDevice: {verifier}")
    result = app.ok("sendMFACode", {"code": code})
    expect(result.get("signedIn") is True and result.get("userConfirmationNecessary") is True,
           f"sendMFACode: {result}; calls {calls()}")
    device = call_of("RespondToAuthChallenge", "SMS_MFA").get("newDevice") or {}
    expect(device.get("DeviceKey") not in (None, old), f"NewDeviceMetadata {device} (the forgotten device {old})")
    expect(call_of("ConfirmDevice").get("DeviceKey") == device["DeviceKey"], f"ConfirmDevice {app.last_calls}")
    listed = admin.admin_list_devices(UserPoolId=need("pool"), Username=USERNAME)["Devices"]
    expect([d["DeviceKey"] for d in listed] == [device["DeviceKey"]], f"AdminListDevices {listed}")


def main():
    global admin, public, mail, sms, URL
    started = time.time()
    mail = MailSink()
    mail.controller.start()
    sms = SmsSink()
    tessera = Tessera(ADMIN_KEY, prefix="tessera-devices-", env={
        "TESSERA_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "TESSERA_EMAIL_FROM": "Tessera <no-reply@tessera.test>",
        "TESSERA_SMS_WEBHOOK_URL": sms.url,
    })
    URL = tessera.url
    database = "postgres" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    print(f"devices: Tessera at {URL} on {database}, SMTP sink on {mail.port}, SMS webhook on {sms.port}")
    no_retries = botocore.config.Config(retries={"max_attempts": 1})
    admin = boto3.client("cognito-idp", endpoint_url=URL, region_name="local", aws_access_key_id=ADMIN_KEY[0],
                         aws_secret_access_key=ADMIN_KEY[1], config=no_retries)
    public = boto3.client("cognito-idp", endpoint_url=URL, region_name="local",
                          config=no_retries.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)))
    try:
        steps = [
            ("1 pool: MFA ON (SMS, email), devices remembered on the user's prompt; public client", create_pool),
            ("1 user: verified email and phone, permanent password, SMS MFA preferred", create_user),
            ("1 acij app configured with Tessera as the endpoint", start_app),
            ("2 first sign-in (SRP): SMS_MFA, code by SMS, no device key sent", first_sign_in),
            ("2 sendMFACode: signed in; acij confirms the new device, UserConfirmationNecessary", first_code_confirms_device),
            ("2 AdminGetDevice: the device, named by acij, not remembered", device_not_remembered_yet),
            ("2 a sign-in naming the unremembered device still asks for the SMS code", unremembered_device_still_asks_for_code),
            ("3 setDeviceStatusRemembered: UpdateDeviceStatus remembered", remember_device),
            ("3 listDevices and getDevice: the device, remembered", list_devices),
            ("4 a new CognitoUser signs in through DEVICE_SRP_AUTH: no code sent", device_srp_instead_of_code),
            ("4 a wrong device secret: DEVICE_PASSWORD_VERIFIER refused", wrong_device_secret_refused),
            ("5 refreshSession sends DEVICE_KEY: new tokens", refresh_with_device_key),
            ("5 the refresh token without DEVICE_KEY: NotAuthorizedException", refresh_without_device_key_refused),
            ("6 forgetDevice: gone from acij's storage and from the server", forget_device),
            ("6 the forgotten device's refresh token: NotAuthorizedException", forgotten_device_refresh_refused),
            ("6 the next sign-in asks for the SMS code again and gets a new device", code_again_after_forget),
        ]
        for name, fn in steps:
            suite.run(name, fn)
    finally:
        node_log = app.stderr_tail() if app and suite.failed else ""
        tessera_log = tessera.log_tail() if suite.failed else ""
        if app:
            app.stop()
        tessera.stop()
        mail.controller.stop()
        sms.server.shutdown()
    if suite.failed:
        print(f"---- last lines of devices_acij.mjs's stderr:\n{node_log}")
        print(f"---- last lines of the Tessera log:\n{tessera_log}")
    print(f"devices: {suite.passed} passed, {suite.failed} failed ({database}, {time.time() - started:.0f} s)")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
