"""dpm._errors: the package's one exception class."""


class Error(RuntimeError):
    """An error dpmc or a built model reported (a bad model file, an
    unstable grid, a state that blew up, an unknown loss): the message is
    theirs, as dpmc would print it."""
