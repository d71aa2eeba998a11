"""The in-process mode: each page asked for through Flask's test client in this process, one at a
time, with the CPU time it took (time.process_time, so a busy shared machine does not count) and
the SQL statements it ran. The figures that do not depend on how many cores are free.

    python -m bench.inprocess --database-url sqlite:///bench/out/district-20000-s1.db
    python -m bench.inprocess ... --slow     # with the rendering caches off (how it was before)
    python -m bench.inprocess ... --profile person_summary   # where one page's time goes
    python -m bench.inprocess ... --statements referral_queue  # each of its statements' time
    python -m bench.inprocess ... --statements worklist_busy_agency --explain 5  # and the plans of those over 5 ms
    python -m bench.inprocess ... --against sqlite:///bench/out/district-400000-s1.db  # growth, side by side
"""

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import event

DEMO_PASSWORD = "oneplan-demo-2026"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_HIDDEN = re.compile(r'name="(csrf_token|version)" value="([^"]*)"')


def make_app(database_url: str, fast: bool = True):
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-in-process",
            "SIGN_IN_RATE_LIMIT": "100000 per minute",
            "API_RATE_LIMIT": "100000 per minute",
            "REDIS_URL": "",
            "FAST_RENDERING": fast,
        }
    )


def sign_in(app, username: str, recovery_code: str):
    client = app.test_client()
    token = _CSRF_META.search(client.get("/sign-in").get_data(as_text=True))
    if token is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    answer = client.post("/sign-in", data={"csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD, "next": ""})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"signing in as {username} answered {answer.status_code}")
    if "second-factor" in answer.headers.get("Location", ""):
        page = client.get("/sign-in/second-factor").get_data(as_text=True)
        token = _CSRF_META.search(page)
        answer = client.post("/sign-in/second-factor", data={"csrf_token": token.group(1) if token else "", "code": recovery_code})
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"the second factor for {username} answered {answer.status_code}")
    return client


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def timing(engine, asked: Any = None):
    """Each statement run, with its wall time in ms (the database's work, on a server or in process);
    and in `asked` (a dict), if given, each statement's last parameters, to explain it with."""
    timed: list[tuple[str, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timed.append((statement, (time.perf_counter() - conn.info.pop("bench_started")) * 1000))
        if asked is not None:
            asked[statement] = parameters

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timed
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def by_statement(timed: list[tuple[str, float]], requests: int) -> list[tuple[float, float, float, str]]:
    """Per distinct statement, slowest first: runs a request, median and total ms a request, its SQL."""
    runs: dict[str, list[float]] = {}
    for statement, ms in timed:
        runs.setdefault(statement, []).append(ms)
    return sorted(
        ((len(ms) / requests, statistics.median(ms), sum(ms) / requests, statement) for statement, ms in runs.items()),
        key=lambda row: -row[2],
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(round(share * len(ordered) + 0.5)) - 1, 0)] if ordered else float("nan")


# One measured request: the CPU seconds and wall seconds it took, the statements it ran and the
# bytes it answered (a fuller page costs more to render: 5 people found in a small district, a page
# of 20 in a large one).
Sample = tuple[float, float, int, int]


def page_probe(app, client, paths: list[tuple[str, bool]]) -> Callable[[int], Sample]:
    """Asks for the nth of `paths` (round and round) and measures it."""
    engine = app.extensions["oneplan_engine"]

    def one(n: int) -> Sample:
        path, htmx = paths[n % len(paths)]
        with counting(engine) as ran:
            started_cpu, started = time.process_time(), time.perf_counter()
            answer = client.get(path, headers={"HX-Request": "true"} if htmx else {})
            spent_cpu, spent = time.process_time() - started_cpu, time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
        return spent_cpu, spent, len(ran), len(answer.get_data())

    return one


def save_probe(app, client, caseload: list[int]) -> Callable[[int], Sample]:
    """Saving an assessment section of the nth of `caseload` as its key worker: the edit form first
    (not measured) for its CSRF token and version, then the save."""
    engine = app.extensions["oneplan_engine"]

    def one(n: int) -> Sample:
        base = f"/people/{caseload[n % len(caseload)]}/assessment/sections/perspective"
        form = client.get(base + "/edit", headers={"HX-Request": "true"}).get_data(as_text=True)
        body = {**dict(_HIDDEN.findall(form)), "what_matters": f"In-process save {time.time_ns()}", "perspective_given_by": "person"}
        with counting(engine) as ran:
            started_cpu, started = time.process_time(), time.perf_counter()
            answer = client.post(
                base, data=urlencode(body), content_type="application/x-www-form-urlencoded", headers={"HX-Request": "true"}
            )
            spent_cpu, spent = time.process_time() - started_cpu, time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"saving {base} answered {answer.status_code}")
        return spent_cpu, spent, len(ran), len(answer.get_data())

    return one


PAGE_WARM_UP = 20  # compiled templates, caches, connections
SAVE_WARM_UP = 10


def measure_page(app, client, paths: list[tuple[str, bool]], requests: int) -> dict[str, Any]:
    return interleaved([page_probe(app, client, paths)], requests, min(PAGE_WARM_UP, requests))[0]


def measure_saves(app, client, caseload: list[int], requests: int) -> dict[str, Any]:
    return interleaved([save_probe(app, client, caseload)], requests, SAVE_WARM_UP)[0]


def interleaved(probes: list[Callable[[int], Sample]], requests: int, warm_up: int) -> list[dict[str, Any]]:
    """Each probe's figures over `requests` measured requests after `warm_up` unmeasured ones. With
    more than one probe they take turns request by request, the first first on even turns and last
    on odd ones: a burst of other work on the shared machine lands on them all alike, so their
    ratio holds where figures from two runs minutes apart do not."""
    for n in range(warm_up):
        for probe in probes:
            probe(n)
    samples: list[list[Sample]] = [[] for _ in probes]
    for n in range(warm_up, warm_up + requests):
        order = range(len(probes)) if n % 2 == 0 else range(len(probes) - 1, -1, -1)
        for side in order:
            samples[side].append(probes[side](n))
    return [_figures([s[0] for s in taken], [s[1] for s in taken], [s[2] for s in taken], [s[3] for s in taken]) for taken in samples]


def _figures(cpu: list[float], wall: list[float], statements: list[int], sizes: list[int]) -> dict[str, Any]:
    return {
        "kb": round(statistics.median(sizes) / 1000, 1),
        "cpu_ms": round(statistics.median(cpu) * 1000, 3),
        "cpu_ms_p95": round(_percentile(cpu, 0.95) * 1000, 3),
        "wall_ms": round(statistics.median(wall) * 1000, 3),
        "statements": int(statistics.median(statements)),
        "statements_max": max(statements),
        "requests": len(cpu),
    }


def _signed_in(app, scenarios: dict, codes: dict[str, list[str]]) -> dict:
    return {who: sign_in(app, who, codes[who].pop()) for who in {who for who, entries in scenarios.values() if entries}}


def _caseload(scenarios: dict) -> list[int]:
    """The key worker's people the assessment scenario reads: the save saves theirs (none when left out)."""
    return [params["person_id"] for _, _, params in scenarios.get("assessment", ("nurse", []))[1]]


def measure(database_url: str, scenarios: dict, requests: int, codes: dict[str, list[str]], fast: bool = True) -> dict[str, dict]:
    """CPU ms and statements for each scenario (who, [(path, htmx, floor parameters)]), and the save."""
    app = make_app(database_url, fast)
    clients = _signed_in(app, scenarios, codes)
    results = {}
    for name, (who, entries) in scenarios.items():
        if entries:
            results[name] = measure_page(app, clients[who], [(path, htmx) for path, htmx, _ in entries], requests)
    caseload = _caseload(scenarios)
    if caseload:
        results[SAVE] = measure_saves(app, clients["nurse"], caseload, max(requests // 2, 20))
    app.extensions["oneplan_engine"].dispose()
    return results


def compare(sides: list[tuple[str, dict, dict[str, list[str]]]], requests: int) -> dict[str, dict]:
    """Growth measured side by side: for each (database URL, scenarios, codes) in `sides` (the
    small district, then the large), each page's figures, the districts taking turns request by
    request in this one process (`interleaved`); and the large's CPU ms over the small's."""
    apps = [make_app(url) for url, _, _ in sides]
    clients = [_signed_in(app, scenarios, codes) for app, (_, scenarios, codes) in zip(apps, sides, strict=True)]
    every = [scenarios for _, scenarios, _ in sides]
    names = [name for name, (_, entries) in every[0].items() if entries and all(s.get(name, (None, []))[1] for s in every[1:])]
    results: dict[str, dict] = {}
    for name in names:
        probes = [
            page_probe(app, signed[scenarios[name][0]], [(path, htmx) for path, htmx, _ in scenarios[name][1]])
            for app, signed, scenarios in zip(apps, clients, every, strict=True)
        ]
        results[name] = _side_by_side(interleaved(probes, requests, min(PAGE_WARM_UP, requests)))
    caseloads = [_caseload(scenarios) for scenarios in every]
    if all(caseloads):
        probes = [save_probe(app, signed["nurse"], caseload) for app, signed, caseload in zip(apps, clients, caseloads, strict=True)]
        results[SAVE] = _side_by_side(interleaved(probes, max(requests // 2, 20), SAVE_WARM_UP))
    for app in apps:
        app.extensions["oneplan_engine"].dispose()
    return results


def _side_by_side(figures: list[dict[str, Any]]) -> dict[str, Any]:
    small, large = figures[0], figures[-1]
    return {
        "small": small,
        "large": large,
        "cpu_ms": round(large["cpu_ms"] / small["cpu_ms"], 2) if small["cpu_ms"] > 0 else None,
        "statements": round(large["statements"] / small["statements"], 2) if small["statements"] > 0 else None,
        "kb": round(large["kb"] / small["kb"], 2) if small["kb"] > 0 else None,
        # Wall time counts the database server's work too (on PostgreSQL, another process's CPU).
        "wall_ms": round(large["wall_ms"] / small["wall_ms"], 2) if small["wall_ms"] > 0 else None,
    }


def main(argv=None) -> int:
    from sqlalchemy import create_engine

    from bench.__main__ import _second_factors, build_scenarios

    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a built district (python -m bench builds one)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow", action="store_true", help="the rendering caches off, as before they were made")
    parser.add_argument("--profile", help="profile one scenario with cProfile and print where its time goes")
    parser.add_argument("--statements", help="time each SQL statement of one scenario (the save's with its edit form)")
    parser.add_argument(
        "--explain", type=float, metavar="MS", help="with --statements: the plan (EXPLAIN ANALYZE) of each query taking MS or more"
    )
    parser.add_argument(
        "--against",
        metavar="DATABASE_URL",
        help="a larger district: each page measured on both, taking turns, and the growth from this one to it",
    )
    args = parser.parse_args(argv)
    engine = create_engine(args.database_url)
    from bench import big_plan

    scenarios = build_scenarios(engine, random.Random(args.seed), big_plan.ensure(args.database_url))
    codes = _second_factors(engine, {who for who, entries in scenarios.values() if entries}, 2)
    if args.profile or args.statements:
        return profile(args, scenarios, codes)
    if args.against:
        other = create_engine(args.against)
        other_scenarios = build_scenarios(other, random.Random(args.seed), big_plan.ensure(args.against))
        other_codes = _second_factors(other, {who for who, entries in other_scenarios.values() if entries}, 2)
        side_by_side = compare([(args.database_url, scenarios, codes), (args.against, other_scenarios, other_codes)], args.requests)
        print_growth(side_by_side)
        print(json.dumps(side_by_side))
        return 0
    results = measure(args.database_url, scenarios, args.requests, codes, fast=not args.slow)
    print(f"{'page':<32}{'CPU ms':>9}{'CPU p95':>9}{'statements':>12}")
    for name, figures in results.items():
        print(f"{name:<32}{figures['cpu_ms']:>9.2f}{figures['cpu_ms_p95']:>9.2f}{figures['statements']:>12}")
    print(json.dumps(results))
    return 0


SAVE = "assessment_section_save"  # measured by measure_saves, not a page of build_scenarios


def print_growth(side_by_side: dict[str, dict]) -> None:
    print(
        f"{'page':<32}{'CPU ms small':>13}{'CPU ms large':>13}{'growth':>8}{'wall ms small':>14}{'wall ms large':>14}{'growth':>8}"
        f"{'statements':>12}{'kB small':>10}{'kB large':>10}"
    )
    for name, figures in side_by_side.items():
        small, large = figures["small"], figures["large"]
        statements = f"{small['statements']} / {large['statements']}"
        print(
            f"{name:<32}{small['cpu_ms']:>13.2f}{large['cpu_ms']:>13.2f}{figures['cpu_ms']:>7.2f}x"
            f"{small['wall_ms']:>14.2f}{large['wall_ms']:>14.2f}{figures['wall_ms']:>7.2f}x"
            f"{statements:>12}{small['kb']:>10.1f}{large['kb']:>10.1f}"
        )


def profile(args, scenarios: dict, codes: dict) -> int:
    import cProfile
    import pstats

    asked = getattr(args, "statements", None) or args.profile
    saving = asked == SAVE
    if not saving and not scenarios.get(asked, (None, []))[1]:
        known = ", ".join(sorted([name for name, (_, entries) in scenarios.items() if entries] + [SAVE]))
        print(f"no scenario {asked!r} to profile; one of: {known}", file=sys.stderr)
        return 2
    app = make_app(args.database_url, fast=not args.slow)
    who, entries = scenarios["assessment" if saving else asked]
    client = sign_in(app, who, codes[who].pop())
    caseload = [params["person_id"] for _, _, params in entries] if saving else []  # the key worker's, as the measured save uses
    paths = [(path, htmx) for path, htmx, _ in entries]

    def run(requests: int) -> None:
        if saving:
            measure_saves(app, client, caseload, requests)
        else:
            measure_page(app, client, paths, requests)

    run(20)
    if getattr(args, "statements", None):
        engine = app.extensions["oneplan_engine"]
        asked: dict = {}
        with timing(engine, asked) as timed:
            run(args.requests)
        # Each measure_ function warms up too; for the save, a request is an edit form and its save.
        served = args.requests + (10 if saving else min(20, args.requests))
        print(f"{'a request':>9}{'median ms':>10}{'ms a request':>13}  statement")
        rows = by_statement(timed, served)
        for runs, median, total, statement in rows:
            print(f"{runs:>9.2f}{median:>10.3f}{total:>13.3f}  {' '.join(statement.split())[:400]}")
        if args.explain is not None:
            explain(engine, [(statement, asked[statement]) for _, median, _, statement in rows if median >= args.explain])
        return 0
    profiler = cProfile.Profile()
    profiler.enable()
    run(args.requests)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return 0


def explain(engine, statements: list[tuple[str, Any]]) -> None:
    """Each query's plan as the database runs it with the parameters it last had (EXPLAIN ANALYZE:
    it runs again, so only SELECT and WITH statements, which change nothing)."""
    words = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            print(f"\n{' '.join(statement.split())[:2000]}\n{parameters}")
            for row in connection.exec_driver_sql(words + statement, parameters).all():
                print("    " + " | ".join(str(value) for value in row))
            connection.rollback()


if __name__ == "__main__":
    sys.exit(main())
