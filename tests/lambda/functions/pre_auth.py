"""PreAuthentication: suspended accounts cannot sign in."""


def handler(event, context):
    if event["request"]["userAttributes"].get("email", "").endswith("@suspended.example"):
        raise Exception("This account is suspended")
    return event
