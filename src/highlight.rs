//! Code highlighting at build time: a fenced block's info string (Zola's
//! syntax: `rust,linenos,linenostart=5,hl_lines=3-4 7,hide_lines=1`) and its
//! code become HTML with CSS classes only (never `style=`, so pages stay
//! clean under a strict Content-Security-Policy), and a theme becomes the
//! stylesheet those classes need.
//!
//! syntect with two-face's grammars (bat's set: 200+ languages, MIT/Apache)
//! does the parsing. The grammars load on first use, so a site without code
//! blocks never pays for them.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use crate::text::escape_attr;

/// Class prefix of highlighted tokens (`z-keyword`), as in Zola.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "z-" };

/// What a fence's info string asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fence {
    /// The language as written (`rust`), or empty.
    pub lang: String,
    pub linenos: bool,
    pub linenostart: usize,
    /// 1-based line numbers of the source, each range inclusive.
    pub hl_lines: Vec<(usize, usize)>,
    pub hide_lines: Vec<(usize, usize)>,
}

impl Fence {
    /// Parses `lang,linenos,linenostart=5,hl_lines=3-4 7,hide_lines=1-2`.
    /// Unknown options are returned as errors (the block still renders).
    pub(crate) fn parse(info: &str) -> (Fence, Vec<String>) {
        let mut fence = Fence {
            linenostart: 1,
            ..Fence::default()
        };
        let mut problems = Vec::new();
        for (i, part) in info.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                continue;
            }
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            match (key, value) {
                ("linenos", None) => fence.linenos = true,
                ("linenostart", Some(v)) => match v.parse::<usize>() {
                    Ok(n) => fence.linenostart = n,
                    Err(_) => problems.push(format!("linenostart=`{v}` is not a number")),
                },
                ("hl_lines", Some(v)) => match ranges(v) {
                    Ok(r) => fence.hl_lines = r,
                    Err(e) => problems.push(format!("hl_lines: {e}")),
                },
                ("hide_lines", Some(v)) => match ranges(v) {
                    Ok(r) => fence.hide_lines = r,
                    Err(e) => problems.push(format!("hide_lines: {e}")),
                },
                (lang, None) if i == 0 => fence.lang = lang.to_string(),
                _ => problems.push(format!(
                    "unknown code block option `{part}` (known: linenos, linenostart=N, hl_lines=…, hide_lines=…)"
                )),
            }
        }
        (fence, problems)
    }
}

/// `3-4 7` → `[(3, 4), (7, 7)]`.
fn ranges(v: &str) -> Result<Vec<(usize, usize)>, String> {
    v.split_whitespace()
        .map(|r| {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            match (a.parse::<usize>(), b.parse::<usize>()) {
                (Ok(a), Ok(b)) if a <= b && a > 0 => Ok((a, b)),
                _ => Err(format!("`{r}` is not a line or a range such as 3-5")),
            }
        })
        .collect()
}

fn contains(ranges: &[(usize, usize)], line: usize) -> bool {
    ranges.iter().any(|&(a, b)| a <= line && line <= b)
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Names people write that the grammars know by another name.
const ALIASES: &[(&str, &str)] = &[
    ("shell", "bash"),
    ("console", "bash"),
    ("zsh", "bash"),
    ("ps", "powershell"),
    ("pwsh", "powershell"),
    ("terraform", "hcl"),
    ("tf", "hcl"),
    ("docker", "dockerfile"),
    ("typescript", "ts"),
    ("javascript", "js"),
    ("yml", "yaml"),
    ("csharp", "cs"),
    ("c#", "cs"),
    ("text", "txt"),
    ("plain", "txt"),
];

fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let set = syntaxes();
    let lower = lang.to_ascii_lowercase();
    let token = ALIASES
        .iter()
        .find(|(a, _)| *a == lower)
        .map_or(lower.as_str(), |(_, t)| t);
    set.find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_extension(token))
        .or_else(|| {
            set.syntaxes()
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(token))
        })
}

/// Whether a language name (or alias) has a grammar.
#[cfg(test)]
fn knows(lang: &str) -> bool {
    find_syntax(lang).is_some()
}

/// A code block as HTML: `<pre class="code">` with one `<span class="line">`
/// per shown line, token classes when `highlight` is set and the language is
/// known, line numbers and marked lines as the fence asks. Returns the HTML
/// and whether the language was unknown (the block is then plain).
pub(crate) fn code_block(code: &str, fence: &Fence, highlight: bool) -> (String, bool) {
    let syntax = if highlight && !fence.lang.is_empty() {
        find_syntax(&fence.lang)
    } else {
        None
    };
    let unknown = highlight && !fence.lang.is_empty() && syntax.is_none();
    let lang_attr = if fence.lang.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape_attr(&fence.lang))
    };
    let code_class = if fence.lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_attr(&fence.lang))
    };
    let mut html = String::with_capacity(code.len() * 3);
    // Scrollable and focusable, so a keyboard can scroll a long line.
    html.push_str(&format!(
        "<pre class=\"code{}\"{lang_attr} tabindex=\"0\"><code{code_class}>",
        if syntax.is_some() { " z-code" } else { "" }
    ));
    let mut state = syntax.map(ParseState::new);
    let mut stack = ScopeStack::new();
    for (i, line) in LinesWithEndings::from(code).enumerate() {
        let n = i + 1;
        let open: String = stack
            .as_slice()
            .iter()
            .map(|s| format!("<span class=\"{}\">", classes(s)))
            .collect();
        let body = match state.as_mut() {
            Some(st) => {
                let ops = st.parse_line(line, syntaxes()).unwrap_or_default();
                line_tokens_to_classed_spans(line, &ops, STYLE, &mut stack)
                    .map(|(h, _)| h)
                    .unwrap_or_else(|_| escape_attr(line))
            }
            None => escape_attr(line),
        };
        if contains(&fence.hide_lines, n) {
            continue;
        }
        let close = "</span>".repeat(stack.len());
        let body = body.trim_end_matches('\n');
        let marked = contains(&fence.hl_lines, n);
        html.push_str(if marked {
            "<mark class=\"line hl\">"
        } else {
            "<span class=\"line\">"
        });
        if fence.linenos {
            html.push_str(&format!(
                "<span class=\"line-number\" aria-hidden=\"true\">{}</span>",
                n + fence.linenostart - 1
            ));
        }
        html.push_str(&open);
        html.push_str(body);
        html.push_str(&close);
        html.push_str(if marked { "</mark>\n" } else { "</span>\n" });
    }
    html.push_str("</code></pre>\n");
    (html, unknown)
}

/// Class attribute of one scope, as syntect's `SpacedPrefixed` writes it.
fn classes(scope: &syntect::parsing::Scope) -> String {
    scope
        .build_string()
        .split('.')
        .map(|atom| format!("z-{atom}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names of the themes a site can name in `highlight_theme`.
pub(crate) fn theme_names() -> Vec<&'static str> {
    two_face::theme::EmbeddedLazyThemeSet::theme_names()
        .iter()
        .map(|t| t.as_name())
        .collect()
}

/// The stylesheet for the token classes, from a named theme; `None` when
/// no theme has that name.
pub(crate) fn stylesheet(theme: &str) -> Option<String> {
    let name = two_face::theme::EmbeddedLazyThemeSet::theme_names()
        .iter()
        .find(|t| t.as_name().eq_ignore_ascii_case(theme))?;
    let set = two_face::theme::extra();
    let css = css_for_theme_with_class_style(set.get(*name), STYLE).ok()?;
    Some(format!(
        "/* Code highlighting: the {} theme, generated by Guidepost. */\n{css}",
        name.as_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_options_parse() {
        let (f, problems) = Fence::parse("rust,linenos,linenostart=5,hl_lines=3-4 7,hide_lines=1");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(f.lang, "rust");
        assert!(f.linenos);
        assert_eq!(f.linenostart, 5);
        assert_eq!(f.hl_lines, vec![(3, 4), (7, 7)]);
        assert_eq!(f.hide_lines, vec![(1, 1)]);
        let (_, problems) = Fence::parse("rust,hl_lines=x,bogus");
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn common_languages_are_known() {
        for lang in [
            "bash",
            "sh",
            "shell",
            "toml",
            "yaml",
            "json",
            "rust",
            "python",
            "js",
            "javascript",
            "ts",
            "typescript",
            "sql",
            "powershell",
            "hcl",
            "terraform",
            "dockerfile",
            "html",
            "css",
            "go",
            "java",
            "c",
            "cpp",
            "csharp",
            "ruby",
            "php",
            "markdown",
            "diff",
            "ini",
            "xml",
        ] {
            assert!(knows(lang), "{lang} has no grammar");
        }
        assert!(syntaxes().syntaxes().len() >= 50);
    }

    #[test]
    fn highlighted_lines_use_classes_only() {
        let code = "fn main() {\n    let s = \"a\nb\";\n}\n";
        let fence = Fence {
            lang: "rust".into(),
            linenos: true,
            linenostart: 10,
            hl_lines: vec![(2, 2)],
            hide_lines: vec![(4, 4)],
        };
        let (html, unknown) = code_block(code, &fence, true);
        assert!(!unknown);
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("z-keyword"), "{html}");
        assert!(html.contains("<mark class=\"line hl\">"), "{html}");
        assert!(html.contains(">10</span>"), "{html}");
        assert!(!html.contains(">13</span>"), "hidden line shown: {html}");
        // Every line's spans are balanced.
        for line in html.lines().skip(1) {
            if line.starts_with("</code>") {
                continue;
            }
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
        }
        let (plain, unknown) = code_block("x", &Fence::parse("nosuchlang").0, true);
        assert!(unknown);
        assert!(plain.contains("<span class=\"line\">x</span>"), "{plain}");
    }

    #[test]
    fn stylesheets_come_from_named_themes() {
        let css = stylesheet("coldark-cold").unwrap();
        assert!(css.contains(".z-code"), "{}", &css[..200.min(css.len())]);
        assert!(stylesheet("no such theme").is_none());
    }
}
