//! Parse stage: Markdown to HTML with pulldown-cmark.
//!
//! On top of CommonMark this adds what a knowledge site needs: unique heading
//! ids with self-links, a table of contents, a summary, word count, scrollable
//! table wrappers, and `@/path.md#anchor` internal links resolved to URLs.
//! Anchors are checked after every page is rendered (see `model`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::config::MarkdownConfig;
/// `[markdown] raw_html`, re-exported for the benchmarks.
pub use crate::config::RawHtml;
use crate::text::{SlugStrategy, escape_attr, slugify_anchor};

/// Rendering switches from `[markdown]` in the config.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    pub smart_punctuation: bool,
    pub words_per_minute: usize,
    pub raw_html: RawHtml,
    /// Heading ids keep their text (Zola's `anchors = "safe"`/`"off"`)
    /// instead of becoming ASCII slugs.
    pub keep_anchor_text: bool,
}

impl From<&MarkdownConfig> for MarkdownOptions {
    /// The one place config switches become rendering options.
    fn from(c: &MarkdownConfig) -> Self {
        MarkdownOptions {
            smart_punctuation: c.smart_punctuation,
            words_per_minute: c.words_per_minute,
            raw_html: c.raw_html,
            keep_anchor_text: false,
        }
    }
}

/// One table-of-contents entry.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    pub level: u32,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<TocEntry>,
}

/// A resolved `@/page.md#anchor` link whose anchor must exist on the target.
#[derive(Debug, Clone)]
pub struct AnchorLink {
    /// Content-relative path of the target (`roles/vcio.md`).
    pub target: String,
    pub anchor: String,
    /// Byte span of the link in the whole file.
    pub span: Range<usize>,
}

/// A Markdown document rendered to HTML.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The HTML as a template value, so every listing that shows the page
    /// shares one copy (see [`Rendered::html`] for the text).
    pub content: tera::Value,
    pub summary: Option<String>,
    pub toc: Vec<TocEntry>,
    pub word_count: usize,
    pub reading_time: usize,
    pub heading_ids: HashSet<String>,
    /// Text of the first `# ` heading, when it was used as the title and dropped.
    pub first_h1: Option<String>,
    pub anchor_links: Vec<AnchorLink>,
}

/// A heading being collected: level, explicit id, classes, inner events.
type OpenHeading<'a> = (HeadingLevel, Option<String>, Vec<String>, Vec<Event<'a>>);

/// Resolves the part of an internal link after `@/` (without the anchor) to a site path.
pub type Resolver<'a> = &'a (dyn Fn(&str) -> Result<String, String> + Sync);

impl Default for Rendered {
    fn default() -> Self {
        Rendered {
            content: tera::Value::safe_string(""),
            summary: None,
            toc: Vec::new(),
            word_count: 0,
            reading_time: 0,
            heading_ids: HashSet::new(),
            first_h1: None,
            anchor_links: Vec::new(),
        }
    }
}

impl Rendered {
    /// The rendered HTML.
    pub fn html(&self) -> &str {
        self.content.as_str().unwrap_or("")
    }
}

/// Ids the default theme uses for its own landmarks; headings never take them.
const RESERVED_IDS: &[&str] = &[
    "main",
    "content",
    "site-header",
    "site-nav",
    "site-footer",
    "toc",
    "breadcrumbs",
];

fn parser_options(opts: &MarkdownOptions) -> Options {
    let mut o = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if opts.smart_punctuation {
        o |= Options::ENABLE_SMART_PUNCTUATION;
    }
    o
}

/// Renders a page body. `body_offset` is where the body starts in the file,
/// so link errors carry file offsets. Returns the rendering and link errors.
pub fn render(
    body: &str,
    body_offset: usize,
    drop_first_h1: bool,
    opts: &MarkdownOptions,
    resolve: Resolver,
) -> (Rendered, Vec<(Range<usize>, String)>) {
    let keep = opts.raw_html != RawHtml::Escape;
    let (mut rendered, errors) = render_with(body, body_offset, drop_first_h1, opts, resolve, keep);
    if opts.raw_html == RawHtml::Sanitize {
        rendered.content = tera::Value::safe_string(&sanitize(rendered.html()));
        rendered.summary = rendered.summary.as_deref().map(sanitize);
    }
    (rendered, errors)
}

/// `raw_html = "sanitize"`: the rendered HTML through ammonia's allow-list
/// (its defaults: no `script`, `style`, `iframe`, `form`, event handlers,
/// `style` attributes or `javascript:` URLs), widened only by what
/// Guidepost itself writes: `id`, `class`, `role`, `tabindex` and `aria-*`
/// on any element, `scope` on table headers, and task-list checkboxes.
/// Links keep their `rel` as written.
fn sanitize(html: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.link_rel(None)
                .add_generic_attributes(["id", "class", "role", "tabindex"])
                .add_generic_attribute_prefixes(["aria-"])
                .add_tags(["input"])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("th", ["scope"]);
            b
        })
        .clean(html)
        .to_string()
}

/// [`render`], optionally turning raw HTML into text (for front matter fragments).
fn render_with(
    body: &str,
    body_offset: usize,
    drop_first_h1: bool,
    opts: &MarkdownOptions,
    resolve: Resolver,
    raw_html: bool,
) -> (Rendered, Vec<(Range<usize>, String)>) {
    let mut out = Rendered::default();
    let mut errors = Vec::new();
    let mut used_ids: HashSet<String> = RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    // pulldown-cmark gives a footnote definition its label as id, so a heading
    // must not take that id too (`## Sources` and `[^sources]:`).
    used_ids.extend(footnote_labels(body));
    let mut flat_toc: Vec<(u32, String, String)> = Vec::new();
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let mut first_paragraph_start: Option<usize> = None;
    let mut first_paragraph_end: Option<usize> = None;
    let mut more_marker: Option<usize> = None;
    let mut last_heading = String::new();
    let mut depth = 0usize;
    let mut heading: Option<OpenHeading> = None;
    let mut pending: Vec<Event> = Vec::new();

    let flush = |pending: &mut Vec<Event>, html: &mut String| {
        if !pending.is_empty() {
            html::push_html(html, pending.drain(..));
        }
    };

    for (event, range) in Parser::new_ext(body, parser_options(opts)).into_offset_iter() {
        let event = match event {
            Event::Html(h) | Event::InlineHtml(h) if !raw_html => Event::Text(h),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !raw_html && is_script_url(&dest_url) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from("#"),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if !raw_html && is_script_url(&dest_url) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from("#"),
                title,
                id,
            }),
            other => other,
        };
        if let Some((level, id, classes, inner)) = heading.as_mut() {
            match event {
                Event::End(TagEnd::Heading(_)) => {
                    let text = plain_text(inner);
                    out.word_count += count_words(&text);
                    if drop_first_h1 && *level == HeadingLevel::H1 && out.first_h1.is_none() {
                        out.first_h1 = Some(text);
                        heading = None;
                        continue;
                    }
                    let strategy = if opts.keep_anchor_text {
                        SlugStrategy::Safe
                    } else {
                        SlugStrategy::On
                    };
                    let base = id
                        .clone()
                        .unwrap_or_else(|| slugify_anchor(&text, strategy));
                    let id = unique_id(base, &mut used_ids, &mut next_suffix);
                    // `{#id}` is the writer's text: escaped like every attribute.
                    let id_attr = escape_attr(&id);
                    let n = *level as u32;
                    flush(&mut pending, &mut html);
                    let mut inner_html = String::new();
                    html::push_html(&mut inner_html, inner.drain(..));
                    let class_attr = if classes.is_empty() {
                        String::new()
                    } else {
                        format!(" class=\"{}\"", escape_attr(&classes.join(" ")))
                    };
                    html.push_str(&format!(
                        "<h{n} id=\"{id_attr}\"{class_attr}>{inner_html} <a class=\"heading-anchor\" href=\"#{id_attr}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{n}>\n"
                    ));
                    if n >= 2 {
                        flat_toc.push((n, id.clone(), text.clone()));
                    }
                    last_heading = text;
                    out.heading_ids.insert(id);
                    heading = None;
                }
                other => inner.push(resolve_link(
                    other,
                    &range,
                    body_offset,
                    resolve,
                    &mut out,
                    &mut errors,
                )),
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                heading = Some((
                    level,
                    id.map(|s| s.to_string()),
                    classes.iter().map(|c| c.to_string()).collect(),
                    Vec::new(),
                ));
            }
            Event::Start(Tag::Table(_)) => {
                pending.push(Event::Html(CowStr::from(format!(
                    "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">",
                    escape_attr(&if last_heading.is_empty() {
                        "Table".to_string()
                    } else {
                        format!("Table: {last_heading}")
                    })
                ))));
                pending.push(event);
            }
            Event::End(TagEnd::Table) => {
                pending.push(event);
                pending.push(Event::Html(CowStr::from("</div>\n")));
            }
            Event::Start(Tag::Paragraph) => {
                if depth == 0 && first_paragraph_start.is_none() {
                    flush(&mut pending, &mut html);
                    first_paragraph_start = Some(html.len());
                }
                depth += 1;
                pending.push(event);
            }
            Event::End(TagEnd::Paragraph) => {
                depth = depth.saturating_sub(1);
                pending.push(event);
                if first_paragraph_end.is_none() && depth == 0 {
                    flush(&mut pending, &mut html);
                    first_paragraph_end = Some(html.len());
                }
            }
            Event::Html(ref s) | Event::InlineHtml(ref s) if s.trim() == "<!-- more -->" => {
                flush(&mut pending, &mut html);
                more_marker = Some(html.len());
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                out.word_count += count_words(t);
                pending.push(event);
            }
            other => {
                let e = resolve_link(other, &range, body_offset, resolve, &mut out, &mut errors);
                pending.push(e);
            }
        }
        if pending.len() > 256 {
            flush(&mut pending, &mut html);
        }
    }
    flush(&mut pending, &mut html);
    out.summary = match (more_marker, first_paragraph_start, first_paragraph_end) {
        (Some(end), ..) => Some(html[..end].to_string()),
        (None, Some(start), Some(end)) => Some(html[start..end].to_string()),
        _ => None,
    };
    out.content = tera::Value::safe_string(&html);
    out.toc = nest_toc(flat_toc);
    out.reading_time = out.word_count.div_ceil(opts.words_per_minute.max(1));
    (out, errors)
}

/// Renders a short Markdown fragment (a table cell, a decision-tree answer).
/// Without `block`, a single wrapping paragraph is removed.
pub fn render_fragment(
    text: &str,
    block: bool,
    opts: &MarkdownOptions,
    resolve: Resolver,
) -> Result<String, String> {
    let (r, errors) = render_with(text, 0, false, opts, resolve, false);
    if let Some((_, message)) = errors.into_iter().next() {
        return Err(message);
    }
    let html = r.html().trim_end();
    if !block
        && let Some(inner) = html
            .strip_prefix("<p>")
            .and_then(|h| h.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return Ok(inner.to_string());
    }
    Ok(html.to_string())
}

fn resolve_link<'a>(
    event: Event<'a>,
    range: &Range<usize>,
    body_offset: usize,
    resolve: Resolver,
    out: &mut Rendered,
    errors: &mut Vec<(Range<usize>, String)>,
) -> Event<'a> {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if dest_url.starts_with("@/") => {
            let span = range.start + body_offset..range.end + body_offset;
            let (target, anchor) = match dest_url[2..].split_once('#') {
                Some((t, a)) => (t.to_string(), Some(a.to_string())),
                None => (dest_url[2..].to_string(), None),
            };
            let url = match resolve(&target) {
                Ok(path) => {
                    if let Some(a) = &anchor {
                        out.anchor_links.push(AnchorLink {
                            target: target.clone(),
                            anchor: a.clone(),
                            span: span.clone(),
                        });
                        format!("{path}#{a}")
                    } else {
                        path
                    }
                }
                Err(message) => {
                    errors.push((span, message));
                    String::from("#")
                }
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(url),
                title,
                id,
            })
        }
        // Marked `rel="external"` so the print stylesheet can write out the
        // address of links that leave the site, and only of those: in
        // absolute mode internal links start with `https://` too.
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) if dest_url.starts_with("https://") || dest_url.starts_with("http://") => {
            let title = if title.is_empty() {
                String::new()
            } else {
                format!(" title=\"{}\"", escape_attr(&title))
            };
            Event::InlineHtml(CowStr::from(format!(
                "<a href=\"{}\" rel=\"external\"{title}>",
                escape_attr(&dest_url)
            )))
        }
        other => other,
    }
}

/// The labels of footnote definitions (`[^label]: text` at a line start),
/// which become element ids in the output.
fn footnote_labels(body: &str) -> impl Iterator<Item = String> + '_ {
    body.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix("[^")?;
        let end = rest.find("]:")?;
        Some(rest[..end].to_string())
    })
}

/// `base`, or `base-N` with the first free N. `next` remembers where each
/// base's search stopped, so 20,000 equal headings stay linear.
fn unique_id(
    base: String,
    used: &mut HashSet<String>,
    next: &mut HashMap<String, usize>,
) -> String {
    if used.insert(base.clone()) {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// A URL that runs code when followed (`javascript:`, `vbscript:`, `data:`):
/// fragments from front matter promise no active content, so these become `#`.
fn is_script_url(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take_while(|&c| c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    url.contains(':') && matches!(scheme.as_str(), "javascript" | "vbscript" | "data")
}

fn plain_text(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn nest_toc(flat: Vec<(u32, String, String)>) -> Vec<TocEntry> {
    fn take(flat: &[(u32, String, String)], i: &mut usize, level: u32) -> Vec<TocEntry> {
        let mut entries = Vec::new();
        while *i < flat.len() {
            let (l, id, title) = &flat[*i];
            if *l < level {
                break;
            }
            *i += 1;
            let children = take(flat, i, l + 1);
            entries.push(TocEntry {
                level: *l,
                id: id.clone(),
                title: title.clone(),
                permalink: format!("#{id}"),
                children,
            });
        }
        entries
    }
    let min = flat.iter().map(|(l, ..)| *l).min().unwrap_or(2);
    let mut i = 0;
    let mut all = Vec::new();
    while i < flat.len() {
        all.extend(take(&flat, &mut i, min));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: MarkdownOptions = MarkdownOptions {
        raw_html: RawHtml::Allow,
        smart_punctuation: true,
        words_per_minute: 200,
        keep_anchor_text: false,
    };

    fn no_links(_: &str) -> Result<String, String> {
        Err("no pages".into())
    }

    #[test]
    fn headings_get_unique_ids_and_toc() {
        let (r, _) = render(
            "## Intro\n\ntext\n\n## Intro\n\n### Sub {#custom}\n",
            0,
            false,
            &OPTS,
            &no_links,
        );
        assert!(r.html().contains("<h2 id=\"intro\">Intro"), "{}", r.html());
        assert!(r.html().contains("id=\"intro-1\""));
        assert!(r.html().contains("<h3 id=\"custom\">"));
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[1].children[0].id, "custom");
        assert_eq!(r.summary.as_deref(), Some("<p>text</p>\n"));
    }

    #[test]
    fn internal_links_resolve_and_report_errors_at_file_offsets() {
        let resolve = |t: &str| {
            if t == "a.md" {
                Ok("/a/".to_string())
            } else {
                Err(format!("no page {t}"))
            }
        };
        let (r, errors) = render("[x](@/a.md#top) [y](@/b.md)", 10, false, &OPTS, &resolve);
        assert!(r.html().contains("href=\"/a/#top\""));
        assert_eq!(r.anchor_links[0].anchor, "top");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0.start, 10 + 16);
    }

    #[test]
    fn external_links_are_marked_for_print_and_internal_ones_are_not() {
        let resolve = |_: &str| Ok("/a/".to_string());
        let (r, _) = render(
            "[x](https://example.org/?a=1&b=\"2\" \"T\") [y](@/a.md) [z](/local/)",
            0,
            false,
            &OPTS,
            &resolve,
        );
        assert!(
            r.html().contains(
                "<a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\" rel=\"external\" title=\"T\">x</a>"
            ),
            "{}",
            r.html()
        );
        assert!(r.html().contains("<a href=\"/a/\">y</a>"), "{}", r.html());
        assert!(
            r.html().contains("<a href=\"/local/\">z</a>"),
            "{}",
            r.html()
        );
    }

    #[test]
    fn more_marker_sets_summary_and_tables_scroll() {
        let (r, _) = render(
            "one\n\ntwo\n\n<!-- more -->\n\n|a|\n|-|\n|b|\n",
            0,
            false,
            &OPTS,
            &no_links,
        );
        assert_eq!(r.summary.as_deref(), Some("<p>one</p>\n<p>two</p>\n"));
        assert!(r.html().contains("<div class=\"table-scroll\""));
    }

    #[test]
    fn heading_attributes_are_escaped() {
        let (r, _) = render(
            "## H {#x\"onmouseover=\"alert(1) .a\"b}\n",
            0,
            false,
            &OPTS,
            &no_links,
        );
        assert!(!r.html().contains("\"onmouseover"), "{}", r.html());
        assert!(
            r.html()
                .contains("id=\"x&quot;onmouseover=&quot;alert(1)\""),
            "{}",
            r.html()
        );
        let frag = render_fragment(
            "## H {#a\"b}\n\n<b>x</b> [l](javascript:alert(1))",
            true,
            &OPTS,
            &no_links,
        )
        .unwrap();
        assert!(frag.contains("id=\"a&quot;b\""), "{frag}");
        assert!(frag.contains("&lt;b&gt;x&lt;/b&gt;"), "{frag}");
        assert!(frag.contains("href=\"#\""), "{frag}");
    }

    #[test]
    fn many_equal_headings_stay_linear() {
        let body = "## x\n\n".repeat(20_000);
        let t = std::time::Instant::now();
        let (r, _) = render(&body, 0, false, &OPTS, &no_links);
        assert!(r.html().contains("id=\"x-19999\""));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn fragment_strips_paragraph() {
        assert_eq!(
            render_fragment("*a*", false, &OPTS, &no_links).unwrap(),
            "<em>a</em>"
        );
    }
}
