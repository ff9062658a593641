//! Render: executes the plan. Every output of the site is a [`Job`] (a
//! document's page, a listing page, a taxonomy page, a redirect, a
//! feature's page or file); jobs render in parallel through one path
//! ([`Renderer::run`]) with one kind of error (template file:line), and the
//! inputs of each are recorded for the dev server ([`RenderCache`]).
//!
//! - [`values`]: template objects, built once and shared;
//! - [`jobs`]: which jobs the site has;
//! - [`generated`]: jobs of the sitemap, robots.txt and feeds (built-in templates);
//! - [`cache`]: incremental re-rendering;
//! - [`claims`]: one source per output file (collisions are errors).

mod cache;
mod claims;
mod generated;
mod jobs;
mod values;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tera::{Context, Tera, Value};

use cache::JobRecord;
pub(crate) use cache::RenderCache;
use jobs::Planner;

use crate::diagnostics::Diagnostic;
use crate::features::Prepared;
use crate::frontmatter::Key;
use crate::model::{DocId, Site};
use crate::plan::{Job, JobKind, Lookup, OutputBody, PageSink, SiteOutput};
use crate::source::theme::{StaticSource, Theme};
use crate::templates::{FunctionData, Templates, recording_lookups, tera_error};
use crate::urls::{output_file, under_served_path_html};

/// The previous render, for a render that may reuse its outputs.
pub(crate) type Previous<'a> = Option<(&'a RenderCache, &'a SiteOutput)>;

/// Renders the whole site from a validated model and its prepared features.
/// With `previous` (the dev server after files were added, deleted or
/// renamed), an output whose inputs (template, variables, and what its
/// template functions looked up) are unchanged is taken from the previous
/// output. With `sink`, each rendered file is handed over at once instead of
/// kept (the build writes pages while others still render). With `export`,
/// the plan is that document's single-file export alone (plus the copied
/// files it inlines). Reports every template error found.
pub(crate) fn render_site(
    site: Arc<Site>,
    theme: &Theme,
    mut templates: Templates,
    features: Vec<Box<dyn Prepared>>,
    previous: Previous,
    sink: Option<PageSink>,
    export: Option<DocId>,
) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
    let t_start = std::time::Instant::now();
    let features = Arc::new(features);
    let kept = previous.map(|(cache, _)| values::Kept {
        site: &cache.site,
        values_by_path: &cache.values_by_path,
        links: &cache.links,
    });
    let (values, links) = values::build_values(&site, &features, kept);
    let values_by_path: HashMap<String, Value> = site
        .docs
        .iter()
        .zip(&values)
        .map(|(d, v)| (d.rel_path.clone(), v.clone()))
        .collect();
    let values_by_path = Arc::new(values_by_path);
    templates.set_site(Arc::new(FunctionData {
        site: site.clone(),
        values: values_by_path.clone(),
        features: features.clone(),
        statics: Arc::new(theme.statics.clone()),
    }));
    let globals = templates.tera.global_context();
    let config_global = crate::templates::config_value(&site);
    let nav_global = values::main_nav(&site);
    globals.insert_value("config", config_global.clone());
    globals.insert_value("main_nav", nav_global.clone());
    tracing::debug!("render: template objects built in {:?}", t_start.elapsed());
    let reuse = previous.and_then(|(cache, output)| {
        cache.reuse_for(
            output,
            &site,
            &values,
            &values_by_path,
            (&config_global, &nav_global),
            &|| cache::nav_free_templates(theme, &templates.tera),
        )
    });
    tracing::debug!("render: template objects in {:?}", t_start.elapsed());

    let tera = &templates.tera;
    let has_template = |name: &str| tera.contains_template(name);
    let planner = Planner {
        site: &site,
        values: &values,
        features: &features,
        previous: previous.map(|(cache, _)| cache.features.as_slice()),
        has_template: &has_template,
    };
    let (jobs, site_paths) = match export {
        Some(id) => (vec![planner.export_job(id)], HashSet::new()),
        None => {
            let (mut jobs, site_paths) = planner.plan();
            // Generated files last: the sitemap lists what the others write.
            let generated = generated::jobs(
                &site,
                &values,
                jobs.iter().map(|j| (j.path.as_str(), &j.kind)),
            );
            jobs.extend(generated);
            (jobs, site_paths)
        }
    };
    tracing::debug!(
        "render: {} jobs planned at {:?}",
        jobs.len(),
        t_start.elapsed()
    );
    // Two jobs writing one file is an error found before anything renders.
    let mut claims = claims::Claims::default();
    claims.claim_jobs(&site, &jobs);
    if claims.has_errors() {
        return Err(claims.into_errors());
    }
    tracing::debug!("render: jobs claimed at {:?}", t_start.elapsed());
    let renderer = Renderer {
        site: &site,
        theme,
        tera,
    };
    let t_jobs = std::time::Instant::now();
    let reused_count = AtomicUsize::new(0);
    let rendered: Vec<(JobResult, Vec<Lookup>)> = jobs
        .par_iter()
        .map(|job| {
            if let Some(reuse) = &reuse
                && let Some((file, lookups)) = reuse.reusable(job)
            {
                reused_count.fetch_add(1, Ordering::Relaxed);
                return (Ok(file), lookups);
            }
            let (result, lookups) = recording_lookups(|| renderer.run(job));
            let result = match (result, sink) {
                (Ok((path, OutputBody::Generated(bytes))), Some(sink)) => match sink(&path, &bytes)
                {
                    Ok(file) => Ok((path, OutputBody::Disk(file))),
                    Err(e) => Err(Diagnostic::general(format!("cannot write {path}: {e}"))),
                },
                (other, _) => other,
            };
            (result, lookups)
        })
        .collect();
    tracing::debug!(
        "render: {} outputs, {} reused from the previous render, in {:?}",
        jobs.len(),
        reused_count.into_inner(),
        t_jobs.elapsed()
    );
    drop(reuse);
    let mut errors = Vec::new();
    let (files, records) = collect_results(jobs, rendered, &mut errors);
    if !errors.is_empty() {
        return Err(once_per_place(errors));
    }
    let mut output = SiteOutput::default();
    output.files.extend(files);
    add_copied_files(&site, theme, &mut output, &mut claims);
    generated::add_code_stylesheets(&site, &mut output).map_err(|e| vec![e])?;
    let errors = claims.into_errors();
    if !errors.is_empty() {
        return Err(errors);
    }
    tracing::debug!("render: outputs collected at {:?}", t_start.elapsed());
    let cache = RenderCache {
        site,
        templates,
        features,
        values,
        values_by_path,
        links,
        inputs: records.into_iter().collect(),
        config_global,
        nav_global,
        site_paths,
    };
    Ok((output, cache))
}

/// Theme static files, loose content files and page bundles' assets, each
/// claimed: a file that would replace a page or another file is an error.
fn add_copied_files(
    site: &Site,
    theme: &Theme,
    output: &mut SiteOutput,
    claims: &mut claims::Claims,
) {
    for (path, source) in &theme.statics {
        let (from, body) = match source {
            StaticSource::Disk(p) => (site_relative(p), OutputBody::Disk(p.clone())),
            StaticSource::Embedded(b) => (
                format!("static/{path} (built-in default theme)"),
                OutputBody::Embedded(b),
            ),
            StaticSource::Generated(b) => (
                format!("{path} (compiled from sass/)"),
                OutputBody::Generated(b.clone()),
            ),
        };
        if claims.claim(site, path, claims::Owner::Copied(from)) {
            output.files.insert(path.clone(), body);
        }
    }
    for asset in &site.loose_assets {
        let from = format!("content/{}", asset.rel_path);
        if claims.claim(site, &asset.rel_path, claims::Owner::Copied(from)) {
            output.files.insert(
                asset.rel_path.clone(),
                OutputBody::Disk(asset.abs_path.clone()),
            );
        }
    }
    for doc in &site.docs {
        for asset in &doc.assets {
            // Its path under the bundle's folder (`img/a.png` for `post/img/a.png`).
            let folder = doc.rel_path.trim_end_matches("index.md");
            let name = asset
                .rel_path
                .strip_prefix(folder)
                .unwrap_or(&asset.rel_path);
            let path = format!("{}{name}", doc.path.trim_start_matches('/'));
            let from = format!("content/{}", asset.rel_path);
            if claims.claim(site, &path, claims::Owner::Copied(from)) {
                output
                    .files
                    .insert(path, OutputBody::Disk(asset.abs_path.clone()));
            }
        }
    }
}

/// `themes/x/static/a.css` or `static/a.css` from a static file's absolute path.
fn site_relative(path: &std::path::Path) -> String {
    let shown = path.to_string_lossy();
    let at = shown
        .find("/themes/")
        .or_else(|| shown.rfind("/static/"))
        .map_or(0, |i| i + 1);
    shown[at..].to_string()
}

/// Runs jobs against one model and one set of templates.
struct Renderer<'a> {
    site: &'a Site,
    theme: &'a Theme,
    tera: &'a Tera,
}

impl Renderer<'_> {
    /// The output file of one job.
    fn run(&self, job: &Job) -> Result<(String, OutputBody), Diagnostic> {
        let html = match &job.kind {
            JobKind::Raw(bytes) => {
                return Ok((output_file(&job.path), OutputBody::Generated(bytes.clone())));
            }
            JobKind::Redirect(target) => {
                let mut ctx = Context::new();
                ctx.insert("lang", &self.site.config.language);
                ctx.insert("url", target);
                self.tera
                    .render("internal/alias.html", &ctx)
                    .map_err(|e| tera_error(&e, self.theme, Some(&job.source)))?
            }
            JobKind::Template(template) => {
                if !self.tera.contains_template(template) {
                    let message = format!(
                        "template `{template}` not found (while rendering {})",
                        job.source
                    );
                    let help = "add it to the site's templates/ folder or the theme, or fix the `template` key";
                    // Named in front matter: point at the `template` key.
                    let named_by = self.site.docs.iter().find(|d| {
                        d.meta.template.as_deref() == Some(template.as_str())
                            && d.display_path.display().to_string() == job.source
                    });
                    return Err(match named_by {
                        Some(doc) => doc.error_at(&[Key::Name("template")], message),
                        None => Diagnostic::general(message),
                    }
                    .with_help(help));
                }
                let mut ctx = Context::new();
                ctx.insert("lang", &self.site.config.language);
                ctx.insert("current_path", &job.path);
                ctx.insert("current_url", &self.site.permalink(&job.path));
                for (k, v) in &job.vars {
                    ctx.insert_value(*k, v.clone());
                }
                let limit = self
                    .site
                    .config
                    .limits
                    .max_output_file_mb
                    .saturating_mul(1 << 20);
                let mut out = CappedWriter {
                    bytes: Vec::new(),
                    limit: usize::try_from(limit).unwrap_or(usize::MAX),
                    exceeded: false,
                };
                let result = self.tera.render_to(template, &ctx, &mut out);
                if out.exceeded {
                    return Err(Diagnostic::general(format!(
                        "template `{template}` produced more than {} MB for {} (while rendering {})",
                        self.site.config.limits.max_output_file_mb,
                        output_file(&job.path),
                        job.source
                    ))
                    .with_help("look for loops in the template that never end or nest too deep; raise [limits] max_output_file_mb in guidepost.toml if the file is meant to be that large"));
                }
                result.map_err(|e| tera_error(&e, self.theme, Some(&job.source)))?;
                String::from_utf8(out.bytes).map_err(|e| {
                    Diagnostic::general(format!("template `{template}` wrote invalid UTF-8: {e}"))
                })?
            }
        };
        let file = output_file(&job.path);
        // Links in HTML follow the URL mode; feeds and text files are
        // written with the links their jobs computed.
        let body = if !(file.ends_with(".html") || file.ends_with(".htm")) {
            html
        } else {
            match &self.site.config.served_path {
                // The 404 page is served at any missing URL: relative links
                // cannot work there, paths under the served path do.
                Some(served)
                    if job.path == jobs::NOT_FOUND_PATH && self.site.url_mode.is_relative() =>
                {
                    under_served_path_html(&html, served)
                }
                _ => self.site.url_mode.finish_html(html, &job.path),
            }
        };
        Ok((file, OutputBody::text(body)))
    }
}

/// A render target that refuses to grow past `limit` bytes, so a template
/// that would produce gigabytes fails with its name instead of aborting
/// the process when memory runs out.
struct CappedWriter {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("output file size limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One error per template place: a mistake in a template many pages use
/// is reported once, naming how many outputs hit it, and a message that
/// dumps a whole object is cut short.
fn once_per_place(errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    const MAX: usize = 400;
    let mut seen: Vec<(Diagnostic, String, usize)> = Vec::new();
    for mut e in errors {
        let key = e
            .message
            .split(" (while rendering ")
            .next()
            .unwrap_or(&e.message)
            .to_string();
        match seen
            .iter_mut()
            .find(|(d, k, _)| d.file == e.file && d.span == e.span && *k == key)
        {
            Some((_, _, n)) => *n += 1,
            None => {
                if e.message.len() > MAX {
                    let mut cut = MAX;
                    while !e.message.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    e.message.truncate(cut);
                    e.message.push_str(" …");
                }
                seen.push((e, key, 1));
            }
        }
    }
    seen.into_iter()
        .map(|(mut d, _, n)| {
            if n > 1 {
                d.message
                    .push_str(&format!(" (and {} more outputs)", n - 1));
            }
            d
        })
        .collect()
}

/// One rendered output file, or why it failed.
type JobResult = Result<(String, OutputBody), Diagnostic>;

/// Output files, and what each was rendered from.
type Collected = (Vec<(String, OutputBody)>, Vec<(String, JobRecord)>);

/// Splits rendered jobs into output files and the records of what each was
/// rendered from (kept by the dev server), collecting errors.
fn collect_results(
    jobs: Vec<Job>,
    rendered: Vec<(JobResult, Vec<Lookup>)>,
    errors: &mut Vec<Diagnostic>,
) -> Collected {
    let mut files = Vec::with_capacity(rendered.len());
    let mut records = Vec::with_capacity(rendered.len());
    for (job, (result, lookups)) in jobs.into_iter().zip(rendered) {
        match result {
            Ok(file) => {
                files.push(file);
                let record = JobRecord {
                    source: job.source,
                    kind: job.kind,
                    vars: job.vars,
                    lookups,
                };
                records.push((job.path, record));
            }
            Err(e) => errors.push(e),
        }
    }
    (files, records)
}
