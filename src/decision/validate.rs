//! Checks a `[decision]` tree and works out its routes. Every problem is an
//! error at the file:line:column of the front matter key it is about, and all
//! of them are reported together.

use std::collections::{HashMap, HashSet};

use super::{DecisionSpec, Node, State, Step, Tree};
use crate::diagnostics::{Diagnostic, closest};
use crate::frontmatter::Key;
use crate::markdown::{self, MarkdownOptions, slugify};
use crate::model::{Document, Site};

/// More distinct routes than this would write too many pages.
pub const MAX_ROUTES: usize = 2000;

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
pub fn render_markdown(site: &Site, text: &str, block: bool) -> Result<String, String> {
    let opts = MarkdownOptions {
        smart_punctuation: site.config.markdown.smart_punctuation,
        words_per_minute: site.config.markdown.words_per_minute,
    };
    let resolve = |target: &str| -> Result<String, String> {
        let key = target.trim_start_matches('/');
        match site.get(key) {
            Some(d) => Ok(site.permalink(&d.path)),
            None => Err(missing_page_message(site, key)),
        }
    };
    let (r, errors) = markdown::render(text, 0, false, &opts, &resolve);
    if let Some((_, message)) = errors.into_iter().next() {
        return Err(message);
    }
    for link in &r.anchor_links {
        if let Some(t) = site.get(&link.target)
            && !t.rendered.heading_ids.contains(&link.anchor)
        {
            return Err(format!(
                "link to missing anchor `#{}` on {}",
                link.anchor,
                t.display_path.display()
            ));
        }
    }
    let html = r.html.trim_end();
    if !block
        && let Some(inner) = html
            .strip_prefix("<p>")
            .and_then(|h| h.strip_suffix("</p>"))
        && !inner.contains("<p>")
    {
        return Ok(inner.to_string());
    }
    Ok(html.to_string())
}

fn missing_page_message(site: &Site, key: &str) -> String {
    let mut msg = format!("link to missing page `@/{key}`");
    if let Some(best) = closest(key, site.by_rel_path.keys().map(String::as_str)) {
        msg.push_str(&format!(" (did you mean `@/{best}`?)"));
    }
    msg
}

/// Validates the tree of `doc` and enumerates its routes.
pub fn check(site: &Site, doc: &Document, spec: &DecisionSpec) -> Result<Tree, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    const ID_HELP: &str = "ids are lower-case letters, digits and `-`, starting with a letter or digit (`[a-z0-9][a-z0-9-]*`)";

    // Ids: valid and unique across questions and outcomes.
    let mut ids: HashMap<&str, Node> = HashMap::new();
    let entries = spec
        .questions
        .iter()
        .enumerate()
        .map(|(i, x)| (Node::Question(i), x.id.as_str()))
        .chain(
            spec.outcomes
                .iter()
                .enumerate()
                .map(|(i, x)| (Node::Outcome(i), x.id.as_str())),
        );
    for (node, id) in entries {
        let at = match node {
            Node::Question(i) => q(i, &[Key::Name("id")]),
            Node::Outcome(i) => o(i, &[Key::Name("id")]),
        };
        if !is_valid_id(id) {
            errors.push(
                doc.error_at(&at, format!("invalid id `{id}`"))
                    .with_help(ID_HELP),
            );
        }
        match ids.get(id) {
            Some(first) => errors.push(
                doc.error_at(
                    &at,
                    format!("duplicate id `{id}`: {} already uses it", describe(spec, *first)),
                )
                .with_help("ids are unique across questions and outcomes; rename one of them"),
            ),
            None => {
                ids.insert(id, node);
            }
        }
    }
    let known: Vec<&str> = {
        let mut k: Vec<&str> = ids.keys().copied().collect();
        k.sort_unstable();
        k
    };

    // Start.
    let mut start = None;
    match &spec.start {
        None => errors.push(
            doc.error_at(&[Key::Name("decision")], "decision tree has no `start`")
                .with_help(match spec.questions.first() {
                    Some(first) => format!("add `start = \"{}\"` (the first question's id)", first.id),
                    None => "add `start = \"<id of the first question>\"` and at least one [[decision.questions]]".into(),
                }),
        ),
        Some(s) => match ids.get(s.as_str()) {
            Some(Node::Question(i)) => start = Some(*i),
            Some(Node::Outcome(_)) => errors.push(
                doc.error_at(
                    &[Key::Name("decision"), Key::Name("start")],
                    format!("`start` names outcome `{s}`, not a question"),
                )
                .with_help("a tree starts with a question"),
            ),
            None => errors.push(with_closest(
                doc.error_at(
                    &[Key::Name("decision"), Key::Name("start")],
                    format!("unknown `start`: no question has id `{s}`"),
                ),
                s,
                &known,
                "set `start` to the id of the first question".into(),
            )),
        },
    }

    // Questions: text, answers, labels, next.
    let mut next: Vec<Vec<Option<Node>>> = Vec::with_capacity(spec.questions.len());
    let mut answer_slugs: Vec<Vec<String>> = Vec::with_capacity(spec.questions.len());
    let mut next_ok = true;
    for (i, question) in spec.questions.iter().enumerate() {
        if question.text.trim().is_empty() {
            errors.push(
                doc.error_at(
                    &q(i, &[Key::Name("text")]),
                    format!("question `{}` has empty text", question.id),
                )
                .with_help("write the question as readers should see it; it becomes the page's heading"),
            );
        }
        if question.answers.is_empty() {
            errors.push(
                doc.error_at(
                    &q(i, &[Key::Name("answers")]),
                    format!("question `{}` has no answers", question.id),
                )
                .with_help("add answers = [ { label = \"Yes\", next = \"...\" }, { label = \"No\", next = \"...\" } ]"),
            );
        }
        let mut labels: HashMap<String, usize> = HashMap::new();
        let mut row = Vec::new();
        let mut slugs = Vec::new();
        for (j, answer) in question.answers.iter().enumerate() {
            let label_at = q(i, &[Key::Name("answers"), Key::Index(j), Key::Name("label")]);
            if answer.label.trim().is_empty() {
                errors.push(
                    doc.error_at(
                        &label_at,
                        format!("answer {} of question `{}` has an empty label", j + 1, question.id),
                    )
                    .with_help("give every answer a label such as \"Yes\""),
                );
            }
            let slug = slugify(&answer.label);
            if let Some(&first) = labels.get(&slug) {
                let other = &question.answers[first].label;
                let message = if other.trim() == answer.label.trim() {
                    format!("question `{}` has two answers labelled `{}`", question.id, answer.label)
                } else {
                    format!(
                        "answers `{other}` and `{}` of question `{}` would share the URL segment `{slug}`",
                        answer.label, question.id
                    )
                };
                errors.push(
                    doc.error_at(&label_at, message)
                        .with_help("give each answer of a question a different label"),
                );
            } else {
                labels.insert(slug.clone(), j);
            }
            slugs.push(slug);
            let target = ids.get(answer.next.as_str()).copied();
            if target.is_none() {
                next_ok = false;
                errors.push(with_closest(
                    doc.error_at(
                        &q(i, &[Key::Name("answers"), Key::Index(j), Key::Name("next")]),
                        format!("`next = \"{}\"` names no question or outcome", answer.next),
                    ),
                    &answer.next,
                    &known,
                    format!("`next` is the id of a question or an outcome: {}", list(&known)),
                ));
            }
            row.push(target);
        }
        next.push(row);
        answer_slugs.push(slugs);
    }

    // Outcomes: title, links, body.
    let mut links: Vec<Vec<(String, String)>> = Vec::with_capacity(spec.outcomes.len());
    let mut body_html = Vec::with_capacity(spec.outcomes.len());
    for (i, outcome) in spec.outcomes.iter().enumerate() {
        if outcome.title.trim().is_empty() {
            errors.push(
                doc.error_at(
                    &o(i, &[Key::Name("title")]),
                    format!("outcome `{}` has an empty title", outcome.id),
                )
                .with_help("give the outcome a title; it becomes the result page's heading"),
            );
        }
        let mut row = Vec::new();
        for (k, link) in outcome.links.iter().enumerate() {
            let key = link.trim_start_matches("@/").trim_start_matches('/');
            let key = key.split('#').next().unwrap_or(key);
            match site.get(key) {
                Some(target) => row.push((target.title.clone(), target.path.clone())),
                None => errors.push(
                    doc.error_at(
                        &o(i, &[Key::Name("links"), Key::Index(k)]),
                        missing_page_message(site, key),
                    )
                    .with_help("links name pages relative to content/, such as \"@/roles/vcio.md\""),
                ),
            }
        }
        links.push(row);
        body_html.push(outcome.body.as_deref().and_then(|b| {
            render_markdown(site, b, true)
                .map_err(|m| {
                    errors.push(
                        doc.error_at(&o(i, &[Key::Name("body")]), m)
                            .with_help("internal links look like [text](@/section/page.md) or [text](@/page.md#heading-id)"),
                    )
                })
                .ok()
        }));
    }
    let mut help_html = Vec::with_capacity(spec.questions.len());
    for (i, question) in spec.questions.iter().enumerate() {
        help_html.push(question.help.as_deref().and_then(|h| {
            render_markdown(site, h, true)
                .map_err(|m| {
                    errors.push(
                        doc.error_at(&q(i, &[Key::Name("help")]), m)
                            .with_help("internal links look like [text](@/section/page.md) or [text](@/page.md#heading-id)"),
                    )
                })
                .ok()
        }));
    }

    // Cycles (over every question, reachable or not).
    let mut cycle_free = true;
    {
        let n = spec.questions.len();
        let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut seen_cycles: HashSet<Vec<usize>> = HashSet::new();
        fn visit(
            v: usize,
            next: &[Vec<Option<Node>>],
            color: &mut [u8],
            stack: &mut Vec<usize>,
            found: &mut Vec<(Vec<usize>, usize)>,
        ) {
            color[v] = 1;
            stack.push(v);
            for (j, t) in next[v].iter().enumerate() {
                if let Some(Node::Question(w)) = t {
                    match color[*w] {
                        0 => visit(*w, next, color, stack, found),
                        1 => {
                            let from = stack.iter().position(|&s| s == *w).unwrap_or(0);
                            let mut cycle = stack[from..].to_vec();
                            cycle.push(*w);
                            // Remember the answer that closes the cycle: question v, answer j.
                            found.push((cycle, j));
                        }
                        _ => {}
                    }
                }
            }
            stack.pop();
            color[v] = 2;
        }
        let mut found = Vec::new();
        for v in 0..n {
            if color[v] == 0 {
                visit(v, &next, &mut color, &mut Vec::new(), &mut found);
            }
        }
        for (cycle, j) in found {
            cycle_free = false;
            let mut key: Vec<usize> = cycle[..cycle.len() - 1].to_vec();
            key.sort_unstable();
            if !seen_cycles.insert(key) {
                continue;
            }
            let closing = cycle[cycle.len() - 2];
            let names: Vec<String> = cycle
                .iter()
                .map(|&c| format!("`{}`", spec.questions[c].id))
                .collect();
            errors.push(
                doc.error_at(
                    &q(closing, &[Key::Name("answers"), Key::Index(j), Key::Name("next")]),
                    format!("cycle: {}", names.join(" → ")),
                )
                .with_help("a guide must always move forward; point this answer at a later question or an outcome"),
            );
        }
    }

    let structural = start.is_some() && next_ok && cycle_free;
    let Some(start) = start.filter(|_| structural) else {
        return Err(errors);
    };
    let next: Vec<Vec<Node>> = next
        .into_iter()
        .map(|row| row.into_iter().map(|t| t.expect("checked")).collect())
        .collect();

    // Reachability.
    let reachable = reach(&next, Node::Question(start));
    for (i, x) in spec.questions.iter().enumerate() {
        if !reachable.contains(&Node::Question(i)) {
            errors.push(
                doc.error_at(
                    &q(i, &[Key::Name("id")]),
                    format!("question `{}` cannot be reached from `start` (`{}`)", x.id, spec.questions[start].id),
                )
                .with_help("point an answer's `next` at it, or remove it"),
            );
        }
    }
    for (i, x) in spec.outcomes.iter().enumerate() {
        if !reachable.contains(&Node::Outcome(i)) {
            errors.push(
                doc.error_at(
                    &o(i, &[Key::Name("id")]),
                    format!("outcome `{}` cannot be reached from `start` (`{}`)", x.id, spec.questions[start].id),
                )
                .with_help("point an answer's `next` at it, or remove it"),
            );
        }
    }

    // Examples.
    for (e, example) in spec.examples.iter().enumerate() {
        if let Err(d) = run_example(doc, spec, &next, start, e, example, &known) {
            errors.push(d);
        }
    }

    // Routes: one page per distinct route from the start.
    let mut states: Vec<State> = Vec::new();
    let mut overflow = false;
    fn walk(
        node: Node,
        route: &mut Vec<Step>,
        next: &[Vec<Node>],
        states: &mut Vec<State>,
        overflow: &mut bool,
    ) {
        if states.len() >= MAX_ROUTES {
            *overflow = true;
            return;
        }
        states.push(State {
            node,
            route: route.clone(),
            path: String::new(),
        });
        if let Node::Question(qi) = node {
            for (j, &t) in next[qi].iter().enumerate() {
                route.push((qi, j));
                walk(t, route, next, states, overflow);
                route.pop();
            }
        }
    }
    walk(Node::Question(start), &mut Vec::new(), &next, &mut states, &mut overflow);
    if overflow {
        errors.push(
            doc.error_at(
                &[Key::Name("decision"), Key::Name("start")],
                format!("this tree has more than {MAX_ROUTES} distinct routes, one page each"),
            )
            .with_help("split it into several trees, or let fewer questions lead to shared follow-up questions"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut longest = vec![0usize; spec.questions.len()];
    fn longest_from(v: usize, next: &[Vec<Node>], memo: &mut [usize]) -> usize {
        if memo[v] == 0 {
            let best = next[v]
                .iter()
                .map(|t| match t {
                    Node::Question(w) => longest_from(*w, next, memo),
                    Node::Outcome(_) => 0,
                })
                .max()
                .unwrap_or(0);
            memo[v] = best + 1;
        }
        memo[v]
    }
    for v in 0..spec.questions.len() {
        longest_from(v, &next, &mut longest);
    }

    Ok(Tree::new(
        spec.clone(),
        start,
        next,
        states,
        longest,
        help_html,
        body_html,
        links,
        answer_slugs,
    ))
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
pub fn reach(next: &[Vec<Node>], from: Node) -> HashSet<Node> {
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

fn run_example(
    doc: &Document,
    spec: &DecisionSpec,
    next: &[Vec<Node>],
    start: usize,
    e: usize,
    example: &super::ExampleSpec,
    known: &[&str],
) -> Result<(), Diagnostic> {
    let n = e + 1;
    let mut node = Node::Question(start);
    let mut path = vec![(node, None::<usize>)];
    let trail = |path: &[(Node, Option<usize>)]| -> String {
        let mut s = String::new();
        for (node, answer) in path {
            s.push_str(&format!("`{}`", node_id(spec, *node)));
            if let (Node::Question(i), Some(j)) = (node, answer) {
                s.push_str(&format!(" —“{}”→ ", spec.questions[*i].answers[*j].label));
            }
        }
        s
    };
    for (k, label) in example.answers.iter().enumerate() {
        let at = ex(e, &[Key::Name("answers"), Key::Index(k)]);
        match node {
            Node::Outcome(oi) => {
                return Err(doc
                    .error_at(
                        &at,
                        format!(
                            "example {n} reaches outcome `{}` after {k} answer{}, but has {} more: {}",
                            spec.outcomes[oi].id,
                            if k == 1 { "" } else { "s" },
                            example.answers.len() - k,
                            trail(&path)
                        ),
                    )
                    .with_help("remove the extra answers, or fix the earlier ones"));
            }
            Node::Question(qi) => {
                let question = &spec.questions[qi];
                let Some(j) = question.answers.iter().position(|a| a.label == *label) else {
                    let labels: Vec<&str> = question.answers.iter().map(|a| a.label.as_str()).collect();
                    let d = doc.error_at(
                        &at,
                        format!(
                            "example {n}: question `{}` has no answer `{label}` (path so far: {})",
                            question.id,
                            trail(&path)
                        ),
                    );
                    return Err(with_closest(
                        d,
                        label,
                        &labels,
                        format!("its answers are {}", list(&labels)),
                    ));
                };
                path.last_mut().expect("non-empty").1 = Some(j);
                node = next[qi][j];
                path.push((node, None));
            }
        }
    }
    match node {
        Node::Question(qi) => Err(doc
            .error_at(
                &ex(e, &[Key::Name("answers")]),
                format!(
                    "example {n} runs out of answers at question `{}`: {}",
                    spec.questions[qi].id,
                    trail(&path)
                ),
            )
            .with_help(format!(
                "add an answer to “{}” ({})",
                spec.questions[qi].text,
                list(
                    &spec.questions[qi]
                        .answers
                        .iter()
                        .map(|a| a.label.as_str())
                        .collect::<Vec<_>>()
                )
            ))),
        Node::Outcome(oi) if spec.outcomes[oi].id == example.outcome => Ok(()),
        Node::Outcome(oi) => {
            let at = ex(e, &[Key::Name("outcome")]);
            let expected = spec
                .outcomes
                .iter()
                .position(|x| x.id == example.outcome);
            let Some(expected) = expected else {
                let outcomes: Vec<&str> = known
                    .iter()
                    .copied()
                    .filter(|k| spec.outcomes.iter().any(|x| x.id == *k))
                    .collect();
                return Err(with_closest(
                    doc.error_at(
                        &at,
                        format!("example {n}: no outcome has id `{}`", example.outcome),
                    ),
                    &example.outcome,
                    &outcomes,
                    format!("outcomes are {}", list(&outcomes)),
                ));
            };
            // Where did it diverge: the last question from which the expected
            // outcome could still be reached.
            let target = Node::Outcome(expected);
            let diverged = path
                .iter()
                .rev()
                .find(|(n, _)| reach(next, *n).contains(&target));
            let detail = match diverged {
                Some((Node::Question(qi), Some(j))) => format!(
                    "; it diverged at question `{}`, answering “{}”, after which `{}` cannot be reached",
                    spec.questions[*qi].id, spec.questions[*qi].answers[*j].label, example.outcome
                ),
                _ => format!("; `{}` cannot be reached from the start", example.outcome),
            };
            Err(doc
                .error_at(
                    &at,
                    format!(
                        "example {n} leads to `{}`, not `{}`: {}{detail}",
                        spec.outcomes[oi].id,
                        example.outcome,
                        trail(&path)
                    ),
                )
                .with_help("fix the tree, or the example's answers or outcome"))
        }
    }
}
