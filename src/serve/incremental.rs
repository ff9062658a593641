//! The dev server's site state and its rebuild strategies.
//!
//! [`Project`] keeps the last good model, theme, parsed templates and template
//! objects ([`RenderCache`]) between rebuilds and picks the cheapest safe way
//! to bring the output up to date with a batch of file changes:
//!
//! | change | strategy |
//! | --- | --- |
//! | `guidepost.toml` | full build |
//! | new, deleted or renamed content file; a page becoming or leaving draft | **new model**: re-read the files, re-parse only changed ones, re-render only outputs whose inputs changed |
//! | edit of an existing content file that keeps its place (below) | **fast path**: re-parse that file, re-render its dependants |
//! | edit of such a file that changes its place | new model |
//! | template (site `templates/` or `themes/`) | re-render everything from the kept model (no Markdown re-parsing) |
//! | edit of an existing static file or content asset | nothing to render: the file is served from disk, its URL is reported changed |
//! | new or deleted static file | reload the theme, re-render from the kept model |
//!
//! An edit "keeps its place" when the document's path, title, dates, weight,
//! taxonomies, aliases, `[extra] nav_title`, draft flag, section keys
//! (`sort_by`, `paginate_by`, `feed`), heading ids (other pages' `#anchor`
//! links) and whether it has a decision tree are unchanged. Then nothing
//! outside the document's own dependants can differ, because other outputs
//! only show its title (or navigation label) and path. The dependency map
//! of the fast path (which outputs embed a document) is
//! [`RenderCache::update_docs`]. Templates that call `get_page`,
//! `get_section` or `comparison` can show any part of any document anywhere;
//! for such sites the fast path re-parses the one file and then re-renders
//! every output from the kept model. (`get_url` and `decision_card` only
//! show a path, title, description and the size of a tree, which an edit
//! that keeps its place cannot change.)
//!
//! After any failed rebuild the cache is dropped and the next change does a
//! full build, so a half-applied update is never reused.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::build::{BuildOptions, load_config, url_mode_for};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load;
use crate::model::{self, Document, ModelOptions};
use crate::render::{self, OutputBody, RenderCache, SiteOutput};
use crate::templates;
use crate::theme::Theme;
use crate::urls::UrlMode;

/// Template functions that let one output show any part of any document.
/// (`get_url` and `decision_card` show only a document's path, title,
/// description and tree size, which the fast path never changes.)
const LOOKUP_FUNCTIONS: &[&str] = &["get_page", "get_section", "comparison("];

/// One classified file change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// `guidepost.toml`, a content file appearing or disappearing, a folder...
    Structure(String),
    /// Edit of an existing Markdown file (content-relative path).
    Content(String),
    /// A template, or a static file appearing or disappearing.
    Theme(String),
    /// Edit of a file the output serves straight from disk.
    Disk(PathBuf),
}

/// How a rebuild brought the output up to date.
pub enum Update {
    /// A whole new output.
    Replace(SiteOutput),
    /// These files replace (or add to) the current output.
    Patch(Vec<(String, OutputBody)>),
}

/// The result of one rebuild, for the summary line and the reload event.
pub struct Rebuilt {
    pub update: Update,
    /// `fast path`, `full build`, `templates`...
    pub strategy: &'static str,
    /// Outputs rendered (whether or not their bytes changed).
    pub rendered: usize,
    /// Files on disk that changed (their output entries count as changed).
    pub touched: HashSet<PathBuf>,
    pub elapsed: std::time::Duration,
}

struct Cached {
    theme: Theme,
    cache: RenderCache,
    uses_lookup: bool,
}

/// The site being served and what is kept to rebuild it quickly.
pub struct Project {
    pub options: BuildOptions,
    /// Path prefix the site is served under (`/docs`), or empty.
    pub base_path: String,
    state: Option<Cached>,
    /// Set when a failed rebuild left the kept state untouched.
    state_intact: bool,
    /// Edits that failed while the kept state stayed untouched: they are
    /// re-read with the next batch, so the error stays until they are fixed.
    retry: BTreeSet<Change>,
}

impl Project {
    /// A project for the site at `options.root` (an absolute path).
    pub fn new(options: BuildOptions) -> Project {
        Project {
            options,
            base_path: String::new(),
            state: None,
            state_intact: false,
            retry: BTreeSet::new(),
        }
    }

    /// Builds everything, keeping the caches.
    pub fn full_build(&mut self) -> Result<SiteOutput, Diagnostics> {
        self.state = None;
        let root = self.options.root.clone();
        let config = Arc::new(load_config(&self.options)?);
        // Root-relative links, behind the base path when the site has one.
        self.base_path = url_mode_for(&config).base_path();
        let url_mode = UrlMode::Absolute {
            base: self.base_path.clone(),
        };
        let theme = Theme::load(&root, &config.theme)?;
        let files = load::content_files(&root).map_err(Diagnostics)?;
        let tera = templates::parse_templates(&theme);
        let model_options = ModelOptions {
            include_drafts: self.options.include_drafts,
        };
        let site = model::assemble(config, url_mode, files, &model_options);
        let (site, tera) = crate::diagnostics::join(site, tera)?;
        let (output, cache) =
            render::render_site_cached(Arc::new(site), &theme, tera).map_err(sorted)?;
        self.state = Some(Cached {
            uses_lookup: uses_lookup(&theme),
            theme,
            cache,
        });
        Ok(output)
    }

    /// Sorts absolute paths of changed files into [`Change`]s; ignores files
    /// the site does not read (editor temp files, the output folder...).
    pub fn classify(&self, paths: &[PathBuf], current: &SiteOutput) -> BTreeSet<Change> {
        let root = &self.options.root;
        let mut changes = BTreeSet::new();
        let disk: HashSet<&Path> = current
            .files
            .values()
            .filter_map(|b| match b {
                OutputBody::Disk(p) => Some(p.as_path()),
                _ => None,
            })
            .collect();
        for p in paths {
            if load::is_editor_temp_file(p) {
                continue;
            }
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel_s = load::slash_path(rel);
            let segments: Vec<&str> = rel_s.split('/').collect();
            // Hidden folders are skipped (the content loader skips them too),
            // except inside the folders the theme loader reads whole:
            // `static/.well-known/` is copied to the output.
            let read_whole = matches!(
                segments.as_slice(),
                ["templates" | "static", ..] | ["themes", _, "templates" | "static", ..]
            );
            if !read_whole && segments.iter().any(|s| s.starts_with('.')) {
                continue;
            }
            let first = segments[0];
            let is_file = p.is_file();
            match first {
                "guidepost.toml" => {
                    changes.insert(Change::Structure(rel_s));
                }
                "content" => {
                    let sub = rel_s.trim_start_matches("content/");
                    let known = self
                        .state
                        .as_ref()
                        .is_some_and(|s| s.cache.site.by_rel_path.contains_key(sub));
                    if sub.ends_with(".md") && is_file && known {
                        changes.insert(Change::Content(sub.to_string()));
                    } else if is_file && disk.contains(p.as_path()) {
                        changes.insert(Change::Disk(p.clone()));
                    } else {
                        changes.insert(Change::Structure(rel_s));
                    }
                }
                "templates" | "themes" | "static" => {
                    let is_static = first == "static"
                        || (first == "themes" && rel_s.split('/').nth(2) == Some("static"));
                    if is_static && is_file && disk.contains(p.as_path()) {
                        changes.insert(Change::Disk(p.clone()));
                    } else {
                        changes.insert(Change::Theme(rel_s));
                    }
                }
                _ => {}
            }
        }
        changes
    }

    /// Applies a batch of changes. On error the last good output stays
    /// current (the caller keeps serving it) and the caches are dropped.
    pub fn rebuild(
        &mut self,
        changes: &BTreeSet<Change>,
        current: &SiteOutput,
    ) -> Result<Rebuilt, Diagnostics> {
        let started = Instant::now();
        self.state_intact = false;
        let merged: BTreeSet<Change>;
        let changes = if self.retry.is_empty() {
            changes
        } else {
            merged = changes
                .union(&std::mem::take(&mut self.retry))
                .cloned()
                .collect();
            &merged
        };
        let touched: HashSet<PathBuf> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Disk(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let structural = changes.iter().any(|c| matches!(c, Change::Structure(_)));
        let theme = changes.iter().any(|c| matches!(c, Change::Theme(_)));
        let edits: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Content(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        let config = changes
            .iter()
            .any(|c| matches!(c, Change::Structure(p) if p == "guidepost.toml"));
        let result =
            if self.state.is_none() || config || (theme && (structural || !edits.is_empty())) {
                self.full_build()
                    .map(|o| (Update::Replace(o), "full build"))
            } else if theme {
                self.rerender_theme()
                    .map(|o| (Update::Replace(o), "templates"))
            } else if structural {
                self.rebuild_reusing(current)
                    .map(|o| (Update::Replace(o), "new model"))
            } else if !edits.is_empty() {
                self.edit(&edits, current)
            } else {
                Ok((Update::Patch(Vec::new()), "static files"))
            };
        match result {
            Ok((update, strategy)) => {
                let rendered = match &update {
                    Update::Replace(o) => o.files.len(),
                    Update::Patch(files) => files.len(),
                };
                Ok(Rebuilt {
                    update,
                    strategy,
                    rendered,
                    touched,
                    elapsed: started.elapsed(),
                })
            }
            Err(e) => {
                if !self.state_intact {
                    self.state = None;
                }
                Err(e)
            }
        }
    }

    /// Reloads templates and static files; re-renders from the kept model.
    fn rerender_theme(&mut self) -> Result<SiteOutput, Diagnostics> {
        let state = self.state.take().expect("checked by the caller");
        let config = state.cache.site.config.clone();
        let theme = Theme::load(&self.options.root, &config.theme)?;
        let tera = templates::parse_templates(&theme).map_err(sorted)?;
        let (output, cache) = state.cache.rerender_all(&theme, tera).map_err(sorted)?;
        self.state = Some(Cached {
            uses_lookup: uses_lookup(&theme),
            theme,
            cache,
        });
        Ok(output)
    }

    /// Edits of existing content files: the fast path when every edited
    /// document keeps its place, else a full build.
    fn edit(
        &mut self,
        rel_paths: &[&str],
        current: &SiteOutput,
    ) -> Result<(Update, &'static str), Diagnostics> {
        let state = self.state.as_mut().expect("checked by the caller");
        let site = &state.cache.site;
        let mut changed: Vec<(usize, Document)> = Vec::new();
        let mut errors = Diagnostics::default();
        for rel in rel_paths {
            let id = site.by_rel_path[*rel];
            let file = load::read_source(&self.options.root, rel).map_err(|e| {
                Diagnostic::in_file(
                    PathBuf::from("content").join(rel),
                    format!("cannot read file: {e}"),
                )
            })?;
            match model::reparse_document(site, id, file) {
                Ok(doc) => {
                    if !keeps_place(&site.docs[id], &doc) {
                        return self
                            .rebuild_reusing(current)
                            .map(|o| (Update::Replace(o), "new model"));
                    }
                    changed.push((id, doc));
                }
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            if rel_paths.len() > 1 {
                // Each file was checked against the others' kept versions
                // (a link to an `#anchor` that another file of the batch
                // just gained fails): check them together in a new model.
                return self
                    .rebuild_reusing(current)
                    .map(|o| (Update::Replace(o), "new model"));
            }
            // The kept state is untouched: keep it for the fix, and re-read
            // the file with the next batch (until it is fixed, the site does
            // not build, whatever else changes).
            self.state_intact = true;
            self.retry = rel_paths
                .iter()
                .map(|r| Change::Content(r.to_string()))
                .collect();
            errors.sort();
            return Err(errors);
        }
        let theme = &state.theme;
        let rerendered = state
            .cache
            .update_docs(theme, current, changed)
            .map_err(sorted)?;
        if state.uses_lookup {
            return self
                .rerender_theme_kept()
                .map(|o| (Update::Replace(o), "fast path + all templates"));
        }
        Ok((Update::Patch(rerendered.files), "fast path"))
    }

    /// A new model from the files on disk, reusing what the last good build
    /// parsed and rendered wherever its inputs are unchanged (see
    /// [`model::assemble_reusing`] and [`render::render_site_reusing`]).
    /// For added, deleted and renamed files, and edits that move a page.
    fn rebuild_reusing(&mut self, current: &SiteOutput) -> Result<SiteOutput, Diagnostics> {
        let prev = self.state.take().expect("checked by the caller");
        let root = &self.options.root;
        let site = &prev.cache.site;
        let t = Instant::now();
        let files = load::content_files(root).map_err(Diagnostics)?;
        let tera = templates::parse_templates(&prev.theme);
        tracing::debug!("new model: read files in {:?}", t.elapsed());
        let model_options = ModelOptions {
            include_drafts: self.options.include_drafts,
        };
        let new_site = model::assemble_reusing(
            site.config.clone(),
            site.url_mode.clone(),
            files,
            &model_options,
            site,
        );
        let (new_site, tera) = crate::diagnostics::join(new_site, tera)?;
        tracing::debug!("new model: assembled in {:?}", t.elapsed());
        let (output, cache) = render::render_site_reusing(
            Arc::new(new_site),
            &prev.theme,
            tera,
            &prev.cache,
            current,
        )
        .map_err(sorted)?;
        tracing::debug!("new model: rendered in {:?}", t.elapsed());
        self.state = Some(Cached {
            cache,
            theme: prev.theme,
            uses_lookup: prev.uses_lookup,
        });
        Ok(output)
    }

    /// Re-renders everything from the kept model and templates.
    fn rerender_theme_kept(&mut self) -> Result<SiteOutput, Diagnostics> {
        let state = self.state.take().expect("checked by the caller");
        let tera = templates::parse_templates(&state.theme).map_err(sorted)?;
        let (output, cache) = state
            .cache
            .rerender_all(&state.theme, tera)
            .map_err(sorted)?;
        self.state = Some(Cached {
            cache,
            theme: state.theme,
            uses_lookup: state.uses_lookup,
        });
        Ok(output)
    }
}

fn sorted(errors: Vec<Diagnostic>) -> Diagnostics {
    let mut d = Diagnostics(errors);
    d.sort();
    d
}

fn uses_lookup(theme: &Theme) -> bool {
    theme
        .templates
        .values()
        .any(|t| LOOKUP_FUNCTIONS.iter().any(|f| t.text.contains(f)))
}

/// True when `new` (a re-parse of `old`) sits where `old` did: nothing that
/// other outputs show or that orders, groups or links documents changed.
fn keeps_place(old: &Document, new: &Document) -> bool {
    let (o, n) = (&old.meta, &new.meta);
    old.kind == new.kind
        && old.path == new.path
        && old.title == new.title
        && o.description == n.description
        && o.date == n.date
        && o.updated == n.updated
        && o.draft == n.draft
        && o.weight == n.weight
        && o.aliases == n.aliases
        // The main navigation (on every page) shows it.
        && o.extra.get("nav_title") == n.extra.get("nav_title")
        && o.taxonomies == n.taxonomies
        && o.sort_by == n.sort_by
        && o.paginate_by == n.paginate_by
        && o.feed == n.feed
        && o.decision.is_some() == n.decision.is_some()
        && o.decision.is_none()
        && old.rendered.heading_ids == new.rendered.heading_ids
}

/// Whether two bodies of one output path differ (disk files count as changed
/// when they were touched).
pub fn body_differs(a: &OutputBody, b: &OutputBody, touched: &HashSet<PathBuf>) -> bool {
    match (a, b) {
        (OutputBody::Generated(x), OutputBody::Generated(y)) => !Arc::ptr_eq(x, y) && x != y,
        (OutputBody::Embedded(x), OutputBody::Embedded(y)) => x != y,
        (OutputBody::Disk(x), OutputBody::Disk(y)) => x != y || touched.contains(x),
        _ => true,
    }
}

/// Brings `output` (the dev server's current site) up to date with a good
/// rebuild's `update`: a new output replaces it; a patch's files replace or
/// add entries (the fast path never removes an output).
pub(crate) fn apply(update: Update, output: &mut SiteOutput) {
    match update {
        Update::Replace(new) => *output = new,
        Update::Patch(files) => output.files.extend(files),
    }
}

/// Output paths whose bytes `update` changes in `current` (disk files count
/// as changed when they were touched), for the reload event.
pub fn changed_paths(
    update: &Update,
    current: &SiteOutput,
    touched: &HashSet<PathBuf>,
) -> Vec<String> {
    match update {
        Update::Replace(new) => diff_outputs(current, new, touched),
        Update::Patch(files) => {
            let mut changed: Vec<String> = current
                .files
                .iter()
                .filter(|(_, b)| matches!(b, OutputBody::Disk(p) if touched.contains(p)))
                .map(|(k, _)| k.clone())
                .collect();
            changed.extend(
                files
                    .iter()
                    .filter(|(k, b)| {
                        current
                            .files
                            .get(k)
                            .is_none_or(|old| body_differs(old, b, touched))
                    })
                    .map(|(k, _)| k.clone()),
            );
            changed
        }
    }
}

/// Output paths whose bytes differ between `old` and `new`.
pub fn diff_outputs(old: &SiteOutput, new: &SiteOutput, touched: &HashSet<PathBuf>) -> Vec<String> {
    let mut changed = Vec::new();
    for (k, v) in &new.files {
        match old.files.get(k) {
            Some(o) if !body_differs(o, v, touched) => {}
            _ => changed.push(k.clone()),
        }
    }
    changed.extend(
        old.files
            .keys()
            .filter(|k| !new.files.contains_key(*k))
            .cloned(),
    );
    changed
}
