//! Files every site gets besides its pages, planned as ordinary template
//! jobs: `robots.txt`, `sitemap.xml` (absolute mode), feeds (site-wide with
//! `generate_feeds`, per section, per taxonomy term; one per name in
//! `feed_filenames`, so `atom.xml` and/or `rss.xml`). Their templates are
//! built in (`templates/builtin/`) and a theme or site overrides them by
//! name, as in Zola. The sitemap lists the pages the other jobs write, so
//! these jobs are planned after all others ([`jobs`]).

use rayon::prelude::*;
use tera::{Map, Value};

use super::values::static_object;
use crate::diagnostics::Diagnostic;
use crate::model::{DocId, DocKind, Document, Site};
use crate::plan::{Job, JobKind, OutputBody, SiteOutput};
use crate::urls::{UrlMode, relativize, relativize_html};

/// The generated files' jobs, given every job already planned (path and kind).
pub(super) fn jobs<'a>(
    site: &Site,
    values: &[Value],
    planned: impl Iterator<Item = (&'a str, &'a JobKind)>,
) -> Vec<Job> {
    let config = &site.config;
    let absolute_http = !site.url_mode.is_relative() && config.base_url.contains("://");
    let mut jobs = Vec::new();
    if config.generate_robots_txt {
        let sitemap = if absolute_http && config.generate_sitemap {
            Value::from(site.permalink("/sitemap.xml"))
        } else {
            Value::none()
        };
        jobs.push(Job::template(
            "/robots.txt",
            "robots.txt",
            vec![("sitemap", sitemap)],
            "generated robots.txt",
        ));
    }
    if absolute_http && config.generate_sitemap {
        let mut paths: Vec<&str> = planned
            .filter(|(p, k)| p.ends_with('/') && matches!(k, JobKind::Template(_)))
            .map(|(p, _)| p)
            .collect();
        paths.par_sort_unstable();
        paths.dedup();
        let by_path: rustc_hash::FxHashMap<&str, &crate::model::Document> =
            site.docs.iter().map(|d| (d.path.as_str(), d)).collect();
        // Ten thousand of them at 10k pages: on rayon.
        let entries: Vec<Value> = paths
            .into_par_iter()
            .map(|path| {
                let updated = by_path
                    .get(path)
                    .and_then(|d| d.meta.updated.as_ref().or(d.meta.date.as_ref()))
                    .map(|x| x.0[..x.0.len().min(10)].to_string());
                static_object(&[
                    ("permalink", Value::from(site.permalink(path))),
                    ("updated", Value::from(updated)),
                ])
            })
            .collect();
        jobs.push(Job::template(
            "/sitemap.xml",
            "sitemap.xml",
            vec![("entries", Value::from(entries))],
            "generated sitemap.xml",
        ));
    }

    let mut feeds: Vec<Feed> = Vec::new();
    if config.generate_feeds {
        let mut pages: Vec<DocId> = (0..site.docs.len())
            .filter(|&i| {
                let d = &site.docs[i];
                d.kind == DocKind::Page && d.meta.date.is_some() && d.meta.render != Some(false)
            })
            .collect();
        pages.sort_by_key(|&i| i);
        feeds.push(Feed {
            html_path: "/".into(),
            title: config.title.clone(),
            pages,
            what: None,
        });
    }
    for (id, d) in site.docs.iter().enumerate() {
        if d.kind == DocKind::Section
            && d.meta.feed == Some(true)
            && !(d.path == "/" && config.generate_feeds)
        {
            feeds.push(Feed {
                html_path: d.path.clone(),
                title: d.title.clone(),
                pages: d.pages.clone(),
                what: Some(("section", values[id].clone())),
            });
        }
    }
    for t in site.taxonomies.iter().filter(|t| t.feed) {
        for term in &t.terms {
            let mut m = Map::new();
            m.insert("name".into(), Value::from(term.name.clone()));
            m.insert("slug".into(), Value::from(term.slug.clone()));
            m.insert(
                "permalink".into(),
                Value::from(site.permalink(&format!("/{}/{}/", t.slug, term.slug))),
            );
            m.insert(
                "path".into(),
                Value::from(format!("/{}/{}/", t.slug, term.slug)),
            );
            m.insert("page_count".into(), Value::from(term.pages.len()));
            feeds.push(Feed {
                html_path: format!("/{}/{}/", t.slug, term.slug),
                title: format!("{} — {}", config.title, term.name),
                pages: term.pages.clone(),
                what: Some(("term", Value::from(m))),
            });
        }
    }
    for Feed {
        html_path,
        title,
        pages,
        what,
    } in feeds
    {
        for name in &config.feed_filenames {
            let feed_path = format!("{html_path}{name}");
            let mut vars = feed_vars(site, values, &title, &html_path, &feed_path, &pages);
            vars.extend(what.clone());
            jobs.push(Job::template(
                feed_path,
                name.clone(),
                vars,
                format!("generated feed of {html_path}"),
            ));
        }
    }
    jobs
}

/// One feed to write (in every `feed_filenames` format).
struct Feed {
    /// The page the feed belongs to (`/`, `/blog/`, `/tags/rust/`).
    html_path: String,
    title: String,
    pages: Vec<DocId>,
    /// The template variable naming what it is (`section`, `term`).
    what: Option<(&'static str, Value)>,
}

/// Variables of one feed: our `entries` (dates, links and content ready for
/// XML in this URL mode) and Zola's `pages`, `feed_url`, `last_updated`.
fn feed_vars(
    site: &Site,
    values: &[Value],
    title: &str,
    html_path: &str,
    feed_path: &str,
    pages: &[DocId],
) -> Vec<(&'static str, Value)> {
    let link = |path: &str| match &site.url_mode {
        UrlMode::Relative => relativize(feed_path, path).unwrap_or_else(|| path.to_string()),
        _ => site.permalink(path),
    };
    let when = |d: &Document| d.meta.updated.clone().or_else(|| d.meta.date.clone());
    let mut pages: Vec<DocId> = pages.to_vec();
    pages.sort_by(|&a, &b| when(&site.docs[b]).cmp(&when(&site.docs[a])));
    if let Some(limit) = site.config.feed_limit {
        pages.truncate(limit);
    }
    let last = pages.iter().filter_map(|&p| when(&site.docs[p])).max();
    let updated = last
        .as_ref()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let entries: Vec<Value> = pages
        .iter()
        .map(|&p| {
            let d = &site.docs[p];
            let authors: Vec<String> = if d.meta.authors.is_empty() {
                site.config.author.iter().cloned().collect()
            } else {
                d.meta.authors.clone()
            };
            let content = d.rendered.summary.as_deref().unwrap_or(d.rendered.html());
            let content = if site.url_mode.is_relative() {
                relativize_html(content, feed_path)
            } else {
                content.to_string()
            };
            static_object(&[
                ("title", Value::from(d.title.as_str())),
                ("url", Value::from(link(&d.path))),
                ("id", Value::from(site.permalink(&d.path))),
                (
                    "updated",
                    Value::from(when(d).map_or_else(|| updated.clone(), |x| x.rfc3339())),
                ),
                (
                    "published",
                    Value::from(d.meta.date.as_ref().map(|x| x.rfc3339())),
                ),
                (
                    "published_rfc2822",
                    Value::from(d.meta.date.as_ref().map(|x| rfc2822(&x.rfc3339()))),
                ),
                ("authors", Value::from(authors)),
                ("description", Value::from(d.meta.description.clone())),
                ("content", Value::from(content)),
            ])
        })
        .collect();
    vec![
        ("feed_title", Value::from(title)),
        ("feed_url", Value::from(link(feed_path))),
        ("feed_html_url", Value::from(link(html_path))),
        ("feed_id", Value::from(site.permalink(feed_path))),
        ("last_updated", Value::from(updated.clone())),
        ("last_updated_rfc2822", Value::from(rfc2822(&updated))),
        ("entries", Value::from(entries)),
        // Zola's feeds hold only pages with a date (its feed templates
        // format `page.date` unguarded).
        (
            "pages",
            Value::from(
                pages
                    .iter()
                    .filter(|&&p| site.docs[p].meta.date.is_some())
                    .map(|&p| values[p].clone())
                    .collect::<Vec<_>>(),
            ),
        ),
    ]
}

/// RFC 2822 form of an RFC 3339 date-time, for RSS (`Tue, 02 Jan 2024 00:00:00 +0000`).
fn rfc2822(rfc3339: &str) -> String {
    let num = |r: std::ops::Range<usize>| {
        rfc3339
            .get(r)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let time = rfc3339.get(11..19).unwrap_or("00:00:00");
    let offset = match rfc3339
        .get(19..)
        .map(|s| s.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit()))
    {
        Some(o) if o.len() == 6 => o.replace(':', ""),
        _ => "+0000".to_string(),
    };
    // Sakamoto's weekday.
    const T: [i64; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let yy = if m < 3 { y - 1 } else { y };
    let wd =
        (yy + yy / 4 - yy / 100 + yy / 400 + T[((m - 1).clamp(0, 11)) as usize] + d).rem_euclid(7);
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y:04} {time} {offset}",
        DAYS[wd as usize],
        MONTHS[((m - 1).clamp(0, 11)) as usize]
    )
}

/// `css/syntax-light.css` and `css/syntax-dark.css`, the token colours of
/// highlighted code from the configured themes (a theme's own static file
/// of that name wins).
pub(super) fn add_code_stylesheets(site: &Site, output: &mut SiteOutput) -> Result<(), Diagnostic> {
    let md = &site.config.markdown;
    if !md.highlight_code {
        return Ok(());
    }
    for (file, theme, default) in [
        (
            "css/syntax-light.css",
            &md.highlight_theme,
            crate::model::DEFAULT_LIGHT_THEME,
        ),
        (
            "css/syntax-dark.css",
            &md.highlight_theme_dark,
            crate::model::DEFAULT_DARK_THEME,
        ),
    ] {
        // An unknown theme was a warning of the model: the default's colours.
        let Some(css) =
            crate::highlight::stylesheet(theme).or_else(|| crate::highlight::stylesheet(default))
        else {
            continue;
        };
        output
            .files
            .entry(file.to_string())
            .or_insert_with(|| OutputBody::text(css));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_dates() {
        assert_eq!(
            rfc2822("2024-01-02T00:00:00Z"),
            "Tue, 02 Jan 2024 00:00:00 +0000"
        );
        assert_eq!(
            rfc2822("2026-11-27T13:05:00+01:00"),
            "Fri, 27 Nov 2026 13:05:00 +0100"
        );
    }
}
