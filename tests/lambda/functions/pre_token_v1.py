"""PreTokenGeneration V1: a claim and a group in the ID token."""


def handler(event, context):
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"tier": "gold", "sub": "forged"},
        "groupOverrideDetails": {"groupsToOverride": ["from-trigger"]},
    }
    return event
