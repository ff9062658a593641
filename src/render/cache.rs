//! What a full render leaves behind for the dev server, and the two ways it
//! is used: reusing unchanged outputs after a new model ([`RenderCache::reusable`])
//! and re-rendering only the dependants of edited documents
//! ([`RenderCache::update_docs`]).
//!
//! The dependency map, per changed document `d`:
//! - `d`'s own outputs (its page, or its listing with every pagination
//!   page), its alias redirects and its feature jobs (a tree's pages);
//! - every document a feature says shows `d` ([`Prepared::dependants`]: the
//!   comparison tables listing `d`, every decision tree);
//! - the parent section's listing (it embeds `d`'s template object in
//!   `section.pages`) and the grandparent's (through `section.subsections`);
//! - the taxonomy list and term pages of every term on `d`;
//! - every output whose template functions looked up `d`'s template object
//!   or link card (`get_page`, `get_section`, `comparison()`,
//!   `decision_card`), as recorded when it was last rendered;
//! - feeds, robots.txt and the sitemap (cheap, always regenerated).
//!
//! Not here, because the dev server only takes this path when they cannot
//! change: previous/next links, breadcrumbs and `main_nav` (titles and paths
//! only), internal links to `d` (paths only).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tera::Value;

use super::jobs::Planner;
use super::values::{doc_object, section_value};
use super::{JobResult, Renderer, collect_results, generated};
use crate::diagnostics::Diagnostic;
use crate::features::{self, Prepared};
use crate::model::{DocId, DocKind, Document, Site};
use crate::plan::{Job, JobKind, Lookup, OutputBody, SiteOutput};
use crate::source::theme::{TemplateSource, Theme};
use crate::templates::{FunctionData, Templates, recording_lookups};
use crate::urls::output_file;

/// The model, templates, feature states and template objects of the last
/// good render, and what each output was rendered from.
pub(crate) struct RenderCache {
    pub(crate) site: Arc<Site>,
    pub(crate) templates: Templates,
    pub(super) features: Arc<Vec<Box<dyn Prepared>>>,
    pub(super) values: Vec<Value>,
    pub(super) values_by_path: Arc<HashMap<String, Value>>,
    /// Every document's link object (`{ title, permalink, path,
    /// relative_path }`), by id; the next render reuses those still true.
    pub(super) links: Vec<Value>,
    /// What each rendered output was rendered from, by site path.
    /// (Fx: every rebuild of the dev server asks it once per output.)
    pub(super) inputs: FxHashMap<String, JobRecord>,
    pub(super) config_global: Value,
    pub(super) nav_global: Value,
    /// Paths of the features' site-wide outputs (the search index).
    pub(super) site_paths: HashSet<String>,
}

/// The inputs of one rendered output.
pub(super) struct JobRecord {
    pub(super) source: String,
    pub(super) kind: JobKind,
    pub(super) vars: Vec<(&'static str, Value)>,
    /// What its template functions looked up.
    pub(super) lookups: Vec<Lookup>,
}

impl JobRecord {
    /// The job that rendered output `path` last time, to run again.
    fn job(&self, path: &str) -> Job {
        Job {
            path: path.to_string(),
            kind: self.kind.clone(),
            vars: self.vars.clone(),
            source: self.source.clone(),
        }
    }
}

/// What [`RenderCache::update_docs`] re-rendered.
#[derive(Debug, Default)]
pub(crate) struct Rerendered {
    /// Output files rendered again (changed or not), by output path.
    pub(crate) files: Vec<(String, OutputBody)>,
    /// Output files the site no longer has (index shards of words gone).
    pub(crate) removed: Vec<String>,
}

fn map_addr(v: &Value) -> Option<usize> {
    v.as_map().map(|m| m as *const tera::Map as usize)
}

/// Deep equality of template values, comparing each pair of shared page
/// objects once (`known` caches the answers by address). Maps and lists are
/// shared, immutable allocations: one at the same address is equal without
/// a look inside (the A–Z search pages list thousands of entries kept from
/// the last render, and comparing them field by field was 20 ms of an edit).
fn value_eq(a: &Value, b: &Value, known: &FxHashMap<(usize, usize), bool>) -> bool {
    if let (Some(x), Some(y)) = (a.as_map(), b.as_map()) {
        if std::ptr::eq(x, y) {
            return true;
        }
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
        return std::ptr::eq(x, y)
            || x.len() == y.len() && x.iter().zip(y).all(|(v, w)| value_eq(v, w, known));
    }
    a == b
}

/// The previous render and its output, for a render that may reuse them.
pub(super) struct Reuse<'a> {
    cache: &'a RenderCache,
    output: &'a SiteOutput,
    unchanged: FxHashSet<Lookup>,
    same_pages: FxHashMap<(usize, usize), bool>,
    /// When `main_nav` changed: the templates whose outputs may still be
    /// reused (none of them can show it).
    nav_free: Option<HashSet<String>>,
}

/// The templates of `theme` that cannot show the `main_nav` global: neither
/// their text nor that of a template they name (`extends`, `include`,
/// `import`, followed to the end) mentions it. A template naming one whose
/// text the theme does not hold (a built-in) counts as showing it, and so
/// does every template when one defines components (a component's caller
/// does not name its template). Names are found as quoted strings
/// ([`TemplateSource::names`]): a mention in a comment only costs a reuse.
pub(super) fn nav_free_templates(theme: &Theme, tera: &tera::Tera) -> HashSet<String> {
    let templates: Vec<&TemplateSource> = theme.templates.values().collect();
    if templates.iter().any(|t| t.text.contains("component")) {
        return HashSet::new();
    }
    let mut shows: HashSet<&str> = tera
        .get_template_names()
        .filter(|n| !theme.templates.contains_key(*n))
        .collect();
    shows.extend(
        templates
            .iter()
            .filter(|t| t.text.contains("main_nav"))
            .map(|t| t.name.as_str()),
    );
    loop {
        let more: Vec<&str> = templates
            .iter()
            .filter(|t| !shows.contains(t.name.as_str()))
            .filter(|t| shows.iter().any(|n| t.names(n)))
            .map(|t| t.name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        shows.extend(more);
    }
    templates
        .iter()
        .filter(|t| !shows.contains(t.name.as_str()))
        .map(|t| t.name.clone())
        .collect()
}

impl RenderCache {
    /// Prepares reuse of this render's outputs by a render of a new model
    /// (`site`, `values`), when the `config` global is unchanged. When
    /// `main_nav` changed (a top-level section or page came, went or was
    /// renamed), only outputs of the templates `nav_free` names, which
    /// cannot show it, are reused ([`nav_free_templates`]).
    pub(super) fn reuse_for<'a>(
        &'a self,
        output: &'a SiteOutput,
        site: &Site,
        values: &[Value],
        values_by_path: &HashMap<String, Value>,
        globals: (&Value, &Value),
        nav_free: &dyn Fn() -> HashSet<String>,
    ) -> Option<Reuse<'a>> {
        if self.config_global != *globals.0 {
            return None;
        }
        let nav_free = (self.nav_global != *globals.1).then(nav_free);
        Some(Reuse {
            cache: self,
            output,
            unchanged: self.unchanged_lookups(site, values_by_path),
            same_pages: self.same_pages(site, values),
            nav_free,
        })
    }

    /// Which recorded template-function lookups give the same result for
    /// the new model as for this one. Each is compared once, however many
    /// outputs made it.
    fn unchanged_lookups(
        &self,
        site: &Site,
        values_by_path: &HashMap<String, Value>,
    ) -> FxHashSet<Lookup> {
        let keys: FxHashSet<&Lookup> = self.inputs.values().flat_map(|r| &r.lookups).collect();
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
                match key {
                    Lookup::Url(rel) => same_doc(rel, &|a, b| a.path == b.path),
                    Lookup::Card(rel) => same_doc(rel, &|a, b| {
                        a.path == b.path
                            && a.title == b.title
                            && a.front_matter_text() == b.front_matter_text()
                    }),
                    Lookup::Value(rel) => matches!(
                        (self.values_by_path.get(rel), values_by_path.get(rel)),
                        (Some(a), Some(b)) if map_addr(a).is_some_and(|x| map_addr(b) == Some(x)) || a == b
                    ),
                    Lookup::Untracked => false,
                }
            })
            .map(|k| k.clone())
            .collect()
    }

    /// Whether each page's template object is unchanged in the new model,
    /// keyed by the addresses of the old and new objects (listings share
    /// them), so [`value_eq`] compares each page once.
    fn same_pages(&self, site: &Site, values: &[Value]) -> FxHashMap<(usize, usize), bool> {
        site.docs
            .par_iter()
            .zip(values)
            .filter(|(d, _)| d.kind == DocKind::Page)
            .filter_map(|(d, new)| {
                let old = self.values_by_path.get(&d.rel_path)?;
                let (a, b) = (map_addr(old)?, map_addr(new)?);
                // A kept object is the same one (`values::build_values`).
                Some(((a, b), a == b || old == new))
            })
            .collect()
    }

    /// Replaces documents that kept their place in the site and re-renders
    /// only the outputs that show them (see the module docs for the
    /// dependency map). `changed` holds the new documents by id. On error the
    /// cache may be part-updated: the caller must then do a full build
    /// before the next incremental one.
    pub(crate) fn update_docs(
        &mut self,
        theme: &Theme,
        changed: Vec<(DocId, Document)>,
    ) -> Result<Rerendered, Vec<Diagnostic>> {
        // Drop the template functions' handle on the site so it can be
        // updated in place instead of cloned.
        let t0 = std::time::Instant::now();
        self.templates.clear_site();
        let changed_ids: Vec<DocId> = changed.iter().map(|(id, _)| *id).collect();
        // What the changed documents made before (a decision tree's steps
        // follow its routes): the outputs they no longer make are removed.
        let made_before: HashSet<String> = {
            let tera = &self.templates.tera;
            let has_template = |name: &str| tera.contains_template(name);
            let before = Planner {
                site: &self.site,
                values: &self.values,
                features: &self.features,
                previous: None,
                has_template: &has_template,
            };
            changed_ids
                .iter()
                .flat_map(|&id| before.doc_jobs(id))
                .map(|j| j.path)
                .collect()
        };
        {
            let site = Arc::make_mut(&mut self.site);
            for (id, doc) in changed {
                site.docs[id] = doc;
            }
        }
        let site = self.site.clone();
        tracing::debug!("update_docs: model updated at {:?}", t0.elapsed());
        let previous_features =
            std::mem::replace(&mut self.features, Arc::new(features::prepare_all(&site)?));
        tracing::debug!("update_docs: features prepared at {:?}", t0.elapsed());
        let mut touched: BTreeSet<DocId> = BTreeSet::new();
        for &id in &changed_ids {
            touched.insert(id);
            for f in self.features.iter() {
                touched.extend(f.dependants(&site, id));
            }
        }
        // Template objects: pages first, then the sections that embed them.
        // An edit on this path keeps every title and path, so the kept link
        // objects are still true.
        let mut sections: BTreeSet<DocId> = BTreeSet::new();
        for &id in &touched {
            let d = &site.docs[id];
            match d.kind {
                DocKind::Page => {
                    self.values[id] =
                        doc_object(&site, id, &self.features, &self.links).page_value();
                }
                DocKind::Section => {
                    sections.insert(id);
                }
            }
            sections.extend(d.parent);
            sections.extend(d.parent.and_then(|p| site.docs[p].parent));
        }
        for &s in &sections {
            let base = doc_object(&site, s, &self.features, &self.links);
            self.values[s] = section_value(&site, s, base, &self.values);
        }
        let all: BTreeSet<DocId> = touched.iter().chain(&sections).copied().collect();
        {
            let by_path = Arc::make_mut(&mut self.values_by_path);
            for &id in &all {
                by_path.insert(site.docs[id].rel_path.clone(), self.values[id].clone());
            }
        }
        self.templates.set_site(Arc::new(FunctionData {
            site: site.clone(),
            values: self.values_by_path.clone(),
            features: self.features.clone(),
            statics: Arc::new(theme.statics.clone()),
        }));

        let tera = &self.templates.tera;
        let has_template = |name: &str| tera.contains_template(name);
        let planner = Planner {
            site: &site,
            values: &self.values,
            features: &self.features,
            previous: Some(previous_features.as_slice()),
            has_template: &has_template,
        };
        let mut jobs: Vec<Job> = all.iter().flat_map(|&id| planner.doc_jobs(id)).collect();
        let made_now: HashSet<&str> = jobs.iter().map(|j| j.path.as_str()).collect();
        let mut gone: Vec<String> = made_before
            .into_iter()
            .filter(|p| !made_now.contains(p.as_str()))
            .collect();
        // Site-wide feature outputs (the search index) whose inputs changed,
        // and those no longer made.
        let site_jobs = planner.site_jobs();
        let site_paths: HashSet<String> = site_jobs.iter().map(|j| j.path.clone()).collect();
        let mut removed: Vec<String> = self.site_paths.difference(&site_paths).cloned().collect();
        removed.append(&mut gone);
        removed.sort();
        for path in &removed {
            self.inputs.remove(path);
        }
        let removed = removed.iter().map(|p| output_file(p)).collect();
        self.site_paths = site_paths;
        jobs.extend(site_jobs.into_iter().filter(|j| {
            !self.inputs.get(&j.path).is_some_and(|rec| {
                rec.kind == j.kind
                    && rec.vars.len() == j.vars.len()
                    && rec.vars.iter().zip(&j.vars).all(|(a, b)| a == b)
            })
        }));
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
                planner
                    .taxonomy_jobs()
                    .into_iter()
                    .filter(|j| tax_paths.contains(&j.path)),
            );
        }
        // Outputs that looked one of them up, as they were last planned.
        let rels: HashSet<&str> = all
            .iter()
            .map(|&id| site.docs[id].rel_path.as_str())
            .collect();
        let planned: HashSet<String> = jobs.iter().map(|j| j.path.clone()).collect();
        let mut lookers: Vec<Job> = self
            .inputs
            .iter()
            .filter(|(path, rec)| {
                !planned.contains(*path)
                    && rec.lookups.iter().any(|l| match l {
                        Lookup::Value(r) | Lookup::Card(r) => rels.contains(r.as_str()),
                        Lookup::Url(_) | Lookup::Untracked => false,
                    })
            })
            .map(|(path, rec)| rec.job(path))
            .collect();
        lookers.sort_by(|a, b| a.path.cmp(&b.path));
        jobs.extend(lookers);
        let renderer = Renderer {
            site: &site,
            theme,
            tera,
        };
        tracing::debug!(
            "update_docs: {} jobs planned at {:?}",
            jobs.len(),
            t0.elapsed()
        );
        let rendered: Vec<(JobResult, Vec<Lookup>)> = jobs
            .par_iter()
            .map(|job| recording_lookups(|| renderer.run(job)))
            .collect();
        tracing::debug!("update_docs: rendered at {:?}", t0.elapsed());
        let mut errors = Vec::new();
        let (mut files, records) = collect_results(jobs, rendered, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.inputs.extend(records);
        // Feeds, robots.txt, sitemap (cheap; the sitemap lists every page written).
        let generated = generated::jobs(
            &site,
            &self.values,
            self.inputs.iter().map(|(p, r)| (p.as_str(), &r.kind)),
        );
        let rendered: Vec<(JobResult, Vec<Lookup>)> = generated
            .par_iter()
            .map(|job| recording_lookups(|| renderer.run(job)))
            .collect();
        let (more, records) = collect_results(generated, rendered, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        files.extend(more);
        self.inputs.extend(records);
        tracing::debug!("update_docs: generated files at {:?}", t0.elapsed());
        Ok(Rerendered { files, removed })
    }
}

impl RenderCache {
    /// Swaps in `templates` (re-parsed after template edits that kept every
    /// template name, with the static files unchanged) and re-renders, from
    /// the kept model and template objects, the outputs last rendered with a
    /// template in `only`, or every output when `only` is `None`. Nothing
    /// else can differ: the jobs a site has depend on which templates exist,
    /// not on their text. On error the cache is part-updated: the caller
    /// must do a full build before the next incremental one.
    pub(crate) fn update_templates(
        &mut self,
        theme: &Theme,
        templates: Templates,
        only: Option<&HashSet<String>>,
    ) -> Result<Rerendered, Vec<Diagnostic>> {
        self.templates.clear_site();
        self.templates = templates;
        self.templates.set_site(Arc::new(FunctionData {
            site: self.site.clone(),
            values: self.values_by_path.clone(),
            features: self.features.clone(),
            statics: Arc::new(theme.statics.clone()),
        }));
        let globals = self.templates.tera.global_context();
        globals.insert_value("config", self.config_global.clone());
        globals.insert_value("main_nav", self.nav_global.clone());
        let mut jobs: Vec<Job> = self
            .inputs
            .iter()
            .filter(|(_, rec)| match (&rec.kind, only) {
                (_, None) => true,
                (JobKind::Template(t), Some(names)) => names.contains(t),
                _ => false,
            })
            .map(|(path, rec)| rec.job(path))
            .collect();
        jobs.sort_by(|a, b| a.path.cmp(&b.path));
        let renderer = Renderer {
            site: &self.site,
            theme,
            tera: &self.templates.tera,
        };
        let rendered: Vec<(JobResult, Vec<Lookup>)> = jobs
            .par_iter()
            .map(|job| recording_lookups(|| renderer.run(job)))
            .collect();
        let mut errors = Vec::new();
        let (files, records) = collect_results(jobs, rendered, &mut errors);
        if !errors.is_empty() {
            return Err(super::once_per_place(errors));
        }
        self.inputs.extend(records);
        Ok(Rerendered {
            files,
            removed: Vec::new(),
        })
    }

    /// Finishes what the features left for after the reload event
    /// ([`Prepared::finish`]: the search index) and records the files as
    /// this cache's outputs: the files now, by output path, and the output
    /// paths that go; `None` when nothing was left. A file that would take
    /// the path of another output in `current` is left out (the next
    /// render reports the clash).
    pub(crate) fn finish(&mut self, current: &SiteOutput) -> Option<Rerendered> {
        let mut finished = None;
        for f in self.features.iter() {
            let Some((jobs, gone)) = f.finish() else {
                continue;
            };
            let Rerendered { files, removed } = finished.get_or_insert_with(|| Rerendered {
                files: Vec::new(),
                removed: Vec::new(),
            });
            for path in gone {
                self.inputs.remove(&path);
                self.site_paths.remove(&path);
                removed.push(output_file(&path));
            }
            for job in jobs {
                let JobKind::Raw(bytes) = &job.kind else {
                    debug_assert!(false, "only files are finished late: {}", job.path);
                    continue;
                };
                let file = output_file(&job.path);
                if !self.site_paths.contains(&job.path) && current.files.contains_key(&file) {
                    tracing::warn!("{file}: another output has this path; left as it is");
                    continue;
                }
                files.push((file, OutputBody::Generated(bytes.clone())));
                self.site_paths.insert(job.path.clone());
                self.inputs.insert(
                    job.path,
                    JobRecord {
                        source: job.source,
                        kind: job.kind,
                        vars: job.vars,
                        lookups: Vec::new(),
                    },
                );
            }
        }
        finished
    }
}

impl Reuse<'_> {
    /// The previous output of `job` when nothing it was rendered from has
    /// changed, with what it looked up.
    pub(super) fn reusable(&self, job: &Job) -> Option<((String, OutputBody), Vec<Lookup>)> {
        let rec = self.cache.inputs.get(&job.path)?;
        if let Some(free) = &self.nav_free {
            match &job.kind {
                JobKind::Template(t) if free.contains(t) => {}
                JobKind::Raw(_) => {}
                _ => return None,
            }
        }
        if rec.kind != job.kind
            || rec.vars.len() != job.vars.len()
            || !rec
                .vars
                .iter()
                .zip(&job.vars)
                .all(|(a, b)| a.0 == b.0 && value_eq(&a.1, &b.1, &self.same_pages))
        {
            return None;
        }
        if !rec.lookups.iter().all(|k| self.unchanged.contains(k)) {
            return None;
        }
        let file = output_file(&job.path);
        let body = self.output.files.get(&file)?.clone();
        Some(((file, body), rec.lookups.clone()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::pipeline::{self, BuildOptions};
    use crate::urls::UrlMode;

    fn write(root: &std::path::Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Values are equal by content, whether or not they share an
    /// allocation; a shared one is equal at once, and a pair of page objects
    /// is what `known` says it is.
    #[test]
    fn values_compare_by_content_and_shared_ones_at_once() {
        use rustc_hash::FxHashMap;

        use super::value_eq;
        use tera::{Map, Value};
        let map = |b: &[i64]| {
            let mut m = Map::new();
            m.insert("a".into(), Value::from("x"));
            m.insert("b".into(), Value::from(b.to_vec()));
            Value::from(m)
        };
        let none = FxHashMap::default();
        let (one, same, other) = (map(&[1, 2]), map(&[1, 2]), map(&[1, 3]));
        assert!(value_eq(&one, &one.clone(), &none));
        assert!(
            value_eq(&one, &same, &none),
            "equal contents, two allocations"
        );
        assert!(!value_eq(&one, &other, &none));
        assert!(!value_eq(&one, &map(&[1]), &none));
        let list = |v: &[i64]| Value::from(v.to_vec());
        assert!(value_eq(&list(&[1, 2]), &list(&[1, 2]), &none));
        assert!(!value_eq(&list(&[1, 2]), &list(&[1, 3]), &none));
        assert!(!value_eq(&list(&[1, 2]), &list(&[1]), &none));
        assert!(value_eq(&Value::from("s"), &Value::from("s"), &none));
        assert!(!value_eq(&Value::from("s"), &Value::from("t"), &none));
        let addr = |v: &Value| v.as_map().unwrap() as *const Map as usize;
        let known = FxHashMap::from_iter([((addr(&one), addr(&other)), true)]);
        assert!(
            value_eq(&one, &other, &known),
            "a known pair is not looked into"
        );
    }

    /// Re-renders after editing `edit`'s body; returns the output paths rendered again.
    fn rerendered_after_editing(edit: &str, templates: &[(&str, &str)]) -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "guidepost.toml",
            "title = \"T\"\ntaxonomies = [{ name = \"tags\" }]\n",
        );
        write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        write(root, "content/s/_index.md", "+++\ntitle = \"S\"\n+++\n");
        write(
            root,
            "content/s/a.md",
            "+++\ntitle = \"A\"\n[taxonomies]\ntags = [\"x\"]\n[attributes]\nk = \"one\"\n+++\nA body.\n",
        );
        write(
            root,
            "content/s/b.md",
            "+++\ntitle = \"B\"\n[attributes]\nk = \"two\"\n+++\nB body.\n",
        );
        write(
            root,
            "content/cmp.md",
            "+++\ntitle = \"Cmp\"\n[comparison]\nitems = [\"@/s/a.md\", \"@/s/b.md\"]\nrows = [{ key = \"k\", label = \"K\" }]\n+++\n",
        );
        write(
            root,
            "content/other.md",
            "+++\ntitle = \"Other\"\n+++\nOther.\n",
        );
        // One-item tables: a table citing only the edited page must follow
        // it, one citing only another page must not.
        write(
            root,
            "content/only-a.md",
            "+++\ntitle = \"Only A\"\n[comparison]\nitems = [\"@/s/a.md\"]\nrows = [{ key = \"k\", label = \"K\" }]\n+++\n",
        );
        write(
            root,
            "content/only-b.md",
            "+++\ntitle = \"Only B\"\n[comparison]\nitems = [\"@/s/b.md\"]\nrows = [{ key = \"k\", label = \"K\" }]\n+++\n",
        );
        for (name, text) in templates {
            write(root, &format!("templates/{name}"), text);
        }
        let options = BuildOptions {
            root: root.to_path_buf(),
            url_mode: Some(UrlMode::Absolute {
                base: String::new(),
            }),
            ..Default::default()
        };
        let mut built = pipeline::build(&options, None).unwrap_or_else(|e| panic!("{e}"));
        let path = root.join("content").join(edit);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\nMore text.\n")).unwrap();
        let files = pipeline::patch_documents(&mut built.state, root, &[edit], |_, _| true)
            .unwrap_or_else(|_| panic!("patch failed"))
            .expect("the edit keeps its place");
        files.0.into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn an_edit_re_renders_exactly_its_dependants() {
        let got = rerendered_after_editing("s/a.md", &[]);
        for expected in [
            "s/a/index.html",    // its page
            "s/index.html",      // its section lists it
            "index.html",        // the grandparent lists it through subsections
            "cmp/index.html",    // a comparison cites it
            "only-a/index.html", // a comparison cites it and nothing else
            "tags/x/index.html", // its taxonomy term
            "tags/index.html",
            "robots.txt",
        ] {
            assert!(got.contains(expected), "{expected} missing from {got:?}");
        }
        for unrelated in ["s/b/index.html", "other/index.html", "only-b/index.html"] {
            assert!(!got.contains(unrelated), "{unrelated} re-rendered: {got:?}");
        }
    }

    #[test]
    fn outputs_that_looked_a_page_up_are_re_rendered_too() {
        let looker = "{% set a = get_page(path=\"s/a.md\") %}<!DOCTYPE html><html lang=\"en\"><head><title>{{ page.title }}</title></head><body>{{ a.content | safe }}</body></html>";
        let got = rerendered_after_editing("s/a.md", &[("other.html", looker)]);
        assert!(
            !got.contains("other/index.html"),
            "other.md does not use other.html"
        );
        // The page that uses the template that looks `a` up.
        let dir_got = rerendered_after_editing("s/a.md", &[("page.html", looker)]);
        assert!(
            dir_got.contains("other/index.html"),
            "a page whose template called get_page(a) is re-rendered: {dir_got:?}"
        );
    }
}
