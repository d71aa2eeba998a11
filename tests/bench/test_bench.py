"""The bench's own plumbing: the PostgreSQL server URL, floors that run on both databases, and a
run that fails when a figure is not a number."""

import argparse
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from bench import floor
from bench.__main__ import database_on_server, only, unmeasured


@pytest.mark.parametrize(
    "server",
    [
        "postgresql://postgres@127.0.0.1:5432/",
        "postgresql://postgres@127.0.0.1:5432",
        "postgresql://postgres@127.0.0.1:5432/test",
        "postgresql://postgres:secret@127.0.0.1:5432/",
    ],
)
def test_the_bench_database_goes_on_the_server_the_url_names_whatever_its_path(server):
    url = database_on_server(server, "oneplan_bench_20000_s1")
    assert url.startswith(server.split("@")[0] + "@127.0.0.1:5432/")
    assert url.endswith("/oneplan_bench_20000_s1")


def test_a_run_with_a_floor_that_printed_nan_has_failed():
    good = {"p50_ms": 1.0, "p95_ms": 2.0, "throughput": 100.0}
    assert unmeasured({"care_plan": {"app": good, "floor": good}, "healthz": {"app": good}}) == []
    nan = {**good, "p50_ms": float("nan")}
    assert unmeasured({"worklist_busy_agency": {"app": good, "floor": nan}}) == ["worklist_busy_agency floor p50_ms"]


def test_every_floor_query_runs_on_this_database(app, db):
    """The worklist's floor once printed nan on PostgreSQL: its subquery had no alias."""
    engine = app.extensions["oneplan_engine"]
    parameters = {
        "nhs": "9990000018",
        "low": "smi",
        "high": "smj",
        "postcode": "WF11AA",
        "dob": date(1940, 1, 1),
        "person_id": 1,
        "since": datetime.now(UTC).replace(tzinfo=None),
        "family": "smith",
        "agency_id": 1,
        "network_id": 1,
        "meeting_id": 1,
        "today": date.today(),
    }
    with engine.connect() as connection:
        for scenario in floor.QUERIES:
            assert floor.make(connection, scenario)(parameters), scenario


def _report(people: int, cpu_ms: float, p50: float) -> dict:
    figures = {"p50_ms": p50, "p95_ms": p50 * 2, "p99_ms": p50 * 3, "throughput": 100.0, "errors": 0}
    return {
        "when": "2026-11-30T12:00:00+00:00",
        "database": "sqlite",
        "people": people,
        "results": {
            "person_summary": {
                "app": figures,
                "floor": {**figures, "p50_ms": 0.5},
                "in_process": {"cpu_ms": cpu_ms, "statements": 11},
                "ratio_rps": 0.25,
                "ratio_p50": 2.0,
                "ratio_p95": 2.0,
            },
            "healthz": {"app": figures},
        },
    }


def test_growth_compares_each_page_from_the_smaller_district_to_the_larger(tmp_path, monkeypatch):
    import json

    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    (tmp_path / "results-sqlite-20000.json").write_text(json.dumps(_report(20_000, 4.0, 5.0)))
    large = _report(400_000, 6.0, 5.5)
    growth = bench_main.growth("sqlite", 400_000, large["results"])
    assert growth == {
        "small": 20_000,
        "large": 400_000,
        "limit": 1.3,
        "pages": {"person_summary": {"CPU ms": 1.5, "statements": 1.0, "p50": 1.1}, "healthz": {"p50": 1.1}},
        "method": "two runs",
    }
    assert bench_main.growth("postgresql", 400_000, large["results"]) is None  # nothing measured on PostgreSQL yet


def test_the_chart_is_an_svg_with_a_row_per_page_and_the_growth_that_grows_in_red():
    from xml.etree import ElementTree

    from bench import chart

    growth = {"small": 20_000, "large": 400_000, "limit": 1.3, "pages": {"person_summary": {"CPU ms": 1.5}}}
    svg = chart.render(_report(400_000, 6.0, 5.5), growth)
    root = ElementTree.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "person_summary" in texts and "healthz" in texts
    assert any("person_summary: CPU ms x1.50" in t for t in texts)
    assert "req/s 1/4.0, p95 x2.0" in texts  # the app against the HTTP floor
    bars = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title") if t.text and t.text.startswith("person_summary floor")]
    assert bars == ["person_summary floor p50: 0.50 ms", "person_summary floor p95: 11.00 ms"]
    red = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("fill") == "#d5281b"]
    assert len(red) == 1


def test_growth_prefers_make_benchs_pair_of_sizes(tmp_path, monkeypatch):
    import json

    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    for people in (2_000, 20_000):
        (tmp_path / f"results-sqlite-{people}.json").write_text(json.dumps(_report(people, 4.0, 5.0)))
    growth = bench_main.growth("sqlite", 400_000, _report(400_000, 6.0, 5.5)["results"])
    assert growth is not None and growth["small"] == 20_000


def test_the_app_and_its_floor_take_turns_in_rounds_each_carrying_on_through_its_paths():
    from bench import load

    asked: list[tuple[str, str]] = []

    def call(client, path, _htmx):
        asked.append((client, path))
        return path != "floor/3"  # one wrong answer: an error, not a crash

    clock = iter(range(0, 100, 3))  # the app's server: 3 CPU seconds a round
    app = load.Side(["app client"], [(f"app/{n}", False) for n in range(10)], call, lambda: float(next(clock)))
    bare = load.Side(["floor client"], [(f"floor/{n}", False) for n in range(10)], call)
    app_drive, floor_drive = load.interleaved([app, bare], requests=6, rounds=3)
    sides = [client.split()[0] for client, _ in asked]
    assert sides == ["app"] * 2 + ["floor"] * 4 + ["app"] * 4 + ["floor"] * 2  # app, floor; floor, app; app, floor
    assert [path for client, path in asked if client == "floor client"] == [f"floor/{n}" for n in range(6)]
    assert (len(app_drive.latencies), app_drive.errors, len(floor_drive.latencies), floor_drive.errors) == (6, 0, 6, 1)
    assert floor_drive.summary().requests == 6
    assert app_drive.server_cpu_ms() == 3 * 3 * 1000 / 6 and floor_drive.server_cpu_s == 0


def test_the_server_cpu_of_a_process_and_its_children_is_read_from_proc():
    import os
    import subprocess
    import sys

    from bench import load

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        spent = load.server_cpu(os.getpid())
        assert spent() >= load._cpu_and_parent(os.getpid())[0] > 0
        assert load._cpu_and_parent(child.pid)[1] == os.getpid()
    finally:
        child.communicate(b"")


def test_a_run_can_be_narrowed_to_named_scenarios_and_an_unknown_name_is_refused():
    scenarios = {"person_summary": ("nurse", []), "search_name": ("nurse", []), "care_plan": ("nurse", [])}
    assert only(scenarios, "") == scenarios
    assert list(only(scenarios, "care_plan, person_summary")) == ["person_summary", "care_plan"]
    with pytest.raises(SystemExit, match="no such scenario: serch_name"):
        only(scenarios, "person_summary,serch_name")


def test_rounds_by_time_give_each_side_its_seconds_in_turn_and_count_what_each_managed():
    import time

    from bench import load

    asked: list[str] = []

    def slow(client, path, _htmx):
        asked.append(path)
        time.sleep(0.01)
        return True

    def fast(client, path, _htmx):
        asked.append(path)
        time.sleep(0.001)
        return True

    app = load.Side(["app"], [(f"app/{n}", False) for n in range(3)], slow)
    bare = load.Side(["floor"], [(f"floor/{n}", False) for n in range(3)], fast)
    app_drive, floor_drive = load.interleaved([app, bare], requests=1, rounds=2, seconds=0.1)
    sides = [path.split("/")[0] for path in asked]
    turns = [side for n, side in enumerate(sides) if n == 0 or sides[n - 1] != side]
    assert turns == ["app", "floor", "app"]  # app, floor; floor, app: the floor's two rounds run back to back
    assert len(app_drive.latencies) > 2 and len(floor_drive.latencies) > 2  # each sent for its time, not `requests` (1)
    assert app_drive.wall_s >= 0.2 and floor_drive.wall_s >= 0.2  # two rounds of at least 0.1 s each
    assert [path for path in asked if path.startswith("floor")][:4] == ["floor/0", "floor/1", "floor/2", "floor/0"]
    assert app_drive.summary().throughput > 0


def test_a_round_is_sized_by_time_unless_a_count_is_asked_for_and_never_by_both():
    from bench.__main__ import REQUESTS, ROUND_SECONDS, timed

    def settled(*argv):
        parser = argparse.ArgumentParser()
        parser.add_argument("--round-seconds", type=float, default=None)
        parser.add_argument("--requests", type=int, default=None)
        args = parser.parse_args(argv)
        timed(parser, args)
        return args.round_seconds, args.requests

    assert settled() == (ROUND_SECONDS, REQUESTS)
    assert settled("--round-seconds", "20") == (20, REQUESTS)
    assert settled("--requests", "50") == (None, 50)
    with pytest.raises(SystemExit):
        settled("--requests", "50", "--round-seconds", "20")
    with pytest.raises(SystemExit):
        settled("--round-seconds", "0")


def test_profiling_names_the_scenarios_it_knows_when_asked_for_one_it_does_not(capsys):
    from bench import inprocess

    scenarios = {"person_summary": ("nurse", [("/people/1", False, {})]), "assessment": ("nurse", []), "mdt_meeting": ("gp", [])}
    answer = inprocess.profile(argparse.Namespace(profile="worklist", database_url="sqlite://", slow=False, requests=1), scenarios, {})
    assert answer == 2
    assert "one of: assessment_section_save, person_summary" in capsys.readouterr().err


def test_profiling_a_page_reads_only_its_paths_where_the_save_reads_the_caseload(monkeypatch, capsys):
    from bench import inprocess

    asked = []
    monkeypatch.setattr(inprocess, "make_app", lambda url, fast: "app")
    monkeypatch.setattr(inprocess, "sign_in", lambda app, who, code: f"{who} client")
    monkeypatch.setattr(inprocess, "measure_page", lambda app, client, paths, requests: asked.append(("page", client, paths)))
    monkeypatch.setattr(inprocess, "measure_saves", lambda app, client, caseload, requests: asked.append(("save", client, caseload)))
    scenarios = {
        "referral_queue": ("coordinator", [("/referrals", False, {})]),  # a page whose paths name no person
        "assessment": ("nurse", [("/people/7/assessment", False, {"person_id": 7})]),
    }
    codes = {"coordinator": ["1"], "nurse": ["2"]}
    namespace = argparse.Namespace(database_url="sqlite://", slow=False, requests=1)
    assert inprocess.profile(argparse.Namespace(profile="referral_queue", **vars(namespace)), scenarios, codes) == 0
    assert inprocess.profile(argparse.Namespace(profile="assessment_section_save", **vars(namespace)), scenarios, codes) == 0
    assert asked == [("page", "coordinator client", [("/referrals", False)])] * 2 + [("save", "nurse client", [7])] * 2
    capsys.readouterr()


def test_statement_times_are_grouped_by_statement_slowest_first_per_request():
    from bench import inprocess

    timed = [("SELECT a", 1.0), ("SELECT b", 5.0), ("SELECT a", 3.0), ("SELECT a", 2.0)]
    assert inprocess.by_statement(timed, requests=2) == [(1.5, 2.0, 3.0, "SELECT a"), (0.5, 5.0, 2.5, "SELECT b")]


def test_explaining_prints_each_querys_plan_with_its_parameters_and_runs_no_change(app, db, capsys):
    from bench import inprocess

    engine = app.extensions["oneplan_engine"]
    asked: dict = {}
    with inprocess.timing(engine, asked), engine.connect() as connection:
        connection.execute(text("SELECT id FROM person WHERE id = :id"), {"id": 7})
    [(statement, parameters)] = asked.items()
    inprocess.explain(engine, [(statement, parameters), ("DELETE FROM person", {})])
    printed = capsys.readouterr().out
    assert "SELECT id FROM person WHERE id" in printed and "7" in printed
    assert ("Index" in printed) or ("SEARCH" in printed)  # PostgreSQL's plan, or SQLite's
    assert "DELETE" not in printed


def test_two_districts_take_turns_request_by_request_and_the_warm_up_is_not_counted():
    from bench import inprocess

    asked: list[tuple[str, int]] = []

    def probe(side: str, cpu: float):
        def one(n: int):
            asked.append((side, n))
            return cpu, cpu * 2, 3 if side == "small" else 4, 1000

        return one

    small, large = inprocess.interleaved([probe("small", 0.002), probe("large", 0.005)], requests=4, warm_up=2)
    assert asked == [
        ("small", 0),
        ("large", 0),
        ("small", 1),
        ("large", 1),  # warm-up
        ("small", 2),
        ("large", 2),
        ("large", 3),
        ("small", 3),  # the first goes first on even turns, last on odd ones
        ("small", 4),
        ("large", 4),
        ("large", 5),
        ("small", 5),
    ]
    assert small["requests"] == large["requests"] == 4
    assert (small["cpu_ms"], small["wall_ms"], small["statements"]) == (2.0, 4.0, 3)
    assert (large["cpu_ms"], large["statements"]) == (5.0, 4)
    assert inprocess._side_by_side([small, large])["cpu_ms"] == 2.5


def test_growth_measured_side_by_side_is_preferred_to_two_runs(tmp_path, monkeypatch):
    import json

    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    (tmp_path / "results-sqlite-20000.json").write_text(json.dumps(_report(20_000, 4.0, 5.0)))
    side_by_side = {"person_summary": {"small": {}, "large": {}, "cpu_ms": 1.05, "wall_ms": 1.1, "statements": 1.0, "kb": 1.0}}
    growth = bench_main.growth("sqlite", 400_000, _report(400_000, 6.0, 5.5)["results"], side_by_side)
    assert growth == {
        "small": 20_000,
        "large": 400_000,
        "limit": 1.3,
        "pages": {"person_summary": {"CPU ms": 1.05, "wall ms": 1.1, "statements": 1.0, "kB": 1.0}},
        "method": "side by side",
    }


def test_growth_shows_the_answers_size_beside_its_costs_and_says_when_a_page_grows_showing_more(tmp_path, monkeypatch, capsys):
    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    side_by_side = {
        "search_name_typo": {"small": {}, "large": {}, "cpu_ms": 1.45, "wall_ms": 1.5, "statements": 1.0, "kb": 2.6},
        "discharge_board": {"small": {}, "large": {}, "cpu_ms": 1.4, "wall_ms": 1.4, "statements": 1.0, "kb": 1.0},
        "person_summary": {"small": {}, "large": {}, "cpu_ms": 1.0, "wall_ms": 1.0, "statements": 1.0, "kb": 1.5},
    }
    growth = bench_main.growth("sqlite", 400_000, _report(400_000, 6.0, 5.5)["results"], side_by_side)
    said = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")}
    assert said["search_name_typo"].endswith("kB x2.60  <- grows, showing more (a fuller page)")
    assert said["discharge_board"].endswith("kB x1.00  <- grows")  # costs more, shows no more
    assert said["person_summary"].endswith("kB x1.50")  # shows more for the same cost: not a growth

    from bench import chart

    svg = chart.render(_report(400_000, 6.0, 5.5), growth)
    red = [line for line in svg.splitlines() if 'fill="#d5281b"' in line and ": CPU ms" in line]
    assert len(red) == 2 and not any("person_summary" in line for line in red)


def test_the_paired_district_is_used_only_when_built_to_the_end(tmp_path, monkeypatch):
    import argparse

    import bench.__main__ as bench_main

    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    args = argparse.Namespace(people=400_000, seed=1, database_url="")
    assert bench_main.paired_district(args, "sqlite") is None  # not built
    monkeypatch.setattr(bench_main, "_complete", lambda url, people: True)
    (tmp_path / "district-20000-s1.db.built").write_text("")
    assert bench_main.paired_district(args, "sqlite") == (f"sqlite:///{tmp_path / 'district-20000-s1.db'}", 20_000)
    assert bench_main.paired_district(argparse.Namespace(people=50_000, seed=1, database_url=""), "sqlite") is None
