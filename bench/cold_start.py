"""The cold start alone (issue 10): ``healthvisitor-gui`` process start to the window
shown with the caseload, as bench/trust.py times it, without the rest of the table.

    .venv/bin/python bench/cold_start.py                       # the 600-child demo
    .venv/bin/python bench/cold_start.py --database sqlite:////tmp/bench/trust.db
    .venv/bin/python bench/cold_start.py --database postgresql+psycopg://postgres@127.0.0.1/hv_trust_100000_s1_v2

The user is the health visitor trust.py times (the second largest caseload) unless
--user; the first start is untimed (disk cache, the daily backup, the clean close's
check of a SQLite file). Prints each start and the median, in ms; nothing is written.

``--compare NAME=VALUE`` interleaves starts with that environment variable set and
without it (one of each a round), for a before/after on the same data at the same
load: a shared machine's load moves more between runs than most changes do. Beside
the wall time, each start's CPU time up to the report (all its threads, from
/proc on Linux): the work done, which a busy machine's waiting does not inflate.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent


def trust_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_trust", BENCH / "trust.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (nan where /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One start: wall and CPU milliseconds to the smoke test's report (as trust.py's
    ``run_process``); the process then closes as usual, untimed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    wall = cpu = math.nan
    for line in process.stdout:
        if math.isnan(wall) and line.startswith("smoke test:"):
            wall = (time.perf_counter() - started) * 1000
            cpu = cpu_seconds(process.pid) * 1000
    if process.wait() != 0 or math.isnan(wall):
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode})")
    return wall, cpu


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", metavar="URL", help="default: the demo database")
    parser.add_argument("--user", help="default: the second busiest health visitor")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", metavar="NAME=VALUE", help="interleave with this set")
    args = parser.parse_args(argv)
    trust = trust_module()
    user = args.user
    if user is None and args.database:
        from healthvisitor.domain.enums import Role
        from healthvisitor.persistence.database import create_database_engine

        engine = create_database_engine(args.database)
        user = trust.busiest(engine, Role.HEALTH_VISITOR, rank=1)
        engine.dispose()
    gui = str(Path(sys.executable).with_name("healthvisitor-gui"))
    command = [gui, "--demo"]
    if args.database:
        command += ["--database", args.database]
    if user:
        command += ["--user", user]
    command.append("--smoke-test")
    with trust.window_environment() as env:
        variants = {"": env}
        if args.compare:
            name, _, value = args.compare.partition("=")
            variants[args.compare] = {**env, name: value}
        start(command, env)  # untimed: see the module
        starts: dict[str, list[tuple[float, float]]] = {label: [] for label in variants}
        for _ in range(args.repeat):
            for label, environment in variants.items():
                wall, cpu = start(command, environment)
                starts[label].append((wall, cpu))
                print(f"{wall:,.0f} ms (CPU {cpu:,.0f} ms) {label}", flush=True)
    for label, times in starts.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        print(
            f"cold start to the caseload, median of {len(times)}: {wall:,.0f} ms, "
            f"CPU {cpu:,.0f} ms ({user or 'demo'}{', ' + label if label else ''})"
        )
    return statistics.median(t[0] for t in starts[""])


if __name__ == "__main__":
    main()
