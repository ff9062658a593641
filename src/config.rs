//! Load stage: the site's `guidepost.toml` — or, for a site moved from Zola,
//! its `config.toml`/`zola.toml`. Every key Zola 0.22 knows is accepted:
//! [`keys`] lists which ones Guidepost implements and which it only accepts
//! with a warning, so no setting is lost silently.

mod keys;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, unknown_field_help};
use crate::text::SlugStrategy;

/// The file name of a site's configuration.
pub const CONFIG_FILE: &str = "guidepost.toml";

/// Zola's configuration file names, read when there is no `guidepost.toml`.
pub const ZOLA_CONFIG_FILES: &[&str] = &["config.toml", "zola.toml"];

/// Site-wide settings. Keys that Zola also has mean the same thing here.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Config {
    /// Site title, shown in every page's `<title>` by the default theme.
    #[serde(default)]
    pub title: String,
    /// One-sentence description of the site.
    #[serde(default)]
    pub description: String,
    /// Where the site is published: `https://example.org/docs`, or empty for relative URLs.
    #[serde(default)]
    pub base_url: String,
    /// Force relative URLs even when `base_url` is set (the site still uses it for nothing).
    #[serde(default)]
    pub relative_urls: bool,
    /// Relative mode only: the path the site is served from (`/kb/`). Used
    /// by the 404 page alone, which a host serves at any missing URL, so its
    /// links cannot be relative to its own place.
    #[serde(default)]
    pub served_path: Option<String>,
    /// Theme folder name under `themes/` (or the built-in `default`).
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Build output folder, relative to the site root.
    #[serde(default = "default_output_dir")]
    pub output_dir: String,
    /// Language code for `<html lang>` and feeds.
    #[serde(default = "default_language", alias = "default_language")]
    pub language: String,
    /// Taxonomies such as tags.
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Markdown rendering options.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// Dev-server settings.
    #[serde(default)]
    pub serve: ServeConfig,
    /// Site search.
    #[serde(default)]
    pub search: SearchConfig,
    /// Zola's switch for its search index: sets `[search] enabled` when that
    /// table does not. Hidden from templates, so a Zola theme that loads
    /// Zola's index scripts when it is true does not ask for missing files.
    #[serde(default, skip_serializing)]
    pub build_search_index: Option<bool>,
    /// Embedding pages in other sites (intranets): which pages get a
    /// chrome-less copy under `/embed/`, and who may frame them.
    #[serde(default)]
    pub embed: EmbedConfig,
    /// Free table for themes.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The site root the config was loaded from (`load_data`, data files).
    #[serde(skip)]
    pub root: PathBuf,
    /// Safety limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Write the site-wide feeds (`feed_filenames`) at the root.
    #[serde(default)]
    pub generate_feeds: bool,
    /// Feeds to write: `atom.xml` and/or `rss.xml` (or any template name).
    #[serde(default = "default_feed_filenames")]
    pub feed_filenames: Vec<String>,
    /// Most entries in one feed (all when unset).
    #[serde(default)]
    pub feed_limit: Option<usize>,
    /// Default author of pages that name none (feeds).
    #[serde(default)]
    pub author: Option<String>,
    /// Compile `sass/` (and the theme's) into CSS.
    #[serde(default)]
    pub compile_sass: bool,
    /// Write `sitemap.xml` (absolute URL mode only: a sitemap needs absolute URLs).
    #[serde(default = "yes")]
    pub generate_sitemap: bool,
    /// Write `robots.txt`.
    #[serde(default = "yes")]
    pub generate_robots_txt: bool,
    /// How paths, taxonomy terms and heading ids become slugs.
    #[serde(default)]
    pub slugify: SlugifyConfig,
    /// Zola's other languages (not built: their `NAME.LANG.md` files are left out).
    #[serde(default, skip_serializing)]
    pub languages: serde_json::Map<String, serde_json::Value>,
    /// Accepted-but-unimplemented keys and the like: printed, never fatal.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    /// The file this was read from (`guidepost.toml`, `config.toml`...).
    #[serde(skip)]
    pub file: String,
}

/// `[limits]` table: bounds that turn a runaway template into an error
/// instead of an out-of-memory abort.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest output file a template may produce, in megabytes.
    pub max_output_file_mb: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_output_file_mb: 256,
        }
    }
}

/// `[slugify]` table (Zola's).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SlugifyConfig {
    pub paths: SlugStrategy,
    /// Keep a file name's date prefix (`2024-01-02-post` → `2024-01-02-post`).
    pub paths_keep_dates: bool,
    pub taxonomies: SlugStrategy,
    pub anchors: SlugStrategy,
}

fn yes() -> bool {
    true
}

fn default_feed_filenames() -> Vec<String> {
    vec!["atom.xml".into()]
}

fn default_paginate_path() -> String {
    "page".into()
}

/// One taxonomy (`[[taxonomies]]` / `taxonomies = [{ name = "tags" }]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TaxonomyConfig {
    pub name: String,
    /// Write a feed per term (`feed_filenames`).
    #[serde(default)]
    pub feed: bool,
    /// Terms per page of a term's listing (`/tags/rust/page/2/`).
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// The folder name of later listing pages.
    #[serde(default = "default_paginate_path")]
    pub paginate_path: String,
    /// `false`: no taxonomy pages are written (terms still reach templates).
    #[serde(default = "yes")]
    pub render: bool,
}

/// `[markdown]` table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MarkdownConfig {
    /// Curly quotes, en and em dashes, ellipses.
    pub smart_punctuation: bool,
    /// `rel="noreferrer"` on links to other sites.
    pub external_links_no_referrer: bool,
    /// Words per minute used for `reading_time`.
    pub words_per_minute: usize,
    /// `target="_blank"` (with `rel="noopener"`) on links to other sites.
    pub external_links_target_blank: bool,
    /// `rel="nofollow"` on links to other sites.
    pub external_links_no_follow: bool,
    /// A class on links to other sites.
    pub external_links_class: Option<String>,
    /// GitHub-style alerts (`> [!NOTE]`), rendered like the callout shortcode.
    pub github_alerts: bool,
    /// Definition lists (`Term` then `: definition`).
    #[serde(alias = "definition_list")]
    pub definition_lists: bool,
    /// Where headings get a self-link: `none`, `left`, `right`, `heading`.
    pub insert_anchor_links: AnchorLinks,
    /// `:warning:` and other emoji shortcodes become emoji.
    pub render_emoji: bool,
    /// Footnotes gathered at the end of the page instead of where defined.
    pub bottom_footnotes: bool,
    /// Highlight fenced code blocks (CSS classes, no inline style).
    pub highlight_code: bool,
    /// Theme of the light code stylesheet (`css/syntax-light.css`).
    pub highlight_theme: String,
    /// Theme of the dark code stylesheet (`css/syntax-dark.css`).
    pub highlight_theme_dark: String,
    /// Raw HTML in page bodies: kept, sanitized or shown as text.
    pub raw_html: RawHtml,
}

/// `insert_anchor_links`: where a heading's self-link goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnchorLinks {
    None,
    Left,
    #[default]
    Right,
    /// The whole heading text is the link.
    Heading,
}

/// `[markdown] raw_html`: what happens to raw HTML in Markdown bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Written as it is (the author is trusted).
    #[default]
    Allow,
    /// Cleaned to an allow-list (no script, style, iframe, event handlers or
    /// `javascript:` URLs): the setting for intranet builds.
    Sanitize,
    /// Shown as text.
    Escape,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            external_links_no_referrer: false,
            words_per_minute: 200,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_class: None,
            github_alerts: true,
            definition_lists: true,
            insert_anchor_links: AnchorLinks::Right,
            render_emoji: false,
            bottom_footnotes: false,
            highlight_code: true,
            highlight_theme: "Coldark-Cold".into(),
            highlight_theme_dark: "Coldark-Dark".into(),
            raw_html: RawHtml::Allow,
        }
    }
}

/// `[serve]` table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ServeConfig {
    /// How long file events are gathered before a rebuild, in milliseconds.
    pub debounce_ms: u64,
    /// A connection that has not sent a whole request head this long after
    /// opening (or after its last response) is closed: slow and idle clients.
    pub request_timeout_ms: u64,
    /// Connections served at once; more wait until one closes.
    pub max_connections: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            debounce_ms: 20,
            request_timeout_ms: 10_000,
            max_connections: 256,
        }
    }
}

/// `[search]` table (unknown keys are found by `config::keys`, which also
/// knows Zola's keys of this table).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SearchConfig {
    /// Build the index, the search page and the search box.
    pub enabled: bool,
    /// Only these sections or pages (content-relative: `"roles"`, `"glossary.md"`); empty means all.
    pub include: Vec<String>,
    /// Leave these sections or pages out.
    pub exclude: Vec<String>,
    /// Characters of text shown under each result.
    pub snippet_length: usize,
    /// Warn when the index is larger than this many kilobytes.
    pub index_budget_kb: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            include: Vec::new(),
            exclude: Vec::new(),
            snippet_length: 100,
            index_budget_kb: 1024,
        }
    }
}

/// `[embed]` table: which pages get an embed copy under `/embed/`, where
/// links leaving an embedded page open, and the framing headers files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbedConfig {
    /// Decision guides and pages with a comparison table get an embed copy.
    pub guides_and_comparisons: bool,
    /// Every page and section gets an embed copy.
    pub all: bool,
    /// Sections (content-relative folders such as `roles`) whose pages get one.
    pub sections: Vec<String>,
    /// Pages (`roles/vcio.md` or `@/roles/vcio.md`) that get one.
    pub pages: Vec<String>,
    /// Where links leaving an embedded page open: `_top` (the whole browser
    /// tab) or `_blank` (a new tab).
    pub link_target: String,
    /// Origins (`https://contoso.sharepoint.com`) or presets (`microsoft365`,
    /// `sharepoint`, `teams`, `confluence`) allowed to frame the embed pages.
    pub allow_framing_from: Vec<String>,
    /// Origins allowed to frame the full pages (besides the site itself).
    pub full_pages_framing_from: Vec<String>,
    /// Headers files to write: `_headers` (Netlify, Cloudflare Pages),
    /// `nginx` (`guidepost-headers.nginx.conf`), `htaccess` (Apache),
    /// `iis` (`web.config`).
    pub headers: Vec<String>,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        EmbedConfig {
            guides_and_comparisons: true,
            all: false,
            sections: Vec::new(),
            pages: Vec::new(),
            link_target: "_top".into(),
            allow_framing_from: Vec::new(),
            full_pages_framing_from: Vec::new(),
            headers: Vec::new(),
        }
    }
}

/// Named groups of hosts for `allow_framing_from`. Microsoft 365 and Teams
/// frame from several hosts, so a preset saves looking them up.
pub const FRAMING_PRESETS: &[(&str, &[&str])] = &[
    ("sharepoint", &["https://*.sharepoint.com"]),
    (
        "teams",
        &[
            "https://teams.microsoft.com",
            "https://*.teams.microsoft.com",
            "https://*.cloud.microsoft",
            "https://*.office.com",
        ],
    ),
    (
        "microsoft365",
        &[
            "https://*.sharepoint.com",
            "https://teams.microsoft.com",
            "https://*.teams.microsoft.com",
            "https://*.cloud.microsoft",
            "https://*.office.com",
            "https://*.microsoft365.com",
        ],
    ),
    ("confluence", &["https://*.atlassian.net"]),
];

/// The headers files `[embed] headers` may name.
pub const HEADER_FILES: &[&str] = &["_headers", "nginx", "htaccess", "iis"];

impl EmbedConfig {
    /// `allow_framing_from` with presets expanded, in order, without repeats.
    pub fn framing_origins(&self) -> Vec<String> {
        expand_origins(&self.allow_framing_from)
    }

    /// `full_pages_framing_from` with presets expanded.
    pub fn full_page_origins(&self) -> Vec<String> {
        expand_origins(&self.full_pages_framing_from)
    }

    /// Checks presets, origins, header file names and the link target;
    /// errors point at the offending value in `text`.
    fn check(&self, text: &str, file: &Path, source: &Arc<str>) -> Result<(), Diagnostic> {
        let at = |value: &str, message: String, help: &str| {
            let quoted = format!("\"{value}\"");
            let start = text
                .find("[embed]")
                .and_then(|e| text[e..].find(&quoted).map(|i| e + i))
                .or_else(|| text.find(&quoted))
                .unwrap_or(0);
            Err(Diagnostic::at(
                file.to_path_buf(),
                source.clone(),
                start..start + quoted.len(),
                message,
            )
            .with_help(help.to_string()))
        };
        for origin in self
            .allow_framing_from
            .iter()
            .chain(&self.full_pages_framing_from)
        {
            let preset = FRAMING_PRESETS.iter().any(|(name, _)| name == origin);
            let valid_origin = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin
                    .trim_end_matches('/')
                    .split("://")
                    .nth(1)
                    .unwrap_or("")
                    .contains('/')
                && !origin.contains([' ', ';', ',', '\'', '"']);
            if !preset && !valid_origin && origin != "'self'" {
                let names: Vec<&str> = FRAMING_PRESETS.iter().map(|(n, _)| *n).collect();
                return at(
                    origin,
                    format!("`{origin}` is neither an origin nor a framing preset"),
                    &format!(
                        "write an origin such as \"https://contoso.sharepoint.com\" (scheme and host, no path), or one of the presets {}",
                        names.join(", ")
                    ),
                );
            }
        }
        for h in &self.headers {
            if !HEADER_FILES.contains(&h.as_str()) {
                return at(
                    h,
                    format!("unknown headers file `{h}`"),
                    &format!("use any of {}", HEADER_FILES.join(", ")),
                );
            }
        }
        if !["_top", "_blank", "_parent"].contains(&self.link_target.as_str()) {
            return at(
                &self.link_target,
                format!(
                    "link_target `{}` is not `_top`, `_parent` or `_blank`",
                    self.link_target
                ),
                "`_top` replaces the host page, `_blank` opens a new tab",
            );
        }
        Ok(())
    }
}

fn expand_origins(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in list {
        let hosts: Vec<String> = match FRAMING_PRESETS.iter().find(|(n, _)| n == entry) {
            Some((_, hosts)) => hosts.iter().map(|h| h.to_string()).collect(),
            None => vec![entry.trim_end_matches('/').to_string()],
        };
        for h in hosts {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

fn default_theme() -> String {
    "default".into()
}
fn default_output_dir() -> String {
    "output".into()
}
fn default_language() -> String {
    "en".into()
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str("").expect("an empty config is valid")
    }
}

impl Config {
    /// Reads and validates `root/guidepost.toml`, else Zola's `config.toml`
    /// or `zola.toml` (saying so once, as a warning).
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let name = Config::file_name(root).ok_or_else(|| {
            vec![Diagnostic::in_file(CONFIG_FILE, format!("cannot read {}: no such file", root.join(CONFIG_FILE).display()))
                .with_help("run Guidepost in a site folder (one with guidepost.toml, or a Zola site's config.toml), pass --root DIR, or create one with `guidepost init DIR`")]
        })?;
        let path = root.join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![Diagnostic::in_file(
                name,
                format!("cannot read {}: {e}", path.display()),
            )]
        })?;
        let mut config = Config::parse_all(&text, PathBuf::from(name))?;
        if name != CONFIG_FILE {
            config.warnings.insert(
                0,
                Diagnostic::in_file(
                    name,
                    format!("reading Zola's {name}: there is no {CONFIG_FILE}"),
                )
                .with_help("`guidepost import zola` renames it and converts the templates")
                .warning(),
            );
        }
        config.root = root.to_path_buf();
        Ok(config)
    }

    /// The config file a site folder has: `guidepost.toml`, else Zola's.
    pub fn file_name(root: &Path) -> Option<&'static str> {
        std::iter::once(CONFIG_FILE)
            .chain(ZOLA_CONFIG_FILES.iter().copied())
            .find(|n| root.join(n).is_file())
    }

    /// Parses configuration text; `file` is used in error messages. The
    /// first error only (see [`Config::parse_all`]).
    #[cfg(test)]
    pub fn parse(text: &str, file: PathBuf) -> Result<Config, Diagnostic> {
        Config::parse_all(text, file).map_err(|mut e| e.remove(0))
    }

    /// Parses configuration text, reporting every unknown key and every
    /// mistyped value in file order; keys Zola has that Guidepost does not
    /// implement become warnings in [`Config::warnings`].
    pub fn parse_all(text: &str, file: PathBuf) -> Result<Config, Vec<Diagnostic>> {
        let source: Arc<str> = Arc::from(text);
        let syntax = |e: toml::de::Error| {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().to_string();
            let help = unknown_field_help(&message);
            let d = Diagnostic::at(
                file.clone(),
                source.clone(),
                span,
                format!("invalid configuration: {message}"),
            );
            match help {
                Some(h) => d.with_help(h),
                None => d,
            }
        };
        let (mut errors, warnings) =
            keys::check(text, &file, &source).map_err(|e| vec![syntax(e)])?;
        errors.extend(keys::type_errors::<Config>(text).into_iter().map(syntax));
        errors.sort_by_key(|d| d.span.start);
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut config: Config = toml::from_str(text).map_err(|e| vec![syntax(e)])?;
        config.warnings = warnings;
        config.file = file.display().to_string();
        if ZOLA_CONFIG_FILES.iter().any(|z| file.ends_with(z))
            && !keys::has_key(text, &["markdown", "smart_punctuation"])
        {
            // Zola's default; ours is on.
            config.markdown.smart_punctuation = false;
        }
        if !keys::has_key(text, &["search", "enabled"]) {
            match config.build_search_index {
                Some(on) => config.search.enabled = on,
                // Zola's default: no index.
                None if ZOLA_CONFIG_FILES.iter().any(|z| file.ends_with(z)) => {
                    config.search.enabled = false
                }
                None => {}
            }
        }
        if ZOLA_CONFIG_FILES.iter().any(|z| file.ends_with(z)) && !keys::has_key(text, &["theme"]) {
            // A Zola site without a theme uses only its own templates.
            config.theme = String::new();
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config
            .embed
            .check(text, &file, &source)
            .map_err(|e| vec![e])?;
        if let Some(path) = &config.served_path {
            if !path.starts_with('/') {
                let at = text.find("served_path").unwrap_or(0);
                return Err(vec![
                    Diagnostic::at(
                        file,
                        source,
                        at..at + 11,
                        format!("served_path `{path}` is not a path from the host's root"),
                    )
                    .with_help("write the path the site is served from, such as \"/\" or \"/kb/\""),
                ]);
            }
            config.served_path = Some(format!("{}/", path.trim_end_matches('/')));
        }
        if let Err(why) = check_base_url(&config.base_url) {
            let at = text.find("base_url").unwrap_or(0);
            return Err(vec![
                Diagnostic::at(file, source, at..at + 8, format!("base_url {why}"))
                    .with_help(BASE_URL_HELP),
            ]);
        }
        // A theme is a folder under themes/ ("" for none, as in a Zola site
        // without `theme`): a path could read outside the site.
        let t = &config.theme;
        if t == "." || t == ".." || t.contains(['/', '\\', '\0']) || t.contains(':') {
            let at = text.find("theme").unwrap_or(0);
            return Err(vec![Diagnostic::at(
                file,
                source,
                at..at + 5,
                format!("theme `{t}` is not a folder name"),
            )
            .with_help("name a folder under themes/ (such as \"default\"); themes are read only from inside the site")]);
        }
        if config.output_dir.trim().is_empty() {
            let at = text.find("output_dir").unwrap_or(0);
            return Err(vec![
                Diagnostic::at(file, source, at..at + 10, "output_dir is empty")
                    .with_help("use a folder name such as \"output\""),
            ]);
        }
        Ok(config)
    }

    /// True when links are written relative to each page (file:// and any subpath).
    pub fn is_relative(&self) -> bool {
        self.relative_urls || self.base_url.is_empty()
    }
}

/// What a valid `base_url` looks like (config and `--base-url`).
pub(crate) const BASE_URL_HELP: &str =
    "use a full http(s) URL such as \"https://example.org/docs\", or \"\" for relative URLs";

/// `base_url` ends up in every link and feed, so it must be "" or an
/// http(s) URL with a host and nothing that could leave an attribute
/// (spaces, quotes, angle brackets, backslashes, control characters).
pub(crate) fn check_base_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err(format!("`{url}` is not an http(s) URL"));
    };
    if let Some(bad) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`{}|^".contains(*c))
    {
        return Err(format!("`{url}` contains {bad:?}, which a URL cannot"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_only = host.rsplit('@').next().unwrap_or("");
    if host_only.is_empty() || host_only.starts_with(':') {
        return Err(format!("`{url}` has no host"));
    }
    if rest.contains(['?', '#']) {
        return Err(format!(
            "`{url}` has a query or fragment; links are built by appending paths"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_suggestion() {
        let err =
            Config::parse("title = \"x\"\ntitel = \"y\"\n", "guidepost.toml".into()).unwrap_err();
        assert!(err.message.contains("titel"), "{}", err.message);
        assert_eq!(err.line_col().unwrap().0, 2);
        assert_eq!(err.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn base_url_must_be_http_or_empty() {
        for good in [
            "",
            "http://a",
            "https://example.org/docs",
            "http://localhost:8080/x/",
        ] {
            assert!(check_base_url(good.trim_end_matches('/')).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)//",
            "http://a b",
            "/docs",
            "example.org",
            "https://",
            "https://x\"onload=\"y",
            "http://a/<b>",
            "ftp://a",
            "https://a?x=1",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
        let e = Config::parse(
            "title = \"x\"\nbase_url = \"http://a b\"\n",
            "g.toml".into(),
        )
        .unwrap_err();
        assert_eq!(e.line_col().unwrap().0, 2);
    }

    #[test]
    fn served_path_is_a_path_ending_in_a_slash() {
        let c = Config::parse("served_path = \"/kb\"\n", "g.toml".into()).unwrap();
        assert_eq!(c.served_path.as_deref(), Some("/kb/"));
        let c = Config::parse("served_path = \"/\"\n", "g.toml".into()).unwrap();
        assert_eq!(c.served_path.as_deref(), Some("/"));
        let err =
            Config::parse("title = \"t\"\nserved_path = \"kb/\"\n", "g.toml".into()).unwrap_err();
        assert!(err.message.contains("served_path `kb/`"), "{}", err.message);
        assert_eq!(err.line_col().unwrap().0, 2);
    }

    #[test]
    fn defaults_apply() {
        let c = Config::parse("", "g.toml".into()).unwrap();
        assert_eq!(c.theme, "default");
        assert_eq!(c.output_dir, "output");
        assert!(c.is_relative());
        assert_eq!(c.serve.debounce_ms, 20);
        let c = Config::parse("[serve]\ndebounce_ms = 75\n", "g.toml".into()).unwrap();
        assert_eq!(c.serve.debounce_ms, 75);
    }
}
