#!/usr/bin/env python3
"""Zero egress: runs the product inside a network namespace where every attempt to reach
another machine is seen, and fails when there is one.

The namespace this test makes has loopback up and a default route (IPv4 and IPv6) through a
veth pair into a second namespace, the sink, which records every frame that arrives and answers
every DNS query with its own address (so a lookup is followed by the connection it was for, and
both are seen). The namespace's resolv.conf names the sink as its resolver. Nothing can leave:
the sink has no other interface and forwards nothing. A namespace without a route would refuse
every connection at once and hide the attempt — which is how ONNX Runtime's telemetry went
unseen before.

Every workload runs under `strace -f`, which records connect/sendto/sendmsg/sendmmsg of every
process and thread it starts (with the thread's name and the process's executable), so an
attempt is named, not only counted. Each workload also runs with a fresh, empty $HOME and
working directory: afterwards nothing may be in them but the keyring (and the data directory
where a workload keeps it there).

Before the workloads, a canary proves on every run that the sink and the trace both see an
attempt: one UDP datagram to 192.0.2.7 (TEST-NET-1) and one DNS lookup, which must be reported
as violations by the same code that judges the product.

Usage (root; `make test-egress` runs it; `make package-test` runs it on the installed .deb):
  zero_egress.py [--app BIN] [--with-keyring PATH] [--workloads demo,score-queue,eval,windows,api]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SINK_V4, APP_V4 = "10.203.0.1", "10.203.0.2"
SINK_V6, APP_V6 = "fd00:203::1", "fd00:203::2"
CANARY_HOST = "canary.zero-egress.test"
CANARY_ADDR = ("192.0.2.7", 9)
KEYRING_PASSWORD = "zero egress keyring"
ADMIN_PASSWORD = "a long enough admin password"
# ICMPv6 the kernel sends by itself when an interface comes up (router and neighbour
# solicitations, MLD reports): link housekeeping, not an attempt by any program.
KERNEL_ICMPV6 = {130, 131, 132, 133, 134, 135, 136, 143}
WORKLOADS = ["demo", "score-queue", "eval", "windows", "api"]


def say(message: str) -> None:
    print(f"zero-egress: {message}", flush=True)


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, **kwargs)


# --- the sink (runs inside its own namespace) -----------------------------------------------


def dns_question(payload: bytes) -> tuple[str, int, int] | None:
    """(name, qtype, offset after the question) of a DNS query, or None."""
    if len(payload) < 12:
        return None
    labels, i = [], 12
    while i < len(payload):
        length = payload[i]
        if length == 0:
            i += 1
            break
        if length & 0xC0 or i + 1 + length > len(payload):
            return None
        labels.append(payload[i + 1 : i + 1 + length].decode("ascii", "replace"))
        i += 1 + length
    if i + 4 > len(payload):
        return None
    qtype = struct.unpack("!H", payload[i : i + 2])[0]
    return ".".join(labels), qtype, i + 4


def dns_answer(query: bytes) -> bytes | None:
    """An answer pointing every A query at the sink; other types get an empty answer."""
    question = dns_question(query)
    if question is None:
        return None
    _, qtype, end = question
    flags = 0x8180  # response, recursion desired and available, no error
    answers = b""
    if qtype == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) + socket.inet_aton(SINK_V4)
    header = query[:2] + struct.pack("!HHHHH", flags, 1, 1 if answers else 0, 0, 0)
    return header + query[12:end] + answers


def describe_frame(frame: bytes) -> dict | None:
    """What a frame arriving from the product's namespace was; None for ARP and link noise."""
    if len(frame) < 14:
        return {"kind": "short frame"}
    ethertype = struct.unpack("!H", frame[12:14])[0]
    payload = frame[14:]
    if ethertype == 0x0806:
        return None
    if ethertype == 0x0800 and len(payload) >= 20:
        header = (payload[0] & 0x0F) * 4
        proto, src, dst = payload[9], socket.inet_ntoa(payload[12:16]), socket.inet_ntoa(payload[16:20])
        body = payload[header:]
    elif ethertype == 0x86DD and len(payload) >= 40:
        proto = payload[6]
        src = socket.inet_ntop(socket.AF_INET6, payload[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, payload[24:40])
        body = payload[40:]
        # Hop-by-hop, routing and destination options (MLD reports carry a hop-by-hop header).
        while proto in (0, 43, 60) and len(body) >= 2:
            proto, body = body[0], body[(body[1] + 1) * 8 :]
        if proto == 58 and body and body[0] in KERNEL_ICMPV6:
            return None
    else:
        return {"kind": f"ethertype 0x{ethertype:04x}"}
    record = {"kind": {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}.get(proto, f"ip proto {proto}"), "src": src, "dst": dst}
    if proto in (6, 17) and len(body) >= 4:
        record["sport"], record["dport"] = struct.unpack("!HH", body[:4])
        if proto == 17 and record["dport"] == 53:
            question = dns_question(body[8:])
            if question:
                record["dns"] = question[0]
    return record


def sink(interface: str, log: Path) -> None:
    """Records every frame arriving on `interface` as a JSON line; answers DNS queries."""
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    capture.bind((interface, 0))
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    resolver.bind((SINK_V4, 53))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    with log.open("a") as out:
        out.write(json.dumps({"kind": "ready"}) + "\n")
        out.flush()
        while not stop:
            try:
                readable, _, _ = select.select([capture, resolver], [], [], 0.5)
            except InterruptedError:
                continue
            for sock in readable:
                if sock is resolver:
                    query, peer = resolver.recvfrom(4096)
                    answer = dns_answer(query)
                    if answer:
                        resolver.sendto(answer, peer)
                    continue
                frame, address = capture.recvfrom(65535)
                if address[2] == socket.PACKET_OUTGOING:
                    continue
                record = describe_frame(frame)
                if record:
                    record["at"] = time.time()
                    out.write(json.dumps(record) + "\n")
                    out.flush()


# --- the namespaces -------------------------------------------------------------------------


@dataclass
class Network:
    app: str
    sink: str
    sink_log: Path
    sink_process: subprocess.Popen | None = None

    @staticmethod
    def create(workdir: Path) -> "Network":
        tag = f"{os.getpid() % 100000}"
        net = Network(app=f"ik-egress-{tag}", sink=f"ik-sink-{tag}", sink_log=workdir / "sink.jsonl")
        veth_app, veth_sink = f"ikea{tag}", f"ikes{tag}"
        run("ip", "netns", "add", net.app)
        run("ip", "netns", "add", net.sink)
        run("ip", "link", "add", veth_app, "type", "veth", "peer", "name", veth_sink)
        run("ip", "link", "set", veth_app, "netns", net.app)
        run("ip", "link", "set", veth_sink, "netns", net.sink)
        for ns, dev, v4, v6 in ((net.app, veth_app, APP_V4, APP_V6), (net.sink, veth_sink, SINK_V4, SINK_V6)):
            ip = ("ip", "netns", "exec", ns, "ip")
            run(*ip, "link", "set", "lo", "up")
            run(*ip, "addr", "add", f"{v4}/24", "dev", dev)
            run(*ip, "-6", "addr", "add", f"{v6}/64", "dev", dev, "nodad")
            run(*ip, "link", "set", dev, "up")
        run("ip", "netns", "exec", net.app, "ip", "route", "add", "default", "via", SINK_V4)
        run("ip", "netns", "exec", net.app, "ip", "-6", "route", "add", "default", "via", SINK_V6)
        # `ip netns exec` bind-mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf.
        etc = Path("/etc/netns") / net.app
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(f"nameserver {SINK_V4}\noptions timeout:1 attempts:1\n")
        net.sink_process = subprocess.Popen(
            ["ip", "netns", "exec", net.sink, sys.executable, __file__, "--sink", veth_sink, "--log", str(net.sink_log)]
        )
        deadline = time.monotonic() + 10
        while not (net.sink_log.exists() and "ready" in net.sink_log.read_text()):
            if time.monotonic() > deadline or net.sink_process.poll() is not None:
                raise RuntimeError("the sink did not start")
            time.sleep(0.05)
        return net

    def frames(self) -> list[dict]:
        lines = self.sink_log.read_text().splitlines() if self.sink_log.exists() else []
        return [r for r in map(json.loads, lines) if r["kind"] != "ready"]

    def destroy(self) -> None:
        if self.sink_process and self.sink_process.poll() is None:
            self.sink_process.terminate()
            try:
                self.sink_process.wait(5)
            except subprocess.TimeoutExpired:
                self.sink_process.kill()
        for ns in (self.app, self.sink):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(Path("/etc/netns") / self.app, ignore_errors=True)


# --- the trace ------------------------------------------------------------------------------

SYSCALLS = ("connect", "sendto", "sendmsg", "sendmmsg")
LINE = re.compile(r"^(\d+)<([^>]*)> (.*)$")
CALL = re.compile(r"^(?:<\.\.\. )?(\w+)(?:\(| resumed>)(.*)$")
INET = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
INET6 = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"')
NEW_TASK = re.compile(r"= (\d+)(?:<[^>]*>)?$")


@dataclass
class Attempt:
    process: str
    thread: str
    tid: int
    syscall: str
    address: str
    port: int
    result: str

    def __str__(self) -> str:
        return (
            f"{self.syscall} to {self.address} port {self.port} ({self.result}) by process {self.process}, "
            f"thread {self.thread!r} (tid {self.tid})"
        )


@dataclass
class TraceSummary:
    calls: int = 0
    unix_or_netlink: int = 0
    loopback: int = 0
    violations: list[Attempt] = field(default_factory=list)


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def judge_trace(path: Path, allowed: set[tuple[str, int]] | None) -> TraceSummary:
    """Every socket address a traced task sent to or connected to; those outside loopback (or,
    when `allowed` is given, outside those exact addresses) are violations."""
    summary = TraceSummary()
    tgid: dict[int, int] = {}
    exe: dict[int, str] = {}
    pending: dict[int, str] = {}
    for raw in path.read_text(errors="replace").splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        tid, comm, rest = int(m[1]), m[2], m[3]
        tgid.setdefault(tid, tid)
        if rest.endswith("<unfinished ...>"):
            pending[tid] = rest[: -len("<unfinished ...>")]
            continue
        if rest.startswith("<... "):
            rest = pending.pop(tid, "") + rest.split("resumed>", 1)[-1]
        call = CALL.match(rest)
        if not call:
            continue
        name = call[1]
        if name in ("clone", "clone3", "fork", "vfork"):
            child = NEW_TASK.search(rest)
            if child:
                child_tid = int(child[1])
                if "CLONE_THREAD" in rest:
                    tgid[child_tid] = tgid[tid]
                else:
                    tgid[child_tid] = child_tid
                    exe[child_tid] = exe.get(tgid[tid], comm)
            continue
        if name == "execve":
            target = re.match(r'execve\("([^"]*)"', rest)
            if target and rest.rstrip().endswith("= 0"):
                exe[tgid[tid]] = target[1]
            continue
        if name not in SYSCALLS:
            continue
        summary.calls += 1
        result = rest.rsplit("= ", 1)[-1] if "= " in rest else "?"
        found = [(a, int(p)) for p, a in INET.findall(rest)] + [(a, int(p)) for p, a in INET6.findall(rest)]
        if not found:
            summary.unix_or_netlink += 1
            continue
        for address, port in found:
            ok = (address, port) in allowed if allowed is not None else is_loopback(address)
            if ok:
                summary.loopback += 1
            else:
                process = exe.get(tgid[tid], f"pid {tgid[tid]}")
                summary.violations.append(Attempt(process, comm, tid, name, address, port, result.strip()))
    return summary


# --- workloads ------------------------------------------------------------------------------


@dataclass
class Context:
    app: Path
    with_keyring: Path
    net: Network
    workdir: Path
    failures: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)


def traced(
    ctx: Context, name: str, argv: list[str], env: dict[str, str], seconds: int, allowed=None, home_of: str | None = None
) -> tuple[int, str]:
    """Runs `argv` in the product's namespace under strace with a fresh $HOME (or the $HOME of
    the earlier workload `home_of`, whose keyring it needs) and working directory; judges the
    trace and what was left in $HOME and the working directory."""
    home = ctx.workdir / (home_of or name) / "home"
    cwd = ctx.workdir / name / "cwd"
    # What a login session provides (systemd's /run/user/UID): GLib's dconf client keeps its
    # per-session flag file there, or under ~/.cache without one.
    runtime = ctx.workdir / name / "runtime"
    home.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True)
    runtime.mkdir(mode=0o700, parents=True)
    trace = ctx.workdir / name / "strace.txt"
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
        "INTERVIEW_KIOSK_KEYRING_PASSWORD": KEYRING_PASSWORD,
        "INTERVIEW_KIOSK_PASSWORD": ADMIN_PASSWORD,
        "TMPDIR": str(ctx.workdir / name),
    }
    frames_before = len(ctx.net.frames())
    started = time.monotonic()
    # --seccomp-bpf stops only at the traced calls, so the product runs at nearly full speed.
    command = [
        "ip", "netns", "exec", ctx.net.app,
        "strace", "-f", "--seccomp-bpf", "-qq", "-Y", "-s", "256", "-e", "signal=none",
        "-e", "trace=" + ",".join(SYSCALLS + ("execve", "clone", "clone3", "fork", "vfork")),
        "-o", str(trace), "--",
        "env", "-i", *[f"{k}={v}" for k, v in {**base, **env}.items()], *argv,
    ]  # fmt: skip
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=seconds)
        status, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        status, output = -1, f"timed out after {seconds} s\n{expired.stdout or ''}{expired.stderr or ''}"
    elapsed = time.monotonic() - started
    summary = judge_trace(trace, allowed)
    frames = ctx.net.frames()[frames_before:]
    keyring = home / ".local/share/keyrings"
    data = {Path(v) for k, v in env.items() if k == "INTERVIEW_KIOSK_DATA_DIR"}
    left = sorted(
        str(p.relative_to(ctx.workdir))
        for base_dir in (home, cwd)
        for p in base_dir.rglob("*")
        if p.is_file() and keyring not in p.parents and not any(d in p.parents for d in data)
    )
    ctx.rows.append((name, f"{elapsed:.1f}", summary.calls, summary.unix_or_netlink, summary.loopback,
                     len(summary.violations), len(frames), len(left)))  # fmt: skip
    if status != 0:
        ctx.failures.append(f"{name}: exited with {status}\n{output[-3000:]}")
    for attempt in summary.violations:
        ctx.failures.append(f"{name}: {attempt}")
    for frame in frames:
        ctx.failures.append(f"{name}: a packet left the namespace: {frame}")
    for path in left:
        ctx.failures.append(f"{name}: a file was created outside the data directory and the keyring: {path}")
    return status, output


def canary(ctx: Context) -> None:
    """The sink and the trace must see an attempt; otherwise nothing this test says is proof."""
    probe = (
        "import socket\n"
        f"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'canary', {CANARY_ADDR!r})\n"
        f"print(socket.gethostbyname({CANARY_HOST!r}))\n"
    )
    inner = Context(ctx.app, ctx.with_keyring, ctx.net, ctx.workdir)
    status, output = traced(inner, "canary", [sys.executable, "-c", probe], {}, 30)
    seen = ctx.net.frames()
    datagram = any(f.get("dst") == CANARY_ADDR[0] and f.get("dport") == CANARY_ADDR[1] for f in seen)
    lookup = any(f.get("dns") == CANARY_HOST for f in seen)
    traced_attempts = [f for f in inner.failures if "sendto to 192.0.2.7 port 9" in f]
    answered = SINK_V4 in output
    if not (status == 0 and datagram and lookup and traced_attempts and answered):
        raise SystemExit(
            f"zero-egress: FAILED: the canary was not seen (datagram {datagram}, lookup {lookup}, "
            f"traced {bool(traced_attempts)}, answered {answered}); this run proves nothing\n{output}"
        )
    say(f"canary seen by the sink (datagram and DNS query) and by the trace ({traced_attempts[0].split(': ', 1)[1]})")
    ctx.net.sink_log.write_text("")


def cli_env(ctx: Context, data: Path) -> dict[str, str]:
    return {"INTERVIEW_KIOSK_DATA_DIR": str(data)}


def wl_demo(ctx: Context) -> None:
    data = ctx.workdir / "demo-data"
    status, output = traced(ctx, "demo", [str(ctx.with_keyring), str(ctx.app), "--lang", "en", "demo"], cli_env(ctx, data), 600)
    if status == 0 and "offline scoring" not in output:
        ctx.failures.append(f"demo: no scoring stage in its output\n{output[-2000:]}")


def wl_score_queue(ctx: Context) -> None:
    data = ctx.workdir / "queue-data"
    env = {**cli_env(ctx, data), "INTERVIEW_KIOSK_PASSWORD": "demo-password-2026"}
    # The demo up to the recorded interview; its answers stay in the scoring queue.
    status, output = traced(
        ctx, "demo-recording", [str(ctx.with_keyring), str(ctx.app), "--lang", "en", "demo", "--stop-after-recording"], env, 600
    )
    if status != 0:
        return
    script = (
        f'{ctx.app} --lang en score --queue --user clerk && {ctx.app} --lang en vault status --user admin'
    )
    status, output = traced(
        ctx, "score-queue", [str(ctx.with_keyring), "bash", "-c", script], env, 600, home_of="demo-recording"
    )
    if status == 0 and not re.search(r"[1-9]\d* scoring jobs done; 0 waiting, 0 failed", output):
        ctx.failures.append(f"score-queue: the queue was not worked through\n{output[-2000:]}")


def wl_eval(ctx: Context) -> None:
    data = ctx.workdir / "eval-data"
    argv = [str(ctx.with_keyring), str(ctx.app), "--lang", "en", "eval", str(ROOT / "tests/labelled/en"), "--speak"]
    status, output = traced(ctx, "eval-speak", argv, cli_env(ctx, data), 900)
    if status == 0 and "Spearman" not in output and "spearman" not in output:
        ctx.failures.append(f"eval-speak: no agreement figures in its output\n{output[-2000:]}")


def wl_api(ctx: Context) -> None:
    data = ctx.workdir / "api-data"
    port = 18787
    app = ctx.app
    script = f"""
set -euo pipefail
{app} --lang en vault init --admin admin >/dev/null
token=$({app} --lang en api token create --name HRMS --scope results:read --user admin | grep -o 'ikt_[A-Za-z0-9_-]*')
{app} --lang en api serve --listen 127.0.0.1:{port} --user admin &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:{port}/ && break; sleep 0.1; done
ok=$(curl -s -o /dev/null -w '%{{http_code}}' -H "Authorization: Bearer $token" http://127.0.0.1:{port}/api/v1/results)
refused=$(curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{port}/api/v1/results)
kill -TERM $server; wait $server
echo "answered $ok $refused"
"""
    status, output = traced(
        ctx, "api-serve", [str(ctx.with_keyring), "bash", "-c", script], cli_env(ctx, data), 300,
        allowed={("127.0.0.1", port)},
    )  # fmt: skip
    if status == 0 and "answered 200 401" not in output:
        ctx.failures.append(f"api-serve: the API did not answer as expected\n{output[-2000:]}")


def e2e_binary() -> Path:
    out = subprocess.run(
        ["cargo", "test", "-p", "e2e", "--no-run", "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") and message["target"]["kind"] == ["test"]:
            return Path(message["executable"])
    raise RuntimeError("no e2e test binary")


def wl_windows(ctx: Context) -> None:
    """The staff window and the kiosk window under Xvfb, through WebDriver: the clerk prepares,
    a candidate takes the interview at the kiosk, scoring runs in the background, the clerk
    reviews and decides, the auditor checks (the end-to-end test of the workspace)."""
    test = "workspace::a_clerk_hires_through_the_workspace_and_an_auditor_checks_it"
    cargo_home = os.environ.get("CARGO_HOME") or str(Path.home() / ".cargo")
    env = {"CARGO_HOME": cargo_home, "INTERVIEW_KIOSK_BIN": str(ctx.app)}
    status, output = traced(ctx, "windows", [str(e2e_binary()), test, "--exact", "--test-threads", "1"], env, 900)
    if status == 0 and "1 passed" not in output:
        ctx.failures.append(f"windows: the end-to-end test did not run\n{output[-2000:]}")


RUNNERS = {"demo": wl_demo, "score-queue": wl_score_queue, "eval": wl_eval, "windows": wl_windows, "api": wl_api}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", type=Path, default=ROOT / "target/debug/interview-kiosk")
    parser.add_argument("--with-keyring", type=Path, default=ROOT / "installer/with-keyring")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--keep", action="store_true", help="keep the traces and homes")
    parser.add_argument("--sink", help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(args.sink, args.log)
        return 0
    if os.geteuid() != 0:
        print("zero-egress: needs root (network namespaces)", file=sys.stderr)
        return 1
    for tool in ("ip", "strace"):
        if not shutil.which(tool):
            print(f"zero-egress: {tool} is missing: run installer/setup.sh", file=sys.stderr)
            return 1
    chosen = [w for w in args.workloads.split(",") if w]
    unknown = [w for w in chosen if w not in RUNNERS]
    if unknown:
        print(f"zero-egress: unknown workloads {unknown}; known: {WORKLOADS}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="zero-egress-"))
    os.chmod(workdir, 0o755)
    net = Network.create(workdir)
    ctx = Context(args.app.resolve(), args.with_keyring.resolve(), net, workdir)
    try:
        canary(ctx)
        for name in chosen:
            say(f"{name} …")
            RUNNERS[name](ctx)
    finally:
        net.destroy()
        if args.keep:
            say(f"traces kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    header = ("workload", "seconds", "socket calls", "unix/netlink", "loopback", "other", "packets out", "stray files")
    widths = [max(len(str(r[i])) for r in [header, *ctx.rows]) for i in range(len(header))]
    for row in [header, *ctx.rows]:
        print("  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in enumerate(zip(row, widths))))
    if ctx.failures:
        for failure in ctx.failures:
            print(f"zero-egress: FAILED: {failure}", file=sys.stderr)
        return 1
    say(f"ok — {len(ctx.rows)} workloads, not one attempt beyond loopback, nothing written outside the data directory and the keyring")
    return 0


if __name__ == "__main__":
    sys.exit(main())
