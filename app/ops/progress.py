"""Progress of long work (a demo district of millions, a backup, a restore): click's progress bar,
with counts, rate and time left, on a terminal; plain lines every few seconds otherwise (CI logs,
pipes), so a log shows the work moving without a line per row."""

import sys
import time
from collections.abc import Callable
from typing import IO, Any, Optional, TextIO, cast

import click


class Progress:
    """`update(done)` as the work goes (the count so far), `finish()` at the end.

    `total` None is work whose size is not known in advance (bytes pg_dump writes): counts and
    rate, no time left."""

    def __init__(
        self,
        label: str,
        total: Optional[int],
        *,
        unit: str = "",
        stream: Optional[IO[str]] = None,
        every_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream if stream is not None else sys.stdout
        self.every_seconds, self.clock = every_seconds, clock
        self.started = self.last_line = clock()
        self.done = 0
        self._bar: Any = None

    def _on_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def rate(self) -> float:
        spent = self.clock() - self.started
        return self.done / spent if spent > 0 else 0.0

    def _rate(self, _item: Any = None) -> str:
        return f"{self.rate():,.0f}{self.unit} a second"

    def line(self) -> str:
        """How far the work has gone, as one line."""
        rate = self.rate()
        if self.total:
            share = 100 * self.done / self.total
            left = f", about {(self.total - self.done) / rate:,.0f} s left" if rate > 0 and self.done < self.total else ""
            return f"{self.label}: {self.done:,} / {self.total:,}{self.unit} ({share:.0f}%), {rate:,.0f}{self.unit} a second{left}"
        return f"{self.label}: {self.done:,}{self.unit}, {rate:,.0f}{self.unit} a second"

    def update(self, done: int) -> None:
        step, self.done = done - self.done, done
        if self._bar is None and self.total and self._on_terminal():  # drawn from the first count, not before
            self._bar = click.progressbar(
                length=self.total, label=self.label, show_pos=True, show_eta=True, item_show_func=self._rate, file=cast(TextIO, self.stream)
            )
            self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(step)
            return
        now = self.clock()
        if now - self.last_line >= self.every_seconds:
            self.last_line = now
            click.echo(self.line(), file=self.stream)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        spent = self.clock() - self.started
        click.echo(f"{self.label}: {self.done:,}{self.unit} in {spent:,.1f} s", file=self.stream)


class Reporter:
    """A `(done, total)` callback for work that learns its size as it goes (the pages of a SQLite
    backup, the entries of a pg_restore): the Progress starts at the first report."""

    def __init__(self, label: str, unit: str = "", stream: Optional[IO[str]] = None) -> None:
        self.label, self.unit, self.stream = label, unit, stream
        self.progress: Optional[Progress] = None

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self.progress is None:
            self.progress = Progress(self.label, total, unit=self.unit, stream=self.stream)
        self.progress.update(done)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.finish()
