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
//! | edit of such a file that changes its place | new model, from the kept file list (no walk of `content/`) and parsed templates |
//! | template (site `templates/` or `themes/`) | re-render everything from the kept model (no Markdown re-parsing) |
//! | only shortcode templates or `anchor-link.html` | new model rendering again the documents that use them; other outputs reused |
//! | a file under `data/` | new model |
//! | edit of an existing static file or content asset | nothing to render: the file is served from disk, its URL is reported changed |
//! | new or deleted static file | reload the theme, re-render from the kept model |
//!
//! Every strategy but the fast path runs the build's one chain
//! ([`pipeline::run`]) with a different [`Model`]; the fast path is
//! [`pipeline::patch_documents`].
//!
//! An edit "keeps its place" when the document's path, title, dates, weight,
//! taxonomies, aliases, `[extra] nav_title`, draft flag, section keys
//! (`sort_by`, `paginate_by`, `feed`), heading ids (other pages' `#anchor`
//! links) and its feature tables' names are unchanged. Then nothing outside
//! the document's own dependants can differ, because other outputs only show
//! its title (or navigation label) and path, or recorded that they looked
//! it up (`get_page`, `comparison()`, `decision_card`...). The dependency
//! map of the fast path is in `render::cache`; the outputs a document no
//! longer makes (a decision tree's steps follow its routes) are removed.
//!
//! After any failed rebuild the cache is dropped and the next change does a
//! full build, so a half-applied update is never reused.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::diagnostics::Diagnostics;
use crate::model::Document;
use crate::pipeline::{self, BuildOptions, Model, PatchError, State, load_config, url_mode_for};
use crate::plan::{OutputBody, SiteOutput};
use crate::source::content as load;
use crate::source::theme::Theme;
use crate::templates;
use crate::urls::UrlMode;

/// One classified file change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Change {
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
pub(crate) enum Update {
    /// A whole new output.
    Replace(SiteOutput),
    /// These files replace (or add to) the current output, and these
    /// output paths go (index shards of words no page has any more).
    Patch(Vec<(String, OutputBody)>, Vec<String>),
}

/// Which way a rebuild went, for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    FullBuild,
    Templates,
    NewModel,
    FastPath,
    StaticFiles,
    Shortcodes,
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Strategy::FullBuild => "full build",
            Strategy::Templates => "templates",
            Strategy::NewModel => "new model",
            Strategy::FastPath => "fast path",
            Strategy::StaticFiles => "static files",
            Strategy::Shortcodes => "shortcode templates",
        })
    }
}

/// The result of one rebuild, for the summary line and the reload event.
pub(crate) struct Rebuilt {
    pub update: Update,
    pub strategy: Strategy,
    /// Outputs rendered (whether or not their bytes changed).
    pub rendered: usize,
    /// Files on disk that changed (their output entries count as changed).
    pub touched: HashSet<PathBuf>,
    pub elapsed: std::time::Duration,
}

struct Cached {
    state: State,
}

impl Cached {
    fn new(state: State) -> Cached {
        Cached { state }
    }
}

/// The site being served and what is kept to rebuild it quickly.
pub(crate) struct Project {
    pub options: BuildOptions,
    /// Path prefix the site is served under (`/docs`), or empty.
    pub base_path: String,
    /// `[embed]` of the last full build: the framing headers to send.
    pub embed: crate::config::EmbedConfig,
    state: Option<Cached>,
    /// Set when a failed rebuild left the kept state untouched.
    state_intact: bool,
    /// Edits that failed while the kept state stayed untouched: they are
    /// re-read with the next batch, so the error stays until they are fixed.
    retry: BTreeSet<Change>,
    /// Content-relative paths of the batch being applied (files and
    /// folders the watcher reported): a new model re-reads only these.
    reported: HashSet<String>,
}

impl Project {
    /// A project for the site at `options.root` (an absolute path).
    pub(crate) fn new(options: BuildOptions) -> Project {
        Project {
            options,
            base_path: String::new(),
            embed: Default::default(),
            state: None,
            state_intact: false,
            retry: BTreeSet::new(),
            reported: HashSet::new(),
        }
    }

    /// Builds everything, keeping the caches.
    pub(crate) fn full_build(&mut self) -> Result<SiteOutput, Diagnostics> {
        drop_later(self.state.take());
        let config = load_config(&self.options)?;
        // Root-relative links, behind the base path when the site has one.
        self.base_path = url_mode_for(&config).base_path();
        self.embed = config.embed.clone();
        let mut options = self.options.clone();
        options.url_mode = Some(UrlMode::Absolute {
            base: self.base_path.clone(),
        });
        let built = pipeline::build(&options, None)?;
        self.state = Some(Cached::new(built.state));
        Ok(built.output)
    }

    /// Finishes the outputs the last rebuild left for after its reload
    /// event (the search index): a patch of `current`, or `None` when
    /// nothing was left.
    pub(crate) fn finish(&mut self, current: &SiteOutput) -> Option<Update> {
        let cached = self.state.as_mut()?;
        let finished = cached.state.cache.finish(current)?;
        Some(Update::Patch(finished.files, finished.removed))
    }

    /// Whether `change` names one Markdown file under `content/`: edited,
    /// created (a file now) or deleted (gone, and the model had it). A batch
    /// of only these lists the model's files and the reported ones instead of
    /// walking `content/` ([`Model::Edited`]); a folder, an asset or a path
    /// the model never had (a folder named like a page?) needs the walk.
    fn markdown_file(&self, change: &Change) -> bool {
        let rel = match change {
            Change::Content(_) => return true,
            Change::Structure(p) => match p.strip_prefix("content/") {
                Some(rel) if rel.ends_with(".md") => rel,
                _ => return false,
            },
            Change::Theme(_) | Change::Disk(_) => return false,
        };
        match std::fs::metadata(self.options.root.join("content").join(rel)) {
            Ok(m) => m.is_file(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.state.as_ref().is_some_and(|c| {
                    let site = c.state.site();
                    site.by_rel_path.contains_key(rel) || site.skipped_drafts.contains(rel)
                })
            }
            Err(_) => false,
        }
    }

    /// The options the chain runs with (root-relative URLs).
    fn run_options(&self) -> BuildOptions {
        let mut options = self.options.clone();
        options.url_mode = Some(UrlMode::Absolute {
            base: self.base_path.clone(),
        });
        options
    }

    /// Sorts absolute paths of changed files into [`Change`]s; ignores files
    /// the site does not read (editor temp files, the output folder...).
    pub(crate) fn classify(&self, paths: &[PathBuf], current: &SiteOutput) -> BTreeSet<Change> {
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
            if load::is_editor_temp_file(p) && !load::is_static_dotfile(p) {
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
                "guidepost.toml" | "config.toml" | "zola.toml" => {
                    changes.insert(Change::Structure(rel_s));
                }
                "content" => {
                    let sub = rel_s.trim_start_matches("content/");
                    let known = self
                        .state
                        .as_ref()
                        .is_some_and(|s| s.state.site().by_rel_path.contains_key(sub));
                    if sub.ends_with(".md") && is_file && known {
                        changes.insert(Change::Content(sub.to_string()));
                    } else if is_file && disk.contains(p.as_path()) {
                        changes.insert(Change::Disk(p.clone()));
                    } else {
                        changes.insert(Change::Structure(rel_s));
                    }
                }
                // Data files (`load_data`, `[comparison] data`): a new model.
                "data" => {
                    changes.insert(Change::Structure(rel_s));
                }
                "templates" | "themes" | "static" | "sass" => {
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
    pub(crate) fn rebuild(
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
        self.reported = changes
            .iter()
            .filter_map(|c| match c {
                Change::Structure(p) if p == "content" => Some(String::new()),
                Change::Structure(p) => p.strip_prefix("content/").map(str::to_string),
                Change::Content(p) => Some(p.clone()),
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
            .any(|c| matches!(c, Change::Structure(p) if p.ends_with(".toml") && !p.contains('/')));
        let markdown_templates = markdown_templates(changes);
        let result =
            if self.state.is_none() || config || (theme && (structural || !edits.is_empty())) {
                self.full_build()
                    .map(|o| (Update::Replace(o), Strategy::FullBuild))
            } else if let Some((names, only)) = markdown_templates {
                self.reexpand(names, only.then_some(current))
                    .map(|o| (Update::Replace(o), Strategy::Shortcodes))
            } else if theme {
                self.templates_edited()
            } else if structural {
                let listed = changes.iter().all(|c| self.markdown_file(c));
                self.rebuild_reusing(current, listed)
                    .map(|o| (Update::Replace(o), Strategy::NewModel))
            } else if !edits.is_empty() {
                self.edit(&edits, current)
            } else {
                Ok((Update::Patch(Vec::new(), Vec::new()), Strategy::StaticFiles))
            };
        match result {
            Ok((update, strategy)) => {
                let rendered = match &update {
                    Update::Replace(o) => o.files.len(),
                    Update::Patch(files, _) => files.len(),
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

    /// Template and static-file changes. When every template name and static
    /// file is as before (templates were edited), the kept model and
    /// template objects are rendered again with the new templates: only the
    /// outputs last rendered with an edited template, or every output when
    /// another template names an edited one (`extends`, `include`), it
    /// defines components, or it is the redirect page's. Otherwise the theme
    /// is reloaded and everything re-rendered from the kept model.
    fn templates_edited(&mut self) -> Result<(Update, Strategy), Diagnostics> {
        let cached = self.state.as_ref().expect("checked by the caller");
        let config = cached.state.site().config.clone();
        let theme = Theme::load(&self.options.root, &config.theme, config.compile_sass)?;
        let old = &cached.state.theme;
        let same_shape =
            same_statics(old, &theme) && old.templates.keys().eq(theme.templates.keys());
        let edited: HashSet<String> = theme
            .templates
            .iter()
            .filter(|(name, t)| old.templates.get(*name).is_none_or(|o| o.text != t.text))
            .map(|(name, _)| name.clone())
            .collect();
        // Whether a template other than `name` that `by` selects names it.
        let named_by = |name: &str, by: &dyn Fn(&str) -> bool| {
            theme
                .templates
                .values()
                .filter(|t| t.name != name && by(&t.name))
                .any(|t| t.names(name))
        };
        // A template the Markdown stage renders through (a shortcode's
        // `include`) changes documents, not just outputs.
        let markdown_stage = |t: &str| t.starts_with("shortcodes/") || t == "anchor-link.html";
        let templates = if same_shape && !edited.iter().any(|n| named_by(n, &markdown_stage)) {
            let templates = templates::parse_templates(&theme).map_err(Diagnostics)?;
            let names = |t: &tera::Tera| {
                t.get_template_names()
                    .map(str::to_string)
                    .collect::<BTreeSet<_>>()
            };
            (names(&templates.tera) == names(&cached.state.cache.templates.tera))
                .then_some(templates)
        } else {
            None
        };
        let Some(templates) = templates else {
            return self
                .rerender(theme)
                .map(|o| (Update::Replace(o), Strategy::Templates));
        };
        let global = edited.iter().any(|name| {
            name == "internal/alias.html"
                || [&theme, old]
                    .iter()
                    .any(|th| th.templates[name].text.contains("component"))
                || named_by(name, &|_| true)
        });
        let cached = self.state.as_mut().expect("checked above");
        let rendered = cached
            .state
            .cache
            .update_templates(&theme, templates, (!global).then_some(&edited))
            .map_err(|e| {
                let mut d = Diagnostics(e);
                d.sort();
                d
            })?;
        cached.state.theme = theme;
        Ok((
            Update::Patch(rendered.files, rendered.removed),
            Strategy::Templates,
        ))
    }

    /// Re-renders everything from the kept model with a reloaded theme.
    fn rerender(&mut self, theme: Theme) -> Result<SiteOutput, Diagnostics> {
        let Cached { state, .. } = self.state.take().expect("checked by the caller");
        let site = state.site().clone();
        drop_later(state.cache);
        let config = site.config.clone();
        let built = pipeline::run(
            &self.run_options(),
            config,
            theme,
            Model::Kept(site),
            None,
            None,
        )?;
        self.state = Some(Cached::new(built.state));
        Ok(built.output)
    }

    /// Shortcode templates (or `anchor-link.html`) changed, and nothing
    /// else: the kept model holds Markdown expanded with the old ones, so
    /// the documents that use them are rendered again (the rest are
    /// reused), with the theme reloaded.
    fn reexpand(
        &mut self,
        names: Vec<String>,
        current: Option<&SiteOutput>,
    ) -> Result<SiteOutput, Diagnostics> {
        let Cached { state } = self.state.take().expect("checked by the caller");
        let site = state.site().clone();
        let theme = Theme::load(
            &self.options.root,
            &site.config.theme,
            site.config.compile_sass,
        )?;
        let built = pipeline::run(
            &self.run_options(),
            site.config.clone(),
            theme,
            Model::ReusingExcept(&site, names),
            // Other templates changed too: no output can be reused.
            current.map(|c| (&state.cache, c)),
            None,
        )?;
        self.state = Some(Cached::new(built.state));
        Ok(built.output)
    }

    /// Edits of existing content files: the fast path when every edited
    /// document keeps its place, else a new model.
    fn edit(
        &mut self,
        rel_paths: &[&str],
        current: &SiteOutput,
    ) -> Result<(Update, Strategy), Diagnostics> {
        let cached = self.state.as_mut().expect("checked by the caller");
        let patch = pipeline::patch_documents(
            &mut cached.state,
            &self.options.root,
            rel_paths,
            keeps_place,
        );
        match patch {
            Ok(None) => self
                .rebuild_reusing(current, true)
                .map(|o| (Update::Replace(o), Strategy::NewModel)),
            Ok(Some((files, removed))) => Ok((Update::Patch(files, removed), Strategy::FastPath)),
            Err(PatchError::Parse(_)) if rel_paths.len() > 1 => {
                // Each file was checked against the others' kept versions
                // (a link to an `#anchor` that another file of the batch
                // just gained fails): check them together in a new model.
                self.rebuild_reusing(current, true)
                    .map(|o| (Update::Replace(o), Strategy::NewModel))
            }
            Err(PatchError::Parse(e)) => {
                // The kept state is untouched: keep it for the fix, and re-read
                // the file with the next batch (until it is fixed, the site does
                // not build, whatever else changes).
                self.state_intact = true;
                self.retry = rel_paths
                    .iter()
                    .map(|r| Change::Content(r.to_string()))
                    .collect();
                Err(e)
            }
            Err(PatchError::Render(e)) => Err(e),
        }
    }

    /// A new model from the files on disk, reusing what the last good build
    /// parsed and rendered wherever its inputs are unchanged. For added,
    /// deleted and renamed files, and edits that move a page (`listed`: the
    /// batch reported only Markdown files, so the site's files are the
    /// model's and those: no walk of `content/`).
    fn rebuild_reusing(
        &mut self,
        current: &SiteOutput,
        listed: bool,
    ) -> Result<SiteOutput, Diagnostics> {
        let Cached { state } = self.state.take().expect("checked by the caller");
        let site = state.site().clone();
        let theme = state.theme.clone();
        let built = pipeline::run(
            &self.run_options(),
            site.config.clone(),
            theme,
            if listed {
                Model::Edited(&site, &self.reported)
            } else {
                Model::Reusing(&site, &self.reported)
            },
            Some((&state.cache, current)),
            None,
        );
        drop_later((state, site));
        let built = built?;
        self.state = Some(Cached::new(built.state));
        Ok(built.output)
    }
}

/// Frees what the last build kept on another thread: dropping ten thousand
/// documents, template objects and output entries takes longer than
/// rendering the few that changed, and nothing waits for it.
fn drop_later<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Whether two loads of the theme copy the same static files from the same places.
fn same_statics(a: &Theme, b: &Theme) -> bool {
    use crate::source::theme::StaticSource;
    a.statics.len() == b.statics.len()
        && a.statics
            .iter()
            .zip(&b.statics)
            .all(|((ka, va), (kb, vb))| {
                ka == kb
                    && match (va, vb) {
                        (StaticSource::Disk(x), StaticSource::Disk(y)) => x == y,
                        (StaticSource::Embedded(x), StaticSource::Embedded(y)) => x == y,
                        (StaticSource::Generated(x), StaticSource::Generated(y)) => x == y,
                        _ => false,
                    }
            })
}

/// When the changes are templates only and some are templates the Markdown
/// stage uses (a shortcode template, `anchor-link.html`): the shortcodes
/// whose documents must be rendered again (`*`: every document), and
/// whether those were the only templates that changed.
fn markdown_templates(changes: &BTreeSet<Change>) -> Option<(Vec<String>, bool)> {
    let mut names = Vec::new();
    let mut only = true;
    for c in changes {
        let Change::Theme(path) = c else {
            return None;
        };
        // `templates/X` or `themes/NAME/templates/X`.
        let rel = match path.strip_prefix("templates/") {
            Some(r) => Some(r),
            None => path
                .splitn(4, '/')
                .nth(3)
                .filter(|_| path.split('/').nth(2) == Some("templates")),
        };
        match rel {
            Some("anchor-link.html") => names.push("*".to_string()),
            Some(r) if r.starts_with("shortcodes/") => {
                let file = &r["shortcodes/".len()..];
                let name = file.rsplit_once('.').map_or(file, |(n, _)| n);
                names.push(name.to_string());
            }
            _ => only = false,
        }
    }
    (!names.is_empty()).then_some((names, only))
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
        && o.tables == n.tables
        && old.rendered.heading_ids == new.rendered.heading_ids
}

/// Whether two bodies of one output path differ (disk files count as changed
/// when they were touched).
pub(crate) fn body_differs(a: &OutputBody, b: &OutputBody, touched: &HashSet<PathBuf>) -> bool {
    match (a, b) {
        (OutputBody::Generated(x), OutputBody::Generated(y)) => !Arc::ptr_eq(x, y) && x != y,
        (OutputBody::Embedded(x), OutputBody::Embedded(y)) => x != y,
        (OutputBody::Disk(x), OutputBody::Disk(y)) => x != y || touched.contains(x),
        _ => true,
    }
}

/// Brings `output` (the dev server's current site) up to date with a good
/// rebuild's `update`: a new output replaces it; a patch's files replace or
/// add entries, and the outputs it drops go.
pub(crate) fn apply(update: Update, output: &mut SiteOutput) {
    match update {
        Update::Replace(new) => drop_later(std::mem::replace(output, new)),
        Update::Patch(files, removed) => {
            output.files.extend(files);
            for path in removed {
                output.files.remove(&path);
            }
        }
    }
}

/// Output paths whose bytes `update` changes in `current` (disk files count
/// as changed when they were touched), for the reload event.
pub(crate) fn changed_paths(
    update: &Update,
    current: &SiteOutput,
    touched: &HashSet<PathBuf>,
) -> Vec<String> {
    match update {
        Update::Replace(new) => diff_outputs(current, new, touched),
        Update::Patch(files, removed) => {
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
            changed.extend(
                removed
                    .iter()
                    .filter(|k| current.files.contains_key(*k))
                    .cloned(),
            );
            changed
        }
    }
}

/// Output paths whose bytes differ between `old` and `new`.
pub(crate) fn diff_outputs(
    old: &SiteOutput,
    new: &SiteOutput,
    touched: &HashSet<PathBuf>,
) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A project of the site at `root`, built in full: what the server
    /// starts from.
    fn served(root: &Path) -> (Project, SiteOutput) {
        let mut project = Project::new(BuildOptions {
            root: root.to_path_buf(),
            ..Default::default()
        });
        let output = project.full_build().unwrap_or_else(|e| panic!("{e}"));
        (project, output)
    }

    /// Edits `template` and returns the strategy and the output files rendered again.
    fn after_editing(template: &str) -> (Strategy, BTreeSet<String>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "guidepost.toml", "title = \"T\"\n");
        write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write(root, "content/a.md", "+++\ntitle = \"A\"\n+++\nA.\n");
        write(
            root,
            "content/b.md",
            "+++\ntitle = \"B\"\ntemplate = \"one.html\"\n+++\nB.\n",
        );
        let one = "{% extends \"shell.html\" %}{% block main %}<p>{{ page.title }}</p>{% endblock main %}";
        let shell = "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>{% block main %}{% endblock main %}</body></html>";
        write(root, "templates/one.html", one);
        write(root, "templates/shell.html", shell);
        let (mut project, mut output) = served(root);
        let text = if template == "one.html" { one } else { shell };
        let path = write(
            root,
            &format!("templates/{template}"),
            &text
                .replace("</p>", "!</p>")
                .replace("<body>", "<body class=\"x\">"),
        );
        let changes = project.classify(&[path], &output);
        let rebuilt = project
            .rebuild(&changes, &output)
            .unwrap_or_else(|e| panic!("{e}"));
        let files = match &rebuilt.update {
            Update::Patch(files, _) => files.iter().map(|(k, _)| k.clone()).collect(),
            Update::Replace(o) => o.files.keys().cloned().collect(),
        };
        apply(rebuilt.update, &mut output);
        (rebuilt.strategy, files)
    }

    /// An edit that moves a page builds a new model with a copy of the last
    /// render's templates; its shortcodes must see what a full build's see,
    /// not the globals (`main_nav`) that render left behind.
    #[test]
    fn after_a_title_edit_shortcodes_see_what_a_full_build_s_see() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "guidepost.toml", "title = \"T\"\n");
        write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write(root, "content/b.md", "+++\ntitle = \"B\"\n+++\nB.\n");
        let nav = "{% if main_nav is defined %}nav-seen{% else %}nav-unseen{% endif %}";
        write(root, "templates/shortcodes/nav.html", nav);
        let page = |title: &str| format!("+++\ntitle = \"{title}\"\n+++\n{{{{ nav() }}}}\n");
        write(root, "content/a.md", &page("A"));
        let options = BuildOptions {
            root: root.to_path_buf(),
            ..Default::default()
        };
        let mut project = Project::new(options.clone());
        let mut output = project.full_build().unwrap_or_else(|e| panic!("{e}"));
        // A title after B's: the page moves, so the edit builds a new model.
        let path = write(root, "content/a.md", &page("C"));
        let changes = project.classify(&[path], &output);
        let rebuilt = project
            .rebuild(&changes, &output)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rebuilt.strategy, Strategy::NewModel);
        apply(rebuilt.update, &mut output);
        let fresh = Project::new(options)
            .full_build()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = |o: &SiteOutput| match &o.files["a/index.html"] {
            OutputBody::Generated(b) => String::from_utf8(b.to_vec()).unwrap(),
            _ => panic!("a generated page"),
        };
        assert!(text(&fresh).contains("nav-unseen"), "{}", text(&fresh));
        assert_eq!(text(&output), text(&fresh));
    }

    #[test]
    fn a_template_edit_re_renders_only_the_outputs_that_used_it() {
        let (strategy, files) = after_editing("one.html");
        assert_eq!(strategy, Strategy::Templates);
        assert_eq!(files, BTreeSet::from(["b/index.html".to_string()]));
    }

    #[test]
    fn editing_a_template_others_extend_re_renders_every_output() {
        let (strategy, files) = after_editing("shell.html");
        assert_eq!(strategy, Strategy::Templates);
        for f in ["b/index.html", "a/index.html", "index.html", "robots.txt"] {
            assert!(files.contains(f), "{f} not re-rendered: {files:?}");
        }
    }

    /// A batch of Markdown files only (created, edited, deleted) lists the
    /// model's files and the reported ones instead of walking `content/`:
    /// a file no event reported (`hidden.md`, written behind the watcher's
    /// back) is not seen, until a reported asset or folder makes the
    /// rebuild walk.
    #[test]
    fn markdown_files_alone_are_listed_an_asset_or_a_folder_walks_content() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(&root, "guidepost.toml", "title = \"T\"\n");
        write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nA.\n");
        write(&root, "content/b.md", "+++\ntitle = \"B\"\n+++\nB.\n");
        let (mut project, mut output) = served(&root);
        let mut rebuild = |paths: &[PathBuf], output: &mut SiteOutput| {
            let changes = project.classify(paths, output);
            let rebuilt = project
                .rebuild(&changes, output)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(rebuilt.strategy, Strategy::NewModel);
            apply(rebuilt.update, output);
        };
        write(&root, "content/hidden.md", "+++\ntitle = \"H\"\n+++\nH.\n");
        let created = write(&root, "content/c.md", "+++\ntitle = \"C\"\n+++\nC.\n");
        let deleted = root.join("content/b.md");
        std::fs::remove_file(&deleted).unwrap();
        rebuild(&[created, deleted], &mut output);
        assert!(
            output.files.contains_key("c/index.html"),
            "the created page"
        );
        assert!(
            !output.files.contains_key("b/index.html"),
            "the deleted page"
        );
        assert!(output.files.contains_key("a/index.html"));
        assert!(
            !output.files.contains_key("hidden/index.html"),
            "listed, not walked"
        );
        // A new asset is no Markdown file: the rebuild walks, and finds it.
        let asset = write(&root, "content/notes.txt", "notes");
        rebuild(&[asset], &mut output);
        for file in ["notes.txt", "hidden/index.html", "c/index.html"] {
            assert!(output.files.contains_key(file), "{file} after a walk");
        }
        let folder = root.join("content/d");
        write(&root, "content/d/e.md", "+++\ntitle = \"E\"\n+++\nE.\n");
        rebuild(&[folder], &mut output);
        assert!(output.files.contains_key("d/e/index.html"), "after a walk");
    }

    /// A new top-level section changes `main_nav`: outputs of templates
    /// that show it are rendered again, the others reused as they were,
    /// unless a template they extend shows it too.
    #[test]
    fn a_new_main_nav_entry_re_renders_only_templates_that_show_it() {
        for shell_shows_nav in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().canonicalize().unwrap();
            write(&root, "guidepost.toml", "title = \"T\"\n");
            let nav = "<nav>{% for i in main_nav %}{{ i.title }};{% endfor %}</nav>";
            let shell = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>{}{{% block main %}}{{% endblock main %}}</body></html>",
                if shell_shows_nav { nav } else { "" }
            );
            write(&root, "templates/shell.html", &shell);
            write(
                &root,
                "templates/page.html",
                "{% extends \"shell.html\" %}{% block main %}<p>{{ page.title }}</p>{% endblock main %}",
            );
            let listing = format!(
                "{{% extends \"shell.html\" %}}{{% block main %}}{nav}{{% endblock main %}}"
            );
            write(&root, "templates/section.html", &listing);
            write(&root, "templates/index.html", &listing);
            write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
            write(&root, "content/s/_index.md", "+++\ntitle = \"S\"\n+++\n");
            write(&root, "content/s/a.md", "+++\ntitle = \"A\"\n+++\nA.\n");
            let (mut project, before) = served(&root);
            let created = write(&root, "content/t/_index.md", "+++\ntitle = \"Tee\"\n+++\n");
            let paths = [root.join("content/t"), created];
            let changes = project.classify(&paths, &before);
            let rebuilt = project
                .rebuild(&changes, &before)
                .unwrap_or_else(|e| panic!("{e}"));
            let Update::Replace(after) = rebuilt.update else {
                panic!("a new model")
            };
            let reused = |key: &str| match (&before.files[key], &after.files[key]) {
                (OutputBody::Generated(a), OutputBody::Generated(b)) => Arc::ptr_eq(a, b),
                _ => panic!("{key}: generated"),
            };
            let text = |key: &str| match &after.files[key] {
                OutputBody::Generated(b) => String::from_utf8(b.to_vec()).unwrap(),
                _ => panic!("{key}: generated"),
            };
            assert!(text("s/index.html").contains("Tee;"), "the new entry shows");
            assert!(!reused("s/index.html"));
            assert_eq!(
                reused("s/a/index.html"),
                !shell_shows_nav,
                "a page whose templates do not show main_nav is reused (shell shows it: {shell_shows_nav})"
            );
            assert_eq!(text("s/a/index.html").contains("Tee;"), shell_shows_nav);
        }
    }
}
