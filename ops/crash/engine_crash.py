#!/usr/bin/env python3
"""The sync engine crash test (issue 10, section 9): a syncing ncsync daemon killed with SIGKILL at seeded random
points of a mixed run; after each restart the next runs must converge without losing, duplicating or corrupting a
file, without a conflict the script did not cause and without a temporary file under a real name.

Python 3 standard library only. It builds nothing: give it the daemon jar (default daemon/target/ncsync-all.jar) and
the protocol module's compiled classes (protocol/target/classes and test-classes), both made by
`./mvnw -o -q -DskipTests package`. The remote is the project's Nextcloud test server (protocol's test source
io.ncsync.protocol.testing.nextcloud.NextcloudTestServer, run by its main() as a process on that classpath), so big
files go up as chunked uploads (v2): the daemon's chunk threshold is lowered to --chunk-threshold.

One library, one oracle. The oracle holds the converged tree (path -> SHA-256) and every content the script ever
wrote at each path. Each point, chosen by the seed:
  1. operations on both sides while no sync runs (no periodic syncs: interval 0s): new files local and remote (now and
     then in a new folder), edits on both sides, deletions on both sides, the rename of a file and of a small folder
     (on one side), one file edited differently on both sides (a conflict), one multi-MB file written locally (a
     chunked upload);
  2. a sync run asked for through the admin API, and SIGKILL: "run" points 0..--kill-max-ms after the request,
     "chunk" points 0..--chunk-kill-max-ms after the big file's chunked upload began (its folder in the server's
     upload area);
  3. right after the kill, no file under a real name on either side may hold content the script never wrote there
     ([torn]);
  4. relaunch, sync until the two trees are equal and a run succeeded (at most --converge-rounds runs), then check:
     [converge] both trees equal (paths and SHA-256); [lost] every newest version of a path not deleted is there (a
     conflicting path's two versions at the path and in one conflict copy `name (conflicted copy YYYY-MM-DD
     hhmmss).ext`); [deleted] a path deleted on one side and untouched on the other is gone from both; [duplicate]
     no other file, a renamed file's old name included; [corrupt] every file holds a content written for its path;
     [spurious] conflict copies, and the daemon's GET /libraries/{id}/conflicts records, only for paths edited on both
     sides in this point; [temp] no staging, .part or transfer name in either tree, and no chunks left in the
     server's upload area.
After a point that converged the oracle takes the converged tree (conflict copies included) as its new base; one that
did not converge starts over with a new data dir and a new library. A failing point keeps, under
<work dir>/failures/point-NNN, the data dir (local tree inside), the server's folder of the library and its upload
area, the logs of the point and oracle.json (the base before the point, the operations, what was expected).

Output: <work dir>/summary.json and one closing line `engine-crash: N passed, M failed`; exit 1 on any failure.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from crashlib import (ROOT, Daemon, add_common_args, free_port, http, log, resolve_common_args, retry_503,
                      run_and_report, sync_once, tail, tree, tree_diff, write_logback)

NC_USER = "crash"
NC_MAIN = "io.ncsync.protocol.testing.nextcloud.NextcloudTestServer"
# ConflictNames: `stem (conflicted copy yyyy-MM-dd HHmmss[ n]).ext`, the extension from the name's last dot.
CONFLICT_COPY = re.compile(r"^(?P<stem>.+) \(conflicted copy \d{4}-\d\d-\d\d \d{6}(?: \d+)?\)(?P<ext>\.[^./]*)?$")
# Names the daemon or a server could leave while a file is in the making; the script never writes such names.
TEMP_NAME = re.compile(r"(^|/)\.ncsync|\.part$|\.ocTransferId|\.tmp$|(^|/)\.~|(^|/)\.staging")
FATAL_LOG = re.compile(r"Double mark|MVStoreException|corrupt|malformed|RecoveryFailed|recovery failed|JournalFailure|"
                       r"database disk image|file is not a database", re.IGNORECASE)
SMALL_SIZES = [16, 100, 1000, 4096, 30000, 200000]


def conflict_base(path):
    """The path a conflict copy was made for, or None when path is not a conflict copy's name."""
    parent, _, name = path.rpartition("/")
    m = CONFLICT_COPY.match(name)
    if not m:
        return None
    base = m.group("stem") + (m.group("ext") or "")
    return f"{parent}/{base}" if parent else base


def short(sha):
    return sha[:10] if sha else None


# ---- The remote: the project's Nextcloud test server -----------------------------------------------------------------

class NextcloudServer:
    """protocol's NextcloudTestServer run by its main() on the protocol module's test classpath, with a data folder
    laid out like Nextcloud's: <data>/crash/files is what the DAV files root serves, <data>/crash/uploads holds the
    chunked uploads in progress."""

    def __init__(self, base: Path, classpath: str, java: str):
        self.base = base
        self.classpath = classpath
        self.java = java
        self.password = base64.b16encode(os.urandom(12)).decode().lower()
        self.data = base / "data"
        self.files = self.data / NC_USER / "files"
        self.uploads = self.data / NC_USER / "uploads"
        self.port = None
        self.proc = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/"

    @property
    def files_url(self):
        return f"{self.base_url}remote.php/dav/files/{NC_USER}/"

    def auth(self):
        return {"Authorization": "Basic " + base64.b64encode(f"{NC_USER}:{self.password}".encode()).decode()}

    def start(self, min_chunk_size, minimal=False):
        self.base.mkdir(parents=True, exist_ok=True)
        logback = self.base / "logback.xml"
        logback.write_text("""<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
""")
        for attempt in range(3):
            self.port = free_port()
            out = self.base / f"server-{attempt}.log"
            with open(out, "wb") as f:
                self.proc = subprocess.Popen(
                    [self.java, "-XX:+UseSerialGC", "-Xmx512m", f"-Dlogback.configurationFile={logback}", "-cp",
                     self.classpath, NC_MAIN, "--port", str(self.port), "--data", str(self.data), "--user", NC_USER,
                     "--password", self.password, "--min-chunk-size", str(min_chunk_size)]
                    + (["--minimal"] if minimal else []),
                    stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    env=dict(os.environ, LANG=os.environ.get("LANG") or "C.UTF-8"))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and self.proc.poll() is None:
                if "NextcloudTestServer ready" in out.read_text(errors="replace"):
                    return
                time.sleep(0.2)
            log(f"the Nextcloud test server did not start (attempt {attempt + 1}): {tail(out, 20)}")
            self.stop()
        raise SystemExit(f"engine-crash: the Nextcloud test server did not start; see {self.base}/server-*.log")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # its shutdown hook saves the file index
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def url(self, rel):
        return self.files_url + urllib.parse.quote(rel)

    def _call(self, method, rel, expect, headers=None, body=None):
        code, raw = http(method, self.url(rel), dict(self.auth(), **(headers or {})), body, timeout=120)
        if code not in expect:
            raise SystemExit(f"engine-crash: the script's own {method} {rel} answered {code}: "
                             f"{raw[:300].decode(errors='replace')}")

    def put(self, rel, data):
        self._call("PUT", rel, (201, 204), body=data)

    def delete(self, rel):
        self._call("DELETE", rel, (204,))

    def mkcol(self, rel):
        self._call("MKCOL", rel, (201,))

    def move(self, src, dst):
        self._call("MOVE", src, (201, 204), {"Destination": self.url(dst), "Overwrite": "F"})

    def chunks_in_flight(self, sessions=None):
        """Files in the upload area (of the given session folders only, if any): chunks of an upload not assembled yet
        (or left behind)."""
        return [p.relative_to(self.uploads).as_posix() for p in self.uploads.rglob("*")
                if p.is_file() and (sessions is None or p.relative_to(self.uploads).parts[0] in sessions)] \
            if self.uploads.is_dir() else []

    def upload_sessions(self):
        """Folders in the upload area: chunked uploads begun (MKCOL) and not assembled yet (or left behind)."""
        return sorted(p.name for p in self.uploads.iterdir() if p.is_dir()) if self.uploads.is_dir() else []


def nextcloud_classpath(args):
    """The test server's classpath: --nc-classpath, or protocol's compiled classes and test classes plus its
    test-scope dependencies as Maven resolves them (offline first), cached in the work dir."""
    if args.nc_classpath:
        return args.nc_classpath
    classes, test_classes = ROOT / "protocol/target/classes", ROOT / "protocol/target/test-classes"
    if not (test_classes / (NC_MAIN.replace(".", "/") + ".class")).is_file():
        raise SystemExit(f"engine-crash: {test_classes} has no NextcloudTestServer: build it with "
                         f"`./mvnw -o -q -DskipTests package` or pass --nc-classpath")
    out = args.work_dir / "nc-dependencies.classpath"
    base = [str(ROOT / "mvnw"), "-q", "-B", "-pl", "protocol", "dependency:build-classpath",
            "-Dmdep.includeScope=test", f"-Dmdep.outputFile={out}"]
    for argv in (base[:1] + ["-o"] + base[1:], base):
        if subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=600).returncode == 0 and out.is_file():
            return f"{classes}:{test_classes}:{out.read_text().strip()}"
    raise SystemExit("engine-crash: Maven could not resolve protocol's test classpath "
                     "(./mvnw -pl protocol dependency:build-classpath -Dmdep.includeScope=test); pass --nc-classpath")


# ---- The oracle ------------------------------------------------------------------------------------------------------

class Oracle:
    """What the two trees must hold. files: the converged tree (path -> SHA-256) after the last good point; versions:
    every content the script wrote at a path or moved there (path -> SHA-256s), for telling an old or a torn content
    apart; conflict_records: the daemon's conflict records already accounted for."""

    def __init__(self):
        self.files = {}
        self.versions = {}
        self.conflict_records = set()

    def wrote(self, path, sha):
        known = self.versions.setdefault(path, [])
        if sha not in known:
            known.append(sha)

    def written_for(self, path, sha, conflicts):
        """Whether sha is a content the script wrote for path (for a conflict copy: for the path it copies)."""
        if sha in self.versions.get(path, ()):
            return True
        base = conflict_base(path)
        return base is not None and (sha in self.versions.get(base, ()) or sha in conflicts.get(base, {}).values())

    def rebase(self, converged: dict):
        """The converged tree becomes the base of the next point; conflict copies become ordinary files."""
        self.files = dict(converged)
        for path, sha in converged.items():
            self.wrote(path, sha)

    def to_json(self):
        return {"files": self.files, "versions": self.versions, "conflict_records": sorted(self.conflict_records)}


class Plan:
    """One point's operations and what they make the converged tree hold."""

    def __init__(self, base: dict):
        self.ops = []
        self.expect = dict(base)  # path -> SHA-256 after convergence (conflicting paths are in conflicts instead)
        self.conflicts = {}  # path -> {"local": sha, "remote": sha}
        self.deleted = {}  # path -> side that deleted it
        self.renamed_from = {}  # old path -> new path
        self.touched = set()  # paths with an operation this point (one each, the conflict's two edits aside)

    def to_json(self):
        return {"ops": self.ops, "expect": self.expect, "conflicts": self.conflicts, "deleted": self.deleted,
                "renamed_from": self.renamed_from}


class Workload:
    """Applies a point's operations to the library's local folder (plain file calls) and remote folder (HTTP to the
    test server), all before the sync is asked for, and records each in the plan and the oracle."""

    def __init__(self, rng: random.Random, args, local: Path, server: NextcloudServer, remote: str, oracle: Oracle):
        self.rng, self.args, self.local, self.server, self.remote, self.oracle = rng, args, local, server, remote, oracle
        self.serial = 0

    def name(self, prefix, ext):
        self.serial += 1
        return f"{prefix}{self.serial:04d}{ext}"

    def content(self, sizes=SMALL_SIZES):
        return self.rng.randbytes(self.rng.choice(sizes))

    @staticmethod
    def sha(data):
        return hashlib.sha256(data).hexdigest()

    # -- one side's primitive writes

    def write(self, plan, side, path, data, op):
        sha = self.sha(data)
        if side == "local":
            p = self.local / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        else:
            self.server.put(f"{self.remote}/{path}", data)
        self.oracle.wrote(path, sha)
        plan.ops.append({"op": op, "side": side, "path": path, "sha": short(sha), "size": len(data)})
        return sha

    def remove(self, plan, side, path):
        if side == "local":
            (self.local / path).unlink()
        else:
            self.server.delete(f"{self.remote}/{path}")
        plan.ops.append({"op": "delete", "side": side, "path": path})
        plan.deleted[path] = side
        plan.expect.pop(path, None)

    def rename(self, plan, side, src, dst, op):
        if side == "local":
            (self.local / dst).parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.local / src, self.local / dst)
        else:
            self.server.move(f"{self.remote}/{src}", f"{self.remote}/{dst}")
        plan.ops.append({"op": op, "side": side, "path": src, "to": dst})

    def new_folder(self, side, folder):
        if side == "local":
            (self.local / folder).mkdir(parents=True, exist_ok=True)
        else:
            self.server.mkcol(f"{self.remote}/{folder}")

    # -- the point's mix

    def apply(self, plan: Plan):
        rng = self.rng
        free = sorted(p for p in plan.expect if conflict_base(p) is None or rng.random() < 0.5)
        rng.shuffle(free)
        taken = plan.touched

        def pick(pred=lambda p: True):
            for p in free:
                if p not in taken and pred(p):
                    taken.add(p)
                    return p
            return None

        # The rename of a small folder (1..5 files, none touched otherwise), on one side.
        folders = {}
        for p in plan.expect:
            if "/" in p:
                folders.setdefault(p.split("/", 1)[0], []).append(p)
        small = sorted(f for f, ps in folders.items() if len(ps) <= 5)
        if small:
            folder = rng.choice(small)
            side = rng.choice(["local", "remote"])
            dst = self.name("d", "")
            self.rename(plan, side, folder, dst, "rename-folder")
            for p in folders[folder]:
                taken.add(p)
                moved = dst + p[len(folder):]
                plan.expect[moved] = plan.expect.pop(p)
                plan.renamed_from[p] = moved
                self.oracle.wrote(moved, plan.expect[moved])
                taken.add(moved)
        # One conflict: the same small file edited differently on both sides.
        p = pick(lambda q: not q.startswith("big"))
        if p:
            a = self.write(plan, "local", p, self.content(), "conflict-edit")
            b = self.write(plan, "remote", p, self.content(), "conflict-edit")
            plan.conflicts[p] = {"local": a, "remote": b}
            plan.expect.pop(p)
        # The rename of a file, on one side, into another folder now and then.
        p = pick()
        if p:
            side = rng.choice(["local", "remote"])
            folder = p.rpartition("/")[0]
            if rng.random() < 0.3 and folder:
                folder = ""
            dst = (folder + "/" if folder else "") + self.name("r", ".dat")
            self.rename(plan, side, p, dst, "rename")
            plan.expect[dst] = plan.expect.pop(p)
            plan.renamed_from[p] = dst
            self.oracle.wrote(dst, plan.expect[dst])
            taken.add(dst)
        # Edits and deletions on both sides, more deletions when the tree grows.
        crowded = len(plan.expect) > self.args.max_files
        for side in ("local", "remote"):
            for _ in range(rng.randint(1, 3)):
                p = pick()
                if p:
                    plan.expect[p] = self.write(plan, side, p, self.content(), "edit")
            for _ in range(rng.randint(2, 5) if crowded else rng.randint(0, 2)):
                p = pick()
                if p:
                    self.remove(plan, side, p)
        # New files on both sides, now and then in a new folder.
        for side in ("local", "remote"):
            folder = ""
            if rng.random() < 0.4:
                folder = self.name("d", "")
                self.new_folder(side, folder)
            for _ in range(rng.randint(1, 3)):
                p = (folder + "/" if folder else "") + self.name("f", ".txt")
                plan.expect[p] = self.write(plan, side, p, self.content([0] + SMALL_SIZES), "new")
                taken.add(p)
        # The big file: a new one, or a new content for one, written locally: a chunked upload.
        size = self.rng.randint(int(self.args.big_min_mb * 2 ** 20), int(self.args.big_max_mb * 2 ** 20))
        bigs = sum(1 for q in plan.expect if q.startswith("big"))
        big = pick(lambda q: q.startswith("big") and (bigs >= self.args.max_big_files or rng.random() < 0.5))
        p = big or self.name("big", ".bin")
        plan.expect[p] = self.write(plan, "local", p, self.rng.randbytes(size), "big-edit" if big else "big-new")
        taken.add(p)


# ---- One run: the points ---------------------------------------------------------------------------------------------

class CrashRun:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = args.work_dir
        self.server = None
        self.results = []
        self.generation = 0
        self.daemon = None
        self.launch_serial = 0
        self.logback = self.work / "logback-crash.xml"

    def daemon_env(self):
        a = self.args
        return {"NCSYNC_REMOTE_CHUNK_THRESHOLD": str(a.chunk_threshold), "NCSYNC_REMOTE_CHUNK_SIZE": str(a.chunk_size),
                "NCSYNC_REMOTE_CHUNK_TARGET_DURATION": "0s",
                "NCSYNC_REMOTE_BYTES_PER_SECOND": str(a.bytes_per_second)}

    # -- life cycle of one data dir and library

    def new_generation(self):
        """A fresh data dir, daemon, connection and library (with new local and remote folders) and oracle."""
        if self.daemon and self.daemon.alive():
            self.daemon.kill()
        self.generation += 1
        g = self.work / f"run-{self.generation}"
        self.data_dir, self.logs = g / "data", g / "logs"
        self.data_dir.mkdir(parents=True)
        self.logs.mkdir(parents=True)
        self.point_logs = []
        self.oracle = Oracle()
        self.daemon = self.launch("first")
        why = self.daemon.wait_ready(self.args.ready_timeout)
        if why:
            raise SystemExit(f"engine-crash: the daemon did not start on a fresh data dir: {why}; "
                             f"see {self.daemon.log_file}")
        d = self.daemon
        code, conn = d.api("POST", "/connections", {
            "name": f"nc-{self.generation}", "kind": "nextcloud", "url": self.server.base_url, "username": NC_USER,
            "appPassword": self.server.password, "allowInsecureHttp": True}, timeout=60)
        if code != 201:
            raise SystemExit(f"engine-crash: creating the connection answered {code}: {conn}")
        self.remote = f"lib-{self.generation}"
        self.server.mkcol(self.remote)
        code, lib = d.api("POST", "/libraries", {
            "name": self.remote, "connectionId": conn["id"], "localPath": self.remote, "remotePath": self.remote,
            "mode": "bidirectional"}, timeout=60)
        if code != 201:
            raise SystemExit(f"engine-crash: creating the library answered {code}: {lib}")
        self.lib_id = lib["id"]
        self.local = Path(lib.get("localRoot") or self.data_dir / "workspaces" / self.remote)
        self.local.mkdir(parents=True, exist_ok=True)
        self.workload = Workload(random.Random(self.rng.random()), self.args, self.local, self.server, self.remote,
                                 self.oracle)
        self.seed_files()

    def seed_files(self):
        """A first tree on both sides (files at the top and in small folders), synced without a kill."""
        w = self.workload
        plan = Plan({})
        for side in ("local", "remote"):
            for folder in ("", w.name("d", ""), w.name("d", "")):
                if folder:
                    w.new_folder(side, folder)
                for _ in range(3):
                    p = (folder + "/" if folder else "") + w.name("f", ".txt")
                    plan.expect[p] = w.write(plan, side, p, w.content(), "new")
        reasons, converged, _ = self.converge({})
        if reasons or converged != plan.expect:
            raise SystemExit(f"engine-crash: the first sync of a fresh library did not converge on what the script "
                             f"wrote: {reasons or tree_diff(plan.expect, converged)}; see {self.daemon.log_file}")
        self.oracle.rebase(converged)
        self.oracle.conflict_records |= self.conflict_keys(self.conflict_records())

    def launch(self, label):
        self.launch_serial += 1
        log_file = self.logs / f"{self.launch_serial:04d}-{label}.log"
        self.point_logs.append(log_file)
        return Daemon(self.args, self.data_dir, self.daemon_env(), log_file, self.logback)

    def trees(self):
        return tree(self.local), tree(self.server.files / self.remote)

    def run(self):
        self.work.mkdir(parents=True, exist_ok=True)
        write_logback(self.logback, snapshot_debug=False)
        classpath = nextcloud_classpath(self.args)
        self.server = NextcloudServer(self.work / "nextcloud", classpath, self.args.java)
        self.server.start(self.args.min_chunk_size, self.args.minimal)
        log(f"Nextcloud test server on {self.server.base_url}; seed {self.args.seed}; {self.args.points} points; "
            f"work dir {self.work}")
        started = time.monotonic()
        try:
            self.new_generation()
            for n in range(1, self.args.points + 1):
                self.point(n)
        finally:
            if self.daemon:
                self.daemon.kill()
            self.server.stop()
        return time.monotonic() - started

    # -- one point

    def point(self, n):
        t0 = time.monotonic()
        phase = "chunk" if self.rng.random() < self.args.chunk_share else "run"
        rec = {"point": n, "phase": phase, "generation": self.generation, "library": self.remote}
        self.point_logs = [self.daemon.log_file]
        base = dict(self.oracle.files)
        self.sessions_before = set(self.server.upload_sessions())
        plan = Plan(base)
        self.workload.apply(plan)
        rec["ops"] = self.count_ops(plan)
        rec.update(self.sync_and_kill(phase))
        reasons = self.check_at_kill(plan)
        self.daemon = self.launch("restart")
        why = self.daemon.wait_ready(self.args.ready_timeout)
        rec["ready_s"] = round(time.monotonic() - self.daemon.started, 2)
        if why:
            reasons.append("[start] " + why)
            converged_tree = None
        else:
            rec["killed_run_outcome"] = self.killed_run_outcome(rec.get("killed_run"))
            converge_reasons, converged_tree, rec["runs"] = self.converge(plan.conflicts)
            reasons += converge_reasons
            if converged_tree is not None:
                reasons += self.check_converged(plan, converged_tree, rec)
        reasons += self.log_problems()
        rec["seconds"] = round(time.monotonic() - t0, 2)
        rec["ok"] = not reasons
        if reasons:
            self.keep_failure(n, rec, reasons, base, plan)
        if converged_tree is not None:
            self.oracle.rebase(converged_tree)
        self.results.append(rec)
        kill = f"{rec['kill_after_ms']} ms after the request" + (
            f" (in an upload, {rec['chunks_at_kill']} chunks up)" if rec["upload_sessions_at_kill"] else "")
        log(f"point {n}/{self.args.points} {phase:<5} killed {kill:<46}: "
            f"{'ok' if not reasons else 'FAILED: ' + '; '.join(reasons)[:400]} ({rec['seconds']} s)")
        if converged_tree is None:
            log("the trees did not converge: starting over with a new data dir and library")
            self.new_generation()

    def killed_run_outcome(self, run_id):
        """How the restarted library tells the killed run: interrupted (the kill landed in it), succeeded (it was
        over), or unknown (the kill came before the run was journaled)."""
        code, status = retry_503(lambda: self.daemon.api("GET", f"/libraries/{self.lib_id}/status", timeout=15),
                                 self.args.ready_timeout)
        last = (status or {}).get("lastRun") or {} if code == 200 and isinstance(status, dict) else {}
        return last.get("outcome") if run_id and last.get("runId") == run_id else "unknown"

    @staticmethod
    def count_ops(plan):
        counts = {}
        for op in plan.ops:
            key = f"{op['op']}-{op['side']}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def new_upload_sessions(self):
        """Upload session folders begun since the point started (earlier ones may be empty leftovers)."""
        return set(self.server.upload_sessions()) - self.sessions_before

    def sync_and_kill(self, phase):
        """Asks for a run and kills the daemon: after a random delay, or once the big file's chunked upload began."""
        d = self.daemon
        asked = time.monotonic()
        code, body = retry_503(lambda: d.api("POST", f"/libraries/{self.lib_id}/sync", timeout=15),
                               self.args.ready_timeout)
        out = {"sync_answer": code, "killed_run": body.get("runId") if isinstance(body, dict) else None}
        if phase == "chunk":
            deadline = time.monotonic() + self.args.sync_timeout
            while time.monotonic() < deadline and d.alive() and not self.new_upload_sessions():
                time.sleep(0.01)
            out["upload_seen_after_ms"] = int((time.monotonic() - asked) * 1000)
            time.sleep(self.rng.uniform(0, self.args.chunk_kill_max_ms / 1000))
        else:
            time.sleep(max(0.0, self.rng.uniform(0, self.args.kill_max_ms / 1000) - (time.monotonic() - asked)))
        out["kill_after_ms"] = int((time.monotonic() - asked) * 1000)
        out["kill_since_launch_ms"] = d.kill()
        sessions = self.new_upload_sessions()
        out["upload_sessions_at_kill"] = len(sessions)
        out["chunks_at_kill"] = len(self.server.chunks_in_flight(sessions))
        return out

    # -- the checks

    def check_at_kill(self, plan):
        """Right after the kill: every file under a real name on either side holds a content written for it."""
        reasons = []
        for side, t in zip(("local", "remote"), self.trees()):
            for path, sha in sorted(t.items()):
                if TEMP_NAME.search(path):
                    continue  # told after convergence if still there
                if not self.oracle.written_for(path, sha, plan.conflicts):
                    reasons.append(f"[torn] at the kill, {side} {path} holds {short(sha)}, a content never written "
                                   f"for it")
        return reasons

    def converge(self, conflicts):
        """Syncs until both trees are equal after a succeeded run. (reasons, the converged tree or None, the runs)."""
        runs = []
        diff = None
        for _ in range(self.args.converge_rounds):
            why, run = sync_once(self.daemon, self.lib_id, self.args.sync_timeout, self.args.ready_timeout)
            if why:
                return ["[converge] " + why], None, runs
            runs.append({k: run.get(k) for k in ("outcome", "uploaded", "downloaded", "deletedLocal", "deletedRemote",
                                                 "conflicts", "failed", "reason")})
            local, remote = self.trees()
            diff = tree_diff(local, remote)
            if diff is None and run.get("outcome") == "succeeded":
                return [], local, runs
        what = f"differ: {json.dumps(diff)[:600]}" if diff else f"are equal but the last run was {runs[-1]}"
        return [f"[converge] after {self.args.converge_rounds} sync runs the trees {what}"], None, runs

    def check_converged(self, plan, t, rec):
        reasons = []
        for path, sha in sorted(plan.expect.items()):
            got = t.get(path)
            if got is None:
                reasons.append(f"[lost] {path} is missing (expected {short(sha)})")
            elif got != sha:
                older = got in self.oracle.versions.get(path, ())
                reasons.append(f"[lost] {path} holds an older version {short(got)}, not {short(sha)}" if older else
                               f"[corrupt] {path} holds {short(got)}, no content written for it")
        copies = {}
        for path in sorted(set(t) - set(plan.expect)):
            base = conflict_base(path)
            if path in plan.conflicts:
                continue
            if base in plan.conflicts and path not in self.oracle.files:
                copies.setdefault(base, []).append(path)
            elif TEMP_NAME.search(path):
                reasons.append(f"[temp] {path} is a temporary name left in the trees")
            elif base is not None and path not in self.oracle.files:
                reasons.append(f"[spurious] conflict copy {path} of {base}, which the script did not edit on both "
                               f"sides")
            elif path in plan.deleted:
                reasons.append(f"[deleted] {path}, deleted on the {plan.deleted[path]} side only, is back")
            elif path in plan.renamed_from:
                reasons.append(f"[duplicate] {path} is still there after its rename to {plan.renamed_from[path]}")
            else:
                reasons.append(f"[duplicate] {path} ({short(t[path])}) was never written by the script")
            if not self.oracle.written_for(path, t[path], plan.conflicts):
                reasons.append(f"[corrupt] {path} holds {short(t[path])}, no content written for it")
        for path, sides in sorted(plan.conflicts.items()):
            held = ([t[path]] if path in t else []) + [t[c] for c in copies.get(path, [])]
            for side in ("local", "remote"):
                if sides[side] not in held:
                    reasons.append(f"[lost] the {side} version {short(sides[side])} of the conflicting {path} is "
                                   f"neither there nor in a conflict copy (held: {[short(h) for h in held]})")
            if len(copies.get(path, [])) > 1:
                reasons.append(f"[duplicate] {len(copies[path])} conflict copies of {path}: {copies[path]}")
            strange = [h for h in held if h not in sides.values()]
            if strange:
                reasons.append(f"[corrupt] {path} or its conflict copy holds {short(strange[0])}, neither side's")
        new_sessions = self.new_upload_sessions()
        leftovers = self.server.chunks_in_flight(new_sessions)
        if leftovers:
            reasons.append(f"[temp] {len(leftovers)} chunk files left in the server's upload area: {leftovers[:3]}")
        # An empty session folder (a kill between its MKCOL and the journaled session) holds no data: noted only.
        rec["upload_sessions_left"] = sorted(new_sessions)
        reasons += self.check_conflict_records(plan, t, rec)
        rec["conflict_copies"] = sum(len(v) for v in copies.values())
        return reasons

    def conflict_records(self):
        code, body = retry_503(lambda: self.daemon.api("GET", f"/libraries/{self.lib_id}/conflicts", timeout=15),
                               self.args.ready_timeout)
        if code != 200 or not isinstance(body, list):
            raise SystemExit(f"engine-crash: GET /libraries/{self.lib_id}/conflicts answered {code}: {body}")
        return body

    @staticmethod
    def conflict_keys(records):
        return {json.dumps([r.get("path"), r.get("conflictCopyPath"), r.get("runId")]) for r in records}

    def check_conflict_records(self, plan, t, rec):
        """The daemon's new conflict records name only this point's conflicting paths; a conflicting path without a
        record is noted (a crash between the copy and its record loses only the record), not failed."""
        reasons = []
        records = self.conflict_records()
        new = [r for r in records if json.dumps([r.get("path"), r.get("conflictCopyPath"), r.get("runId")])
               not in self.oracle.conflict_records]
        self.oracle.conflict_records |= self.conflict_keys(records)
        for r in new:
            if r.get("path") not in plan.conflicts:
                reasons.append(f"[spurious] the daemon recorded a conflict on {r.get('path')}, which the script did "
                               f"not edit on both sides ({json.dumps(r)[:300]})")
        recorded = {r.get("path") for r in new}
        rec["conflict_records_new"] = len(new)
        rec["conflicts_without_record"] = sorted(p for p in plan.conflicts if p not in recorded)
        return reasons

    def log_problems(self):
        found = []
        for f in self.point_logs:
            try:
                text = f.read_text(errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                if FATAL_LOG.search(line):
                    found.append(f"[log] {f.name}: {line.strip()[:300]}")
                    break
        return found

    # -- a failing point

    def keep_failure(self, n, rec, reasons, base, plan):
        dest = self.work / "failures" / f"point-{n:03d}"
        dest.mkdir(parents=True, exist_ok=True)
        rec["reasons"] = reasons
        rec["log_tail"] = tail(self.daemon.log_file)
        rec["logs"] = [str(f) for f in self.point_logs]
        alive = self.daemon.alive()
        if alive:
            self.daemon.kill()  # a still copy; relaunched below
        shutil.copytree(self.data_dir, dest / "data", symlinks=True, dirs_exist_ok=True)
        shutil.copytree(self.server.files / self.remote, dest / "remote", symlinks=True, dirs_exist_ok=True)
        if self.server.uploads.is_dir():
            shutil.copytree(self.server.uploads, dest / "remote-uploads", symlinks=True, dirs_exist_ok=True)
        for f in self.point_logs:
            if f.exists():
                shutil.copy2(f, dest / f.name)
        (dest / "oracle.json").write_text(json.dumps({"base": base, "plan": plan.to_json(),
                                                      "oracle": self.oracle.to_json(), "point": rec}, indent=2))
        rec["kept"] = str(dest)
        if alive:
            self.daemon = self.launch("after-failure")
            why = self.daemon.wait_ready(self.args.ready_timeout)
            if why:
                raise SystemExit(f"engine-crash: the daemon did not come back after point {n}: {why}")

    # -- the report

    def summary(self, wall_s):
        failed = [r for r in self.results if not r["ok"]]
        per_point = [r["seconds"] for r in self.results]
        counts = {}
        for r in failed:
            for c in sorted({m.group(1) for m in (re.match(r"\[(\w+)\]", x) for x in r["reasons"]) if m}):
                counts[c] = counts.get(c, 0) + 1
        return {
            "command": " ".join(sys.argv), "seed": self.args.seed,
            "points": len(self.results), "passed": len(self.results) - len(failed), "failed": len(failed),
            "wall_s": round(wall_s, 1),
            "s_per_point": round(sum(per_point) / len(per_point), 2) if per_point else None,
            "phases": {p: sum(1 for r in self.results if r["phase"] == p) for p in ("run", "chunk")},
            "kills_with_chunks_on_server": sum(1 for r in self.results if r.get("chunks_at_kill")),
            "kills_during_a_chunked_upload": sum(1 for r in self.results if r.get("upload_sessions_at_kill")),
            "upload_sessions_left": sum(len(r.get("upload_sessions_left", [])) for r in self.results),
            "killed_run_outcomes": {o: sum(1 for r in self.results if r.get("killed_run_outcome") == o)
                                    for o in sorted({r.get("killed_run_outcome") for r in self.results} - {None})},
            "conflict_copies": sum(r.get("conflict_copies", 0) for r in self.results),
            "conflicts_without_record": sum(len(r.get("conflicts_without_record", [])) for r in self.results),
            "generations": self.generation,
            "failures_by_category": counts,
            "jar": str(self.args.jar), "java_opts": self.args.java_opts,
            "daemon_env": self.daemon_env(),
            "failures": [{k: r.get(k) for k in ("point", "phase", "kill_after_ms", "chunks_at_kill", "reasons", "kept",
                                                "logs", "log_tail")} | {"seed": self.args.seed} for r in failed],
            "point_details": self.results,
        }


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="kill -9 a syncing ncsync daemon at random points and check the trees",
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    add_common_args(p, points=30, sync_interval="0s", converge_rounds=6)
    p.add_argument("--quick", action="store_true", help="5 points: for CI (< 3 minutes on an idle machine)")
    p.add_argument("--minimal", action="store_true", help="run the test server in its minimal mode (issue 12: no bulk "
                   "upload, no OC-FileId/OC-ETag on PUT answers, ETags that change after X-OC-MTime, no checksums)")
    p.add_argument("--nc-classpath", help="classpath of the Nextcloud test server (default: protocol/target + Maven)")
    p.add_argument("--kill-max-ms", type=float, default=3000, help="'run' points kill 0..this many ms after the "
                   "sync request")
    p.add_argument("--chunk-kill-max-ms", type=float, default=3000, help="'chunk' points kill 0..this many ms after "
                   "the big file's chunked upload began")
    p.add_argument("--chunk-share", type=float, default=0.4, help="share of 'chunk' points")
    p.add_argument("--big-min-mb", type=float, default=6, help="smallest big file, MiB (above --chunk-threshold)")
    p.add_argument("--big-max-mb", type=float, default=16)
    p.add_argument("--chunk-threshold", type=int, default=5 << 20,
                   help="the daemon's chunk threshold, bytes (the daemon's own minimum: 5 MiB)")
    p.add_argument("--chunk-size", type=int, default=5 << 20,
                   help="the daemon's chunk size, bytes (minimum 5 MiB, as Nextcloud's)")
    p.add_argument("--min-chunk-size", type=int, default=5 << 20, help="the test server's smallest chunk, bytes")
    p.add_argument("--bytes-per-second", type=int, default=4 << 20,
                   help="the daemon's transfer bandwidth: a big upload lasts 1.5 to 4 s, so kills land in it")
    p.add_argument("--max-big-files", type=int, default=3, help="with this many big files a point edits one")
    p.add_argument("--max-files", type=int, default=60, help="above this many files a point deletes more")
    args = p.parse_args(argv)
    if args.quick:
        args.points = min(args.points, 5) if "--points" in (argv or sys.argv) else 5
    resolve_common_args(p, args, "/tmp/engine-crash-{seed}")
    return args


def main():
    args = parse_args()
    return run_and_report(CrashRun(args), args, "engine-crash")


if __name__ == "__main__":
    sys.exit(main())
