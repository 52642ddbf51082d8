"""Helpers shared by the crash tests (journal_crash.py, engine_crash.py): HTTP, trees with SHA-256, one daemon launch
that can be killed with SIGKILL, a sync run through the admin API. Python 3 standard library only."""

import hashlib
import re
import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_SAVED = "saved successfully"  # Akka's debug line "Persistent snapshot [...] saved successfully"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, headers=None, body=None, timeout=10):
    """(status, body bytes); raises OSError when nothing answers."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def sha256(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# A new file on a server without ETags in PUT answers is uploaded under this name, then moved into place; one a kill
# left behind is never listed by the daemon (and deleted by it an hour later), so it is not part of the synced tree.
STAGING = re.compile(r"(^|/)\.ncsync-upload-[0-9a-f]{32}$")


def tree(root: Path, skip_staging=False):
    """{relative path: sha256} of every file under root (the daemon keeps its own files outside the libraries);
    skip_staging leaves out the staging files of uploads a kill interrupted (see STAGING)."""
    out = {}
    if root.is_dir():
        for p in root.rglob("*"):
            rel = p.relative_to(root).as_posix()
            if skip_staging and STAGING.search(rel):
                continue
            if p.is_file() and not p.is_symlink():
                out[rel] = sha256(p)
    return out


def tail(path: Path, lines=60):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---- The daemon ------------------------------------------------------------------------------------------------------

class Daemon:
    """One launch of the daemon jar on a data dir; its console goes to its own log file."""

    def __init__(self, args, data_dir: Path, extra_env: dict, log_file: Path, logback: Path):
        self.port = free_port()
        self.data_dir = data_dir
        self.log_file = log_file
        env = dict(os.environ, NCSYNC_DATA_DIR=str(data_dir), NCSYNC_HTTP_PORT=str(self.port),
                   NCSYNC_SYNC_SNAPSHOT_EVERY=str(args.snapshot_every), NCSYNC_SYNC_INTERVAL=args.sync_interval,
                   LANG=os.environ.get("LANG") or "C.UTF-8")
        for k in ("NCSYNC_DB_URL", "NCSYNC_DB_USER", "NCSYNC_DB_PASSWORD", "NCSYNC_ADMIN_TOKEN", "NCSYNC_JAVA_OPTS",
                  "NCSYNC_WORKSPACES_ROOT", "NCSYNC_TRASH_DIR"):
            env.pop(k, None)
        env.update(extra_env)
        argv = [args.java, *shlex.split(args.java_opts), f"-Dlogback.configurationFile={logback}", "-jar",
                str(args.jar), "serve"]
        self.started = time.monotonic()
        with open(log_file, "ab") as f:
            self.proc = subprocess.Popen(argv, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.token = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """SIGKILL, the point of the exercise; returns ms since launch."""
        ms = int((time.monotonic() - self.started) * 1000)
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(30)
        return ms

    def wait_ready(self, timeout):
        """None when /health/ready answered 200 within timeout, else why not."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                return f"the daemon exited with code {self.proc.returncode} before it was ready"
            try:
                code, body = http("GET", self.base + "/health/ready", timeout=3)
                if code == 200:
                    return None
                last = f"{code} {body[:300].decode(errors='replace')}"
            except OSError as e:
                last = str(e)
            time.sleep(0.1)
        return f"/health/ready did not answer 200 within {timeout} s (last: {last})"

    def api(self, method, path, body=None, timeout=10):
        if self.token is None:
            self.token = (self.data_dir / "admin-token").read_text().strip()
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        code, raw = http(method, self.base + "/api/v1" + path, headers, body, timeout)
        try:
            return code, json.loads(raw) if raw else None
        except ValueError:
            return code, raw.decode(errors="replace")

    def snapshots_saved(self):
        try:
            return self.log_file.read_bytes().count(SNAPSHOT_SAVED.encode())
        except OSError:
            return 0


def retry_503(call, timeout):
    """An entity recovering after a restart may make one ask time out (503): retry it for up to timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            code, body = call()
        except OSError as e:
            code, body = 0, str(e)
        if code not in (0, 503) or time.monotonic() > deadline:
            return code, body
        time.sleep(0.5)


def sync_once(d, lib_id, sync_timeout, retry_timeout):
    """Starts a sync run of a library (or joins the one in progress) and waits for it to finish.
    (None, the run as the status shows it) when it finished, else (why not, None)."""
    deadline = time.monotonic() + sync_timeout
    while time.monotonic() < deadline:
        code, body = retry_503(lambda: d.api("POST", f"/libraries/{lib_id}/sync", timeout=15), retry_timeout)
        if code == 202:
            run_id = body["runId"]
            break
        if code != 409:
            return f"sync of library {lib_id} answered {code} {str(body)[:200]}", None
        time.sleep(0.2)
    else:
        return f"library {lib_id} stayed busy for {sync_timeout} s", None
    seen_active = False
    while time.monotonic() < deadline:
        code, status = retry_503(lambda: d.api("GET", f"/libraries/{lib_id}/status", timeout=15), retry_timeout)
        if code == 200:
            active = (status.get("activeRun") or {}).get("runId")
            last = status.get("lastRun") or {}
            if last.get("runId") == run_id:
                return None, last
            if seen_active and active != run_id:  # done, and a periodic run already followed it
                return None, {"runId": run_id, "outcome": "unknown (a later run followed)"}
            seen_active = seen_active or active == run_id
        time.sleep(0.1)
    return f"sync run {run_id} of library {lib_id} did not finish within {sync_timeout} s", None


def tree_diff(local: dict, remote: dict, limit=5):
    """None when two trees ({path: sha256}) are equal, else what differs (at most limit paths of each kind)."""
    if local == remote:
        return None
    return {"only_local": sorted(set(local) - set(remote))[:limit],
            "only_remote": sorted(set(remote) - set(local))[:limit],
            "different": sorted(k for k in set(local) & set(remote) if local[k] != remote[k])[:limit]}


def write_logback(path: Path, snapshot_debug=True):
    """The daemon's own console format; with snapshot_debug also Akka's debug line for every saved snapshot of a
    Library or the Tenant (EventSourcedBehavior logs through the entity's class logger)."""
    debug = """  <logger name="io.ncsync.persistence.library.Library" level="DEBUG"/>
  <logger name="io.ncsync.persistence.tenant.Tenant" level="DEBUG"/>
  <logger name="akka.persistence.typed" level="DEBUG"/>
""" if snapshot_debug else ""
    path.write_text("""<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.ncsync" level="INFO"/>
""" + debug + """  <logger name="akka" level="INFO"/>
  <logger name="akka.cluster" level="WARN"/>
  <logger name="akka.remote" level="WARN"/>
  <logger name="slick" level="WARN"/>
  <logger name="com.zaxxer.hikari" level="WARN"/>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
""")


def find_jar():
    for pattern in ("ncsync-all.jar", "ncsync-daemon-*.jar"):
        found = sorted((ROOT / "daemon" / "target").glob(pattern))
        if found:
            return found[-1]
    return None


def add_common_args(p, points, sync_interval, converge_rounds):
    """The options every crash test has: how many points, the seed, the daemon and its JVM, the timeouts."""
    p.add_argument("--points", type=int, default=points)
    p.add_argument("--seed", type=int, default=None, help="default: random, printed and recorded")
    p.add_argument("--work-dir", type=Path)
    p.add_argument("--jar", type=Path, default=None)
    p.add_argument("--java", default=shutil.which("java") or "java")
    p.add_argument("--java-opts", default="-XX:+UseSerialGC -Xms64m -Xmx512m -XX:MaxMetaspaceSize=192m -Xss512k "
                   "-XX:TieredStopAtLevel=1", help="bin/ncsync's defaults plus C1 only: a start costs half the CPU")
    p.add_argument("--snapshot-every", type=int, default=20)
    p.add_argument("--sync-interval", default=sync_interval, help="NCSYNC_SYNC_INTERVAL of the daemon (periodic syncs)")
    p.add_argument("--ready-timeout", type=float, default=60)
    p.add_argument("--converge-rounds", type=int, default=converge_rounds)
    p.add_argument("--sync-timeout", type=float, default=120)


def resolve_common_args(p, args, default_work_dir):
    """Fills in the seed, the jar and the work dir (which must be new or empty)."""
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    args.jar = args.jar or find_jar()
    if not args.jar or not args.jar.is_file():
        p.error("no daemon jar: build it with `./mvnw -o -q -DskipTests package` or pass --jar")
    args.jar = args.jar.resolve()
    args.work_dir = (args.work_dir or Path(default_work_dir.format(seed=args.seed))).resolve()
    if args.work_dir.exists() and any(args.work_dir.iterdir()):
        p.error(f"--work-dir {args.work_dir} is not empty")


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # the finally blocks then kill the daemon and stop the remote


def run_and_report(run, args, name):
    """Runs run.run() (returns its wall time), writes <work dir>/summary.json from run.summary(wall) and prints the
    closing line `<name>: N passed, M failed`; returns the exit code (1 on any failure or interruption)."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    wall = 0.0
    interrupted = None
    try:
        wall = run.run()
    except KeyboardInterrupt:
        interrupted = "interrupted"
    except SystemExit as e:
        interrupted = str(e)
    summary = run.summary(wall)
    if interrupted:
        summary["stopped"] = interrupted
        print(interrupted, file=sys.stderr)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    (args.work_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    log(f"summary: {args.work_dir / 'summary.json'}; {summary['s_per_point']} s per point; seed {args.seed}")
    failed = summary["failed"] + (1 if interrupted else 0)
    print(f"{name}: {summary['passed']} passed, {failed} failed", flush=True)
    return 1 if failed else 0
