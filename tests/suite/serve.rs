//! `guidepost serve`: the real binary on a free port, file edits observed
//! through the SSE stream (read with a raw TcpStream) and over HTTP.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{Fixture, raw_get, raw_request};

const CONFIG: &str =
    "title = \"Serve test\"\nbase_url = \"\"\ntaxonomies = [{ name = \"tags\" }]\n";

fn site() -> Fixture {
    let f = Fixture::new(CONFIG);
    f.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome home.\n",
    );
    f.write(
        "content/docs/_index.md",
        "+++\ntitle = \"Docs\"\nsort_by = \"title\"\n+++\nAll the docs.\n",
    );
    f.write(
        "content/docs/alpha.md",
        "+++\ntitle = \"Alpha\"\n[taxonomies]\ntags = [\"greek\"]\n+++\nAlpha text one.\n\n## Details\n\nMore.\n",
    );
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta links to [alpha](@/docs/alpha.md).\n",
    );
    f.write("static/css/extra.css", "body { color: black; }\n");
    f
}

/// One SSE event.
#[derive(Debug)]
struct Event {
    name: String,
    data: serde_json::Value,
}

/// The event stream, read by a thread over a raw socket. `files` events
/// (the search index, finished after a reload) are set aside: [`Events::next`]
/// and [`Events::quiet`] see the others, [`Events::files`] those.
struct Events {
    rx: mpsc::Receiver<Event>,
    files: std::cell::RefCell<std::collections::VecDeque<Event>>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // HTTP/1.0: no chunked encoding, the body is the bare stream.
        write!(
            s,
            "GET /__guidepost/events HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            head.push_str(&line);
        }
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        assert!(
            head.to_lowercase()
                .contains("content-type: text/event-stream"),
            "{head}"
        );
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut name = String::new();
            let mut data = String::new();
            let mut ready = Some(ready_tx);
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                } else if line.starts_with(':') {
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                } else if line.is_empty() && !name.is_empty() {
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
                    if tx
                        .send(Event {
                            name: std::mem::take(&mut name),
                            data,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
                if line.is_empty() {
                    data = String::new();
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("event stream opened");
        Events {
            rx,
            files: Default::default(),
        }
    }

    /// The next event but `files` within `wait`.
    fn within(&self, wait: Duration) -> Option<Event> {
        let until = std::time::Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            let e = self.rx.recv_timeout(left).ok()?;
            if e.name != "files" {
                return Some(e);
            }
            self.files.borrow_mut().push_back(e);
        }
    }

    /// The next event but `files`, failing after a timeout.
    fn next(&self, what: &str) -> Event {
        self.within(Duration::from_secs(15))
            .unwrap_or_else(|| panic!("no event after {what}"))
    }

    /// The next event but `files`, expecting none within `wait`.
    fn quiet(&self, wait: Duration) -> Option<Event> {
        self.within(wait)
    }

    /// The next `files` event, failing after a timeout (events of other
    /// names meanwhile fail too).
    fn files(&self, what: &str) -> Event {
        if let Some(e) = self.files.borrow_mut().pop_front() {
            return e;
        }
        let e = self
            .rx
            .recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("no files event after {what}"));
        assert_eq!(e.name, "files", "after {what}: {e:?}");
        e
    }
}

fn paths(e: &Event) -> Vec<String> {
    e.data["paths"]
        .as_array()
        .unwrap_or_else(|| panic!("no paths in {e:?}"))
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

fn get(port: u16, path: &str) -> (u16, String, String) {
    let (status, head, body) = raw_get(port, path);
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

fn reload(ev: &Events, what: &str) -> Vec<String> {
    let e = ev.next(what);
    assert_eq!(e.name, "reload", "after {what}: {e:?}");
    paths(&e)
}

#[test]
fn edits_creates_deletes_and_renames_reload_the_right_pages() {
    let f = site();
    let server = f.serve(&[]);
    let port = server.port;
    let (status, head, body) = get(port, "/docs/alpha/");
    assert_eq!(status, 200);
    assert!(
        head.to_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(body.contains("Alpha text one."));
    assert!(
        body.contains("<script src=\"/__guidepost/reload.js\" defer></script>\n</body>"),
        "reload script before </body>"
    );
    let ev = Events::open(port);

    // Editor temp files are ignored; then a body edit reloads that page only.
    f.write("content/docs/.alpha.md.swp", "junk");
    f.write("content/docs/alpha.md~", "junk");
    f.write("content/docs/#alpha.md#", "junk");
    assert!(
        ev.quiet(Duration::from_millis(400)).is_none(),
        "temp files rebuilt the site"
    );
    f.write(
        "content/docs/alpha.md",
        "+++\ntitle = \"Alpha\"\n[taxonomies]\ntags = [\"greek\"]\n+++\nAlpha text two.\n\n## Details\n\nMore.\n",
    );
    let p = reload(&ev, "editing alpha");
    assert!(p.contains(&"/docs/alpha/".to_string()), "{p:?}");
    assert!(
        !p.contains(&"/docs/beta/".to_string()),
        "beta did not change: {p:?}"
    );
    assert!(!p.contains(&"/".to_string()), "home did not change: {p:?}");
    assert!(get(port, "/docs/alpha/").2.contains("Alpha text two."));

    // A new page appears, in its section too.
    f.write(
        "content/docs/gamma.md",
        "+++\ntitle = \"Gamma\"\n+++\nGamma text.\n",
    );
    let p = reload(&ev, "creating gamma");
    assert!(p.contains(&"/docs/gamma/".to_string()), "{p:?}");
    assert!(get(port, "/docs/gamma/").2.contains("Gamma text."));
    assert!(get(port, "/docs/").2.contains("Gamma"));

    // A rename moves it.
    std::fs::rename(
        f.root().join("content/docs/gamma.md"),
        f.root().join("content/docs/delta.md"),
    )
    .unwrap();
    let p = reload(&ev, "renaming gamma");
    assert!(
        p.contains(&"/docs/gamma/".to_string()) && p.contains(&"/docs/delta/".to_string()),
        "{p:?}"
    );
    let (status, _, body) = get(port, "/docs/gamma/");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"), "the site's 404 page");
    assert!(get(port, "/docs/delta/").2.contains("Gamma text."));

    // A deletion removes it from the site and its listing.
    std::fs::remove_file(f.root().join("content/docs/delta.md")).unwrap();
    let p = reload(&ev, "deleting delta");
    assert!(p.contains(&"/docs/delta/".to_string()), "{p:?}");
    assert_eq!(get(port, "/docs/delta/").0, 404);
    assert!(!get(port, "/docs/").2.contains("Gamma"));

    // A template edit re-renders every page.
    f.write(
        "templates/page.html",
        "<!DOCTYPE html><html lang=\"en\"><head><title>{{ page.title }}</title></head><body><p>custom page template</p>{{ page.content | safe }}</body></html>\n",
    );
    let p = reload(&ev, "adding a page template");
    assert!(
        p.contains(&"/docs/alpha/".to_string()) && p.contains(&"/docs/beta/".to_string()),
        "{p:?}"
    );
    assert!(get(port, "/docs/beta/").2.contains("custom page template"));

    // A stylesheet edit names only the stylesheet.
    f.write("static/css/extra.css", "body { color: navy; }\n");
    let p = reload(&ev, "editing a stylesheet");
    assert_eq!(p, vec!["/css/extra.css".to_string()]);
    let (status, head, body) = get(port, "/css/extra.css");
    assert_eq!(status, 200);
    assert!(
        head.to_lowercase().contains("content-type: text/css"),
        "{head}"
    );
    assert!(body.contains("navy"));
    assert!(!body.contains("__guidepost"));
}

/// The page reloads first; the search index follows with a `files` event
/// naming the index files that changed, and then finds the new words.
#[test]
fn the_search_index_follows_the_reload_with_a_files_event() {
    let f = site();
    let server = f.serve(&[]);
    let port = server.port;
    let ev = Events::open(port);
    let before = get(port, "/search/index.js").2;
    f.write(
        "content/docs/gamma.md",
        "+++\ntitle = \"Gamma\"\n+++\nQuokkas graze here.\n",
    );
    let p = reload(&ev, "creating gamma");
    assert!(p.contains(&"/docs/gamma/".to_string()), "{p:?}");
    assert!(
        p.iter().all(|p| !p.ends_with(".js")),
        "the reload names no index file: {p:?}"
    );
    let e = ev.files("creating gamma");
    let files = paths(&e);
    assert!(files.contains(&"/search/index.js".to_string()), "{files:?}");
    assert!(
        files
            .iter()
            .all(|p| p.starts_with("/search/") && p.ends_with(".js")),
        "{files:?}"
    );
    let shard = files
        .iter()
        .find(|p| p.starts_with("/search/w-qu"))
        .unwrap_or_else(|| panic!("no shard of `quokkas`: {files:?}"));
    assert!(get(port, shard).2.contains("quokka"), "{shard}");
    assert_ne!(get(port, "/search/index.js").2, before);
    // A later edit starts from the finished index: only what it changes.
    f.write(
        "content/docs/gamma.md",
        "+++\ntitle = \"Gamma\"\n+++\nQuokkas graze here. Wombats too.\n",
    );
    reload(&ev, "editing gamma");
    let files = paths(&ev.files("editing gamma"));
    assert!(
        files.iter().any(|p| p.starts_with("/search/w-wo")),
        "{files:?}"
    );
    assert!(
        !files.iter().any(|p| p.starts_with("/search/w-we")),
        "the shard of the home page's `welcome` did not change: {files:?}"
    );
}

#[test]
fn a_broken_page_reports_an_error_and_keeps_the_last_good_site() {
    let f = site();
    let server = f.serve(&[]);
    let port = server.port;
    let ev = Events::open(port);
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta now links to [nothing](@/docs/missing.md).\n",
    );
    let e = ev.next("breaking beta");
    assert_eq!(e.name, "error", "{e:?}");
    let first = &e.data["errors"][0];
    assert_eq!(first["file"], "content/docs/beta.md", "{e:?}");
    assert_eq!(first["line"], 4, "{e:?}");
    assert!(first["column"].as_u64().unwrap() > 1, "{e:?}");
    assert!(
        first["message"].as_str().unwrap().contains("missing"),
        "{e:?}"
    );
    assert!(
        first["snippet"]
            .as_str()
            .unwrap()
            .contains("@/docs/missing.md"),
        "{e:?}"
    );
    // The last good page is still served.
    let (status, _, body) = get(port, "/docs/beta/");
    assert_eq!(status, 200);
    assert!(body.contains("Beta links to"));
    // A stream opened now hears about the error at once.
    let late = Events::open(port);
    assert_eq!(late.next("opening a stream while broken").name, "error");

    // A config error is reported too, then the fix reloads.
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta is fixed.\n",
    );
    let p = reload(&ev, "fixing beta");
    assert!(p.contains(&"/docs/beta/".to_string()), "{p:?}");
    assert!(get(port, "/docs/beta/").2.contains("Beta is fixed."));
    f.write("guidepost.toml", "title = [\n");
    assert_eq!(ev.next("breaking the config").name, "error");
    f.write("guidepost.toml", CONFIG);
    assert_eq!(ev.next("fixing the config").name, "reload");
    assert!(get(port, "/docs/beta/").2.contains("Beta is fixed."));
}

#[test]
fn requests_cannot_leave_the_site() {
    let f = site();
    f.write("secret.txt", "TOP-SECRET-VALUE");
    let server = f.serve(&[]);
    let port = server.port;
    // Traversal attempts are refused outright with 400 (a 404 would mean the
    // path was resolved and looked up).
    for target in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/docs/..%2f..%2fsecret.txt",
        "/%5c..%5csecret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/docs/../../secret.txt",
        "/./secret.txt",
        "/%00",
        // Encoded slashes and dots are refused even where decoding them
        // would give a harmless path.
        "/docs%2falpha/",
        "/docs/%2ehidden",
    ] {
        let (status, _, body) = raw_get(port, target);
        assert_eq!(status, 400, "{target}: status {status}");
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("TOP-SECRET"), "{target} leaked a file");
        assert!(!body.contains("root:x:0"), "{target} leaked /etc/passwd");
    }
    // Well-formed paths to files on disk that are not outputs: 404.
    for target in ["/secret.txt", "/guidepost.toml", "/content/docs/alpha.md"] {
        let (status, _, body) = raw_get(port, target);
        assert_eq!(status, 404, "{target}: status {status}");
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("TOP-SECRET"), "{target} leaked a file");
        assert!(!body.contains("base_url"), "{target} leaked the config");
    }
    // Every response, found or not, is never cached and never sniffed.
    for target in [
        "/docs/alpha/",
        "/no/such/page/",
        "/__guidepost/reload.js",
        "/css/extra.css",
    ] {
        let (_, head, _) = raw_get(port, target);
        let head = head.to_lowercase();
        assert!(head.contains("cache-control: no-store"), "{target}: {head}");
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{target}: {head}"
        );
    }
    // Missing pages get the site's 404 page with status 404.
    let (status, head, body) = get(port, "/no/such/page/");
    assert_eq!(status, 404);
    assert!(head.to_lowercase().contains("text/html"));
    assert!(body.contains("Page not found"));
    // A folder without its slash redirects to it.
    let (status, head, _) = get(port, "/docs");
    assert_eq!(status, 301);
    assert!(
        head.contains("location: /docs/") || head.contains("Location: /docs/"),
        "{head}"
    );
    // Our own assets.
    let (status, head, body) = get(port, "/__guidepost/reload.js");
    assert_eq!(status, 200);
    assert!(head.to_lowercase().contains("text/javascript"), "{head}");
    assert!(body.contains("EventSource"));
    assert!(!body.contains("innerHTML"), "overlay uses DOM APIs only");
    let (status, head, _) = get(port, "/__guidepost/overlay.css");
    assert_eq!(status, 200);
    assert!(head.to_lowercase().contains("text/css"), "{head}");
    // GET and HEAD only: HEAD answers as GET would, without the body (link
    // checkers and `curl -I` use it); anything else is refused.
    let (status, head, body) = raw_request(port, "HEAD", "/docs/alpha/");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase().contains("content-type: text/html"),
        "{head}"
    );
    assert!(body.is_empty(), "HEAD with a body: {body:?}");
    for method in ["POST", "PUT", "DELETE"] {
        let (status, head, body) = raw_request(port, method, "/docs/alpha/");
        assert_eq!(status, 405, "{method}: {head}");
        assert!(
            !String::from_utf8_lossy(&body).contains("Alpha text"),
            "{method} got the page"
        );
    }
}

/// `--csp` (the browser tests' server runs with it) sends `default-src
/// 'self'` with every response: pages, the 404 page, our own script and
/// static files. A browser test "under CSP" proves nothing if the policy
/// was never sent.
#[test]
fn the_csp_flag_sends_the_strict_policy_with_every_response() {
    let f = site();
    let server = f.serve(&["--csp"]);
    for target in [
        "/docs/alpha/",
        "/no/such/page/",
        "/__guidepost/reload.js",
        "/css/extra.css",
    ] {
        let (_, head, _) = raw_get(server.port, target);
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("content-security-policy: default-src 'self'")),
            "{target}: {head}"
        );
    }
}

#[test]
fn build_output_has_no_reload_script() {
    let f = site();
    f.build_ok(&[]);
    for file in crate::common::list_files(&f.root().join("output")) {
        let bytes = std::fs::read(f.root().join("output").join(&file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("__guidepost"),
            "{file} mentions the dev server"
        );
        assert!(
            !text.contains("reload.js"),
            "{file} loads the reload script"
        );
        assert!(!file.contains("__guidepost"), "{file}");
    }
}

#[test]
fn a_taken_port_moves_to_the_next_one_and_a_subpath_base_is_kept() {
    let f = site();
    f.write(
        "guidepost.toml",
        &format!("{CONFIG}base_url = \"https://example.org/kb\"\n")
            .replace("base_url = \"\"\n", ""),
    );
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = blocker.local_addr().unwrap().port();
    let mut child = Command::new(crate::common::binary())
        .args(["serve", "--port", &taken.to_string(), "--root"])
        .arg(f.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server = crate::common::ServeProcess { child, port: 0 };
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    assert!(url.ends_with("/kb/"), "{url}");
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, taken);
    crate::common::wait_until_serving(port);
    let (status, _, body) = get(port, "/kb/docs/alpha/");
    assert_eq!(status, 200);
    assert!(
        body.contains("<script src=\"/kb/__guidepost/reload.js\" defer>"),
        "script behind the base path"
    );
    assert!(
        body.contains("href=\"/kb/docs/\""),
        "root-relative links keep the base path: {body}"
    );
    assert_eq!(get(port, "/kb/__guidepost/reload.js").0, 200);
    drop(server);
    drop(blocker);
}

#[test]
fn a_site_broken_at_start_reports_the_error_and_recovers() {
    let f = site();
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\nweight = \"heavy\"\n+++\nBroken.\n",
    );
    let server = f.serve(&[]);
    let port = server.port;
    let (status, _, body) = get(port, "/");
    assert_eq!(status, 404);
    assert!(
        body.contains("/__guidepost/reload.js"),
        "the overlay can show"
    );
    let ev = Events::open(port);
    let e = ev.next("opening the stream");
    assert_eq!(e.name, "error", "{e:?}");
    assert_eq!(e.data["errors"][0]["file"], "content/docs/beta.md");
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nMended.\n",
    );
    let p = reload(&ev, "fixing beta");
    assert!(p.contains(&"/".to_string()), "{p:?}");
    assert!(get(port, "/docs/beta/").2.contains("Mended."));
}

#[test]
fn polling_sees_changes_too() {
    let f = site();
    let server = f.serve(&["--poll"]);
    let port = server.port;
    let ev = Events::open(port);
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nPolled text.\n",
    );
    let p = reload(&ev, "editing beta under --poll");
    assert!(p.contains(&"/docs/beta/".to_string()), "{p:?}");
    assert!(get(port, "/docs/beta/").2.contains("Polled text."));
}

#[test]
fn an_edit_that_moves_a_page_updates_listings_and_neighbours() {
    let f = site();
    let server = f.serve(&[]);
    let port = server.port;
    let ev = Events::open(port);
    // Sorted by title: Alpha, Beta → Beta, Zulu.
    f.write(
        "content/docs/alpha.md",
        "+++\ntitle = \"Zulu\"\n[taxonomies]\ntags = [\"greek\"]\n+++\nAlpha text one.\n\n## Details\n\nMore.\n",
    );
    let p = reload(&ev, "retitling alpha");
    for expected in ["/docs/", "/docs/alpha/", "/docs/beta/", "/tags/greek/"] {
        assert!(p.contains(&expected.to_string()), "{expected} not in {p:?}");
    }
    let listing = get(port, "/docs/").2;
    let (zulu, beta) = (listing.find("Zulu").unwrap(), listing.find("Beta").unwrap());
    assert!(beta < zulu, "listing re-sorted");
    assert!(get(port, "/tags/greek/").2.contains("Zulu"));
    assert!(
        get(port, "/docs/beta/").2.contains("Zulu"),
        "neighbour link retitled"
    );
}

#[test]
fn sass_is_recompiled_on_change() {
    let f = Fixture::new("title = \"Sass\"\ncompile_sass = true\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("sass/_colors.scss", "$c: red;\n");
    f.write(
        "sass/site.scss",
        "@use \"colors\";\nbody { color: colors.$c; }\n",
    );
    let server = f.serve(&[]);
    let port = server.port;
    assert!(get(port, "/site.css").2.contains("red"));
    let ev = Events::open(port);
    // An edit of a partial recompiles the files that use it.
    f.write("sass/_colors.scss", "$c: blue;\n");
    let e = ev.next("editing a Sass partial");
    assert_eq!(e.name, "reload", "{e:?}");
    let css = get(port, "/site.css").2;
    assert!(css.contains("blue") && !css.contains("red"), "{css}");
}

#[test]
fn debounce_waits_until_a_burst_of_writes_is_quiet() {
    let f = site();
    let server = f.serve(&["--debounce", "300"]);
    let ev = Events::open(server.port);
    // A write every 100 ms for a second: never 300 ms of quiet until the end.
    for i in 0..10 {
        f.write(
            "content/docs/alpha.md",
            &format!(
                "+++\ntitle = \"Alpha\"\n[taxonomies]\ntags = [\"greek\"]\n+++\nAlpha write {i}.\n\n## Details\n\nMore.\n"
            ),
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let p = reload(&ev, "the burst of writes");
    assert!(p.contains(&"/docs/alpha/".to_string()), "{p:?}");
    assert!(
        get(server.port, "/docs/alpha/")
            .2
            .contains("Alpha write 9.")
    );
    assert!(
        ev.quiet(Duration::from_millis(1000)).is_none(),
        "the burst rebuilt more than once"
    );
}

#[test]
fn an_edit_to_a_missing_anchor_is_an_error_on_the_fast_path_too() {
    let f = site();
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta links to [alpha](@/docs/alpha.md#details).\n",
    );
    let server = f.serve(&[]);
    let ev = Events::open(server.port);
    // Same title and headings: the edit keeps its place (the re-parse path).
    f.write(
        "content/docs/beta.md",
        "+++\ntitle = \"Beta\"\n+++\nBeta links to [alpha](@/docs/alpha.md#detials).\n",
    );
    let e = ev.next("linking a missing anchor");
    assert_eq!(e.name, "error", "{e:?}");
    let text = e.data.to_string();
    assert!(text.contains("detials"), "{text}");
    assert!(text.contains("beta.md"), "{text}");
}

/// Starts `guidepost serve --port 0 <extra>` with its standard error kept:
/// the server, its port (read from the line it prints) and its stderr.
fn serve_reading_stderr(
    f: &Fixture,
    extra: &[&str],
) -> (crate::common::ServeProcess, u16, std::process::ChildStderr) {
    let mut child = Command::new(crate::common::binary())
        .args(["serve", "--port", "0", "--root"])
        .arg(f.root())
        .args(extra)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let port: u16 = url
        .trim_start_matches("http://")
        .split([':', '/'])
        .nth(1)
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_ne!(port, 0, "{url}");
    crate::common::wait_until_serving(port);
    (crate::common::ServeProcess { child, port }, port, stderr)
}

#[test]
fn port_zero_picks_a_free_port_and_bind_elsewhere_warns() {
    let f = site();
    let (server, _, stderr) = serve_reading_stderr(&f, &["--bind", "0.0.0.0"]);
    drop(server);
    let mut warning = String::new();
    std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut warning).unwrap();
    assert!(
        warning.contains("reachable from the network"),
        "no warning for --bind 0.0.0.0: {warning}"
    );
}

#[test]
fn an_index_over_budget_is_reported_once_not_on_every_edit() {
    let f = Fixture::new(&format!("{CONFIG}[search]\nindex_budget_kb = 1\n"));
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    crate::search::write_wordy_pages(&f);
    let (server, port, stderr) = serve_reading_stderr(&f, &[]);
    let ev = Events::open(port);
    for i in 0..2 {
        f.write(
            "content/p3.md",
            &format!("+++\ntitle = \"Page 3\"\n+++\nEdit {i} of page three.\n"),
        );
        reload(&ev, "an edit of p3");
    }
    drop(server);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut err).unwrap();
    assert_eq!(
        err.matches("over [search] index_budget_kb = 1").count(),
        1,
        "{err}"
    );
}

#[test]
fn editor_files_are_ignored_and_folders_created_later_are_watched() {
    let f = site();
    let server = f.serve(&[]);
    let ev = Events::open(server.port);
    for junk in [
        "content/docs/.#alpha.md",
        "content/docs/4913",
        "content/.hidden",
    ] {
        f.write(junk, "junk");
    }
    assert!(
        ev.quiet(Duration::from_millis(600)).is_none(),
        "editor files rebuilt the site"
    );
    // `templates/` did not exist at start.
    assert!(!f.root().join("templates").exists());
    f.write(
        "templates/page.html",
        "<!DOCTYPE html><html><body>Own template: {{ page.title }}</body></html>",
    );
    let p = reload(&ev, "creating templates/");
    assert!(p.contains(&"/docs/alpha/".to_string()), "{p:?}");
    assert!(
        get(server.port, "/docs/alpha/")
            .2
            .contains("Own template: Alpha")
    );
    // A file inside the new folder is watched too.
    f.write(
        "templates/page.html",
        "<!DOCTYPE html><html><body>Edited template: {{ page.title }}</body></html>",
    );
    reload(&ev, "editing a template in the new folder");
    assert!(
        get(server.port, "/docs/alpha/")
            .2
            .contains("Edited template: Alpha")
    );
}
