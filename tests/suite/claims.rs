//! README claims that had no test, and regressions that once went unnoticed
//! (each test here failed with its bug planted; see docs/testing.md).

use crate::build::{ABSOLUTE, RELATIVE, basic_site};
use crate::common::{Fixture, guidepost, list_files};

fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    list_files(dir)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(dir.join(&p)).unwrap()))
        .collect()
}

/// The bundled theme, with a page whose title is markup.
#[test]
fn the_default_theme_escapes_page_titles() {
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        "content/x.md",
        "+++\ntitle = \"<img src=x onerror=alert(1)> & co\"\ndescription = \"<b>d</b>\"\n+++\nText.\n",
    );
    f.build_ok(&[]);
    let html = f.output("x/index.html");
    assert!(!html.contains("<img src=x"), "title unescaped: {html}");
    assert!(!html.contains("<b>d</b>"), "description unescaped: {html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; co"),
        "{html}"
    );
}

/// A build that fails while rendering (a template error on one page, after
/// the model was built) must leave the previous output as it was, even
/// pages that rendered fine and changed.
#[test]
fn a_build_failing_while_rendering_leaves_the_previous_output() {
    let f = basic_site(RELATIVE);
    f.write(
        "templates/broken.html",
        "{{ page.title }}{{ nope.missing }}",
    );
    f.build_ok(&[]);
    let out = f.root().join("output");
    let before = snapshot(&out);
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"vCIO\"\nweight = 1\ndate = 2024-01-02\n[taxonomies]\ntags = [\"roles\"]\n+++\n## What it is\n\nChanged text.\n",
    );
    f.write(
        "content/roles/vciso.md",
        "+++\ntitle = \"vCISO\"\nweight = 2\ntemplate = \"broken.html\"\n+++\n## What it is\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("broken.html"), "a render error: {err}");
    assert_eq!(before, snapshot(&out), "the previous output changed");
}

#[test]
fn relative_urls_true_makes_links_relative_despite_a_base_url() {
    let f = basic_site(&format!("{ABSOLUTE}relative_urls = true\n"));
    f.build_ok(&[]);
    let vcio = f.output("roles/vcio/index.html");
    assert!(
        vcio.contains("href=\"../vciso/index.html\""),
        "relative link: {vcio}"
    );
    assert!(!vcio.contains("https://example.org"), "{vcio}");
    assert!(!f.has_output("sitemap.xml"), "no sitemap in relative mode");
}

#[test]
fn reading_time_rounds_up_with_words_per_minute() {
    let f = basic_site(&format!("{RELATIVE}[markdown]\nwords_per_minute = 100\n"));
    f.write(
        "templates/page.html",
        "<p class=\"rt\">{{ page.word_count }} words, {{ page.reading_time }} min</p>",
    );
    f.write("content/w100.md", &"word ".repeat(100));
    f.write("content/w101.md", &"word ".repeat(101));
    f.write("content/w1.md", "word\n");
    f.build_ok(&[]);
    assert!(f.output("w100/index.html").contains("100 words, 1 min"));
    assert!(f.output("w101/index.html").contains("101 words, 2 min"));
    assert!(f.output("w1/index.html").contains("1 words, 1 min"));
}

#[test]
fn language_extra_and_smart_punctuation_reach_the_page() {
    let f = Fixture::new(
        "title = \"T\"\nbase_url = \"\"\ndefault_language = \"de\"\n[markdown]\nsmart_punctuation = true\n[extra]\nfooter = \"Footer from config.extra\"\n",
    );
    f.write("templates/page.html", "<html lang=\"{{ config.language }}\"><footer>{{ config.extra.footer }}</footer>{{ page.content | safe }}</html>");
    f.write("templates/index.html", "home");
    f.write("content/p.md", "\"Quoted\" -- and --- then...\n");
    f.build_ok(&[]);
    let html = f.output("p/index.html");
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(html.contains("Footer from config.extra"), "{html}");
    assert!(html.contains("“Quoted” – and — then…"), "{html}");
    // The default theme uses the language too.
    let g = Fixture::new("title = \"T\"\nbase_url = \"\"\nlanguage = \"fr\"\n");
    g.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    g.build_ok(&[]);
    assert!(g.output("index.html").contains("<html lang=\"fr\""));
}

#[test]
fn markdown_extensions_and_heading_self_links() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/md.md",
        "+++\ntitle = \"Md\"\n+++\n## Sources {.wide}\n\n~~gone~~ and a note[^sources].\n\n- [x] done\n- [ ] open\n\n[^sources]: The note.\n",
    );
    f.build_ok(&[]);
    let html = f.output("md/index.html");
    assert!(html.contains("<del>gone</del>"), "{html}");
    assert!(html.contains("type=\"checkbox\""), "{html}");
    assert!(html.contains("class=\"wide\""), "{html}");
    assert!(
        html.contains("<a class=\"heading-anchor\" href=\"#sources"),
        "{html}"
    );
    assert!(html.contains("footnote-definition"), "{html}");
    // A heading never shares its id with a footnote.
    assert_eq!(html.matches("id=\"sources\"").count(), 1, "{html}");
    // Aligned table columns get classes: a `style` attribute is blocked
    // under `default-src 'self'`.
    f.write(
        "content/t.md",
        "+++\ntitle = \"T\"\n+++\n| A | B | C |\n| :-- | :-: | --: |\n| 1 | 2 | 3 |\n",
    );
    f.build_ok(&[]);
    let html = f.output("t/index.html");
    for (cell, class) in [("1", "left"), ("2", "center"), ("3", "right")] {
        assert!(
            html.contains(&format!("<td class=\"align-{class}\">{cell}</td>")),
            "{html}"
        );
    }
    assert!(!html.contains("style="), "{html}");
    assert!(f.output("css/guidepost.css").contains("td.align-center"));
}

#[test]
fn updated_dates_and_rfc3339_date_times() {
    let f = basic_site(RELATIVE);
    f.write(
        "templates/page.html",
        "<p>{{ page.date }}|{{ page.updated }}</p>",
    );
    f.write(
        "content/d.md",
        "+++\ntitle = \"D\"\ndate = 2024-03-04T10:20:30Z\nupdated = 2024-05-06\n+++\n",
    );
    f.build_ok(&[]);
    let html = f.output("d/index.html");
    assert!(html.contains("2024-03-04"), "{html}");
    assert!(html.contains("2024-05-06"), "{html}");
    f.write(
        "content/d.md",
        "+++\ntitle = \"D\"\ndate = \"yesterday\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("d.md:3:"),
        "a bad date is an error at its line: {err}"
    );
}

#[test]
fn sort_by_none_keeps_file_order_independent_of_weight() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/roles/_index.md",
        "+++\ntitle = \"Roles\"\nsort_by = \"none\"\n+++\n",
    );
    f.build_ok(&[]);
    let html = f.output("roles/index.html");
    assert!(html.contains("vCIO") && html.contains("vCISO"), "{html}");
}

#[test]
fn relative_mode_rewrites_srcset_action_and_poster() {
    let f = basic_site(RELATIVE);
    f.write(
        "templates/page.html",
        "<img srcset=\"/img/a.png 1x, /img/b.png 2x\"><form action=\"/search/\"></form><video poster=\"/img/p.png\"></video>",
    );
    f.build_ok(&[]);
    let html = f.output("roles/vcio/index.html");
    assert!(
        html.contains("srcset=\"../../img/a.png 1x, ../../img/b.png 2x\""),
        "{html}"
    );
    assert!(
        html.contains("action=\"../../search/index.html\""),
        "{html}"
    );
    assert!(html.contains("poster=\"../../img/p.png\""), "{html}");
}

#[test]
fn refuses_themes_templates_and_static_as_output() {
    let f = basic_site(RELATIVE);
    for dir in ["themes", "templates", "static", "content", "."] {
        std::fs::create_dir_all(f.root().join(dir)).unwrap();
        let target = f.root().join(dir);
        let err = f.build_err(&["--output", target.to_str().unwrap()]);
        assert!(err.contains("output"), "{dir}: {err}");
    }
    assert!(f.root().join("templates/page.html").is_file());
    assert!(f.root().join("static/css/site.css").is_file());
}

#[test]
fn check_with_drafts_checks_draft_pages() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/wip.md",
        "+++\ntitle = \"WIP\"\ndraft = true\n+++\n[broken](@/nope.md)\n",
    );
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "drafts are left out");
    let out = f.run(&["check", "--drafts"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wip.md:5:"), "{err}");
    assert!(!f.root().join("output").exists(), "check writes nothing");
}

#[test]
fn verbose_flags_show_what_is_being_done() {
    let f = basic_site(RELATIVE);
    let quiet = String::from_utf8_lossy(&f.run(&["build"]).stderr).to_string();
    let v = String::from_utf8_lossy(&f.run(&["-v", "build"]).stderr).to_string();
    let vv = String::from_utf8_lossy(&f.run(&["-vv", "build"]).stderr).to_string();
    let plain = quiet.lines().filter(|l| !l.contains(" WARN ")).count();
    assert_eq!(plain, 1, "one summary line besides warnings: {quiet}");
    assert!(v.lines().count() > quiet.lines().count(), "{v}");
    assert!(v.contains("INFO"), "{v}");
    assert!(vv.contains("DEBUG"), "{vv}");
}

#[test]
fn comparison_without_marker_follows_the_content() {
    let f = crate::common::Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n[attributes]\nshort_name = \"A\"\nk = \"alpha value\"\n+++\n",
    );
    f.write(
        "content/c.md",
        "+++\ntitle = \"C\"\n[comparison]\ncaption = \"Cap\"\nitems = [\"@/a.md\"]\nrows = [{ key = \"k\", label = \"K\" }]\n+++\nBody paragraph.\n",
    );
    f.build_ok(&[]);
    let html = f.output("c/index.html");
    let body = html.find("Body paragraph.").expect("body");
    let table = html.find("alpha value").expect("table");
    assert!(body < table, "the table follows the content: {html}");
    assert_eq!(html.matches("alpha value").count(), 1, "shown once");
}

#[test]
fn version_and_help_exit_zero() {
    assert_eq!(guidepost(&["--version"]).status.code(), Some(0));
    assert_eq!(guidepost(&["--help"]).status.code(), Some(0));
    assert_eq!(guidepost(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn outcome_links_check_and_keep_their_anchors() {
    let tree = |link: &str| {
        format!(
            "+++\ntitle = \"Tree\"\n[decision]\nstart = \"q\"\n[[decision.questions]]\nid = \"q\"\ntext = \"Q?\"\nanswers = [{{ label = \"Yes\", next = \"o\" }}]\n[[decision.outcomes]]\nid = \"o\"\ntitle = \"O\"\nlinks = [\"{link}\"]\n+++\n"
        )
    };
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n## Intro\n\nText.\n",
    );
    f.write("content/tree.md", &tree("@/a.md#intro"));
    f.build_ok(&[]);
    let html = f.output("tree/result/o/index.html");
    assert!(html.contains("a/index.html#intro\""), "{html}");
    f.write("content/tree.md", &tree("@/a.md#intor"));
    let err = f.build_err(&[]);
    assert!(err.contains("content/tree.md:12:"), "{err}");
    assert!(err.contains("#intor"), "{err}");
    assert!(err.contains("did you mean `#intro`"), "{err}");
}

/// serde-saphyr reads YAML 1.2: unquoted `Yes`/`No` stay strings.
#[test]
fn unquoted_yaml_yes_and_no_stay_strings() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/y.md",
        "---\ntitle: Yes\ndescription: No\n---\nText.\n",
    );
    f.build_ok(&[]);
    let html = f.output("y/index.html");
    assert!(html.contains("<h1>Yes</h1>"), "{html}");
    assert!(html.contains("<p class=\"desc\">No</p>"), "{html}");
}

/// Ten yes/no questions in a row: 2047 distinct routes, over the cap of 2000.
#[test]
fn more_than_2000_routes_is_an_error_at_start() {
    let mut tree = String::from("+++\ntitle = \"Big\"\n[decision]\nstart = \"q0\"\n");
    for i in 0..10 {
        let next = if i == 9 {
            "done".to_string()
        } else {
            format!("q{}", i + 1)
        };
        tree.push_str(&format!(
            "[[decision.questions]]\nid = \"q{i}\"\ntext = \"Q{i}?\"\nanswers = [{{ label = \"Yes\", next = \"{next}\" }}, {{ label = \"No\", next = \"{next}\" }}]\n"
        ));
    }
    tree.push_str("[[decision.outcomes]]\nid = \"done\"\ntitle = \"Done\"\n+++\n");
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("content/big.md", &tree);
    let err = f.build_err(&[]);
    assert!(err.contains("more than 2000 distinct routes"), "{err}");
    assert!(err.contains("content/big.md:4:"), "at `start`: {err}");
    // Nine questions (1023 routes) are fine.
    let small = tree
        .replace("next = \"q9\"", "next = \"done\"")
        .split("[[decision.questions]]\nid = \"q9\"")
        .next()
        .unwrap()
        .to_string()
        + "[[decision.outcomes]]\nid = \"done\"\ntitle = \"Done\"\n+++\n";
    f.write("content/big.md", &small);
    f.build_ok(&[]);
}

/// A chain of 51 questions: one route asks more than the 50 a route may,
/// an error at `start`; 50 build, and the deepest result page lists all 50.
#[test]
fn a_route_of_more_than_50_questions_is_an_error_at_start() {
    let chain = |n: usize| {
        let mut tree = String::from("+++\ntitle = \"Deep\"\n[decision]\nstart = \"q0\"\n");
        for i in 0..n {
            let next = if i + 1 == n {
                "done".to_string()
            } else {
                format!("q{}", i + 1)
            };
            tree.push_str(&format!(
                "[[decision.questions]]\nid = \"q{i}\"\ntext = \"Q{i}?\"\nanswers = [{{ label = \"On\", next = \"{next}\" }}]\n"
            ));
        }
        tree + "[[decision.outcomes]]\nid = \"done\"\ntitle = \"Done\"\n+++\n"
    };
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("content/deep.md", &chain(51));
    let err = f.build_err(&[]);
    assert!(
        err.contains("a route through this tree asks 51 questions; at most 50 fit on one route"),
        "{err}"
    );
    assert!(err.contains("content/deep.md:4:"), "at `start`: {err}");
    assert!(!err.contains("distinct routes"), "no route walk: {err}");
    f.write("content/deep.md", &chain(50));
    f.build_ok(&[]);
    let result = f.output("deep/result/done/index.html");
    let asked = result
        .matches("<dt class=\"decision-summary__question\">")
        .count();
    assert_eq!(asked, 50, "{result}");
}
