#!/usr/bin/env python3
"""The journal crash test (issue 9): a busy ncsync daemon killed with SIGKILL at seeded random points, each kill
followed by a restart on the same data dir that must open without error and still hold every connection and library
whose creation the admin API acknowledged (201) before the kill.

Python 3 standard library only. It builds nothing: give it the daemon jar (default daemon/target/ncsync-all.jar, made by
`./mvnw -o -q -DskipTests package`). The remote is a private Apache httpd with mod_dav (as the protocol test-jar's
ApacheDavServer starts it); the journal store is chosen with --store:

  default   NCSYNC_DB_URL unset: whatever the daemon embeds by default
  h2        jdbc:h2:file:<data dir>/db/ncsync;DATABASE_TO_UPPER=false
  sqlite    jdbc:sqlite:<data dir>/db/ncsync.db (or --db-url)
  postgres  a fresh database per run on 127.0.0.1:5432 user postgres, created and dropped here (or --pg-url)
  url       --db-url as given; "{data_dir}" in it is replaced by the data dir

Each point, chosen by the seed:
  busy      mixed load (files added/edited/deleted on both sides, sync requests, new connections and libraries),
            SIGKILL after a random time
  snapshot  the same load, SIGKILL right after the daemon logged a saved snapshot (NCSYNC_SYNC_SNAPSHOT_EVERY small)
  create    the same load, then a new library asked for and SIGKILL 0..--create-kill-max-ms later, between the
            steps of its creation
  startup   a short load, SIGKILL, relaunch, SIGKILL again 0..--startup-kill-max-ms after launch (often before the API
            answers: JVM start, journal open, schema, tenant recovery)
  recovery  a short load, SIGKILL, relaunch, wait for /health/ready, wake every library (their recovery), SIGKILL
            0..800 ms later
then a check launch: /health/ready 200 within --ready-timeout; every acknowledged connection and library listed; the
status of each library answers; no "Double mark", "MVStoreException", "corrupt", "malformed", recovery failure in any
log of the point. Every --converge-every points (and at the end) the load stops and the trees must converge (same
files, same SHA-256, local vs the server's disk). A failing point keeps its data dir (and a pg_dump) under
<work dir>/failures/point-NNN; the run then goes on with a fresh data dir and store.

Output: <work dir>/summary.json and one closing line `journal-crash: N passed, M failed`; exit 1 on any failure.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from crashlib import (Daemon, add_common_args, free_port, http, log, resolve_common_args, retry_503, run_and_report,
                      sync_once, tail, tree, tree_diff, write_logback)

DAV_USER = "crash"
# A log line with one of these after a kill means the store was damaged or could not be reopened.
FATAL_LOG = re.compile(r"Double mark|MVStoreException|corrupt|malformed|Exception during recovery|RecoveryFailed|"
                       r"recovery failed|JournalFailure|database disk image|file is not a database", re.IGNORECASE)
PHASES = [("busy", 35), ("snapshot", 20), ("create", 10), ("startup", 20), ("recovery", 15)]


# ---- The remote: a private Apache httpd with mod_dav ----------------------------------------------------------------

class Apache:
    """A private Apache with mod_dav on a loopback port, configured like protocol's ApacheDavServer."""

    def __init__(self, base: Path):
        self.base = base
        self.password = base64.b16encode(os.urandom(12)).decode().lower()
        self.files = base / "htdocs" / "dav"
        self.conf = base / "httpd.conf"
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/dav/"

    def auth(self):
        return {"Authorization": "Basic " + base64.b64encode(f"{DAV_USER}:{self.password}".encode()).decode()}

    def start(self):
        if not os.access("/usr/sbin/apache2", os.X_OK):
            raise SystemExit("journal-crash: Apache httpd is not installed: apt-get install apache2 (ops/test.sh does)")
        run, lock, logs = self.base / "run", self.base / "lock", self.base / "logs"
        for d in (run, lock, logs, self.files):
            d.mkdir(parents=True, exist_ok=True)
        sha = base64.b64encode(hashlib.sha1(self.password.encode()).digest()).decode()
        (self.base / "htpasswd").write_text(f"{DAV_USER}:{{SHA}}{sha}\n")
        as_root = os.geteuid() == 0
        for d in (self.base, self.base / "htdocs"):
            d.chmod(0o755)
        if as_root:  # Apache drops to www-data: give it what it writes
            shutil.chown(self.files, "www-data", "www-data")
            shutil.chown(lock, "www-data", "www-data")
        for attempt in range(3):
            self.port = free_port()
            mods = ["mpm_event", "authz_core", "authz_user", "authn_core", "authn_file", "auth_basic", "mime", "dav",
                    "dav_fs"]
            conf = ["ServerRoot /etc/apache2", "ServerName 127.0.0.1", f"Listen 127.0.0.1:{self.port}",
                    f"PidFile {run}/httpd.pid", f"DefaultRuntimeDir {run}", f"Mutex file:{run} default",
                    *[f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in mods],
                    *(["User www-data", "Group www-data"] if as_root else []),
                    "StartServers 1", "ServerLimit 2", "ThreadsPerChild 16", "MaxRequestWorkers 32",
                    f"ErrorLog {logs}/error.log", "LogLevel warn", "TypesConfig /etc/mime.types",
                    f"DavLockDB {lock}/DavLock", "DavDepthInfinity Off", "LimitRequestBody 0",
                    f"DocumentRoot {self.base}/htdocs",
                    "<Directory />", "  AllowOverride None", "  Require all denied", "</Directory>",
                    f"<Directory {self.files}>", "  Dav On", "  AuthType Basic", "  AuthName ncsync-crash",
                    f"  AuthUserFile {self.base}/htpasswd", "  Require valid-user", "</Directory>"]
            self.conf.write_text("\n".join(conf) + "\n")
            if self._ctl("start").returncode == 0 and self._answers(15):
                return
            self._ctl("stop")
        raise SystemExit(f"journal-crash: Apache did not start; see {logs}/error.log")

    def _answers(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if http("PROPFIND", self.url, dict(self.auth(), Depth="0"), timeout=2)[0] == 207:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def _ctl(self, cmd):
        env = dict(os.environ, APACHE_RUN_DIR=str(self.base / "run"), APACHE_LOCK_DIR=str(self.base / "lock"),
                   APACHE_LOG_DIR=str(self.base / "logs"), APACHE_PID_FILE=str(self.base / "run/httpd.pid"))
        return subprocess.run(["/usr/sbin/apache2", "-f", str(self.conf), "-k", cmd], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)

    def stop(self):
        if self.port:
            self._ctl("stop")

    def put(self, rel, data):
        return http("PUT", self.url + rel, self.auth(), data)[0]

    def delete(self, rel):
        return http("DELETE", self.url + rel, self.auth())[0]

    def mkcol(self, rel):
        return http("MKCOL", self.url + rel, self.auth())[0]


# ---- The journal store -----------------------------------------------------------------------------------------------

class Store:
    """Where the journal lives. fresh() gives a new empty store for a new data dir (after a failure the run goes on
    from scratch); keep() copies what a failing point left for a person to inspect."""

    def __init__(self, args):
        self.kind = args.store
        self.args = args
        self.db_name = None
        self.pg = {"PGHOST": os.environ.get("PGHOST", "127.0.0.1"), "PGPORT": os.environ.get("PGPORT", "5432"),
                   "PGUSER": os.environ.get("PGUSER", "postgres")}
        self.counter = 0

    @property
    def resettable(self):
        if self.kind == "postgres":
            return not self.args.pg_url
        return self.kind != "url" or "{data_dir}" in (self.args.db_url or "")

    def fresh(self, data_dir: Path):
        """The daemon's NCSYNC_DB_* variables for a new, empty store belonging to data_dir."""
        a = self.args
        if self.kind == "default":
            return {}
        if self.kind == "h2":
            return {"NCSYNC_DB_URL": f"jdbc:h2:file:{data_dir}/db/ncsync;DATABASE_TO_UPPER=false"}
        if self.kind == "sqlite":
            return self._with_credentials(a.db_url or f"jdbc:sqlite:{data_dir}/db/ncsync.db", data_dir)
        if self.kind == "url":
            return self._with_credentials(a.db_url, data_dir)
        # postgres
        if a.pg_url:
            return {"NCSYNC_DB_URL": a.pg_url, "NCSYNC_DB_USER": a.db_user or "postgres",
                    "NCSYNC_DB_PASSWORD": a.db_password or ""}
        self.drop()
        self.counter += 1
        self.db_name = f"ncsync_crash_{os.getpid()}_{self.counter}"
        self._pg(["createdb", self.db_name])
        return {"NCSYNC_DB_URL": f"jdbc:postgresql://{self.pg['PGHOST']}:{self.pg['PGPORT']}/{self.db_name}",
                "NCSYNC_DB_USER": self.pg["PGUSER"], "NCSYNC_DB_PASSWORD": a.db_password or ""}

    def _with_credentials(self, url, data_dir):
        env = {"NCSYNC_DB_URL": url.replace("{data_dir}", str(data_dir))}
        if self.args.db_user is not None:
            env["NCSYNC_DB_USER"] = self.args.db_user
        if self.args.db_password is not None:
            env["NCSYNC_DB_PASSWORD"] = self.args.db_password
        return env

    def _pg(self, argv, **kw):
        return subprocess.run(argv, env=dict(os.environ, **self.pg), check=True, timeout=60, **kw)

    def keep(self, dest: Path):
        if self.db_name:
            with open(dest / "pg_dump.sql", "wb") as f:
                try:
                    self._pg(["pg_dump", self.db_name], stdout=f, stderr=subprocess.STDOUT)
                except (subprocess.SubprocessError, OSError) as e:
                    f.write(f"pg_dump failed: {e}\n".encode())

    def drop(self):
        if self.db_name:
            subprocess.run(["dropdb", "--if-exists", "--force", self.db_name], env=dict(os.environ, **self.pg),
                           timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.db_name = None

    def describe(self):
        if self.kind == "postgres":
            return self.args.pg_url or f"jdbc:postgresql://{self.pg['PGHOST']}:{self.pg['PGPORT']}/<fresh per run>"
        return {"default": "(NCSYNC_DB_URL unset)", "h2": "jdbc:h2:file:<data dir>/db/ncsync;DATABASE_TO_UPPER=false",
                "sqlite": self.args.db_url or "jdbc:sqlite:<data dir>/db/ncsync.db"}.get(self.kind, self.args.db_url)


# ---- What the API acknowledged ---------------------------------------------------------------------------------------

class Ledger:
    """Connections and libraries whose creation was answered 201: they must survive any later kill."""

    def __init__(self):
        self.lock = threading.Lock()
        self.connections = {}  # id -> name
        self.libraries = {}  # id -> {name, localPath, remotePath, connectionId}
        self.serial = 0
        self.acked_at = {}  # id -> time.monotonic() of the 201, to tell how long before the kill a lost write was

    def next_name(self, prefix):
        with self.lock:
            self.serial += 1
            return f"{prefix}-{self.serial:04d}"


# ---- The mixed load --------------------------------------------------------------------------------------------------

class Load(threading.Thread):
    """Keeps one daemon busy until stopped: files added, edited and deleted in the workspace and on the server, sync
    requests, and now and then a new connection or library. Errors are expected (the daemon dies under it)."""

    def __init__(self, daemon: Daemon, apache: Apache, ledger: Ledger, rng: random.Random, args, workspaces: Path):
        super().__init__(daemon=True)
        self.d, self.apache, self.ledger, self.rng, self.args = daemon, apache, ledger, rng, args
        self.workspaces = workspaces
        self.stop = threading.Event()
        self.ops = 0

    def run(self):
        while not self.stop.is_set():
            try:
                self.step()
            except (OSError, ValueError, KeyError):
                pass
            self.ops += 1
            self.stop.wait(self.rng.uniform(0.005, 0.04))

    def step(self):
        with self.ledger.lock:
            libs = list(self.ledger.libraries.values())
            conns = list(self.ledger.connections)
        r = self.rng.random()
        if not conns or (r < 0.01 and len(conns) < self.args.max_connections):
            self.create_connection()
        elif not libs or (r < 0.04 and len(libs) < self.args.max_libraries):
            self.create_library(self.rng.choice(conns))
        elif r < 0.20:
            lib = self.pick(libs)
            self.d.api("POST", f"/libraries/{lib['id']}/sync")
        elif r < 0.62:
            self.local_change(self.pick(libs))
        else:
            self.remote_change(self.pick(libs))

    def pick(self, libs):
        return self.rng.choice(libs[-6:])  # most of the work on the newest few: bounded runs, snapshots come often

    def create_now(self):
        """A library (a connection first when there is none, or now and then): a "create" point kills the daemon
        while this is in flight, between the steps of a creation."""
        try:
            with self.ledger.lock:
                conns = list(self.ledger.connections)
            if not conns or self.rng.random() < 0.25:
                self.create_connection()
                with self.ledger.lock:
                    conns = list(self.ledger.connections)
            if conns:
                self.create_library(self.rng.choice(conns))
        except (OSError, ValueError, KeyError):
            pass

    def create_connection(self):
        name = self.ledger.next_name("conn")
        code, body = self.d.api("POST", "/connections", {
            "name": name, "kind": "webdav", "url": self.apache.url, "username": DAV_USER,
            "appPassword": self.apache.password, "allowInsecureHttp": True})
        if code == 201:
            with self.ledger.lock:
                self.ledger.connections[body["id"]] = name
                self.ledger.acked_at[body["id"]] = time.monotonic()

    def create_library(self, connection_id):
        name = self.ledger.next_name("lib")
        code, body = self.d.api("POST", "/libraries", {
            "name": name, "connectionId": connection_id, "localPath": name, "remotePath": name,
            "mode": "bidirectional"}, timeout=30)
        if code == 201:
            with self.ledger.lock:
                self.ledger.acked_at[body["id"]] = time.monotonic()
                self.ledger.libraries[body["id"]] = {"id": body["id"], "name": name, "localPath": name,
                                                     "remotePath": name, "connectionId": connection_id}

    def content(self):
        return os.urandom(self.rng.choice([0, 1, 100, 4096, 30000, 200000]))

    def file_name(self):
        folder = self.rng.choice(["", "", "sub/"])
        return f"{folder}f{self.rng.randrange(40):02d}.bin"

    def local_change(self, lib):
        root = self.workspaces / lib["localPath"]
        if not root.is_dir():
            return
        p = root / self.file_name()
        if p.exists() and self.rng.random() < 0.3:
            p.unlink()
        else:
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(self.content())

    def remote_change(self, lib):
        rel = f"{lib['remotePath']}/{self.file_name()}"
        if self.rng.random() < 0.25:
            self.apache.delete(rel)
        elif self.apache.put(rel, self.content()) == 409:  # the sub folder is missing
            self.apache.mkcol(f"{lib['remotePath']}/sub")


# ---- One run: the points ---------------------------------------------------------------------------------------------

class CrashRun:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = args.work_dir
        self.store = Store(args)
        self.apache = Apache(self.work / "apache")
        self.results = []
        self.generation = 0
        self.daemon = None
        self.launch_serial = 0
        self.last_ready_s = 5.0
        self.load_killed_at = time.monotonic()
        self.logback = self.work / "logback-crash.xml"

    # -- life cycle of one data dir

    def new_generation(self):
        self.generation += 1
        self.data_dir = self.work / f"run-{self.generation}" / "data"
        self.logs = self.work / f"run-{self.generation}" / "logs"
        self.data_dir.mkdir(parents=True)
        self.logs.mkdir(parents=True)
        self.store_env = self.store.fresh(self.data_dir)
        self.ledger = Ledger()
        self.point_logs = []

    def launch(self, label):
        self.launch_serial += 1
        log_file = self.logs / f"{self.launch_serial:04d}-{label}.log"
        self.point_logs.append(log_file)
        return Daemon(self.args, self.data_dir, self.store_env, log_file, self.logback)

    def run(self):
        self.work.mkdir(parents=True, exist_ok=True)
        write_logback(self.logback)
        self.apache.start()
        log(f"Apache mod_dav on {self.apache.url}; store {self.args.store}: {self.store.describe()}; seed "
            f"{self.args.seed}; {self.args.points} points; work dir {self.work}")
        started = time.monotonic()
        try:
            self.new_generation()
            self.daemon = self.first_launch()
            for n in range(1, self.args.points + 1):
                self.point(n)
            self.final_convergence()
        finally:
            if self.daemon:
                self.daemon.kill()
            self.apache.stop()
            if not self.args.keep_store:
                self.store.drop()
        return time.monotonic() - started

    def first_launch(self):
        d = self.launch("first")
        why = d.wait_ready(self.args.ready_timeout)
        if why:
            d.kill()
            raise SystemExit(f"journal-crash: the daemon did not start on a fresh data dir: {why}; see {d.log_file}")
        self.seed_state(d)
        return d

    def seed_state(self, d):
        """Two connections and three libraries before the first kill, so every point has state to recover."""
        load = Load(d, self.apache, self.ledger, random.Random(self.rng.random()), self.args,
                    self.data_dir / "workspaces")
        try:
            for _ in range(2):
                load.create_connection()
            for i in range(3):
                with self.ledger.lock:
                    conns = list(self.ledger.connections)
                if conns:
                    load.create_library(conns[i % len(conns)])
        except OSError:
            pass  # told below
        if len(self.ledger.connections) < 2 or len(self.ledger.libraries) < 3:
            d.kill()
            raise SystemExit(f"journal-crash: the fresh daemon refused the first connections or libraries; see "
                             f"{d.log_file}")

    # -- one point

    def point(self, n):
        phase = self.rng.choices([p for p, _ in PHASES], [w for _, w in PHASES])[0]
        t0 = time.monotonic()
        rec = {"point": n, "phase": phase, "generation": self.generation, "data_dir": str(self.data_dir)}
        self.point_logs = [self.daemon.log_file]
        if phase in ("busy", "snapshot", "create"):
            rec.update(self.kill_under_load(phase))
        else:
            rec.update(self.kill_under_load("busy", short=True))
            rec["first_kill_delay_ms"] = rec.pop("kill_delay_ms")
            rec.update(self.kill_at_startup() if phase == "startup" else self.kill_in_recovery())
        self.copy_at_kill()
        reasons = self.check_restart(rec)
        if not reasons and (n % self.args.converge_every == 0):
            reasons = self.converge()
            rec["converged"] = not reasons
        rec["libraries"], rec["connections"] = len(self.ledger.libraries), len(self.ledger.connections)
        rec["seconds"] = round(time.monotonic() - t0, 2)
        rec["ok"] = not reasons
        if reasons:
            self.keep_failure(n, rec, reasons)
        self.results.append(rec)
        after = f"{rec['load_s']:.1f} s of load" if phase in ("busy", "snapshot", "create") else f"{rec['kill_delay_ms']} ms"
        log(f"point {n}/{self.args.points} {phase:<8} killed after {after:<16}: "
            f"{'ok' if not reasons else 'FAILED: ' + '; '.join(reasons)[:300]} ({rec['seconds']} s, "
            f"{rec['libraries']} libraries)")

    def copy_at_kill(self):
        """The data dir as the kill left it, before the restart touches it: reopening can be what does the damage."""
        at_kill = self.work / "at-kill"
        shutil.rmtree(at_kill, ignore_errors=True)
        shutil.copytree(self.data_dir, at_kill, symlinks=True)

    def kill_under_load(self, phase, short=False):
        d = self.daemon
        load = Load(d, self.apache, self.ledger, random.Random(self.rng.random()), self.args,
                    self.data_dir / "workspaces")
        window = self.rng.uniform(0.2, 1.0 if short else self.args.busy_max)
        snaps_before = d.snapshots_saved()
        started = time.monotonic()
        load.start()
        end = time.monotonic() + window
        after_snapshot = False
        if phase == "snapshot":
            end = time.monotonic() + window + self.args.busy_max * 2
            while time.monotonic() < end and d.alive():
                if d.snapshots_saved() > snaps_before:
                    after_snapshot = True
                    time.sleep(self.rng.uniform(0, 0.05))
                    break
                time.sleep(0.01)
        else:
            while time.monotonic() < end and d.alive():
                time.sleep(0.02)
        creating = None
        if phase == "create":
            creating = threading.Thread(target=load.create_now, daemon=True)
            creating.start()
            time.sleep(self.rng.uniform(0, self.args.create_kill_max_ms / 1000))
        load_s = round(time.monotonic() - started, 2)
        self.load_killed_at = time.monotonic()
        delay = d.kill()
        load.stop.set()
        load.join(15)
        if creating:
            creating.join(15)
        out = {"kill_delay_ms": delay, "load_s": load_s, "load_ops": load.ops, "kill_after_snapshot": after_snapshot}
        if phase == "snapshot" and not after_snapshot:
            out["note"] = "no snapshot seen in the window: killed under load"
        return out

    def kill_at_startup(self):
        d = self.launch("startup")
        # 0..X ms, X by default a bit longer than the last start took: most kills land before the API answers, some
        # in the tenant's and libraries' recovery right after.
        limit = self.args.startup_kill_max_ms or 1250 * self.last_ready_s
        delay_ms = self.rng.uniform(0, limit)
        time.sleep(delay_ms / 1000)
        api_answered = self.answers(d)
        return {"kill_delay_ms": d.kill(), "api_answered_before_kill": api_answered}

    def kill_in_recovery(self):
        d = self.launch("recovery")
        why = d.wait_ready(self.args.ready_timeout)
        if why:  # the check below reports the same launch problem with more detail
            return {"kill_delay_ms": d.kill(), "note": f"the recovery launch: {why}"}
        with self.ledger.lock:
            ids = list(self.ledger.libraries)
        def wake():
            for lib_id in ids:
                try:
                    d.api("GET", f"/libraries/{lib_id}/status", timeout=5)
                except OSError:
                    return
        waker = threading.Thread(target=wake, daemon=True)
        waker.start()
        time.sleep(self.rng.uniform(0, 0.8))
        delay = d.kill()
        waker.join(10)
        return {"kill_delay_ms": delay}

    @staticmethod
    def answers(d):
        try:
            return http("GET", d.base + "/health/live", timeout=0.3)[0] == 200
        except OSError:
            return False

    # -- the check after a kill

    def check_restart(self, rec):
        """Reasons the restart after a kill failed, each starting with its category in brackets: [start] not ready,
        [lost] an acknowledged write is gone, [listing] a list endpoint fails, [status] a library does not answer,
        [log] a damaged-store line in a log."""
        d = self.launch("check")
        self.daemon = d
        t0 = time.monotonic()
        reasons = []
        why = d.wait_ready(self.args.ready_timeout)
        rec["ready_s"] = round(time.monotonic() - t0, 2)
        if why:
            return ["[start] " + why] + self.log_problems()
        self.last_ready_s = rec["ready_s"]
        with self.ledger.lock:
            conns, libs = dict(self.ledger.connections), dict(self.ledger.libraries)
        for path, acked, what in (("/connections", conns, "connections"), ("/libraries", libs, "libraries")):
            listed = self.listed(path)
            if isinstance(listed, str):
                reasons.append("[listing] " + listed)
                # The list is broken; ask for each acknowledged one by id, so a lost write is still told apart.
                listed = {i for i in acked if self.retry_503(lambda: d.api("GET", f"{path}/{i}", timeout=15))[0] == 200}
            lost = sorted(set(acked) - listed)
            if lost:
                before = [int((self.load_killed_at - self.ledger.acked_at[i]) * 1000) for i in lost]
                reasons.append(f"[lost] {len(lost)} of {len(acked)} acknowledged {what} are gone: {lost[:5]} "
                               f"(acknowledged {before[:5]} ms before the kill)")
        states = {}
        for lib_id in libs:
            code, body = self.retry_503(lambda: d.api("GET", f"/libraries/{lib_id}/status", timeout=15))
            if code != 200:
                reasons.append(f"[status] status of library {lib_id} answered {code} {str(body)[:200]}")
                break
            states[body.get("state")] = states.get(body.get("state"), 0) + 1
        rec["library_states"] = states
        return reasons + self.log_problems()

    def retry_503(self, call):
        """An entity recovering after the restart may make one ask time out (503): give it the check timeout."""
        return retry_503(call, self.args.ready_timeout)

    def listed(self, path):
        code, body = self.retry_503(lambda: self.daemon.api("GET", path, timeout=15))
        if code != 200 or not isinstance(body, list):
            return f"GET {path} answered {code} {str(body)[:200]}"
        return {item["id"] for item in body}

    def log_problems(self):
        found = []
        for f in self.point_logs:
            try:
                text = f.read_text(errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                if FATAL_LOG.search(line) and "saved successfully" not in line:
                    found.append(f"[log] {f.name}: {line.strip()[:300]}")
                    break
        return found

    # -- convergence

    def converge(self):
        """Load stopped: sync every library until the local and remote trees match (same files, same SHA-256)."""
        with self.ledger.lock:
            libs = list(self.ledger.libraries.values())
        mismatch = {}
        rounds, breaker_waits = 0, 0
        while rounds < self.args.converge_rounds:
            self.breaker_wait = 0
            for lib in libs:
                why = self.sync_once(lib["id"])
                if why:
                    return ["[converge] " + why]
            if self.breaker_wait and breaker_waits < 3:
                # A run found the connection's circuit breaker open (an overloaded machine makes requests time
                # out): it is the product protecting the server, not a divergence. Wait until it lets requests
                # through again; such a round does not count.
                breaker_waits += 1
                time.sleep(min(self.breaker_wait, 70) + 1)
                continue
            rounds += 1
            mismatch = {}
            for lib in libs:
                diff = tree_diff(tree(self.data_dir / "workspaces" / lib["localPath"]),
                                 tree(self.apache.files / lib["remotePath"], skip_staging=True))
                if diff:
                    mismatch[lib["name"]] = diff
            if not mismatch:
                return []
        return [f"[converge] trees did not converge after {self.args.converge_rounds} sync rounds: "
                f"{json.dumps(mismatch)[:600]}"]

    def sync_once(self, lib_id):
        why, last = sync_once(self.daemon, lib_id, self.args.sync_timeout, self.args.ready_timeout)
        wait = re.search(r"next try in (\d+) s", (last or {}).get("reason") or "")
        if wait:
            self.breaker_wait = max(getattr(self, "breaker_wait", 0), int(wait.group(1)))
        return why

    def final_convergence(self):
        last = self.results[-1] if self.results else None
        if last is None or not last["ok"] or "converged" in last:
            return
        reasons = self.converge()
        last["converged"] = not reasons
        if reasons:
            last["ok"] = False
            self.keep_failure(last["point"], last, reasons)
            log(f"final convergence FAILED: {'; '.join(reasons)[:300]}")
        else:
            log("final convergence ok")

    # -- a failing point

    def keep_failure(self, n, rec, reasons):
        dest = self.work / "failures" / f"point-{n:03d}"
        dest.mkdir(parents=True, exist_ok=True)
        rec["reasons"] = reasons
        rec["log_tail"] = tail(self.daemon.log_file)
        rec["logs"] = [str(f) for f in self.point_logs]
        if self.daemon.alive():
            self.daemon.kill()
        shutil.copytree(self.data_dir, dest / "data", symlinks=True, dirs_exist_ok=True)
        if (self.work / "at-kill").is_dir():
            shutil.move(str(self.work / "at-kill"), dest / "data-at-kill")
        for f in self.point_logs:
            if f.exists():
                shutil.copy2(f, dest / f.name)
        self.store.keep(dest)
        rec["kept"] = str(dest)
        if not self.store.resettable:
            raise SystemExit(f"journal-crash: point {n} failed and the store {self.store.describe()} cannot be "
                             f"replaced by a fresh one; stopping (kept in {dest})")
        self.new_generation()
        self.daemon = self.first_launch()

    # -- the report

    @staticmethod
    def categories(failed):
        counts = {}
        for r in failed:
            for c in sorted({m.group(1) for m in (re.match(r"\[(\w+)\]", x) for x in r["reasons"]) if m}):
                counts[c] = counts.get(c, 0) + 1
        return counts

    def summary(self, wall_s):
        failed = [r for r in self.results if not r["ok"]]
        per_point = [r["seconds"] for r in self.results]
        return {
            "command": " ".join(shlex.quote(a) for a in sys.argv),
            "store": self.args.store, "db_url": self.store.describe(), "seed": self.args.seed,
            "points": len(self.results), "passed": len(self.results) - len(failed), "failed": len(failed),
            "wall_s": round(wall_s, 1),
            "s_per_point": round(sum(per_point) / len(per_point), 2) if per_point else None,
            "phases": {p: sum(1 for r in self.results if r["phase"] == p) for p, _ in PHASES},
            "kills_right_after_snapshot": sum(1 for r in self.results if r.get("kill_after_snapshot")),
            "startup_kills_before_api": sum(1 for r in self.results
                                            if r["phase"] == "startup" and not r.get("api_answered_before_kill")),
            "failures_by_category": self.categories(failed),
            "convergence_checks": sum(1 for r in self.results if "converged" in r),
            "libraries": len(self.ledger.libraries) if hasattr(self, "ledger") else 0,
            "connections": len(self.ledger.connections) if hasattr(self, "ledger") else 0,
            "jar": str(self.args.jar), "java_opts": self.args.java_opts, "snapshot_every": self.args.snapshot_every,
            "failures": [{k: r.get(k) for k in ("point", "phase", "kill_delay_ms", "first_kill_delay_ms", "reasons",
                                                "kept", "logs", "log_tail")} | {"seed": self.args.seed}
                         for r in failed],
            "point_details": self.results,
        }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="kill -9 the ncsync daemon at random points and check its journal",
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--store", choices=["default", "h2", "sqlite", "postgres", "url"], default="default")
    p.add_argument("--db-url", help="JDBC URL for --store url/sqlite; {data_dir} is replaced by the data dir")
    p.add_argument("--db-user")
    p.add_argument("--db-password")
    p.add_argument("--pg-url", help="use this PostgreSQL JDBC URL instead of a fresh database (never dropped)")
    add_common_args(p, points=40, sync_interval="5s", converge_rounds=4)
    p.add_argument("--quick", action="store_true", help="5 points, shorter windows: for CI (< 2 minutes)")
    p.add_argument("--busy-max", type=float, default=4.0, help="longest load window before a kill, seconds")
    p.add_argument("--startup-kill-max-ms", type=float, default=0,
                   help="startup kills land 0..this many ms after launch; 0: 1.25 x the last start-up time")
    p.add_argument("--create-kill-max-ms", type=float, default=600,
                   help="a create point kills 0..this many ms after it asked for a new library")
    p.add_argument("--converge-every", type=int, default=10)
    p.add_argument("--max-libraries", type=int, default=40)
    p.add_argument("--max-connections", type=int, default=15)
    p.add_argument("--keep-store", action="store_true", help="do not drop the PostgreSQL database at the end")
    args = p.parse_args(argv)
    if args.quick:
        args.points = min(args.points, 5) if "--points" in (argv or sys.argv) else 5
        args.busy_max = min(args.busy_max, 2.0)
        args.converge_every = min(args.converge_every, 5)
    if args.store == "url" and not args.db_url:
        p.error("--store url needs --db-url")
    resolve_common_args(p, args, f"/tmp/journal-crash-{args.store}-{{seed}}")
    return args


def main():
    args = parse_args()
    return run_and_report(CrashRun(args), args, "journal-crash")


if __name__ == "__main__":
    sys.exit(main())
