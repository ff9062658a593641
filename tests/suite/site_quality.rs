//! The bundled site as its readers get it: valid HTML (W3C Nu checker), no
//! axe-core accessibility violations (light and dark schemes, phone and
//! desktop widths), text in our own words, nothing that a strict
//! Content-Security-Policy blocks, and no sideways scrolling on a phone.
//!
//! These need tools outside Cargo (Java + vnu.jar, axe-core, chromedriver).
//! They skip with a message when a tool is missing, and fail instead when
//! GUIDEPOST_REQUIRE_BROWSER=1 (as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{
    browser, browser_required, chromedriver, emulate_media, guidepost, list_files, serve_dir, which,
};

/// Builds the bundled site (repo root) into a temp dir.
fn build_bundled() -> tempfile::TempDir {
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
    dir
}

fn html_pages(site: &Path) -> Vec<String> {
    list_files(site)
        .into_iter()
        .filter(|p| p.ends_with(".html"))
        .collect()
}

/// A tool file from an env var or the CI cache folder; None means skip.
fn tool(var: &str, cached: &str, test: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).or_else(|| {
        let home = std::env::var_os("HOME")?;
        Some(
            PathBuf::from(home)
                .join(".cache/guidepost-tools/node_modules")
                .join(cached),
        )
    });
    match path.filter(|p| p.is_file()) {
        Some(p) => Some(p),
        None if browser_required() => {
            panic!("{test}: {var} is not set and {cached} is not installed (see .ci/run)")
        }
        None => {
            eprintln!("SKIPPED {test}: {cached} not found (set {var}; .ci/run installs it)");
            None
        }
    }
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    let Some(jar) = tool(
        "GUIDEPOST_VNU_JAR",
        "vnu-jar/build/dist/vnu.jar",
        "nu html checker",
    ) else {
        return;
    };
    if which("java").is_none() {
        assert!(!browser_required(), "java is not installed");
        eprintln!("SKIPPED nu html checker: no java");
        return;
    }
    let dir = build_bundled();
    let site = dir.path().join("site");
    let pages = html_pages(&site);
    assert!(pages.len() >= 10, "{pages:?}");
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--skip-non-html", "--also-check-svg"])
        .arg(&site)
        .output()
        .expect("run vnu");
    let report =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "Nu HTML checker errors:\n{report}"
    );
}

#[test]
fn pages_have_no_inline_script_or_style() {
    let dir = build_bundled();
    let site = dir.path().join("site");
    for page in html_pages(&site) {
        let html = std::fs::read_to_string(site.join(&page)).unwrap();
        let lower = html.to_lowercase();
        assert!(!lower.contains("<style"), "{page}: <style> element");
        assert!(!lower.contains(" style="), "{page}: style= attribute");
        for tag in lower.split("<script").skip(1) {
            let head = tag.split('>').next().unwrap();
            assert!(head.contains("src="), "{page}: inline <script>");
        }
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " onsubmit=",
            "javascript:",
        ] {
            assert!(!lower.contains(handler), "{page}: inline handler {handler}");
        }
        assert!(
            !lower.contains("http://") || lower.contains("xmlns"),
            "{page}: external http resource"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn axe_finds_no_violations_in_either_colour_scheme_and_pages_fit_a_phone_under_strict_csp() {
    let Some(axe_path) = tool("GUIDEPOST_AXE_JS", "axe-core/axe.min.js", "axe") else {
        return;
    };
    let Some(driver) = chromedriver("axe") else {
        return;
    };
    let axe = std::fs::read_to_string(axe_path).unwrap();
    let dir = build_bundled();
    let site = dir.path().join("site");
    let base = serve_dir(&site);
    let pages: Vec<String> = html_pages(&site)
        .into_iter()
        .filter(|p| {
            let html = std::fs::read_to_string(site.join(p)).unwrap();
            !html.contains("http-equiv=\"refresh\"")
        })
        .collect();
    let mut problems = Vec::new();
    for (width, scheme) in [
        (1280u32, "light"),
        (1280, "dark"),
        (320, "light"),
        (320, "dark"),
    ] {
        let client = browser(&driver, true, width).await;
        emulate_media(&client, "", scheme).await;
        let width = format!("{width} {scheme}");
        for page in &pages {
            client.goto(&format!("{base}/{page}")).await.unwrap();
            // The emulated scheme holds on every page (else the test proves nothing).
            let dark = client
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(dark, serde_json::json!(scheme == "dark"), "{page} @{width}");
            // The stylesheet loaded under `Content-Security-Policy: default-src 'self'`.
            let styled = client
                .execute("return getComputedStyle(document.body).fontFamily.indexOf('Times') === -1 && document.styleSheets.length > 0;", vec![])
                .await
                .unwrap();
            if styled != serde_json::json!(true) {
                problems.push(format!("{page} @{width}: stylesheet not applied"));
            }
            let overflow = client
                .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
                .await
                .unwrap();
            if overflow.as_i64().unwrap_or(0) > 0 {
                problems.push(format!(
                    "{page} @{width}: page scrolls sideways by {overflow}px"
                ));
            }
            let violations = crate::common::axe_violations(&client, &axe).await;
            for v in violations {
                problems.push(format!("{page} @{width}: {v}"));
            }
        }
        client.close().await.unwrap();
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The source article the bundled site's facts come from (`../shared/seed/`
/// beside the repository, or GUIDEPOST_SEED_DIR). None means skip.
fn seed_words() -> Option<Vec<String>> {
    let dir = std::env::var_os("GUIDEPOST_SEED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED own words: no source text at {} (set GUIDEPOST_SEED_DIR)",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    let mut words = Vec::new();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            words.extend(text_words(&text));
        }
    }
    assert!(
        words.len() > 200,
        "the source text in {} is empty",
        dir.display()
    );
    Some(words)
}

/// Words of a text, ignoring case, punctuation, markup and apostrophes
/// (`IT environment’s` and `it environments` are the same words).
fn text_words(text: &str) -> Vec<String> {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if in_tag => {}
            _ => plain.push(c),
        }
    }
    let plain = plain
        .replace("&#x27;", "")
        .replace("&#39;", "")
        .replace("&rsquo;", "")
        .replace("&#8217;", "")
        .replace("&amp;", " ")
        .replace("&quot;", " ")
        .replace(['\'', '’', '‘'], "");
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of `n` consecutive source words found in a text file of the
/// built site, as "file: the words".
fn shared_runs(source: &[String], site: &Path, n: usize) -> Vec<String> {
    let runs: std::collections::HashSet<&[String]> = source.windows(n).collect();
    let mut found = Vec::new();
    for file in list_files(site) {
        let text_like = [".html", ".json", ".xml", ".svg", ".txt"]
            .iter()
            .any(|e| file.ends_with(e));
        if !text_like {
            continue;
        }
        let words = text_words(&std::fs::read_to_string(site.join(&file)).unwrap());
        let mut last_end = 0;
        for (i, w) in words.windows(n).enumerate() {
            if i >= last_end && runs.contains(w) {
                found.push(format!("{file}: {}", w.join(" ")));
                last_end = i + n;
            }
        }
    }
    found
}

#[test]
fn the_bundled_site_says_things_in_its_own_words() {
    let Some(source) = seed_words() else {
        return;
    };
    let dir = build_bundled();
    let found = shared_runs(&source, &dir.path().join("site"), 10);
    assert!(
        found.is_empty(),
        "{} runs of 10 words copied from the source text:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn copied_source_text_is_found_whatever_its_case_punctuation_and_markup() {
    let Some(source) = seed_words() else {
        return;
    };
    // A 12-word stretch from the middle of the source, re-cased, re-punctuated
    // and split by markup and entities, in a file of a built site.
    let mid = source.len() / 2;
    let copied: Vec<String> = source[mid..mid + 12]
        .iter()
        .enumerate()
        .map(|(i, w)| match i % 3 {
            0 => w.to_uppercase(),
            1 => format!("<em>{w}</em>,"),
            _ => format!("{w} &amp;"),
        })
        .collect();
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("a")).unwrap();
    std::fs::write(
        site.path().join("a/index.html"),
        format!("<p>Intro. {}</p>", copied.join(" ")),
    )
    .unwrap();
    let found = shared_runs(&source, site.path(), 10);
    assert!(!found.is_empty(), "copied words not detected");
    assert!(found[0].starts_with("a/index.html: "), "{found:?}");
    // Nine words are not a finding.
    std::fs::write(
        site.path().join("a/index.html"),
        source[mid..mid + 9].join(" "),
    )
    .unwrap();
    assert!(shared_runs(&source, site.path(), 10).is_empty());
}
