"""Benchmark the project-provisioned Neo4j: cold provisioning, first start, warm
start, idle memory. Prints its figures; it is not a test.

    python benchmarks/bench_server.py            # cold: empty Maven cache + empty server folder
    python benchmarks/bench_server.py --warm-cache  # reuse ~/.m2 (what a second clone sees)

Uses a scratch folder and free ports, so it never touches your own server.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import tempfile
import time
from pathlib import Path

from ringscope.config import load_settings
from ringscope.server import local


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-cache", action="store_true", help="keep the user's Maven cache (~/.m2)")
    parser.add_argument("--heap", default="4g", help="heap for the measured server (default: the shipped default)")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument("--idle-seconds", type=float, default=20, help="wait before reading idle RSS")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="ringscope-bench-"))
    if not args.warm_cache:
        os.environ["MAVEN_OPTS"] = f"-Dmaven.repo.local={scratch / 'm2'}"
    settings = load_settings()
    settings = settings.with_local(home=scratch / "neo4j", bolt_port=free_port(), http_port=free_port(), heap=args.heap, pagecache=args.pagecache)
    settings = type(settings)(**{**settings.__dict__, "password": "bench-password", "uses_local_server": True})
    paths = local.ServerPaths(settings.local.home)
    try:
        t = time.monotonic()
        local.provision(paths, echo=lambda m: None)
        provision_s = time.monotonic() - t
        t = time.monotonic()
        local.start(settings, echo=lambda m: None)
        first_start_s = time.monotonic() - t
        local.stop(settings)
        t = time.monotonic()
        info = local.start(settings, echo=lambda m: None)
        warm_start_s = time.monotonic() - t
        time.sleep(args.idle_seconds)
        rss = local.process_rss_bytes(info["pid"]) or 0
        local.stop(settings)
        jars = sum(f.stat().st_size for f in paths.lib.glob("*.jar")) + sum(f.stat().st_size for f in paths.plugins.glob("*.jar"))
        print(f"machine:            {platform.node()} {os.cpu_count()} cores, {platform.python_version()}")
        print(f"maven cache:        {'warm (~/.m2)' if args.warm_cache else 'cold (empty)'}")
        print(f"provisioning:       {provision_s:6.1f} s  ({local.human_bytes(jars)} of jars)")
        print(f"first start:        {first_start_s:6.1f} s  (config, initial password, new store)")
        print(f"warm start:         {warm_start_s:6.1f} s  (until Bolt answers a query)")
        print(f"idle RSS:           {local.human_bytes(rss)}  (heap {args.heap}, page cache {args.pagecache}, after {args.idle_seconds:.0f} s idle)")
    finally:
        local.stop(settings)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
