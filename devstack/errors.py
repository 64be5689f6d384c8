import shutil


class StackError(Exception):
    """A failure the user can act on; the CLI prints it as one line, without a traceback."""


def require(tool: str, hint: str) -> str:
    """The path of `tool` on PATH, or a StackError that says how to get it."""
    path = shutil.which(tool)
    if path is None:
        raise StackError(f"`{tool}` is not on PATH: {hint}")
    return path
