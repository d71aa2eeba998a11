"""`make bench` (python -m bench): build or reuse a demo district, serve it with gunicorn beside a
bare floor app, drive both with the same clients in interleaved rounds, report ratios.

    python -m bench                          # 400,000 people on SQLite
    python -m bench --people 20000           # a quick run
    python -m bench --database-url postgresql://postgres@127.0.0.1:5432/   # on PostgreSQL
"""

import argparse
import json
import math
import os
import platform
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import big_plan, chart, floor, inprocess, load
from bench.stats import ratio, summarise

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEMO_PASSWORD = "oneplan-demo-2026"  # app/demo_district.py DEMO_PASSWORD


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=400_000, help="size of the demo district (default 400,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a PostgreSQL server URL (the bench makes its own database there); SQLite if empty",
    )
    parser.add_argument(
        "--round-seconds",
        type=float,
        default=None,
        help=f"each side (app, floor) sends for this long in each round (default {ROUND_SECONDS:g}; issue 17 measures with 20)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help=f"instead of --round-seconds: this many requests per scenario and side, over the rounds (quick runs; "
        f"the in-process floor always sends this many, default {REQUESTS})",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (signed-in users)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (the app's, and the floor app's)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per scenario, app and floor taking turns")
    parser.add_argument("--rebuild", action="store_true", help="build the district again even if one exists")
    parser.add_argument("--in-process-requests", type=int, default=200, help="requests per page in the in-process mode (0: skip it)")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process figures (CPU ms, statements): no gunicorn")
    parser.add_argument(
        "--scenarios",
        default="",
        help="only these scenarios, comma-separated (default: all); e.g. to leave out one whose floor is too slow at this size",
    )
    args = parser.parse_args(argv)
    timed(parser, args)
    OUT.mkdir(parents=True, exist_ok=True)

    database_url, kind = prepare_database(args)
    engine = create_engine(database_url)
    big_person = big_plan.ensure(database_url)
    sizes = data_sizes(engine)
    print(f"data: {sizes}")
    scenarios = only(build_scenarios(engine, random.Random(args.seed), big_person), args.scenarios)

    results: dict = {}
    if args.in_process_requests:
        print(f"in process: {args.in_process_requests} requests a page, one at a time, CPU time and statements", flush=True)
        users = {who for who, entries in scenarios.values() if entries}
        in_process = inprocess.measure(database_url, scenarios, args.in_process_requests, _second_factors(engine, users, 2))
        for name, figures in in_process.items():
            print(
                f"{name:<32} CPU {figures['cpu_ms']:7.2f} ms  p95 {figures['cpu_ms_p95']:7.2f} ms  {figures['statements']:3} statements",
                flush=True,
            )
            results[name] = {"in_process": figures}
    if not args.skip_http:
        port, floor_port = free_port(), free_port()
        server = start_gunicorn(database_url, port, args.workers)
        try:
            floor_server = start_gunicorn(database_url, floor_port, args.workers, FLOOR_APP)
            try:
                cpu = load.server_cpu(server.pid), load.server_cpu(floor_server.pid)
                for name, measured in measure(engine, scenarios, port, floor_port, args, cpu).items():
                    results[name] = {**measured, **results.get(name, {})}
            finally:
                floor_server.terminate()
                floor_server.wait(timeout=20)
        finally:
            server.terminate()
            server.wait(timeout=20)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "people": args.people,
        "seed": args.seed,
        "sizes": sizes,
        "build_seconds": BUILD_SECONDS.get("value"),
        "gunicorn_workers": args.workers,
        "client_threads": args.concurrency,
        "requests_per_scenario": None if args.round_seconds else args.requests,
        "rounds": args.rounds,
        "round_seconds": args.round_seconds,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
    }
    side_by_side = None
    pair = paired_district(args, kind)
    if pair is not None and args.in_process_requests:
        pair_url, pair_people = pair
        print(f"growth: each page in process on this district and the {pair_people:,}-person one, taking turns", flush=True)
        sides = [(database_url, scenarios), (pair_url, _scenarios_of(pair_url, args))]
        if pair_people < args.people:
            sides.reverse()
        side_by_side = inprocess.compare(
            [
                (url, found, _second_factors(create_engine(url), {who for who, entries in found.values() if entries}, 2))
                for url, found in sides
            ],
            args.in_process_requests,
        )
    report["growth"] = growth(kind, args.people, results, side_by_side)
    path = OUT / f"results-{kind}-{args.people}.json"
    path.write_text(json.dumps(report, indent=2))
    picture = path.with_suffix(".svg")
    picture.write_text(chart.render(report, report["growth"]))
    print_table(report)
    print(f"\nwritten to {path.relative_to(ROOT)} and {picture.relative_to(ROOT)}")
    failures = sum(r[side]["errors"] for r in results.values() for side in ("app", "floor") if side in r)
    missing = unmeasured(results)
    if missing:
        print("not measured (nan): " + ", ".join(missing), file=sys.stderr)
    return 1 if failures or missing else 0


# Rounds by time, not by count, unless asked: with a count the floor, often ten times faster, is
# measured over a tenth of the time the app is, so a burst of other work on the shared machine
# lands on one and not the other. Five seconds a side a round, four rounds: about 40 s a scenario,
# a quarter of an hour for every scenario; issue 17 measures with 20 (about an hour).
ROUND_SECONDS = 5.0
REQUESTS = 400


def timed(parser: argparse.ArgumentParser, args) -> None:
    """Settle the rounds' mode: by time (`round_seconds`) or by count (`requests`), not both."""
    if args.requests is not None and args.round_seconds is not None:
        parser.error("--requests and --round-seconds are two ways to size a round: give one")
    if args.requests is None:
        args.requests = REQUESTS
        args.round_seconds = ROUND_SECONDS if args.round_seconds is None else args.round_seconds
    if args.round_seconds is not None and args.round_seconds <= 0:
        parser.error("--round-seconds must be more than 0")


def only(scenarios: dict, wanted: str) -> dict:
    """The scenarios named in `wanted` (comma-separated; all when empty). An unknown name is an error."""
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = sorted(set(names) - set(scenarios))
    if unknown:
        raise SystemExit(f"no such scenario: {', '.join(unknown)} (there are: {', '.join(scenarios)})")
    return {name: entry for name, entry in scenarios.items() if not names or name in names}


GROWTH_LIMIT = 1.3
PAIR = (20_000, 400_000)  # make bench's two sizes
# The ratios taken from a side-by-side measure: on PostgreSQL the database's work is another
# process's CPU, which wall time counts and CPU ms does not.
GROWTH_SIDE_BY_SIDE = (("CPU ms", "cpu_ms"), ("wall ms", "wall_ms"), ("statements", "statements"), ("kB", "kb"))
# The answer's size is shown beside the costs, not judged: a page that lists more in the larger
# district (a search finding 5 people in a small one and a page of 20 in a large one) costs more
# because it shows more, which `<- grows` then says.
FILLS = 1.1  # kB grown by more than this: the page shows more


def paired_district(args, kind: str) -> Optional[tuple[str, int]]:
    """make bench's other district (20,000 for 400,000 and the other way), if it is built complete
    on this database: its URL and size."""
    if args.people not in PAIR:
        return None
    people = PAIR[1] if args.people == PAIR[0] else PAIR[0]
    if kind == "postgresql":
        url = database_on_server(args.database_url, f"oneplan_bench_{people}_s{args.seed}")
    else:
        url = f"sqlite:///{OUT / f'district-{people}-s{args.seed}.db'}"
    return (url, people) if _built_marker(url).exists() and _complete(url, people) else None


def _scenarios_of(url: str, args) -> dict:
    return only(build_scenarios(create_engine(url), random.Random(args.seed), big_plan.ensure(url)), args.scenarios)


def growth(kind: str, people: int, results: dict, side_by_side: Optional[dict] = None) -> Optional[dict]:
    """Each page's figures at this size against the other size measured on this database (the
    smaller against the larger; 20,000 and 400,000 in `make bench`): nothing a page does should
    grow with the district, so every ratio should be within GROWTH_LIMIT. CPU ms and statements
    come from `side_by_side` (inprocess.compare: the two districts taking turns in one process)
    when it was measured, else from the two runs' results; p50 from the two runs."""
    if side_by_side:
        pages = {}
        for name, measured in side_by_side.items():
            pages[name] = {label: measured[key] for label, key in GROWTH_SIDE_BY_SIDE if measured.get(key) is not None}
        sizes = sorted((people, PAIR[1] if people == PAIR[0] else PAIR[0]))
        _print_growth(sizes, pages, "side by side in one process")
        return {"small": sizes[0], "large": sizes[1], "limit": GROWTH_LIMIT, "pages": pages, "method": "side by side"}
    others = []
    for path in OUT.glob(f"results-{kind}-*.json"):
        try:
            other = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if other.get("people") not in (None, people):
            others.append(other)
    if not others:
        return None
    # make bench's pair, 20,000 against 400,000, when it has been measured; else the size farthest from this one.
    pair = 400_000 if people == 20_000 else 20_000
    other = next((o for o in others if o["people"] == pair), None) or max(others, key=lambda o: abs(o["people"] - people))
    small, large = (other["results"], results) if other["people"] < people else (results, other["results"])
    pages = {}
    for name in sorted(set(small) & set(large)):
        ratios = {}
        for label, side, key in (("CPU ms", "in_process", "cpu_ms"), ("statements", "in_process", "statements"), ("p50", "app", "p50_ms")):
            before, after = (small[name].get(side) or {}).get(key), (large[name].get(side) or {}).get(key)
            if isinstance(before, int | float) and isinstance(after, int | float) and before > 0:
                ratios[label] = round(after / before, 2)
        if ratios:
            pages[name] = ratios
    sizes = sorted((people, other["people"]))
    _print_growth(sizes, pages, "from two runs")
    return {"small": sizes[0], "large": sizes[1], "limit": GROWTH_LIMIT, "pages": pages, "method": "two runs"}


def _print_growth(sizes: list[int], pages: dict, how: str) -> None:
    print(f"\ngrowth from {sizes[0]:,} to {sizes[1]:,} people, {how} (each within {GROWTH_LIMIT}x?):")
    for name, ratios in pages.items():
        over = any(value > GROWTH_LIMIT for label, value in ratios.items() if label != "kB")
        fuller = ratios.get("kB", 1.0) > FILLS
        said = ("  <- grows, showing more (a fuller page)" if fuller else "  <- grows") if over else ""
        print(f"  {name:<32} " + "  ".join(f"{k} x{v:.2f}" for k, v in ratios.items()) + said)


# --- The database ------------------------------------------------------------------------

BUILD_SECONDS: dict = {}


def prepare_database(args) -> tuple[str, str]:
    if args.database_url.startswith("postgresql"):
        name = f"oneplan_bench_{args.people}_s{args.seed}"
        url = database_on_server(args.database_url, name)
        admin = create_engine(database_on_server(args.database_url, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and (args.rebuild or not _complete(url, args.people)):
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                build(url, args)
        admin.dispose()
        return url, "postgresql"
    path = OUT / f"district-{args.people}-s{args.seed}.db"
    url = f"sqlite:///{path}"
    if args.rebuild or not path.exists() or not _complete(url, args.people):
        for old in OUT.glob(f"{path.name}*"):
            old.unlink()  # the database, its WAL files and its built marker
        build(url, args)
    return url, "sqlite"


def database_on_server(server_url: str, name: str) -> str:
    """The URL of database `name` on the server `server_url` names, with or without a database of
    its own or a trailing slash (postgresql://postgres@127.0.0.1:5432/ is a server, not a host "postgres")."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _built_marker(url: str) -> Path:
    """A file beside the results saying this district's build ran to the end."""
    return OUT / f"{url.rstrip('/').rsplit('/', 1)[-1]}.built"


def _complete(url: str, people: int) -> bool:
    """A district can be reused if its build ran to the end, it has every person, and it was built at
    the newest schema (an older one lacks what later migrations, and the demo data that came with
    them, added)."""
    from alembic.script import ScriptDirectory

    from app.ops import migrate

    if not _built_marker(url).exists():
        return False
    try:
        head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
        if migrate.current(url) != head:
            return False
        engine = create_engine(url)
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM person")).scalar() == people
    except Exception:
        return False


def build(url: str, args) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    print(f"building a district of {args.people:,} people (seed {args.seed})...", flush=True)
    started = time.monotonic()
    _built_marker(url).unlink(missing_ok=True)
    subprocess.run([*flask, "demo-data", "--people", str(args.people), "--seed", str(args.seed)], cwd=ROOT, env=env, check=True)
    if url.startswith("postgresql"):
        analyse(url)
    _built_marker(url).write_text(datetime.now(UTC).isoformat())
    BUILD_SECONDS["value"] = round(time.monotonic() - started, 1)
    print(f"built in {BUILD_SECONDS['value']} s", flush=True)


def analyse(url: str) -> None:
    """Fresh planner statistics for the tables just filled: without them PostgreSQL plans on an empty
    database's guesses (the unread count read 18,665 rows on stale statistics). And a VACUUM, as
    autovacuum would in time on a database in use: it marks the pages just written all-visible, so
    an index-only scan (a worklist's count, the queue's) reads the index and not the table too, and
    sets their hint bits, which the bench's first reads would otherwise write."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()
    print(f"VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s", flush=True)


def data_sizes(engine) -> dict:
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in (
                "person",
                "care_team_member",
                "referral",
                "assessment",
                "assessment_revision",
                "user_account",
                "care_plan",
                "care_plan_action",
                "care_plan_revision",
            )
        }


# --- What to ask for -----------------------------------------------------------------------


def build_scenarios(engine, rng: random.Random, big_person: int) -> dict:
    """Each scenario: who asks, the addresses (with htmx or not), and the floor's parameters."""
    with engine.connect() as connection:
        people = connection.execute(
            text(
                "SELECT id, nhs_number, family_name_key, given_name, family_name, date_of_birth, postcode_key, postcode "
                "FROM person WHERE id IN (SELECT id FROM person ORDER BY id LIMIT 50000)"
            )
        ).all()
        nurse = connection.execute(text("SELECT id FROM user_account WHERE username = 'nurse'")).scalar()
        caseload = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT m.person_id FROM care_team_member m JOIN assessment a ON a.person_id = m.person_id "
                    "WHERE m.user_id = :u AND m.is_key_worker ORDER BY m.person_id"
                ),
                {"u": nurse},
            )
        ]
        plans = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT m.person_id FROM care_team_member m JOIN care_plan c ON c.person_id = m.person_id "
                    "WHERE m.user_id = :u AND m.is_key_worker AND m.person_id <> :big ORDER BY m.person_id"
                ),
                {"u": nurse, "big": big_person},
            )
        ]
        # The busiest agency: the most actions still to do. Its first practitioner reads its worklist.
        busy_agency = connection.execute(
            text(
                "SELECT owner_agency_id FROM care_plan_action WHERE status IN ('requested', 'accepted', 'in_progress') "
                "GROUP BY owner_agency_id ORDER BY count(*) DESC, owner_agency_id LIMIT 1"
            )
        ).scalar()
        busy_user = connection.execute(
            text("SELECT username FROM user_account WHERE agency_id = :a AND role = 'practitioner' ORDER BY id LIMIT 1"), {"a": busy_agency}
        ).scalar()
        # The network at work: the demo lead's network, its discharge board and its latest meeting.
        lead_network = connection.execute(text("SELECT network_id FROM user_account WHERE username = 'lead'")).scalar()
        meeting = connection.execute(
            text("SELECT id FROM mdt_meeting WHERE network_id = :n AND held_on <= :today ORDER BY held_on DESC LIMIT 1"),
            {"n": lead_network, "today": date.today()},
        ).scalar()
    sample = rng.sample(people, min(200, len(people)))
    # An NHS-number search needs someone who has one (beyond the 999 range's 909,091, people have none).
    numbered = [r for r in sample if r.nhs_number]
    since = (datetime.now(UTC) - timedelta(days=27)).replace(tzinfo=None)

    def dob(value) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    def prefix(term: str) -> dict:
        return {"low": term, "high": term[:-1] + chr(ord(term[-1]) + 1)}

    def p(path: str, htmx: bool = False, **floor_params):
        return (path, htmx, floor_params)

    def typo(name: str) -> str:
        """The name with its first two different letters after the first swapped ("Smith" -> "Simth")."""
        n = next((n for n in range(1, len(name) - 1) if name[n] != name[n + 1]), 0)
        return name[:n] + name[n + 1] + name[n] + name[n + 2 :] if n else name

    return {
        "search_nhs_number": ("nurse", [p("/people?" + urlencode({"q": r.nhs_number}), nhs=r.nhs_number) for r in numbered]),
        "search_name": ("nurse", [p("/people?" + urlencode({"q": r.family_name[:4]}), **prefix(r.family_name_key[:4])) for r in sample]),
        "search_name_htmx": (
            "nurse",
            [p("/people?" + urlencode({"q": r.family_name[:5]}), True, **prefix(r.family_name_key[:5])) for r in sample],
        ),
        # A typo: names alone, then with the first half of the postcode (found by likeness, not by their start).
        "search_name_typo": (
            "nurse",
            [p("/people?" + urlencode({"q": f"{r.given_name} {typo(r.family_name)}"}), **prefix(r.family_name_key)) for r in sample],
        ),
        "search_name_typo_outward": (
            "nurse",
            [
                p("/people?" + urlencode({"q": f"{typo(r.family_name)} {r.postcode.split()[0]}"}), **prefix(r.family_name_key))
                for r in sample
            ],
        ),
        "search_postcode": ("nurse", [p("/people?" + urlencode({"q": r.postcode}), postcode=r.postcode_key) for r in sample]),
        "search_name_and_dob": (
            "nurse",
            [
                p(
                    "/people?" + urlencode({"q": f"{r.family_name} {dob(r.date_of_birth):%d/%m/%Y}"}),
                    **prefix(r.family_name_key),
                    dob=dob(r.date_of_birth),
                )
                for r in sample
            ],
        ),
        "person_summary": ("nurse", [p(f"/people/{pid}", person_id=pid) for pid in caseload]),
        "assessment": ("nurse", [p(f"/people/{pid}/assessment", person_id=pid) for pid in caseload]),
        "referral_queue": ("spa", [p("/referrals")]),
        "intake_matching": (
            "spa",
            [
                p(
                    "/referrals/match?"
                    + urlencode(
                        {"nhs_number": r.nhs_number}
                        if n % 2 and r.nhs_number
                        else {
                            "family_name": r.family_name,
                            "given_name": r.given_name,
                            "dob-day": dob(r.date_of_birth).day,
                            "dob-month": dob(r.date_of_birth).month,
                            "dob-year": dob(r.date_of_birth).year,
                            "postcode": r.postcode,
                        }
                    ),
                    True,
                    nhs=r.nhs_number,
                    family=r.family_name_key,
                    dob=dob(r.date_of_birth),
                    postcode=r.postcode_key,
                )
                for n, r in enumerate(sample)
            ],
        ),
        "front_door_figures": ("spa", [p("/referrals/metrics", since=since)]),
        "care_plan": ("nurse", [p(f"/people/{pid}/care-plan", person_id=pid) for pid in plans]),
        "care_plan_30_needs_100_actions": ("nurse", [p(f"/people/{big_person}/care-plan", person_id=big_person)]),
        "worklist_busy_agency": (busy_user, [p("/worklist?status=open", agency_id=busy_agency)]) if busy_user else ("nurse", []),
        # My work for the same practitioner: their agency's counts, their caseload, their new allocations.
        "my_work_busy_agency": (busy_user, [p("/", agency_id=busy_agency, today=date.today())]) if busy_user else ("nurse", []),
        "discharge_board": (
            "lead",
            [p(f"/networks/{lead_network}/discharges", network_id=lead_network, since=date.today() - timedelta(days=28))],
        ),
        "mdt_meeting": ("lead", [p(f"/networks/{lead_network}/meetings/{meeting}", meeting_id=meeting)]) if meeting else ("lead", []),
    }


# --- Serving and measuring -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FLOOR_APP = "bench.floor_app:create_app()"


def start_gunicorn(database_url: str, port: int, workers: int, target: str = "app:create_app()") -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "ONEPLAN_ENV": "production", "SECRET_KEY": secrets.token_hex(32)}
    for limit in ("SIGN_IN_RATE_LIMIT", "API_RATE_LIMIT"):
        env.setdefault(limit, "10000 per minute")  # every simulated user comes from 127.0.0.1
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError as refused:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn ({target}) exited while starting") from refused
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start within 60 s")


def _second_factors(engine, usernames: set[str], each: int) -> dict[str, list[str]]:
    """Production asks every account for its second factor: give each bench user an authenticator
    and one recovery code per client (an authenticator code works once, and the clients sign in
    within the same 30 seconds)."""
    from sqlmodel import Session, select

    from app.trust import second_factor
    from models import User

    codes = {}
    now = datetime.now(UTC)
    with Session(engine) as session:
        for username in usernames:
            user = session.exec(select(User).where(User.username == username)).one()
            user.totp_secret, user.totp_confirmed_at = second_factor.new_secret(), now
            session.add(user)
            codes[username] = second_factor.issue_recovery_codes(session, user, now, count=each)
        session.commit()
    return codes


def measure(engine, scenarios: dict, port: int, floor_port: int, args, cpu=(None, None)) -> dict:
    """Each scenario over HTTP, the app and the floor app taking turns in rounds with the same
    number of clients, each with its own keep-alive connection; then the in-process floor.
    `cpu`: for the app's server and the floor's, a function giving the CPU seconds it has spent."""
    clients = {}
    usernames = {who for who, _ in scenarios.values()}
    codes = _second_factors(engine, usernames, args.concurrency)
    for username in usernames:
        clients[username] = []
        for _ in range(args.concurrency):
            client = load.Client(port)
            client.sign_in(username, DEMO_PASSWORD, codes[username].pop())
            clients[username].append(client)
    floor_clients = [load.Client(floor_port) for _ in range(args.concurrency)]

    def call(client, path, htmx):
        status, _ = client.get(path, htmx)
        return status == 200

    results = {}
    # healthz: a round trip that only asks the database if it is there, on each server.
    health = [load.Client(port) for _ in range(args.concurrency)]
    app, bare = side_by_side(
        load.Side(health, [("/healthz", False)], call, cpu[0]),
        load.Side(floor_clients, [("/healthz", False)], call, cpu[1]),
        args,
        warm_up=50,
    )
    results["healthz"] = compared(app, bare)
    print_line("healthz", results["healthz"])
    for client in health:
        client.close()

    for name, (who, entries) in scenarios.items():
        if not entries:
            print(f"{name}: no data to ask for; skipped")
            continue
        paths = [(path, htmx) for path, htmx, _ in entries]
        floor_paths = [(floor.address(name, params), htmx) for _, htmx, params in entries]
        app, bare = side_by_side(load.Side(clients[who], paths, call, cpu[0]), load.Side(floor_clients, floor_paths, call, cpu[1]), args)
        in_process = run_floor(engine, name, [params for _, _, params in entries], args)
        results[name] = {**compared(app, bare, in_process), "user": who, "example": paths[0][0] + (" (htmx)" if paths[0][1] else "")}
        print_line(name, results[name])
    caseload = [params["person_id"] for _, _, params in scenarios.get("assessment", ("nurse", []))[1]]  # none when left out
    if caseload:
        results["assessment_section_save"] = measure_saves(engine, clients["nurse"], floor_clients, caseload, args, cpu)
    for group in [*clients.values(), floor_clients]:
        for client in group:
            client.close()
    return results


def side_by_side(app: "load.Side", bare: "load.Side", args, warm_up: int = 0):
    """A warm-up for each (caches, connections, code paths), then `--rounds` interleaved rounds of
    `--round-seconds` each (or `--requests` each over them)."""
    warm_up = warm_up or min(50, args.requests)
    for side in (app, bare):
        load.run(side.clients, side.paths, warm_up, side.call)
    app_drive, floor_drive = load.interleaved([app, bare], args.requests, args.rounds, args.round_seconds)
    return app_drive, floor_drive


def compared(app_drive, floor_drive, in_process=None, app=None, bare=None) -> dict:
    """A page's figures: the app's and the HTTP floor's (their latencies, or `app` and `bare` when
    they are not the whole drives'), their ratios, and the in-process floor."""
    app, bare = app or app_drive.summary(), bare or floor_drive.summary()
    result = {
        "app": {**app.as_dict(), "server_cpu_ms": app_drive.server_cpu_ms()},
        "floor": {**bare.as_dict(), "server_cpu_ms": floor_drive.server_cpu_ms()},
        "ratio_rps": round(ratio(app.throughput, bare.throughput), 3),
        "ratio_p50": round(ratio(app.p50_ms, bare.p50_ms), 2),
        "ratio_p95": round(ratio(app.p95_ms, bare.p95_ms), 2),
        "ratio_server_cpu": round(ratio(app_drive.server_cpu_ms(), floor_drive.server_cpu_ms()), 2),
    }
    if in_process is not None:
        result["floor_in_process"] = in_process.as_dict()
        result["ratio_p50_in_process"] = round(ratio(app.p50_ms, in_process.p50_ms), 2)
    return result


def print_line(name: str, result: dict) -> None:
    app, bare = result["app"], result["floor"]
    print(
        f"{name:<32} p50 {app['p50_ms']:7.2f} ms  p95 {app['p95_ms']:7.2f} ms  {app['throughput']:7.1f} req/s  errors {app['errors']}  "
        f"| floor p50 {bare['p50_ms']:6.2f} ms  p95 {bare['p95_ms']:6.2f} ms  {bare['throughput']:7.1f} req/s  errors {bare['errors']}  "
        f"| req/s x{result['ratio_rps']:.3f} (1/{1 / result['ratio_rps'] if result['ratio_rps'] else math.inf:.1f})  p95 x{result['ratio_p95']:.1f}  "
        f"server CPU {app['server_cpu_ms']:.2f} ms against {bare['server_cpu_ms']:.2f} ms  ({app['requests']} and {bare['requests']} requests)",
        flush=True,
    )


_HIDDEN = re.compile(r'name="(csrf_token|version)" value="([^"]*)"')


def measure_saves(engine, clients: list, floor_clients: list, caseload: list[int], args, cpu=(None, None)) -> dict:
    """Saving one section as the key worker: the edit form is fetched first (not timed) for its
    CSRF token and the version seen, then the save is timed. Each client has its own people,
    so a refused save (409) would be a real fault, and counts as an error. The floor does the
    same over HTTP: a page of the same person's assessment fetched first (not timed), then its
    save (one versioned update and one revision, committed)."""
    shares = [caseload[i :: len(clients)] for i in range(len(clients))]
    turns: dict[int, int] = {}
    timings: dict[str, list[float]] = {"app": [], "floor": []}

    def next_person(client, index: int) -> int:
        mine = shares[index % len(shares)]
        turn = turns.get(id(client), 0)
        turns[id(client)] = turn + 1
        return mine[turn % len(mine)]

    def call(client, _path, _htmx):
        person_id = next_person(client, clients.index(client))
        base = f"/people/{person_id}/assessment/sections/perspective"
        status, form = client.get(base + "/edit", htmx=True)
        hidden = dict(_HIDDEN.findall(form))
        body = urlencode({**hidden, "what_matters": f"Bench save {time.time_ns()}", "perspective_given_by": "person"})
        started = time.perf_counter()
        status, _ = client.request("POST", base, body, headers={"HX-Request": "true"})
        timings["app"].append(time.perf_counter() - started)
        return status == 200

    def floor_call(client, _path, _htmx):
        person_id = next_person(client, floor_clients.index(client))
        client.get(floor.address("assessment", {"person_id": person_id}))
        started = time.perf_counter()
        status, _ = client.request("POST", "/floor/assessment_section_save", urlencode({"person_id": person_id, "label": time.time_ns()}))
        timings["floor"].append(time.perf_counter() - started)
        return status == 200

    app_side, floor_side = load.Side(clients, [("", True)], call, cpu[0]), load.Side(floor_clients, [("", True)], floor_call, cpu[1])
    for side in (app_side, floor_side):
        load.run(side.clients, side.paths, 20, side.call)
    timings["app"].clear()
    timings["floor"].clear()
    app_drive, floor_drive = load.interleaved([app_side, floor_side], args.requests, args.rounds, args.round_seconds)
    # Throughput here is whole edit-and-save cycles a second; the latencies are the saves alone.
    app = summarise(timings["app"], app_drive.errors, app_drive.wall_s)
    bare = summarise(timings["floor"], floor_drive.errors, floor_drive.wall_s)
    result = {
        **compared(app_drive, floor_drive, run_floor_saves(engine, caseload, args), app, bare),
        "user": "nurse",
        "example": "POST /people/<id>/assessment/sections/perspective (htmx)",
    }
    print_line("assessment_section_save", result)
    return result


def run_floor_saves(engine, caseload: list[int], args):
    """The save's floor in process: a versioned update of the section and an inserted revision, committed."""
    statements = floor.save_statements(engine.dialect.name)
    latencies, lock, counter, counter_lock = [], threading.Lock(), iter(range(args.requests)), threading.Lock()

    def worker(offset: int):
        mine = []
        with engine.connect() as connection:
            while True:
                with counter_lock:
                    n = next(counter, None)
                if n is None:
                    break
                started = time.perf_counter()
                floor.save(connection, statements, caseload[(n + offset) % len(caseload)], str(n))
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    failures: list[BaseException] = []

    def guarded(offset: int):
        try:
            worker(offset)
        except BaseException as error:  # a floor that fails must stop the run, not report nothing
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(args.concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return summarise(latencies, 0, time.perf_counter() - started)


def run_floor(engine, scenario: str, parameters: list[dict], args):
    """The in-process floor: the same concurrency, in the bench's process, one connection per thread."""
    connections = [engine.connect() for _ in range(args.concurrency)]
    floors = [floor.make(connection, scenario) for connection in connections]
    latencies, lock, counter, counter_lock = [], threading.Lock(), iter(range(args.requests + 50)), threading.Lock()

    def worker(run_floor_query):
        mine = []
        while True:
            with counter_lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            run_floor_query(parameters[n % len(parameters)])
            if n >= 50:  # the first 50 warm up
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    failures: list[BaseException] = []

    def guarded(run_floor_query):
        try:
            worker(run_floor_query)
        except BaseException as error:  # a floor that fails must stop the run, not print nan
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(f,)) for f in floors]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for connection in connections:
        connection.close()
    if failures:
        raise FloorFailed(f"the floor of {scenario} failed: {failures[0]}") from failures[0]
    return summarise(latencies, 0, wall)


class FloorFailed(RuntimeError):
    pass


def unmeasured(results: dict) -> list[str]:
    """The figures that are not numbers (nan, or missing): a run with any of them has failed, since a
    ratio to a floor that printed nan says nothing."""
    bad = []
    for name, result in results.items():
        for side in ("app", "floor", "floor_in_process"):
            figures = result.get(side)
            if figures is None:
                continue
            for key in ("p50_ms", "p95_ms", "throughput"):
                value = figures.get(key)
                if not isinstance(value, int | float) or not math.isfinite(value):
                    bad.append(f"{name} {side} {key}")
    return bad


def print_table(report: dict) -> None:
    sizes = report["sizes"]
    rounds = report.get("rounds", 1)
    sizing = (
        f"{rounds} rounds of {report['round_seconds']:g} s a side"
        if report.get("round_seconds")
        else f"{report['requests_per_scenario']} requests each in {rounds} rounds"
    )
    print(
        f"\nOnePlan bench, {report['when']}: {report['database']}, {sizes['person']:,} people, {sizes['referral']:,} referrals, "
        f"{sizes['assessment']:,} assessments; gunicorn x{report['gunicorn_workers']} (app and floor app), "
        f"{report['client_threads']} clients, {sizing}, {report['machine']['cores']} cores"
    )
    print(
        "app: over HTTP; floor: the bare floor app over HTTP, interleaved with it; srv ms: the server's CPU ms a request (app / floor); "
        "in-proc: the floor without HTTP; CPU ms: the app in process"
    )
    print(
        f"{'scenario':<32}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'errors':>7}{'floor p50':>10}{'floor p95':>10}"
        f"{'floor r/s':>10}{'r/s a/f':>8}{'x p95':>7}{'srv ms':>8}{'floor':>7}{'in-proc':>8}{'CPU ms':>8}{'stmts':>6}"
    )
    for name, result in report["results"].items():
        app = result.get("app")
        fl = result.get("floor")
        inproc = result.get("floor_in_process")
        cpu = result.get("in_process")
        served = (
            f"{app['p50_ms']:>9.2f}{app['p95_ms']:>9.2f}{app['p99_ms']:>9.2f}{app['throughput']:>8.1f}{app['errors']:>7}"
            if app
            else " " * 42
        )
        extra = (
            f"{fl['p50_ms']:>10.2f}{fl['p95_ms']:>10.2f}{fl['throughput']:>10.1f}{result['ratio_rps']:>8.3f}{result['ratio_p95']:>7.1f}"
            f"{app.get('server_cpu_ms', math.nan):>8.2f}{fl.get('server_cpu_ms', math.nan):>7.2f}"
            if fl and app
            else " " * 60
        )
        extra += f"{inproc['p50_ms']:>8.2f}" if inproc else " " * 8
        in_process = f"{cpu['cpu_ms']:>8.2f}{cpu['statements']:>6}" if cpu else ""
        print(f"{name:<32}{served}{extra}{in_process}")


if __name__ == "__main__":
    sys.exit(main())
