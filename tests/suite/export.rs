//! `guidepost export PAGE --single-file out.html`: a role page and the
//! bundled decision guide as one self-contained file (everything inlined,
//! no script, every outcome reachable through in-file anchors), valid for
//! the W3C Nu checker and axe-core in both colour schemes, clicked through
//! in Chromium; links to other pages as plain text or absolute; errors for
//! an unknown page, a folder as the target, and files the site lacks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fantoccini::Locator;
use serde_json::json;

use crate::common::{
    Fixture, browser, browser_required, chromedriver, emulate_media, guidepost, serve_dir, which,
};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `guidepost export PAGE --single-file OUT --root ROOT EXTRA...`.
fn export(root: &Path, page: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "export",
        page,
        "--single-file",
        out.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    guidepost(&args)
}

/// Exports a page of the bundled site into `dir` and returns its text.
fn export_bundled(dir: &Path, page: &str, name: &str, extra: &[&str]) -> String {
    let out = dir.join(name);
    let result = export(repo(), page, &out, extra);
    assert!(
        result.status.success(),
        "export {page}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(&out).unwrap()
}

/// Every value of `attr="..."` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The file stands alone: no script, no stylesheet link, no URL that names
/// a local file (only fragments, data: URLs and other sites), its styles
/// inline under its own Content-Security-Policy.
fn assert_self_contained(html: &str, what: &str) {
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "{what}: <script>");
    assert!(
        !lower.contains("rel=\"stylesheet\""),
        "{what}: stylesheet link"
    );
    assert!(lower.contains("<style>"), "{what}: no inline styles");
    assert!(
        html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
        "{what}: no file policy"
    );
    for attr in ["href", "src", "srcset", "action", "poster", "data"] {
        for url in attr_values(html, attr) {
            assert!(
                url.starts_with('#')
                    || url.starts_with("data:")
                    || url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.starts_with("mailto:"),
                "{what}: {attr}=\"{url}\" names a local file"
            );
        }
    }
    // The favicon came along as a data: URL.
    assert!(
        html.contains("rel=\"icon\" href=\"data:image/svg+xml;base64,"),
        "{what}: icon not inlined"
    );
}

#[test]
fn a_role_page_exports_as_one_file_with_links_to_other_pages_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let html = export_bundled(dir.path(), "roles/vciso.md", "vciso.html", &[]);
    assert_self_contained(&html, "roles/vciso.md");
    assert!(html.contains(
        "<h1 class=\"export-title\">The vCISO: virtual chief information security officer</h1>"
    ));
    assert!(html.contains("Role at a glance"), "role facts");
    assert!(html.contains("You need a vCISO when"), "need_when list");
    // No base_url: links to other pages are their text, and the footer says why.
    assert!(
        !attr_values(&html, "href")
            .iter()
            .any(|h| h.contains("vcio"))
    );
    assert!(html.contains("Links to the site’s other pages are shown as plain text"));
    // Links into the page itself stay, as fragments with a target.
    let ids: BTreeSet<&str> = attr_values(&html, "id").into_iter().collect();
    for href in attr_values(&html, "href") {
        if let Some(id) = href.strip_prefix('#') {
            assert!(ids.contains(id), "#{id} has no target");
        }
    }
    // A URL path names the same page.
    let again = export_bundled(dir.path(), "/roles/vciso/", "again.html", &[]);
    assert_eq!(again, html);
}

#[test]
fn with_an_absolute_base_url_links_to_other_pages_stay_links() {
    let dir = tempfile::tempdir().unwrap();
    let html = export_bundled(
        dir.path(),
        "roles/vciso.md",
        "vciso.html",
        &["--base-url", "https://kb.example.org/docs"],
    );
    assert_self_contained(&html, "roles/vciso.md with a base_url");
    let hrefs = attr_values(&html, "href");
    assert!(
        hrefs.contains(&"https://kb.example.org/docs/roles/vcio/"),
        "{hrefs:?}"
    );
    assert!(
        html.contains("<link rel=\"canonical\" href=\"https://kb.example.org/docs/roles/vciso/\">")
    );
    assert!(
        html.contains("The page online: <a href=\"https://kb.example.org/docs/roles/vciso/\">")
    );
    assert!(!html.contains("shown as plain text"));
}

/// A step of the exported guide: its kind, title and the anchors its answers link.
#[derive(Debug)]
struct Step {
    outcome: bool,
    title: String,
    answers: Vec<String>,
}

/// The guide's steps by id, and the first one, read from the exported file.
fn steps(html: &str) -> (String, BTreeMap<String, Step>) {
    let mut map = BTreeMap::new();
    let mut first = None;
    for chunk in html.split("<section class=\"export-step ").skip(1) {
        let chunk = &chunk[..chunk.find("</section>").unwrap()];
        let id = attr_values(chunk, "id")[0].to_string();
        let title = chunk.split("export-step__title\">").nth(1).unwrap();
        let title = title[..title.find("</h2>").unwrap()].to_string();
        let answers = chunk
            .split("class=\"decision-answer\" href=\"#")
            .skip(1)
            .map(|a| a[..a.find('"').unwrap()].to_string())
            .collect();
        first.get_or_insert(id.clone());
        map.insert(
            id,
            Step {
                outcome: chunk.starts_with("decision-step decision-step--outcome"),
                title,
                answers,
            },
        );
    }
    (first.expect("no steps"), map)
}

/// The outcome titles of the bundled guide, from a build's tree.json.
fn bundled_outcomes() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let result = guidepost(&[
        "build",
        "--root",
        repo().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(result.status.success());
    let tree: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("decide/tree.json")).unwrap())
            .unwrap();
    tree["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_decision_guide_exports_with_every_outcome_reachable_through_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let html = export_bundled(dir.path(), "/decide/", "guide.html", &[]);
    assert_self_contained(&html, "/decide/");
    let (first, steps) = steps(&html);
    let start = &steps[&first];
    assert!(!start.outcome, "the first step is a question");
    assert!(
        start.title.starts_with("Is your organization mid-sized"),
        "{}",
        start.title
    );
    assert!(html.contains(&format!(
        "class=\"decision-button\" href=\"#{first}\">Start</a>"
    )));
    // Every #anchor in the file has its target.
    let ids: BTreeSet<&str> = attr_values(&html, "id").into_iter().collect();
    assert_eq!(ids.len(), attr_values(&html, "id").len(), "duplicate ids");
    for href in attr_values(&html, "href") {
        if let Some(id) = href.strip_prefix('#') {
            assert!(ids.contains(id), "#{id} has no target");
        }
    }
    // Walk the answers from the first question: every outcome is reached,
    // and every step is on some walk.
    let mut seen = BTreeSet::new();
    let mut todo = vec![first.clone()];
    let mut reached = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let step = steps.get(&id).unwrap_or_else(|| panic!("#{id}: no step"));
        if step.outcome {
            assert!(step.answers.is_empty());
            reached.insert(step.title.clone());
        } else {
            assert!(!step.answers.is_empty(), "#{id} has no answers");
        }
        todo.extend(step.answers.iter().cloned());
    }
    assert_eq!(reached, bundled_outcomes());
    assert_eq!(seen.len(), steps.len(), "steps no answer leads to");
}

/// A small site of our own, for the error cases.
fn fixture(page: &str) -> Fixture {
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    f.write("content/a.md", page);
    f
}

#[test]
fn an_unknown_page_is_an_error_naming_the_nearest_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.html");
    let result = export(repo(), "roles/vcsio.md", &out, &[]);
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no page `roles/vcsio.md` in content/"),
        "{err}"
    );
    assert!(err.contains("the nearest pages are"), "{err}");
    assert!(err.contains("`roles/vciso.md`"), "{err}");
    let result = export(repo(), "/decid/", &out, &[]);
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("`/decide/`"), "{err}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_draft_is_exported_with_drafts_only() {
    let f = fixture("+++\ntitle = \"A\"\ndraft = true\n+++\nNot yet.\n");
    let out = f.root().join("a.html");
    let result = export(f.root(), "a.md", &out, &[]);
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("`a.md` is a draft"), "{err}");
    assert!(err.contains("add --drafts"), "{err}");
    let result = export(f.root(), "a.md", &out, &["--drafts"]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(std::fs::read_to_string(&out).unwrap().contains("Not yet."));
}

#[test]
fn a_folder_is_never_replaced_and_a_missing_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out.html");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep"), "x").unwrap();
    let result = export(repo(), "/decide/", &folder, &[]);
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("is a folder; the export is one file"), "{err}");
    assert!(folder.join("keep").is_file(), "the folder is untouched");
    let result = export(repo(), "/decide/", &dir.path().join("no/such/x.html"), &[]);
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    // An existing file is replaced.
    let file = dir.path().join("old.html");
    std::fs::write(&file, "old").unwrap();
    assert!(export(repo(), "/decide/", &file, &[]).status.success());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("<!DOCTYPE html>")
    );
}

#[test]
fn images_are_inlined_and_missing_or_outside_files_are_errors_at_their_line() {
    let f = fixture("+++\ntitle = \"A\"\n+++\nSee the diagram.\n\n![Diagram](/img/d.png)\n");
    // Any bytes do: the export inlines the file, it does not decode it.
    f.write("static/img/d.png", "PNGDATA");
    let out = f.root().join("a.html");
    let result = export(f.root(), "a.md", &out, &[]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("src=\"data:image/png;base64,UE5HREFUQQ==\""),
        "{html}"
    );
    assert_self_contained(&html, "a.md");

    for (body, url) in [
        ("Intro.\n\n![Gone](/img/gone.png)\n", "/img/gone.png"),
        (
            "Intro.\n\n![Secret](../../../../../../etc/hostname)\n",
            "../../../../../../etc/hostname",
        ),
    ] {
        let f = fixture(&format!("+++\ntitle = \"A\"\n+++\n{body}"));
        let out = f.root().join("a.html");
        let result = export(f.root(), "a.md", &out, &[]);
        let err = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("`{url}` names no file of the site")),
            "{err}"
        );
        assert!(err.contains("content/a.md:6:"), "error at its line: {err}");
        assert!(!out.exists(), "nothing written");
    }
}

#[test]
fn highlighted_code_keeps_its_light_and_dark_styles() {
    let f = fixture("+++\ntitle = \"A\"\n+++\n```rust\nfn main() {}\n```\n");
    let out = f.root().join("a.html");
    let result = export(f.root(), "a.md", &out, &[]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html, "a.md with code");
    assert!(
        html.contains("<style media=\"not all and (prefers-color-scheme: dark)\">"),
        "{html}"
    );
    assert!(
        html.contains("<style media=\"(prefers-color-scheme: dark)\">"),
        "{html}"
    );
}

#[test]
fn the_export_template_is_overridable() {
    let f = fixture("+++\ntitle = \"A\"\n+++\nBody.\n");
    f.write(
        "templates/export.html",
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ page.title }}</title><script src=\"{{ get_url(path='js/none.js') }}\" defer></script></head><body><main><p>Ours: {{ page.title }}</p><a href=\"{{ get_url(path='@/_index.md') }}\">Home</a></main></body></html>",
    );
    let out = f.root().join("a.html");
    assert!(export(f.root(), "/a/", &out, &[]).status.success());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<p>Ours: A</p>"), "{html}");
    assert!(
        html.contains("<main><p>Ours: A</p>Home</main>"),
        "home link as text: {html}"
    );
    assert!(html.contains("Content-Security-Policy"), "{html}");
    // Its script is dropped, not looked for.
    assert!(!html.contains("<script"), "{html}");
}

/// vnu.jar from GUIDEPOST_VNU_JAR or the CI cache; None means skip.
fn vnu_jar() -> Option<PathBuf> {
    let jar = std::env::var_os("GUIDEPOST_VNU_JAR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                PathBuf::from(h)
                    .join(".cache/guidepost-tools/node_modules/vnu-jar/build/dist/vnu.jar")
            })
        })
        .filter(|p| p.is_file());
    if jar.is_none() || which("java").is_none() {
        assert!(!browser_required(), "vnu.jar or java missing");
        eprintln!("SKIPPED export nu checker: vnu.jar or java missing");
        return None;
    }
    jar
}

#[test]
fn exported_files_pass_the_nu_html_checker() {
    let Some(jar) = vnu_jar() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    export_bundled(dir.path(), "/decide/", "guide.html", &[]);
    export_bundled(dir.path(), "roles/vciso.md", "vciso.html", &[]);
    export_bundled(
        dir.path(),
        "compare.md",
        "compare.html",
        &["--base-url", "https://kb.example.org"],
    );
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg("--errors-only")
        .arg(dir.path())
        .output()
        .expect("run vnu");
    let report =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "Nu HTML checker errors:\n{report}"
    );
}

/// axe-core's source, or None (skip) when it is not installed.
fn axe_source() -> Option<String> {
    let path = std::env::var_os("GUIDEPOST_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/guidepost-tools/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            assert!(
                !browser_required(),
                "axe-core not found at {}",
                path.display()
            );
            eprintln!("SKIPPED export axe: {} not found", path.display());
            None
        }
    }
}

/// Clicks the element as a reader would, after putting it in view at once
/// (the theme scrolls smoothly, which a click would race).
async fn click(c: &fantoccini::Client, xpath: &str) {
    let el = c
        .find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("no {xpath}: {e}"));
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        vec![serde_json::to_value(&el).unwrap()],
    )
    .await
    .unwrap();
    el.click().await.unwrap();
}

/// Ids of the guide's steps the browser shows.
async fn shown_steps(c: &fantoccini::Client) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll('.export-step')].filter(s => getComputedStyle(s).display !== 'none').map(s => s.id);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_the_file_runs_no_script_passes_axe_and_a_path_clicks_through() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(driver) = chromedriver("export in chromium") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let guide_html = export_bundled(dir.path(), "/decide/", "guide.html", &[]);
    export_bundled(dir.path(), "roles/vciso.md", "vciso.html", &[]);
    let (first, steps) = steps(&guide_html);
    let url = |name: &str| format!("file://{}", dir.path().join(name).display());

    for scheme in ["light", "dark"] {
        for width in [320u32, 1000] {
            let c = browser(&driver, true, width).await;
            emulate_media(&c, "", scheme).await;
            for name in ["guide.html", "vciso.html"] {
                c.goto(&url(name)).await.unwrap();
                let state = c
                    .execute(
                        "return [matchMedia('(prefers-color-scheme: dark)').matches, document.scripts.length, document.styleSheets.length > 0, document.documentElement.scrollWidth - document.documentElement.clientWidth];",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    state,
                    json!([scheme == "dark", 0, true, 0]),
                    "{name} {scheme} {width}: [dark, scripts, styled, sideways scroll]"
                );
                c.execute(&format!("{axe}\nreturn true;"), vec![])
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
                assert_eq!(violations, json!([]), "axe on {name}, {scheme}, {width} px");
            }
            c.close().await.unwrap();
        }
    }

    // Click through one path: the first answer each time, until a result.
    let c = browser(&driver, true, 1000).await;
    c.goto(&url("guide.html")).await.unwrap();
    assert_eq!(
        shown_steps(&c).await,
        vec![first.clone()],
        "the first question shows"
    );
    let mut current = first.clone();
    for _ in 0..20 {
        let step = &steps[&current];
        if step.outcome {
            break;
        }
        click(
            &c,
            &format!("//section[@id='{current}']//a[@class='decision-answer']"),
        )
        .await;
        let next = step.answers[0].clone();
        let hash = c.execute("return location.hash;", vec![]).await.unwrap();
        assert_eq!(hash, json!(format!("#{next}")));
        assert_eq!(
            shown_steps(&c).await,
            vec![next.clone()],
            "only the step followed shows"
        );
        current = next;
    }
    assert!(steps[&current].outcome, "the path ends at a result");
    let h2 = c
        .find(Locator::XPath(&format!("//section[@id='{current}']//h2")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h2, steps[&current].title);
    // Back and Start again stay in the file.
    click(
        &c,
        &format!("//section[@id='{current}']//a[text()='Start again']"),
    )
    .await;
    assert_eq!(shown_steps(&c).await, vec![first.clone()]);
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with("file://")
    );
    // Printed, every step shows in order.
    let all: Vec<String> = steps_in_order(&guide_html);
    emulate_media(&c, "print", "light").await;
    assert_eq!(shown_steps(&c).await, all, "printed");
    c.close().await.unwrap();

    // Served under `default-src 'self'` (an intranet), the inline styles are
    // blocked: the guide still reads top to bottom, every step shown.
    let c = browser(&driver, true, 1000).await;
    let base = serve_dir(dir.path());
    c.goto(&format!("{base}/guide.html")).await.unwrap();
    let sheets = c
        .execute("return document.styleSheets.length;", vec![])
        .await
        .unwrap();
    assert_eq!(
        shown_steps(&c).await,
        all,
        "unstyled ({sheets} style sheets)"
    );
    c.close().await.unwrap();
}

/// The ids of the guide's steps in the order of the file.
fn steps_in_order(html: &str) -> Vec<String> {
    html.split("<section class=\"export-step ")
        .skip(1)
        .map(|chunk| attr_values(chunk, "id")[0].to_string())
        .collect()
}
