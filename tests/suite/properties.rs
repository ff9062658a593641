//! Property tests (proptest): Markdown with heading attributes never writes
//! an attribute the writer did not mean (an id or class breaking out of its
//! quotes), front-matter fragments never carry active HTML, rendering time
//! grows linearly, and random front matter and decision trees never crash
//! the binary (exit 0 or 1, no panic, no signal, errors at file:line).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use guidepost::markdown::{MarkdownOptions, render, render_fragment};
use proptest::prelude::*;

use crate::common::Fixture;

fn opts() -> MarkdownOptions {
    MarkdownOptions::default()
}

fn no_links(_: &str) -> Result<String, String> {
    Err("no pages".into())
}

/// Every element with its attribute names, as a browser would parse them.
fn elements(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let found = RefCell::new(Vec::new());
    let mut rewriter = lol_html::HtmlRewriter::new(
        lol_html::Settings {
            element_content_handlers: vec![lol_html::element!("*", |el| {
                let attrs = el
                    .attributes()
                    .iter()
                    .map(|a| (a.name(), a.value()))
                    .collect();
                found.borrow_mut().push((el.tag_name(), attrs));
                Ok(())
            })],
            ..lol_html::Settings::new()
        },
        |_: &[u8]| {},
    );
    rewriter.write(html.as_bytes()).unwrap();
    rewriter.end().unwrap();
    found.into_inner()
}

/// Text that tries to leave an attribute: quotes, brackets, event handlers.
fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("<".to_string()),
            Just(">".to_string()),
            Just("&".to_string()),
            Just("=".to_string()),
            Just(" onmouseover=alert(1) ".to_string()),
            Just("javascript:".to_string()),
            Just("<script>".to_string()),
            "[a-z0-9-]{1,6}",
        ],
        1..8,
    )
    .prop_map(|v| v.concat())
}

/// A heading with an attribute block: `## text {#id .class key=value}`.
fn heading() -> impl Strategy<Value = String> {
    (1usize..=6, "[a-zA-Z ]{1,10}", nasty(), nasty(), nasty()).prop_map(
        |(level, text, id, class, kv)| {
            let clean = |s: &str| s.replace(['}', '\n', ' '], "");
            format!(
                "{} {text} {{#{} .{} k={}}}\n\n",
                "#".repeat(level),
                clean(&id),
                clean(&class),
                clean(&kv)
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn heading_attributes_never_break_out(headings in prop::collection::vec(heading(), 1..6)) {
        let body = headings.concat();
        let (r, _) = render(&body, 0, false, &opts(), &no_links);
        for (tag, attrs) in elements(r.html()) {
            for (name, _) in &attrs {
                prop_assert!(
                    matches!(name.as_str(), "id" | "class" | "href" | "aria-hidden" | "tabindex"),
                    "<{tag}> got attribute `{name}` from {body:?}:\n{}", r.html()
                );
            }
            if tag.len() == 2 && tag.starts_with('h') {
                prop_assert!(attrs.iter().any(|(n, _)| n == "id"), "{tag} lost its id");
            }
        }
    }

    #[test]
    fn fragments_never_carry_active_html(text in prop::collection::vec(prop_oneof![
        nasty(),
        heading(),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("[l](javascript:alert(1))".to_string()),
        Just("![i]( JaVaScRiPt:alert(1))".to_string()),
        Just("<a href=\"javascript:x\">a</a>".to_string()),
        Just("\n\n".to_string()),
        Just("**b** _i_ `c`".to_string()),
    ], 1..8)) {
        let text = text.concat();
        let html = render_fragment(&text, true, &opts(), &no_links).unwrap_or_default();
        for (tag, attrs) in elements(&html) {
            prop_assert!(!matches!(tag.as_str(), "script" | "iframe" | "style" | "object"),
                "<{tag}> from {text:?}: {html}");
            for (name, value) in attrs {
                prop_assert!(!name.starts_with("on"), "{name} from {text:?}: {html}");
                // URLs are what a browser follows; a class or id that reads
                // "javascript:" is inert text.
                let url_attr = matches!(name.as_str(), "href" | "src" | "action" | "formaction" | "poster" | "srcset" | "xlink:href");
                let v = value.to_ascii_lowercase();
                prop_assert!(!(url_attr && v.trim_start().starts_with("javascript:")), "{name}={value} from {text:?}");
            }
        }
    }
}

/// Best of five runs: the least disturbed by other processes.
fn time(f: impl Fn()) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn rendering_time_grows_linearly() {
    for (what, unit) in [
        ("equal headings", "## x {#a .b}\n\n"),
        ("broken links", "[x](@/nope.md) "),
        ("headings with nasty ids", "## h {#a\"b}\n\n"),
        ("nested emphasis", "*a **b *c* d** e* "),
    ] {
        // 8x the input: linear is 8x the time, quadratic 64x. The wide gap
        // keeps the check meaningful on a loaded machine (CI, parallel tests).
        let small = unit.repeat(4_000);
        let large = unit.repeat(32_000);
        let t_small = time(|| {
            render(&small, 0, false, &opts(), &no_links);
        });
        let t_large = time(|| {
            render(&large, 0, false, &opts(), &no_links);
        });
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        eprintln!("{what}: 8x the input took {ratio:.1}x the time ({t_small:?} → {t_large:?})");
        assert!(
            ratio < 24.0,
            "{what}: 8x the input took {ratio:.1}x the time"
        );
    }
}

/// Runs `guidepost check` on a site with one extra page; returns (exit code, stderr).
fn check_with(page: &str) -> (Option<i32>, String) {
    let f = Fixture::new("title = \"P\"\nbase_url = \"\"\ntaxonomies = [{ name = \"tags\" }]\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("content/p.md", page);
    let out = f.run(&["check"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"text\"".to_string()),
        Just("3".to_string()),
        Just("-1".to_string()),
        Just("true".to_string()),
        Just("2024-02-30".to_string()),
        Just("\"2024-13-45\"".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("[\"a\", 1]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("[[[]]]".to_string()),
        Just("\"/\"".to_string()),
        Just("[\"/\", \"/../x\"]".to_string()),
        "\"[a-z<>\\\"&]{0,8}\"".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_front_matter_never_crashes(entries in prop::collection::vec((prop_oneof![
        Just("title"), Just("date"), Just("updated"), Just("draft"), Just("weight"),
        Just("slug"), Just("template"), Just("aliases"), Just("taxonomies"), Just("extra"),
        Just("sort_by"), Just("paginate_by"), Just("feed"), Just("unknown"),
    ], toml_value()), 0..6), yaml in any::<bool>()) {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<_> = entries.into_iter().filter(|(k, _)| seen.insert(*k)).collect();
        let page = if yaml {
            let body: String = entries.iter().map(|(k, v)| format!("{k}: {}\n", v.replace(" = ", ": "))).collect();
            format!("---\n{body}---\nText.\n")
        } else {
            let body: String = entries.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
            format!("+++\n{body}+++\nText.\n")
        };
        let (code, err) = check_with(&page);
        prop_assert!(matches!(code, Some(0) | Some(1)), "{code:?} for {page:?}:\n{err}");
        prop_assert!(!err.contains("panicked"), "{page:?}:\n{err}");
        if code == Some(1) {
            prop_assert!(err.contains("content/p.md") || err.contains("index.html"), "no place for {page:?}:\n{err}");
        }
    }

    #[test]
    fn random_decision_trees_never_crash(
        questions in 1usize..40,
        edges in prop::collection::vec((0usize..50, 0usize..50), 1..80),
        depth_chain in prop_oneof![Just(0usize), Just(45usize), Just(500usize)],
    ) {
        // Questions q0..qn, outcomes o0..o2; answers point anywhere, including
        // back (cycles), to nothing, or down a chain near the 50-question
        // depth cap or far over it.
        let n = questions + depth_chain;
        let mut page = String::from("+++\ntitle = \"Tree\"\n[decision]\nstart = \"q0\"\n");
        for i in 0..n {
            let targets: Vec<String> = edges
                .iter()
                .filter(|(from, _)| from % n.max(1) == i)
                .map(|(_, to)| match to % 7 {
                    0..=2 => format!("o{}", to % 3),
                    6 => "missing".to_string(),
                    _ => format!("q{}", to % n),
                })
                .chain(std::iter::once(if i + 1 < n { format!("q{}", i + 1) } else { "o0".to_string() }))
                .chain(std::iter::once("o1".to_string()))
                .collect();
            let answers: Vec<String> = targets
                .iter()
                .enumerate()
                .map(|(j, t)| format!("{{ label = \"A{j}\", next = \"{t}\" }}"))
                .collect();
            page.push_str(&format!(
                "[[decision.questions]]\nid = \"q{i}\"\ntext = \"Q{i}?\"\nanswers = [{}]\n",
                answers.join(", ")
            ));
        }
        for o in 0..3 {
            page.push_str(&format!("[[decision.outcomes]]\nid = \"o{o}\"\ntitle = \"O{o}\"\n"));
        }
        page.push_str("+++\n");
        let started = Instant::now();
        let (code, err) = check_with(&page);
        prop_assert!(matches!(code, Some(0) | Some(1)), "{code:?}:\n{}", &err[..err.len().min(2000)]);
        prop_assert!(!err.contains("panicked"), "{}", &err[..err.len().min(2000)]);
        prop_assert!(started.elapsed() < Duration::from_secs(60));
    }
}
