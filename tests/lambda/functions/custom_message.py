"""CustomMessage: its own wording for sign-up and recovery codes; one that loses the code."""


def handler(event, context):
    code = event["request"]["codeParameter"]
    name = event["request"]["userAttributes"].get("name", "there")
    if name == "Careless":
        event["response"]["emailMessage"] = "Welcome! (the code got lost)"
        return event
    if name == "Linda":
        # A pool that confirms with a link: the link placeholder instead of the code.
        event["response"]["emailSubject"] = "Confirm your Mosaic account"
        event["response"]["emailMessage"] = f"Hi Linda, {event['request']['linkParameter']}"
    elif event["triggerSource"] == "CustomMessage_SignUp":
        event["response"]["emailSubject"] = "Welcome to Mosaic"
        event["response"]["emailMessage"] = f"Hi {name}, your Mosaic code is {code}."
        event["response"]["smsMessage"] = f"Mosaic code {code}"
    elif event["triggerSource"] == "CustomMessage_AdminCreateUser":
        user = event["request"]["usernameParameter"]
        event["response"]["emailSubject"] = "Your Mosaic account"
        event["response"]["emailMessage"] = f"Welcome {user}, your temporary password is {code}."
    elif event["triggerSource"] == "CustomMessage_Authentication":
        event["response"]["smsMessage"] = f"Mosaic sign-in code {code}"
    elif event["triggerSource"] == "CustomMessage_ForgotPassword":
        event["response"]["emailSubject"] = "Reset your Mosaic password"
        event["response"]["emailMessage"] = f"{name}, reset with {code}."
    return event
