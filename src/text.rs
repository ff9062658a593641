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

/// How text becomes a slug (Zola's `[slugify]` strategies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SlugStrategy {
    /// Transliterate to ASCII, lower-case, runs of anything else become `-`
    /// (Zola's default, so anchors and term URLs match Zola's).
    #[default]
    On,
    /// Keep the text, only drop what breaks a path (`<>:"/\|?*`) or, for
    /// anchors, turn whitespace into `_`.
    Safe,
    /// Keep the text as it is (anchors still get `_` for whitespace).
    Off,
}

/// Zola's `slug::slugify`: ASCII transliteration (`héhé` → `hehe`, `日本` →
/// `ri-ben`), lower case, runs of other characters become one `-`.
pub(crate) fn ascii_slug(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// A path segment (file or folder name, `slug`, taxonomy term) under a strategy.
pub(crate) fn slugify_path(text: &str, strategy: SlugStrategy) -> String {
    match strategy {
        SlugStrategy::On => ascii_slug(text),
        SlugStrategy::Safe => text
            .trim_end_matches([' ', '.'])
            .chars()
            .filter(|c| !r#"<>:"/\|?*"#.contains(*c))
            .collect(),
        SlugStrategy::Off => text.to_string(),
    }
}

/// A heading id under a strategy.
pub(crate) fn slugify_anchor(text: &str, strategy: SlugStrategy) -> String {
    match strategy {
        SlugStrategy::On => {
            let s = ascii_slug(text);
            if s.is_empty() { "section".into() } else { s }
        }
        SlugStrategy::Safe | SlugStrategy::Off => {
            text.replace(|c: char| c.is_ascii_whitespace(), "_")
        }
    }
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
    }

    #[test]
    fn strategies_match_zola() {
        for (input, on, safe, off) in [
            ("test ", "test", "test", "test "),
            ("tes t", "tes-t", "tes t", "tes t"),
            ("dot. ", "dot", "dot", "dot. "),
            ("日本", "ri-ben", "日本", "日本"),
            ("héhé", "hehe", "héhé", "héhé"),
            ("test (hey)", "test-hey", "test (hey)", "test (hey)"),
        ] {
            assert_eq!(slugify_path(input, SlugStrategy::On), on);
            assert_eq!(slugify_path(input, SlugStrategy::Safe), safe);
            assert_eq!(slugify_path(input, SlugStrategy::Off), off);
        }
        assert_eq!(slugify_anchor("tes t", SlugStrategy::Safe), "tes_t");
        assert_eq!(
            slugify_anchor("Éclair au café", SlugStrategy::On),
            "eclair-au-cafe"
        );
    }
}
