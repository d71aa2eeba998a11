"""Long work shows its progress: a bar with counts, rate and time left on a terminal, plain lines
every few seconds otherwise."""

import io

from app.ops.progress import Progress, Reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_it_writes_a_plain_line_every_few_seconds_with_count_rate_and_time_left():
    out, clock = io.StringIO(), Clock()
    progress = Progress("people", 400_000, stream=out, every_seconds=5, clock=clock)
    for second in range(1, 11):
        clock.now = second
        progress.update(20_000 * second)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines == [
        "people: 100,000 / 400,000 (25%), 20,000 a second, about 15 s left",
        "people: 200,000 / 400,000 (50%), 20,000 a second, about 10 s left",
        "people: 200,000 in 10.0 s",
    ]


def test_on_a_terminal_it_draws_clicks_bar_with_the_count_and_rate():
    out, clock = Terminal(), Clock()
    progress = Progress("people", 1000, stream=out, clock=clock)
    clock.now = 2
    progress.update(500)
    clock.now = 4
    progress.update(1000)
    progress.finish()
    shown = out.getvalue()
    assert "people" in shown and "1000/1000" in shown and "250 a second" in shown
    assert shown.rstrip().endswith("people: 1,000 in 4.0 s")


def test_work_of_unknown_size_shows_its_count_and_rate():
    out, clock = io.StringIO(), Clock()
    progress = Progress("backup", None, unit=" bytes", stream=out, every_seconds=1, clock=clock)
    clock.now = 2
    progress.update(4_000_000)
    assert out.getvalue().splitlines() == ["backup: 4,000,000 bytes, 2,000,000 bytes a second"]


def test_a_reporter_starts_its_progress_at_the_first_report_and_says_nothing_without_one():
    out = io.StringIO()
    silent = Reporter("restore", stream=out)
    silent.finish()
    assert out.getvalue() == ""
    reporter = Reporter("restore", " pages", stream=out)
    reporter(10, 40)
    reporter(40, 40)
    reporter.finish()
    assert out.getvalue().splitlines()[-1].startswith("restore: 40 pages in ")
