//! Build errors that point at a place in a source file.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so one build
//! shows all of them. A diagnostic knows its file, the byte span in it and what
//! was expected; line, column and the snippet are derived from the source text.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// One problem found while building a site.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// File the problem is in, relative to the site root where possible.
    pub file: Option<PathBuf>,
    /// The whole text of that file (shared, not copied per diagnostic).
    pub source: Option<Arc<str>>,
    /// Byte range in `source` the problem points at.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// What was expected instead, or how to fix it.
    pub help: Option<String>,
    /// An error fails the build; a warning is printed and the build goes on.
    pub severity: Severity,
}

/// Whether a [`Diagnostic`] fails the build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Severity {
    #[default]
    Error,
    /// Printed, never fails the build: something accepted but not (yet) done,
    /// so a site moved from another tool never loses a setting silently.
    Warning,
}

impl Diagnostic {
    /// A problem at a byte range of a file.
    pub fn at(
        file: impl Into<PathBuf>,
        source: Arc<str>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let len = source.len();
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        Diagnostic {
            file: Some(file.into()),
            source: Some(source),
            span: start..end,
            message: message.into(),
            help: None,
            severity: Severity::Error,
        }
    }

    /// A problem with a file as a whole (no position inside it).
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: Some(file.into()),
            source: None,
            span: 0..0,
            message: message.into(),
            help: None,
            severity: Severity::Error,
        }
    }

    /// A problem that belongs to no file.
    pub fn general(message: impl Into<String>) -> Self {
        Diagnostic {
            file: None,
            source: None,
            span: 0..0,
            message: message.into(),
            help: None,
            severity: Severity::Error,
        }
    }

    /// The same problem as a warning: printed, but the build goes on.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// True for a warning.
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// Adds a hint saying what was expected.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column of the start of the span.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let source = self.source.as_deref()?;
        Some(line_col(source, self.span.start))
    }

    /// The source line the problem is on, if there is one.
    pub fn snippet(&self) -> Option<String> {
        let source = self.source.as_deref()?;
        let (line, _) = line_col(source, self.span.start);
        source.lines().nth(line - 1).map(str::to_string)
    }

    /// `file:line:column` (or as much of it as is known).
    pub fn location(&self) -> String {
        match (&self.file, self.line_col()) {
            (Some(file), Some((line, col))) => format!("{}:{line}:{col}", file.display()),
            (Some(file), None) => file.display().to_string(),
            (None, _) => String::from("<site>"),
        }
    }

    /// A serialisable form, for the dev server's error overlay.
    pub fn to_report(&self) -> DiagnosticReport {
        let (line, column) = self
            .line_col()
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        DiagnosticReport {
            file: self.file.as_ref().map(|f| f.display().to_string()),
            line,
            column,
            message: self.message.clone(),
            help: self.help.clone(),
            snippet: self.snippet(),
            rendered: self.render_plain(),
        }
    }

    /// The diagnostic as plain text with a source snippet and a caret.
    pub fn render_plain(&self) -> String {
        let level = if self.is_warning() {
            "warning"
        } else {
            "error"
        };
        let mut out = format!("{level}: {}\n  --> {}\n", self.message, self.location());
        if let (Some(source), Some((line, col))) = (self.source.as_deref(), self.line_col()) {
            let width = line.to_string().len();
            if let Some(text) = source.lines().nth(line - 1) {
                let (text, col) = window(text, col);
                let text = text.as_str();
                let caret_len = self
                    .span
                    .len()
                    .clamp(1, text.len().saturating_sub(col - 1).max(1));
                let lead: String = text
                    .chars()
                    .take(col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!(
                    "{:width$} |\n{line} | {text}\n{:width$} | {lead}{}\n",
                    "",
                    "",
                    "^".repeat(caret_len)
                ));
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }

    /// Rewrites the file name relative to `root` when it lies inside it.
    pub fn relative_to(mut self, root: &Path) -> Self {
        if let Some(file) = &self.file
            && let Ok(rel) = file.strip_prefix(root)
        {
            self.file = Some(rel.to_path_buf());
        }
        self
    }
}

/// At most [`LONG_LINE`] characters of `line` around 1-based character
/// column `col` (with `…` where cut), and the column within the window.
fn window(line: &str, col: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= LONG_LINE {
        return (line.to_string(), col);
    }
    let start = col.saturating_sub(LONG_LINE / 2).min(count - LONG_LINE);
    let mut out: String = line.chars().skip(start).take(LONG_LINE).collect();
    let mut col = col - start;
    if start > 0 {
        out.insert(0, '…');
        col += 1;
    }
    if start + LONG_LINE < count {
        out.push('…');
    }
    (out, col)
}

/// Serialisable diagnostic (file, line, column, message, snippet).
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticReport {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    pub snippet: Option<String>,
    pub rendered: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let label = miette::LabeledSpan::new_with_span(Some("here".into()), self.span.clone());
        Some(Box::new(std::iter::once(label)))
    }
}

/// A list of diagnostics, in the order they were found, sorted for output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records many problems.
    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(more);
    }

    /// Sorts by file, then position, so output is stable across parallel runs.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.file, a.span.start).cmp(&(&b.file, b.span.start)));
    }
}

/// Both results, or every error of either (sorted): two independent stages
/// (say, the site model and the templates) report their problems together.
pub fn join<A, B>(
    a: Result<A, Vec<Diagnostic>>,
    b: Result<B, Vec<Diagnostic>>,
) -> Result<(A, B), Diagnostics> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut all = Diagnostics::default();
            all.extend(a.err().into_iter().flatten());
            all.extend(b.err().into_iter().flatten());
            all.sort();
            Err(all)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            f.write_str(&d.render_plain())?;
        }
        Ok(())
    }
}

/// How many diagnostics of one kind are printed in full; the rest are counted per file.
pub const SHOWN_PER_KIND: usize = 50;

/// Source lines longer than this are shown as a window around the problem.
const LONG_LINE: usize = 240;

/// What kind of problem a message describes: the message with every
/// `quoted` part left out, so "no page `a.md`" and "no page `b.md`" are one kind.
pub fn kind_of(message: &str) -> String {
    let mut kind = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        kind.push_str(if i % 2 == 0 { part } else { "…" });
    }
    kind
}

/// The diagnostics shown in full (the first [`SHOWN_PER_KIND`] of each
/// kind, in order) and, per file, how many more there were. Linear in the
/// number of diagnostics.
pub fn capped(diagnostics: &[Diagnostic]) -> (Vec<&Diagnostic>, Vec<(String, usize)>) {
    let mut per_kind: std::collections::HashMap<String, usize> = Default::default();
    let mut shown = Vec::new();
    let mut hidden: Vec<(String, usize)> = Vec::new();
    let mut hidden_index: std::collections::HashMap<String, usize> = Default::default();
    for d in diagnostics {
        let n = per_kind.entry(kind_of(&d.message)).or_insert(0);
        *n += 1;
        if *n <= SHOWN_PER_KIND {
            shown.push(d);
            continue;
        }
        let file = d
            .file
            .as_ref()
            .map_or_else(|| "<site>".to_string(), |f| f.display().to_string());
        match hidden_index.get(&file) {
            Some(&i) => hidden[i].1 += 1,
            None => {
                hidden_index.insert(file.clone(), hidden.len());
                hidden.push((file, 1));
            }
        }
    }
    (shown, hidden)
}

/// Writes every diagnostic (capped, see [`capped`]) with its snippet to `w`
/// (a buffered stderr), file names relative to `root`. Returns how many
/// there were.
pub fn write_report(
    diagnostics: &Diagnostics,
    root: &Path,
    w: &mut impl std::io::Write,
) -> std::io::Result<usize> {
    let (shown, hidden) = capped(&diagnostics.0);
    for d in shown {
        let d = d.clone().relative_to(root);
        let long_line = d.snippet().is_some_and(|l| l.len() > LONG_LINE);
        if long_line {
            // miette would print the whole line: show a window instead.
            writeln!(w, "{}", d.render_plain())?;
        } else {
            writeln!(w, "{:?}", miette::Report::new(d))?;
        }
    }
    for (file, n) in &hidden {
        let file = Path::new(file)
            .strip_prefix(root)
            .map_or_else(|_| file.clone(), |p| p.display().to_string());
        writeln!(
            w,
            "note: {n} more error{} in {file} not shown (the first {SHOWN_PER_KIND} of each kind are)",
            if *n == 1 { "" } else { "s" }
        )?;
    }
    w.flush()?;
    Ok(diagnostics.0.len())
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of 1-based `line` and `column` (in characters) in `source`.
pub fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, text) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = text
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + col_bytes;
        }
        offset += text.len();
    }
    source.len()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The known name closest to `unknown`, if any is close enough to suggest.
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" messages, a hint
/// naming the closest known field.
pub fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, rest) = rest.split_once('`')?;
    let list = rest.split_once("expected one of ").map_or("", |(_, l)| l);
    let list = if list.is_empty() {
        rest.split_once("expected ").map_or("", |(_, l)| l)
    } else {
        list
    };
    let known: Vec<&str> = list
        .split([',', ' '])
        .map(|k| k.trim_matches(|c| c == '`' || c == '.'))
        .filter(|k| !k.is_empty() && *k != "or")
        .collect();
    match closest(unknown, known.iter().copied()) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None if known.is_empty() => None,
        None => Some(format!(
            "expected one of {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let src = "ab\ncdé\nf";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 4), (2, 2));
        assert_eq!(line_col(src, src.len()), (3, 2));
        assert_eq!(offset_of(src, 2, 2), 4);
    }

    #[test]
    fn thousands_of_errors_print_capped_and_fast() {
        let line = "[x](@/missing.md) ".repeat(1000);
        let source: Arc<str> = Arc::from(format!("{line}\n").repeat(10).as_str());
        let all: Vec<Diagnostic> = (0..10_000)
            .map(|i| {
                Diagnostic::at(
                    "content/a.md",
                    source.clone(),
                    i * 18..i * 18 + 17,
                    format!("broken link `missing-{i}.md`"),
                )
            })
            .collect();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let n = write_report(&Diagnostics(all), Path::new("/site"), &mut out).unwrap();
        assert_eq!(n, 10_000);
        let text = String::from_utf8(out).unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            text.matches("error: broken link").count(),
            SHOWN_PER_KIND,
            "{}",
            &text[..2000]
        );
        assert!(
            text.contains("note: 9950 more errors in content/a.md"),
            "{}",
            &text[text.len() - 300..]
        );
        assert!(text.len() < 100_000, "{} bytes", text.len());
    }

    #[test]
    fn closest_suggests_near_names_only() {
        assert_eq!(closest("titel", ["title", "date"]), Some("title"));
        assert_eq!(closest("zzzzzz", ["title", "date"]), None);
    }
}
