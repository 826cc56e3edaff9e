"""Which command runs a project's tests, and how to read what each runner prints.

:mod:`.detect` finds the nearest project to the task's focus (a subproject's
``package.json`` before the repository's ``pyproject.toml``) and the command of its
ecosystem; :mod:`.parsers` turns each runner's output into the same condensed report.
"""

from delegate.agent.test_commands.detect import Detected, detect_command

__all__ = ["Detected", "detect_command"]
