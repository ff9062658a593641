//! `guidepost import zola`: turns a Zola site into a Guidepost site. The
//! config is renamed (Guidepost reads Zola's keys natively) and every
//! template is rewritten from Tera 1 to Tera 2 idioms ([`tera1`]); the
//! report names every change and everything left for a person, each with
//! file:line. The source is only written with `--in-place`; `--into DIR`
//! writes a converted copy; with neither, nothing is written (a dry run).

mod tera1;

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::{CONFIG_FILE, ZOLA_CONFIG_FILES};
use crate::diagnostics::Diagnostic;

/// Where the converted site goes.
pub(crate) enum Target {
    /// Report only.
    DryRun,
    /// Convert the source folder itself.
    InPlace,
    /// A converted copy in this (new or empty) folder.
    Into(PathBuf),
}

/// One line of the report.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub file: String,
    pub line: usize,
    pub what: String,
}

/// What the import did and what it left for a person.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub changed: Vec<Entry>,
    pub not_converted: Vec<Entry>,
    /// Where the converted site is (none for a dry run).
    pub written_to: Option<PathBuf>,
}

impl Report {
    /// The report as printed: one `file:line: what` per change.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.changed {
            out.push_str(&format!("changed   {}:{}: {}\n", e.file, e.line, e.what));
        }
        for e in &self.not_converted {
            out.push_str(&format!("TO DO     {}:{}: {}\n", e.file, e.line, e.what));
        }
        out.push_str(&format!(
            "{} change{}, {} left to do by hand; {}\n",
            self.changed.len(),
            if self.changed.len() == 1 { "" } else { "s" },
            self.not_converted.len(),
            match &self.written_to {
                Some(p) => format!("converted site in {}", p.display()),
                None => "nothing written (dry run: pass --in-place or --into DIR)".into(),
            }
        ));
        out
    }
}

/// Converts the Zola site in `source`.
pub(crate) fn import_zola(source: &Path, target: Target) -> Result<Report, Diagnostic> {
    let config_name = ZOLA_CONFIG_FILES
        .iter()
        .find(|n| source.join(n).is_file())
        .ok_or_else(|| {
            Diagnostic::general(format!(
                "{} is not a Zola site: it has no config.toml or zola.toml",
                source.display()
            ))
        })?;
    if source.join(CONFIG_FILE).exists() {
        return Err(Diagnostic::general(format!(
            "{} already has a {CONFIG_FILE}: it was imported before",
            source.display()
        )));
    }
    let dest = match &target {
        Target::DryRun => None,
        Target::InPlace => Some(source.to_path_buf()),
        Target::Into(dir) => {
            if dir.exists()
                && std::fs::read_dir(dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return Err(Diagnostic::general(format!(
                    "{} exists and is not empty",
                    dir.display()
                )));
            }
            copy_tree(source, dir)?;
            Some(dir.clone())
        }
    };
    let mut report = Report {
        written_to: dest.clone(),
        ..Report::default()
    };
    let io = |p: &Path, e: std::io::Error| Diagnostic::general(format!("{}: {e}", p.display()));

    // The config: renamed; Zola's Markdown default kept.
    let config_text = std::fs::read_to_string(source.join(config_name))
        .map_err(|e| io(&source.join(config_name), e))?;
    let mut new_config = config_text.clone();
    let has_theme = config_text
        .lines()
        .take_while(|l| !l.trim_start().starts_with('['))
        .any(|l| l.trim_start().starts_with("theme"));
    if !has_theme {
        new_config.insert_str(
            0,
            "# A Zola site without a theme: only its own templates.\ntheme = \"\"\n",
        );
        report.changed.push(Entry {
            file: CONFIG_FILE.into(),
            line: 1,
            what: "added `theme = \"\"` (no theme: the site's templates only, as in Zola)".into(),
        });
    }
    let sets_smart = config_text
        .lines()
        .any(|l| l.trim_start().starts_with("smart_punctuation"));
    if !sets_smart {
        match new_config.find("\n[markdown]") {
            Some(at) => {
                new_config.insert_str(at + "\n[markdown]".len(), "\nsmart_punctuation = false")
            }
            None => new_config.push_str("\n[markdown]\nsmart_punctuation = false\n"),
        }
        report.changed.push(Entry {
            file: CONFIG_FILE.into(),
            line: 1,
            what: "added `smart_punctuation = false` (Zola's default; Guidepost's is true)".into(),
        });
    }
    report.changed.insert(
        0,
        Entry {
            file: config_name.to_string(),
            line: 1,
            what: format!("renamed to {CONFIG_FILE} (Guidepost reads Zola's keys as they are)"),
        },
    );
    if let Some(d) = &dest {
        std::fs::write(d.join(CONFIG_FILE), &new_config).map_err(|e| io(d, e))?;
        std::fs::remove_file(d.join(config_name)).map_err(|e| io(d, e))?;
    }

    // Templates: the site's and every theme's, each set converted together.
    let mut template_dirs = vec![PathBuf::from("templates")];
    if let Ok(themes) = std::fs::read_dir(source.join("themes")) {
        let mut names: Vec<PathBuf> = themes
            .filter_map(Result::ok)
            .map(|e| Path::new("themes").join(e.file_name()).join("templates"))
            .collect();
        names.sort();
        template_dirs.extend(names);
    }
    for dir in template_dirs {
        let abs = source.join(&dir);
        if !abs.is_dir() {
            continue;
        }
        let mut files: Vec<(String, String)> = Vec::new();
        for entry in WalkDir::new(&abs).sort_by_file_name() {
            let entry =
                entry.map_err(|e| Diagnostic::general(format!("{}: {e}", abs.display())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let name = entry
                .path()
                .strip_prefix(&abs)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            files.push((name, text));
        }
        // A theme's templates see the site's too (a site may override them).
        let catalog = tera1::Catalog::new(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        for (name, text) in &files {
            let (new_text, changes, left) = tera1::rewrite(name, text, &catalog);
            let file = format!("{}/{name}", dir.display());
            report.changed.extend(changes.into_iter().map(|n| Entry {
                file: file.clone(),
                line: n.line,
                what: n.what,
            }));
            report.not_converted.extend(left.into_iter().map(|n| Entry {
                file: file.clone(),
                line: n.line,
                what: n.what,
            }));
            if new_text != *text
                && let Some(d) = &dest
            {
                let path = d.join(&dir).join(name);
                std::fs::write(&path, new_text).map_err(|e| io(&path, e))?;
            }
        }
    }
    Ok(report)
}

/// Copies a site folder, leaving out its build output and version control.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Diagnostic> {
    let skip = ["public", ".git", "output"];
    let to_abs = std::path::absolute(to).unwrap_or_else(|_| to.to_path_buf());
    for entry in WalkDir::new(from).into_iter().filter_entry(|e| {
        // Never into the copy itself (`--into` inside the source folder).
        let inside_copy = std::path::absolute(e.path()).is_ok_and(|p| p == to_abs);
        !inside_copy && (e.depth() != 1 || !skip.iter().any(|s| e.file_name() == *s))
    }) {
        let entry = entry.map_err(|e| Diagnostic::general(format!("{}: {e}", from.display())))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let dest = to.join(rel);
        let r = if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)
        } else {
            std::fs::copy(entry.path(), &dest).map(|_| ())
        };
        r.map_err(|e| Diagnostic::general(format!("{}: {e}", dest.display())))?;
    }
    Ok(())
}
