"""The bench's own plumbing: the PostgreSQL server URL, floors that run on both databases, and a
run that fails when a figure is not a number."""

from datetime import UTC, date, datetime

import pytest

from bench import floor
from bench.__main__ import database_on_server, unmeasured


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
    }
    with engine.connect() as connection:
        for scenario in floor.QUERIES:
            assert floor.make(connection, scenario)(parameters), scenario
