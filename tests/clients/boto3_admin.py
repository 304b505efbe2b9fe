"""The issue's "done when" script, run with boto3 against a running Tessera.

Uses only endpoint_url and the admin key: creates a pool with a custom attribute, a client, two
groups, a user whose invitation mail arrives in the outbox, updates the user's attributes, puts
the user in a group, lists users with a filter, and checks that bad requests get AWS's errors.

    TESSERA_URL=http://127.0.0.1:9339 TESSERA_DATA_DIR=./data python tests/clients/boto3_admin.py
"""

import email
import glob
import os
import re
import sys
import time

import boto3
import botocore.config
import botocore.exceptions

URL = os.environ.get("TESSERA_URL", "http://127.0.0.1:9339")
DATA_DIR = os.environ.get("TESSERA_DATA_DIR", "./data")

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def expect_error(name, code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        check(name, got == code, f"expected {code}, got {got}: {e.response['Error'].get('Message')}")
        return
    check(name, False, f"expected {code}, but the call succeeded")


def read_key():
    values = {}
    with open(os.path.join(DATA_DIR, "admin-key.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                values[k] = v
    return values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]


def client(key_id, secret):
    return boto3.client(
        "cognito-idp",
        endpoint_url=URL,
        region_name="local",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        # Let bad requests reach the server: its own validation is what is being tested.
        config=botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def invitation_for(address, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in glob.glob(os.path.join(DATA_DIR, "outbox", "*.eml")):
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read())
            if address in message.get("To", ""):
                if message.is_multipart():
                    parts = [p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain"]
                    return "\n".join(parts)
                return message.get_payload(decode=True).decode()
        time.sleep(0.2)
    return None


def main():
    key_id, secret = read_key()
    idp = client(key_id, secret)

    pool = idp.create_user_pool(
        PoolName="boto3-demo",
        AliasAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={
            "InviteMessageTemplate": {
                "EmailSubject": "Welcome to the demo",
                "EmailMessage": "Hello {username}, your temporary password is {####}",
            }
        },
    )["UserPool"]
    pool_id = pool["Id"]
    check("pool created with a Cognito-shaped id", re.fullmatch(r"local_[0-9A-Za-z]{9}", pool_id) is not None, pool_id)
    names = [a["Name"] for a in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]]
    check("custom attribute in the schema", "custom:tenant" in names)

    app = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web", GenerateSecret=True)["UserPoolClient"]
    check("client created with a secret", len(app.get("ClientSecret", "")) == 51 and len(app["ClientId"]) == 26)

    idp.create_group(UserPoolId=pool_id, GroupName="admins", Precedence=1, Description="Administrators")
    idp.create_group(UserPoolId=pool_id, GroupName="readers", Precedence=10)
    groups = [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]]
    check("two groups", sorted(groups) == ["admins", "readers"], groups)

    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="jane",
        UserAttributes=[
            {"Name": "email", "Value": "jane@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:tenant", "Value": "acme"},
        ],
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    check("user is FORCE_CHANGE_PASSWORD", user["UserStatus"] == "FORCE_CHANGE_PASSWORD", user["UserStatus"])
    body = invitation_for("jane@example.com")
    check("invitation mail arrived", body is not None)
    match = re.search(r"temporary password is (\S+)", body or "")
    check("invitation names the user and a temporary password", body is not None and "jane" in body and match is not None, body)

    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="jane",
        UserAttributes=[{"Name": "given_name", "Value": "Jane"}, {"Name": "custom:tenant", "Value": "globex"}],
    )
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="jane")["UserAttributes"]}
    check("attributes updated", attrs.get("given_name") == "Jane" and attrs.get("custom:tenant") == "globex", attrs)

    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="jane", GroupName="admins")
    member_of = [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="jane")["Groups"]]
    check("user in group", member_of == ["admins"], member_of)

    idp.admin_create_user(UserPoolId=pool_id, Username="john", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "john@example.org"}])
    found = idp.list_users(UserPoolId=pool_id, Filter='email = "jane@example.com"')["Users"]
    check("list users with = filter", [u["Username"] for u in found] == ["jane"], found)
    found = idp.list_users(UserPoolId=pool_id, Filter='email ^= "jo"')["Users"]
    check("list users with ^= filter", [u["Username"] for u in found] == ["john"], found)

    expect_error("unknown pool", "ResourceNotFoundException", idp.describe_user_pool, UserPoolId="local_nothere1")
    expect_error("duplicate group", "GroupExistsException", idp.create_group, UserPoolId=pool_id, GroupName="admins")
    expect_error("duplicate user", "UsernameExistsException", idp.admin_create_user, UserPoolId=pool_id, Username="jane", MessageAction="SUPPRESS")
    expect_error("unknown user", "UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="nobody")
    expect_error("bad filter", "InvalidParameterException", idp.list_users, UserPoolId=pool_id, Filter='custom:tenant = "acme"')
    expect_error("bad pool name", "InvalidParameterException", idp.create_user_pool, PoolName="")
    expect_error("missing member", "InvalidParameterException", idp.describe_user_pool)
    expect_error("page size out of range", "InvalidParameterException", idp.list_user_pools, MaxResults=100)
    # The last character changed (to one it is not: a secret may end with "x").
    wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")
    expect_error("wrong secret", "InvalidSignatureException", client(key_id, wrong).list_user_pools, MaxResults=5)
    expect_error("unknown key", "UnrecognizedClientException", client("AKIANOTAREALKEY00000", secret).list_user_pools, MaxResults=5)

    idp.delete_user_pool(UserPoolId=pool_id)
    expect_error("deleted pool is gone", "ResourceNotFoundException", idp.describe_user_pool, UserPoolId=pool_id)

    print(f"boto3: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
