//! Load stage: find and read every file a build needs (content, theme, static files).
//!
//! Nothing here interprets Markdown or templates; it only decides which file is
//! what, reads text in parallel, and reports files it cannot read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;

/// A Markdown file under `content/`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to `content/`, with `/` separators: `roles/vcio.md`.
    pub rel_path: String,
    /// Path relative to the site root, for messages: `content/roles/vcio.md`.
    pub display_path: PathBuf,
    /// Whole text of the file.
    pub text: Arc<str>,
}

/// A non-Markdown file under `content/` (an image next to a page, a PDF...).
#[derive(Debug, Clone)]
pub struct AssetFile {
    /// Path relative to `content/`, with `/` separators.
    pub rel_path: String,
    /// Absolute path on disk.
    pub abs_path: PathBuf,
}

/// Everything found under `content/`.
#[derive(Debug, Default)]
pub struct ContentFiles {
    pub markdown: Vec<SourceFile>,
    pub assets: Vec<AssetFile>,
}

/// True for files editors leave behind while saving (swap, backup, lock files).
pub fn is_editor_temp_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with(".#")
        || name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.starts_with('#') && name.ends_with('#')
        || name == "4913"
}

/// A dotfile a `static/` folder holds for the output (`.gitkeep`,
/// `.nojekyll`, `.htaccess`): Zola copies these. Editors' temporary files
/// and macOS's `.DS_Store` are not.
pub fn is_static_dotfile(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.len() > 1
        && name.starts_with('.')
        && !name.starts_with(".#")
        && name != ".DS_Store"
        && !is_editor_temp_file(Path::new(&name[1..]))
        && path.components().any(|c| c.as_os_str() == "static")
}

/// `a/b/c` relative path with forward slashes.
pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The site root with every symlink resolved: the one folder a build may read from.
pub fn site_root(root: &Path) -> Result<PathBuf, Diagnostic> {
    std::fs::canonicalize(root)
        .map_err(|e| Diagnostic::general(format!("cannot open site root {}: {e}", root.display())))
}

/// Checks that `path` (which exists) resolves to a place inside `root`
/// (canonical): a symlink anywhere on the way that leaves the site is an
/// error naming the link and where it points, so a pull request cannot
/// publish `/etc` by adding `static -> /etc`.
pub fn check_inside(root: &Path, path: &Path) -> Result<PathBuf, Diagnostic> {
    let shown = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let target = std::fs::canonicalize(path).map_err(|e| {
        let to = std::fs::read_link(path)
            .map(|t| format!(" (a symlink to {})", t.display()))
            .unwrap_or_default();
        Diagnostic::in_file(
            &shown,
            format!("cannot resolve {}{to}: {e}", shown.display()),
        )
        .with_help("remove the broken symlink or point it at a file inside the site")
    })?;
    if target.starts_with(root) {
        return Ok(target);
    }
    // Name the link that leaves: the first component on the way that is a symlink.
    let mut link = root.to_path_buf();
    let rel = path.strip_prefix(root).unwrap_or(path);
    for part in rel.components() {
        link.push(part);
        if link.is_symlink() {
            break;
        }
    }
    let link_shown = link.strip_prefix(root).unwrap_or(&link).to_path_buf();
    let points_to = std::fs::read_link(&link).unwrap_or_else(|_| target.clone());
    Err(Diagnostic::in_file(
        &link_shown,
        format!(
            "symlink {} points outside the site, to {} ({}): Guidepost reads only files inside the site root",
            link_shown.display(),
            points_to.display(),
            target.display()
        ),
    )
    .with_help("copy the files into the site, or remove the symlink"))
}

/// Every file under `dir` (which must lie inside the canonical `root`),
/// sorted by name, following symlinks only while they stay inside the root.
/// Loops and links that leave the root are errors; `skip_hidden` leaves out
/// dot-folders and dot-files below `dir`.
pub fn walk_inside(root: &Path, dir: &Path, skip_hidden: bool) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    if let Err(e) = check_inside(root, dir) {
        return (Vec::new(), vec![e]);
    }
    let escapes = std::cell::RefCell::new(Vec::new());
    let mut files = Vec::new();
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0
                && skip_hidden
                && e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
            {
                return false;
            }
            if e.path_is_symlink()
                && let Err(d) = check_inside(root, e.path())
            {
                escapes.borrow_mut().push(d);
                return false;
            }
            true
        });
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
            Ok(_) => {}
            Err(e) => {
                let at = e
                    .path()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf());
                let message = match (e.loop_ancestor(), &at) {
                    (Some(anc), Some(p)) => format!(
                        "symlink loop: {} leads back to {}",
                        p.display(),
                        anc.strip_prefix(root).unwrap_or(anc).display()
                    ),
                    _ => format!("cannot read: {e}"),
                };
                errors.push(match at {
                    Some(p) => Diagnostic::in_file(p, message),
                    None => Diagnostic::general(message),
                });
            }
        }
    }
    errors.extend(escapes.into_inner());
    (files, errors)
}

/// Walks `root/content` and reads every Markdown file (in parallel). A site
/// without a `content/` folder is an error: building it would replace a
/// good output with an empty site.
pub fn content_files(root: &Path) -> Result<ContentFiles, Vec<Diagnostic>> {
    content_files_knowing(root, &|_| None)
}

/// [`content_files`] for the dev server: a Markdown file for which `known`
/// returns a text (one the watcher did not report changed since it was
/// last read) keeps that text instead of being read again.
pub fn content_files_knowing(
    root: &Path,
    known: &(dyn Fn(&str) -> Option<Arc<str>> + Sync),
) -> Result<ContentFiles, Vec<Diagnostic>> {
    let root = site_root(root).map_err(|e| vec![e])?;
    let content = root.join("content");
    if !content.is_dir() && !content.is_symlink() {
        return Err(vec![
            Diagnostic::general(format!(
                "the site has no content/ folder ({})",
                content.display()
            ))
            .with_help("create content/_index.md (or run `guidepost init DIR` for a new site)"),
        ]);
    }
    let mut md_paths = Vec::new();
    let mut assets = Vec::new();
    let (paths, mut errors) = walk_inside(&root, &content, true);
    for path in paths {
        if is_editor_temp_file(&path) {
            continue;
        }
        let rel = slash_path(path.strip_prefix(&content).unwrap_or(&path));
        if rel.ends_with(".md") {
            md_paths.push((rel, path));
        } else {
            assets.push(AssetFile {
                rel_path: rel,
                abs_path: path,
            });
        }
    }
    let read: Vec<Result<SourceFile, Diagnostic>> = md_paths
        .into_par_iter()
        .map(|(rel_path, abs)| {
            let display_path = PathBuf::from("content").join(&rel_path);
            if let Some(text) = known(&rel_path) {
                return Ok(SourceFile {
                    rel_path,
                    display_path,
                    text,
                });
            }
            match std::fs::read_to_string(&abs) {
                Ok(text) => Ok(SourceFile {
                    rel_path,
                    display_path,
                    text: Arc::from(text),
                }),
                Err(e) => Err(unreadable(display_path, e)),
            }
        })
        .collect();
    let mut markdown = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(f) => markdown.push(f),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(ContentFiles { markdown, assets })
    } else {
        Err(errors)
    }
}

/// The error for a content file that cannot be read.
fn unreadable(display_path: PathBuf, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::in_file(display_path, format!("cannot read file: {e}"))
        .with_help("content files must be readable UTF-8 text")
}

/// [`read_source`] for a file the walk found before: `None` when it is gone
/// since (the walk would not find it either), an error as the walk gives
/// when it cannot be read (a broken symlink is there, and an error).
pub fn read_if_present(root: &Path, rel_path: &str) -> Result<Option<SourceFile>, Diagnostic> {
    let path = root.join("content").join(rel_path);
    if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(None);
    }
    read_source(root, rel_path)
        .map(Some)
        .map_err(|e| unreadable(PathBuf::from("content").join(rel_path), e))
}

/// Reads one content file (used by incremental rebuilds); like the full
/// walk, it refuses a file that resolves outside the site root.
pub fn read_source(root: &Path, rel_path: &str) -> std::io::Result<SourceFile> {
    let display_path = PathBuf::from("content").join(rel_path);
    let root = std::fs::canonicalize(root)?;
    let path = check_inside(&root, &root.join(&display_path))
        .map_err(|d| std::io::Error::new(std::io::ErrorKind::PermissionDenied, d.message))?;
    let text = std::fs::read_to_string(path)?;
    Ok(SourceFile {
        rel_path: rel_path.to_string(),
        display_path,
        text: Arc::from(text),
    })
}
