//! Decision trees from front matter: schema.

use serde::Deserialize;

/// `[decision]` in front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    pub start: Option<String>,
    #[serde(default)]
    pub questions: Vec<QuestionSpec>,
    #[serde(default)]
    pub outcomes: Vec<OutcomeSpec>,
    #[serde(default)]
    pub examples: Vec<ExampleSpec>,
}

/// One question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    pub id: String,
    pub text: String,
    pub help: Option<String>,
    #[serde(default)]
    pub answers: Vec<AnswerSpec>,
}

/// One answer to a question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSpec {
    pub label: String,
    pub next: String,
}

/// One outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    pub id: String,
    pub title: String,
    pub body: Option<String>,
    #[serde(default)]
    pub links: Vec<String>,
}

/// A regression case: these answers lead to this outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    pub answers: Vec<String>,
    pub outcome: String,
}

use crate::diagnostics::Diagnostic;
use crate::model::{DocId, Document, Site};
use crate::render::OutputBody;

/// Validated trees of the site, ready to render.
#[derive(Debug, Default)]
pub struct Prepared {
    values: std::collections::HashMap<DocId, tera::Value>,
}

impl Prepared {
    /// Template object of the tree on document `id`, if it has one.
    pub fn value(&self, id: DocId) -> Option<tera::Value> {
        self.values.get(&id).cloned()
    }
}

/// Validates every tree of the site.
pub fn prepare(_site: &Site) -> Result<Prepared, Vec<Diagnostic>> {
    Ok(Prepared::default())
}

/// Extra output files of a document's tree (question and outcome pages).
pub fn outputs(
    _site: &Site,
    _tera: &tera::Tera,
    _id: DocId,
    _doc: &Document,
    _prepared: &Prepared,
    _value: &tera::Value,
) -> Result<Vec<(String, OutputBody)>, Vec<Diagnostic>> {
    Ok(Vec::new())
}

/// HTML of a link card to the tree on the page at `path`.
pub fn card_html(site: &Site, path: &str) -> Result<String, String> {
    let doc = site
        .get(path)
        .ok_or_else(|| format!("decision_card: no page `{path}`"))?;
    if doc.meta.decision.is_none() {
        return Err(format!("decision_card: `{path}` has no [decision] tree"));
    }
    let esc = crate::markdown::escape_attr;
    Ok(format!(
        "<a class=\"decision-card\" href=\"{}\"><span class=\"decision-card__title\">{}</span><span class=\"decision-card__text\">{}</span></a>",
        esc(&site.permalink(&doc.path)),
        esc(&doc.title),
        esc(doc
            .meta
            .description
            .as_deref()
            .unwrap_or("Answer a few questions to find out."))
    ))
}
