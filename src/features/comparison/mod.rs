//! Comparison tables generated from pages' structured `[attributes]`.
//!
//! A page's `[comparison]` names the items (other pages) and the rows
//! (attribute keys); each cell is the item's attribute, rendered as inline
//! Markdown (a string) or a bullet list (a list). The same table is available
//! to templates through the `comparison(...)` function.
//!
//! As a feature it claims `[comparison]`, renders every table before page
//! rendering starts (errors at the item or row that is wrong), puts the
//! table where the body has `<!-- comparison -->` (else in
//! `page.comparison`), and tells the dev server which tables show a page.

use std::collections::HashMap;

use serde::Deserialize;
use tera::{Kwargs, Map, Value};

use super::{Call, Feature, Prepared};
use crate::diagnostics::Diagnostic;
use crate::frontmatter::Key;
use crate::markdown::{MarkdownOptions, render_fragment};
use crate::model::{DocId, Document, Site};
use crate::plan::Lookup;
use crate::text::{escape_attr, slugify};

/// The comparison feature.
pub(crate) struct Comparison;

/// What the feature reads of a file's front matter.
#[derive(Debug, Default, Deserialize)]
struct Table {
    comparison: Option<ComparisonSpec>,
}

/// Where a body places the table.
const MARKER: &str = "<!-- comparison -->";

struct Tables {
    specs: HashMap<DocId, ComparisonSpec>,
    html: HashMap<DocId, String>,
}

impl Feature for Comparison {
    fn tables(&self) -> &'static [&'static str] {
        &["comparison"]
    }

    fn functions(&self) -> &'static [&'static str] {
        &["comparison"]
    }

    fn prepare(&self, site: &Site) -> Result<Box<dyn Prepared>, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut tables = Tables {
            specs: HashMap::new(),
            html: HashMap::new(),
        };
        for (id, d) in site.docs.iter().enumerate() {
            if !d.has_table("comparison") {
                continue;
            }
            let spec = match d.read_table::<Table>() {
                Ok(Table {
                    comparison: Some(spec),
                }) => spec,
                Ok(_) => continue,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let mut spec = spec;
            let data = match &spec.data {
                None => None,
                Some(path) => match DataTable::load(site, path) {
                    Ok(t) => Some(t),
                    Err(Ok(diag)) => {
                        errors.push(diag);
                        continue;
                    }
                    Err(Err(message)) => {
                        errors.push(
                            d.error_at(&[Key::Name("comparison"), Key::Name("data")], message)
                                .with_help("data files are CSV with an `item` column, relative to the site root"),
                        );
                        continue;
                    }
                },
            };
            if let Some(t) = &data {
                if spec.items.is_empty() {
                    spec.items = t.records.iter().map(|r| r.0.clone()).collect();
                }
                if spec.rows.is_empty() {
                    spec.rows = t
                        .columns
                        .iter()
                        .map(|c| ComparisonRow {
                            key: c.clone(),
                            label: c.clone(),
                        })
                        .collect();
                }
            }
            match render_table(site, &spec, data.as_ref()) {
                Ok(html) => {
                    tables.html.insert(id, html);
                }
                Err(errs) => errors.extend(errs.iter().map(|e| match (e, &data) {
                    (ComparisonError::MissingItem { item, .. }, Some(t)) => {
                        t.error_at(*item, e.message())
                    }
                    _ => e.to_diagnostic(d),
                })),
            }
            tables.specs.insert(id, spec);
        }
        if errors.is_empty() {
            Ok(Box::new(tables))
        } else {
            Err(errors)
        }
    }
}

impl Prepared for Tables {
    fn extend_doc(&self, site: &Site, id: DocId, doc: &mut Map) {
        let mut table = self.html.get(&id).map(String::as_str);
        let html = site.docs[id].rendered.html();
        if let Some(t) = table
            && html.contains(MARKER)
        {
            doc.insert(
                "content".into(),
                Value::safe_string(&html.replacen(MARKER, t, 1)),
            );
            table = None;
        }
        doc.insert(
            "comparison".into(),
            table.map_or_else(Value::none, Value::safe_string),
        );
    }

    fn dependants(&self, site: &Site, changed: DocId) -> Vec<DocId> {
        let rel = &site.docs[changed].rel_path;
        let mut ids: Vec<DocId> = self
            .specs
            .iter()
            .filter(|(_, spec)| {
                spec.items
                    .iter()
                    .any(|item| site.get(item).is_some_and(|t| &t.rel_path == rel))
            })
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    fn call(&self, name: &str, call: &Call, kwargs: &Kwargs) -> tera::TeraResult<Value> {
        debug_assert_eq!(name, "comparison");
        let items: Vec<String> = kwargs.must_get("items")?;
        for item in &items {
            (call.note)(Lookup::Value(item.trim_start_matches("@/").to_string()));
        }
        let rows: Vec<Value> = kwargs.must_get("rows")?;
        let caption: Option<String> = kwargs.get("caption")?;
        let rows = rows
            .into_iter()
            .map(|r| {
                match (
                    r.get_from_path("key").and_then(Value::as_str),
                    r.get_from_path("label").and_then(Value::as_str),
                ) {
                    (Some(k), Some(l)) => Ok(ComparisonRow {
                        key: k.to_string(),
                        label: l.to_string(),
                    }),
                    _ => Err(tera::Error::message(
                        "comparison(): each row needs `key` and `label`",
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let spec = ComparisonSpec {
            caption,
            dimension_label: kwargs.get("dimension_label")?,
            items,
            rows,
            data: None,
        };
        render_table(call.site, &spec, None)
            .map(|html| Value::safe_string(&html))
            .map_err(|errs| {
                tera::Error::message(format!(
                    "comparison(): {}",
                    errs.iter()
                        .map(|e| e.message())
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })
    }
}

/// `[comparison]` in front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComparisonSpec {
    /// Table caption (also its accessible name).
    pub caption: Option<String>,
    /// Header of the first column. Defaults to "Dimension".
    pub dimension_label: Option<String>,
    /// Pages to compare, as `@/path.md`.
    #[serde(default)]
    pub items: Vec<String>,
    /// Attribute keys to show, one row each.
    #[serde(default)]
    pub rows: Vec<ComparisonRow>,
    /// A data file (relative to the site root; CSV, JSON, TOML or YAML) with
    /// one record per item: an `item` (`@/path.md`) and its attributes. Its items
    /// are used when `items` is empty, its columns when `rows` is empty,
    /// and its values instead of the pages' `[attributes]`.
    pub data: Option<String>,
}

/// A comparison's values read from a data file.
pub(crate) struct DataTable {
    /// Site-root-relative path, for messages.
    path: std::path::PathBuf,
    text: std::sync::Arc<str>,
    /// Attribute columns (the header without `item`).
    columns: Vec<String>,
    /// Per record: the item, its values, and its byte span in the file.
    records: Vec<(
        String,
        serde_json::Map<String, serde_json::Value>,
        std::ops::Range<usize>,
    )>,
}

impl DataTable {
    /// Reads and checks `path` (inside the site root); errors are messages
    /// for the `data` key, or diagnostics in the file itself.
    fn load(site: &Site, path: &str) -> Result<DataTable, Result<Diagnostic, String>> {
        let rel = std::path::Path::new(path);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(Err(format!(
                "comparison data `{path}` is outside the site: name a file inside it, such as \"data/roles.csv\""
            )));
        }
        // Through the one check every read uses: a symlink out of the site
        // is refused like `..`.
        let root = site
            .config
            .root
            .canonicalize()
            .unwrap_or_else(|_| site.config.root.clone());
        let file = crate::source::content::check_inside(&root, &root.join(rel)).map_err(|e| {
            Err(format!(
                "cannot read comparison data `{path}`: {}",
                e.message
            ))
        })?;
        let text: std::sync::Arc<str> = std::fs::read_to_string(&file)
            .map_err(|e| Err(format!("cannot read comparison data `{path}`: {e}")))?
            .into();
        let at = |span: std::ops::Range<usize>, m: String| {
            Ok(Diagnostic::at(rel.to_path_buf(), text.clone(), span, m))
        };
        let extension = rel
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let (columns, records) = match extension.as_deref() {
            Some("csv") => csv_records(&text).map_err(|(span, m)| at(span, m))?,
            Some(format @ ("json" | "toml" | "yaml" | "yml")) => {
                structured_records(&text, format).map_err(|(span, m)| at(span, m))?
            }
            _ => {
                return Err(Err(format!(
                    "comparison data `{path}`: use a .csv, .json, .toml or .yaml file"
                )));
            }
        };
        Ok(DataTable {
            path: rel.to_path_buf(),
            text,
            columns,
            records,
        })
    }

    /// An error at record `i` of the file.
    fn error_at(&self, i: usize, message: String) -> Diagnostic {
        let span = self.records.get(i).map_or(0..0, |r| r.2.clone());
        Diagnostic::at(self.path.clone(), self.text.clone(), span, message)
            .with_help("the item column names pages such as \"@/roles/vcio.md\"")
    }
}

/// Columns and records of comparison data, each record with its item, its
/// values and its byte span; an error is a span and a message.
type Records = (
    Vec<String>,
    Vec<(
        String,
        serde_json::Map<String, serde_json::Value>,
        std::ops::Range<usize>,
    )>,
);

/// The span of line `start` (a byte offset) up to its end.
fn line_at(text: &str, start: usize) -> std::ops::Range<usize> {
    let start = start.min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    start..end
}

/// A CSV file: an `item` column, then one column per attribute.
fn csv_records(text: &str) -> Result<Records, (std::ops::Range<usize>, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => return Err((0..0, format!("invalid CSV: {e}"))),
    };
    if headers.first().map(String::as_str) != Some("item") {
        return Err((
            line_at(text, 0),
            "the first column of comparison data must be `item` (the page, as @/path.md)".into(),
        ));
    }
    let columns = headers[1..].to_vec();
    let mut records = Vec::new();
    for r in reader.records() {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                let start = e.position().map_or(0, |p| p.byte() as usize);
                return Err((line_at(text, start), format!("invalid CSV: {e}")));
            }
        };
        let start = r.position().map_or(0, |p| p.byte() as usize);
        let values = columns
            .iter()
            .zip(r.iter().skip(1))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.to_string())))
            .collect();
        records.push((
            r.get(0).unwrap_or("").trim().to_string(),
            values,
            line_at(text, start),
        ));
    }
    Ok((columns, records))
}

/// A JSON or YAML list of records, or a TOML file of `[[items]]` tables
/// (JSON and YAML may use the `items` key too): each record has an `item`
/// (`@/path.md`) and its attributes. Columns are in the order their keys
/// first appear in the file; a record's span is the line naming its item.
fn structured_records(
    text: &str,
    format: &str,
) -> Result<Records, (std::ops::Range<usize>, String)> {
    let value: serde_json::Value = match format {
        "json" => serde_json::from_str(text).map_err(|e| {
            let line_start: usize = text
                .lines()
                .take(e.line().saturating_sub(1))
                .map(|l| l.len() + 1)
                .sum();
            (line_at(text, line_start), format!("invalid JSON: {e}"))
        })?,
        "toml" => toml::from_str::<serde_json::Value>(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            (span, format!("invalid TOML: {}", e.message()))
        })?,
        _ => serde_saphyr::from_str(text).map_err(|e| (0..0, format!("invalid YAML: {e}")))?,
    };
    let list = match value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(mut m) => match m.remove("items") {
            Some(serde_json::Value::Array(list)) => list,
            _ => {
                return Err((
                    0..0,
                    "comparison data must be a list of records, or `items` = a list of records (`[[items]]` in TOML)".into(),
                ));
            }
        },
        _ => return Err((0..0, "comparison data must be a list of records".into())),
    };
    let mut columns: Vec<String> = Vec::new();
    let mut records = Vec::new();
    let mut search_from = 0;
    for (n, record) in list.into_iter().enumerate() {
        let serde_json::Value::Object(mut fields) = record else {
            return Err((
                0..0,
                format!("record {} of the comparison data is not a table", n + 1),
            ));
        };
        let Some(serde_json::Value::String(item)) = fields.remove("item") else {
            return Err((
                0..0,
                format!(
                    "record {} of the comparison data has no `item` (the page, as @/path.md)",
                    n + 1
                ),
            ));
        };
        for key in fields.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
        let span = match text[search_from..].find(item.as_str()) {
            Some(at) => {
                let at = search_from + at;
                search_from = at + item.len();
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                line_at(text, line_start)
            }
            None => 0..0,
        };
        records.push((item, fields, span));
    }
    // The order keys are written in (serde_json's map is sorted).
    columns.sort_by_key(|k| text.find(k.as_str()).unwrap_or(usize::MAX));
    Ok((columns, records))
}

/// One row of a comparison: which attribute, under which label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComparisonRow {
    pub key: String,
    pub label: String,
}

/// What went wrong building a table, pointing at the spec entry responsible.
#[derive(Debug, Clone)]
pub(crate) enum ComparisonError {
    MissingItem {
        item: usize,
        target: String,
    },
    MissingAttribute {
        row: usize,
        item: String,
        key: String,
    },
    BadValue {
        row: usize,
        item: String,
        key: String,
        reason: String,
    },
    Empty,
}

impl ComparisonError {
    /// Human-readable message.
    pub(crate) fn message(&self) -> String {
        match self {
            ComparisonError::MissingItem { target, .. } => {
                format!("comparison item `{target}` is not a page of this site")
            }
            ComparisonError::MissingAttribute { item, key, .. } => {
                format!("comparison item {item} has no attribute `{key}`")
            }
            ComparisonError::BadValue {
                item, key, reason, ..
            } => format!("attribute `{key}` of {item} cannot be shown: {reason}"),
            ComparisonError::Empty => "a comparison needs at least one item and one row".into(),
        }
    }

    /// As a diagnostic at the responsible line of `page`'s front matter.
    pub(crate) fn to_diagnostic(&self, page: &Document) -> Diagnostic {
        let path: Vec<Key> = match self {
            ComparisonError::MissingItem { item, .. } => vec![
                Key::Name("comparison"),
                Key::Name("items"),
                Key::Index(*item),
            ],
            ComparisonError::MissingAttribute { row, .. }
            | ComparisonError::BadValue { row, .. } => {
                vec![Key::Name("comparison"), Key::Name("rows"), Key::Index(*row)]
            }
            ComparisonError::Empty => vec![Key::Name("comparison")],
        };
        let help = match self {
            ComparisonError::MissingItem { .. } => {
                "items are pages such as \"@/roles/vcio.md\"".to_string()
            }
            ComparisonError::MissingAttribute { key, .. } => {
                format!("add `{key} = ...` under [attributes] in that page, or remove the row")
            }
            ComparisonError::BadValue { .. } => {
                "attribute values in comparisons are strings (inline Markdown) or lists of strings"
                    .to_string()
            }
            ComparisonError::Empty => {
                "list pages in `items` and attribute keys in `rows`".to_string()
            }
        };
        page.error_at(
            &path,
            format!("{} (in {})", self.message(), page.display_path.display()),
        )
        .with_help(help)
    }
}

/// Renders the table for `spec` as accessible HTML.
pub(crate) fn render_table(
    site: &Site,
    spec: &ComparisonSpec,
    data: Option<&DataTable>,
) -> Result<String, Vec<ComparisonError>> {
    if spec.items.is_empty() || spec.rows.is_empty() {
        return Err(vec![ComparisonError::Empty]);
    }
    let mut errors = Vec::new();
    let links = site.links();
    let items: Vec<Option<&Document>> = spec
        .items
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let doc = links.doc(target).ok();
            if doc.is_none() {
                errors.push(ComparisonError::MissingItem {
                    item: i,
                    target: target.clone(),
                });
            }
            doc
        })
        .collect();
    let md = MarkdownOptions::of_config(&site.config);
    let resolve = |t: &str| links.url(t);
    let names: Vec<String> = items
        .iter()
        .map(|d| {
            d.map_or_else(String::new, |d| {
                d.meta
                    .attributes
                    .get("short_name")
                    .and_then(|v| v.as_str())
                    .map_or_else(|| d.title.clone(), str::to_string)
            })
        })
        .collect();
    let caption = spec
        .caption
        .clone()
        .unwrap_or_else(|| format!("Comparison of {}", names.join(", ")));
    let id = format!("comparison-{}", slugify(&caption));
    let mut html = format!(
        "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"{id}\">\n<table class=\"comparison\">\n<caption id=\"{id}\">{}</caption>\n<thead>\n<tr><th scope=\"col\">{}</th>",
        escape_attr(&caption),
        escape_attr(spec.dimension_label.as_deref().unwrap_or("Dimension"))
    );
    for (doc, name) in items.iter().zip(&names) {
        match doc {
            Some(d) => html.push_str(&format!(
                "<th scope=\"col\"><a href=\"{}\">{}</a></th>",
                escape_attr(&site.permalink(&d.path)),
                escape_attr(name)
            )),
            None => html.push_str("<th scope=\"col\"></th>"),
        }
    }
    html.push_str("</tr>\n</thead>\n<tbody>\n");
    for (r, row) in spec.rows.iter().enumerate() {
        // The row's id lets search results link to the row itself.
        html.push_str(&format!(
            "<tr id=\"{id}-{}\"><th scope=\"row\">{}</th>",
            slugify(&row.key),
            escape_attr(&row.label)
        ));
        for (i, (doc, name)) in items.iter().zip(&names).enumerate() {
            let Some(d) = doc else { continue };
            let value = match data {
                Some(t) => t.records.get(i).and_then(|r| r.1.get(&row.key)),
                None => d.meta.attributes.get(&row.key),
            };
            let cell = match value {
                None => {
                    errors.push(ComparisonError::MissingAttribute {
                        row: r,
                        item: d.rel_path.clone(),
                        key: row.key.clone(),
                    });
                    continue;
                }
                Some(value) => cell_html(value, &md, &resolve),
            };
            match cell {
                Ok(c) => html.push_str(&format!(
                    "<td data-label=\"{}\">{c}</td>",
                    escape_attr(name)
                )),
                Err(reason) => errors.push(ComparisonError::BadValue {
                    row: r,
                    item: d.rel_path.clone(),
                    key: row.key.clone(),
                    reason,
                }),
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n</div>\n");
    if errors.is_empty() {
        Ok(html)
    } else {
        Err(errors)
    }
}

fn cell_html(
    value: &serde_json::Value,
    md: &MarkdownOptions,
    resolve: &(dyn Fn(&str) -> Result<String, String> + Sync),
) -> Result<String, String> {
    use serde_json::Value;
    match value {
        Value::String(s) => render_fragment(s, false, md, resolve),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "Yes".into() } else { "No".into() }),
        Value::Array(list) => {
            let mut out = String::from("<ul>");
            for v in list {
                let inner = match v {
                    Value::String(s) => render_fragment(s, false, md, resolve)?,
                    Value::Number(n) => n.to_string(),
                    other => return Err(format!("a list may hold only strings, found {other}")),
                };
                out.push_str(&format!("<li>{inner}</li>"));
            }
            out.push_str("</ul>");
            Ok(out)
        }
        Value::Null => Ok(String::new()),
        Value::Object(_) => Err("a table cannot be shown in a cell".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::model::{ModelOptions, assemble};
    use crate::source::content::{ContentFiles, SourceFile};
    use crate::urls::UrlMode;

    /// A site of `(content-relative path, text)` files, served under `/docs`.
    fn site(files: &[(&str, &str)]) -> Site {
        let config: Config = toml::from_str("title = \"T\"").expect("config");
        let markdown = files
            .iter()
            .map(|(rel, text)| SourceFile {
                rel_path: rel.to_string(),
                display_path: PathBuf::from("content").join(rel),
                text: Arc::from(*text),
            })
            .collect();
        let files = ContentFiles {
            markdown,
            assets: Vec::new(),
        };
        let mode = UrlMode::Absolute {
            base: "/docs".into(),
        };
        assemble(
            Arc::new(config),
            mode,
            files,
            &ModelOptions {
                claimed: crate::features::claimed_tables(),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("fixture site: {e:?}"))
    }

    const A: &str = r#"+++
title = "Role <A> & co"

[attributes]
focus = "<b>raw</b> and *em* and [b](@/roles/b.md)"
outputs = ["One <1>", "*Two*"]
count = 3
remote = true
table = { x = 1 }
mixed = ["ok", true]
broken = "see [nothing](@/nope.md)"
+++
"#;

    const B: &str = r#"+++
title = "Role B"

[attributes]
short_name = "B<sub>"
focus = "Plain"
outputs = []
count = 4
remote = false
+++
"#;

    fn roles() -> Site {
        site(&[("roles/a.md", A), ("roles/b.md", B)])
    }

    fn spec(items: &[&str], rows: &[(&str, &str)]) -> ComparisonSpec {
        ComparisonSpec {
            caption: None,
            dimension_label: None,
            items: items.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|(key, label)| ComparisonRow {
                    key: key.to_string(),
                    label: label.to_string(),
                })
                .collect(),
            data: None,
        }
    }

    fn both(rows: &[(&str, &str)]) -> ComparisonSpec {
        spec(&["@/roles/a.md", "@/roles/b.md"], rows)
    }

    fn table(spec: &ComparisonSpec) -> String {
        render_table(&roles(), spec, None).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn errors(spec: &ComparisonSpec) -> Vec<ComparisonError> {
        match render_table(&roles(), spec, None) {
            Ok(html) => panic!("expected errors, got {html}"),
            Err(e) => e,
        }
    }

    #[test]
    fn caption_labels_and_names_are_text_not_markup() {
        let mut s = both(&[("focus", "<b>Focus</b> & \"aim\"")]);
        s.caption = Some("<script>alert(1)</script> & 'co'".into());
        s.dimension_label = Some("<i>Aspect</i>".into());
        let html = table(&s);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<i>"), "{html}");
        assert!(!html.contains("<b>Focus"), "{html}");
        assert!(!html.contains("<sub>"), "{html}");
        assert!(html.contains(
            "<caption id=\"comparison-script-alert-1-script-co\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;co&#39;</caption>"
        ), "{html}");
        assert!(
            html.contains("aria-labelledby=\"comparison-script-alert-1-script-co\""),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"col\">&lt;i&gt;Aspect&lt;/i&gt;</th>"),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"row\">&lt;b&gt;Focus&lt;/b&gt; &amp; &quot;aim&quot;</th>"),
            "{html}"
        );
    }

    #[test]
    fn headers_link_items_by_short_name_or_title() {
        let html = table(&both(&[("count", "Count")]));
        assert!(
            html.contains(
                "<th scope=\"col\"><a href=\"/docs/roles/a/\">Role &lt;A&gt; &amp; co</a></th>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"col\"><a href=\"/docs/roles/b/\">B&lt;sub&gt;</a></th>"),
            "{html}"
        );
        // Cells name their column for the stacked (narrow screen) layout.
        assert!(
            html.contains("<td data-label=\"Role &lt;A&gt; &amp; co\">3</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td data-label=\"B&lt;sub&gt;\">4</td>"),
            "{html}"
        );
    }

    #[test]
    fn default_caption_and_dimension_label() {
        let html = table(&both(&[("count", "Count")]));
        assert!(
            html.contains("<caption id=\"comparison-comparison-of-role-a-co-b-sub\">Comparison of Role &lt;A&gt; &amp; co, B&lt;sub&gt;</caption>"),
            "{html}"
        );
        assert!(html.contains("<th scope=\"col\">Dimension</th>"), "{html}");
    }

    #[test]
    fn string_cells_are_inline_markdown_with_html_shown_as_text() {
        let html = table(&both(&[("focus", "Focus")]));
        let cell = html
            .split("<td data-label=\"Role &lt;A&gt; &amp; co\">")
            .nth(1)
            .and_then(|rest| rest.split("</td>").next())
            .expect("a cell for A");
        assert!(cell.contains("&lt;b&gt;raw&lt;/b&gt;"), "{cell}");
        assert!(!cell.contains("<b>"), "{cell}");
        assert!(cell.contains("<em>em</em>"), "{cell}");
        assert!(cell.contains("href=\"/docs/roles/b/\""), "{cell}");
        assert!(!cell.contains("<p>"), "inline, not a paragraph: {cell}");
        assert!(
            html.contains("<td data-label=\"B&lt;sub&gt;\">Plain</td>"),
            "{html}"
        );
    }

    #[test]
    fn list_cells_are_bullet_lists_and_scalars_are_text() {
        let html = table(&both(&[("outputs", "Outputs"), ("remote", "Remote")]));
        assert!(
            html.contains("<ul><li>One &lt;1&gt;</li><li><em>Two</em></li></ul>"),
            "{html}"
        );
        assert!(
            html.contains("<td data-label=\"B&lt;sub&gt;\"><ul></ul></td>"),
            "{html}"
        );
        assert!(
            html.contains(">Yes</td>") && html.contains(">No</td>"),
            "{html}"
        );
    }

    #[test]
    fn missing_item_is_an_error_naming_it() {
        let errs = errors(&spec(
            &["@/roles/a.md", "@/roles/nope.md"],
            &[("count", "Count")],
        ));
        assert!(
            matches!(
                errs.as_slice(),
                [ComparisonError::MissingItem { item: 1, target }] if target == "@/roles/nope.md"
            ),
            "{errs:?}"
        );
        assert_eq!(
            errs[0].message(),
            "comparison item `@/roles/nope.md` is not a page of this site"
        );
    }

    #[test]
    fn missing_attribute_is_an_error_naming_item_and_key() {
        // `short_name` is set on b only.
        let errs = errors(&both(&[("count", "Count"), ("short_name", "Short")]));
        assert!(
            matches!(
                errs.as_slice(),
                [ComparisonError::MissingAttribute { row: 1, item, key }]
                    if item == "roles/a.md" && key == "short_name"
            ),
            "{errs:?}"
        );
        assert_eq!(
            errs[0].message(),
            "comparison item roles/a.md has no attribute `short_name`"
        );
    }

    #[test]
    fn values_a_cell_cannot_show_are_errors() {
        let only_a = |key: &str| errors(&spec(&["@/roles/a.md"], &[(key, "X")]));
        let reason = |errs: Vec<ComparisonError>| match errs.as_slice() {
            [ComparisonError::BadValue { reason, .. }] => reason.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(only_a("table")), "a table cannot be shown in a cell");
        assert!(
            reason(only_a("mixed")).starts_with("a list may hold only strings"),
            "mixed list"
        );
        assert!(
            reason(only_a("broken")).contains("link to missing page"),
            "broken link"
        );
    }

    #[test]
    fn an_empty_spec_is_an_error() {
        assert!(matches!(
            errors(&spec(&[], &[("count", "Count")])).as_slice(),
            [ComparisonError::Empty]
        ));
        assert!(matches!(
            errors(&spec(&["@/roles/a.md"], &[])).as_slice(),
            [ComparisonError::Empty]
        ));
    }

    #[test]
    fn diagnostics_point_at_the_responsible_entry() {
        let compare = r#"+++
title = "Compare"

[comparison]
items = ["@/roles/a.md", "@/roles/gone.md"]
rows = [
  { key = "count", label = "Count" },
  { key = "short_name", label = "Short" },
]
+++
"#;
        let site = site(&[
            ("roles/a.md", A),
            ("roles/b.md", B),
            ("compare.md", compare),
        ]);
        let doc = site.get("compare.md").expect("compare.md");
        let spec = doc.read_table::<Table>().unwrap().comparison.expect("spec");
        let errs =
            render_table(&site, &spec, None).expect_err("a missing item and a missing attribute");
        let pointed: Vec<(String, String)> = errs
            .iter()
            .map(|e| {
                let d = e.to_diagnostic(doc);
                let source = d.source.expect("the page's text");
                (source[d.span].to_string(), d.message)
            })
            .collect();
        assert!(
            pointed
                .iter()
                .any(|(at, msg)| at.contains("@/roles/gone.md")
                    && msg.contains("(in content/compare.md)")),
            "{pointed:?}"
        );
        assert!(
            pointed
                .iter()
                .any(|(at, msg)| at.contains("short_name") && msg.contains("no attribute")),
            "{pointed:?}"
        );
    }

    #[test]
    fn line_at_spans_one_line() {
        let text = "ab\ncd\n";
        assert_eq!(line_at(text, 0), 0..2);
        assert_eq!(line_at(text, 3), 3..5);
        assert_eq!(line_at(text, 4), 4..5);
        assert_eq!(line_at(text, 99), 6..6);
    }

    /// `(columns, [(item, values as `key=value`, the text of its span)])`.
    fn records(result: Records, text: &str) -> (Vec<String>, Vec<(String, String, String)>) {
        let (columns, records) = result;
        let records = records
            .into_iter()
            .map(|(item, values, span)| {
                let values = values
                    .iter()
                    .map(|(k, v)| {
                        format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string))
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                (item, values, text[span].to_string())
            })
            .collect();
        (columns, records)
    }

    #[test]
    fn csv_data_has_an_item_column_then_attributes() {
        let text = "item, focus ,budget\n@/a.md,IT,Yes\n @/b.md ,Risk,No\n";
        let (columns, rows) = records(csv_records(text).unwrap(), text);
        assert_eq!(columns, ["focus", "budget"]);
        assert_eq!(
            rows,
            [
                (
                    "@/a.md".into(),
                    "budget=Yes focus=IT".into(),
                    "@/a.md,IT,Yes".into()
                ),
                (
                    "@/b.md".into(),
                    "budget=No focus=Risk".into(),
                    " @/b.md ,Risk,No".into()
                ),
            ]
        );
        let (span, message) = csv_records("page,focus\n@/a.md,IT\n").unwrap_err();
        assert_eq!(span, 0..10);
        assert!(message.contains("must be `item`"), "{message}");
        let text = "item,focus\n@/a.md,IT\n@/b.md,Risk,extra\n";
        let (span, message) = csv_records(text).unwrap_err();
        assert_eq!(&text[span], "@/b.md,Risk,extra");
        assert!(message.starts_with("invalid CSV"), "{message}");
    }

    #[test]
    fn structured_data_in_every_format_reads_alike() {
        let json = "[\n  {\"item\": \"@/a.md\", \"focus\": \"IT\", \"budget\": \"Yes\"},\n  {\"item\": \"@/b.md\", \"focus\": \"Risk\", \"budget\": \"No\"}\n]\n";
        let json_items = "{\"items\": [\n{\"item\": \"@/a.md\", \"focus\": \"IT\", \"budget\": \"Yes\"},\n{\"item\": \"@/b.md\", \"focus\": \"Risk\", \"budget\": \"No\"}]}\n";
        let toml = "[[items]]\nitem = \"@/a.md\"\nfocus = \"IT\"\nbudget = \"Yes\"\n[[items]]\nitem = \"@/b.md\"\nfocus = \"Risk\"\nbudget = \"No\"\n";
        let yaml = "- item: \"@/a.md\"\n  focus: IT\n  budget: \"Yes\"\n- item: \"@/b.md\"\n  focus: Risk\n  budget: \"No\"\n";
        for (format, text) in [
            ("json", json),
            ("json", json_items),
            ("toml", toml),
            ("yaml", yaml),
        ] {
            let (columns, rows) = records(structured_records(text, format).unwrap(), text);
            assert_eq!(
                columns,
                ["focus", "budget"],
                "{format}: columns in the file's order"
            );
            let items: Vec<_> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
            assert_eq!(
                items,
                [
                    ("@/a.md", "budget=Yes focus=IT"),
                    ("@/b.md", "budget=No focus=Risk")
                ],
                "{format}"
            );
            // Each record's span is the line naming its item.
            for (item, _, line) in &rows {
                assert!(
                    line.contains(item.as_str()) && !line.contains('\n'),
                    "{format}: {line:?}"
                );
            }
            assert_ne!(rows[0].2, rows[1].2, "{format}");
        }
        // The same item twice: the second record points at the second line.
        let text = "- item: \"@/a.md\"\n  x: 1\n- item: \"@/a.md\"\n  x: 2\n";
        let (_, rows) = records(structured_records(text, "yaml").unwrap(), text);
        assert_eq!(rows[1].2, "- item: \"@/a.md\"");
        let (columns, _) = structured_records(text, "yaml").unwrap();
        assert_eq!(columns, ["x"]);
        let (_, recs) = structured_records(text, "yaml").unwrap();
        assert_eq!((recs[0].2.start, recs[1].2.start), (0, 24));
    }

    #[test]
    fn structured_data_errors_name_the_line_or_the_record() {
        let text = "[\n  {\"item\": \"@/a.md\"},\n  {\"item\": }\n]\n";
        let (span, message) = structured_records(text, "json").unwrap_err();
        assert_eq!(&text[span], "  {\"item\": }");
        assert!(message.starts_with("invalid JSON"), "{message}");
        let text = "[[items]]\nitem = \n";
        let (span, message) = structured_records(text, "toml").unwrap_err();
        assert!(span.start >= 10, "{span:?}");
        assert!(message.starts_with("invalid TOML"), "{message}");
        for (text, format, expected) in [
            (
                "{\"rows\": []}",
                "json",
                "must be a list of records, or `items`",
            ),
            ("\"text\"", "json", "must be a list of records"),
            (
                "[1]",
                "json",
                "record 1 of the comparison data is not a table",
            ),
            (
                "[{\"item\": \"@/a.md\"}, {\"x\": 1}]",
                "json",
                "record 2 of the comparison data has no `item`",
            ),
            ("- [", "yaml", "invalid YAML"),
        ] {
            let (_, message) = structured_records(text, format).unwrap_err();
            assert!(message.contains(expected), "{text}: {message}");
        }
    }
}
