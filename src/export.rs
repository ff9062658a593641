//! `guidepost export PAGE --single-file out.html`: one page, or a whole
//! decision guide, as one self-contained HTML file for mail, file shares
//! and ticket attachments.
//!
//! The page renders through the one chain ([`pipeline::build`] with
//! `export` set and no sink, so nothing is written but the file): the
//! planner makes a single job with the `export.html` template, and features
//! add their own pages as data (a guide's steps, linked by `#anchors`).
//! This module then makes the result stand alone ([`inline`]):
//!
//! - stylesheets become `<style>` elements and images, icons and the
//!   `url()`s of stylesheets become `data:` URLs, read only from the
//!   build's files (so nothing outside the site root is ever read);
//! - `<script>` elements are dropped: the file needs none;
//! - links into the page itself become fragments; links to other pages of the
//!   site become absolute with an absolute `base_url`, and are otherwise
//!   replaced by their text (a relative link cannot work from a mail
//!   attachment; `export.html` says so in its footer);
//! - a `<meta http-equiv="Content-Security-Policy">` after `<meta charset>`
//!   lets the file run no script and load nothing but its own `data:` URLs
//!   and inline styles (the file is opened from disk or mail, where no
//!   server sends a policy; see the README for the trade-off).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::Document;
use crate::pipeline::{self, BuildOptions, load_config};
use crate::plan::OutputBody;
use crate::text::escape_attr;
use crate::urls::{UrlMode, output_file};

/// What to export and where.
#[derive(Debug, Clone)]
pub(crate) struct ExportOptions {
    pub root: PathBuf,
    /// A content path (`roles/vcio.md`) or a URL path (`/decide/`).
    pub page: String,
    /// The file to write.
    pub out: PathBuf,
    /// Overrides `base_url` (links to other pages are absolute with one).
    pub base_url: Option<String>,
    pub include_drafts: bool,
}

/// What an export wrote, for the summary line.
#[derive(Debug)]
pub(crate) struct Exported {
    /// The exported document's content file.
    pub source: String,
    pub bytes: usize,
    /// Stylesheets, images and icons inlined.
    pub inlined: usize,
    /// Links to other pages replaced by their text (no absolute base_url).
    pub unlinked: usize,
    pub warnings: Vec<Diagnostic>,
}

/// The policy the exported file declares for itself: its inline styles and
/// `data:` URLs, nothing else (no script, no network).
pub(crate) const FILE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; media-src data:; base-uri 'none'; form-action 'none'";

/// Renders `options.page` with `export.html`, inlines what it uses and
/// writes `options.out` (replacing a file, never a folder).
pub(crate) fn export(options: &ExportOptions) -> Result<Exported, Diagnostics> {
    check_target(&options.out)?;
    let mut build = BuildOptions {
        root: options.root.clone(),
        base_url: options.base_url.clone(),
        include_drafts: options.include_drafts,
        url_mode: None,
        export: Some(options.page.clone()),
        // The export reads the page's text again (its links' places).
        one_shot: false,
    };
    let config = load_config(&build)?;
    let base = if is_absolute_url(&config.base_url) {
        config.base_url.clone()
    } else {
        // Root-relative site paths, which `inline` can tell from other URLs.
        build.url_mode = Some(UrlMode::Absolute {
            base: String::new(),
        });
        String::new()
    };
    let built = pipeline::build(&build, None)?;
    let site = built.state.site();
    let id = site.find_document(&options.page)?;
    let doc = &site.docs[id];
    let file = output_file(&doc.path);
    let html = built
        .output
        .files
        .get(&file)
        .and_then(|b| b.bytes().ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .ok_or_else(|| Diagnostic::general(format!("the export of {file} was not rendered")))?;
    let page = Page {
        files: &built.output.files,
        base: &base,
        path: &doc.path,
        doc,
    };
    let (html, counts) = inline(&html, &page)?;
    write_file(&options.out, html.as_bytes())?;
    Ok(Exported {
        source: doc.display_path.display().to_string(),
        bytes: html.len(),
        inlined: counts.inlined,
        unlinked: counts.unlinked,
        warnings: built.warnings,
    })
}

fn is_absolute_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// The output must be a file in an existing folder; a folder is never
/// replaced.
fn check_target(out: &Path) -> Result<(), Diagnostic> {
    if out.is_dir() {
        return Err(Diagnostic::general(format!(
            "--single-file {} is a folder; the export is one file",
            out.display()
        ))
        .with_help("name the file to write, such as guide.html"));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Diagnostic::general(format!(
            "--single-file {}: the folder {} does not exist",
            out.display(),
            parent.display()
        ))
        .with_help("create the folder first, or name a file in an existing one"));
    }
    Ok(())
}

/// Writes through a temporary file beside `out`, so a failed export never
/// leaves half a file behind.
fn write_file(out: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: &dyn std::fmt::Display| {
        Diagnostic::general(format!("cannot write {}: {e}", out.display()))
    };
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| fail(&e))?;
    tmp.write_all(bytes).map_err(|e| fail(&e))?;
    tmp.persist(out).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// The rendered page being made self-contained.
pub(crate) struct Page<'a> {
    /// The build's files, by output path (`css/guidepost.css`).
    pub files: &'a BTreeMap<String, OutputBody>,
    /// The absolute `base_url`, or empty (links are site paths).
    pub base: &'a str,
    /// The page's site path (`/decide/`).
    pub path: &'a str,
    /// Its document, to place errors in its source.
    pub doc: &'a Document,
}

/// What [`inline`] changed.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub inlined: usize,
    pub unlinked: usize,
}

/// Where a URL in the page points.
#[derive(Debug, PartialEq)]
enum Target {
    /// `#x` on this page.
    Fragment,
    /// A path of the site (`/css/x.css`) and what follows it (`#a`, `?b`).
    Site { path: String, suffix: String },
    /// Another site, `mailto:`, `data:`...
    Elsewhere,
}

/// Classifies `url` as found in a document at site path `from`.
fn target(url: &str, base: &str, from: &str) -> Target {
    let url = url.trim();
    if url.starts_with('#') {
        return Target::Fragment;
    }
    let site_relative = if !base.is_empty()
        && let Some(rest) = url.strip_prefix(base)
        && (rest.is_empty() || rest.starts_with(['/', '#', '?']))
    {
        format!("/{}", rest.trim_start_matches('/'))
    } else if url.starts_with("//") || has_scheme(url) {
        return Target::Elsewhere;
    } else if url.starts_with('/') {
        url.to_string()
    } else {
        let dir = &from[..from.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{url}")
    };
    let (path, suffix) = match site_relative.find(['#', '?']) {
        Some(i) => site_relative.split_at(i),
        None => (site_relative.as_str(), ""),
    };
    Target::Site {
        path: normalize(path),
        suffix: suffix.to_string(),
    }
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Resolves `.` and `..` segments (never above the site root) and
/// percent-escapes, keeping a trailing `/`.
fn normalize(path: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for s in path.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(percent_decode(s)),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut joined = format!("/{}", out.join("/"));
    if trailing && joined != "/" {
        joined.push('/');
    }
    joined
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Page<'_> {
    /// The bytes of the site's file at site path `path`, if there is one.
    fn file(&self, path: &str) -> Option<(String, Vec<u8>)> {
        let key = output_file(path);
        let body = self.files.get(&key)?;
        body.bytes().ok().map(|b| (key, b.into_owned()))
    }

    /// A `data:` URL of the site's file at `path`.
    fn data_url(&self, path: &str) -> Option<String> {
        let (key, bytes) = self.file(path)?;
        let mime = mime_guess::from_path(&key).first_or_octet_stream();
        Some(format!("data:{mime};base64,{}", base64(&bytes)))
    }

    /// A file the page names but the site does not have: an error in the
    /// page's source when the URL is written there, else in the template.
    fn missing(&self, url: &str) -> Diagnostic {
        let message = format!(
            "`{url}` names no file of the site, so the single-file export of {} cannot include it",
            self.doc.display_path.display()
        );
        let help = "fix the link, or add the file (static/, or beside the page's Markdown file)";
        match self.doc.source.find(url) {
            Some(at) => Diagnostic::at(
                self.doc.display_path.clone(),
                self.doc.source.clone(),
                at..at + url.len(),
                message,
            ),
            None => Diagnostic::general(format!("{message} (it comes from the template)")),
        }
        .with_help(help)
    }

    /// A stylesheet's text with its `url()`s inlined, safe inside `<style>`.
    fn stylesheet(&self, path: &str, counts: &mut Counts) -> Option<String> {
        let (_, bytes) = self.file(path)?;
        let css = String::from_utf8_lossy(&bytes);
        let css = inline_css_urls(&css, &mut |url| match target(url, self.base, path) {
            Target::Site { path, .. } => self.data_url(&path).inspect(|_| counts.inlined += 1),
            _ => None,
        });
        Some(escape_style_end(&css))
    }
}

/// Makes the rendered page at `page` self-contained (see the module docs).
pub(crate) fn inline(html: &str, page: &Page) -> Result<(String, Counts), Diagnostics> {
    let counts = RefCell::new(Counts::default());
    let errors: RefCell<Vec<Diagnostic>> = RefCell::new(Vec::new());
    let policy = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{FILE_POLICY}\">");
    let has_charset = html.to_ascii_lowercase().contains("<meta charset");
    let self_path =
        |path: &str| path == page.path || path == format!("{}index.html", page.path).as_str();
    let result = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!("script", |el| {
                    el.remove();
                    Ok(())
                }),
                element!("meta[charset]", |el| {
                    el.after(&format!("\n{policy}"), ContentType::Html);
                    Ok(())
                }),
                element!("head", |el| {
                    if !has_charset {
                        el.prepend(&format!("\n{policy}"), ContentType::Html);
                    }
                    Ok(())
                }),
                element!("link[href]", |el| {
                    let href = el.get_attribute("href").unwrap_or_default();
                    let rel = el.get_attribute("rel").unwrap_or_default().to_lowercase();
                    let rels: Vec<&str> = rel.split_whitespace().collect();
                    let Target::Site { path, .. } = target(&href, page.base, page.path) else {
                        return Ok(());
                    };
                    if rels.contains(&"stylesheet") {
                        let mut c = counts.borrow_mut();
                        match page.stylesheet(&path, &mut c) {
                            Some(css) => {
                                c.inlined += 1;
                                // A `media` condition (the dark syntax theme) stays.
                                let media = el.get_attribute("media").map_or(String::new(), |m| {
                                    format!(" media=\"{}\"", escape_attr(&m))
                                });
                                el.replace(
                                    &format!("<style{media}>\n{css}</style>"),
                                    ContentType::Html,
                                );
                            }
                            None => errors.borrow_mut().push(page.missing(&href)),
                        }
                    } else if rels.iter().any(|r| r.ends_with("icon")) {
                        match page.data_url(&path) {
                            Some(data) => {
                                el.set_attribute("href", &data)?;
                                counts.borrow_mut().inlined += 1;
                            }
                            None => el.remove(),
                        }
                    } else if page.base.is_empty() {
                        // canonical, alternate...: nothing to point at offline.
                        el.remove();
                    } else {
                        el.set_attribute("href", &format!("{}{}", page.base, path))?;
                    }
                    Ok(())
                }),
                element!("a[href]", |el| {
                    let href = el.get_attribute("href").unwrap_or_default();
                    if let Target::Site { path, suffix } = target(&href, page.base, page.path) {
                        let fragment = suffix.find('#').map(|i| &suffix[i..]);
                        if self_path(&path) && (fragment.is_some() || page.base.is_empty()) {
                            // A bare link to the page itself with an absolute
                            // base_url stays: it is "the page online".
                            el.set_attribute("href", fragment.unwrap_or("#top"))?;
                        } else if page.base.is_empty() {
                            el.remove_and_keep_content();
                            counts.borrow_mut().unlinked += 1;
                        } else {
                            el.set_attribute("href", &format!("{}{path}{suffix}", page.base))?;
                        }
                    }
                    Ok(())
                }),
                element!("[src]", |el| {
                    if el.removed() {
                        return Ok(()); // a script
                    }
                    let src = el.get_attribute("src").unwrap_or_default();
                    if let Target::Site { path, .. } = target(&src, page.base, page.path) {
                        match page.data_url(&path) {
                            Some(data) => {
                                el.set_attribute("src", &data)?;
                                counts.borrow_mut().inlined += 1;
                            }
                            None => errors.borrow_mut().push(page.missing(&src)),
                        }
                    }
                    Ok(())
                }),
                // Candidates of other sizes are not worth their bytes in a
                // file: `src` stays, inlined.
                element!("[srcset]", |el| {
                    el.remove_attribute("srcset");
                    Ok(())
                }),
            ],
            ..RewriteStrSettings::new()
        },
    );
    let errors = errors.into_inner();
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    let html = result.map_err(|e| {
        Diagnostic::general(format!(
            "cannot rewrite the export of {}: {e}",
            page.doc.display_path.display()
        ))
    })?;
    Ok((html, counts.into_inner()))
}

/// Replaces each `url(...)` in `css` whose target `data` can inline.
fn inline_css_urls(css: &str, data: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let Some(end) = rest.find(')') else {
            break;
        };
        let inner = rest[..end].trim();
        let url = inner.trim_matches(|c| c == '"' || c == '\'');
        match data(url) {
            Some(d) => out.push_str(&format!("\"{d}\"")),
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A stylesheet cannot end its `<style>` element early: `</style` becomes
/// the CSS escape `<\/style`.
fn escape_style_end(css: &str) -> String {
    let lower = css.to_ascii_lowercase();
    let mut out = String::with_capacity(css.len());
    let mut last = 0;
    for (i, _) in lower.match_indices("</style") {
        out.push_str(&css[last..i]);
        out.push_str("<\\/");
        last = i + 2;
    }
    out.push_str(&css[last..]);
    out
}

/// Standard base64 with padding (RFC 4648), for `data:` URLs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }

    #[test]
    fn urls_are_told_apart_by_where_they_point() {
        let site = |p: &str, s: &str| Target::Site {
            path: p.into(),
            suffix: s.into(),
        };
        assert_eq!(target("#x", "", "/a/"), Target::Fragment);
        assert_eq!(target("/css/x.css", "", "/a/"), site("/css/x.css", ""));
        assert_eq!(target("img.png", "", "/a/b/"), site("/a/b/img.png", ""));
        assert_eq!(target("../c/#k", "", "/a/b/"), site("/a/c/", "#k"));
        assert_eq!(target("../../../../x", "", "/a/"), site("/x", ""));
        assert_eq!(target("/a%20b.png", "", "/"), site("/a b.png", ""));
        assert_eq!(
            target(
                "https://kb.example/docs/r/?q#f",
                "https://kb.example/docs",
                "/"
            ),
            site("/r/", "?q#f")
        );
        assert_eq!(
            target("https://kb.example/docsx/", "https://kb.example/docs", "/"),
            Target::Elsewhere
        );
        for other in ["https://e.org/x.png", "//e.org/x", "mailto:a@b", "data:,x"] {
            assert_eq!(target(other, "", "/a/"), Target::Elsewhere, "{other}");
        }
    }

    #[test]
    fn css_urls_are_inlined_and_style_end_tags_escaped() {
        let css = "a{background:url( \"i.png\" )} b{src:url(f.woff)} c{x:url(https://e.org/y)}";
        let out = inline_css_urls(css, &mut |u| {
            (u == "i.png").then(|| "data:image/png;base64,AA==".into())
        });
        assert_eq!(
            out,
            "a{background:url(\"data:image/png;base64,AA==\")} b{src:url(f.woff)} c{x:url(https://e.org/y)}"
        );
        assert_eq!(
            escape_style_end("a{content:\"</STYLE>\"}"),
            "a{content:\"<\\/STYLE>\"}"
        );
    }
}
