//! Write stage: the single place where a build touches the output folder.
//!
//! The site is written into a fresh temporary folder beside the output folder
//! and swapped in only when every file was written, so a failed or killed
//! build leaves the previous output exactly as it was. Guidepost only ever
//! replaces a folder that carries its marker file, and never the site root,
//! `content/`, `themes/` or one of their ancestors.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::plan::{OutputBody, SiteOutput};

/// Name of the marker file that says "Guidepost made this folder".
pub const MARKER: &str = ".guidepost-output";

/// Checks that `out` may be replaced: it must not exist, be empty, or carry the marker,
/// and it must not be (or contain) the site's own sources.
pub fn check_replaceable(out: &Path, root: &Path) -> Result<(), Diagnostic> {
    let abs = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| absolute(p));
    let out_abs = abs(out);
    let root_abs = abs(root);
    for protected in [
        root_abs.clone(),
        root_abs.join("content"),
        root_abs.join("themes"),
        root_abs.join("templates"),
        root_abs.join("static"),
    ] {
        if protected.starts_with(&out_abs) {
            return Err(Diagnostic::general(format!(
                "refusing to use {} as the output folder: it is or contains the site's own {}",
                out.display(),
                protected.display()
            ))
            .with_help("choose an output folder such as `output` inside the site root"));
        }
    }
    if out.exists() {
        if !out.is_dir() {
            return Err(Diagnostic::general(format!(
                "output path {} exists and is not a folder",
                out.display()
            )));
        }
        let empty = fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out.join(MARKER).exists() {
            return Err(Diagnostic::general(format!(
                "refusing to replace {}: it is not empty and Guidepost did not create it (no {MARKER} file)",
                out.display()
            ))
            .with_help("pass --output with a new folder, or empty/remove that folder yourself"));
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// A new output folder being written beside the real one. Files can be
/// written while the site renders ([`Staging::write`]); [`Staging::finish`]
/// writes the rest and swaps the folder in. Dropped unfinished (a failed
/// build), it deletes itself and the previous output stays as it was.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    parent: PathBuf,
    name: String,
}

impl Staging {
    /// Checks that `out` may be replaced and creates the staging folder beside it.
    pub fn create(out: &Path, root: &Path) -> Result<Staging, Diagnostic> {
        check_replaceable(out, root)?;
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        fs::create_dir_all(&parent)
            .map_err(|e| Diagnostic::general(format!("cannot create {}: {e}", parent.display())))?;
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output")
            .to_string();
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.guidepost-new-"))
            .tempdir_in(&parent)
            .map_err(|e| {
                Diagnostic::general(format!(
                    "cannot create a temporary folder in {}: {e}",
                    parent.display()
                ))
            })?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            parent,
            name,
        })
    }

    /// Writes one output file now (from any thread); returns where it went.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let target = self.dir.path().join(rel);
        match fs::write(&target, bytes) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(p) = target.parent() {
                    fs::create_dir_all(p)?;
                }
                fs::write(&target, bytes)?;
            }
            Err(e) => return Err(e),
        }
        Ok(target)
    }

    /// Writes every file not written yet, the marker, and swaps the folder in.
    pub fn finish(self, site: &SiteOutput) -> Result<usize, Diagnostic> {
        let staging = self.dir.path();
        let results: Vec<Result<(), Diagnostic>> = site
            .files
            .par_iter()
            .map(|(path, body)| {
                let target = staging.join(path);
                let result = match body {
                    OutputBody::Disk(src) if *src == target => Ok(()),
                    OutputBody::Disk(src) => {
                        let _ = target.parent().map(fs::create_dir_all);
                        fs::copy(src, &target).map(|_| ())
                    }
                    other => other.bytes().and_then(|b| self.write(path, &b).map(|_| ())),
                };
                result.map_err(|e| Diagnostic::general(format!("cannot write {path}: {e}")))
            })
            .collect();
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        let mut marker = fs::File::create(staging.join(MARKER))
            .map_err(|e| Diagnostic::general(format!("cannot write marker: {e}")))?;
        let _ =
            marker.write_all(b"This folder is written by Guidepost and replaced on every build.\n");
        drop(marker);

        // Swap: move the old output aside, move the new one in, then delete the old.
        let (out, parent, name) = (self.out.clone(), self.parent.clone(), self.name.clone());
        let staging_path = self.dir.keep();
        let old = if out.exists() {
            let old = parent.join(format!(".{name}.guidepost-old-{}", std::process::id()));
            fs::rename(&out, &old).map_err(|e| {
                Diagnostic::general(format!("cannot move the old output aside: {e}"))
            })?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = fs::rename(&staging_path, &out) {
            if let Some(old) = &old {
                let _ = fs::rename(old, &out);
            }
            let _ = fs::remove_dir_all(&staging_path);
            return Err(Diagnostic::general(format!(
                "cannot move the new output into place: {e}"
            )));
        }
        if let Some(old) = old {
            let _ = fs::remove_dir_all(old);
        }
        Ok(site.files.len())
    }
}
