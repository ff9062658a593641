//! `guidepost init DIR`: a new site that builds at once with the built-in theme.

use std::fs;
use std::path::Path;

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
