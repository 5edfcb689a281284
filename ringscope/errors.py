"""The error every RingScope failure is turned into before it reaches a user.

Its message is one line that says what failed and what to do; the CLI prints it
and exits non-zero instead of showing a traceback.
"""


class RingScopeError(Exception):
    exit_code = 1
