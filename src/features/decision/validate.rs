//! Checks a `[decision]` tree and works out its routes. Every problem is an
//! error at the file:line:column of the front matter key it is about, and all
//! of them are reported together.

use std::collections::{HashMap, HashSet};

use super::{DecisionSpec, Node, State, Step, Tree};
use crate::diagnostics::{Diagnostic, closest};
use crate::frontmatter::Key;
use crate::markdown::{self, MarkdownOptions};
use crate::model::links::Links;
use crate::model::{Document, Site};
use crate::text::slugify;

/// More distinct routes than this would write too many pages.
pub(crate) const MAX_ROUTES: usize = 2000;

/// The most questions one route may ask. A route's page has one URL segment
/// per answer and lists every answer with a Change link to its own route, so
/// a page's size grows with the square of its depth and the site's with the
/// cube: a 540-question chain (a 30 kB file) wrote 942 MB. No reader answers
/// fifty questions in a row; a tree that asks for more should be split.
pub(crate) const MAX_DEPTH: usize = 50;

fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn q<'a>(i: usize, rest: &[Key<'a>]) -> Vec<Key<'a>> {
    let mut v = vec![Key::Name("decision"), Key::Name("questions"), Key::Index(i)];
    v.extend_from_slice(rest);
    v
}

fn o<'a>(i: usize, rest: &[Key<'a>]) -> Vec<Key<'a>> {
    let mut v = vec![Key::Name("decision"), Key::Name("outcomes"), Key::Index(i)];
    v.extend_from_slice(rest);
    v
}

fn ex<'a>(i: usize, rest: &[Key<'a>]) -> Vec<Key<'a>> {
    let mut v = vec![Key::Name("decision"), Key::Name("examples"), Key::Index(i)];
    v.extend_from_slice(rest);
    v
}

fn with_closest(d: Diagnostic, unknown: &str, known: &[&str], fallback: String) -> Diagnostic {
    match closest(unknown, known.iter().copied()) {
        Some(k) => d.with_help(format!("did you mean `{k}`?")),
        None => d.with_help(fallback),
    }
}

/// Renders a Markdown fragment of a tree (help, outcome body), resolving and
/// checking `@/` links and their anchors.
pub(crate) fn render_markdown(site: &Site, text: &str, block: bool) -> Result<String, String> {
    let opts = MarkdownOptions::of_config(&site.config);
    let links = site.links();
    let resolve = |target: &str| links.url(target);
    // Links and their anchors are checked on a full rendering; the HTML comes
    // from `render_fragment`, which shows raw HTML in front matter as text.
    let (r, errors) = markdown::render(text, 0, false, &opts, &resolve);
    if let Some((_, message)) = errors.into_iter().next() {
        return Err(message);
    }
    for link in &r.anchor_links {
        if let Ok(t) = links.doc(&link.target)
            && let Err((message, help)) = Links::check_anchor(t, &link.anchor)
        {
            return Err(match help {
                Some(h) => format!("{message} ({h})"),
                None => message,
            });
        }
    }
    markdown::render_fragment(text, block, &opts, &resolve)
}

const ID_HELP: &str = "ids are lower-case letters, digits and `-`, starting with a letter or digit (`[a-z0-9][a-z0-9-]*`)";

const LINK_HELP: &str =
    "internal links look like [text](@/section/page.md) or [text](@/page.md#heading-id)";

/// Validates the tree of `doc` and enumerates its routes.
///
/// The passes run in order and each adds its errors to the shared list, so
/// that all problems are reported together. Walking the graph (reachability,
/// routes) and the examples needs a sound graph: a start question, every
/// `next` naming something, no cycle. Without one they are skipped.
pub(crate) fn check(
    site: &Site,
    doc: &Document,
    spec: &DecisionSpec,
) -> Result<Tree, Vec<Diagnostic>> {
    let mut c = Checker::new(site, doc, spec);
    c.ids();
    let answers = c.answers();
    let pages = c.outcomes();
    let graph = c.graph(&answers.next);
    if let Some(graph) = &graph {
        c.examples(graph);
    }
    match graph {
        Some(g) if c.errors.is_empty() => Ok(Tree::new(
            spec.clone(),
            g.start,
            g.next,
            g.states,
            g.longest,
            pages.help_html,
            pages.body_html,
            pages.links,
            answers.slugs,
        )),
        _ => Err(c.errors),
    }
}

/// What the passes share: the tree being checked, the errors found so far
/// and the ids.
struct Checker<'a> {
    site: &'a Site,
    doc: &'a Document,
    spec: &'a DecisionSpec,
    errors: Vec<Diagnostic>,
    /// Each id, to the first question or outcome that uses it.
    ids: HashMap<&'a str, Node>,
    /// Every id, sorted: for "did you mean" and lists in help texts.
    known: Vec<&'a str>,
}

/// Output of the answers pass.
struct Answers {
    /// Per question and answer: where `next` leads, `None` if it names nothing.
    next: Vec<Vec<Option<Node>>>,
    /// Per question and answer: the answer's URL segment.
    slugs: Vec<Vec<String>>,
}

/// Output of the outcomes pass: what the pages show besides the spec's text.
struct Pages {
    links: Vec<Vec<(String, String)>>,
    body_html: Vec<Option<String>>,
    help_html: Vec<Option<String>>,
}

/// Output of the graph pass, for a tree whose answers all lead somewhere.
struct Graph {
    start: usize,
    next: Vec<Vec<Node>>,
    states: Vec<State>,
    longest: Vec<usize>,
}

impl<'a> Checker<'a> {
    fn new(site: &'a Site, doc: &'a Document, spec: &'a DecisionSpec) -> Self {
        Checker {
            site,
            doc,
            spec,
            errors: Vec::new(),
            ids: HashMap::new(),
            known: Vec::new(),
        }
    }

    /// Ids pass. Answers, `start` and examples refer to questions and outcomes
    /// by id, and ids become URL segments: each must be a valid segment and
    /// name exactly one question or outcome. Builds the id map later passes
    /// use.
    fn ids(&mut self) {
        let spec = self.spec;
        let questions = spec.questions.iter().enumerate();
        let outcomes = spec.outcomes.iter().enumerate();
        let entries = questions
            .map(|(i, x)| (Node::Question(i), x.id.as_str()))
            .chain(outcomes.map(|(i, x)| (Node::Outcome(i), x.id.as_str())));
        for (node, id) in entries {
            let at = match node {
                Node::Question(i) => q(i, &[Key::Name("id")]),
                Node::Outcome(i) => o(i, &[Key::Name("id")]),
            };
            if !is_valid_id(id) {
                self.errors.push(
                    self.doc
                        .error_at(&at, format!("invalid id `{id}`"))
                        .with_help(ID_HELP),
                );
            }
            match self.ids.get(id) {
                Some(first) => self.errors.push(
                    self.doc
                        .error_at(
                            &at,
                            format!(
                                "duplicate id `{id}`: {} already uses it",
                                describe(spec, *first)
                            ),
                        )
                        .with_help(
                            "ids are unique across questions and outcomes; rename one of them",
                        ),
                ),
                None => {
                    self.ids.insert(id, node);
                }
            }
        }
        self.known = self.ids.keys().copied().collect();
        self.known.sort_unstable();
    }

    /// Answers pass. Every question is a page with text and answer buttons,
    /// and every answer becomes a URL segment and an edge of the graph: so a
    /// question needs text and answers, each answer a label whose segment
    /// differs from its siblings', and a `next` that names a question or an
    /// outcome.
    fn answers(&mut self) -> Answers {
        let n = self.spec.questions.len();
        let mut out = Answers {
            next: Vec::with_capacity(n),
            slugs: Vec::with_capacity(n),
        };
        for i in 0..n {
            self.question_text(i);
            let question = &self.spec.questions[i];
            // Answer index by URL segment, to catch two answers sharing one.
            let mut by_slug: HashMap<String, usize> = HashMap::new();
            let mut next = Vec::with_capacity(question.answers.len());
            let mut slugs = Vec::with_capacity(question.answers.len());
            for j in 0..question.answers.len() {
                slugs.push(self.label(i, j, &mut by_slug));
                next.push(self.next_of(i, j));
            }
            out.next.push(next);
            out.slugs.push(slugs);
        }
        out
    }

    /// A question must have text and answers.
    fn question_text(&mut self, i: usize) {
        let question = &self.spec.questions[i];
        if question.text.trim().is_empty() {
            self.errors.push(
                self.doc
                    .error_at(
                        &q(i, &[Key::Name("text")]),
                        format!("question `{}` has empty text", question.id),
                    )
                    .with_help(
                        "write the question as readers should see it; it becomes the page's heading",
                    ),
            );
        }
        if question.answers.is_empty() {
            self.errors.push(
                self.doc
                    .error_at(
                        &q(i, &[Key::Name("answers")]),
                        format!("question `{}` has no answers", question.id),
                    )
                    .with_help("add answers = [ { label = \"Yes\", next = \"...\" }, { label = \"No\", next = \"...\" } ]"),
            );
        }
    }

    /// Checks the label of answer `j` of question `i` and returns its URL
    /// segment; `by_slug` holds the segments of the answers before it.
    fn label(&mut self, i: usize, j: usize, by_slug: &mut HashMap<String, usize>) -> String {
        let question = &self.spec.questions[i];
        let answer = &question.answers[j];
        let label_at = q(
            i,
            &[Key::Name("answers"), Key::Index(j), Key::Name("label")],
        );
        if answer.label.trim().is_empty() {
            self.errors.push(
                self.doc
                    .error_at(
                        &label_at,
                        format!(
                            "answer {} of question `{}` has an empty label",
                            j + 1,
                            question.id
                        ),
                    )
                    .with_help("give every answer a label such as \"Yes\""),
            );
        }
        let slug = slugify(&answer.label);
        let Some(&first) = by_slug.get(&slug) else {
            by_slug.insert(slug.clone(), j);
            return slug;
        };
        let other = &question.answers[first].label;
        let message = if other.trim() == answer.label.trim() {
            format!(
                "question `{}` has two answers labelled `{}`",
                question.id, answer.label
            )
        } else {
            format!(
                "answers `{other}` and `{}` of question `{}` would share the URL segment `{slug}`",
                answer.label, question.id
            )
        };
        self.errors.push(
            self.doc
                .error_at(&label_at, message)
                .with_help("give each answer of a question a different label"),
        );
        slug
    }

    /// Where answer `j` of question `i` leads, if its `next` names something.
    fn next_of(&mut self, i: usize, j: usize) -> Option<Node> {
        let answer = &self.spec.questions[i].answers[j];
        let target = self.ids.get(answer.next.as_str()).copied();
        if target.is_none() {
            self.errors.push(with_closest(
                self.doc.error_at(
                    &q(i, &[Key::Name("answers"), Key::Index(j), Key::Name("next")]),
                    format!("`next = \"{}\"` names no question or outcome", answer.next),
                ),
                &answer.next,
                &self.known,
                format!(
                    "`next` is the id of a question or an outcome: {}",
                    list(&self.known)
                ),
            ));
        }
        target
    }

    /// Outcomes pass. Result pages show an outcome's title, body and links,
    /// and question pages their help: titles must not be empty, links must
    /// name pages, and Markdown must render with its `@/` links and anchors
    /// resolved. Returns what the pages show.
    fn outcomes(&mut self) -> Pages {
        let spec = self.spec;
        let mut pages = Pages {
            links: Vec::with_capacity(spec.outcomes.len()),
            body_html: Vec::with_capacity(spec.outcomes.len()),
            help_html: Vec::with_capacity(spec.questions.len()),
        };
        for (i, outcome) in spec.outcomes.iter().enumerate() {
            if outcome.title.trim().is_empty() {
                self.errors.push(
                    self.doc
                        .error_at(
                            &o(i, &[Key::Name("title")]),
                            format!("outcome `{}` has an empty title", outcome.id),
                        )
                        .with_help(
                            "give the outcome a title; it becomes the result page's heading",
                        ),
                );
            }
            let links = self.outcome_links(i);
            pages.links.push(links);
            let body = outcome.body.as_deref();
            let html = self.markdown(body, o(i, &[Key::Name("body")]));
            pages.body_html.push(html);
        }
        for (i, question) in spec.questions.iter().enumerate() {
            let help = question.help.as_deref();
            let html = self.markdown(help, q(i, &[Key::Name("help")]));
            pages.help_html.push(html);
        }
        pages
    }

    /// The links of outcome `i` as (title, site path with its `#anchor`),
    /// each checked to name a page and, with an anchor, a heading on it: the
    /// same rule as an `@/` link in Markdown.
    fn outcome_links(&mut self, i: usize) -> Vec<(String, String)> {
        let mut row = Vec::new();
        for (k, link) in self.spec.outcomes[i].links.iter().enumerate() {
            let key = link.trim_start_matches("@/").trim_start_matches('/');
            let (key, anchor) = match key.split_once('#') {
                Some((key, anchor)) => (key, Some(anchor)),
                None => (key, None),
            };
            match self.site.links().doc(key) {
                Ok(target) => match anchor {
                    None => row.push((target.title.clone(), target.path.clone())),
                    Some(anchor) => match Links::check_anchor(target, anchor) {
                        Ok(()) => {
                            row.push((target.title.clone(), format!("{}#{anchor}", target.path)))
                        }
                        Err((message, help)) => {
                            let at = o(i, &[Key::Name("links"), Key::Index(k)]);
                            let d = self.doc.error_at(&at, message);
                            self.errors.push(match help {
                                Some(h) => d.with_help(h),
                                None => d,
                            });
                        }
                    },
                },
                Err(message) => self.errors.push(
                    self.doc
                        .error_at(&o(i, &[Key::Name("links"), Key::Index(k)]), message)
                        .with_help(
                            "links name pages relative to content/, such as \"@/roles/vcio.md\"",
                        ),
                ),
            }
        }
        row
    }

    /// HTML of an optional Markdown field at `at`, or an error there.
    fn markdown(&mut self, text: Option<&str>, at: Vec<Key>) -> Option<String> {
        match render_markdown(self.site, text?, true) {
            Ok(html) => Some(html),
            Err(m) => {
                self.errors
                    .push(self.doc.error_at(&at, m).with_help(LINK_HELP));
                None
            }
        }
    }

    /// Graph pass. Readers walk from `start` along answers, one page per
    /// route: the start must be a question, the walk must always move
    /// forward (no cycles), every question and outcome must be reachable, and
    /// the routes must stay few enough to write a page each. Needs every
    /// `next` resolved; returns `None` (after reporting cycles and the start)
    /// when the graph is not sound enough to walk.
    fn graph(&mut self, next: &[Vec<Option<Node>>]) -> Option<Graph> {
        let start = self.start();
        let acyclic = self.cycles(next);
        let next: Vec<Vec<Node>> = next
            .iter()
            .map(|row| row.iter().copied().collect::<Option<Vec<Node>>>())
            .collect::<Option<_>>()?;
        let start = start.filter(|_| acyclic)?;
        self.reachability(&next, start);
        let longest = longest_paths(&next);
        // Routes are walked only when none is too deep: a deep one makes
        // every state's route long, and the depth error says it already.
        let states = if self.depth(longest[start]) {
            self.routes(&next, start)
        } else {
            Vec::new()
        };
        Some(Graph {
            start,
            next,
            states,
            longest,
        })
    }

    /// The start question: `start` must name a question.
    fn start(&mut self) -> Option<usize> {
        let Some(s) = &self.spec.start else {
            self.errors.push(
                self.doc.error_at(&[Key::Name("decision")], "decision tree has no `start`")
                    .with_help(match self.spec.questions.first() {
                        Some(first) => format!("add `start = \"{}\"` (the first question's id)", first.id),
                        None => "add `start = \"<id of the first question>\"` and at least one [[decision.questions]]".into(),
                    }),
            );
            return None;
        };
        let at = [Key::Name("decision"), Key::Name("start")];
        match self.ids.get(s.as_str()) {
            Some(Node::Question(i)) => return Some(*i),
            Some(Node::Outcome(_)) => self.errors.push(
                self.doc
                    .error_at(&at, format!("`start` names outcome `{s}`, not a question"))
                    .with_help("a tree starts with a question"),
            ),
            None => self.errors.push(with_closest(
                self.doc
                    .error_at(&at, format!("unknown `start`: no question has id `{s}`")),
                s,
                &self.known,
                "set `start` to the id of the first question".into(),
            )),
        }
        None
    }

    /// Reports every cycle among the questions (reachable or not) once, at
    /// the answer that closes it. Returns whether there was none.
    ///
    /// A depth-first search with an explicit stack of (question, answers
    /// looked at so far): trees can be deeper than the thread's stack.
    fn cycles(&mut self, next: &[Vec<Option<Node>>]) -> bool {
        #[derive(Clone, Copy)]
        enum Mark {
            New,
            /// On the search stack, at this index.
            OnStack(usize),
            Done,
        }
        let mut mark = vec![Mark::New; next.len()];
        let mut stack: Vec<(usize, usize)> = Vec::new();
        // A cycle is only found again through another answer from the same
        // question to the same question: one report per such pair.
        let mut reported: HashSet<(usize, usize)> = HashSet::new();
        let mut acyclic = true;
        for root in 0..next.len() {
            if !matches!(mark[root], Mark::New) {
                continue;
            }
            mark[root] = Mark::OnStack(0);
            stack.push((root, 0));
            while let Some(top) = stack.last_mut() {
                let (v, j) = *top;
                let Some(&target) = next[v].get(j) else {
                    mark[v] = Mark::Done;
                    stack.pop();
                    continue;
                };
                top.1 += 1;
                let Some(Node::Question(w)) = target else {
                    continue;
                };
                match mark[w] {
                    Mark::New => {
                        mark[w] = Mark::OnStack(stack.len());
                        stack.push((w, 0));
                    }
                    Mark::OnStack(at) => {
                        acyclic = false;
                        if reported.insert((v, w)) {
                            self.cycle(&stack[at..], j);
                        }
                    }
                    Mark::Done => {}
                }
            }
        }
        acyclic
    }

    /// Reports the cycle through the questions of `path` (search stack
    /// entries), closed by answer `j` of the last one leading to the first.
    fn cycle(&mut self, path: &[(usize, usize)], j: usize) {
        let questions = &self.spec.questions;
        let closing = path[path.len() - 1].0;
        let names: Vec<String> = path
            .iter()
            .chain(&path[..1])
            .map(|&(c, _)| format!("`{}`", questions[c].id))
            .collect();
        self.errors.push(
            self.doc.error_at(
                &q(closing, &[Key::Name("answers"), Key::Index(j), Key::Name("next")]),
                format!("cycle: {}", names.join(" → ")),
            )
            .with_help("a guide must always move forward; point this answer at a later question or an outcome"),
        );
    }

    /// Every question and outcome must be reachable from the start.
    fn reachability(&mut self, next: &[Vec<Node>], start: usize) {
        let spec = self.spec;
        let reachable = reach(next, Node::Question(start));
        let start_id = &spec.questions[start].id;
        let unreachable = |kind: &str, id: &str| {
            format!("{kind} `{id}` cannot be reached from `start` (`{start_id}`)")
        };
        const HELP: &str = "point an answer's `next` at it, or remove it";
        for (i, x) in spec.questions.iter().enumerate() {
            if !reachable.contains(&Node::Question(i)) {
                let at = q(i, &[Key::Name("id")]);
                let message = unreachable("question", &x.id);
                self.errors
                    .push(self.doc.error_at(&at, message).with_help(HELP));
            }
        }
        for (i, x) in spec.outcomes.iter().enumerate() {
            if !reachable.contains(&Node::Outcome(i)) {
                let at = o(i, &[Key::Name("id")]);
                let message = unreachable("outcome", &x.id);
                self.errors
                    .push(self.doc.error_at(&at, message).with_help(HELP));
            }
        }
    }

    /// Whether the longest route (`deepest` questions) is within
    /// [`MAX_DEPTH`]; an error at `start` when not.
    fn depth(&mut self, deepest: usize) -> bool {
        if deepest <= MAX_DEPTH {
            return true;
        }
        self.errors.push(
            self.doc
                .error_at(
                    &[Key::Name("decision"), Key::Name("start")],
                    format!("a route through this tree asks {deepest} questions; at most {MAX_DEPTH} fit on one route"),
                )
                .with_help("split it into several trees, linked from their outcomes"),
        );
        false
    }

    /// Every distinct route from the start, one page each; an error when
    /// there are more than [`MAX_ROUTES`].
    fn routes(&mut self, next: &[Vec<Node>], start: usize) -> Vec<State> {
        match enumerate_routes(next, start) {
            Some(states) => states,
            None => {
                self.errors.push(
                    self.doc.error_at(
                        &[Key::Name("decision"), Key::Name("start")],
                        format!("this tree has more than {MAX_ROUTES} distinct routes, one page each"),
                    )
                    .with_help("split it into several trees, or let fewer questions lead to shared follow-up questions"),
                );
                Vec::new()
            }
        }
    }

    /// Examples pass. Examples are regression cases the author writes down:
    /// each one's answers, followed from the start, must lead to its outcome.
    /// A failing example says where the walk went wrong.
    fn examples(&mut self, graph: &Graph) {
        // Each outcome id, to the first outcome that uses it.
        let mut outcomes: HashMap<&str, usize> = HashMap::new();
        for (i, x) in self.spec.outcomes.iter().enumerate() {
            outcomes.entry(x.id.as_str()).or_insert(i);
        }
        for e in 0..self.spec.examples.len() {
            if let Err(d) = self.run_example(graph, &outcomes, e) {
                self.errors.push(d);
            }
        }
    }

    /// Follows the answers of example `e` from the start.
    fn run_example(
        &self,
        graph: &Graph,
        outcomes: &HashMap<&str, usize>,
        e: usize,
    ) -> Result<(), Diagnostic> {
        let spec = self.spec;
        let example = &spec.examples[e];
        let mut path: Vec<(Node, Option<usize>)> = vec![(Node::Question(graph.start), None)];
        for (k, label) in example.answers.iter().enumerate() {
            let (node, answer) = path.last_mut().expect("non-empty");
            let qi = match *node {
                Node::Question(qi) => qi,
                Node::Outcome(oi) => return Err(self.extra_answers(e, k, oi, &path)),
            };
            let answers = &spec.questions[qi].answers;
            let Some(j) = answers.iter().position(|a| a.label == *label) else {
                return Err(self.no_such_answer(e, k, qi, &path));
            };
            *answer = Some(j);
            path.push((graph.next[qi][j], None));
        }
        match path[path.len() - 1].0 {
            Node::Question(qi) => Err(self.out_of_answers(e, qi, &path)),
            Node::Outcome(oi) if spec.outcomes[oi].id == example.outcome => Ok(()),
            Node::Outcome(oi) => Err(self.wrong_outcome(graph, outcomes, e, oi, &path)),
        }
    }

    /// Example `e` reached outcome `oi` before its answer `k`.
    fn extra_answers(&self, e: usize, k: usize, oi: usize, path: &[Walked]) -> Diagnostic {
        let example = &self.spec.examples[e];
        self.doc
            .error_at(
                &ex(e, &[Key::Name("answers"), Key::Index(k)]),
                format!(
                    "example {} reaches outcome `{}` after {k} answer{}, but has {} more: {}",
                    e + 1,
                    self.spec.outcomes[oi].id,
                    if k == 1 { "" } else { "s" },
                    example.answers.len() - k,
                    trail(self.spec, path)
                ),
            )
            .with_help("remove the extra answers, or fix the earlier ones")
    }

    /// Answer `k` of example `e` is no answer of question `qi`.
    fn no_such_answer(&self, e: usize, k: usize, qi: usize, path: &[Walked]) -> Diagnostic {
        let question = &self.spec.questions[qi];
        let label = &self.spec.examples[e].answers[k];
        let labels: Vec<&str> = question.answers.iter().map(|a| a.label.as_str()).collect();
        let d = self.doc.error_at(
            &ex(e, &[Key::Name("answers"), Key::Index(k)]),
            format!(
                "example {}: question `{}` has no answer `{label}` (path so far: {})",
                e + 1,
                question.id,
                trail(self.spec, path)
            ),
        );
        with_closest(
            d,
            label,
            &labels,
            format!("its answers are {}", list(&labels)),
        )
    }

    /// Example `e` ends at question `qi`.
    fn out_of_answers(&self, e: usize, qi: usize, path: &[Walked]) -> Diagnostic {
        let question = &self.spec.questions[qi];
        let labels: Vec<&str> = question.answers.iter().map(|a| a.label.as_str()).collect();
        self.doc
            .error_at(
                &ex(e, &[Key::Name("answers")]),
                format!(
                    "example {} runs out of answers at question `{}`: {}",
                    e + 1,
                    question.id,
                    trail(self.spec, path)
                ),
            )
            .with_help(format!(
                "add an answer to “{}” ({})",
                question.text,
                list(&labels)
            ))
    }

    /// The outcome of example `e` names no outcome.
    fn unknown_outcome(&self, e: usize, outcomes: &HashMap<&str, usize>) -> Diagnostic {
        let example = &self.spec.examples[e];
        let ids: Vec<&str> = self
            .known
            .iter()
            .copied()
            .filter(|k| outcomes.contains_key(k))
            .collect();
        with_closest(
            self.doc.error_at(
                &ex(e, &[Key::Name("outcome")]),
                format!("example {}: no outcome has id `{}`", e + 1, example.outcome),
            ),
            &example.outcome,
            &ids,
            format!("outcomes are {}", list(&ids)),
        )
    }

    /// Example `e` ends at outcome `oi`, not at its own.
    fn wrong_outcome(
        &self,
        graph: &Graph,
        outcomes: &HashMap<&str, usize>,
        e: usize,
        oi: usize,
        path: &[Walked],
    ) -> Diagnostic {
        let example = &self.spec.examples[e];
        let at = ex(e, &[Key::Name("outcome")]);
        let Some(&expected) = outcomes.get(example.outcome.as_str()) else {
            return self.unknown_outcome(e, outcomes);
        };
        // Where did it diverge: the last question from which the expected
        // outcome could still be reached.
        let reaching = reaching(&graph.next, Node::Outcome(expected));
        let diverged = path.iter().rev().find(|(n, _)| reaching.contains(n));
        let detail = match diverged {
            Some((Node::Question(qi), Some(j))) => format!(
                "; it diverged at question `{}`, answering “{}”, after which `{}` cannot be reached",
                self.spec.questions[*qi].id,
                self.spec.questions[*qi].answers[*j].label,
                example.outcome
            ),
            _ => format!("; `{}` cannot be reached from the start", example.outcome),
        };
        self.doc
            .error_at(
                &at,
                format!(
                    "example {} leads to `{}`, not `{}`: {}{detail}",
                    e + 1,
                    self.spec.outcomes[oi].id,
                    example.outcome,
                    trail(self.spec, path)
                ),
            )
            .with_help("fix the tree, or the example's answers or outcome")
    }
}

/// A step of an example's walk: the node reached, and the answer taken there
/// (none yet at the last one).
type Walked = (Node, Option<usize>);

/// An example's walk as text: `a` —“Yes”→ `b` —“No”→ `c`.
fn trail(spec: &DecisionSpec, path: &[Walked]) -> String {
    let mut s = String::new();
    for (node, answer) in path {
        s.push_str(&format!("`{}`", node_id(spec, *node)));
        if let (Node::Question(i), Some(j)) = (node, answer) {
            s.push_str(&format!(" —“{}”→ ", spec.questions[*i].answers[*j].label));
        }
    }
    s
}

/// Every node from which `target` can be reached (including it): one walk
/// back along the answers, where asking [`reach`] from each node of a path
/// would take time proportional to the path's length times the tree's size.
fn reaching(next: &[Vec<Node>], target: Node) -> HashSet<Node> {
    let mut before: HashMap<Node, Vec<usize>> = HashMap::new();
    for (i, row) in next.iter().enumerate() {
        for &t in row {
            before.entry(t).or_default().push(i);
        }
    }
    let mut seen = HashSet::new();
    let mut todo = vec![target];
    while let Some(n) = todo.pop() {
        if seen.insert(n)
            && let Some(from) = before.get(&n)
        {
            todo.extend(from.iter().map(|&i| Node::Question(i)));
        }
    }
    seen
}

/// Every distinct route from `start` (of an acyclic graph) as a state:
/// depth first, answers in order, each node after the route to it. `None` as
/// soon as there are more than [`MAX_ROUTES`], so that a graph with very many
/// routes costs no more than one with `MAX_ROUTES`.
fn enumerate_routes(next: &[Vec<Node>], start: usize) -> Option<Vec<State>> {
    let mut states: Vec<State> = Vec::new();
    let mut route: Vec<Step> = Vec::new();
    // Questions whose answers are being walked, with the next answer to take.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut arrived = Some(Node::Question(start));
    loop {
        if let Some(node) = arrived.take() {
            if states.len() >= MAX_ROUTES {
                return None;
            }
            states.push(State {
                node,
                route: route.clone(),
                path: String::new(),
            });
            match node {
                Node::Question(qi) => stack.push((qi, 0)),
                Node::Outcome(_) => {
                    route.pop();
                }
            }
        }
        let Some((qi, j)) = stack.last_mut() else {
            return Some(states);
        };
        match next[*qi].get(*j) {
            Some(&target) => {
                route.push((*qi, *j));
                *j += 1;
                arrived = Some(target);
            }
            None => {
                stack.pop();
                route.pop();
            }
        }
    }
}

/// Per question: the most questions on any route from it, counting itself.
/// The graph must be acyclic.
///
/// Worked out children first with an explicit stack: a question is looked
/// at once to push the questions it needs, and once more to take their
/// maximum. Pushes are bounded by questions plus answers.
fn longest_paths(next: &[Vec<Node>]) -> Vec<usize> {
    // 0: not worked out yet (every question counts itself, so never 0 after).
    let mut longest = vec![0usize; next.len()];
    let mut stack = Vec::new();
    for root in 0..next.len() {
        stack.push(root);
        while let Some(&v) = stack.last() {
            if longest[v] != 0 {
                stack.pop();
                continue;
            }
            let before = stack.len();
            stack.extend(next[v].iter().filter_map(|t| match *t {
                Node::Question(w) if longest[w] == 0 => Some(w),
                _ => None,
            }));
            if stack.len() == before {
                let rest = next[v].iter().map(|t| match *t {
                    Node::Question(w) => longest[w],
                    Node::Outcome(_) => 0,
                });
                longest[v] = 1 + rest.max().unwrap_or(0);
                stack.pop();
            }
        }
    }
    longest
}

fn list(known: &[&str]) -> String {
    known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(spec: &DecisionSpec, node: Node) -> String {
    match node {
        Node::Question(i) => format!("question {} (`{}`)", i + 1, spec.questions[i].id),
        Node::Outcome(i) => format!("outcome {} (`{}`)", i + 1, spec.outcomes[i].id),
    }
}

fn node_id(spec: &DecisionSpec, node: Node) -> &str {
    match node {
        Node::Question(i) => &spec.questions[i].id,
        Node::Outcome(i) => &spec.outcomes[i].id,
    }
}

/// Every node reachable from `from` (including it).
pub(crate) fn reach(next: &[Vec<Node>], from: Node) -> HashSet<Node> {
    let mut seen = HashSet::new();
    let mut todo = vec![from];
    while let Some(n) = todo.pop() {
        if !seen.insert(n) {
            continue;
        }
        if let Node::Question(i) = n {
            todo.extend(next[i].iter().copied());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};

    use super::{MAX_DEPTH, MAX_ROUTES};
    use crate::config::Config;
    use crate::diagnostics::Diagnostic;
    use crate::features::decision::{Tree, Trees as Prepared, prepare};
    use crate::model::{ModelOptions, Site, assemble};
    use crate::source::content::{ContentFiles, SourceFile};
    use crate::urls::UrlMode;

    /// Block-style YAML for a JSON value (strings double-quoted).
    fn to_yaml(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        let scalar = |v: &Value| match v {
            Value::String(s) => serde_json::to_string(s).unwrap(),
            Value::Array(a) if a.is_empty() => "[]".into(),
            Value::Object(o) if o.is_empty() => "{}".into(),
            other => other.to_string(),
        };
        let simple = |v: &Value| match v {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => true,
        };
        match v {
            Value::Object(map) => {
                for (k, val) in map {
                    if simple(val) {
                        out.push_str(&format!("{pad}{k}: {}\n", scalar(val)));
                    } else {
                        out.push_str(&format!("{pad}{k}:\n"));
                        to_yaml(val, indent + 2, out);
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    if simple(item) {
                        out.push_str(&format!("{pad}- {}\n", scalar(item)));
                    } else {
                        let mut inner = String::new();
                        to_yaml(item, indent + 2, &mut inner);
                        out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", scalar(other))),
        }
    }

    fn site(decide: &str) -> Site {
        let file = |rel: &str, text: &str| SourceFile {
            rel_path: rel.into(),
            display_path: format!("content/{rel}").into(),
            text: Arc::from(text),
        };
        let files = ContentFiles {
            markdown: vec![
                file("_index.md", "+++\ntitle = \"Home\"\n+++\n"),
                file(
                    "roles/vcio.md",
                    "+++\ntitle = \"vCIO\"\n+++\n## What it is\n",
                ),
                file("decide.md", decide),
            ],
            assets: Vec::new(),
        };
        assemble(
            Arc::new(Config::default()),
            UrlMode::Absolute {
                base: String::new(),
            },
            files,
            &ModelOptions {
                claimed: vec!["decision"],
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn source(decision: &Value, yaml: bool) -> String {
        let fm = json!({ "title": "Decide", "decision": decision });
        if yaml {
            let mut y = String::new();
            to_yaml(&fm, 0, &mut y);
            format!("---\n{y}---\nBody\n")
        } else {
            format!("+++\n{}+++\nBody\n", toml::to_string(&fm).unwrap())
        }
    }

    fn run(decision: &Value, yaml: bool) -> Result<Prepared, Vec<Diagnostic>> {
        prepare(&site(&source(decision, yaml)))
    }

    /// (message, help, the source line the error points at) for each error,
    /// checked to agree between TOML and YAML.
    fn errors(decision: Value) -> Vec<(String, String, String)> {
        let mut results = Vec::new();
        for yaml in [false, true] {
            let errs = match run(&decision, yaml) {
                Ok(_) => panic!(
                    "expected errors ({}):\n{}",
                    if yaml { "YAML" } else { "TOML" },
                    source(&decision, yaml)
                ),
                Err(e) => e,
            };
            let mut v: Vec<(String, String, String)> = errs
                .iter()
                .map(|d| {
                    assert_eq!(
                        d.file.as_deref(),
                        Some(std::path::Path::new("content/decide.md"))
                    );
                    assert!(d.line_col().is_some(), "no position: {d:?}");
                    (
                        d.message.clone(),
                        d.help.clone().unwrap_or_default(),
                        d.snippet().unwrap_or_default(),
                    )
                })
                .collect();
            v.sort();
            results.push(v);
        }
        let (toml, yaml) = (&results[0], &results[1]);
        assert_eq!(toml.len(), yaml.len(), "TOML: {toml:#?}\nYAML: {yaml:#?}");
        for (t, y) in toml.iter().zip(yaml) {
            assert_eq!(t.0, y.0);
        }
        results.remove(0)
    }

    fn good() -> Value {
        json!({
            "start": "first",
            "questions": [
                { "id": "first", "text": "First?", "help": "See [vCIO](@/roles/vcio.md#what-it-is).",
                  "answers": [ { "label": "Yes", "next": "second" }, { "label": "No", "next": "done" } ] },
                { "id": "second", "text": "Second?",
                  "answers": [ { "label": "Yes", "next": "done" }, { "label": "No", "next": "other" } ] },
            ],
            "outcomes": [
                { "id": "done", "title": "Done", "body": "**Yes.**", "links": ["@/roles/vcio.md"] },
                { "id": "other", "title": "Other" },
            ],
            "examples": [
                { "answers": ["No"], "outcome": "done" },
                { "answers": ["Yes", "No"], "outcome": "other" },
            ],
        })
    }

    fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
        f(&mut v);
        v
    }

    fn one(decision: Value, message: &str, line_has: &str) -> (String, String, String) {
        let errs = errors(decision);
        let hit = errs
            .iter()
            .find(|e| e.0.contains(message))
            .unwrap_or_else(|| panic!("no error containing {message:?} in {errs:#?}"));
        assert!(
            hit.2.contains(line_has),
            "error {:?} points at line {:?}, expected one containing {line_has:?}",
            hit.0,
            hit.2
        );
        hit.clone()
    }

    #[test]
    fn good_trees_pass_in_both_formats() {
        for yaml in [false, true] {
            let p = run(&good(), yaml).unwrap_or_else(|e| panic!("{e:#?}"));
            let tree = p.trees.values().next().unwrap();
            // first, first→second, first→done, second→done, second→other.
            assert_eq!(tree.states.len(), 5);
            assert_eq!(tree.max_questions(), 2);
            let paths: Vec<&str> = tree.states.iter().map(|s| s.path.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "/decide/q/first/",
                    "/decide/q/second/",
                    "/decide/result/done/yes/yes/",
                    "/decide/result/other/",
                    "/decide/result/done/no/",
                ]
            );
        }
    }

    #[test]
    fn start_missing_or_unknown() {
        one(
            with(good(), |v| {
                v.as_object_mut().unwrap().remove("start");
            }),
            "has no `start`",
            "decision",
        );
        let e = one(
            with(good(), |v| v["start"] = json!("frist")),
            "unknown `start`",
            "frist",
        );
        assert_eq!(e.1, "did you mean `first`?");
        one(
            with(good(), |v| v["start"] = json!("done")),
            "names outcome `done`",
            "done",
        );
    }

    #[test]
    fn ids_must_be_valid_and_unique() {
        // The error names the first user of the id, so the reader finds both.
        one(
            with(good(), |v| v["outcomes"][1]["id"] = json!("second")),
            "duplicate id `second`: question 2 (`second`) already uses it",
            "second",
        );
        let bad = with(good(), |v| {
            v["outcomes"][1]["id"] = json!("Other Thing");
            v["questions"][1]["answers"][1]["next"] = json!("Other Thing");
        });
        let e = one(bad, "invalid id `Other Thing`", "Other Thing");
        assert!(e.1.contains("[a-z0-9][a-z0-9-]*"));
        // The first character alone decides these (the rest would be fine):
        // ids start with a lower-case letter or a digit.
        for id in ["Other", "-other"] {
            let bad = with(good(), |v| {
                v["outcomes"][1]["id"] = json!(id);
                v["questions"][1]["answers"][1]["next"] = json!(id);
            });
            one(bad, &format!("invalid id `{id}`"), id);
        }
        // And a hyphen is fine after it.
        let fine = with(good(), |v| {
            v["outcomes"][1]["id"] = json!("other-1");
            v["questions"][1]["answers"][1]["next"] = json!("other-1");
            v["examples"][1]["outcome"] = json!("other-1");
        });
        run(&fine, false).unwrap_or_else(|e| panic!("{e:#?}"));
    }

    #[test]
    fn next_must_name_something() {
        let e = one(
            with(good(), |v| {
                v["questions"][1]["answers"][1]["next"] = json!("othr")
            }),
            "`next = \"othr\"` names no question or outcome",
            "othr",
        );
        assert_eq!(e.1, "did you mean `other`?");
        // Nothing close: the help lists every id there is.
        let e = one(
            with(good(), |v| {
                v["questions"][1]["answers"][1]["next"] = json!("zzzzzzzz")
            }),
            "names no question or outcome",
            "zzzzzzzz",
        );
        assert_eq!(
            e.1,
            "`next` is the id of a question or an outcome: `done`, `first`, `other`, `second`"
        );
    }

    #[test]
    fn answers_must_exist_and_differ() {
        one(
            with(good(), |v| {
                v["questions"][1]["answers"] = json!([]);
                v["outcomes"].as_array_mut().unwrap().pop();
                v["examples"].as_array_mut().unwrap().pop();
            }),
            "question `second` has no answers",
            "answers",
        );
        one(
            with(good(), |v| {
                v["questions"][0]["answers"][1]["label"] = json!("Yes")
            }),
            "two answers labelled `Yes`",
            "Yes",
        );
        one(
            with(good(), |v| {
                v["questions"][0]["answers"][1]["label"] = json!("yes!")
            }),
            "would share the URL segment `yes`",
            "yes!",
        );
    }

    #[test]
    fn everything_must_be_reachable() {
        let v = with(good(), |v| {
            v["questions"][0]["answers"][0]["next"] = json!("done");
            v["examples"] = json!([]);
        });
        let errs = errors(v);
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(
            errs[0]
                .0
                .contains("outcome `other` cannot be reached from `start` (`first`)"),
            "{errs:#?}"
        );
        assert!(
            errs[1].0.contains("question `second` cannot be reached"),
            "{errs:#?}"
        );
        assert!(errs[1].2.contains("second"));
    }

    #[test]
    fn cycles_name_their_questions() {
        let v = with(good(), |v| {
            v["questions"][1]["answers"][1]["next"] = json!("first");
            v["outcomes"].as_array_mut().unwrap().pop();
            v["examples"] = json!([]);
        });
        let e = one(v, "cycle: `first` → `second` → `first`", "first");
        assert!(e.1.contains("move forward"));
        // A question leading to itself.
        one(
            with(good(), |v| {
                v["questions"][1]["answers"][1]["next"] = json!("second")
            }),
            "cycle: `second` → `second`",
            "second",
        );
    }

    #[test]
    fn text_label_and_title_must_not_be_empty() {
        let v = with(good(), |v| {
            v["questions"][0]["text"] = json!("  ");
            v["questions"][1]["answers"][0]["label"] = json!("");
            v["outcomes"][1]["title"] = json!("");
        });
        let errs = errors(v);
        let messages: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("question `first` has empty text")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("answer 1 of question `second` has an empty label")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("outcome `other` has an empty title")),
            "{messages:?}"
        );
    }

    #[test]
    fn links_must_name_pages() {
        let e = one(
            with(good(), |v| {
                v["outcomes"][0]["links"] = json!(["@/roles/vcoi.md"])
            }),
            "link to missing page `@/roles/vcoi.md`",
            "vcoi",
        );
        assert!(e.0.contains("did you mean `@/roles/vcio.md`?"), "{e:?}");
        one(
            with(good(), |v| {
                v["questions"][0]["help"] = json!("See [x](@/roles/vcio.md#nope).")
            }),
            "missing anchor `#nope`",
            "nope",
        );
        one(
            with(good(), |v| {
                v["outcomes"][1]["body"] = json!("See [x](@/nowhere.md).")
            }),
            "link to missing page `@/nowhere.md`",
            "nowhere",
        );
    }

    #[test]
    fn examples_must_lead_to_their_outcome() {
        let e = one(
            with(good(), |v| v["examples"][1]["outcome"] = json!("done")),
            "example 2 leads to `other`, not `done`",
            "done",
        );
        assert!(
            e.0.contains("`first` —“Yes”→ `second` —“No”→ `other`"),
            "{e:?}"
        );
        assert!(
            e.0.contains("diverged at question `second`, answering “No”"),
            "{e:?}"
        );
        let e = one(
            with(good(), |v| v["examples"][1]["answers"] = json!(["Yes"])),
            "example 2 runs out of answers at question `second`",
            "answers",
        );
        assert_eq!(e.1, "add an answer to “Second?” (`Yes`, `No`)");
        one(
            with(good(), |v| {
                v["examples"][0]["answers"] = json!(["No", "Yes"])
            }),
            "example 1 reaches outcome `done` after 1 answer, but has 1 more",
            "Yes",
        );
        let e = one(
            with(good(), |v| {
                v["examples"][1]["answers"] = json!(["Yes", "Nope"])
            }),
            "question `second` has no answer `Nope`",
            "Nope",
        );
        assert_eq!(e.1, "did you mean `No`?");
        one(
            with(good(), |v| v["examples"][0]["outcome"] = json!("gone")),
            "no outcome has id `gone`",
            "gone",
        );
    }

    #[test]
    fn all_errors_are_reported_together() {
        let v = with(good(), |v| {
            v["questions"][0]["text"] = json!("");
            v["outcomes"][0]["links"] = json!(["@/x.md"]);
            v["examples"][0]["outcome"] = json!("other");
        });
        let errs = errors(v);
        assert_eq!(errs.len(), 3, "{errs:#?}");
    }

    /// Runs `f` on a thread with a 256 KiB stack: recursion as deep as a big
    /// tree overflows it (aborting the test run) where a loop does not.
    fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(s, f)
                .unwrap()
                .join()
                .unwrap()
        })
    }

    /// `check` of the tree of decide.md on a small stack, and how long it took.
    fn check_on_small_stack(site: &Site) -> (Result<Tree, Vec<Diagnostic>>, Duration) {
        let doc = site.docs.iter().find(|d| d.has_table("decision")).unwrap();
        let spec = doc
            .read_table::<super::super::Table>()
            .unwrap()
            .decision
            .unwrap();
        let spec = &spec;
        on_small_stack(|| {
            let t = Instant::now();
            let r = super::check(site, doc, spec);
            (r, t.elapsed())
        })
    }

    /// Questions `q1` … `q{n}`: every answer of each leads to the next one,
    /// and those of the last to the outcome `end`.
    fn chain(n: usize, labels: &[&str]) -> Value {
        let questions: Vec<Value> = (1..=n)
            .map(|i| {
                let next = if i == n {
                    "end".to_string()
                } else {
                    format!("q{}", i + 1)
                };
                let answers: Vec<Value> = labels
                    .iter()
                    .map(|l| json!({ "label": l, "next": next }))
                    .collect();
                json!({ "id": format!("q{i}"), "text": format!("Question {i}?"), "answers": answers })
            })
            .collect();
        json!({
            "start": "q1",
            "questions": questions,
            "outcomes": [ { "id": "end", "title": "End" } ],
        })
    }

    /// Asserts that the only error is `message`.
    fn only_error(result: Result<Tree, Vec<Diagnostic>>, message: &str) {
        let errs = result.expect_err("expected an error");
        let messages: Vec<&str> = errs.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, [message]);
    }

    /// Asserts that the only error is the one about too many routes.
    fn only_route_cap(result: Result<Tree, Vec<Diagnostic>>) {
        only_error(
            result,
            &format!("this tree has more than {MAX_ROUTES} distinct routes, one page each"),
        );
    }

    /// Asserts that the only error is that a route asks `n` questions.
    fn only_depth_cap(result: Result<Tree, Vec<Diagnostic>>, n: usize) {
        only_error(
            result,
            &format!(
                "a route through this tree asks {n} questions; at most {MAX_DEPTH} fit on one route"
            ),
        );
    }

    #[test]
    fn a_20000_question_chain_is_checked_without_recursion() {
        let mut v = chain(20_000, &["Next"]);
        v["examples"] = json!([ { "answers": vec!["Next"; 20_000], "outcome": "end" } ]);
        let site = site(&source(&v, false));
        let (result, took) = check_on_small_stack(&site);
        eprintln!("20,000-question chain: checked in {took:?}");
        // Far deeper than a route may be. Everything else (cycles,
        // reachability, the example that walks all of it) passes, and the
        // 20,001 routes are not walked.
        only_depth_cap(result, 20_000);
    }

    #[test]
    fn a_20000_question_cycle_is_reported_without_recursion() {
        let n = 20_000;
        let mut v = chain(n, &["Next"]);
        v["questions"][n - 1]["answers"][0]["next"] = json!("q1");
        let site = site(&source(&v, false));
        let (result, took) = check_on_small_stack(&site);
        eprintln!("20,000-question cycle: checked in {took:?}");
        let errs = result.expect_err("expected the cycle");
        let names: Vec<String> = (1..=n).chain([1]).map(|i| format!("`q{i}`")).collect();
        let messages: Vec<&str> = errs.iter().map(|d| d.message.as_str()).collect();
        // The walk stops at the cycle: nothing about the unreachable `end`.
        assert_eq!(messages, [format!("cycle: {}", names.join(" → "))]);
    }

    #[test]
    fn a_20000_deep_dag_reports_the_depth_cap() {
        // Two answers per question, both to the next: 2^20000 routes.
        let site = site(&source(&chain(20_000, &["Yes", "No"]), false));
        let (result, took) = check_on_small_stack(&site);
        eprintln!("20,000-deep DAG: checked in {took:?}");
        only_depth_cap(result, 20_000);
    }

    #[test]
    fn a_dag_as_deep_as_allowed_reports_the_route_cap() {
        // 2^MAX_DEPTH routes, each within the depth cap.
        let site = site(&source(&chain(MAX_DEPTH, &["Yes", "No"]), false));
        let (result, took) = check_on_small_stack(&site);
        eprintln!("{MAX_DEPTH}-deep DAG: checked in {took:?}");
        only_route_cap(result);
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }

    #[test]
    fn one_question_more_than_the_depth_cap_is_an_error() {
        let site = site(&source(&chain(MAX_DEPTH + 1, &["Next"]), false));
        only_depth_cap(check_on_small_stack(&site).0, MAX_DEPTH + 1);
    }

    #[test]
    fn the_widest_tree_under_the_cap_is_valid_and_one_more_route_is_not() {
        // One question with an answer per route: the question's page and
        // one result page per answer.
        let wide = |answers: usize| {
            let answers: Vec<Value> = (0..answers)
                .map(|i| json!({ "label": format!("A{i}"), "next": "end" }))
                .collect();
            json!({
                "start": "q1",
                "questions": [ { "id": "q1", "text": "Which?", "answers": answers } ],
                "outcomes": [ { "id": "end", "title": "End" } ],
            })
        };
        let site_at_cap = site(&source(&wide(MAX_ROUTES - 1), false));
        let tree = check_on_small_stack(&site_at_cap)
            .0
            .unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(tree.states.len(), MAX_ROUTES);
        only_route_cap(check_on_small_stack(&site(&source(&wide(MAX_ROUTES), false))).0);
    }

    #[test]
    fn route_enumeration_stops_at_the_cap() {
        // 25 diamonds in a row: `a{i}` leads to `b{i}` or `c{i}`, both of
        // which lead to `a{i+1}` (the last ones to `end`): 2^25 routes of
        // 50 questions, as deep as a route may be.
        let next = |i: usize| {
            if i == 25 {
                "end".to_string()
            } else {
                format!("a{}", i + 1)
            }
        };
        let mut questions = Vec::new();
        for i in 1..=25 {
            questions.push(
                json!({ "id": format!("a{i}"), "text": "Which?", "answers": [
                { "label": "Left", "next": format!("b{i}") },
                { "label": "Right", "next": format!("c{i}") },
            ] }),
            );
            for side in ["b", "c"] {
                questions.push(
                    json!({ "id": format!("{side}{i}"), "text": "On?", "answers": [
                    { "label": "On", "next": next(i) },
                ] }),
                );
            }
        }
        let v = json!({
            "start": "a1",
            "questions": questions,
            "outcomes": [ { "id": "end", "title": "End" } ],
        });
        let (result, took) = check_on_small_stack(&site(&source(&v, false)));
        eprintln!("2^25-route diamond DAG: checked in {took:?}");
        only_route_cap(result);
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }

    #[test]
    fn the_deepest_tree_under_the_cap_builds_on_a_small_stack() {
        // MAX_DEPTH questions in a chain and the result.
        let site = site(&source(&chain(MAX_DEPTH, &["Next"]), false));
        let (result, took) = check_on_small_stack(&site);
        eprintln!("{MAX_DEPTH}-question chain: checked in {took:?}");
        let tree = result.unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(tree.states.len(), MAX_DEPTH + 1);
        assert_eq!(tree.max_questions(), MAX_DEPTH);
        // The outline (a list nested as deep as the tree) is built here, on
        // the calling thread; `check` itself runs on rayon's threads.
        let id = site
            .docs
            .iter()
            .position(|d| d.has_table("decision"))
            .unwrap();
        let outline = on_small_stack(|| {
            let prepared = prepare(&site).unwrap_or_else(|e| panic!("{e:#?}"));
            let value = prepared.value(id);
            value
                .get_from_path("outline")
                .and_then(|v| v.as_str())
                .unwrap()
                .to_string()
        });
        assert_eq!(outline.matches("<ul>\n").count(), MAX_DEPTH);
        // Each question's list closes inside its parent's answer, then the root.
        assert!(outline.ends_with(&"</li>\n</ul>\n".repeat(MAX_DEPTH + 1)));
    }

    #[test]
    fn the_outline_lists_each_question_once() {
        // `third` is met twice: in full the first time, as a link after.
        let v = json!({
            "start": "first",
            "questions": [
                { "id": "first", "text": "First?",
                  "answers": [ { "label": "Yes", "next": "second" }, { "label": "No", "next": "third" } ] },
                { "id": "second", "text": "Second <b>&</b>?",
                  "answers": [ { "label": "Yes", "next": "third" }, { "label": "No", "next": "done" } ] },
                { "id": "third", "text": "Third?",
                  "answers": [ { "label": "A", "next": "done" }, { "label": "B", "next": "other" } ] },
            ],
            "outcomes": [ { "id": "done", "title": "Done" }, { "id": "other", "title": "Other" } ],
        });
        let site = site(&source(&v, false));
        let id = site
            .docs
            .iter()
            .position(|d| d.has_table("decision"))
            .unwrap();
        let prepared = prepare(&site).unwrap_or_else(|e| panic!("{e:#?}"));
        let value = prepared.value(id);
        let outline = value
            .get_from_path("outline")
            .and_then(|v| v.as_str())
            .unwrap();
        // As the recursive version wrote it.
        let expected = r#"<ul class="decision-outline">
<li><span class="decision-outline__question">Question: <a href="/decide/q/first/">First?</a></span>
<ul>
<li><span class="decision-outline__answer">Yes</span> → <span class="decision-outline__question">Question: <a href="/decide/q/second/">Second &lt;b&gt;&amp;&lt;/b&gt;?</a></span>
<ul>
<li><span class="decision-outline__answer">Yes</span> → <span class="decision-outline__question">Question: <a href="/decide/q/third/yes/yes/">Third?</a></span>
<ul>
<li><span class="decision-outline__answer">A</span> → <span class="decision-outline__outcome">Result: <a href="/decide/result/done/yes/yes/a/">Done</a></span></li>
<li><span class="decision-outline__answer">B</span> → <span class="decision-outline__outcome">Result: <a href="/decide/result/other/yes/yes/b/">Other</a></span></li>
</ul>
</li>
<li><span class="decision-outline__answer">No</span> → <span class="decision-outline__outcome">Result: <a href="/decide/result/done/yes/yes/a/">Done</a></span></li>
</ul>
</li>
<li><span class="decision-outline__answer">No</span> → continue with the question <a href="/decide/q/third/yes/yes/">Third?</a> (listed above)</li>
</ul>
</li>
</ul>
"#;
        assert_eq!(outline, expected);
    }
}
