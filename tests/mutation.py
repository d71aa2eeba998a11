"""`make mutation` (python -m tests.mutation): mutation testing of the rule modules with mutmut.

Each module listed in pyproject.toml ([tool.oneplan.mutation]) is mutated on its own, against only
the test files listed beside it (never the browser tests), in a work folder of its own under
build/mutation/, so a second run re-tests only the functions that changed. It prints the mutation
score of each module: mutants killed (or timed out) out of the mutants the tests ran.

    python -m tests.mutation                  # every module, one after another
    python -m tests.mutation nhs_number clocks
    python -m tests.mutation --survivors access   # list the surviving mutants, with their diffs
    python -m tests.mutation --fresh          # forget earlier results
    python -m tests.mutation --rerun-survivors access  # after adding tests: re-test only what survived
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
# What the mutated copy of the code needs beside app/ to run the tests (mutmut copies these).
LINKED = ("app", "models", "templates", "migrations", "bench", "tests", "pyproject.toml")
THRESHOLD = 90.0

KILLED, SURVIVED, UNTESTED, UNCHECKED = "killed", "survived", "not run", "not checked"
# mutmut's exit codes, as its stats module reads them (a timeout counts as killed).
STATUS = {
    1: KILLED,
    3: KILLED,
    36: KILLED,
    24: KILLED,
    -24: KILLED,
    152: KILLED,
    255: KILLED,
    0: SURVIVED,
    5: UNTESTED,
    33: UNTESTED,
    34: UNTESTED,
}


def modules() -> dict[str, dict]:
    """The rule modules and their tests, in the order pyproject.toml lists them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["oneplan"]["mutation"]


def work_folder(name: str, fresh: bool) -> Path:
    folder = WORK / name
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = folder / entry
        if not link.exists():
            link.symlink_to(ROOT / entry)
    return folder


def run_one(name: str, spec: dict, max_children: int, mutants: list[str]) -> None:
    """Run mutmut in this module's folder, in this process: [tool.mutmut] from pyproject.toml, narrowed
    to this module and its tests."""
    os.chdir(WORK / name)
    # Run as a script, this file's folder heads sys.path: drop it so the tests mutmut imports are its copies.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    os.environ.setdefault("ONEPLAN_NODE_MODULES", str(ROOT / "node_modules"))
    from mutmut import configuration

    settings = configuration.config()
    settings.only_mutate = [spec["module"]]
    settings.pytest_add_cli_args_test_selection = list(spec["tests"])
    from mutmut.__main__ import _run

    _run(mutants, max_children)


def results(name: str, spec: dict) -> dict[str, str]:
    """Each mutant of the module and what became of it, from mutmut's record of the run."""
    meta = WORK / name / "mutants" / (spec["module"] + ".meta")
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {key: UNCHECKED if code is None else STATUS.get(code, f"exit {code}") for key, code in codes.items()}


def score_line(name: str, outcome: dict[str, str], seconds: float | None) -> tuple[str, bool]:
    killed = sum(1 for s in outcome.values() if s == KILLED)
    ran = sum(1 for s in outcome.values() if s not in (UNTESTED, UNCHECKED))
    score = 100.0 * killed / ran if ran else 0.0
    took = f"  {seconds:.0f}s" if seconds is not None else ""
    line = f"{name:<12} {score:5.1f}%  {killed:>4} killed of {ran:>4} run ({len(outcome) - ran} not run){took}"
    if any(s == UNCHECKED for s in outcome.values()):
        line += "  (interrupted: some mutants not checked)"
    return line, ran > 0 and score >= THRESHOLD


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="modules to run (default: all, in pyproject.toml's order)")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results first")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants instead of running")
    parser.add_argument("--rerun-survivors", action="store_true", help="re-test only the mutants that survived the last run")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process that runs one module
    parser.add_argument("--mutant", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    table = modules()
    if args.one:
        run_one(args.one, table[args.one], args.max_children, args.mutant)
        return 0
    unknown = [n for n in args.names if n not in table]
    if unknown:
        parser.error(f"unknown module {unknown[0]!r} (one of {', '.join(table)})")
    names = args.names or list(table)
    if args.survivors:
        for name in names:
            for key, status in sorted(results(name, table[name]).items()):
                if status not in (KILLED, UNTESTED, UNCHECKED):
                    print(f"# {name}: {key} {status}", flush=True)
                    subprocess.run([sys.executable, "-m", "mutmut", "show", key], cwd=WORK / name, stderr=subprocess.DEVNULL)
        return 0
    lines, all_pass = [], True
    for name in names:
        folder = work_folder(name, args.fresh)
        # Migrated once here (from the code as it is) rather than once for every mutant's test run.
        migrated = folder / "migrated.db"
        migrated.unlink(missing_ok=True)
        migrate = f"from app.ops import migrate; migrate.upgrade('sqlite:///{migrated}')"
        subprocess.run([sys.executable, "-c", migrate], cwd=ROOT, check=True)
        print(f"--- {name}: {table[name]['module']} against {' '.join(table[name]['tests'])}", flush=True)
        started = time.monotonic()
        # mutmut keeps its state in module globals, so each module runs in a process of its own.
        command = [sys.executable, __file__, "--one", name, "--max-children", str(args.max_children)]
        if args.rerun_survivors:
            survivors = [key for key, status in results(name, table[name]).items() if status not in (KILLED, UNTESTED)]
            if not survivors:
                line, passed = score_line(name, results(name, table[name]), None)
                lines.append(line)
                all_pass = all_pass and passed
                continue
            command += [f"--mutant={key}" for key in survivors]
        with open(WORK / name / "mutmut.log", "w") as log:
            environment = dict(os.environ, ONEPLAN_TEST_MIGRATED_DB=str(migrated))
            environment.pop("DATABASE_URL", None)  # mutants run on SQLite
            child = subprocess.run(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=environment)
        if child.returncode != 0:
            print(f"{name}: mutmut stopped with exit code {child.returncode}; see {WORK / name / 'mutmut.log'}", flush=True)
        line, passed = score_line(name, results(name, table[name]), time.monotonic() - started)
        lines.append(line)
        all_pass = all_pass and passed and child.returncode == 0
    print("\nMutation score (killed / mutants the tests ran), module by module:")
    for line in lines:
        print(line)
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
