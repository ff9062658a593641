//! Decision trees end to end: fixture trees (a tree in TOML, a DAG in YAML)
//! are built with the default theme, then the plain links are followed from
//! the tree's page to every outcome without JavaScript, checking "your answers
//! so far", change and back links, and "why this result" on the way.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{Fixture, guidepost, list_files};

const CONFIG: &str = "title = \"T\"\nbase_url = \"\"\n";

const TREE: &str = r#"+++
title = "Pick a path"
description = "A small tree."

[decision]
start = "a"

[[decision.questions]]
id = "a"
text = "Is it big?"
help = "Big means **over ten**."
answers = [ { label = "Yes", next = "b" }, { label = "No", next = "c" } ]

[[decision.questions]]
id = "b"
text = "Is it red?"
answers = [ { label = "Yes", next = "o1" }, { label = "No", next = "o2" } ]

[[decision.questions]]
id = "c"
text = "Is it round?"
answers = [ { label = "Maybe", next = "o3" }, { label = "Surely", next = "d" } ]

[[decision.questions]]
id = "d"
text = "Left or right?"
answers = [ { label = "Left", next = "o4" }, { label = "Right", next = "o5" } ]

[[decision.outcomes]]
id = "o1"
title = "Big and red"
body = "See [the other page](@/other.md)."
links = ["@/other.md"]

[[decision.outcomes]]
id = "o2"
title = "Big, not red"

[[decision.outcomes]]
id = "o3"
title = "Small, maybe round"

[[decision.outcomes]]
id = "o4"
title = "Small, round, left"

[[decision.outcomes]]
id = "o5"
title = "Small, round, right"

[[decision.examples]]
answers = ["Yes", "Yes"]
outcome = "o1"

[[decision.examples]]
answers = ["No", "Surely", "Right"]
outcome = "o5"
+++
Intro text.
"#;

const DAG: &str = r#"---
title: Shared steps
decision:
  start: s
  questions:
    - id: s
      text: Which way?
      answers:
        - { label: A, next: m }
        - { label: B, next: n }
    - id: m
      text: Is m true?
      answers:
        - { label: "Yes", next: shared }
        - { label: "No", next: r1 }
    - id: n
      text: Is n true?
      answers:
        - { label: "Yes", next: shared }
        - { label: "No", next: r2 }
    - id: shared
      text: The shared question?
      answers:
        - { label: "Yes", next: r1 }
        - { label: "No", next: r3 }
  outcomes:
    - { id: r1, title: Result one }
    - { id: r2, title: Result two }
    - { id: r3, title: Result three }
  examples:
    - { answers: [A, "No"], outcome: r1 }
    - { answers: [B, "Yes", "No"], outcome: r3 }
---
A DAG.
"#;

fn site() -> Fixture {
    let f = Fixture::new(CONFIG);
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        "content/other.md",
        "+++\ntitle = \"Other\"\n+++\nOther page.\n",
    );
    f.write("content/tree.md", TREE);
    f.write("content/dag.md", DAG);
    f
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

/// Text of the first `<tag ...>...</tag>` after `from`.
fn element_text(html: &str, open: &str, close: &str) -> Option<String> {
    let start = html.find(open)?;
    let body_start = start + html[start..].find('>')? + 1;
    let end = body_start + html[body_start..].find(close)?;
    Some(strip_tags(&html[body_start..end]))
}

fn h1(html: &str) -> String {
    element_text(html, "<h1", "</h1>").expect("page has an h1")
}

/// Every `<a ...>` with `class` containing `class`: (href, text).
fn links(html: &str, class: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a ") {
        let tag_end = i + rest[i..].find('>').unwrap();
        let tag = &rest[i..tag_end];
        let close = tag_end + rest[tag_end..].find("</a>").unwrap();
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            tag.find(&key).map(|p| {
                let v = &tag[p + key.len()..];
                v[..v.find('"').unwrap()].to_string()
            })
        };
        if attr("class").is_some_and(|c| c.split(' ').any(|x| x == class)) {
            out.push((
                unescape(&attr("href").unwrap()),
                strip_tags(&rest[tag_end + 1..close]),
            ));
        }
        rest = &rest[close..];
    }
    out
}

/// Texts of every `<tag class="class">`.
fn texts(html: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let body_start = i + rest[i..].find('>').unwrap() + 1;
        let end = body_start + rest[body_start..].find(close).unwrap();
        out.push(strip_tags(&rest[body_start..end]));
        rest = &rest[end..];
    }
    out
}

/// Change links of the answers summary.
fn change_links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<dd class=\"decision-summary__change\">") {
        let r = &rest[i..];
        let h = r.find("href=\"").unwrap() + 6;
        out.push(unescape(&r[h..h + r[h..].find('"').unwrap()]));
        rest = &r[h..];
    }
    out
}

/// Resolves a relative link from output file `from` (e.g. `tree/q/a/index.html`).
fn resolve(from: &str, href: &str) -> String {
    assert!(
        !href.starts_with("http"),
        "relative mode writes relative links: {href}"
    );
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    let mut p = parts.join("/");
    if href.ends_with('/') || p.is_empty() {
        p.push_str("/index.html");
    }
    p.trim_start_matches('/').to_string()
}

/// A finished walk: outcome title → the routes (answer labels) that reach it.
type Reached = BTreeMap<String, BTreeSet<Vec<String>>>;

/// Follows every answer link from the tree page, checking each step.
fn walk(f: &Fixture, tree_page: &str) -> Reached {
    let html = f.output(tree_page);
    let start = links(&html, "decision-button");
    assert_eq!(start.len(), 1, "one Start link on {tree_page}");
    assert_eq!(start[0].1, "Start");
    let first = resolve(tree_page, &start[0].0);
    let mut reached = Reached::new();
    // (file, route labels, question texts along the route, files of the questions)
    let mut todo = vec![(
        first,
        Vec::<String>::new(),
        Vec::<String>::new(),
        Vec::<String>::new(),
    )];
    let first_question = h1(&f.output(&todo[0].0));
    let mut pages = BTreeSet::new();
    while let Some((file, route, questions, files)) = todo.pop() {
        assert!(
            pages.insert(file.clone()),
            "{file} reached twice: one page per route"
        );
        let html = f.output(&file);
        assert_eq!(html.matches("<h1").count(), 1, "one h1 on {file}");
        let heading = h1(&html);
        // The answers so far, in order, each with a change link back to its question.
        let given = texts(&html, "<dd class=\"decision-summary__answer\">", "</dd>");
        assert_eq!(given, route, "answers summary on {file}");
        let asked = texts(&html, "<dt class=\"decision-summary__question\">", "</dt>");
        assert_eq!(asked, questions, "questions in the summary on {file}");
        let changes: Vec<String> = change_links(&html)
            .iter()
            .map(|h| resolve(&file, h))
            .collect();
        assert_eq!(changes, files, "change links on {file}");
        // Back goes to the previous question, or to the tree page.
        let back = links(&html, "decision-back");
        assert_eq!(back.len(), 1, "a back link on {file}");
        let expected_back = files
            .last()
            .cloned()
            .unwrap_or_else(|| tree_page.to_string());
        assert_eq!(
            resolve(&file, &back[0].0),
            expected_back,
            "back link on {file}"
        );
        let restart: Vec<String> = html
            .match_indices("Start again")
            .map(|_| ())
            .map(|_| String::new())
            .collect();
        assert!(!restart.is_empty(), "start again on {file}");
        if html.contains("decision-step--outcome") {
            assert!(
                html.contains(">Why this result</h2>"),
                "why this result on {file}"
            );
            assert!(!route.is_empty());
            reached.entry(heading).or_default().insert(route.clone());
            continue;
        }
        assert!(
            html.contains("decision-step--question"),
            "{file} is a question page"
        );
        if route.is_empty() {
            assert!(
                !html.contains("Your answers so far"),
                "no summary on the first question"
            );
            assert_eq!(heading, first_question);
        } else {
            assert!(
                html.contains(">Your answers so far</h2>"),
                "summary on {file}"
            );
        }
        let answers = links(&html, "decision-answer");
        assert!(!answers.is_empty(), "answers on {file}");
        for (href, label) in answers {
            let mut r = route.clone();
            r.push(label);
            let mut q = questions.clone();
            q.push(heading.clone());
            let mut fs = files.clone();
            fs.push(file.clone());
            todo.push((resolve(&file, &href), r, q, fs));
        }
    }
    reached
}

fn routes(list: &[&[&str]]) -> BTreeSet<Vec<String>> {
    list.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn a_tree_can_be_followed_to_every_outcome_without_javascript() {
    let f = site();
    f.build_ok(&[]);
    let reached = walk(&f, "tree/index.html");
    let expected: Reached = [
        ("Big and red", routes(&[&["Yes", "Yes"]])),
        ("Big, not red", routes(&[&["Yes", "No"]])),
        ("Small, maybe round", routes(&[&["No", "Maybe"]])),
        ("Small, round, left", routes(&[&["No", "Surely", "Left"]])),
        ("Small, round, right", routes(&[&["No", "Surely", "Right"]])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(reached, expected);
    // A tree: every step has one page, named after its id.
    let files: Vec<String> = list_files(&f.root().join("output/tree"));
    assert_eq!(
        files,
        [
            "index.html",
            "q/a/index.html",
            "q/b/index.html",
            "q/c/index.html",
            "q/d/index.html",
            "result/o1/index.html",
            "result/o2/index.html",
            "result/o3/index.html",
            "result/o4/index.html",
            "result/o5/index.html",
            "tree.json",
        ]
    );
    let start = f.output("tree/q/a/index.html");
    assert!(
        start.contains("Question 1. At most 2 more questions after this one."),
        "{start}"
    );
    assert!(start.contains("Big means <strong>over ten</strong>."));
    let last = f.output("tree/q/d/index.html");
    assert!(last.contains("Question 3. This is the last question."));
    let result = f.output("tree/result/o1/index.html");
    assert!(
        result.contains("<a href=\"../../../other/index.html\">the other page</a>"),
        "{result}"
    );
    assert!(result.contains(">Read next</h2>"));
    assert_eq!(links(&result, "decision-button")[0].1, "Start again");
    assert_eq!(
        resolve(
            "tree/result/o1/index.html",
            &links(&result, "decision-button")[0].0
        ),
        "tree/q/a/index.html"
    );
}

#[test]
fn a_dag_gets_one_page_per_route_so_summaries_stay_true() {
    let f = site();
    f.build_ok(&[]);
    let reached = walk(&f, "dag/index.html");
    let expected: Reached = [
        (
            "Result one",
            routes(&[&["A", "No"], &["A", "Yes", "Yes"], &["B", "Yes", "Yes"]]),
        ),
        ("Result two", routes(&[&["B", "No"]])),
        (
            "Result three",
            routes(&[&["A", "Yes", "No"], &["B", "Yes", "No"]]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(reached, expected);
    // Shared steps carry the answers that led there in their URL.
    assert!(f.has_output("dag/q/shared/a/yes/index.html"));
    assert!(f.has_output("dag/q/shared/b/yes/index.html"));
    assert!(f.has_output("dag/result/r1/b/yes/yes/index.html"));
    assert!(f.has_output("dag/result/r2/index.html"));
    // 4 question pages + 2 + 6 outcome routes... counted exactly:
    let pages = list_files(&f.root().join("output/dag"))
        .into_iter()
        .filter(|p| p.ends_with(".html"))
        .count();
    assert_eq!(
        pages,
        1 + 5 + 6,
        "tree page, 5 question routes, 6 outcome routes"
    );
}

#[test]
fn the_tree_page_has_a_diagram_an_outline_and_tree_json() {
    let f = site();
    f.build_ok(&[]);
    let html = f.output("tree/index.html");
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("Intro text."));
    assert!(html.contains("At most 3 questions."));
    // The diagram: inline SVG, every box a link, answers on the edges.
    let svg_start = html.find("<svg").expect("inline svg");
    let svg = &html[svg_start..html.find("</svg>").unwrap()];
    for target in [
        "q/a/index.html",
        "q/d/index.html",
        "result/o1/index.html",
        "result/o5/index.html",
    ] {
        assert!(
            svg.contains(&format!("href=\"{target}\"")),
            "diagram links {target}: {svg}"
        );
    }
    assert_eq!(
        svg.matches("<a ").count(),
        9,
        "a box per question and outcome"
    );
    assert_eq!(
        svg.matches("decision-diagram__edge\"").count(),
        8,
        "an edge per answer"
    );
    assert!(svg.contains(">Surely</text>"));
    assert!(!svg.contains("style"), "no style in inline SVG");
    // The outline: the same tree as a nested list.
    let outline = &html[html.find("<ul class=\"decision-outline\">").unwrap()..];
    assert!(outline.contains("Question: <a href=\"q/a/index.html\">Is it big?</a>"));
    assert!(outline.contains("Result: <a href=\"result/o5/index.html\">Small, round, right</a>"));
    assert!(html.contains("<a href=\"tree.json\">tree.json</a>"));
    // CSS and JS from files, no inline script or style.
    assert!(html.contains("<link rel=\"stylesheet\" href=\"../css/decision.css\">"));
    assert!(html.contains("<script src=\"../js/decision.js\" defer></script>"));
    assert!(f.has_output("js/decision.js") && f.has_output("css/decision.css"));

    let json: serde_json::Value = serde_json::from_str(&f.output("tree/tree.json")).unwrap();
    assert_eq!(json["start"], "a");
    assert_eq!(json["title"], "Pick a path");
    assert_eq!(json["max_questions"], 3);
    assert_eq!(json["questions"].as_array().unwrap().len(), 4);
    assert_eq!(json["questions"][0]["answers"][1]["next"], "c");
    assert_eq!(json["outcomes"][0]["links"][0]["title"], "Other");
    assert_eq!(json["pages"].as_array().unwrap().len(), 9);
    let dag: serde_json::Value = serde_json::from_str(&f.output("dag/tree.json")).unwrap();
    assert_eq!(dag["pages"].as_array().unwrap().len(), 11);
}

#[test]
fn no_decision_page_has_inline_script_or_style() {
    let f = site();
    f.build_ok(&[]);
    for dir in ["tree", "dag"] {
        for file in list_files(&f.root().join("output").join(dir)) {
            if !file.ends_with(".html") {
                continue;
            }
            let html = f.output(&format!("{dir}/{file}"));
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                assert!(
                    tag.contains(" src="),
                    "inline script in {dir}/{file}: {tag}"
                );
            }
            assert!(!html.contains("<style"), "{dir}/{file}");
            assert!(!html.contains(" style="), "{dir}/{file}");
            let handler = html.match_indices(" on").any(|(i, _)| {
                let rest = &html[i + 3..];
                let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
                !name.is_empty() && rest[name.len()..].starts_with('=')
            });
            assert!(!handler, "event handler attribute in {dir}/{file}");
        }
    }
}

#[test]
fn tree_text_is_escaped_everywhere() {
    let f = Fixture::new(CONFIG);
    let nasty_q = r#"</script><img src=x onerror=alert(1)>"#;
    let nasty_label = r#""><img onerror=alert(2)>"#;
    let nasty_title = r#"<b>bold</b> & 'quoted' "x""#;
    let tree = format!(
        "+++\ntitle = {t}\n[decision]\nstart = \"q\"\n[[decision.questions]]\nid = \"q\"\ntext = {q}\nhelp = {h}\nanswers = [ {{ label = {l}, next = \"o\" }}, {{ label = \"Other\", next = \"p\" }} ]\n[[decision.outcomes]]\nid = \"o\"\ntitle = {o}\nbody = {h}\n[[decision.outcomes]]\nid = \"p\"\ntitle = \"P\"\n+++\n",
        t = toml_str(nasty_title),
        q = toml_str(nasty_q),
        h = toml_str("Help <script>alert(3)</script> <img src=x onerror=alert(4)>"),
        l = toml_str(nasty_label),
        o = toml_str(nasty_title),
    );
    f.write("content/t.md", &tree);
    f.write(
        "templates/index.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Home</h1>{{ decision_card(path=\"@/t.md\") }}{% endblock content %}",
    );
    f.build_ok(&[]);
    let mut files = vec!["index.html".to_string()];
    files.extend(
        list_files(&f.root().join("output/t"))
            .into_iter()
            .filter(|p| p.ends_with(".html"))
            .map(|p| format!("t/{p}")),
    );
    assert!(files.len() >= 4);
    for file in files {
        let html = f.output(&file);
        assert!(!html.contains("<img src=x"), "{file}: {html}");
        assert!(!html.contains("<img onerror"), "{file}");
        assert!(!html.contains("<script>alert"), "{file}");
        assert!(!html.contains("<b>bold"), "{file}");
    }
    let q = f.output("t/q/q/index.html");
    assert_eq!(h1(&q), nasty_q);
    assert_eq!(links(&q, "decision-answer")[0].1, nasty_label);
    assert!(
        q.contains("Help &lt;script&gt;alert(3)&lt;/script&gt;"),
        "{q}"
    );
    let page = f.output("t/index.html");
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img onerror=alert(2)&gt;"));
    let home = f.output("index.html");
    assert!(home.contains("class=\"decision-card\""), "{home}");
    assert!(
        home.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39; &quot;x&quot;"),
        "{home}"
    );
    let json: serde_json::Value = serde_json::from_str(&f.output("t/tree.json")).unwrap();
    assert_eq!(json["questions"][0]["text"], nasty_q);
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[test]
fn the_card_links_to_a_tree_from_any_template() {
    let f = site();
    f.write(
        "templates/index.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Home</h1>{{ decision_card(path=\"@/tree.md\") }}{% endblock content %}",
    );
    f.build_ok(&[]);
    let home = f.output("index.html");
    assert!(home.contains("<a class=\"decision-card\" href=\"tree/index.html\"><span class=\"decision-card__title\">Pick a path</span><span class=\"decision-card__text\">A small tree.</span>"), "{home}");
    f.write(
        "templates/index.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Home</h1>{{ decision_card(path=\"@/other.md\") }}{% endblock content %}",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("has no [decision] tree"), "{err}");
}

#[test]
fn every_error_of_every_tree_is_reported_at_its_place() {
    let f = site();
    f.write(
        "content/tree.md",
        &TREE.replace("next = \"o4\"", "next = \"o44\"").replace(
            "answers = [\"Yes\", \"Yes\"]",
            "answers = [\"Yes\", \"No\"]",
        ),
    );
    f.write(
        "content/dag.md",
        &DAG.replace("{ label: B, next: n }", "{ label: A, next: n }"),
    );
    let err = f.build_err(&[]);
    let tree_line = TREE.lines().position(|l| l.contains("o4\" }")).unwrap() + 1;
    assert!(
        err.contains("`next = \"o44\"` names no question or outcome"),
        "{err}"
    );
    assert!(
        err.contains(&format!("content/tree.md:{tree_line}:")),
        "{err}"
    );
    assert!(err.contains("did you mean `o4`?"), "{err}");
    assert!(err.contains("content/dag.md:"), "{err}");
    assert!(
        err.contains("question `s` has two answers labelled `A`"),
        "{err}"
    );
    // Only the structural error of tree.md: examples are checked once the tree is sound.
    let f2 = site();
    f2.write(
        "content/tree.md",
        &TREE.replace(
            "answers = [\"Yes\", \"Yes\"]",
            "answers = [\"Yes\", \"No\"]",
        ),
    );
    let err = f2.build_err(&[]);
    let ex_line = TREE
        .lines()
        .position(|l| l.contains("outcome = \"o1\""))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("content/tree.md:{ex_line}:")),
        "{err}"
    );
    assert!(err.contains("example 1 leads to `o2`, not `o1`"), "{err}");
    assert!(
        err.contains("diverged at question `b`, answering “No”"),
        "{err}"
    );
    assert!(
        !f2.has_output("tree/index.html"),
        "a failed build writes no tree page"
    );
}

#[test]
fn the_bundled_tree_builds_to_a_sane_number_of_pages() {
    let out = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let o = guidepost(&[
        "build",
        "--root",
        root,
        "--output",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = list_files(&out.path().join("decide"));
    let pages = files.iter().filter(|p| p.ends_with(".html")).count();
    assert!(pages <= 40, "{pages} pages for the bundled tree");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("decide/tree.json")).unwrap(),
    )
    .unwrap();
    let outcomes: BTreeSet<&str> = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let covered: BTreeSet<&str> = json["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, covered, "the examples cover every outcome");
    assert_eq!(pages, json["pages"].as_array().unwrap().len() + 1);
}

#[test]
fn a_decision_template_error_names_the_template_file_and_line() {
    let f = site();
    f.write(
        "templates/decision_outcome.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ outcome.title }}</h1>\n<p>{{ outcome.no_such_key.deeper }}</p>\n{% endblock content %}\n",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("templates/decision_outcome.html:4:"),
        "decision page errors point at the template line like any other: {err}"
    );
    // Reported once for all the decision pages it breaks (any of them is named).
    assert!(
        err.contains("(decision page /") && err.contains("more outputs)"),
        "{err}"
    );
}
