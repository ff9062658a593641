//! Every configuration key Guidepost and Zola 0.22 know, and what Guidepost
//! does with each: implemented, or accepted with a warning. A key neither
//! knows is an error naming the closest known key. All of them are found in
//! one pass, so a site moved from Zola sees every problem at once.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, closest};

/// What Guidepost does with one key.
pub(super) enum Key {
    /// Read and acted on.
    Done,
    /// Accepted, but not implemented: a value other than off/empty warns,
    /// saying what is missing.
    Warn(&'static str),
    /// A table with these keys.
    Table(&'static [(&'static str, Key)]),
    /// An array of tables (`taxonomies = [{ name = "tags" }]`) with these keys.
    Tables(&'static [(&'static str, Key)]),
    /// Anything goes (`extra`).
    Free,
}

use Key::{Done, Free, Table, Tables, Warn};

const TAXONOMY: &[(&str, Key)] = &[
    ("name", Done),
    ("feed", Done),
    ("paginate_by", Done),
    ("paginate_path", Done),
    ("render", Done),
    ("lang", Warn("multilingual sites are not supported")),
    (
        "rss",
        Warn(
            "a key of Zola 0.15 and older that Zola 0.22 ignores; `feed = true` writes a feed per term",
        ),
    ),
];

const MARKDOWN: &[(&str, Key)] = &[
    ("smart_punctuation", Done),
    ("words_per_minute", Done),
    ("external_links_no_referrer", Done),
    ("raw_html", Done),
    ("render_emoji", Done),
    ("external_links_class", Done),
    ("external_links_target_blank", Done),
    ("external_links_no_follow", Done),
    (
        "external_links_external",
        Warn("external links get no rel=\"external\""),
    ),
    ("definition_list", Done),
    ("definition_lists", Done),
    ("bottom_footnotes", Done),
    ("lazy_async_image", Warn("images are not marked lazy/async")),
    ("insert_anchor_links", Done),
    ("github_alerts", Done),
    ("highlight_code", Done),
    ("highlight_theme", Done),
    ("highlight_theme_dark", Done),
    // Zola 0.22's table: code is highlighted with `highlight_theme` and
    // `highlight_theme_dark` instead.
    (
        "highlighting",
        Warn(
            "`[markdown.highlighting]` is not read: code is highlighted with `highlight_theme` and `highlight_theme_dark` (CSS classes)",
        ),
    ),
    (
        "highlight_themes_css",
        Warn("code stylesheets are always css/syntax-light.css and css/syntax-dark.css"),
    ),
    (
        "extra_syntaxes_and_themes",
        Warn("extra syntaxes and themes are not loaded: the built-in ones are used"),
    ),
];

const SLUGIFY: &[(&str, Key)] = &[
    ("paths", Done),
    ("paths_keep_dates", Done),
    ("taxonomies", Done),
    ("anchors", Done),
];

const SERVE: &[(&str, Key)] = &[
    ("debounce_ms", Done),
    ("request_timeout_ms", Done),
    ("max_connections", Done),
];

/// `[search]`: Guidepost's keys, and Zola 0.22's, which configure Zola's
/// elasticlunr/Fuse index (Guidepost writes its own: they change nothing).
const SEARCH: &[(&str, Key)] = &[
    ("enabled", Done),
    ("include", Done),
    ("exclude", Done),
    ("snippet_length", Done),
    ("index_budget_kb", Done),
    ("include_title", Warn(ZOLA_SEARCH)),
    ("include_description", Warn(ZOLA_SEARCH)),
    ("include_date", Warn(ZOLA_SEARCH)),
    ("include_path", Warn(ZOLA_SEARCH)),
    ("include_content", Warn(ZOLA_SEARCH)),
    ("truncate_content_length", Warn(ZOLA_SEARCH)),
    (
        "index_format",
        Warn("the index is always Guidepost's own (search/*.js), not elasticlunr or Fuse"),
    ),
];

/// Why Zola's options of its search index change nothing.
const ZOLA_SEARCH: &str = "Guidepost indexes titles, headings, descriptions, tags and text itself (see `[search]` `include`, `exclude`, `snippet_length`)";

/// Top-level keys.
pub(super) const TOP: &[(&str, Key)] = &[
    ("title", Done),
    ("description", Done),
    ("base_url", Done),
    ("relative_urls", Done),
    ("served_path", Done),
    ("embed", Free),
    ("limits", Free),
    ("theme", Done),
    ("output_dir", Done),
    ("language", Done),
    ("default_language", Done),
    ("taxonomies", Tables(TAXONOMY)),
    ("markdown", Table(MARKDOWN)),
    ("serve", Table(SERVE)),
    ("extra", Free),
    ("generate_feeds", Done),
    ("feed_filenames", Done),
    ("feed_limit", Done),
    ("author", Done),
    ("compile_sass", Done),
    ("generate_sitemap", Done),
    ("generate_robots_txt", Done),
    ("slugify", Table(SLUGIFY)),
    ("languages", Warn("multilingual sites are not supported")),
    (
        "translations",
        Warn("`trans()` and translations are not supported"),
    ),
    (
        "hard_link_static",
        Warn("static files are copied, not hard-linked"),
    ),
    (
        "taxonomy_root",
        Warn("taxonomies are always written at the site root"),
    ),
    ("minify_html", Warn("HTML is not minified")),
    // Sets `[search] enabled` when that table does not.
    ("build_search_index", Done),
    ("ignored_content", Warn("every file under content/ is read")),
    ("ignored_static", Warn("every file under static/ is copied")),
    (
        "preserve_dotfiles_in_output",
        Warn("the output folder is always replaced"),
    ),
    (
        "link_checker",
        Warn("external links are not checked (internal `@/` links always are)"),
    ),
    ("search", Table(SEARCH)),
    (
        "exclude_paginated_pages_in_sitemap",
        Warn("paginated pages stay in the sitemap"),
    ),
];

/// Unknown keys (errors) and accepted-but-unimplemented keys (warnings), in
/// file order. A syntax error is returned as it is.
pub(super) fn check(
    text: &str,
    file: &Path,
    source: &Arc<str>,
) -> Result<(Vec<Diagnostic>, Vec<Diagnostic>), toml::de::Error> {
    let root = DeTable::parse(text)?;
    let mut found = Found::default();
    walk_table(root.get_ref(), TOP, "", &mut found);
    let make = |(span, message, help): (Range<usize>, String, String)| {
        Diagnostic::at(file, source.clone(), span, message).with_help(help)
    };
    let mut errors: Vec<Diagnostic> = found.errors.into_iter().map(make).collect();
    let mut warnings: Vec<Diagnostic> = found
        .warnings
        .into_iter()
        .map(|w| make(w).warning())
        .collect();
    errors.sort_by_key(|d| d.span.start);
    warnings.sort_by_key(|d| d.span.start);
    Ok((errors, warnings))
}

type Found3 = (Range<usize>, String, String);

#[derive(Default)]
struct Found {
    errors: Vec<Found3>,
    warnings: Vec<Found3>,
}

fn walk_table(
    table: &DeTable,
    schema: &'static [(&'static str, Key)],
    prefix: &str,
    found: &mut Found,
) {
    for (k, v) in table.iter() {
        let name = k.get_ref().as_ref();
        let dotted = format!("{prefix}{name}");
        match schema.iter().find(|(n, _)| *n == name) {
            None => {
                let help = match closest(name, schema.iter().map(|(n, _)| *n)) {
                    Some(c) => format!("did you mean `{prefix}{c}`?"),
                    None => format!(
                        "known keys here: {}",
                        schema
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                found.errors.push((
                    k.span(),
                    format!("invalid configuration: unknown field `{dotted}`"),
                    help,
                ));
            }
            Some((_, Key::Done | Key::Free)) => {}
            Some((_, Key::Warn(what))) => {
                if asks_for_something(v.get_ref()) {
                    found.warnings.push((
                        k.span(),
                        format!("`{dotted}` is accepted but not implemented: {what}"),
                        "the build goes on without it; remove the key to silence this warning"
                            .into(),
                    ));
                }
            }
            Some((_, Key::Table(inner))) => {
                if let DeValue::Table(t) = v.get_ref() {
                    walk_table(t, inner, &format!("{dotted}."), found);
                }
            }
            Some((_, Key::Tables(inner))) => {
                if let DeValue::Array(items) = v.get_ref() {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            walk_table(t, inner, &format!("{dotted}."), found);
                        }
                    }
                }
            }
        }
    }
}

/// False for values that ask for nothing (`false`, `""`, `[]`, `{}`), so
/// `minify_html = false` in a Zola config stays quiet.
fn asks_for_something(v: &DeValue) -> bool {
    match v {
        DeValue::Boolean(b) => *b,
        DeValue::String(s) => !s.is_empty(),
        DeValue::Array(a) => !a.is_empty(),
        DeValue::Table(t) => !t.is_empty(),
        _ => true,
    }
}

/// Every type error, one per top-level key (serde stops at the first, so
/// each key is read on its own, keeping its place in the file).
pub(super) fn type_errors<T: DeserializeOwned>(text: &str) -> Vec<toml::de::Error> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for (k, v) in root.get_ref().iter() {
        if !TOP
            .iter()
            .any(|(n, key)| *n == k.get_ref().as_ref() && !matches!(key, Key::Warn(_)))
        {
            continue;
        }
        let mut one = DeTable::new();
        one.insert(k.clone(), v.clone());
        let de = toml::de::Deserializer::from(Spanned::new(root.span(), one));
        if let Err(e) = T::deserialize(de) {
            errors.push(e);
        }
    }
    errors
}

/// True when the config text sets `path` (`["markdown", "smart_punctuation"]`).
pub(super) fn has_key(text: &str, path: &[&str]) -> bool {
    let Ok(root) = DeTable::parse(text) else {
        return false;
    };
    let mut table = root.get_ref();
    for (i, part) in path.iter().enumerate() {
        let Some((_, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *part) else {
            return false;
        };
        if i + 1 == path.len() {
            return true;
        }
        match v.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        check(text, Path::new("config.toml"), &Arc::from(text)).unwrap()
    }

    #[test]
    fn unknown_keys_all_reported_in_file_order_with_hints() {
        let (errors, _) =
            run("titel = 1\n[markdown]\nsmart_punctuaton = true\n[slugify]\npath = \"on\"\n");
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 3, "{msgs:?}");
        assert!(
            msgs[0].contains("config.toml:1:1") && msgs[0].contains("`titel`"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("markdown.smart_punctuaton"), "{msgs:?}");
        assert_eq!(
            errors[2].help.as_deref(),
            Some("did you mean `slugify.paths`?")
        );
    }

    #[test]
    fn unimplemented_keys_warn_only_when_they_ask_for_something() {
        let (errors, warnings) = run(
            "minify_html = false\nbuild_search_index = true\n[markdown.highlighting]\ntheme = \"x\"\n[search]\nenabled = true\ninclude_title = true\ninclude_path = false\nindex_format = \"fuse_json\"\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let msgs: Vec<String> = warnings.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("`markdown.highlighting`"), "{msgs:?}");
        assert!(
            msgs[1].contains("`search.include_title` is accepted but not implemented"),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("`search.index_format`"), "{msgs:?}");
        assert!(warnings.iter().all(Diagnostic::is_warning));
    }
}
