//! Model stage: parsed files become a site — sections, pages, URLs, ordering,
//! previous/next links, taxonomies — and Markdown bodies are rendered with
//! internal links resolved against it.
//!
//! Documents live in one `Vec` and refer to each other by index ([`DocId`]),
//! so a single document can be replaced and re-rendered on its own.
//!
//! One function turns a file into a rendered document ([`prepare_document`]
//! then [`render_document`]); the full build ([`assemble`]) and the dev
//! server's re-parse of one file ([`reparse_document`]) both use it, and all
//! `@/` links resolve through one resolver ([`links::Links`]).

pub(crate) mod links;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, closest};
use crate::frontmatter::{self, FrontMatter, FrontMatterSource, Key, SortBy};
use crate::markdown::{self, MarkdownOptions, Markup, Rendered};
use crate::shortcodes::{self, Expander};
use crate::source::content::{AssetFile, ContentFiles, SourceFile};
use crate::text::{SlugStrategy, slugify_path};
use crate::urls::UrlMode;
use links::{LINK_HELP, Links};

/// Index of a document in [`Site::docs`].
pub type DocId = usize;

/// Whether a document is a section (`_index.md`) or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Section,
    Page,
}

/// One Markdown file of the site, parsed and rendered.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: DocKind,
    /// Content-relative path: `roles/vcio.md`, `roles/_index.md`, `_index.md`.
    pub rel_path: String,
    /// Site-root-relative path for messages: `content/roles/vcio.md`.
    pub display_path: PathBuf,
    pub source: Arc<str>,
    pub meta: Arc<FrontMatter>,
    pub front_matter: Option<FrontMatterSource>,
    pub body_offset: usize,
    /// Whether the body may call a shortcode (`{{` or `{%`), found once
    /// when the file is parsed: a new model of the dev server's asks it of
    /// every document, and searching 20 MB of text took 4 ms each time.
    pub may_call_shortcodes: bool,
    /// Site path: `/roles/vcio/`.
    pub path: String,
    pub title: String,
    pub parent: Option<DocId>,
    /// For sections: their pages in display order, and their subsections.
    pub pages: Vec<DocId>,
    pub subsections: Vec<DocId>,
    pub previous: Option<DocId>,
    pub next: Option<DocId>,
    /// Files next to a `name/index.md` page, copied beside its output.
    pub assets: Vec<AssetFile>,
    pub rendered: Arc<Rendered>,
}

impl Document {
    /// Zola's `colocated_path`: the content-relative folder (with a trailing
    /// `/`) of a section or a page bundle (`post/index.md`); none for a page
    /// that is a file of its own.
    pub(crate) fn colocated_path(&self) -> Option<String> {
        let (folder, file) = self
            .rel_path
            .rsplit_once('/')
            .unwrap_or(("", &self.rel_path));
        (self.kind == DocKind::Section || file == "index.md").then(|| {
            if folder.is_empty() {
                String::new()
            } else {
                format!("{folder}/")
            }
        })
    }

    /// A copy without its place in a site (tree, neighbours, assets),
    /// keeping what was parsed and rendered from its text.
    fn unplaced(&self) -> Document {
        Document {
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            previous: None,
            next: None,
            assets: Vec::new(),
            ..self.clone()
        }
    }

    /// Takes `old`'s place in the site (tree, neighbours, assets): the
    /// counterpart of [`Document::unplaced`], for a re-parse that keeps it.
    fn take_place_of(&mut self, old: &Document) {
        self.parent = old.parent;
        self.pages = old.pages.clone();
        self.subsections = old.subsections.clone();
        self.previous = old.previous;
        self.next = old.next;
        self.assets = old.assets.clone();
    }

    /// Sort key of weight order: weighted documents first, lightest first, then by title.
    pub(crate) fn weight_key(&self) -> (bool, Option<i64>, &str) {
        (self.meta.weight.is_none(), self.meta.weight, &self.title)
    }

    /// Whether the file has the feature table `name` (`decision`).
    pub(crate) fn has_table(&self, name: &str) -> bool {
        self.meta.tables.contains(name)
    }

    /// The front matter block's text ("" without one).
    pub(crate) fn front_matter_text(&self) -> &str {
        self.front_matter
            .as_ref()
            .map_or("", |fm| &self.source[fm.range.clone()])
    }

    /// Reads the whole front matter block as a feature's type `T` (see
    /// [`frontmatter::deserialize_block`]).
    pub(crate) fn read_table<T: serde::de::DeserializeOwned + Default>(
        &self,
    ) -> Result<T, Diagnostic> {
        match &self.front_matter {
            Some(fm) => frontmatter::deserialize_block(&self.display_path, &self.source, fm),
            None => Ok(T::default()),
        }
    }

    /// Span of a front matter key path in the file (for later errors).
    pub fn locate(&self, path: &[Key]) -> std::ops::Range<usize> {
        match &self.front_matter {
            Some(fm) => fm.locate(&self.source, path),
            None => 0..0,
        }
    }

    /// An error at a front matter key path of this document.
    pub fn error_at(&self, path: &[Key], message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(
            self.display_path.clone(),
            self.source.clone(),
            self.locate(path),
            message,
        )
    }
}

/// A taxonomy term (`tags = ["security"]` → term `security`).
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub pages: Vec<DocId>,
}

/// A configured taxonomy and its terms, sorted by name.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub slug: String,
    pub feed: bool,
    pub terms: Vec<Term>,
}

/// The whole site model.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Arc<Config>,
    pub url_mode: UrlMode,
    pub docs: Vec<Document>,
    /// Document ids by content-relative path (Fx: a new model of the dev
    /// server's fills and asks it tens of thousands of times).
    pub by_rel_path: FxHashMap<String, DocId>,
    pub root_section: DocId,
    pub taxonomies: Vec<Taxonomy>,
    /// Non-Markdown files under `content/` that are not page bundles' assets.
    pub loose_assets: Vec<AssetFile>,
    /// Drafts left out of this build (for clearer broken-link errors).
    pub skipped_drafts: HashSet<String>,
    /// Problems that do not fail the build (accepted but unimplemented keys).
    pub warnings: Vec<Diagnostic>,
    /// The theme's markup for Markdown, which page bodies were rendered
    /// with: the templates' `markdown` filter renders with it too.
    pub markup: Option<Arc<crate::markdown::Markup>>,
    /// Built for one render only (`guidepost build` and `check`, see
    /// [`Site::make_one_shot`]): a feature may drop what only a next render
    /// would reuse (the search index's per-stem counts).
    pub one_shot: bool,
}

impl Site {
    /// A site with a config and no documents: what shortcode templates see
    /// while the documents are being built.
    pub(crate) fn without_documents(config: Arc<Config>, url_mode: UrlMode) -> Site {
        Site {
            config,
            url_mode,
            docs: Vec::new(),
            by_rel_path: FxHashMap::default(),
            root_section: 0,
            taxonomies: Vec::new(),
            loose_assets: Vec::new(),
            skipped_drafts: HashSet::new(),
            warnings: Vec::new(),
            markup: None,
            one_shot: false,
        }
    }

    /// Marks this model [`Site::one_shot`] and lets go of every
    /// document's body text, which nothing will read again: a
    /// one-shot build has found every error that points into a body
    /// (links, shortcodes, decision cards) before it renders templates,
    /// and the text was a tenth of the model's memory (2 KB a page on the
    /// bench site). The front matter block stays: rendering can still fail
    /// at a front matter key (a `template` that does not exist, an alias
    /// that repeats a page's URL), and the error points at it with its
    /// snippet. The dev server keeps the whole text: it compares and reuses
    /// it on the next change.
    pub(crate) fn make_one_shot(&mut self) {
        self.one_shot = true;
        self.docs.par_iter_mut().for_each(|d| {
            d.source = Arc::from(&d.source[..d.body_offset]);
        });
    }

    /// Looks a document up by `@/`-style path (`roles/vcio.md`, with or without `@/`).
    pub fn get(&self, rel_path: &str) -> Option<&Document> {
        let key = rel_path.trim_start_matches("@/").trim_start_matches('/');
        self.by_rel_path.get(key).map(|&id| &self.docs[id])
    }

    /// The document a reader names on the command line (`guidepost
    /// export`): a content path (`roles/vcio.md`, also with `@/` or
    /// `content/`) or a URL path (`/decide/`, `decide`, a full URL). An
    /// unknown name is an error listing the nearest documents.
    pub(crate) fn find_document(&self, name: &str) -> Result<DocId, Diagnostic> {
        let key = name
            .trim()
            .trim_start_matches("@/")
            .trim_start_matches("./")
            .trim_start_matches("content/");
        if let Some(&id) = self.by_rel_path.get(key.trim_start_matches('/')) {
            return Ok(id);
        }
        let url = key
            .split_once("://")
            .map_or(key, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
        let url = url.split(['#', '?']).next().unwrap_or_default();
        let url = url.strip_suffix("index.html").unwrap_or(url);
        let path = format!("/{}/", url.trim_matches('/')).replace("//", "/");
        if let Some(id) = self.docs.iter().position(|d| d.path == path) {
            return Ok(id);
        }
        let bare = key.trim_start_matches('/');
        if self.skipped_drafts.contains(bare) {
            return Err(Diagnostic::general(format!(
                "`{name}` is a draft, left out without --drafts"
            ))
            .with_help("add --drafts to include pages marked draft = true"));
        }
        let mut near: Vec<(usize, &str)> = self
            .docs
            .iter()
            .flat_map(|d| [d.rel_path.as_str(), d.path.as_str()])
            .map(|k| (strsim::damerau_levenshtein(key, k), k))
            .collect();
        near.sort();
        let near: Vec<String> = near.iter().take(3).map(|(_, k)| format!("`{k}`")).collect();
        Err(Diagnostic::general(format!(
            "no page `{name}` in content/: name a content file (`roles/vcio.md`) or a page's URL path (`/roles/vcio/`)"
        ))
        .with_help(format!("the nearest pages are {}", near.join(", "))))
    }

    /// Public URL of a site path in this build's URL mode.
    pub fn permalink(&self, path: &str) -> String {
        self.url_mode.permalink(path)
    }

    /// Documents from the home section down to the parent of `id`.
    pub fn ancestors(&self, id: DocId) -> Vec<DocId> {
        let mut chain = Vec::new();
        let mut cur = self.docs[id].parent;
        while let Some(p) = cur {
            chain.push(p);
            cur = self.docs[p].parent;
        }
        chain.reverse();
        chain
    }

    /// The link resolver over this site's documents.
    pub(crate) fn links(&self) -> Links<'_> {
        Links {
            docs: &self.docs,
            by_rel_path: &self.by_rel_path,
            drafts: &self.skipped_drafts,
            url_mode: &self.url_mode,
        }
    }

    /// The URL slug of a taxonomy term, by the config's `[slugify]` strategy.
    pub fn term_slug(&self, name: &str) -> String {
        term_slug(name, self.config.slugify.taxonomies)
    }

    /// The taxonomy the config declares as `name`.
    pub fn taxonomy(&self, name: &str) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// Pages (not sections) of the site.
    pub fn pages(&self) -> impl Iterator<Item = &Document> {
        self.docs.iter().filter(|d| d.kind == DocKind::Page)
    }
}

/// Switches for assembling a site.
#[derive(Clone, Default)]
pub(crate) struct ModelOptions {
    pub include_drafts: bool,
    /// Top-level front matter tables that features read.
    pub claimed: Vec<&'static str>,
    /// Renders shortcode calls (built from the templates by the pipeline);
    /// without one, calls stay text.
    pub shortcodes: Option<Arc<dyn Expander>>,
    /// The theme's markup for Markdown (heading links, alerts).
    pub markup: Option<Arc<Markup>>,
    /// Shortcodes whose templates changed since the model being reused
    /// (`*`: all): documents that use one are rendered again.
    pub stale_shortcodes: Vec<String>,
    /// Told the site's documents (placed, not yet rendered) before bodies
    /// are rendered, so shortcode templates can follow `@/` links and look
    /// pages up by their front matter, as in Zola.
    pub site_known: Option<SiteKnown>,
}

/// See [`ModelOptions::site_known`].
pub(crate) type SiteKnown = Arc<dyn Fn(Arc<Site>) + Send + Sync>;

impl std::fmt::Debug for ModelOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelOptions")
            .field("include_drafts", &self.include_drafts)
            .field("claimed", &self.claimed)
            .field("shortcodes", &self.shortcodes.is_some())
            .field("stale_shortcodes", &self.stale_shortcodes)
            .finish()
    }
}

impl ModelOptions {
    /// Markdown options of `config` with the theme's markup.
    fn markdown(&self, config: &Config) -> MarkdownOptions {
        MarkdownOptions::of_theme(config, self.markup.as_ref())
    }

    /// Whether a reused document must be rendered again because a
    /// shortcode template it uses changed.
    fn is_stale(&self, d: &Document) -> bool {
        !self.stale_shortcodes.is_empty()
            && (self.stale_shortcodes.iter().any(|s| s == "*")
                || d.rendered
                    .shortcodes
                    .iter()
                    .any(|s| self.stale_shortcodes.contains(s)))
    }
}

/// Builds the site model from loaded files. Reports every problem found.
pub(crate) fn assemble(
    config: Arc<Config>,
    url_mode: UrlMode,
    files: ContentFiles,
    options: &ModelOptions,
) -> Result<Site, Vec<Diagnostic>> {
    assemble_inner(config, url_mode, files, options, None)
}

/// [`assemble`] for the dev server after files were added, deleted or
/// renamed: a file whose text is unchanged since `previous` (a good build with
/// the same config) keeps its parsed front matter, and its rendered Markdown
/// too unless it mentions a document that disappeared or moved (its internal
/// links would now resolve differently).
pub(crate) fn assemble_reusing(
    config: Arc<Config>,
    url_mode: UrlMode,
    files: ContentFiles,
    options: &ModelOptions,
    previous: &Site,
) -> Result<Site, Vec<Diagnostic>> {
    assemble_inner(config, url_mode, files, options, Some(previous))
}

fn assemble_inner(
    config: Arc<Config>,
    url_mode: UrlMode,
    files: ContentFiles,
    options: &ModelOptions,
    previous: Option<&Site>,
) -> Result<Site, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let previous = previous.filter(|p| p.url_mode == url_mode);

    // Parse front matter in parallel (or take it from the previous build).
    // Translations (`page.fr.md` for a Zola `[languages.fr]`) are not built.
    let parsed: Vec<(Result<Document, Vec<Diagnostic>>, bool)> = files
        .markdown
        .into_par_iter()
        .filter(|f| {
            let stem = f.rel_path.trim_end_matches(".md");
            !stem
                .rsplit_once('.')
                .is_some_and(|(_, lang)| config.languages.contains_key(lang))
        })
        .map(|f| {
            match previous
                .and_then(|p| p.get(&f.rel_path))
                // The dev server hands back the text it kept: the same one.
                .filter(|d| Arc::ptr_eq(&d.source, &f.text) || *d.source == *f.text)
            {
                Some(d) => (Ok(d.unplaced()), true),
                None => (prepare_document(f, &config, &options.claimed), false),
            }
        })
        .collect();
    // Each document with whether it was taken from `previous`, kept side by
    // side through the sort (a set of reused paths cost ten thousand
    // copies and lookups on every new model of the dev server).
    let mut placed: Vec<(Document, bool)> = Vec::with_capacity(parsed.len() + 1);
    let mut skipped_drafts = HashSet::new();
    for (p, was_reused) in parsed {
        match p {
            Ok(d) if d.meta.draft && !options.include_drafts => {
                skipped_drafts.insert(d.rel_path.clone());
            }
            Ok(d) => placed.push((d, was_reused)),
            Err(e) => errors.extend(e),
        }
    }
    if !placed.iter().any(|(d, _)| d.rel_path == "_index.md") {
        let empty = SourceFile {
            rel_path: "_index.md".into(),
            display_path: "content/_index.md".into(),
            text: Arc::from(""),
        };
        let home = prepare_document(empty, &config, &[]).expect("an empty home section parses");
        placed.push((home, false));
    }
    placed.sort_by(|a, b| a.0.rel_path.cmp(&b.0.rel_path));
    let (mut docs, reused): (Vec<Document>, Vec<bool>) = placed.into_iter().unzip();
    // Kind-specific keys of reused documents were checked when they were parsed.

    // Two documents claiming one output.
    let mut by_path: FxHashMap<&str, DocId> = FxHashMap::default();
    for (id, d) in docs.iter().enumerate() {
        if let Some(&other) = by_path.get(d.path.as_str()) {
            errors.push(
                Diagnostic::in_file(
                    d.display_path.clone(),
                    format!(
                        "writes the same output path `{}` as {}",
                        d.path,
                        docs[other].display_path.display()
                    ),
                )
                .with_help("give one of them a different `slug` or file name"),
            );
        } else {
            by_path.insert(&d.path, id);
        }
    }
    let by_rel_path: FxHashMap<String, DocId> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.rel_path.clone(), i))
        .collect();

    // Section tree: each document belongs to the nearest section above it.
    let root_section = by_rel_path["_index.md"];
    for id in 0..docs.len() {
        if id == root_section {
            continue;
        }
        let parent = parent_section(&docs[id].rel_path, docs[id].kind, &by_rel_path);
        docs[id].parent = Some(parent);
        match docs[id].kind {
            DocKind::Page => docs[parent].pages.push(id),
            DocKind::Section => docs[parent].subsections.push(id),
        }
    }

    // Page bundles' assets; everything else is copied where it lies.
    let mut loose_assets = Vec::new();
    for asset in files.assets {
        // The nearest page bundle above it, as Zola (files in a bundle's
        // subfolders, `post/img/a.png`, are the bundle's too); a section
        // folder on the way ends the search.
        let mut dir = asset.rel_path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut bundle = None;
        while !dir.is_empty() {
            if let Some(&id) = by_rel_path.get(&format!("{dir}/index.md")) {
                bundle = Some(id);
                break;
            }
            if by_rel_path.contains_key(&format!("{dir}/_index.md")) {
                break;
            }
            dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
        }
        match bundle {
            Some(id) => docs[id].assets.push(asset),
            None => loose_assets.push(asset),
        }
    }

    // Shortcodes may look at the other documents: hand them over unrendered.
    if let Some(known) = &options.site_known
        && docs.iter().any(|d| d.may_call_shortcodes)
    {
        known(Arc::new(Site {
            config: config.clone(),
            url_mode: url_mode.clone(),
            docs: docs.clone(),
            by_rel_path: by_rel_path.clone(),
            root_section,
            taxonomies: Vec::new(),
            loose_assets: Vec::new(),
            skipped_drafts: skipped_drafts.clone(),
            markup: options.markup.clone(),
            warnings: Vec::new(),
            one_shot: false,
        }));
    }
    // Render Markdown in parallel, resolving internal links.
    let md_opts = options.markdown(&config);
    let expander = options.shortcodes.as_deref();
    let links = Links {
        docs: &docs,
        by_rel_path: &by_rel_path,
        drafts: &skipped_drafts,
        url_mode: &url_mode,
    };
    // Documents of the previous build that are gone or moved: Markdown that
    // mentions them is rendered again.
    let moved: Vec<&str> = previous
        .map(|p| {
            p.docs
                .iter()
                .filter(|o| links.doc(&o.rel_path).map(|d| d.path.as_str()) != Ok(o.path.as_str()))
                .map(|o| o.rel_path.as_str())
                .collect()
        })
        .unwrap_or_default();
    let rendered: Vec<Option<(Rendered, Vec<Diagnostic>)>> = docs
        .par_iter()
        .enumerate()
        .map(|(id, d)| {
            if reused[id] && !moved.iter().any(|m| d.source.contains(m)) && !options.is_stale(d) {
                return None;
            }
            Some(render_document(d, &links, &md_opts, expander))
        })
        .collect();
    for (d, r) in docs.iter_mut().zip(rendered) {
        if let Some((r, diags)) = r {
            d.rendered = Arc::new(r);
            errors.extend(diags);
        }
        d.title = document_title(d);
    }

    // Anchors of `@/page.md#anchor` links must exist on the target.
    let links = Links {
        docs: &docs,
        by_rel_path: &by_rel_path,
        drafts: &skipped_drafts,
        url_mode: &url_mode,
    };
    for d in &docs {
        errors.extend(links.anchor_errors(d));
    }

    // A transparent section's pages are listed in its parent too (deepest
    // sections first, so transparency chains up).
    let mut transparent: Vec<DocId> = (0..docs.len())
        .filter(|&s| docs[s].kind == DocKind::Section && docs[s].meta.transparent)
        .collect();
    transparent.sort_by_key(|&s| std::cmp::Reverse(docs[s].rel_path.matches('/').count()));
    for s in transparent {
        if let Some(parent) = docs[s].parent {
            let pages = docs[s].pages.clone();
            docs[parent].pages.extend(pages);
        }
    }

    // Order each section's pages; link neighbours (a transparent section's
    // pages take their neighbours from the parent's order).
    for s in 0..docs.len() {
        if docs[s].kind != DocKind::Section {
            continue;
        }
        if docs[s].meta.transparent {
            let sort_by = docs[s].meta.sort_by.unwrap_or_default();
            let mut pages = std::mem::take(&mut docs[s].pages);
            sort_docs(&mut pages, &docs, sort_by);
            docs[s].pages = pages;
            continue;
        }
        let sort_by = docs[s].meta.sort_by.unwrap_or_default();
        let mut pages = std::mem::take(&mut docs[s].pages);
        sort_docs(&mut pages, &docs, sort_by);
        for (i, &p) in pages.iter().enumerate() {
            docs[p].previous = i.checked_sub(1).map(|j| pages[j]);
            docs[p].next = pages.get(i + 1).copied();
        }
        docs[s].pages = pages;
        let mut subs = std::mem::take(&mut docs[s].subsections);
        sort_docs(&mut subs, &docs, SortBy::Weight);
        docs[s].subsections = subs;
    }

    let taxonomies = build_taxonomies(&docs, &config);
    let mut warnings = Vec::new();
    // Zola 0.21 and older named other highlighting themes (`one-dark`,
    // `boron`); such a site builds with the default colours, and says so.
    let md = &config.markdown;
    if md.highlight_code {
        for (key, theme, default) in [
            ("highlight_theme", &md.highlight_theme, DEFAULT_LIGHT_THEME),
            (
                "highlight_theme_dark",
                &md.highlight_theme_dark,
                DEFAULT_DARK_THEME,
            ),
        ] {
            if crate::highlight::stylesheet(theme).is_none() {
                warnings.push(
                    Diagnostic::in_file(
                        crate::config::CONFIG_FILE,
                        format!(
                            "[markdown] {key}: no code highlighting theme `{theme}`; using `{default}`"
                        ),
                    )
                    .with_help(format!(
                        "known themes: {}",
                        crate::highlight::theme_names().join(", ")
                    ))
                    .warning(),
                );
            }
        }
    }

    if errors.is_empty() {
        Ok(Site {
            config,
            url_mode,
            docs,
            by_rel_path,
            root_section,
            taxonomies,
            loose_assets,
            skipped_drafts,
            warnings,
            markup: options.markup.clone(),
            one_shot: false,
        })
    } else {
        Err(errors)
    }
}

/// Parses one file's front matter into a document with its site path, and
/// runs the checks that need only the file and the config. Markdown is
/// rendered later ([`render_document`]), once every path is known.
fn prepare_document(
    file: SourceFile,
    config: &Config,
    claimed: &[&str],
) -> Result<Document, Vec<Diagnostic>> {
    let (meta, front_matter, body_offset) =
        frontmatter::parse(&file.display_path, &file.text, claimed)?;
    let kind = if file.rel_path == "_index.md" || file.rel_path.ends_with("/_index.md") {
        DocKind::Section
    } else {
        DocKind::Page
    };
    let mut meta = meta;
    let (path, file_date) = site_path_zola(&file.rel_path, kind, &meta, config);
    if meta.date.is_none() {
        meta.date = file_date;
    }
    if meta.feed.is_none() {
        meta.feed = meta.generate_feeds;
    }
    let may_call_shortcodes = shortcodes::may_contain_calls(&file.text[body_offset..]);
    let d = Document {
        kind,
        rel_path: file.rel_path,
        display_path: file.display_path,
        source: file.text,
        meta: Arc::new(meta),
        may_call_shortcodes,
        front_matter,
        body_offset,
        path,
        title: String::new(),
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
        previous: None,
        next: None,
        assets: Vec::new(),
        rendered: Arc::default(),
    };
    let errors = check_kind_keys(&d, config);
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(errors)
    }
}

/// The code highlighting themes used when the configured one is unknown.
pub(crate) const DEFAULT_LIGHT_THEME: &str = "Coldark-Cold";
pub(crate) const DEFAULT_DARK_THEME: &str = "Coldark-Dark";

/// The document as its shortcodes see it (Zola's `page`/`section` without
/// content): what is known before any body is rendered.
fn shortcode_current(d: &Document, links: &Links) -> shortcodes::Current {
    use serde_json::Value as J;
    let mut m = shortcodes::Args::new();
    m.insert("relative_path".into(), J::from(d.rel_path.clone()));
    m.insert("path".into(), J::from(d.path.clone()));
    m.insert(
        "permalink".into(),
        J::from(links.url_mode.permalink(&d.path)),
    );
    m.insert("title".into(), J::from(d.meta.title.clone()));
    m.insert("description".into(), J::from(d.meta.description.clone()));
    m.insert(
        "slug".into(),
        J::from(
            d.path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(""),
        ),
    );
    m.insert(
        "colocated_path".into(),
        d.colocated_path().map_or(J::Null, J::from),
    );
    // Zola's `ancestors`: the sections above, as `_index.md` paths.
    let mut folders: Vec<&str> = d.rel_path.split('/').collect();
    folders.pop();
    if d.kind == DocKind::Section || d.rel_path.ends_with("/index.md") {
        folders.pop();
    }
    let ancestors: Vec<String> = (0..=folders.len())
        .map(|n| match n {
            0 => "_index.md".to_string(),
            n => format!("{}/_index.md", folders[..n].join("/")),
        })
        .filter(|a| *a != d.rel_path && links.by_rel_path.contains_key(a))
        .collect();
    m.insert("ancestors".into(), J::from(ancestors));
    // As in templates: `/` + the content-relative path.
    m.insert(
        "assets".into(),
        J::from(
            d.assets
                .iter()
                .map(|a| format!("/{}", a.rel_path))
                .collect::<Vec<_>>(),
        ),
    );
    m.insert(
        "extra".into(),
        serde_json::to_value(&d.meta.extra).unwrap_or(J::Null),
    );
    shortcodes::Current {
        kind: if d.kind == DocKind::Page {
            "page"
        } else {
            "section"
        },
        value: m,
    }
}

/// Renders a document's Markdown body, resolving its `@/` links through
/// `links` and expanding its shortcodes through `expander`; returns the
/// rendering and the errors (broken links, shortcode problems), each at
/// its place in the file. Warnings (an unknown code language) are logged.
fn render_document(
    d: &Document,
    links: &Links,
    md_opts: &MarkdownOptions,
    expander: Option<&dyn Expander>,
) -> (Rendered, Vec<Diagnostic>) {
    let body = &d.source[d.body_offset..];
    let resolve = |target: &str| links.url(target);
    let at = |span: std::ops::Range<usize>, message: String| {
        Diagnostic::at(d.display_path.clone(), d.source.clone(), span, message)
    };
    let mut diags = Vec::new();
    let expanded = match expander {
        Some(x) if d.may_call_shortcodes => {
            let (e, errors) = shortcodes::expand(body, x, &shortcode_current(d, links));
            for err in errors {
                let span = err.span.start + d.body_offset..err.span.end + d.body_offset;
                let diag = at(span, err.message);
                diags.push(match err.help {
                    Some(h) => diag.with_help(h),
                    None => diag,
                });
            }
            Some(e)
        }
        _ => None,
    };
    let (text, offset) = match &expanded {
        Some(e) => (e.text.as_str(), 0),
        None => (body, d.body_offset),
    };
    let (mut r, mut link_errors) =
        markdown::render(text, offset, d.meta.title.is_none(), md_opts, &resolve);
    if let Some(e) = &expanded {
        let map = |span: &mut std::ops::Range<usize>| {
            let start = d.body_offset + e.source_offset(span.start);
            let end = (d.body_offset + e.source_offset(span.end)).max(start);
            *span = start..end;
        };
        link_errors.iter_mut().for_each(|(s, _)| map(s));
        r.anchor_links.iter_mut().for_each(|l| map(&mut l.span));
        r.warnings.iter_mut().for_each(|(s, _)| map(s));
        if e.has_html() {
            r.content = tera::Value::safe_string(&e.restore(r.html()));
            r.summary = r.summary.map(|s| e.restore(&s));
        }
        r.shortcodes.extend(e.used.iter().cloned());
    }
    r.has_comment = memchr::memmem::find(r.html().as_bytes(), b"<!--").is_some();
    for (span, message) in &r.warnings {
        let w = at(span.clone(), message.clone());
        match w.line_col() {
            Some((line, col)) => {
                tracing::warn!("{}:{line}:{col}: {message}", d.display_path.display())
            }
            None => tracing::warn!("{}: {message}", d.display_path.display()),
        }
    }
    diags.extend(
        link_errors
            .into_iter()
            .map(|(span, msg)| at(span, msg).with_help(LINK_HELP)),
    );
    (r, diags)
}

/// Title from front matter, else the first `# ` heading, else the file name.
fn document_title(d: &Document) -> String {
    d.meta
        .title
        .clone()
        .or_else(|| d.rendered.first_h1.clone())
        .unwrap_or_else(|| default_title(&d.rel_path))
}

fn check_kind_keys(d: &Document, config: &Config) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if d.kind == DocKind::Page {
        for (key, set) in [
            ("sort_by", d.meta.sort_by.is_some()),
            ("paginate_by", d.meta.paginate_by.is_some()),
            ("feed", d.meta.feed.is_some()),
            ("transparent", d.meta.transparent),
            ("redirect_to", d.meta.redirect_to.is_some()),
            ("page_template", d.meta.page_template.is_some()),
            ("paginate_path", d.meta.paginate_path.is_some()),
            ("paginate_reversed", d.meta.paginate_reversed),
            ("generate_feeds", d.meta.generate_feeds.is_some()),
        ] {
            if set {
                errors.push(
                    d.error_at(
                        &[Key::Name(key)],
                        format!("`{key}` only applies to sections"),
                    )
                    .with_help("move it to the section's _index.md"),
                );
            }
        }
    }
    if let Some(slug) = &d.meta.slug
        && (slug.is_empty()
            || slug.contains('/')
            || slug.contains('\\')
            || slug == "."
            || slug == "..")
    {
        errors.push(
            d.error_at(&[Key::Name("slug")], format!("invalid slug `{slug}`"))
                .with_help("a slug is one path segment such as `my-page`"),
        );
    }
    if d.kind == DocKind::Section && d.meta.path.is_some() {
        errors.push(
            d.error_at(&[Key::Name("path")], "`path` only applies to pages")
                .with_help("a section's path is its folder's"),
        );
    }
    if let Some(path) = &d.meta.path
        && (path.trim_matches('/').is_empty() || path.split('/').any(|s| s == ".."))
    {
        errors.push(
            d.error_at(&[Key::Name("path")], format!("invalid path `{path}`"))
                .with_help("a path is a site path such as `blog/hello`"),
        );
    }
    for name in d.meta.taxonomies.keys() {
        if !config.taxonomies.iter().any(|t| &t.name == name) {
            let known: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
            let help = match closest(name, known.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => {
                    format!("declare it in guidepost.toml: taxonomies = [{{ name = \"{name}\" }}]")
                }
            };
            errors.push(
                d.error_at(
                    &[Key::Name("taxonomies"), Key::Name(name)],
                    format!("unknown taxonomy `{name}`"),
                )
                .with_help(help),
            );
        }
    }
    for (i, alias) in d.meta.aliases.iter().enumerate() {
        if alias.split('/').any(|s| s == "..") || alias.contains('\\') {
            errors.push(
                d.error_at(
                    &[Key::Name("aliases"), Key::Index(i)],
                    format!("invalid alias `{alias}`"),
                )
                .with_help("an alias is a site path such as `/old/path/`"),
            );
        }
    }
    errors
}

/// `2024-01-31` (or `2024-01-31T10:00:00`) at the start of a file name,
/// followed by `-` or `_`: the date and the rest, as Zola reads them.
fn date_prefix(name: &str) -> Option<(frontmatter::Date, &str)> {
    let b = name.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return None;
    }
    let (date, rest) = if b.get(10) == Some(&b'T') && name.len() >= 19 {
        (&name[..19], &name[19..])
    } else {
        (&name[..10], &name[10..])
    };
    let rest = rest.strip_prefix(['-', '_'])?;
    if rest.is_empty() {
        return None;
    }
    Some((frontmatter::Date(date.to_string()), rest))
}

/// Site path of a content file, Zola's way: `path` wins; else the folders
/// it is in and its slug (`slug`, else the file or bundle folder name
/// without a date prefix, slugified by `[slugify] paths`). Also returns the
/// date its name carries.
fn site_path_zola(
    rel_path: &str,
    kind: DocKind,
    meta: &FrontMatter,
    config: &Config,
) -> (String, Option<frontmatter::Date>) {
    if kind == DocKind::Page
        && let Some(path) = &meta.path
    {
        let p = path.trim_matches('/');
        return (
            if p.is_empty() {
                "/".into()
            } else {
                format!("/{p}/")
            },
            None,
        );
    }
    let strategy = config.slugify.paths;
    let stem = rel_path.trim_end_matches(".md");
    let mut parts: Vec<&str> = stem.split('/').collect();
    let mut date = None;
    let mut last = None;
    if kind == DocKind::Section {
        parts.pop();
    } else {
        if parts.last() == Some(&"index") {
            parts.pop();
        }
        if let Some(name) = parts.pop() {
            let mut name = name;
            if let Some((d, rest)) = date_prefix(name) {
                date = Some(d);
                if !config.slugify.paths_keep_dates {
                    name = rest;
                }
            }
            last = Some(match &meta.slug {
                Some(slug) => slugify_path(slug, strategy),
                None => slugify_path(name, strategy),
            });
        }
    }
    let mut parts: Vec<String> = parts
        .iter()
        .filter(|p| !p.is_empty())
        // Folders follow `[slugify] paths` as file names do (Zola): case is
        // kept under `safe` and `off`.
        .map(|p| slugify_path(p, strategy))
        .collect();
    parts.extend(last.filter(|l| !l.is_empty()));
    let path = if parts.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", parts.join("/"))
    };
    (path, date)
}

fn parent_section(rel_path: &str, kind: DocKind, by_rel_path: &FxHashMap<String, DocId>) -> DocId {
    let mut dir: Vec<&str> = rel_path.split('/').collect();
    dir.pop();
    if kind == DocKind::Section || rel_path.ends_with("/index.md") {
        dir.pop();
    }
    loop {
        let candidate = if dir.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{}/_index.md", dir.join("/"))
        };
        if let Some(&id) = by_rel_path.get(&candidate) {
            return id;
        }
        dir.pop();
    }
}

fn default_title(rel_path: &str) -> String {
    let stem = rel_path.trim_end_matches(".md");
    // The home section (`_index.md`, also made when the site has none) and
    // a root `index.md` are named by no folder.
    let stem = if stem == "_index" || stem == "index" {
        ""
    } else {
        stem.trim_end_matches("/index").trim_end_matches("/_index")
    };
    let last = stem.rsplit('/').next().unwrap_or(stem);
    let words = last.replace(['-', '_'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => "Home".into(),
    }
}

fn sort_docs(ids: &mut [DocId], docs: &[Document], by: SortBy) {
    use std::cmp::Reverse;
    match by {
        SortBy::Weight => sort_by_keys(ids, docs, Document::weight_key),
        // Newest first, then by title.
        SortBy::Date => sort_by_keys(ids, docs, |d| (Reverse(d.meta.date.as_ref()), &*d.title)),
        // Each title lowered once, not twice per comparison.
        SortBy::Title => sort_by_keys(ids, docs, |d| d.title.to_lowercase()),
        SortBy::None => sort_by_keys(ids, docs, |d| &*d.rel_path),
        SortBy::UpdateDate => sort_by_keys(ids, docs, |d| {
            let m = &d.meta;
            (Reverse(m.updated.as_ref().or(m.date.as_ref())), &*d.title)
        }),
        SortBy::TitleBytes => sort_by_keys(ids, docs, |d| &*d.title),
        SortBy::Slug => sort_by_keys(ids, docs, |d| &*d.path),
    }
}

/// Sorts `ids` by `key` of their documents, stably. The keys are read once
/// into one list that is sorted: comparing through `docs[id]` followed two
/// or three pointers per side on every comparison, and sorting a 10k-page
/// site's sections by date took 6 ms, mostly waiting for memory.
fn sort_by_keys<'d, K: Ord>(
    ids: &mut [DocId],
    docs: &'d [Document],
    key: impl Fn(&'d Document) -> K,
) {
    let mut keyed: Vec<(K, DocId)> = ids.iter().map(|&id| (key(&docs[id]), id)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (slot, (_, id)) in ids.iter_mut().zip(keyed) {
        *slot = id;
    }
}

/// A term's slug: Zola's strategy, case-folded so `Rust` and `rust` are one
/// term (as in Zola).
fn term_slug(name: &str, strategy: SlugStrategy) -> String {
    slugify_path(name, strategy).to_lowercase()
}

fn build_taxonomies(docs: &[Document], config: &Config) -> Vec<Taxonomy> {
    let strategy = config.slugify.taxonomies;
    config
        .taxonomies
        .iter()
        .map(|t| {
            // Terms in the order met, found by slug; sorted by slug at the end.
            let mut terms: Vec<Term> = Vec::new();
            let mut by_slug: FxHashMap<String, usize> = FxHashMap::default();
            // Each spelling's term once: a site has few terms and many pages.
            let mut by_name: FxHashMap<&str, usize> = FxHashMap::default();
            for (id, d) in docs.iter().enumerate() {
                if d.kind != DocKind::Page {
                    continue;
                }
                for name in d.meta.taxonomies.get(&t.name).into_iter().flatten() {
                    let at = *by_name.entry(name).or_insert_with(|| {
                        let slug = term_slug(name, strategy);
                        // The first spelling met names the term, as in Zola.
                        *by_slug.entry(slug.clone()).or_insert_with(|| {
                            terms.push(Term {
                                name: name.clone(),
                                slug,
                                pages: Vec::new(),
                            });
                            terms.len() - 1
                        })
                    });
                    let term = &mut terms[at];
                    // Pages come in id order, so a page naming the term
                    // twice (`Rust` and `rust`) is the last one listed.
                    if term.pages.last() != Some(&id) {
                        term.pages.push(id);
                    }
                }
            }
            terms.sort_unstable_by(|a, b| a.slug.cmp(&b.slug));
            terms
                .par_iter_mut()
                .for_each(|term| sort_docs(&mut term.pages, docs, SortBy::Date));
            Taxonomy {
                name: t.name.clone(),
                slug: slugify_path(&t.name, strategy),
                feed: t.feed,
                terms,
            }
        })
        .collect()
}

/// Re-parses one existing document for an incremental rebuild (`guidepost
/// serve`) through the same steps [`assemble`] takes for every file: front
/// matter and its checks, Markdown with links resolved against `site`,
/// title, anchors. The document keeps its place in the tree (parent,
/// listings, neighbours, assets); the caller decides whether the edit
/// changed anything that would move it (see `serve::incremental`).
pub(crate) fn reparse_document(
    site: &Site,
    id: DocId,
    file: SourceFile,
    options: &ModelOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let mut d = prepare_document(file, &site.config, &options.claimed)?;
    d.take_place_of(&site.docs[id]);
    let links = site.links();
    let (r, mut errors) = render_document(
        &d,
        &links,
        &options.markdown(&site.config),
        options.shortcodes.as_deref(),
    );
    d.rendered = Arc::new(r);
    d.title = document_title(&d);
    errors.extend(links.anchor_errors(&d));
    if errors.is_empty() {
        Ok(d)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_path(rel: &str, kind: DocKind, slug: Option<&str>) -> String {
        let mut meta = FrontMatter::default();
        meta.slug = slug.map(str::to_string);
        site_path_zola(rel, kind, &meta, &Config::default()).0
    }

    /// A document without a title is named after its file or folder; the
    /// home section is "Home" (it was " index": `_index` with its `_` made a space).
    #[test]
    fn untitled_documents_are_named_after_their_place() {
        assert_eq!(default_title("_index.md"), "Home");
        assert_eq!(default_title("index.md"), "Home");
        assert_eq!(default_title("roles/_index.md"), "Roles");
        assert_eq!(default_title("my-guide/index.md"), "My guide");
        assert_eq!(default_title("how_to.md"), "How to");
        assert_eq!(default_title("my_index.md"), "My index");
    }

    #[test]
    fn site_paths_follow_the_content_tree() {
        assert_eq!(site_path("_index.md", DocKind::Section, None), "/");
        assert_eq!(
            site_path("roles/_index.md", DocKind::Section, None),
            "/roles/"
        );
        assert_eq!(
            site_path("roles/vcio.md", DocKind::Page, None),
            "/roles/vcio/"
        );
        assert_eq!(site_path("guide/index.md", DocKind::Page, None), "/guide/");
        assert_eq!(
            site_path("roles/vcio.md", DocKind::Page, Some("cio")),
            "/roles/cio/"
        );
    }

    #[test]
    fn dates_and_slugs_come_from_file_names_as_in_zola() {
        let meta = FrontMatter::default();
        let c = Config::default();
        let (p, d) = site_path_zola("blog/2023-03-04-café post.md", DocKind::Page, &meta, &c);
        assert_eq!(p, "/blog/cafe-post/");
        assert_eq!(d, Some(frontmatter::Date("2023-03-04".into())));
        let (p, d) = site_path_zola("blog/2023-03-04_trip/index.md", DocKind::Page, &meta, &c);
        assert_eq!((p.as_str(), d.is_some()), ("/blog/trip/", true));
        let keep: Config =
            toml::from_str("[slugify]\npaths_keep_dates = true\npaths = \"safe\"").unwrap();
        let (p, _) = site_path_zola("blog/2023-03-04-Café.md", DocKind::Page, &meta, &keep);
        assert_eq!(p, "/blog/2023-03-04-Café/");
        let mut path = FrontMatter::default();
        path.path = Some("/elsewhere/x".into());
        assert_eq!(
            site_path_zola("a/b.md", DocKind::Page, &path, &c).0,
            "/elsewhere/x/"
        );
        assert_eq!(date_prefix("2023-03-04"), None);
    }

    /// The pages of `section` (a content-relative `_index.md`), in order.
    fn page_order<'s>(site: &'s Site, section: &str) -> Vec<&'s str> {
        site.docs[site.by_rel_path[section]]
            .pages
            .iter()
            .map(|&p| site.docs[p].rel_path.as_str())
            .collect()
    }

    /// `sort_by = "title"` ignores case and keeps file order for equal
    /// titles; `"update_date"` sorts by `updated`, else `date`, newest first,
    /// undated last.
    #[test]
    fn sections_sort_by_title_and_by_update_date() {
        let section = |by: &str| format!("+++\ntitle = \"S\"\nsort_by = \"{by}\"\n+++\n");
        let (by_title, by_update) = (section("title"), section("update_date"));
        let (_dir, built) = crate::pipeline::build_files(&[
            ("guidepost.toml", "title = \"T\"\n"),
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            ("content/t/_index.md", &by_title),
            ("content/t/x1.md", "+++\ntitle = \"beta\"\n+++\n"),
            ("content/t/x2.md", "+++\ntitle = \"Alpha\"\n+++\n"),
            ("content/t/x3.md", "+++\ntitle = \"alpha\"\n+++\n"),
            ("content/t/x4.md", "+++\ntitle = \"Gamma\"\n+++\n"),
            ("content/u/_index.md", &by_update),
            (
                "content/u/a.md",
                "+++\ntitle = \"A\"\ndate = 2020-01-01\nupdated = 2024-01-01\n+++\n",
            ),
            (
                "content/u/b.md",
                "+++\ntitle = \"B\"\ndate = 2023-01-01\n+++\n",
            ),
            (
                "content/u/c.md",
                "+++\ntitle = \"C\"\ndate = 2022-01-01\nupdated = 2025-01-01\n+++\n",
            ),
            ("content/u/d.md", "+++\ntitle = \"D\"\n+++\n"),
        ]);
        let site = built.state.site();
        let order = |section: &str| page_order(site, section);
        // By bytes `Gamma` would come before `alpha`.
        assert_eq!(
            order("t/_index.md"),
            ["t/x2.md", "t/x3.md", "t/x1.md", "t/x4.md"]
        );
        assert_eq!(
            order("u/_index.md"),
            ["u/c.md", "u/a.md", "u/b.md", "u/d.md"]
        );
    }

    /// `sort_by = "date"`: newest first, equal dates by title, undated
    /// last; `"weight"` (the default): weighted pages first, lightest
    /// first, then by title; `"none"`: by file name.
    #[test]
    fn sections_sort_by_date_by_weight_and_by_file() {
        let section = |by: &str| format!("+++\ntitle = \"S\"\nsort_by = \"{by}\"\n+++\n");
        let page = |title: &str, key: &str| format!("+++\ntitle = \"{title}\"\n{key}\n+++\n");
        let (by_date, by_weight, by_none) = (section("date"), section("weight"), section("none"));
        let files = [
            ("content/d/_index.md".to_string(), by_date),
            ("content/d/a.md".into(), page("Zed", "date = 2021-05-01")),
            ("content/d/b.md".into(), page("Undated", "")),
            ("content/d/c.md".into(), page("Beta", "date = 2021-05-01")),
            ("content/d/e.md".into(), page("Old", "date = 2019-01-01")),
            ("content/d/f.md".into(), page("New", "date = 2024-01-01")),
            ("content/w/_index.md".into(), by_weight),
            ("content/w/a.md".into(), page("B", "")),
            ("content/w/b.md".into(), page("Heavy", "weight = 9")),
            ("content/w/c.md".into(), page("A", "")),
            ("content/w/d.md".into(), page("Light", "weight = -2")),
            ("content/n/_index.md".into(), by_none),
            ("content/n/b.md".into(), page("A", "date = 2024-01-01")),
            ("content/n/a.md".into(), page("B", "weight = 1")),
        ];
        let mut fixture: Vec<(&str, &str)> = vec![("guidepost.toml", "title = \"T\"\n")];
        fixture.extend(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        let (_dir, built) = crate::pipeline::build_files(&fixture);
        let site = built.state.site();
        let order = |section: &str| page_order(site, section);
        assert_eq!(
            order("d/_index.md"),
            ["d/f.md", "d/c.md", "d/a.md", "d/e.md", "d/b.md"]
        );
        assert_eq!(
            order("w/_index.md"),
            ["w/d.md", "w/b.md", "w/c.md", "w/a.md"]
        );
        assert_eq!(order("n/_index.md"), ["n/a.md", "n/b.md"]);
    }

    /// Spellings that slug alike are one term, named as first met; a page
    /// that names a term in several spellings is listed in it once.
    #[test]
    fn terms_join_spellings_and_list_each_page_once() {
        let page = |tags: &str, date: &str| {
            format!("+++\ntitle = \"P\"\ndate = {date}\n[taxonomies]\ntags = [{tags}]\n+++\n")
        };
        let (_dir, built) = crate::pipeline::build_files(&[
            (
                "guidepost.toml",
                "title = \"T\"\ntaxonomies = [{ name = \"tags\" }]\n",
            ),
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            (
                "content/a.md",
                &page("\"Rust\", \"rust\", \"RUST\"", "2024-01-01"),
            ),
            ("content/b.md", &page("\"rust\", \"Go\"", "2025-01-01")),
            ("content/c.md", &page("\"go\"", "2023-01-01")),
        ]);
        let site = built.state.site();
        let id = |rel: &str| site.by_rel_path[rel];
        let terms: Vec<(&str, &str, Vec<DocId>)> = site.taxonomies[0]
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.slug.as_str(), t.pages.clone()))
            .collect();
        assert_eq!(
            terms,
            [
                ("Go", "go", vec![id("b.md"), id("c.md")]),
                ("Rust", "rust", vec![id("b.md"), id("a.md")]),
            ]
        );
    }
}
