//! The build pipeline, top to bottom: load → parse → model → render → write.
//!
//! [`build_site`] produces the whole site in memory ([`SiteOutput`]); `build`
//! then writes it with [`crate::output::write_site`], `check` stops there, and
//! the dev server serves it from memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diagnostics::Diagnostics;
use crate::load;
use crate::model::{self, ModelOptions, Site};
use crate::render::{self, SiteOutput};
use crate::templates;
use crate::theme::Theme;
use crate::urls::UrlMode;

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root (the folder with `guidepost.toml`).
    pub root: PathBuf,
    /// Overrides `base_url` from the config.
    pub base_url: Option<String>,
    /// Include pages marked `draft = true`.
    pub include_drafts: bool,
    /// Forces a URL mode (the dev server serves from the site root).
    pub url_mode: Option<UrlMode>,
}

/// A site built in memory, with the model kept for incremental work.
pub struct Built {
    pub site: Arc<Site>,
    pub output: SiteOutput,
    pub stats: BuildStats,
}

/// Numbers for the summary line.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildStats {
    pub pages: usize,
    pub sections: usize,
    pub files: usize,
    pub elapsed: Duration,
}

impl BuildStats {
    /// `12 pages, 3 sections, 40 files in 85 ms`.
    pub fn summary(&self) -> String {
        format!(
            "{} pages, {} sections, {} files in {} ms",
            self.pages,
            self.sections,
            self.files,
            self.elapsed.as_millis()
        )
    }
}

/// Loads the config, applying command-line overrides.
pub fn load_config(options: &BuildOptions) -> Result<Config, Diagnostics> {
    let mut config = Config::load(&options.root)?;
    if let Some(base) = &options.base_url {
        config.base_url = base.trim_end_matches('/').to_string();
    }
    Ok(config)
}

/// The URL mode a config asks for.
pub fn url_mode_for(config: &Config) -> UrlMode {
    if config.is_relative() {
        UrlMode::Relative
    } else {
        UrlMode::Absolute {
            base: config.base_url.clone(),
        }
    }
}

/// Builds the whole site in memory.
pub fn build_site(options: &BuildOptions) -> Result<Built, Diagnostics> {
    build_site_with(options, None)
}

/// [`build_site`], handing rendered pages to `sink` as they are ready (the
/// `build` command writes them into its staging folder) instead of keeping them.
pub fn build_site_with(
    options: &BuildOptions,
    sink: Option<render::PageSink>,
) -> Result<Built, Diagnostics> {
    let started = Instant::now();
    // Load.
    let config = Arc::new(load_config(options)?);
    let url_mode = options
        .url_mode
        .clone()
        .unwrap_or_else(|| url_mode_for(&config));
    let theme = Theme::load(&options.root, &config.theme)?;
    let files = load::content_files(&options.root).map_err(Diagnostics)?;
    tracing::info!(
        markdown = files.markdown.len(),
        assets = files.assets.len(),
        templates = theme.templates.len(),
        "loaded files in {:?}",
        started.elapsed()
    );
    // Parse templates while nothing depends on them yet.
    let tera = templates::parse_templates(&theme);
    // Parse and model.
    let model_options = ModelOptions {
        include_drafts: options.include_drafts,
    };
    let site = model::assemble(config, url_mode, files, &model_options);
    let (site, tera) = crate::diagnostics::join(site, tera)?;
    let site = Arc::new(site);
    tracing::info!(
        documents = site.docs.len(),
        "parsed and modelled the site at {:?}",
        started.elapsed()
    );
    // Render.
    let rendered = match sink {
        Some(sink) => render::render_site_streaming(site.clone(), &theme, tera, sink),
        None => render::render_site(site.clone(), &theme, tera),
    };
    let output = rendered.map_err(|e| {
        let mut d = Diagnostics(e);
        d.sort();
        d
    })?;
    tracing::info!(
        files = output.files.len(),
        "rendered at {:?}",
        started.elapsed()
    );
    let stats = BuildStats {
        pages: site.pages().count(),
        sections: site.docs.len() - site.pages().count(),
        files: output.files.len(),
        elapsed: started.elapsed(),
    };
    Ok(Built {
        site,
        output,
        stats,
    })
}

/// Output folder for a build: `--output`, else `output_dir` from the config.
pub fn output_dir(root: &Path, config: &Config, explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(p) => p.to_path_buf(),
        None => root.join(&config.output_dir),
    }
}
