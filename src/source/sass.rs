//! Load stage: Sass (Zola's `compile_sass = true`). Every `.scss`/`.sass`
//! file under the theme's `sass/` and the site's `sass/` becomes a CSS file
//! at the same relative path (`sass/css/site.scss` → `css/site.css`); files
//! whose name starts with `_` are partials, only imported. The `grass`
//! crate compiles (pure Rust, no external tool); its errors become
//! diagnostics at the Sass file's line and column.

use std::path::Path;
use std::sync::Arc;

use walkdir::WalkDir;

use super::content::{is_editor_temp_file, slash_path};
use crate::diagnostics::{Diagnostic, offset_of};

/// Compiles every non-partial Sass file under `dir` (`root`-relative names
/// in errors). Returns output-relative CSS paths and their text.
pub(crate) fn compile_dir(dir: &Path, root: &Path) -> Result<Vec<(String, String)>, Diagnostic> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry
            .map_err(|e| Diagnostic::general(format!("cannot read {}: {e}", dir.display())))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        let is_sass = path.extension().is_some_and(|e| e == "scss" || e == "sass");
        if !entry.file_type().is_file()
            || !is_sass
            || name.starts_with('_')
            || is_editor_temp_file(path)
        {
            continue;
        }
        let options = grass::Options::default().load_path(dir);
        let css = grass::from_path(path, &options).map_err(|e| sass_error(&e, path, root))?;
        let rel = slash_path(path.strip_prefix(dir).unwrap_or(path));
        let css_path = format!(
            "{}.css",
            rel.rsplit_once('.').map_or(rel.as_str(), |(s, _)| s)
        );
        out.push((css_path, css));
    }
    Ok(out)
}

/// A grass error as a diagnostic at the Sass file (the imported partial
/// when the error is in one) and line.
fn sass_error(e: &grass::Error, entry: &Path, root: &Path) -> Diagnostic {
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    match e.clone().kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => {
            let file = Path::new(loc.file.name());
            match std::fs::read_to_string(file) {
                Ok(text) => {
                    let start = offset_of(&text, loc.begin.line + 1, loc.begin.column + 1);
                    let end = offset_of(&text, loc.end.line + 1, loc.end.column + 1).max(start + 1);
                    Diagnostic::at(
                        rel(file),
                        Arc::from(text),
                        start..end,
                        format!("Sass error: {message}"),
                    )
                }
                Err(_) => Diagnostic::in_file(rel(entry), format!("Sass error: {message}")),
            }
        }
        other => Diagnostic::in_file(rel(entry), format!("Sass error: {other:?}")),
    }
}
