//! URL modes. Every link Guidepost writes is first a site path such as
//! `/roles/vcio/`; [`UrlMode::permalink`] turns it into the public URL.
//!
//! In relative mode permalinks stay site paths while templates render, and
//! [`relativize_html`] then rewrites every `href`/`src` in the finished page to
//! a path relative to that page that names `index.html` explicitly, so the
//! output works under any subpath and straight from disk (file://). One
//! mechanism covers Markdown, templates and generated pages alike.

use lol_html::{HtmlRewriter, Settings, element};

/// How public URLs are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlMode {
    /// `base` is `https://example.org/docs`, a bare path prefix like `/docs`, or empty (site root).
    Absolute { base: String },
    /// Every link relative to the page it is on.
    Relative,
}

impl UrlMode {
    /// Public URL of a site path (`/roles/vcio/`, `/css/x.css`, `/a/#b`).
    pub fn permalink(&self, path: &str) -> String {
        match self {
            UrlMode::Absolute { base } => format!("{base}{path}"),
            UrlMode::Relative => path.to_string(),
        }
    }

    /// Applies the mode to a finished HTML page at site path `path`: in
    /// relative mode every site path in it becomes relative to the page.
    pub(crate) fn finish_html(&self, html: String, path: &str) -> String {
        if self.is_relative() {
            relativize_html(&html, path)
        } else {
            html
        }
    }

    /// True in relative mode.
    pub fn is_relative(&self) -> bool {
        matches!(self, UrlMode::Relative)
    }

    /// The path prefix pages are served under (`/docs` for `https://example.org/docs`).
    pub fn base_path(&self) -> String {
        match self {
            UrlMode::Absolute { base } => {
                let without_scheme = base
                    .split_once("://")
                    .map_or(base.as_str(), |(_, rest)| rest);
                let path = if base.contains("://") {
                    without_scheme
                        .find('/')
                        .map_or("", |i| &without_scheme[i..])
                } else {
                    without_scheme
                };
                path.trim_end_matches('/').to_string()
            }
            UrlMode::Relative => String::new(),
        }
    }
}

/// Output file for a site path: `/roles/vcio/` → `roles/vcio/index.html`.
pub fn output_file(path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

/// `url` (a site path starting with `/`) written relative to the page at site path `from`.
/// Returns `None` for URLs that are not site paths (external, `#frag`, `mailto:`, `//host`).
pub fn relativize(from: &str, url: &str) -> Option<String> {
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let (path, suffix) = match url.find(['#', '?']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let target = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let from_dir_depth = from
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .count()
        - usize::from(!from.ends_with('/') && from != "/");
    let from_segments: Vec<&str> = from
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .take(from_dir_depth)
        .collect();
    let target_segments: Vec<&str> = target.trim_start_matches('/').split('/').collect();
    let common = from_segments
        .iter()
        .zip(&target_segments)
        .take_while(|(a, b)| a == b)
        .count();
    let common = common.min(target_segments.len().saturating_sub(1));
    let mut out = "../".repeat(from_segments.len() - common);
    out.push_str(&target_segments[common..].join("/"));
    out.push_str(suffix);
    Some(out)
}

/// Rewrites every site-path URL in `html` relative to the page at `page_path`.
pub fn relativize_html(html: &str, page_path: &str) -> String {
    rewrite_site_paths(html, &|url| relativize(page_path, url))
}

/// Rewrites every site-path URL in `html` to an absolute path under
/// `served_path` (`/kb/`), naming `index.html` like relative links do. For
/// the 404 page of a relative-mode site: a host serves it at any missing URL
/// (`/kb/guide/nope/`), so links relative to its own place cannot work.
pub(crate) fn under_served_path_html(html: &str, served_path: &str) -> String {
    let prefix = served_path.trim_end_matches('/');
    rewrite_site_paths(html, &|url| {
        relativize("/", url).map(|rel| format!("{prefix}/{rel}"))
    })
}

/// Applies `map` to every URL attribute (and an alias page's refresh target);
/// `map` returns `None` to leave a URL as it is.
fn rewrite_site_paths(html: &str, map: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = Vec::with_capacity(html.len() + 256);
    let rewrite = |attr: &'static str| {
        element!(format!("[{attr}]"), move |el| {
            if let Some(v) = el.get_attribute(attr) {
                if attr == "srcset" {
                    let rewritten: Vec<String> = v
                        .split(',')
                        .map(|part| {
                            let part = part.trim();
                            let (u, rest) = part.split_once(' ').unwrap_or((part, ""));
                            let u = map(u).unwrap_or_else(|| u.to_string());
                            if rest.is_empty() {
                                u
                            } else {
                                format!("{u} {rest}")
                            }
                        })
                        .collect();
                    el.set_attribute(attr, &rewritten.join(", "))?;
                } else if let Some(rel) = map(&v) {
                    el.set_attribute(attr, &rel)?;
                }
            }
            Ok(())
        })
    };
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![
                rewrite("href"),
                rewrite("src"),
                rewrite("srcset"),
                rewrite("action"),
                rewrite("poster"),
                rewrite("data"),
            ],
            ..Settings::new()
        },
        |c: &[u8]| out.extend_from_slice(c),
    );
    // Rewriting only fails on handler errors, which ours never return for valid input.
    if rewriter.write(html.as_bytes()).is_err() || rewriter.end().is_err() {
        return html.to_string();
    }
    // `<meta http-equiv="refresh" content="0; url=/x/">` in alias pages.
    let s = String::from_utf8(out).unwrap_or_else(|_| html.to_string());
    if let Some(i) = s.find("content=\"0; url=/") {
        let start = i + "content=\"0; url=".len();
        if let Some(end) = s[start..].find('"')
            && let Some(rel) = map(&s[start..start + end])
        {
            return format!("{}{}{}", &s[..start], rel, &s[start + end..]);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_name_index_html() {
        assert_eq!(relativize("/", "/").as_deref(), Some("index.html"));
        assert_eq!(
            relativize("/", "/roles/vcio/").as_deref(),
            Some("roles/vcio/index.html")
        );
        assert_eq!(
            relativize("/roles/vcio/", "/").as_deref(),
            Some("../../index.html")
        );
        assert_eq!(
            relativize("/roles/vcio/", "/roles/vciso/#x").as_deref(),
            Some("../vciso/index.html#x")
        );
        assert_eq!(
            relativize("/roles/vcio/", "/css/a.css").as_deref(),
            Some("../../css/a.css")
        );
        assert_eq!(
            relativize("/roles/", "/roles/").as_deref(),
            Some("index.html")
        );
        assert_eq!(
            relativize("/404.html", "/roles/").as_deref(),
            Some("roles/index.html")
        );
        assert_eq!(relativize("/a/", "https://x.org/"), None);
        assert_eq!(relativize("/a/", "//x.org/"), None);
    }

    #[test]
    fn html_rewrite_touches_only_site_paths() {
        let html = r##"<a href="/a/">x</a><a href="https://e.org/">y</a><img src="/i.png"><a href="#t">z</a>"##;
        let out = relativize_html(html, "/b/c/");
        assert!(out.contains(r#"href="../../a/index.html""#), "{out}");
        assert!(out.contains(r#"href="https://e.org/""#));
        assert!(out.contains(r#"src="../../i.png""#));
        assert!(out.contains(r##"href="#t""##));
    }

    #[test]
    fn the_404_page_links_under_the_served_path() {
        let html = r##"<link href="/css/a.css"><a href="/">h</a><a href="/roles/#x">r</a><a href="https://e.org/">e</a><a href="#t">t</a>"##;
        let out = under_served_path_html(html, "/kb/");
        assert!(out.contains(r#"href="/kb/css/a.css""#), "{out}");
        assert!(out.contains(r#"href="/kb/index.html""#), "{out}");
        assert!(out.contains(r#"href="/kb/roles/index.html#x""#), "{out}");
        assert!(out.contains(r#"href="https://e.org/""#), "{out}");
        assert!(out.contains(r##"href="#t""##), "{out}");
        let out = under_served_path_html(html, "/");
        assert!(out.contains(r#"href="/css/a.css""#), "{out}");
        assert!(out.contains(r#"href="/index.html""#), "{out}");
    }

    #[test]
    fn output_files() {
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/a/b/"), "a/b/index.html");
        assert_eq!(output_file("/404.html"), "404.html");
    }

    #[test]
    fn base_path_of_absolute_urls() {
        assert_eq!(
            UrlMode::Absolute {
                base: "https://e.org/docs".into()
            }
            .base_path(),
            "/docs"
        );
        assert_eq!(
            UrlMode::Absolute {
                base: "https://e.org".into()
            }
            .base_path(),
            ""
        );
    }

    #[test]
    fn finish_html_relativizes_only_in_relative_mode() {
        let html = "<a href=\"/roles/vcio/\">x</a>".to_string();
        assert!(UrlMode::Relative.is_relative());
        assert_eq!(
            UrlMode::Relative.finish_html(html.clone(), "/guide/"),
            "<a href=\"../roles/vcio/index.html\">x</a>"
        );
        let absolute = UrlMode::Absolute {
            base: "/docs".into(),
        };
        assert!(!absolute.is_relative());
        assert_eq!(absolute.finish_html(html.clone(), "/guide/"), html);
    }

    #[test]
    fn not_found_page_links_and_alias_refreshes_are_rewritten() {
        assert_eq!(
            under_served_path_html("<a href=\"/guide/\">g</a><img src=\"/i.png\">", "/kb/"),
            "<a href=\"/kb/guide/index.html\">g</a><img src=\"/kb/i.png\">"
        );
        let alias = "<meta http-equiv=\"refresh\" content=\"0; url=/roles/vcio/\"><a href=\"/roles/vcio/\">x</a>";
        assert_eq!(
            relativize_html(alias, "/old/page/"),
            "<meta http-equiv=\"refresh\" content=\"0; url=../../roles/vcio/index.html\"><a href=\"../../roles/vcio/index.html\">x</a>"
        );
    }
}
