//! Decision trees from front matter: schema, validation ([`validate`]),
//! routes and their static pages, the SVG diagram ([`diagram`]), `tree.json`
//! and the link card.
//!
//! As a feature it claims `[decision]`, validates every tree before
//! rendering starts, and contributes one job per route (question and result
//! pages, rendered through the ordinary render path) plus `tree.json`.

use serde::Deserialize;

/// What the feature reads of a file's front matter.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Table {
    pub(crate) decision: Option<DecisionSpec>,
}

/// `[decision]` in front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionSpec {
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
pub(crate) struct QuestionSpec {
    pub id: String,
    pub text: String,
    pub help: Option<String>,
    #[serde(default)]
    pub answers: Vec<AnswerSpec>,
}

/// One answer to a question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswerSpec {
    pub label: String,
    pub next: String,
}

/// One outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomeSpec {
    pub id: String,
    pub title: String,
    pub body: Option<String>,
    #[serde(default)]
    pub links: Vec<String>,
}

/// A regression case: these answers lead to this outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExampleSpec {
    pub answers: Vec<String>,
    pub outcome: String,
}

pub(crate) mod diagram;
pub(crate) mod validate;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Kwargs, Map, Value};

use super::{Call, Feature, Prepared, embed_path};
use crate::diagnostics::Diagnostic;
use crate::model::{DocId, Document, Site};
use crate::plan::{Job, JobKind, Lookup};
use crate::text::escape_attr as esc;

/// The decision-tree feature.
pub(crate) struct Decision;

impl Feature for Decision {
    fn tables(&self) -> &'static [&'static str] {
        &["decision"]
    }

    fn functions(&self) -> &'static [&'static str] {
        &["decision_card"]
    }

    fn prepare(&self, site: &Site) -> Result<Box<dyn Prepared>, Vec<Diagnostic>> {
        prepare(site).map(|t| Box::new(t) as Box<dyn Prepared>)
    }
}

impl Prepared for Trees {
    fn extend_doc(&self, site: &Site, id: DocId, doc: &mut Map) {
        if let Some(tree) = self.values.get(&id) {
            doc.insert("decision".into(), tree.clone());
        }
        if self.cards.contains_key(&id) {
            // Replace each marker in the content (another feature may have
            // rewritten it already).
            let html = doc
                .get(&tera::value::Key::from("content"))
                .and_then(Value::as_str)
                .unwrap_or_else(|| site.docs[id].rendered.html())
                .to_string();
            let mut out = String::with_capacity(html.len());
            let mut last = 0;
            for (span, path) in card_markers(&html) {
                out.push_str(&html[last..span.start]);
                out.push_str(&self.card_html(site, &path).unwrap_or_default());
                last = span.end;
            }
            out.push_str(&html[last..]);
            doc.insert("content".into(), Value::safe_string(&out));
        }
    }

    fn default_template(
        &self,
        site: &Site,
        id: DocId,
        has_template: &dyn Fn(&str) -> bool,
    ) -> Option<&'static str> {
        (self.trees.contains_key(&id)
            && site.docs[id].meta.template.is_none()
            && has_template("decision.html"))
        .then_some("decision.html")
    }

    fn jobs(&self, site: &Site, id: DocId, page: &Value) -> Vec<Job> {
        let (Some(tree), Some(tree_value)) = (self.trees.get(&id), self.values.get(&id)) else {
            return Vec::new();
        };
        let doc = &site.docs[id];
        let mut jobs: Vec<Job> = tree
            .states
            .iter()
            .map(|state| {
                state_job(site, doc, tree, tree_value, page, state, &|p| {
                    site.permalink(p)
                })
            })
            .collect();
        jobs.push(Job {
            path: format!("{}tree.json", doc.path),
            kind: JobKind::Raw(Arc::new(tree_json(site, doc, tree).into_bytes())),
            vars: Vec::new(),
            source: doc.display_path.display().to_string(),
        });
        jobs
    }

    /// Every step again under `/embed/`, rendered with
    /// `embed_decision_question.html` / `embed_decision_outcome.html`, its
    /// answers, Back, Change and Start again linking to the embed copies so
    /// that the guide runs inside the frame.
    fn embed_jobs(&self, site: &Site, id: DocId, page: &Value, embed: &Value) -> Vec<Job> {
        let (Some(tree), Some(tree_value)) = (self.trees.get(&id), self.values.get(&id)) else {
            return Vec::new();
        };
        let doc = &site.docs[id];
        let in_frame = |p: &str| site.permalink(&embed_path(p));
        tree.states
            .iter()
            .map(|state| {
                let mut job = state_job(site, doc, tree, tree_value, page, state, &in_frame);
                job.path = embed_path(&state.path);
                if let JobKind::Template(t) = &mut job.kind {
                    *t = format!("embed_{t}");
                }
                let mut e = embed.as_map().cloned().unwrap_or_default();
                e.insert("full_url".into(), Value::from(site.permalink(&state.path)));
                job.vars.push(("embed", Value::from(e)));
                job
            })
            .collect()
    }

    /// `steps` for the single-file export: every step (one per route, in
    /// route order, the first question first) as `{ id, kind, question or
    /// outcome, answers, back_url, start_url }` with the same values as the
    /// step pages, except that links between steps are `#id` anchors in the
    /// file (Back from the first question goes to `#top`).
    fn export_vars(&self, site: &Site, id: DocId, page: &Value) -> Vec<(&'static str, Value)> {
        let (Some(tree), Some(tree_value)) = (self.trees.get(&id), self.values.get(&id)) else {
            return Vec::new();
        };
        let doc = &site.docs[id];
        let anchor = |p: &str| {
            if p == doc.path {
                "#top".to_string()
            } else {
                format!("#{}", export_anchor(&doc.path, p))
            }
        };
        let steps: Vec<Value> = tree
            .states
            .iter()
            .map(|state| {
                let job = state_job(site, doc, tree, tree_value, page, state, &anchor);
                let mut m = Map::new();
                m.insert(
                    "id".into(),
                    Value::from(export_anchor(&doc.path, &state.path)),
                );
                let kind = match state.node {
                    Node::Question(_) => "question",
                    Node::Outcome(_) => "outcome",
                };
                m.insert("kind".into(), Value::from(kind));
                for (k, v) in job.vars {
                    if matches!(
                        k,
                        "question" | "outcome" | "answers" | "back_url" | "start_url"
                    ) {
                        m.insert(k.into(), v);
                    }
                }
                Value::from(m)
            })
            .collect();
        vec![("steps", Value::from(steps))]
    }

    /// Trees show other pages' titles and paths (outcome links), so every
    /// tree page is redone whenever any document changes.
    fn dependants(&self, _site: &Site, _changed: DocId) -> Vec<DocId> {
        // Pages with link cards show a tree's title and description too.
        let mut ids: Vec<DocId> = self
            .trees
            .keys()
            .chain(self.cards.keys())
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn call(&self, _name: &str, call: &Call, kwargs: &Kwargs) -> tera::TeraResult<Value> {
        let path: String = kwargs.must_get("path")?;
        (call.note)(Lookup::Card(path.trim_start_matches("@/").to_string()));
        self.card_html(call.site, &path)
            .map(|h| Value::safe_string(&h))
            .map_err(tera::Error::message)
    }
}

/// A question or an outcome, by index into the spec's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Question(usize),
    Outcome(usize),
}

/// One step of a route: (question index, answer index).
pub type Step = (usize, usize);

/// One page of the guide: a node reached by one route from the start.
#[derive(Debug, Clone)]
pub struct State {
    pub node: Node,
    pub route: Vec<Step>,
    /// Site path of the page, e.g. `/decide/q/compliance/`.
    pub path: String,
}

/// A validated tree with its routes worked out.
#[derive(Debug, Clone)]
pub struct Tree {
    pub spec: DecisionSpec,
    /// Index of the start question.
    pub start: usize,
    /// Where each answer of each question leads.
    pub next: Vec<Vec<Node>>,
    /// Every distinct route from the start, depth first, answers in order.
    pub states: Vec<State>,
    /// Per question: the most questions left on any route, counting itself.
    pub longest: Vec<usize>,
    pub help_html: Vec<Option<String>>,
    pub body_html: Vec<Option<String>>,
    /// Per outcome: its links as (title, site path).
    pub links: Vec<Vec<(String, String)>>,
    /// Per question and answer: the answer's URL segment.
    pub answer_slugs: Vec<Vec<String>>,
    by_route: HashMap<Vec<Step>, usize>,
    /// First state (in route order) of each node: where the diagram links.
    canonical: HashMap<Node, usize>,
}

impl Tree {
    #[allow(clippy::too_many_arguments)]
    fn new(
        spec: DecisionSpec,
        start: usize,
        next: Vec<Vec<Node>>,
        states: Vec<State>,
        longest: Vec<usize>,
        help_html: Vec<Option<String>>,
        body_html: Vec<Option<String>>,
        links: Vec<Vec<(String, String)>>,
        answer_slugs: Vec<Vec<String>>,
    ) -> Tree {
        let by_route = states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.route.clone(), i))
            .collect();
        let mut canonical = HashMap::new();
        for (i, s) in states.iter().enumerate() {
            canonical.entry(s.node).or_insert(i);
        }
        Tree {
            spec,
            start,
            next,
            states,
            longest,
            help_html,
            body_html,
            links,
            answer_slugs,
            by_route,
            canonical,
        }
    }

    /// Gives every state its site path under the tree page's path `base`.
    ///
    /// A question or outcome reached by one route only lives at
    /// `{base}q/{id}/` or `{base}result/{id}/`; one reached by several routes
    /// gets one page per route, with the answers that led there appended as
    /// path segments: `{base}result/both/no/yes/`.
    fn assign_paths(&mut self, base: &str) {
        let mut routes: HashMap<Node, usize> = HashMap::new();
        for s in &self.states {
            *routes.entry(s.node).or_insert(0) += 1;
        }
        for s in &mut self.states {
            let (kind, id) = match s.node {
                Node::Question(i) => ("q", &self.spec.questions[i].id),
                Node::Outcome(i) => ("result", &self.spec.outcomes[i].id),
            };
            let mut path = format!("{base}{kind}/{id}/");
            if routes[&s.node] > 1 {
                for &(qi, a) in &s.route {
                    path.push_str(&self.answer_slugs[qi][a]);
                    path.push('/');
                }
            }
            s.path = path;
        }
    }

    fn state_of(&self, route: &[Step]) -> &State {
        &self.states[self.by_route[route]]
    }

    fn node_path(&self, node: Node) -> &str {
        &self.states[self.canonical[&node]].path
    }

    fn node_id(&self, node: Node) -> &str {
        match node {
            Node::Question(i) => &self.spec.questions[i].id,
            Node::Outcome(i) => &self.spec.outcomes[i].id,
        }
    }

    /// At most how many questions a reader answers, from the start.
    pub fn max_questions(&self) -> usize {
        self.longest[self.start]
    }
}

/// Validated trees of the site, ready to render.
#[derive(Debug, Default)]
pub(crate) struct Trees {
    values: HashMap<DocId, Value>,
    trees: HashMap<DocId, Tree>,
    /// Documents whose body shows link cards (the `decision_card`
    /// shortcode), with the trees they name.
    cards: HashMap<DocId, Vec<String>>,
}

/// Where the `decision_card` shortcode puts a card: `<!-- decision_card @/decide.md -->`.
const CARD_MARKER: &str = "<!-- decision_card ";

/// A card marker's span in rendered HTML and the tree path it names.
type CardMarker = (std::ops::Range<usize>, String);

/// The tree paths named by card markers in rendered HTML, with their spans.
fn card_markers(html: &str) -> Vec<CardMarker> {
    // memchr's SIMD search: every edit in `serve` looks through every page.
    memchr::memmem::find_iter(html.as_bytes(), CARD_MARKER)
        .filter_map(|at| {
            let rest = &html[at + CARD_MARKER.len()..];
            let end = rest.find(" -->")?;
            Some((
                at..at + CARD_MARKER.len() + end + 4,
                rest[..end].trim().to_string(),
            ))
        })
        .collect()
}

#[cfg(test)]
impl Trees {
    /// Template object of the tree on document `id`.
    pub(crate) fn value(&self, id: DocId) -> Value {
        self.values[&id].clone()
    }
}

/// Validates every tree of the site; reports every problem of every tree.
pub(crate) fn prepare(site: &Site) -> Result<Trees, Vec<Diagnostic>> {
    let checked: Vec<(DocId, Result<Tree, Vec<Diagnostic>>)> = site
        .docs
        .par_iter()
        .enumerate()
        .filter(|(_, d)| d.has_table("decision"))
        .filter_map(|(id, d)| match d.read_table::<Table>() {
            Ok(Table {
                decision: Some(spec),
            }) => Some((id, validate::check(site, d, &spec))),
            Ok(_) => None,
            Err(e) => Some((id, Err(vec![e]))),
        })
        .collect();
    let mut errors = Vec::new();
    let mut prepared = Trees::default();
    for (id, result) in checked {
        match result {
            Ok(mut tree) => {
                let doc = &site.docs[id];
                tree.assign_paths(&doc.path);
                prepared.values.insert(id, tree_value(site, doc, &tree));
                prepared.trees.insert(id, tree);
            }
            Err(e) => errors.extend(e),
        }
    }
    // Link cards placed in bodies by the shortcode must name a tree.
    let marked: Vec<(DocId, Vec<CardMarker>)> = site
        .docs
        .par_iter()
        .enumerate()
        .filter(|(_, d)| d.rendered.has_comment)
        .map(|(id, d)| (id, card_markers(d.rendered.html())))
        .filter(|(_, markers)| !markers.is_empty())
        .collect();
    for (id, markers) in marked {
        let d = &site.docs[id];
        let mut paths = Vec::new();
        for (_, path) in markers {
            if let Err(message) = prepared.card_html(site, &path) {
                let body = &d.source[d.body_offset..];
                let at = body.find(&format!("\"{path}\"")).map_or(0..0, |p| {
                    d.body_offset + p..d.body_offset + p + path.len() + 2
                });
                errors.push(
                    Diagnostic::at(d.display_path.clone(), d.source.clone(), at, message)
                        .with_help("name a page with a [decision] table, such as \"@/decide.md\""),
                );
            }
            paths.push(path);
        }
        prepared.cards.insert(id, paths);
    }
    if errors.is_empty() {
        Ok(prepared)
    } else {
        Err(errors)
    }
}

/// The `tree` template object (also `page.decision`).
fn tree_value(site: &Site, doc: &Document, tree: &Tree) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), Value::from(doc.title.clone()));
    m.insert("url".into(), Value::from(site.permalink(&doc.path)));
    m.insert(
        "start_url".into(),
        Value::from(site.permalink(&tree.states[0].path)),
    );
    m.insert(
        "embed_start_url".into(),
        Value::from(site.permalink(&embed_path(&tree.states[0].path))),
    );
    m.insert(
        "json_url".into(),
        Value::from(site.permalink(&format!("{}tree.json", doc.path))),
    );
    m.insert("max_questions".into(), Value::from(tree.max_questions()));
    m.insert(
        "question_count".into(),
        Value::from(tree.spec.questions.len()),
    );
    m.insert(
        "outcome_count".into(),
        Value::from(tree.spec.outcomes.len()),
    );
    m.insert("page_count".into(), Value::from(tree.states.len()));
    m.insert(
        "outcomes".into(),
        Value::from(
            tree.spec
                .outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let mut om = Map::new();
                    om.insert("id".into(), Value::from(o.id.clone()));
                    om.insert("title".into(), Value::from(o.title.clone()));
                    om.insert(
                        "url".into(),
                        Value::from(site.permalink(tree.node_path(Node::Outcome(i)))),
                    );
                    Value::from(om)
                })
                .collect::<Vec<_>>(),
        ),
    );
    m.insert(
        "diagram".into(),
        Value::safe_string(&diagram_svg(site, doc, tree)),
    );
    m.insert(
        "outline".into(),
        Value::safe_string(&outline_html(site, tree)),
    );
    Value::from(m)
}

fn diagram_svg(site: &Site, doc: &Document, tree: &Tree) -> String {
    let nq = tree.spec.questions.len();
    let mut nodes: Vec<diagram::DiagramNode> = tree
        .spec
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| diagram::DiagramNode {
            label: q.text.clone(),
            url: site.permalink(tree.node_path(Node::Question(i))),
            outcome: false,
        })
        .collect();
    nodes.extend(
        tree.spec
            .outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| diagram::DiagramNode {
                label: o.title.clone(),
                url: site.permalink(tree.node_path(Node::Outcome(i))),
                outcome: true,
            }),
    );
    let index = |n: Node| match n {
        Node::Question(i) => i,
        Node::Outcome(i) => nq + i,
    };
    let mut edges = Vec::new();
    for (i, q) in tree.spec.questions.iter().enumerate() {
        for (j, a) in q.answers.iter().enumerate() {
            edges.push(diagram::DiagramEdge {
                from: i,
                to: index(tree.next[i][j]),
                label: a.label.clone(),
            });
        }
    }
    diagram::svg(&doc.title, &nodes, &edges, tree.start)
}

/// The whole tree as a nested list: each question once, in full where it is
/// first met; later meetings link back to it.
///
/// Built with an explicit stack of (question, next answer) rather than by
/// recursion, so that a deep tree cannot overflow the thread's stack.
fn outline_html(site: &Site, tree: &Tree) -> String {
    fn open(site: &Site, tree: &Tree, qi: usize, out: &mut String) {
        out.push_str(&format!(
            "<span class=\"decision-outline__question\">Question: <a href=\"{}\">{}</a></span>\n<ul>\n",
            esc(&site.permalink(tree.node_path(Node::Question(qi)))),
            esc(&tree.spec.questions[qi].text)
        ));
    }
    let mut out = String::from("<ul class=\"decision-outline\">\n<li>");
    let mut seen = vec![false; tree.spec.questions.len()];
    seen[tree.start] = true;
    open(site, tree, tree.start, &mut out);
    let mut stack = vec![(tree.start, 0)];
    while let Some((qi, j)) = stack.last_mut() {
        let qi = *qi;
        let Some(a) = tree.spec.questions[qi].answers.get(*j) else {
            // The question's list is done, and with it the answer (of the
            // question below on the stack) that led to it.
            out.push_str("</ul>\n");
            stack.pop();
            if !stack.is_empty() {
                out.push_str("</li>\n");
            }
            continue;
        };
        let next = tree.next[qi][*j];
        *j += 1;
        out.push_str(&format!(
            "<li><span class=\"decision-outline__answer\">{}</span> → ",
            esc(&a.label)
        ));
        match next {
            Node::Outcome(oi) => out.push_str(&format!(
                "<span class=\"decision-outline__outcome\">Result: <a href=\"{}\">{}</a></span>",
                esc(&site.permalink(tree.node_path(Node::Outcome(oi)))),
                esc(&tree.spec.outcomes[oi].title)
            )),
            Node::Question(next) if seen[next] => out.push_str(&format!(
                "continue with the question <a href=\"{}\">{}</a> (listed above)",
                esc(&site.permalink(tree.node_path(Node::Question(next)))),
                esc(&tree.spec.questions[next].text)
            )),
            Node::Question(next) => {
                // Its `</li>` follows its list, when it comes off the stack.
                seen[next] = true;
                open(site, tree, next, &mut out);
                stack.push((next, 0));
                continue;
            }
        }
        out.push_str("</li>\n");
    }
    out.push_str("</li>\n</ul>\n");
    out
}

/// `tree.json`: the tree as data for other tools.
fn tree_json(site: &Site, doc: &Document, tree: &Tree) -> String {
    use serde_json::json;
    let questions: Vec<serde_json::Value> = tree
        .spec
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            json!({
                "id": q.id,
                "text": q.text,
                "help": q.help,
                "help_html": tree.help_html[i],
                "url": site.permalink(tree.node_path(Node::Question(i))),
                "max_remaining": tree.longest[i],
                "answers": q.answers.iter().enumerate().map(|(j, a)| json!({
                    "label": a.label,
                    "next": a.next,
                    "slug": tree.answer_slugs[i][j],
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let outcomes: Vec<serde_json::Value> = tree
        .spec
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!({
                "id": o.id,
                "title": o.title,
                "body": o.body,
                "body_html": tree.body_html[i],
                "url": site.permalink(tree.node_path(Node::Outcome(i))),
                "links": tree.links[i].iter().map(|(t, p)| json!({ "title": t, "url": site.permalink(p) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let pages: Vec<serde_json::Value> = tree
        .states
        .iter()
        .map(|s| {
            json!({
                "url": site.permalink(&s.path),
                "node": tree.node_id(s.node),
                "answers": s.route.iter().map(|&(q, a)| tree.spec.questions[q].answers[a].label.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let examples: Vec<serde_json::Value> = tree
        .spec
        .examples
        .iter()
        .map(|e| json!({ "answers": e.answers, "outcome": e.outcome }))
        .collect();
    let value = json!({
        "title": doc.title,
        "url": site.permalink(&doc.path),
        "start": tree.spec.questions[tree.start].id,
        "max_questions": tree.max_questions(),
        "questions": questions,
        "outcomes": outcomes,
        "examples": examples,
        "pages": pages,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// The in-file anchor of the step at site path `state` of the tree on the
/// page at `doc_path` in the single-file export: `/decide/q/growth/` →
/// `step-q/growth` (the path below the page: unique as the paths are, and
/// `/` is allowed in ids and fragments).
fn export_anchor(doc_path: &str, state: &str) -> String {
    let rel = state.strip_prefix(doc_path).unwrap_or(state);
    format!("step-{}", rel.trim_matches('/'))
}

/// "Your answers so far" / "why this result": one entry per answer on the route.
fn route_values(tree: &Tree, route: &[Step], link: &dyn Fn(&str) -> String) -> Value {
    Value::from(
        route
            .iter()
            .enumerate()
            .map(|(k, &(qi, a))| {
                let q = &tree.spec.questions[qi];
                let mut m = Map::new();
                m.insert("number".into(), Value::from(k + 1));
                m.insert("question_id".into(), Value::from(q.id.clone()));
                m.insert("question".into(), Value::from(q.text.clone()));
                m.insert("answer".into(), Value::from(q.answers[a].label.clone()));
                m.insert(
                    "change_url".into(),
                    Value::from(link(&tree.state_of(&route[..k]).path)),
                );
                Value::from(m)
            })
            .collect::<Vec<_>>(),
    )
}

fn opt_html(h: &Option<String>) -> Value {
    h.as_deref().map_or_else(Value::none, Value::safe_string)
}

/// The job rendering one page of the guide: a question or a result reached
/// by one route, with "your answers so far", back and change links.
/// `link` makes the URL of another step (or of the tree's page): its
/// permalink, or its embed copy's for the embed variant.
fn state_job(
    site: &Site,
    doc: &Document,
    tree: &Tree,
    tree_value: &Value,
    page: &Value,
    state: &State,
    link: &dyn Fn(&str) -> String,
) -> Job {
    let answers = route_values(tree, &state.route, link);
    let back = match state.route.split_last() {
        Some((_, before)) => tree.state_of(before).path.clone(),
        None => doc.path.clone(),
    };
    let mut vars: Vec<(&'static str, Value)> = vec![
        ("page", page.clone()),
        ("tree", tree_value.clone()),
        ("route", answers.clone()),
        ("answers", answers),
        ("start_url", Value::from(link(&tree.states[0].path))),
        ("back_url", Value::from(link(&back))),
    ];
    let template = match state.node {
        Node::Question(qi) => {
            let q = &tree.spec.questions[qi];
            let mut m = Map::new();
            m.insert("id".into(), Value::from(q.id.clone()));
            m.insert("text".into(), Value::from(q.text.clone()));
            m.insert("help".into(), opt_html(&tree.help_html[qi]));
            m.insert("number".into(), Value::from(state.route.len() + 1));
            m.insert("remaining".into(), Value::from(tree.longest[qi] - 1));
            let mut route = state.route.clone();
            let answers: Vec<Value> = q
                .answers
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    route.push((qi, j));
                    let target = tree.state_of(&route);
                    let mut am = Map::new();
                    am.insert("label".into(), Value::from(a.label.clone()));
                    am.insert("url".into(), Value::from(link(&target.path)));
                    am.insert("next".into(), Value::from(a.next.clone()));
                    route.pop();
                    Value::from(am)
                })
                .collect();
            m.insert("answers".into(), Value::from(answers));
            vars.push(("question", Value::from(m)));
            "decision_question.html"
        }
        Node::Outcome(oi) => {
            let o = &tree.spec.outcomes[oi];
            let mut m = Map::new();
            m.insert("id".into(), Value::from(o.id.clone()));
            m.insert("title".into(), Value::from(o.title.clone()));
            m.insert("body".into(), opt_html(&tree.body_html[oi]));
            m.insert(
                "links".into(),
                Value::from(
                    tree.links[oi]
                        .iter()
                        .map(|(t, p)| {
                            let mut lm = Map::new();
                            lm.insert("title".into(), Value::from(t.clone()));
                            lm.insert("url".into(), Value::from(site.permalink(p)));
                            Value::from(lm)
                        })
                        .collect::<Vec<_>>(),
                ),
            );
            vars.push(("outcome", Value::from(m)));
            "decision_outcome.html"
        }
    };
    Job::template(
        state.path.clone(),
        template,
        vars,
        format!(
            "{} (decision page {})",
            doc.display_path.display(),
            state.path
        ),
    )
}

impl Trees {
    /// HTML of a link card to the tree on the page at `path`.
    fn card_html(&self, site: &Site, path: &str) -> Result<String, String> {
        let key = path.trim_start_matches("@/").trim_start_matches('/');
        let id = *site
            .by_rel_path
            .get(key)
            .ok_or_else(|| format!("decision_card: no page `{path}`"))?;
        let doc = &site.docs[id];
        let Some(tree) = self.trees.get(&id) else {
            return Err(format!("decision_card: `{path}` has no [decision] tree"));
        };
        let spec = &tree.spec;
        let questions = spec.questions.len();
        Ok(format!(
            "<a class=\"decision-card\" href=\"{}\"><span class=\"decision-card__title\">{}</span><span class=\"decision-card__text\">{}</span><span class=\"decision-card__meta\">{} question{}, {} possible result{}</span></a>",
            esc(&site.permalink(&doc.path)),
            esc(&doc.title),
            esc(doc
                .meta
                .description
                .as_deref()
                .unwrap_or("Answer a few questions to find out.")),
            questions,
            if questions == 1 { "" } else { "s" },
            spec.outcomes.len(),
            if spec.outcomes.len() == 1 { "" } else { "s" },
        ))
    }
}
