//! Render stage: the site model becomes output files in memory.
//!
//! Each document's template object is built once and shared (Tera values are
//! reference-counted) by its own page and by every listing that shows it, so
//! large sections and taxonomies cost no copying. Pages render in parallel.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, Map, Tera, Value};

use crate::comparison::render_table;
use crate::diagnostics::Diagnostic;
use crate::model::{DocId, DocKind, Document, Site};
use crate::templates::{FunctionData, Templates, recording_lookups, tera_error};
use crate::theme::{StaticSource, Theme};
use crate::urls::{output_file, relativize, relativize_html};

/// The bytes of one output file.
#[derive(Debug, Clone)]
pub enum OutputBody {
    /// Generated in memory.
    Generated(Arc<Vec<u8>>),
    /// Copied from a file on disk.
    Disk(PathBuf),
    /// Built into the binary (default theme).
    Embedded(&'static [u8]),
}

impl OutputBody {
    fn text(s: String) -> Self {
        OutputBody::Generated(Arc::new(s.into_bytes()))
    }

    /// Reads the bytes (from memory, the binary, or disk).
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Ok(match self {
            OutputBody::Generated(b) => std::borrow::Cow::Borrowed(b.as_slice()),
            OutputBody::Embedded(b) => std::borrow::Cow::Borrowed(b),
            OutputBody::Disk(p) => std::borrow::Cow::Owned(std::fs::read(p)?),
        })
    }
}

/// Every file of a built site, by output-relative path (`roles/vcio/index.html`).
#[derive(Debug, Clone, Default)]
pub struct SiteOutput {
    pub files: BTreeMap<String, OutputBody>,
}

/// Renders the whole site. Reports every template and data error found.
pub fn render_site(
    site: Arc<Site>,
    theme: &Theme,
    templates: Templates,
) -> Result<SiteOutput, Vec<Diagnostic>> {
    render_site_cached(site, theme, templates).map(|(output, _)| output)
}

/// [`render_site`], also returning what the dev server keeps for incremental
/// re-renders ([`RenderCache`]).
pub fn render_site_cached(
    site: Arc<Site>,
    theme: &Theme,
    templates: Templates,
) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
    render_inner(site, theme, templates, None, None)
}

/// Receives each rendered page as soon as it is ready and returns the file it
/// was written to (the build writes pages while others still render).
pub type PageSink<'a> = &'a (dyn Fn(&str, &[u8]) -> std::io::Result<std::path::PathBuf> + Sync);

/// [`render_site`], handing every rendered page to `sink` at once instead of
/// keeping its bytes: the returned output lists it as a file on disk. This
/// keeps a large build's memory flat and overlaps writing with rendering.
pub fn render_site_streaming(
    site: Arc<Site>,
    theme: &Theme,
    templates: Templates,
    sink: PageSink,
) -> Result<SiteOutput, Vec<Diagnostic>> {
    render_inner(site, theme, templates, None, Some(sink)).map(|(output, _)| output)
}

/// [`render_site_cached`] for a new model of the same site with the same
/// templates (the dev server after a file was added, deleted or renamed):
/// an output whose inputs (template, variables, and the template objects of
/// documents its template functions looked up) equal the previous render's
/// is taken from `previous_output` instead of being rendered again.
pub fn render_site_reusing(
    site: Arc<Site>,
    theme: &Theme,
    templates: Templates,
    previous: &RenderCache,
    previous_output: &SiteOutput,
) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
    render_inner(
        site,
        theme,
        templates,
        Some((previous, previous_output)),
        None,
    )
}

fn render_inner(
    site: Arc<Site>,
    theme: &Theme,
    mut templates: Templates,
    reuse: Option<(&RenderCache, &SiteOutput)>,
    sink: Option<PageSink>,
) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
    let mut errors = Vec::new();

    // Comparison tables, checked against their front matter.
    let comparisons: HashMap<DocId, String> = site
        .docs
        .iter()
        .enumerate()
        .filter_map(|(id, d)| d.meta.comparison.as_ref().map(|spec| (id, d, spec)))
        .filter_map(|(id, d, spec)| match render_table(&site, spec) {
            Ok(html) => Some((id, html)),
            Err(errs) => {
                errors.extend(errs.iter().map(|e| e.to_diagnostic(d)));
                None
            }
        })
        .collect();
    let t_start = std::time::Instant::now();
    let decisions = crate::decision::prepare(&site);
    if let Err(errs) = &decisions {
        errors.extend(errs.iter().cloned());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let decisions = decisions.unwrap_or_default();

    // Template objects, built once.
    let values = build_values(&site, &comparisons, &decisions);
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
    }));
    let globals = templates.tera.global_context();
    let config_global = config_value(&site);
    let nav_global = main_nav(&site);
    globals.insert_value("config", config_global.clone());
    globals.insert_value("main_nav", nav_global.clone());
    let memo =
        reuse.filter(|(p, _)| p.config_global == config_global && p.nav_global == nav_global);
    let unchanged = memo.map_or_else(HashSet::new, |(p, _)| {
        p.unchanged_lookups(&site, &values_by_path)
    });
    let same_pages = memo.map_or_else(HashMap::new, |(p, _)| p.same_pages(&site, &values));
    tracing::debug!("render: template objects in {:?}", t_start.elapsed());

    let tera = &templates.tera;
    let renderer = Renderer {
        site: &site,
        theme,
        tera,
        values: &values,
    };
    let mut jobs: Vec<Job> = Vec::new();
    for (id, doc) in site.docs.iter().enumerate() {
        jobs.extend(renderer.doc_jobs(id, doc));
    }
    jobs.extend(renderer.taxonomy_jobs());
    if tera.contains_template("404.html") {
        jobs.push(Job {
            path: "/404.html".into(),
            template: "404.html".into(),
            extra: Vec::new(),
            source: "404 page".into(),
        });
    }
    let t_jobs = std::time::Instant::now();
    let reused_count = std::sync::atomic::AtomicUsize::new(0);
    let rendered: Vec<(JobResult, Vec<String>)> = jobs
        .par_iter()
        .map(|job| {
            if let Some((prev, prev_out)) = memo
                && let Some((file, lookups)) = prev.reusable(job, &unchanged, &same_pages, prev_out)
            {
                reused_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
    let mut output = SiteOutput::default();
    let (files, records) = collect_results(jobs, rendered, &mut errors);
    output.files.extend(files);
    let inputs: HashMap<String, JobRecord> = records.into_iter().collect();
    for (id, doc) in site.docs.iter().enumerate() {
        for (path, body) in crate::decision::outputs(&site, tera, id, doc, &decisions, &values[id])
            .unwrap_or_else(|e| {
                errors.extend(e);
                Vec::new()
            })
        {
            output.files.insert(path, body);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    add_generated_files(&site, &mut output);
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
    let cache = RenderCache {
        site,
        templates,
        comparisons,
        decisions,
        values,
        values_by_path,
        inputs,
        config_global,
        nav_global,
    };
    Ok((output, cache))
}

/// One HTML file to render.
struct Job {
    /// Site path, e.g. `/roles/` or `/roles/page/2/`.
    path: String,
    template: String,
    extra: Vec<(&'static str, Value)>,
    /// What is being rendered, for error messages.
    source: String,
}

struct Renderer<'a> {
    site: &'a Site,
    theme: &'a Theme,
    tera: &'a Tera,
    values: &'a [Value],
}

impl Renderer<'_> {
    fn doc_jobs(&self, id: DocId, doc: &Document) -> Vec<Job> {
        let value = self.values[id].clone();
        let source = doc.display_path.display().to_string();
        let mut jobs = Vec::new();
        match doc.kind {
            DocKind::Page => {
                if doc.meta.decision.is_some()
                    && doc.meta.template.is_none()
                    && self.tera.contains_template("decision.html")
                {
                    jobs.push(Job {
                        path: doc.path.clone(),
                        template: "decision.html".into(),
                        extra: vec![("page", value)],
                        source: source.clone(),
                    });
                } else {
                    let template = doc
                        .meta
                        .template
                        .clone()
                        .unwrap_or_else(|| "page.html".into());
                    jobs.push(Job {
                        path: doc.path.clone(),
                        template,
                        extra: vec![("page", value)],
                        source: source.clone(),
                    });
                }
            }
            DocKind::Section => {
                let default = if id == self.site.root_section {
                    "index.html"
                } else {
                    "section.html"
                };
                let template = doc.meta.template.clone().unwrap_or_else(|| default.into());
                match doc.meta.paginate_by.filter(|&n| n > 0) {
                    None => jobs.push(Job {
                        path: doc.path.clone(),
                        template,
                        extra: vec![("section", value)],
                        source: source.clone(),
                    }),
                    Some(per_page) => {
                        let chunks: Vec<&[DocId]> = if doc.pages.is_empty() {
                            vec![&[][..]]
                        } else {
                            doc.pages.chunks(per_page).collect()
                        };
                        let pager_path = |i: usize| {
                            if i == 0 {
                                doc.path.clone()
                            } else {
                                format!("{}page/{}/", doc.path, i + 1)
                            }
                        };
                        let n = chunks.len();
                        for (i, chunk) in chunks.iter().enumerate() {
                            let mut p = Map::new();
                            p.insert(
                                "pages".into(),
                                Value::from(
                                    chunk
                                        .iter()
                                        .map(|&c| self.values[c].clone())
                                        .collect::<Vec<_>>(),
                                ),
                            );
                            p.insert("current_index".into(), Value::from(i + 1));
                            p.insert("number_pagers".into(), Value::from(n));
                            p.insert(
                                "first".into(),
                                Value::from(self.site.permalink(&pager_path(0))),
                            );
                            p.insert(
                                "last".into(),
                                Value::from(self.site.permalink(&pager_path(n - 1))),
                            );
                            p.insert(
                                "previous".into(),
                                Value::from(
                                    i.checked_sub(1)
                                        .map(|j| self.site.permalink(&pager_path(j))),
                                ),
                            );
                            p.insert(
                                "next".into(),
                                Value::from(
                                    (i + 1 < n).then(|| self.site.permalink(&pager_path(i + 1))),
                                ),
                            );
                            jobs.push(Job {
                                path: pager_path(i),
                                template: template.clone(),
                                extra: vec![
                                    ("section", value.clone()),
                                    ("paginator", Value::from(p)),
                                ],
                                source: source.clone(),
                            });
                        }
                    }
                }
            }
        }
        for alias in &doc.meta.aliases {
            let path = if alias.ends_with(".html") || alias.ends_with('/') {
                alias.clone()
            } else {
                format!("{alias}/")
            };
            let path = format!("/{}", path.trim_start_matches('/'));
            jobs.push(Job {
                path,
                template: String::new(),
                extra: vec![("redirect_to", Value::from(self.site.permalink(&doc.path)))],
                source: source.clone(),
            });
        }
        jobs
    }

    fn taxonomy_jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for t in &self.site.taxonomies {
            let tax_path = format!("/{}/", t.slug);
            let mut tax = Map::new();
            tax.insert("name".into(), Value::from(t.name.clone()));
            tax.insert(
                "permalink".into(),
                Value::from(self.site.permalink(&tax_path)),
            );
            let tax = Value::from(tax);
            let terms: Vec<Value> = t
                .terms
                .iter()
                .map(|term| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(term.name.clone()));
                    m.insert("slug".into(), Value::from(term.slug.clone()));
                    m.insert(
                        "permalink".into(),
                        Value::from(self.site.permalink(&format!("{tax_path}{}/", term.slug))),
                    );
                    m.insert(
                        "pages".into(),
                        Value::from(
                            term.pages
                                .iter()
                                .map(|&p| self.values[p].clone())
                                .collect::<Vec<_>>(),
                        ),
                    );
                    Value::from(m)
                })
                .collect();
            if self.tera.contains_template("taxonomy_list.html") {
                jobs.push(Job {
                    path: tax_path.clone(),
                    template: "taxonomy_list.html".into(),
                    extra: vec![
                        ("taxonomy", tax.clone()),
                        ("terms", Value::from(terms.clone())),
                    ],
                    source: format!("taxonomy `{}`", t.name),
                });
            }
            if self.tera.contains_template("taxonomy_single.html") {
                for (term, value) in t.terms.iter().zip(terms) {
                    jobs.push(Job {
                        path: format!("{tax_path}{}/", term.slug),
                        template: "taxonomy_single.html".into(),
                        extra: vec![("taxonomy", tax.clone()), ("term", value)],
                        source: format!("taxonomy `{}` term `{}`", t.name, term.name),
                    });
                }
            }
        }
        jobs
    }

    fn run(&self, job: &Job) -> Result<(String, OutputBody), Diagnostic> {
        let html = if job.template.is_empty() {
            let target = job.extra[0].1.as_str().unwrap_or("/");
            redirect_html(target)
        } else {
            let mut ctx = Context::new();
            ctx.insert("current_path", &job.path);
            ctx.insert("current_url", &self.site.permalink(&job.path));
            for (k, v) in &job.extra {
                ctx.insert_value(*k, v.clone());
            }
            if !self.tera.contains_template(&job.template) {
                return Err(Diagnostic::general(format!("template `{}` not found (while rendering {})", job.template, job.source))
                    .with_help("add it to the site's templates/ folder or the theme, or fix the `template` key"));
            }
            self.tera
                .render(&job.template, &ctx)
                .map_err(|e| tera_error(&e, self.theme, Some(&job.source)))?
        };
        Ok((
            output_file(&job.path),
            OutputBody::text(finish_html(self.site, html, &job.path)),
        ))
    }
}

/// Applies the URL mode to finished HTML (relative mode rewrites site paths).
pub fn finish_html(site: &Site, html: String, path: &str) -> String {
    if site.url_mode.is_relative() {
        relativize_html(&html, path)
    } else {
        html
    }
}

fn redirect_html(target: &str) -> String {
    let t = crate::markdown::escape_attr(target);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting</title>\n<link rel=\"canonical\" href=\"{t}\">\n<meta http-equiv=\"refresh\" content=\"0; url={t}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n"
    )
}

fn config_value(site: &Site) -> Value {
    let c = &site.config;
    let mut m = Map::new();
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
    Value::from(m)
}

fn main_nav(site: &Site) -> Value {
    let root = &site.docs[site.root_section];
    let mut entries: Vec<DocId> = root
        .subsections
        .iter()
        .chain(&root.pages)
        .copied()
        .collect();
    entries.sort_by(|&a, &b| {
        let (a, b) = (&site.docs[a], &site.docs[b]);
        (a.meta.weight.is_none(), a.meta.weight, &a.title).cmp(&(
            b.meta.weight.is_none(),
            b.meta.weight,
            &b.title,
        ))
    });
    Value::from(
        entries
            .into_iter()
            .map(|id| {
                // `[extra] nav_title` gives a short label for the navigation bar.
                let d = &site.docs[id];
                let mut link = link_value(site, d);
                if let (Some(short), Some(map)) = (
                    d.meta.extra.get("nav_title").and_then(|v| v.as_str()),
                    link.as_map(),
                ) {
                    let mut map = map.clone();
                    map.insert("title".into(), Value::from(short));
                    link = Value::from(map);
                }
                link
            })
            .collect::<Vec<_>>(),
    )
}

/// A front matter table as a template value; empty tables skip serde.
fn table_value<T: serde::Serialize + TableLike>(table: &T) -> Value {
    if table.is_empty() {
        Value::from(Map::new())
    } else {
        Value::from_serializable(table)
    }
}

/// Tables that can say they are empty.
trait TableLike {
    fn is_empty(&self) -> bool;
}

impl<K, V> TableLike for BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        BTreeMap::is_empty(self)
    }
}

impl TableLike for serde_json::Map<String, serde_json::Value> {
    fn is_empty(&self) -> bool {
        serde_json::Map::is_empty(self)
    }
}

fn link_value(site: &Site, d: &Document) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), Value::from(d.title.clone()));
    m.insert("permalink".into(), Value::from(site.permalink(&d.path)));
    m.insert("path".into(), Value::from(d.path.clone()));
    Value::from(m)
}

/// Builds every document's template object once: pages first, then sections
/// (which list their pages by sharing those objects).
fn build_values(
    site: &Site,
    comparisons: &HashMap<DocId, String>,
    decisions: &crate::decision::Prepared,
) -> Vec<Value> {
    let base: Vec<Map> = site
        .docs
        .par_iter()
        .enumerate()
        .map(|(id, d)| doc_map(site, id, d, comparisons, decisions))
        .collect();
    // Pages become values as they are; sections then list those (shared) values.
    let mut values = Vec::with_capacity(base.len());
    let mut sections = Vec::new();
    for (id, m) in base.into_iter().enumerate() {
        if site.docs[id].kind == DocKind::Section {
            sections.push((id, m));
            values.push(Value::none());
        } else {
            values.push(Value::from(m));
        }
    }
    for (id, m) in sections {
        values[id] = section_value(site, id, m, &values);
    }
    values
}

fn doc_map(
    site: &Site,
    id: DocId,
    d: &Document,
    comparisons: &HashMap<DocId, String>,
    decisions: &crate::decision::Prepared,
) -> Map {
    let mut m = Map::new();
    let r = &d.rendered;
    let mut content = r.content.clone();
    let mut comparison = comparisons.get(&id).cloned();
    if let Some(table) = &comparison
        && r.html().contains("<!-- comparison -->")
    {
        content = Value::safe_string(&r.html().replacen("<!-- comparison -->", table, 1));
        comparison = None;
    }
    m.insert("title".into(), Value::from(d.title.clone()));
    m.insert(
        "description".into(),
        Value::from(d.meta.description.clone()),
    );
    m.insert("content".into(), content);
    m.insert(
        "summary".into(),
        r.summary
            .as_deref()
            .map_or_else(Value::none, Value::safe_string),
    );
    m.insert("toc".into(), Value::from_serializable(&r.toc));
    m.insert("permalink".into(), Value::from(site.permalink(&d.path)));
    m.insert("path".into(), Value::from(d.path.clone()));
    m.insert("relative_path".into(), Value::from(d.rel_path.clone()));
    m.insert(
        "date".into(),
        Value::from(d.meta.date.as_ref().map(|x| x.0.clone())),
    );
    m.insert(
        "updated".into(),
        Value::from(d.meta.updated.as_ref().map(|x| x.0.clone())),
    );
    m.insert("word_count".into(), Value::from(r.word_count));
    m.insert("reading_time".into(), Value::from(r.reading_time));
    m.insert("weight".into(), Value::from(d.meta.weight));
    m.insert("draft".into(), Value::from(d.meta.draft));
    m.insert("taxonomies".into(), table_value(&d.meta.taxonomies));
    m.insert("attributes".into(), table_value(&d.meta.attributes));
    m.insert("extra".into(), table_value(&d.meta.extra));
    m.insert(
        "ancestors".into(),
        Value::from(
            site.ancestors(id)
                .into_iter()
                .map(|a| link_value(site, &site.docs[a]))
                .collect::<Vec<_>>(),
        ),
    );
    let neighbour =
        |n: Option<DocId>| n.map_or_else(Value::none, |n| link_value(site, &site.docs[n]));
    let (previous, next) = (neighbour(d.previous), neighbour(d.next));
    // Zola's names for the same neighbours share the objects.
    m.insert("lower".into(), next.clone());
    m.insert("higher".into(), previous.clone());
    m.insert("previous".into(), previous);
    m.insert("next".into(), next);
    m.insert(
        "comparison".into(),
        comparison
            .as_deref()
            .map_or_else(Value::none, Value::safe_string),
    );
    m.insert(
        "assets".into(),
        Value::from(
            d.assets
                .iter()
                .map(|a| {
                    site.permalink(&format!(
                        "{}{}",
                        d.path,
                        a.rel_path.rsplit('/').next().unwrap_or("")
                    ))
                })
                .collect::<Vec<_>>(),
        ),
    );
    if let Some(tree) = decisions.value(id) {
        m.insert("decision".into(), tree);
    }
    m
}

/// Sitemap, robots.txt and Atom feeds.
fn add_generated_files(site: &Site, output: &mut SiteOutput) {
    let absolute_http = !site.url_mode.is_relative() && site.config.base_url.contains("://");
    if absolute_http {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        let mut urls: Vec<(String, Option<String>)> = site
            .docs
            .iter()
            .map(|d| {
                (
                    d.path.clone(),
                    d.meta
                        .updated
                        .as_ref()
                        .or(d.meta.date.as_ref())
                        .map(|x| x.0.clone()),
                )
            })
            .collect();
        for t in &site.taxonomies {
            urls.push((format!("/{}/", t.slug), None));
            urls.extend(
                t.terms
                    .iter()
                    .map(|term| (format!("/{}/{}/", t.slug, term.slug), None)),
            );
        }
        urls.extend(
            output
                .files
                .keys()
                .filter(|k| k.ends_with("index.html"))
                .map(|k| (format!("/{}", k.trim_end_matches("index.html")), None)),
        );
        // Keep one entry per path, preferring the one that knows its date.
        urls.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        urls.dedup_by(|a, b| a.0 == b.0);
        for (path, lastmod) in urls {
            xml.push_str(&format!(
                "  <url><loc>{}</loc>",
                xml_escape(&site.permalink(&path))
            ));
            if let Some(l) = lastmod {
                xml.push_str(&format!(
                    "<lastmod>{}</lastmod>",
                    xml_escape(&l[..l.len().min(10)])
                ));
            }
            xml.push_str("</url>\n");
        }
        xml.push_str("</urlset>\n");
        output
            .files
            .insert("sitemap.xml".into(), OutputBody::text(xml));
    }
    let mut robots = String::from("User-agent: *\nDisallow:\n");
    if absolute_http {
        robots.push_str(&format!("Sitemap: {}\n", site.permalink("/sitemap.xml")));
    }
    output
        .files
        .insert("robots.txt".into(), OutputBody::text(robots));

    for d in &site.docs {
        if d.kind == DocKind::Section && d.meta.feed == Some(true) {
            let feed_path = format!("{}atom.xml", d.path);
            output.files.insert(
                output_file(&feed_path),
                OutputBody::text(atom_feed(site, &d.title, &d.path, &feed_path, &d.pages)),
            );
        }
    }
    for t in site.taxonomies.iter().filter(|t| t.feed) {
        for term in &t.terms {
            let path = format!("/{}/{}/", t.slug, term.slug);
            let feed_path = format!("{path}atom.xml");
            let title = format!("{} — {}", site.config.title, term.name);
            output.files.insert(
                output_file(&feed_path),
                OutputBody::text(atom_feed(site, &title, &path, &feed_path, &term.pages)),
            );
        }
    }
}

fn atom_feed(
    site: &Site,
    title: &str,
    html_path: &str,
    feed_path: &str,
    pages: &[DocId],
) -> String {
    let link = |path: &str| match &site.url_mode {
        crate::urls::UrlMode::Relative => {
            relativize(feed_path, path).unwrap_or_else(|| path.to_string())
        }
        _ => site.permalink(path),
    };
    let mut pages: Vec<&Document> = pages.iter().map(|&p| &site.docs[p]).collect();
    pages.sort_by(|a, b| {
        b.meta
            .updated
            .as_ref()
            .or(b.meta.date.as_ref())
            .cmp(&a.meta.updated.as_ref().or(a.meta.date.as_ref()))
    });
    pages.truncate(50);
    let updated = pages
        .iter()
        .filter_map(|p| p.meta.updated.as_ref().or(p.meta.date.as_ref()))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <updated>{updated}</updated>\n  <id>{}</id>\n",
        xml_escape(&site.config.language),
        xml_escape(title),
        xml_escape(&link(feed_path)),
        xml_escape(&link(html_path)),
        xml_escape(&site.permalink(feed_path)),
    );
    for p in pages {
        let when = p
            .meta
            .updated
            .as_ref()
            .or(p.meta.date.as_ref())
            .map_or_else(|| updated.clone(), |d| d.rfc3339());
        let url = link(&p.path);
        xml.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <id>{}</id>\n    <updated>{when}</updated>\n",
            xml_escape(&p.title),
            xml_escape(&url),
            xml_escape(&site.permalink(&p.path)),
        ));
        if let Some(date) = &p.meta.date {
            xml.push_str(&format!("    <published>{}</published>\n", date.rfc3339()));
        }
        if let Some(desc) = &p.meta.description {
            xml.push_str(&format!("    <summary>{}</summary>\n", xml_escape(desc)));
        }
        let content = p.rendered.summary.as_deref().unwrap_or(p.rendered.html());
        let content = if site.url_mode.is_relative() {
            relativize_html(content, feed_path)
        } else {
            content.to_string()
        };
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n  </entry>\n",
            xml_escape(&content)
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

/// Escapes text for XML element content and attributes.
pub fn xml_escape(s: &str) -> String {
    crate::markdown::escape_attr(s)
}

/// What a full render leaves behind for the dev server's incremental
/// re-renders: the model, the parsed templates, and every document's template
/// object (see `serve::incremental` for the dependency map that decides what
/// to re-render).
pub struct RenderCache {
    pub site: Arc<Site>,
    pub templates: Templates,
    comparisons: HashMap<DocId, String>,
    decisions: crate::decision::Prepared,
    values: Vec<Value>,
    values_by_path: Arc<HashMap<String, Value>>,
    /// What each rendered output was rendered from, by site path.
    inputs: HashMap<String, JobRecord>,
    config_global: Value,
    nav_global: Value,
}

/// Address of a map value's shared map (clones of a value share it).
fn map_addr(v: &Value) -> Option<usize> {
    v.as_map().map(|m| m as *const tera::Map as usize)
}

/// `a == b`, taking page objects' equality from `known` (by address).
fn value_eq(a: &Value, b: &Value, known: &HashMap<(usize, usize), bool>) -> bool {
    if let (Some(x), Some(y)) = (a.as_map(), b.as_map()) {
        let key = (
            x as *const tera::Map as usize,
            y as *const tera::Map as usize,
        );
        if let Some(&same) = known.get(&key) {
            return same;
        }
        return x.len() == y.len()
            && x.iter()
                .all(|(k, v)| y.get(k).is_some_and(|w| value_eq(v, w, known)));
    }
    if let (Some(x), Some(y)) = (a.as_array(), b.as_array()) {
        return x.len() == y.len() && x.iter().zip(y).all(|(v, w)| value_eq(v, w, known));
    }
    a == b
}

/// One rendered output file, or why it failed.
type JobResult = Result<OutputFile, Diagnostic>;

/// An output path and its body.
type OutputFile = (String, OutputBody);

/// Splits rendered jobs into output files and the records of what each was
/// rendered from (kept by the dev server), collecting errors.
fn collect_results(
    jobs: Vec<Job>,
    rendered: Vec<(JobResult, Vec<String>)>,
    errors: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, Vec<(String, JobRecord)>) {
    let mut files = Vec::with_capacity(rendered.len());
    let mut records = Vec::with_capacity(rendered.len());
    for (job, (result, lookups)) in jobs.into_iter().zip(rendered) {
        match result {
            Ok(file) => {
                files.push(file);
                let record = JobRecord {
                    template: job.template,
                    extra: job.extra,
                    lookups,
                };
                records.push((job.path, record));
            }
            Err(e) => errors.push(e),
        }
    }
    (files, records)
}

/// The inputs of one rendered output.
struct JobRecord {
    template: String,
    extra: Vec<(&'static str, Value)>,
    /// Documents its template functions looked up (content-relative paths).
    lookups: Vec<String>,
}

/// What [`RenderCache::update_docs`] re-rendered.
#[derive(Debug, Default)]
pub struct Rerendered {
    /// Output files rendered again (changed or not), by output path.
    pub files: Vec<(String, OutputBody)>,
    /// Documents whose template objects were rebuilt.
    pub docs: Vec<DocId>,
}

impl RenderCache {
    /// The previous output of `job` when nothing it was rendered from has
    /// changed (see [`render_site_reusing`]).
    /// Which recorded template-function lookups give the same result for
    /// the new model (`site`, `values_by_path`) as for this one. Each is
    /// compared once, however many outputs made it.
    fn unchanged_lookups(
        &self,
        site: &Site,
        values_by_path: &HashMap<String, Value>,
    ) -> HashSet<String> {
        let keys: HashSet<&String> = self.inputs.values().flat_map(|r| &r.lookups).collect();
        let old = &self.site;
        keys.into_par_iter()
            .filter(|key| {
                let same_doc = |rel: &str, f: &dyn Fn(&Document, &Document) -> bool| match (
                    old.get(rel),
                    site.get(rel),
                ) {
                    (Some(a), Some(b)) => f(a, b),
                    _ => false,
                };
                if let Some(rel) = key.strip_prefix("url:") {
                    same_doc(rel, &|a, b| a.path == b.path)
                } else if let Some(rel) = key.strip_prefix("card:") {
                    // The card also counts the tree's questions and
                    // results: compare the card itself.
                    crate::decision::card_html(old, rel) == crate::decision::card_html(site, rel)
                } else if let Some(rel) = key.strip_prefix("value:") {
                    matches!(
                        (self.values_by_path.get(rel), values_by_path.get(rel)),
                        (Some(a), Some(b)) if a == b
                    )
                } else {
                    false
                }
            })
            .map(|k| k.to_string())
            .collect()
    }

    /// Whether each page's template object is unchanged in the new model,
    /// keyed by the addresses of the old and new objects (listings share
    /// them), so [`value_eq`] compares each page once.
    fn same_pages(&self, site: &Site, values: &[Value]) -> HashMap<(usize, usize), bool> {
        site.docs
            .par_iter()
            .zip(values)
            .filter(|(d, _)| d.kind == DocKind::Page)
            .filter_map(|(d, new)| {
                let old = self.values_by_path.get(&d.rel_path)?;
                Some(((map_addr(old)?, map_addr(new)?), old == new))
            })
            .collect()
    }

    fn reusable(
        &self,
        job: &Job,
        unchanged: &HashSet<String>,
        same_pages: &HashMap<(usize, usize), bool>,
        previous_output: &SiteOutput,
    ) -> Option<((String, OutputBody), Vec<String>)> {
        let rec = self.inputs.get(&job.path)?;
        if rec.template != job.template
            || rec.extra.len() != job.extra.len()
            || !rec
                .extra
                .iter()
                .zip(&job.extra)
                .all(|(a, b)| a.0 == b.0 && value_eq(&a.1, &b.1, same_pages))
        {
            return None;
        }
        if !rec.lookups.iter().all(|k| unchanged.contains(k)) {
            return None;
        }
        let file = output_file(&job.path);
        let body = previous_output.files.get(&file)?.clone();
        Some(((file, body), rec.lookups.clone()))
    }

    /// Re-renders every output from the kept model with new templates or a
    /// new theme, without re-parsing any Markdown.
    pub fn rerender_all(
        self,
        theme: &Theme,
        templates: Templates,
    ) -> Result<(SiteOutput, RenderCache), Vec<Diagnostic>> {
        let site = self.site;
        drop(self.templates);
        render_site_cached(site, theme, templates)
    }

    /// Documents whose comparison tables list `id` as an item.
    pub fn comparisons_citing(&self, id: DocId) -> Vec<DocId> {
        let site = &self.site;
        site.docs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.meta.comparison.as_ref().is_some_and(|spec| {
                    spec.items.iter().any(|item| {
                        site.get(item)
                            .is_some_and(|t| t.rel_path == site.docs[id].rel_path)
                    })
                })
            })
            .map(|(c, _)| c)
            .collect()
    }

    /// Replaces documents that kept their place in the site (same path,
    /// title, dates, weight, taxonomies, aliases...) and re-renders only the
    /// outputs that show them. `changed` holds the new documents (from
    /// [`crate::model::reparse_document`]) by id. On error the cache may be
    /// part-updated: the caller must then do a full build before the next
    /// incremental one.
    ///
    /// Re-rendered, per changed document `d` (the dependency map):
    /// - `d`'s own outputs (its page, or its section listing with every
    ///   pagination page) and alias redirects;
    /// - every document whose comparison table lists `d` (its table is
    ///   rebuilt), and every decision-tree page when the site has any;
    /// - the parent section's listing (it embeds `d`'s template object in
    ///   `section.pages`) and the grandparent's (it embeds it through
    ///   `section.subsections[].pages`);
    /// - the taxonomy list and term pages of every taxonomy term on `d`;
    /// - feeds, robots.txt and the sitemap (cheap, always regenerated).
    ///
    /// Not here because the caller's identity check guarantees they cannot
    /// change: previous/next links, breadcrumbs and `main_nav` (titles and
    /// paths only), internal links to `d` (paths only). Templates that call
    /// `get_page`/`get_section` can embed any document anywhere, so the
    /// caller re-renders everything for sites whose templates use them.
    pub fn update_docs(
        &mut self,
        theme: &Theme,
        output: &SiteOutput,
        changed: Vec<(DocId, Document)>,
    ) -> Result<Rerendered, Vec<Diagnostic>> {
        use std::collections::BTreeSet;
        // Drop the template functions' handle on the site so it can be
        // updated in place instead of cloned.
        self.templates.clear_site();
        let mut touched: BTreeSet<DocId> = BTreeSet::new();
        for (id, _) in &changed {
            touched.insert(*id);
            touched.extend(self.comparisons_citing(*id));
        }
        {
            let site = Arc::make_mut(&mut self.site);
            for (id, doc) in changed {
                site.docs[id] = doc;
            }
        }
        let site = self.site.clone();
        let mut errors = Vec::new();
        for &id in &touched {
            let d = &site.docs[id];
            if let Some(spec) = &d.meta.comparison {
                match render_table(&site, spec) {
                    Ok(html) => {
                        self.comparisons.insert(id, html);
                    }
                    Err(errs) => errors.extend(errs.iter().map(|e| e.to_diagnostic(d))),
                }
            } else {
                self.comparisons.remove(&id);
            }
        }
        if site.docs.iter().any(|d| d.meta.decision.is_some()) {
            match crate::decision::prepare(&site) {
                Ok(p) => self.decisions = p,
                Err(e) => errors.extend(e),
            }
            touched.extend(
                site.docs
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.meta.decision.is_some())
                    .map(|(i, _)| i),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Template objects: pages first, then the sections that embed them.
        let mut sections: BTreeSet<DocId> = BTreeSet::new();
        for &id in &touched {
            let d = &site.docs[id];
            match d.kind {
                DocKind::Page => {
                    self.values[id] =
                        Value::from(doc_map(&site, id, d, &self.comparisons, &self.decisions));
                }
                DocKind::Section => {
                    sections.insert(id);
                }
            }
            let parent = d.parent;
            sections.extend(parent);
            sections.extend(parent.and_then(|p| site.docs[p].parent));
        }
        for &s in &sections {
            let base = doc_map(&site, s, &site.docs[s], &self.comparisons, &self.decisions);
            self.values[s] = section_value(&site, s, base, &self.values);
        }
        let all: Vec<DocId> = touched.iter().chain(&sections).copied().collect();
        {
            let by_path = Arc::make_mut(&mut self.values_by_path);
            for &id in &all {
                by_path.insert(site.docs[id].rel_path.clone(), self.values[id].clone());
            }
        }
        self.templates.set_site(Arc::new(FunctionData {
            site: site.clone(),
            values: self.values_by_path.clone(),
        }));

        // Jobs.
        let tera = &self.templates.tera;
        let renderer = Renderer {
            site: &site,
            theme,
            tera,
            values: &self.values,
        };
        let mut jobs: Vec<Job> = Vec::new();
        let mut seen = BTreeSet::new();
        for &id in &all {
            if seen.insert(id) {
                jobs.extend(renderer.doc_jobs(id, &site.docs[id]));
            }
        }
        let mut tax_paths: BTreeSet<String> = BTreeSet::new();
        for t in &site.taxonomies {
            for term in &t.terms {
                if term.pages.iter().any(|p| touched.contains(p)) {
                    tax_paths.insert(format!("/{}/", t.slug));
                    tax_paths.insert(format!("/{}/{}/", t.slug, term.slug));
                }
            }
        }
        if !tax_paths.is_empty() {
            jobs.extend(
                renderer
                    .taxonomy_jobs()
                    .into_iter()
                    .filter(|j| tax_paths.contains(&j.path)),
            );
        }
        let rendered: Vec<(JobResult, Vec<String>)> = jobs
            .par_iter()
            .map(|job| recording_lookups(|| renderer.run(job)))
            .collect();
        let (mut files, records) = collect_results(jobs, rendered, &mut errors);
        self.inputs.extend(records);
        for &id in &touched {
            let doc = &site.docs[id];
            match crate::decision::outputs(&site, tera, id, doc, &self.decisions, &self.values[id])
            {
                Ok(out) => files.extend(out),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Feeds, robots.txt, sitemap.
        let mut generated = SiteOutput::default();
        if site.config.base_url.contains("://") {
            generated.files = output
                .files
                .iter()
                .filter(|(k, _)| k.ends_with("index.html"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        add_generated_files(&site, &mut generated);
        files.extend(
            generated.files.into_iter().filter(|(k, _)| {
                k == "robots.txt" || k == "sitemap.xml" || k.ends_with("atom.xml")
            }),
        );
        Ok(Rerendered { files, docs: all })
    }
}

/// A section's template object: its own keys plus its pages and subsections
/// (sharing the pages' objects), as [`build_values`] makes it.
fn section_value(site: &Site, id: DocId, mut m: Map, values: &[Value]) -> Value {
    let d = &site.docs[id];
    m.insert(
        "pages".into(),
        Value::from(
            d.pages
                .iter()
                .map(|&p| values[p].clone())
                .collect::<Vec<_>>(),
        ),
    );
    let subs: Vec<Value> = d
        .subsections
        .iter()
        .map(|&s| {
            let sd = &site.docs[s];
            let mut sm = Map::new();
            sm.insert("title".into(), Value::from(sd.title.clone()));
            sm.insert(
                "description".into(),
                Value::from(sd.meta.description.clone()),
            );
            sm.insert("permalink".into(), Value::from(site.permalink(&sd.path)));
            sm.insert("path".into(), Value::from(sd.path.clone()));
            sm.insert("relative_path".into(), Value::from(sd.rel_path.clone()));
            sm.insert(
                "pages".into(),
                Value::from(
                    sd.pages
                        .iter()
                        .map(|&p| values[p].clone())
                        .collect::<Vec<_>>(),
                ),
            );
            Value::from(sm)
        })
        .collect();
    m.insert("subsections".into(), Value::from(subs));
    Value::from(m)
}
