//! Files every site gets besides its pages: the sitemap (absolute mode),
//! robots.txt, Atom feeds of sections and taxonomy terms, and the redirect
//! page of an alias.

use crate::diagnostics::Diagnostic;
use crate::model::{DocId, DocKind, Document, Site};
use crate::plan::{OutputBody, SiteOutput};
use crate::text::{escape_attr, xml_escape};
use crate::urls::{UrlMode, output_file, relativize, relativize_html};

/// The page an alias writes: a canonical link and an instant refresh.
pub(super) fn redirect_html(target: &str) -> String {
    let t = escape_attr(target);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting</title>\n<link rel=\"canonical\" href=\"{t}\">\n<meta http-equiv=\"refresh\" content=\"0; url={t}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n"
    )
}

/// Sitemap, robots.txt and Atom feeds.
pub(super) fn add_generated_files(site: &Site, output: &mut SiteOutput) {
    let absolute_http = !site.url_mode.is_relative() && site.config.base_url.contains("://");
    if absolute_http {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        let mut urls: Vec<(String, Option<String>)> = site
            .docs
            .iter()
            .map(|d| {
                (
                    d.path.clone(),
                    d.meta
                        .updated
                        .as_ref()
                        .or(d.meta.date.as_ref())
                        .map(|x| x.0.clone()),
                )
            })
            .collect();
        for t in &site.taxonomies {
            urls.push((format!("/{}/", t.slug), None));
            urls.extend(
                t.terms
                    .iter()
                    .map(|term| (format!("/{}/{}/", t.slug, term.slug), None)),
            );
        }
        urls.extend(
            output
                .files
                .keys()
                .filter(|k| k.ends_with("index.html"))
                .map(|k| (format!("/{}", k.trim_end_matches("index.html")), None)),
        );
        // Keep one entry per path, preferring the one that knows its date.
        urls.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        urls.dedup_by(|a, b| a.0 == b.0);
        for (path, lastmod) in urls {
            xml.push_str(&format!(
                "  <url><loc>{}</loc>",
                xml_escape(&site.permalink(&path))
            ));
            if let Some(l) = lastmod {
                xml.push_str(&format!(
                    "<lastmod>{}</lastmod>",
                    xml_escape(&l[..l.len().min(10)])
                ));
            }
            xml.push_str("</url>\n");
        }
        xml.push_str("</urlset>\n");
        output
            .files
            .insert("sitemap.xml".into(), OutputBody::text(xml));
    }
    let mut robots = String::from("User-agent: *\nDisallow:\n");
    if absolute_http {
        robots.push_str(&format!("Sitemap: {}\n", site.permalink("/sitemap.xml")));
    }
    output
        .files
        .insert("robots.txt".into(), OutputBody::text(robots));

    for d in &site.docs {
        if d.kind == DocKind::Section && d.meta.feed == Some(true) {
            let feed_path = format!("{}atom.xml", d.path);
            output.files.insert(
                output_file(&feed_path),
                OutputBody::text(atom_feed(site, &d.title, &d.path, &feed_path, &d.pages)),
            );
        }
    }
    for t in site.taxonomies.iter().filter(|t| t.feed) {
        for term in &t.terms {
            let path = format!("/{}/{}/", t.slug, term.slug);
            let feed_path = format!("{path}atom.xml");
            let title = format!("{} — {}", site.config.title, term.name);
            output.files.insert(
                output_file(&feed_path),
                OutputBody::text(atom_feed(site, &title, &path, &feed_path, &term.pages)),
            );
        }
    }
}

fn atom_feed(
    site: &Site,
    title: &str,
    html_path: &str,
    feed_path: &str,
    pages: &[DocId],
) -> String {
    let link = |path: &str| match &site.url_mode {
        UrlMode::Relative => relativize(feed_path, path).unwrap_or_else(|| path.to_string()),
        _ => site.permalink(path),
    };
    let mut pages: Vec<&Document> = pages.iter().map(|&p| &site.docs[p]).collect();
    pages.sort_by(|a, b| {
        b.meta
            .updated
            .as_ref()
            .or(b.meta.date.as_ref())
            .cmp(&a.meta.updated.as_ref().or(a.meta.date.as_ref()))
    });
    pages.truncate(50);
    let updated = pages
        .iter()
        .filter_map(|p| p.meta.updated.as_ref().or(p.meta.date.as_ref()))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <updated>{updated}</updated>\n  <id>{}</id>\n",
        xml_escape(&site.config.language),
        xml_escape(title),
        xml_escape(&link(feed_path)),
        xml_escape(&link(html_path)),
        xml_escape(&site.permalink(feed_path)),
    );
    for p in pages {
        let when = p
            .meta
            .updated
            .as_ref()
            .or(p.meta.date.as_ref())
            .map_or_else(|| updated.clone(), |d| d.rfc3339());
        let url = link(&p.path);
        xml.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <id>{}</id>\n    <updated>{when}</updated>\n",
            xml_escape(&p.title),
            xml_escape(&url),
            xml_escape(&site.permalink(&p.path)),
        ));
        if let Some(date) = &p.meta.date {
            xml.push_str(&format!("    <published>{}</published>\n", date.rfc3339()));
        }
        if let Some(desc) = &p.meta.description {
            xml.push_str(&format!("    <summary>{}</summary>\n", xml_escape(desc)));
        }
        let content = p.rendered.summary.as_deref().unwrap_or(p.rendered.html());
        let content = if site.url_mode.is_relative() {
            relativize_html(content, feed_path)
        } else {
            content.to_string()
        };
        xml.push_str(&format!(
            "    <content type=\"html\">{}</content>\n  </entry>\n",
            xml_escape(&content)
        ));
    }
    xml.push_str("</feed>\n");
    xml
}

/// `css/syntax-light.css` and `css/syntax-dark.css`, the token colours of
/// highlighted code from the configured themes (a theme's own static file
/// of that name wins).
pub(super) fn add_code_stylesheets(site: &Site, output: &mut SiteOutput) -> Result<(), Diagnostic> {
    let md = &site.config.markdown;
    if !md.highlight_code {
        return Ok(());
    }
    for (file, key, theme) in [
        (
            "css/syntax-light.css",
            "highlight_theme",
            &md.highlight_theme,
        ),
        (
            "css/syntax-dark.css",
            "highlight_theme_dark",
            &md.highlight_theme_dark,
        ),
    ] {
        let css = crate::highlight::stylesheet(theme).ok_or_else(|| {
            Diagnostic::in_file(
                crate::config::CONFIG_FILE,
                format!("[markdown] {key}: no code highlighting theme `{theme}`"),
            )
            .with_help(format!(
                "known themes: {}",
                crate::highlight::theme_names().join(", ")
            ))
        })?;
        output
            .files
            .entry(file.to_string())
            .or_insert_with(|| OutputBody::text(css));
    }
    Ok(())
}
