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

/// `a/b/c` relative path with forward slashes.
pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Walks `root/content` and reads every Markdown file (in parallel).
pub fn content_files(root: &Path) -> Result<ContentFiles, Vec<Diagnostic>> {
    let content = root.join("content");
    if !content.is_dir() {
        return Ok(ContentFiles::default());
    }
    let mut md_paths = Vec::new();
    let mut assets = Vec::new();
    let mut errors = Vec::new();
    for entry in WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
        })
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic::general(format!(
                    "cannot read content folder: {e}"
                )));
                continue;
            }
        };
        if !entry.file_type().is_file() || is_editor_temp_file(entry.path()) {
            continue;
        }
        let rel = slash_path(entry.path().strip_prefix(&content).unwrap_or(entry.path()));
        if rel.ends_with(".md") {
            md_paths.push((rel, entry.into_path()));
        } else {
            assets.push(AssetFile {
                rel_path: rel,
                abs_path: entry.into_path(),
            });
        }
    }
    let read: Vec<Result<SourceFile, Diagnostic>> = md_paths
        .into_par_iter()
        .map(|(rel_path, abs)| {
            let display_path = PathBuf::from("content").join(&rel_path);
            match std::fs::read_to_string(&abs) {
                Ok(text) => Ok(SourceFile {
                    rel_path,
                    display_path,
                    text: Arc::from(text),
                }),
                Err(e) => Err(
                    Diagnostic::in_file(display_path, format!("cannot read file: {e}"))
                        .with_help("content files must be readable UTF-8 text"),
                ),
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

/// Reads one content file (used by incremental rebuilds).
pub fn read_source(root: &Path, rel_path: &str) -> std::io::Result<SourceFile> {
    let display_path = PathBuf::from("content").join(rel_path);
    let text = std::fs::read_to_string(root.join(&display_path))?;
    Ok(SourceFile {
        rel_path: rel_path.to_string(),
        display_path,
        text: Arc::from(text),
    })
}
