//! Comparison tables generated from pages' structured `[attributes]`.
//!
//! A page's `[comparison]` names the items (other pages) and the rows
//! (attribute keys); each cell is the item's attribute, rendered as inline
//! Markdown (a string) or a bullet list (a list). The same table is available
//! to templates through the `comparison(...)` function.

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::frontmatter::Key;
use crate::markdown::{MarkdownOptions, escape_attr, render_fragment, slugify};
use crate::model::{Document, Site};

/// `[comparison]` in front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Table caption (also its accessible name).
    pub caption: Option<String>,
    /// Header of the first column. Defaults to "Dimension".
    pub dimension_label: Option<String>,
    /// Pages to compare, as `@/path.md`.
    pub items: Vec<String>,
    /// Attribute keys to show, one row each.
    pub rows: Vec<ComparisonRow>,
}

/// One row of a comparison: which attribute, under which label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonRow {
    pub key: String,
    pub label: String,
}

/// What went wrong building a table, pointing at the spec entry responsible.
#[derive(Debug, Clone)]
pub enum ComparisonError {
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
    pub fn message(&self) -> String {
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
    pub fn to_diagnostic(&self, page: &Document) -> Diagnostic {
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
pub fn render_table(site: &Site, spec: &ComparisonSpec) -> Result<String, Vec<ComparisonError>> {
    if spec.items.is_empty() || spec.rows.is_empty() {
        return Err(vec![ComparisonError::Empty]);
    }
    let mut errors = Vec::new();
    let items: Vec<Option<&Document>> = spec
        .items
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let doc = site.get(target);
            if doc.is_none() {
                errors.push(ComparisonError::MissingItem {
                    item: i,
                    target: target.clone(),
                });
            }
            doc
        })
        .collect();
    let md = MarkdownOptions {
        smart_punctuation: site.config.markdown.smart_punctuation,
        words_per_minute: 200,
    };
    let resolve = |t: &str| {
        site.get(t)
            .map(|d| site.permalink(&d.path))
            .ok_or_else(|| format!("link to missing page `@/{t}`"))
    };
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
        html.push_str(&format!(
            "<tr><th scope=\"row\">{}</th>",
            escape_attr(&row.label)
        ));
        for (doc, name) in items.iter().zip(&names) {
            let Some(d) = doc else { continue };
            let cell = match d.meta.attributes.get(&row.key) {
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
