//! What a document contributes to the index: its entries (the page's top and
//! each heading, comparison-table row and decision step, each with its own
//! URL) with plain text taken from the rendered HTML.
//!
//! It reads the rendered page (the document's template object, after every
//! feature added to it) rather than the Markdown, so comparison tables and
//! decision trees are found where readers see them.

/// One searchable place: a page's top, a heading, a table row, a decision step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Site path with the anchor (`/glossary/#board`).
    pub url: String,
    /// The page's title.
    pub title: String,
    /// The heading, row label or decision step ("" for the page's top).
    pub heading: String,
    /// The text under it.
    pub text: String,
    /// Extra text that counts like a heading (description, tags).
    pub boosted: String,
}

/// Whether HTML element `name` (lowercase) does not separate words.
fn inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "u"
            | "var"
            | "del"
            | "ins"
    )
}

/// Elements whose text is not content.
const SKIPPED: &[&str] = &["script", "style", "svg", "template", "button"];

/// [`html_entries_into`] with each entry's text kept whole, and entries with
/// neither heading nor text left out (the top is kept): what the index's
/// counting of a page must equal.
#[cfg(test)]
pub(crate) fn html_entries(html: &str, path: &str, title: &str, top: Entry) -> Vec<Entry> {
    let mut texts = Texts(vec![String::new()]);
    let mut out = html_entries_into(html, path, title, top, &mut texts);
    for (e, mut text) in out.iter_mut().zip(texts.0) {
        trim_space(&mut text);
        e.text = text;
    }
    out.retain(|e| !(e.heading.is_empty() && e.text.is_empty() && e.url.contains('#')));
    out
}

/// Where [`html_entries_into`] puts the entries' text (not their headings).
pub(crate) trait TextSink {
    /// A new entry, number `entry` (the page's top is 0).
    fn open(&mut self, entry: usize);
    /// HTML text of `entry`, character references decoded.
    fn text(&mut self, entry: usize, text: &str);
    /// A word break in `entry`'s text (the edge of an element that is not
    /// inline).
    fn space(&mut self, entry: usize);
}

/// Each entry's text, whitespace collapsed as it grows ([`push_text`]).
#[cfg(test)]
struct Texts(Vec<String>);

#[cfg(test)]
impl TextSink for Texts {
    fn open(&mut self, entry: usize) {
        debug_assert_eq!(entry, self.0.len());
        self.0.push(String::new());
    }
    fn text(&mut self, entry: usize, text: &str) {
        push_text(&mut self.0[entry], text);
    }
    fn space(&mut self, entry: usize) {
        space(&mut self.0[entry]);
    }
}

/// Splits rendered HTML into entries: text before the first heading goes to
/// `top`; each `<h1>`–`<h6>` with an `id` starts an entry, a definition
/// term (`<dt>`) with an `id` starts one that ends with its list, and a
/// table row with an `id` is an entry of its own (its first cell is its
/// heading).
///
/// Each entry's text is handed to `texts` as it is read, not kept in the
/// entry: the index counts its words on the way and keeps only a snippet.
/// The entries come back unfiltered (an entry with neither heading nor
/// text is the caller's to drop), with headings trimmed and texts empty.
pub(crate) fn html_entries_into(
    html: &str,
    path: &str,
    title: &str,
    top: Entry,
    texts: &mut impl TextSink,
) -> Vec<Entry> {
    let mut out = vec![top];
    let mut current = 0usize;
    // A heading being read: (level tag, entry index).
    let mut heading: Option<(String, usize)> = None;
    // A table row being read: (entry index, the section to return to, first cell done).
    let mut row: Option<(usize, usize, bool)> = None;
    let mut in_first_cell = false;
    // The entry a definition list with term entries started in.
    let mut dl_section: Option<usize> = None;
    // The elements being skipped, innermost last (their names: a nested
    // one of the same name must close before the outer one).
    let mut skip: Vec<std::borrow::Cow<'_, str>> = Vec::new();
    let mut rest = html;
    while let Some(lt) = memchr::memchr(b'<', rest.as_bytes()) {
        let text = &rest[..lt];
        if skip.is_empty() && !text.is_empty() {
            match target(&heading, row, in_first_cell, current) {
                Target::Heading(i) => push_text(&mut out[i].heading, &decode_cow(text)),
                Target::Text(i) => texts.text(i, &decode_cow(text)),
            }
        }
        rest = &rest[lt..];
        let Some(gt) = memchr::memchr(b'>', rest.as_bytes()) else {
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let closing = tag.starts_with('/');
        let after = tag.trim_start_matches('/');
        let name_len = after.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let name_cow = lowercase(&after[..name_len]);
        let name = name_cow.as_ref();
        // Attributes follow the name (a tag of just a name has none).
        let has_attrs = after.len() > name_len;
        let self_closing = tag.ends_with('/');
        if !skip.is_empty() {
            if closing && skip.last().is_some_and(|s| s == name) {
                skip.pop();
            } else if !closing && !self_closing && skip.last().is_some_and(|s| s == name) {
                skip.push(name_cow);
            }
            continue;
        }
        if !closing
            && !self_closing
            && (SKIPPED.contains(&name) || (has_attrs && attr(tag, "aria-hidden") == Some("true")))
        {
            skip.push(name_cow);
            continue;
        }
        let is_heading = name.len() == 2
            && name.starts_with('h')
            && name.as_bytes()[1].is_ascii_digit()
            && (b'1'..=b'6').contains(&name.as_bytes()[1]);
        // A definition list's term with an id (a glossary) is read like a
        // heading; its definition is the entry's text.
        let is_term = name == "dt";
        if (is_heading || is_term) && !closing {
            if let Some(id) = attr(tag, "id").filter(|_| has_attrs) {
                if is_term && dl_section.is_none() {
                    dl_section = Some(current);
                }
                out.push(Entry {
                    url: format!("{path}#{}", decode(id)),
                    title: title.to_string(),
                    heading: String::new(),
                    text: String::new(),
                    boosted: String::new(),
                });
                texts.open(out.len() - 1);
                current = out.len() - 1;
                heading = Some((name.to_string(), current));
            }
        } else if (is_heading || is_term) && closing {
            if heading.as_ref().is_some_and(|h| h.0 == name) {
                heading = None;
            }
        } else if name == "dl" && closing {
            // Text after the list belongs to the section it is in.
            if let Some(section) = dl_section.take() {
                current = section;
            }
        } else if name == "tr" && !closing {
            if let Some(id) = attr(tag, "id").filter(|_| has_attrs) {
                out.push(Entry {
                    url: format!("{path}#{}", decode(id)),
                    title: title.to_string(),
                    heading: String::new(),
                    text: String::new(),
                    boosted: String::new(),
                });
                texts.open(out.len() - 1);
                row = Some((out.len() - 1, current, false));
            }
        } else if name == "tr" && closing {
            row = None;
        } else if (name == "th" || name == "td") && !closing {
            if let Some((_, _, false)) = row {
                in_first_cell = true;
            }
        } else if (name == "th" || name == "td") && closing && in_first_cell {
            in_first_cell = false;
            if let Some(r) = &mut row {
                r.2 = true;
            }
        }
        if !inline(name) {
            match target(&heading, row, in_first_cell, current) {
                Target::Heading(i) => space(&mut out[i].heading),
                Target::Text(i) => texts.space(i),
            }
        }
    }
    // Headings are collapsed as they grow; a space may end them.
    for e in &mut out {
        trim_space(&mut e.heading);
    }
    out
}

/// `name` in lower case, borrowed when it is already.
fn lowercase(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    }
}

/// Where text goes: an entry's heading or its text.
enum Target {
    Heading(usize),
    Text(usize),
}

/// Where text goes: an open heading, a row's first cell (its heading), the
/// row, or the current section.
fn target(
    heading: &Option<(String, usize)>,
    row: Option<(usize, usize, bool)>,
    in_first_cell: bool,
    current: usize,
) -> Target {
    match (heading, row) {
        (Some(h), _) => Target::Heading(h.1),
        (None, Some((i, _, _))) if in_first_cell => Target::Heading(i),
        (None, Some((i, _, _))) => Target::Text(i),
        (None, None) => Target::Text(current),
    }
}

/// Appends text (entities already decoded) to `target` with whitespace
/// collapsed as it goes: `target` never starts with a space nor has two in
/// a row, so once [`trim_space`]d it equals the text's words joined by
/// single spaces, and is never copied again.
pub(crate) fn push_text(target: &mut String, text: &str) {
    if text.is_ascii() {
        // The same by bytes (`char::is_whitespace` of ASCII: space and \t,
        // \n, \x0b, \x0c, \r).
        let b = text.as_bytes();
        let ws = |c: u8| matches!(c, b' ' | b'\t'..=b'\r');
        let mut i = 0;
        while i < b.len() {
            if ws(b[i]) {
                space(target);
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && !ws(b[i]) {
                i += 1;
            }
            target.push_str(&text[start..i]);
        }
        return;
    }
    for (i, piece) in text.split(char::is_whitespace).enumerate() {
        if i > 0 {
            space(target);
        }
        target.push_str(piece);
    }
}

/// A word break in collapsed text: one space, unless at the start or after one.
pub(crate) fn space(target: &mut String) {
    if !target.is_empty() && !target.ends_with(' ') {
        target.push(' ');
    }
}

/// Drops the space a collapsed text may end with.
pub(crate) fn trim_space(s: &mut String) {
    if s.ends_with(' ') {
        s.pop();
    }
}

/// The value of attribute `name` in a start tag's text (quoted values only,
/// as Guidepost's own HTML writes them). An attribute name follows ASCII
/// whitespace, the only separator HTML has between attributes.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let b = tag.as_bytes();
    let n = name.as_bytes();
    let mut from = 0;
    while let Some(i) = b[from..]
        .iter()
        .position(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
    {
        let at = from + i + 1;
        from = at;
        if b[at..].starts_with(n) && b.get(at + n.len()) == Some(&b'=') {
            let v = &tag[at + n.len() + 1..];
            let quote = v.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = v[1..].find(quote)?;
                return Some(&v[1..1 + end]);
            }
        }
    }
    None
}

/// Decodes the character references Guidepost's HTML contains.
pub(crate) fn decode(s: &str) -> String {
    decode_cow(s).into_owned()
}

/// [`decode`], borrowing `s` when it has no reference.
fn decode_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'&', s.as_bytes()).is_none() {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // By bytes: the 12th byte may fall inside a character.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Cuts `text` to at most `max` characters at a word boundary, adding "…".
pub(crate) fn snippet(text: &str, max: usize) -> String {
    if text.len() <= max || text.char_indices().nth(max).is_none() {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top() -> Entry {
        Entry {
            url: "/g/".into(),
            title: "Glossary".into(),
            heading: String::new(),
            text: String::new(),
            boosted: String::new(),
        }
    }

    #[test]
    fn headings_start_entries_and_skip_hidden_anchors() {
        let html = "<p>Intro &amp;\u{a0}more.</p>\n<h2 id=\"board\">Board <a class=\"heading-anchor\" href=\"#board\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h2>\n<p>The <em>governing</em> body.</p><h3 id=\"x\">Sub</h3><p>a<br>b\x0b\tc</p>";
        let e = html_entries(html, "/g/", "Glossary", top());
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].text, "Intro & more.");
        assert_eq!(e[1].url, "/g/#board");
        assert_eq!(e[1].heading, "Board");
        assert_eq!(e[1].text, "The governing body.");
        assert_eq!(e[2].heading, "Sub");
        assert_eq!(e[2].text, "a b c");
    }

    #[test]
    fn table_rows_with_ids_are_entries_headed_by_their_first_cell() {
        let html = "<h2 id=\"t\">Table</h2><table><caption>C</caption><tr><th>Dimension</th><th>A</th></tr><tr id=\"c-reports-to\"><th scope=\"row\">Reports to</th><td>CEO, <a href=\"/x/\">board</a></td></tr></table><p>after</p>";
        let e = html_entries(html, "/c/", "Compare", top());
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[2].url, "/c/#c-reports-to");
        assert_eq!(e[2].heading, "Reports to");
        assert_eq!(e[2].text, "CEO, board");
        assert_eq!(e[1].text, "C Dimension A after");
    }

    #[test]
    fn definition_terms_with_ids_are_entries_until_their_list_ends() {
        let html = "<h2 id=\"g\">Terms</h2><p>Intro.</p><dl>\n<dt id=\"board\">Board</dt>\n<dd>The governing body.</dd>\n<dt>Plain</dt><dd>No id.</dd></dl><p>After the list.</p>";
        let e = html_entries(html, "/g/", "Glossary", top());
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[2].url, "/g/#board");
        assert_eq!(e[2].heading, "Board");
        assert_eq!(e[2].text, "The governing body. Plain No id.");
        assert_eq!(e[1].text, "Intro. After the list.");
    }

    #[test]
    fn snippets_cut_at_words() {
        assert_eq!(snippet("short", 10), "short");
        assert_eq!(snippet("one two three four five", 12), "one two…");
        assert_eq!(snippet("ééé", 3), "ééé");
        assert_eq!(snippet("éééé", 3), "ééé…");
        assert_eq!(decode("a&#39;b&#x27;c&lt;"), "a'b'c<");
        assert_eq!(decode("R&D: ééééé; &amp;"), "R&D: ééééé; &");
    }
}
