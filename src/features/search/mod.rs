//! Site search: an index built at build time from the rendered pages,
//! written as small classic-script shards that the default theme's
//! `search.js` loads on demand (so it works from file://, in a sandboxed
//! iframe and under `default-src 'self'`), a static search page (an A–Z
//! index of every page and heading, the no-JavaScript fallback), and the
//! `search_box()` template function.
//!
//! - [`tokenize`]: words and stems;
//! - [`extract`]: a rendered page's entries (top, headings, table rows,
//!   decision steps) and their text;
//! - [`index`]: BM25 impacts, shards, and the query the script runs.
//!
//! Its outputs belong to the whole site, so it contributes them through
//! [`Prepared::site_jobs`]. The dev server hands it its previous state: a
//! document whose rendered text is unchanged keeps its counted words, so an
//! edit re-reads one page, and only shards whose bytes changed are emitted.
//! There the search pages are made with the other pages, but the index
//! files keep their last bytes until [`Prepared::finish`], which the server
//! calls after its reload event: no page shows the index, and updating it
//! (or building it again when entry numbers moved: a page added or
//! removed) need not hold back the reload of the page being edited.

pub(crate) mod extract;
pub(crate) mod index;
pub(crate) mod tokenize;

use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tera::{Kwargs, Map, Value};

use super::{Call, Feature, Prepared};
use crate::config::SearchConfig;
use crate::diagnostics::Diagnostic;
use crate::markdown::same_html;
use crate::model::{DocId, Document, Site};
use crate::plan::{Job, JobKind};
use crate::text::escape_attr;
use extract::{Entry, html_entries_into};
use index::{Counted, Files, Index, TextCount, TextCounter, count_read};
use tokenize::{Interner, Vocab};

/// Where the search page and the index live.
pub(crate) const SEARCH_PATH: &str = "/search/";

/// The search feature.
pub(crate) struct Search;

impl Feature for Search {
    fn functions(&self) -> &'static [&'static str] {
        &["search_box"]
    }

    fn prepare(&self, site: &Site) -> Result<Box<dyn Prepared>, Vec<Diagnostic>> {
        Ok(Box::new(SearchState::new(
            site.config.search.clone(),
            site.config.language.clone(),
        )))
    }
}

/// The inputs of one document's entries: what its rendered page shows.
#[derive(Debug, Clone)]
struct DocKey {
    path: String,
    title: String,
    boosted: String,
    /// The content (a string), shared with the template object it came from.
    content: Value,
    decision: Option<Value>,
}

/// A [`DocKey`] borrowed from the site and the template objects: most
/// documents are unchanged on a dev-server render, and comparing needs no copy.
struct KeyView<'a> {
    path: &'a str,
    title: &'a str,
    boosted: String,
    content: Cow<'a, Value>,
    decision: Option<&'a Value>,
}

impl KeyView<'_> {
    fn matches(&self, key: &DocKey) -> bool {
        self.path == key.path
            && self.title == key.title
            && self.boosted == key.boosted
            && same_html(&self.content, &key.content)
            && match (self.decision, &key.decision) {
                (Some(a), Some(b)) => same_html(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
    }

    fn to_key(&self) -> DocKey {
        DocKey {
            path: self.path.to_string(),
            title: self.title.to_string(),
            boosted: self.boosted.clone(),
            content: self.content.clone().into_owned(),
            decision: self.decision.cloned(),
        }
    }
}

/// One document's counted entries, the ids of its word forms, and what
/// they were counted from.
struct DocCounted {
    key: DocKey,
    /// The template object the key was read from: the dev server keeps an
    /// unchanged document's object, so finding the same one again means
    /// the same key without reading it.
    value: Option<Value>,
    entries: Vec<Counted>,
    forms: Vec<u32>,
}

/// The feature's state for one render: the configuration, and each
/// document's counted entries with the vocabulary their ids refer to (kept
/// for the next render of the dev server).
struct SearchState {
    config: SearchConfig,
    language: String,
    counted: Mutex<Kept>,
    /// The index a dev-server render left to make after its reload event.
    pending: Mutex<Option<Pending>>,
}

/// Counted documents by path, and the vocabulary they were counted with;
/// the index built from them and its A–Z list (with the documents in site
/// order), which the next render updates.
#[derive(Clone)]
struct Kept {
    vocab: Arc<Vocab>,
    docs: HashMap<String, Arc<DocCounted>>,
    built: Option<Arc<Built>>,
}

/// An index, the A–Z list, and the documents they were made from.
struct Built {
    docs: Vec<Arc<DocCounted>>,
    index: Index,
    /// The index's files (name under [`SEARCH_PATH`], bytes).
    files: Files,
    a_to_z: AToZ,
    /// The A–Z list's lines, sorted, each with its document.
    a_to_z_lines: Arc<Vec<Arc<Line>>>,
    /// Whether the index files were over the configured budget (the dev
    /// server warns when it goes over, not on every edit).
    over_budget: bool,
    /// The site's root URL the A–Z list's links start with.
    root: String,
}

/// What a dev-server render leaves for [`Prepared::finish`]: the documents
/// counted for the new index, and the last render's finished index to
/// update.
struct Pending {
    vocab: Arc<Vocab>,
    docs: Vec<Arc<DocCounted>>,
    previous: Arc<Built>,
    relative: bool,
    updatable: bool,
    a_to_z: AToZ,
    a_to_z_lines: Arc<Vec<Arc<Line>>>,
    root: String,
}

/// An index made from counted documents, its files, and whether they are
/// over the configured budget.
struct MadeIndex {
    index: Index,
    files: Files,
    over_budget: bool,
}

/// The index of `docs` (counted with `vocab`): `previous`'s updated where
/// no entry id moved, else built; warns when its files go over the budget
/// (once: not again while they stay over).
fn built_index(
    config: &SearchConfig,
    vocab: &Vocab,
    docs: &[Arc<DocCounted>],
    previous: Option<&Built>,
    relative: bool,
    updatable: bool,
) -> MadeIndex {
    let t = std::time::Instant::now();
    let new: Vec<(&[Counted], &[u32])> = docs
        .iter()
        .map(|c| (c.entries.as_slice(), c.forms.as_slice()))
        .collect();
    let snapshot = vocab.snapshot();
    let updated = previous.and_then(|p| {
        let old: Vec<(&[Counted], &[u32])> = p
            .docs
            .iter()
            .map(|c| (c.entries.as_slice(), c.forms.as_slice()))
            .collect();
        p.index.update(&old, &new, &snapshot, relative)
    });
    let index = match updated {
        Some(index) => {
            tracing::debug!("search: index updated in {:?}", t.elapsed());
            index
        }
        None => {
            let index = Index::build(&new, &snapshot, relative, updatable);
            tracing::debug!("search: index built in {:?}", t.elapsed());
            index
        }
    };
    drop(new);
    let files = index.files();
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let over_budget = total > config.index_budget_kb * 1024;
    if over_budget && !previous.is_some_and(|p| p.over_budget) {
        tracing::warn!(
            "the search index is {} kB, over [search] index_budget_kb = {}: exclude sections with [search] exclude, pages with in_search_index = false, or shorten snippet_length",
            total / 1024,
            config.index_budget_kb
        );
    }
    MadeIndex {
        index,
        files,
        over_budget,
    }
}

/// The jobs writing the index files.
fn index_jobs(files: Files) -> Vec<Job> {
    files
        .into_iter()
        .map(|(name, bytes)| Job {
            path: format!("{SEARCH_PATH}{name}"),
            kind: JobKind::Raw(bytes),
            vars: Vec::new(),
            source: "search index".into(),
        })
        .collect()
}

impl SearchState {
    fn new(config: SearchConfig, language: String) -> SearchState {
        let vocab = Arc::new(Vocab::new(&language));
        SearchState {
            config,
            language,
            counted: Mutex::new(Kept {
                vocab,
                docs: HashMap::new(),
                built: None,
            }),
            pending: Mutex::new(None),
        }
    }

    /// Makes the index a dev-server render left pending, for the next
    /// render to update: its files, and the names of the files of the index
    /// before it; `None` when none was pending.
    fn finish_index(&self) -> Option<(Files, Vec<String>)> {
        let p = self.pending.lock().expect("not poisoned").take()?;
        let before = p.previous.files.iter().map(|(n, _)| n.clone()).collect();
        let made = built_index(
            &self.config,
            &p.vocab,
            &p.docs,
            Some(&p.previous),
            p.relative,
            p.updatable,
        );
        let files = made.files.clone();
        self.counted.lock().expect("not poisoned").built = Some(Arc::new(Built {
            docs: p.docs,
            index: made.index,
            files: made.files,
            a_to_z: p.a_to_z,
            a_to_z_lines: p.a_to_z_lines,
            over_budget: made.over_budget,
            root: p.root,
        }));
        Some((files, before))
    }

    /// Whether document `d` goes into the index.
    fn indexed(&self, d: &Document) -> bool {
        let under = |list: &[String]| {
            list.iter().any(|p| {
                let p = p.trim_start_matches("@/").trim_matches('/');
                d.rel_path == p || d.rel_path.starts_with(&format!("{p}/")) || p.is_empty()
            })
        };
        !d.meta.draft
            && d.meta.in_search_index != Some(false)
            && (self.config.include.is_empty() || under(&self.config.include))
            && !under(&self.config.exclude)
    }

    /// The counted entries of every indexed document, in site order, and
    /// the vocabulary they were counted with, reusing `previous`'s where a
    /// document's rendered text is unchanged (and then its vocabulary too).
    fn count_all(
        &self,
        site: &Site,
        values: &[Value],
        previous: Option<&SearchState>,
    ) -> (Arc<Vocab>, Vec<Arc<DocCounted>>, Option<Arc<Built>>) {
        let previous = previous
            .filter(|p| p.config == self.config && p.language == self.language)
            .map(|p| p.counted.lock().expect("not poisoned"));
        let vocab = match &previous {
            Some(p) => p.vocab.clone(),
            None => self.counted.lock().expect("not poisoned").vocab.clone(),
        };
        let ids: Vec<DocId> = (0..site.docs.len())
            .filter(|&id| self.indexed(&site.docs[id]))
            .collect();
        let counted: Vec<Arc<DocCounted>> = ids
            .par_iter()
            .with_min_len(ids.len() / 16 + 1)
            .map_init(
                || Interner::new(&vocab),
                |interner, &id| {
                    let d = &site.docs[id];
                    let value = values.get(id);
                    let old = previous.as_ref().and_then(|p| p.docs.get(&d.rel_path));
                    if let Some(old) = old
                        && let (Some(now), Some(then)) = (
                            value.and_then(Value::as_map),
                            old.value.as_ref().and_then(Value::as_map),
                        )
                        && std::ptr::eq(now, then)
                    {
                        return old.clone();
                    }
                    let key = doc_key(site, id, value);
                    if let Some(old) = old
                        && key.matches(&old.key)
                    {
                        return old.clone();
                    }
                    let key = key.to_key();
                    let entries = doc_entries(site, id, &key, interner, self.config.snippet_length);
                    Arc::new(DocCounted {
                        key,
                        value: value.cloned(),
                        entries,
                        forms: interner.take_forms(),
                    })
                },
            )
            .collect();
        let built = previous.and_then(|p| p.built.clone());
        let mut mine = self.counted.lock().expect("not poisoned");
        *mine = Kept {
            vocab: vocab.clone(),
            docs: ids
                .iter()
                .zip(&counted)
                .map(|(&id, c)| (site.docs[id].rel_path.clone(), c.clone()))
                .collect(),
            built: None,
        };
        (vocab, counted, built)
    }
}

/// What document `id`'s entries are made from: its template object's
/// content (with comparison tables) and decision tree, else its Markdown.
fn doc_key<'a>(site: &'a Site, id: DocId, value: Option<&'a Value>) -> KeyView<'a> {
    let d = &site.docs[id];
    let get = |k: &'static str| {
        value
            .and_then(|v| v.get_from_path(k))
            .filter(|v| v.as_str().is_some())
    };
    let mut boosted: Vec<&str> = Vec::new();
    if let Some(desc) = &d.meta.description {
        boosted.push(desc);
    }
    for terms in d.meta.taxonomies.values() {
        boosted.extend(terms.iter().map(String::as_str));
    }
    KeyView {
        path: &d.path,
        title: &d.title,
        boosted: boosted.join(" "),
        content: get("content").map_or_else(
            || Cow::Owned(Value::safe_string(d.rendered.html())),
            Cow::Borrowed,
        ),
        decision: get("decision.outline"),
    }
}

/// Document `id`'s entries, counted: its page and headings, then its
/// decision steps.
fn doc_entries(
    site: &Site,
    id: DocId,
    key: &DocKey,
    interner: &mut Interner<'_>,
    snippet_length: usize,
) -> Vec<Counted> {
    let top = Entry {
        url: key.path.clone(),
        title: key.title.clone(),
        heading: String::new(),
        text: String::new(),
        boosted: key.boosted.clone(),
    };
    let mut counter = TextCounter::new(interner, snippet_length);
    let read = html_entries_into(
        key.content.as_str().unwrap_or(""),
        &key.path,
        &key.title,
        top,
        &mut counter,
    );
    // An entry with neither heading nor text is left out (not the top).
    let mut entries: Vec<(Entry, TextCount)> = read
        .into_iter()
        .zip(counter.finish())
        .filter(|(e, t)| !(e.heading.is_empty() && t.is_empty() && e.url.contains('#')))
        .collect();
    if let Some(outline) = key.decision.as_ref().and_then(Value::as_str) {
        let root = site.permalink("/");
        let mut rest = outline;
        while let Some(i) = rest.find("<a href=\"") {
            rest = &rest[i + 9..];
            let Some(q) = rest.find('"') else { break };
            let href = extract::decode(&rest[..q]);
            let Some(end) = rest.find("</a>") else { break };
            let text = rest[q..end].split_once('>').map_or("", |(_, t)| t);
            let path = format!(
                "/{}",
                href.strip_prefix(&root)
                    .unwrap_or(&href)
                    .trim_start_matches('/')
            );
            if !entries.iter().any(|(e, _)| e.url == path) {
                let step = Entry {
                    url: path,
                    title: site.docs[id].title.clone(),
                    heading: extract::decode(text),
                    text: String::new(),
                    boosted: String::new(),
                };
                entries.push((step, TextCount::default()));
            }
            rest = &rest[end..];
        }
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, (e, t))| count_read(e, t, i == 0, interner, snippet_length))
        .collect()
}

impl Prepared for SearchState {
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn site_jobs(
        &self,
        site: &Site,
        values: &[Value],
        previous: Option<&dyn Prepared>,
        has_template: &dyn Fn(&str) -> bool,
    ) -> Vec<Job> {
        if !self.config.enabled {
            return Vec::new();
        }
        let previous = previous
            .and_then(|p| p.as_any())
            .and_then(|a| a.downcast_ref::<SearchState>());
        // The last render's index, if the dev server has not finished it yet.
        if let Some(p) = previous {
            p.finish_index();
        }
        let t = std::time::Instant::now();
        let (vocab, counted, previous) = self.count_all(site, values, previous);
        let t_count = t.elapsed();
        let relative = site.url_mode.is_relative();
        let root = site.permalink("/");
        // The A–Z list stays when the documents are the same and none
        // changed a name or URL.
        let kept_a_to_z = previous
            .as_ref()
            .filter(|p| {
                p.root == root
                    && p.docs.len() == counted.len()
                    && p.docs.iter().zip(&counted).all(|(a, b)| {
                        Arc::ptr_eq(a, b)
                            || a.entries.iter().map(names).eq(b.entries.iter().map(names))
                    })
            })
            .map(|p| (p.a_to_z.clone(), p.a_to_z_lines.clone()));
        let a_to_z_now = || {
            kept_a_to_z.unwrap_or_else(|| {
                let lines = a_to_z_lines(site, &counted, previous.as_deref(), &root);
                (a_to_z(site, &lines), Arc::new(lines))
            })
        };
        let (files, a_to_z, a_to_z_lines) = match &previous {
            // The dev server: the pages first, with the index files as they
            // were; the index follows the reload event ([`Prepared::finish`]).
            Some(p) => {
                let (a_to_z, a_to_z_lines) = a_to_z_now();
                *self.pending.lock().expect("not poisoned") = Some(Pending {
                    vocab,
                    docs: counted,
                    previous: p.clone(),
                    relative,
                    updatable: !site.one_shot,
                    a_to_z: a_to_z.clone(),
                    a_to_z_lines: a_to_z_lines.clone(),
                    root,
                });
                (p.files.clone(), a_to_z, a_to_z_lines)
            }
            None => {
                // Beside each other: much of either is serial work.
                let (built, (a_to_z, a_to_z_lines)) = rayon::join(
                    || {
                        built_index(
                            &self.config,
                            &vocab,
                            &counted,
                            None,
                            relative,
                            !site.one_shot,
                        )
                    },
                    a_to_z_now,
                );
                tracing::debug!(
                    "search: counted words in {t_count:?}, index by {:?}",
                    t.elapsed()
                );
                let files = built.files.clone();
                self.counted.lock().expect("not poisoned").built = Some(Arc::new(Built {
                    docs: counted,
                    index: built.index,
                    files: built.files,
                    a_to_z: a_to_z.clone(),
                    a_to_z_lines: a_to_z_lines.clone(),
                    over_budget: built.over_budget,
                    root,
                }));
                (files, a_to_z, a_to_z_lines)
            }
        };
        drop(a_to_z_lines);
        let mut jobs = index_jobs(files);
        if has_template("search.html") && site.docs.iter().all(|d| d.path != SEARCH_PATH) {
            jobs.push(Job::template(
                SEARCH_PATH,
                "search.html",
                vec![("search", a_to_z.main.clone())],
                "search page",
            ));
            for (path, value) in &a_to_z.letters {
                if site.docs.iter().all(|d| d.path != *path) {
                    jobs.push(Job::template(
                        path,
                        "search.html",
                        vec![("search", value.clone())],
                        "search page",
                    ));
                }
            }
        }
        jobs
    }

    fn finish(&self) -> Option<(Vec<Job>, Vec<String>)> {
        let (files, before) = self.finish_index()?;
        let now: FxHashSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let removed = before
            .iter()
            .filter(|n| !now.contains(n.as_str()))
            .map(|n| format!("{SEARCH_PATH}{n}"))
            .collect();
        Some((index_jobs(files), removed))
    }

    fn call(&self, name: &str, call: &Call, kwargs: &Kwargs) -> tera::TeraResult<Value> {
        debug_assert_eq!(name, "search_box");
        if !self.config.enabled {
            return Ok(Value::safe_string(""));
        }
        let id: String = kwargs.get("id")?.unwrap_or_else(|| "search".to_string());
        let label: String = kwargs.get("label")?.unwrap_or_else(|| "Search".to_string());
        let id = escape_attr(&id);
        let html = format!(
            "<form class=\"search\" role=\"search\" action=\"{action}\" method=\"get\" data-search>\
<label class=\"search__label\" for=\"{id}-input\">{label}</label>\
<span class=\"search__field\"><input class=\"search__input\" id=\"{id}-input\" type=\"search\" name=\"q\" autocomplete=\"off\" spellcheck=\"false\" enterkeyhint=\"search\" aria-controls=\"{id}-results\" aria-keyshortcuts=\"/\">\
<button class=\"search__submit\" type=\"submit\">Go</button></span>\
<div class=\"search__panel\" id=\"{id}-results\" hidden><p class=\"search__status\" role=\"status\" aria-live=\"polite\"></p><ol class=\"search__results\"></ol></div>\
</form>",
            action = escape_attr(&call.site.permalink(SEARCH_PATH)),
            label = escape_attr(&label),
        );
        Ok(Value::safe_string(&html))
    }
}

/// What an entry shows in the A–Z list.
fn names(c: &Counted) -> (&str, &str, &str) {
    (&c.url, &c.title, &c.heading)
}

/// The search page's A–Z index: every page and heading, grouped by first letter.
/// One line of the A–Z list: what it is sorted by, its letter, its
/// template value, and the path of the document it comes from.
struct Line {
    /// The name lowercased, the page title, the URL.
    key: (String, String, String),
    letter: String,
    value: Value,
    doc: Arc<str>,
}

/// The A–Z list's lines, sorted: the lines of documents whose counted
/// entries `previous` had (the same ones: the dev server keeps an unchanged
/// document's) as they were, merged with those of the others.
fn a_to_z_lines(
    site: &Site,
    counted: &[Arc<DocCounted>],
    previous: Option<&Built>,
    root: &str,
) -> Vec<Arc<Line>> {
    let previous = previous.filter(|p| p.root == root);
    let before: FxHashMap<&str, &Arc<DocCounted>> = previous
        .map(|p| p.docs.iter().map(|d| (d.key.path.as_str(), d)).collect())
        .unwrap_or_default();
    let same = |d: &Arc<DocCounted>| {
        before
            .get(d.key.path.as_str())
            .is_some_and(|b| Arc::ptr_eq(b, d))
    };
    // The previous documents whose lines go, changed or gone: an edit has
    // one or a few, and every kept line is checked against them.
    let now: FxHashMap<&str, &Arc<DocCounted>> =
        counted.iter().map(|d| (d.key.path.as_str(), d)).collect();
    let stale: FxHashSet<&str> = before
        .iter()
        .filter(|(path, b)| !now.get(*path).is_some_and(|d| Arc::ptr_eq(b, d)))
        .map(|(path, _)| *path)
        .collect();
    let mut fresh: Vec<Arc<Line>> = counted
        .par_iter()
        .filter(|d| !same(d))
        .flat_map_iter(|d| {
            let doc: Arc<str> = Arc::from(d.key.path.as_str());
            d.entries
                .iter()
                .filter_map(move |c| line(site, c, doc.clone()).map(Arc::new))
        })
        .collect();
    fresh.par_sort_by(|a, b| a.key.cmp(&b.key));
    let kept = previous
        .map(|p| p.a_to_z_lines.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|l| !stale.contains(&*l.doc));
    // A merge of two sorted lists (a kept line before a fresh one with an
    // equal key: both show the same name, page and URL).
    let mut out = Vec::with_capacity(fresh.len() + previous.map_or(0, |p| p.a_to_z_lines.len()));
    let mut fresh = fresh.into_iter().peekable();
    for l in kept {
        while let Some(f) = fresh.next_if(|f| f.key < l.key) {
            out.push(f);
        }
        out.push(l.clone());
    }
    out.extend(fresh);
    out
}

/// Entry `c`'s line in the A–Z list (none for an entry with no name).
fn line(site: &Site, c: &Counted, doc: Arc<str>) -> Option<Line> {
    if c.heading.is_empty() && c.url.contains('#') {
        return None;
    }
    let name = if c.heading.is_empty() {
        &c.title
    } else {
        &c.heading
    };
    let first = name.chars().next()?;
    let letter = if first.is_alphabetic() {
        first.to_uppercase().collect::<String>()
    } else {
        "#".to_string()
    };
    let url = site.permalink(&c.url);
    let mut m = Map::new();
    m.insert("title".into(), Value::from(name.as_str()));
    m.insert(
        "page".into(),
        if c.title == *name {
            Value::none()
        } else {
            Value::from(c.title.as_str())
        },
    );
    m.insert("url".into(), Value::from(url.as_str()));
    Some(Line {
        key: (name.to_lowercase(), c.title.clone(), url),
        letter,
        value: Value::from(m),
        doc,
    })
}

/// Lines above which the A–Z list gets a page per letter: one page of
/// every heading of a large site is megabytes of HTML (6.5 MB at 10k
/// pages), too much for the no-JavaScript fallback, and any renamed
/// heading would render all of it again.
const A_TO_Z_ONE_PAGE: usize = 1000;

/// The search pages' template values: `/search/`, and in a list split by
/// letter, each letter's page (its site path and value).
#[derive(Clone)]
struct AToZ {
    main: Value,
    letters: Vec<(String, Value)>,
}

/// The A–Z list from its sorted lines, as `search` for `search.html`:
/// `{ letters: [{ letter, url, current }], groups: [{ letter, id, items:
/// [{ title, page, url }] }], split, letter }`. `letters` is the
/// navigation (anchors on one page; the letters' pages when split),
/// `groups` the lists this page shows (none on a split list's
/// `/search/`), `letter` the letter of a letter's page.
fn a_to_z(site: &Site, lines: &[Arc<Line>]) -> AToZ {
    let mut groups: Vec<(&str, Vec<Value>)> = Vec::new();
    for l in lines {
        match groups.last_mut() {
            Some((letter, list)) if *letter == l.letter => list.push(l.value.clone()),
            _ => groups.push((&l.letter, vec![l.value.clone()])),
        }
    }
    let split = lines.len() > A_TO_Z_ONE_PAGE;
    let id = |i: usize| format!("letter-{}", i + 1);
    let path = |letter: &str| format!("{SEARCH_PATH}{}/", letter_slug(letter));
    let letters = |current: Option<usize>| -> Value {
        let list: Vec<Value> = groups
            .iter()
            .enumerate()
            .map(|(i, (letter, _))| {
                let mut m = Map::new();
                m.insert("letter".into(), Value::from(*letter));
                let url = if split {
                    site.permalink(&path(letter))
                } else {
                    format!("#{}", id(i))
                };
                m.insert("url".into(), Value::from(url));
                m.insert("current".into(), Value::from(current == Some(i)));
                Value::from(m)
            })
            .collect();
        Value::from(list)
    };
    let group = |i: usize, letter: &str, items: &[Value]| -> Value {
        let mut m = Map::new();
        m.insert("letter".into(), Value::from(letter));
        m.insert("id".into(), Value::from(id(i)));
        m.insert("items".into(), Value::from(items.to_vec()));
        Value::from(m)
    };
    let page = |letters: Value, groups: Vec<Value>, letter: Option<&str>| -> Value {
        let mut m = Map::new();
        m.insert("letters".into(), letters);
        m.insert("groups".into(), Value::from(groups));
        m.insert("split".into(), Value::from(split));
        m.insert(
            "letter".into(),
            letter.map_or_else(Value::none, Value::from),
        );
        Value::from(m)
    };
    if !split {
        let all = groups
            .iter()
            .enumerate()
            .map(|(i, (letter, items))| group(i, letter, items))
            .collect();
        return AToZ {
            main: page(letters(None), all, None),
            letters: Vec::new(),
        };
    }
    AToZ {
        main: page(letters(None), Vec::new(), None),
        letters: groups
            .iter()
            .enumerate()
            .map(|(i, (letter, items))| {
                let value = page(
                    letters(Some(i)),
                    vec![group(i, letter, items)],
                    Some(letter),
                );
                (path(letter), value)
            })
            .collect(),
    }
}

/// A letter as a path segment: an ASCII letter in lower case, `0` for the
/// group of names that start with no letter, `u` and the hex code points of
/// any other.
fn letter_slug(letter: &str) -> String {
    if letter == "#" {
        return "0".into();
    }
    if letter.len() == 1 && letter.as_bytes()[0].is_ascii_alphabetic() {
        return letter.to_ascii_lowercase();
    }
    let hex: Vec<String> = letter.chars().map(|c| format!("{:x}", c as u32)).collect();
    format!("u{}", hex.join("-"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::model::{ModelOptions, assemble};
    use crate::source::content::{ContentFiles, SourceFile};
    use crate::urls::UrlMode;

    /// The vectors `tests/suite/search.rs` runs through search.js in Chromium.
    const VECTORS: &str = include_str!("../../../tests/search-vectors.json");

    pub(super) fn site_of(
        config: &str,
        files: &serde_json::Map<String, serde_json::Value>,
    ) -> Site {
        let markdown = files
            .iter()
            .filter_map(|(path, text)| {
                Some(SourceFile {
                    rel_path: path.strip_prefix("content/")?.to_string(),
                    display_path: path.into(),
                    text: Arc::from(text.as_str()?),
                })
            })
            .collect();
        assemble(
            Arc::new(Config::parse(config, "guidepost.toml".into()).unwrap()),
            UrlMode::Relative,
            ContentFiles {
                markdown,
                assets: Vec::new(),
            },
            &ModelOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// The index of `site` (its counted entries leak: an index borrows
    /// them, and these are tests).
    fn index_of(site: &Site) -> Index {
        let state = SearchState::new(site.config.search.clone(), site.config.language.clone());
        let (vocab, counted, _) = state.count_all(site, &[], None);
        let counted: &'static [Arc<DocCounted>] = Vec::leak(counted);
        let docs: Vec<(&[Counted], &[u32])> = counted
            .iter()
            .map(|c| (c.entries.as_slice(), c.forms.as_slice()))
            .collect();
        Index::build(&docs, &vocab.snapshot(), true, true)
    }

    #[test]
    fn shared_vectors_rank_as_listed() {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let s = site_of(
            v["config"].as_str().unwrap(),
            v["files"].as_object().unwrap(),
        );
        let ix = index_of(&s);
        let mut wrong = Vec::new();
        for q in v["queries"].as_array().unwrap() {
            let query = q["q"].as_str().unwrap();
            let got: Vec<&str> = ix
                .query(query)
                .into_iter()
                .take(10)
                .map(|i| ix.url(i))
                .collect();
            let expect: Vec<&str> = q["expect"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_str().unwrap())
                .collect();
            if got != expect {
                wrong.push(format!("{{ \"q\": {query:?}, \"expect\": {got:?} }}"));
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join(",\n"));
    }

    #[test]
    fn drafts_excluded_pages_and_sections_stay_out() {
        let mut files = serde_json::Map::new();
        for (p, t) in [
            ("content/_index.md", ""),
            ("content/a.md", "+++\ntitle = \"Alpha\"\n+++\nzebra\n"),
            (
                "content/b.md",
                "+++\ntitle = \"Beta\"\nin_search_index = false\n+++\nzebra\n",
            ),
            (
                "content/c.md",
                "+++\ntitle = \"Gamma\"\ndraft = true\n+++\nzebra\n",
            ),
            (
                "content/private/_index.md",
                "+++\ntitle = \"Private\"\n+++\nzebra\n",
            ),
            (
                "content/private/d.md",
                "+++\ntitle = \"Delta\"\n+++\nzebra\n",
            ),
        ] {
            files.insert(p.into(), t.into());
        }
        let config = "[search]\nexclude = [\"private\"]\n";
        let ix = index_of(&site_of(config, &files));
        let urls: Vec<&str> = ix.query("zebra ").into_iter().map(|i| ix.url(i)).collect();
        assert_eq!(urls, ["/a/"]);
        let config = "[search]\ninclude = [\"private\"]\n";
        let ix = index_of(&site_of(config, &files));
        let urls: Vec<&str> = ix.query("zebra ").into_iter().map(|i| ix.url(i)).collect();
        assert_eq!(urls, ["/private/", "/private/d/"]);
    }

    #[test]
    fn unchanged_documents_keep_their_counted_entries() {
        let mut files = serde_json::Map::new();
        files.insert("content/_index.md".into(), "".into());
        files.insert(
            "content/a.md".into(),
            "+++\ntitle = \"A\"\n+++\nzebra\n".into(),
        );
        files.insert(
            "content/b.md".into(),
            "+++\ntitle = \"B\"\n+++\nyak\n".into(),
        );
        let s1 = site_of("", &files);
        let first = Search.prepare(&s1).unwrap();
        let jobs1 = first.site_jobs(&s1, &[], None, &|_| false);
        files.insert(
            "content/b.md".into(),
            "+++\ntitle = \"B\"\n+++\nyak gnu\n".into(),
        );
        let s2 = site_of("", &files);
        let second = Search.prepare(&s2).unwrap();
        let left = second.site_jobs(&s2, &[], Some(first.as_ref()), &|_| false);
        assert!(
            left.iter()
                .all(|j| jobs1.iter().any(|o| o.path == j.path && o.kind == j.kind)),
            "with a previous state, the index files stay as they were"
        );
        let (jobs2, removed) = second.finish().expect("the index left to finish");
        assert!(removed.is_empty());
        assert!(second.finish().is_none(), "finished once");
        let state = |p: &dyn Prepared| {
            let s = p.as_any().unwrap().downcast_ref::<SearchState>().unwrap();
            s.counted.lock().unwrap().clone()
        };
        let (old, new) = (state(first.as_ref()), state(second.as_ref()));
        assert!(
            Arc::ptr_eq(&old.vocab, &new.vocab),
            "reused entries' word ids name the same vocabulary"
        );
        let (old, new) = (old.docs, new.docs);
        assert!(Arc::ptr_eq(&old["a.md"], &new["a.md"]), "a.md reused");
        assert!(
            !Arc::ptr_eq(&old["b.md"], &new["b.md"]),
            "b.md counted again"
        );
        // Only the shards holding b.md's words (and the manifest) changed.
        let changed: Vec<&str> = jobs2
            .iter()
            .filter(|j| !jobs1.iter().any(|o| o.path == j.path && o.kind == j.kind))
            .map(|j| j.path.as_str())
            .collect();
        assert_eq!(
            changed,
            ["/search/index.js", "/search/w-gn.js", "/search/e-0.js"]
        );
    }
}

#[cfg(test)]
mod update_tests {
    use super::tests::site_of;
    use super::*;

    /// The index files of `files`, from scratch.
    fn full(files: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, Vec<u8>)> {
        let s = site_of("", files);
        let state = Search.prepare(&s).unwrap();
        bytes(state.site_jobs(&s, &[], None, &|_| true))
    }

    fn bytes(jobs: Vec<Job>) -> Vec<(String, Vec<u8>)> {
        jobs.into_iter()
            .map(|j| match j.kind {
                JobKind::Raw(b) => (j.path, b.to_vec()),
                _ => (j.path, format!("{:?}", j.vars).into_bytes()),
            })
            .collect()
    }

    /// A chain of edits, each rendered with the state of the one before,
    /// gives at every step the files of a build from scratch (the index
    /// once finished, on odd steps by the next render): words that come and
    /// go (forms no page has any more), headings renamed, entries added (the
    /// ids move: built again), a page emptied.
    #[test]
    fn an_updated_index_equals_one_built_from_scratch() {
        let mut files = serde_json::Map::new();
        files.insert("content/_index.md".into(), "".into());
        for (p, t) in [
            ("a", "zebra yak\n\n## Grazing\n\ngnu gnus grass\n"),
            ("b", "yak herd\n\n## Herding\n\nboard boards\n"),
            ("c", "cattle\n"),
        ] {
            files.insert(
                format!("content/{p}.md"),
                format!("+++\ntitle = \"{p}\"\n+++\n{t}").into(),
            );
        }
        let edits: &[(&str, &str)] = &[
            ("b", "yak herd\n\n## Herding\n\nboard boards zebu\n"),
            ("a", "zebra\n\n## Grazing\n\ngnu grass\n"),
            ("b", "yak herd\n\n## Herds of yaks\n\nboard\n"),
            ("c", "cattle gnu yak yak yak\n"),
            ("a", "zebra\n\n## Grazing\n\ngnu grass\n\n## More\n\nmore\n"),
            ("c", ""),
            ("a", "quokka\n\n## Grazing\n\nquokkas\n\n## More\n\nmore\n"),
        ];
        let is_index = |j: &Job| matches!(j.kind, JobKind::Raw(_));
        let sorted = |mut v: Vec<(String, Vec<u8>)>| {
            v.sort();
            v
        };
        let index_files = |f: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
            sorted(f.into_iter().filter(|(p, _)| p.ends_with(".js")).collect())
        };
        let mut s = site_of("", &files);
        let mut state = Search.prepare(&s).unwrap();
        let mut jobs = state.site_jobs(&s, &[], None, &|_| true);
        // The index files of the last render, as a full build has them.
        let mut index_before = index_files(full(&files));
        for (i, (p, t)) in edits.iter().enumerate() {
            files.insert(
                format!("content/{p}.md"),
                format!("+++\ntitle = \"{p}\"\n+++\n{t}").into(),
            );
            s = site_of("", &files);
            let next = Search.prepare(&s).unwrap();
            let mut next_jobs = next.site_jobs(&s, &[], Some(state.as_ref()), &|_| true);
            let want = sorted(full(&files));
            // The search pages as a full build has them; the index files as
            // the last render's index has them (which, on odd steps, this
            // render had to finish first).
            let now = sorted(bytes(next_jobs.clone()));
            assert!(
                index_files(now.clone()) == index_before,
                "edit {i}: the index as it was"
            );
            let pages = |f: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
                f.iter()
                    .filter(|(p, _)| !p.ends_with(".js"))
                    .cloned()
                    .collect()
            };
            assert!(pages(&now) == pages(&want), "edit {i}: the search pages");
            index_before = index_files(want.clone());
            // Odd steps leave the index for the next render to finish.
            if i % 2 == 1 {
                jobs = next_jobs;
                state = next;
                continue;
            }
            let (index, removed) = next.finish().expect("left to finish");
            assert!(next.finish().is_none(), "finished once");
            next_jobs.retain(|j| !is_index(j) && !removed.contains(&j.path));
            next_jobs.extend(index);
            // An update keeps the bytes of the shards it did not encode again.
            let kept = next_jobs.iter().any(|j| {
                jobs.iter().any(|o| match (&o.kind, &j.kind) {
                    (JobKind::Raw(a), JobKind::Raw(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                })
            });
            assert_eq!(kept, i != 4, "edit {i}: updated, unless it added an entry");
            assert!(
                sorted(bytes(next_jobs.clone())) == want,
                "edit {i} ({p}) differs from a full build"
            );
            jobs = next_jobs;
            state = next;
        }
    }
}
