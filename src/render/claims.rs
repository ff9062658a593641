//! Output collisions: every output file has exactly one source. Pages,
//! listings, aliases and feature files (the jobs), generated files (feeds,
//! sitemap, robots.txt) and copied files (static files, content assets) meet
//! here, and two of them claiming one path is an error naming both, at the
//! alias's line when an alias is one of them, instead of one silently
//! replacing the other.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::diagnostics::Diagnostic;
use crate::frontmatter::Key;
use crate::model::Site;
use crate::plan::{Job, JobKind};
use crate::urls::output_file;

/// Who writes an output file.
#[derive(Debug, Clone)]
pub(super) enum Owner {
    /// A job: its output path, kind and source (a content file, `taxonomy ...`).
    Job {
        path: String,
        redirect: bool,
        source: String,
    },
    /// A copied file, by where it comes from (`static/x`, `content/b/x.png`).
    Copied(String),
}

impl Owner {
    pub(super) fn of_job(job: &Job) -> Owner {
        Owner::Job {
            path: job.path.clone(),
            redirect: matches!(job.kind, JobKind::Redirect(_)),
            source: job.source.clone(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Owner::Job {
                path,
                redirect: true,
                source,
            } => format!("the alias `{path}` in {source}"),
            Owner::Job { source, .. } if source.ends_with(".md") => format!("the page {source}"),
            Owner::Job { source, .. } => format!("the {source}"),
            Owner::Copied(from) => format!("the file {from}"),
        }
    }
}

/// Output path → owner, and the collisions found.
#[derive(Default)]
pub(super) struct Claims {
    owners: HashMap<String, Owner>,
    errors: Vec<Diagnostic>,
}

impl Claims {
    /// Records that `owner` writes `file`; a second owner is an error.
    /// Returns whether the claim was granted.
    pub(super) fn claim(&mut self, site: &Site, file: &str, owner: Owner) -> bool {
        match self.owners.entry(file.to_string()) {
            Entry::Vacant(v) => {
                v.insert(owner);
                true
            }
            Entry::Occupied(first) => {
                let error = collision(site, file, first.get(), &owner);
                self.errors.push(error);
                false
            }
        }
    }

    /// Claims the output file of every job.
    pub(super) fn claim_jobs(&mut self, site: &Site, jobs: &[Job]) {
        for job in jobs {
            self.claim(site, &output_file(&job.path), Owner::of_job(job));
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub(super) fn into_errors(self) -> Vec<Diagnostic> {
        self.errors
    }
}

/// "`b/index.html` is written twice: by X and by Y", at an alias's line
/// when one of them is an alias, else at the second file.
fn collision(site: &Site, file: &str, first: &Owner, second: &Owner) -> Diagnostic {
    let message = format!(
        "output file {file} is written twice: by {} and by {}",
        first.describe(),
        second.describe()
    );
    let help = "two sources claim one output path; rename or remove one of them (an alias may not repeat a page's URL)";
    // Point at the alias line where an alias is involved.
    for owner in [second, first] {
        if let Owner::Job {
            path,
            redirect: true,
            source,
        } = owner
            && let Some(doc) = site
                .docs
                .iter()
                .find(|d| d.display_path.display().to_string() == *source)
            && let Some(i) = doc.meta.aliases.iter().position(|a| alias_path(a) == *path)
        {
            return doc
                .error_at(&[Key::Name("aliases"), Key::Index(i)], message)
                .with_help(help);
        }
    }
    let file_of = |o: &Owner| match o {
        Owner::Job { source, .. } if source.ends_with(".md") => Some(source.clone()),
        Owner::Copied(from) if from.starts_with("content/") || from.starts_with("static/") => {
            Some(from.clone())
        }
        _ => None,
    };
    match file_of(second).or_else(|| file_of(first)) {
        Some(f) => Diagnostic::in_file(f, message).with_help(help),
        None => Diagnostic::general(message).with_help(help),
    }
}

/// The job path of an alias, as `render::jobs` writes it.
fn alias_path(alias: &str) -> String {
    let path = if alias.ends_with(".html") || alias.ends_with('/') {
        alias.to_string()
    } else {
        format!("{alias}/")
    };
    format!("/{}", path.trim_start_matches('/'))
}
