"""Answers PreSignUp with a flag that is not a boolean."""


def handler(event, context):
    event["response"]["autoConfirmUser"] = "yes"
    return event
