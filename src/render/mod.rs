//! Render: executes the plan. Every output of the site is a [`Job`] (a
//! document's page, a listing page, a taxonomy page, a redirect, a
//! feature's page or file); jobs render in parallel through one path
//! ([`Renderer::run`]) with one kind of error (template file:line), and the
//! inputs of each are recorded for the dev server ([`RenderCache`]).
//!
//! - [`values`]: template objects, built once and shared;
//! - [`jobs`]: which jobs the site has;
//! - [`generated`]: sitemap, robots.txt, feeds, alias pages;
//! - [`cache`]: incremental re-rendering.

mod cache;
mod generated;
mod jobs;
mod values;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tera::{Context, Tera, Value};

use cache::JobRecord;
pub(crate) use cache::RenderCache;
use jobs::Planner;

use crate::diagnostics::Diagnostic;
use crate::features::Prepared;
use crate::model::Site;
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
/// kept (the build writes pages while others still render). Reports every
/// template error found.
pub(crate) fn render_site(
    site: Arc<Site>,
    theme: &Theme,
    mut templates: Templates,
    features: Vec<Box<dyn Prepared>>,
    previous: Previous,
    sink: Option<PageSink>,
) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
    let t_start = std::time::Instant::now();
    let features = Arc::new(features);
    let values = values::build_values(&site, &features);
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
    }));
    let globals = templates.tera.global_context();
    let config_global = values::config_value(&site);
    let nav_global = values::main_nav(&site);
    globals.insert_value("config", config_global.clone());
    globals.insert_value("main_nav", nav_global.clone());
    let reuse = previous.and_then(|(cache, output)| {
        cache.reuse_for(
            output,
            &site,
            &values,
            &values_by_path,
            (&config_global, &nav_global),
        )
    });
    tracing::debug!("render: template objects in {:?}", t_start.elapsed());

    let tera = &templates.tera;
    let has_template = |name: &str| tera.contains_template(name);
    let jobs = Planner {
        site: &site,
        values: &values,
        features: &features,
        has_template: &has_template,
    }
    .all_jobs();
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
        return Err(errors);
    }
    let mut output = SiteOutput::default();
    output.files.extend(files);
    generated::add_generated_files(&site, &mut output);
    add_copied_files(&site, theme, &mut output);
    let cache = RenderCache {
        site,
        templates,
        features,
        values,
        values_by_path,
        inputs: records.into_iter().collect(),
        config_global,
        nav_global,
    };
    Ok((output, cache))
}

/// Theme static files, loose content files and page bundles' assets.
fn add_copied_files(site: &Site, theme: &Theme, output: &mut SiteOutput) {
    for (path, source) in &theme.statics {
        let body = match source {
            StaticSource::Disk(p) => OutputBody::Disk(p.clone()),
            StaticSource::Embedded(b) => OutputBody::Embedded(b),
        };
        output.files.entry(path.clone()).or_insert(body);
    }
    for asset in &site.loose_assets {
        output
            .files
            .entry(asset.rel_path.clone())
            .or_insert(OutputBody::Disk(asset.abs_path.clone()));
    }
    for doc in &site.docs {
        for asset in &doc.assets {
            let name = asset.rel_path.rsplit('/').next().unwrap_or(&asset.rel_path);
            output.files.insert(
                format!("{}{name}", doc.path.trim_start_matches('/')),
                OutputBody::Disk(asset.abs_path.clone()),
            );
        }
    }
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
            JobKind::Redirect(target) => generated::redirect_html(target),
            JobKind::Template(template) => {
                if !self.tera.contains_template(template) {
                    return Err(Diagnostic::general(format!(
                        "template `{template}` not found (while rendering {})",
                        job.source
                    ))
                    .with_help(
                        "add it to the site's templates/ folder or the theme, or fix the `template` key",
                    ));
                }
                let mut ctx = Context::new();
                ctx.insert("current_path", &job.path);
                ctx.insert("current_url", &self.site.permalink(&job.path));
                for (k, v) in &job.vars {
                    ctx.insert_value(*k, v.clone());
                }
                self.tera
                    .render(template, &ctx)
                    .map_err(|e| tera_error(&e, self.theme, Some(&job.source)))?
            }
        };
        let html = match &self.site.config.served_path {
            // The 404 page is served at any missing URL: relative links
            // cannot work there, paths under the served path do.
            Some(served)
                if job.path == jobs::NOT_FOUND_PATH && self.site.url_mode.is_relative() =>
            {
                under_served_path_html(&html, served)
            }
            _ => self.site.url_mode.finish_html(html, &job.path),
        };
        Ok((output_file(&job.path), OutputBody::text(html)))
    }
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
