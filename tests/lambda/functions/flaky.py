"""The first call for each user meets an unavailable service; later calls succeed."""

import threading

seen = set()
lock = threading.Lock()


def handler(event, context):
    key = (event["userPoolId"], event["userName"], event["triggerSource"])
    with lock:
        first = key not in seen
        seen.add(key)
    if first:
        raise Retry()
    return event
