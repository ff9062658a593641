//! Shortcodes: Zola-style calls in a Markdown body, expanded before the
//! Markdown parser sees the text.
//!
//! - inline: `{{ name(arg="v", n=3) }}`;
//! - with a body: `{% name(arg="v") %} … {% end %}` (bodies may nest);
//! - escaped: `{{/* name() */}}` and `{%/* name() */%}` print the call;
//! - calls inside fenced code blocks and inline code stay literal.
//!
//! This module knows the syntax, not templates: an [`Expander`] (built by
//! the templates layer from `templates/shortcodes/`) renders each call. The
//! model hands the expanded text to `markdown`, then [`Expanded::restore`]
//! puts the HTML back: an HTML shortcode's output is held out of the
//! Markdown as a placeholder comment, so Markdown never rewrites it (no
//! curly quotes, no emphasis inside), and a body printed with `{{ body }}`
//! stays Markdown of the page, between its opening and closing HTML, so
//! links, footnotes and headings in it work like anywhere else. A `.md`
//! shortcode's output is Markdown and goes into the text as is.
//!
//! Positions in the expanded text map back to the file
//! ([`Expanded::source_offset`]), so Markdown errors keep their file:line:col.

use std::collections::BTreeSet;
use std::ops::Range;

/// Where a shortcode template prints its body (`{{ body }}`) when the
/// body stays Markdown of the page.
pub const BODY_MARKER: &str = "GUIDEPOSTSHORTCODEBODY";

/// Argument values: strings, numbers, booleans and arrays of them.
pub type Args = serde_json::Map<String, serde_json::Value>;

/// A shortcode template: its kind and its text (to check argument names).
#[derive(Debug, Clone)]
pub struct ShortcodeTemplate {
    /// Output is Markdown (`NAME.md`) rather than HTML (`NAME.html`).
    pub markdown: bool,
    /// The template source.
    pub text: String,
}

/// Renders shortcode calls; implemented by the templates layer.
pub trait Expander: Send + Sync {
    /// The template of shortcode `name`, if there is one.
    fn template(&self, name: &str) -> Option<&ShortcodeTemplate>;
    /// Every shortcode name (for "did you mean").
    fn names(&self) -> Vec<String>;
    /// Renders `name` with `args`, `body` (when it has one) and `nth` (its
    /// 1-based count among this page's calls of it).
    fn render(
        &self,
        name: &str,
        args: &Args,
        body: Option<&str>,
        nth: usize,
    ) -> Result<String, String>;
}

/// A shortcode problem: byte span in the body and message (and help).
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeError {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// A body with its shortcodes expanded.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Markdown for the parser, with placeholders where HTML goes.
    pub text: String,
    /// HTML of each placeholder, by number.
    html: Vec<String>,
    /// `(position in text, position in body, generated)`, in order.
    segments: Vec<(usize, usize, bool)>,
    /// Names of the shortcodes used (the dev server re-renders pages that
    /// use a shortcode whose template changed).
    pub used: BTreeSet<String>,
}

const PLACEHOLDER: &str = "<!--gpsc:";

impl Expanded {
    /// The body position that produced position `pos` of the expanded text
    /// (the call's start, for text a shortcode generated).
    pub fn source_offset(&self, pos: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= pos);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some((out, src, false)) => src + (pos - out),
            Some((_, src, true)) => src,
            None => pos,
        }
    }

    /// Whether any HTML was held out of the Markdown.
    pub fn has_html(&self) -> bool {
        !self.html.is_empty()
    }

    /// Rendered Markdown with every placeholder replaced by its HTML.
    pub fn restore(&self, html: &str) -> String {
        if self.html.is_empty() {
            return html.to_string();
        }
        let mut out =
            String::with_capacity(html.len() + self.html.iter().map(String::len).sum::<usize>());
        let mut rest = html;
        while let Some(at) = rest.find(PLACEHOLDER) {
            out.push_str(&rest[..at]);
            let after = &rest[at + PLACEHOLDER.len()..];
            let Some(end) = after.find("-->") else {
                out.push_str(&rest[at..]);
                return out;
            };
            match after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.html.get(n))
            {
                Some(h) => out.push_str(h),
                None => out.push_str(&rest[at..at + PLACEHOLDER.len() + end + 3]),
            }
            rest = &after[end + 3..];
        }
        out.push_str(rest);
        out
    }

    fn push_src(&mut self, text: &str, src_at: usize) {
        if text.is_empty() {
            return;
        }
        self.segments.push((self.text.len(), src_at, false));
        self.text.push_str(text);
    }

    fn push_generated(&mut self, text: &str, src_at: usize) {
        self.segments.push((self.text.len(), src_at, true));
        self.text.push_str(text);
    }

    fn push_html(&mut self, html: String, src_at: usize) {
        let n = self.html.len();
        self.html.push(html);
        self.push_generated(&format!("{PLACEHOLDER}{n}-->"), src_at);
    }
}

/// Expands every shortcode call in `body`. Returns the expansion and every
/// problem found (a call with a problem is left out of the text).
pub fn expand(body: &str, expander: &dyn Expander) -> (Expanded, Vec<ShortcodeError>) {
    let mut run = Run {
        src: body,
        expander,
        out: Expanded::default(),
        errors: Vec::new(),
        counts: std::collections::HashMap::new(),
    };
    let stop = run.scan(0, body.len(), None);
    if let Some(at) = stop {
        // An `{% end %}` with nothing open.
        run.errors.push(ShortcodeError {
            span: at..at + end_len(&body[at..]),
            message: "`{% end %}` without a shortcode to close".into(),
            help: Some(
                "remove it, or open a body shortcode such as {% callout(kind=\"note\") %}".into(),
            ),
        });
    }
    (run.out, run.errors)
}

/// Whether the text may contain a call (a quick test before expanding).
pub fn may_contain_calls(body: &str) -> bool {
    body.contains("{{") || body.contains("{%")
}

struct Run<'a> {
    src: &'a str,
    expander: &'a dyn Expander,
    out: Expanded,
    errors: Vec<ShortcodeError>,
    counts: std::collections::HashMap<String, usize>,
}

/// A parsed call: name, arguments with their spans, where it ends.
struct Call {
    name: String,
    name_span: Range<usize>,
    args: Args,
    arg_spans: Vec<(String, Range<usize>)>,
    end: usize,
}

impl Run<'_> {
    /// Copies `[from, to)` to the output, expanding calls. With `open`
    /// (the name of an open body shortcode), stops at its `{% end %}` and
    /// returns where that starts; without, returns where a stray end is.
    fn scan(&mut self, from: usize, to: usize, open: Option<&str>) -> Option<usize> {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut i = from;
        let mut copied = from;
        let mut line_start = true;
        while i < to {
            let c = bytes[i];
            if line_start && let Some(fence_end) = fenced_block_end(src, i, to) {
                i = fence_end;
                line_start = true;
                continue;
            }
            line_start = false;
            match c {
                b'\n' => {
                    line_start = true;
                    i += 1;
                }
                b'`' => {
                    let run = bytes[i..to].iter().take_while(|&&b| b == b'`').count();
                    let ticks = &src[i..i + run];
                    match src[i + run..to].find(ticks) {
                        Some(close) => i += run + close + run,
                        None => i += run,
                    }
                }
                b'{' if i + 1 < to && (bytes[i + 1] == b'{' || bytes[i + 1] == b'%') => {
                    let block = bytes[i + 1] == b'%';
                    // Escaped: {{/* … */}} and {%/* … */%}.
                    let rest = &src[i + 2..to];
                    if let Some(inner) = rest.strip_prefix("/*") {
                        let close = if block { "*/%}" } else { "*/}}" };
                        if let Some(e) = inner.find(close) {
                            self.out.push_src(&src[copied..i], copied);
                            let (open_d, close_d) = if block { ("{%", "%}") } else { ("{{", "}}") };
                            // Held out of the Markdown, so quotes stay straight.
                            let literal = format!("{open_d}{}{close_d}", &inner[..e]);
                            self.out.push_html(escape_html(&literal), i);
                            i = i + 4 + e + 4;
                            copied = i;
                            continue;
                        }
                    }
                    if block && is_end(rest) {
                        if open.is_some() {
                            self.out.push_src(&src[copied..i], copied);
                            return Some(i);
                        }
                        self.out.push_src(&src[copied..i], copied);
                        self.errors.push(ShortcodeError {
                            span: i..i + end_len(&src[i..]),
                            message: "`{% end %}` without a shortcode to close".into(),
                            help: Some("remove it, or open a body shortcode before it".into()),
                        });
                        i += end_len(&src[i..]);
                        copied = i;
                        continue;
                    }
                    match parse_call(src, i, to, block) {
                        None => i += 2,
                        Some(Err(e)) => {
                            self.out.push_src(&src[copied..i], copied);
                            let end = e.span.end;
                            self.errors.push(e);
                            i = end.max(i + 2);
                            copied = i;
                        }
                        Some(Ok(call)) => {
                            self.out.push_src(&src[copied..i], copied);
                            i = if block {
                                self.body_call(i, call, to)
                            } else {
                                let end = call.end;
                                self.inline_call(i, call);
                                end
                            };
                            copied = i;
                        }
                    }
                }
                _ => i += 1,
            }
        }
        self.out.push_src(&src[copied..to], copied);
        None
    }

    /// Checks the call's name and arguments against its template.
    fn check(&mut self, start: usize, call: &Call, has_body: bool) -> Option<ShortcodeTemplate> {
        let Some(t) = self.expander.template(&call.name) else {
            let names = self.expander.names();
            let help = match closest(&call.name, &names) {
                Some(n) => {
                    format!("did you mean `{n}`? Shortcodes are templates in templates/shortcodes/")
                }
                None => format!(
                    "add templates/shortcodes/{}.html (or .md); known shortcodes: {}",
                    call.name,
                    names.join(", ")
                ),
            };
            self.errors.push(ShortcodeError {
                span: call.name_span.clone(),
                message: format!("unknown shortcode `{}`", call.name),
                help: Some(help),
            });
            return None;
        };
        let _ = (start, has_body);
        let mut ok = true;
        for (arg, span) in &call.arg_spans {
            if !mentions(&t.text, arg) {
                ok = false;
                self.errors.push(ShortcodeError {
                    span: span.clone(),
                    message: format!("shortcode `{}` has no argument `{arg}`", call.name),
                    help: Some(format!(
                        "its template ({}) never uses `{arg}`",
                        if t.markdown {
                            "a .md template"
                        } else {
                            "an .html template"
                        }
                    )),
                });
            }
        }
        ok.then(|| t.clone())
    }

    fn nth(&mut self, name: &str) -> usize {
        let n = self.counts.entry(name.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    /// An inline call: its output replaces it.
    fn inline_call(&mut self, start: usize, call: Call) {
        let end = call.end;
        let Some(t) = self.check(start, &call, false) else {
            return;
        };
        self.out.used.insert(call.name.clone());
        let nth = self.nth(&call.name);
        match self.expander.render(&call.name, &call.args, None, nth) {
            Ok(text) if t.markdown => self.out.push_generated(text.trim_end(), start),
            Ok(html) => self.out.push_html(html.trim().to_string(), start),
            Err(message) => self.errors.push(ShortcodeError {
                span: start..end,
                message: format!("shortcode `{}` failed: {message}", call.name),
                help: None,
            }),
        }
    }

    /// A call with a body: finds its `{% end %}`, renders, and returns
    /// where scanning goes on.
    fn body_call(&mut self, start: usize, call: Call, to: usize) -> usize {
        let src = self.src;
        // Find the matching end by scanning the body into a scratch run.
        let mut probe = Run {
            src,
            expander: self.expander,
            out: Expanded::default(),
            errors: Vec::new(),
            counts: self.counts.clone(),
        };
        let Some(end_at) = probe.scan(call.end, to, Some(&call.name)) else {
            self.errors.push(ShortcodeError {
                span: start..call.end,
                message: format!("shortcode `{}` has no `{{% end %}}`", call.name),
                help: Some("close its body with {% end %}".into()),
            });
            return to;
        };
        let after = end_at + end_len(&src[end_at..]);
        let Some(t) = self.check(start, &call, true) else {
            return after;
        };
        self.out.used.insert(call.name.clone());
        let nth = self.nth(&call.name);
        let fail = |message: String| ShortcodeError {
            span: start..call.end,
            message: format!("shortcode `{}` failed: {message}", call.name),
            help: None,
        };
        if t.markdown {
            // The body is expanded first, then handed to the template.
            self.errors.extend(probe.errors);
            let body = probe.out.restore_markdown();
            match self
                .expander
                .render(&call.name, &call.args, Some(&body), nth)
            {
                Ok(text) => {
                    self.out.push_generated(&text, start);
                    self.out.used.extend(probe.out.used);
                }
                Err(m) => self.errors.push(fail(m)),
            }
            return after;
        }
        match self
            .expander
            .render(&call.name, &call.args, Some(BODY_MARKER), nth)
        {
            Ok(html) if html.matches(BODY_MARKER).count() == 1 => {
                // The body stays Markdown of the page, between the two halves.
                let (open, close) = html.split_once(BODY_MARKER).expect("counted");
                self.out.push_html(open.trim_end().to_string(), start);
                self.out.push_generated("\n\n", start);
                // Up to (not including) the end: nested calls expand here.
                self.scan(call.end, end_at, Some(&call.name));
                self.out.push_generated("\n\n", end_at);
                self.out.push_html(close.trim_start().to_string(), end_at);
                after
            }
            Ok(_) => {
                // The template uses the body some other way: give it the text.
                let body = &src[call.end..end_at];
                match self
                    .expander
                    .render(&call.name, &call.args, Some(body), nth)
                {
                    Ok(html) => self.out.push_html(html, start),
                    Err(m) => self.errors.push(fail(m)),
                }
                after
            }
            Err(m) => {
                self.errors.push(fail(m));
                after
            }
        }
    }
}

impl Expanded {
    /// The expanded text with HTML placeholders put back (for a Markdown
    /// shortcode's body, which its template receives as text).
    fn restore_markdown(&self) -> String {
        self.restore(&self.text)
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// If a fenced code block opens at `at` (a line start), where it ends
/// (after its closing fence line, or `to`).
fn fenced_block_end(src: &str, at: usize, to: usize) -> Option<usize> {
    let line = &src[at..to];
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let n = rest.chars().take_while(|&c| c == ch).count();
    if n < 3 {
        return None;
    }
    let first_line_end = line.find('\n').map_or(line.len(), |e| e + 1);
    if ch == '`' && line[indent + n..first_line_end].contains('`') {
        return None;
    }
    let mut pos = first_line_end;
    while pos < line.len() {
        let l_end = line[pos..].find('\n').map_or(line.len(), |e| pos + e + 1);
        let l = line[pos..l_end].trim_end_matches(['\n', '\r']);
        let t = l.trim_start_matches(' ');
        if l.len() - t.len() <= 3
            && t.chars().take_while(|&c| c == ch).count() >= n
            && t.trim_start_matches(ch).trim().is_empty()
        {
            return Some(at + l_end);
        }
        pos = l_end;
    }
    Some(to)
}

/// Whether `rest` (after `{%`) is ` end %}`.
fn is_end(rest: &str) -> bool {
    rest.trim_start()
        .strip_prefix("end")
        .is_some_and(|r| r.trim_start().starts_with("%}"))
}

/// Length of the `{% end %}` at the start of `s`.
fn end_len(s: &str) -> usize {
    s.find("%}").map_or(s.len(), |e| e + 2)
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Parses a call at `at` (`{{ name(...) }}`, or `{% name(...) %}` when
/// `block`). `None` when the text there is not a call at all (`{{ x }}` in
/// prose stays text); an error when it is a call with bad syntax.
fn parse_call(
    src: &str,
    at: usize,
    to: usize,
    block: bool,
) -> Option<Result<Call, ShortcodeError>> {
    let b = src.as_bytes();
    let mut i = at + 2;
    while i < to && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if i >= to || !is_ident_start(b[i]) {
        return None;
    }
    let name_start = i;
    while i < to && is_ident(b[i]) {
        i += 1;
    }
    let name_span = name_start..i;
    while i < to && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if i >= to || b[i] != b'(' {
        return None;
    }
    i += 1;
    let close = if block { "%}" } else { "}}" };
    let line_end = src[at..to].find(close).map_or(to, |e| at + e + 2);
    let err = |span: Range<usize>, message: String, help: &str| {
        Some(Err(ShortcodeError {
            span,
            message,
            help: Some(help.to_string()),
        }))
    };
    let arg_help = "arguments look like name=\"text\", n=3, flag=true or list=[\"a\", \"b\"]";
    let mut args = Args::new();
    let mut arg_spans = Vec::new();
    loop {
        i = skip_ws(b, i, to);
        if i >= to {
            return err(at..line_end, "unclosed shortcode call".into(), arg_help);
        }
        if b[i] == b')' {
            i += 1;
            break;
        }
        let key_start = i;
        while i < to && is_ident(b[i]) {
            i += 1;
        }
        if key_start == i {
            return err(
                i..i + 1,
                format!(
                    "expected an argument name in shortcode `{}`",
                    &src[name_span.clone()]
                ),
                arg_help,
            );
        }
        let key = src[key_start..i].to_string();
        i = skip_ws(b, i, to);
        if i >= to || b[i] != b'=' {
            return err(
                key_start..i,
                format!("argument `{key}` has no value"),
                arg_help,
            );
        }
        i = skip_ws(b, i + 1, to);
        let (value, next) = match parse_value(src, i, to) {
            Ok(v) => v,
            Err((span, m)) => return err(span, format!("argument `{key}`: {m}"), arg_help),
        };
        if args.insert(key.clone(), value).is_some() {
            return err(
                key_start..next,
                format!("argument `{key}` given twice"),
                arg_help,
            );
        }
        arg_spans.push((key, key_start..next));
        i = skip_ws(b, next, to);
        if i < to && b[i] == b',' {
            i += 1;
        } else if i < to && b[i] != b')' {
            return err(
                i..i + 1,
                "expected `,` or `)` after an argument".into(),
                arg_help,
            );
        }
    }
    i = skip_ws(b, i, to);
    if !src[i..to].starts_with(close) {
        return err(
            at..line_end.max(i),
            format!("shortcode call must end with `{close}`"),
            if block {
                "a body shortcode looks like {% name(arg=\"v\") %} … {% end %}"
            } else {
                "an inline shortcode looks like {{ name(arg=\"v\") }}"
            },
        );
    }
    Some(Ok(Call {
        name: src[name_span.clone()].to_string(),
        name_span,
        args,
        arg_spans,
        end: i + 2,
    }))
}

fn skip_ws(b: &[u8], mut i: usize, to: usize) -> usize {
    while i < to && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// One argument value at `i`: a string (`"…"`, `'…'`, `` `…` ``), number,
/// boolean, or array of those. Returns it and where it ends.
fn parse_value(
    src: &str,
    i: usize,
    to: usize,
) -> Result<(serde_json::Value, usize), (Range<usize>, String)> {
    let b = src.as_bytes();
    if i >= to {
        return Err((i..i, "missing value".into()));
    }
    match b[i] {
        q @ (b'"' | b'\'' | b'`') => {
            let mut j = i + 1;
            let mut s = String::new();
            while j < to && b[j] != q {
                if b[j] == b'\\' && q == b'"' && j + 1 < to {
                    j += 1;
                }
                let ch = src[j..].chars().next().expect("in bounds");
                s.push(ch);
                j += ch.len_utf8();
            }
            if j >= to {
                return Err((i..to.min(i + 1), "unclosed string".into()));
            }
            Ok((serde_json::Value::String(s), j + 1))
        }
        b'[' => {
            let mut items = Vec::new();
            let mut j = skip_ws(b, i + 1, to);
            loop {
                if j >= to {
                    return Err((i..i + 1, "unclosed list".into()));
                }
                if b[j] == b']' {
                    return Ok((serde_json::Value::Array(items), j + 1));
                }
                let (v, next) = parse_value(src, j, to)?;
                items.push(v);
                j = skip_ws(b, next, to);
                if j < to && b[j] == b',' {
                    j = skip_ws(b, j + 1, to);
                }
            }
        }
        _ => {
            let mut j = i;
            while j < to && (is_ident(b[j]) || b[j] == b'-' || b[j] == b'.' || b[j] == b'+') {
                j += 1;
            }
            let word = &src[i..j];
            let value = match word {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                _ => {
                    if let Ok(n) = word.parse::<i64>() {
                        serde_json::Value::from(n)
                    } else if let Ok(f) = word.parse::<f64>() {
                        serde_json::Value::from(f)
                    } else {
                        let shown = if word.is_empty() {
                            &src[i..(i + 1).min(to)]
                        } else {
                            word
                        };
                        return Err((
                            i..j.max(i + 1),
                            format!("`{shown}` is not a value (quote text: \"{shown}\")"),
                        ));
                    }
                }
            };
            Ok((value, j))
        }
    }
}

/// Whether a template's text uses `word` as a name.
fn mentions(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices(word).any(|(at, _)| {
        let before = at.checked_sub(1).map(|p| b[p]);
        let after = b.get(at + word.len()).copied();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

fn closest<'a>(name: &str, names: &'a [String]) -> Option<&'a str> {
    crate::diagnostics::closest(name, names.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fake(HashMap<String, ShortcodeTemplate>);

    impl Fake {
        fn new() -> Fake {
            let mut m = HashMap::new();
            m.insert(
                "kbd".to_string(),
                ShortcodeTemplate {
                    markdown: false,
                    text: "<kbd>{{ key }}</kbd>".into(),
                },
            );
            m.insert(
                "box".to_string(),
                ShortcodeTemplate {
                    markdown: false,
                    text: "<div class=\"{{ kind }}\">{{ body }}</div>".into(),
                },
            );
            m.insert(
                "shout".to_string(),
                ShortcodeTemplate {
                    markdown: true,
                    text: "**{{ body }}**".into(),
                },
            );
            Fake(m)
        }
    }

    impl Expander for Fake {
        fn template(&self, name: &str) -> Option<&ShortcodeTemplate> {
            self.0.get(name)
        }
        fn names(&self) -> Vec<String> {
            self.0.keys().cloned().collect()
        }
        fn render(
            &self,
            name: &str,
            args: &Args,
            body: Option<&str>,
            nth: usize,
        ) -> Result<String, String> {
            let arg = |k: &str| {
                args.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            Ok(match name {
                "kbd" => format!("<kbd data-n=\"{nth}\">{}</kbd>", arg("key")),
                "box" => format!(
                    "<div class=\"{}\">\n{}\n</div>",
                    arg("kind"),
                    body.unwrap_or("")
                ),
                "shout" => format!("**{}**", body.unwrap_or("").trim()),
                _ => return Err("no".into()),
            })
        }
    }

    fn run(text: &str) -> (String, Vec<ShortcodeError>) {
        let (e, errors) = expand(text, &Fake::new());
        (e.restore(&e.text), errors)
    }

    #[test]
    fn inline_and_body_calls_expand() {
        let (out, errors) = run(
            "Press {{ kbd(key=\"Ctrl\") }} now.\n\n{% box(kind=\"note\") %}\nIt's *here*.\n{% end %}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(out.contains("<kbd data-n=\"1\">Ctrl</kbd>"), "{out}");
        assert!(
            out.contains("<div class=\"note\">\n\n\nIt's *here*.\n\n\n</div>"),
            "{out}"
        );
    }

    #[test]
    fn nested_and_markdown_shortcodes() {
        let (out, errors) = run(
            "{% box(kind=\"a\") %}\n{% shout() %}\nhi {{ kbd(key=\"K\") }}\n{% end %}\n{% end %}",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(out.contains("**hi <kbd data-n=\"1\">K</kbd>**"), "{out}");
    }

    #[test]
    fn code_and_escapes_stay_literal() {
        let text =
            "`{{ kbd(key=\"x\") }}` and {{/* kbd(key=\"y\") */}}\n\n```\n{{ nope() }}\n```\n";
        let (out, errors) = run(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(out.contains("`{{ kbd(key=\"x\") }}`"), "{out}");
        assert!(out.contains("{{ kbd(key=\"y\") }}"), "{out}");
        assert!(out.contains("{{ nope() }}"), "{out}");
        let (out, _) = run("{{ not a call }} and {% raw %}");
        assert_eq!(out, "{{ not a call }} and {% raw %}");
    }

    #[test]
    fn errors_point_at_the_call() {
        let text = "ok\n{{ kdb(key=\"x\") }}\n{{ kbd(kee=\"x\") }}\n{{ kbd(key=x) }}\n{% box(kind=\"a\") %}\nno end";
        let (_, errors) = run(text);
        let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(msgs[0].contains("unknown shortcode `kdb`"));
        assert_eq!(
            errors[0]
                .help
                .as_deref()
                .map(|h| h.starts_with("did you mean `kbd`")),
            Some(true),
            "{errors:?}"
        );
        assert_eq!(&text[errors[0].span.clone()], "kdb");
        assert!(msgs[1].contains("no argument `kee`"));
        assert_eq!(&text[errors[1].span.clone()], "kee=\"x\"");
        assert!(msgs[2].contains("`x` is not a value"), "{}", msgs[2]);
        assert!(msgs[3].contains("no `{% end %}`"), "{}", msgs[3]);
    }

    #[test]
    fn offsets_map_back_to_the_body() {
        let text = "{{ kbd(key=\"k\") }} [x](@/a.md)";
        let (e, _) = expand(text, &Fake::new());
        let at = e.text.find("[x]").unwrap();
        assert_eq!(e.source_offset(at), text.find("[x]").unwrap());
        assert_eq!(e.source_offset(2), 0);
    }
}
