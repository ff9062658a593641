//! Embedding pages in other sites (intranet portals such as SharePoint,
//! Confluence or a Teams tab): a chrome-less copy of each embeddable page at
//! `/embed/<path>/`, the `/embed/` index with copy-ready `<iframe>` markup,
//! oEmbed files (absolute mode), and the framing headers files
//! ([`headers`]).
//!
//! Which documents are embeddable comes from `[embed]` in `guidepost.toml`
//! (by default: decision guides and pages with a comparison table). The copy
//! of the document itself renders `embed.html`; other features copy their
//! own pages through [`Prepared::embed_jobs`] (the decision feature's steps
//! render `embed_decision_question.html` and `embed_decision_outcome.html`),
//! so a guide keeps working inside the frame.

pub(crate) mod headers;

use std::sync::Arc;

use lol_html::{HtmlRewriter, Settings, element};
use tera::{Kwargs, Map, Value};

use super::{Call, Feature, Prepared, embed_path};
use crate::config::CONFIG_FILE;
use crate::diagnostics::{Diagnostic, closest};
use crate::model::{DocId, DocKind, Site};
use crate::plan::{Job, JobKind};

/// The embed feature.
pub(crate) struct Embed;

impl Feature for Embed {
    fn functions(&self) -> &'static [&'static str] {
        &["embed_links"]
    }

    fn prepare(&self, site: &Site) -> Result<Box<dyn Prepared>, Vec<Diagnostic>> {
        select(site).map(|e| Box::new(e) as Box<dyn Prepared>)
    }
}

/// The embeddable documents of one model.
pub(crate) struct Embeds {
    /// Per document: whether it gets an embed copy.
    selected: Vec<bool>,
}

/// Works out which documents are embeddable; a configured page or section
/// that does not exist is an error (with the closest match).
fn select(site: &Site) -> Result<Embeds, Vec<Diagnostic>> {
    let c = &site.config.embed;
    let mut errors = Vec::new();
    let key = |s: &str| {
        s.trim_start_matches("@/")
            .trim_start_matches('/')
            .to_string()
    };
    let known: Vec<&str> = site.docs.iter().map(|d| d.rel_path.as_str()).collect();
    let mut selected: Vec<bool> = site
        .docs
        .iter()
        .map(|d| {
            c.all
                || (c.guides_and_comparisons
                    && (d.has_table("decision") || d.has_table("comparison")))
        })
        .collect();
    for p in &c.pages {
        match site.by_rel_path.get(&key(p)) {
            Some(&id) => selected[id] = true,
            None => errors.push(missing(p, "page", &known)),
        }
    }
    for s in &c.sections {
        let k = key(s);
        let index = if k.is_empty() || k == "_index.md" {
            "_index.md".to_string()
        } else if k.ends_with("_index.md") {
            k
        } else {
            format!("{}/_index.md", k.trim_end_matches('/'))
        };
        match site.by_rel_path.get(&index) {
            Some(&id) => {
                selected[id] = true;
                for &p in &site.docs[id].pages {
                    selected[p] = true;
                }
            }
            None => errors.push(missing(s, "section", &known)),
        }
    }
    // The home page's copy would be `/embed/`, where the embed index lives.
    selected[site.root_section] = false;
    if errors.is_empty() {
        Ok(Embeds { selected })
    } else {
        Err(errors)
    }
}

fn missing(name: &str, what: &str, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::in_file(
        CONFIG_FILE,
        format!("[embed] names the {what} `{name}`, which is not in content/"),
    );
    match closest(name.trim_start_matches("@/"), known.iter().copied()) {
        Some(c) => d.with_help(format!("did you mean `{c}`?")),
        None => d.with_help(format!(
            "name a {what} by its path under content/, such as `roles/vcio.md` or `roles`"
        )),
    }
}

impl Embeds {
    fn is_selected(&self, id: DocId) -> bool {
        self.selected.get(id).copied().unwrap_or(false)
    }

    fn ids(&self) -> impl Iterator<Item = DocId> + '_ {
        self.selected
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(id, _)| id)
    }
}

/// The absolute URL of a site path, when the site has an absolute
/// `base_url` (oEmbed needs one).
fn absolute_url(site: &Site, path: &str) -> Option<String> {
    let url = site.permalink(path);
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

/// A suggested iframe height in px for a 400 px wide frame: a guide step
/// (question and answers first) fits 640; other pages by their text
/// (about seven words a line at 400 px, 26 px a line, plus title and
/// margins). With the host script the frame follows the content anyway.
fn suggested_height(site: &Site, id: DocId) -> usize {
    let doc = &site.docs[id];
    if doc.has_table("decision") {
        return 640;
    }
    let lines = doc.rendered.word_count.div_ceil(7);
    let tables = if doc.has_table("comparison") { 900 } else { 0 };
    (160 + lines * 26 + tables).clamp(320, 4000)
}

/// The `embed` template object of document `id`.
fn embed_value(site: &Site, id: DocId) -> Value {
    let doc = &site.docs[id];
    let target = site.config.embed.link_target.clone();
    let mut m = Map::new();
    m.insert("title".into(), Value::from(doc.title.clone()));
    m.insert(
        "url".into(),
        Value::from(site.permalink(&embed_path(&doc.path))),
    );
    m.insert("full_url".into(), Value::from(site.permalink(&doc.path)));
    m.insert("target".into(), Value::from(target));
    m.insert(
        "host_script_url".into(),
        Value::from(site.permalink("/js/guidepost-embed.js")),
    );
    m.insert("height".into(), Value::from(suggested_height(site, id)));
    m.insert(
        "absolute_url".into(),
        absolute_url(site, &embed_path(&doc.path)).map_or_else(Value::none, Value::from),
    );
    m.insert(
        "oembed_url".into(),
        absolute_url(site, &format!("{}oembed.json", embed_path(&doc.path)))
            .map_or_else(Value::none, Value::from),
    );
    Value::from(m)
}

/// The copy-ready markup for framing the embed page `e` (an `embed` object).
fn iframe_html(e: &Value, src: &str) -> String {
    let get = |k: &str| {
        e.get_from_path(k)
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{}\" loading=\"lazy\" data-guidepost-embed></iframe>",
        crate::text::escape_attr(src),
        crate::text::escape_attr(&get("title")),
        get("height")
    )
}

impl Prepared for Embeds {
    fn embed(&self, site: &Site, id: DocId) -> Option<Value> {
        self.is_selected(id).then(|| embed_value(site, id))
    }

    /// Embeddable documents get `page.embed` (the `embed` object plus
    /// `snippet`), so full pages can link their oEmbed file.
    fn extend_doc(&self, site: &Site, id: DocId, doc: &mut Map) {
        if !self.is_selected(id) {
            return;
        }
        let e = embed_value(site, id);
        let src = e
            .get_from_path("absolute_url")
            .filter(|v| !v.is_none())
            .or_else(|| e.get_from_path("url"))
            .map(|v| v.to_string())
            .unwrap_or_default();
        let mut m = e.as_map().cloned().unwrap_or_default();
        m.insert("snippet".into(), Value::from(iframe_html(&e, &src)));
        doc.insert("embed".into(), Value::from(m));
    }

    /// The document's own copy (`embed.html`) and, in absolute mode, its
    /// oEmbed file.
    fn embed_jobs(&self, site: &Site, id: DocId, page: &Value, embed: &Value) -> Vec<Job> {
        let doc = &site.docs[id];
        let path = embed_path(&doc.path);
        let source = doc.display_path.display().to_string();
        let mut vars = vec![("page", page.clone()), ("embed", embed.clone())];
        if doc.kind == DocKind::Section {
            vars.push(("section", page.clone()));
        }
        let mut jobs = vec![Job::template(
            path.clone(),
            "embed.html",
            vars,
            source.clone(),
        )];
        if let Some(src) = absolute_url(site, &path) {
            let height = embed
                .get_from_path("height")
                .and_then(|v| v.as_i64())
                .unwrap_or(640);
            let json = serde_json::json!({
                "version": "1.0",
                "type": "rich",
                "provider_name": site.config.title,
                "provider_url": site.permalink("/"),
                "title": doc.title,
                "html": iframe_html(embed, &src),
                "width": 800,
                "height": height,
            });
            let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
            jobs.push(Job {
                path: format!("{path}oembed.json"),
                kind: JobKind::Raw(Arc::new(text.into_bytes())),
                vars: Vec::new(),
                source,
            });
        }
        jobs
    }

    /// Site-wide files hang off the home section: the `/embed/` index and
    /// the framing headers files named in `[embed] headers`.
    fn jobs(&self, site: &Site, id: DocId, _page: &Value) -> Vec<Job> {
        if id != site.root_section {
            return Vec::new();
        }
        let mut jobs = Vec::new();
        let embeds: Vec<Value> = self
            .ids()
            .map(|e| {
                let mut m = embed_value(site, e).as_map().cloned().unwrap_or_default();
                let v = Value::from(m.clone());
                let src = v
                    .get_from_path("absolute_url")
                    .filter(|u| !u.is_none())
                    .or_else(|| v.get_from_path("url"))
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                m.insert("snippet".into(), Value::from(iframe_html(&v, &src)));
                Value::from(m)
            })
            .collect();
        if !embeds.is_empty() {
            jobs.push(Job::template(
                "/embed/",
                "embed_index.html",
                vec![("embeds", Value::from(embeds))],
                "the embed index",
            ));
        }
        jobs.extend(headers::files(site));
        jobs
    }

    /// The `/embed/` index lists every embeddable page's title.
    fn dependants(&self, site: &Site, changed: DocId) -> Vec<DocId> {
        if self.is_selected(changed) {
            vec![site.root_section]
        } else {
            Vec::new()
        }
    }

    /// `embed_links(html=...)`: the HTML with every link that leaves the
    /// page (not a `#fragment`, no `target` of its own) opening at
    /// `[embed] link_target`, so content links never navigate the small
    /// frame.
    fn call(&self, _name: &str, call: &Call, kwargs: &Kwargs) -> tera::TeraResult<Value> {
        let html: String = kwargs.must_get("html")?;
        let target = call.site.config.embed.link_target.as_str();
        Ok(Value::safe_string(&link_targets(&html, target)))
    }
}

/// Adds `target` (and `rel="noopener"` for new tabs) to every `<a href>`
/// that is not a fragment link and has no target yet.
pub(crate) fn link_targets(html: &str, target: &str) -> String {
    let mut out = Vec::with_capacity(html.len() + 64);
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![element!("a[href]", |el| {
                let href = el.get_attribute("href").unwrap_or_default();
                if !href.starts_with('#') && !el.has_attribute("target") {
                    el.set_attribute("target", target)?;
                    if target == "_blank" {
                        let rel = el.get_attribute("rel").unwrap_or_default();
                        if !rel.split_whitespace().any(|t| t == "noopener") {
                            let joined = format!("{rel} noopener");
                            el.set_attribute("rel", joined.trim_start())?;
                        }
                    }
                }
                Ok(())
            })],
            ..Settings::new()
        },
        |c: &[u8]| out.extend_from_slice(c),
    );
    if rewriter.write(html.as_bytes()).is_err() || rewriter.end().is_err() {
        return html.to_string();
    }
    String::from_utf8(out).unwrap_or_else(|_| html.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_leaving_the_page_get_the_target_fragments_do_not() {
        let html = "<p><a href=\"/roles/\">Roles</a> <a href=\"#x\">here</a> <a href=\"https://e.org\" target=\"_self\">e</a></p>";
        let out = link_targets(html, "_top");
        assert_eq!(
            out,
            "<p><a href=\"/roles/\" target=\"_top\">Roles</a> <a href=\"#x\">here</a> <a href=\"https://e.org\" target=\"_self\">e</a></p>"
        );
        let out = link_targets("<a href=\"/a/\">a</a>", "_blank");
        assert_eq!(
            out,
            "<a href=\"/a/\" target=\"_blank\" rel=\"noopener\">a</a>"
        );
    }
}
