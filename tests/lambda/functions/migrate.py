"""UserMigration: users of a legacy store, known by name and password."""

LEGACY = {
    "legacy-alice": {"password": "Legacy-Pass-1", "email": "alice@legacy.example"},
    "legacy-bob": {"password": "Legacy-Pass-2", "email": "bob@legacy.example"},
    "legacy-carol": {"password": "Legacy-Pass-3", "email": "carol@legacy.example"},
}


def handler(event, context):
    user = LEGACY.get(event["userName"])
    if user is None:
        raise Exception("User does not exist")
    if event["triggerSource"] == "UserMigration_Authentication":
        if event["request"]["password"] != user["password"]:
            raise Exception("Bad password")
        event["response"]["finalUserStatus"] = "CONFIRMED"
    else:
        event["response"]["finalUserStatus"] = "RESET_REQUIRED"
    event["response"]["userAttributes"] = {"email": user["email"], "email_verified": "true"}
    event["response"]["messageAction"] = "SUPPRESS"
    return event
