#!/usr/bin/env python3
"""ncsync benchmarks (issue 3): ncsync vs nextcloudcmd, rclone sync and plain parallel curl, on Apache mod_dav and on
the Nextcloud-compatible test server, same data, side by side in one run.

Started by bench/run.sh, which checks the system packages and finds the daemon jar and the test server's classpath.

Workloads (full sizes; --quick shrinks them):
  W1  2,000 files of 4 KiB in 40 folders, first upload into an empty remote folder
  W2  20 files of 8 MiB
  W3  one file of 512 MiB (MB/s, compared with one plain `curl -T` PUT of the same file to the same server)
  W4  re-sync of W1 with nothing changed, twice (W4a, W4b)
  W5  after W4, modify 20 of W1's files and add 20, then sync
  W6  (only with --workloads W6; Nextcloud test server, ncsync only) 100,000 files of 1 KiB in 1,000 folders: first
      upload (W6up), re-syncs until one changes nothing (W6a), then the settled re-sync (W6b, run 3 times): issue 3's
      "100,000-file unchanged tree re-synced in under 1 s"

Measured per tool x server x workload: wall time, the tool's CPU time (ncsync: the daemon's utime + stime from
/proc/<pid>/stat; CLIs: /usr/bin/time -v), requests the server received (Apache: access-log lines; test server:
its request log), peak RSS (ncsync: the daemon's VmHWM, reset through /proc/<pid>/clear_refs before each step;
CLIs: `/usr/bin/time -v`). Every upload is checked on the server's disk afterwards (every file present, same size,
same bytes), so a tool that failed is reported as failed, not as fast.
"""

import argparse
import base64
import concurrent.futures
import datetime
import filecmp
import hashlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, asdict
from pathlib import Path

MiB = 1 << 20
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
USER = "bench"
FRESH_LIBRARY_ROUNDS = 2  # warm-up rounds that, like W1, are a new library's first run
SETTLE_S = 0.3  # Apache writes its access-log line after the answer has left: wait before counting


@dataclass(frozen=True)
class Sizes:
    w1_files: int
    w1_folders: int
    w1_size: int
    w2_files: int
    w2_size: int
    w3_size: int
    w5_modify: int
    w5_add: int
    w6_top: int = 10      # W6: top folders ...
    w6_sub: int = 100     # ... x subfolders each ...
    w6_per: int = 100     # ... x files per subfolder
    w6_size: int = 1024


FULL = Sizes(2000, 40, 4096, 20, 8 * MiB, 512 * MiB, 20, 20)
QUICK = Sizes(200, 10, 4096, 4, 2 * MiB, 32 * MiB, 20, 20, 2, 10, 100)

TOOLS = ["ncsync", "nextcloudcmd", "rclone", "curl"]
SERVERS = ["apache", "nextcloud", "nextcloud-minimal"]
WORKLOADS = ["W1", "W4a", "W4b", "W5", "W2", "W3"]
EXTRA_WORKLOADS = ["W6"]  # selectable with --workloads, never part of the default set
W6_STEPS = ["W6up", "W6a", "W6b", "W6c", "W6d", "W6r"]
W6C_EDITS = 10  # W6c: files edited on the server, each in another subfolder of another top folder
W6_SETTLED_REPEAT = 3


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def basic_auth(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def http(method, url, headers=None, body=None, timeout=30):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def kill_group(proc):
    """Ends a process we started with start_new_session=True, and its children, by its own group id."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---- Servers --------------------------------------------------------------------------------------------------------

class Apache:
    name = "apache"
    label = "Apache httpd mod_dav"

    def __init__(self, base: Path, password: str):
        self.base = base
        self.password = password
        self.user = USER
        self.port = None
        self.conf = base / "httpd.conf"
        self.files_dir = base / "htdocs" / "dav"
        self.access_log = base / "logs" / "access.log"

    @property
    def dav_root(self):
        return f"http://127.0.0.1:{self.port}/dav/"

    def start(self):
        for attempt in range(3):
            self.port = free_port()
            run, lock, logs = self.base / "run", self.base / "lock", self.base / "logs"
            for d in (run, lock, logs, self.files_dir):
                d.mkdir(parents=True, exist_ok=True)
            sha = base64.b64encode(hashlib.sha1(self.password.encode()).digest()).decode()
            (self.base / "htpasswd").write_text(f"{self.user}:{{SHA}}{sha}\n")
            mods = ["mpm_event", "authz_core", "authz_user", "authn_core", "authn_file", "auth_basic", "mime", "dav",
                    "dav_fs"]
            conf = [
                "ServerRoot /etc/apache2", "ServerName 127.0.0.1", f"Listen 127.0.0.1:{self.port}",
                f"PidFile {run}/httpd.pid", f"DefaultRuntimeDir {run}", f"Mutex file:{run} default",
                *[f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in mods],
                "User www-data", "Group www-data",
                "StartServers 1", "ServerLimit 2", "ThreadsPerChild 16", "MaxRequestWorkers 32",
                f"ErrorLog {logs}/error.log", "LogLevel warn",
                'LogFormat "%h %u %{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t \\"%r\\" %>s %b %D" bench',
                f"CustomLog {self.access_log} bench",
                "TypesConfig /etc/mime.types", f"DavLockDB {lock}/DavLock", "DavDepthInfinity Off",
                "LimitRequestBody 0", "KeepAlive On",
                f"DocumentRoot {self.base}/htdocs",
                "<Directory />", "  AllowOverride None", "  Require all denied", "</Directory>",
                f"<Directory {self.files_dir}>", "  Dav On", "  AuthType Basic", "  AuthName ncsync-bench",
                f"  AuthUserFile {self.base}/htpasswd", "  Require valid-user", "</Directory>",
            ]
            self.conf.write_text("\n".join(conf) + "\n")
            for p in (self.base, self.base / "htdocs"):
                p.chmod(0o755)
            shutil.chown(self.files_dir, "www-data", "www-data")
            shutil.chown(lock, "www-data", "www-data")
            r = self._ctl("start")
            if r.returncode == 0 and wait_port(self.port, 15):
                return
            log(f"apache start failed (attempt {attempt + 1}): {r.stdout}")
            self._ctl("stop")
        raise RuntimeError("Apache did not start; see " + str(self.base / "logs/error.log"))

    def _ctl(self, cmd):
        env = dict(os.environ, APACHE_RUN_DIR=str(self.base / "run"), APACHE_PID_FILE=str(self.base / "run/httpd.pid"),
                   APACHE_LOCK_DIR=str(self.base / "lock"), APACHE_LOG_DIR=str(self.base / "logs"),
                   APACHE_RUN_USER="www-data", APACHE_RUN_GROUP="www-data")
        return subprocess.run(["/usr/sbin/apache2", "-f", str(self.conf), "-k", cmd], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)

    def count(self):
        if not self.access_log.exists():
            return 0
        with open(self.access_log, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def methods(self, since):
        """Requests by method among the access-log lines after the first `since`."""
        with open(self.access_log, "rb") as f:
            lines = f.read().splitlines()[since:]
        return tally(re.search(rb'"([A-Z]+) ', l) for l in lines)

    def stop(self):
        pid_file = self.base / "run/httpd.pid"
        pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
        self._ctl("stop")
        if pid:
            deadline = time.monotonic() + 15
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)

    def warm_up(self):
        warm_up_dav(self, "bench-warm-up")

    # rclone remote section and the nextcloudcmd/ncsync coordinates
    def rclone_section(self, obscured):
        return f"[apache]\ntype = webdav\nurl = {self.dav_root}\nvendor = other\nuser = {self.user}\npass = {obscured}\n"

    rclone_remote = "apache"

    def ncsync_connection(self):
        return {"name": "bench-apache", "kind": "webdav", "url": self.dav_root, "username": self.user,
                "appPassword": self.password, "allowInsecureHttp": True}

    def version(self):
        out = subprocess.run(["/usr/sbin/apache2", "-v"], text=True, capture_output=True).stdout
        m = re.search(r"Apache/(\S+)", out)
        return m.group(1) if m else out.strip()


class NextcloudServer:
    """The project's test server; minimal: its "minimal Nextcloud" mode (issue 12: no bulk upload, no OC-FileId or
    OC-ETag on PUT answers, an ETag that changes once X-OC-MTime is applied, no oc:checksums, 500 on Depth 1 of a
    file) with 50 ms of authentication cost per request that shows no session cookie, as a PHP server hashing a
    password has."""

    def __init__(self, base: Path, password: str, classpath: str, minimal: bool = False):
        self.minimal = minimal
        self.name = "nextcloud-minimal" if minimal else "nextcloud"
        self.label = ("Nextcloud test server, minimal mode" if minimal else "Nextcloud test server") + " (NextcloudTestServer)"
        self.rclone_remote = "ncminimal" if minimal else "nextcloud"
        self.base = base
        self.password = password
        self.user = USER
        self.classpath = classpath
        self.port = None
        self.proc = None
        self.data = base / "data"
        self.files_dir = self.data / USER / "files"
        self.request_log = base / "requests.log"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def dav_root(self):
        return f"{self.base_url}/remote.php/dav/files/{self.user}/"

    def start(self):
        self.base.mkdir(parents=True, exist_ok=True)
        logback = self.base / "logback.xml"
        # The server logs every request at DEBUG (one line each) under its own logger: that file is the count.
        logback.write_text(f"""<configuration>
  <appender name="REQ" class="ch.qos.logback.core.FileAppender">
    <file>{self.request_log}</file>
    <encoder><pattern>%d{{HH:mm:ss.SSS}} %msg%n</pattern></encoder>
  </appender>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{{HH:mm:ss.SSS}} %-5level %logger{{36}} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.ncsync.protocol.testing.nextcloud.NextcloudTestServer" level="DEBUG" additivity="false">
    <appender-ref ref="REQ"/>
  </logger>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
""")
        for attempt in range(3):
            self.port = free_port()
            out = self.base / f"server-{attempt}.out"
            with open(out, "wb") as f:
                self.proc = subprocess.Popen(
                    ["java", f"-Dlogback.configurationFile={logback}", "-cp", self.classpath,
                     "io.ncsync.protocol.testing.nextcloud.NextcloudTestServer", "--port", str(self.port),
                     "--data", str(self.data), "--user", self.user, "--password", self.password]
                    + (["--minimal", "--auth-cost-ms", "50"] if self.minimal else []),
                    stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and self.proc.poll() is None:
                if "NextcloudTestServer ready" in out.read_text(errors="replace"):
                    return
                time.sleep(0.1)
            log(f"Nextcloud test server start failed (attempt {attempt + 1}): {out.read_text(errors='replace')[-2000:]}")
            self.stop()
        raise RuntimeError("the Nextcloud test server did not start")

    def count(self):
        if not self.request_log.exists():
            return 0
        with open(self.request_log, "rb") as f:
            return f.read().count(b"\n")

    def methods(self, since):
        """Requests by method among the request-log lines after the first `since`."""
        with open(self.request_log, "rb") as f:
            lines = f.read().splitlines()[since:]
        return tally(re.match(rb"(?:\d\d:\d\d:\d\d\.\d{3} )?([A-Z]+) ", l) for l in lines)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                kill_group(self.proc)
                self.proc.wait(10)

    def warm_up(self, rounds=2):
        """The WebDAV paths (see warm_up_dav), then bulk POSTs, chunked uploads and the activity stream."""
        warm_up_dav(self, "bench-warm-up", rounds)
        auth = {"Authorization": basic_auth(self.user, self.password)}
        uploads = f"{self.base_url}/remote.php/dav/uploads/{self.user}/"
        for r in range(rounds):
            folder = f"bench-warm-up-nc-{r}"
            mkcol(self, folder)
            for b in range(5):
                boundary = f"warm-up-{r}-{b}"
                parts = []
                for i in range(100):
                    payload = os.urandom(4096)
                    parts.append((f"--{boundary}\r\nX-File-Path: /{folder}/bulk{b}-{i}.bin\r\n"
                                  f"X-File-MD5: {hashlib.md5(payload).hexdigest()}\r\nX-File-Mtime: 1700000000\r\n"
                                  f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload + b"\r\n")
                body = b"".join(parts) + f"--{boundary}--\r\n".encode()
                http("POST", f"{self.base_url}/remote.php/dav/bulk", body=body,
                     headers=dict(auth, **{"Content-Type": f"multipart/related; boundary={boundary}"}))
            for c in range(2):
                transfer = f"{uploads}warm-up-{r}-{c}/"
                dest = {"Destination": f"{self.dav_root}{folder}/chunked{c}.bin", "OC-Total-Length": str(12 * MiB)}
                http("MKCOL", transfer, headers=dict(auth, **dest))
                for n, size in enumerate([5 * MiB, 5 * MiB, 2 * MiB], start=1):
                    http("PUT", f"{transfer}{n:05d}", headers=dict(auth, **dest), body=os.urandom(size), timeout=120)
                http("MOVE", transfer + ".file", headers=dict(auth, **dest), timeout=120)
            http("GET", f"{self.base_url}/ocs/v2.php/apps/activity/api/v2/activity/files?format=json&limit=50",
                 headers=dict(auth, **{"OCS-APIRequest": "true"}))
            http("DELETE", f"{self.dav_root}{folder}/", headers=auth)

    def rclone_section(self, obscured):
        return (f"[{self.rclone_remote}]\ntype = webdav\nurl = {self.dav_root}\nvendor = nextcloud\nuser = {self.user}\n"
                f"pass = {obscured}\n")

    def ncsync_connection(self):
        return {"name": "bench-nextcloud", "kind": "nextcloud", "url": self.base_url, "username": self.user,
                "appPassword": self.password, "allowInsecureHttp": True}

    def version(self):
        code, body = http("GET", self.base_url + "/status.php")
        try:
            return "emulates Nextcloud " + json.loads(body)["versionstring"]
        except Exception:
            return "?"


def warm_up_dav(server, folder, rounds=2, parallel=8):
    """PUTs, listings, GETs and a DELETE in a scratch folder, `parallel` at a time: the server starts its workers and
    compiles its hot paths before the first tool is measured, so no tool pays for them (whichever runs first would)."""
    auth = {"Authorization": basic_auth(server.user, server.password)}
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        for r in range(rounds):
            scratch = f"{folder}-{r}"
            mkcol(server, scratch)
            list(pool.map(lambda i: http("PUT", f"{server.dav_root}{scratch}/f{i}.bin", headers=auth,
                                         body=os.urandom(4096)), range(400)))
            list(pool.map(lambda i: http("PROPFIND", f"{server.dav_root}{scratch}/", headers=dict(auth, Depth="1")),
                          range(8)))
            list(pool.map(lambda i: http("GET", f"{server.dav_root}{scratch}/f{i}.bin", headers=auth), range(0, 400, 10)))
            http("DELETE", f"{server.dav_root}{scratch}/", headers=auth)


def tally(matches):
    counts = {}
    for m in matches:
        key = m.group(1).decode() if m else "?"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def mkcol(server, folder):
    code, body = http("MKCOL", server.dav_root + folder + "/",
                      headers={"Authorization": basic_auth(server.user, server.password)})
    if code not in (201, 405):
        raise RuntimeError(f"MKCOL {folder} on {server.name} answered {code}: {body[:300]!r}")


# ---- The ncsync daemon ----------------------------------------------------------------------------------------------

class Daemon:
    def __init__(self, launcher: Path, jar: Path, base: Path, java_opts=None, extra_env=None):
        self.launcher = launcher
        self.jar = jar
        self.extra_env = dict(extra_env or {})
        self.java_opts = java_opts  # None: the launcher's default JVM options
        self.base = base
        self.data = base / "data"
        self.workspaces = base / "ws"
        self.token = secrets.token_hex(24)
        self.port = None
        self.proc = None

    @property
    def api_base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.workspaces.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self.port = free_port()
            env = dict(os.environ, NCSYNC_HTTP_PORT=str(self.port), NCSYNC_DATA_DIR=str(self.data),
                       NCSYNC_WORKSPACES_ROOT=str(self.workspaces), NCSYNC_ADMIN_TOKEN=self.token,
                       NCSYNC_SYNC_INTERVAL="0", LANG=os.environ.get("LANG", "C.UTF-8"))
            env["NCSYNC_JAR"] = str(self.jar)
            env.pop("NCSYNC_JAVA_OPTS", None)
            if self.java_opts is not None:
                env["NCSYNC_JAVA_OPTS"] = self.java_opts
            env.update(self.extra_env)
            out = self.base / f"daemon-{attempt}.log"
            with open(out, "wb") as f:
                self.proc = subprocess.Popen([str(self.launcher), "serve"], env=env, stdout=f,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    code, _ = http("GET", self.api_base + "/health/ready", timeout=2)
                    if code == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.2)
            log(f"daemon start failed (attempt {attempt + 1}); log: {out}")
            self.stop()
        raise RuntimeError("the ncsync daemon did not become ready")

    def api(self, method, path, body=None, timeout=30):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        code, raw = http(method, self.api_base + "/api/v1" + path, headers=headers, body=body, timeout=timeout)
        try:
            return code, json.loads(raw) if raw else None
        except ValueError:
            return code, raw.decode(errors="replace")

    def add_connection(self, server, **settings):
        code, body = self.api("POST", "/connections", dict(server.ncsync_connection(), **settings))
        if code != 201:
            raise RuntimeError(f"connection refused: {code} {body}")
        return body["id"]

    def add_library(self, name, connection_id, remote_path):
        code, body = self.api("POST", "/libraries", {"name": name, "connectionId": connection_id, "localPath": name,
                                                     "remotePath": remote_path, "mode": "bidirectional"}, timeout=60)
        if code != 201:
            raise RuntimeError(f"library refused: {code} {body}")
        return body["id"]

    def sync(self, library_id, timeout):
        code, body = self.api("POST", f"/libraries/{library_id}/sync")
        if code != 202:
            raise RuntimeError(f"sync refused: {code} {body}")
        run_id = body["runId"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code, status = self.api("GET", f"/libraries/{library_id}/status")
            if code == 200 and status.get("state") != "syncing":
                last = status.get("lastRun") or {}
                if last.get("runId") == run_id:
                    return last
            time.sleep(0.05)
        raise TimeoutError(f"sync {run_id} did not finish within {timeout} s")

    def reset_peak(self):
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def _status_kib(self, key):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return None

    def peak_rss_kib(self):
        return self._status_kib("VmHWM")

    def cpu_s(self):
        """User + system CPU seconds the daemon has used so far (all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        return self._status_kib("VmRSS")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                kill_group(self.proc)
                self.proc.wait(10)


# ---- Data -----------------------------------------------------------------------------------------------------------

def write_random(path: Path, size: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 8 * MiB)
            f.write(os.urandom(n))
            left -= n


def w1_names(sizes):
    per = math.ceil(sizes.w1_files / sizes.w1_folders)
    return [f"d{i // per:02d}/f{i:04d}.bin" for i in range(sizes.w1_files)]


def generate(src: Path, sizes: Sizes, workloads=None):
    """The data of the selected workloads (all of W1..W5 by default); W6's tree is written by generate_w6."""
    t0 = time.monotonic()
    if workloads is None or "W1" in workloads:
        for name in w1_names(sizes):
            write_random(src / "w1" / name, sizes.w1_size)
    if workloads is None or "W2" in workloads:
        for i in range(sizes.w2_files):
            write_random(src / "w2" / f"big{i:02d}.bin", sizes.w2_size)
    if workloads is None or "W3" in workloads:
        write_random(src / "w3" / "huge.bin", sizes.w3_size)
    # W5: the same edits for every tool
    names = w1_names(sizes)
    step = max(1, len(names) // sizes.w5_modify)
    modify = {n: os.urandom(sizes.w1_size) for n in names[::step][:sizes.w5_modify]}
    add = {f"d{k % sizes.w1_folders:02d}/new{k:02d}.bin": os.urandom(sizes.w1_size) for k in range(sizes.w5_add)}
    log(f"data generated in {time.monotonic() - t0:.1f} s")
    return {**modify, **add}, len(modify), len(add)


def generate_w6(root: Path, sizes: Sizes):
    """W6's tree, written straight into the tool's local folder: top folders x subfolders x files of random bytes
    (one urandom call, sliced; no process per file). Returns (files, folders)."""
    per_top = sizes.w6_sub * sizes.w6_per
    n = sizes.w6_top * per_top
    pool = os.urandom(n * sizes.w6_size)
    folders = 0
    for t in range(sizes.w6_top):
        for d in range(sizes.w6_sub):
            folder = root / f"t{t:02d}" / f"s{d:03d}"
            folder.mkdir(parents=True)
            folders += 1
            for k in range(sizes.w6_per):
                i = t * per_top + d * sizes.w6_per + k
                with open(folder / f"f{k:03d}.bin", "wb") as f:
                    f.write(pool[i * sizes.w6_size:(i + 1) * sizes.w6_size])
    return n, folders + sizes.w6_top


def copy_tree(src: Path, dst: Path, link: bool):
    """A fresh local dir for one tool: real copies (W1, which W5 edits), hard links for the big read-only files."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=os.link if link else shutil.copy2)


def apply_w5(local: Path, edits):
    for rel, data in edits.items():
        p = local / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)


def tree(root: Path):
    """Relative path -> file for every regular file below root, skipping dot-files and dot-folders (journals)."""
    out = {}
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            if fn.startswith("."):
                continue
            p = Path(dirpath) / fn
            out[str(p.relative_to(root))] = p
    return out


def verify(remote_dir: Path, local_dir: Path):
    """The server's copy (on its disk, so checking costs no request) must hold every local file, same size and bytes."""
    expected, actual = tree(local_dir), tree(remote_dir)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    wrong = [r for r in expected if r in actual
             and (expected[r].stat().st_size != actual[r].stat().st_size
                  or not filecmp.cmp(expected[r], actual[r], shallow=False))]
    if not missing and not extra and not wrong:
        return True, f"{len(expected)} files ok"
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
    if wrong:
        parts.append(f"{len(wrong)} differ (e.g. {wrong[0]})")
    if extra:
        parts.append(f"{len(extra)} extra (e.g. {extra[0]})")
    return False, "; ".join(parts)


# ---- Measurements ---------------------------------------------------------------------------------------------------

@dataclass
class Result:
    server: str
    workload: str
    tool: str
    wall_s: float = None
    requests: int = None
    rss_kib: int = None
    ok: bool = False
    check: str = ""
    note: str = ""
    methods: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    cpu_s: float = None  # user + system CPU seconds the tool's own processes used during the step


def run_timed(argv, logfile: Path, timeout, env=None):
    """Runs a CLI under /usr/bin/time -v: (exit code, wall seconds, max RSS KiB, user + system CPU seconds)."""
    timefile = logfile.with_suffix(".time")
    t0 = time.monotonic()
    with open(logfile, "ab") as f:
        f.write(("\n$ " + " ".join(argv) + "\n").encode())
        f.flush()
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(timefile)] + argv, stdout=f, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait(10)
            return None, time.monotonic() - t0, None, None
    wall = time.monotonic() - t0
    rss = cpu = None
    if timefile.exists():
        text = timefile.read_text()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        rss = int(m.group(1)) if m else None
        times = [float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)]
        cpu = sum(times) if len(times) == 2 else None
    return rc, wall, rss, cpu


class Bench:
    def __init__(self, args):
        self.args = args
        self.sizes = QUICK if args.quick else FULL
        self.work = Path(args.work_dir) if args.work_dir else Path(
            f"/tmp/ncsync-bench-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}")
        self.work.mkdir(parents=True, exist_ok=True)
        self.logs = self.work / "logs"
        self.logs.mkdir(exist_ok=True)
        self.results: list[Result] = []
        self.password = secrets.token_urlsafe(18)
        self.timeout = args.step_timeout
        self.tools = [t for t in args.tools.split(",") if t]
        self.daemon_env = dict(kv.split("=", 1) for kv in args.daemon_env)
        self.servers = [s for s in args.servers.split(",") if s]
        # Private copies, so a concurrent rebuild of target/ cannot change the programs under a running benchmark.
        bin_dir = self.work / "bin"
        bin_dir.mkdir(exist_ok=True)
        self.jar = bin_dir / "ncsync-all.jar"
        shutil.copy2(args.jar, self.jar)
        # The daemon is started the documented way, through bin/ncsync (which exec's java with its default JVM
        # options) with NCSYNC_JAR pointing at the private copy of the jar.
        self.launcher = bin_dir / "ncsync"
        shutil.copy2(ROOT / "bin" / "ncsync", self.launcher)
        self.nc_classpath = ""
        if args.nc_classpath:
            parts = []
            for p in args.nc_classpath.split(":"):
                if p and str(ROOT) in p:
                    dst = bin_dir / Path(p).name
                    shutil.copy2(p, dst)
                    parts.append(str(dst))
                elif p:
                    parts.append(p)
            self.nc_classpath = ":".join(parts)

    # -- one result --

    def record(self, r: Result, key=""):
        r.extra["key"] = key
        self.results.append(r)
        rss = f"{r.rss_kib / 1024:.0f} MB" if r.rss_kib else "-"
        wall = f"{r.wall_s:.2f} s" if r.wall_s is not None else "-"
        log(f"  {r.server:9} {r.workload:4} {r.tool:12} {wall:>10} {str(r.requests):>6} req {rss:>8}  "
            f"{'ok' if r.ok else 'FAILED'} {r.check} {r.note}")

    def measure_cli(self, server, workload, tool, argv, remote_dir, local_dir, logname, check_upload=True):
        before = server.count()
        rc, wall, rss, cpu = run_timed(argv, self.logs / logname, self.timeout)
        time.sleep(SETTLE_S)
        r = Result(server.name, workload, tool, wall, server.count() - before, rss)
        r.cpu_s = cpu
        r.methods = server.methods(before)
        if rc is None:
            r.note = f"timed out after {self.timeout} s"
        elif rc != 0:
            r.note = f"exit code {rc} (log: logs/{logname})"
        ok, check = verify(remote_dir, local_dir) if check_upload else (True, "")
        r.ok, r.check = ok and rc == 0, check
        return r

    # -- tools --

    def run_ncsync(self, server, src, edits):
        if "W6" in self.workloads:
            if server.name.startswith("nextcloud"):
                self.run_ncsync_w6(server)
            else:
                log(f"  W6 skipped on {server.name}: it measures ETag pruning, which needs the Nextcloud test server")
        for data, key, steps in self.groups():
            daemon = Daemon(self.launcher, self.jar, self.work / f"ncsync-{server.name}" / key,
                            self.args.daemon_java_opts, self.daemon_env)
            log(f"  starting ncsync daemon for {server.name} {'/'.join(steps)} ({key})")
            try:
                daemon.start()
                conn = daemon.add_connection(server)
                self.meta.setdefault("ncsync_rss_after_start_mb", {})[f"{server.name}-{key}"] = round(
                    daemon.rss_kib() / 1024)
                if self.args.daemon_warm_up:
                    self.warm_up_daemon(daemon, server, conn, key)
                    if key == "w1":
                        self.settle_daemon(daemon, server, src / "w1", key)
                local = daemon.workspaces / key
                copy_tree(src / data, local, link=data != "w1")
                remote = f"ncsync-{key}"
                lib = daemon.add_library(key, conn, remote)
                for step in steps:
                    if step == "W5":
                        apply_w5(local, edits)
                    daemon.reset_peak()
                    before = server.count()
                    cpu0 = daemon.cpu_s()
                    t0 = time.monotonic()
                    try:
                        run = daemon.sync(lib, self.timeout)
                        wall = time.monotonic() - t0
                        cpu = daemon.cpu_s() - cpu0
                        time.sleep(SETTLE_S)
                        r = Result(server.name, step, "ncsync", wall, server.count() - before, daemon.peak_rss_kib())
                        r.cpu_s = cpu
                        r.methods = server.methods(before)
                        r.extra = {"run": run}
                        ok, r.check = verify(server.files_dir / remote, local)
                        r.ok = ok and run.get("outcome") == "succeeded"
                        if run.get("outcome") != "succeeded":
                            r.note = f"outcome {run.get('outcome')}: {run.get('reason')}"
                    except Exception as e:  # noqa: BLE001 - a failed step is a result, not the end of the run
                        r = Result(server.name, step, "ncsync", time.monotonic() - t0, server.count() - before,
                                   daemon.peak_rss_kib(), False, "", f"error: {e}")
                    self.record(r, key)
                    self.free_space(server, remote, step)
            except Exception as e:  # noqa: BLE001
                for step in steps:
                    if not any(x.server == server.name and x.tool == "ncsync" and x.workload == step
                               and x.extra.get("key") == key for x in self.results):
                        self.record(Result(server.name, step, "ncsync", note=f"error: {e}"), key)
            finally:
                daemon.stop()

    def warm_up_daemon(self, daemon, server, conn, key):
        """ncsync runs for weeks: before it is measured, a fresh daemon syncs a separate library once each way (300
        small files in 6 folders and one 12 MiB file up, 20 files down), so the figures are not its JVM's first
        minute. Not measured; --no-daemon-warm-up skips it."""
        name = f"warm-up-{key}"
        local = daemon.workspaces / name
        for i in range(300):
            path = local / f"d{i % 6}" / f"f{i}.bin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(4096))
        write_random(local / "big.bin", 12 * MiB)
        remote = f"ncsync-{name}"
        lib = daemon.add_library(name, conn, remote)
        t0 = time.monotonic()
        daemon.sync(lib, self.timeout)
        auth = {"Authorization": basic_auth(server.user, server.password)}
        for i in range(20):
            http("PUT", f"{server.dav_root}{remote}/d{i % 6}/down{i}.bin", headers=auth, body=os.urandom(4096))
        daemon.sync(lib, self.timeout)
        daemon.sync(lib, self.timeout)
        self.meta.setdefault("ncsync_warm_up_s", {})[f"{server.name}-{key}"] = round(time.monotonic() - t0, 2)
        self.meta.setdefault("ncsync_rss_after_warm_up_mb", {})[f"{server.name}-{key}"] = round(daemon.rss_kib() / 1024)

    def settle_daemon(self, daemon, server, w1_src, key):
        """Before the per-file workloads (W1's chain), the daemon runs --warm-up-rounds W1-shaped rounds in a library
        of its own: each round adds a copy of W1's tree in new folders and deletes the previous round's, so every
        round uploads 2,000 new small files into 40 new folders (and deletes 2,000), the library stays at one round's
        size, and the remote folder at one copy. On 2 cores the JVM's optimising compiler keeps about a core busy for
        the daemon's first minutes of full-speed work (see "A settling daemon" in docs/BENCHMARKS.md); a daemon that
        runs for weeks is past that. Then FRESH_LIBRARY_ROUNDS more rounds upload W1's tree into a new library each,
        the path the measured W1 takes (a library's first run): right after the add-and-delete rounds that first
        one still took about twice as long as the next. Not measured; each round's wall and CPU time go into the
        report's metadata."""
        rounds = self.args.warm_up_rounds
        if rounds <= 0:
            return
        name = f"settle-{key}"
        local = daemon.workspaces / name
        local.mkdir(parents=True, exist_ok=True)
        # A connection of its own without pacing: the rounds' 2,000 deletions would take 40 s each at 50 requests/s.
        unpaced = daemon.add_connection(server, name=f"{server.ncsync_connection()['name']}-unpaced", requestsPerSecond=0)
        lib = daemon.add_library(name, unpaced, f"ncsync-{name}")
        samples = []
        for r in range(rounds):
            copy_tree(w1_src, local / f"r{r}", link=False)
            if r > 0:
                shutil.rmtree(local / f"r{r - 1}")
            cpu0, t0 = daemon.cpu_s(), time.monotonic()
            run = daemon.sync(lib, self.timeout)
            samples.append({"wall_s": round(time.monotonic() - t0, 2), "cpu_s": round(daemon.cpu_s() - cpu0, 2),
                            "outcome": run.get("outcome")})
            if run.get("outcome") != "succeeded":
                log(f"  warm-up round {r + 1} ended {run.get('outcome')}: {run.get('reason')}")
        for i in range(FRESH_LIBRARY_ROUNDS):
            fresh = f"{name}-new-{i}"
            copy_tree(w1_src, daemon.workspaces / fresh, link=False)
            fresh_lib = daemon.add_library(fresh, unpaced, f"ncsync-{fresh}")
            cpu0, t0 = daemon.cpu_s(), time.monotonic()
            run = daemon.sync(fresh_lib, self.timeout)
            samples.append({"wall_s": round(time.monotonic() - t0, 2), "cpu_s": round(daemon.cpu_s() - cpu0, 2),
                            "outcome": run.get("outcome"), "new_library": True})
            if run.get("outcome") != "succeeded":
                log(f"  warm-up round in a new library ended {run.get('outcome')}: {run.get('reason')}")
        log(f"  settled the daemon in {rounds} W1-shaped rounds and {FRESH_LIBRARY_ROUNDS} in new libraries: "
            f"first {samples[0]['wall_s']} s, "
            f"last {samples[-1]['wall_s']} s (CPU {samples[0]['cpu_s']} s, then {samples[-1]['cpu_s']} s)")
        self.meta.setdefault("ncsync_settle_rounds", {})[f"{server.name}-{key}"] = samples

    def ncsync_step(self, daemon, server, lib, step, remote, local, check=True):
        """One ncsync sync of library `lib`, measured; checked against the server's disk when `check`."""
        daemon.reset_peak()
        before = server.count()
        cpu0 = daemon.cpu_s()
        t0 = time.monotonic()
        try:
            run = daemon.sync(lib, self.timeout)
            wall = time.monotonic() - t0
            cpu = daemon.cpu_s() - cpu0
            time.sleep(SETTLE_S)
            r = Result(server.name, step, "ncsync", wall, server.count() - before, daemon.peak_rss_kib())
            r.cpu_s = cpu
            r.methods = server.methods(before)
            r.extra = {"run": run}
            if check:
                ok, r.check = verify(server.files_dir / remote, local)
            else:
                ok, r.check = True, "not checked"
            r.ok = ok and run.get("outcome") == "succeeded"
            if run.get("outcome") != "succeeded":
                r.note = f"outcome {run.get('outcome')}: {run.get('reason')}"
        except Exception as e:  # noqa: BLE001 - a failed step is a result, not the end of the run
            r = Result(server.name, step, "ncsync", time.monotonic() - t0, server.count() - before,
                       daemon.peak_rss_kib() if daemon.proc and daemon.proc.poll() is None else None, False, "",
                       f"error: {e}")
        return r

    @staticmethod
    def run_phases(daemon, run):
        """From the daemon log: seconds from the run's start to the end of discovery (local scan + remote listing +
        plan, logged as 'N documents to act on'), and from there to the run's end."""
        try:
            rid = run["runId"]
            text = "".join(p.read_text(errors="replace") for p in sorted(daemon.base.glob("daemon-*.log")))
            m = re.search(r"^(\S+) INFO .* run " + re.escape(rid) + r": (\d+) documents to act on", text, re.M)
            if not m:
                return None
            def ts(v):  # ISO-8601 in UTC with up to nanoseconds, e.g. 2026-11-22T09:16:13.789175166Z
                m2 = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", v)
                frac = ((m2.group(2) or "") + "000000")[:6]
                return datetime.datetime.fromisoformat(f"{m2.group(1)}.{frac}")

            planned = ts(m.group(1))
            return {"discovery_s": round((planned - ts(run["startedAt"])).total_seconds(), 3),
                    "after_plan_s": round((ts(run["finishedAt"]) - planned).total_seconds(), 3),
                    "documents": int(m.group(2))}
        except (KeyError, TypeError, ValueError):
            return None

    def run_ncsync_w6(self, server):
        """W6: a 100,000-file tree: first upload, re-syncs until one changes nothing, then the settled re-sync."""
        s = self.sizes
        key, remote = "w6", "ncsync-w6"
        daemon = Daemon(self.launcher, self.jar, self.work / f"ncsync-{server.name}" / key,
                        self.args.daemon_java_opts, self.daemon_env)
        log(f"  starting ncsync daemon for {server.name} W6 ({key})")
        done = []

        def record(r, note=""):
            phases = self.run_phases(daemon, r.extra.get("run"))
            if phases:
                r.extra["phases"] = phases
                note = (note + "; " if note else "") + (f"discovery {phases['discovery_s']:.2f} s "
                                                        f"({phases['documents']} documents to act on), "
                                                        f"then {phases['after_plan_s']:.2f} s")
            r.note = "; ".join(x for x in (r.note, note) if x)
            self.record(r, key)
            done.append(r.workload)
            return r

        try:
            daemon.start()
            conn = daemon.add_connection(server)
            self.meta.setdefault("ncsync_rss_after_start_mb", {})[f"{server.name}-{key}"] = round(
                daemon.rss_kib() / 1024)
            local = daemon.workspaces / key
            t0 = time.monotonic()
            n, folders = generate_w6(local, s)
            log(f"  W6 tree: {n} files of {s.w6_size} B in {folders} folders, written in {time.monotonic() - t0:.1f} s")
            self.meta["w6"] = {"files": n, "folders": folders, "size": s.w6_size}
            lib = daemon.add_library(key, conn, remote)
            up = record(self.ncsync_step(daemon, server, lib, "W6up", remote, local))
            if not (up.extra.get("run") or {}).get("outcome"):
                raise RuntimeError("the first upload did not finish: " + up.note)
            # Re-sync until a run changes nothing: the first re-sync records the folder ETags the upload changed.
            for i in range(1, 6):
                r = self.ncsync_step(daemon, server, lib, "W6a", remote, local, check=False)
                run = r.extra.get("run") or {}
                changed = sum(run.get(k) or 0 for k in ("uploaded", "downloaded", "deletedLocal", "deletedRemote",
                                                         "conflicts", "failed"))
                record(r, f"re-sync {i}, {changed} changes")
                if not run or (changed == 0 and run.get("outcome") == "succeeded"):
                    break
            for i in range(1, W6_SETTLED_REPEAT + 1):
                last = i == W6_SETTLED_REPEAT
                record(self.ncsync_step(daemon, server, lib, "W6b", remote, local, check=last),
                       f"settled re-sync {i}")
            # W6c: another client of the account edits files deep in the tree (3 levels: top/sub/file), each in its own
            # subfolder of its own top folder; the sync must bring exactly those down.
            auth = {"Authorization": basic_auth(server.user, server.password)}
            for e in range(min(W6C_EDITS, s.w6_top)):
                rel = f"t{e:02d}/s{(e * 7) % s.w6_sub:03d}/f{e:03d}.bin"
                code, _ = http("PUT", f"{server.dav_root}{remote}/{rel}", headers=auth, body=os.urandom(s.w6_size))
                if code not in (201, 204):
                    raise RuntimeError(f"W6c: the server refused the edit of {rel}: {code}")
            c = self.ncsync_step(daemon, server, lib, "W6c", remote, local)
            record(c, f"{min(W6C_EDITS, s.w6_top)} files edited on the server, "
                      f"{(c.extra.get('run') or {}).get('downloaded')} downloaded")
            record(self.ncsync_step(daemon, server, lib, "W6d", remote, local), "the re-sync after W6c")
            # W6r: the daemon stopped and started again: from the start command until the library answers its status
            # (issue 12: a 100,000-document library ready within 3 s of process start).
            daemon.stop()
            t0 = time.monotonic()
            daemon.start()
            started_s = time.monotonic() - t0
            while True:
                code, status = daemon.api("GET", f"/libraries/{lib}/status", timeout=60)
                if code == 200 or time.monotonic() - t0 > 300:
                    break
                time.sleep(0.05)
            ready = Result(server.name, "W6r", "ncsync", wall_s=time.monotonic() - t0, rss_kib=daemon.rss_kib(),
                           ok=code == 200, check="ok" if code == 200 else f"status {code}")
            record(ready, f"process ready (health) after {started_s:.2f} s; "
                          f"{(status or {}).get('counts', {}).get('synced') if code == 200 else '?'} documents synced")
        except Exception as e:  # noqa: BLE001
            log(f"  W6 error: {e}")
            for step in W6_STEPS:
                if step not in done:
                    self.record(Result(server.name, step, "ncsync", note=f"error: {e}"), key)
        finally:
            alive = daemon.proc is not None and daemon.proc.poll() is None
            if daemon.proc is not None and not alive:
                self.meta.setdefault("w6_daemon_exit", daemon.proc.returncode)
            daemon.stop()
            problems = []
            for p in sorted(daemon.base.glob("daemon-*.log")):
                for line in p.read_text(errors="replace").splitlines():
                    if re.search(r"\b(ERROR|WARN)\b|OutOfMemoryError|Exception", line):
                        problems.append(line[:400])
            self.meta["w6_daemon_problems"] = problems[:40]
            if problems:
                log(f"  W6: {len(problems)} WARN/ERROR lines in the daemon log, e.g. {problems[0]}")

    def run_nextcloudcmd(self, server, src, edits):
        if not server.name.startswith("nextcloud"):
            return
        for data, key, steps in self.groups():
            local = self.work / "local" / f"nextcloudcmd-{server.name}-{key}"
            copy_tree(src / data, local, link=data != "w1")
            remote = f"nextcloudcmd-{key}"
            mkcol(server, remote)
            argv = ["nextcloudcmd", "--non-interactive", "-u", server.user, "-p", server.password, "--path",
                    "/" + remote, str(local), server.base_url]
            for step in steps:
                if step == "W5":
                    apply_w5(local, edits)
                r = self.measure_cli(server, step, "nextcloudcmd", argv, server.files_dir / remote, local,
                                     f"nextcloudcmd-{server.name}-{key}-{step}.log")
                self.record(r, key)
                self.free_space(server, remote, step)

    def run_rclone(self, server, src, edits):
        cfg = self.work / "rclone.conf"
        if not cfg.exists() or f"[{server.rclone_remote}]" not in cfg.read_text():
            obscured = subprocess.run(["rclone", "obscure", server.password], text=True, capture_output=True,
                                      check=True).stdout.strip()
            with open(cfg, "a") as f:
                f.write(server.rclone_section(obscured) + "\n")
        for data, key, steps in self.groups():
            local = self.work / "local" / f"rclone-{server.name}-{key}"
            copy_tree(src / data, local, link=data != "w1")
            remote = f"rclone-{key}"
            mkcol(server, remote)
            argv = ["rclone", "--config", str(cfg), "sync", str(local), f"{server.rclone_remote}:{remote}"]
            for step in steps:
                if step == "W5":
                    apply_w5(local, edits)
                r = self.measure_cli(server, step, "rclone", argv, server.files_dir / remote, local,
                                     f"rclone-{server.name}-{key}-{step}.log")
                self.record(r, key)
                self.free_space(server, remote, step)

    def run_curl(self, server, src, edits):
        netrc = self.work / f"netrc-{server.name}"
        netrc.write_text(f"machine 127.0.0.1 login {server.user} password {server.password}\n")
        netrc.chmod(0o600)
        for data, key, steps in self.groups():
            workload = steps[0]
            if workload not in ("W1", "W2", "W3"):
                continue
            local = src / data  # curl only reads: the generated data itself
            remote = f"curl-{key}"
            mkcol(server, remote)
            base = server.dav_root + remote + "/"
            logname = f"curl-{server.name}-{key}.log"
            files = sorted(tree(local))
            if workload == "W3":
                argv = ["curl", "-sS", "--netrc-file", str(netrc), "-T", str(local / files[0]), "-o", "/dev/null",
                        "-w", "%{http_code}\n", base + files[0]]
                note = "one plain PUT"
            else:
                folders = sorted({str(Path(f).parent) for f in files if "/" in f})
                pairs = self.work / f"curl-{server.name}-{key}.pairs"
                pairs.write_text("".join(f"{local / f} {base + f}\n" for f in files))
                per = max(1, math.ceil(len(files) / 40))  # about 40 curl processes, 8 at a time
                script = []
                if folders:
                    mk = " ".join(f"-o /dev/null {base}{d}/" for d in folders)
                    script.append(f"curl -sS --netrc-file {netrc} -X MKCOL -w '%{{http_code}}\\n' {mk}")
                script.append(f"xargs -P 8 -n {2 * per} {BENCH_DIR / 'curl_put.sh'} {netrc} < {pairs}")
                argv = ["bash", "-c", "set -euo pipefail; " + " && ".join(script)]
                note = f"MKCOL x{len(folders)} + PUT x{len(files)}, 8 parallel" if folders else \
                    f"PUT x{len(files)}, 8 parallel"
            r = self.measure_cli(server, workload, "curl", argv, server.files_dir / remote, local, logname)
            codes = re.findall(r"^(\d{3})$", (self.logs / logname).read_text(), re.M)
            bad = [c for c in codes if not c.startswith("2")]
            r.note = (note + (f"; {len(bad)} non-2xx answers" if bad else "") + " " + r.note).strip()
            if bad:
                r.ok = False
            self.record(r, key)
            self.free_space(server, remote, workload)

    def groups(self):
        """(data set, key naming the fresh local and remote folders, steps run there in order)."""
        groups = []
        chain = [w for w in ("W1", "W4a", "W4b", "W5") if w in self.workloads]
        if chain:
            groups.append(("w1", "w1", chain))
        if "W2" in self.workloads:
            groups.append(("w2", "w2", ["W2"]))
        if "W3" in self.workloads:
            for i in range(1, self.args.w3_repeat + 1):
                groups.append(("w3", f"w3-{i}", ["W3"]))
        return groups

    def free_space(self, server, remote, step):
        """W3's server copies are dropped from the server's disk once checked (keeps page cache and disk quiet)."""
        if step == "W3":
            for f in tree(server.files_dir / remote).values():
                f.unlink(missing_ok=True)

    # -- the run --

    def run(self):
        started = time.monotonic()
        self.workloads = set(self.args.workloads.split(","))
        if "W4a" in self.workloads or "W4b" in self.workloads or "W5" in self.workloads:
            self.workloads.add("W1")
        self.meta = self.machine()
        log(f"work dir {self.work}; sizes {'quick' if self.args.quick else 'full'}: {self.sizes}")
        src = self.work / "src"
        edits, n_mod, n_add = generate(src, self.sizes, self.workloads)
        self.meta["w5"] = {"modified": n_mod, "added": n_add}
        skipped = {}
        for sname in self.servers:
            if sname.startswith("nextcloud") and not self.nc_classpath:
                skipped[sname] = "the protocol test-jar with NextcloudTestServer was not available"
                log("skipping the Nextcloud test server: " + skipped[sname])
                continue
            server = Apache(self.work / "apache", self.password) if sname == "apache" else \
                NextcloudServer(self.work / sname, self.password, self.nc_classpath, minimal=sname == "nextcloud-minimal")
            log(f"starting {server.label}")
            try:
                server.start()
            except Exception as e:  # noqa: BLE001
                skipped[sname] = f"did not start: {e}"
                log(f"skipping {sname}: {e}")
                server.stop()
                continue
            self.meta.setdefault("server_versions", {})[sname] = server.version()
            log(f"warming up {server.label}")
            server.warm_up()
            try:
                for tool in self.tools:
                    if tool == "nextcloudcmd" and not sname.startswith("nextcloud"):
                        continue
                    log(f"{sname}: {tool}")
                    getattr(self, "run_" + tool)(server, src, edits)
            finally:
                server.stop()
        self.meta["skipped_servers"] = skipped
        self.meta["total_s"] = round(time.monotonic() - started, 1)
        self.meta["load_after"] = os.getloadavg()
        self.report()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log(f"kept {self.work}")

    def launcher_default_opts(self):
        m = re.search(r'NCSYNC_JAVA_OPTS-"([^"]*)"', self.launcher.read_text())
        return f"{m.group(1)} (bin/ncsync's default)" if m else "none (bin/ncsync adds no JVM options)"

    def jar_identity(self):
        st = Path(self.args.jar).stat()
        h = hashlib.sha256()
        with open(self.jar, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                             capture_output=True).stdout.strip() or f"(no git checkout at {ROOT})"
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], text=True,
                               capture_output=True).stdout.strip()
        built = datetime.datetime.fromtimestamp(st.st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return {"path": self.args.jar, "built": built, "sha256": h.hexdigest()[:12],
                "git": git + (" + uncommitted changes" if dirty else "")}

    def machine(self):
        def cmd(argv, pattern=None):
            try:
                out = subprocess.run(argv, text=True, capture_output=True, timeout=30)
                text = (out.stdout + out.stderr).strip()
            except (OSError, subprocess.SubprocessError):
                return "?"
            if pattern:
                m = re.search(pattern, text)
                return m.group(1) if m else text.splitlines()[0] if text else "?"
            return text.splitlines()[0] if text else "?"

        mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "quick" if self.args.quick else "full",
            "sizes": asdict(self.sizes),
            "nproc": os.cpu_count(),
            "cpu": cpu.group(1).strip() if cpu else "?",
            "ram_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(),
            "load_before": os.getloadavg(),
            "daemon_java_opts": self.args.daemon_java_opts if self.args.daemon_java_opts is not None
            else self.launcher_default_opts(),
            "daemon_env": self.daemon_env,
            "w3_repeat": self.args.w3_repeat,
            "ncsync_jar": self.jar_identity(),
            "java": cmd(["java", "-version"], r'version "([^"]+)"'),
            "apache": cmd(["/usr/sbin/apache2", "-v"], r"Apache/(\S+)"),
            "nextcloudcmd": cmd(["nextcloudcmd", "--version"], r"version (\S+)"),
            "rclone": cmd(["rclone", "version"], r"rclone (v\S+)"),
            "curl": cmd(["curl", "--version"], r"curl (\S+)"),
        }

    # -- the report --

    def find(self, server, workload, tool):
        """The result of one cell; repeated runs (W3) are folded into their median run (peak RSS: the highest)."""
        rs = [r for r in self.results if (r.server, r.workload, r.tool) == (server, workload, tool)]
        if len(rs) <= 1:
            return rs[0] if rs else None
        timed = sorted((r for r in rs if r.wall_s is not None), key=lambda r: r.wall_s)
        mid = timed[(len(timed) - 1) // 2] if timed else rs[0]
        failed = sorted({r.check or r.note for r in rs if not r.ok})
        samples = ", ".join(f"{r.wall_s:.2f}" for r in rs if r.wall_s is not None)
        note = f"median of {len(rs)} runs ({samples} s)" + (f"; {mid.note}" if mid.note else "")
        rss = [r.rss_kib for r in rs if r.rss_kib]
        return Result(server, workload, tool, mid.wall_s, mid.requests, max(rss) if rss else None,
                      all(r.ok for r in rs), "; ".join(failed) if failed else mid.check, note, mid.methods,
                      {"samples": [r.wall_s for r in rs]}, mid.cpu_s)

    def targets(self):
        """Issue 3's targets for ncsync, met or missed, per server."""
        rows = []

        def cell(server, fn):
            try:
                return fn(server)
            except (TypeError, ZeroDivisionError, AttributeError):
                return "not measured"

        def verdict(ok, text):
            return f"{'met' if ok else '**missed**'}: {text}"

        def w1_curl(sv):
            n, c = self.find(sv, "W1", "ncsync"), self.find(sv, "W1", "curl")
            x = n.wall_s / c.wall_s
            return verdict(n.ok and x <= 2, f"{x:.1f}x ({n.wall_s:.2f} s vs {c.wall_s:.2f} s)")

        def w1_nccmd(sv):
            n, c = self.find(sv, "W1", "ncsync"), self.find(sv, "W1", "nextcloudcmd")
            x = n.wall_s / c.wall_s
            return verdict(n.ok and x <= 0.25, f"{x:.2f}x ({n.wall_s:.2f} s vs {c.wall_s:.2f} s)")

        def w4(sv):
            a, b = self.find(sv, "W4a", "ncsync"), self.find(sv, "W4b", "ncsync")
            if sv == "apache":
                return f"n/a (no ETag propagation on mod_dav): {a.requests} then {b.requests} requests"
            return verdict(b.ok and b.requests <= 1, f"{a.requests} then {b.requests} requests")

        def w5(sv):
            r = self.find(sv, "W5", "ncsync")
            if sv == "apache":
                return f"n/a (every folder is listed on mod_dav): {r.requests} requests"
            return verdict(r.ok and r.requests <= 45, f"{r.requests} requests")

        def w3_speed(sv):
            n, c = self.find(sv, "W3", "ncsync"), self.find(sv, "W3", "curl")
            pct = 100 * c.wall_s / n.wall_s
            return verdict(n.ok and pct >= 80, f"{pct:.0f} % ({self.sizes.w3_size / n.wall_s / 1e6:.0f} vs "
                                               f"{self.sizes.w3_size / c.wall_s / 1e6:.0f} MB/s)")

        def w3_rss(sv):
            n = self.find(sv, "W3", "ncsync")
            return verdict(n.rss_kib < 300 * 1024, f"{n.rss_kib / 1024:.0f} MB")

        def w6(sv):
            if sv == "apache":
                return "n/a (W6 runs on the test server only)"
            r = self.find(sv, "W6b", "ncsync")
            return verdict(r.ok and r.wall_s < 1, f"{r.wall_s:.2f} s, {r.requests} requests, "
                                                  f"{r.rss_kib / 1024:.0f} MB peak RSS")

        def w6r(sv):
            if sv == "apache":
                return "n/a (W6 runs on the test server only)"
            r = self.find(sv, "W6r", "ncsync")
            return verdict(r.ok and r.wall_s <= 3, f"{r.wall_s:.2f} s, {r.rss_kib / 1024:.0f} MB RSS")

        servers = [sv for sv in self.servers if any(r.server == sv and r.tool == "ncsync" for r in self.results)]
        if not servers:
            return []
        rows.append("| target | " + " | ".join({"apache": "Apache mod_dav", "nextcloud": "Nextcloud test server",
                                                   "nextcloud-minimal": "Nextcloud test server, minimal"}[sv]
                                                  for sv in servers) + " |")
        rows.append("|---|" + "---|" * len(servers))
        for name, fn, only in (("W1 within 2x parallel curl", w1_curl, None),
                               ("W1 at most 1/4 of nextcloudcmd's time", w1_nccmd, "nextcloud"),
                               ("W4 one request once settled (2nd re-sync)", w4, None),
                               ("W5 at most 45 requests", w5, None),
                               ("W3 at least 80 % of one plain PUT's speed", w3_speed, None),
                               ("W3 peak RSS under 300 MB", w3_rss, None),
                               ("W6 100,000-file unchanged tree re-synced in under 1 s", w6, "W6"),
                               ("W6 100,000-document library ready within 3 s of process start", w6r, "W6")):
            if only == "W6":
                if "W6" not in self.workloads:
                    continue
                only = None
            cells = [(cell(sv, fn) if only is None or sv.startswith(only) else "n/a") for sv in servers]
            if "W6" in self.workloads and all(c in ("not measured", "n/a") for c in cells):
                continue  # a W6 run leaves the other workloads out: no rows of "not measured"
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
        return rows

    def report(self):
        s = self.sizes
        desc = {
            "W1": f"{s.w1_files} files of {s.w1_size // 1024} KiB in {s.w1_folders} folders, first upload",
            "W4a": "re-sync of W1, nothing changed (1st)",
            "W4b": "re-sync of W1, nothing changed (2nd)",
            "W5": f"after W4: {self.meta['w5']['modified']} files modified, {self.meta['w5']['added']} added",
            "W2": f"{s.w2_files} files of {s.w2_size // MiB} MiB",
            "W3": f"1 file of {s.w3_size // MiB} MiB",
            "W6up": f"{s.w6_top * s.w6_sub * s.w6_per} files of {s.w6_size} B in "
                    f"{s.w6_top + s.w6_top * s.w6_sub} folders, first upload",
            "W6a": "re-sync of W6, nothing changed (until a run changes nothing)",
            "W6b": "settled re-sync of W6, nothing changed",
            "W6c": f"{W6C_EDITS} files edited on the server, each in another folder (3 levels deep), then a sync",
            "W6d": "re-sync after W6c, nothing changed",
            "W6r": "daemon restarted: from the start command until the library answers its status",
        }
        lines = []
        m = self.meta
        lines.append(f"Run {m['date']}, {m['mode']} sizes, {m['total_s']:.0f} s in all. Machine: {m['nproc']} cores "
                     f"({m['cpu']}), {m['ram_gib']} GiB RAM, kernel {m['kernel']}, load average before "
                     f"{m['load_before'][0]:.2f}, after {m['load_after'][0]:.2f}.")
        j = m["ncsync_jar"]
        lines.append(f"ncsync: `{Path(j['path']).name}` built {j['built']} (sha256 {j['sha256']}…), "
                     f"repository at {j['git']}.")
        if m.get("daemon_env"):
            lines.append("ncsync daemon environment: " + ", ".join(f"`{k}={v}`" for k, v in m["daemon_env"].items())
                         + ".")
        lines.append(f"Versions: Java {m['java']}, Apache {m['apache']}, nextcloudcmd {m['nextcloudcmd']}, "
                     f"rclone {m['rclone']}, curl {m['curl']}.")
        lines.append(f"ncsync daemon started with `bin/ncsync serve`; JVM options: {m['daemon_java_opts']}.")
        if m.get("ncsync_rss_after_start_mb"):
            lines.append("ncsync daemon RSS right after start (before any sync): " + ", ".join(
                f"{k} {v} MB" for k, v in m["ncsync_rss_after_start_mb"].items()) + ".")
        for sname, why in m.get("skipped_servers", {}).items():
            lines.append(f"\n**{sname}: not measured** ({why}).")
        for sname in self.servers:
            rows = [r for r in self.results if r.server == sname]
            if not rows:
                continue
            label = {"apache": "Apache httpd mod_dav", "nextcloud": "Nextcloud test server",
                     "nextcloud-minimal": "Nextcloud test server, minimal mode (50 ms authentication cost)"}[sname]
            lines.append(f"\n### {label}\n")
            lines.append("| workload | tool | wall time | client CPU | requests | peak RSS | check | requests by method | notes |")
            lines.append("|---|---|---:|---:|---:|---:|---|---|---|")
            for w in WORKLOADS + W6_STEPS:
                curl = self.find(sname, w, "curl")
                for tool in TOOLS:
                    r = self.find(sname, w, tool)
                    if not r:
                        continue
                    notes = [r.note] if r.note else []
                    if r.ok and curl and curl.ok and tool != "curl" and r.wall_s and curl.wall_s:
                        if w == "W3":
                            notes.append(f"{100 * curl.wall_s / r.wall_s:.0f} % of one plain curl PUT's speed")
                        elif w in ("W1", "W2"):
                            notes.append(f"{r.wall_s / curl.wall_s:.1f}x parallel curl's time")
                    if w == "W3" and r.ok and r.wall_s:
                        notes.insert(0, f"{s.w3_size / r.wall_s / 1e6:.0f} MB/s")
                    wall = f"{r.wall_s:.2f} s" if r.wall_s is not None else "-"
                    req = str(r.requests) if r.requests is not None else "-"
                    cpu = f"{r.cpu_s:.2f} s" if r.cpu_s is not None else "-"
                    rss = f"{r.rss_kib / 1024:.0f} MB" if r.rss_kib else "-"
                    check = "ok" if r.ok else "**FAILED**"
                    if r.check and not r.ok:
                        check += f" ({r.check})"
                    by_method = ", ".join(f"{k} {v}" for k, v in r.methods.items())
                    lines.append(f"| {w} {desc[w]} | {tool} | {wall} | {cpu} | {req} | {rss} | {check} | {by_method} | "
                                 f"{'; '.join(notes).replace('|', '/')} |")
        targets = self.targets()
        if targets:
            lines.append("\n### ncsync against the targets of issue 3\n")
            lines.extend(targets)
        text = "\n".join(lines) + "\n"
        out_dir = Path(self.args.results_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = "latest-quick" if self.args.quick else "latest"
        (out_dir / f"{stem}.md").write_text(text)
        (out_dir / f"{stem}.json").write_text(json.dumps(
            {"meta": self.meta, "results": [asdict(r) for r in self.results]}, indent=2, default=str))
        print("\n" + text)
        log(f"results: {out_dir / (stem + '.md')} and .json")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke check of the whole script")
    p.add_argument("--servers", default=",".join(SERVERS), help="comma list of: apache,nextcloud,nextcloud-minimal")
    p.add_argument("--tools", default=",".join(TOOLS), help="comma list of: ncsync,nextcloudcmd,rclone,curl")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of: W1,W4a,W4b,W5,W2,W3 "
                   "(W4a/W4b/W5 imply W1), and W6 (100,000 files; never in the default set)")
    p.add_argument("--work-dir", help="where data, servers and logs live (default: a new /tmp/ncsync-bench-*)")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs, data) afterwards")
    p.add_argument("--step-timeout", type=int, default=600, help="seconds one tool may take for one step")
    p.add_argument("--results-dir", default=str(BENCH_DIR / "results"), help="where latest.md/latest.json go")
    p.add_argument("--daemon-java-opts", default=None, help="NCSYNC_JAVA_OPTS for the daemon, replacing bin/ncsync's "
                   "default JVM options, e.g. --daemon-java-opts='-Xmx256m' (default: bin/ncsync's own defaults)")
    p.add_argument("--daemon-env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra environment for the ncsync daemon, e.g. NCSYNC_REMOTE_REQUESTS_PER_SECOND=0 (repeatable)")
    p.add_argument("--no-daemon-warm-up", dest="daemon_warm_up", action="store_false",
                   help="measure each fresh ncsync daemon cold, without its warm-up sync of a separate library")
    p.add_argument("--warm-up-rounds", type=int, default=20,
                   help="W1-shaped rounds the daemon of W1's chain runs before it is measured, so its JIT has "
                   "settled (0: none; each round takes about as long as W1)")
    p.add_argument("--w3-repeat", type=int, default=3, help="W3 runs per tool (the report shows the median)")
    p.add_argument("--jar", required=True, help="the daemon's ncsync-all.jar (run.sh passes it)")
    p.add_argument("--nc-classpath", default="", help="classpath of the Nextcloud test server (run.sh passes it)")
    args = p.parse_args()
    for t in args.tools.split(","):
        if t not in TOOLS:
            p.error(f"unknown tool {t}")
    for s in args.servers.split(","):
        if s not in SERVERS:
            p.error(f"unknown server {s}")
    for w in args.workloads.split(","):
        if w not in WORKLOADS + EXTRA_WORKLOADS:
            p.error(f"unknown workload {w}")
    Bench(args).run()


if __name__ == "__main__":
    main()
