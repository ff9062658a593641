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
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            external_links_no_referrer: false,
            words_per_minute: 200,
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
