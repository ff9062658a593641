//! The dev server under hostile load, against the real binary on
//! 127.0.0.1: slow-loris clients and idle connections beyond the cap are
//! closed and never lock out a real request, and traversal probes (also
//! through a symlink leaving the site) reveal nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::{Fixture, raw_get};

const SECRET: &str = "SECRET-OUTSIDE-THE-SITE";

/// Connections the tests open beyond the cap.
const CAP: usize = 32;
const TIMEOUT_MS: u64 = 800;

fn site() -> Fixture {
    let f = Fixture::new(&format!(
        "title = \"Limits\"\nbase_url = \"\"\n[serve]\nrequest_timeout_ms = {TIMEOUT_MS}\nmax_connections = {CAP}\n"
    ));
    f.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    f
}

/// Open file descriptors of a process (Linux).
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// True when the server closed `s` (EOF or reset) before `deadline`.
fn closed_by(s: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 response, then the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_loris_connections_are_closed() {
    let f = site();
    let server = f.serve(&[]);
    let n = CAP * 3;
    let started = Instant::now();
    let mut conns: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
            // A request head that never ends.
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // Keep trickling a byte a while; the header timer does not restart.
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(150));
        for s in &mut conns {
            let _ = s.write_all(b"a");
        }
    }
    // The first CAP are served and closed after the timeout, then the next CAP...
    let deadline = started + Duration::from_millis(TIMEOUT_MS * 4 + 5000);
    let closed = conns
        .iter_mut()
        .map(|s| closed_by(s, deadline))
        .filter(|&c| c)
        .count();
    assert_eq!(closed, n, "{closed} of {n} slow connections closed");
    eprintln!(
        "{n} slow-loris connections closed in {:?}",
        started.elapsed()
    );
    // And the server still answers.
    assert_eq!(raw_get(server.port, "/").0, 200);
}

#[test]
fn idle_connections_beyond_the_cap_neither_exhaust_nor_lock_out() {
    let f = site();
    let server = f.serve(&[]);
    let pid = server.child.id();
    let baseline = open_fds(pid);
    let n = CAP * 10;
    let mut idle: Vec<TcpStream> = (0..n)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let held = open_fds(pid).saturating_sub(baseline);
    assert!(
        held <= CAP + 4,
        "the server holds {held} descriptors for {n} idle connections (cap {CAP})"
    );
    // A real request gets through once idle ones time out, well before they all would.
    let started = Instant::now();
    let (status, _, body) = raw_get(server.port, "/a/");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("Text."));
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(TIMEOUT_MS * (n / CAP) as u64 + 3000),
        "waited {waited:?}"
    );
    // Every idle connection is closed in time.
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS * (n / CAP) as u64 + 5000);
    let closed = idle
        .iter_mut()
        .map(|s| closed_by(s, deadline))
        .filter(|&c| c)
        .count();
    assert_eq!(closed, n);
    eprintln!(
        "{n} idle connections, at most {held} held at once, a real request waited {waited:?}"
    );
}

#[test]
fn a_keep_alive_connection_is_closed_when_idle_but_the_event_stream_is_not() {
    let f = site();
    let server = f.serve(&[]);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.write_all(b"GET /a/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events
        .write_all(b"GET /__guidepost/events HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS * 3);
    assert!(
        closed_by(&mut s, deadline),
        "an idle keep-alive connection stays open"
    );
    // The event stream outlives the timeout (it is a response, not a wait for one).
    events
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    while let Ok(n) = events.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).contains("200 OK"));
    events.set_nonblocking(true).unwrap();
    let alive = !matches!(events.read(&mut buf), Ok(0));
    assert!(alive, "the event stream was closed");
}

#[test]
fn traversal_probes_and_outside_symlinks_reveal_nothing() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), SECRET).unwrap();
    let f = site();
    f.write("static/ok.txt", "fine");
    let server = f.serve(&[]);
    assert_eq!(raw_get(server.port, "/ok.txt").0, 200);
    let secret_name = outside.path().join("secret.txt");
    let abs = secret_name.display().to_string();
    let mut probes: Vec<String> = [
        "/leak.txt",
        "/outside/secret.txt",
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/static/../../etc/passwd",
        "//etc/passwd",
        "/./etc/passwd",
        "/a/../../etc/passwd",
        "/%c0%ae%c0%ae/etc/passwd",
        "/..%5c..%5cetc/passwd",
        "/..\\..\\etc\\passwd",
        "/%00",
        "/index.html%00.txt",
        "/guidepost.toml",
        "/content/_index.md",
        "/.guidepost-output",
        "/__guidepost/../guidepost.toml",
        "/__guidepost/%2e%2e/guidepost.toml",
        "/%252e%252e/etc/passwd",
        "/a/%2f%2f/etc/passwd",
        "/etc/passwd",
        "/proc/self/environ",
        "/%2fetc%2fpasswd",
        "/....//....//etc/passwd",
        "/..;/etc/passwd",
        "/a/..%00/etc/passwd",
        "/~/.ssh/id_rsa",
        "/static/leak.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    probes.push(abs.clone());
    probes.push(format!("/..{abs}"));
    probes.push(format!("/%2e%2e{}", abs.replace('/', "%2f")));
    let mut refused = 0;
    for p in &probes {
        let (status, head, body) = raw_get(server.port, p);
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains(SECRET),
            "{p} leaked the secret: {status} {head}"
        );
        assert!(!text.contains("root:x:0:0"), "{p} leaked /etc/passwd");
        assert!(!text.contains("base_url"), "{p} leaked the config");
        assert_ne!(status, 200, "{p} answered 200");
        refused += 1;
    }
    // A symlink out of the site added while serving: the rebuild fails, the
    // last good build stays, and the linked file is never served.
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        f.root().join("static/leak.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), f.root().join("content/outside")).unwrap();
    f.write("static/ok2.txt", "fine too");
    std::thread::sleep(Duration::from_millis(1500));
    for p in ["/leak.txt", "/outside/secret.txt", "/outside/", "/ok2.txt"] {
        let (status, _, body) = raw_get(server.port, p);
        assert!(
            !String::from_utf8_lossy(&body).contains(SECRET),
            "{p} leaked the secret"
        );
        assert_eq!(status, 404, "{p}");
    }
    assert_eq!(
        raw_get(server.port, "/ok.txt").0,
        200,
        "the last good build is still served"
    );
    // A file of the last good build replaced by a symlink out of the site is
    // not read through.
    std::fs::remove_file(f.root().join("static/ok.txt")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        f.root().join("static/ok.txt"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let (status, _, body) = raw_get(server.port, "/ok.txt");
    assert!(
        !String::from_utf8_lossy(&body).contains(SECRET),
        "a swapped-in symlink leaked ({status})"
    );
    eprintln!("{refused} traversal probes refused");
}
