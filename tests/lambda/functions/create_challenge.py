"""CreateAuthChallenge: a question whose answer only the function knows."""


def handler(event, context):
    round_number = len(event["request"]["session"]) + 1
    event["response"]["publicChallengeParameters"] = {"question": f"What is 6 x 7? (round {round_number})"}
    event["response"]["privateChallengeParameters"] = {"answer": "42"}
    event["response"]["challengeMetadata"] = f"QUESTION-{round_number}"
    return event
