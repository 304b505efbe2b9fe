"""DefineAuthChallenge: one custom challenge; tokens once it is answered right, failure after
three wrong answers."""


def handler(event, context):
    session = event["request"]["session"]
    response = event["response"]
    if session and session[-1]["challengeName"] == "CUSTOM_CHALLENGE" and session[-1]["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif len(session) >= 3:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(issueTokens=False, failAuthentication=False, challengeName="CUSTOM_CHALLENGE")
    return event
