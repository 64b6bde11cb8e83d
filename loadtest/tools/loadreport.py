#!/usr/bin/env python3
"""Footprint sampling and the load test report of goblog (Python 3 standard library only).

    loadreport.py sample OUT.jsonl         docker stats of every container, once a second, until SIGTERM
    loadreport.py facts OUT.json           per running stack task: service, image size, start to ready
    loadreport.py report DIR               DIR/summary.md, summary.html, memory.svg, cpu.svg, summary.json
    loadreport.py startup DIR              DIR/startup.md from the facts-<service>.json of startup.sh
    loadreport.py settle MAX:THRESHOLD     wait (at most MAX s) until the machine's CPU is below
                                           THRESHOLD % of one core over 10 s; print that level

run.sh drives all three; see loadtest/README.md. The report reads from DIR:
    meta.json      the run's parameters and phase times (written by run.sh)
    samples.jsonl  from `sample`
    facts.json     from `facts`
    marks          "start <epoch ms>" / "end <epoch ms>" written by the simulation itself
    gatling/       Gatling's HTML report (js/stats.js, index.html)
    gatling.log    Gatling's console output (for the error messages)
"""

import datetime as dt
import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

STACK = "goblog"

# The groups the Go/JVM comparison is made of. turbine (Go), rabbitmq (Erlang) and postgres are
# support services and stay out of both groups; they are still listed per service.
GO = ["accountservice", "imageservice", "vipservice"]
JVM = ["quotes-service", "configserver", "edge-server", "zipkin", "hystrix-dashboard"]
# postgres is accountservice's store on Swarm (issue 9): PostgreSQL's own processes, in C, neither
# Go nor JVM, so outside both groups like the broker.
# quotes-service with tuned JVM settings (GoVsJvm only, deploy/jvm-tuned.Dockerfile): compared
# with the twins below, kept out of the JVM group so the stack's figures stay the stack's.
TUNED = "quotes-service-tuned"
LANGUAGE = {**{s: "Go" for s in GO + ["turbine"]}, **{s: "JVM" for s in JVM},
            TUNED: "JVM (tuned)", "rabbitmq": "Erlang", "postgres": "PostgreSQL (C, neither)",
            "gatling": "JVM (load generator)"}
ORDER = GO + ["turbine"] + JVM[:1] + [TUNED] + JVM[1:] + ["rabbitmq", "postgres", "gatling"]
# The central log store (issue 12, VictoriaLogs): what an operator pays for the logs, listed per
# service next to what the services use, in neither group.
ORDER += ["logstore"]
LANGUAGE["logstore"] = "Go (log store)"
# Observability (issue 12): what an operator pays for metrics, next to what the services use.
LANGUAGE["prometheus"] = "Go (Prometheus)"
ORDER.insert(ORDER.index("gatling"), "prometheus")
# The twins GoVsJvm puts side by side.
PAIR = ("imageservice", "quotes-service")
# Seconds after the load's end at which the report gives each container's memory (run.sh's AFTER).
AFTER_POINTS = [(120, "2 min"), (600, "10 min")]

# The log line that says a service is ready to serve, searched in `docker logs --timestamps`.
READY_PATTERNS = [
    re.compile(r'"msg":"serving (HTTP|/turbine\.stream)"'),  # the Go services and turbine
    re.compile(r"Started \S+ in [0-9.]+ seconds"),  # Spring Boot
    re.compile(r"Serving HTTP at "),  # Zipkin (Armeria)
    re.compile(r"Server startup complete"),  # RabbitMQ
    re.compile(r"Server is ready to receive web requests"),  # Prometheus
]
# A Go service that logs these before it serves was waiting for the config server.
CONFIG_WAIT = re.compile(r'"attempt":\d+,"error":"loading configuration')

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# ---------------------------------------------------------------------------------------------
# sample


def parse_size_mib(text):
    """'5.336MiB' -> 5.336; docker stats uses B, KiB, MiB, GiB (and kB/MB/GB for I/O)."""
    m = re.match(r"\s*([0-9.]+)\s*([A-Za-z]*)", text)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    factor = {"B": 1 / 2**20, "KiB": 1 / 2**10, "MiB": 1, "GiB": 2**10, "TiB": 2**20,
              "kB": 1e3 / 2**20, "MB": 1e6 / 2**20, "GB": 1e9 / 2**20}.get(unit)
    return value * factor if factor is not None else None


def service_of(container_name):
    """'goblog_accountservice.1.abc' -> 'accountservice'; slot 2 -> 'accountservice.2';
    'goblog-gatling-...' -> 'gatling'; anything else -> its name."""
    m = re.match(rf"{STACK}_([^.]+)\.(\d+)\.", container_name)
    if m:
        return m.group(1) if m.group(2) == "1" else f"{m.group(1)}.{m.group(2)}"
    if container_name.startswith(f"{STACK}-gatling"):
        return "gatling"
    return container_name


def base_service(key):
    """'accountservice.2' -> 'accountservice'."""
    return key.split(".")[0]


def host_cpu_times():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]), idle


# What run.sh waits for: someone else's e2e run or deploy, which scales and kills tasks.
OTHERS_BUSY = re.compile(rb"make e2e|e2e\.test|go (test|vet) -tags e2e|deploy/(up|down)\.sh")


def others_here(pid, cmd):
    """Whether a process that looks like an e2e run or a deploy works on this run's engine: not a
    `flock` still waiting for the system lock, nor a deploy to another engine (DOCKER_HOST)."""
    if os.path.basename(cmd.split(b"\0")[0]) == b"flock":
        return False
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    except OSError:
        return True
    return env.get(b"DOCKER_HOST", b"").decode() == os.environ.get("DOCKER_HOST", "")


def scan_processes():
    """(CPU ticks and RSS in MiB of a Gatling JVM on the host, or None; whether an e2e run or a
    deploy is going on)."""
    ticks, rss, found, busy = 0, 0.0, False, False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if OTHERS_BUSY.search(cmd.replace(b"\0", b" ")) and others_here(pid, cmd):
                busy = True
            if b"io.gatling.app.Gatling" not in cmd or b"java" not in cmd.split(b"\0")[0]:
                continue
            with open(f"/proc/{pid}/cgroup") as f:
                if "docker" in f.read():  # the GoVsJvm container: docker stats has it already
                    continue
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
            ticks += int(stat[11]) + int(stat[12])  # utime + stime
            rss += int(stat[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            found = True
        except (OSError, IndexError, ValueError):
            continue
    return ((ticks, rss) if found else None), busy


def cmd_sample(out_path):
    """One JSON line a second: host CPU, every container's memory and CPU, a host Gatling JVM.

    `docker stats --no-stream` takes 2-3 s here, so one streaming `docker stats` runs for the whole
    sampling and a snapshot of its latest frame is written every second."""
    latest = {}  # container name -> (received at, parsed line)
    lock = threading.Lock()
    proc = subprocess.Popen(["docker", "stats", "--format", "{{json .}}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def read():
        for line in proc.stdout:
            line = ANSI.sub("", line).strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            with lock:
                latest[rec["Name"]] = (time.time(), rec)

    threading.Thread(target=read, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1
    prev_host = host_cpu_times()
    prev_gatling = None
    next_at = time.time() + 1
    with open(out_path, "a") as out:
        while not stop.wait(max(0.0, next_at - time.time())):
            now = time.time()
            next_at += 1
            total, idle = host_cpu_times()
            dt_total = total - prev_host[0]
            host_cpu = 100.0 * ncpu * (1 - (idle - prev_host[1]) / dt_total) if dt_total else 0.0
            prev_host = (total, idle)
            containers = {}
            with lock:
                for name, (at, rec) in latest.items():
                    if now - at > 3:  # gone: docker stats no longer reports it
                        continue
                    mem = parse_size_mib(rec.get("MemUsage", "").split("/")[0])
                    if mem is None or rec.get("MemUsage", "").startswith("0B"):
                        continue
                    try:
                        cpu = float(rec.get("CPUPerc", "0").rstrip("%"))
                    except ValueError:
                        cpu = 0.0
                    containers[name] = {"service": service_of(name), "mem": round(mem, 3),
                                        "cpu": round(cpu, 2), "pids": rec.get("PIDs")}
            g, busy = scan_processes()
            sample = {"t": round(now, 3), "host_cpu": round(host_cpu, 1), "containers": containers,
                      "others_busy": busy}
            if g is not None:
                if prev_gatling is not None:
                    sample["gatling_host"] = {
                        "cpu": round(100.0 * (g[0] - prev_gatling[1]) / hz / (now - prev_gatling[0]), 1),
                        "mem": round(g[1], 1)}
                prev_gatling = (now, g[0])
            else:
                prev_gatling = None
            out.write(json.dumps(sample) + "\n")
            out.flush()
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---------------------------------------------------------------------------------------------
# facts


def docker_json(*args):
    out = subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def parse_time(text):
    """Docker's RFC 3339 with nanoseconds -> epoch seconds (float)."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text.strip())
    if not m:
        return None
    base = dt.datetime.fromisoformat(m.group(1) + (m.group(3) if m.group(3) != "Z" else "+00:00"))
    return base.timestamp() + (float("0" + m.group(2)) if m.group(2) else 0.0)


def ready_from_logs(container_id, started):
    """(seconds from start to the first ready log line, config-server attempts before it)."""
    proc = subprocess.Popen(["docker", "logs", "--timestamps", container_id],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    ready, attempts = None, 0
    try:
        for n, line in enumerate(proc.stdout):
            if n > 20000:
                break
            if CONFIG_WAIT.search(line):
                attempts += 1
            if any(p.search(line) for p in READY_PATTERNS):
                at = parse_time(line.split(" ", 1)[0])
                if at is not None:
                    ready = at - started
                break
    finally:
        proc.kill()
        proc.wait()
    return ready, attempts


def first_probe_ok(probes, started, interval):
    """Seconds from start to the end of the first passing probe, when Docker still has it: it keeps
    the last 5 probes, so only while the oldest one kept is the task's first."""
    if not probes or started is None:
        return None
    first = parse_time(probes[0]["Start"])
    if first is None or first - started > 1.5 * interval:
        return None
    for p in probes:
        if p.get("ExitCode") == 0:
            end = parse_time(p["End"])
            return end - started if end is not None else None
    return None


def cmd_facts(out_path):
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.stack.namespace={STACK}"],
                         check=True, capture_output=True, text=True).stdout.split()
    facts = {"collected_at": time.time(), "services": {}, "images": {}}
    if not ids:
        json.dump(facts, open(out_path, "w"), indent=1)
        return
    image_sizes = {}
    for c in docker_json("inspect", *ids):
        key = service_of(c["Name"].lstrip("/"))
        started = parse_time(c["State"]["StartedAt"])
        # During a start-first update the old and the new task share a slot: keep the newer.
        if key in facts["services"] and (facts["services"][key]["started_at"] or 0) > (started or 0):
            continue
        health = c["State"].get("Health") or {}
        probes = health.get("Log") or []
        ready, attempts = ready_from_logs(c["Id"], started)
        image_id = c["Image"]
        if image_id not in image_sizes:
            image_sizes[image_id] = docker_json("image", "inspect", image_id)[0]["Size"]
        hc = (c["Config"].get("Healthcheck") or {})
        interval = (hc.get("Interval") or 30e9) / 1e9
        facts["services"][key] = {
            "container": c["Name"].lstrip("/"),
            "image": c["Config"]["Image"].split("@")[0],
            "image_bytes": image_sizes[image_id],
            "started_at": started,
            "health": health.get("Status"),
            "first_probe_ok": first_probe_ok(probes, started, interval),
            "probe_interval_s": interval,
            "ready_s": ready,
            "config_attempts": attempts,
        }
    for img in docker_json("image", "inspect", *sorted({f["image"] for f in facts["services"].values()})):
        for tag in img.get("RepoTags") or []:
            facts["images"][tag] = img["Size"]
    with open(out_path, "w") as f:
        json.dump(facts, f, indent=1)


# ---------------------------------------------------------------------------------------------
# report: reading


def parse_js_object(text):
    """The object literal of Gatling's js/stats.js (bare keys, no trailing data) as a dict."""
    start = text.index("{", text.index("var stats"))
    depth, in_str, esc = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                body = text[start:i + 1]
                break
    body = re.sub(r'(?m)^(\s*)([A-Za-z_]\w*)\s*:', r'\1"\2":', body)
    return json.loads(body)


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def gatling_stats(gatling_dir):
    """[(name, stats)] for the global row and each request; stats in ms and req/s."""
    path = os.path.join(gatling_dir, "js", "stats.js")
    if not os.path.exists(path):
        return []
    root = parse_js_object(open(path, encoding="utf-8").read())
    rows = []

    def row(name, s):
        n = s["numberOfRequests"]
        return (name, {
            "count": int(num(n["total"]) or 0), "ok": int(num(n["ok"]) or 0), "ko": int(num(n["ko"]) or 0),
            "mean": num(s["meanResponseTime"]["total"]), "p50": num(s["percentiles1"]["total"]),
            "p95": num(s["percentiles2"]["total"]), "p99": num(s["percentiles3"]["total"]),
            "p999": num(s["percentiles4"]["total"]), "max": num(s["maxResponseTime"]["total"]),
            "rps": num(s["meanNumberOfRequestsPerSecond"]["total"])})

    rows.append(row("all requests", root["stats"]))
    for child in root.get("contents", {}).values():
        if child.get("type") == "REQUEST":
            rows.append(row(child["name"], child["stats"]))
    return rows


def gatling_per_second(gatling_dir):
    """{epoch second: (requests sent, ok, ko)} from the report's index.html."""
    path = os.path.join(gatling_dir, "index.html")
    if not os.path.exists(path):
        return {}
    m = re.search(r"var requests = unpack\((\[.*?\])\);", open(path, encoding="utf-8").read())
    if not m:
        return {}
    return {t: tuple(v) for t, v in json.loads(m.group(1))}


def gatling_errors(log_path):
    """The last '---- Errors ----' block of Gatling's console output, as (message, count, %)."""
    if not os.path.exists(log_path):
        return []
    lines = open(log_path, encoding="utf-8", errors="replace").read().splitlines()
    starts = [i for i, l in enumerate(lines) if l.startswith("---- Errors")]
    if not starts:
        return []
    errors = []
    for line in lines[starts[-1] + 1:]:
        if line.startswith("====") or line.startswith("---- "):
            break
        m = re.match(r"> (.*?)\s+(\d+)\s+\(\s*([0-9.,]+)%\)\s*$", line)
        if m:
            errors.append((m.group(1).strip(), int(m.group(2)), m.group(3)))
        elif errors and line.strip():
            errors[-1] = (errors[-1][0] + " " + line.strip(), errors[-1][1], errors[-1][2])
    return errors


def read_marks(path):
    marks = {}
    if os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 2:
                # start and end are epoch milliseconds; the rest are counters.
                value = int(parts[1])
                marks[parts[0]] = value / 1000.0 if parts[0] in ("start", "end") else value
    return marks


def load_samples(path):
    samples = []
    if os.path.exists(path):
        for line in open(path):
            try:
                samples.append(json.loads(line))
            except ValueError:
                pass
    return samples


def series(samples):
    """{service: [(t, mem MiB, cpu %)]}, replicas of one service kept apart (accountservice.2)."""
    out = {}
    for s in samples:
        for rec in s["containers"].values():
            out.setdefault(rec["service"], []).append((s["t"], rec["mem"], rec["cpu"]))
        if "gatling_host" in s:
            g = s["gatling_host"]
            out.setdefault("gatling", []).append((s["t"], g["mem"], g["cpu"]))
    return out


def window(points, start, end):
    return [p for p in points if start <= p[0] <= end]


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------------------------
# report: formatting


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "n/a"
    if isinstance(value, float) and digits == 0:
        return f"{value:.0f}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def fmt_ms(value):
    return "n/a" if value is None else f"{value:.0f}"


def fmt_mb(nbytes):
    return "n/a" if nbytes is None else f"{nbytes / 1e6:.1f} MB"


def fmt_age(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def ratio(jvm, go):
    if jvm is None or go is None or go == 0:
        return "n/a"
    return f"{jvm / go:.1f}x"


class Doc:
    """Sections of paragraphs and tables, written both as Markdown and as HTML."""

    def __init__(self, title):
        self.title = title
        self.parts = []

    def h(self, text):
        self.parts.append(("h", text))

    def p(self, text):
        self.parts.append(("p", text))

    def table(self, header, rows, align=None):
        self.parts.append(("table", (header, rows, align)))

    def raw_html(self, markup, md):
        self.parts.append(("raw", (markup, md)))

    def markdown(self):
        out = [f"# {self.title}", ""]
        for kind, body in self.parts:
            if kind == "h":
                out += [f"## {body}", ""]
            elif kind == "p":
                out += [body, ""]
            elif kind == "table":
                header, rows, align = body
                align = align or ["l"] + ["r"] * (len(header) - 1)
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
                for r in rows:
                    out.append("| " + " | ".join(str(c) for c in r) + " |")
                out.append("")
            elif kind == "raw":
                out += [body[1], ""]
        return "\n".join(out)

    def html(self):
        def inline(text):
            text = html.escape(text)
            text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
            text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
            return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', text)

        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               f"<title>{html.escape(self.title)}</title>",
               "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
               "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
               "td,th{border:1px solid #ccc;padding:3px 8px}th{background:#f0f0f0}"
               "td.r{text-align:right;font-variant-numeric:tabular-nums}"
               "code{background:#f4f4f4;padding:1px 3px}</style></head><body>",
               f"<h1>{html.escape(self.title)}</h1>"]
        for kind, body in self.parts:
            if kind == "h":
                out.append(f"<h2>{inline(body)}</h2>")
            elif kind == "p":
                out.append(f"<p>{inline(body)}</p>")
            elif kind == "table":
                header, rows, align = body
                align = align or ["l"] + ["r"] * (len(header) - 1)
                out.append("<table><tr>" + "".join(f"<th>{inline(h)}</th>" for h in header) + "</tr>")
                for r in rows:
                    out.append("<tr>" + "".join(
                        f'<td class="{a}">{inline(str(c))}</td>' for c, a in zip(r, align)) + "</tr>")
                out.append("</table>")
            elif kind == "raw":
                out.append(body[0])
        out.append("</body></html>")
        return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# report: SVG charts

PALETTE = {"accountservice": "#1b9e77", "imageservice": "#66a61e", "vipservice": "#2ca02c",
           "turbine": "#17becf", "quotes-service": "#d62728", "configserver": "#ff7f0e",
           "edge-server": "#9467bd", "zipkin": "#8c564b", "hystrix-dashboard": "#e377c2",
           "rabbitmq": "#7f7f7f", "postgres": "#336791", "gatling": "#bcbd22", "prometheus": "#e6550d"}


def color(key, i):
    extra = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
    return PALETTE.get(key) or PALETTE.get(base_service(key)) or extra[i % len(extra)]


def svg_chart(title, lines, t0, phases, y_label, log_scale, y_max_hint=None, extra_line=None):
    """A line chart: lines = [(label, colour, [(t, y)])]; phases = [(label, start, end, fill)]."""
    width, height, left, right, top, bottom = 960, 460, 70, 190, 36, 44
    pw, ph = width - left - right, height - top - bottom
    ts = [t for _, _, pts in lines for t, _ in pts]
    if not ts:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60"><text x="10" y="30">{html.escape(title)}: no samples</text></svg>'
    t_end = max(ts) - t0
    t_end = max(t_end, 1)
    ys = [y for _, _, pts in lines for _, y in pts if y is not None]
    y_top = max(ys + [y_max_hint or 0]) * 1.08 or 1
    if log_scale:
        y_min = 1.0
        y_top = max(y_top, 10)
        import math
        lo, hi = math.log10(y_min), math.log10(y_top)

        def ypix(v):
            v = max(v, y_min)
            return top + ph - (math.log10(v) - lo) / (hi - lo) * ph

        ticks = [v for d in (1, 10, 100, 1000, 10000) for v in (d, 2 * d, 5 * d) if y_min <= v <= y_top]
    else:
        def ypix(v):
            return top + ph - v / y_top * ph

        step = nice_step(y_top / 6)
        ticks = [i * step for i in range(int(y_top / step) + 1)]

    def xpix(t):
        return left + (t - t0) / t_end * pw

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="15" font-weight="bold">{html.escape(title)}</text>']
    for label, start, end, fill in phases:
        if start is None or end is None:
            continue
        x0, x1 = xpix(max(start, t0)), xpix(min(end, t0 + t_end))
        if x1 <= x0:
            continue
        out.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{ph}" fill="{fill}"/>')
        out.append(f'<text x="{x0 + 4:.1f}" y="{top + 14}" fill="#555">{html.escape(label)}</text>')
    for v in ticks:
        y = ypix(v)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    xstep = nice_step(t_end / 10)
    x = 0.0
    while x <= t_end + 1e-9:
        px = xpix(t0 + x)
        out.append(f'<line x1="{px:.1f}" y1="{top + ph}" x2="{px:.1f}" y2="{top + ph + 4}" stroke="#444"/>')
        out.append(f'<text x="{px:.1f}" y="{top + ph + 17}" text-anchor="middle">{x:g}</text>')
        x += xstep
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">seconds</text>')
    out.append(f'<text transform="translate(16,{top + ph / 2}) rotate(-90)" text-anchor="middle">'
               f'{html.escape(y_label)}</text>')
    all_lines = list(lines) + ([extra_line] if extra_line else [])
    for i, (label, col, pts) in enumerate(all_lines):
        pts = [(t, y) for t, y in pts if y is not None]
        if not pts:
            continue
        # A gap in the samples (a container that was not there) breaks the line.
        path = " ".join(f"{'M' if j == 0 or t - pts[j - 1][0] > 2.5 else 'L'}{xpix(t):.1f},{ypix(y):.1f}"
                        for j, (t, y) in enumerate(pts))
        dash = ' stroke-dasharray="4,3"' if extra_line and label == extra_line[0] else ""
        out.append(f'<path d="{path}" fill="none" stroke="{col}" stroke-width="1.6"{dash}/>')
        ly = top + 10 + i * 17
        out.append(f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" '
                   f'stroke="{col}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{left + pw + 37}" y="{ly + 4}">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def nice_step(raw):
    if raw <= 0:
        return 1
    import math
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


# ---------------------------------------------------------------------------------------------
# report


def cmd_report(run_dir):
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    facts_path = os.path.join(run_dir, "facts.json")
    facts = json.load(open(facts_path)) if os.path.exists(facts_path) else {"services": {}, "images": {}}
    samples = load_samples(os.path.join(run_dir, "samples.jsonl"))
    marks = read_marks(os.path.join(run_dir, "marks"))
    gdir = os.path.join(run_dir, "gatling")
    stats = gatling_stats(gdir)
    per_second = gatling_per_second(gdir)
    errors = gatling_errors(os.path.join(run_dir, "gatling.log"))

    idle_start, idle_end = meta.get("idle_start"), meta.get("idle_end")
    load_start = marks.get("start", meta.get("load_started"))
    load_end = marks.get("end", meta.get("load_ended"))
    ramp = float(meta.get("ramp") or 0)
    full_start = load_start + ramp if load_start is not None else None
    t0 = samples[0]["t"] if samples else (idle_start or 0)
    after = float(meta.get("after") or 0)
    # Memory after the load: the samples within 5 s of each of these many seconds past its end,
    # for those the AFTER tail reached.
    after_points = [(sec, label) for sec, label in AFTER_POINTS if load_end is not None and after >= sec]

    per_service = series(samples)
    keys = sorted(per_service, key=lambda k: (ORDER.index(base_service(k)) if base_service(k) in ORDER
                                              else len(ORDER), k))
    rows = {}
    for k in keys:
        pts = per_service[k]
        idle = window(pts, idle_start or 0, idle_end or 0) if idle_start else []
        load = window(pts, load_start, load_end + 2) if load_start and load_end else []
        full = window(pts, full_start, load_end) if full_start and load_end else []
        f = facts["services"].get(k, {})
        rows[k] = {
            "language": LANGUAGE.get(base_service(k), "?"),
            "idle_mem": mean(p[1] for p in idle),
            "idle_cpu": mean(p[2] for p in idle),
            "load_mem_mean": mean(p[1] for p in full),
            "peak_mem": max((p[1] for p in load), default=None),
            "load_cpu_mean": mean(p[2] for p in full),
            "peak_cpu": max((p[2] for p in load), default=None),
            "after_mem": {label: mean(p[1] for p in window(pts, load_end + sec - 5, load_end + sec + 5))
                          for sec, label in after_points},
            "image_bytes": f.get("image_bytes"),
            "ready_s": f.get("ready_s"),
            "config_attempts": f.get("config_attempts"),
            "first_probe_ok": f.get("first_probe_ok"),
            "probe_interval_s": f.get("probe_interval_s"),
            "image": f.get("image"),
            "age_s": (facts.get("collected_at") - f["started_at"]) if f.get("started_at") else None,
        }
    host_idle = mean(s["host_cpu"] for s in samples if idle_start and idle_start <= s["t"] <= idle_end)
    host_full = [s["host_cpu"] for s in samples if full_start and full_start <= s["t"] <= load_end]
    ncpu = meta.get("cpus") or os.cpu_count()

    # Throughput at full load, from Gatling's per-second counts.
    full_rps = None
    if per_second and full_start and load_end:
        secs = [v[0] for t, v in per_second.items() if full_start + 1 <= t <= load_end - 1]
        full_rps = mean(secs)

    sim = meta.get("simulation", "?")
    doc = Doc(f"goblog load test: {sim}, {meta.get('label', '')}".rstrip(", "))
    doc.p(f"Run `{meta.get('run_id')}`, git `{meta.get('git', '?')}`, {ncpu} CPUs, "
          f"{meta.get('mem_gib', '?')} GiB. Command: `{meta.get('command', '?')}`.")
    doc.p(f"Phases: idle baseline {fmt((idle_end or 0) - (idle_start or 0), 0)} s, then load "
          f"{fmt((load_end or 0) - (load_start or 0), 0)} s (ramp {ramp:g} s). Where the load came "
          f"from: {meta.get('load_from', '?')}. [Gatling report](gatling/index.html).")
    if meta.get("settled_cpu") is not None:
        doc.p(f"Before the baseline the machine had settled at {meta['settled_cpu']} % CPU (10 s mean, "
              "of one core)." + (" **An e2e run or a deploy was going on during the load: the figures "
                                 "are disturbed.**" if meta.get("e2e_during_load") == "yes" else ""))

    # --- latency
    doc.h("Requests")
    if stats:
        doc.table(["request", "count", "OK", "failed", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms",
                   "max ms", "mean ms", "req/s (run)"],
                  [[name, s["count"], s["ok"], s["ko"], fmt_ms(s["p50"]), fmt_ms(s["p95"]),
                    fmt_ms(s["p99"]), fmt_ms(s["p999"]), fmt_ms(s["max"]), fmt_ms(s["mean"]),
                    fmt(s["rps"], 1)] for name, s in stats])
        doc.p(f"Throughput at full load (after the ramp, Gatling's per-second counts): "
              f"**{fmt(full_rps, 1)} req/s**; over the whole run including the ramp: "
              f"{fmt(stats[0][1]['rps'], 1)} req/s. Latencies include the ramp.")
        if marks.get("answers"):
            n = marks["answers"]
            fq, fi = marks.get("fallback_quote", 0), marks.get("fallback_image", 0)
            doc.p(f"Answers that carried a circuit breaker's fallback instead of a downstream call "
                  f"(200 all the same, so not failures): quote **{fq} of {n} ({100 * fq / n:.1f} %)**, "
                  f"image {fi} ({100 * fi / n:.1f} %).")
    else:
        doc.p("No Gatling statistics found: the run did not produce a report (see gatling.log).")
    if errors:
        doc.table(["error", "count", "% of failures"], [[e[0], e[1], e[2]] for e in errors[:10]],
                  ["l", "r", "r"])

    # --- per service
    doc.h("Containers")
    doc.p("Memory is `docker stats` MEM USAGE (the cgroup's usage without the page cache), MiB. "
          "Idle: mean over the baseline before any load. Peak: highest sample during the load. "
          "CPU: % of one core (200 % = both cores); mean under load is over the full-load part, "
          "after the ramp. Start → ready: task start to the service's own ready log line (Go: "
          "`serving HTTP`; Spring Boot: `Started … in`; Zipkin: `Serving HTTP at`; RabbitMQ: "
          "`Server startup complete`); a Go service that had to wait for the config server "
          "shows its retries.")
    table = []
    for k in keys:
        r = rows[k]
        ready = fmt(r["ready_s"], 2, " s")
        if r["config_attempts"]:
            ready += f" ({r['config_attempts']} config retries)"
        table.append([k, r["language"], fmt(r["idle_mem"]), fmt(r["peak_mem"]), fmt(r["load_mem_mean"]),
                      fmt(r["idle_cpu"]), fmt(r["load_cpu_mean"]), fmt(r["peak_cpu"]),
                      fmt_mb(r["image_bytes"]), ready, fmt_age(r["age_s"])])
    doc.table(["service", "kind", "idle MiB", "peak MiB (load)", "mean MiB (full load)",
               "idle CPU %", "mean CPU % (full load)", "peak CPU %", "image", "start → ready",
               "task up for"],
              table, ["l", "l"] + ["r"] * 7 + ["l", "r"])
    doc.p(f"Whole machine: CPU {fmt(host_idle)} % idle, {fmt(mean(host_full))} % mean and "
          f"{fmt(max(host_full, default=None))} % peak at full load, of {ncpu * 100} %.")
    busiest = sorted(((rows[k]["load_cpu_mean"] or 0, k) for k in keys), reverse=True)[:3]
    if busiest and busiest[0][0] > 0:
        doc.p("Busiest containers at full load (mean CPU): " +
              ", ".join(f"{k} {c:.0f} %" for c, k in busiest) + ".")
    if after_points:
        labels = [label for _, label in after_points]
        doc.p(f"Idle after the load: memory (MiB, mean of the samples within 5 s) at {', '.join(labels)} "
              f"after the load's end (AFTER={after:g} s), beside the idle baseline before it and the "
              "peak. Does each service give back what the load made it take?" +
              (" **An e2e run or a deploy was going on after the load: these figures are disturbed.**"
               if any(smp.get("others_busy") for smp in samples if smp["t"] > load_end) else ""))
        doc.table(["service", "kind", "idle MiB (before)", "peak MiB (load)"] + [f"MiB {lab} after" for lab in labels],
                  [[k, rows[k]["language"], fmt(rows[k]["idle_mem"]), fmt(rows[k]["peak_mem"])] +
                   [fmt(rows[k]["after_mem"].get(lab)) for lab in labels] for k in keys],
                  ["l", "l"] + ["r"] * (2 + len(labels)))

    # --- observability (issue 12)
    if "prometheus" in rows:
        r = rows["prometheus"]
        services = [k for k in keys if base_service(k) in GO + JVM + ["turbine", "rabbitmq", "postgres"]]
        svc_idle = sum(rows[k]["idle_mem"] or 0 for k in services)
        svc_peak = sum(rows[k]["peak_mem"] or 0 for k in services)
        doc.p(f"Observability: Prometheus (scraping every replica every 10 s) took {fmt(r['idle_mem'])} MiB "
              f"idle and {fmt(r['peak_mem'])} MiB at peak, CPU {fmt(r['idle_cpu'])} % idle, "
              f"{fmt(r['load_cpu_mean'])} % mean and {fmt(r['peak_cpu'])} % peak under load; the "
              f"services themselves {fmt(svc_idle)} MiB idle and {fmt(svc_peak)} MiB at peak (sum of "
              "their containers).")

    # --- Go vs JVM
    def group(names, field):
        vals = [rows[n][field] for n in names if n in rows and rows[n][field] is not None]
        return vals

    def stat_cell(vals, digits=1, unit=""):
        if not vals:
            return "n/a", None
        m = mean(vals)
        if len(vals) == 1:
            return f"{vals[0]:.{digits}f}{unit}", m
        return f"{m:.{digits}f}{unit} ({min(vals):.{digits}f}-{max(vals):.{digits}f})", m

    doc.h("Go against the JVM")
    doc.p(f"Go: {', '.join(n for n in GO if n in rows)}. JVM: {', '.join(n for n in JVM if n in rows)}. "
          "Means of each group, range in brackets; the ratio is JVM mean / Go mean.")
    gv_rows = []
    for label, field, digits, unit, scale in [
            ("idle memory, MiB", "idle_mem", 1, "", 1), ("peak memory under load, MiB", "peak_mem", 1, "", 1),
            ("start → ready, s", "ready_s", 2, "", 1), ("image size, MB", "image_bytes", 1, "", 1e-6)]:
        # A Go task that started before the config server measured the config server's start.
        go_names = [n for n in GO if not (field == "ready_s" and n in rows and rows[n]["config_attempts"])]
        if field == "ready_s" and len(go_names) < len(GO):
            label += " (Go: tasks that did not wait for the config server)"
        gvals = [v * scale for v in group(go_names, field)]
        jvals = [v * scale for v in group(JVM, field)]
        gcell, gm = stat_cell(gvals, digits, unit)
        jcell, jm = stat_cell(jvals, digits, unit)
        gv_rows.append([label, gcell, jcell, ratio(jm, gm)])
    doc.table(["", "Go", "JVM", "JVM / Go"], gv_rows)
    go_name, jvm_name = PAIR
    if go_name in rows and jvm_name in rows:
        g, j = rows[go_name], rows[jvm_name]
        pair_rows = [
            ["idle memory, MiB", fmt(g["idle_mem"]), fmt(j["idle_mem"]), ratio(j["idle_mem"], g["idle_mem"])],
            ["peak memory under load, MiB", fmt(g["peak_mem"]), fmt(j["peak_mem"]), ratio(j["peak_mem"], g["peak_mem"])],
            ["mean CPU at full load, %", fmt(g["load_cpu_mean"]), fmt(j["load_cpu_mean"]),
             ratio(j["load_cpu_mean"], g["load_cpu_mean"])],
            ["start → ready, s", fmt(g["ready_s"], 2) + (" (waited for the config server)" if g["config_attempts"] else ""),
             fmt(j["ready_s"], 2), "n/a" if g["config_attempts"] else ratio(j["ready_s"], g["ready_s"])],
            ["image size, MB", fmt((g["image_bytes"] or 0) / 1e6), fmt((j["image_bytes"] or 0) / 1e6),
             ratio(j["image_bytes"], g["image_bytes"])],
        ]
        by_name = {name: s for name, s in stats}
        gs = next((s for n, s in by_name.items() if n.startswith(go_name + " ")), None)
        js = next((s for n, s in by_name.items() if n.startswith(jvm_name + " ")), None)
        if gs and js:
            for lab, fld in [("p50 ms", "p50"), ("p99 ms", "p99"), ("max ms", "max")]:
                pair_rows.append([f"latency {lab}", fmt_ms(gs[fld]), fmt_ms(js[fld]), ratio(js[fld], gs[fld])])
            pair_rows.append(["failed requests", gs["ko"], js["ko"], ""])
        doc.p(f"The twins: {go_name} (Go) and {jvm_name} (Spring Boot), both trivial JSON endpoints.")
        doc.table(["", go_name, jvm_name, "JVM / Go"], pair_rows)

    # --- the tuned JVM (issue 13, item 4)
    rate = meta.get("rate_per_service")
    if go_name in rows and jvm_name in rows and TUNED in rows:
        names = [go_name, jvm_name, TUNED]
        by_name = {name: s for name, s in stats}

        def request_stats(name):
            return next((s for n, s in by_name.items() if n.startswith(name + " ")), None)

        def cpu_per_request(name):
            c = rows[name]["load_cpu_mean"]
            return c / 100 * 1e6 / rate if c is not None and rate else None

        table_rows = [
            ["idle memory, MiB"] + [fmt(rows[n]["idle_mem"]) for n in names],
            ["peak memory under load, MiB"] + [fmt(rows[n]["peak_mem"]) for n in names],
        ]
        for label in rows[go_name]["after_mem"]:
            table_rows.append([f"memory {label} after the load, MiB"] +
                              [fmt(rows[n]["after_mem"].get(label)) for n in names])
        table_rows += [
            [f"CPU per request at {rate} req/s, µs (mean CPU at full load ÷ rate)"] +
            [fmt(cpu_per_request(n), 0) for n in names],
            ["start → ready, s"] + [fmt(rows[n]["ready_s"], 2) +
                                    (" (waited for the config server)" if rows[n]["config_attempts"] else "")
                                    for n in names],
            ["image size, MB"] + [fmt((rows[n]["image_bytes"] or 0) / 1e6) for n in names],
        ]
        for lab, fld in [("p50 ms", "p50"), ("p99 ms", "p99")]:
            table_rows.append([f"latency {lab}"] + [fmt_ms((request_stats(n) or {}).get(fld)) for n in names])
        doc.p(f"The JVM at its default and at its best: {TUNED} is the same quotes-service jar with "
              "the settings a careful JVM user would pick for a small service (Serial GC, 64 MiB "
              "heap, C1 only, class-data sharing archive; deploy/jvm-tuned.Dockerfile), loaded at "
              "the same rate at the same time.")
        doc.table(["", f"{go_name} (Go)", f"{jvm_name} (JVM, untuned)", f"{TUNED} (JVM, tuned)"],
                  table_rows)
        doc.table(["ratio to Go", "untuned JVM / Go", "tuned JVM / Go"], [
            ["idle memory", ratio(rows[jvm_name]["idle_mem"], rows[go_name]["idle_mem"]),
             ratio(rows[TUNED]["idle_mem"], rows[go_name]["idle_mem"])],
            ["peak memory", ratio(rows[jvm_name]["peak_mem"], rows[go_name]["peak_mem"]),
             ratio(rows[TUNED]["peak_mem"], rows[go_name]["peak_mem"])],
            ["CPU per request", ratio(cpu_per_request(jvm_name), cpu_per_request(go_name)),
             ratio(cpu_per_request(TUNED), cpu_per_request(go_name))],
            ["start → ready"] + (["n/a (Go waited for the config server)"] * 2 if rows[go_name]["config_attempts"]
                                 else [ratio(rows[jvm_name]["ready_s"], rows[go_name]["ready_s"]),
                                       ratio(rows[TUNED]["ready_s"], rows[go_name]["ready_s"])]),
        ])

    # --- targets
    doc.h("Targets of issue 5")
    targets = []
    go_idle = group(GO, "idle_mem")
    go_peak = group(GO, "peak_mem")
    jvm_idle = group(JVM, "idle_mem")
    if go_idle:
        worst = max(go_idle)
        targets.append(["Go service idle ≤ 8 MiB", f"max {worst:.1f} MiB", "met" if worst <= 8 else "missed"])
    if go_peak:
        worst = max(go_peak)
        targets.append(["Go service ≤ 40 MiB under load", f"max {worst:.1f} MiB at {meta.get('label', '')}",
                        "met" if worst <= 40 else "missed"])
    go_after = [rows[n]["after_mem"].get("2 min") for n in GO if n in rows]
    go_after = [v for v in go_after if v is not None]
    if go_after:
        worst = max(go_after)
        targets.append(["Go service ≤ 8 MiB 2 min after the load (issue 13)", f"max {worst:.1f} MiB",
                        "met" if worst <= 8 else "missed"])
    if go_idle and jvm_idle:
        r = mean(jvm_idle) / mean(go_idle)
        targets.append(["JVM/Go idle memory ≥ 30x", f"{r:.1f}x (means)", "met" if r >= 30 else "missed"])
    if sim == "GetAccounts" and stats:
        p99 = stats[0][1]["p99"]
        users = meta.get("users")
        label = f"{p99:.0f} ms at {users} users"
        verdict = ("met" if p99 <= 50 else "missed") if str(users) == "100" else "(target is at 100 users)"
        targets.append(["p99 through the edge ≤ 50 ms at 100 users", label, verdict])
    go_ready = [(n, rows[n]["ready_s"], rows[n]["config_attempts"]) for n in GO if n in rows and rows[n]["ready_s"] is not None]
    if go_ready:
        own = [r for n, r, a in go_ready if not a]
        waited = [n for n, r, a in go_ready if a]
        jr = group(JVM, "ready_s")
        text = (f"Go max {max(own):.2f} s" if own else "every Go task waited for the config server") + \
               (f"; JVM {min(jr):.0f}-{max(jr):.0f} s" if jr else "")
        if waited:
            text += f" ({', '.join(waited)} started before the config server and waited for it)"
        targets.append(["Go start → healthy < 1 s (to the ready log line; Docker's first probe comes "
                        "one interval after the start)", text,
                        ("met" if own and max(own) < 1 else "missed") if own else "not measured here"])
    doc.table(["target", "measured", ""], targets, ["l", "l", "l"])

    # --- charts
    phases = [("idle", idle_start, idle_end, "#f4f4f4"), ("ramp", load_start, full_start, "#fff4dd"),
              ("full load", full_start, load_end, "#ffe9c4")]
    if after and load_end:
        phases.append(("after", load_end, load_end + after, "#eef6ee"))
    mem_lines = [(k, color(k, i), [(t, m) for t, m, _ in per_service[k]]) for i, k in enumerate(keys)]
    cpu_lines = [(k, color(k, i), [(t, c) for t, _, c in per_service[k]]) for i, k in enumerate(keys)]
    host_line = ("whole machine", "#000000", [(s["t"], s["host_cpu"]) for s in samples])
    mem_svg = svg_chart(f"Memory per service, MiB (log scale): {sim} {meta.get('label', '')}",
                        mem_lines, t0, phases, "MiB", True)
    cpu_svg = svg_chart(f"CPU per service, % of one core: {sim} {meta.get('label', '')}",
                        cpu_lines, t0, phases, "% CPU", False, y_max_hint=100 * (ncpu or 2),
                        extra_line=host_line)
    with open(os.path.join(run_dir, "memory.svg"), "w") as f:
        f.write(mem_svg)
    with open(os.path.join(run_dir, "cpu.svg"), "w") as f:
        f.write(cpu_svg)
    doc.h("Charts")
    doc.raw_html(mem_svg + "\n" + cpu_svg, "![memory over time](memory.svg)\n\n![CPU over time](cpu.svg)")

    with open(os.path.join(run_dir, "summary.md"), "w") as f:
        f.write(doc.markdown())
    with open(os.path.join(run_dir, "summary.html"), "w") as f:
        f.write(doc.html())
    with open(os.path.join(run_dir, "summary.json"), "w") as f:
        json.dump({"meta": meta, "requests": dict(stats), "full_load_rps": full_rps,
                   "counters": {k: v for k, v in marks.items() if k not in ("start", "end")},
                   "host_cpu": {"idle": host_idle, "full_mean": mean(host_full),
                                "full_peak": max(host_full, default=None)},
                   "services": rows, "targets": targets, "errors": errors}, f, indent=1)
    failed = stats[0][1]["ko"] if stats else None
    print(f"report: {run_dir}/summary.md ({'no statistics' if failed is None else f'{failed} failed requests'})")


def cmd_settle(spec):
    """settle MAX_SECONDS:THRESHOLD -- wait until the whole machine's CPU, over 10 s, is below
    THRESHOLD % (of one core), at most MAX_SECONDS; print the last 10 s mean."""
    max_s, threshold = (float(x) for x in spec.split(":"))
    deadline = time.time() + max_s
    window_values = []
    prev = host_cpu_times()
    ncpu = os.cpu_count() or 1
    while True:
        time.sleep(1)
        total, idle = host_cpu_times()
        dt_total = total - prev[0]
        window_values.append(100.0 * ncpu * (1 - (idle - prev[1]) / dt_total) if dt_total else 0.0)
        prev = (total, idle)
        window_values = window_values[-10:]
        level = mean(window_values)
        if len(window_values) == 10 and level < threshold:
            break
        if time.time() > deadline:
            break
    print(f"{level:.0f}")


def cmd_startup(run_dir):
    """startup.md and startup.json from the facts-<service>.json that startup.sh collected."""
    rows, out = [], {}
    for name in sorted(os.listdir(run_dir)):
        m = re.fullmatch(r"facts-(.+)\.json", name)
        if not m:
            continue
        svc = m.group(1)
        f = json.load(open(os.path.join(run_dir, name)))["services"].get(svc)
        if not f:
            continue
        out[svc] = f
        rows.append([svc, LANGUAGE.get(svc, "?"), fmt(f["ready_s"], 2, " s"),
                     fmt(f["first_probe_ok"], 2, " s"), f"{f['probe_interval_s']:g} s",
                     fmt_mb(f["image_bytes"])])
    go = [out[s]["ready_s"] for s in GO if s in out and out[s]["ready_s"] is not None]
    jvm = [out[s]["ready_s"] for s in JVM if s in out and out[s]["ready_s"] is not None]
    doc = Doc("goblog start-up: one service restarted at a time on the warm stack")
    doc.p(f"Run `{os.path.basename(run_dir.rstrip('/'))}`: `docker service update --force` of each service "
          "in turn; the rest of the stack up and idle. Ready: task start to the service's own "
          "ready log line. Healthy: task start to the end of the first passing Docker probe, "
          "which Docker runs one interval after the start.")
    doc.table(["service", "kind", "start → ready", "start → healthy (probe)", "probe interval", "image"],
              rows, ["l", "l", "r", "r", "r", "r"])
    if go and jvm:
        doc.p(f"JVM / Go start → ready: {mean(jvm) / mean(go):.0f}x "
              f"(Go {max(go):.2f} s, JVM {min(jvm):.1f} s).")
    with open(os.path.join(run_dir, "startup.md"), "w") as fh:
        fh.write(doc.markdown())
    with open(os.path.join(run_dir, "startup.json"), "w") as fh:
        json.dump(out, fh, indent=1)


def main(argv):
    commands = {"sample": cmd_sample, "facts": cmd_facts, "report": cmd_report, "startup": cmd_startup,
                "settle": cmd_settle}
    if len(argv) != 3 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[1]](argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
