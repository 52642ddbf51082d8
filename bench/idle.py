#!/usr/bin/env python3
"""Idle cost (issue 12): what a freshly started daemon with default settings costs while nothing changes, with 1 and
with N libraries (default 100) on one Apache mod_dav connection.

For each count: a fresh data dir and daemon (bin/ncsync, its default JVM options, NCSYNC_SYNC_INTERVAL at its 5-minute
default, workspace watching and remote polling on), N libraries of 10 files in 2 folders each, created through the
API; once every library's first run has ended, the daemon is left alone for --window seconds (default 300: one full
sweep interval, so every library's scheduled run falls inside it). Measured over the window: CPU (utime + stime of the
daemon from /proc/<pid>/stat) as a share of one core, requests Apache received, journal rows added, RSS at the end,
and the heap in use after a full GC (jcmd GC.heap_info after jcmd GC.run).

    python3 bench/idle.py --jar daemon/target/ncsync-all.jar [--libraries 100] [--window 300] [--keep]

With --sync-interval 10s the sweeps come 30 times as often (an accelerated month: what 5-minute sweeps would add to the
journal over a longer time). Last, the daemon is restarted and timed until every library answers its status.

Needs root (Apache's workers run as www-data), apache2, Java 17 (jcmd). Prints a Markdown table; --json writes the
figures too.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmarks' Apache and daemon helpers)


def journal_rows(data: Path):
    db = data / "db" / "ncsync.sqlite"
    if not db.exists():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM event_journal").fetchone()[0]
    finally:
        con.close()


def scheduled_runs(data: Path, since_epoch_s):
    """Scheduled runs (the sweeps) that started in the window, from the sync log's runs table."""
    db = data / "db" / "ncsync.sqlite"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM ncsync_runs WHERE trigger_name = 'schedule' AND started_millis >= ?",
                           (int(since_epoch_s * 1000),)).fetchone()[0]
    finally:
        con.close()


def journal_mib(data: Path):
    db = data / "db"
    return round(sum(f.stat().st_size for f in db.iterdir() if f.is_file()) / (1 << 20), 1) if db.exists() else None


def all_answer(daemon, ids, timeout=120):
    """True once every library answered 200 to its status (after a restart), within the timeout."""
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for lib in list(pending):
            code, _ = daemon.api("GET", f"/libraries/{lib}/status")
            if code == 200:
                pending.discard(lib)
    return not pending


def heap_used_kib(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
    # Serial GC lists its generations (new, tenured), G1 one heap: their "used" added up.
    used = [int(u) for u in re.findall(r"(?:generation|heap)\s+total \d+K, used (\d+)K", out)]
    return sum(used) if used else None


def wait_settled(daemon, ids, timeout):
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for lib in list(pending):
            code, status = daemon.api("GET", f"/libraries/{lib}/status")
            if code == 200 and status.get("activeRun") is None and (status.get("lastRun") or {}).get("outcome") == "succeeded":
                pending.discard(lib)
        time.sleep(0.5)
    if pending:
        raise RuntimeError(f"{len(pending)} libraries did not finish their first run")


def create_libraries(daemon, conn, count):
    """COUNT libraries of 10 files of 4 KiB in 2 folders, made through the API; their ids."""
    ids = []
    for i in range(count):
        name = f"lib{i:04d}"
        for folder in ("a", "b"):
            d = daemon.workspaces / name / folder
            d.mkdir(parents=True, exist_ok=True)
            for j in range(5):
                (d / f"doc{j}.txt").write_bytes(os.urandom(4096))
        ids.append(daemon.add_library(name, conn, name))
        if (i + 1) % 100 == 0:
            bench.log(f"{i + 1} libraries created")
    return ids


def common_args(p):
    """The options both idle.py and uptime.py take."""
    p.add_argument("--jar", type=Path, default=bench.ROOT / "daemon/target/ncsync-all.jar")
    p.add_argument("--launcher", type=Path, default=bench.ROOT / "bin/ncsync")
    p.add_argument("--work-dir", type=Path)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--json", type=Path)


def work_dir(args, script):
    """The run's work dir (0755: Apache's www-data workers read under it); root is required."""
    if os.geteuid() != 0:
        sys.exit(f"bench/{script}.py: run it as root (the private Apache serves through www-data workers)")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix=f"ncsync-{script}-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    return work


def measure(args, count, base: Path):
    apache = bench.Apache(base / "apache", secrets.token_hex(12))
    apache.start()
    daemon = bench.Daemon(args.launcher, args.jar, base / "daemon", extra_env={"NCSYNC_SYNC_INTERVAL": args.sync_interval})
    try:
        daemon.start()
        started = time.monotonic()
        conn = daemon.add_connection(apache)
        ids = create_libraries(daemon, conn, count)
        wait_settled(daemon, ids, timeout=600)
        ready_s = time.monotonic() - started
        # The first runs' own writes changed the folders' ETags: each library's next poll (every 30 s) sees that and
        # runs once more to record them. Measured from after that settling.
        time.sleep(40)
        requests_before = len(apache.access_log.read_text().splitlines())
        rows_before = journal_rows(daemon.data)
        cpu_before, t0 = daemon.cpu_s(), time.monotonic()
        time.sleep(args.window)
        cpu = daemon.cpu_s() - cpu_before
        elapsed = time.monotonic() - t0
        requests = len(apache.access_log.read_text().splitlines()) - requests_before
        rows_after = journal_rows(daemon.data)
        rss = daemon.rss_kib()
        heap = heap_used_kib(daemon.proc.pid)
        sweeps = scheduled_runs(daemon.data, time.time() - elapsed)
        daemon.stop()
        restart = time.monotonic()
        daemon.start()
        answering = all_answer(daemon, ids)
        restart_s = time.monotonic() - restart
        return {"libraries": count, "sync_interval": args.sync_interval, "scheduled_runs_in_window": sweeps,
                "restart_until_every_status_s": round(restart_s, 1) if answering else None,
                "journal_mib": journal_mib(daemon.data), "window_s": round(elapsed), "cpu_s": round(cpu, 2),
                "cpu_share_of_one_core": round(100 * cpu / elapsed, 2), "requests": requests,
                "requests_per_library_per_minute": round(requests / count / (elapsed / 60), 2),
                "journal_rows_added": None if rows_before is None else rows_after - rows_before,
                "rss_mib": round(rss / 1024) if rss else None, "heap_used_mib": round(heap / 1024) if heap else None,
                "setup_s": round(ready_s, 1)}
    finally:
        daemon.stop()
        apache.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_args(p)
    p.add_argument("--libraries", type=int, default=100)
    p.add_argument("--window", type=int, default=300, help="seconds measured while idle")
    p.add_argument("--sync-interval", default="5m", help="NCSYNC_SYNC_INTERVAL (default: the daemon's own, 5m)")
    args = p.parse_args()
    work = work_dir(args, "idle")
    rows = []
    try:
        for count in (1, args.libraries):
            base = work / f"n{count}"
            base.mkdir()
            base.chmod(0o755)
            bench.log(f"idle cost with {count} librar{'y' if count == 1 else 'ies'}, {args.window} s window")
            rows.append(measure(args, count, base))
            bench.log(json.dumps(rows[-1]))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| libraries | sync interval | scheduled runs in the window | CPU, share of one core | requests / library / "
          "minute | journal rows added | journal on disk | RSS | heap after GC | restart until every status answers |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['libraries']} | {r['sync_interval']} | {r['scheduled_runs_in_window']} | "
              f"{r['cpu_share_of_one_core']} % | {r['requests_per_library_per_minute']} | {r['journal_rows_added']} | "
              f"{r['journal_mib']} MiB | {r['rss_mib']} MiB | {r['heap_used_mib']} MiB | "
              f"{r['restart_until_every_status_s']} s |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
