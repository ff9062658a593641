//! Write stage: the single place where a build touches the output folder.
//!
//! The site is written into a fresh temporary folder beside the output folder
//! and swapped in only when every file was written, so a failed or killed
//! build leaves the previous output exactly as it was. Guidepost only ever
//! replaces a folder that carries its marker file, and never the site root,
//! `content/`, `themes/` or one of their ancestors, and never a folder inside
//! `content/`, `static/`, `templates/` or `themes/`.
//!
//! Nothing is lost, whatever happens: builds of one output folder take turns
//! (a lock file beside it, `.NAME.guidepost-lock`); the new tree replaces the
//! old one in one atomic step (`renameat2(RENAME_EXCHANGE)` on Linux; two
//! renames elsewhere, with the next build putting the old tree back if a
//! build died between them); and the next build removes the staging folders
//! that killed builds left behind. A symlinked output folder is written
//! through: the tree replaces the symlink's target, and the link stays.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::plan::{OutputBody, SiteOutput};

/// Name of the marker file that says "Guidepost made this folder".
pub const MARKER: &str = ".guidepost-output";

/// Checks that `out` may be replaced: it must not exist, be empty, or carry the marker,
/// and it must not be (or contain, or lie inside) the site's own sources.
pub fn check_replaceable(out: &Path, root: &Path) -> Result<(), Diagnostic> {
    let out_abs = resolve(out);
    let root_abs = resolve(root);
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
        if protected != root_abs && out_abs.starts_with(&protected) {
            return Err(Diagnostic::general(format!(
                "refusing to use {} as the output folder: it lies inside the site's own {}, so every build would read the last one",
                out.display(),
                protected.display()
            ))
            .with_help("choose an output folder such as `output` inside the site root, outside content/ and static/"));
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

/// `p` made absolute with symlinks resolved as far as it exists (the rest
/// appended with `.` and `..` applied), so paths that do not exist yet
/// compare correctly with canonical ones.
fn resolve(p: &Path) -> PathBuf {
    let abs = absolute(p);
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                match part {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// A new output folder being written beside the real one. Files can be
/// written while the site renders ([`Staging::write`]); [`Staging::finish`]
/// writes the rest and swaps the folder in. Dropped unfinished (a failed
/// build), it deletes itself and the previous output stays as it was. It
/// holds the output's lock from creation to drop.
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
    parent: PathBuf,
    name: String,
    _lock: fs::File,
}

/// Name prefixes of this output's staging folders (`.output.guidepost-new-…`
/// while a build writes, `.output.guidepost-old-…` for the old tree during a
/// two-rename swap) and its lock file.
fn staging_prefix(name: &str, kind: &str) -> String {
    format!(".{name}.guidepost-{kind}-")
}

impl Staging {
    /// Takes the output's lock (waiting, with a message, while another build
    /// of the same output runs), repairs a swap a killed build left half done,
    /// removes staging folders killed builds left behind, checks that `out`
    /// may be replaced, and creates the staging folder beside it.
    pub fn create(out: &Path, root: &Path) -> Result<Staging, Diagnostic> {
        // A symlinked output folder is written through: its target is replaced.
        let out = if out.is_symlink() {
            fs::canonicalize(out).map_err(|e| {
                Diagnostic::general(format!(
                    "output folder {} is a symlink that cannot be followed: {e}",
                    out.display()
                ))
            })?
        } else {
            out.to_path_buf()
        };
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output")
            .to_string();
        // Refuse a bad output folder before creating anything beside it.
        check_replaceable(&out, root)?;
        fs::create_dir_all(&parent)
            .map_err(|e| Diagnostic::general(format!("cannot create {}: {e}", parent.display())))?;
        let lock = take_lock(&parent.join(format!(".{name}.guidepost-lock")), &out)?;
        repair_swap(&out, &parent, &name);
        remove_stale(&parent, &name);
        check_replaceable(&out, root)?;
        let dir = tempfile::Builder::new()
            .prefix(&staging_prefix(&name, "new"))
            .tempdir_in(&parent)
            .map_err(|e| {
                Diagnostic::general(format!(
                    "cannot create a temporary folder in {}: {e}",
                    parent.display()
                ))
            })?;
        Ok(Staging {
            dir,
            out,
            parent,
            name,
            _lock: lock,
        })
    }

    /// Writes one output file now (from any thread); returns where it went.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let target = self.dir.path().join(rel);
        // Most outputs are a page's `index.html` in a folder of its own that
        // does not exist yet: making the folder first saves a failed open
        // per page (a third of a build's opens).
        if let Some(parent) = target.parent().filter(|p| *p != self.dir.path()) {
            match fs::create_dir(parent) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => fs::create_dir_all(parent)?,
                Err(e) => return Err(e),
            }
        }
        fs::write(&target, bytes)?;
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

        test_pause("GUIDEPOST_TEST_PAUSE_BEFORE_SWAP");
        swap(self.dir, &self.out, &self.parent, &self.name)?;
        Ok(site.files.len())
    }
}

/// Puts the staging folder in place of `out`. On Linux the two trees trade
/// places in one step (`renameat2` with `RENAME_EXCHANGE`), so `out` always
/// holds a whole tree; the old one, now under the staging name, is deleted
/// when `staging` drops. Where that is not available, the old tree is moved
/// aside and the new one in; a build killed between the two is repaired by
/// the next one ([`repair_swap`]). On any error the staging folder is
/// deleted (it drops) and the old output is where it was.
fn swap(
    staging: tempfile::TempDir,
    out: &Path,
    parent: &Path,
    name: &str,
) -> Result<(), Diagnostic> {
    if !out.exists() {
        fs::rename(staging.path(), out).map_err(|e| {
            Diagnostic::general(format!("cannot move the new output into place: {e}"))
        })?;
        // Nothing is left at the staging path to delete.
        let _ = staging.keep();
        return Ok(());
    }
    if std::env::var_os("GUIDEPOST_TEST_NO_EXCHANGE").is_none() && exchange(staging.path(), out) {
        // `staging` now names the old tree; dropping it deletes it.
        return Ok(());
    }
    let old = parent.join(format!(
        "{}{}",
        staging_prefix(name, "old"),
        std::process::id()
    ));
    fs::rename(out, &old)
        .map_err(|e| Diagnostic::general(format!("cannot move the old output aside: {e}")))?;
    test_pause("GUIDEPOST_TEST_PAUSE_BETWEEN_RENAMES");
    if let Err(e) = fs::rename(staging.path(), out) {
        let _ = fs::rename(&old, out);
        return Err(Diagnostic::general(format!(
            "cannot move the new output into place: {e}"
        )));
    }
    let _ = staging.keep();
    let _ = fs::remove_dir_all(old);
    Ok(())
}

/// Atomically exchanges two folders; false when the system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Takes the exclusive lock on `path`; while another build holds it, says
/// so and waits. The lock goes with the process, so a killed build never
/// leaves it taken.
fn take_lock(path: &Path, out: &Path) -> Result<fs::File, Diagnostic> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| {
            Diagnostic::general(format!("cannot open lock file {}: {e}", path.display()))
        })?;
    match file.try_lock() {
        Ok(()) => return Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "Waiting for another build of {} to finish...",
                out.display()
            );
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(Diagnostic::general(format!(
                "cannot lock {}: {e}",
                path.display()
            )));
        }
    }
    file.lock()
        .map_err(|e| Diagnostic::general(format!("cannot lock {}: {e}", path.display())))?;
    Ok(file)
}

/// A build killed between the two renames of the fallback swap left no
/// output and the old tree under `.NAME.guidepost-old-PID`: put it back.
/// Called under the lock.
fn repair_swap(out: &Path, parent: &Path, name: &str) {
    if out.exists() || out.is_symlink() {
        return;
    }
    let prefix = staging_prefix(name, "old");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix));
        if ours && path.join(MARKER).is_file() && fs::rename(&path, out).is_ok() {
            eprintln!(
                "Restored the previous output of an interrupted build into {}",
                out.display()
            );
            return;
        }
    }
}

/// Removes staging folders of this output that builds killed before they
/// finished left behind. Called under the lock, so no running build owns one.
fn remove_stale(parent: &Path, name: &str) {
    let prefixes = [staging_prefix(name, "new"), staging_prefix(name, "old")];
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .is_some_and(|n| prefixes.iter().any(|p| n.starts_with(p.as_str())));
        if stale && entry.file_type().is_ok_and(|t| t.is_dir()) {
            tracing::info!(
                "removing {} left by an interrupted build",
                entry.path().display()
            );
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// For fault tests only: sleeps for the milliseconds in `var`, so a test can
/// kill the build at that point.
fn test_pause(var: &str) {
    if let Some(ms) = std::env::var_os(var).and_then(|v| v.to_str()?.parse::<u64>().ok()) {
        eprintln!("{var}: pausing {ms} ms");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file goes where its path says, whether its folder is the output's
    /// top, exists already, is new, or sits under folders that are new too;
    /// `write` says where it went. Nothing lands in `out` before `finish`.
    #[test]
    fn written_files_land_in_new_and_existing_folders_of_the_staging_tree() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("output");
        let staging = Staging::create(&out, site.path()).unwrap();
        let files = [
            ("index.html", "top"),
            ("a/b/index.html", "new folder"),
            ("a/index.html", "existing folder"),
            ("x/y/z/index.html", "new folders"),
            ("a/b/c.xml", "beside"),
        ];
        for (rel, text) in files {
            let at = staging.write(rel, text.as_bytes()).unwrap();
            assert_eq!(at, staging.dir.path().join(rel));
        }
        for (rel, text) in files {
            let read = fs::read_to_string(staging.dir.path().join(rel)).unwrap();
            assert_eq!(read, text, "{rel}");
        }
        assert!(!out.exists(), "staged, not yet swapped in");
        // A folder where a file is: an error, not a silent replacement.
        assert!(staging.write("index.html/x.html", b"no").is_err());
        assert_eq!(
            fs::read_to_string(staging.dir.path().join("index.html")).unwrap(),
            "top"
        );
    }
}
