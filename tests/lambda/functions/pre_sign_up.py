"""PreSignUp: refuses one email domain, confirms and verifies another."""


def handler(event, context):
    email = event["request"]["userAttributes"].get("email", "")
    if event["request"]["validationData"].get("refuse"):
        raise Exception("refused with " + event["request"]["clientMetadata"].get("why", "no reason"))
    if email.endswith("@blocked.example"):
        raise Exception("Email domain not allowed")
    if email.endswith("@trusted.example"):
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event
