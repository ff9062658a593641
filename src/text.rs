//! Text helpers every layer shares: escaping for HTML and XML, and the slugs
//! that become URL segments and heading ids. Leaf module: imports nothing
//! from the crate.

/// Escapes text for use inside an HTML attribute or element.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for XML element content and attributes (same rules as HTML).
pub(crate) fn xml_escape(s: &str) -> String {
    escape_attr(s)
}

/// Lower-case, letters and digits kept, every other run becomes one `-`.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

/// Makes a path segment URL-safe while keeping it readable (file names keep
/// their dots and underscores; everything else odd becomes `-`).
pub(crate) fn url_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.~".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_every_markup_character() {
        assert_eq!(
            escape_attr(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn slugs_fold_case_and_runs_of_punctuation() {
        assert_eq!(slugify("What is a vCIO?"), "what-is-a-vcio");
        assert_eq!(slugify("  --  "), "section");
        assert_eq!(url_segment("My Page_2.v1"), "my-page_2.v1");
    }
}
