//! The one link resolver: everything that follows an `@/path.md#anchor`
//! link (Markdown bodies, decision-tree `next`/`links`, comparison items)
//! asks [`Links`], so every kind of link gets the same checks and the same
//! "did you mean" hints.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use super::{DocId, Document};
use crate::diagnostics::{Diagnostic, closest};
use crate::urls::UrlMode;

/// Help shown under every broken internal link.
pub(crate) const LINK_HELP: &str = "internal links look like [text](@/section/page.md) or [text](@/page.md#heading-id), relative to content/";

/// Resolves `@/` targets against a set of documents.
#[derive(Clone, Copy)]
pub(crate) struct Links<'a> {
    pub(crate) docs: &'a [Document],
    pub(crate) by_rel_path: &'a FxHashMap<String, DocId>,
    pub(crate) drafts: &'a HashSet<String>,
    pub(crate) url_mode: &'a UrlMode,
}

impl<'a> Links<'a> {
    /// The document `target` names (`roles/vcio.md`, `@/roles/vcio.md` or
    /// `/roles/vcio.md`), or why there is none.
    pub(crate) fn doc(&self, target: &str) -> Result<&'a Document, String> {
        let key = target.trim_start_matches("@/").trim_start_matches('/');
        if let Some(&id) = self.by_rel_path.get(key) {
            return Ok(&self.docs[id]);
        }
        if self.drafts.contains(key) {
            return Err(format!(
                "link to `@/{key}`, which is a draft (build with --drafts to include it)"
            ));
        }
        let mut msg = format!("link to missing page `@/{key}`");
        if let Some(best) = closest(key, self.by_rel_path.keys().map(String::as_str)) {
            msg.push_str(&format!(" (did you mean `@/{best}`?)"));
        }
        Err(msg)
    }

    /// The public URL of the document `target` names.
    pub(crate) fn url(&self, target: &str) -> Result<String, String> {
        self.doc(target).map(|d| self.url_mode.permalink(&d.path))
    }

    /// Checks that `anchor` is a heading id on `target`; the error carries a
    /// "did you mean" hint.
    pub(crate) fn check_anchor(
        target: &Document,
        anchor: &str,
    ) -> Result<(), (String, Option<String>)> {
        if target.rendered.heading_ids.contains(anchor) {
            return Ok(());
        }
        let message = format!(
            "link to missing anchor `#{anchor}` on {}",
            target.display_path.display()
        );
        let ids = target.rendered.heading_ids.iter().map(String::as_str);
        let help = closest(anchor, ids).map(|best| format!("did you mean `#{best}`?"));
        Err((message, help))
    }

    /// Errors for every `@/page.md#anchor` link in `doc`'s rendered body
    /// whose anchor is missing. `doc` may be newer than its entry in `docs`
    /// (the dev server's re-parse): links to itself use `doc`.
    pub(crate) fn anchor_errors(&self, doc: &Document) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        for link in &doc.rendered.anchor_links {
            let target = if link.target == doc.rel_path {
                Some(doc)
            } else {
                self.by_rel_path
                    .get(link.target.as_str())
                    .map(|&t| &self.docs[t])
            };
            let Some(target) = target else { continue };
            if let Err((message, help)) = Self::check_anchor(target, &link.anchor) {
                let e = Diagnostic::at(
                    doc.display_path.clone(),
                    doc.source.clone(),
                    link.span.clone(),
                    message,
                );
                errors.push(match help {
                    Some(h) => e.with_help(h),
                    None => e,
                });
            }
        }
        errors
    }
}
