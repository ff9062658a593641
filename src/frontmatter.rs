//! Parse stage: split a Markdown file into front matter and body, and read the
//! front matter (TOML between `+++` lines or YAML between `---` lines).
//!
//! Syntax and type errors point at the line in the *file*, not in the block.
//! For checks that happen later (a comparison row, a decision-tree answer) the
//! [`FrontMatterSource::locate`] function finds the span of any key path, so
//! every later error can still name file:line:column.
//!
//! Features (comparison tables, decision trees...) own top-level tables of
//! their own. This module knows none of them: [`parse`] is told which table
//! names are claimed, records which of them a file has, and hands a feature
//! its table on request ([`deserialize_block`] with the feature's own type),
//! with errors still at the file's lines.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};

use crate::diagnostics::{Diagnostic, closest, offset_of, unknown_field_help};

/// Which language the front matter block is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

/// The front matter block of a file, kept so later stages can locate keys.
#[derive(Debug, Clone)]
pub struct FrontMatterSource {
    pub format: Format,
    /// Byte range of the block's text (between the fences) in the file.
    pub range: Range<usize>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    Date,
    Title,
    #[default]
    Weight,
    None,
    /// Zola's: `updated` (else `date`), newest first.
    #[serde(rename = "update_date")]
    UpdateDate,
    /// Zola's: title by bytes (case-sensitive).
    #[serde(rename = "title_bytes")]
    TitleBytes,
    /// Zola's: by slug.
    Slug,
}

/// Every key a page or section may set in its front matter, besides the
/// tables features claim.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub(crate) struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    #[serde(default)]
    pub draft: bool,
    pub weight: Option<i64>,
    pub slug: Option<String>,
    pub template: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    /// Structured facts about the page (used by comparisons).
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Free table for themes.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    // Section-only keys.
    pub sort_by: Option<SortBy>,
    pub paginate_by: Option<usize>,
    pub feed: Option<bool>,
    // Zola's keys.
    /// Page: the whole site path instead of the one from the file's place.
    pub path: Option<String>,
    /// Page: authors (feeds; `page.authors`).
    #[serde(default)]
    pub authors: Vec<String>,
    /// `false`: no output file, but listed and reachable by `get_page`.
    pub render: Option<bool>,
    /// Section: its pages are listed (and sorted) in the parent section too.
    #[serde(default)]
    pub transparent: bool,
    /// Section: writes a redirect to this URL instead of rendering.
    pub redirect_to: Option<String>,
    /// Section: default template of the pages below it.
    pub page_template: Option<String>,
    /// Zola's anchor links (`none`, `left`, `right`, `heading`); stored for templates.
    pub insert_anchor_links: Option<String>,
    /// `false` leaves the document out of the search index (Zola's key;
    /// also `page.in_search_index` for templates).
    pub in_search_index: Option<bool>,
    /// Section: Zola's name for `feed`.
    pub generate_feeds: Option<bool>,
    /// Section: later listing pages live under `/section/PATH/2/` (default `page`).
    pub paginate_path: Option<String>,
    /// Section: list pages in reverse order.
    #[serde(default)]
    pub paginate_reversed: bool,
    /// Names of the feature tables this file has (`decision`, `comparison`).
    #[serde(skip)]
    pub tables: BTreeSet<String>,
    /// Every other top-level key: a feature's table, or a mistake.
    #[serde(flatten)]
    rest: BTreeMap<String, IgnoredAny>,
}

/// The keys [`FrontMatter`] reads itself, for "did you mean" hints.
const KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "weight",
    "slug",
    "template",
    "aliases",
    "taxonomies",
    "attributes",
    "extra",
    "sort_by",
    "paginate_by",
    "feed",
    "path",
    "authors",
    "render",
    "transparent",
    "redirect_to",
    "page_template",
    "insert_anchor_links",
    "in_search_index",
    "generate_feeds",
    "paginate_path",
    "paginate_reversed",
];

/// A date or date-time, kept as its ISO 8601 text (which sorts correctly).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Date(pub String);

impl Date {
    /// RFC 3339 form for feeds: a bare date becomes midnight UTC.
    pub fn rfc3339(&self) -> String {
        if self.0.len() == 10 {
            format!("{}T00:00:00Z", self.0)
        } else {
            self.0.clone()
        }
    }

    /// A real calendar date (`2024-02-30` is refused), optionally followed by
    /// a time `THH:MM[:SS[.frac]]` and an offset `Z` or `±HH:MM`, since the
    /// text goes into feeds and sitemaps as it is.
    fn check(text: &str) -> Result<Date, String> {
        let text = text.trim();
        if valid_date_time(text) {
            Ok(Date(text.replacen(' ', "T", 1)))
        } else {
            Err(format!(
                "invalid date `{text}`, expected a real date YYYY-MM-DD or an RFC 3339 date-time"
            ))
        }
    }
}

fn valid_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let num = |r: Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !(1..=12).contains(&month) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day == 0 || day > days {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    // Time: `THH:MM`, optional `:SS`, optional fraction, optional offset.
    if !matches!(b[10], b'T' | b't' | b' ') {
        return false;
    }
    let (Some(hour), Some(minute)) = (num(11..13), num(14..16)) else {
        return false;
    };
    if b[13] != b':' || hour > 23 || minute > 59 {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        match num(i + 1..i + 3) {
            Some(sec) if sec <= 60 => i += 3,
            _ => return false,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z'] | [b'z'] => true,
        [b'+' | b'-', ..] if b.len() - i == 6 && b[i + 3] == b':' => {
            matches!((num(i + 1..i + 3), num(i + 4..i + 6)), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> serde::de::Visitor<'de> for DateVisitor {
            type Value = Date;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date such as 2026-01-31")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                Date::check(v).map_err(E::custom)
            }
            // TOML datetimes arrive as a one-entry map.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let (_, v): (String, String) = map
                    .next_entry()?
                    .ok_or_else(|| serde::de::Error::custom("empty date"))?;
                Date::check(&v).map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// A file split into its parts.
#[derive(Debug)]
pub(crate) struct Split {
    pub front_matter: Option<(Format, Range<usize>)>,
    pub body_offset: usize,
}

/// Finds the front matter fences at the top of `text`.
pub(crate) fn split(text: &str) -> Split {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let format = if rest.starts_with("+++") {
        Format::Toml
    } else if rest.starts_with("---") {
        Format::Yaml
    } else {
        return Split {
            front_matter: None,
            body_offset: 0,
        };
    };
    let fence = if format == Format::Toml { "+++" } else { "---" };
    let first_line_end = match rest.find('\n') {
        Some(i) if rest[..i].trim_end() == fence => i + 1,
        _ => {
            return Split {
                front_matter: None,
                body_offset: 0,
            };
        }
    };
    let block_start = start + first_line_end;
    let mut pos = block_start;
    for line in text[block_start..].split_inclusive('\n') {
        if line.trim_end() == fence {
            let body_offset = pos + line.len();
            return Split {
                front_matter: Some((format, block_start..pos)),
                body_offset,
            };
        }
        pos += line.len();
    }
    // An opening fence without a closing one: report it as front matter running to the end.
    Split {
        front_matter: Some((format, block_start..usize::MAX)),
        body_offset: text.len(),
    }
}

/// Parses the front matter of `source` (the whole file text). `claimed`
/// names the top-level tables features read; any other unknown key is an
/// error at its line. Every unknown key is reported, not just the first.
pub(crate) fn parse(
    file: &Path,
    source: &Arc<str>,
    claimed: &[&str],
) -> Result<(FrontMatter, Option<FrontMatterSource>, usize), Vec<Diagnostic>> {
    let split = split(source);
    let Some((format, range)) = split.front_matter else {
        return Ok((FrontMatter::default(), None, 0));
    };
    if range.end == usize::MAX {
        let fence = if format == Format::Toml { "+++" } else { "---" };
        let at = range.start.saturating_sub(4);
        return Err(vec![
            Diagnostic::at(
                file,
                source.clone(),
                at..at + 3,
                "front matter is never closed",
            )
            .with_help(format!(
                "end the front matter block with a line containing only `{fence}`"
            )),
        ]);
    }
    let fm_source = FrontMatterSource { format, range };
    let mut fm: FrontMatter = match deserialize_block(file, source, &fm_source) {
        Ok(fm) => fm,
        Err(first) => {
            // serde stops at the first wrong value; look at each key for the rest.
            let mut all = every_type_error(file, source, &fm_source);
            all.sort_by_key(|d| d.span.start);
            return Err(if all.len() > 1 { all } else { vec![first] });
        }
    };
    let mut errors = Vec::new();
    for key in std::mem::take(&mut fm.rest).into_keys() {
        if claimed.contains(&key.as_str()) {
            fm.tables.insert(key);
            continue;
        }
        let span = fm_source.locate_top_key(source, &key);
        let known = KEYS.iter().chain(claimed).copied();
        let mut d = Diagnostic::at(
            file,
            source.clone(),
            span,
            format!("invalid front matter: unknown field `{key}`"),
        );
        d = match closest(&key, known) {
            Some(k) => d.with_help(format!("did you mean `{k}`?")),
            None => d.with_help(format!(
                "known keys: {}",
                KEYS.iter()
                    .chain(claimed)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        errors.push(d);
    }
    if errors.is_empty() {
        Ok((fm, Some(fm_source), split.body_offset))
    } else {
        Err(errors)
    }
}

/// Reads the whole front matter block of `source` as a `T`. Features call
/// this with a type that has just their table (other keys are ignored), so
/// their type errors point at the file's lines like every other.
pub(crate) fn deserialize_block<T: DeserializeOwned + Default>(
    file: &Path,
    source: &Arc<str>,
    fm: &FrontMatterSource,
) -> Result<T, Diagnostic> {
    let range = fm.range.clone();
    let text = &source[range.clone()];
    let parsed = match fm.format {
        Format::Toml => toml::from_str::<T>(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            (
                span.start + range.start..span.end + range.start,
                e.message().trim().to_string(),
            )
        }),
        Format::Yaml => {
            if text.trim().is_empty() {
                Ok(T::default())
            } else {
                serde_saphyr::from_str::<T>(text).map_err(|e| {
                    let at = e.location().map_or(range.start, |loc| {
                        range.start + offset_of(text, loc.line() as usize, loc.column() as usize)
                    });
                    (at..at + 1, yaml_message(&e))
                })
            }
        }
    };
    parsed.map_err(|(span, message)| {
        let help = unknown_field_help(&message);
        let d = Diagnostic::at(
            file,
            source.clone(),
            span,
            format!("invalid front matter: {message}"),
        );
        match help {
            Some(h) => d.with_help(h),
            None => d,
        }
    })
}

/// One error per top-level key whose value has the wrong type, so a file
/// with three mistakes shows three errors. Empty when the block does not
/// parse at all (then the caller's syntax error is the one to show).
fn every_type_error(file: &Path, source: &Arc<str>, fm: &FrontMatterSource) -> Vec<Diagnostic> {
    let text = &source[fm.range.clone()];
    match fm.format {
        Format::Toml => {
            let Ok(table) = toml::from_str::<toml::Table>(text) else {
                return Vec::new();
            };
            table
                .into_iter()
                .filter_map(|(key, value)| {
                    let message = toml_key_error(&key, value)?;
                    let span = fm.locate(source, &[Key::Name(&key)]);
                    Some(Diagnostic::at(
                        file,
                        source.clone(),
                        span,
                        format!("invalid front matter: {message}"),
                    ))
                })
                .collect()
        }
        // Each top-level entry on its own, as a block of its own lines.
        Format::Yaml => yaml_entries(text)
            .into_iter()
            .filter_map(|r| {
                let entry = FrontMatterSource {
                    format: Format::Yaml,
                    range: fm.range.start + r.start..fm.range.start + r.end,
                };
                deserialize_block::<FrontMatter>(file, source, &entry).err()
            })
            .collect(),
    }
}

/// Why `value` cannot be the front-matter key `key`, if it cannot.
fn toml_key_error(key: &str, value: toml::Value) -> Option<String> {
    fn check<T: DeserializeOwned>(key: &str, value: toml::Value) -> Option<String> {
        value
            .try_into::<T>()
            .err()
            .map(|e| format!("`{key}`: {}", e.message().trim()))
    }
    match key {
        "title" | "description" | "slug" | "template" => check::<String>(key, value),
        "date" | "updated" => check::<Date>(key, value),
        "draft" | "feed" => check::<bool>(key, value),
        "weight" => check::<i64>(key, value),
        "aliases" => check::<Vec<String>>(key, value),
        "taxonomies" => check::<BTreeMap<String, Vec<String>>>(key, value),
        "attributes" | "extra" => check::<serde_json::Map<String, serde_json::Value>>(key, value),
        "sort_by" => check::<SortBy>(key, value),
        "paginate_by" => check::<usize>(key, value),
        _ => None,
    }
}

/// Byte ranges of a YAML mapping's top-level entries: each starts at a line
/// that begins in column 0 with a key and runs to the next such line.
fn yaml_entries(text: &str) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let first = line.chars().next().unwrap_or(' ');
        if !first.is_whitespace() && !matches!(first, '#' | '-' | '}' | ']') {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut ranges: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    if let Some(&last) = starts.last() {
        ranges.push(last..text.len());
    }
    ranges
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    // The crate's Display adds its own location and snippet; keep the first line.
    let full = e.to_string();
    let first = full.lines().next().unwrap_or("").trim();
    let first = first.trim_start_matches("error: ");
    // Drop a leading "line N column M: " (the location is reported separately).
    let first = match first.split_once(": ") {
        Some((loc, rest)) if loc.starts_with("line ") => rest,
        _ => first,
    };
    first.split(" at line ").next().unwrap_or(first).to_string()
}

/// One step of a key path into front matter.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Name(&'a str),
    Index(usize),
}

impl FrontMatterSource {
    /// Byte span (in the file) of the top-level key `name`: the start of its
    /// line (`name = ...`, `[name]`, `name:`), for errors about the key itself.
    pub(crate) fn locate_top_key(&self, source: &str, name: &str) -> Range<usize> {
        let mut offset = self.range.start;
        for line in source[self.range.clone()].split_inclusive('\n') {
            let found = match self.format {
                Format::Toml => {
                    let t = line.trim_start();
                    let header = t.trim_start_matches('[').trim_start();
                    let rest = if t.starts_with('[') { header } else { t };
                    rest.strip_prefix(name)
                        .or_else(|| rest.strip_prefix(&format!("\"{name}\"")))
                        .is_some_and(|after| after.trim_start().starts_with(['=', '.', ']']))
                }
                Format::Yaml => line
                    .strip_prefix(name)
                    .or_else(|| line.strip_prefix(&format!("\"{name}\"")))
                    .is_some_and(|after| after.trim_start().starts_with(':')),
            };
            if found {
                let start = offset + line.find(name).unwrap_or(0);
                return start..start + name.len();
            }
            offset += line.len();
        }
        self.range.start..self.range.start
    }

    /// Byte span (in the file) of the value at `path`, or of the deepest part
    /// of the path that exists.
    pub fn locate(&self, source: &str, path: &[Key]) -> Range<usize> {
        let text = &source[self.range.clone()];
        let found = match self.format {
            Format::Toml => locate_toml(text, path),
            Format::Yaml => locate_yaml(text, path),
        };
        let r = found.unwrap_or(0..0);
        r.start + self.range.start..r.end + self.range.start
    }
}

fn locate_toml(text: &str, path: &[Key]) -> Option<Range<usize>> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut best = None;
    let mut table = Some(root.get_ref());
    let mut value: Option<&toml::Spanned<DeValue>> = None;
    for key in path {
        let next = match (key, table, value.map(|v| v.get_ref())) {
            (Key::Name(name), Some(t), _) => {
                t.iter().find(|(k, _)| k.get_ref() == name).map(|(_, v)| v)
            }
            (Key::Name(name), None, Some(DeValue::Table(t))) => {
                t.iter().find(|(k, _)| k.get_ref() == name).map(|(_, v)| v)
            }
            (Key::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        best = Some(next.span());
        value = Some(next);
        table = None;
    }
    best
}

/// A YAML node with its span, enough to find key paths.
enum YamlNode {
    Map(Vec<(String, YamlNode, Range<usize>)>),
    Seq(Vec<YamlNode>),
    Scalar,
}

fn locate_yaml(text: &str, path: &[Key]) -> Option<Range<usize>> {
    use serde_saphyr::granit_parser::{Event, Parser};
    let mut events = Parser::new_from_str(text).filter_map(Result::ok).peekable();
    fn byte(text: &str, m: &serde_saphyr::granit_parser::Marker) -> usize {
        m.byte_offset().unwrap_or_else(|| {
            text.char_indices()
                .nth(m.index())
                .map_or(text.len(), |(i, _)| i)
        })
    }
    fn node<'a>(
        text: &str,
        events: &mut std::iter::Peekable<
            impl Iterator<Item = (Event<'a>, serde_saphyr::granit_parser::Span)>,
        >,
    ) -> Option<(YamlNode, Range<usize>)> {
        let (event, span) = events.next()?;
        let start = byte(text, &span.start);
        match event {
            Event::MappingStart(..) => {
                let mut entries = Vec::new();
                loop {
                    if matches!(events.peek(), Some((Event::MappingEnd, _))) {
                        let (_, end) = events.next()?;
                        return Some((YamlNode::Map(entries), start..byte(text, &end.end)));
                    }
                    let (key_event, key_span) = events.next()?;
                    let key = match key_event {
                        Event::Scalar(s, ..) => s.to_string(),
                        _ => String::new(),
                    };
                    let (value, value_range) = node(text, events)?;
                    let key_start = byte(text, &key_span.start);
                    let range = if matches!(value, YamlNode::Scalar) {
                        value_range
                    } else {
                        key_start..value_range.end
                    };
                    entries.push((key, value, range));
                }
            }
            Event::SequenceStart(..) => {
                let mut items = Vec::new();
                let mut ranges = Vec::new();
                loop {
                    if matches!(events.peek(), Some((Event::SequenceEnd, _))) {
                        let (_, end) = events.next()?;
                        let _ = ranges;
                        return Some((YamlNode::Seq(items), start..byte(text, &end.end)));
                    }
                    let (item, range) = node(text, events)?;
                    ranges.push(range);
                    items.push(item);
                }
            }
            Event::StreamStart | Event::DocumentStart(..) => node(text, events),
            _ => Some((YamlNode::Scalar, start..byte(text, &span.end))),
        }
    }
    let (root, _) = node(text, &mut events)?;
    // Walk the tree, remembering spans: re-run with ranges kept per child.
    fn walk(n: &YamlNode, path: &[Key]) -> Option<Range<usize>> {
        let (first, rest) = path.split_first()?;
        match (first, n) {
            (Key::Name(name), YamlNode::Map(entries)) => {
                let (_, child, range) = entries.iter().find(|(k, _, _)| k == name)?;
                walk(child, rest).or(Some(range.clone()))
            }
            (Key::Index(i), YamlNode::Seq(items)) => {
                let child = items.get(*i)?;
                walk(child, rest).or_else(|| first_range(child))
            }
            _ => None,
        }
    }
    fn first_range(n: &YamlNode) -> Option<Range<usize>> {
        match n {
            YamlNode::Map(entries) => entries.first().map(|(_, _, r)| r.clone()),
            _ => None,
        }
    }
    walk(&root, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    /// The front matter block of `text`, as later stages see it.
    fn block_of(text: &str) -> FrontMatterSource {
        let (format, range) = split(text).front_matter.expect("a front matter block");
        FrontMatterSource { format, range }
    }

    /// The text `locate` finds for `path` in `text`.
    fn located(text: &str, path: &[Key]) -> String {
        text[block_of(text).locate(text, path)].to_string()
    }

    #[test]
    fn toml_and_yaml_read_the_same_fields() {
        let t =
            src("+++\ntitle = \"A\"\ndate = 2024-01-02\n[taxonomies]\ntags = [\"x\"]\n+++\nbody");
        let (fm, _, off) = parse(Path::new("a.md"), &t, &[]).unwrap();
        assert_eq!(fm.title.as_deref(), Some("A"));
        assert_eq!(fm.date, Some(Date("2024-01-02".into())));
        assert_eq!(&t[off..], "body");
        let y = src("---\ntitle: A\ndate: 2024-01-02\ntaxonomies:\n  tags: [x]\n---\nbody");
        let (fm, _, off) = parse(Path::new("a.md"), &y, &[]).unwrap();
        assert_eq!(fm.title.as_deref(), Some("A"));
        assert_eq!(fm.taxonomies["tags"], vec!["x".to_string()]);
        assert_eq!(&y[off..], "body");
    }

    #[test]
    fn errors_point_into_the_file() {
        let t = src("+++\ntitle = \"A\"\ntitel = 3\n+++\n");
        let e = parse(Path::new("a.md"), &t, &[]).unwrap_err().remove(0);
        assert_eq!(e.line_col().unwrap().0, 3, "{e}");
        assert_eq!(e.help.as_deref(), Some("did you mean `title`?"));
        let y = src("---\ntitle: A\ntitel: 3\n---\n");
        let e = parse(Path::new("a.md"), &y, &[]).unwrap_err().remove(0);
        assert_eq!(e.line_col().unwrap().0, 3, "{e}");
        assert_eq!(e.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn locate_finds_nested_keys_in_both_formats() {
        let t = "+++\n[comparison]\nitems = [\"a\"]\nrows = [\n  { key = \"x\", label = \"X\" },\n  { key = \"y\", label = \"Y\" },\n]\n+++\n";
        let (_, fms, _) = parse(Path::new("a.md"), &src(t), &["comparison"]).unwrap();
        let r = fms.unwrap().locate(
            t,
            &[
                Key::Name("comparison"),
                Key::Name("rows"),
                Key::Index(1),
                Key::Name("key"),
            ],
        );
        assert_eq!(&t[r.clone()], "\"y\"");
        let y = "---\ncomparison:\n  items: [a]\n  rows:\n    - key: x\n      label: X\n    - key: y\n      label: Y\n---\n";
        let (_, fms, _) = parse(Path::new("a.md"), &src(y), &["comparison"]).unwrap();
        let r = fms.unwrap().locate(
            y,
            &[
                Key::Name("comparison"),
                Key::Name("rows"),
                Key::Index(1),
                Key::Name("key"),
            ],
        );
        assert_eq!(&y[r], "y");
    }

    #[test]
    fn every_unknown_key_is_reported_and_claimed_tables_are_recorded() {
        let t = src("+++\ntitel = 1\n[decison]\nx = 1\n[comparison]\nitems = []\n+++\n");
        let errs = parse(Path::new("a.md"), &t, &["decision", "comparison"]).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].line_col().unwrap(), (3, 2), "{}", errs[0]);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `decision`?"));
        assert_eq!(errs[1].line_col().unwrap().0, 2);
        let ok = src("---\ncomparison:\n  items: []\n---\n");
        let (fm, _, _) = parse(Path::new("a.md"), &ok, &["comparison"]).unwrap();
        assert!(fm.tables.contains("comparison"));
    }

    #[test]
    fn every_type_error_of_a_file_is_reported() {
        let t = src("+++\ntitle = 3\ndraft = \"no\"\nweight = \"x\"\n+++\n");
        let errs = parse(Path::new("a.md"), &t, &[]).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line_col().unwrap().0).collect();
        assert_eq!(lines, vec![2, 3, 4], "{errs:?}");
        // Every key with a type of its own, each wrong: one error per line.
        let t = src(
            "+++\ntitle = 3\ndate = \"someday\"\ndraft = \"no\"\nweight = \"x\"\naliases = \"/x/\"\n\
             taxonomies = 1\nattributes = \"a\"\nsort_by = \"random\"\npaginate_by = -1\n+++\n",
        );
        let errs = parse(Path::new("a.md"), &t, &[]).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line_col().unwrap().0).collect();
        assert_eq!(lines, (2..=10).collect::<Vec<_>>(), "{errs:?}");
        let y = src("---\ntitle: [a]\ndraft: maybe\nweight: x\n---\n");
        let errs = parse(Path::new("a.md"), &y, &[]).unwrap_err();
        let mut lines: Vec<usize> = errs.iter().map(|e| e.line_col().unwrap().0).collect();
        lines.sort();
        assert_eq!(lines, vec![2, 3, 4], "{errs:?}");
    }

    #[test]
    fn dates_must_exist_on_the_calendar() {
        for good in [
            "2024-02-29",
            "2023-12-31",
            "2024-01-02T10:20:30Z",
            "2024-01-02 10:20",
            "2024-01-02T10:20:30.123+02:00",
        ] {
            assert!(Date::check(good).is_ok(), "{good}");
        }
        for bad in [
            "2024-13-45",
            "2023-02-29",
            "2024-04-31",
            "2024-00-10",
            "2024-01-02T25:00:00Z",
            "2024-01-02T10:61",
            "2024-01-02Txx",
            "2024-01-02T10:20:30+2",
            "24-01-02",
            "2024-1-2",
            "",
        ] {
            assert!(Date::check(bad).is_err(), "{bad}");
        }
        let t = src("+++\ntitle = \"a\"\ndate = \"2024-13-45\"\n+++\n");
        let e = parse(Path::new("a.md"), &t, &[]).unwrap_err().remove(0);
        assert_eq!(e.line_col().unwrap().0, 3, "{e}");
        let t = src("+++\ndate = 2023-02-29\n+++\n");
        assert!(parse(Path::new("a.md"), &t, &[]).is_err(), "TOML dates too");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let e = parse(Path::new("a.md"), &src("+++\ntitle = \"x\"\n"), &[])
            .unwrap_err()
            .remove(0);
        assert!(e.message.contains("never closed"));
    }

    #[test]
    fn unclosed_front_matter_points_at_its_opening_fence() {
        for (text, span, fence) in [
            ("+++\ntitle = \"x\"\n", 0..3, "+++"),
            ("---\ntitle: x\n", 0..3, "---"),
            ("\u{feff}+++\ntitle = \"x\"\n", 3..6, "+++"),
        ] {
            let e = parse(Path::new("a.md"), &src(text), &[])
                .unwrap_err()
                .remove(0);
            assert_eq!(e.span, span, "{text:?}");
            assert_eq!(
                e.help.as_deref(),
                Some(
                    format!("end the front matter block with a line containing only `{fence}`")
                        .as_str()
                )
            );
        }
    }

    #[test]
    fn dates_are_checked_field_by_field() {
        for good in [
            "2000-02-29",
            "2024-12-31",
            "2024-01-31",
            "2024-04-30",
            "2024-01-02t10:20",
            "2024-01-02T23:59",
            "2024-01-02T00:00:60",
            "2024-01-02T10:20:30z",
            "2024-01-02T10:20:30.5Z",
            "2024-01-02T10:20:30-23:59",
            "2024-01-02T10:20+05:30",
        ] {
            assert!(valid_date_time(good), "{good} is valid");
        }
        for bad in [
            "1900-02-29",
            "2024-02-30",
            "2024-06-31",
            "2024-09-31",
            "2024-11-31",
            "2024-01-32",
            "2024-01-00",
            "2024/01/02",
            "2024-01/02",
            "2O24-01-02",
            "2024-01-02X10:20",
            "2024-01-02T",
            "2024-01-02T10:2",
            "2024-01-02T24:00",
            "2024-01-02T10:60",
            "2024-01-02T10-20",
            "2024-01-02T10:20:61",
            "2024-01-02T10:20:3",
            "2024-01-02T10:20:30.",
            "2024-01-02T10:20:30.Z",
            "2024-01-02T10:20:30Zx",
            "2024-01-02T10:20+24:00",
            "2024-01-02T10:20+05:60",
            "2024-01-02T10:20+0530",
            "2024-01-02T10:20+05:300",
            "2024-01-02T10:20-05-30",
        ] {
            assert!(!valid_date_time(bad), "{bad} is invalid");
        }
        // Kept as written, trimmed, with a space before the time made a `T`.
        assert_eq!(
            Date::check(" 2024-01-02 10:20 ").unwrap(),
            Date("2024-01-02T10:20".into())
        );
        let e = Date::check("2024-13-01").unwrap_err();
        assert_eq!(
            e,
            "invalid date `2024-13-01`, expected a real date YYYY-MM-DD or an RFC 3339 date-time"
        );
    }

    #[test]
    fn feeds_get_rfc3339_dates() {
        assert_eq!(Date("2024-01-02".into()).rfc3339(), "2024-01-02T00:00:00Z");
        assert_eq!(
            Date("2024-01-02T10:20:30+02:00".into()).rfc3339(),
            "2024-01-02T10:20:30+02:00"
        );
    }

    #[test]
    fn toml_date_times_and_yaml_strings_are_dates() {
        let t = src("+++\ndate = 2024-01-02T10:20:30Z\nupdated = 2024-03-04\n+++\n");
        let (fm, _, _) = parse(Path::new("a.md"), &t, &[]).unwrap();
        assert_eq!(fm.date, Some(Date("2024-01-02T10:20:30Z".into())));
        assert_eq!(fm.updated, Some(Date("2024-03-04".into())));
        let y = src("---\ndate: \"2024-01-02 10:20\"\n---\n");
        let (fm, _, _) = parse(Path::new("a.md"), &y, &[]).unwrap();
        assert_eq!(fm.date, Some(Date("2024-01-02T10:20".into())));
    }

    #[test]
    fn fences_are_found_with_a_bom_trailing_spaces_and_crlf() {
        let fm = |text: &str| {
            let s = split(text);
            (
                s.front_matter
                    .map(|(f, r)| (f, text.get(r).map(str::to_string))),
                s.body_offset,
            )
        };
        let text = "\u{feff}+++\ntitle = \"a\"\n+++\nbody";
        let s = split(text);
        assert_eq!(s.front_matter, Some((Format::Toml, 7..19)));
        assert_eq!(&text[s.body_offset..], "body");
        let text = "+++  \ntitle = 1\n+++ \t\nbody";
        assert_eq!(fm(text).0, Some((Format::Toml, Some("title = 1\n".into()))));
        assert_eq!(&text[fm(text).1..], "body");
        let text = "+++\r\ntitle = 1\r\n+++\r\nbody";
        assert_eq!(
            fm(text).0,
            Some((Format::Toml, Some("title = 1\r\n".into())))
        );
        assert_eq!(&text[fm(text).1..], "body");
        let text = "---\n---\nbody";
        assert_eq!(fm(text), (Some((Format::Yaml, Some(String::new()))), 8));
        // A YAML block is not closed by a TOML fence, nor the other way round.
        assert_eq!(fm("---\n+++\nbody").0, Some((Format::Yaml, None)));
        assert_eq!(fm("---\n+++\nbody").1, 12);
        // Not a fence line: no front matter at all.
        for text in [
            "+++x\ntitle = 1\n+++\n",
            "+++",
            "plain text\n+++\n",
            "\n+++\na = 1\n+++\n",
        ] {
            assert_eq!(fm(text), (None, 0), "{text:?}");
        }
    }

    #[test]
    fn an_unknown_key_without_a_close_match_lists_every_known_key() {
        let t = src("+++\ntitle = \"A\"\n  zzqqxx = 1\n+++\n");
        let e = parse(Path::new("a.md"), &t, &["comparison"])
            .unwrap_err()
            .remove(0);
        assert_eq!(&t[e.span.clone()], "zzqqxx");
        assert_eq!(e.message, "invalid front matter: unknown field `zzqqxx`");
        assert_eq!(
            e.help.unwrap(),
            format!("known keys: {}, comparison", KEYS.join(", "))
        );
    }

    #[test]
    fn one_wrong_value_gets_the_parsers_own_error() {
        let t = src("+++\ntitle = \"A\"\nweight = \"heavy\"\n+++\n");
        let errs = parse(Path::new("a.md"), &t, &[]).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line_col(), Some((3, 10)), "{}", errs[0]);
        assert!(
            errs[0]
                .message
                .starts_with("invalid front matter: invalid type"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn syntax_errors_point_into_the_block() {
        let t = src("+++\ntitle = \"A\"\nweight = = 3\n+++\n");
        let e = parse(Path::new("a.md"), &t, &[]).unwrap_err().remove(0);
        assert_eq!(e.line_col().unwrap().0, 3, "{e}");
        let y = src("---\ntitle: A\nweight: [1\n---\n");
        let e = parse(Path::new("a.md"), &y, &[]).unwrap_err().remove(0);
        assert!(e.line_col().unwrap().0 >= 3, "{e}");
        assert!(!e.message.contains(" at line "), "{}", e.message);
        assert!(!e.message.contains("error: "), "{}", e.message);
        // A blank YAML block is an empty one, not an error.
        let y = src("---\n  \n---\nbody");
        let (fm, _, off) = parse(Path::new("a.md"), &y, &[]).unwrap();
        assert_eq!(fm, FrontMatter::default());
        assert_eq!(&y[off..], "body");
    }

    #[test]
    fn a_features_unknown_key_gets_a_did_you_mean() {
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Only {
            title: Option<String>,
        }
        for text in [
            "+++\ntitle = \"A\"\ntitel = 1\n+++\n",
            "---\ntitle: A\ntitel: 1\n---\n",
        ] {
            let t = src(text);
            let fms = block_of(text);
            let e = deserialize_block::<Only>(Path::new("a.md"), &t, &fms).unwrap_err();
            assert_eq!(e.line_col().unwrap().0, 3, "{e}");
            assert_eq!(e.help.as_deref(), Some("did you mean `title`?"), "{e}");
        }
    }

    #[test]
    fn yaml_entries_start_at_unindented_keys() {
        let text = "a: 1\n  b: 2\n# c\n- x\n}\n]\n\nd: 3";
        assert_eq!(yaml_entries(text), vec![0..25, 25..29]);
        assert_eq!(yaml_entries(""), Vec::<Range<usize>>::new());
        assert_eq!(yaml_entries("a: 1\n"), vec![0..5]);
    }

    #[test]
    fn top_keys_are_found_in_every_toml_and_yaml_form() {
        let t = "+++\ntitle = \"a\"\n[ decison ]\nx = 1\n\"quoted\" = 2\nname.sub = 3\n+++\n";
        let fms = block_of(t);
        for key in ["title", "decison", "quoted", "name"] {
            let r = fms.locate_top_key(t, key);
            assert_eq!(&t[r], key);
        }
        // A prefix of a key, or a key that is not there: the block's start.
        for key in ["tit", "nope"] {
            assert_eq!(fms.locate_top_key(t, key), 4..4, "{key}");
        }
        let y = "---\ntitle: a\n\"quo\": 1\nouter:\n  nested: 2\n---\n";
        let fms = block_of(y);
        for key in ["title", "quo", "outer"] {
            let r = fms.locate_top_key(y, key);
            assert_eq!(&y[r], key);
        }
        for key in ["nested", "titl"] {
            assert_eq!(fms.locate_top_key(y, key), 4..4, "{key}");
        }
    }

    #[test]
    fn locate_stops_at_the_deepest_key_that_exists() {
        let t = "+++\ntitle = \"A\"\n[comparison]\nrows = [\n  { key = \"x\" },\n]\n+++\n";
        let at = |path: &[Key]| located(t, path);
        assert_eq!(at(&[Key::Name("title")]), "\"A\"");
        assert_eq!(
            at(&[Key::Name("comparison"), Key::Name("rows"), Key::Index(3)]),
            "[\n  { key = \"x\" },\n]"
        );
        assert_eq!(
            at(&[Key::Name("comparison"), Key::Name("rows"), Key::Index(0)]),
            "{ key = \"x\" }"
        );
        assert_eq!(block_of(t).locate(t, &[Key::Name("nope")]), 4..4);
        let y = "---\ntitle: A\ncomparison:\n  items: [a]\n  rows:\n    - key: x\n      label: X\n---\n";
        let at = |path: &[Key]| located(y, path);
        assert_eq!(at(&[Key::Name("title")]), "A");
        assert_eq!(
            at(&[Key::Name("comparison"), Key::Name("items")]),
            "items: [a]"
        );
        // An item that is a table: its first entry.
        assert_eq!(
            at(&[Key::Name("comparison"), Key::Name("rows"), Key::Index(0)]),
            "x"
        );
        assert!(
            at(&[Key::Name("comparison"), Key::Name("rows"), Key::Index(4)]).starts_with("rows:"),
        );
        assert_eq!(
            at(&[Key::Name("comparison"), Key::Name("items"), Key::Index(0)]),
            "items: [a]"
        );
        assert_eq!(block_of(y).locate(y, &[Key::Name("nope")]), 4..4);
    }

    /// A wrong value's error covers the value (TOML) or one character where
    /// the YAML parser stopped, and says what a date looks like.
    #[test]
    fn value_errors_cover_the_value() {
        let t = src("+++\ntitle = \"A\"\nweight = \"heavy\"\n+++\n");
        let e = parse(Path::new("a.md"), &t, &[]).unwrap_err().remove(0);
        assert_eq!(&t[e.span.clone()], "\"heavy\"", "{e}");
        let t = src("+++\ndate = 3\n+++\n");
        let e = parse(Path::new("a.md"), &t, &[]).unwrap_err().remove(0);
        assert_eq!(&t[e.span.clone()], "3", "{e}");
        assert!(
            e.message.contains("expected a date such as 2026-01-31"),
            "{e}"
        );
        let y = src("---\ntitle: A\nweight: heavy\n---\n");
        let e = parse(Path::new("a.md"), &y, &[]).unwrap_err().remove(0);
        assert_eq!(e.span.len(), 1, "{e}");
        assert_eq!(e.line_col().unwrap().0, 3, "{e}");
        // The parser's own location and snippet are cut from the message
        // (the diagnostic shows them): `error: line 2 column 9: invalid i64`.
        assert_eq!(e.message, "invalid front matter: invalid i64");
    }
}
