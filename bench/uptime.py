#!/usr/bin/env python3
"""A month of uptime, compressed (issue 12): N libraries (default 1,000) on one Apache mod_dav connection, swept with
nothing to do far more often than the 5-minute default, then restarted.

What a month of 5-minute no-change sweeps leaves in the store is measured, not assumed: every table's rows and the
database files' bytes before and after a window of accelerated sweeps (default: every 20 s for 600 s, about 30 sweeps
of every library), and the growth per sweep is carried forward to 30 days x 288 sweeps a day x N libraries. Tables that
the daemon purges are carried forward only as far as their retention: runs that changed nothing are kept one day
(JdbcSyncLog.QUIET_RUN_RETENTION), and their sync-log lines with them (other lines stay ncsync.logs.retention, 30
days). The event journal and the snapshots are kept for ever, so any growth there is carried forward whole.

Then the daemon is stopped and started again, and every library's status is asked for until all have answered 200:
the time that took, and every answer other than 200 seen meanwhile (a 503 is a library not ready yet), are reported.

    python3 bench/uptime.py --jar daemon/target/ncsync-all.jar [--libraries 1000] [--sweep-interval 20s]
                            [--window 600] [--json FILE] [--keep]

Needs root (Apache's workers run as www-data), apache2, Java 17. Prints a Markdown table.
"""

import argparse
import json
import secrets
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmarks' Apache and daemon helpers)
import idle  # noqa: E402  (library setup and settling, as the idle benchmark does it)

DAYS = 30
SWEEPS_PER_DAY = 24 * 60 // 5
# How long the daemon keeps what a sweep that changed nothing writes, in days (the journal and snapshots: for ever):
# its run and that run's log line go after a day (JdbcSyncLog.purge).
RETENTION_DAYS = {"ncsync_runs": 1, "ncsync_sync_log": 1, "ncsync_document_history": 365}
TABLES = ["event_journal", "snapshot", "ncsync_runs", "ncsync_sync_log", "ncsync_document_history"]


def store_figures(data: Path):
    """Rows per table and the bytes each table's rows hold (payloads and text), read-only."""
    db = data / "db" / "ncsync.sqlite"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        rows, payload = {}, {}
        for table in TABLES:
            rows[table] = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            columns = [c[1] for c in con.execute(f"PRAGMA table_info({table})")]
            total = " + ".join(f"COALESCE(LENGTH(\"{c}\"), 0)" for c in columns)
            payload[table] = con.execute(f"SELECT COALESCE(SUM({total}), 0) FROM {table}").fetchone()[0]
        return rows, payload
    finally:
        con.close()


def files_mib(data: Path):
    db = data / "db"
    return sum(f.stat().st_size for f in db.iterdir() if f.is_file()) / (1 << 20)


def restart_until_every_status(daemon, ids, timeout=300):
    """Seconds from the start command until every library answered 200 (None past the timeout), and the other codes."""
    started = time.monotonic()
    daemon.start()
    pending, others = set(ids), {}
    while pending and time.monotonic() - started < timeout:
        for lib in list(pending):
            code, _ = daemon.api("GET", f"/libraries/{lib}/status")
            if code == 200:
                pending.discard(lib)
            else:
                others[str(code)] = others.get(str(code), 0) + 1
    return (None if pending else round(time.monotonic() - started, 1)), others


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    idle.common_args(p)
    p.add_argument("--libraries", type=int, default=1000)
    p.add_argument("--sweep-interval", default="20s", help="NCSYNC_SYNC_INTERVAL while measuring (the default is 5m)")
    p.add_argument("--window", type=int, default=600, help="seconds of accelerated sweeps measured")
    args = p.parse_args()
    work = idle.work_dir(args, "uptime")
    apache = bench.Apache(work / "apache", secrets.token_hex(12))
    daemon = bench.Daemon(args.launcher, args.jar, work / "daemon", extra_env={"NCSYNC_SYNC_INTERVAL": args.sweep_interval})
    try:
        apache.start()
        daemon.start()
        setup = time.monotonic()
        conn = daemon.add_connection(apache)
        ids = idle.create_libraries(daemon, conn, args.libraries)
        idle.wait_settled(daemon, ids, timeout=1800)
        setup_s = time.monotonic() - setup
        bench.log(f"{args.libraries} libraries synced in {setup_s:.0f} s; letting their own writes settle")
        time.sleep(60)
        rows0, bytes0 = store_figures(daemon.data)
        files0 = files_mib(daemon.data)
        t0, wall0, cpu0 = time.monotonic(), time.time(), daemon.cpu_s()
        time.sleep(args.window)
        elapsed = time.monotonic() - t0
        cpu = daemon.cpu_s() - cpu0
        sweeps = idle.scheduled_runs(daemon.data, wall0)
        rows1, bytes1 = store_figures(daemon.data)
        files1 = files_mib(daemon.data)
        rss = daemon.rss_kib()
        daemon.stop()
        restart_s, non_200 = restart_until_every_status(daemon, ids)

        month_sweeps = DAYS * SWEEPS_PER_DAY * args.libraries
        projected = {}
        for table in TABLES:
            per_sweep = (bytes1[table] - bytes0[table]) / max(sweeps, 1)
            kept = min(DAYS, RETENTION_DAYS.get(table, DAYS)) * SWEEPS_PER_DAY * args.libraries
            projected[table] = bytes1[table] + per_sweep * min(month_sweeps, kept)
        journal_month_mib = (projected["event_journal"] + projected["snapshot"]) / (1 << 20)
        store_month_mib = sum(projected.values()) / (1 << 20)
        result = {
            "libraries": args.libraries, "sweep_interval": args.sweep_interval, "window_s": round(elapsed),
            "sweeps_in_window": sweeps, "setup_s": round(setup_s),
            "rows_before": rows0, "rows_after": rows1,
            "journal_rows_added": rows1["event_journal"] - rows0["event_journal"],
            "snapshot_rows_added": rows1["snapshot"] - rows0["snapshot"],
            "bytes_per_sweep": {t: round((bytes1[t] - bytes0[t]) / max(sweeps, 1), 1) for t in TABLES},
            "db_files_mib_before": round(files0, 1), "db_files_mib_after": round(files1, 1),
            "month_sweeps": month_sweeps,
            "projected_month_journal_and_snapshots_mib": round(journal_month_mib, 1),
            "projected_month_store_mib": round(store_month_mib, 1),
            "cpu_share_of_one_core": round(100 * cpu / elapsed, 2), "rss_mib": round(rss / 1024) if rss else None,
            "restart_until_every_status_s": restart_s, "answers_other_than_200": non_200,
        }
        bench.log(json.dumps(result))
    finally:
        daemon.stop()
        apache.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| libraries | sweeps measured (interval) | journal rows added | snapshot rows added | bytes per sweep (journal, snapshots, runs, log lines) "
          "| journal + snapshots after 30 days (projected) | whole store after 30 days (projected) | restart until every status | answers other than 200 |")
    print("|---|---|---:|---:|---|---:|---:|---:|---|")
    b = result["bytes_per_sweep"]
    print(f"| {result['libraries']} | {result['sweeps_in_window']} ({result['sweep_interval']}, {result['window_s']} s) | "
          f"{result['journal_rows_added']} | {result['snapshot_rows_added']} | {b['event_journal']}, {b['snapshot']}, "
          f"{b['ncsync_runs']}, {b['ncsync_sync_log']} | {result['projected_month_journal_and_snapshots_mib']} MiB | "
          f"{result['projected_month_store_mib']} MiB | {result['restart_until_every_status_s']} s | "
          f"{result['answers_other_than_200'] or 'none'} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
