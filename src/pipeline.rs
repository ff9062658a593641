//! The one chain every command runs: load → model → features → render →
//! (output). `build` hands it a sink that writes pages into the staging
//! folder as they render, `check` stops after rendering in memory, and the
//! dev server runs it in full, with a model it kept, or with the previous
//! build to reuse ([`Model`]), and patches single documents through
//! [`patch_documents`], which shares every step of the chain with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diagnostics::{self, Diagnostic, Diagnostics};
use crate::features;
use crate::model::{self, DocId, Document, ModelOptions, Site};
use crate::plan::{OutputBody, PageSink, SiteOutput};
use crate::render::{self, Previous, RenderCache};
use crate::source::content::{self, ContentFiles, SourceFile};
use crate::source::theme::Theme;
use crate::templates;
use crate::urls::UrlMode;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub(crate) struct BuildOptions {
    /// Site root (the folder with `guidepost.toml`).
    pub root: PathBuf,
    /// Overrides `base_url` from the config.
    pub base_url: Option<String>,
    /// Include pages marked `draft = true`.
    pub include_drafts: bool,
    /// Forces a URL mode (the dev server serves root-relative links).
    pub url_mode: Option<UrlMode>,
    /// Renders only this page's single-file export (`guidepost export
    /// PAGE`: a content path or URL path, see `Site::find_document`).
    pub export: Option<String>,
    /// A one-shot build (`build`, `check`; never the dev server or
    /// `export`, which read the files' text again): once the features are
    /// prepared the model keeps only front matter ([`Site::make_one_shot`]).
    pub one_shot: bool,
}

/// Numbers for the summary line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildStats {
    pub pages: usize,
    pub sections: usize,
    pub files: usize,
    pub elapsed: Duration,
}

impl BuildStats {
    /// `12 pages, 3 sections, 40 files in 85 ms`.
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} pages, {} sections, {} files in {} ms",
            self.pages,
            self.sections,
            self.files,
            self.elapsed.as_millis()
        )
    }
}

/// What a build keeps for the next incremental one: the theme and the render
/// cache (which holds the model, templates and feature states).
pub(crate) struct State {
    pub theme: Theme,
    pub cache: RenderCache,
    /// Shortcodes and theme markup the model was rendered with (the fast
    /// path re-parses documents with them).
    pub authoring: Option<templates::Authoring>,
}

impl State {
    /// The model of the last good build.
    pub(crate) fn site(&self) -> &Arc<Site> {
        &self.cache.site
    }
}

/// A site built in memory.
pub(crate) struct Built {
    pub output: SiteOutput,
    /// Problems that did not fail the build (config keys accepted but not
    /// implemented...), for the caller to print.
    pub warnings: Vec<Diagnostic>,
    pub state: State,
    pub stats: BuildStats,
}

/// Where the model comes from.
pub(crate) enum Model<'a> {
    /// Read and parse every content file.
    Fresh,
    /// Read every content file, reusing what `previous` parsed and rendered
    /// from files whose text is unchanged (added, deleted, renamed files).
    /// Files of `previous` whose content-relative path is not in, or under a
    /// folder in, the second field (the paths the watcher reported) keep
    /// their text without being read again.
    Reusing(&'a Site, &'a std::collections::HashSet<String>),
    /// [`Model::Reusing`] when the watcher reported only Markdown files
    /// (edited, created or deleted; no folder): the site's files are those of
    /// `previous` and the reported ones, so the content folder is not walked
    /// again ([`kept_files`]).
    Edited(&'a Site, &'a std::collections::HashSet<String>),
    /// [`Model::Reusing`], rendering again the documents that use one of
    /// these shortcodes (their templates changed; `*` for all documents).
    ReusingExcept(&'a Site, Vec<String>),
    /// This model as it is (templates or static files changed).
    Kept(Arc<Site>),
}

/// Loads the config, applying command-line overrides.
pub(crate) fn load_config(options: &BuildOptions) -> Result<Config, Diagnostics> {
    let mut config = Config::load(&options.root).map_err(Diagnostics)?;
    if let Some(base) = &options.base_url {
        config.base_url = base.trim_end_matches('/').to_string();
        crate::config::check_base_url(&config.base_url).map_err(|why| {
            Diagnostic::general(format!("--base-url {why}")).with_help(crate::config::BASE_URL_HELP)
        })?;
    }
    Ok(config)
}

/// The URL mode a config asks for.
pub(crate) fn url_mode_for(config: &Config) -> UrlMode {
    if config.is_relative() {
        UrlMode::Relative
    } else {
        UrlMode::Absolute {
            base: config.base_url.clone(),
        }
    }
}

/// Output folder for a build: `--output`, else `output_dir` from the config.
pub(crate) fn output_dir(root: &Path, config: &Config, explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(p) => p.to_path_buf(),
        None => root.join(&config.output_dir),
    }
}

/// Builds the whole site from disk (`build`, `check`, the dev server's
/// first and full builds).
pub(crate) fn build(options: &BuildOptions, sink: Option<PageSink>) -> Result<Built, Diagnostics> {
    let mut config = load_config(options)?;
    let theme = Theme::load(&options.root, &config.theme, config.compile_sass)?;
    merge_theme_extra(&mut config, &theme);
    let config = Arc::new(config);
    run(options, config, theme, Model::Fresh, None, sink)
}

/// Unit tests' fixture sites: writes `files` (path from the site root, text)
/// into a new temporary folder and builds it. The folder is returned so it
/// lives as long as the caller needs it.
#[cfg(test)]
pub(crate) fn build_files(files: &[(&str, &str)]) -> (tempfile::TempDir, Built) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("create folder");
        std::fs::write(path, text).expect("write fixture file");
    }
    let options = BuildOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    };
    let built = build(&options, None).unwrap_or_else(|e| panic!("{e}"));
    (dir, built)
}

/// A Zola theme's `[extra]` under the site's: the site's keys win, tables
/// merge key by key.
pub(crate) fn merge_theme_extra(config: &mut Config, theme: &Theme) {
    fn merge(
        into: &mut serde_json::Map<String, serde_json::Value>,
        from: &serde_json::Map<String, serde_json::Value>,
    ) {
        for (k, v) in from {
            match (into.get_mut(k), v) {
                (Some(serde_json::Value::Object(a)), serde_json::Value::Object(b)) => merge(a, b),
                (Some(_), _) => {}
                (None, v) => {
                    into.insert(k.clone(), v.clone());
                }
            }
        }
    }
    merge(&mut config.extra, &theme.extra);
}

/// The chain. `config` and `theme` are loaded by the caller (a theme change
/// reloads only the theme); the model comes from `model`; `previous` lets
/// unchanged outputs be reused.
pub(crate) fn run(
    options: &BuildOptions,
    config: Arc<Config>,
    theme: Theme,
    model: Model,
    previous: Previous,
    sink: Option<PageSink>,
) -> Result<Built, Diagnostics> {
    let started = Instant::now();
    let url_mode = options
        .url_mode
        .clone()
        .unwrap_or_else(|| url_mode_for(&config));
    // Parse templates first: the model expands shortcodes with them. A new
    // model of the dev server's keeps the theme its previous render parsed.
    let kept_templates = match (&model, &previous) {
        (Model::Reusing(..) | Model::Edited(..), Some((cache, _))) => {
            Some(cache.templates.for_another_render())
        }
        _ => None,
    };
    // A fresh model's files are read while the templates parse: neither
    // needs the other, and the walk of `content/` runs on one thread.
    let fresh = matches!(model, Model::Fresh);
    let (parsed, mut fresh_files) = rayon::join(
        || match kept_templates {
            Some(t) => Ok(t),
            None => templates::parse_templates(&theme),
        },
        || fresh.then(|| content::content_files(&options.root)),
    );
    let (tera, authoring) = match parsed {
        Ok(t) => match templates::authoring(&t, &theme) {
            Ok(a) if !matches!(model, Model::Kept(_)) => {
                t.set_config(config.clone(), url_mode.clone(), &theme);
                (Ok(t), Some(a))
            }
            Ok(a) => (Ok(t), Some(a)),
            Err(d) => (Err(vec![d]), None),
        },
        Err(e) => (Err(e), None),
    };
    tracing::debug!("templates parsed at {:?}", started.elapsed());
    let mut model_options = model_options(options, authoring.as_ref());
    if let Model::ReusingExcept(_, stale) = &model {
        model_options.stale_shortcodes = stale.clone();
    }
    let site = match model {
        Model::Kept(site) => Ok(site),
        Model::Fresh | Model::Reusing(..) | Model::Edited(..) | Model::ReusingExcept(..) => {
            let files = match model {
                Model::Edited(previous, edited) => kept_files(&options.root, previous, edited),
                Model::Reusing(previous, reported) => {
                    content::content_files_knowing(&options.root, &|rel: &str| {
                        let changed = reported.contains(rel)
                            || reported.iter().any(|r| {
                                r.is_empty()
                                    || rel.len() > r.len()
                                        && rel.starts_with(r.as_str())
                                        && rel.as_bytes()[r.len()] == b'/'
                            });
                        (!changed)
                            .then(|| previous.by_rel_path.get(rel))
                            .flatten()
                            .map(|&id| previous.docs[id].source.clone())
                    })
                }
                _ => fresh_files
                    .take()
                    .unwrap_or_else(|| content::content_files(&options.root)),
            }
            .map_err(Diagnostics)?;
            tracing::info!(
                markdown = files.markdown.len(),
                assets = files.assets.len(),
                templates = theme.templates.len(),
                "loaded files in {:?}",
                started.elapsed()
            );
            match model {
                Model::Reusing(previous, _)
                | Model::Edited(previous, _)
                | Model::ReusingExcept(previous, _) => {
                    model::assemble_reusing(config, url_mode, files, &model_options, previous)
                }
                _ => model::assemble(config, url_mode, files, &model_options),
            }
            .map(Arc::new)
        }
    };
    let (site, tera) = diagnostics::join(site, tera)?;
    tracing::info!(
        documents = site.docs.len(),
        "parsed and modelled the site at {:?}",
        started.elapsed()
    );
    // Features validate everything before rendering starts.
    let features = features::prepare_all(&site).map_err(sorted)?;
    tracing::debug!("features prepared at {:?}", started.elapsed());
    let mut site = site;
    if options.one_shot
        && let Some(site) = Arc::get_mut(&mut site)
    {
        site.make_one_shot();
    }
    let export = match &options.export {
        Some(name) => Some(site.find_document(name).map_err(|e| Diagnostics(vec![e]))?),
        None => None,
    };
    let (output, cache) = render::render_site(site, &theme, tera, features, previous, sink, export)
        .map_err(sorted)?;
    tracing::info!(
        files = output.files.len(),
        "rendered at {:?}",
        started.elapsed()
    );
    let site = &cache.site;
    let pages = site.pages().count();
    let stats = BuildStats {
        pages,
        sections: site.docs.len() - pages,
        files: output.files.len(),
        elapsed: started.elapsed(),
    };
    let mut warnings = site.config.warnings.clone();
    warnings.extend(site.warnings.iter().cloned());
    Ok(Built {
        output,
        warnings,
        state: State {
            theme,
            cache,
            authoring,
        },
        stats,
    })
}

/// The content files of `previous` as they are on disk when the watcher
/// reported only Markdown files (`edited`: edited, created or deleted ones;
/// no folder): the others keep the text `previous` read, and the reported
/// ones and drafts (which the model leaves out) are read again; one deleted
/// since is left out, as a walk would leave it out, and a reported one
/// `previous` does not have is added. Walking ten thousand files took longer
/// than the rest of such a rebuild's loading; the files the walk would find
/// are the ones `previous` found and the ones the watcher reported.
fn kept_files(
    root: &Path,
    previous: &Site,
    edited: &std::collections::HashSet<String>,
) -> Result<ContentFiles, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut read = |rel: &str| {
        content::read_if_present(root, rel).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let mut markdown = Vec::with_capacity(previous.docs.len() + previous.skipped_drafts.len());
    for d in &previous.docs {
        // The model makes an empty home section when the site has none.
        let made_up = d.rel_path == "_index.md"
            && d.source.is_empty()
            && !root.join("content/_index.md").exists();
        if made_up {
            continue;
        }
        if edited.contains(&d.rel_path) {
            markdown.extend(read(&d.rel_path));
        } else {
            markdown.push(SourceFile {
                rel_path: d.rel_path.clone(),
                display_path: d.display_path.clone(),
                text: d.source.clone(),
            });
        }
    }
    for rel in &previous.skipped_drafts {
        markdown.extend(read(rel));
    }
    // Created since (the model sorts documents by path, so where they go in
    // the list does not matter).
    let mut created: Vec<&String> = edited
        .iter()
        .filter(|rel| {
            rel.ends_with(".md")
                && !previous.by_rel_path.contains_key(rel.as_str())
                && !previous.skipped_drafts.contains(*rel)
        })
        .collect();
    created.sort();
    for rel in created {
        markdown.extend(read(rel));
    }
    // A bundle's assets, then the loose ones: the model sorts each
    // document's out of this list in order, as it did from the walk's.
    let assets = previous
        .docs
        .iter()
        .flat_map(|d| d.assets.iter())
        .chain(&previous.loose_assets)
        .cloned()
        .collect();
    if errors.is_empty() {
        Ok(ContentFiles { markdown, assets })
    } else {
        Err(errors)
    }
}

/// The dev server's fast path: re-reads the edited Markdown files through
/// the model's one document function and re-renders their dependants.
/// Returns `Ok(None)` when an edit moves a document (the caller then runs
/// the chain with [`Model::Reusing`]); on error `state` is untouched unless
/// rendering had started (then the caller must rebuild in full).
pub(crate) fn patch_documents(
    state: &mut State,
    root: &Path,
    rel_paths: &[&str],
    keeps_place: impl Fn(&Document, &Document) -> bool,
) -> Result<Option<Patched>, PatchError> {
    let site = state.site().clone();
    let model_options = model_options_for_patch(state);
    let mut changed: Vec<(DocId, Document)> = Vec::new();
    let mut errors = Vec::new();
    for rel in rel_paths {
        let id = site.by_rel_path[*rel];
        let file = content::read_source(root, rel).map_err(|e| {
            PatchError::Parse(
                Diagnostic::in_file(
                    PathBuf::from("content").join(rel),
                    format!("cannot read file: {e}"),
                )
                .into(),
            )
        })?;
        match model::reparse_document(&site, id, file, &model_options) {
            Ok(doc) if !keeps_place(&site.docs[id], &doc) => return Ok(None),
            Ok(doc) => changed.push((id, doc)),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(PatchError::Parse(sorted(errors)));
    }
    // The cache updates the model in place only if no one else holds it.
    drop(site);
    state
        .cache
        .update_docs(&state.theme, changed)
        .map(|r| Some((r.files, r.removed)))
        .map_err(|e| PatchError::Render(sorted(e)))
}

/// What [`patch_documents`] re-rendered (output path, bytes), and the
/// output paths the site no longer has.
pub(crate) type Patched = (Vec<(String, OutputBody)>, Vec<String>);

/// How the model is assembled: drafts, the tables features claim, and the
/// templates' shortcodes and markup.
fn model_options(options: &BuildOptions, authoring: Option<&templates::Authoring>) -> ModelOptions {
    ModelOptions {
        include_drafts: options.include_drafts,
        claimed: features::claimed_tables(),
        shortcodes: authoring.map(|a| a.shortcodes.clone()),
        markup: authoring.map(|a| a.markup.clone()),
        stale_shortcodes: Vec::new(),
        site_known: authoring.map(|a| a.site_known.clone()),
    }
}

/// The model options a kept state was built with, for re-parsing documents.
fn model_options_for_patch(state: &State) -> ModelOptions {
    ModelOptions {
        include_drafts: false,
        claimed: features::claimed_tables(),
        shortcodes: state.authoring.as_ref().map(|a| a.shortcodes.clone()),
        markup: state.authoring.as_ref().map(|a| a.markup.clone()),
        stale_shortcodes: Vec::new(),
        // Templates' functions see the whole kept site already.
        site_known: None,
    }
}

/// Why [`patch_documents`] failed.
pub(crate) enum PatchError {
    /// Before anything changed: the kept state is still good.
    Parse(Diagnostics),
    /// While re-rendering: the kept state is part-updated.
    Render(Diagnostics),
}

fn sorted(errors: Vec<Diagnostic>) -> Diagnostics {
    let mut d = Diagnostics(errors);
    d.sort();
    d
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Each Markdown file's path and text, sorted; the assets' paths in order.
    fn listed(files: &ContentFiles) -> (Vec<(String, String)>, Vec<String>) {
        let mut markdown: Vec<(String, String)> = files
            .markdown
            .iter()
            .map(|f| (f.rel_path.clone(), f.text.to_string()))
            .collect();
        markdown.sort();
        let assets = files.assets.iter().map(|a| a.rel_path.clone()).collect();
        (markdown, assets)
    }

    #[test]
    fn a_kept_site_lists_the_files_a_walk_finds() {
        let (dir, built) = build_files(&[
            ("guidepost.toml", "title = \"Kept\"\n"),
            ("content/guides/_index.md", "+++\ntitle = \"Guides\"\n+++\n"),
            ("content/guides/a.md", "+++\ntitle = \"A\"\n+++\nA."),
            (
                "content/guides/b.md",
                "+++\ntitle = \"B\"\ndraft = true\n+++\nB.",
            ),
            (
                "content/guides/bundle/index.md",
                "+++\ntitle = \"Bundle\"\n+++\n",
            ),
            ("content/guides/bundle/z.png", "png"),
            ("content/guides/bundle/sub/a.csv", "csv"),
            ("content/guides/notes.txt", "loose"),
            ("content/a.txt", "loose"),
        ]);
        let root = dir.path();
        let edit = "+++\ntitle = \"A, edited\"\n+++\nA.";
        std::fs::write(root.join("content/guides/a.md"), edit).expect("edit");
        let edited = HashSet::from(["guides/a.md".to_string()]);
        let site = built.state.site();
        // Without content/_index.md the model made one up: no file.
        assert!(site.by_rel_path.contains_key("_index.md"));
        let kept = kept_files(root, site, &edited).expect("the files read");
        let walked = content::content_files(root).expect("the files read");
        let (kept_md, kept_assets) = listed(&kept);
        let (walked_md, walked_assets) = listed(&walked);
        assert_eq!(kept_md, walked_md);
        assert!(kept_md.contains(&("guides/a.md".to_string(), edit.to_string())));
        // Each bundle's assets and the loose ones keep the walk's order.
        for list in [&kept_assets, &walked_assets] {
            let bundle: Vec<&String> = list
                .iter()
                .filter(|a| a.starts_with("guides/bundle/"))
                .collect();
            assert_eq!(bundle, ["guides/bundle/sub/a.csv", "guides/bundle/z.png"]);
        }
        let loose = |list: &[String]| -> Vec<String> {
            list.iter()
                .filter(|a| !a.starts_with("guides/bundle/"))
                .cloned()
                .collect()
        };
        assert_eq!(loose(&kept_assets), loose(&walked_assets));
        assert_eq!(kept_assets.len(), walked_assets.len());
        // A file deleted since the watcher reported its edit is left out,
        // as the walk leaves it out; one that cannot be read is an error.
        std::fs::remove_file(root.join("content/guides/a.md")).expect("remove");
        let kept = kept_files(root, site, &edited).expect("the files read");
        let walked = content::content_files(root).expect("the files read");
        assert_eq!(listed(&kept).0, listed(&walked).0);
        assert!(!kept.markdown.iter().any(|f| f.rel_path == "guides/a.md"));
        std::fs::write(root.join("content/guides/a.md"), [0xff, 0xfe]).expect("write");
        let errors = kept_files(root, site, &edited).expect_err("not UTF-8");
        assert!(
            errors[0].message.starts_with("cannot read file"),
            "{}",
            errors[0].message
        );
    }

    /// `guidepost build` and `check` let go of the files' bodies before
    /// rendering templates and keep their front matter; the output is the
    /// same as a build that keeps everything.
    #[test]
    fn a_one_shot_build_keeps_only_front_matter_and_writes_the_same_files() {
        let (dir, kept) = build_files(&[
            (
                "content/_index.md",
                "+++\ntitle = \"Home\"\n+++\nSee [a](@/a.md#part).\n",
            ),
            (
                "content/a.md",
                "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n## Part\n\nText.\n",
            ),
            ("content/b.md", "No front matter.\n"),
            (
                "guidepost.toml",
                "title = \"T\"\ntaxonomies = [{ name = \"tags\" }]\n",
            ),
        ]);
        let one_shot = build(
            &BuildOptions {
                root: dir.path().to_path_buf(),
                one_shot: true,
                ..Default::default()
            },
            None,
        )
        .expect("a one-shot build");
        let texts = |b: &Built| -> Vec<String> {
            b.state
                .cache
                .site
                .docs
                .iter()
                .map(|d| d.source.to_string())
                .collect()
        };
        assert_eq!(
            texts(&kept),
            [
                "+++\ntitle = \"Home\"\n+++\nSee [a](@/a.md#part).\n",
                "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n## Part\n\nText.\n",
                "No front matter.\n",
            ]
        );
        assert_eq!(
            texts(&one_shot),
            [
                "+++\ntitle = \"Home\"\n+++\n",
                "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n+++\n",
                "",
            ]
        );
        assert!(one_shot.state.cache.site.one_shot && !kept.state.cache.site.one_shot);
        let bytes = |b: &Built| -> Vec<(String, Vec<u8>)> {
            b.output
                .files
                .iter()
                .map(|(path, body)| match body {
                    OutputBody::Generated(bytes) => (path.clone(), bytes.to_vec()),
                    other => (path.clone(), format!("{other:?}").into_bytes()),
                })
                .collect()
        };
        assert!(kept.output.files.contains_key("a/index.html"));
        assert_eq!(bytes(&kept), bytes(&one_shot));
    }
}
