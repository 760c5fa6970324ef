"""The progress bar of ``seed_demo`` (the first ``bin/demo`` start takes minutes)."""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 24


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """``[██████░░░░░░]`` for ``fraction`` of the way."""
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return "[" + "█" * filled + "░" * (width - filled) + "]"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class ProgressBar:
    """Draws ``[████░░░░] 42%  2/2 seed_requests 312/1050  1m05s, ~1m30s left``.

    On a terminal the line is redrawn in place; elsewhere (a log file, CI) a line is
    written at each step and every 10 %, so the output stays short. ``log`` lines are
    printed above the bar.
    """

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.start = time.monotonic()
        self.last_decile = -1
        self.last_step = ""
        self.line = ""

    def text(self, overall: float, step: str, detail: str) -> str:
        elapsed = time.monotonic() - self.start
        parts = [bar(overall), f"{overall * 100:3.0f}%", step, detail, duration(elapsed)]
        if 0.05 < overall < 1:
            parts[-1] += f"，约剩 {duration(elapsed / overall - elapsed)} / ~left"
        return "  ".join(p for p in parts if p)

    def __call__(self, overall: float, step: str, detail: str) -> None:
        if not step and overall >= 1:
            step = "完成 / done"
        self.line = self.text(overall, step, detail)
        if self.tty:
            self.stream.write("\r\033[K" + self.line)
            if overall >= 1:
                self.stream.write("\n")
            self.stream.flush()
            return
        decile = int(overall * 10)
        if decile != self.last_decile or step != self.last_step:
            self.last_decile, self.last_step = decile, step
            self.stream.write(self.line + "\n")
            self.stream.flush()

    def log(self, message: str) -> None:
        if self.tty and self.line:
            self.stream.write("\r\033[K" + message + "\n" + self.line)
        else:
            self.stream.write(message + "\n")
        self.stream.flush()
