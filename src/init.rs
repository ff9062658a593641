//! `guidepost init DIR`: a new site that builds at once with the built-in theme;
//! `guidepost new PATH`: a new content file from an archetype.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

const CONFIG: &str = r#"title = "My knowledge site"
description = "Explains the options and helps readers decide."
# "" writes relative links: the output works from any folder, subpath or file://.
# Set a full URL such as "https://example.org/docs" to get absolute links and a sitemap.
base_url = ""
# With relative links, the path a host serves the site from ("/" or "/kb/"), so that
# the 404 page works for missing URLs in subfolders too. The build warns without it.
# served_path = "/"
language = "en"
taxonomies = [{ name = "tags", feed = false }]

[markdown]
smart_punctuation = true

[extra]
footer = "Built with Guidepost."
"#;

const HOME: &str = r#"+++
title = "Welcome"
description = "What this site helps you decide."
sort_by = "weight"
+++

This site explains your options. Start with [the first guide](@/first-guide.md).
"#;

const FIRST_PAGE: &str = r#"+++
title = "A first guide"
description = "An example page: edit or replace it."
weight = 1
[taxonomies]
tags = ["example"]
+++

## What this page is

Pages are Markdown files under `content/` with front matter between `+++` lines.
Link to other pages with `@/` paths, such as [the home page](@/_index.md).

## Next steps

- Run `guidepost serve` and edit this file: the browser reloads by itself.
- Run `guidepost build` to write the site into `output/`.
"#;

/// Creates a new site in `dir`, which must not exist or be empty.
pub fn init_site(dir: &Path) -> Result<(), Diagnostic> {
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(Diagnostic::general(format!(
                "{} already exists and is not empty",
                dir.display()
            ))
            .with_help("choose a new folder name; init never overwrites files"));
        }
    }
    let write = |rel: &str, text: &str| -> Result<(), Diagnostic> {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)
                .map_err(|e| Diagnostic::general(format!("cannot create {}: {e}", p.display())))?;
        }
        fs::write(&path, text)
            .map_err(|e| Diagnostic::general(format!("cannot write {}: {e}", path.display())))
    };
    write("guidepost.toml", CONFIG)?;
    write("content/_index.md", HOME)?;
    write("content/first-guide.md", FIRST_PAGE)?;
    write(".gitignore", "/output\n")?;
    Ok(())
}

/// `guidepost new section/page.md`: a new content file from the site's
/// archetype (`archetypes/SECTION.md`, else `archetypes/default.md`), else
/// a draft with a title and today's date. `{{ title }}` and `{{ date }}` in
/// an archetype are filled in (the title from the file name).
pub(crate) fn new_content(root: &Path, rel: &str) -> Result<PathBuf, Diagnostic> {
    let rel = if rel.ends_with(".md") {
        rel.to_string()
    } else {
        format!("{rel}.md")
    };
    let rel = rel.trim_start_matches("content/").trim_start_matches('/');
    if rel.split('/').any(|p| p == "..") {
        return Err(Diagnostic::general(format!(
            "`{rel}` leaves the content folder"
        )));
    }
    let target = root.join("content").join(rel);
    if target.exists() {
        return Err(Diagnostic::general(format!(
            "{} already exists",
            target.display()
        )));
    }
    let section = rel.split('/').next().filter(|_| rel.contains('/'));
    let archetype = section
        .map(|s| root.join("archetypes").join(format!("{s}.md")))
        .filter(|p| p.is_file())
        .or_else(|| Some(root.join("archetypes/default.md")).filter(|p| p.is_file()));
    let text = match &archetype {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| Diagnostic::general(format!("cannot read {}: {e}", p.display())))?,
        None => "+++\ntitle = \"{{ title }}\"\ndate = {{ date }}\ndraft = true\n+++\n".to_string(),
    };
    let stem = rel
        .trim_end_matches(".md")
        .trim_end_matches("/index")
        .rsplit('/')
        .next()
        .unwrap_or("page");
    let words = stem.replace(['-', '_'], " ");
    let mut chars = words.chars();
    let title = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default();
    let text = text
        .replace("{{ title }}", &title.replace('"', "\\\""))
        .replace("{{ date }}", &today());
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Diagnostic::general(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&target, text)
        .map_err(|e| Diagnostic::general(format!("cannot write {}: {e}", target.display())))?;
    Ok(target)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
