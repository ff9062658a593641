//! Shared helpers for integration tests: fixture sites in temp dirs, running
//! the real binary, a tiny static file server, and headless Chromium through
//! chromedriver (WebDriver).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A site in a temporary folder.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// An empty site with a minimal `guidepost.toml`.
    pub fn new(config: &str) -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        f.write("guidepost.toml", config);
        f
    }

    /// The site root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the site root, creating folders.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    /// Runs `guidepost <args> --root <site>`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        let root = self.root().to_str().unwrap().to_string();
        all.push("--root");
        all.push(&root);
        guidepost(&all)
    }

    /// Builds and asserts success; returns stderr.
    pub fn build_ok(&self, extra: &[&str]) -> String {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "build failed:\n{err}");
        err
    }

    /// Builds and asserts failure with exit code 1; returns stderr.
    pub fn build_err(&self, extra: &[&str]) -> String {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "expected exit 1, got {:?}:\n{err}",
            out.status
        );
        err
    }

    /// Reads an output file (under `output/`).
    pub fn output(&self, rel: &str) -> String {
        let p = self.root().join("output").join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// True when an output file exists.
    pub fn has_output(&self, rel: &str) -> bool {
        self.root().join("output").join(rel).exists()
    }
}

/// Runs the guidepost binary with `args`.
pub fn guidepost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guidepost"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run guidepost")
}

/// Path of the binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_guidepost"))
}

/// Every file under `dir`, relative, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Serves `dir` over HTTP on 127.0.0.1 (a thread per connection). Every
/// response carries `Content-Security-Policy: default-src 'self'` so pages are
/// tested under the policy intranets use. Returns the base URL.
pub fn serve_dir(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let root = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || handle(stream, &root));
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn handle(mut stream: TcpStream, root: &Path) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split(['?', '#'])
        .next()
        .unwrap()
        .to_string();
    let mut file = root.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        file = file.join("index.html");
    }
    let (status, body, ctype) = match (path.contains(".."), std::fs::read(&file)) {
        (false, Ok(b)) => ("200 OK", b, content_type(&file)),
        _ => (
            "404 Not Found",
            std::fs::read(root.join("404.html")).unwrap_or_default(),
            "text/html; charset=utf-8",
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nContent-Security-Policy: default-src 'self'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// Sends a raw HTTP/1.1 GET for `target` (sent exactly as given, no
/// normalisation) and returns (status, headers, body).
pub fn raw_get(port: u16, target: &str) -> (u16, String, Vec<u8>) {
    raw_request(port, "GET", target)
}

/// [`raw_get`] with any method. GET and HEAD go without a body header, as
/// browsers send them; other methods say `Content-Length: 0`, so that the
/// server answers rather than waiting for a body.
pub fn raw_request(port: u16, method: &str, target: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let length = if matches!(method, "GET" | "HEAD") {
        ""
    } else {
        "Content-Length: 0\r\n"
    };
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{length}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = buf.get(split + 4..).map(<[u8]>::to_vec).unwrap_or_default();
    (status, head, body)
}

/// Whether browser tests must run (CI sets GUIDEPOST_REQUIRE_BROWSER=1).
pub fn browser_required() -> bool {
    std::env::var("GUIDEPOST_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// Finds a program on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// A running chromedriver; killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver, or returns None (skipping) when it is not installed
/// or `GUIDEPOST_NO_BROWSER` is set. Panics instead of skipping when
/// GUIDEPOST_REQUIRE_BROWSER=1.
pub fn chromedriver(test: &str) -> Option<Driver> {
    // `scripts/mutants.sh` sets this: one Chromium per mutant is too slow,
    // and not every test that drives one has `browser` in its name.
    if std::env::var_os("GUIDEPOST_NO_BROWSER").is_some() && !browser_required() {
        eprintln!("SKIPPED {test}: GUIDEPOST_NO_BROWSER is set");
        return None;
    }
    let Some(bin) = which("chromedriver") else {
        if browser_required() {
            panic!("{test}: chromedriver is not on PATH but GUIDEPOST_REQUIRE_BROWSER=1");
        }
        eprintln!(
            "SKIPPED {test}: chromedriver not on PATH (install chromium and chromium-driver)"
        );
        return None;
    };
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// Connects a headless Chromium session (JavaScript on or off, given window width).
pub async fn browser(driver: &Driver, javascript: bool, width: u32) -> fantoccini::Client {
    browser_with(driver, javascript, width, &[]).await
}

/// [`browser`] with extra Chromium flags (such as `--force-dark-mode`).
pub async fn browser_with(
    driver: &Driver,
    javascript: bool,
    width: u32,
    extra: &[&str],
) -> fantoccini::Client {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--window-size={width},900"),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let mut prefs = serde_json::Map::new();
    if !javascript {
        prefs.insert(
            "profile.managed_default_content_settings.javascript".into(),
            serde_json::json!(2),
        );
        args.push("--blink-settings=scriptEnabled=false".into());
    }
    let mut chrome = serde_json::json!({ "args": args, "prefs": prefs });
    if let Some(bin) = which("chromium") {
        chrome["binary"] = serde_json::json!(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    // Console messages, for `console_messages`.
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({ "browser": "ALL" }),
    );
    fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("connect to chromedriver")
}

/// A running `guidepost serve`; killed on drop.
pub struct ServeProcess {
    pub child: Child,
    pub port: u16,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Fixture {
    /// Starts `guidepost serve <extra>` for this site on a free port and waits
    /// until it answers. Set GUIDEPOST_TEST_SERVE_LOG to see its output.
    pub fn serve(&self, extra: &[&str]) -> ServeProcess {
        let port = free_port();
        let child = Command::new(binary())
            .args(["serve", "--port", &port.to_string(), "--root"])
            .arg(self.root())
            .args(extra)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("GUIDEPOST_TEST_SERVE_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start guidepost serve");
        let server = ServeProcess { child, port };
        wait_until_serving(port);
        server
    }
}

/// Waits (up to 20 s) until a server on `port` answers HTTP.
pub fn wait_until_serving(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() || raw_get(port, "/").0 == 0 {
        assert!(Instant::now() < deadline, "guidepost serve did not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Fixture {
    /// Runs `guidepost <args>` with the site root as the working directory.
    pub fn run_in_root(&self, args: &[&str]) -> Output {
        Command::new(binary())
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run guidepost")
    }
}

/// A WebDriver command fantoccini has no method for: chromedriver's
/// `goog/cdp/execute` (Chrome DevTools Protocol: emulating
/// `prefers-color-scheme: dark` or print media) and `se/log` (console messages).
#[derive(Debug)]
struct RawCommand {
    path: &'static str,
    body: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for RawCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Runs a Chrome DevTools Protocol command in the session's current tab.
pub async fn cdp(
    client: &fantoccini::Client,
    cmd: &'static str,
    params: serde_json::Value,
) -> serde_json::Value {
    let body = serde_json::json!({ "cmd": cmd, "params": params });
    client
        .issue_cmd(RawCommand {
            path: "goog/cdp/execute",
            body,
        })
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

/// Emulates CSS media for the session's tab (kept across navigations):
/// `media` is "" or "print", `scheme` is "light" or "dark".
pub async fn emulate_media(client: &fantoccini::Client, media: &str, scheme: &str) {
    cdp(
        client,
        "Emulation.setEmulatedMedia",
        serde_json::json!({
            "media": media,
            "features": [{ "name": "prefers-color-scheme", "value": scheme }],
        }),
    )
    .await;
}

/// The browser console messages logged since the last call, as
/// "LEVEL message" (the session must come from [`browser`], which asks for them).
pub async fn console_messages(client: &fantoccini::Client) -> Vec<String> {
    let log = client
        .issue_cmd(RawCommand {
            path: "se/log",
            body: serde_json::json!({ "type": "browser" }),
        })
        .await
        .expect("read the browser console log");
    log.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["level"].as_str().unwrap_or_default(),
                m["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// Runs axe-core (its source, `axe`) on the page `client` shows; one line per
/// violation: rule, impact, the first few elements and what is wrong.
pub async fn axe_violations(client: &fantoccini::Client, axe: &str) -> Vec<String> {
    client
        .execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .unwrap();
    let violations = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')).join(', '))));",
            vec![],
        )
        .await
        .unwrap();
    violations
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}
