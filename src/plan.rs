//! The plan of a build's outputs, as plain data: which file each output
//! path gets ([`Job`], executed by `render`), the finished bytes
//! ([`OutputBody`], [`SiteOutput`], written by `output` or served by
//! `serve`), and what an output was rendered from ([`Lookup`], for the dev
//! server's dependency bookkeeping). Nothing here renders or writes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tera::Value;

/// One output to produce.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// Site path, e.g. `/roles/` or `/roles/page/2/` (or a file such as `/decide/tree.json`).
    pub path: String,
    pub kind: JobKind,
    /// Template variables (besides `current_path`/`current_url`), in order.
    pub vars: Vec<(&'static str, Value)>,
    /// What is being rendered, for error messages (`content/roles/vcio.md`).
    pub source: String,
}

/// How a [`Job`]'s bytes are made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JobKind {
    /// Render this template with the job's variables; HTML gets the URL mode applied.
    Template(String),
    /// A page that sends the reader to this URL (an alias).
    Redirect(String),
    /// Bytes made by a feature (`tree.json`), written as they are.
    Raw(Arc<Vec<u8>>),
}

impl Job {
    /// A job rendering `template` for `source`.
    pub(crate) fn template(
        path: impl Into<String>,
        template: impl Into<String>,
        vars: Vec<(&'static str, Value)>,
        source: impl Into<String>,
    ) -> Job {
        Job {
            path: path.into(),
            kind: JobKind::Template(template.into()),
            vars,
            source: source.into(),
        }
    }
}

/// Something a template function looked up while an output rendered: the
/// dev server re-renders an output when one of its lookups changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Lookup {
    /// A document's URL (`get_url(path="@/x.md")`), by content-relative path.
    Url(String),
    /// What a link card shows: URL, title and front matter.
    Card(String),
    /// A document's whole template object (`get_page`, `get_section`, comparison items).
    Value(String),
    /// Anything that depends on more than one document (taxonomy URLs).
    Untracked,
}

/// The bytes of one output file.
#[derive(Debug, Clone)]
pub enum OutputBody {
    /// Generated in memory.
    Generated(Arc<Vec<u8>>),
    /// Copied from a file on disk.
    Disk(PathBuf),
    /// Built into the binary (default theme).
    Embedded(&'static [u8]),
}

impl OutputBody {
    pub(crate) fn text(s: String) -> Self {
        OutputBody::Generated(Arc::new(s.into_bytes()))
    }

    /// Reads the bytes (from memory, the binary, or disk).
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        Ok(match self {
            OutputBody::Generated(b) => std::borrow::Cow::Borrowed(b.as_slice()),
            OutputBody::Embedded(b) => std::borrow::Cow::Borrowed(b),
            OutputBody::Disk(p) => std::borrow::Cow::Owned(std::fs::read(p)?),
        })
    }
}

/// Every file of a built site, by output-relative path (`roles/vcio/index.html`).
#[derive(Debug, Clone, Default)]
pub struct SiteOutput {
    pub files: BTreeMap<String, OutputBody>,
}

/// Receives each rendered page as soon as it is ready and returns the file it
/// was written to (the build writes pages while others still render).
pub(crate) type PageSink<'a> =
    &'a (dyn Fn(&str, &[u8]) -> std::io::Result<std::path::PathBuf> + Sync);
