"""The CLI's progress reports. Long jobs report through a `progress(done, total, message)`
callback (the app passes its own to st.progress); this turns those calls into one tqdm
bar per message on a terminal, and into plain periodic lines when stderr is a file or
a pipe (a redrawn bar would fill `make demo > log` with carriage returns). Both go to
stderr so piped output stays clean."""
from __future__ import annotations

import sys
import time
from typing import IO, Callable

from .display import terminal

#: Seconds between two plain progress lines of the same step.
LINE_INTERVAL = 10.0


class ProgressBars:
    """Callable `(done, total, message)`; a new `message` starts a new bar (or line series).

    `stream` defaults to stderr; `interactive` (default: `stream.isatty()`) picks bars or lines.
    """

    def __init__(self, enabled: bool = True, *, unit: str = " rows", leave: bool = True,
                 stream: IO[str] | None = None, interactive: bool | None = None,
                 interval: float = LINE_INTERVAL) -> None:
        self.enabled = enabled
        self.unit = unit
        self.leave = leave
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = _is_terminal(self.stream) if interactive is None else interactive
        self.interval = interval
        self.message: str | None = None
        self.bar = None
        self._line_state: tuple[int, int | None, float] | None = None  # done, total, time printed

    def __call__(self, done: int, total: int | None, message: str) -> None:
        if not self.enabled:
            return
        message = terminal(message)  # messages name files and stages: a file name can hold escapes
        if not self.interactive:
            self._line(done, total, message)
            return
        from tqdm import tqdm

        if message != self.message:
            self.close()
            self.message = message
            self.bar = tqdm(total=total, desc=message, unit=self.unit, unit_scale=bool(self.unit.strip()),
                            dynamic_ncols=True, leave=self.leave, file=self.stream)
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def _line(self, done: int, total: int | None, message: str) -> None:
        now = time.monotonic()
        if message != self.message:
            self.close()
            self.message = message
            self._write(done, total, message)
            self._line_state = (done, total, now)
            return
        finished = total is not None and done >= total
        if finished or now - self._line_state[2] >= self.interval:
            if (done, total) != self._line_state[:2]:
                self._write(done, total, message)
            self._line_state = (done, total, now)

    def _write(self, done: int, total: int | None, message: str) -> None:
        if done == 0 and total is None:  # a step starting, nothing counted yet: "0 rows" says nothing
            print(f"{message} ...", file=self.stream, flush=True)
            return
        unit = self.unit.strip()
        amount = f"{done:,}" if total is None else f"{done:,}/{total:,}"
        share = f" ({100 * done / total:.0f}%)" if total else ""
        print(f"{message}: {amount}{(' ' + unit) if unit else ''}{share}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.message = None
        self._line_state = None


def running_total(progress: Callable[[int, int | None, str], None], total: int | None,
                  message: str) -> Callable[[int], None]:
    """A `step(n)` callback for work that reports each round's count (`db.run_batched`,
    `db.run_until_done`, a staging reader): it adds `n` up and reports the running total
    as `progress(done, total, message)`."""
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total, message)
    return step


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
