//! `guidepost serve` in headless Chromium: an edit shows up without a manual
//! reload, a broken page shows the error overlay and fixing it clears it —
//! all under `Content-Security-Policy: default-src 'self'`.
//!
//! Skipped when chromedriver is not installed, unless
//! GUIDEPOST_REQUIRE_BROWSER=1.

use std::time::{Duration, Instant};

use crate::common::{Fixture, browser, chromedriver};

fn site() -> Fixture {
    let f = Fixture::new("title = \"Browser test\"\nbase_url = \"\"\n");
    f.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    let mut long = String::from("+++\ntitle = \"Live\"\n+++\nFirst version of the text.\n\n");
    for i in 0..60 {
        long.push_str(&format!(
            "Paragraph {i} keeps the page tall enough to scroll.\n\n"
        ));
    }
    f.write("content/live.md", &long);
    f
}

async fn eval(client: &fantoccini::Client, js: &str) -> serde_json::Value {
    client.execute(js, vec![]).await.unwrap()
}

/// Polls `js` until it returns true.
async fn wait_for(client: &fantoccini::Client, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if eval(client, js).await == serde_json::json!(true) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the page and waits until its event stream is connected.
async fn open(client: &fantoccini::Client, url: &str) {
    client.goto(url).await.unwrap();
    wait_for(
        client,
        "return !!(window.guidepostLiveReload && window.guidepostLiveReload.connected);",
        "the event stream",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_appears_without_a_manual_reload() {
    let Some(driver) = chromedriver("serve_browser::edit") else {
        return;
    };
    let f = site();
    let server = f.serve(&["--csp"]);
    let client = browser(&driver, true, 1000).await;
    open(&client, &format!("http://127.0.0.1:{}/live/", server.port)).await;
    assert_eq!(
        eval(
            &client,
            "return document.body.textContent.indexOf('First version') !== -1;"
        )
        .await,
        serde_json::json!(true)
    );
    // Scroll down and mark the window: a reload keeps the scroll position
    // (the marker goes, proving the page itself reloaded rather than us).
    eval(
        &client,
        "window.scrollTo({ left: 0, top: 400, behavior: 'instant' }); window.__marker = 1; return true;",
    )
    .await;
    let text = std::fs::read_to_string(f.root().join("content/live.md"))
        .unwrap()
        .replace("First version", "Second version");
    f.write("content/live.md", &text);
    wait_for(
        &client,
        "return document.body.textContent.indexOf('Second version') !== -1;",
        "the edited text",
    )
    .await;
    assert_eq!(
        eval(&client, "return window.__marker === undefined;").await,
        serde_json::json!(true)
    );
    wait_for(
        &client,
        "return window.scrollY > 300;",
        "the scroll position to come back",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_error_overlay_appears_and_clears() {
    let Some(driver) = chromedriver("serve_browser::overlay") else {
        return;
    };
    let f = site();
    let server = f.serve(&["--csp"]);
    let client = browser(&driver, true, 1000).await;
    open(&client, &format!("http://127.0.0.1:{}/live/", server.port)).await;
    let good = std::fs::read_to_string(f.root().join("content/live.md")).unwrap();
    f.write(
        "content/live.md",
        &good.replace(
            "First version of the text.",
            "First version links to [nowhere](@/nowhere.md).",
        ),
    );
    wait_for(
        &client,
        "return !!document.getElementById('guidepost-overlay');",
        "the error overlay",
    )
    .await;
    let overlay = eval(
        &client,
        "return document.getElementById('guidepost-overlay').textContent;",
    )
    .await;
    let overlay = overlay.as_str().unwrap();
    assert!(overlay.contains("content/live.md:4:"), "{overlay}");
    assert!(overlay.contains("nowhere.md"), "{overlay}");
    // Styled by the overlay stylesheet (no inline styles under the CSP).
    wait_for(
        &client,
        "return getComputedStyle(document.getElementById('guidepost-overlay')).position === 'fixed';",
        "the overlay stylesheet",
    )
    .await;
    // The last good page is still there underneath.
    assert_eq!(
        eval(
            &client,
            "return document.body.textContent.indexOf('First version of the text.') !== -1;"
        )
        .await,
        serde_json::json!(true)
    );
    f.write(
        "content/live.md",
        &good.replace("First version", "Fixed version"),
    );
    wait_for(
        &client,
        "return !document.getElementById('guidepost-overlay') && document.body.textContent.indexOf('Fixed version') !== -1;",
        "the overlay to clear",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stylesheet_edit_swaps_the_stylesheet_without_reloading() {
    let Some(driver) = chromedriver("serve_browser::css") else {
        return;
    };
    let f = site();
    let css = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("themes/default/static/css/guidepost.css"),
    )
    .expect("default theme stylesheet");
    f.write("static/css/guidepost.css", &css);
    let server = f.serve(&["--csp"]);
    let client = browser(&driver, true, 1000).await;
    open(&client, &format!("http://127.0.0.1:{}/live/", server.port)).await;
    eval(&client, "window.__marker = 1; return true;").await;
    f.write(
        "static/css/guidepost.css",
        &format!("{css}\nbody {{ outline: 3px solid rgb(1, 2, 3); }}\n"),
    );
    wait_for(
        &client,
        "return getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)';",
        "the new stylesheet",
    )
    .await;
    assert_eq!(
        eval(&client, "return window.__marker === 1 && document.querySelector('link[rel=stylesheet][href*=\"guidepost.css\"]').href.indexOf('guidepost-reload=') !== -1;").await,
        serde_json::json!(true),
        "swapped in place, no reload"
    );
    client.close().await.unwrap();
}

/// The search index follows a reload with a `files` event: a page that
/// has loaded index files reloads (its search would mix old and new
/// shards), one that has not stays as it is.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_searched_reloads_when_the_index_changes() {
    let Some(driver) = chromedriver("serve_browser::index") else {
        return;
    };
    let f = site();
    f.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nAbout this version.\n",
    );
    let server = f.serve(&["--csp"]);
    let searched = browser(&driver, true, 1000).await;
    let idle = browser(&driver, true, 1000).await;
    let url = format!("http://127.0.0.1:{}/about/", server.port);
    open(&searched, &url).await;
    open(&idle, &url).await;
    let input = searched
        .find(fantoccini::Locator::Css("input[name=q]"))
        .await
        .unwrap();
    input.send_keys("version").await.unwrap();
    wait_for(
        &searched,
        "return document.querySelectorAll('.search__results a').length > 0;",
        "search results",
    )
    .await;
    for c in [&searched, &idle] {
        eval(c, "window.__marker = 1; return true;").await;
    }
    // Another page gains a word: /about/ is not among the pages that
    // changed, but the index is.
    let text = std::fs::read_to_string(f.root().join("content/live.md"))
        .unwrap()
        .replace(
            "First version of the text.",
            "First version of the text, with wombats.",
        );
    f.write("content/live.md", &text);
    wait_for(
        &searched,
        "return window.__marker === undefined && document.readyState === 'complete';",
        "the page that searched to reload",
    )
    .await;
    // Give the idle page the same time: it keeps its marker.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        eval(&idle, "return window.__marker === 1;").await,
        serde_json::json!(true),
        "a page that loaded no index file did not reload"
    );
    searched.close().await.unwrap();
    idle.close().await.unwrap();
}
