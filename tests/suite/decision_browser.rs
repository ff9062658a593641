//! The bundled decision guide in headless Chromium (WebDriver via chromedriver):
//! every route clicked through with JavaScript (in place, focus on each new
//! heading, browser back and forward, permalinks that reload to the same step),
//! by keyboard alone, and again with JavaScript disabled.
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
    assert_eq!(all.len(), 14, "routes of the bundled tree");
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
    let c = crate::common::browser(&driver, true, 1100).await;
    c.set_window_size(1100, 2400).await.unwrap();
    c.goto(&format!(
        "{}/decide/q/sec-it-strategy/no-or-not-sure/no/yes/",
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
        "/decide/q/both-signals/",
        "/decide/q/sec-it-strategy/no-or-not-sure/no/yes/",
        "/decide/result/neither/",
    ] {
        c.goto(&format!("{}{page}", site.base)).await.unwrap();
        c.execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .unwrap();
        let violations = c
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document).then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(violations, serde_json::json!([]), "axe on {page}");
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
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = crate::common::guidepost(&[
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
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
