//! Embed pages framed by a host page on another loopback origin, in headless
//! Chromium: no site chrome; with the host script the frame takes the
//! content's height (±2 px) after load and after every guide step; without
//! it the first answer shows in a 600 px frame; the guide reaches every
//! outcome inside the frame without adding to the host's history; links
//! leaving the page open at the top level; sandboxed (`allow-scripts` only)
//! and file:// frames navigate without console errors; the generated
//! `_headers` let listed hosts frame embed pages and refuse others; every
//! `href`/`src` still resolves after in-place guide steps (root and
//! subpath); axe finds nothing at 320 and 800 px in both colour schemes.
//!
//! Skips when chromedriver is not installed, unless GUIDEPOST_REQUIRE_BROWSER=1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::common::{Driver, chromedriver, free_port, guidepost, which};

/// Extra response headers for a request path.
type Rule = Arc<dyn Fn(&str) -> Vec<(String, String)> + Send + Sync>;

/// Serves `dir` on 127.0.0.1:`port` with the headers `rule` gives each
/// path, and nothing else (a host page needs no policy of its own).
fn serve_on(dir: &Path, port: u16, rule: Rule) -> String {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let root = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (root, rule) = (root.clone(), rule.clone());
            std::thread::spawn(move || respond(stream, &root, &*rule));
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn respond(mut stream: TcpStream, root: &Path, rule: &dyn Fn(&str) -> Vec<(String, String)>) {
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
    let (status, body) = match (path.contains(".."), std::fs::read(&file)) {
        (false, Ok(b)) => ("200 OK", b),
        _ => ("404 Not Found", b"not found".to_vec()),
    };
    let ctype = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in rule(&path) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn no_headers() -> Rule {
    Arc::new(|_| Vec::new())
}

/// The headers a `_headers` file gives `path`, as Netlify applies it (every
/// matching rule, a later one overriding an earlier header of the same name).
fn netlify_headers(text: &str) -> Rule {
    let mut rules: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if line.starts_with('/') {
            rules.push((line.trim().to_string(), Vec::new()));
        } else if let (Some(rule), Some((k, v))) = (rules.last_mut(), line.trim().split_once(':')) {
            rule.1.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Arc::new(move |path: &str| {
        let mut out: Vec<(String, String)> = Vec::new();
        for (pattern, headers) in &rules {
            let hit = match pattern.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == pattern,
            };
            if hit {
                for (k, v) in headers {
                    out.retain(|(o, _)| !o.eq_ignore_ascii_case(k));
                    out.push((k.clone(), v.clone()));
                }
            }
        }
        out
    })
}

/// A headless Chromium session that records console messages; frames run
/// in the page's process so their messages are recorded too.
async fn browser(driver: &Driver, dark: bool) -> Client {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process",
        "--allow-file-access-from-files",
        "--window-size=1000,900",
    ];
    if dark {
        args.push("--force-dark-mode");
    }
    let mut chrome = json!({ "args": args });
    if let Some(bin) = which("chromium") {
        chrome["binary"] = json!(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("connect to chromedriver")
}

/// Console messages of level SEVERE since the last call (chromedriver's log
/// endpoint, which fantoccini does not wrap).
async fn console_errors(driver: &Driver, c: &Client) -> Vec<String> {
    let sid = c.session_id().await.unwrap().unwrap();
    let port: u16 = driver.url.rsplit(':').next().unwrap().parse().unwrap();
    let body = r#"{"type":"browser"}"#;
    let text = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "POST /session/{sid}/se/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        // chromedriver may keep the connection open: stop once the body is in.
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 65536];
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match s.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(_) if complete(&buf) || Instant::now() > deadline => break,
                Err(_) => {}
            }
        }
        String::from_utf8_lossy(&buf).to_string()
    })
    .await
    .unwrap();
    let json = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // chromedriver may answer chunked; take the JSON object inside.
    let json = &json[json.find('{').unwrap_or(0)..=json.rfind('}').unwrap_or(0)];
    let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    v["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an HTTP response with a Content-Length has all of its body.
fn complete(buf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buf);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .is_some_and(|n| body.len() >= n)
}

const Q1: &str = "Do more than ten people use IT?";
const Q2: &str = "Is security the worry?";

/// Every route of the fixture guide: answers, then the headings on the way.
fn routes() -> Vec<(Vec<&'static str>, Vec<&'static str>)> {
    vec![
        (vec!["Yes", "Yes"], vec![Q1, Q2, "Role B fits"]),
        (vec!["Yes", "No"], vec![Q1, Q2, "Role A fits"]),
        (vec!["No"], vec![Q1, "Role A fits"]),
    ]
}

/// The fixture site (embed.rs) built with `config`, into `<tmp>/site`.
fn build_fixture(config: &str) -> (crate::common::Fixture, PathBuf) {
    let f = crate::embed::site(config);
    f.build_ok(&[]);
    let out = f.root().join("output");
    (f, out)
}

/// The bundled site (repo root) built into a temp dir.
fn build_bundled() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = guidepost(&[
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, out)
}

/// Writes a host page framing `src`, and returns its file name.
fn host_page(dir: &Path, name: &str, src: &str, width: u32, attrs: &str, script: Option<&str>) {
    let script = script
        .map(|s| format!("<script src=\"{s}\" defer></script>"))
        .unwrap_or_default();
    std::fs::write(
        dir.join(name),
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Intranet</title></head>\
             <body><h1>Intranet portal</h1><iframe id=\"gp\" src=\"{src}\" title=\"Embedded guide\" width=\"{width}\" height=\"600\" data-guidepost-embed {attrs}></iframe>{script}</body></html>"
        ),
    )
    .unwrap();
}

async fn frame_h1(c: &Client) -> String {
    c.execute(
        "var h = document.querySelector('h1'); return h ? h.textContent.trim() : '';",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or("")
    .to_string()
}

async fn wait_frame_h1(c: &Client, expected: &str, ctx: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // A navigating frame may be between documents; enter it again.
        let now = frame_h1(c).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{ctx}: heading {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

async fn click_in_frame(c: &Client, text: &str) {
    let link = c
        .find(Locator::XPath(&format!("//a[normalize-space(.)='{text}']")))
        .await
        .unwrap_or_else(|e| panic!("no link {text:?} in the frame: {e}"));
    link.click().await.unwrap();
}

async fn enter(c: &Client) {
    c.enter_parent_frame().await.ok();
    c.find(Locator::Css("#gp"))
        .await
        .unwrap()
        .enter_frame()
        .await
        .unwrap();
}

async fn host_history(c: &Client) -> i64 {
    c.enter_parent_frame().await.unwrap();
    c.execute("return history.length;", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// Waits until the iframe's height is the content's height (±2 px).
async fn height_follows_content(c: &Client, ctx: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        enter(c).await;
        let content = c
            .execute(
                "return Math.ceil(document.querySelector('[data-embed-content]').getBoundingClientRect().height);",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        c.enter_parent_frame().await.unwrap();
        let frame = c
            .execute("return document.getElementById('gp').clientHeight;", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        if (frame - content).abs() <= 2.0 && frame != 600.0 {
            enter(c).await;
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{ctx}: frame {frame} px, content {content} px"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks through every route inside the frame (entered), from the guide's
/// embed page; `check` runs after every step.
async fn every_route_in_frame(c: &Client, ctx: &str, sized: bool) {
    for (k, (answers, headings)) in routes().into_iter().enumerate() {
        let ctx = format!("{ctx} route {answers:?}");
        if k == 0 {
            click_in_frame(c, "Start").await;
        } else {
            click_in_frame(c, "Start again").await;
        }
        wait_frame_h1(c, headings[0], &ctx).await;
        if sized {
            height_follows_content(c, &ctx).await;
        }
        for (i, a) in answers.iter().enumerate() {
            click_in_frame(c, a).await;
            wait_frame_h1(c, headings[i + 1], &ctx).await;
            if sized {
                height_follows_content(c, &format!("{ctx} step {i}")).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_framed_guide_sizes_itself_stays_in_the_frame_and_leaves_host_history_alone() {
    let Some(driver) = chromedriver("embedded guide with the host script") else {
        return;
    };
    let (_f, out) = build_fixture("[embed]\nsections = [\"roles\"]\n");
    let site = serve_on(&out, free_port(), no_headers());
    let host_dir = tempfile::tempdir().unwrap();
    let host = serve_on(host_dir.path(), free_port(), no_headers());
    let c = browser(&driver, false).await;
    for width in [400, 800] {
        let script = format!("{site}/js/guidepost-embed.js");
        for (name, src) in [
            ("guide", "/embed/pick/"),
            ("compare", "/embed/compare/"),
            ("role", "/embed/roles/a/"),
        ] {
            let page = format!("{name}-{width}.html");
            host_page(
                host_dir.path(),
                &page,
                &format!("{site}{src}"),
                width,
                "",
                Some(&script),
            );
            c.goto(&format!("{host}/{page}")).await.unwrap();
            enter(&c).await;
            let chrome = c
                .find_all(Locator::Css(
                    ".site-header, .site-nav, .site-footer, .breadcrumbs",
                ))
                .await
                .unwrap();
            assert!(
                chrome.is_empty(),
                "{src} at {width}: site chrome in the frame"
            );
            height_follows_content(&c, &format!("{src} at {width}")).await;
        }
        c.goto(&format!("{host}/guide-{width}.html")).await.unwrap();
        let before = host_history(&c).await;
        enter(&c).await;
        wait_frame_h1(&c, "Pick a role", "guide").await;
        every_route_in_frame(&c, &format!("{width} px"), true).await;
        assert_eq!(
            host_history(&c).await,
            before,
            "{width} px: the guide added entries to the host's history"
        );
        // A link leaving the guide opens at the top level.
        enter(&c).await;
        let full = c
            .find(Locator::XPath(
                "//a[normalize-space(.)='Open the full page']",
            ))
            .await
            .unwrap();
        assert_eq!(full.attr("target").await.unwrap().as_deref(), Some("_top"));
        full.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            c.enter_parent_frame().await.ok();
            let url = c.current_url().await.unwrap();
            if url.path() == "/pick/result/a/no/index.html" && url.as_str().starts_with(&site) {
                break;
            }
            assert!(Instant::now() < deadline, "top level is at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_host_script_the_first_answer_shows_in_a_600_px_frame() {
    let Some(driver) = chromedriver("embedded guide without the host script") else {
        return;
    };
    let (_dir, out) = build_bundled();
    let site = serve_on(&out, free_port(), no_headers());
    let host_dir = tempfile::tempdir().unwrap();
    let host = serve_on(host_dir.path(), free_port(), no_headers());
    // One page per question of the bundled guide.
    let mut seen = std::collections::BTreeSet::new();
    let pages: Vec<String> = crate::common::list_files(&out.join("embed/decide/q"))
        .into_iter()
        .filter(|p| seen.insert(p.split('/').next().unwrap().to_string()))
        .map(|p| format!("/embed/decide/q/{}", p.trim_end_matches("index.html")))
        .collect();
    assert_eq!(pages.len(), 10, "{pages:?}");
    let c = browser(&driver, false).await;
    for width in [320, 400, 800] {
        for (i, p) in pages.iter().enumerate() {
            let name = format!("q{i}-{width}.html");
            host_page(
                host_dir.path(),
                &name,
                &format!("{site}{p}"),
                width,
                "",
                None,
            );
            c.goto(&format!("{host}/{name}")).await.unwrap();
            enter(&c).await;
            let r = c
                .execute(
                    "var a = document.querySelector('.decision-answer').getBoundingClientRect();\
                     return [a.bottom, window.innerHeight, document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .unwrap();
            let n = |k: usize| r[k].as_f64().unwrap();
            assert!(
                n(0) <= n(1),
                "{p} at {width} px: first answer ends at {} px, frame is {} px tall",
                n(0),
                n(1)
            );
            assert!(
                n(2) <= n(3),
                "{p} at {width} px: scrolls sideways ({} > {})",
                n(2),
                n(3)
            );
        }
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandboxed_and_file_frames_reach_every_outcome_without_console_errors() {
    let Some(driver) = chromedriver("embedded guide sandboxed and from file://") else {
        return;
    };
    let (_f, out) = build_fixture("");
    let site = serve_on(&out, free_port(), no_headers());
    let host_dir = tempfile::tempdir().unwrap();
    let host = serve_on(host_dir.path(), free_port(), no_headers());
    let c = browser(&driver, false).await;
    host_page(
        host_dir.path(),
        "sandboxed.html",
        &format!("{site}/embed/pick/"),
        400,
        "sandbox=\"allow-scripts\"",
        Some(&format!("{site}/js/guidepost-embed.js")),
    );
    // file://: the host page sits beside the built site.
    host_page(&out, "host.html", "embed/pick/index.html", 400, "", None);
    let file_host = format!("file://{}", out.join("host.html").display());
    for (ctx, url) in [
        ("sandbox", format!("{host}/sandboxed.html")),
        ("file://", file_host),
    ] {
        let _ = console_errors(&driver, &c).await;
        c.goto(&url).await.unwrap();
        let before = host_history(&c).await;
        enter(&c).await;
        wait_frame_h1(&c, "Pick a role", ctx).await;
        for (k, (answers, headings)) in routes().into_iter().enumerate() {
            let ctx = format!("{ctx} {answers:?}");
            click_in_frame(&c, if k == 0 { "Start" } else { "Start again" }).await;
            enter(&c).await;
            wait_frame_h1(&c, headings[0], &ctx).await;
            for (i, a) in answers.iter().enumerate() {
                click_in_frame(&c, a).await;
                enter(&c).await;
                wait_frame_h1(&c, headings[i + 1], &ctx).await;
            }
        }
        assert_eq!(host_history(&c).await, before, "{ctx}: host history grew");
        let errors = console_errors(&driver, &c).await;
        assert!(errors.is_empty(), "{ctx}: console errors {errors:#?}");
        // The log does catch errors thrown in the frame.
        enter(&c).await;
        c.execute(
            "setTimeout(function () { throw new Error('guidepost-canary'); }, 0); return 1;",
            vec![],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let errors = console_errors(&driver, &c).await;
        assert!(
            errors.iter().any(|e| e.contains("guidepost-canary")),
            "{ctx}: the console log misses frame errors: {errors:?}"
        );
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_headers_let_listed_hosts_frame_embed_pages_only() {
    let Some(driver) = chromedriver("framing headers") else {
        return;
    };
    let listed_port = free_port();
    let (_f, out) = build_fixture(&format!(
        "[embed]\nallow_framing_from = [\"http://127.0.0.1:{listed_port}\"]\nheaders = [\"_headers\"]\n"
    ));
    let rules = netlify_headers(&std::fs::read_to_string(out.join("_headers")).unwrap());
    let site = serve_on(&out, free_port(), rules);
    let listed_dir = tempfile::tempdir().unwrap();
    let listed = serve_on(listed_dir.path(), listed_port, no_headers());
    let other_dir = tempfile::tempdir().unwrap();
    let other = serve_on(other_dir.path(), free_port(), no_headers());
    let c = browser(&driver, false).await;
    for (dir, host, src, allowed) in [
        (listed_dir.path(), &listed, "/embed/pick/", true),
        (listed_dir.path(), &listed, "/pick/", false),
        (other_dir.path(), &other, "/embed/pick/", false),
    ] {
        let name = format!("{}.html", src.replace('/', "_"));
        host_page(dir, &name, &format!("{site}{src}"), 600, "", None);
        c.goto(&format!("{host}/{name}")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        enter(&c).await;
        let h1 = frame_h1(&c).await;
        if allowed {
            assert_eq!(h1, "Pick a role", "{host} framing {src}");
        } else {
            // Chromium shows its own error page ("127.0.0.1 is blocked").
            assert_ne!(h1, "Pick a role", "{host} must not be able to frame {src}");
            let href = c.execute("return location.href;", vec![]).await.unwrap();
            assert!(
                href.as_str().unwrap_or("").starts_with("chrome-error:"),
                "{host} framing {src}: the frame shows {href}"
            );
        }
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_url_resolves_after_in_place_steps_at_root_and_under_a_subpath() {
    let Some(driver) = chromedriver("relative URLs after in-place steps") else {
        return;
    };
    let (dir, out) = build_bundled();
    let root = serve_on(&out, free_port(), no_headers());
    let parent = serve_on(dir.path(), free_port(), no_headers());
    let c = browser(&driver, false).await;
    for base in [root, format!("{parent}/site")] {
        c.goto(&format!("{base}/decide/")).await.unwrap();
        c.execute("window.__marker = true; return 1;", vec![])
            .await
            .unwrap();
        for (k, link) in ["Start", "No or not sure", "No or not sure"]
            .iter()
            .enumerate()
        {
            let before = c.current_url().await.unwrap();
            let l = c
                .find(Locator::XPath(&format!(
                    "//a[@data-decision-link and normalize-space(.)='{link}']"
                )))
                .await
                .unwrap();
            c.execute(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                vec![serde_json::to_value(&l).unwrap()],
            )
            .await
            .unwrap();
            l.click().await.unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while c.current_url().await.unwrap() == before {
                assert!(Instant::now() < deadline, "{base}: step {k} did not happen");
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let in_place = c
                .execute("return window.__marker === true;", vec![])
                .await
                .unwrap();
            assert_eq!(in_place, json!(true), "{base}: step {k} reloaded the page");
            let broken = c
                .execute_async(
                    "const done = arguments[arguments.length - 1];\
                     const urls = new Set();\
                     document.querySelectorAll('[href],[src]').forEach(e => {\
                       const v = e.getAttribute('href') || e.getAttribute('src');\
                       if (!v || v.startsWith('#') || v.startsWith('mailto:')) return;\
                       const u = new URL(v, document.baseURI);\
                       if (u.origin === location.origin) urls.add(u.href.split('#')[0]);\
                     });\
                     Promise.all([...urls].map(u => fetch(u).then(r => r.ok ? null : r.status + ' ' + u)))\
                       .then(r => done({count: urls.size, broken: r.filter(x => x)}));",
                    vec![],
                )
                .await
                .unwrap();
            assert!(broken["count"].as_u64().unwrap() >= 10, "{base}: {broken}");
            assert_eq!(
                broken["broken"],
                json!([]),
                "{base}: after step {k} ({link}) these URLs fail"
            );
        }
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_nothing_on_embed_pages_at_320_and_800_px_in_both_schemes() {
    let axe = std::env::var("GUIDEPOST_AXE_JS")
        .or_else(|_| std::env::var("GUIDEPOST_AXE"))
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/guidepost-tools/node_modules/axe-core/axe.min.js")
        });
    let Ok(source) = std::fs::read_to_string(&axe) else {
        assert!(
            !crate::common::browser_required(),
            "axe-core not found at {}",
            axe.display()
        );
        eprintln!("SKIPPED embed axe: {} not found", axe.display());
        return;
    };
    let Some(driver) = chromedriver("embed pages under axe") else {
        return;
    };
    let (_dir, out) = build_bundled();
    let site = serve_on(&out, free_port(), no_headers());
    let host_dir = tempfile::tempdir().unwrap();
    let host = serve_on(host_dir.path(), free_port(), no_headers());
    let pages = [
        "/embed/decide/",
        "/embed/decide/q/both-fronts/",
        "/embed/decide/q/sec-it-strategy/no-or-not-sure/no-or-not-sure/no/yes/",
        "/embed/decide/result/neither/",
        "/embed/compare/",
    ];
    for dark in [false, true] {
        let c = browser(&driver, dark).await;
        for width in [320, 800] {
            for (i, p) in pages.iter().enumerate() {
                assert!(out.join(&p[1..]).join("index.html").is_file(), "{p}");
                let name = format!("axe{i}-{width}.html");
                host_page(
                    host_dir.path(),
                    &name,
                    &format!("{site}{p}"),
                    width,
                    "",
                    None,
                );
                c.goto(&format!("{host}/{name}")).await.unwrap();
                enter(&c).await;
                let scheme = c
                    .execute(
                        "return matchMedia('(prefers-color-scheme: dark)').matches;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(scheme, json!(dark), "colour scheme in the frame");
                let violations = crate::common::axe_violations(&c, &source).await;
                assert!(
                    violations.is_empty(),
                    "axe on {p} at {width} px, dark = {dark}: {violations:#?}"
                );
            }
        }
        c.close().await.unwrap();
    }
}

/// Screenshots of the embedded guide at 400 px with and without the host
/// script, for the README, when GUIDEPOST_SCREENSHOTS names a folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_for_the_readme() {
    let Ok(shots) = std::env::var("GUIDEPOST_SCREENSHOTS") else {
        return;
    };
    let Some(driver) = chromedriver("embed screenshots") else {
        return;
    };
    let (_dir, out) = build_bundled();
    let site = serve_on(&out, free_port(), no_headers());
    let host_dir = tempfile::tempdir().unwrap();
    let host = serve_on(host_dir.path(), free_port(), no_headers());
    let c = browser(&driver, false).await;
    c.set_window_size(520, 1100).await.unwrap();
    let first = crate::common::list_files(&out.join("embed/decide/q/sec-it-strategy"))
        .into_iter()
        .next()
        .unwrap();
    let src = format!(
        "{site}/embed/decide/q/sec-it-strategy/{}",
        first.trim_end_matches("index.html")
    );
    for (name, script) in [
        (
            "embed-guide-400-host-script.png",
            Some(format!("{site}/js/guidepost-embed.js")),
        ),
        ("embed-guide-400-fixed-height.png", None),
    ] {
        host_page(
            host_dir.path(),
            "shot.html",
            &src,
            400,
            "",
            script.as_deref(),
        );
        c.goto(&format!("{host}/shot.html")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        let shot = c
            .find(Locator::Css("#gp"))
            .await
            .unwrap()
            .screenshot()
            .await
            .unwrap();
        std::fs::write(Path::new(&shots).join(name), shot).unwrap();
    }
    c.close().await.unwrap();
}
