//! Parse stage: Markdown to HTML with pulldown-cmark.
//!
//! On top of CommonMark this adds what a knowledge site needs: unique heading
//! ids with self-links, a table of contents, a summary, word count, scrollable
//! table wrappers, and `@/path.md#anchor` internal links resolved to URLs.
//! Anchors are checked after every page is rendered (see `model`).

use std::collections::{HashMap, HashSet};
use std::iter::Peekable;
use std::ops::Range;
use std::sync::Arc;
use std::vec::IntoIter;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html,
};

/// `[markdown] raw_html`, re-exported for the benchmarks.
pub use crate::config::RawHtml;
use crate::config::{AnchorLinks, Config};
use crate::highlight::{Fence, code_block};
use crate::text::{SlugStrategy, escape_attr, slugify, slugify_anchor};

/// Rendering switches from `[markdown]` in the config.
#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    pub smart_punctuation: bool,
    pub words_per_minute: usize,
    /// `> [!NOTE]` blockquotes become callouts.
    pub github_alerts: bool,
    pub definition_lists: bool,
    /// `target="_blank"`, `rel` and a class for links to other sites.
    pub external_links: ExternalLinks,
    pub anchor_links: AnchorLinks,
    /// `:warning:` becomes ⚠️.
    pub emoji: bool,
    pub bottom_footnotes: bool,
    /// Token classes in fenced code blocks.
    pub highlight: bool,
    /// Theme markup (heading self-links, alert boxes), from the templates.
    pub markup: Arc<Markup>,
    pub raw_html: RawHtml,
    /// Heading ids keep their text (Zola's `anchors = "safe"`/`"off"`)
    /// instead of becoming ASCII slugs.
    pub keep_anchor_text: bool,
}

/// What links to other sites get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalLinks {
    pub target_blank: bool,
    pub no_follow: bool,
    pub no_referrer: bool,
    pub class: Option<String>,
}

/// Where in the text `Markup::anchor_link` has the heading's id.
pub const ANCHOR_ID: &str = "GUIDEPOSTANCHORID";

/// Markup that comes from the theme's templates (`anchor-link.html`,
/// `shortcodes/callout.html`), rendered once per build so that Markdown
/// output follows a site's overrides without the Markdown stage knowing
/// templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    /// A heading's self-link, with [`ANCHOR_ID`] where the id goes.
    pub anchor_link: String,
    /// Opening and closing HTML of each alert kind (`note`, `tip`,
    /// `important`, `warning`, `caution`); a kind without one renders as a
    /// blockquote with class `markdown-alert-KIND`.
    pub alerts: Vec<(String, String, String)>,
}

impl Default for Markup {
    fn default() -> Self {
        Markup {
            anchor_link: format!(
                "<a class=\"heading-anchor\" href=\"#{ANCHOR_ID}\" aria-hidden=\"true\" tabindex=\"-1\">#</a>"
            ),
            alerts: Vec::new(),
        }
    }
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions::of_config(&Config::default())
    }
}

impl MarkdownOptions {
    /// [`MarkdownOptions::of_config`] with the theme's markup (heading
    /// links, alerts) when there is one: what page bodies and the templates'
    /// `markdown` filter render with.
    pub(crate) fn of_theme(config: &Config, markup: Option<&Arc<Markup>>) -> Self {
        let mut o = MarkdownOptions::of_config(config);
        if let Some(m) = markup {
            o.markup = m.clone();
        }
        o
    }

    /// The one place config switches become rendering options: `[markdown]`,
    /// and the heading-id strategy of `[slugify] anchors`, so page bodies,
    /// front-matter fragments and the `markdown` filter make the same ids.
    pub(crate) fn of_config(config: &Config) -> Self {
        let c = &config.markdown;
        MarkdownOptions {
            smart_punctuation: c.smart_punctuation,
            words_per_minute: c.words_per_minute,
            github_alerts: c.github_alerts,
            definition_lists: c.definition_lists,
            external_links: ExternalLinks {
                target_blank: c.external_links_target_blank,
                no_follow: c.external_links_no_follow,
                no_referrer: c.external_links_no_referrer,
                class: c.external_links_class.clone(),
            },
            anchor_links: c.insert_anchor_links,
            emoji: c.render_emoji,
            bottom_footnotes: c.bottom_footnotes,
            highlight: c.highlight_code,
            markup: Arc::new(Markup::default()),
            raw_html: c.raw_html,
            keep_anchor_text: config.slugify.anchors != SlugStrategy::On,
        }
    }
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
    /// The table of contents as the template value `page.toc`: a list of
    /// `{ level, id, title, permalink, children }`. Built here, on the
    /// rendering threads, as the one copy (no Rust-side tree to convert).
    pub toc: tera::Value,
    pub word_count: usize,
    pub reading_time: usize,
    pub heading_ids: HashSet<String>,
    /// Text of the first `# ` heading, when it was used as the title and dropped.
    pub first_h1: Option<String>,
    pub anchor_links: Vec<AnchorLink>,
    /// Problems worth a warning but not an error (an unknown code
    /// language), with byte spans in the whole file.
    pub warnings: Vec<(Range<usize>, String)>,
    /// Shortcodes the body uses (the model fills it; an alert counts as
    /// `callout`, whose markup it has), so the dev server knows which pages
    /// a changed shortcode template affects.
    pub shortcodes: std::collections::BTreeSet<String>,
    /// Whether the HTML holds a comment (`<!--`), as the model found once
    /// the body was rendered: a feature that reads markers from comments
    /// (the decision card shortcode's) skips the pages without, and so does
    /// not search every page's HTML on every rebuild of the dev server.
    pub has_comment: bool,
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
            toc: tera::Value::from(Vec::<tera::Value>::new()),
            word_count: 0,
            reading_time: 0,
            heading_ids: HashSet::new(),
            first_h1: None,
            anchor_links: Vec::new(),
            warnings: Vec::new(),
            shortcodes: Default::default(),
            has_comment: false,
        }
    }
}

impl Rendered {
    /// The rendered HTML.
    pub fn html(&self) -> &str {
        self.content.as_str().unwrap_or("")
    }
}

/// Whether two HTML values (a [`Rendered::content`], a value made from one)
/// are equal. An unchanged page's HTML is the same shared string in the dev
/// server's old and new models, whose bytes need no comparing.
pub(crate) fn same_html(a: &tera::Value, b: &tera::Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => std::ptr::eq(x, y) || x == y,
        _ => a == b,
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
    if opts.github_alerts {
        o |= Options::ENABLE_GFM;
    }
    if opts.definition_lists {
        o |= Options::ENABLE_DEFINITION_LIST;
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
    // The theme's landmark ids are taken too ([`unique_id`] checks
    // [`RESERVED_IDS`] itself: seven strings a page were a page's most
    // frequent allocation).
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    // pulldown-cmark gives a footnote definition its label as id, so a heading
    // must not take that id too (`## Sources` and `[^sources]:`).
    if memchr::memmem::find(body.as_bytes(), b"[^").is_some() {
        used_ids.extend(footnote_labels(body));
    }
    let mut flat_toc: Vec<(u32, String, String)> = Vec::new();
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let mut first_paragraph_start: Option<usize> = None;
    let mut first_paragraph_end: Option<usize> = None;
    let mut more_marker: Option<usize> = None;
    let mut last_heading = String::new();
    let mut depth = 0usize;
    let mut heading: Option<OpenHeading> = None;
    let mut pending: Vec<Event> = Vec::new();
    // Inside a table: the HTML writer keeps the table's state (head or
    // body, column alignments), so its events are written in one go.
    let mut in_table = false;
    // A definition list term being collected (it may end in `{#id}`).
    let mut term: Option<Vec<Event>> = None;
    // A fenced or indented code block being collected: info, text, start.
    let mut code: Option<(String, String, usize)> = None;
    // Bottom footnotes: where the current definition's HTML starts, its
    // name, the definitions cut out so far, and references in order.
    let mut footnote_start: Option<usize> = None;
    let mut footnote_names: Vec<String> = Vec::new();
    let mut footnote_defs: Vec<(String, String)> = Vec::new();
    let mut footnote_refs: Vec<(String, usize)> = Vec::new();
    // Without bottom footnotes: each note's number, by first mention. The
    // HTML writer numbers notes itself, but a fresh writer per batch starts
    // again at 1, so references and labels are written here instead.
    let mut footnote_numbers: HashMap<String, usize> = HashMap::new();

    let flush = |pending: &mut Vec<Event>, html: &mut String| {
        if !pending.is_empty() {
            let from = html.len();
            html::push_html(html, pending.drain(..));
            // pulldown-cmark aligns table columns with `style` attributes,
            // which `default-src 'self'` blocks: classes instead (the
            // theme's CSS aligns them).
            align_with_classes(html, from);
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
                    start_block(&mut html);
                    // Written straight into the page (three strings a
                    // heading otherwise).
                    let level_digit = char::from(b'0' + n as u8);
                    html.push_str("<h");
                    html.push(level_digit);
                    html.push_str(" id=\"");
                    html.push_str(&id_attr);
                    html.push('"');
                    if !classes.is_empty() {
                        html.push_str(" class=\"");
                        html.push_str(&escape_attr(&classes.join(" ")));
                        html.push('"');
                    }
                    html.push('>');
                    let link = |html: &mut String| {
                        let mut parts = opts.markup.anchor_link.split(ANCHOR_ID);
                        html.push_str(parts.next().unwrap_or_default());
                        for part in parts {
                            html.push_str(&id_attr);
                            html.push_str(part);
                        }
                    };
                    match opts.anchor_links {
                        AnchorLinks::None => html::push_html(&mut html, inner.drain(..)),
                        AnchorLinks::Right => {
                            html::push_html(&mut html, inner.drain(..));
                            html.push(' ');
                            link(&mut html);
                        }
                        AnchorLinks::Left => {
                            link(&mut html);
                            html.push(' ');
                            html::push_html(&mut html, inner.drain(..));
                        }
                        AnchorLinks::Heading => {
                            html.push_str("<a class=\"heading-link\" href=\"#");
                            html.push_str(&id_attr);
                            html.push_str("\">");
                            html::push_html(&mut html, inner.drain(..));
                            html.push_str("</a>");
                        }
                    }
                    html.push_str("</h");
                    html.push(level_digit);
                    html.push_str(">\n");
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
                    &opts.external_links,
                )),
            }
            continue;
        }
        if let Some(inner) = term.as_mut() {
            match event {
                Event::End(TagEnd::DefinitionListTitle) => {
                    let mut inner = term.take().expect("inside a term");
                    let id = term_id(&mut inner)
                        .map(|id| unique_id(id, &mut used_ids, &mut next_suffix));
                    out.word_count += count_words(&plain_text(&inner));
                    let mut inner_html = String::new();
                    html::push_html(&mut inner_html, inner.into_iter());
                    let open = match &id {
                        Some(id) => format!("<dt id=\"{}\">", escape_attr(id)),
                        None => "<dt>".to_string(),
                    };
                    pending.push(Event::Html(CowStr::from(format!(
                        "{open}{inner_html}</dt>\n"
                    ))));
                    if let Some(id) = id {
                        out.heading_ids.insert(id);
                    }
                }
                other => inner.push(resolve_link(
                    other,
                    &range,
                    body_offset,
                    resolve,
                    &mut out,
                    &mut errors,
                    &opts.external_links,
                )),
            }
            continue;
        }
        if let Some((_, code_text, _)) = code.as_mut() {
            match event {
                Event::Text(t) => {
                    out.word_count += count_words(&t);
                    code_text.push_str(&t);
                }
                Event::End(TagEnd::CodeBlock) => {
                    let (info, code_text, at) = code.take().expect("inside a code block");
                    let (fence, problems) = Fence::parse(&info);
                    let (block, unknown) = code_block(&code_text, &fence, opts.highlight);
                    let span = body_offset + at..body_offset + at + 3 + info.len();
                    for p in problems {
                        out.warnings.push((span.clone(), p));
                    }
                    if unknown {
                        out.warnings.push((
                            span,
                            format!(
                                "no syntax highlighting for `{}`: unknown language (the block is shown as plain text)",
                                fence.lang
                            ),
                        ));
                    }
                    pending.push(Event::Html(CowStr::from(block)));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::DefinitionListTitle) => {
                term = Some(Vec::new());
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((info, String::new(), range.start));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) if alert_markup(opts, kind).is_some() => {
                let (open, _) = alert_markup(opts, kind).expect("checked");
                out.shortcodes.insert("callout".into());
                pending.push(Event::Html(CowStr::from(format!("{open}\n"))));
            }
            Event::End(TagEnd::BlockQuote(Some(kind))) if alert_markup(opts, kind).is_some() => {
                let (_, close) = alert_markup(opts, kind).expect("checked");
                pending.push(Event::Html(CowStr::from(format!("{close}\n"))));
            }
            Event::Start(Tag::FootnoteDefinition(name)) if opts.bottom_footnotes => {
                footnote_names.push(name.to_string());
                flush(&mut pending, &mut html);
                footnote_start = Some(html.len());
                depth += 1;
            }
            Event::End(TagEnd::FootnoteDefinition) if opts.bottom_footnotes => {
                flush(&mut pending, &mut html);
                depth = depth.saturating_sub(1);
                if let Some(start) = footnote_start.take() {
                    let name = footnote_names.pop().unwrap_or_default();
                    footnote_defs.push((name, html.split_off(start)));
                }
            }
            // The default footnotes (bottom footnotes took the arms above):
            // numbered here, one numbering for the page.
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let number = footnote_number(&mut footnote_numbers, &name);
                depth += 1;
                pending.push(Event::Html(CowStr::from(format!(
                    "<div class=\"footnote-definition\" id=\"{}\"><sup class=\"footnote-definition-label\">{number}</sup>",
                    escape_attr(&name)
                ))));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                depth = depth.saturating_sub(1);
                pending.push(event);
            }
            Event::FootnoteReference(name) if !opts.bottom_footnotes => {
                let number = footnote_number(&mut footnote_numbers, &name);
                pending.push(Event::Html(CowStr::from(format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{}\">{number}</a></sup>",
                    escape_attr(&name)
                ))));
            }
            Event::FootnoteReference(name) if opts.bottom_footnotes => {
                let name = name.to_string();
                let number = match footnote_refs.iter().position(|(n, _)| *n == name) {
                    Some(i) => {
                        footnote_refs[i].1 += 1;
                        i + 1
                    }
                    None => {
                        footnote_refs.push((name.clone(), 1));
                        footnote_refs.len()
                    }
                };
                let count = footnote_refs[number - 1].1;
                let id = escape_attr(&slugify(&name));
                pending.push(Event::Html(CowStr::from(format!(
                    "<sup class=\"footnote-reference\" id=\"fr-{id}-{count}\"><a href=\"#fn-{id}\">{number}</a></sup>"
                ))));
            }
            Event::Text(ref t) if opts.emoji && t.contains(':') => {
                out.word_count += count_words(t);
                pending.push(Event::Text(CowStr::from(emojify(t))));
            }
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
                in_table = true;
            }
            Event::End(TagEnd::Table) => {
                pending.push(event);
                pending.push(Event::Html(CowStr::from("</div>\n")));
                in_table = false;
            }
            Event::Start(Tag::Paragraph) => {
                if depth == 0 && first_paragraph_start.is_none() {
                    flush(&mut pending, &mut html);
                    start_block(&mut html);
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
            // Not inside a table: writing there would restart the writer
            // mid-table (and a summary cannot end in a cell).
            Event::Html(ref s) | Event::InlineHtml(ref s)
                if s.trim() == "<!-- more -->" && !in_table =>
            {
                flush(&mut pending, &mut html);
                more_marker = Some(html.len());
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                out.word_count += count_words(t);
                pending.push(event);
            }
            other => {
                let e = resolve_link(
                    other,
                    &range,
                    body_offset,
                    resolve,
                    &mut out,
                    &mut errors,
                    &opts.external_links,
                );
                pending.push(e);
            }
        }
        // Written in batches (a long page's events are not all kept). A
        // batch ends only where a block ends: there the HTML writer holds
        // nothing (no table, no open element, its output ends in a
        // newline), so the next batch's fresh writer writes what one
        // writer would have, and the batch size changes memory, not HTML.
        if pending.len() > 256 && ends_block(pending.last()) {
            flush(&mut pending, &mut html);
        }
    }
    flush(&mut pending, &mut html);
    if !footnote_defs.is_empty() {
        html.push_str(&bottom_footnotes(footnote_defs, &footnote_refs));
    }
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

/// Where a block starts after a batch was written: the HTML writer starts
/// a block on a line of its own, but the next batch's fresh writer does not
/// know the last one stopped mid-line (inside a list item, `<li>`), so the
/// line break it would have written is added here.
fn start_block(html: &mut String) {
    if !html.is_empty() && !html.ends_with('\n') {
        html.push('\n');
    }
}

/// Whether `event` closes a block whose HTML ends with a newline and
/// leaves the writer without state (a paragraph, list, item or quote; a
/// table's cells and rows never end with one of these).
fn ends_block(event: Option<&Event>) -> bool {
    matches!(
        event,
        Some(Event::End(
            TagEnd::Paragraph | TagEnd::List(_) | TagEnd::Item | TagEnd::BlockQuote(_)
        ))
    )
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
    external: &ExternalLinks,
) -> Event<'a> {
    match event {
        // Links that leave the site are marked `rel="external"` (the print
        // stylesheet writes out their address, and only theirs: in absolute
        // mode internal links start with `https://` too), plus what the
        // `external_links_*` switches ask for.
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) if is_external(&dest_url) => {
            let rel: Vec<&str> = [
                (true, "external"),
                (external.target_blank, "noopener"),
                (external.no_follow, "nofollow"),
                (external.no_referrer, "noreferrer"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, r)| *r)
            .collect();
            let mut attrs = format!(
                "<a href=\"{}\" rel=\"{}\"",
                escape_attr(&dest_url),
                rel.join(" ")
            );
            if !title.is_empty() {
                attrs.push_str(&format!(" title=\"{}\"", escape_attr(&title)));
            }
            if let Some(class) = &external.class {
                attrs.push_str(&format!(" class=\"{}\"", escape_attr(class)));
            }
            if external.target_blank {
                attrs.push_str(" target=\"_blank\"");
            }
            attrs.push('>');
            Event::InlineHtml(CowStr::from(attrs))
        }
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
        other => other,
    }
}

/// Takes a trailing `{#id}` off a definition term (`MSP {#msp}`), so
/// glossary entries can be linked like headings (`@/glossary.md#msp`).
fn term_id(events: &mut Vec<Event>) -> Option<String> {
    let Some(Event::Text(last)) = events.last() else {
        return None;
    };
    let trimmed = last.trim_end();
    let open = trimmed.rfind("{#")?;
    let id = trimmed[open + 2..].strip_suffix('}')?;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let id = id.to_string();
    let rest = trimmed[..open].trim_end().to_string();
    events.pop();
    if !rest.is_empty() {
        events.push(Event::Text(CowStr::from(rest)));
    }
    Some(id)
}

/// A link to another site (`https://`, `http://`, `//host`).
fn is_external(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || url.starts_with("//")
}

/// The theme's opening and closing markup of an alert kind.
fn alert_markup(opts: &MarkdownOptions, kind: BlockQuoteKind) -> Option<(&str, &str)> {
    let name = match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    };
    opts.markup
        .alerts
        .iter()
        .find(|(k, ..)| k == name)
        .map(|(_, open, close)| (open.as_str(), close.as_str()))
}

/// `:warning:` → ⚠️ for every GitHub emoji shortcode in the text.
fn emojify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let end = after.find(':');
        let code = end.map(|e| &after[..e]);
        match code.and_then(|c| {
            (!c.is_empty() && !c.contains(char::is_whitespace))
                .then(|| emojis::get_by_shortcode(c))
                .flatten()
        }) {
            Some(emoji) => {
                out.push_str(&rest[..start]);
                out.push_str(emoji.as_str());
                rest = &after[end.expect("found") + 1..];
            }
            None => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The number of footnote `name`: the next one when it is first mentioned
/// (by a reference or its definition, as pulldown-cmark's writer counts).
fn footnote_number(numbers: &mut HashMap<String, usize>, name: &str) -> usize {
    let next = numbers.len() + 1;
    *numbers.entry(name.to_string()).or_insert(next)
}

/// The footnote definitions at the end of the page, in the order they are
/// first referenced, each with a link back to its first reference.
fn bottom_footnotes(mut defs: Vec<(String, String)>, refs: &[(String, usize)]) -> String {
    let order = |name: &str| {
        refs.iter()
            .position(|(n, _)| n == name)
            .unwrap_or(usize::MAX)
    };
    defs.sort_by_key(|(name, _)| order(name));
    let mut html = String::from(
        "<section class=\"footnotes\" role=\"doc-endnotes\" aria-label=\"Footnotes\">\n<ol class=\"footnotes-list\">\n",
    );
    for (name, body) in defs {
        let id = escape_attr(&slugify(&name));
        let back = if order(&name) == usize::MAX {
            String::new()
        } else {
            format!(
                " <a class=\"footnote-backref\" href=\"#fr-{id}-1\" aria-label=\"Back to reference {}\">↩</a>",
                order(&name) + 1
            )
        };
        // The definition's own wrapper (`<div class="footnote-definition">`
        // with its label) is replaced by the list item.
        let inner = strip_definition_wrapper(&body);
        html.push_str(&format!(
            "<li id=\"fn-{id}\">{}{back}</li>\n",
            inner.trim_end()
        ));
    }
    html.push_str("</ol>\n</section>\n");
    html
}

/// The content of pulldown-cmark's footnote definition markup.
fn strip_definition_wrapper(body: &str) -> &str {
    let body = body.trim();
    let Some(rest) = body.strip_prefix("<div class=\"footnote-definition\"") else {
        return body;
    };
    let rest = rest.split_once("</sup>").map_or(rest, |(_, r)| r);
    rest.strip_suffix("</div>").unwrap_or(rest)
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
    let free = |id: &String, used: &mut HashSet<String>| {
        !RESERVED_IDS.contains(&id.as_str()) && used.insert(id.clone())
    };
    if free(&base, used) {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if free(&id, used) {
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

/// The number of whitespace-separated words in `text`
/// (`split_whitespace().count()`), by bytes while the text is ASCII: it is
/// called on every text event of every page, and decoding characters made
/// it a few percent of a build's CPU.
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    // `char::is_whitespace` of ASCII (space and \t, \n, \x0b, \x0c, \r) as 0 or 1.
    fn space(b: u8) -> u8 {
        u8::from(b == b' ') | u8::from(b.wrapping_sub(b'\t') < 5)
    }
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return 0;
    };
    // A word starts at the first byte unless it is a space, and at every
    // non-space byte after a space. Counted pairwise, with nothing carried
    // from byte to byte, in byte-wide sums of at most 255 pairs: the loop
    // runs on vector registers, three times as fast as a byte at a time.
    let (before, after) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let starts: usize = before
        .chunks(255)
        .zip(after.chunks(255))
        .map(|(b, a)| {
            let in_chunk: u8 = b
                .iter()
                .zip(a)
                .map(|(&x, &y)| space(x) & (space(y) ^ 1))
                .sum();
            usize::from(in_chunk)
        })
        .sum();
    starts + usize::from(space(first) ^ 1)
}

/// Replaces pulldown-cmark's `style="text-align: …"` table alignment in
/// `html[from..]` with `class="align-…"`, in one pass over the batch.
fn align_with_classes(html: &mut String, from: usize) {
    const STYLE: &str = " style=\"text-align: ";
    // Built once: a finder's set-up was a percent of a build's CPU when
    // made for every batch.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(STYLE));
    let finder = &*FINDER;
    let Some(first) = finder.find(&html.as_bytes()[from..]) else {
        return;
    };
    let batch = html.split_off(from);
    html.push_str(&batch[..first]);
    let mut rest = &batch[first..];
    while let Some(at) = finder.find(rest.as_bytes()) {
        html.push_str(&rest[..at]);
        let after = &rest[at + STYLE.len()..];
        let side = ["left", "center", "right"]
            .into_iter()
            .find(|side| after.strip_prefix(side).is_some_and(|a| a.starts_with('"')));
        match side {
            Some(side) => {
                html.push_str(" class=\"align-");
                html.push_str(side);
                html.push('"');
                rest = &after[side.len() + 1..];
            }
            None => {
                html.push_str(STYLE);
                rest = after;
            }
        }
    }
    html.push_str(rest);
}

/// The headings `(level, id, title)` in order, nested under the heading
/// before them of a lower level, as the `page.toc` value.
fn nest_toc(flat: Vec<(u32, String, String)>) -> tera::Value {
    // Most headings have no children: they share one empty list.
    fn take(
        flat: &mut Peekable<IntoIter<(u32, String, String)>>,
        level: u32,
        none: &tera::Value,
    ) -> Vec<tera::Value> {
        let mut entries = Vec::new();
        while let Some((l, id, title)) = flat.next_if(|(l, ..)| *l >= level) {
            let children = take(flat, l + 1, none);
            let children = if children.is_empty() {
                none.clone()
            } else {
                tera::Value::from(children)
            };
            let permalink = format!("#{id}");
            let mut entry = tera::Map::with_capacity(5);
            entry.insert("level".into(), tera::Value::from(l));
            entry.insert("id".into(), tera::Value::from(id));
            entry.insert("title".into(), tera::Value::from(title));
            entry.insert("permalink".into(), tera::Value::from(permalink));
            entry.insert("children".into(), children);
            entries.push(tera::Value::from(entry));
        }
        entries
    }
    let min = flat.iter().map(|(l, ..)| *l).min().unwrap_or(2);
    let mut flat = flat.into_iter().peekable();
    let mut all = Vec::new();
    let none = tera::Value::from(Vec::<tera::Value>::new());
    while flat.peek().is_some() {
        all.extend(take(&mut flat, min, &none));
    }
    tera::Value::from(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> MarkdownOptions {
        MarkdownOptions::default()
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "   ",
            "one",
            " one  two\tthree\nfour\x0bfive\x0csix\r",
            "a-b c_d, e.",
            "caf\u{e9} au\u{a0}lait \u{3000}x",
            "x\u{2003}",
            // Control characters just past the ASCII whitespace are not spaces.
            "a\x0eb c\x08d \x1ce",
            // Longer than one 255-pair sum: words across its edges.
            &"ab ".repeat(200),
            &" a".repeat(300),
            &"abcd\t".repeat(128),
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    fn no_links(_: &str) -> Result<String, String> {
        Err("no pages".into())
    }

    /// A theme without markup for an alert kind: the alert stays a
    /// blockquote (with the kind as its class), opened and closed alike.
    #[test]
    fn alerts_without_theme_markup_stay_blockquotes() {
        let opts = MarkdownOptions {
            github_alerts: true,
            ..opts()
        };
        assert!(opts.markup.alerts.is_empty());
        let (r, errors) = render(
            "> [!NOTE]\n> Mind the gap.\n\nAfter.\n",
            0,
            false,
            &opts,
            &no_links,
        );
        assert!(errors.is_empty(), "{errors:?}");
        let html = r.html();
        assert!(html.contains("markdown-alert-note"), "{html}");
        assert!(html.contains("Mind the gap."), "{html}");
        assert_eq!(html.matches("<blockquote").count(), 1, "{html}");
        assert_eq!(html.matches("</blockquote>").count(), 1, "{html}");
        assert!(html.contains("<p>After.</p>"), "{html}");
    }

    /// Each of the three alignments becomes its class, anything else after
    /// `text-align:` is left as written, and HTML before the batch is not
    /// looked at.
    #[test]
    fn alignment_styles_become_classes_in_the_batch_only() {
        let before = "<td style=\"text-align: left\">kept</td>";
        let mut html = format!(
            "{before}<th style=\"text-align: left\">a</th><td style=\"text-align: center\">b</td>\
             <td style=\"text-align: right\">c</td><p style=\"text-align: justify\">d</p><td style=\"text-align: left\">"
        );
        align_with_classes(&mut html, before.len());
        assert_eq!(
            html,
            format!(
                "{before}<th class=\"align-left\">a</th><td class=\"align-center\">b</td>\
                 <td class=\"align-right\">c</td><p style=\"text-align: justify\">d</p><td class=\"align-left\">"
            )
        );
        let mut plain = String::from("<p>no tables</p>");
        align_with_classes(&mut plain, 0);
        assert_eq!(plain, "<p>no tables</p>");
    }

    /// A table longer than one batch of events is written whole: every body
    /// cell stays a `<td>` with its column's alignment (a batch written in
    /// the middle of a table restarted the HTML writer, and the cells after
    /// it came out as head cells without alignment). Alignment is a class,
    /// not a `style` attribute, which a strict CSP blocks.
    #[test]
    fn long_tables_keep_their_cells_and_alignment() {
        let mut md = String::from("| Name | Value |\n| :--- | ---: |\n");
        for i in 0..120 {
            md.push_str(&format!("| row {i} | {i} |\n"));
        }
        md.push_str("\nAfter.\n");
        let (r, _) = render(&md, 0, false, &opts(), &no_links);
        let html = r.html();
        let head_cells = html.matches("<th ").count() + html.matches("<th>").count();
        assert_eq!(head_cells, 2, "two head cells: {html}");
        assert_eq!(html.matches("<td").count(), 240, "{html}");
        let right = html.matches("<td class=\"align-right\">").count();
        let left = html.matches("<td class=\"align-left\">").count();
        assert_eq!((left, right), (120, 120), "{html}");
        assert!(
            html.contains("<td class=\"align-right\">119</td>"),
            "{html}"
        );
        assert!(
            html.contains("<th class=\"align-left\">Name</th>"),
            "{html}"
        );
        assert!(
            !html.contains("style="),
            "no style attributes (CSP): {html}"
        );
        assert!(html.contains("<p>After.</p>"), "{html}");
        // A summary marker in a cell is no marker: the table stays whole.
        let md = "Intro.\n\n| A | B |\n| :-- | --: |\n| x <!-- more --> | 1 |\n| y | 2 |\n";
        let (r, _) = render(md, 0, false, &opts(), &no_links);
        let html = r.html();
        assert!(html.contains("<td class=\"align-right\">2</td>"), "{html}");
        assert_eq!(r.summary.as_deref(), Some("<p>Intro.</p>\n"), "{html}");
    }

    /// With the theme's markup for a kind, the alert opens and closes with
    /// it: no blockquote is left open or closed on its own.
    #[test]
    fn alerts_open_and_close_with_the_theme_markup() {
        let opts = MarkdownOptions {
            github_alerts: true,
            markup: Arc::new(Markup {
                alerts: vec![(
                    "note".into(),
                    "<aside class=\"callout note\">".into(),
                    "</aside>".into(),
                )],
                ..Markup::default()
            }),
            ..opts()
        };
        let (r, _) = render("> [!NOTE]\n> Mind the gap.\n", 0, false, &opts, &no_links);
        let html = r.html();
        assert!(html.contains("<aside class=\"callout note\">"), "{html}");
        assert!(html.contains("</aside>"), "{html}");
        assert!(!html.contains("blockquote"), "{html}");
        assert!(
            r.shortcodes.contains("callout"),
            "an alert counts as a callout"
        );
    }

    #[test]
    fn headings_get_unique_ids_and_toc() {
        let (r, _) = render(
            "## Intro\n\ntext\n\n## Intro\n\n### Sub {#custom}\n",
            0,
            false,
            &opts(),
            &no_links,
        );
        assert!(r.html().contains("<h2 id=\"intro\">Intro"), "{}", r.html());
        assert!(r.html().contains("id=\"intro-1\""));
        assert!(r.html().contains("<h3 id=\"custom\">"));
        let toc = r.toc.as_array().unwrap();
        assert_eq!(toc.len(), 2);
        assert_eq!(
            toc[1]
                .get_from_path("children.0.id")
                .and_then(|v| v.as_str()),
            Some("custom")
        );
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
        let (r, errors) = render("[x](@/a.md#top) [y](@/b.md)", 10, false, &opts(), &resolve);
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
            &opts(),
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
            &opts(),
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
            &opts(),
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
            &opts(),
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
        let (r, _) = render(&body, 0, false, &opts(), &no_links);
        assert!(r.html().contains("id=\"x-19999\""));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }

    /// Every word counts once, wherever it is: headings, definition terms,
    /// code blocks, text with emoji shortcodes and plain paragraphs.
    #[test]
    fn word_count_counts_every_kind_of_text() {
        let opts = MarkdownOptions {
            definition_lists: true,
            emoji: true,
            ..opts()
        };
        // Each count differs from its product with the ones before it.
        let body = "## Two words\n\nTerm one more\n: Its definition here.\n\n```\ncode line\n```\n\nSay :smile: now.\n";
        let (r, _) = render(body, 0, false, &opts, &no_links);
        assert_eq!(r.word_count, 2 + 3 + 3 + 2 + 3, "{}", r.html());
    }

    /// An unknown code language is a warning whose span is the opening
    /// fence with its info string, at the file's offsets.
    #[test]
    fn unknown_language_warnings_cover_the_opening_fence() {
        let body = "Text.\n\n```nosuchlang\nx\n```\n";
        let (r, _) = render(body, 100, false, &opts(), &no_links);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        let (span, message) = &r.warnings[0];
        assert!(message.contains("`nosuchlang`"), "{message}");
        let at = 100 + body.find("```").unwrap();
        assert_eq!(*span, at..at + "```nosuchlang".len());
    }

    /// Without `bottom_footnotes`, references are pulldown-cmark's own and
    /// link to its definition's id; with it, each reference of a note has
    /// an id of its own and the note links back to the first one.
    #[test]
    fn footnote_references_link_to_their_definitions() {
        let body = "One.[^a] Two.[^a]\n\n[^a]: The note.\n";
        let (r, _) = render(body, 0, false, &opts(), &no_links);
        let html = r.html();
        assert!(html.contains("href=\"#a\""), "{html}");
        assert!(html.contains("id=\"a\""), "{html}");
        assert!(!html.contains("fn-a"), "{html}");
        let bottom = MarkdownOptions {
            bottom_footnotes: true,
            ..opts()
        };
        let (r, _) = render(body, 0, false, &bottom, &no_links);
        let html = r.html();
        assert!(html.contains("id=\"fr-a-1\""), "{html}");
        assert!(html.contains("id=\"fr-a-2\""), "{html}");
        assert!(html.contains("<li id=\"fn-a\">"), "{html}");
        assert!(html.contains("href=\"#fr-a-1\""), "{html}");
    }

    /// A bottom footnote defined before the first paragraph is not the
    /// page's summary: the summary is the first paragraph of the text.
    #[test]
    fn a_footnote_defined_first_is_not_the_summary() {
        let bottom = MarkdownOptions {
            bottom_footnotes: true,
            ..opts()
        };
        let (r, _) = render(
            "[^a]: The note.\n\nThe text.[^a]\n",
            0,
            false,
            &bottom,
            &no_links,
        );
        assert_eq!(
            r.summary.as_deref(),
            Some(
                "<p>The text.<sup class=\"footnote-reference\" id=\"fr-a-1\"><a href=\"#fn-a\">1</a></sup></p>\n"
            ),
            "{}",
            r.html()
        );
    }

    #[test]
    fn fragment_strips_paragraph() {
        assert_eq!(
            render_fragment("*a*", false, &opts(), &no_links).unwrap(),
            "<em>a</em>"
        );
    }

    #[test]
    fn script_urls_are_neutralised_unless_raw_html_is_allowed() {
        let md = "[go](javascript:alert(1)) ![i](data:text/html,x) [ok](https://e.org/)\n";
        for raw_html in [RawHtml::Escape, RawHtml::Sanitize] {
            let o = MarkdownOptions { raw_html, ..opts() };
            let (r, _) = render(md, 0, false, &o, &no_links);
            let html = r.html();
            assert!(
                !html.contains("javascript:") && !html.contains("data:"),
                "{html}"
            );
            assert!(html.contains("href=\"https://e.org/\""), "{html}");
        }
        let escaped = MarkdownOptions {
            raw_html: RawHtml::Escape,
            ..opts()
        };
        let (r, _) = render(md, 0, false, &escaped, &no_links);
        assert!(r.html().contains("<a href=\"#\">go</a>"), "{}", r.html());
        assert!(
            r.html().contains("<img src=\"#\" alt=\"i\""),
            "{}",
            r.html()
        );
        // Front matter fragments never keep raw HTML, so never script URLs.
        let f = render_fragment("[go](javascript:alert(1))", false, &opts(), &no_links).unwrap();
        assert_eq!(f, "<a href=\"#\">go</a>");
        // Raw HTML allowed: the author is trusted, links are kept as written.
        let (r, _) = render(md, 0, false, &opts(), &no_links);
        assert!(
            r.html().contains("href=\"javascript:alert(1)\""),
            "{}",
            r.html()
        );
        assert!(
            r.html().contains("src=\"data:text/html,x\""),
            "{}",
            r.html()
        );
    }

    #[test]
    fn script_schemes_are_found_through_case_spaces_and_controls() {
        for url in [
            "javascript:x",
            " JavaScript:x",
            "java\tscript:x",
            "java\u{1}script:x",
            "VBScript:x",
            "data:text/html,x",
        ] {
            assert!(is_script_url(url), "{url:?}");
        }
        for url in [
            "https://e.org/",
            "javascript",
            "./javascript:x",
            "#data:x",
            "mailto:a@b",
        ] {
            assert!(!is_script_url(url), "{url:?}");
        }
    }

    #[test]
    fn sanitize_keeps_what_guidepost_writes_and_drops_the_rest() {
        let o = MarkdownOptions {
            raw_html: RawHtml::Sanitize,
            ..opts()
        };
        let md = "<p id=\"a\" class=\"b\" role=\"note\" tabindex=\"0\" aria-label=\"l\" onclick=\"x()\" style=\"color:red\">Hi</p>\n\n<script>alert(1)</script>\n\n- [x] done\n\n| A |\n| - |\n| 1 |\n\nSummary <b onclick=\"y()\">b</b>\n\n<!-- more -->\n\nRest.\n";
        let (r, _) = render(md, 0, false, &o, &no_links);
        let html = r.html();
        assert!(
            html.contains(
                "<p id=\"a\" class=\"b\" role=\"note\" tabindex=\"0\" aria-label=\"l\">Hi</p>"
            ),
            "{html}"
        );
        assert!(
            !html.contains("script") && !html.contains("onclick") && !html.contains("style="),
            "{html}"
        );
        assert!(
            html.contains("<input disabled=\"\" type=\"checkbox\" checked=\"\">"),
            "{html}"
        );
        assert!(html.contains("<th>A</th>"), "{html}");
        let summary = r.summary.as_deref().unwrap();
        assert!(summary.contains("Summary <b>b</b>"), "{summary}");
        assert!(!summary.contains("onclick"), "{summary}");
    }

    #[test]
    fn the_theme_markup_replaces_the_default_one() {
        let config = Config::default();
        assert_eq!(
            MarkdownOptions::of_theme(&config, None).markup.anchor_link,
            Markup::default().anchor_link
        );
        let markup = Arc::new(Markup {
            anchor_link: "<a href=\"#{ANCHOR}\">¶</a>".replace("{ANCHOR}", ANCHOR_ID),
            alerts: vec![("note".into(), "<aside>".into(), "</aside>".into())],
        });
        let o = MarkdownOptions::of_theme(&config, Some(&markup));
        assert!(Arc::ptr_eq(&o.markup, &markup));
        let o = MarkdownOptions {
            anchor_links: AnchorLinks::Right,
            ..o
        };
        let (r, _) = render("## Top\n", 0, false, &o, &no_links);
        assert_eq!(r.html(), "<h2 id=\"top\">Top <a href=\"#top\">¶</a></h2>\n");
    }

    #[test]
    fn same_html_compares_text_not_identity() {
        let a = tera::Value::safe_string("<p>x</p>");
        let b = tera::Value::safe_string("<p>x</p>");
        let c = tera::Value::safe_string("<p>y</p>");
        assert!(same_html(&a, &a.clone()));
        assert!(same_html(&a, &b));
        assert!(!same_html(&a, &c));
        assert!(!same_html(&a, &tera::Value::none()));
        assert!(same_html(&tera::Value::none(), &tera::Value::none()));
    }

    #[test]
    fn every_markdown_extension_is_on_by_default() {
        let md = "~~gone~~\n\n- [ ] todo\n\n## Head {#own .wide}\n\n| A |\n| - |\n| 1 |\n\nNote[^n].\n\n[^n]: The note.\n";
        let (r, _) = render(md, 0, false, &opts(), &no_links);
        let html = r.html();
        for part in [
            "<del>gone</del>",
            "<input disabled=\"\" type=\"checkbox\"/>",
            "<h2 id=\"own\" class=\"wide\">",
            "<table>",
            "<td>1</td>",
            "footnote-reference",
        ] {
            assert!(html.contains(part), "{part}: {html}");
        }
    }

    #[test]
    fn optional_extensions_follow_their_switches() {
        let md = "\"Quoted\" -- text\n\n> [!NOTE]\n> Alert.\n\nTerm\n: Definition\n";
        let on = MarkdownOptions {
            smart_punctuation: true,
            github_alerts: true,
            definition_lists: true,
            ..opts()
        };
        let (r, _) = render(md, 0, false, &on, &no_links);
        let html = r.html();
        assert!(html.contains("“Quoted” – text"), "{html}");
        assert!(html.contains("markdown-alert-note"), "{html}");
        assert!(html.contains("<dd>"), "{html}");
        let off = MarkdownOptions {
            smart_punctuation: false,
            github_alerts: false,
            definition_lists: false,
            ..opts()
        };
        let (r, _) = render(md, 0, false, &off, &no_links);
        let html = r.html();
        assert!(html.contains("<p>\"Quoted\" -- text</p>"), "{html}");
        assert!(
            !html.contains("markdown-alert") && !html.contains("<dd>"),
            "{html}"
        );
    }

    #[test]
    fn only_the_first_h1_is_dropped_and_only_when_asked() {
        let body = "## Sub\n\n# Title\n\n# Second\n";
        let opts = MarkdownOptions {
            anchor_links: AnchorLinks::None,
            ..opts()
        };
        let (r, _) = render(body, 0, true, &opts, &no_links);
        assert_eq!(r.first_h1.as_deref(), Some("Title"));
        assert_eq!(
            r.html(),
            "<h2 id=\"sub\">Sub</h2>\n<h1 id=\"second\">Second</h1>\n"
        );
        let (r, _) = render(body, 0, false, &opts, &no_links);
        assert_eq!(r.first_h1, None);
        assert!(
            r.html().contains("<h1 id=\"title\">Title</h1>"),
            "{}",
            r.html()
        );
    }

    #[test]
    fn external_link_switches_add_rel_class_and_target() {
        let o = MarkdownOptions {
            external_links: ExternalLinks {
                target_blank: true,
                no_follow: true,
                no_referrer: true,
                class: Some("ext".into()),
            },
            ..opts()
        };
        let (r, _) = render(
            "[a](https://e.org/) [b](http://e.org/) [c](//e.org/) [d](mailto:x@e.org)",
            0,
            false,
            &o,
            &no_links,
        );
        let html = r.html();
        for url in ["https://e.org/", "http://e.org/", "//e.org/"] {
            assert!(
                html.contains(&format!(
                    "<a href=\"{url}\" rel=\"external noopener nofollow noreferrer\" class=\"ext\" target=\"_blank\">"
                )),
                "{url}: {html}"
            );
        }
        assert!(html.contains("<a href=\"mailto:x@e.org\">d</a>"), "{html}");
        let o = MarkdownOptions {
            external_links: ExternalLinks {
                no_referrer: true,
                ..ExternalLinks::default()
            },
            ..opts()
        };
        let (r, _) = render("[a](https://e.org/)", 0, false, &o, &no_links);
        assert_eq!(
            r.html(),
            "<p><a href=\"https://e.org/\" rel=\"external noreferrer\">a</a></p>\n"
        );
    }

    #[test]
    fn definition_terms_take_an_id_from_a_trailing_marker() {
        let o = MarkdownOptions {
            definition_lists: true,
            ..opts()
        };
        let body = "MSP {#msp}\n: Managed.\n\nAgain {#msp}\n: Twice.\n\nPlain {#bad id}\n: Kept.\n\nOdd {#x}y\n: Kept too.\n\nEmpty {#}\n: Kept three.\n";
        let (r, _) = render(body, 0, false, &o, &no_links);
        let html = r.html();
        for part in [
            "<dt id=\"msp\">MSP</dt>",
            "<dt id=\"msp-1\">Again</dt>",
            "<dt>Plain {#bad id}</dt>",
            "<dt>Odd {#x}y</dt>",
            "<dt>Empty {#}</dt>",
        ] {
            assert!(html.contains(part), "{part}: {html}");
        }
        assert!(r.heading_ids.contains("msp") && r.heading_ids.contains("msp-1"));
        assert_eq!(r.heading_ids.len(), 2, "{:?}", r.heading_ids);
        let mut only = vec![Event::Text(CowStr::from("{#only}"))];
        assert_eq!(term_id(&mut only).as_deref(), Some("only"));
        assert!(only.is_empty(), "{only:?}");
        let mut words = vec![Event::Text(CowStr::from("A b  {#a_b-1}  "))];
        assert_eq!(term_id(&mut words).as_deref(), Some("a_b-1"));
        assert_eq!(words, vec![Event::Text(CowStr::from("A b"))]);
    }

    #[test]
    fn emoji_shortcodes_become_emoji_and_the_rest_stays() {
        assert_eq!(
            emojify(":warning: :nope: a:qq: : smile: ::smile: end:"),
            "⚠️ :nope: a:qq: : smile: :😄 end:"
        );
        let o = MarkdownOptions {
            emoji: true,
            ..opts()
        };
        let (r, _) = render("Go :rocket: now", 0, false, &o, &no_links);
        assert_eq!(r.html(), "<p>Go 🚀 now</p>\n");
        let (r, _) = render("Go :rocket: now", 0, false, &opts(), &no_links);
        assert_eq!(r.html(), "<p>Go :rocket: now</p>\n");
    }

    #[test]
    fn bottom_footnotes_follow_the_order_of_first_reference() {
        let o = MarkdownOptions {
            bottom_footnotes: true,
            ..opts()
        };
        let body =
            "B first[^b], then A[^a].\n\n[^a]: Note A.\n\n[^b]: Note B.\n\n[^c]: Never cited.\n";
        let (r, _) = render(body, 0, false, &o, &no_links);
        let html = r.html();
        let list = &html[html.find("<section class=\"footnotes\"").expect(html)..];
        assert_eq!(
            list,
            "<section class=\"footnotes\" role=\"doc-endnotes\" aria-label=\"Footnotes\">\n<ol class=\"footnotes-list\">\n\
             <li id=\"fn-b\"><p>Note B.</p> <a class=\"footnote-backref\" href=\"#fr-b-1\" aria-label=\"Back to reference 1\">↩</a></li>\n\
             <li id=\"fn-a\"><p>Note A.</p> <a class=\"footnote-backref\" href=\"#fr-a-1\" aria-label=\"Back to reference 2\">↩</a></li>\n\
             <li id=\"fn-c\"><p>Never cited.</p></li>\n</ol>\n</section>\n"
        );
        assert!(
            html.contains("<a href=\"#fn-b\">1</a>") && html.contains("<a href=\"#fn-a\">2</a>"),
            "{html}"
        );
        assert_eq!(strip_definition_wrapper("  <p>x</p> "), "<p>x</p>");
        assert_eq!(
            strip_definition_wrapper(
                "<div class=\"footnote-definition\" id=\"a\"><sup class=\"footnote-definition-label\">1</sup><p>x</p></div>"
            ),
            "<p>x</p>"
        );
    }

    #[test]
    fn footnote_labels_and_theme_landmarks_are_not_heading_ids() {
        let body = "## Sources\n\n## Main\n\nText[^sources].\n\n  [^sources]: S.\n";
        let labels: Vec<String> = footnote_labels(body).collect();
        assert_eq!(labels, ["sources"]);
        let (r, _) = render(body, 0, false, &opts(), &no_links);
        let html = r.html();
        assert!(html.contains("<h2 id=\"sources-1\">"), "{html}");
        assert!(html.contains("<h2 id=\"main-1\">"), "{html}");
    }

    #[test]
    fn tables_are_named_after_the_heading_before_them() {
        let (r, _) = render(
            "|a|\n|-|\n|b|\n\n## Costs & fees\n\n|a|\n|-|\n|b|\n",
            0,
            false,
            &opts(),
            &no_links,
        );
        let html = r.html();
        assert!(html.contains("aria-label=\"Table\">"), "{html}");
        assert!(
            html.contains("aria-label=\"Table: Costs &amp; fees\">"),
            "{html}"
        );
    }

    #[test]
    fn summary_is_the_first_top_level_paragraph_or_none() {
        let (r, _) = render(
            "## Only a heading\n\n- a list\n",
            0,
            false,
            &opts(),
            &no_links,
        );
        assert_eq!(r.summary, None);
        let (r, _) = render(
            "- item\n- other\n\nTop.\n\nNext.\n",
            0,
            false,
            &opts(),
            &no_links,
        );
        assert_eq!(r.summary.as_deref(), Some("<p>Top.</p>\n"), "{}", r.html());
    }

    #[test]
    fn reading_time_rounds_up_and_never_divides_by_zero() {
        let body = "one two three four five";
        let o = MarkdownOptions {
            words_per_minute: 2,
            ..opts()
        };
        assert_eq!(render(body, 0, false, &o, &no_links).0.reading_time, 3);
        let o = MarkdownOptions {
            words_per_minute: 0,
            ..opts()
        };
        assert_eq!(render(body, 0, false, &o, &no_links).0.reading_time, 5);
        let (r, _) = render("    indented code here\n", 0, false, &opts(), &no_links);
        assert_eq!(r.word_count, 3);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn anchor_links_keep_their_target_and_file_span() {
        let resolve = |_: &str| Ok("/a/".to_string());
        let (r, errors) = render("See [x](@/a.md#top).", 10, false, &opts(), &resolve);
        assert!(errors.is_empty());
        let link = &r.anchor_links[0];
        assert_eq!(
            (link.target.as_str(), link.anchor.as_str()),
            ("a.md", "top")
        );
        assert_eq!(link.span, 14..29);
    }

    /// Footnotes keep one numbering through the page: the HTML is written
    /// in batches (at headings, at the first paragraph, every 256 events),
    /// and each batch's writer used to start counting at 1 again.
    #[test]
    fn footnote_numbers_run_through_the_whole_page() {
        let mut body = String::from("First[^a].\n\n## Two\n\nSecond[^b], first again[^a].\n\n");
        for i in 0..200 {
            body.push_str(&format!("Filler *{i}* text.\n\n"));
        }
        body.push_str("Third[^c].\n\n[^a]: Note A.\n\n[^b]: Note B.\n\n[^c]: Note C.\n");
        let (r, _) = render(&body, 0, false, &opts(), &no_links);
        let html = r.html();
        for (name, n) in [("a", 1), ("b", 2), ("c", 3)] {
            assert!(
                html.contains(&format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{name}\">{n}</a></sup>"
                )),
                "{name}: {html}"
            );
            assert!(
                html.contains(&format!(
                    "<div class=\"footnote-definition\" id=\"{name}\"><sup class=\"footnote-definition-label\">{n}</sup>"
                )),
                "{name}: {html}"
            );
        }
        assert_eq!(html.matches("<a href=\"#a\">1</a>").count(), 2, "{html}");
        assert!(
            html.ends_with(
                "<div class=\"footnote-definition\" id=\"c\"><sup class=\"footnote-definition-label\">3</sup>\n<p>Note C.</p>\n</div>\n"
            ),
            "{html}"
        );
        // A note defined first is not the summary, in this mode too.
        let (r, _) = render(
            "[^a]: The note.\n\nThe text.[^a]\n",
            0,
            false,
            &opts(),
            &no_links,
        );
        assert_eq!(
            r.summary.as_deref(),
            Some("<p>The text.<sup class=\"footnote-reference\"><a href=\"#a\">1</a></sup></p>\n")
        );
    }

    /// A long page is written in batches, and the batches do not show: a
    /// page of lists, quotes and emphasis (nothing Guidepost rewrites) comes
    /// out exactly as pulldown-cmark writes it in one go. Batches that
    /// ended anywhere lost a line break where a fresh writer starts a block
    /// (`<li>a\n<ul>` became `<li>a<ul>`).
    #[test]
    fn batches_write_what_one_writer_would() {
        let mut md = String::new();
        for i in 0..120 {
            md.push_str(&format!(
                "- item *{i}*\n  - nested {i}\n\n  loose {i}\n\n> quoted **{i}**\n> - in a quote\n\n1. one\n2. two {i}\n\n"
            ));
        }
        let (r, _) = render(&md, 0, false, &opts(), &no_links);
        let mut expected = String::new();
        html::push_html(&mut expected, Parser::new_ext(&md, parser_options(&opts())));
        let html = r.html();
        let at = html
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(html.len().min(expected.len()));
        let around = |s: &str| s[at.saturating_sub(60)..(at + 40).min(s.len())].to_string();
        assert!(
            html == expected,
            "batched HTML differs from one writer's at byte {at}: {:?} / {:?}",
            around(html),
            around(&expected)
        );
    }

    /// A heading's text joins its lines with spaces (a setext heading can
    /// have several), for its id, its table-of-contents entry and its words.
    #[test]
    fn a_heading_over_two_lines_reads_as_one() {
        let (r, _) = render("Intro\n\nTwo\nlines\n---\n", 0, false, &opts(), &no_links);
        assert!(r.html().contains("<h2 id=\"two-lines\">"), "{}", r.html());
        assert_eq!(
            r.toc.get_from_path("0.title").and_then(|v| v.as_str()),
            Some("Two lines")
        );
        assert_eq!(r.word_count, 3);
    }
}
