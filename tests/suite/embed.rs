//! Embed pages for intranets, as files: which pages get a chrome-less copy
//! under `/embed/`, where their links open, the guide's steps staying in the
//! frame, the `/embed/` index with iframe snippets, oEmbed (absolute mode
//! only), the framing headers files, and `serve` sending the same headers.
//! The same pages in a browser, framed by another origin: `embed_browser.rs`.

use crate::common::{Fixture, raw_get};

/// A small site: a guide, a comparison page, two role pages, a plain page.
pub fn site(config: &str) -> Fixture {
    let f = Fixture::new(&format!("title = \"Intranet test\"\n{config}"));
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHome.\n");
    f.write(
        "content/roles/_index.md",
        "+++\ntitle = \"Roles\"\n+++\nThe roles.\n",
    );
    f.write(
        "content/roles/a.md",
        "+++\ntitle = \"Role A\"\n[attributes]\nshort_name = \"A\"\nfocus = \"Strategy\"\n+++\nRole A does [strategy](https://example.com/strategy).\n",
    );
    f.write(
        "content/roles/b.md",
        "+++\ntitle = \"Role B\"\n[attributes]\nshort_name = \"B\"\nfocus = \"Security\"\n+++\nRole B.\n",
    );
    f.write("content/plain.md", "+++\ntitle = \"Plain\"\n+++\nPlain.\n");
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\ndescription = \"A and B side by side.\"\n[comparison]\ncaption = \"A and B\"\nitems = [\"@/roles/a.md\", \"@/roles/b.md\"]\nrows = [{ key = \"focus\", label = \"Focus\" }]\n+++\nSee [role A](@/roles/a.md) and [below](#details).\n\n## Details\n\nMore.\n",
    );
    f.write("content/pick.md", GUIDE);
    f
}

pub const GUIDE: &str = r#"+++
title = "Pick a role"
description = "Two questions."

[decision]
start = "size"

[[decision.questions]]
id = "size"
text = "Do more than ten people use IT?"
help = "Count everyone. See [role A](@/roles/a.md)."
answers = [ { label = "Yes", next = "risk" }, { label = "No", next = "a" } ]

[[decision.questions]]
id = "risk"
text = "Is security the worry?"
answers = [ { label = "Yes", next = "b" }, { label = "No", next = "a" } ]

[[decision.outcomes]]
id = "a"
title = "Role A fits"
body = "Read [about A](@/roles/a.md)."
links = ["@/roles/a.md"]

[[decision.outcomes]]
id = "b"
title = "Role B fits"
links = ["@/roles/b.md"]
+++
Answer two questions.
"#;

fn no_chrome(html: &str, page: &str) {
    for chrome in [
        "site-header",
        "site-nav",
        "site-footer",
        "breadcrumbs",
        "skip-link",
    ] {
        assert!(!html.contains(chrome), "{page} has {chrome}:\n{html}");
    }
}

#[test]
fn guides_and_comparisons_get_chrome_less_copies_by_default() {
    let f = site("");
    f.build_ok(&[]);
    assert!(f.has_output("embed/compare/index.html"));
    assert!(f.has_output("embed/pick/index.html"));
    assert!(
        !f.has_output("embed/plain/index.html"),
        "plain pages are not embedded by default"
    );
    assert!(!f.has_output("embed/roles/a/index.html"));

    let compare = f.output("embed/compare/index.html");
    no_chrome(&compare, "embed/compare");
    assert!(compare.contains("<h1 class=\"embed-title\">Compare</h1>"));
    assert!(compare.contains("<meta name=\"robots\" content=\"noindex\">"));
    // "Open the full page" and links that leave the page open at the top level.
    assert!(
        compare.contains("<a href=\"../../compare/index.html\" target=\"_top\">Open the full page"),
        "{compare}"
    );
    assert!(
        compare.contains("<a href=\"../../roles/a/index.html\" target=\"_top\">role A</a>"),
        "{compare}"
    );
    // A fragment link stays in the frame; the table is there, its links open outside.
    assert!(
        compare.contains("<a href=\"#details\">below</a>"),
        "{compare}"
    );
    assert!(compare.contains("<table class=\"comparison\">"));
    assert!(compare.contains("href=\"../../roles/b/index.html\" target=\"_top\""));
    assert!(compare.contains("<script src=\"../../js/embed.js\" defer></script>"));

    // The guide's page and every step have copies; steps link to copies.
    let start = f.output("embed/pick/index.html");
    no_chrome(&start, "embed/pick");
    assert!(
        start.contains(
            "<a class=\"decision-button\" href=\"q/size/index.html\" data-decision-link>Start</a>"
        ),
        "{start}"
    );
    let q = f.output("embed/pick/q/size/index.html");
    no_chrome(&q, "embed/pick/q/size");
    assert!(
        q.contains("href=\"../risk/index.html\" data-decision-link>Yes</a>"),
        "{q}"
    );
    assert!(q.contains("href=\"../../result/a/no/index.html\" data-decision-link>No</a>"));
    assert!(q.contains(
        "<a class=\"decision-back\" href=\"../../index.html\" data-decision-link>Back</a>"
    ));
    assert!(q.contains(
        "<a href=\"../../../../pick/q/size/index.html\" target=\"_top\">Open the full page</a>"
    ));
    // Help text links leave the frame.
    assert!(
        q.contains("<a href=\"../../../../roles/a/index.html\" target=\"_top\">role A</a>"),
        "{q}"
    );
    // Question and answers come before the help, the progress and the summary.
    let (h1, answers, help) = (
        q.find("<h1").unwrap(),
        q.find("decision-answers").unwrap(),
        q.find("decision-help").unwrap(),
    );
    assert!(
        h1 < answers && answers < help,
        "question, answers, then help"
    );

    let risk = f.output("embed/pick/q/risk/index.html");
    assert!(
        risk.contains("<a href=\"../size/index.html\" data-decision-link>Change"),
        "change links stay in the frame: {risk}"
    );
    let result = f.output("embed/pick/result/b/index.html");
    no_chrome(&result, "embed/pick/result/b");
    assert!(result.contains(">Role B fits</h1>"));
    assert!(
        result.contains("<a href=\"../../../../roles/b/index.html\" target=\"_top\">Role B</a>"),
        "{result}"
    );
    assert!(
        result.contains("<a href=\"../../q/size/index.html\" data-decision-link>Start again</a>")
    );
    assert!(result.contains(
        "<a href=\"../../../../pick/result/b/index.html\" target=\"_top\">Open the full page</a>"
    ));
    // The full pages are unchanged: no embed link target there.
    assert!(!f.output("pick/q/size/index.html").contains("target="));
}

#[test]
fn link_target_and_selection_are_configurable() {
    let f = site(
        "[embed]\nlink_target = \"_blank\"\nguides_and_comparisons = false\nsections = [\"roles\"]\npages = [\"@/plain.md\"]\n",
    );
    f.build_ok(&[]);
    assert!(!f.has_output("embed/compare/index.html"));
    assert!(!f.has_output("embed/pick/index.html"));
    for p in ["roles", "roles/a", "roles/b", "plain"] {
        assert!(f.has_output(&format!("embed/{p}/index.html")), "{p}");
    }
    let a = f.output("embed/roles/a/index.html");
    no_chrome(&a, "embed/roles/a");
    assert!(
        a.contains(
            "<a href=\"https://example.com/strategy\" rel=\"external noopener\" target=\"_blank\">strategy</a>"
        ),
        "{a}"
    );
    assert!(a.contains("target=\"_blank\" rel=\"noopener\">Open the full page"));

    let all = site("[embed]\nall = true\n");
    all.build_ok(&[]);
    for p in ["", "roles/", "roles/a/", "plain/", "compare/", "pick/"] {
        assert!(all.has_output(&format!("embed/{p}index.html")), "{p}");
    }
}

#[test]
fn highlighted_code_is_styled_in_embed_copies_too() {
    let code = "+++\ntitle = \"Code\"\n+++\nRun this:\n\n```rust\nfn main() {}\n```\n";
    let f = site("[embed]\npages = [\"@/code.md\"]\n");
    f.write("content/code.md", code);
    f.build_ok(&[]);
    let html = f.output("embed/code/index.html");
    assert!(html.contains("class=\"z-"), "highlighted: {html}");
    for (sheet, media) in [
        ("syntax-light", "not all and (prefers-color-scheme: dark)"),
        ("syntax-dark", "(prefers-color-scheme: dark)"),
    ] {
        assert!(
            html.contains(&format!("css/{sheet}.css\" media=\"{media}\"")),
            "{sheet}: {html}"
        );
        assert!(f.has_output(&format!("css/{sheet}.css")), "{sheet}");
    }
    let plain = site("[embed]\npages = [\"@/code.md\"]\n[markdown]\nhighlight_code = false\n");
    plain.write("content/code.md", code);
    plain.build_ok(&[]);
    let html = plain.output("embed/code/index.html");
    assert!(!html.contains("syntax-light.css"), "{html}");
}

#[test]
fn unknown_pages_sections_and_settings_are_errors() {
    let f = site("[embed]\npages = [\"roles/c.md\"]\nsections = [\"rolez\"]\n");
    let err = f.build_err(&[]);
    assert!(
        err.contains("[embed] names the page `roles/c.md`, which is not in content/"),
        "{err}"
    );
    assert!(err.contains("did you mean `roles/a.md`?"), "{err}");
    assert!(err.contains("[embed] names the section `rolez`"), "{err}");
    let f = site("\n[embed]\nlink_target = \"_self\"\n");
    let err = f.build_err(&[]);
    assert!(err.contains("guidepost.toml:4:15"), "{err}");
    assert!(err.contains("link_target `_self` is not"), "{err}");
    let f = site("[embed]\nallow_framing_from = [\"intranet\"]\n");
    let err = f.build_err(&[]);
    assert!(err.contains("guidepost.toml:3:23"), "{err}");
    assert!(
        err.contains("`intranet` is neither an origin nor a framing preset"),
        "{err}"
    );
}

#[test]
fn the_embed_index_lists_snippets() {
    let f = site("");
    f.build_ok(&[]);
    let index = f.output("embed/index.html");
    assert!(index.contains("<h1>Embed these pages</h1>"));
    assert!(index.contains(
        "&lt;iframe src=&quot;/embed/compare/&quot; title=&quot;Compare&quot; width=&quot;100%&quot; height=&quot;"
    ), "{index}");
    assert!(index.contains("loading=&quot;lazy&quot; data-guidepost-embed&gt;&lt;/iframe&gt;"));
    assert!(index.contains("&lt;iframe src=&quot;/embed/pick/&quot; title=&quot;Pick a role&quot; width=&quot;100%&quot; height=&quot;640&quot;"));
    assert!(index.contains("js/guidepost-embed.js"));
    assert!(index.contains("<a href=\"compare/index.html\">Preview the embedded page"));
    assert!(f.has_output("js/guidepost-embed.js") && f.has_output("js/embed.js"));
    // Relative mode: no oEmbed (it needs absolute URLs).
    assert!(!f.has_output("embed/compare/oembed.json"));
    assert!(!f.output("compare/index.html").contains("json+oembed"));
}

#[test]
fn oembed_files_and_discovery_links_in_absolute_mode() {
    let f = site("base_url = \"https://example.org/docs\"\n");
    f.build_ok(&[]);
    let json: serde_json::Value =
        serde_json::from_str(&f.output("embed/compare/oembed.json")).unwrap();
    assert_eq!(json["type"], "rich");
    assert_eq!(json["version"], "1.0");
    assert_eq!(json["title"], "Compare");
    assert_eq!(json["provider_name"], "Intranet test");
    assert!(json["height"].as_i64().unwrap() > 300);
    assert_eq!(json["width"], 800);
    assert!(
        json["html"]
            .as_str()
            .unwrap()
            .starts_with("<iframe src=\"https://example.org/docs/embed/compare/\" title=\"Compare\" width=\"100%\""),
        "{json}"
    );
    let full = f.output("compare/index.html");
    assert!(
        full.contains("<link rel=\"alternate\" type=\"application/json+oembed\" href=\"https://example.org/docs/embed/compare/oembed.json\" title=\"Compare\">"),
        "{full}"
    );
    assert!(!f.output("plain/index.html").contains("json+oembed"));
    assert!(
        f.output("embed/index.html")
            .contains("&lt;iframe src=&quot;https://example.org/docs/embed/pick/&quot;")
    );
}

#[test]
fn headers_files_only_when_enabled() {
    let f = site("");
    f.build_ok(&[]);
    for file in [
        "_headers",
        ".htaccess",
        "web.config",
        "guidepost-headers.nginx.conf",
    ] {
        assert!(!f.has_output(file), "{file} without [embed] headers");
    }
    let f = site(
        "[embed]\nallow_framing_from = [\"https://contoso.sharepoint.com\", \"confluence\"]\nheaders = [\"_headers\", \"nginx\", \"htaccess\", \"iis\"]\n",
    );
    f.build_ok(&[]);
    let embed = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self' https://contoso.sharepoint.com https://*.atlassian.net";
    let full = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
    let headers = f.output("_headers");
    assert!(
        headers.contains(&format!(
            "/embed/*\n  Content-Security-Policy: {embed}\n  X-Content-Type-Options: nosniff\n"
        )),
        "{headers}"
    );
    for rule in [
        "/\n",
        "/index.html\n",
        "/pick/*\n",
        "/roles/*\n",
        "/compare/*\n",
    ] {
        assert!(
            headers.contains(&format!("{rule}  Content-Security-Policy: {full}\n")),
            "{rule} in {headers}"
        );
    }
    assert!(!headers.contains("\n/*\n"), "no rule overlaps /embed/*");
    let nginx = f.output("guidepost-headers.nginx.conf");
    assert!(nginx.contains(&format!(
        "location ^~ /embed/ {{\n    add_header Content-Security-Policy \"{embed}\" always;"
    )));
    let apache = f.output(".htaccess");
    assert!(apache.contains(&format!(
        "<If \"%{{REQUEST_URI}} =~ m#/embed/#\">\n    Header always set Content-Security-Policy \"{embed}\""
    )));
    let iis = f.output("web.config");
    assert!(iis.contains("<location path=\"embed\">"));
    assert!(iis.contains("<remove name=\"Content-Security-Policy\" />"));
    assert!(
        iis.contains(&format!("value=\"{}\"", embed.replace('\'', "&#39;"))),
        "{iis}"
    );
}

#[test]
fn serve_sends_the_framing_headers() {
    let f = site("[embed]\nallow_framing_from = [\"http://127.0.0.1:9\"]\n");
    let server = f.serve(&[]);
    let (status, head, _) = raw_get(server.port, "/embed/pick/q/size/");
    assert_eq!(status, 200, "{head}");
    let head = head.to_lowercase();
    assert!(
        head.contains("content-security-policy: default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self' http://127.0.0.1:9\r\n"),
        "{head}"
    );
    let (_, head, _) = raw_get(server.port, "/pick/");
    assert!(
        head.to_lowercase()
            .contains("form-action 'self'; frame-ancestors 'self'\r\n"),
        "{head}"
    );
    // Without framing settings, serve sends no policy (as before).
    let plain = site("");
    let server = plain.serve(&[]);
    let (_, head, _) = raw_get(server.port, "/embed/pick/");
    assert!(
        !head.to_lowercase().contains("content-security-policy"),
        "{head}"
    );
}

/// The same hostile body under each `[markdown] raw_html` mode.
#[test]
fn raw_html_allow_sanitize_and_escape() {
    const HOSTILE: &str = "+++\ntitle = \"Hostile\"\n+++\nIntro.\n\n<script>alert(1)</script>\n\n<p style=\"color:red\" onclick=\"steal()\">Kept <b>bold</b> <a href=\"javascript:alert(2)\">js</a> <a href=\"https://example.org/\">ok</a></p>\n\n<img src=\"pic.png\" onerror=\"alert(3)\" alt=\"A picture\">\n\n<iframe src=\"https://evil.example/\"></iframe>\n\n<style>body { display: none }</style>\n\n- [x] done\n\n## Heading\n";
    let build = |mode: &str| {
        let f = site(&format!("[markdown]\nraw_html = \"{mode}\"\n"));
        f.write("content/hostile.md", HOSTILE);
        f.build_ok(&[]);
        let html = f.output("hostile/index.html");
        let start = html.find("Intro.").unwrap();
        let end = html.find("</article>").unwrap_or(html.len());
        html[start..end].to_string()
    };
    let allow = build("allow");
    assert!(allow.contains("<script>alert(1)</script>"), "{allow}");
    assert!(allow.contains("onclick=\"steal()\""));
    assert!(allow.contains("<iframe src=\"https://evil.example/\"></iframe>"));

    let escape = build("escape");
    assert!(
        escape.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{escape}"
    );
    assert!(!escape.contains("<script") && !escape.contains("<iframe"));
    assert!(!escape.contains("<b>"), "escape shows every tag as text");

    let clean = build("sanitize");
    for gone in [
        "<script",
        "alert(1)",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "display: none",
    ] {
        assert!(!clean.contains(gone), "sanitize left {gone:?}:\n{clean}");
    }
    assert!(
        clean.contains("<p>Kept <b>bold</b> <a>js</a> <a href=\"https://example.org/\">ok</a></p>"),
        "{clean}"
    );
    assert!(
        clean.contains("<img src=\"pic.png\" alt=\"A picture\">"),
        "{clean}"
    );
    assert!(
        clean.contains("<input disabled=\"\" type=\"checkbox\" checked=\"\">")
            || clean.contains("type=\"checkbox\""),
        "{clean}"
    );
    assert!(
        clean.contains("<h2 id=\"heading\""),
        "heading ids survive: {clean}"
    );
    let bad = site("[markdown]\nraw_html = \"strip\"\n");
    let err = bad.build_err(&[]);
    assert!(err.contains("guidepost.toml:3:12"), "{err}");
}
