//! Template objects: every document's `page`/`section` object, built once
//! and shared (Tera values are reference-counted) by its own page and by
//! every listing that shows it, plus the `config` and `main_nav` globals.

use std::collections::BTreeMap;

use rayon::prelude::*;
use tera::{Map, Value};

use crate::features::Prepared;
use crate::model::{DocId, DocKind, Document, Site};

/// The `main_nav` global: the home section's subsections and pages, in
/// weight order, with `[extra] nav_title` as a short label.
pub(super) fn main_nav(site: &Site) -> Value {
    let root = &site.docs[site.root_section];
    let mut entries: Vec<DocId> = root
        .subsections
        .iter()
        .chain(&root.pages)
        .copied()
        .collect();
    entries.sort_by(|&a, &b| site.docs[a].weight_key().cmp(&site.docs[b].weight_key()));
    Value::from(
        entries
            .into_iter()
            .map(|id| {
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

/// A listing: the shared template objects of `ids`, in order.
pub(super) fn page_list(values: &[Value], ids: &[DocId]) -> Value {
    Value::from(ids.iter().map(|&p| values[p].clone()).collect::<Vec<_>>())
}

/// `{ title, permalink, path }` of a document.
pub(super) fn link_value(site: &Site, d: &Document) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), Value::from(d.title.clone()));
    m.insert("permalink".into(), Value::from(site.permalink(&d.path)));
    m.insert("path".into(), Value::from(d.path.clone()));
    // What `get_section(path=...)` takes (Zola's `ancestors` are these paths).
    m.insert("relative_path".into(), Value::from(d.rel_path.clone()));
    Value::from(m)
}

/// Builds every document's template object once: pages first, then sections
/// (which list their pages by sharing those objects).
pub(super) fn build_values(site: &Site, features: &[Box<dyn Prepared>]) -> Vec<Value> {
    // Each document's `{ title, permalink, path }` once, shared by every
    // page that shows it as an ancestor or neighbour (a third of the
    // allocations of the template objects otherwise).
    let links: Vec<Value> = site.docs.par_iter().map(|d| link_value(site, d)).collect();
    let link = |id: DocId| links[id].clone();
    let base: Vec<Map> = site
        .docs
        .par_iter()
        .enumerate()
        .map(|(id, _)| doc_map_linked(site, id, features, &link))
        .collect();
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

/// A page's template object (a section's without its listings).
pub(super) fn doc_map(site: &Site, id: DocId, features: &[Box<dyn Prepared>]) -> Map {
    doc_map_linked(site, id, features, &|n| link_value(site, &site.docs[n]))
}

/// [`doc_map`] with the link objects of ancestors and neighbours from `link`.
fn doc_map_linked(
    site: &Site,
    id: DocId,
    features: &[Box<dyn Prepared>],
    link: &(dyn Fn(DocId) -> Value + Sync),
) -> Map {
    let d = &site.docs[id];
    // Room for every key below and the features' (no growing and rehashing).
    let mut m = Map::with_capacity(48);
    let r = &d.rendered;
    m.insert("title".into(), Value::from(d.title.clone()));
    m.insert(
        "description".into(),
        Value::from(d.meta.description.clone()),
    );
    m.insert("content".into(), r.content.clone());
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
    // Zola's keys, for themes.
    m.insert("authors".into(), Value::from(d.meta.authors.clone()));
    m.insert(
        "in_search_index".into(),
        Value::from(d.meta.in_search_index.unwrap_or(true)),
    );
    m.insert(
        "insert_anchor_links".into(),
        Value::from(d.meta.insert_anchor_links.clone()),
    );
    m.insert("transparent".into(), Value::from(d.meta.transparent));
    m.insert(
        "slug".into(),
        Value::from(
            d.path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
        ),
    );
    m.insert("lang".into(), Value::from(site.config.language.clone()));
    m.insert("taxonomies".into(), table_value(&d.meta.taxonomies));
    m.insert("attributes".into(), table_value(&d.meta.attributes));
    m.insert("extra".into(), table_value(&d.meta.extra));
    m.insert(
        "ancestors".into(),
        Value::from(site.ancestors(id).into_iter().map(link).collect::<Vec<_>>()),
    );
    let neighbour = |n: Option<DocId>| n.map_or_else(Value::none, link);
    let (previous, next) = (neighbour(d.previous), neighbour(d.next));
    // Zola's names for the same neighbours share the objects.
    m.insert("lower".into(), next.clone());
    m.insert("higher".into(), previous.clone());
    m.insert("previous".into(), previous);
    m.insert("next".into(), next);
    // Zola's shapes: the content-relative folder of a page bundle or a
    // section, and each asset as `/` + its content-relative path (what
    // `get_url`, `load_data` and `get_image_metadata` take).
    m.insert(
        "colocated_path".into(),
        d.colocated_path().map_or_else(Value::none, Value::from),
    );
    m.insert(
        "assets".into(),
        Value::from(
            d.assets
                .iter()
                .map(|a| format!("/{}", a.rel_path))
                .collect::<Vec<_>>(),
        ),
    );
    // Zola's `year`, `month`, `day` of the date (`group_by(attribute="year")`).
    let date = d
        .meta
        .date
        .as_ref()
        .map(|x| x.0.clone())
        .unwrap_or_default();
    let part = |r: std::ops::Range<usize>| {
        date.get(r)
            .and_then(|p| p.parse::<i64>().ok())
            .map_or_else(Value::none, Value::from)
    };
    m.insert("year".into(), part(0..4));
    m.insert("month".into(), part(5..7));
    m.insert("day".into(), part(8..10));
    for f in features {
        f.extend_doc(site, id, &mut m);
    }
    m
}

/// A section's template object: its own keys plus its pages and subsections
/// (sharing the pages' objects).
pub(super) fn section_value(site: &Site, id: DocId, mut m: Map, values: &[Value]) -> Value {
    let d = &site.docs[id];
    let pages_of = |doc: &Document| page_list(values, &doc.pages);
    m.insert("pages".into(), pages_of(d));
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
            sm.insert("pages".into(), pages_of(sd));
            Value::from(sm)
        })
        .collect();
    m.insert("subsections".into(), Value::from(subs));
    Value::from(m)
}
