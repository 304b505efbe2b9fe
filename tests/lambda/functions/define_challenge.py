"""DefineAuthChallenge: with SRP_A first, the password (PASSWORD_VERIFIER); then one custom
challenge: tokens once it is answered right, failure after three wrong answers."""


def handler(event, context):
    session = event["request"]["session"]
    response = event["response"]
    last = session[-1] if session else None
    custom = [s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]
    if last and last["challengeName"] == "SRP_A":
        response.update(issueTokens=False, failAuthentication=False, challengeName="PASSWORD_VERIFIER")
    elif last and not last["challengeResult"] and last["challengeName"] == "PASSWORD_VERIFIER":
        response.update(issueTokens=False, failAuthentication=True)
    elif last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif len(custom) >= 3:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(issueTokens=False, failAuthentication=False, challengeName="CUSTOM_CHALLENGE")
    return event
