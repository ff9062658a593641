//! Tera 1 → Tera 2 rewrites of one template's text. Each rewrite is a plain
//! text edit recorded with its line, so the import report can name every
//! change; what cannot be rewritten safely is reported instead.

use std::collections::{BTreeMap, BTreeSet};

/// One edit or one thing left alone, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    pub line: usize,
    pub what: String,
}

/// What the rewrites of a whole theme need to know about every template.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    /// Template name → component namespace of the macros it defines.
    pub macro_files: BTreeMap<String, String>,
    /// Template name → blocks it defines (at any depth).
    pub blocks: BTreeMap<String, BTreeSet<String>>,
    /// Template name → the template it extends.
    pub parents: BTreeMap<String, String>,
    /// Import aliases of every template (`{% import "macros.html" as m %}`):
    /// Tera 1 lets a child use its parent's imports, so each template sees
    /// them all (its own win).
    pub imports: BTreeMap<String, String>,
    /// `namespace.macro` → its parameter names (Tera 1 ignored arguments a
    /// macro does not declare; Tera 2 rejects them).
    pub params: BTreeMap<String, Vec<String>>,
}

impl Catalog {
    /// Reads what the rewrites need from every template (name, text).
    pub(crate) fn new<'a>(templates: impl Iterator<Item = (&'a str, &'a str)>) -> Catalog {
        let mut c = Catalog::default();
        for (name, text) in templates {
            let mut blocks = BTreeSet::new();
            for tag in tags(text) {
                let words: Vec<&str> = tag.inner.split_whitespace().collect();
                match words.first().copied() {
                    Some("macro") => {
                        c.macro_files.insert(name.to_string(), namespace(name));
                        let sig = tag.inner.trim().trim_start_matches("macro").trim();
                        let mname = sig.split('(').next().unwrap_or("").trim();
                        let params = sig[mname.len()..]
                            .trim()
                            .trim_start_matches('(')
                            .trim_end_matches(')');
                        c.params.insert(
                            format!("{}.{mname}", namespace(name)),
                            split_args(params)
                                .iter()
                                .map(|p| p.split('=').next().unwrap_or("").trim().to_string())
                                .collect(),
                        );
                    }
                    Some("block") if words.len() > 1 => {
                        blocks.insert(words[1].to_string());
                    }
                    Some("import") if words.len() >= 4 && words[2] == "as" => {
                        let file = words[1].trim_matches(['"', '\'']).to_string();
                        c.imports.entry(words[3].to_string()).or_insert(file);
                    }
                    Some("extends") if words.len() > 1 => {
                        c.parents.insert(
                            name.to_string(),
                            words[1].trim_matches(['"', '\'']).to_string(),
                        );
                    }
                    _ => {}
                }
            }
            c.blocks.insert(name.to_string(), blocks);
        }
        c
    }

    /// Every block the templates `name` extends define.
    fn inherited_blocks(&self, name: &str) -> Option<BTreeSet<String>> {
        let mut all = BTreeSet::new();
        let mut cur = self.parents.get(name)?;
        let mut seen = BTreeSet::new();
        loop {
            if !seen.insert(cur.clone()) {
                break;
            }
            all.extend(self.blocks.get(cur)?.iter().cloned());
            match self.parents.get(cur) {
                Some(p) => cur = p,
                None => break,
            }
        }
        Some(all)
    }
}

/// Variables every Zola template may see that a macro may use without
/// being passed them.
const GLOBALS: &[&str] = &[
    "config",
    "page",
    "section",
    "current_path",
    "current_url",
    "lang",
    "paginator",
    "term",
    "taxonomy",
    "terms",
];

/// Whether `name` is used as a variable (not a field or part of a longer
/// name) somewhere in template text.
fn uses_name(text: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(rel) = text[from..].find(name) {
        let at = from + rel;
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if !before.is_some_and(|c| ident(c) || c == '.') && !after.is_some_and(ident) {
            return true;
        }
        from = at + name.len();
    }
    false
}

/// Component namespace of a macro file: its file stem (`partials/macros.html` → `macros`).
pub(crate) fn namespace(name: &str) -> String {
    let stem = name.rsplit('/').next().unwrap_or(name);
    let stem = stem.split('.').next().unwrap_or(stem);
    let s: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("m{s}")
    } else {
        s
    }
}

/// A `{% ... %}` or `{{ ... }}` tag: byte range of the whole tag and its inside.
struct Tag<'a> {
    start: usize,
    end: usize,
    inner: &'a str,
    inner_start: usize,
    is_statement: bool,
}

fn tags(text: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = text[i..].find('{') {
        let start = i + off;
        let rest = &text[start..];
        let (close, is_statement) = if rest.starts_with("{%") {
            ("%}", true)
        } else if rest.starts_with("{{") {
            ("}}", false)
        } else if rest.starts_with("{#") {
            match rest.find("#}") {
                Some(e) => {
                    i = start + e + 2;
                    continue;
                }
                None => break,
            }
        } else {
            i = start + 1;
            continue;
        };
        let Some(e) = find_close(&rest[2..], close) else {
            break;
        };
        let inner_start = start + 2;
        let inner_end = inner_start + e;
        let inner = text[inner_start..inner_end]
            .trim_start_matches('-')
            .trim_end_matches('-');
        let lead = text[inner_start..inner_end].len()
            - text[inner_start..inner_end].trim_start_matches('-').len();
        out.push(Tag {
            start,
            end: inner_end + 2,
            inner,
            inner_start: inner_start + lead,
            is_statement,
        });
        i = inner_end + 2;
    }
    out
}

/// The closing delimiter outside string literals.
fn find_close(s: &str, close: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'"' || b[i] == b'\'' || b[i] == b'`' => quote = Some(b[i]),
            None if s[i..].starts_with(close) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Rewrites one template. Returns the new text, the changes and what was left alone.
pub(crate) fn rewrite(name: &str, text: &str, catalog: &Catalog) -> (String, Vec<Note>, Vec<Note>) {
    let mut changes = Vec::new();
    let mut left = Vec::new();
    // Import aliases of this template: alias → namespace.
    let mut aliases: BTreeMap<String, String> = catalog
        .imports
        .iter()
        .map(|(alias, file)| {
            let ns = catalog
                .macro_files
                .get(file)
                .cloned()
                .unwrap_or_else(|| namespace(file));
            (alias.clone(), ns)
        })
        .collect();
    if let Some(ns) = catalog.macro_files.get(name) {
        aliases.insert("self".into(), ns.clone());
    }
    for tag in tags(text) {
        let words: Vec<&str> = tag.inner.split_whitespace().collect();
        if words.first() == Some(&"import") && words.len() >= 4 && words[2] == "as" {
            let file = words[1].trim_matches(['"', '\'']);
            let ns = catalog
                .macro_files
                .get(file)
                .cloned()
                .unwrap_or_else(|| namespace(file));
            aliases.insert(words[3].to_string(), ns);
        }
    }
    let inherited = catalog.inherited_blocks(name);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut open_macro: Option<String> = None;
    // Top-level blocks of a child template that its parents lack: Tera 1
    // ignored them, Tera 2 rejects them; they are removed.
    let mut depth = 0usize;
    let mut dropping: Option<(usize, String, usize)> = None;
    for tag in tags(text) {
        let line = line_of(text, tag.start);
        let words: Vec<&str> = tag.inner.split_whitespace().collect();
        let first = words.first().copied().unwrap_or("");
        if tag.is_statement {
            match first {
                "block" => {
                    if depth == 0
                        && dropping.is_none()
                        && let (Some(inh), Some(b)) = (&inherited, words.get(1))
                        && !inh.contains(*b)
                    {
                        dropping = Some((tag.start, b.to_string(), line));
                    }
                    depth += 1;
                    continue;
                }
                "endblock" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0
                        && let Some((start, b, l)) = dropping.take()
                    {
                        edits.push((start, tag.end, String::new()));
                        changes.push(Note {
                            line: l,
                            what: format!(
                                "removed block `{b}`: no template this one extends has it (Tera 1 ignored it, Tera 2 rejects it)"
                            ),
                        });
                    }
                    continue;
                }
                _ => {}
            }
            if dropping.is_some() {
                continue;
            }
            match first {
                "include" if tag.inner.trim_end().ends_with("ignore missing") => {
                    // Tera 2 has no `ignore missing`: keep the include when
                    // the template exists, else drop the tag.
                    let target = words.get(1).map_or("", |w| w.trim_matches(['"', '\'']));
                    let (replacement, what) = if catalog.blocks.contains_key(target) {
                        (
                            format!("{{% include \"{target}\" %}}"),
                            format!(
                                "`include \"{target}\" ignore missing` became a plain include (Tera 2 has no `ignore missing`)"
                            ),
                        )
                    } else {
                        (
                            String::new(),
                            format!(
                                "removed `include \"{target}\" ignore missing`: there is no such template (Tera 2 has no `ignore missing`)"
                            ),
                        )
                    };
                    edits.push((tag.start, tag.end, replacement));
                    changes.push(Note { line, what });
                    continue;
                }
                "import" => {
                    edits.push((
                        tag.start,
                        tag.end,
                        format!(
                            "{{# {} — Tera 2 components need no import #}}",
                            tag.inner.trim()
                        ),
                    ));
                    changes.push(Note {
                        line,
                        what: format!(
                            "removed `{}` (macros became components, which need no import)",
                            tag.inner.trim()
                        ),
                    });
                    continue;
                }
                "macro" => {
                    let ns = catalog
                        .macro_files
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| namespace(name));
                    let sig = tag.inner.trim().trim_start_matches("macro").trim();
                    let mname = sig.split('(').next().unwrap_or("").trim().to_string();
                    let params_text = sig[mname.len()..]
                        .trim()
                        .trim_start_matches('(')
                        .trim_end_matches(')')
                        .to_string();
                    let mut params = split_args(&params_text);
                    let names: Vec<String> = params
                        .iter()
                        .map(|p| p.split('=').next().unwrap_or("").trim().to_string())
                        .collect();
                    // Tera 1 macros saw the page's globals; a component sees
                    // only its arguments, so the globals it uses come from the
                    // caller as implicit (`@`) parameters.
                    let body_end = text[tag.end..]
                        .find("endmacro")
                        .map_or(text.len(), |e| tag.end + e);
                    let body = &text[tag.end..body_end];
                    let mut implicit = Vec::new();
                    for global in GLOBALS {
                        if !names.iter().any(|n| n == global) && uses_name(body, global) {
                            implicit.push(*global);
                            params.push(if *global == "config" {
                                "@config".to_string()
                            } else {
                                format!("@{global}=none")
                            });
                        }
                    }
                    // Tera 2 types a parameter by its default (`x=""` takes
                    // only strings); Tera 1 macros took anything. The default
                    // moves into the body, behind an untyped `none`.
                    let mut defaults = String::new();
                    for p in params.iter_mut() {
                        if p.starts_with('@') {
                            continue;
                        }
                        if let Some((pname, default)) = p.split_once('=') {
                            let (pname, default) = (pname.trim(), default.trim());
                            if default != "none" {
                                defaults.push_str(&format!(
                                    "{{% if {pname} is none %}}{{% set {pname} = {} %}}{{% endif %}}",
                                    double_backslashes(default)
                                ));
                                *p = format!("{pname}=none");
                            }
                        }
                    }
                    let close = &text[tag.inner_start + tag.inner.len()..tag.end];
                    edits.push((
                        tag.inner_start,
                        tag.end,
                        format!(
                            " component {ns}.{mname}({}) {close}{defaults}",
                            params.join(", ")
                        ),
                    ));
                    let from_caller = if implicit.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", taking {} from the caller",
                            implicit
                                .iter()
                                .map(|g| format!("`{g}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    changes.push(Note {
                        line,
                        what: format!(
                            "macro `{mname}` became component `{ns}.{mname}`{from_caller}"
                        ),
                    });
                    open_macro = Some(format!("{ns}.{mname}"));
                    continue;
                }
                "endmacro" => {
                    let full = open_macro.take().unwrap_or_default();
                    edits.push((
                        tag.inner_start,
                        tag.inner_start + tag.inner.len(),
                        format!(" endcomponent {full} "),
                    ));
                    continue;
                }
                _ => {}
            }
        }
        if dropping.is_some() {
            continue;
        }
        // Expressions inside the tag.
        let (new_inner, notes, unconverted, whole) = rewrite_expression(
            tag.inner,
            tag.is_statement,
            first,
            &aliases,
            &catalog.params,
        );
        for n in notes {
            changes.push(Note { line, what: n });
        }
        for n in unconverted {
            left.push(Note { line, what: n });
        }
        if let Some(whole) = whole {
            let open = &text[tag.start..tag.inner_start];
            let close = &text[tag.inner_start + tag.inner.len()..tag.end];
            let trim_left = if open.ends_with('-') { "{%-" } else { "{%" };
            let trim_right = if close.starts_with('-') { "-%}" } else { "%}" };
            let replacement = match whole {
                Whole::Set {
                    target,
                    component,
                    rest,
                } if target.0 == "set" && rest.trim().is_empty() => {
                    format!(
                        "{trim_left} set {} %}}{{{{ {component} }}}}{{% endset {trim_right}",
                        target.1
                    )
                }
                Whole::Set {
                    target,
                    component,
                    rest,
                } => format!(
                    "{trim_left} set __component %}}{{{{ {component} }}}}{{% endset %}}{{% {} {} = __component {rest} {trim_right}",
                    target.0, target.1
                ),
                Whole::Filtered { component, filters } => format!(
                    "{trim_left} set __component %}}{{{{ {component} }}}}{{% endset %}}{open} __component {filters} {close}"
                ),
                Whole::Hoisted { sets } => {
                    let mut out = String::new();
                    for (i, (var, component)) in sets.iter().enumerate() {
                        let lead = if i == 0 { trim_left } else { "{%" };
                        out.push_str(&format!(
                            "{lead} set {var} %}}{{{{ {component} }}}}{{% endset %}}"
                        ));
                    }
                    format!("{out}{open}{new_inner}{close}")
                }
            };
            edits.push((tag.start, tag.end, replacement));
        } else if new_inner != tag.inner {
            edits.push((
                tag.inner_start,
                tag.inner_start + tag.inner.len(),
                new_inner,
            ));
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e, rep) in edits {
        if s < pos {
            continue;
        }
        out.push_str(&text[pos..s]);
        out.push_str(&rep);
        pos = e;
    }
    out.push_str(&text[pos..]);
    let (out, dropped) = strip_top_level_text(&out);
    for line in dropped {
        changes.push(Note {
            line,
            what: "removed text outside any block of a child template (Tera 1 ignored it, \
                   Tera 2 rejects it)"
                .into(),
        });
    }
    (out, changes, left)
}

/// A child template (one that extends another) may hold only `extends`,
/// blocks and comments at its top level. Tera 1 ignored anything else
/// (`<!---->`, stray markup); Tera 2 rejects it. Such text is removed,
/// keeping its line breaks so later lines keep their numbers. Returns the
/// new text and the lines where text was removed.
fn strip_top_level_text(text: &str) -> (String, Vec<usize>) {
    let all = tags(text);
    if !all
        .iter()
        .any(|t| t.is_statement && t.inner.split_whitespace().next() == Some("extends"))
    {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut lines = Vec::new();
    let mut depth = 0usize;
    let mut pos = 0;
    let mut gap = |out: &mut String, from: usize, to: usize, depth: usize| {
        let piece = &text[from..to];
        if depth > 0 {
            out.push_str(piece);
            return;
        }
        // Keep comments; drop anything else that is not whitespace.
        let mut rest = piece;
        let mut at = from;
        loop {
            let (plain, comment) = match rest.find("{#") {
                Some(c) => {
                    let end = rest[c..].find("#}").map_or(rest.len(), |e| c + e + 2);
                    (&rest[..c], Some(&rest[c..end]))
                }
                None => (rest, None),
            };
            if plain.trim().is_empty() {
                out.push_str(plain);
            } else {
                let first = plain.len() - plain.trim_start().len();
                lines.push(line_of(text, at + first));
                out.extend(plain.chars().filter(|c| *c == '\n'));
            }
            at += plain.len();
            match comment {
                Some(c) => {
                    out.push_str(c);
                    at += c.len();
                    rest = &rest[plain.len() + c.len()..];
                }
                None => break,
            }
        }
    };
    for tag in &all {
        gap(&mut out, pos, tag.start, depth);
        out.push_str(&text[tag.start..tag.end]);
        pos = tag.end;
        if tag.is_statement {
            match tag.inner.split_whitespace().next() {
                Some("block" | "component" | "macro" | "raw") => depth += 1,
                Some("endblock" | "endcomponent" | "endmacro" | "endraw") => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
        }
    }
    gap(&mut out, pos, text.len(), depth);
    (out, lines)
}

/// A macro call that needs its whole tag rewritten: Tera 2 components are
/// called only as a whole `{{ <c /> }}`, so a call inside a `set` or
/// followed by filters is rendered into a set block first.
enum Whole {
    /// `{% set x = m::f() | filters %}` (target: `set`/`set_global` and the name).
    Set {
        target: (String, String),
        component: String,
        rest: String,
    },
    /// `{{ m::f() | filters }}`.
    Filtered { component: String, filters: String },
    /// Calls inside a larger expression, each rendered into a variable
    /// (name, component) before the tag, whose text now uses the variables.
    Hoisted { sets: Vec<(String, String)> },
}

type Rewritten = (String, Vec<String>, Vec<String>, Option<Whole>);

/// Rewrites inside one tag: macro calls, positional test arguments, `.0`
/// indexing, and `is defined` guards in `if`/`elif` conditions.
fn rewrite_expression(
    inner: &str,
    is_statement: bool,
    keyword: &str,
    aliases: &BTreeMap<String, String>,
    params: &BTreeMap<String, Vec<String>>,
) -> Rewritten {
    let mut notes = Vec::new();
    let mut left = Vec::new();
    let mut whole = None;
    let mut hoisted: Vec<(String, String)> = Vec::new();
    let mut s = double_backslashes(inner);
    if s != inner {
        notes.push(
            "`\\` doubled in a string literal (Tera 1 kept a backslash as it is, \
             Tera 2 reads it as an escape)"
                .into(),
        );
    }
    let tested = test_each_step(&s);
    if tested != s {
        notes.push(
            "`a.b is defined` tests each step (`a is defined and a.b is defined`), \
             `a.b | default(...)` reads `a?.b`: Tera 2 fails on a field of an undefined value"
                .into(),
        );
        s = tested;
    }

    // Macro calls: `alias::name(k=v, ...)`.
    for (alias, ns) in aliases {
        let needle = format!("{alias}::");
        while let Some(at) = find_code(&s, &needle) {
            let name_start = at + needle.len();
            let name_len = s[name_start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(s.len() - name_start);
            let mname = s[name_start..name_start + name_len].to_string();
            let open = name_start + name_len;
            let Some(close) = s[open..]
                .starts_with('(')
                .then(|| matching_paren(&s, open))
                .flatten()
            else {
                left.push(format!("`{alias}::{mname}` is not a call"));
                break;
            };
            let args = split_args(&s[open + 1..close]);
            let before = s[..at].trim().to_string();
            let after = s[close + 1..].trim().to_string();
            let set_target = before
                .strip_suffix('=')
                .map(str::trim)
                .and_then(|b| b.split_once(char::is_whitespace))
                .filter(|(kw, name)| {
                    (*kw == "set" || *kw == "set_global")
                        && name
                            .trim()
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
                .map(|(kw, name)| (kw.to_string(), name.trim().to_string()));
            let filters_only = after.is_empty() || after.starts_with('|');
            let whole_expression = filters_only
                && ((!is_statement && before.is_empty()) || (is_statement && set_target.is_some()));
            let mut attrs = String::new();
            let mut ok = true;
            let declared = params.get(&format!("{ns}.{mname}"));
            for a in &args {
                match a.split_once('=') {
                    Some((k, _)) if declared.is_some_and(|d| !d.iter().any(|p| p == k.trim())) => {
                        notes.push(format!(
                            "argument `{}` dropped from a call of `{alias}::{mname}`, which does not declare it (Tera 1 ignored it)",
                            k.trim()
                        ));
                    }
                    Some((k, v)) if !k.trim().is_empty() && !v.starts_with('=') => {
                        let v = v.trim();
                        let simple_str = (v.starts_with('"')
                            && v.ends_with('"')
                            && !v[1..v.len() - 1].contains('"'))
                            || (v.starts_with('\'')
                                && v.ends_with('\'')
                                && !v[1..v.len() - 1].contains('\''));
                        if simple_str {
                            attrs.push_str(&format!(" {}=\"{}\"", k.trim(), &v[1..v.len() - 1]));
                        } else {
                            attrs.push_str(&format!(" {}={{{v}}}", k.trim()));
                        }
                    }
                    _ => ok = false,
                }
            }
            if ok && !whole_expression && keyword != "elif" {
                // Inside a larger expression: render the component into a
                // variable first, in a set block before the tag.
                let var = format!("__component{}", hoisted.len() + 1);
                hoisted.push((var.clone(), format!("<{ns}.{mname}{attrs} />")));
                s.replace_range(at..close + 1, &var);
                notes.push(format!(
                    "macro call `{alias}::{mname}(...)` inside an expression became `<{ns}.{mname} ... />` rendered into `{var}` just before the tag"
                ));
                continue;
            }
            if !ok || !whole_expression {
                left.push(format!(
                    "macro call `{alias}::{mname}(...)` {}: call the component `{ns}.{mname}` by hand (`{{{{ <{ns}.{mname} arg={{value}} /> }}}}`)",
                    if ok { "is part of a larger expression" } else { "has positional arguments" }
                ));
                // Avoid looping on the same call.
                s.replace_range(at..at + needle.len(), &format!("{alias}__UNCONVERTED__"));
                continue;
            }
            let component = format!("<{ns}.{mname}{attrs} />");
            notes.push(format!(
                "macro call `{alias}::{mname}(...)` became `<{ns}.{mname} ... />`"
            ));
            // Component output is never escaped: `| safe` has nothing left to do.
            let filters = after.trim_start_matches('|').trim();
            let filters = if filters == "safe" { "" } else { filters };
            if let Some(target) = set_target {
                let rest = if filters.is_empty() {
                    String::new()
                } else {
                    format!("| {filters}")
                };
                whole = Some(Whole::Set {
                    target,
                    component,
                    rest,
                });
            } else if !filters.is_empty() {
                whole = Some(Whole::Filtered {
                    component,
                    filters: format!("| {filters}"),
                });
            } else {
                s = format!(" {component} ");
            }
            if whole.is_some() {
                return (s, notes, left, whole);
            }
        }
        s = s.replace(&format!("{alias}__UNCONVERTED__"), &needle);
    }
    if !hoisted.is_empty() && whole.is_none() {
        whole = Some(Whole::Hoisted { sets: hoisted });
    }

    // Positional test arguments: `is containing("x")` → `is containing(pat="x")`.
    for (test, kw) in [
        ("starting_with", "pat"),
        ("ending_with", "pat"),
        ("containing", "pat"),
        ("matching", "pat"),
        ("divisible_by", "divisor"),
    ] {
        let needle = format!("{test}(");
        let mut from = 0;
        while let Some(rel) = s[from..].find(&needle) {
            let at = from + rel;
            let before = s[..at].trim_end();
            let open = at + needle.len() - 1;
            from = open + 1;
            if !(before.ends_with(" is") || before.ends_with(" not") || before == "is") {
                continue;
            }
            let Some(close) = matching_paren(&s, open) else {
                break;
            };
            let arg = s[open + 1..close].trim().to_string();
            if arg.is_empty() || split_args(&arg).iter().any(|a| top_level_eq(a)) {
                continue;
            }
            s.replace_range(open + 1..close, &format!("{kw}={arg}"));
            notes.push(format!(
                "test `{test}({arg})` became `{test}({kw}={arg})` (Tera 2 takes keyword arguments)"
            ));
        }
    }

    // `.0` indexing → `[0]`.
    let mut out = String::with_capacity(s.len());
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    let mut changed_index = false;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            quote = Some(c);
            out.push(c);
            i += 1;
            continue;
        }
        if c == '.' && i + 1 < b.len() && b[i + 1].is_ascii_digit() && i > 0 {
            // The token before must be a name (not a number like 1.5).
            let mut j = i;
            while j > 0 && (b[j - 1].is_ascii_alphanumeric() || b[j - 1] == '_' || b[j - 1] == '.')
            {
                j -= 1;
            }
            let token: String = b[j..i].iter().collect();
            let is_name = token
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                || matches!(b[i - 1], ']' | ')');
            if is_name {
                let mut k = i + 1;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                let digits: String = b[i + 1..k].iter().collect();
                out.push_str(&format!("[{digits}]"));
                changed_index = true;
                i = k;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if changed_index {
        notes.push("`.N` indexing became `[N]`".into());
    }
    s = out;

    // `is defined` guards: a bare dotted path used as a condition.
    // In a `set`, only operands of `and`/`or`/`not`: Tera 1 failed on a
    // missing field set alone too.
    let set_value = (is_statement && (keyword == "set" || keyword == "set_global"))
        .then(|| find_code(&s, "="))
        .flatten()
        .filter(|&eq| !s[eq + 1..].starts_with('='));
    if let Some(eq) = set_value {
        let (guarded, n) = guard_conditions(&format!("={}", &s[eq + 1..]), "=", true);
        if n > 0 {
            notes.push(format!(
                "guarded {n} operand{} of `and`/`or` with `is defined` (Tera 2 reports a missing field where Tera 1 read false)",
                if n == 1 { "" } else { "s" }
            ));
            s = format!("{}{guarded}", &s[..eq]);
        }
    }
    if is_statement && (keyword == "if" || keyword == "elif") {
        let (guarded, n) = guard_conditions(&s, keyword, false);
        if n > 0 {
            notes.push(format!(
                "guarded {n} condition{} with `is defined` (Tera 2 reports a missing field where Tera 1 read false)",
                if n == 1 { "" } else { "s" }
            ));
            s = guarded;
        }
    }
    (s, notes, left, whole)
}

/// `a.b.c` operands of `and`/`or`/`not` in an `if` condition become
/// `(a.b.c is defined and a.b.c)`. With `need_logic`, a path that is the
/// whole expression is left alone.
fn guard_conditions(s: &str, keyword: &str, need_logic: bool) -> (String, usize) {
    let lead = s.len() - s.trim_start().len();
    let body = s.trim_start()[keyword.len()..].to_string();
    let mut tokens: Vec<String> = Vec::new();
    // Split on whitespace and parentheses, keeping them.
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in body.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                cur.push(c);
            }
            ' ' | '\t' | '\n' | '(' | ')' => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                tokens.push(c.to_string());
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !tokens[i].trim().is_empty())
        .collect();
    let mut count = 0;
    let mut out = tokens.clone();
    for (k, &i) in significant.iter().enumerate() {
        let t = &tokens[i];
        let is_path = t.contains('.')
            && t.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            && t.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !is_path {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| tokens[significant[p]].as_str());
        let next = significant.get(k + 1).map(|&n| tokens[n].as_str());
        let prev_ok = matches!(prev, None | Some("and" | "or" | "not" | "("));
        let next_ok = matches!(next, None | Some("and" | "or" | ")"));
        let logic =
            matches!(prev, Some("and" | "or" | "not")) || matches!(next, Some("and" | "or"));
        if prev_ok && next_ok && (logic || !need_logic) {
            // Each step may be missing: `a.b.c is defined` fails when `a.b` is.
            let parts: Vec<&str> = t.split('.').collect();
            let mut checks: Vec<String> = (1..=parts.len())
                .map(|n| format!("{} is defined", parts[..n].join(".")))
                .collect();
            if parts[0] == "config" {
                checks.remove(0);
            }
            out[i] = format!("({} and {t})", checks.join(" and "));
            count += 1;
        }
    }
    (format!("{}{keyword}{}", &s[..lead], out.concat()), count)
}

fn top_level_eq(arg: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let chars: Vec<char> = arg.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '=' if depth == 0 => {
                let prev = i.checked_sub(1).map(|p| chars[p]);
                let next = chars.get(i + 1).copied();
                if !matches!(prev, Some('=' | '!' | '<' | '>')) && next != Some('=') {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Comma-separated arguments at the top level of `s`.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                cur.push(c);
            }
            '(' | '[' | '{' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The `)` matching the `(` at byte `open`.
fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Tera 1 string literals have no escapes: `"^[^\.]+$"` holds a backslash.
/// Tera 2 reads `\` as an escape (and rejects `\.`), so every backslash
/// inside a literal is doubled to keep the same string.
fn double_backslashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == '\\' => out.push('\\'),
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None => {}
        }
        out.push(c);
    }
    out
}

/// `a.b.c is defined` → `(a is defined and a.b is defined and a.b.c is
/// defined)`, and `is undefined` / `is not defined` likewise with `or`;
/// `a.b.c | default(...)` → `a?.b?.c | default(...)`. Tera 1 answered
/// false (or the default) for a field of a missing value, Tera 2 fails.
fn test_each_step(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            out.push(c as char);
            i += 1;
            continue;
        }
        if matches!(c, b'"' | b'\'' | b'`') {
            quote = Some(c);
            out.push(c as char);
            i += 1;
            continue;
        }
        let starts_word = (c.is_ascii_alphabetic() || c == b'_')
            && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.'));
        if !starts_word {
            // Copy one whole character.
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        // A dotted path of plain names.
        let mut j = i;
        let mut steps = Vec::new();
        loop {
            let start = j;
            while j < b.len() && ident(b[j]) {
                j += 1;
            }
            steps.push(&s[i..j]);
            if j + 1 < b.len()
                && b[j] == b'.'
                && (b[j + 1].is_ascii_alphabetic() || b[j + 1] == b'_')
                && j > start
            {
                j += 1;
            } else {
                break;
            }
        }
        // Subscripts after the path (`a.b[key]`), for the `default` case.
        let mut k = j;
        let mut subscripts = Vec::new();
        while k < b.len() && b[k] == b'[' {
            match matching_bracket(s, k) {
                Some(close) => {
                    subscripts.push(k);
                    k = close + 1;
                }
                None => break,
            }
        }
        let rest = &s[j..];
        let test = [
            (" is defined", " is defined", " and "),
            (" is undefined", " is undefined", " or "),
            (" is not defined", " is not defined", " or "),
        ]
        .into_iter()
        .find(|(pat, _, _)| {
            rest.starts_with(pat)
                && !rest[pat.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        });
        // The argument of `default(value=a.b)`: Tera 1 read it only when
        // needed, Tera 2 always does.
        let default_arg = out.trim_end().ends_with("default(value=");
        let defaulted = default_arg || {
            let r = s[k..].trim_start();
            r.strip_prefix('|').map(str::trim_start).is_some_and(|r| {
                r.starts_with("default")
                    && !r["default".len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        match test {
            // `a.b.c | default(value=x)`: Tera 1 gave x for any missing step;
            // Tera 2's optional access (`a?.b?.c`) does the same.
            None if defaulted && (steps.len() > 1 || !subscripts.is_empty()) => {
                let base = s[i..j].replace('.', "?.");
                let mut path = base.clone();
                let mut from = j;
                for &open in &subscripts {
                    path.push_str(&s[from..open]);
                    path.push('?');
                    from = open;
                }
                path.push_str(&s[from..k]);
                if subscripts.is_empty() {
                    out.push_str(&path);
                } else {
                    // A string indexed by a key fails in Tera 2; in Tera 1
                    // `default` caught it. For a string the value is a
                    // variable no template defines: undefined, so the
                    // default applies.
                    out.push_str(&format!(
                        "({path} if {base} is not string else __tera1_undefined)"
                    ));
                }
                i = k;
            }
            Some((pat, each, join)) if steps.len() > 1 => {
                let parts: Vec<String> = steps.iter().map(|p| format!("{p}{each}")).collect();
                out.push('(');
                out.push_str(&parts.join(join));
                out.push(')');
                i = j + pat.len();
            }
            _ => {
                out.push_str(&s[i..j]);
                i = j;
            }
        }
    }
    out
}

/// The `]` matching the `[` at byte `open` (outside string literals).
fn matching_bracket(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'"' | b'\'' | b'`') => quote = Some(c),
            None if c == b'[' => depth += 1,
            None if c == b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            None => {}
        }
    }
    None
}

/// `needle` outside string literals.
fn find_code(s: &str, needle: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            quote = Some(c);
            continue;
        }
        if s[i..].starts_with(needle)
            && (i == 0 || !s[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(files: &[(&str, &str)], which: &str) -> (String, Vec<Note>, Vec<Note>) {
        let catalog = Catalog::new(files.iter().copied());
        let text = files.iter().find(|(n, _)| *n == which).unwrap().1;
        rewrite(which, text, &catalog)
    }

    #[test]
    fn tera1_strings_keep_their_backslashes() {
        assert_eq!(
            double_backslashes(r#"x is matching("^a\.b$")"#),
            r#"x is matching("^a\\.b$")"#
        );
        assert_eq!(
            double_backslashes(r"a \ b"),
            r"a \ b",
            "outside strings untouched"
        );
        assert_eq!(double_backslashes(r#"'c:\' ~ "\n""#), r#"'c:\\' ~ "\\n""#);
    }

    #[test]
    fn missing_steps_are_tested_and_defaulted() {
        assert_eq!(
            test_each_step("if section.path is defined and x"),
            "if (section is defined and section.path is defined) and x"
        );
        assert_eq!(
            test_each_step("if a.b is undefined"),
            "if (a is undefined or a.b is undefined)"
        );
        assert_eq!(
            test_each_step("page.extra.m | default(value=config.extra.m)"),
            "page?.extra?.m | default(value=config?.extra?.m)"
        );
        assert_eq!(
            test_each_step("page.extra[k] | default(value=\"\")"),
            "(page?.extra?[k] if page?.extra is not string else __tera1_undefined) | default(value=\"\")"
        );
        assert_eq!(test_each_step("x is defined"), "x is defined", "one step");
        assert_eq!(test_each_step("\"a.b is defined\""), "\"a.b is defined\"");
    }

    #[test]
    fn macros_become_components_and_calls_follow() {
        let files = [
            (
                "macros.html",
                "{% macro link(url, label=\"x\") %}<a href=\"{{ url }}\">{{ label }}</a>{{ self::dot() }}{% endmacro link %}\n{% macro dot() %}.{% endmacro %}",
            ),
            (
                "page.html",
                "{% import \"macros.html\" as m %}\n{{ m::link(url=page.permalink, label=\"Go\") }}",
            ),
        ];
        let (m, _, _) = convert(&files, "macros.html");
        assert!(
            m.contains(
                "{% component macros.link(url, label=none) %}{% if label is none %}{% set label = \"x\" %}{% endif %}"
            ),
            "{m}"
        );
        let with_globals = [(
            "g.html",
            "{% macro t(a) %}{{ config.title }}{{ page.title }}{{ a.page }}{% endmacro %}",
        )];
        let (g, _, _) = convert(&with_globals, "g.html");
        assert!(
            g.contains("{% component g.t(a, @config, @page=none) %}"),
            "{g}"
        );
        assert!(m.contains("{% endcomponent macros.link %}"), "{m}");
        assert!(m.contains("{{ <macros.dot /> }}"), "{m}");
        let (p, changes, left) = convert(&files, "page.html");
        assert!(
            p.contains("{{ <macros.link url={page.permalink} label=\"Go\" /> }}"),
            "{p}"
        );
        assert!(!p.contains("{% import"), "{p}");
        assert_eq!(changes[0].line, 1);
        assert_eq!(changes[1].line, 2);
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn calls_in_set_and_with_filters_go_through_set_blocks() {
        let files = [
            ("macros.html", "{% macro t(a) %}{{ a }}{% endmacro %}"),
            (
                "base.html",
                "{% import \"macros.html\" as m %}{% block b %}{% endblock %}",
            ),
            (
                "child.html",
                "{% extends \"base.html\" %}{% block b %}{%- set x = m::t(a=1) %}{{ m::t(a=2) | safe }}{{ m::t(a=3) | upper }}{% set_global y = m::t(a=4) | trim %}{% endblock %}",
            ),
        ];
        let (c, _, left) = convert(&files, "child.html");
        assert!(left.is_empty(), "{left:?}");
        assert!(
            c.contains("{%- set x %}{{ <macros.t a={1} /> }}{% endset %}"),
            "{c}"
        );
        assert!(c.contains("{{ <macros.t a={2} /> }}"), "{c}");
        assert!(
            c.contains(
                "{% set __component %}{{ <macros.t a={3} /> }}{% endset %}{{ __component | upper }}"
            ),
            "{c}"
        );
        assert!(c.contains("{% set __component %}{{ <macros.t a={4} /> }}{% endset %}{% set_global y = __component | trim %}"), "{c}");
        let inside = [
            ("macros.html", "{% macro t(a) %}{{ a }}{% endmacro %}"),
            (
                "x.html",
                "{% import \"macros.html\" as m %}{% if m::t(a=1) == \"1\" and m::t(a=2) %}y{% endif %}",
            ),
        ];
        let (x, _, left) = convert(&inside, "x.html");
        let inc = [
            (
                "a.html",
                "{% include \"b.html\" ignore missing %}{% include \"nope.html\" ignore missing %}",
            ),
            ("b.html", ""),
        ];
        assert_eq!(convert(&inc, "a.html").0, "{% include \"b.html\" %}");
        assert!(left.is_empty(), "{left:?}");
        assert!(x.contains("{% set __component1 %}{{ <macros.t a={1} /> }}{% endset %}{% set __component2 %}{{ <macros.t a={2} /> }}{% endset %}{% if __component1 == \"1\" and __component2 %}"), "{x}");
    }

    #[test]
    fn tests_indexing_guards_and_blocks() {
        let files = [
            ("base.html", "{% block content %}{% endblock %}"),
            (
                "page.html",
                "{% extends \"base.html\" %}{% block content %}{% if page.extra.x and not config.extra.y %}{{ a.0.b }}{% endif %}{% if p.path is starting_with(\"/a\") %}{% endif %}{% endblock %}\n{% block gone %}x{% endblock gone %}",
            ),
        ];
        let (p, changes, _) = convert(&files, "page.html");
        assert!(p.contains("{% if (page is defined and page.extra is defined and page.extra.x is defined and page.extra.x) and not (config.extra is defined and config.extra.y is defined and config.extra.y) %}"), "{p}");
        assert!(p.contains("{{ a[0].b }}"), "{p}");
        assert!(p.contains("is starting_with(pat=\"/a\")"), "{p}");
        assert!(!p.contains("gone"), "{p}");
        assert!(
            changes
                .iter()
                .any(|c| c.line == 2 && c.what.contains("`gone`")),
            "{changes:?}"
        );
        // Numbers and comparisons are left alone.
        let (q, _, _) = convert(
            &[("q.html", "{{ 1.5 }}{% if a.b == 1 %}{% endif %}")],
            "q.html",
        );
        assert_eq!(q, "{{ 1.5 }}{% if a.b == 1 %}{% endif %}");
    }
}
