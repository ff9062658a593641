//! The filters and functions themes expect from Zola and Tera 1, beyond
//! Tera 2's built-ins: tera-contrib's (dates, JSON, base64, regex, file
//! sizes, URL encoding) and our own that need the site (`markdown`,
//! `get_taxonomy`, `get_taxonomy_term`, `get_hash`, `load_data`) or that
//! Tera 2 dropped (`slice`, `concat`, `filter`, `map`). docs/templates.md
//! lists every one with an example.
//!
//! Files named in templates (`load_data`, `get_hash`, `get_url(…,
//! cachebust=true)`) are read relative to the site root and never outside
//! it; a missing or unreadable file is a template error at the calling line.

use std::path::{Component, Path, PathBuf};

use base64::Engine;
use sha2::Digest;
use tera::{Kwargs, Map, State, Tera, TeraResult, Value};

use super::{FunctionSlot, data_of, note_lookup};
use crate::model::Site;
use crate::plan::Lookup;
use crate::source::theme::DEFAULT_THEME;

fn err(message: impl Into<String>) -> tera::Error {
    tera::Error::message(message.into())
}

/// Registers every filter, test and function of this module.
pub(super) fn register(tera: &mut Tera, slot: FunctionSlot) {
    use tera_contrib as c;
    tera.register_filter("b64_encode", c::base64::b64_encode);
    tera.register_filter("b64_decode", c::base64::b64_decode);
    tera.register_test("before", c::dates::is_before);
    tera.register_test("after", c::dates::is_after);
    tera.register_filter("filesizeformat", c::filesize_format::filesize_format);
    tera.register_filter("json_encode", c::json::json_encode);
    tera.register_filter("striptags", c::regex::striptags);
    tera.register_filter("spaceless", c::regex::spaceless);
    tera.register_filter("regex_replace", c::regex::RegexReplace::default());
    tera.register_test("matching", c::regex::Matching::default());
    tera.register_filter("urlencode", c::urlencode::urlencode);
    tera.register_filter("urlencode_strict", c::urlencode::urlencode_strict);
    // Same slugs as heading ids and taxonomy URLs.
    tera.register_filter("slugify", |v: &str, _: Kwargs, _: &State| {
        crate::text::slugify(v)
    });
    tera.register_filter("slice", slice);
    tera.register_filter("concat", concat);
    tera.register_filter("filter", filter);
    tera.register_filter("map", map);

    let d = slot.clone();
    tera.register_function(
        "get_taxonomy",
        move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
            let kind: String = kwargs.must_get("kind")?;
            note_lookup(Lookup::Untracked);
            let data = data_of(&d)?;
            let (t, items) = taxonomy(&data, &kind)?;
            let mut m = Map::new();
            let mut k = Map::new();
            k.insert("name".into(), Value::from(t.name.clone()));
            k.insert("feed".into(), Value::from(t.feed));
            m.insert("kind".into(), Value::from(k));
            m.insert(
                "permalink".into(),
                Value::from(data.site.permalink(&format!("/{}/", t.slug))),
            );
            m.insert("items".into(), Value::from(items));
            Ok(Value::from(m))
        },
    );
    let d = slot.clone();
    tera.register_function(
        "get_taxonomy_term",
        move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
            let kind: String = kwargs.must_get("kind")?;
            let term: String = kwargs.must_get("term")?;
            note_lookup(Lookup::Untracked);
            let data = data_of(&d)?;
            let (_, items) = taxonomy(&data, &kind)?;
            let slug = crate::text::slugify(&term);
            items
                .into_iter()
                .find(|i| i.get_from_path("slug").and_then(Value::as_str) == Some(slug.as_str()))
                .ok_or_else(|| err(format!("get_taxonomy_term: no term `{term}` in `{kind}`")))
        },
    );
    let d = slot.clone();
    tera.register_function(
        "get_hash",
        move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
            let bytes = match (
                kwargs.get::<String>("path")?,
                kwargs.get::<String>("literal")?,
            ) {
                (Some(path), None) => {
                    note_lookup(Lookup::Untracked);
                    let data = data_of(&d)?;
                    static_bytes(&data.site, &path).map_err(|e| err(format!("get_hash: {e}")))?
                }
                (None, Some(text)) => text.into_bytes(),
                _ => return Err(err("get_hash: give either `path` or `literal`")),
            };
            let sha = kwargs.get::<i64>("sha_type")?.unwrap_or(384);
            let b64 = kwargs.get::<bool>("base64")?.unwrap_or(true);
            let digest = match sha {
                256 => sha2::Sha256::digest(&bytes).to_vec(),
                384 => sha2::Sha384::digest(&bytes).to_vec(),
                512 => sha2::Sha512::digest(&bytes).to_vec(),
                n => return Err(err(format!("get_hash: sha_type {n}: use 256, 384 or 512"))),
            };
            Ok(if b64 {
                base64::engine::general_purpose::STANDARD.encode(digest)
            } else {
                hex(&digest)
            })
        },
    );
    let d = slot;
    tera.register_function(
        "load_data",
        move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
            let path: String = kwargs.must_get("path")?;
            let format: Option<String> = kwargs.get("format")?;
            let required = kwargs.get::<bool>("required")?.unwrap_or(true);
            note_lookup(Lookup::Untracked);
            let data = data_of(&d)?;
            let file = match site_file(&data.site.config.root, &path) {
                Ok(f) => f,
                Err(e) if !required && e.contains("no file") => return Ok(Value::none()),
                Err(e) => return Err(err(format!("load_data: {e}"))),
            };
            let format = format.unwrap_or_else(|| format_of(&path).to_string());
            let text = std::fs::read_to_string(&file)
                .map_err(|e| err(format!("load_data: cannot read `{path}`: {e}")))?;
            parse_data(&text, &format).map_err(|e| err(format!("load_data: `{path}`: {e}")))
        },
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The terms of taxonomy `kind` as template objects.
fn taxonomy<'a>(
    data: &'a super::FunctionData,
    kind: &str,
) -> TeraResult<(&'a crate::model::Taxonomy, Vec<Value>)> {
    let site = &data.site;
    let t = site
        .taxonomies
        .iter()
        .find(|t| t.name == kind)
        .ok_or_else(|| {
            err(format!(
                "no taxonomy `{kind}` (declare it in guidepost.toml)"
            ))
        })?;
    let items = t
        .terms
        .iter()
        .map(|term| {
            let mut m = Map::new();
            m.insert("name".into(), Value::from(term.name.clone()));
            m.insert("slug".into(), Value::from(term.slug.clone()));
            m.insert(
                "permalink".into(),
                Value::from(site.permalink(&format!("/{}/{}/", t.slug, term.slug))),
            );
            let pages: Vec<Value> = term
                .pages
                .iter()
                .filter_map(|&p| data.values.get(&site.docs[p].rel_path).cloned())
                .collect();
            m.insert("page_count".into(), Value::from(pages.len()));
            m.insert("pages".into(), Value::from(pages));
            Value::from(m)
        })
        .collect();
    Ok((t, items))
}

/// The bytes of a static file as the output will have it: the site's
/// `static/`, the theme's, or the built-in default theme's.
fn static_bytes(site: &Site, path: &str) -> Result<Vec<u8>, String> {
    let rel = path.trim_start_matches('/');
    let root = &site.config.root;
    for dir in [
        PathBuf::from("static"),
        Path::new("themes").join(&site.config.theme).join("static"),
    ] {
        if let Ok(file) = site_file(root, &dir.join(rel).to_string_lossy()) {
            return std::fs::read(&file).map_err(|e| format!("cannot read `{path}`: {e}"));
        }
    }
    if site.config.theme == "default"
        && let Some(f) = DEFAULT_THEME.get_file(format!("static/{rel}"))
    {
        return Ok(f.contents().to_vec());
    }
    Err(format!("no static file `{path}`"))
}

/// A file named relative to the site root, refusing anything outside it.
fn site_file(root: &Path, path: &str) -> Result<PathBuf, String> {
    let rel = Path::new(path.trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{path}` is outside the site: name a file inside the site root, such as \"data/roles.csv\""
        ));
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let full = root.join(rel);
    let real = full.canonicalize().map_err(|_| {
        format!(
            "no file `{path}` in the site (looked for {})",
            full.display()
        )
    })?;
    if !real.starts_with(&root) {
        return Err(format!("`{path}` leads outside the site root (a link?)"));
    }
    Ok(real)
}

/// The data format a file name implies.
pub(crate) fn format_of(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("json") => "json",
        Some("toml") => "toml",
        Some("yaml" | "yml") => "yaml",
        Some("csv") => "csv",
        _ => "plain",
    }
}

/// Parses data text: `json`, `toml`, `yaml`, `csv` (`{ headers, records }`)
/// or `plain` (the text).
pub(crate) fn parse_data(text: &str, format: &str) -> Result<Value, String> {
    match format {
        "json" => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| Value::from_serializable(&v))
            .map_err(|e| format!("invalid JSON: {e}")),
        "toml" => toml::from_str::<toml::Value>(text)
            .map(|v| Value::from_serializable(&v))
            .map_err(|e| format!("invalid TOML: {}", e.message())),
        "yaml" => serde_saphyr::from_str::<serde_json::Value>(text)
            .map(|v| Value::from_serializable(&v))
            .map_err(|e| format!("invalid YAML: {e}")),
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text.as_bytes());
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| format!("invalid CSV: {e}"))?
                .iter()
                .map(str::to_string)
                .collect();
            let mut records = Vec::new();
            for r in reader.records() {
                let r = r.map_err(|e| format!("invalid CSV: {e}"))?;
                records.push(r.iter().map(str::to_string).collect::<Vec<_>>());
            }
            let mut m = Map::new();
            m.insert("headers".into(), Value::from_serializable(&headers));
            m.insert("records".into(), Value::from_serializable(&records));
            Ok(Value::from(m))
        }
        "plain" => Ok(Value::from(text.to_string())),
        other => Err(format!(
            "unknown format `{other}`: use json, toml, yaml, csv or plain"
        )),
    }
}

/// `xs | slice(start=1, end=3)`: part of a list (negative counts from the end).
fn slice(v: Vec<Value>, kwargs: Kwargs, _: &State) -> TeraResult<Vec<Value>> {
    let len = v.len() as i64;
    let at = |n: i64| (if n < 0 { len + n } else { n }).clamp(0, len) as usize;
    let start = at(kwargs.get::<i64>("start")?.unwrap_or(0));
    let end = at(kwargs.get::<i64>("end")?.unwrap_or(len));
    Ok(if start < end {
        v[start..end].to_vec()
    } else {
        Vec::new()
    })
}

/// `xs | concat(with=ys)`: a list with another list (or one value) appended.
fn concat(mut v: Vec<Value>, kwargs: Kwargs, _: &State) -> TeraResult<Vec<Value>> {
    let with: Value = kwargs.must_get("with")?;
    match with.as_array() {
        Some(items) => v.extend(items.iter().cloned()),
        None => v.push(with),
    }
    Ok(v)
}

/// `pages | filter(attribute="extra.featured", value=true)`: items whose
/// attribute equals the value (or is truthy, without `value`).
fn filter(v: Vec<Value>, kwargs: Kwargs, _: &State) -> TeraResult<Vec<Value>> {
    let attribute: String = kwargs.must_get("attribute")?;
    let value: Option<Value> = kwargs.get("value")?;
    Ok(v.into_iter()
        .filter(|item| {
            let got = item.get_from_path(&attribute);
            match (&value, got) {
                (Some(want), Some(g)) => g == want,
                (None, Some(g)) => g.is_truthy(),
                _ => false,
            }
        })
        .collect())
}

/// `pages | map(attribute="title")`: one attribute of every item.
fn map(v: Vec<Value>, kwargs: Kwargs, _: &State) -> TeraResult<Vec<Value>> {
    let attribute: String = kwargs.must_get("attribute")?;
    Ok(v.iter()
        .map(|item| {
            item.get_from_path(&attribute)
                .cloned()
                .unwrap_or_else(Value::none)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_formats_parse() {
        let v = parse_data("{\"a\": [1, 2]}", "json").unwrap();
        assert_eq!(v.get_from_path("a.1").unwrap(), &Value::from(2));
        let v = parse_data("a = \"x\"\n", "toml").unwrap();
        assert_eq!(v.get_from_path("a").and_then(Value::as_str), Some("x"));
        let v = parse_data("a:\n  - lead\n", "yaml").unwrap();
        assert_eq!(v.get_from_path("a.0").and_then(Value::as_str), Some("lead"));
        let v = parse_data("role,focus\nvCIO,IT\nvCISO,security\n", "csv").unwrap();
        assert_eq!(
            v.get_from_path("headers.1").and_then(Value::as_str),
            Some("focus")
        );
        assert_eq!(
            v.get_from_path("records.1.0").and_then(Value::as_str),
            Some("vCISO")
        );
        assert!(
            parse_data("{", "json")
                .unwrap_err()
                .contains("invalid JSON")
        );
        assert!(parse_data("x", "xml").is_err());
    }

    #[test]
    fn files_outside_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        assert!(site_file(dir.path(), "a.txt").is_ok());
        assert!(
            site_file(dir.path(), "../a.txt")
                .unwrap_err()
                .contains("outside")
        );
        assert!(site_file(dir.path(), "/etc/passwd").is_err());
        assert!(
            site_file(dir.path(), "b.txt")
                .unwrap_err()
                .contains("no file")
        );
    }
}
