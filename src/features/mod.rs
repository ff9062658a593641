//! Features: what turns structured front matter into pages and template
//! functions (comparison tables, decision trees; later search, embedding,
//! shortcodes). Each is one folder here and one line in [`registry`].
//!
//! A feature never renders a template and never writes a file. It:
//! - claims top-level front matter tables ([`Feature::tables`]), which the
//!   front matter layer records and hands back as plain data;
//! - validates them against the whole model before rendering starts
//!   ([`Feature::prepare`]), with errors at file:line:col;
//! - adds to documents' template objects and contributes jobs (extra pages,
//!   raw files) and template functions ([`Prepared`]), which `render` runs
//!   through the same path, error reporting and incremental bookkeeping as
//!   every page.

pub(crate) mod comparison;
pub(crate) mod decision;
pub(crate) mod embed;
pub(crate) mod search;

use tera::{Kwargs, Map, Value};

use crate::diagnostics::Diagnostic;
use crate::model::{DocId, Site};
use crate::plan::{Job, Lookup};

/// Every feature, in the order they run. Adding one is one line here.
pub(crate) fn registry() -> &'static [&'static dyn Feature] {
    &[
        &comparison::Comparison,
        &decision::Decision,
        &embed::Embed,
        &search::Search,
    ]
}

/// The front matter tables all features claim.
pub(crate) fn claimed_tables() -> Vec<&'static str> {
    registry()
        .iter()
        .flat_map(|f| f.tables())
        .copied()
        .collect()
}

/// A feature, implemented once per folder under `features/`.
pub(crate) trait Feature: Sync {
    /// Top-level front matter tables it reads (`["decision"]`).
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// Template functions it adds; calls reach [`Prepared::call`].
    fn functions(&self) -> &'static [&'static str] {
        &[]
    }

    /// Reads and validates its tables against the whole model, before any
    /// rendering; reports every problem at file:line:col.
    fn prepare(&self, site: &Site) -> Result<Box<dyn Prepared>, Vec<Diagnostic>>;
}

/// A feature's validated state for one model.
pub(crate) trait Prepared: Send + Sync {
    /// Adds keys to (or rewrites keys of) document `id`'s template object.
    /// `doc` holds only the keys features set before this one (`content`
    /// when another feature rewrote it; else the page's own HTML is the
    /// document's): the object is written in one pass around them, and the
    /// dev server calls it the same way to check whether a page's object
    /// kept from the last render is still right.
    fn extend_doc(&self, _site: &Site, _id: DocId, _doc: &mut Map) {}

    /// The template document `id` renders with when its front matter names
    /// none (`has_template` tells which templates exist).
    fn default_template(
        &self,
        _site: &Site,
        _id: DocId,
        _has_template: &dyn Fn(&str) -> bool,
    ) -> Option<&'static str> {
        None
    }

    /// Extra outputs of document `id` (`page` is its template object).
    fn jobs(&self, _site: &Site, _id: DocId, _page: &Value) -> Vec<Job> {
        Vec::new()
    }

    /// Outputs of the whole site rather than of one document (the search
    /// index and page), planned once every template object (`values`, by
    /// document id) is built. `previous` is this feature's state from the
    /// last render of the dev server, to reuse work for unchanged documents
    /// and to leave outputs no page shows for [`Prepared::finish`].
    fn site_jobs(
        &self,
        _site: &Site,
        _values: &[Value],
        _previous: Option<&dyn Prepared>,
        _has_template: &dyn Fn(&str) -> bool,
    ) -> Vec<Job> {
        Vec::new()
    }

    /// Finishes the site-wide outputs that [`Prepared::site_jobs`] gave as
    /// they were when it had a `previous` state (the dev server's renders):
    /// outputs no page's bytes depend on, made after the reload event so the
    /// page being edited reloads without waiting for them (the search
    /// index). Returns every such output as it is now and the site paths of
    /// those no longer made; `None` when nothing was left. A render handed
    /// this state as `previous` finishes it first if the server has not.
    fn finish(&self) -> Option<(Vec<Job>, Vec<String>)> {
        None
    }

    /// This state as `Any`, for a feature that reuses its previous state
    /// (see [`Prepared::site_jobs`]).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }

    /// Documents whose outputs show something of `changed` through this
    /// feature (the dev server re-renders them with it).
    fn dependants(&self, _site: &Site, _changed: DocId) -> Vec<DocId> {
        Vec::new()
    }

    /// The `embed` template object when document `id` gets a chrome-less
    /// copy for framing in other sites (only the embed feature answers).
    fn embed(&self, _site: &Site, _id: DocId) -> Option<Value> {
        None
    }

    /// Embed copies of this feature's pages of an embeddable document `id`:
    /// each at [`embed_path`] of the page it copies, rendered with an
    /// `embed_*.html` template, with `embed` (from [`Prepared::embed`], plus
    /// the copied page's `full_url`) among its variables, and with links
    /// between its own pages (a guide's steps) pointing at their copies so
    /// they stay in the frame.
    fn embed_jobs(&self, _site: &Site, _id: DocId, _page: &Value, _embed: &Value) -> Vec<Job> {
        Vec::new()
    }

    /// Variables this feature adds to the single-file export of document
    /// `id` (`guidepost export`, template `export.html`): pages of its own
    /// that belong to the document (a guide's steps) come as data, linking
    /// each other by in-file `#anchors`, since the export is one file.
    fn export_vars(&self, _site: &Site, _id: DocId, _page: &Value) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    /// Runs template function `name` (one of [`Feature::functions`]).
    fn call(&self, name: &str, _call: &Call, _kwargs: &Kwargs) -> tera::TeraResult<Value> {
        Err(tera::Error::message(format!(
            "template function `{name}` is not available"
        )))
    }
}

/// Site path of the embed copy of the page at `path` (`/roles/` →
/// `/embed/roles/`), shared by every feature that makes embed copies.
pub(crate) fn embed_path(path: &str) -> String {
    format!("/embed{path}")
}

/// What a template function sees of the site being rendered.
pub(crate) struct Call<'a> {
    pub site: &'a Site,
    /// Records what the output being rendered depends on.
    pub note: &'a dyn Fn(Lookup),
}

/// Every feature's prepared state for `site`, in registry order; reports
/// every feature's errors together.
pub(crate) fn prepare_all(site: &Site) -> Result<Vec<Box<dyn Prepared>>, Vec<Diagnostic>> {
    let mut prepared = Vec::new();
    let mut errors = Vec::new();
    for f in registry() {
        match f.prepare(site) {
            Ok(p) => prepared.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(prepared)
    } else {
        Err(errors)
    }
}
