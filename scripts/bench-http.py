#!/usr/bin/env python3
"""The HTTP benchmark of `make bench`: a release server on a fresh database
seeded with generated history (1,000,000 requests unless --requests says
otherwise), driven by wrk from loopback beside the server's own static route.

Prints one table per database (SQLite always, PostgreSQL when reachable):
each endpoint at 1 and 32 connections (filing at 8) with req/s, p50, p99,
errors, its share of the static route's throughput, and the server's RSS.
Exits 1 when a target of issue 14 is missed, after printing everything.

Needs: the release build (`cargo leptos build --release --split`), wrk (apt), slapd
(the demo directory, started here on its own port), python3 (standard library).
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PG_ADMIN = os.environ.get("SD_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Targets: (what, check on the measured row, wording).
MS = 1.0


def http(method, url, token=None, body=None, cookie=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    if cookie:
        req.add_header("cookie", cookie)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def rss(pid):
    """(current, peak) resident set in MB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    kb = lambda k: int(fields.get(k, "0 kB").split()[0])
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024


def duration_ms(text):
    m = re.match(r"([\d.]+)(us|µs|ms|s|m)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, connections, seconds, headers=(), script=None):
    cmd = ["wrk", "--latency", "-t", str(min(connections, 2)), "-c", str(connections),
           "-d", f"{seconds}s", "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    # At a line's start: "52.50%" in the thread stats is not the median.
    p50 = duration_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = duration_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "total": total}


class Server:
    def __init__(self, work, database_url, port, ldap_port):
        name = "server-sqlite.log" if database_url.startswith("sqlite") else "server-postgres.log"
        self.log = open(os.path.join(work, name), "w")
        env = dict(os.environ,
                   LEPTOS_OUTPUT_NAME="servicedesk", LEPTOS_SITE_ROOT=os.path.join(TARGET, "site"),
                   LEPTOS_SITE_PKG_DIR="pkg", LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
                   LEPTOS_RELOAD_PORT=str(port + 1), LEPTOS_ENV="PROD",
                   DATABASE_URL=database_url, SD_DATA_DIR=os.path.join(work, "data"),
                   SD_LDAP_URL=f"ldap://127.0.0.1:{ldap_port}", SD_JOBS="false",
                   RUST_LOG="warn")
        self.env = env
        self.bin = os.path.join(TARGET, "release", "servicedesk")
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None
        self.work = work

    def run(self, *args):
        subprocess.run([self.bin, *args], env=self.env, cwd=self.work, check=True,
                       stdout=self.log, stderr=self.log)

    def start(self):
        self.proc = subprocess.Popen([self.bin], env=self.env, cwd=self.work,
                                     stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                if http("GET", self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                sys.exit(f"server exited: see {self.log.name}")
            time.sleep(0.2)
        sys.exit("server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def login(base, who):
    status, body = http("POST", base + "/api/v1/auth/login", body={"login": who, "password": "demo"})
    if status != 200:
        sys.exit(f"sign-in of {who}: {status} {body[:200]!r}")
    return json.loads(body)["token"]


class Perf:
    """`perf record` of the server while one line is measured (--perf)."""

    def __init__(self, server, name, enabled):
        self.out = os.path.join(server.work, "perf-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".data")
        self.pid = server.proc.pid
        self.enabled = enabled
        self.proc = None

    def __enter__(self):
        if self.enabled:
            self.proc = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(self.pid),
                                          "-o", self.out], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.send_signal(2)
            self.proc.wait(timeout=60)


def measure(server, seconds, requests, db_path, only=None, perf=False):
    base = server.base
    executor, head, employee = (login(base, w) for w in ("smirnov", "kuznetsova", "ivanova"))
    bearer = lambda t: f"Authorization: Bearer {t}"
    cookie = lambda t: f"Cookie: sd_session={t}"
    # A deep page: fifty pages of a hundred into the open queue.
    cursor, query = None, "/api/v1/tickets?scope=unit&status=open&limit=100"
    for _ in range(50):
        status, body = http("GET", base + query + (f"&cursor={cursor}" if cursor else ""), executor)
        page = json.loads(body)
        if not page.get("next_cursor"):
            break
        cursor = page["next_cursor"]
    some = json.loads(http("GET", base + "/api/v1/tickets?scope=unit&status=open&limit=1", executor)[1])
    ticket_id = some["items"][0]["id"]
    month = time.strftime("%Y-%m-01")
    workload = f"/api/v1/reports/workload?unit=IT&period=month&from={month}"
    status, answer = http("GET", base + workload, head)
    if status != 200:
        sys.exit(f"workload: {status} {answer[:300]!r}")
    workload_bytes = len(answer)
    endpoints = [
        ("static /pkg/servicedesk.css", "/pkg/servicedesk.css", [], (1, 32)),
        ("unit queue API, first page", "/api/v1/tickets?scope=unit&status=open&limit=50", [bearer(executor)], (1, 32)),
        ("unit queue API, deep page", f"/api/v1/tickets?scope=unit&status=open&limit=50&cursor={cursor}", [bearer(executor)], (1, 32)),
        ("unit queue page /queue", "/queue", [cookie(executor)], (1, 32)),
        ("GET /api/v1/tickets/{id}", f"/api/v1/tickets/{ticket_id}", [bearer(executor)], (1, 32)),
        ("request page /requests/{id}", f"/requests/{ticket_id}", [cookie(executor)], (1, 32)),
        ("workload of a month", workload, [bearer(head)], (1, 8)),
    ]
    idle, _ = rss(server.proc.pid)
    rows = []
    wanted = lambda name: not only or name.startswith("static") or any(o in name for o in only)
    for name, path, headers, conns in endpoints:
        if not wanted(name):
            continue
        for c in conns:
            with Perf(server, f"{name}-{c}", perf and not name.startswith("static")):
                r = wrk(base + path, c, seconds, headers)
            rows.append((name, c, r))
    if not wanted("filing"):
        _, peak = rss(server.proc.pid)
        return rows, idle, peak, workload_bytes
    # Filing: a Lua script posts one request per call.
    lua = os.path.join(server.work, "file.lua")
    body = json.dumps({"kind": "esign_key", "subject": "Нагрузочная заявка",
                       "description": "Срок сертификата истекает",
                       "fields": {"system": "sed", "action": "renewal", "holder": "Иванова Анна"}})
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = {json.dumps(body)}\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Authorization"] = "Bearer {employee}"\n')
    before = count_rows(server, db_path)
    with Perf(server, "filing-8", perf):
        r = wrk(base + "/api/v1/tickets", 8, seconds, script=lua)
    after = count_rows(server, db_path)
    r["committed"] = after - before
    rows.append(("filing POST /api/v1/tickets", 8, r))
    _, peak = rss(server.proc.pid)
    return rows, idle, peak, workload_bytes


def count_rows(server, db_path):
    if db_path:
        with sqlite3.connect(db_path) as c:
            return c.execute("SELECT count(*) FROM tickets").fetchone()[0]
    out = subprocess.run(["psql", server.env["DATABASE_URL"], "-tAc", "SELECT count(*) FROM tickets"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def bundle(pkg):
    """The browser bundle as sent: brotli sizes (KB) of the main wasm the page
    loads first and of the lazily loaded page chunks (`cargo leptos --split`);
    the server wrote the `.br` files at start."""
    sizes = {}
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".wasm") and os.path.exists(os.path.join(pkg, name + ".br")):
            sizes[name] = os.path.getsize(os.path.join(pkg, name + ".br")) / 1024
    main = {n: s for n, s in sizes.items() if n.startswith("servicedesk")}
    chunks = {n: s for n, s in sizes.items() if n not in main}
    return main, chunks


def report_bundle(pkg):
    main, chunks = bundle(pkg)
    print("\n### Browser bundle (brotli)\n")
    for name, size in main.items():
        print(f"- first load: {name} {size:.0f} KB")
    if chunks:
        largest = max(chunks, key=chunks.get)
        print(f"- {len(chunks)} page chunks, {sum(chunks.values()):.0f} KB in all; "
              f"largest {largest} {chunks[largest]:.0f} KB")
    missed = [f"release wasm {n} {s:.0f} KB brotli > 300 KB" for n, s in main.items() if s > 300]
    if not main:
        missed.append("release wasm not found under the site's pkg folder")
    for m in missed:
        print(f"- missed: {m}")
    return missed


def report(title, rows, idle, peak, workload_bytes, partial=False):
    static = {c: r["rps"] for name, c, r in rows if name.startswith("static")}
    print(f"\n### {title}\n")
    print("| endpoint | conns | req/s | p50 ms | p99 ms | errors | share of static |")
    print("|---|---|---|---|---|---|---|")
    for name, c, r in rows:
        share = f"{100 * r['rps'] / static[c]:.1f} %" if c in static and static[c] else "—"
        extra = f" ({r['committed']} rows for {r['total'] - r['errors']} answers)" if "committed" in r else ""
        print(f"| {name}{extra} | {c} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {share} |")
    print(f"\nRSS idle after start and sign-ins: {idle:.0f} MB; peak: {peak:.0f} MB; "
          f"workload answer: {workload_bytes / 1024:.0f} KB")
    missed = []
    if partial:
        print("(some lines only: targets not checked)")
        return missed

    def find(prefix, c):
        return next((r for n, cc, r in rows if n.startswith(prefix) and cc == c), None)

    for prefix in ("unit queue API, first", "unit queue API, deep", "unit queue page"):
        r = find(prefix, 32)
        if r["p99"] > 20 * MS:
            missed.append(f"{prefix}: p99 {r['p99']:.1f} ms > 20 ms at 32")
        if static.get(32) and r["rps"] < 0.25 * static[32]:
            missed.append(f"{prefix}: {r['rps']:.0f} req/s < 25 % of static")
    for prefix in ("GET /api/v1/tickets/{id}", "request page"):
        r = find(prefix, 32)
        if r["p99"] > 10 * MS:
            missed.append(f"{prefix}: p99 {r['p99']:.1f} ms > 10 ms at 32")
    r = find("filing", 8)
    if r["rps"] < 1000:
        missed.append(f"filing: {r['rps']:.0f}/s < 1,000/s at 8")
    # Answers still in flight when wrk stops may commit without being counted.
    answered = r["total"] - r["errors"]
    if not answered <= r["committed"] <= answered + 8:
        missed.append(f"filing: {r['committed']} rows for {answered} answers")
    w1, w8 = find("workload", 1), find("workload", 8)
    if w1["p99"] > 150 * MS:
        missed.append(f"workload: p99 {w1['p99']:.0f} ms > 150 ms at 1")
    if w8["rps"] <= w1["rps"]:
        missed.append("workload: throughput does not grow with connections")
    if workload_bytes > 100 * 1024:
        missed.append(f"workload answer {workload_bytes / 1024:.0f} KB > 100 KB")
    if idle > 40:
        missed.append(f"idle RSS {idle:.0f} MB > 40 MB")
    if peak > 150:
        missed.append(f"peak RSS {peak:.0f} MB > 150 MB")
    for name, c, r in rows:
        if r["errors"] and not name.startswith("filing"):
            missed.append(f"{name} at {c}: {r['errors']} errors")
    for m in missed:
        print(f"- missed: {m}")
    return missed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--port", type=int, default=3200)
    ap.add_argument("--ldap-port", type=int, default=3392)
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--only", action="append",
                    help="measure only lines whose name contains this (and the static route); repeatable")
    ap.add_argument("--perf", action="store_true",
                    help="record the server with `perf record -g` during each line, into the work folder")
    args = ap.parse_args()
    for tool in ("wrk",):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: scripts/install-tools.sh bench")
    if not os.access(os.path.join(TARGET, "release", "servicedesk"), os.X_OK):
        sys.exit("release server not built: cargo leptos build --release --split")
    work = tempfile.mkdtemp(prefix="sd-bench-")
    ldap_dir = os.path.join(work, "ldap")
    subprocess.run([os.path.join(ROOT, "scripts", "ldap.sh"), "start", "--dir", ldap_dir,
                    "--port", str(args.ldap_port)], check=True, stdout=subprocess.DEVNULL)
    missed = []
    try:
        databases = [] if args.no_sqlite else [
            ("SQLite", f"sqlite://{work}/bench.db?mode=rwc", os.path.join(work, "bench.db"))]
        pg_up = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0
        if pg_up and not args.no_pg:
            subprocess.run(["psql", PG_ADMIN, "-qc", "DROP DATABASE IF EXISTS sd_bench"], check=True)
            subprocess.run(["psql", PG_ADMIN, "-qc", "CREATE DATABASE sd_bench"], check=True)
            databases.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/sd_bench", None))
        for title, url, path in databases:
            server = Server(work, url, args.port, args.ldap_port)
            started = time.time()
            server.run("seed", "--requests", str(args.requests))
            print(f"{title}: seeded {args.requests} requests in {time.time() - started:.0f} s", flush=True)
            server.start()
            try:
                rows, idle, peak, size = measure(server, args.seconds, args.requests, path,
                                                 args.only, args.perf)
            finally:
                server.stop()
            missed += report(f"{title}, {args.requests:,} requests".replace(",", " "),
                             rows, idle, peak, size, partial=bool(args.only))
        if databases:
            missed += report_bundle(os.path.join(TARGET, "site", "pkg"))
    finally:
        subprocess.run([os.path.join(ROOT, "scripts", "ldap.sh"), "stop", "--dir", ldap_dir],
                       stdout=subprocess.DEVNULL)
        print(f"\nserver logs and databases: {work}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
