"""Answers with something that is not an event."""


def handler(event, context):
    return "all good"
