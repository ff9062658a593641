//! Job planning: which outputs a document, a taxonomy and the site make,
//! with the template and variables of each. Pure: nothing renders here.

use std::collections::HashSet;

use rayon::prelude::*;

use tera::{Map, Value};

use super::values::page_list;
use crate::features::Prepared;
use crate::model::{DocId, DocKind, Site};
use crate::plan::{Job, JobKind};

/// A listing to paginate: its site path, its pages in order, how many per
/// page and the folder of later pages (`page`).
pub(super) struct Pager<'a> {
    pub base: &'a str,
    pub pages: &'a [DocId],
    pub per_page: usize,
    pub folder: &'a str,
}

/// Site path of the page a host serves for missing URLs.
pub(super) const NOT_FOUND_PATH: &str = "/404.html";

/// What job planning needs to know.
pub(super) struct Planner<'a> {
    pub site: &'a Site,
    pub values: &'a [Value],
    pub features: &'a [Box<dyn Prepared>],
    /// The features' states of the previous render (the dev server), in registry order.
    pub previous: Option<&'a [Box<dyn Prepared>]>,
    pub has_template: &'a (dyn Fn(&str) -> bool + Sync),
}

impl Planner<'_> {
    /// Every output of document `id`: its page (or each page of its
    /// paginated listing), its alias redirects, and what features add.
    pub(super) fn doc_jobs(&self, id: DocId) -> Vec<Job> {
        let site = self.site;
        let doc = &site.docs[id];
        let value = self.values[id].clone();
        let source = doc.display_path.display().to_string();
        let mut jobs = Vec::new();
        if doc.meta.render == Some(false) {
            // Zola's `render = false`: listed and reachable, but no file.
        } else if let (DocKind::Section, Some(target)) = (doc.kind, &doc.meta.redirect_to) {
            let url = if target.contains("://") {
                target.clone()
            } else {
                site.permalink(&format!("/{}", target.trim_start_matches('/')))
            };
            jobs.push(Job {
                path: doc.path.clone(),
                kind: JobKind::Redirect(url),
                vars: Vec::new(),
                source: source.clone(),
            });
        } else {
            jobs.extend(self.main_jobs(id, &value, &source));
        }
        if doc.meta.render != Some(false) {
            jobs.extend(self.alias_jobs(id, &source));
        }
        for f in self.features {
            jobs.extend(f.jobs(site, id, &value));
        }
        if let Some(embed) = self.features.iter().find_map(|f| f.embed(site, id)) {
            for f in self.features {
                jobs.extend(f.embed_jobs(site, id, &value, &embed));
            }
        }
        jobs
    }

    /// A document's own page (or the pages of its paginated listing).
    fn main_jobs(&self, id: DocId, value: &Value, source: &str) -> Vec<Job> {
        let site = self.site;
        let doc = &site.docs[id];
        let mut jobs = Vec::new();
        match doc.kind {
            DocKind::Page => {
                let template = doc.meta.template.clone().unwrap_or_else(|| {
                    self.features
                        .iter()
                        .find_map(|f| f.default_template(site, id, self.has_template))
                        .map(str::to_string)
                        .or_else(|| {
                            // Zola's `page_template` of the nearest section that sets one.
                            site.ancestors(id)
                                .into_iter()
                                .rev()
                                .find_map(|a| site.docs[a].meta.page_template.clone())
                        })
                        .unwrap_or_else(|| "page.html".to_string())
                });
                jobs.push(Job::template(
                    doc.path.clone(),
                    template,
                    vec![("page", value.clone())],
                    source.to_string(),
                ));
            }
            DocKind::Section => {
                let default = if id == site.root_section {
                    "index.html"
                } else {
                    "section.html"
                };
                let template = doc.meta.template.clone().unwrap_or_else(|| default.into());
                match doc.meta.paginate_by.filter(|&n| n > 0) {
                    None => jobs.push(Job::template(
                        doc.path.clone(),
                        template,
                        vec![("section", value.clone())],
                        source,
                    )),
                    Some(per_page) => {
                        let mut pages = doc.pages.clone();
                        if doc.meta.paginate_reversed {
                            pages.reverse();
                        }
                        jobs.extend(self.pager_jobs(
                            Pager {
                                base: &doc.path,
                                pages: &pages,
                                per_page,
                                folder: doc.meta.paginate_path.as_deref().unwrap_or("page"),
                            },
                            &template,
                            vec![("section", value.clone())],
                            source,
                        ))
                    }
                }
            }
        }
        jobs
    }

    /// Redirect pages of a document's `aliases`.
    fn alias_jobs(&self, id: DocId, source: &str) -> Vec<Job> {
        let site = self.site;
        let doc = &site.docs[id];
        let mut jobs = Vec::new();
        for alias in &doc.meta.aliases {
            let path = if alias.ends_with(".html") || alias.ends_with('/') {
                alias.clone()
            } else {
                format!("{alias}/")
            };
            jobs.push(Job {
                path: format!("/{}", path.trim_start_matches('/')),
                kind: JobKind::Redirect(site.permalink(&doc.path)),
                vars: Vec::new(),
                source: source.to_string(),
            });
        }
        jobs
    }

    /// One job per page of a paginated listing (`/s/`, `/s/page/2/`...),
    /// each with Zola's `paginator`; `/s/page/1/` redirects to `/s/` as in Zola.
    fn pager_jobs(
        &self,
        pager: Pager,
        template: &str,
        vars: Vec<(&'static str, Value)>,
        source: &str,
    ) -> Vec<Job> {
        let site = self.site;
        let Pager {
            base,
            pages,
            per_page,
            folder,
        } = pager;
        let chunks: Vec<&[DocId]> = if pages.is_empty() {
            vec![&[][..]]
        } else {
            pages.chunks(per_page).collect()
        };
        let pager_path = |i: usize| {
            if i == 0 {
                base.to_string()
            } else {
                format!("{base}{folder}/{}/", i + 1)
            }
        };
        let n = chunks.len();
        let permalink = |i: usize| Value::from(site.permalink(&pager_path(i)));
        let mut jobs: Vec<Job> = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let mut p = Map::new();
                p.insert("pages".into(), page_list(self.values, chunk));
                p.insert("current_index".into(), Value::from(i + 1));
                p.insert("number_pagers".into(), Value::from(n));
                p.insert("paginate_by".into(), Value::from(per_page));
                p.insert("total_pages".into(), Value::from(pages.len()));
                p.insert(
                    "base_url".into(),
                    Value::from(site.permalink(&format!("{base}{folder}/"))),
                );
                p.insert("first".into(), permalink(0));
                p.insert("last".into(), permalink(n - 1));
                p.insert(
                    "previous".into(),
                    i.checked_sub(1).map_or_else(Value::none, permalink),
                );
                let next = if i + 1 < n {
                    permalink(i + 1)
                } else {
                    Value::none()
                };
                p.insert("next".into(), next);
                let mut vars = vars.clone();
                vars.push(("paginator", Value::from(p)));
                Job::template(pager_path(i), template, vars, source)
            })
            .collect();
        jobs.push(Job {
            path: format!("{base}{folder}/1/"),
            kind: JobKind::Redirect(site.permalink(base)),
            vars: Vec::new(),
            source: source.to_string(),
        });
        jobs
    }

    /// The taxonomy list page and one page per term, for every taxonomy
    /// whose config does not say `render = false`, with our template names
    /// or Zola's (`tags/list.html`, `tags/single.html`, which win).
    pub(super) fn taxonomy_jobs(&self) -> Vec<Job> {
        let site = self.site;
        let mut jobs = Vec::new();
        for (t, conf) in site.taxonomies.iter().zip(&site.config.taxonomies) {
            if !conf.render {
                continue;
            }
            let tax_path = format!("/{}/", t.slug);
            let mut tax = Map::new();
            tax.insert("name".into(), Value::from(t.name.clone()));
            tax.insert("slug".into(), Value::from(t.slug.clone()));
            tax.insert("permalink".into(), Value::from(site.permalink(&tax_path)));
            tax.insert("paginate_by".into(), Value::from(conf.paginate_by));
            tax.insert(
                "paginate_path".into(),
                Value::from(conf.paginate_path.clone()),
            );
            tax.insert("feed".into(), Value::from(conf.feed));
            tax.insert("lang".into(), Value::from(site.config.language.clone()));
            let tax = Value::from(tax);
            let terms: Vec<Value> = t
                .terms
                .iter()
                .map(|term| {
                    let path = format!("{tax_path}{}/", term.slug);
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(term.name.clone()));
                    m.insert("slug".into(), Value::from(term.slug.clone()));
                    m.insert("permalink".into(), Value::from(site.permalink(&path)));
                    m.insert("path".into(), Value::from(path));
                    m.insert("page_count".into(), Value::from(term.pages.len()));
                    m.insert("pages".into(), page_list(self.values, &term.pages));
                    Value::from(m)
                })
                .collect();
            let pick = |zola: String, ours: &str| {
                if (self.has_template)(&zola) {
                    Some(zola)
                } else if (self.has_template)(ours) {
                    Some(ours.to_string())
                } else {
                    None
                }
            };
            if let Some(list) = pick(format!("{}/list.html", t.name), "taxonomy_list.html") {
                jobs.push(Job::template(
                    tax_path.clone(),
                    list,
                    vec![
                        ("taxonomy", tax.clone()),
                        ("terms", Value::from(terms.clone())),
                    ],
                    format!("taxonomy `{}`", t.name),
                ));
            }
            if let Some(single) = pick(format!("{}/single.html", t.name), "taxonomy_single.html") {
                for (term, value) in t.terms.iter().zip(terms) {
                    let path = format!("{tax_path}{}/", term.slug);
                    let vars = vec![("taxonomy", tax.clone()), ("term", value)];
                    let source = format!("taxonomy `{}` term `{}`", t.name, term.name);
                    match conf.paginate_by.filter(|&n| n > 0) {
                        Some(per_page) => jobs.extend(self.pager_jobs(
                            Pager {
                                base: &path,
                                pages: &term.pages,
                                per_page,
                                folder: &conf.paginate_path,
                            },
                            &single,
                            vars,
                            &source,
                        )),
                        None => jobs.push(Job::template(path, single.clone(), vars, source)),
                    }
                }
            }
        }
        jobs
    }

    /// What features contribute to the whole site (the search index).
    pub(super) fn site_jobs(&self) -> Vec<Job> {
        self.features
            .iter()
            .enumerate()
            .flat_map(|(i, f)| {
                let previous = self.previous.and_then(|p| p.get(i)).map(|p| p.as_ref());
                f.site_jobs(self.site, self.values, previous, self.has_template)
            })
            .collect()
    }

    /// The single-file export of document `id` (`guidepost export`):
    /// `export.html` at the document's own path, with `page` (and `section`
    /// for a section), `export` = { url: the page's absolute URL, or none
    /// without an absolute `base_url` }, and what features add
    /// ([`Prepared::export_vars`]: a guide's `steps`).
    pub(super) fn export_job(&self, id: DocId) -> Job {
        let site = self.site;
        let doc = &site.docs[id];
        let value = self.values[id].clone();
        let mut vars = vec![("page", value.clone())];
        if doc.kind == DocKind::Section {
            vars.push(("section", value.clone()));
        }
        let url = site.permalink(&doc.path);
        let mut export = Map::new();
        export.insert(
            "url".into(),
            if url.starts_with("https://") || url.starts_with("http://") {
                Value::from(url)
            } else {
                Value::none()
            },
        );
        vars.push(("export", Value::from(export)));
        for f in self.features {
            vars.extend(f.export_vars(site, id, &value));
        }
        Job::template(
            doc.path.clone(),
            "export.html",
            vars,
            doc.display_path.display().to_string(),
        )
    }

    /// Every job of the site: documents, taxonomies, features' site-wide
    /// outputs, the 404 page.
    #[cfg(test)]
    pub(super) fn all_jobs(&self) -> Vec<Job> {
        self.plan().0
    }

    /// [`Planner::all_jobs`], and the paths of the features' site-wide
    /// outputs (the dev server drops those a later edit no longer makes).
    pub(super) fn plan(&self) -> (Vec<Job>, HashSet<String>) {
        // In parallel (in document order still): a tenth of ten thousand
        // pages' render phase was this loop.
        let mut jobs: Vec<Job> = (0..self.site.docs.len())
            .into_par_iter()
            .flat_map_iter(|id| self.doc_jobs(id))
            .collect();
        jobs.extend(self.taxonomy_jobs());
        let site_jobs = self.site_jobs();
        let site_paths = site_jobs.iter().map(|j| j.path.clone()).collect();
        jobs.extend(site_jobs);
        if (self.has_template)("404.html") {
            if self.site.url_mode.is_relative() && self.site.config.served_path.is_none() {
                // No warning channel yet: tracing prints warnings by default.
                tracing::warn!(
                    "404.html: relative URLs, but no `served_path` in guidepost.toml: the 404 page's links and stylesheet work only for missing pages in the site's top folder (set served_path = \"/\" or the path the site is served from, such as \"/kb/\")"
                );
            }
            jobs.push(Job::template(
                NOT_FOUND_PATH,
                "404.html",
                Vec::new(),
                "404 page",
            ));
        }
        (jobs, site_paths)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::model::{ModelOptions, assemble};
    use crate::source::content::{ContentFiles, SourceFile};
    use crate::urls::UrlMode;

    fn site(files: &[(&str, &str)]) -> Site {
        let markdown = files
            .iter()
            .map(|(rel, text)| SourceFile {
                rel_path: rel.to_string(),
                display_path: format!("content/{rel}").into(),
                text: Arc::from(*text),
            })
            .collect();
        assemble(
            Arc::new(Config::default()),
            UrlMode::Absolute {
                base: String::new(),
            },
            ContentFiles {
                markdown,
                assets: Vec::new(),
            },
            &ModelOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn plan(site: &Site, has: &(dyn Fn(&str) -> bool + Sync)) -> Vec<(String, JobKind)> {
        let values = vec![Value::none(); site.docs.len()];
        let planner = Planner {
            site,
            values: &values,
            features: &[],
            previous: None,
            has_template: has,
        };
        planner
            .all_jobs()
            .into_iter()
            .map(|j| (j.path, j.kind))
            .collect()
    }

    fn template(t: &str) -> JobKind {
        JobKind::Template(t.into())
    }

    #[test]
    fn documents_taxonomies_and_404_become_jobs() {
        let s = site(&[
            ("_index.md", ""),
            ("s/_index.md", "+++\npaginate_by = 2\n+++\n"),
            ("s/a.md", "+++\naliases = [\"/old\", \"/x.html\"]\n+++\n"),
            ("s/b.md", ""),
            ("s/c.md", "+++\ntemplate = \"special.html\"\n+++\n"),
        ]);
        let jobs = plan(&s, &|t| t == "404.html");
        assert_eq!(
            jobs,
            vec![
                ("/".into(), template("index.html")),
                ("/s/".into(), template("section.html")),
                ("/s/page/2/".into(), template("section.html")),
                ("/s/page/1/".into(), JobKind::Redirect("/s/".into())),
                ("/s/a/".into(), template("page.html")),
                ("/old/".into(), JobKind::Redirect("/s/a/".into())),
                ("/x.html".into(), JobKind::Redirect("/s/a/".into())),
                ("/s/b/".into(), template("page.html")),
                ("/s/c/".into(), template("special.html")),
                ("/404.html".into(), template("404.html")),
            ]
        );
    }

    #[test]
    fn pagination_links_first_last_previous_next() {
        let s = site(&[
            ("_index.md", ""),
            ("s/_index.md", "+++\npaginate_by = 1\n+++\n"),
            ("s/a.md", ""),
            ("s/b.md", ""),
            ("s/c.md", ""),
        ]);
        let values = vec![Value::none(); s.docs.len()];
        let planner = Planner {
            site: &s,
            values: &values,
            features: &[],
            previous: None,
            has_template: &|_| false,
        };
        let id = s.by_rel_path["s/_index.md"];
        let jobs = planner.doc_jobs(id);
        assert_eq!(
            jobs.len(),
            4,
            "three listing pages and Zola's /s/page/1/ redirect"
        );
        let pager = |j: &Job, key: &str| {
            j.vars[1]
                .1
                .get_from_path(key)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        assert_eq!(pager(&jobs[1], "current_index"), "2");
        assert_eq!(pager(&jobs[1], "previous"), "/s/");
        assert_eq!(pager(&jobs[1], "next"), "/s/page/3/");
        assert_eq!(pager(&jobs[2], "last"), "/s/page/3/");
        assert!(
            jobs[0].vars[1]
                .1
                .get_from_path("previous")
                .is_none_or(|v| v.is_none())
        );
    }

    #[test]
    fn taxonomy_pages_only_with_their_templates() {
        let config = Config {
            taxonomies: toml::from_str::<Config>("taxonomies = [{ name = \"tags\" }]")
                .unwrap()
                .taxonomies,
            ..Config::default()
        };
        let s = assemble(
            Arc::new(config),
            UrlMode::Relative,
            ContentFiles {
                markdown: vec![SourceFile {
                    rel_path: "a.md".into(),
                    display_path: "content/a.md".into(),
                    text: Arc::from("+++\n[taxonomies]\ntags = [\"Risk Mgmt\"]\n+++\n"),
                }],
                assets: Vec::new(),
            },
            &ModelOptions::default(),
        )
        .unwrap();
        let paths: Vec<String> = plan(&s, &|t| t.starts_with("taxonomy"))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert!(paths.contains(&"/tags/".to_string()), "{paths:?}");
        assert!(paths.contains(&"/tags/risk-mgmt/".to_string()), "{paths:?}");
        let none: Vec<String> = plan(&s, &|_| false).into_iter().map(|(p, _)| p).collect();
        assert!(!none.iter().any(|p| p.starts_with("/tags")), "{none:?}");
    }
}
