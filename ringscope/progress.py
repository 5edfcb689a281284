"""The CLI's progress bars. Long jobs report through a `progress(done, total, message)`
callback (the app passes its own to st.progress); this turns those calls into
one tqdm bar per message, on stderr so piped output stays clean."""
from __future__ import annotations

import sys


class ProgressBars:
    def __init__(self, enabled: bool = True, *, unit: str = " rows", leave: bool = True) -> None:
        self.enabled = enabled
        self.unit = unit
        self.leave = leave
        self.message: str | None = None
        self.bar = None

    def __call__(self, done: int, total: int | None, message: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if message != self.message:
            self.close()
            self.message = message
            self.bar = tqdm(total=total, desc=message, unit=self.unit, unit_scale=bool(self.unit.strip()),
                            dynamic_ncols=True, leave=self.leave, file=sys.stderr)
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.message = None
