//! Load stage: the site's `guidepost.toml`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, unknown_field_help};

/// The file name of a site's configuration.
pub const CONFIG_FILE: &str = "guidepost.toml";

/// Site-wide settings. Keys that Zola also has mean the same thing here.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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
    /// Embedding pages in other sites (intranets): which pages get a
    /// chrome-less copy under `/embed/`, and who may frame them.
    #[serde(default)]
    pub embed: EmbedConfig,
    /// Free table for themes.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One taxonomy (`[[taxonomies]]` / `taxonomies = [{ name = "tags" }]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    /// Write an Atom feed per term.
    #[serde(default)]
    pub feed: bool,
}

/// `[markdown]` table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    /// Curly quotes, en and em dashes, ellipses.
    pub smart_punctuation: bool,
    /// Open external links in a new tab is left to themes; this marks them `rel="noopener"`.
    pub external_links_no_referrer: bool,
    /// Words per minute used for `reading_time`.
    pub words_per_minute: usize,
    /// Raw HTML in page bodies: kept, sanitized or shown as text.
    pub raw_html: RawHtml,
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
            raw_html: RawHtml::Allow,
        }
    }
}

/// `[serve]` table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// How long file events are gathered before a rebuild, in milliseconds.
    pub debounce_ms: u64,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig { debounce_ms: 20 }
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
    /// Reads and validates `root/guidepost.toml`.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::in_file(CONFIG_FILE, format!("cannot read {}: {e}", path.display()))
                .with_help("run Guidepost in a site folder (one with guidepost.toml), pass --root DIR, or create one with `guidepost init DIR`")
        })?;
        Config::parse(&text, PathBuf::from(CONFIG_FILE))
    }

    /// Parses configuration text; `file` is used in error messages.
    pub fn parse(text: &str, file: PathBuf) -> Result<Config, Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let mut config: Config = toml::from_str(text).map_err(|e| {
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
        })?;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config.embed.check(text, &file, &source)?;
        let looks_absolute = ["http://", "https://", "/"]
            .iter()
            .any(|p| config.base_url.starts_with(p));
        if let Some(path) = &config.served_path {
            if !path.starts_with('/') {
                let at = text.find("served_path").unwrap_or(0);
                return Err(Diagnostic::at(
                    file,
                    source,
                    at..at + 11,
                    format!("served_path `{path}` is not a path from the host's root"),
                )
                .with_help("write the path the site is served from, such as \"/\" or \"/kb/\""));
            }
            config.served_path = Some(format!("{}/", path.trim_end_matches('/')));
        }
        if !config.base_url.is_empty() && !looks_absolute {
            let at = text.find("base_url").unwrap_or(0);
            return Err(Diagnostic::at(
                file,
                source,
                at..at + 8,
                format!("base_url `{}` is not an absolute URL", config.base_url),
            )
            .with_help(
                "use a full URL such as \"https://example.org/docs\", or \"\" for relative URLs",
            ));
        }
        Ok(config)
    }

    /// True when links are written relative to each page (file:// and any subpath).
    pub fn is_relative(&self) -> bool {
        self.relative_urls || self.base_url.is_empty()
    }
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
