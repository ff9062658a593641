//! Job planning: which outputs a document, a taxonomy and the site make,
//! with the template and variables of each. Pure: nothing renders here.

use tera::{Map, Value};

use super::values::page_list;
use crate::features::Prepared;
use crate::model::{DocId, DocKind, Site};
use crate::plan::{Job, JobKind};

/// Site path of the page a host serves for missing URLs.
pub(super) const NOT_FOUND_PATH: &str = "/404.html";

/// What job planning needs to know.
pub(super) struct Planner<'a> {
    pub site: &'a Site,
    pub values: &'a [Value],
    pub features: &'a [Box<dyn Prepared>],
    pub has_template: &'a dyn Fn(&str) -> bool,
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
        match doc.kind {
            DocKind::Page => {
                let template = doc.meta.template.clone().unwrap_or_else(|| {
                    self.features
                        .iter()
                        .find_map(|f| f.default_template(site, id, self.has_template))
                        .unwrap_or("page.html")
                        .to_string()
                });
                jobs.push(Job::template(
                    doc.path.clone(),
                    template,
                    vec![("page", value.clone())],
                    source.clone(),
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
                        source.clone(),
                    )),
                    Some(per_page) => {
                        jobs.extend(self.pager_jobs(id, per_page, &template, &value, &source))
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
            jobs.push(Job {
                path: format!("/{}", path.trim_start_matches('/')),
                kind: JobKind::Redirect(site.permalink(&doc.path)),
                vars: Vec::new(),
                source: source.clone(),
            });
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

    /// One job per page of a paginated section listing (`/s/`, `/s/page/2/`...).
    fn pager_jobs(
        &self,
        id: DocId,
        per_page: usize,
        template: &str,
        value: &Value,
        source: &str,
    ) -> Vec<Job> {
        let site = self.site;
        let doc = &site.docs[id];
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
        let permalink = |i: usize| Value::from(site.permalink(&pager_path(i)));
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let mut p = Map::new();
                p.insert("pages".into(), page_list(self.values, chunk));
                p.insert("current_index".into(), Value::from(i + 1));
                p.insert("number_pagers".into(), Value::from(n));
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
                Job::template(
                    pager_path(i),
                    template,
                    vec![("section", value.clone()), ("paginator", Value::from(p))],
                    source,
                )
            })
            .collect()
    }

    /// The taxonomy list page and one page per term, for every taxonomy.
    pub(super) fn taxonomy_jobs(&self) -> Vec<Job> {
        let site = self.site;
        let mut jobs = Vec::new();
        for t in &site.taxonomies {
            let tax_path = format!("/{}/", t.slug);
            let mut tax = Map::new();
            tax.insert("name".into(), Value::from(t.name.clone()));
            tax.insert("permalink".into(), Value::from(site.permalink(&tax_path)));
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
                        Value::from(site.permalink(&format!("{tax_path}{}/", term.slug))),
                    );
                    m.insert("pages".into(), page_list(self.values, &term.pages));
                    Value::from(m)
                })
                .collect();
            if (self.has_template)("taxonomy_list.html") {
                jobs.push(Job::template(
                    tax_path.clone(),
                    "taxonomy_list.html",
                    vec![
                        ("taxonomy", tax.clone()),
                        ("terms", Value::from(terms.clone())),
                    ],
                    format!("taxonomy `{}`", t.name),
                ));
            }
            if (self.has_template)("taxonomy_single.html") {
                for (term, value) in t.terms.iter().zip(terms) {
                    jobs.push(Job::template(
                        format!("{tax_path}{}/", term.slug),
                        "taxonomy_single.html",
                        vec![("taxonomy", tax.clone()), ("term", value)],
                        format!("taxonomy `{}` term `{}`", t.name, term.name),
                    ));
                }
            }
        }
        jobs
    }

    /// Every job of the site: documents, taxonomies, the 404 page.
    pub(super) fn all_jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = (0..self.site.docs.len())
            .flat_map(|id| self.doc_jobs(id))
            .collect();
        jobs.extend(self.taxonomy_jobs());
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
        jobs
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

    fn plan(site: &Site, has: &dyn Fn(&str) -> bool) -> Vec<(String, JobKind)> {
        let values = vec![Value::none(); site.docs.len()];
        let planner = Planner {
            site,
            values: &values,
            features: &[],
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
            has_template: &|_| false,
        };
        let id = s.by_rel_path["s/_index.md"];
        let jobs = planner.doc_jobs(id);
        assert_eq!(jobs.len(), 3);
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
