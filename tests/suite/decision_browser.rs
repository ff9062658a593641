//! The bundled decision guide in headless Chromium (WebDriver via chromedriver):
//! every route clicked through with JavaScript (in place, focus on each new
//! heading, browser back and forward, permalinks that reload to the same step),
//! by keyboard alone (with a visible, legible focus in both colour schemes),
//! opened from disk (file://: page loads, focus on the heading, no console
//! errors), and again with JavaScript disabled.
//!
//! Skips when chromedriver is not installed, unless GUIDEPOST_REQUIRE_BROWSER=1.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;

/// The bundled site, built and served under a CSP of `default-src 'self'`.
struct Served {
    _dir: tempfile::TempDir,
    base: String,
    tree: Value,
}

fn serve_bundled() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = crate::common::guidepost(&[
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tree: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("decide/tree.json")).unwrap())
            .unwrap();
    let base = crate::common::serve_dir(&out);
    Served {
        _dir: dir,
        base,
        tree,
    }
}

/// One route through the tree: the answers, the headings shown after each
/// step (first question first), and the page URL of each step.
struct Route {
    answers: Vec<String>,
    headings: Vec<String>,
    paths: Vec<String>,
}

fn routes(tree: &Value) -> Vec<Route> {
    let questions: HashMap<&str, &Value> = tree["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_str().unwrap(), q))
        .collect();
    let outcomes: HashMap<&str, &str> = tree["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["title"].as_str().unwrap()))
        .collect();
    let pages: HashMap<Vec<String>, String> = tree["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                p["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for page in tree["pages"].as_array().unwrap() {
        if !outcomes.contains_key(page["node"].as_str().unwrap()) {
            continue;
        }
        let answers: Vec<String> = page["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let mut node = tree["start"].as_str().unwrap().to_string();
        let mut headings = Vec::new();
        let mut paths = Vec::new();
        for k in 0..=answers.len() {
            paths.push(pages[&answers[..k].to_vec()].clone());
            match questions.get(node.as_str()) {
                Some(q) => {
                    headings.push(q["text"].as_str().unwrap().to_string());
                    if k < answers.len() {
                        let a = q["answers"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|a| a["label"] == answers[k].as_str())
                            .unwrap();
                        node = a["next"].as_str().unwrap().to_string();
                    }
                }
                None => headings.push(outcomes[node.as_str()].to_string()),
            }
        }
        out.push(Route {
            answers,
            headings,
            paths,
        });
    }
    out
}

async fn h1(c: &Client) -> String {
    match c.find(Locator::Css("h1")).await {
        Ok(e) => e.text().await.unwrap_or_default().trim().to_string(),
        Err(_) => String::new(),
    }
}

async fn wait_h1(c: &Client, expected: &str, context: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = h1(c).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{context}: heading is {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn focus_is_on_heading(c: &Client) -> bool {
    c.execute(
        "return document.activeElement === document.querySelector('[data-decision-heading]');",
        vec![],
    )
    .await
    .unwrap()
        == Value::Bool(true)
}

async fn click_link(c: &Client, text: &str, class: Option<&str>) {
    let xpath = match class {
        Some(class) => format!(
            "//a[contains(concat(' ', @class, ' '), ' {class} ') and normalize-space(.)='{text}']"
        ),
        None => format!("//a[normalize-space(.)='{text}']"),
    };
    let link = c
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
    // The theme scrolls smoothly; put the link in view at once before clicking.
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        vec![serde_json::to_value(&link).unwrap()],
    )
    .await
    .unwrap();
    link.click().await.unwrap();
}

async fn path_of(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    url.path().trim_end_matches("index.html").to_string()
}

async fn in_place(c: &Client) -> bool {
    c.execute("return window.__decisionMarker === true;", vec![])
        .await
        .unwrap()
        == Value::Bool(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_javascript_every_route_runs_in_place_with_history_and_focus() {
    let Some(driver) = crate::common::chromedriver("decision guide with JavaScript") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, true, 1200).await;
    let all = routes(&site.tree);
    assert_eq!(all.len(), 15, "routes of the bundled tree");
    for route in &all {
        let ctx = format!("route {:?}", route.answers);
        c.goto(&format!("{}/decide/", site.base)).await.unwrap();
        c.execute("window.__decisionMarker = true;", vec![])
            .await
            .unwrap();
        click_link(&c, "Start", Some("decision-button")).await;
        wait_h1(&c, &route.headings[0], &ctx).await;
        assert!(focus_is_on_heading(&c).await, "{ctx}: focus after Start");
        assert_eq!(path_of(&c).await, route.paths[0], "{ctx}");
        for (k, answer) in route.answers.iter().enumerate() {
            click_link(&c, answer, Some("decision-answer")).await;
            wait_h1(&c, &route.headings[k + 1], &ctx).await;
            assert!(
                focus_is_on_heading(&c).await,
                "{ctx}: focus after answer {k}"
            );
            assert_eq!(path_of(&c).await, route.paths[k + 1], "{ctx}: URL");
        }
        assert!(
            in_place(&c).await,
            "{ctx}: the guide ran without page loads"
        );
        let outcome = route.headings.last().unwrap();
        // The change is announced.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let live = c
                .find(Locator::Css("[data-decision-live]"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            if live.contains(outcome.as_str()) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{ctx}: live region says {live:?}"
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        // Browser back and forward move between steps, still in place.
        c.back().await.unwrap();
        let n = route.headings.len();
        wait_h1(&c, &route.headings[n - 2], &format!("{ctx} back")).await;
        assert_eq!(
            path_of(&c).await,
            route.paths[n - 2],
            "{ctx}: URL after back"
        );
        c.forward().await.unwrap();
        wait_h1(&c, outcome, &format!("{ctx} forward")).await;
        assert!(in_place(&c).await, "{ctx}: back/forward without page loads");
        // The URL is a permalink: reloading shows the same step.
        c.refresh().await.unwrap();
        wait_h1(&c, outcome, &format!("{ctx} reload")).await;
        assert!(!in_place(&c).await, "{ctx}: reload really reloaded");
        let why = c
            .find(Locator::Css(".decision-summary"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(why.contains("Why this result"), "{ctx}");
        for a in &route.answers {
            assert!(why.contains(a.as_str()), "{ctx}: {a} in {why}");
        }
    }
    // Start again, and change an answer, in place.
    c.execute("window.__decisionMarker = true;", vec![])
        .await
        .unwrap();
    click_link(&c, "Start again", None).await;
    wait_h1(&c, &all[0].headings[0], "start again").await;
    assert!(focus_is_on_heading(&c).await);
    assert!(in_place(&c).await);
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_alone_works() {
    let Some(driver) = crate::common::chromedriver("decision guide by keyboard") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, true, 1200).await;
    let all = routes(&site.tree);
    let route = all.iter().max_by_key(|r| r.answers.len()).unwrap();
    c.goto(&format!("{}/decide/", site.base)).await.unwrap();
    let press = |key: &'static str| {
        let c = c.clone();
        async move {
            c.active_element()
                .await
                .unwrap()
                .send_keys(key)
                .await
                .unwrap();
        }
    };
    let tab_to = |text: String| {
        let c = c.clone();
        async move {
            for _ in 0..80 {
                c.active_element()
                    .await
                    .unwrap()
                    .send_keys("\u{E004}")
                    .await
                    .unwrap();
                let now = c.active_element().await.unwrap().text().await.unwrap();
                if now.trim() == text {
                    return;
                }
            }
            panic!("could not tab to {text:?}");
        }
    };
    tab_to("Start".into()).await;
    press("\u{E007}").await;
    wait_h1(&c, &route.headings[0], "keyboard start").await;
    assert!(focus_is_on_heading(&c).await);
    for (k, answer) in route.answers.iter().enumerate() {
        tab_to(answer.clone()).await;
        press("\u{E007}").await;
        wait_h1(&c, &route.headings[k + 1], "keyboard").await;
        assert!(
            focus_is_on_heading(&c).await,
            "focus after keyboard answer {k}"
        );
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_every_route_works_with_plain_links() {
    let Some(driver) = crate::common::chromedriver("decision guide without JavaScript") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, false, 1000).await;
    for route in routes(&site.tree) {
        let ctx = format!("no-JS route {:?}", route.answers);
        c.goto(&format!("{}/decide/", site.base)).await.unwrap();
        click_link(&c, "Start", Some("decision-button")).await;
        wait_h1(&c, &route.headings[0], &ctx).await;
        for (k, answer) in route.answers.iter().enumerate() {
            click_link(&c, answer, Some("decision-answer")).await;
            wait_h1(&c, &route.headings[k + 1], &ctx).await;
            assert_eq!(path_of(&c).await, route.paths[k + 1], "{ctx}");
        }
        let why = c
            .find(Locator::Css(".decision-summary"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(why.contains("Why this result"), "{ctx}");
        // Back is a plain link too.
        click_link(&c, "Back", Some("decision-back")).await;
        let n = route.headings.len();
        wait_h1(&c, &route.headings[n - 2], &ctx).await;
        // A plain link: the browser navigated to the previous step's own page.
        assert_eq!(path_of(&c).await, route.paths[n - 2], "{ctx}: Back");
    }
    c.close().await.unwrap();
}

/// Writes screenshots of a question and of the diagram for the README into
/// the folder GUIDEPOST_SCREENSHOTS names. A tool, not a check: ignored so that
/// it is never counted as a pass; run it with
/// `GUIDEPOST_SCREENSHOTS=docs/images cargo test --test suite screenshots -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes README screenshots; needs GUIDEPOST_SCREENSHOTS"]
async fn screenshots_for_the_readme() {
    let dir = std::env::var("GUIDEPOST_SCREENSHOTS")
        .expect("GUIDEPOST_SCREENSHOTS names the folder for the screenshots");
    let Some(driver) = crate::common::chromedriver("decision screenshots") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, true, 1280).await;
    c.set_window_size(1280, 2400).await.unwrap();
    c.goto(&format!(
        "{}/decide/q/sec-it-strategy/no-or-not-sure/no-or-not-sure/no/yes/",
        site.base
    ))
    .await
    .unwrap();
    let shot = c
        .find(Locator::Css(".decision-step"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    std::fs::write(format!("{dir}/decision-guide.png"), shot).unwrap();
    c.goto(&format!("{}/decide/", site.base)).await.unwrap();
    let shot = c
        .find(Locator::Css(".decision-diagram"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    std::fs::write(format!("{dir}/decision-diagram.png"), shot).unwrap();
    c.close().await.unwrap();
}

/// axe-core over the tree page, a question and a result, when axe is installed
/// (`~/.cache/guidepost-tools/node_modules/axe-core`, or GUIDEPOST_AXE_JS as CI sets it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_violations_on_decision_pages() {
    let axe = std::env::var("GUIDEPOST_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/guidepost-tools/node_modules/axe-core/axe.min.js")
        });
    let Ok(source) = std::fs::read_to_string(&axe) else {
        assert!(
            !crate::common::browser_required(),
            "axe: {} not found and GUIDEPOST_REQUIRE_BROWSER=1",
            axe.display()
        );
        eprintln!("SKIPPED axe: {} not found", axe.display());
        return;
    };
    let Some(driver) = crate::common::chromedriver("decision pages under axe") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, true, 1200).await;
    for page in [
        "/decide/",
        "/decide/q/both-fronts/",
        "/decide/q/sec-it-strategy/no-or-not-sure/no-or-not-sure/no/yes/",
        "/decide/result/neither/",
    ] {
        c.goto(&format!("{}{page}", site.base)).await.unwrap();
        let violations = crate::common::axe_violations(&c, &source).await;
        assert!(violations.is_empty(), "axe on {page}: {violations:#?}");
    }
    c.close().await.unwrap();
}

/// The bundled site built into a temp dir, for file:// URLs.
fn build_bundled_files() -> (tempfile::TempDir, std::path::PathBuf, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = crate::common::guidepost(&[
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tree: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("decide/tree.json")).unwrap())
            .unwrap();
    (dir, out, tree)
}

/// Waits (up to 5 s) until focus is on the step's heading.
async fn wait_focus_on_heading(c: &Client, context: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !focus_is_on_heading(c).await {
        let now = c
            .execute(
                "const a = document.activeElement; return a ? a.tagName + ' ' + a.textContent.trim().slice(0, 40) : '';",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            Instant::now() < deadline,
            "{context}: focus is on {now}, not on the heading"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_file_urls_every_route_loads_pages_focuses_the_heading_and_logs_no_errors() {
    let Some(driver) = crate::common::chromedriver("decision guide from file://") else {
        return;
    };
    let (_dir, site, tree) = build_bundled_files();
    let start = url::Url::from_file_path(site.join("decide/index.html")).unwrap();
    let c = crate::common::browser(&driver, true, 1200).await;
    // The console log can be read: a probe message shows up in it.
    c.goto(start.as_str()).await.unwrap();
    c.execute("console.error('guidepost-probe');", vec![])
        .await
        .unwrap();
    let probe = crate::common::console_messages(&c).await;
    assert!(
        probe.iter().any(|m| m.contains("guidepost-probe")),
        "console log not readable: {probe:?}"
    );
    let all = routes(&tree);
    assert_eq!(all.len(), 15);
    let mut errors = Vec::new();
    for route in &all {
        let ctx = format!("file:// route {:?}", route.answers);
        c.goto(start.as_str()).await.unwrap();
        click_link(&c, "Start", Some("decision-button")).await;
        wait_h1(&c, &route.headings[0], &ctx).await;
        wait_focus_on_heading(&c, &format!("{ctx}, after Start")).await;
        for (k, answer) in route.answers.iter().enumerate() {
            click_link(&c, answer, Some("decision-answer")).await;
            wait_h1(&c, &route.headings[k + 1], &ctx).await;
            wait_focus_on_heading(&c, &format!("{ctx}, after answer {k}")).await;
            let url = c.current_url().await.unwrap();
            assert_eq!(url.scheme(), "file", "{ctx}");
            assert!(
                url.path()
                    .ends_with(&format!("{}index.html", route.paths[k + 1])),
                "{ctx}: at {url}, expected {}",
                route.paths[k + 1]
            );
        }
        errors.extend(
            crate::common::console_messages(&c)
                .await
                .into_iter()
                .filter(|m| m.starts_with("SEVERE") || m.starts_with("WARNING"))
                .map(|m| format!("{ctx}: {m}")),
        );
    }
    // Opening a step directly (not by following the guide) leaves focus alone.
    let direct = url::Url::from_file_path(site.join("decide/q/both-fronts/index.html")).unwrap();
    c.goto(direct.as_str()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !focus_is_on_heading(&c).await,
        "focus moved on a direct visit"
    );
    assert!(errors.is_empty(), "console errors:\n{}", errors.join("\n"));
    c.close().await.unwrap();
}

/// Contrast of the focused element's text on its background, and of its
/// focus ring (outline, else box-shadow) on the background around it.
const FOCUS_PROBE: &str = r#"
function rgb(s) {
  const m = /rgba?\(([^)]+)\)/.exec(s || '');
  return m ? m[1].split(/[\s,\/]+/).filter(Boolean).map(Number) : null;
}
function lum(c) {
  const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2];
}
function ratio(x, y) {
  const a = lum(x), b = lum(y);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
function bgOf(el) {
  for (; el; el = el.parentElement) {
    const c = rgb(getComputedStyle(el).backgroundColor);
    if (c && (c.length < 4 || c[3] > 0)) return c;
  }
  return [255, 255, 255];
}
const el = document.activeElement;
const cs = getComputedStyle(el);
const around = bgOf(el.parentElement);
let ring = 0;
if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) {
  ring = ratio(rgb(cs.outlineColor), around);
} else if (cs.boxShadow && cs.boxShadow !== 'none') {
  ring = ratio(rgb(cs.boxShadow), around);
}
return {
  label: el.textContent.trim(),
  classes: el.className,
  focus_visible: el.matches(':focus-visible'),
  text: ratio(rgb(cs.color), bgOf(el)),
  ring: ring,
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focused_answer_stays_legible_with_a_visible_ring_in_both_colour_schemes() {
    let Some(driver) = crate::common::chromedriver("decision focus contrast") else {
        return;
    };
    let site = serve_bundled();
    let first_question = site.tree["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["node"] == site.tree["start"])
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let c = crate::common::browser(&driver, true, 1200).await;
    for scheme in ["light", "dark"] {
        crate::common::emulate_media(&c, "", scheme).await;
        for (page, class, wanted) in [
            ("/decide/", "decision-button", 1),
            (first_question.as_str(), "decision-answer", 2),
            ("/decide/result/neither/", "decision-button", 1),
        ] {
            let ctx = format!("{page} in the {scheme} scheme");
            c.goto(&format!("{}{page}", site.base)).await.unwrap();
            let dark = c
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(dark, Value::Bool(scheme == "dark"), "{ctx}");
            let mut checked = 0;
            for _ in 0..80 {
                c.active_element()
                    .await
                    .unwrap()
                    .send_keys("\u{E004}")
                    .await
                    .unwrap();
                let probe = c.execute(FOCUS_PROBE, vec![]).await.unwrap();
                let classes = probe["classes"].as_str().unwrap_or_default();
                if !classes.split(' ').any(|k| k == class) {
                    continue;
                }
                let label = probe["label"].as_str().unwrap_or_default();
                assert_eq!(probe["focus_visible"], Value::Bool(true), "{ctx}: {label}");
                let text = probe["text"].as_f64().unwrap();
                let ring = probe["ring"].as_f64().unwrap();
                assert!(
                    text >= 4.5,
                    "{ctx}: focused {label:?} text contrast {text:.2}"
                );
                assert!(
                    ring >= 3.0,
                    "{ctx}: focused {label:?} ring contrast {ring:.2}"
                );
                checked += 1;
                if checked == wanted {
                    break;
                }
            }
            assert_eq!(checked, wanted, "{ctx}: tabbed to {checked} .{class}");
        }
    }
    c.close().await.unwrap();
}

/// Modified clicks (new tab, new window) are left to the browser; a plain
/// click is taken over. Change links run in place; from `file://`, where the
/// script cannot fetch, links fall back to plain navigation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modified_clicks_change_links_and_file_urls() {
    let Some(driver) = crate::common::chromedriver("decision clicks and fallbacks") else {
        return;
    };
    let site = serve_bundled();
    let c = crate::common::browser(&driver, true, 1200).await;
    let all = routes(&site.tree);
    let route = all.iter().max_by_key(|r| r.answers.len()).unwrap();
    c.goto(&format!("{}{}", site.base, route.paths[0]))
        .await
        .unwrap();
    wait_h1(&c, &route.headings[0], "first question").await;
    // A listener on window runs after the script's; it records whether the
    // click was taken over and stops the browser from following it.
    let click = |modifier: &'static str| {
        let c = c.clone();
        async move {
            c.execute(
                &format!(
                    "window.__taken = null;\
                     window.addEventListener('click', function (e) {{ window.__taken = e.defaultPrevented; e.preventDefault(); }}, {{ once: true }});\
                     var a = document.querySelector('a.decision-answer');\
                     a.dispatchEvent(new MouseEvent('click', {{ bubbles: true, cancelable: true, button: 0, {modifier} }}));\
                     return window.__taken;"
                ),
                vec![],
            )
            .await
            .unwrap()
        }
    };
    for modifier in [
        "ctrlKey: true",
        "metaKey: true",
        "shiftKey: true",
        "altKey: true",
    ] {
        assert_eq!(
            click(modifier).await,
            Value::Bool(false),
            "{modifier}: the script must not intercept"
        );
    }
    assert_eq!(
        click("ctrlKey: false").await,
        Value::Bool(true),
        "a plain click is taken over by the script"
    );

    // Change links work in place with JavaScript on.
    c.goto(&format!("{}/decide/", site.base)).await.unwrap();
    c.execute("window.__decisionMarker = true;", vec![])
        .await
        .unwrap();
    click_link(&c, "Start", Some("decision-button")).await;
    // Start swaps the first question in place: wait for it before answering.
    wait_h1(&c, &route.headings[0], "the first question after Start").await;
    for (k, answer) in route.answers.iter().enumerate() {
        click_link(&c, answer, Some("decision-answer")).await;
        wait_h1(&c, &route.headings[k + 1], "to the outcome").await;
    }
    let change = c
        .find(Locator::Css(".decision-summary__change a"))
        .await
        .unwrap();
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        vec![serde_json::to_value(&change).unwrap()],
    )
    .await
    .unwrap();
    change.click().await.unwrap();
    wait_h1(&c, &route.headings[0], "after Change").await;
    assert_eq!(
        path_of(&c).await,
        route.paths[0],
        "Change goes to the question"
    );
    assert!(in_place(&c).await, "Change ran in place");
    assert!(focus_is_on_heading(&c).await, "focus after Change");

    // From file://, the script cannot fetch: plain navigation still works.
    let (_dir, out, _) = build_bundled_files();
    c.goto(&format!("file://{}/decide/index.html", out.display()))
        .await
        .unwrap();
    click_link(&c, "Start", Some("decision-button")).await;
    wait_h1(&c, &route.headings[0], "file:// start").await;
    click_link(&c, &route.answers[0], Some("decision-answer")).await;
    wait_h1(&c, &route.headings[1], "file:// answer").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.scheme(), "file", "{url}");
    c.close().await.unwrap();
}
