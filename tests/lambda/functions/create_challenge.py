"""CreateAuthChallenge: a question whose answer only the function knows."""


def handler(event, context):
    asked = [s for s in event["request"]["session"] if s["challengeName"] == "CUSTOM_CHALLENGE"]
    round_number = len(asked) + 1
    event["response"]["publicChallengeParameters"] = {"question": f"What is 6 x 7? (round {round_number})"}
    event["response"]["privateChallengeParameters"] = {"answer": "42"}
    event["response"]["challengeMetadata"] = f"QUESTION-{round_number}"
    return event
