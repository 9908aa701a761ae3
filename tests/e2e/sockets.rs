//! Which TCP/UDP ports a process tree listens on, read from /proc (Linux): a process's socket
//! inodes from `/proc/<pid>/fd`, matched against `/proc/net/{tcp,tcp6,udp,udp6}`.

use std::collections::HashSet;
use std::path::Path;

/// A bound socket: protocol, local address as /proc prints it (hex), port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listening {
    pub pid: u32,
    pub protocol: &'static str,
    pub port: u16,
}

fn parent_of(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse().ok())
}

/// `root` and every process descended from it.
pub fn tree(root: u32) -> Vec<u32> {
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let mut members = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for &pid in &all {
            if !members.contains(&pid) && parent_of(pid).is_some_and(|p| members.contains(&p)) {
                members.push(pid);
                grew = true;
            }
        }
    }
    members
}

fn socket_inodes(pid: u32) -> HashSet<u64> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return HashSet::new() };
    fds.filter_map(|fd| {
        let target = std::fs::read_link(fd.ok()?.path()).ok()?;
        let text = target.to_str()?;
        text.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    })
    .collect()
}

/// Listening TCP sockets and bound UDP sockets of the processes `pids`.
pub fn listening(pids: &[u32]) -> Vec<Listening> {
    let mut out = Vec::new();
    for &pid in pids {
        let inodes = socket_inodes(pid);
        if inodes.is_empty() {
            continue;
        }
        for (protocol, table) in [("tcp", "tcp"), ("tcp6", "tcp6"), ("udp", "udp"), ("udp6", "udp6")] {
            let Ok(text) = std::fs::read_to_string(Path::new("/proc/net").join(table)) else { continue };
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() < 10 {
                    continue;
                }
                // TCP state 0A is LISTEN; a UDP socket with a local port is bound (07 = unconnected).
                let bound = if protocol.starts_with("tcp") { f[3] == "0A" } else { f[3] == "07" };
                let inode: u64 = f[9].parse().unwrap_or(0);
                if bound && inodes.contains(&inode) {
                    let port = f[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()).unwrap_or(0);
                    out.push(Listening { pid, protocol, port });
                }
            }
        }
    }
    out
}

/// The processes running `exe` whose environment has `KEY=value`.
pub fn processes_of(exe: &Path, key: &str, value: &str) -> Vec<u32> {
    let wanted = format!("{key}={value}");
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/environ"))
                        .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == wanted.as_bytes()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The value of `key` in a process's environment.
pub fn env_of(pid: u32, key: &str) -> Option<String> {
    let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{key}=");
    env.split(|b| *b == 0)
        .find_map(|kv| kv.strip_prefix(prefix.as_bytes()).map(|v| String::from_utf8_lossy(v).into_owned()))
}

/// Whether every socket listening on TCP `port` is bound to a loopback address.
pub fn loopback_only(port: u16) -> bool {
    let suffix = format!(":{port:04X}");
    let mut found = false;
    for table in ["tcp", "tcp6"] {
        let Ok(text) = std::fs::read_to_string(Path::new("/proc/net").join(table)) else { continue };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" || !f[1].ends_with(&suffix) {
                continue;
            }
            found = true;
            let local = f[1].split(':').next().unwrap_or("");
            // 127.x.x.x is stored little-endian (…7F); ::1 is 0…01000000.
            let loopback =
                if table == "tcp" { local.ends_with("7F") } else { local == "00000000000000000000000001000000" };
            if !loopback {
                return false;
            }
        }
    }
    found
}
