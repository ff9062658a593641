//! Template objects: every document's `page`/`section` object, built once
//! and shared (Tera values are reference-counted) by its own page and by
//! every listing that shows it, plus the `config` and `main_nav` globals.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use rayon::prelude::*;
use tera::{Map, Value};

use crate::features::Prepared;
use crate::markdown::same_html;
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
        EMPTY_MAP.clone()
    } else {
        Value::from_serializable(table)
    }
}

/// The empty map and list every object without `extra`, `attributes`,
/// `authors` or `assets` shares: each empty one was an allocation of its
/// own, five a page.
static EMPTY_MAP: LazyLock<Value> = LazyLock::new(|| Value::from(Map::new()));
static EMPTY_LIST: LazyLock<Value> = LazyLock::new(|| Value::from(Vec::<Value>::new()));

/// A list of strings as a template value (the shared empty list for none).
fn string_list(items: impl ExactSizeIterator<Item = String>) -> Value {
    if items.len() == 0 {
        EMPTY_LIST.clone()
    } else {
        Value::from(items.collect::<Vec<_>>())
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
    static_object(&[
        ("title", Value::from(d.title.as_str())),
        ("permalink", Value::from(site.permalink(&d.path))),
        ("path", Value::from(d.path.as_str())),
        // What `get_section(path=...)` takes (Zola's `ancestors` are these paths).
        ("relative_path", Value::from(d.rel_path.as_str())),
    ])
}

/// The last render's model and template objects by content path: the dev
/// server's new model (a page added, a title changed) keeps the object of
/// every page whose object would come out the same, so only the changed
/// ones are built, and compared against the old ones by address.
pub(super) struct Kept<'a> {
    pub(super) site: &'a Site,
    pub(super) values_by_path: &'a HashMap<String, Value>,
    /// The last render's link objects, by the old model's document ids.
    pub(super) links: &'a [Value],
}

/// The link object of document `d` from the last render when it shows the
/// same title and path (the permalink follows from the path, and `kept` is
/// only used with the same URL mode), else a new one. Kept links are the
/// same allocation as before, so comparing the ancestors and neighbours of
/// a kept page object is a pointer comparison per link.
fn link_reusing(site: &Site, d: &Document, kept: Option<&Kept>) -> Value {
    kept.and_then(|k| {
        let old = k.links.get(*k.site.by_rel_path.get(&d.rel_path)?)?;
        let field = |name: &'static str| old.get_from_path(name).and_then(Value::as_str);
        (field("title") == Some(d.title.as_str()) && field("path") == Some(d.path.as_str()))
            .then(|| old.clone())
    })
    .unwrap_or_else(|| link_value(site, d))
}

/// Builds every document's template object once: pages first, then sections
/// (which list their pages by sharing those objects). With `kept`, a page
/// keeps its old object when nothing it is made from changed. Returns the
/// objects and every document's link object, by document id.
pub(super) fn build_values(
    site: &Site,
    features: &[Box<dyn Prepared>],
    kept: Option<Kept>,
) -> (Vec<Value>, Vec<Value>) {
    // Permalinks and `lang` come from the config; the rest from the documents.
    let kept = kept.filter(|k| {
        k.site.url_mode == site.url_mode && k.site.config.language == site.config.language
    });
    // Each document's `{ title, permalink, path }` once, shared by every
    // page that shows it as an ancestor or neighbour (a third of the
    // allocations of the template objects otherwise).
    let links: Vec<Value> = site
        .docs
        .par_iter()
        .map(|d| link_reusing(site, d, kept.as_ref()))
        .collect();
    let link = |id: DocId| links[id].clone();
    let base: Vec<Result<Value, DocObject>> = site
        .docs
        .par_iter()
        .enumerate()
        .map(|(id, d)| {
            if let Some(old) = kept
                .as_ref()
                .filter(|_| d.kind == DocKind::Page)
                .and_then(|k| kept_object(site, id, features, &links, k))
            {
                return Ok(old);
            }
            let object = doc_object_linked(site, id, features, &link);
            match d.kind {
                DocKind::Page => Ok(object.page_value()),
                DocKind::Section => Err(object),
            }
        })
        .collect();
    let mut values = Vec::with_capacity(base.len());
    let mut sections = Vec::new();
    for (id, m) in base.into_iter().enumerate() {
        match m {
            Ok(value) => values.push(value),
            Err(object) => {
                sections.push((id, object));
                values.push(Value::none());
            }
        }
    }
    for (id, object) in sections {
        values[id] = section_value(site, id, object, &values);
    }
    (values, links)
}

/// The keys [`doc_object_linked`] gives every document before the features
/// add theirs, in the order it writes them.
const BASE_KEYS: &[&str] = &[
    "title",
    "description",
    "content",
    "summary",
    "toc",
    "permalink",
    "path",
    "relative_path",
    "date",
    "updated",
    "word_count",
    "reading_time",
    "weight",
    "draft",
    "authors",
    "in_search_index",
    "insert_anchor_links",
    "transparent",
    "slug",
    "lang",
    "taxonomies",
    "attributes",
    "extra",
    "ancestors",
    "lower",
    "higher",
    "previous",
    "next",
    "colocated_path",
    "assets",
    "year",
    "month",
    "day",
];

/// Page `id`'s object from the last render when building it again would give
/// an equal one: the same document (every field [`doc_map_linked`] reads),
/// the same ancestors and neighbours, and the same keys from every feature.
fn kept_object(
    site: &Site,
    id: DocId,
    features: &[Box<dyn Prepared>],
    links: &[Value],
    kept: &Kept,
) -> Option<Value> {
    let d = &site.docs[id];
    let old = kept.values_by_path.get(&d.rel_path)?;
    let od = kept.site.get(&d.rel_path)?;
    let om = old.as_map()?;
    let (r, or) = (&d.rendered, &od.rendered);
    // A document the new model took from the old one shares its front
    // matter and rendering.
    let same_doc = d.kind == od.kind
        && d.title == od.title
        && d.path == od.path
        && (std::sync::Arc::ptr_eq(&d.meta, &od.meta) || d.meta == od.meta)
        && (std::sync::Arc::ptr_eq(r, or)
            || same_html(&r.content, &or.content)
                && r.summary == or.summary
                && r.toc == or.toc
                && r.word_count == or.word_count
                && r.reading_time == or.reading_time)
        && d.assets.len() == od.assets.len()
        && d.assets
            .iter()
            .zip(&od.assets)
            .all(|(a, b)| a.rel_path == b.rel_path);
    if !same_doc {
        return None;
    }
    let get = |k: &'static str| om.get(&tera::value::Key::from(k));
    let ancestors: Vec<Value> = site
        .ancestors(id)
        .into_iter()
        .map(|a| links[a].clone())
        .collect();
    let neighbour = |n: Option<DocId>| n.map_or_else(Value::none, |n| links[n].clone());
    if get("ancestors") != Some(&Value::from(ancestors))
        || get("previous") != Some(&neighbour(d.previous))
        || get("next") != Some(&neighbour(d.next))
    {
        return None;
    }
    // The features' keys, made again (they may depend on other pages) and
    // compared; the old object may have no other keys. A feature that
    // changes `content` reads what an earlier one set, else the page's own.
    let mut ext = Map::new();
    for f in features {
        f.extend_doc(site, id, &mut ext);
    }
    // The old object has every base key and every new feature key (just
    // checked), so it has no other key exactly when it has that many.
    let new_keys = ext
        .keys()
        .filter(|k| !BASE_KEYS.contains(&k.as_str().unwrap_or("")))
        .count();
    let same_ext = ext.iter().all(|(k, v)| om.get(k) == Some(v))
        && om.len() == BASE_KEYS.len() + new_keys
        && (ext.contains_key(&tera::value::Key::from("content"))
            || get("content").is_some_and(|c| same_html(c, &r.content)));
    same_ext.then(|| old.clone())
}

/// A document's template object before it becomes a Tera value: its own
/// keys in order ([`BASE_KEYS`]) and the features' (which may replace
/// `content`). A section's gets its listings in [`section_value`].
pub(super) struct DocObject {
    fields: Vec<(&'static str, Value)>,
    features: Map,
}

impl DocObject {
    /// The object of a page.
    pub(super) fn page_value(self) -> Value {
        object_value(&self.fields, &self.features, &[])
    }
}

/// A template object as a Tera map, built in one pass. `Value::from(Map)`
/// inserts every key again into a new map (each key hashed and stored
/// twice: about a third of the time building objects took); serde's struct path builds the map once,
/// keeps `&'static str` keys unallocated and passes values through. Keys
/// come in order: `fields`, then `features` (a key already there keeps its
/// place and takes the new value, as a map insert does), then `listings`.
fn object_value(
    fields: &[(&'static str, Value)],
    features: &Map,
    listings: &[(&'static str, Value)],
) -> Value {
    use tera::value::Key;
    if features.keys().any(|k| !matches!(k, Key::Str(_))) {
        // A key named at run time has no `&'static str`: the map way.
        let mut m = Map::with_capacity(fields.len() + features.len() + listings.len());
        for (k, v) in fields {
            m.insert(Key::Str(k), v.clone());
        }
        m.extend(features.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (k, v) in listings {
            m.insert(Key::Str(k), v.clone());
        }
        return Value::from(m);
    }
    Value::from_serializable(&Object {
        fields,
        features,
        listings,
    })
}

/// A template object of static keys, in order, built in one pass (as
/// [`object_value`]): what every object made for each page (links,
/// listings' entries, feed and sitemap entries) is built with.
pub(super) fn static_object(fields: &[(&'static str, Value)]) -> Value {
    static NO_FEATURE_KEYS: LazyLock<Map> = LazyLock::new(Map::new);
    object_value(fields, &NO_FEATURE_KEYS, &[])
}

/// [`object_value`]'s input, serialised as a struct.
struct Object<'a> {
    fields: &'a [(&'static str, Value)],
    features: &'a Map,
    listings: &'a [(&'static str, Value)],
}

impl serde::Serialize for Object<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let len = self.fields.len() + self.features.len() + self.listings.len();
        let mut object = serializer.serialize_struct("object", len)?;
        for (k, v) in self.fields {
            object.serialize_field(k, v)?;
        }
        // Only static keys come here: `object_value` sends a map with any
        // other key the map way.
        for (k, v) in self.features {
            if let tera::value::Key::Str(k) = k {
                object.serialize_field(k, v)?;
            }
        }
        for (k, v) in self.listings {
            object.serialize_field(k, v)?;
        }
        object.end()
    }
}

/// A document's template object (a section's without its listings),
/// showing ancestors and neighbours with `links` (every document's link
/// object, by id, as [`build_values`] returns them).
pub(super) fn doc_object(
    site: &Site,
    id: DocId,
    features: &[Box<dyn Prepared>],
    links: &[Value],
) -> DocObject {
    doc_object_linked(site, id, features, &|n| links[n].clone())
}

/// [`doc_object`] with the link objects of ancestors and neighbours from `link`.
fn doc_object_linked(
    site: &Site,
    id: DocId,
    features: &[Box<dyn Prepared>],
    link: &(dyn Fn(DocId) -> Value + Sync),
) -> DocObject {
    let d = &site.docs[id];
    let mut m: Vec<(&'static str, Value)> = Vec::with_capacity(BASE_KEYS.len());
    let r = &d.rendered;
    m.push(("title", Value::from(d.title.clone())));
    m.push(("description", Value::from(d.meta.description.clone())));
    m.push(("content", r.content.clone()));
    m.push((
        "summary",
        r.summary
            .as_deref()
            .map_or_else(Value::none, Value::safe_string),
    ));
    m.push(("toc", r.toc.clone()));
    m.push(("permalink", Value::from(site.permalink(&d.path))));
    m.push(("path", Value::from(d.path.clone())));
    m.push(("relative_path", Value::from(d.rel_path.clone())));
    m.push((
        "date",
        Value::from(d.meta.date.as_ref().map(|x| x.0.clone())),
    ));
    m.push((
        "updated",
        Value::from(d.meta.updated.as_ref().map(|x| x.0.clone())),
    ));
    m.push(("word_count", Value::from(r.word_count)));
    m.push(("reading_time", Value::from(r.reading_time)));
    m.push(("weight", Value::from(d.meta.weight)));
    m.push(("draft", Value::from(d.meta.draft)));
    // Zola's keys, for themes.
    m.push(("authors", string_list(d.meta.authors.iter().cloned())));
    m.push((
        "in_search_index",
        Value::from(d.meta.in_search_index.unwrap_or(true)),
    ));
    m.push((
        "insert_anchor_links",
        Value::from(d.meta.insert_anchor_links.clone()),
    ));
    m.push(("transparent", Value::from(d.meta.transparent)));
    m.push((
        "slug",
        Value::from(
            d.path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
        ),
    ));
    m.push(("lang", Value::from(site.config.language.clone())));
    m.push(("taxonomies", table_value(&d.meta.taxonomies)));
    m.push(("attributes", table_value(&d.meta.attributes)));
    m.push(("extra", table_value(&d.meta.extra)));
    m.push((
        "ancestors",
        Value::from(site.ancestors(id).into_iter().map(link).collect::<Vec<_>>()),
    ));
    let neighbour = |n: Option<DocId>| n.map_or_else(Value::none, link);
    let (previous, next) = (neighbour(d.previous), neighbour(d.next));
    // Zola's names for the same neighbours share the objects.
    m.push(("lower", next.clone()));
    m.push(("higher", previous.clone()));
    m.push(("previous", previous));
    m.push(("next", next));
    // Zola's shapes: the content-relative folder of a page bundle or a
    // section, and each asset as `/` + its content-relative path (what
    // `get_url`, `load_data` and `get_image_metadata` take).
    m.push((
        "colocated_path",
        d.colocated_path().map_or_else(Value::none, Value::from),
    ));
    m.push((
        "assets",
        string_list(d.assets.iter().map(|a| format!("/{}", a.rel_path))),
    ));
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
    m.push(("year", part(0..4)));
    m.push(("month", part(5..7)));
    m.push(("day", part(8..10)));
    debug_assert!(
        m.iter().map(|(k, _)| *k).eq(BASE_KEYS.iter().copied()),
        "BASE_KEYS lists every key above, in order"
    );
    DocObject {
        fields: m,
        features: feature_keys(site, id, features),
    }
}

/// What the features add to document `id`'s object (on an empty map: see
/// `Prepared::extend_doc`).
fn feature_keys(site: &Site, id: DocId, features: &[Box<dyn Prepared>]) -> Map {
    let mut m = Map::new();
    for f in features {
        f.extend_doc(site, id, &mut m);
    }
    m
}

/// A section's template object: its own keys plus its pages and subsections
/// (sharing the pages' objects).
pub(super) fn section_value(site: &Site, id: DocId, object: DocObject, values: &[Value]) -> Value {
    let d = &site.docs[id];
    let pages_of = |doc: &Document| page_list(values, &doc.pages);
    let subs: Vec<Value> = d
        .subsections
        .iter()
        .map(|&s| {
            let sd = &site.docs[s];
            static_object(&[
                ("title", Value::from(sd.title.as_str())),
                ("description", Value::from(sd.meta.description.clone())),
                ("permalink", Value::from(site.permalink(&sd.path))),
                ("path", Value::from(sd.path.as_str())),
                ("relative_path", Value::from(sd.rel_path.as_str())),
                ("pages", pages_of(sd)),
            ])
        })
        .collect();
    let listings = [("pages", pages_of(d)), ("subsections", Value::from(subs))];
    object_value(&object.fields, &object.features, &listings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline;

    /// A feature that adds key `x` and may rewrite `content`.
    struct Adds {
        x: Option<&'static str>,
        content: Option<&'static str>,
    }

    impl Prepared for Adds {
        fn extend_doc(&self, _site: &Site, _id: DocId, doc: &mut Map) {
            if let Some(x) = self.x {
                doc.insert("x".into(), Value::from(x));
            }
            if let Some(c) = self.content {
                doc.insert("content".into(), Value::safe_string(c));
            }
        }
    }

    fn features(x: Option<&'static str>, content: Option<&'static str>) -> Vec<Box<dyn Prepared>> {
        vec![Box::new(Adds { x, content })]
    }

    /// A feature's key named at run time (no `&'static str`) is in the
    /// object as well as a static one, and a feature's `content` replaces
    /// the page's in place: objects built in one pass keep every key, in
    /// the order a map built key by key has them.
    #[test]
    fn objects_hold_every_feature_key_in_map_order() {
        struct Named;
        impl Prepared for Named {
            fn extend_doc(&self, _site: &Site, _id: DocId, doc: &mut Map) {
                doc.insert(
                    tera::value::Key::String(std::sync::Arc::from("named_at_run_time")),
                    Value::from(1),
                );
                doc.insert("content".into(), Value::safe_string("<p>new</p>"));
            }
        }
        let (_dir, built) = pipeline::build_files(&[
            ("guidepost.toml", "title = \"T\"\n"),
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            ("content/a.md", "+++\ntitle = \"A\"\n+++\nA body.\n"),
        ]);
        let site = built.state.site().clone();
        let a = site.by_rel_path["a.md"];
        let keys = |v: &Value| -> Vec<String> {
            v.as_map()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        let plain = build_values(&site, &features(Some("1"), None), None).0;
        let mut expected: Vec<String> = BASE_KEYS.iter().map(|k| k.to_string()).collect();
        expected.push("x".into());
        assert_eq!(keys(&plain[a]), expected, "static keys, in order");
        let named: Vec<Box<dyn Prepared>> = vec![Box::new(Named)];
        let values = build_values(&site, &named, None).0;
        let mut expected: Vec<String> = BASE_KEYS.iter().map(|k| k.to_string()).collect();
        expected.push("named_at_run_time".into());
        assert_eq!(keys(&values[a]), expected, "a run-time key, in order");
        assert_eq!(
            values[a].get_from_path("content"),
            Some(&Value::safe_string("<p>new</p>"))
        );
        // A section's listings come after its own and the features' keys.
        let home = keys(&values[site.root_section]);
        assert_eq!(
            &home[home.len() - 3..],
            ["named_at_run_time", "pages", "subsections"]
        );
    }

    /// `authors`, `assets`, `extra` and `attributes` hold what the page has;
    /// the empty ones (shared by every page without) are empty lists and maps.
    #[test]
    fn lists_and_tables_hold_what_the_page_has() {
        let (_dir, built) = pipeline::build_files(&[
            ("guidepost.toml", "title = \"T\"\n"),
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            (
                "content/post/index.md",
                "+++\ntitle = \"P\"\nauthors = [\"Ann\"]\n[extra]\nk = 1\n+++\nBody.\n",
            ),
            ("content/post/a.png", "not really a picture"),
            ("content/b.md", "+++\ntitle = \"B\"\n+++\nB body.\n"),
        ]);
        let site = built.state.site().clone();
        let features: Vec<Box<dyn Prepared>> = Vec::new();
        let (values, _) = build_values(&site, &features, None);
        let shown = |rel: &str, key: &str| {
            values[site.by_rel_path[rel]]
                .get_from_path(key)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        assert_eq!(shown("post/index.md", "authors"), "[\"Ann\"]");
        assert_eq!(shown("post/index.md", "assets"), "[\"/post/a.png\"]");
        assert_eq!(shown("post/index.md", "extra"), "{\"k\": 1}");
        for key in ["authors", "assets"] {
            assert_eq!(shown("b.md", key), "[]", "{key}");
        }
        for key in ["extra", "attributes"] {
            assert_eq!(shown("b.md", key), "{}", "{key}");
        }
    }

    /// A page keeps its old object only when building it again would give an
    /// equal one, features' keys included: a key a feature no longer adds,
    /// or a `content` it no longer rewrites, makes a new object.
    #[test]
    fn kept_objects_are_reused_only_when_every_key_would_be_the_same() {
        let (_dir, built) = pipeline::build_files(&[
            ("guidepost.toml", "title = \"T\"\n"),
            ("content/_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            ("content/a.md", "+++\ntitle = \"A\"\n+++\nA body.\n"),
            ("content/b.md", "+++\ntitle = \"B\"\n+++\nB body.\n"),
        ]);
        let site = built.state.site().clone();
        let a = site.by_rel_path["a.md"];
        let by_path = |values: &[Value]| -> HashMap<String, Value> {
            site.docs
                .iter()
                .zip(values)
                .map(|(d, v)| (d.rel_path.clone(), v.clone()))
                .collect()
        };
        let rebuilt = |(old, links): &(Vec<Value>, Vec<Value>), now: &[Box<dyn Prepared>]| {
            let old = by_path(old);
            let kept = Kept {
                site: &site,
                values_by_path: &old,
                links,
            };
            build_values(&site, now, Some(kept)).0.swap_remove(a)
        };
        let same = |x: &Value, y: &Value| std::ptr::eq(x.as_map().unwrap(), y.as_map().unwrap());
        let key = |v: &Value, k: &'static str| {
            v.as_map().unwrap().get(&tera::value::Key::from(k)).cloned()
        };

        let with_x = build_values(&site, &features(Some("1"), None), None);
        let again = rebuilt(&with_x, &features(Some("1"), None));
        assert!(
            same(&again, &with_x.0[a]),
            "nothing changed: the old object"
        );

        let changed = rebuilt(&with_x, &features(Some("2"), None));
        assert!(!same(&changed, &with_x.0[a]));
        assert_eq!(key(&changed, "x"), Some(Value::from("2")));

        let without = rebuilt(&with_x, &features(None, None));
        assert!(!same(&without, &with_x.0[a]));
        assert_eq!(key(&without, "x"), None, "a key no feature adds any more");

        let rewritten = build_values(&site, &features(None, Some("<p>new</p>")), None);
        let own = rebuilt(&rewritten, &features(None, None));
        assert!(!same(&own, &rewritten.0[a]));
        assert_eq!(
            key(&own, "content"),
            Some(site.docs[a].rendered.content.clone())
        );
        assert_eq!(own, build_values(&site, &features(None, None), None).0[a]);

        // Link objects: the old allocation while it shows the document's
        // title and path, a new one when it does not (a stale one is never
        // kept, however the last render's were made).
        let (values, links) = build_values(&site, &features(None, None), None);
        let old = by_path(&values);
        let mut stale = links.clone();
        stale[a] = Value::from({
            let mut m = links[a].as_map().unwrap().clone();
            m.insert("title".into(), Value::from("Old title"));
            m
        });
        let kept = |links| Kept {
            site: &site,
            values_by_path: &old,
            links,
        };
        let (_, again) = build_values(&site, &features(None, None), Some(kept(&links)));
        assert!(links.iter().zip(&again).all(|(x, y)| same(x, y)));
        let (now, fresh) = build_values(&site, &features(None, None), Some(kept(&stale)));
        assert!(!same(&fresh[a], &stale[a]));
        assert_eq!(fresh[a], links[a], "made again from the document");
        assert_eq!(key(&now[a], "title"), Some(Value::from("A")));
        let b = site.by_rel_path["b.md"];
        assert!(
            same(&fresh[b], &links[b]),
            "the other documents' links are kept"
        );
    }
}
