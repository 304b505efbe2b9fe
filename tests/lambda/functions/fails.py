"""Always fails, as a function with a bug does."""


def handler(event, context):
    raise ValueError("Something broke")
