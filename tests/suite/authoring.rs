//! Authoring tools: shortcodes, callouts and alerts, definition lists, the
//! `[markdown]` switches, code highlighting, template filters and
//! functions, data files, and the dev server re-rendering what they affect.

use std::time::{Duration, Instant};

use crate::common::{Fixture, raw_get};

fn site(config: &str) -> Fixture {
    let f = Fixture::new(&format!("title = \"T\"\nbase_url = \"\"\n{config}"));
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f
}

/// The page body between `<div class="prose">` and the end of the article.
fn prose(html: &str) -> &str {
    let start = html.find("<div class=\"prose\">").expect("a prose block");
    let end = html[start..]
        .find("</article>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

// ---- shortcodes ----

#[test]
fn every_shortcode_form_expands() {
    let f = site("");
    f.write(
        "templates/shortcodes/kbd.html",
        "<kbd title=\"{{ key }}\">{{ key }}</kbd>\n",
    );
    f.write(
        "templates/shortcodes/shout.md",
        "**{{ body | trim | upper }}!**\n",
    );
    f.write(
        "templates/shortcodes/boxed.html",
        "<section class=\"boxed boxed-{{ nth }}\" aria-label=\"{{ label }}\">\n{{ body }}\n</section>\n",
    );
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nPress {{ kbd(key=\"Ctrl\") }} then \"go\".\n\n\
{% boxed(label=\"Outer\") %}\nIt's *outer* with a [link](@/_index.md).\n\n\
{% boxed(label=\"Inner\") %}\nInner {{ kbd(key=\"K\") }}.\n{% end %}\n{% end %}\n\n\
{% shout() %}\nquiet words\n{% end %}\n\n\
Escaped: {{/* kbd(key=\"x\") */}} and {%/* boxed(label=\"y\") */%}.\n\n\
Inline code: `{{ kbd(key=\"code\") }}`.\n\n\
```\n{{ kbd(key=\"fenced\") }}\n```\n",
    );
    f.build_ok(&[]);
    let html = f.output("a/index.html");
    let body = prose(&html);
    // Inline HTML shortcode, output untouched by Markdown.
    assert!(
        body.contains("Press <kbd title=\"Ctrl\">Ctrl</kbd> then “go”."),
        "{body}"
    );
    // Body shortcodes nest; the body stays Markdown of the page (links resolve).
    assert!(
        body.contains("<section class=\"boxed boxed-1\" aria-label=\"Outer\">"),
        "{body}"
    );
    assert!(
        body.contains("<p>It’s <em>outer</em> with a <a href=\"../index.html\">link</a>.</p>"),
        "{body}"
    );
    assert!(body.contains("<section class=\"boxed boxed-2\" aria-label=\"Inner\">\n<p>Inner <kbd title=\"K\">K</kbd>.</p>"), "{body}");
    // A Markdown template's output is Markdown.
    assert!(body.contains("<strong>QUIET WORDS!</strong>"), "{body}");
    // Escaped calls print the call with straight quotes; code stays literal.
    assert!(
        body.contains("Escaped: {{ kbd(key=\"x\") }} and {% boxed(label=\"y\") %}."),
        "{body}"
    );
    assert!(
        body.contains("<code>{{ kbd(key=&quot;code&quot;) }}</code>")
            || body.contains("<code>{{ kbd(key=\"code\") }}</code>"),
        "{body}"
    );
    assert!(body.contains("{{ kbd(key=&quot;fenced&quot;) }}"), "{body}");
}

#[test]
fn shortcode_problems_are_errors_at_the_call() {
    let f = site("");
    f.write("templates/shortcodes/kbd.html", "<kbd>{{ key }}</kbd>");
    f.write(
        "content/bad.md",
        "+++\ntitle = \"Bad\"\n+++\nA {{ youtube(id=\"x\") }} call.\n\
{{ kdb(key=\"x\") }}\n\
Text {{ kbd(kee=\"x\") }}\n\
{{ kbd(key=x) }}\n\
{% callout(kind=\"danger\") %}\nbody\n{% end %}\n\
{% details(summary=\"open\") %}\nnever closed\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/bad.md:4:6"),
        "unknown shortcode at its name:\n{err}"
    );
    assert!(err.contains("unknown shortcode `youtube`"), "{err}");
    assert!(
        err.contains("content/bad.md:5:4") && err.contains("did you mean `kbd`"),
        "{err}"
    );
    assert!(
        err.contains("content/bad.md:6:13") && err.contains("has no argument `kee`"),
        "{err}"
    );
    assert!(
        err.contains("content/bad.md:7:12") && err.contains("`x` is not a value"),
        "{err}"
    );
    assert!(
        err.contains("content/bad.md:8:1")
            && err.contains("kind must be note, tip, important, warning or caution"),
        "{err}"
    );
    assert!(
        err.contains("content/bad.md:11:1") && err.contains("has no `{% end %}`"),
        "{err}"
    );
    assert!(!f.has_output("bad/index.html"));
}

#[test]
fn built_in_callouts_details_figures_and_comparison() {
    let f = site("");
    f.write(
        "content/roles/a.md",
        "+++\ntitle = \"Role A\"\n[attributes]\nfocus = \"IT\"\n+++\n",
    );
    f.write(
        "content/guide/index.md",
        "+++\ntitle = \"Guide\"\n[comparison]\nitems = [\"@/roles/a.md\"]\nrows = [{ key = \"focus\", label = \"Focus\" }]\n+++\n\
{% callout(kind=\"warning\", title=\"Before you sign\") %}\nRead **this**.\n{% end %}\n\n\
{% callout() %}\nA plain note.\n{% end %}\n\n\
{% details(summary=\"Show the steps\") %}\n1. One\n2. Two\n{% end %}\n\n\
{{ figure(src=\"diagram.svg\", alt=\"The flow\", caption=\"How it flows\", width=320, height=200) }}\n\n\
Before the table.\n\n{{ comparison() }}\n\nAfter the table.\n",
    );
    f.write(
        "content/guide/diagram.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    f.build_ok(&[]);
    let html = f.output("guide/index.html");
    let body = prose(&html);
    assert!(body.contains("<div class=\"callout callout--warning\" role=\"note\" aria-label=\"Before you sign\">\n<p class=\"callout__title\">Before you sign</p>\n<p>Read <strong>this</strong>.</p>"), "{body}");
    assert!(
        body.contains("<div class=\"callout callout--note\" role=\"note\" aria-label=\"Note\">"),
        "{body}"
    );
    assert!(body.contains("<details class=\"details\">\n<summary class=\"details__summary\">Show the steps</summary>"), "{body}");
    assert!(body.contains("<ol>\n<li>One</li>"), "{body}");
    assert!(body.contains("<img src=\"diagram.svg\" alt=\"The flow\" width=\"320\" height=\"200\" loading=\"lazy\">"), "{body}");
    assert!(
        body.contains("<figcaption class=\"figure__caption\">How it flows</figcaption>"),
        "{body}"
    );
    assert!(f.has_output("guide/diagram.svg"), "co-located asset copied");
    let (before, table, after) = (
        body.find("Before the table").unwrap(),
        body.find("<table class=\"comparison\">")
            .expect("the comparison shortcode places the table"),
        body.find("After the table").unwrap(),
    );
    assert!(before < table && table < after);
    // A figure without alt text is an error.
    f.write(
        "content/nofig.md",
        "+++\ntitle = \"N\"\n+++\n{{ figure(src=\"x.png\") }}\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/nofig.md:4:1") && err.contains("give `alt`"),
        "{err}"
    );
}

#[test]
fn the_decision_card_shortcode_links_to_a_tree() {
    let f = site("");
    f.write(
        "content/pick.md",
        "+++\ntitle = \"Which plan?\"\ndescription = \"Two questions.\"\n[decision]\nstart = \"size\"\n[[decision.questions]]\nid = \"size\"\ntext = \"Big?\"\nanswers = [{ label = \"Yes\", next = \"big\" }, { label = \"No\", next = \"small\" }]\n[[decision.outcomes]]\nid = \"big\"\ntitle = \"Big plan\"\n[[decision.outcomes]]\nid = \"small\"\ntitle = \"Small plan\"\n+++\n",
    );
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nStart here:\n\n{{ decision_card(path=\"@/pick.md\") }}\n\nDone.\n");
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(body.contains("<a class=\"decision-card\" href=\"../pick/index.html\"><span class=\"decision-card__title\">Which plan?</span><span class=\"decision-card__text\">Two questions.</span><span class=\"decision-card__meta\">1 question, 2 possible results</span></a>"), "{body}");
    assert!(!body.contains("<!-- decision_card"), "{body}");
    f.write(
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\n\n{{ decision_card(path=\"@/a.md\") }}\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/b.md:5:23") && err.contains("has no [decision] tree"),
        "{err}"
    );
}

#[test]
fn a_site_overrides_a_built_in_shortcode_and_alerts_follow() {
    let f = site("");
    f.write(
        "templates/shortcodes/callout.html",
        "<aside class=\"mine-{{ kind | default(value='note') }}\">{{ body }}</aside>",
    );
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n{% callout(kind=\"tip\") %}\nx\n{% end %}\n\n> [!CAUTION]\n> Hot.\n",
    );
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(body.contains("<aside class=\"mine-tip\">"), "{body}");
    assert!(
        body.contains("<aside class=\"mine-caution\">\n<p>Hot.</p>\n</aside>"),
        "{body}"
    );
}

// ---- Markdown extensions ----

#[test]
fn github_alerts_use_the_callout_markup_and_can_be_turned_off() {
    let page =
        "+++\ntitle = \"A\"\n+++\n> [!NOTE]\n> Useful \"info\".\n\n> [!WARNING]\n> Careful.\n";
    let f = site("");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(body.contains("<div class=\"callout callout--note\" role=\"note\" aria-label=\"Note\">\n<p class=\"callout__title\">Note</p>\n<p>Useful “info”.</p>\n</div>"), "{body}");
    assert!(body.contains("callout callout--warning"), "{body}");
    let f = site("[markdown]\ngithub_alerts = false\n");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(!body.contains("callout"), "{body}");
    assert!(body.contains("<blockquote>\n<p>[!NOTE]"), "{body}");
}

#[test]
fn definition_lists_with_linkable_terms_and_off_switch() {
    let glossary = "+++\ntitle = \"Glossary\"\n+++\nMSP {#msp}\n: A managed service provider.\n\nRoadmap\n: A plan.\n";
    let f = site("");
    f.write("content/glossary.md", glossary);
    f.write(
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\nSee [MSP](@/glossary.md#msp).\n",
    );
    f.build_ok(&[]);
    let body = f.output("glossary/index.html");
    assert!(
        body.contains(
            "<dl>\n<dt id=\"msp\">MSP</dt>\n<dd>A managed service provider.</dd>\n<dt>Roadmap</dt>"
        ),
        "{body}"
    );
    assert!(
        f.output("b/index.html")
            .contains("href=\"../glossary/index.html#msp\"")
    );
    // A link to a term that does not exist is still an error.
    f.write(
        "content/c.md",
        "+++\ntitle = \"C\"\n+++\n[x](@/glossary.md#nope)\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("content/c.md:4:1"), "{err}");
    let f = site("[markdown]\ndefinition_lists = false\n");
    f.write("content/glossary.md", glossary);
    f.build_ok(&[]);
    assert!(!f.output("glossary/index.html").contains("<dl>"));
}

#[test]
fn the_bundled_glossary_is_a_definition_list() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/content/glossary.md"))
        .unwrap();
    assert!(
        text.contains("MSP (managed service provider) {#msp}\n: "),
        "glossary terms are a definition list"
    );
}

#[test]
fn external_link_switches() {
    let page = "+++\ntitle = \"A\"\n+++\n[out](https://example.org/x?a=1&b=2 \"T\") and [in](@/_index.md) and [rel](other/)\n";
    let f = site("");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    assert!(f.output("a/index.html").contains(
        "<a href=\"https://example.org/x?a=1&amp;b=2\" rel=\"external\" title=\"T\">out</a>"
    ));
    let f = site(
        "[markdown]\nexternal_links_target_blank = true\nexternal_links_no_follow = true\nexternal_links_no_referrer = true\nexternal_links_class = \"external\"\n",
    );
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(body.contains("<a href=\"https://example.org/x?a=1&amp;b=2\" rel=\"external noopener nofollow noreferrer\" title=\"T\" class=\"external\" target=\"_blank\">out</a>"), "{body}");
    assert!(
        body.contains("<a href=\"../index.html\">in</a>"),
        "internal links unchanged: {body}"
    );
    assert!(body.contains("<a href=\"other/\">rel</a>"), "{body}");
}

#[test]
fn anchor_link_modes_and_an_overridden_template() {
    let page = "+++\ntitle = \"A\"\n+++\n## Intro\n\ntext\n";
    let cases = [
        ("none", "<h2 id=\"intro\">Intro</h2>"),
        (
            "right",
            "<h2 id=\"intro\">Intro <a class=\"heading-anchor\" href=\"#intro\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h2>",
        ),
        (
            "left",
            "<h2 id=\"intro\"><a class=\"heading-anchor\" href=\"#intro\" aria-hidden=\"true\" tabindex=\"-1\">#</a> Intro</h2>",
        ),
        (
            "heading",
            "<h2 id=\"intro\"><a class=\"heading-link\" href=\"#intro\">Intro</a></h2>",
        ),
    ];
    for (mode, want) in cases {
        let f = site(&format!("[markdown]\ninsert_anchor_links = \"{mode}\"\n"));
        f.write("content/a.md", page);
        f.build_ok(&[]);
        let body = f.output("a/index.html");
        assert!(body.contains(want), "{mode}: {body}");
    }
    let f = site("[markdown]\ninsert_anchor_links = \"left\"\n");
    f.write(
        "templates/anchor-link.html",
        "<a class=\"mine\" href=\"#{{ id }}\" aria-label=\"Link to {{ id }}\">§</a>",
    );
    f.write("content/a.md", page);
    // The templates' `markdown` filter renders headings like page bodies.
    f.write("templates/md.html", "{{ \"## Intro\" | markdown }}");
    f.write(
        "content/b.md",
        "+++\ntitle = \"B\"\ntemplate = \"md.html\"\n+++\n",
    );
    f.build_ok(&[]);
    assert!(f.output("a/index.html").contains("<h2 id=\"intro\"><a class=\"mine\" href=\"#intro\" aria-label=\"Link to intro\">§</a> Intro</h2>"));
    let b = f.output("b/index.html");
    assert!(
        b.contains(
            "<a class=\"mine\" href=\"#intro\" aria-label=\"Link to intro\">§</a> Intro</h2>"
        ),
        "{b}"
    );
    let f = site("[markdown]\ninsert_anchor_links = \"sideways\"\n");
    let err = f.build_err(&[]);
    assert!(err.contains("guidepost.toml:4"), "{err}");
}

#[test]
fn emoji_and_bottom_footnotes_switch_on() {
    let page = "+++\ntitle = \"A\"\n+++\nBeware :warning: and :not_an_emoji: and `:tada:`.\n\nA claim[^src] and another[^two].\n\n[^two]: Second.\n\nMiddle.\n\n[^src]: The source.\n\nEnd.\n";
    let f = site("");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(
        body.contains("Beware :warning:"),
        "emoji off by default: {body}"
    );
    assert!(!body.contains("class=\"footnotes\""), "{body}");
    let f = site("[markdown]\nrender_emoji = true\nbottom_footnotes = true\n");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(
        body.contains("Beware ⚠\u{fe0f} and :not_an_emoji: and <code>:tada:</code>."),
        "{body}"
    );
    assert!(
        body.contains(
            "<sup class=\"footnote-reference\" id=\"fr-src-1\"><a href=\"#fn-src\">1</a></sup>"
        ),
        "{body}"
    );
    let notes = body
        .find("<section class=\"footnotes\"")
        .expect("footnotes at the end");
    assert!(notes > body.find("End.").unwrap(), "{body}");
    let first = body.find("<li id=\"fn-src\">").unwrap();
    let second = body.find("<li id=\"fn-two\">").unwrap();
    assert!(
        notes < first && first < second,
        "in reference order: {body}"
    );
    assert!(
        body.contains(
            "<li id=\"fn-src\"><p>The source.</p> <a class=\"footnote-backref\" href=\"#fr-src-1\""
        ),
        "{body}"
    );
}

#[test]
fn smart_punctuation_never_reaches_shortcode_calls() {
    let f = site("");
    f.write(
        "templates/shortcodes/say.html",
        "<q data-x=\"{{ text }}\">{{ text }}</q>",
    );
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nHe said {{ say(text=\"it's -- fine\") }} and \"left\".\n",
    );
    f.build_ok(&[]);
    let body = f.output("a/index.html");
    assert!(
        body.contains("<q data-x=\"it&#x27;s -- fine\">it&#x27;s -- fine</q>")
            || body.contains("<q data-x=\"it&#39;s -- fine\">it&#39;s -- fine</q>"),
        "{body}"
    );
    assert!(body.contains("and “left”."), "{body}");
}

// ---- code highlighting ----

#[test]
fn fenced_code_is_highlighted_with_classes_and_every_option() {
    let f = site("");
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\n```rust,linenos,linenostart=5,hl_lines=2-3 5,hide_lines=4\nfn main() {\n    let x = 1;\n    let y = \"s\";\n    // hidden\n}\n```\n\n```toml\nkey = \"v\"\n```\n",
    );
    f.build_ok(&[]);
    let html = f.output("a/index.html");
    let body = prose(&html);
    assert!(!body.contains("style="), "{body}");
    assert!(body.contains("<pre class=\"code z-code\" data-lang=\"rust\" tabindex=\"0\"><code class=\"language-rust\">"), "{body}");
    assert!(
        body.contains("<span class=\"z-storage z-type z-function z-rust\">fn</span>"),
        "{body}"
    );
    assert!(
        body.contains(
            "<span class=\"line\"><span class=\"line-number\" aria-hidden=\"true\">5</span>"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "<mark class=\"line hl\"><span class=\"line-number\" aria-hidden=\"true\">6</span>"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "<mark class=\"line hl\"><span class=\"line-number\" aria-hidden=\"true\">9</span>"
        ),
        "{body}"
    );
    assert!(!body.contains("// hidden"), "hide_lines: {body}");
    assert!(!body.contains(">8</span>"), "{body}");
    assert!(body.contains("data-lang=\"toml\""), "{body}");
    assert!(
        html.contains("css/syntax-light.css\" media=\"not all and (prefers-color-scheme: dark)\""),
        "{html}"
    );
    let light = f.output("css/syntax-light.css");
    let dark = f.output("css/syntax-dark.css");
    assert!(
        light.contains(".z-code") && light.contains("Coldark-Cold"),
        "{light}"
    );
    assert!(dark.contains("Coldark-Dark"), "{dark}");
}

#[test]
fn unknown_languages_warn_and_highlighting_can_be_turned_off() {
    let page = "+++\ntitle = \"A\"\n+++\nText.\n\n```klingon\nqapla'\n```\n\n```rust,bogus\nfn x() {}\n```\n";
    let f = site("");
    f.write("content/a.md", page);
    let err = f.build_ok(&[]);
    assert!(
        err.contains("content/a.md:6:1") && err.contains("unknown language"),
        "{err}"
    );
    assert!(
        err.contains("content/a.md:10:1") && err.contains("unknown code block option `bogus`"),
        "{err}"
    );
    let body = f.output("a/index.html");
    assert!(body.contains("<pre class=\"code\" data-lang=\"klingon\" tabindex=\"0\"><code class=\"language-klingon\"><span class=\"line\">qapla&#39;</span>"), "{body}");
    let f = site("[markdown]\nhighlight_code = false\n");
    f.write("content/a.md", page);
    f.build_ok(&[]);
    let html = f.output("a/index.html");
    assert!(
        !html.contains("z-code") && !html.contains("syntax-light.css"),
        "{html}"
    );
    assert!(!f.has_output("css/syntax-light.css"));
    // An unknown theme (older Zola had others) warns and uses the default.
    let f = site("[markdown]\nhighlight_theme = \"Nope\"\n");
    f.write("content/a.md", page);
    let err = f.build_ok(&[]);
    assert!(
        err.contains("no code highlighting theme `Nope`; using `Coldark-Cold`"),
        "{err}"
    );
    assert!(f.output("css/syntax-light.css").contains("Coldark-Cold"));
}

// ---- template filters and functions ----

#[test]
fn every_filter_and_function() {
    let f = site("taxonomies = [{ name = \"tags\" }]\n");
    f.write("content/a.md", "+++\ntitle = \"Alpha\"\ndate = 2026-01-31\n[taxonomies]\ntags = [\"Security Ops\"]\n[extra]\nfeatured = true\n+++\n");
    f.write("content/b.md", "+++\ntitle = \"Beta\"\n+++\n");
    f.write("static/app.js", "console.log(1);\n");
    f.write("data/roles.json", "{\"roles\": [\"vCIO\", \"vCISO\"]}");
    f.write("data/roles.toml", "lead = \"vCIO\"\n");
    f.write("data/roles.yaml", "lead: vCISO\n");
    f.write("data/roles.csv", "role,focus\nvCIO,IT\nvCISO,Security\n");
    f.write("data/note.txt", "plain text");
    f.write(
        "templates/index.html",
        "{% set home = get_section(path=\"_index.md\") %}\
<p id=\"now\">{{ now() | date(format=\"%Y\") }}</p>\
<p id=\"date\">{{ \"2026-01-31\" | date(format=\"%d %B %Y\") }}</p>\
<p id=\"md\">{{ \"*hi* [home](@/_index.md)\" | markdown(inline=true) }}</p>\
<div id=\"mdblock\">{{ \"para\" | markdown }}</div>\
<p id=\"slug\">{{ \"Hello, World!\" | slugify }}</p>\
<p id=\"url\">{{ \"a b&c\" | urlencode }}</p>\
<p id=\"strip\">{{ \"<b>bold</b> text\" | striptags }}</p>\
<p id=\"json\">{{ [1, \"two\"] | json_encode | safe }}</p>\
<p id=\"b64\">{{ \"hi\" | b64_encode }}</p>\
<p id=\"re\">{{ \"a1b22\" | regex_replace(pattern=\"[0-9]+\", rep=\"#\") }}</p>\
<p id=\"size\">{{ 2048 | filesizeformat }}</p>\
{% set tags = get_taxonomy(kind=\"tags\") %}<p id=\"tax\">{{ tags.kind.name }}:{% for t in tags.items %}{{ t.name }}={{ t.page_count }}{% endfor %}</p>\
{% set term = get_taxonomy_term(kind=\"tags\", term=\"Security Ops\") %}<p id=\"term\">{{ term.slug }} {{ term.pages | length }} {{ term.permalink }}</p>\
<p id=\"bust\">{{ get_url(path=\"app.js\", cachebust=true) }}</p>\
<p id=\"hash\">{{ get_hash(literal=\"abc\", sha_type=256, base64=false) }}</p>\
<p id=\"hashfile\">{{ get_hash(path=\"app.js\") }}</p>\
{% set j = load_data(path=\"data/roles.json\") %}<p id=\"json-data\">{{ j.roles | join(sep=\",\") }}</p>\
{% set t = load_data(path=\"data/roles.toml\") %}<p id=\"toml-data\">{{ t.lead }}</p>\
{% set y = load_data(path=\"data/roles.yaml\") %}<p id=\"yaml-data\">{{ y.lead }}</p>\
{% set c = load_data(path=\"data/roles.csv\") %}<p id=\"csv-data\">{{ c.headers | join(sep=\"|\") }};{% for r in c.records %}{{ r[0] }}={{ r[1] }} {% endfor %}</p>\
<p id=\"plain-data\">{{ load_data(path=\"data/note.txt\", format=\"plain\") }}</p>\
<p id=\"slice\">{{ [1, 2, 3, 4] | slice(start=1, end=3) | join(sep=\",\") }}</p>\
<p id=\"concat\">{{ [1] | concat(with=[2, 3]) | join(sep=\",\") }}</p>\
<p id=\"filter\">{{ home.pages | filter(attribute=\"extra.featured\", value=true) | map(attribute=\"title\") | join(sep=\",\") }}</p>\
<p id=\"map\">{{ home.pages | map(attribute=\"title\") | join(sep=\",\") }}</p>",
    );
    f.build_ok(&[]);
    let html = f.output("index.html");
    let year: i64 = html.split("<p id=\"now\">").nth(1).unwrap()[..4]
        .parse()
        .unwrap();
    assert!(year >= 2026, "{html}");
    for want in [
        "<p id=\"date\">31 January 2026</p>",
        "<p id=\"md\"><em>hi</em> <a href=\"index.html\">home</a></p>",
        "<div id=\"mdblock\"><p>para</p></div>",
        "<p id=\"slug\">hello-world</p>",
        "<p id=\"url\">a%20b%26c</p>",
        "<p id=\"strip\">bold text</p>",
        "<p id=\"json\">[1,\"two\"]</p>",
        "<p id=\"b64\">aGk=</p>",
        "<p id=\"re\">a#b#</p>",
        "<p id=\"size\">2 KiB</p>",
        "<p id=\"tax\">tags:Security Ops=1</p>",
        "<p id=\"term\">security-ops 1 ",
        "<p id=\"hash\">ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad</p>",
        "<p id=\"json-data\">vCIO,vCISO</p>",
        "<p id=\"toml-data\">vCIO</p>",
        "<p id=\"yaml-data\">vCISO</p>",
        "<p id=\"csv-data\">role|focus;vCIO=IT vCISO=Security </p>",
        "<p id=\"plain-data\">plain text</p>",
        "<p id=\"slice\">2,3</p>",
        "<p id=\"concat\">1,2,3</p>",
        "<p id=\"filter\">Alpha</p>",
        "<p id=\"map\">Alpha,Beta</p>",
    ] {
        assert!(html.contains(want), "missing {want} in\n{html}");
    }
    let bust = html
        .split("<p id=\"bust\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(
        bust.starts_with("/app.js?h=") && bust.len() == "/app.js?h=".len() + 16,
        "{bust}"
    );
    assert!(html.contains("<p id=\"hashfile\">") && !html.contains("<p id=\"hashfile\"></p>"));
}

#[test]
fn load_data_errors_point_at_the_template_line() {
    let f = site("");
    f.write("data/bad.json", "{ nope");
    f.write(
        "templates/index.html",
        "<p>\n{{ load_data(path=\"data/missing.json\") }}\n</p>\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("templates/index.html:2") && err.contains("no file `data/missing.json`"),
        "{err}"
    );
    f.write(
        "templates/index.html",
        "<p>\n\n{{ load_data(path=\"../outside.json\") }}</p>\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("templates/index.html:3") && err.contains("outside the site"),
        "{err}"
    );
    f.write(
        "templates/index.html",
        "{{ load_data(path=\"data/bad.json\") }}\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("templates/index.html:1") && err.contains("invalid JSON"),
        "{err}"
    );
    f.write(
        "templates/index.html",
        "{{ load_data(path=\"data/missing.json\", required=false) }}|\n",
    );
    f.build_ok(&[]);
}

// ---- the dev server ----

/// Polls `path` until its body contains `want` (or fails after 20 s).
fn wait_for(port: u16, path: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, body) = raw_get(port, path);
        let body = String::from_utf8_lossy(&body).into_owned();
        if body.contains(want) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never showed {want:?}:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_re_renders_pages_when_a_shortcode_template_or_data_file_changes() {
    let f = site("");
    f.write(
        "templates/shortcodes/badge.html",
        "<span class=\"badge-v1\">{{ text }}</span>",
    );
    f.write("content/uses.md", "+++\ntitle = \"Uses\"\n+++\nA {{ badge(text=\"new\") }} badge.\n\n> [!NOTE]\n> An alert.\n");
    f.write(
        "content/plain.md",
        "+++\ntitle = \"Plain\"\n+++\nNo shortcodes.\n",
    );
    f.write("data/lead.toml", "name = \"first\"\n");
    f.write("templates/page.html", "<html><body>{{ page.content | safe }}{% set lead = load_data(path=\"data/lead.toml\") %}<p id=\"lead\">{{ lead.name }}</p></body></html>");
    let server = f.serve(&[]);
    let port = server.port;
    wait_for(port, "/uses/", "<span class=\"badge-v1\">new</span>");
    wait_for(port, "/uses/", "callout callout--note");
    // The kept model holds Markdown expanded with the old template: it must be expanded again.
    f.write(
        "templates/shortcodes/badge.html",
        "<span class=\"badge-v2\">{{ text }}</span>",
    );
    wait_for(port, "/uses/", "<span class=\"badge-v2\">new</span>");
    // Alerts take the callout template's markup.
    f.write(
        "templates/shortcodes/callout.html",
        "<div class=\"my-callout-{{ kind }}\">{{ body }}</div>",
    );
    wait_for(port, "/uses/", "my-callout-note");
    // Data files are watched.
    f.write("data/lead.toml", "name = \"second\"\n");
    wait_for(port, "/plain/", "<p id=\"lead\">second</p>");
    // And again: every change is picked up, not only the first.
    f.write(
        "templates/shortcodes/badge.html",
        "<span class=\"badge-v3\">{{ text }}</span>",
    );
    wait_for(port, "/uses/", "<span class=\"badge-v3\">new</span>");
}

// ---- in a browser ----

/// Callouts, alerts, details, a definition list and highlighted code pass
/// axe-core in the light and the dark colour scheme, under a strict CSP,
/// with no inline style or script.
#[tokio::test(flavor = "multi_thread")]
async fn authoring_markup_passes_axe_in_both_colour_schemes() {
    use crate::common::{browser_with, chromedriver, serve_dir};
    let axe_path = std::env::var_os("GUIDEPOST_AXE_JS")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                std::path::PathBuf::from(h)
                    .join(".cache/guidepost-tools/node_modules/axe-core/axe.min.js")
            })
        })
        .filter(|p| p.is_file());
    let Some(axe_path) = axe_path else {
        assert!(
            !crate::common::browser_required(),
            "axe-core is not installed"
        );
        eprintln!("SKIPPED authoring axe: axe-core not found");
        return;
    };
    let Some(driver) = chromedriver("authoring axe") else {
        return;
    };
    let f = site("");
    f.write(
        "content/a.md",
        "+++\ntitle = \"Authoring\"\n+++\n## Callouts\n\n\
{% callout(kind=\"note\") %}\nA note with a [link](@/_index.md).\n{% end %}\n\n\
{% callout(kind=\"tip\") %}\nA tip.\n{% end %}\n\n\
{% callout(kind=\"important\") %}\nImportant.\n{% end %}\n\n\
> [!WARNING]\n> A warning alert.\n\n> [!CAUTION]\n> A caution alert.\n\n\
{% details(summary=\"More detail\") %}\nHidden *text*.\n{% end %}\n\n\
Term\n: Its definition.\n\n\
## Code\n\n\
```rust,linenos,hl_lines=2\n// A comment\nfn main() {\n    let s = \"a string that is long enough to need scrolling on a narrow phone screen, surely\";\n    println!(\"{s} {}\", 42);\n}\n```\n\n\
```bash\n# comment\nexport A=1 && echo \"$A\" | grep -v x\n```\n\n\
```yaml\nkey: value # note\nlist: [1, true]\n```\n\n\
```python\ndef f(x):\n    return f\"{x}\"  # comment\n```\n",
    );
    f.build_ok(&[]);
    let out = f.root().join("output");
    let html = std::fs::read_to_string(out.join("a/index.html")).unwrap();
    let lower = html.to_lowercase();
    assert!(
        !lower.contains(" style=") && !lower.contains("<style"),
        "inline style"
    );
    assert!(!lower.contains("<script>"), "inline script");
    let axe = std::fs::read_to_string(axe_path).unwrap();
    let base = serve_dir(&out);
    let mut problems = Vec::new();
    for (scheme, flags) in [
        ("light", vec!["--blink-settings=preferredColorScheme=1"]),
        (
            "dark",
            vec![
                "--force-dark-mode",
                "--blink-settings=preferredColorScheme=0",
            ],
        ),
    ] {
        for width in [1280u32, 320] {
            let client = browser_with(&driver, true, width, &flags).await;
            client.goto(&format!("{base}/a/index.html")).await.unwrap();
            let dark = client
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                dark,
                serde_json::json!(scheme == "dark"),
                "{scheme} scheme not emulated"
            );
            let highlighted = client
                .execute("return getComputedStyle(document.querySelector('pre.z-code')).backgroundColor;", vec![])
                .await
                .unwrap();
            problems.extend(
                (highlighted.as_str() == Some("rgba(0, 0, 0, 0)"))
                    .then(|| format!("{scheme}: code stylesheet not applied")),
            );
            let overflow = client
                .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
                .await
                .unwrap();
            if overflow.as_i64().unwrap_or(0) > 0 {
                problems.push(format!(
                    "{scheme} @{width}: page scrolls sideways by {overflow}px"
                ));
            }
            let violations = crate::common::axe_violations(&client, &axe).await;
            for v in violations {
                problems.push(format!("{scheme} @{width}: {v}"));
            }
            client.close().await.unwrap();
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---- comparison from a data file ----

#[test]
fn a_comparison_takes_items_and_values_from_csv() {
    let f = site("");
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"Virtual CIO\"\n[attributes]\nshort_name = \"vCIO\"\n+++\n",
    );
    f.write(
        "content/roles/vciso.md",
        "+++\ntitle = \"Virtual CISO\"\n+++\n",
    );
    f.write(
        "data/roles.csv",
        "item,focus,reports_to\n@/roles/vcio.md,IT *strategy*,CEO\n\"@/roles/vciso.md\",\"Security, risk\",Board\n",
    );
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ncaption = \"From data\"\ndata = \"data/roles.csv\"\nrows = [{ key = \"focus\", label = \"Focus\" }, { key = \"reports_to\", label = \"Reports to\" }]\n+++\n",
    );
    f.build_ok(&[]);
    let html = f.output("compare/index.html");
    assert!(
        html.contains("<th scope=\"col\"><a href=\"../roles/vcio/index.html\">vCIO</a></th>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<th scope=\"col\"><a href=\"../roles/vciso/index.html\">Virtual CISO</a></th>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<td data-label=\"vCIO\">IT <em>strategy</em></td>"),
        "{html}"
    );
    assert!(
        html.contains("<td data-label=\"Virtual CISO\">Security, risk</td>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"row\">Reports to</th><td data-label=\"vCIO\">CEO</td><td data-label=\"Virtual CISO\">Board</td>"), "{html}");
    // Without rows, every column is a row.
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"data/roles.csv\"\n+++\n",
    );
    f.build_ok(&[]);
    assert!(
        f.output("compare/index.html")
            .contains("<th scope=\"row\">reports_to</th>")
    );
    // A missing page is an error at the CSV line.
    f.write(
        "data/roles.csv",
        "item,focus\n@/roles/vcio.md,IT\n@/roles/nope.md,x\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("data/roles.csv:3:1") && err.contains("`@/roles/nope.md` is not a page"),
        "{err}"
    );
    // A row naming a column the file lacks: at the rows entry.
    f.write("data/roles.csv", "item,focus\n@/roles/vcio.md,IT\n");
    f.write("content/compare.md", "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"data/roles.csv\"\nrows = [{ key = \"budget\", label = \"Budget\" }]\n+++\n");
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/compare.md:5:") && err.contains("no attribute `budget`"),
        "{err}"
    );
    // Missing and outside files: at the `data` key.
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"data/missing.csv\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/compare.md:4:")
            && err.contains("cannot read comparison data `data/missing.csv`"),
        "{err}"
    );
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"../roles.csv\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/compare.md:4:") && err.contains("outside the site"),
        "{err}"
    );
}

#[test]
fn a_comparison_takes_its_data_from_json_toml_and_yaml_too() {
    let f = site("");
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"Virtual CIO\"\n+++\n",
    );
    f.write(
        "content/roles/vciso.md",
        "+++\ntitle = \"Virtual CISO\"\n+++\n",
    );
    let files = [
        (
            "data/roles.json",
            "[\n  {\"item\": \"@/roles/vcio.md\", \"focus\": \"IT *strategy*\", \"budget\": \"Yes\"},\n  {\"item\": \"@/roles/vciso.md\", \"focus\": \"Risk\", \"budget\": \"No\"}\n]\n",
        ),
        (
            "data/roles.toml",
            "[[items]]\nitem = \"@/roles/vcio.md\"\nfocus = \"IT *strategy*\"\nbudget = \"Yes\"\n\n[[items]]\nitem = \"@/roles/vciso.md\"\nfocus = \"Risk\"\nbudget = \"No\"\n",
        ),
        (
            "data/roles.yaml",
            "- item: \"@/roles/vcio.md\"\n  focus: IT *strategy*\n  budget: \"Yes\"\n- item: \"@/roles/vciso.md\"\n  focus: Risk\n  budget: \"No\"\n",
        ),
    ];
    for (file, text) in files {
        f.write(file, text);
        f.write(
            "content/compare.md",
            &format!("+++\ntitle = \"Compare\"\n[comparison]\ndata = \"{file}\"\n+++\n"),
        );
        f.build_ok(&[]);
        let html = f.output("compare/index.html");
        assert!(
            html.contains("<td data-label=\"Virtual CIO\">IT <em>strategy</em></td>"),
            "{file}: {html}"
        );
        // Columns in the order the file writes them (focus before budget).
        let focus = html.find("<th scope=\"row\">focus</th>").expect(file);
        let budget = html.find("<th scope=\"row\">budget</th>").expect(file);
        assert!(focus < budget, "{file}: {html}");
        // An item that is not a page: an error at the line naming it.
        f.write(
            file,
            &text.replacen("@/roles/vciso.md", "@/roles/nope.md", 1),
        );
        let err = f.build_err(&[]);
        let line = text
            .lines()
            .position(|l| l.contains("@/roles/vciso.md"))
            .unwrap()
            + 1;
        assert!(
            err.contains(&format!("{file}:{line}:1"))
                && err.contains("`@/roles/nope.md` is not a page"),
            "{file}: {err}"
        );
    }
    // A syntax error points into the file.
    f.write("data/roles.toml", "[[items]]\nitem = \n");
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"data/roles.toml\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("data/roles.toml:2:") && err.contains("invalid TOML"),
        "{err}"
    );
    // A symlink out of the site is refused like `..`.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.csv"),
        "item,x\n@/roles/vcio.md,leaked\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.csv"),
        f.root().join("data/link.csv"),
    )
    .unwrap();
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\ndata = \"data/link.csv\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("points outside the site") && !err.contains("leaked"),
        "{err}"
    );
}

#[test]
fn the_markdown_filter_makes_the_same_heading_ids_as_page_bodies() {
    // `[slugify] anchors` applies to every Markdown the site renders: a page
    // body and the `markdown` filter give one heading the same id.
    let f = site("[slugify]\nanchors = \"safe\"\n");
    f.write("content/p.md", "+++\ntitle = \"P\"\n+++\n## Über alles\n");
    f.write(
        "templates/page.html",
        "<main>{{ page.content | safe }}<div id=\"f\">{{ \"## Über alles\" | markdown }}</div></main>",
    );
    f.build_ok(&[]);
    let html = f.output("p/index.html");
    assert_eq!(html.matches("<h2 id=\"Über_alles\"").count(), 2, "{html}");
}
