"""What an exception may say in a log: its type and where it was raised, never its message
(which can quote user text, e.g. `KeyError: '𗀀'`) and never a traceback's values."""

from __future__ import annotations

import os
import traceback


def described(exc: BaseException) -> str:
    """`Type at file.py:line in function`, from the innermost frame of the project's own code
    (or the innermost frame when none is ours)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}bot{os.sep}" in f.filename]
    if not frames:
        return type(exc).__name__
    frame = (ours or frames)[-1]
    where = os.path.basename(frame.filename)
    innermost = frames[-1]
    inside = "" if innermost is frame else f" (in {os.path.basename(innermost.filename)})"
    return f"{type(exc).__name__} at {where}:{frame.lineno} in {frame.name}{inside}"
