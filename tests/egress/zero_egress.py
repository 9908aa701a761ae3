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
  zero_egress.py [--app BIN] [--with-keyring PATH] [--workloads demo,score-queue,eval,windows,api,office,station-window]
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
CANARY_TCP = ("192.0.2.8", 443)
CANARY_V6 = ("2001:db8::1", 443)
KEYRING_PASSWORD = "zero egress keyring"
ADMIN_PASSWORD = "a long enough admin password"
# ICMPv6 the kernel sends by itself when an interface comes up (router and neighbour
# solicitations, MLD reports): link housekeeping, not an attempt by any program.
KERNEL_ICMPV6 = {130, 131, 132, 133, 134, 135, 136, 143}
WORKLOADS = ["demo", "score-queue", "eval", "windows", "api", "office", "station-window", "kiosk-session"]


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
    def named(workdir: Path) -> "Network":
        tag = f"{os.getpid() % 100000}"
        return Network(app=f"ik-egress-{tag}", sink=f"ik-sink-{tag}", sink_log=workdir / "sink.jsonl")

    def create(self) -> None:
        """Makes the namespaces, the link and the sink ([`destroy`] undoes whatever was made)."""
        net, tag = self, self.app.rsplit("-", 1)[-1]
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
# `PID<comm> call(…)`; strace prints the bare (padded) pid when it could not read the name.
LINE = re.compile(r"^(\d+)(?:<([^>]*)>)?\s+(.*)$")
CALL = re.compile(r"^(?:<\.\.\. )?(\w+)(?:\(| resumed>)(.*)$")
INET = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
INET6 = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"')
UNIX = re.compile(r'sa_family=AF_UNIX, sun_path=(@?)"([^"]*)"')
# Sockets of this run (its own D-Bus, keyring, X server, sound server) and their prefixes.
LOCAL_SOCKETS = ("/tmp/dbus-", "/tmp/.X11-unix/")
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
    unparsed: list[str] = field(default_factory=list)


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def connected(result: str) -> bool:
    """Whether a connect/send got through (0 or a byte count, or a non-blocking connect under
    way) rather than being refused."""
    result = result.strip()
    return not result.startswith("-1") or "EINPROGRESS" in result


def judge_trace(path: Path, allowed: set[tuple[str, int]] | None, workdir: Path) -> TraceSummary:
    """Every socket address a traced task sent to or connected to. Internet addresses outside
    loopback (or, when `allowed` is given, outside those exact addresses) are violations; so is
    a Unix socket outside this run's own (its D-Bus, keyring, X server, files under `workdir`)
    that accepted the connection — a daemon of the host (nscd, resolved, the system bus) could
    reach the network on the caller's behalf. A traced call that cannot be read is a failure too
    (the trace must not fail open)."""
    summary = TraceSummary()
    tgid: dict[int, int] = {}
    exe: dict[int, str] = {}
    pending: dict[int, str] = {}

    def judge(tid: int, comm: str, rest: str, finished: bool) -> None:
        name = CALL.match(rest)[1]  # type: ignore[index]
        summary.calls += 1
        result = rest.rsplit("= ", 1)[-1] if finished and "= " in rest else "? (never returned)"
        process = exe.get(tgid[tid], f"pid {tgid[tid]}")
        found = [(a, int(p)) for p, a in INET.findall(rest)] + [(a, int(p)) for p, a in INET6.findall(rest)]
        for abstract, sun_path in UNIX.findall(rest):
            summary.unix_or_netlink += 1
            ours = sun_path.startswith(LOCAL_SOCKETS) or sun_path.startswith(str(workdir))
            if not ours and connected(result):
                summary.violations.append(
                    Attempt(process, comm, tid, name, f"unix socket {abstract}{sun_path} (a daemon of the host)", 0, result.strip())
                )
        if not found and not UNIX.search(rest):
            summary.unix_or_netlink += 1  # a connected socket (no address), netlink, AF_UNSPEC
            return
        for address, port in found:
            ok = (address, port) in allowed if allowed is not None else is_loopback(address)
            if ok:
                summary.loopback += 1
            else:
                summary.violations.append(Attempt(process, comm, tid, name, address, port, result.strip()))

    for raw in path.read_text(errors="replace").splitlines():
        m = LINE.match(raw)
        if not m:
            if any(f"{call}(" in raw for call in SYSCALLS):
                summary.unparsed.append(raw)
            continue
        tid, comm, rest = int(m[1]), m[2] or "?", m[3]
        tgid.setdefault(tid, tid)
        if rest.endswith("<unfinished ...>"):
            pending[tid] = rest[: -len("<unfinished ...>")]
            continue
        if rest.startswith("<... "):
            if tid not in pending:
                if any(f"<... {call} resumed>" in rest for call in SYSCALLS):
                    summary.unparsed.append(raw)
                continue
            rest = pending.pop(tid) + rest.split("resumed>", 1)[-1]
        call = CALL.match(rest)
        if not call:
            if any(rest.startswith(f"{c}(") for c in SYSCALLS):
                summary.unparsed.append(raw)
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
        if name in SYSCALLS:
            judge(tid, comm, rest, finished=True)
    # A call still blocked when its process ended (a connect to an address that never answers)
    # is judged all the same.
    for tid, rest in pending.items():
        call = CALL.match(rest)
        if call and call[1] in SYSCALLS:
            judge(tid, "?", rest, finished=False)
    return summary


TELEMETRY_FILES = re.compile(r"(^|/)(Microsoft/DeveloperTools|\.onnxruntime)(/|$)|(^|/)onnxruntime\.db")


def telemetry_traces(root: Path) -> list[str]:
    """ONNX Runtime's telemetry files (device id, event queue) anywhere under `root`: in a
    home, a data directory's cache, a temporary directory."""
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if TELEMETRY_FILES.search(str(p.relative_to(root)))
    )


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
    # `env -i` below: the workload sees only these, never the runner's environment, as ONNX
    # Runtime's telemetry stays quiet when a CI variable (CI, GITHUB_ACTIONS, …) is set and the
    # check would then pass in CI whatever the product did (models/cards/onnxruntime.md).
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
    # Its own process group, so that a time-out stops everything it started.
    child = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = child.communicate(timeout=seconds)
        status = child.returncode
    except subprocess.TimeoutExpired:
        # What every process was doing, and the last traced calls, before they are stopped: a
        # hang (seen once in `windows` under package-test) must leave more than its first line.
        ps = subprocess.run(
            ["ps", "-g", str(child.pid), "-o", "pid,stat,etime,wchan:24,args:80"], capture_output=True, text=True
        ).stdout  # fmt: skip
        tail = trace.read_text(errors="replace").splitlines()[-15:] if trace.exists() else []
        os.killpg(child.pid, signal.SIGKILL)
        output, _ = child.communicate()
        status = -1
        output = (
            f"timed out after {seconds} s; its output's end:\n{output[-3000:]}\n-- its processes then:\n{ps}"
            "-- its last traced calls:\n" + "\n".join(line[:160] for line in tail)
        )
    elapsed = time.monotonic() - started
    summary = judge_trace(trace, allowed, ctx.workdir)
    time.sleep(1.0)  # frames still on their way to the sink belong to this workload
    frames = ctx.net.frames()[frames_before:]
    keyring = home / ".local/share/keyrings"
    data = {Path(v) for k, v in env.items() if k == "INTERVIEW_KIOSK_DATA_DIR"}
    keep = {keyring, *data}
    left = sorted(
        str(p.relative_to(ctx.workdir))
        for base_dir in (home, cwd)
        for p in base_dir.rglob("*")
        # A directory counts unless it leads to what may be there (the keyring, a data dir).
        if not any(k == p or k in p.parents or p in k.parents for k in keep)
    )
    left += [f"{t} (ONNX Runtime's telemetry)" for t in telemetry_traces(ctx.workdir / name)]
    left += [f"{t} (ONNX Runtime's telemetry)" for d in data for t in telemetry_traces(d)]
    ctx.rows.append((name, f"{elapsed:.1f}", summary.calls, summary.unix_or_netlink, summary.loopback,
                     len(summary.violations), len(frames), len(left)))  # fmt: skip
    if status != 0:
        ctx.failures.append(f"{name}: exited with {status}\n{output[-12000:]}")
    for attempt in summary.violations:
        ctx.failures.append(f"{name}: {attempt}")
    for line in summary.unparsed:
        ctx.failures.append(f"{name}: a traced call could not be read (the check would miss it): {line}")
    for frame in frames:
        ctx.failures.append(f"{name}: a packet left the namespace: {frame}")
    for path in left:
        ctx.failures.append(f"{name}: a file was created outside the data directory and the keyring: {path}")
    return status, output


def canary(ctx: Context) -> None:
    """The sink and the trace must see every kind of attempt the product could make — a
    datagram, a DNS lookup, a TCP connect from another thread, an IPv6 connect from a forked
    process — each named with its process; otherwise nothing this test says is proof."""
    probe = (
        "import os, socket, threading\n"
        f"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'canary', {CANARY_ADDR!r})\n"
        f"print(socket.gethostbyname({CANARY_HOST!r}))\n"
        "def tcp():\n"
        "    import ctypes; ctypes.CDLL(None).prctl(15, b'canary-tcp', 0, 0, 0)  # PR_SET_NAME\n"
        "    c = socket.socket(); c.settimeout(1)\n"
        f"    try: c.connect(({CANARY_TCP[0]!r}, {CANARY_TCP[1]}))\n"
        "    except OSError: pass\n"
        "t = threading.Thread(target=tcp, name='canary-tcp'); t.start(); t.join()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    c = socket.socket(socket.AF_INET6); c.settimeout(1)\n"
        f"    try: c.connect(({CANARY_V6[0]!r}, {CANARY_V6[1]}))\n"
        "    except OSError: pass\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    inner = Context(ctx.app, ctx.with_keyring, ctx.net, ctx.workdir)
    status, output = traced(inner, "canary", [sys.executable, "-c", probe], {}, 30)
    seen = ctx.net.frames()
    checks = {
        "datagram at the sink": any(f.get("dst") == CANARY_ADDR[0] and f.get("dport") == CANARY_ADDR[1] for f in seen),
        "DNS query at the sink": any(f.get("dns") == CANARY_HOST for f in seen),
        "TCP connect at the sink": any(f.get("dst") == CANARY_TCP[0] and f.get("dport") == CANARY_TCP[1] for f in seen),
        "IPv6 connect at the sink": any(f.get("dst") == CANARY_V6[0] and f.get("dport") == CANARY_V6[1] for f in seen),
        "datagram in the trace": any(f"sendto to {CANARY_ADDR[0]} port {CANARY_ADDR[1]}" in x for x in inner.failures),
        "TCP connect in the trace, by its thread": any(
            f"connect to {CANARY_TCP[0]} port {CANARY_TCP[1]}" in x and "canary-tcp" in x for x in inner.failures
        ),
        "IPv6 connect in the trace, by the forked process": any(
            f"connect to {CANARY_V6[0]} port {CANARY_V6[1]}" in x and "python" in x for x in inner.failures
        ),
        "the lookup answered by the sink": SINK_V4 in output,
    }
    missing = [what for what, ok in checks.items() if not ok]
    if status != 0 or missing:
        raise SystemExit(
            f"zero-egress: FAILED: the canary was not seen ({', '.join(missing) or f'exit {status}'}); "
            f"this run proves nothing\n{output}\n" + "\n".join(inner.failures)
        )
    say(f"canary seen by sink and trace: {', '.join(checks)}")
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


def wl_office(ctx: Context) -> None:
    """The office demo: a hub, two stations and a staff workstation as separate processes, each
    with its own data directory and Secret Service (under the data directory), talking mutual TLS
    on loopback; reqwest, rustls and their platform verifier are new code that could reach out,
    and so is the hub's host of the workstation's staff commands (Tauri's windowless runtime)."""
    data = ctx.workdir / "office-data"
    env = {**cli_env(ctx, data), "INTERVIEW_KIOSK_WITH_KEYRING": str(ctx.with_keyring)}
    status, output = traced(ctx, "office", [str(ctx.app), "--lang", "en", "demo", "--office"], env, 600)
    if status == 0 and "hub stopped, its vault checked" not in output:
        ctx.failures.append(f"office: the demo did not reach its last stage\n{output[-2000:]}")


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


def e2e_workload(ctx: Context, name: str, test: str) -> None:
    """One end-to-end test of the real app, under the trace."""
    cargo_home = os.environ.get("CARGO_HOME") or str(Path.home() / ".cargo")
    env = {"CARGO_HOME": cargo_home, "INTERVIEW_KIOSK_BIN": str(ctx.app)}
    status, output = traced(ctx, name, [str(e2e_binary()), test, "--exact", "--test-threads", "1", "--nocapture"], env, 900)
    if status == 0 and "1 passed" not in output:
        ctx.failures.append(f"{name}: the end-to-end test did not run\n{output[-2000:]}")


def wl_windows(ctx: Context) -> None:
    """The staff window and the kiosk window under Xvfb, through WebDriver: the clerk prepares,
    a candidate takes the interview at the kiosk, scoring runs in the background, the clerk
    reviews and decides, the auditor checks (the end-to-end test of the workspace)."""
    e2e_workload(ctx, "windows", "workspace::a_clerk_hires_through_the_workspace_and_an_auditor_checks_it")


def wl_station_window(ctx: Context) -> None:
    """The kiosk window on a station of a hub (hub and station as processes on loopback): staff
    sign-in at the hub, a whole visit into the journal, the hub killed and back, scoring for the
    hub between visits — the station's TLS client and its scoring worker run in the window."""
    e2e_workload(ctx, "station-window", "office::a_candidate_takes_a_whole_interview_in_a_stations_kiosk_window")


def wl_kiosk_session(ctx: Context) -> None:
    """The kiosk station's session (installer/kiosk-session): the kiosk as the only client of cage,
    the Wayland kiosk compositor, and Xwayland, which the package recommends — new programs that
    could reach out. On cage's headless backend, as `nobody` (cage refuses root), for 10 s; it
    must still be running then. (cage 0.1.4 logs a failed output test every frame here and draws
    nothing; its log goes beside the trace, not into the checked directories.)"""
    name = "kiosk-session"
    data = ctx.workdir / "kiosk-session-data"
    log = ctx.workdir / name / "cage.log"
    script = f"""
set -euo pipefail
chmod 755 {ctx.workdir} {ctx.workdir / name}
mkdir -p {data}
chown -R nobody:nogroup "$HOME" "$XDG_RUNTIME_DIR" "$PWD" {data}
rc=0
WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
  cage -d -- {ctx.app} --data-dir {data} kiosk >{log} 2>&1 || rc=$?
[ "$rc" -eq 124 ] || {{ echo "the kiosk under cage ended by itself (exit $rc)"; grep -v 'output test failed' {log} | tail -20; exit 1; }}
grep -q "starting the desktop app mode=Kiosk" {data}/logs/interview-kiosk.*.log
echo "the kiosk ran 10 s as cage's only client"
"""
    status, output = traced(ctx, name, ["bash", "-c", script], {"INTERVIEW_KIOSK_DATA_DIR": str(data)}, 120)
    if status == 0 and "ran 10 s as cage's only client" not in output:
        ctx.failures.append(f"{name}: the kiosk did not run under cage\n{output[-2000:]}")


RUNNERS = {
    "demo": wl_demo,
    "score-queue": wl_score_queue,
    "eval": wl_eval,
    "windows": wl_windows,
    "api": wl_api,
    "office": wl_office,
    "station-window": wl_station_window,
    "kiosk-session": wl_kiosk_session,
}


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
    net = Network.named(workdir)
    ctx = Context(args.app.resolve(), args.with_keyring.resolve(), net, workdir)
    try:
        net.create()
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
