"""Takes longer than Cognito's five seconds."""

import time


def handler(event, context):
    time.sleep(7)
    return event
