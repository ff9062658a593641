//! Templates: the Tera instance, the functions templates call (our own and
//! every feature's), and template errors as diagnostics at file:line.
//!
//! Template functions see the site being rendered through a slot set before
//! each render ([`Templates::set_site`]), and record what they looked up
//! ([`Lookup`]) so the dev server knows what each output depends on.

mod functions;
mod zola_compat;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use tera::{Kwargs, State, Tera, Value};

use crate::diagnostics::Diagnostic;
use crate::features::{self, Call, Prepared};
use crate::markdown::Markup;
use crate::model::{DocKind, Site};
use crate::plan::Lookup;
use crate::shortcodes::{Args as ShortcodeArgs, BODY_MARKER, Current, Expander, ShortcodeTemplate};
use crate::source::theme::{StaticSource, Theme};

/// Parsed templates plus the slot through which template functions see the
/// site being rendered (set with [`Templates::set_site`] before each render).
pub(crate) struct Templates {
    pub(crate) tera: Tera,
    slot: FunctionSlot,
}

type FunctionSlot = Arc<RwLock<Option<Arc<FunctionData>>>>;

/// Templates compiled into the binary, added before the theme's and the
/// site's, which replace them by name (as Zola's built-ins): the generated
/// files, the alias redirect page, and placeholders for the page templates
/// a theme may lack (Zola renders a placeholder too).
const BUILTIN: &[(&str, &str)] = &[
    ("atom.xml", include_str!("builtin/atom.xml")),
    ("rss.xml", include_str!("builtin/rss.xml")),
    ("sitemap.xml", include_str!("builtin/sitemap.xml")),
    ("robots.txt", include_str!("builtin/robots.txt")),
    ("internal/alias.html", include_str!("builtin/alias.html")),
    ("404.html", include_str!("builtin/404.html")),
];

/// Page templates a theme may lack; each gets the built-in placeholder.
const PLACEHOLDERS: &[&str] = &["index.html", "section.html", "page.html"];

/// The built-in templates, placeholders included, by name.
fn builtin_templates() -> Vec<(String, String)> {
    let placeholder = include_str!("builtin/placeholder.html");
    BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .chain(PLACEHOLDERS.iter().map(|n| {
            (
                n.to_string(),
                placeholder.replace("{{ missing_template }}", n),
            )
        }))
        .collect()
}

/// Parses every template of the theme. Syntax errors name the template file and line.
pub(crate) fn parse_templates(theme: &Theme) -> Result<Templates, Vec<Diagnostic>> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".htm", ".xml", ".svg"]);
    let slot: FunctionSlot = Arc::new(RwLock::new(None));
    register_functions(&mut tera, slot.clone());
    functions::register(&mut tera, slot.clone());
    zola_compat::register(&mut tera, slot.clone());
    tera.add_raw_templates(builtin_templates())
        .map_err(|e| vec![tera_error(&e, theme, None)])?;
    // A site's own templates may replace a theme layout with one that lacks
    // blocks other theme templates fill. Theme templates broken that way are
    // left out (a page that needs one then fails with "template not found");
    // errors in the site's own templates, or in a theme used as is, are reported.
    let site_overrides = theme
        .templates
        .values()
        .any(|t| t.display_path.starts_with("templates"));
    let mut left_out: Vec<String> = Vec::new();
    loop {
        let mut attempt = tera.clone();
        let sources = theme
            .templates
            .values()
            .filter(|t| !left_out.contains(&t.name));
        match attempt.add_raw_templates(sources.map(|t| (t.name.clone(), t.text.to_string()))) {
            Ok(()) => {
                return Ok(Templates {
                    tera: attempt,
                    slot,
                });
            }
            Err(e) => {
                let d = tera_error(&e, theme, None);
                let culprit = theme
                    .templates
                    .values()
                    .find(|t| Some(&t.display_path) == d.file.as_ref());
                match culprit {
                    Some(t) if site_overrides && !t.display_path.starts_with("templates") => {
                        tracing::debug!("leaving out theme template {} ({})", t.name, d.message);
                        left_out.push(t.name.clone());
                    }
                    _ => return Err(vec![d]),
                }
            }
        }
    }
}

impl Templates {
    /// These templates for another render of the same theme, without
    /// parsing them again: the dev server's new model after a content edit
    /// keeps the theme, and parsing costs a pass per theme template a site's
    /// own layout leaves out (7 ms for a site that replaces `base.html`).
    /// The copy's functions see a site of their own: the kept render still
    /// holds this one. Its globals start empty, as a parse's do: the model
    /// renders shortcodes before the render sets `config` and `main_nav`,
    /// and must not see the last render's.
    pub(crate) fn for_another_render(&self) -> Templates {
        let mut tera = self.tera.clone();
        *tera.global_context() = tera::Context::new();
        let slot: FunctionSlot = Arc::new(RwLock::new(None));
        register_functions(&mut tera, slot.clone());
        functions::register(&mut tera, slot.clone());
        zola_compat::register(&mut tera, slot.clone());
        Templates { tera, slot }
    }

    /// Points template functions at the site about to be rendered.
    pub(crate) fn set_site(&self, data: Arc<FunctionData>) {
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) = Some(data);
    }

    /// Points template functions at a site with this config and no
    /// documents yet: shortcodes render while the model is built, and see
    /// `config` and the functions that need no documents.
    pub(crate) fn set_config(
        &self,
        config: Arc<crate::config::Config>,
        url_mode: crate::urls::UrlMode,
        theme: &Theme,
    ) {
        self.set_site(Arc::new(FunctionData {
            site: Arc::new(Site::without_documents(config, url_mode)),
            values: Arc::new(HashMap::new()),
            features: Arc::new(Vec::new()),
            statics: Arc::new(theme.statics.clone()),
        }));
    }

    /// Lets go of the site set by [`Templates::set_site`] (so the dev server
    /// can update it in place).
    pub(crate) fn clear_site(&self) {
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn data_of(slot: &FunctionSlot) -> tera::TeraResult<Arc<FunctionData>> {
    slot.read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| tera::Error::message("template functions used before a site was loaded"))
}

/// Turns a Tera error into a diagnostic at the template's file and line.
pub(crate) fn tera_error(
    e: &tera::Error,
    theme: &Theme,
    while_rendering: Option<&str>,
) -> Diagnostic {
    let context = while_rendering
        .map(|w| format!(" (while rendering {w})"))
        .unwrap_or_default();
    if let tera::ErrorKind::MissingParent { current, parent } = e.kind()
        && let Some(t) = theme.templates.get(current)
    {
        let at = t.text.find(parent.as_str()).unwrap_or(0);
        return Diagnostic::at(
            t.display_path.clone(),
            t.text.clone(),
            at..at + parent.len(),
            format!(
                "template error: `{current}` extends `{parent}`, which does not exist{context}"
            ),
        )
        .with_help("add the parent template, or fix the name in {% extends %}");
    }
    // A cycle: point at the `extends`/`include` that closes it.
    let cycle = match e.kind() {
        tera::ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => Some((tpl, inheritance_chain, "extends", "extend")),
        tera::ErrorKind::CircularInclude { tpl, include_chain } => {
            Some((tpl, include_chain, "include", "include"))
        }
        _ => None,
    };
    if let Some((tpl, chain, tag, verb)) = cycle {
        let mut names: Vec<&String> = chain.iter().collect();
        if names.last() != Some(&tpl) {
            names.push(tpl);
        }
        // Show the loop closed: a → b → a.
        if names.len() > 1 && names.first() != names.last() {
            names.push(names[0]);
        }
        // The template whose tag names the next one in the loop.
        let found = names.windows(2).find_map(|w| {
            let t = theme.templates.get(w[0].as_str())?;
            let at = t
                .text
                .find(tag)
                .filter(|&i| t.text[i..].contains(w[1].as_str()))?;
            Some((t, at, w[1]))
        });
        let message = format!(
            "template error: templates {verb} each other in a loop: {}{context}",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        );
        let help = format!("break the loop: one of these templates must not {verb} the next");
        return match found {
            Some((t, at, _)) => Diagnostic::at(
                t.display_path.clone(),
                t.text.clone(),
                at..at + tag.len(),
                message,
            ),
            None => Diagnostic::general(message),
        }
        .with_help(help);
    }
    let report = match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
        _ => None,
    };
    let mut message = match report {
        Some(r) => r.message().to_string(),
        None => e.to_string(),
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    if let Some(r) = report
        && let Some(t) = theme.templates.get(r.filename())
    {
        return Diagnostic::at(
            t.display_path.clone(),
            t.text.clone(),
            r.span().range.clone(),
            format!("template error: {message}{context}"),
        )
        .with_help("see docs/templates.md for the variables and functions templates can use");
    }
    // Some errors (such as a missing block) carry their place only in the text: `--> name:line:col`.
    if let Some(place) = message
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        && let Some((name, line_col)) = place.split_once(':')
        && let Some(t) = theme.templates.get(name)
    {
        let mut parts = line_col.split(':').map(|n| n.parse::<usize>().unwrap_or(1));
        let (line, col) = (parts.next().unwrap_or(1), parts.next().unwrap_or(0) + 1);
        let offset = crate::diagnostics::offset_of(&t.text, line, col);
        let first = message
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ")
            .to_string();
        return Diagnostic::at(
            t.display_path.clone(),
            t.text.clone(),
            offset..offset + 1,
            format!("template error: {first}{context}"),
        );
    }
    Diagnostic::general(format!("template error: {message}{context}"))
}

/// What template functions need to see of the site.
pub(crate) struct FunctionData {
    pub(crate) site: Arc<Site>,
    /// Template objects of every document, by content-relative path.
    pub(crate) values: Arc<HashMap<String, Value>>,
    /// Every feature's prepared state, in registry order.
    pub(crate) features: Arc<Vec<Box<dyn Prepared>>>,
    /// The theme's and site's static files, for `get_url(cachebust=true)`.
    pub(crate) statics: Arc<BTreeMap<String, StaticSource>>,
}

/// Registers `get_url`, `get_page`, `get_section`, `get_taxonomy_url`, and
/// every function a feature offers (`comparison`, `decision_card`).
fn register_functions(tera: &mut Tera, data: FunctionSlot) {
    let d = data.clone();
    tera.register_function(
        "get_url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: String = kwargs.must_get("path")?;
            if let Some(target) = path.strip_prefix("@/") {
                note_lookup(Lookup::Url(doc_key(
                    target.split('#').next().unwrap_or(target),
                )));
            }
            let data = data_of(&d)?;
            let mut url = get_url(&data.site, &path).map_err(tera::Error::message)?;
            // Zola's `trailing_slash` and `cachebust` switches.
            if kwargs.get::<bool>("trailing_slash")?.unwrap_or(false) && !url.ends_with('/') {
                url.push('/');
            }
            if kwargs.get::<bool>("cachebust")?.unwrap_or(false) {
                let key = path.trim_start_matches('/');
                // A static file, or (as Zola) a file next to a page in `content/`.
                let in_content = || {
                    let rel = std::path::Path::new("content").join(key);
                    let safe = rel
                        .components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)));
                    let file = data.site.config.root.join(rel);
                    (safe && file.is_file()).then_some(StaticSource::Disk(file))
                };
                let hash = data
                    .statics
                    .get(key)
                    .cloned()
                    .or_else(in_content)
                    .as_ref()
                    .and_then(content_hash)
                    .ok_or_else(|| {
                        tera::Error::message(format!(
                            "get_url: no static file `{key}` to cachebust"
                        ))
                    })?;
                url.push_str(&format!("?h={hash}"));
            }
            Ok(url)
        },
    );
    for (name, kind) in [
        ("get_page", DocKind::Page),
        ("get_section", DocKind::Section),
    ] {
        let d = data.clone();
        tera.register_function(
            name,
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
                // A path, or (Zola's `section.subsections` holds paths, ours
                // objects) a document object with its `relative_path`.
                let arg: Value = kwargs.must_get("path")?;
                let path = match arg.as_map() {
                    Some(_) => arg
                        .get_from_path("relative_path")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    None => arg.as_str().unwrap_or_default().to_string(),
                };
                note_lookup(Lookup::Value(doc_key(&path)));
                lookup(&*data_of(&d)?, &path, kind)
            },
        );
    }
    let d = data.clone();
    tera.register_function(
        "get_taxonomy_url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let kind: String = kwargs.must_get("kind")?;
            let name: String = kwargs.must_get("name")?;
            note_lookup(Lookup::Untracked);
            let data = data_of(&d)?;
            let site = &data.site;
            let t = site.taxonomy(&kind).ok_or_else(|| {
                tera::Error::message(format!("get_taxonomy_url: no taxonomy `{kind}`"))
            })?;
            let slug = site.term_slug(&name);
            if !t.terms.iter().any(|term| term.slug == slug) {
                return Err(tera::Error::message(format!(
                    "get_taxonomy_url: no term `{name}` in `{kind}`"
                )));
            }
            Ok(site.permalink(&format!("/{}/{slug}/", t.slug)))
        },
    );
    for (index, feature) in features::registry().iter().enumerate() {
        for &name in feature.functions() {
            let d = data.clone();
            tera.register_function(
                name,
                move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
                    let data = data_of(&d)?;
                    let call = Call {
                        site: &data.site,
                        note: &note_lookup,
                    };
                    data.features[index].call(name, &call, &kwargs)
                },
            );
        }
    }
}

/// A short hash of a static file's bytes, for `?h=` cache-busting.
fn content_hash(source: &StaticSource) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let bytes = match source {
        StaticSource::Disk(p) => std::borrow::Cow::Owned(std::fs::read(p).ok()?),
        StaticSource::Embedded(b) => std::borrow::Cow::Borrowed(*b),
        StaticSource::Generated(b) => std::borrow::Cow::Borrowed(b.as_slice()),
    };
    // SipHash with fixed keys: the same bytes give the same hash in every build.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(format!("{:016x}", h.finish()))
}

thread_local! {
    static LOOKUPS: std::cell::RefCell<Option<Vec<Lookup>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (one template render on this thread) and returns what its
/// template functions looked up, so the dev server knows what an output
/// depends on.
pub(crate) fn recording_lookups<R>(f: impl FnOnce() -> R) -> (R, Vec<Lookup>) {
    LOOKUPS.with(|l| *l.borrow_mut() = Some(Vec::new()));
    let r = f();
    let mut seen = LOOKUPS.with(|l| l.borrow_mut().take()).unwrap_or_default();
    seen.sort();
    seen.dedup();
    (r, seen)
}

fn note_lookup(lookup: Lookup) {
    LOOKUPS.with(|l| {
        if let Some(v) = l.borrow_mut().as_mut() {
            v.push(lookup);
        }
    });
}

/// A content-relative document key from `@/x.md`, `/x.md` or `x.md`.
fn doc_key(path: &str) -> String {
    path.trim_start_matches("@/")
        .trim_start_matches('/')
        .to_string()
}

/// URL of `@/page.md#anchor` or of a static file path, in the build's URL mode.
pub(crate) fn get_url(site: &Site, path: &str) -> Result<String, String> {
    if let Some(target) = path.strip_prefix("@/") {
        let (page, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (target, None),
        };
        let doc = site
            .links()
            .doc(page)
            .map_err(|e| format!("get_url: {e}"))?;
        let mut url = site.permalink(&doc.path);
        if let Some(a) = anchor {
            url.push('#');
            url.push_str(a);
        }
        Ok(url)
    } else if path.contains("://") {
        Ok(path.to_string())
    } else {
        Ok(site.permalink(&format!("/{}", path.trim_start_matches('/'))))
    }
}

fn lookup(data: &FunctionData, path: &str, kind: DocKind) -> tera::TeraResult<Value> {
    let key = path.trim_start_matches("@/").trim_start_matches('/');
    match (data.values.get(key), data.site.get(key)) {
        (Some(v), Some(doc)) if doc.kind == kind => Ok(v.clone()),
        // While shortcodes render, documents have no objects yet: their
        // front matter (Zola's `metadata_only`).
        (None, Some(doc)) if doc.kind == kind && data.values.is_empty() => {
            Ok(metadata_value(&data.site, doc))
        }
        _ => {
            let what = if kind == DocKind::Page {
                "get_page"
            } else {
                "get_section"
            };
            Err(tera::Error::message(format!(
                "{what}: no {} `{key}`",
                if kind == DocKind::Page {
                    "page"
                } else {
                    "section"
                }
            )))
        }
    }
}

/// The `config` global of templates (and of shortcodes, which render
/// before the site exists).
pub(crate) fn config_value(site: &Site) -> Value {
    let c = &site.config;
    // Every key of the config, with Zola's names, so a theme's
    // `config.generate_feeds` or `config.author` is there; then ours.
    let mut m = Value::from_serializable(&**c)
        .as_map()
        .cloned()
        .unwrap_or_default();
    m.insert("build_search_index".into(), Value::from(false));
    m.insert("languages".into(), Value::from_serializable(&c.languages));
    m.insert("title".into(), Value::from(c.title.clone()));
    m.insert("description".into(), Value::from(c.description.clone()));
    m.insert("base_url".into(), Value::from(c.base_url.clone()));
    m.insert("language".into(), Value::from(c.language.clone()));
    m.insert("default_language".into(), Value::from(c.language.clone()));
    m.insert(
        "relative_urls".into(),
        Value::from(site.url_mode.is_relative()),
    );
    m.insert("taxonomies".into(), Value::from_serializable(&c.taxonomies));
    m.insert("extra".into(), Value::from_serializable(&c.extra));
    m.insert("markdown".into(), Value::from_serializable(&c.markdown));
    Value::from(m)
}

/// A document's front matter and place, without its rendered body: what
/// `get_page`/`get_section` give a shortcode template.
fn metadata_value(site: &Site, d: &crate::model::Document) -> Value {
    let mut m = tera::Map::new();
    m.insert("title".into(), Value::from(d.meta.title.clone()));
    m.insert(
        "description".into(),
        Value::from(d.meta.description.clone()),
    );
    m.insert("path".into(), Value::from(d.path.clone()));
    m.insert("permalink".into(), Value::from(site.permalink(&d.path)));
    m.insert("relative_path".into(), Value::from(d.rel_path.clone()));
    m.insert(
        "colocated_path".into(),
        d.colocated_path().map_or_else(Value::none, Value::from),
    );
    m.insert(
        "date".into(),
        Value::from(d.meta.date.as_ref().map(|x| x.0.clone())),
    );
    m.insert("weight".into(), Value::from(d.meta.weight));
    m.insert("draft".into(), Value::from(d.meta.draft));
    m.insert("lang".into(), Value::from(site.config.language.clone()));
    m.insert("extra".into(), Value::from_serializable(&d.meta.extra));
    m.insert(
        "taxonomies".into(),
        Value::from_serializable(&d.meta.taxonomies),
    );
    Value::from(m)
}

/// Shortcodes rendered from `templates/shortcodes/NAME.html` or `.md` (the
/// site's or the theme's), for the model's body expansion.
pub(crate) struct ShortcodeRenderer {
    tera: Tera,
    /// The site functions see: while the model is built, one without
    /// documents ([`Templates::set_config`]), so `config` and the functions
    /// that need only the config (`get_url` of a file, `markdown`) work.
    slot: FunctionSlot,
    theme: Theme,
    shortcodes: HashMap<String, ShortcodeTemplate>,
}

impl ShortcodeRenderer {
    fn template_name(&self, name: &str) -> String {
        let md = self.shortcodes.get(name).is_some_and(|t| t.markdown);
        format!("shortcodes/{name}.{}", if md { "md" } else { "html" })
    }
}

impl Expander for ShortcodeRenderer {
    fn template(&self, name: &str) -> Option<&ShortcodeTemplate> {
        self.shortcodes.get(name)
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.shortcodes.keys().cloned().collect();
        names.sort();
        names
    }

    fn render(
        &self,
        name: &str,
        args: &ShortcodeArgs,
        body: Option<&str>,
        nth: usize,
        current: &Current,
    ) -> Result<String, String> {
        let mut ctx = tera::Context::new();
        if !current.kind.is_empty() {
            ctx.insert(current.kind, &current.value);
        }
        for (k, v) in args {
            ctx.insert(k.clone(), v);
        }
        ctx.insert("nth", &nth);
        if let Some(b) = body {
            ctx.insert("body", &b);
        }
        // Zola's shortcodes also see `config` and `lang`.
        if let Ok(data) = data_of(&self.slot) {
            ctx.insert_value("config", config_value(&data.site));
            ctx.insert("lang", &data.site.config.language);
        }
        let template = self.template_name(name);
        self.tera.render(&template, &ctx).map_err(|e| {
            let d = tera_error(&e, &self.theme, None);
            let place = match (&d.file, d.line_col()) {
                (Some(f), Some((line, col))) => format!(" ({}:{line}:{col})", f.display()),
                _ => String::new(),
            };
            format!(
                "{}{place}",
                d.message.trim_start_matches("template error: ")
            )
        })
    }
}

/// What the model needs from the templates: the shortcode renderer and the
/// markup Markdown takes from the theme (`anchor-link.html`, and each
/// alert kind from `shortcodes/callout.html`).
#[derive(Clone)]
pub(crate) struct Authoring {
    pub(crate) shortcodes: Arc<dyn Expander>,
    pub(crate) markup: Arc<Markup>,
    /// Points shortcode templates' functions at the placed documents.
    pub(crate) site_known: crate::model::SiteKnown,
}

/// Alert kinds, as `shortcodes/callout.html` takes them in `kind`.
pub(crate) const CALLOUT_KINDS: &[&str] = &["note", "tip", "important", "warning", "caution"];

/// Builds [`Authoring`] from parsed templates. A theme markup template that
/// fails to render is an error at its line.
pub(crate) fn authoring(templates: &Templates, theme: &Theme) -> Result<Authoring, Diagnostic> {
    let tera = &templates.tera;
    let mut shortcodes = HashMap::new();
    for t in theme.templates.values() {
        let Some(file) = t.name.strip_prefix("shortcodes/") else {
            continue;
        };
        let (name, markdown) = match file.rsplit_once('.') {
            Some((n, "html")) => (n, false),
            Some((n, "md")) => (n, true),
            _ => continue,
        };
        if name.contains('/') {
            continue;
        }
        shortcodes.insert(
            name.to_string(),
            ShortcodeTemplate {
                markdown,
                text: t.text.to_string(),
            },
        );
    }
    let mut markup = Markup::default();
    if tera.contains_template("anchor-link.html") {
        let mut ctx = tera::Context::new();
        ctx.insert("id", crate::markdown::ANCHOR_ID);
        ctx.insert("level", &2);
        markup.anchor_link = tera
            .render("anchor-link.html", &ctx)
            .map_err(|e| tera_error(&e, theme, Some("a heading's anchor link")))?
            .trim()
            .to_string();
    }
    if tera.contains_template("shortcodes/callout.html") {
        for kind in CALLOUT_KINDS {
            let mut ctx = tera::Context::new();
            ctx.insert("kind", kind);
            ctx.insert("nth", &0);
            ctx.insert("body", BODY_MARKER);
            let html = tera
                .render("shortcodes/callout.html", &ctx)
                .map_err(|e| tera_error(&e, theme, Some("a `> [!NOTE]` alert")))?;
            if let Some((open, close)) = html.split_once(BODY_MARKER) {
                markup.alerts.push((
                    kind.to_string(),
                    open.trim_end().to_string(),
                    close.trim_start().to_string(),
                ));
            }
        }
    }
    Ok(Authoring {
        shortcodes: Arc::new(ShortcodeRenderer {
            tera: tera.clone(),
            slot: templates.slot.clone(),
            theme: theme.clone(),
            shortcodes,
        }),
        markup: Arc::new(markup),
        site_known: {
            let slot = templates.slot.clone();
            let statics = Arc::new(theme.statics.clone());
            Arc::new(move |site| {
                *slot.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(FunctionData {
                    site,
                    values: Arc::new(HashMap::new()),
                    features: Arc::new(Vec::new()),
                    statics: statics.clone(),
                }));
            })
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::model::{ModelOptions, assemble};
    use crate::source::content::{ContentFiles, SourceFile};
    use crate::source::theme::TemplateSource;
    use crate::urls::UrlMode;

    const PICK: &str = r#"+++
title = "Pick <one> & go"
description = "Two \"quick\" questions."

[decision]
start = "a"

[[decision.questions]]
id = "a"
text = "Big?"
answers = [{ label = "Yes", next = "b" }, { label = "No", next = "small" }]

[[decision.questions]]
id = "b"
text = "Red?"
answers = [{ label = "Yes", next = "red" }, { label = "No", next = "plain" }]

[[decision.outcomes]]
id = "small"
title = "Small"

[[decision.outcomes]]
id = "red"
title = "Red"

[[decision.outcomes]]
id = "plain"
title = "Plain"
+++
"#;

    const ONE: &str = r#"+++
[decision]
start = "a"

[[decision.questions]]
id = "a"
text = "Yes?"
answers = [{ label = "Yes", next = "y" }, { label = "No", next = "n" }]

[[decision.outcomes]]
id = "y"
title = "Yes"

[[decision.outcomes]]
id = "n"
title = "No"
+++
"#;

    /// A small site in `mode`: sections, a page with headings, tags, trees.
    fn site_in(mode: UrlMode) -> Arc<Site> {
        let config: Config =
            toml::from_str("title = \"T\"\ntaxonomies = [{ name = \"tags\" }]").expect("config");
        let files: &[(&str, &str)] = &[
            ("roles/_index.md", "+++\ntitle = \"Roles\"\n+++\n"),
            (
                "roles/a.md",
                "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"Static Sites\", \"rust\"]\n+++\n## Usage\n",
            ),
            ("pick.md", PICK),
            ("one.md", ONE),
        ];
        let markdown = files
            .iter()
            .map(|(rel, text)| SourceFile {
                rel_path: rel.to_string(),
                display_path: PathBuf::from("content").join(rel),
                text: Arc::from(*text),
            })
            .collect();
        let files = ContentFiles {
            markdown,
            assets: Vec::new(),
        };
        Arc::new(
            assemble(
                Arc::new(config),
                mode,
                files,
                &ModelOptions {
                    claimed: crate::features::claimed_tables(),
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("fixture site: {e:?}")),
        )
    }

    fn site() -> Arc<Site> {
        site_in(UrlMode::Absolute {
            base: "/docs".into(),
        })
    }

    /// Templates holding one template, `t.html`.
    fn templates(text: &str) -> Templates {
        let mut theme = Theme::default();
        theme.templates.insert(
            "t.html".into(),
            TemplateSource {
                name: "t.html".into(),
                display_path: PathBuf::from("templates/t.html"),
                text: Arc::from(text),
            },
        );
        parse_templates(&theme).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// Renders `text` against the fixture site; an error's whole message
    /// (with its causes) on failure.
    fn render(text: &str) -> Result<String, String> {
        let t = templates(text);
        let mut values = HashMap::new();
        let mut a = tera::Map::new();
        a.insert("title".into(), Value::from("Object of A"));
        values.insert("roles/a.md".to_string(), Value::from(a));
        t.set_site(Arc::new(FunctionData {
            site: site(),
            values: Arc::new(values),
            features: Arc::new(crate::features::prepare_all(&site()).unwrap()),
            statics: Arc::new(BTreeMap::new()),
        }));
        t.tera.render("t.html", &tera::Context::new()).map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            message
        })
    }

    fn render_err(text: &str) -> String {
        match render(text) {
            Ok(html) => panic!("expected an error, got {html}"),
            Err(e) => e,
        }
    }

    #[test]
    fn get_url_resolves_pages_sections_anchors_and_static_paths() {
        let site = site();
        let url = |p: &str| get_url(&site, p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(url("@/roles/a.md"), "/docs/roles/a/");
        assert_eq!(url("@/roles/a.md#usage"), "/docs/roles/a/#usage");
        assert_eq!(url("@/roles/_index.md"), "/docs/roles/");
        assert_eq!(url("@/_index.md"), "/docs/");
        assert_eq!(url("css/site.css"), "/docs/css/site.css");
        assert_eq!(url("/css/site.css"), "/docs/css/site.css");
        assert_eq!(url("https://example.org/x"), "https://example.org/x");
        // Relative builds keep site paths; pages are relativized later.
        let relative = site_in(UrlMode::Relative);
        assert_eq!(
            get_url(&relative, "@/roles/a.md").as_deref(),
            Ok("/roles/a/")
        );
    }

    #[test]
    fn get_url_of_an_unknown_page_is_an_error() {
        let site = site();
        assert_eq!(
            get_url(&site, "@/roles/nope.md"),
            Err(
                "get_url: link to missing page `@/roles/nope.md` (did you mean `@/roles/_index.md`?)"
                    .to_string()
            )
        );
        let e = get_url(&site, "@/nope.md#usage").unwrap_err();
        assert!(
            e.starts_with("get_url: link to missing page `@/nope.md`"),
            "{e}"
        );
        let e = render_err("{{ get_url(path=\"@/nope.md\") }}");
        assert!(
            e.contains("get_url: link to missing page `@/nope.md`"),
            "{e}"
        );
    }

    #[test]
    fn get_url_in_a_template() {
        assert_eq!(
            render("<a href=\"{{ get_url(path='@/roles/a.md#usage') }}\">").as_deref(),
            Ok("<a href=\"/docs/roles/a/#usage\">")
        );
    }

    #[test]
    fn decision_card_links_the_tree_with_escaped_text_and_counts() {
        let html = render("{{ decision_card(path=\"@/pick.md\") }}").expect("card");
        assert_eq!(
            html,
            "<a class=\"decision-card\" href=\"/docs/pick/\"><span class=\"decision-card__title\">Pick &lt;one&gt; &amp; go</span><span class=\"decision-card__text\">Two &quot;quick&quot; questions.</span><span class=\"decision-card__meta\">2 questions, 3 possible results</span></a>"
        );
        // Without a description, a default text; one question, singular.
        let one = render("{{ decision_card(path=\"one.md\") }}").expect("card");
        assert!(one.contains("Answer a few questions to find out."), "{one}");
        assert!(one.contains("1 question, 2 possible results"), "{one}");
    }

    #[test]
    fn decision_card_errors() {
        let e = render_err("{{ decision_card(path=\"@/nope.md\") }}");
        assert!(e.contains("decision_card: no page `@/nope.md`"), "{e}");
        let e = render_err("{{ decision_card(path=\"@/roles/a.md\") }}");
        assert!(
            e.contains("decision_card: `@/roles/a.md` has no [decision] tree"),
            "{e}"
        );
    }

    #[test]
    fn get_taxonomy_url_slugifies_known_terms() {
        assert_eq!(
            render("{{ get_taxonomy_url(kind=\"tags\", name=\"Static Sites\") }}").as_deref(),
            Ok("/docs/tags/static-sites/")
        );
        assert_eq!(
            render("{{ get_taxonomy_url(kind=\"tags\", name=\"rust\") }}").as_deref(),
            Ok("/docs/tags/rust/")
        );
        let e = render_err("{{ get_taxonomy_url(kind=\"cats\", name=\"rust\") }}");
        assert!(e.contains("get_taxonomy_url: no taxonomy `cats`"), "{e}");
        let e = render_err("{{ get_taxonomy_url(kind=\"tags\", name=\"go\") }}");
        assert!(
            e.contains("get_taxonomy_url: no term `go` in `tags`"),
            "{e}"
        );
    }

    #[test]
    fn get_page_and_get_section_check_the_kind() {
        assert_eq!(
            render("{% set p = get_page(path=\"@/roles/a.md\") %}{{ p.title }}").as_deref(),
            Ok("Object of A")
        );
        let e = render_err("{{ get_section(path=\"roles/a.md\") }}");
        assert!(e.contains("get_section: no section `roles/a.md`"), "{e}");
        let e = render_err("{{ get_page(path=\"roles/nope.md\") }}");
        assert!(e.contains("get_page: no page `roles/nope.md`"), "{e}");
    }

    #[test]
    fn lookups_are_recorded_for_the_dev_server() {
        let t = templates(
            "{{ get_url(path='@/roles/a.md#usage') }}{{ get_url(path='css/x.css') }}\
             {{ decision_card(path='@/pick.md') }}{{ get_taxonomy_url(kind='tags', name='rust') }}",
        );
        t.set_site(Arc::new(FunctionData {
            site: site(),
            values: Arc::new(HashMap::new()),
            features: Arc::new(crate::features::prepare_all(&site()).unwrap()),
            statics: Arc::new(BTreeMap::new()),
        }));
        let (result, lookups) =
            recording_lookups(|| t.tera.render("t.html", &tera::Context::new()));
        result.expect("renders");
        // Sorted; static paths are not recorded (they do not depend on the model).
        assert_eq!(
            lookups,
            vec![
                Lookup::Url("roles/a.md".to_string()),
                Lookup::Card("pick.md".to_string()),
                Lookup::Untracked,
            ]
        );
    }

    #[test]
    fn functions_need_a_site() {
        let t = templates("{{ get_url(path='@/roles/a.md') }}");
        let e = t
            .tera
            .render("t.html", &tera::Context::new())
            .expect_err("no site set");
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(
            message.contains("template functions used before a site was loaded"),
            "{message}"
        );
    }
}
