"""PreTokenGeneration V2: a claim in each token, a scope added, an attempt at a reserved claim."""


def handler(event, context):
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "gold"}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {
                "tenant": "acme",
                "source": event["triggerSource"],
                "roles": ["reader", "writer"],
                "client_id": "forged",
            },
            "scopesToAdd": ["tessera/extra"],
        },
    }
    return event
