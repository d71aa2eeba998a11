"""Bounded concurrent load over loopback: each client thread is a signed-in user with its own
keep-alive connection; every request is timed end to end and any non-200 is an error."""

import http.client
import itertools
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlencode

from bench.stats import Summary, summarise

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    """One user's browser, reduced to a cookie jar of one session cookie and one connection."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: Optional[str] = None, headers: Optional[dict] = None) -> tuple[int, str]:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        sent.update(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.connection.close()  # the server closed a kept-alive connection: open a new one and retry once
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def get(self, path: str, htmx: bool = False) -> tuple[int, str]:
        return self.request("GET", path, headers={"HX-Request": "true"} if htmx else None)

    def sign_in(self, username: str, password: str, second_factor: Optional[str] = None) -> None:
        status, page = self.get("/sign-in")
        token = _CSRF_FIELD.search(page)
        if status != 200 or token is None:
            raise RuntimeError(f"sign-in page answered {status}")
        status, _ = self.request(
            "POST", "/sign-in", urlencode({"csrf_token": token.group(1), "username": username, "password": password, "next": ""})
        )
        if status not in (302, 303):
            raise RuntimeError(f"signing in as {username} answered {status}: check the demo password")
        if second_factor is not None:
            status, page = self.get("/sign-in/second-factor")
            token = _CSRF_FIELD.search(page)
            if status != 200 or token is None:
                raise RuntimeError(f"the second-factor page answered {status} for {username}")
            status, _ = self.request("POST", "/sign-in/second-factor", urlencode({"csrf_token": token.group(1), "code": second_factor}))
            if status not in (302, 303):
                raise RuntimeError(f"the second factor for {username} answered {status}")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Drive:
    """What one or more runs of a side measured: every latency, the errors, the time they took."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0  # the CPU time the server's processes spent meanwhile, when known

    def add(self, other: "Drive") -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        self.wall_s += other.wall_s
        self.server_cpu_s += other.server_cpu_s

    def server_cpu_ms(self) -> float:
        """The server's CPU time a request: what a request costs whatever else the machine is doing."""
        return round(self.server_cpu_s * 1000 / len(self.latencies), 3) if self.latencies else float("nan")

    def summary(self) -> Summary:
        return summarise(self.latencies, self.errors, self.wall_s)


def drive(
    clients: list, paths: list[tuple[str, bool]], requests: int, call: Callable, start: int = 0, seconds: Optional[float] = None
) -> Drive:
    """Send `requests` requests, spread over the clients (one thread each), each taking the next
    path in turn from the `start`th; `call(client, path, htmx)` returns True when the answer is right.
    With `seconds`, send for that long instead, however many that makes: every client keeps asking
    until the time is up and finishes the request it is in (and sends at least one, however slow)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(start, start + requests)) if seconds is None else itertools.count(start)
    counter_lock = threading.Lock()
    deadline = [math.inf]

    def worker(client) -> None:
        mine: list[float] = []
        bad = 0
        while True:
            with counter_lock:
                n = next(counter, None) if time.perf_counter() < deadline[0] or not mine else None
            if n is None:
                break
            path, htmx = paths[n % len(paths)]
            started = time.perf_counter()
            ok = call(client, path, htmx)
            mine.append(time.perf_counter() - started)
            bad += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(client,)) for client in clients]
    started = time.perf_counter()
    if seconds is not None:
        deadline[0] = started + seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Drive(latencies, errors[0], time.perf_counter() - started)


def run(clients: list, paths: list[tuple[str, bool]], requests: int, call: Callable) -> Summary:
    """`requests` requests over the clients, summarised."""
    return drive(clients, paths, requests, call).summary()


@dataclass
class Side:
    """One of the things measured side by side: its clients, the paths they ask for, how to ask."""

    clients: list
    paths: list[tuple[str, bool]]
    call: Callable
    server_cpu: Optional[Callable[[], float]] = None  # the server's CPU seconds so far


def interleaved(sides: list[Side], requests: int, rounds: int, seconds: Optional[float] = None) -> list[Drive]:
    """Each side sends `requests` requests in `rounds` rounds, taking turns (the first side first in
    even rounds, the last side first in odd ones), so that all of them see the same load from the
    rest of the machine; each side's paths carry on where its last round stopped. With `seconds`,
    each side sends for that long in each of the `rounds` rounds instead: both are then measured over
    the same stretches of the machine's time, however fast each is, and requests a second is what
    each managed in its own time (`requests` is not used)."""
    rounds = max(1, rounds if seconds is not None else min(rounds, requests))
    totals = [Drive() for _ in sides]
    for r in range(rounds):
        count = requests // rounds + (1 if r < requests % rounds else 0)
        order = list(range(len(sides))) if r % 2 == 0 else list(reversed(range(len(sides))))
        for index in order:
            side = sides[index]
            before = side.server_cpu() if side.server_cpu else 0.0
            measured = drive(side.clients, side.paths, count, side.call, start=len(totals[index].latencies), seconds=seconds)
            measured.server_cpu_s = side.server_cpu() - before if side.server_cpu else 0.0
            totals[index].add(measured)
    return totals


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_and_parent(pid: int) -> tuple[float, int]:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[1])  # utime + stime; the parent's pid


def server_cpu(master: int) -> Callable[[], float]:
    """The CPU seconds a gunicorn master and its workers have spent so far (Linux's /proc), so that a
    round can say what it cost the server a request, however busy the rest of the machine was."""

    def spent() -> float:
        total = 0.0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cpu, parent = _cpu_and_parent(int(entry))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            if int(entry) == master or parent == master:
                total += cpu
        return total

    return spent
