//! Site search (issue 12): the index, the search page and the box in the
//! build output; search.js in Chromium from a static host under
//! `Content-Security-Policy: default-src 'self'`, from file://, inside a
//! sandboxed cross-origin iframe, by keyboard alone, without JavaScript, and
//! under axe in both colour schemes; the bundled site's own queries; the dev
//! server keeping the index current.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator, key::Key};
use serde_json::{Value, json};

use crate::common::{
    Fixture, browser, browser_required, chromedriver, guidepost, raw_get, serve_dir, which,
};

const VECTORS: &str = include_str!("../search-vectors.json");

/// The bundled site (repo root) built into a temp dir's `site/`.
fn build_bundled() -> (tempfile::TempDir, PathBuf) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let result = guidepost(&[
        "build",
        "--root",
        repo.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    (dir, out)
}

/// The vectors' site, built.
fn vectors_site() -> (Fixture, Value) {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    let f = Fixture::new(v["config"].as_str().unwrap());
    for (path, text) in v["files"].as_object().unwrap() {
        f.write(path, text.as_str().unwrap());
    }
    f.build_ok(&[]);
    (f, v)
}

/// Runs `q` through the page's first search box and returns the result
/// links as site paths (`/glossary/#board`), best first.
async fn results(c: &Client, q: &str) -> Vec<String> {
    let v = c
        .execute_async(
            "const [q, done] = arguments;\
             const f = document.querySelector('form[data-search]');\
             const root = new URL(f.action.replace(/search\\/(index\\.html)?$/, ''));\
             f.guidepostSearch(q).then(() => done(Array.from(f.querySelectorAll('.search__results a')).map(a => {\
               let p = decodeURIComponent(a.href.slice(root.href.length - 1));\
               return p.replace(/index\\.html(#|$)/, '$1');\
             })), e => done(['error: ' + e]));",
            vec![json!(q)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Installs collectors of console errors, uncaught errors and CSP violations.
async fn watch_errors(c: &Client) {
    c.execute(
        "window.__problems = [];\
         const e = console.error.bind(console);\
         console.error = (...a) => { window.__problems.push('console: ' + a.join(' ')); e(...a); };\
         window.addEventListener('error', ev => window.__problems.push('error: ' + ev.message + ' ' + (ev.filename || (ev.target && ev.target.src) || '')), true);\
         window.addEventListener('unhandledrejection', ev => window.__problems.push('rejection: ' + ev.reason));\
         document.addEventListener('securitypolicyviolation', ev => window.__problems.push('CSP: ' + ev.violatedDirective + ' ' + ev.blockedURI));",
        vec![],
    )
    .await
    .unwrap();
}

async fn problems(c: &Client) -> Vec<String> {
    serde_json::from_value(
        c.execute("return window.__problems;", vec![])
            .await
            .unwrap(),
    )
    .unwrap()
}

/// Waits until `js` returns true (up to 10 s).
async fn wait_for(c: &Client, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if c.execute(js, vec![]).await.unwrap() == json!(true) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const PANEL_OPEN: &str = "const p = document.querySelector('.search__panel'); return !p.hidden && document.querySelectorAll('.search__results a').length > 0;";

#[test]
fn build_writes_index_search_page_and_box() {
    let (f, _) = vectors_site();
    let manifest = f.output("search/index.js");
    assert!(
        manifest.starts_with("guidepostSearchShard(\"index.js\","),
        "{manifest}"
    );
    let board = f.output("search/w-bo.js");
    assert!(board.contains("board"), "{board}");
    // in_search_index = false keeps a page out of the entries.
    let entries: String = (0..4)
        .filter(|i| f.has_output(&format!("search/e-{i}.js")))
        .map(|i| f.output(&format!("search/e-{i}.js")))
        .collect();
    assert!(
        entries.contains("[\"/glossary/\",\"Glossary\""),
        "{entries}"
    );
    assert!(entries.contains("[\"#board\",0,\"Board\""), "{entries}");
    assert!(!entries.contains("Hidden board page"), "{entries}");
    // The search page: A–Z of pages and headings, no-JS target of the box.
    let page = f.output("search/index.html");
    assert!(page.contains("data-search-page"), "{page}");
    assert!(page.contains("<a href=\"../glossary/index.html#board\">Board</a> <span class=\"search-page__in\">in Glossary</span>"), "{page}");
    let a_to_z = page.split("search-page__letters").nth(1).unwrap();
    assert!(!a_to_z.contains("Hidden board page"), "{a_to_z}");
    let home = f.output("index.html");
    assert!(home.contains("<form class=\"search\" role=\"search\" action=\"search/index.html\" method=\"get\" data-search>"), "{home}");
    assert!(
        home.contains("<script src=\"js/search.js\" defer></script>"),
        "{home}"
    );
    assert!(!home.contains("style="), "no inline style");
}

/// A large site's A–Z list has a page per letter: `/search/` links to
/// them, each lists its letter's pages and headings and marks its letter
/// in the navigation; a small site's list stays on one page.
#[test]
fn a_large_a_to_z_list_has_a_page_per_letter() {
    let f = Fixture::new("title = \"Big\"\n");
    // 520 pages with one heading each: 1040 lines, over the one-page limit.
    for i in 0..520 {
        let (first, second) = if i % 2 == 0 {
            ("Alpha", "Beta")
        } else {
            ("Étude", "42 things")
        };
        f.write(
            &format!("content/p{i}.md"),
            &format!("+++\ntitle = \"{first} {i}\"\n+++\n## {second} {i}\n\nText.\n"),
        );
    }
    f.build_ok(&[]);
    let main = f.output("search/index.html");
    assert!(
        main.contains("data-search-page"),
        "the box's target: {main}"
    );
    assert!(
        !main.contains("search-page__list"),
        "no list on /search/: {main}"
    );
    for (letter, slug) in [("A", "a"), ("B", "b"), ("É", "uc9"), ("#", "0")] {
        assert!(
            main.contains(&format!("<a href=\"{slug}/index.html\">{letter}</a>")),
            "{letter}: {main}"
        );
    }
    let a = f.output("search/a/index.html");
    assert!(a.contains("<title>Search: A · Big</title>"), "{a}");
    assert!(
        a.contains("<a href=\"index.html\" aria-current=\"page\">A</a>"),
        "{a}"
    );
    assert!(a.contains("<a href=\"../b/index.html\">B</a>"), "{a}");
    assert!(
        a.contains("<a href=\"../../p0/index.html\">Alpha 0</a>"),
        "{a}"
    );
    assert!(!a.contains("Beta 0"), "B's headings are on B's page: {a}");
    assert!(!a.contains("data-search-page"), "{a}");
    let b = f.output("search/b/index.html");
    assert!(
        b.contains("<a href=\"../../p0/index.html#beta-0\">Beta 0</a> <span class=\"search-page__in\">in Alpha 0</span>"),
        "{b}"
    );
    assert!(f.output("search/uc9/index.html").contains(">Étude 1</a>"));
    assert!(f.output("search/0/index.html").contains(">42 things 1</a>"));
    // Under the limit: one page with every list.
    let small = Fixture::new("title = \"Small\"\n");
    small.write(
        "content/a.md",
        "+++\ntitle = \"Alpha\"\n+++\n## Beta\n\nText.\n",
    );
    small.build_ok(&[]);
    let page = small.output("search/index.html");
    // Letters link to their lists on the page (`#` first: the home page's
    // empty-looking names sort before letters).
    let link = |n: usize, l: &str| format!("<a href=\"#letter-{n}\">{l}</a>");
    let heading = |n: usize, l: &str| format!("<h2 id=\"letter-{n}\">{l}</h2>");
    assert!(
        (1..4).any(|n| page.contains(&link(n, "A")) && page.contains(&heading(n, "A"))),
        "{page}"
    );
    assert!(
        (1..4).any(|n| page.contains(&link(n, "B")) && page.contains(&heading(n, "B"))),
        "{page}"
    );
    assert!(
        page.contains(">Beta</a> <span class=\"search-page__in\">in Alpha</span>"),
        "{page}"
    );
    assert!(!small.has_output("search/a/index.html"));
}

#[test]
fn search_can_be_switched_off_and_bad_keys_are_errors_at_their_line() {
    let f = Fixture::new("title = \"x\"\n[search]\nenabled = false\n");
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    f.build_ok(&[]);
    assert!(!f.has_output("search/index.js"));
    assert!(!f.has_output("search/index.html"));
    assert!(!f.output("a/index.html").contains("data-search"));
    let f = Fixture::new("title = \"x\"\n\n[search]\nsnipet_length = 5\n");
    let err = f.build_err(&[]);
    assert!(err.contains("snipet_length"), "{err}");
    assert!(err.contains("guidepost.toml:4"), "{err}");
    assert!(err.contains("snippet_length"), "{err}");
    let f = Fixture::new("title = \"x\"\n");
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\nin_search_index = \"no\"\n+++\nText.\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("content/a.md:3"), "{err}");
}

/// A Zola config's `[search]` keys (its elasticlunr options) build with a
/// warning beside ours; `build_search_index` switches the index as Zola's
/// does, unless `[search] enabled` says otherwise.
#[test]
fn zola_search_keys_are_known_and_build_search_index_switches_the_index() {
    let zola = |config: &str| {
        let f = Fixture::new("");
        std::fs::remove_file(f.root().join("guidepost.toml")).unwrap();
        f.write("config.toml", config);
        f.write("templates/index.html", "{{ section.title }}");
        f.write("templates/page.html", "{{ page.content | safe }}");
        f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nZebra text.\n");
        f
    };
    let f = zola(
        "title = \"z\"\nbuild_search_index = true\n[search]\ninclude_title = true\ninclude_content = true\ninclude_description = false\ntruncate_content_length = 100\nindex_format = \"elasticlunr_json\"\nsnippet_length = 80\n",
    );
    let err = f.build_ok(&[]);
    assert!(f.has_output("search/index.js"), "build_search_index = true");
    for (key, line) in [
        ("search.include_title", 4),
        ("search.include_content", 5),
        ("search.truncate_content_length", 7),
        ("search.index_format", 8),
    ] {
        assert!(
            err.contains(&format!("`{key}` is accepted but not implemented"))
                && err.contains(&format!("config.toml:{line}:")),
            "{key} at line {line}: {err}"
        );
    }
    assert!(
        !err.contains("`search.include_description` is accepted"),
        "false asks for nothing: {err}"
    );
    assert!(
        !err.contains("`build_search_index` is accepted"),
        "implemented: {err}"
    );
    // Zola's default is no index; ours is an index.
    let f = zola("title = \"z\"\n");
    f.build_ok(&[]);
    assert!(!f.has_output("search/index.js"));
    let f = zola("title = \"z\"\n[search]\nenabled = true\n");
    f.build_ok(&[]);
    assert!(f.has_output("search/index.js"), "[search] enabled wins");
    let f = Fixture::new("title = \"x\"\nbuild_search_index = false\n");
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    f.build_ok(&[]);
    assert!(!f.has_output("search/index.js"));
    assert!(!f.output("a/index.html").contains("data-search"));
    let f = Fixture::new("title = \"x\"\nbuild_search_index = \"yes\"\n");
    let err = f.build_err(&[]);
    assert!(
        err.contains("guidepost.toml:2"),
        "a type error at its line: {err}"
    );
}

/// Twenty pages of varied words: an index over a 1 kB budget.
pub(crate) fn write_wordy_pages(f: &Fixture) {
    for i in 0..20 {
        f.write(
            &format!("content/p{i}.md"),
            &format!(
                "+++\ntitle = \"Page {i}\"\n+++\n{}\n",
                "Words of page number {i} about many things. ".repeat(20)
            ),
        );
    }
}

#[test]
fn an_index_over_budget_is_a_warning() {
    let f = Fixture::new("title = \"x\"\n[search]\nindex_budget_kb = 1\n");
    write_wordy_pages(&f);
    let err = f.build_ok(&[]);
    assert!(err.contains("index_budget_kb = 1"), "{err}");
    // The same index (a few kB) under a budget of 8 kB: no warning.
    f.write(
        "guidepost.toml",
        "title = \"x\"\n[search]\nindex_budget_kb = 8\n",
    );
    let err = f.build_ok(&[]);
    assert!(!err.contains("index_budget_kb"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_vectors_rank_the_same_in_chromium_as_in_rust() {
    let Some(driver) = chromedriver("search vectors") else {
        return;
    };
    let (f, v) = vectors_site();
    let base = serve_dir(&f.root().join("output"));
    let c = browser(&driver, true, 1280).await;
    c.goto(&format!("{base}/index.html")).await.unwrap();
    watch_errors(&c).await;
    let mut wrong = Vec::new();
    for q in v["queries"].as_array().unwrap() {
        let query = q["q"].as_str().unwrap();
        let expect: Vec<String> = serde_json::from_value(q["expect"].clone()).unwrap();
        let got = results(&c, query).await;
        if got != expect {
            wrong.push(format!("{query:?}: got {got:?}, expected {expect:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(problems(&c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

/// The bundled site's queries from the issue, on a static host under CSP.
#[tokio::test(flavor = "multi_thread")]
async fn bundled_site_finds_glossary_terms_board_rows_and_hipaa_under_csp() {
    let Some(driver) = chromedriver("search bundled") else {
        return;
    };
    let (_dir, site) = build_bundled();
    let base = serve_dir(&site);
    let c = browser(&driver, true, 1280).await;
    c.goto(&format!("{base}/roles/vcio/index.html"))
        .await
        .unwrap();
    watch_errors(&c).await;
    let glossary =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("content/glossary.md"))
            .unwrap();
    let mut wrong = Vec::new();
    let mut terms = 0;
    // Terms are headings (`## Term {#id}`) or definition terms (`Term {#id}`).
    for line in glossary.lines() {
        let rest = line.strip_prefix("## ").unwrap_or(line);
        let Some((name, id)) = rest.split_once(" {#").filter(|_| rest.ends_with('}')) else {
            continue;
        };
        let id = id.trim_end_matches('}');
        let short = name.split(" (").next().unwrap();
        for q in [name, short] {
            let got = results(&c, q).await;
            if got.first().map(String::as_str) != Some(&format!("/glossary/#{id}")) {
                wrong.push(format!("{q:?}: {got:?}"));
            }
        }
        terms += 1;
    }
    assert!(terms >= 20, "found {terms} glossary terms");
    assert!(
        wrong.is_empty(),
        "glossary terms not first:\n{}",
        wrong.join("\n")
    );
    let board = results(&c, "board").await;
    assert!(
        board
            .iter()
            .any(|u| u.starts_with("/compare/#comparison-") && u.ends_with("-reports-to")),
        "{board:?}"
    );
    let hipaa = results(&c, "HIPAA").await;
    assert!(
        hipaa
            .iter()
            .any(|u| u.starts_with("/compare/#comparison-") && u.ends_with("-compliance-role")),
        "{hipaa:?}"
    );
    assert!(
        hipaa.iter().any(|u| u.starts_with("/roles/vciso/")),
        "{hipaa:?}"
    );
    // Highlighted matches, and an announced count.
    let marks = c.execute("return Array.from(document.querySelectorAll('.search__results mark')).map(m => m.textContent.toLowerCase());", vec![]).await.unwrap();
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "hipaa"),
        "{marks}"
    );
    let status = c
        .execute(
            "return document.querySelector('.search__status').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(status.as_str().unwrap().contains("result"), "{status}");
    assert_eq!(problems(&c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn works_from_file_urls() {
    let Some(driver) = chromedriver("search file://") else {
        return;
    };
    let (_dir, site) = build_bundled();
    let c = browser(&driver, true, 1280).await;
    c.goto(&format!("file://{}/index.html", site.display()))
        .await
        .unwrap();
    watch_errors(&c).await;
    let input = c.find(Locator::Css("input[name=q]")).await.unwrap();
    input.send_keys("hipaa").await.unwrap();
    wait_for(&c, PANEL_OPEN, "results from file://").await;
    assert_eq!(problems(&c).await, Vec::<String>::new());
    let first = c.find(Locator::Css(".search__results a")).await.unwrap();
    first.click().await.unwrap();
    wait_for(
        &c,
        "return location.href.endsWith('glossary/index.html#hipaa');",
        "the glossary entry",
    )
    .await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn works_in_a_sandboxed_cross_origin_iframe() {
    let Some(driver) = chromedriver("search iframe") else {
        return;
    };
    let (dir, site) = build_bundled();
    let base = serve_dir(&site);
    let host = dir.path().join("host.html");
    std::fs::write(
        &host,
        format!("<!DOCTYPE html><title>Intranet</title><iframe sandbox=\"allow-scripts\" src=\"{base}/index.html\" width=\"1000\" height=\"700\"></iframe>"),
    )
    .unwrap();
    let c = browser(&driver, true, 1280).await;
    c.goto(&format!("file://{}", host.display())).await.unwrap();
    let frame = c.find(Locator::Css("iframe")).await.unwrap();
    frame.enter_frame().await.unwrap();
    wait_for(
        &c,
        "return !!document.querySelector('input[name=q]');",
        "the framed page",
    )
    .await;
    watch_errors(&c).await;
    let origin = c.execute("return self.origin;", vec![]).await.unwrap();
    assert_eq!(origin, json!("null"), "sandboxed: an opaque origin");
    let input = c.find(Locator::Css("input[name=q]")).await.unwrap();
    input.send_keys("board").await.unwrap();
    wait_for(&c, PANEL_OPEN, "results in the iframe").await;
    assert_eq!(problems(&c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn keyboard_alone_finds_and_opens_a_result() {
    let Some(driver) = chromedriver("search keyboard") else {
        return;
    };
    let (_dir, site) = build_bundled();
    let base = serve_dir(&site);
    let c = browser(&driver, true, 1280).await;
    c.goto(&format!("{base}/compare/index.html")).await.unwrap();
    watch_errors(&c).await;
    let active = "return document.activeElement.id || document.activeElement.className;";
    let body = c.find(Locator::Css("body")).await.unwrap();
    body.send_keys("/").await.unwrap();
    assert_eq!(
        c.execute(active, vec![]).await.unwrap(),
        json!("search-input"),
        "/ focuses the box"
    );
    let input = c.find(Locator::Css("#search-input")).await.unwrap();
    input.send_keys("board").await.unwrap();
    wait_for(&c, PANEL_OPEN, "results").await;
    assert_eq!(
        c.execute(
            "return document.querySelector('#search-input').value;",
            vec![]
        )
        .await
        .unwrap(),
        json!("board"),
        "/ was not typed"
    );
    input.send_keys(&Key::Down.to_string()).await.unwrap();
    assert_eq!(
        c.execute(active, vec![]).await.unwrap(),
        json!("search__result-link")
    );
    let first = c
        .execute("return document.activeElement.href;", vec![])
        .await
        .unwrap();
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Down.to_string())
        .await
        .unwrap();
    let second = c
        .execute("return document.activeElement.href;", vec![])
        .await
        .unwrap();
    assert_ne!(first, second, "down moves to the next result");
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Up.to_string())
        .await
        .unwrap();
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Up.to_string())
        .await
        .unwrap();
    assert_eq!(
        c.execute(active, vec![]).await.unwrap(),
        json!("search-input"),
        "up from the first result returns to the box"
    );
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    assert_eq!(
        c.execute(
            "return document.querySelector('.search__panel').hidden;",
            vec![]
        )
        .await
        .unwrap(),
        json!(true),
        "Escape closes"
    );
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Down.to_string())
        .await
        .unwrap();
    assert_eq!(problems(&c).await, Vec::<String>::new());
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    let first = first.as_str().unwrap().to_string();
    wait_for(
        &c,
        &format!("return location.href === {};", json!(first)),
        "the first result",
    )
    .await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_javascript_the_box_opens_the_search_page() {
    let Some(driver) = chromedriver("search no-js") else {
        return;
    };
    let (_dir, site) = build_bundled();
    let base = serve_dir(&site);
    let c = browser(&driver, false, 1280).await;
    c.goto(&format!("{base}/roles/vcio/index.html"))
        .await
        .unwrap();
    let input = c.find(Locator::Css("input[name=q]")).await.unwrap();
    input.send_keys("hipaa").await.unwrap();
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("/search/index.html?q=hipaa")
    {
        assert!(
            Instant::now() < deadline,
            "did not reach the search page: {}",
            c.current_url().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let link = c
        .find(Locator::XPath("//main//a[normalize-space()='HIPAA']"))
        .await
        .unwrap();
    assert!(
        link.attr("href")
            .await
            .unwrap()
            .unwrap()
            .ends_with("glossary/index.html#hipaa")
    );
    c.close().await.unwrap();
}

/// A browser with the given `prefers-color-scheme`.
async fn browser_in(driver: &crate::common::Driver, dark: bool) -> Client {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--window-size=1280,900".into(),
    ];
    if dark {
        args.push("--force-dark-mode".into());
        args.push("--blink-settings=preferredColorScheme=0".into());
    } else {
        args.push("--blink-settings=preferredColorScheme=1".into());
    }
    let mut chrome = json!({ "args": args });
    if let Some(bin) = which("chromium") {
        chrome["binary"] = json!(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("connect to chromedriver")
}

#[tokio::test(flavor = "multi_thread")]
async fn axe_finds_no_violations_with_results_open_in_light_and_dark() {
    let axe = std::env::var_os("GUIDEPOST_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/guidepost-tools/node_modules/axe-core/axe.min.js")
        });
    let Ok(axe) = std::fs::read_to_string(&axe) else {
        assert!(
            !browser_required(),
            "axe-core not found at {}",
            axe.display()
        );
        eprintln!("SKIPPED search axe: {} not found", axe.display());
        return;
    };
    let Some(driver) = chromedriver("search axe") else {
        return;
    };
    let (_dir, site) = build_bundled();
    let base = serve_dir(&site);
    for dark in [false, true] {
        let c = browser_in(&driver, dark).await;
        for page in ["index.html", "search/index.html?q=hipaa"] {
            c.goto(&format!("{base}/{page}")).await.unwrap();
            let scheme = c
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(scheme, json!(dark), "colour scheme");
            if page == "index.html" {
                let input = c.find(Locator::Css("input[name=q]")).await.unwrap();
                input.send_keys("security").await.unwrap();
            }
            wait_for(&c, PANEL_OPEN, "results").await;
            let violations = crate::common::axe_violations(&c, &axe).await;
            assert_eq!(
                violations,
                Vec::<String>::new(),
                "axe on {page}, dark = {dark}"
            );
        }
        c.close().await.unwrap();
    }
}

#[test]
fn serve_keeps_the_index_current_after_an_edit() {
    let f = Fixture::new("title = \"x\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHello.\n");
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nThe first page.\n");
    f.write(
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\nThe second page.\n",
    );
    let server = f.serve(&[]);
    let get = |p: &str| {
        let (status, _, body) = raw_get(server.port, p);
        (status, String::from_utf8_lossy(&body).to_string())
    };
    let (status, manifest) = get("/search/index.js");
    assert_eq!(status, 200);
    assert!(!manifest.contains("\"qu\""), "{manifest}");
    let before_second = get("/search/w-se.js").1;
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nThe first page, about a quokka.\n",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, m) = get("/search/index.js");
        if m.contains("\"qu\"") {
            break;
        }
        assert!(Instant::now() < deadline, "index not updated: {m}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, shard) = get("/search/w-qu.js");
    assert_eq!(status, 200);
    assert!(shard.contains("quokka"), "{shard}");
    // A shard only b.md's words fill keeps its bytes.
    assert_eq!(get("/search/w-se.js").1, before_second);
}
