#!/usr/bin/env python3
"""Makes the class list the daemon jar carries for class-data sharing (daemon/src/main/resources/cds/classes.lst).

One daemon, started by bin/ncsync with its default JVM options and -XX:DumpLoadedClassList, syncs a small tree with
each server the benchmarks use (Apache mod_dav, the Nextcloud test server, and its minimal mode): new files, a file
above the chunking threshold, a change on each side, a re-sync. What it loaded on the way is the list. bin/ncsync
dumps the archive from it, once per jar; classes the list misses load as before, so a stale list costs speed only.

    ops/cds/classlist.sh            (builds what is missing, finds the test server's classpath, runs this)

Needs root (Apache's workers run as www-data), apache2, Java 17.
"""

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import bench  # noqa: E402

DEFAULT_OPTS = "-XX:+UseSerialGC -Xms64m -Xmx512m -XX:MaxMetaspaceSize=192m -Xss512k -XX:-UsePerfData"
# Lines of a JDK 17 class list: a class name (with an id and more for some), or an @lambda-proxy /
# @lambda-form-invoker entry; the file's comment lines are left out (the JDK writes its own warning there).
KEEP = re.compile(r"^(@lambda-proxy |@lambda-form-invoker |[A-Za-z0-9_$/]+( |$))")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jar", type=Path, default=ROOT / "daemon/target/ncsync-all.jar")
    p.add_argument("--nc-classpath", required=True)
    p.add_argument("--out", type=Path, default=ROOT / "daemon/src/main/resources/cds/classes.lst")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ncsync-cds-"))
    work.chmod(0o755)
    listed = work / "loaded.lst"
    servers = [bench.Apache(work / "apache", secrets.token_hex(12)),
               bench.NextcloudServer(work / "nc", secrets.token_hex(12), args.nc_classpath),
               bench.NextcloudServer(work / "ncmin", secrets.token_hex(12), args.nc_classpath, minimal=True)]
    daemon = bench.Daemon(ROOT / "bin/ncsync", args.jar, work / "daemon",
                          java_opts=f"{DEFAULT_OPTS} -XX:DumpLoadedClassList={listed}",
                          extra_env={"NCSYNC_CDS": "off"})
    try:
        for server in servers:
            server.start()
        daemon.start()
        for n, server in enumerate(servers):
            conn = daemon.add_connection(server, name=f"train-{server.name}")
            name = f"train{n}"
            local = daemon.workspaces / name
            for folder in ("a", "b"):
                (local / folder).mkdir(parents=True, exist_ok=True)
                for i in range(20):
                    (local / folder / f"f{i}.txt").write_bytes(os.urandom(4096))
            bench.write_random(local / "big.bin", 12 << 20)
            lib = daemon.add_library(name, conn, name)
            for step in range(3):
                bench.log(f"{server.name}: run {step + 1}")
                daemon.sync(lib, timeout=300)
                if step == 0:
                    (local / "a" / "f0.txt").write_bytes(os.urandom(4096))
                    (local / "a" / "new.txt").write_bytes(b"new")
        daemon.stop()
        lines = [line for line in listed.read_text().splitlines() if KEEP.match(line)]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")
        bench.log(f"{len(lines)} classes listed in {args.out}")
    finally:
        daemon.stop()
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
