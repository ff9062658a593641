//! Micro-benchmarks of the two per-page costs of a build: rendering one
//! page's Markdown and rendering one page's template. Run with
//! `cargo bench --bench render`. (Whole-site numbers: `scripts/bench.py`.)

use std::sync::Arc;

use guidepost::markdown::{MarkdownOptions, render};

fn main() {
    divan::main();
}

/// About 2 KB of Markdown, like the pages `scripts/bench.py` generates.
const PAGE: &str = "## Overview\n\nA paragraph with *emphasis*, `code` and a [link](@/sec/other.md).\n\n\
- one\n- two\n- three\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |\n| 7 | 8 |\n\n\
```rust\nfn main() { println!(\"hi\"); }\n```\n\n> A quotation that runs on for a while to be realistic.\n\n\
## Details\n\nMore text. More text. More text. More text. More text. More text. More text.\n\n\
### Sub-point\n\nFinal words of the page, with \"quotes\" -- and dashes.\n";

#[divan::bench]
fn markdown_one_page(bencher: divan::Bencher) {
    let body = PAGE.repeat(3);
    let resolve = |t: &str| Ok(format!("/{}/", t.trim_end_matches(".md")));
    bencher.bench(|| {
        render(
            divan::black_box(&body),
            0,
            false,
            &MarkdownOptions::default(),
            &resolve,
        )
    });
}

#[divan::bench]
fn template_one_page(bencher: divan::Bencher) {
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(vec![
        ("base.html", "<!DOCTYPE html><html><head><title>{{ page.title }}</title></head><body>{% block content %}{% endblock content %}</body></html>"),
        ("page.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1><nav>{% for a in page.ancestors %}<a href=\"{{ a.permalink }}\">{{ a.title }}</a>{% endfor %}</nav>{{ page.content | safe }}{% endblock content %}"),
    ])
    .unwrap();
    let resolve = |t: &str| Ok(format!("/{}/", t.trim_end_matches(".md")));
    let html = render(
        &PAGE.repeat(3),
        0,
        false,
        &MarkdownOptions::default(),
        &resolve,
    )
    .0;
    let page = tera::Value::from_serializable(&serde_json::json!({
        "title": "A page",
        "content": html.html(),
        "ancestors": [{ "title": "Home", "permalink": "/" }, { "title": "Section", "permalink": "/sec/" }],
    }));
    let shared = Arc::new(page);
    bencher.bench(|| {
        let mut ctx = tera::Context::new();
        ctx.insert_value("page", (*shared).clone());
        tera.render("page.html", &ctx).unwrap()
    });
}
