//! Load stage: a theme's templates and static files, with the site's own
//! `templates/` and `static/` overriding them file by file.
//!
//! The default theme is compiled into the binary, so an installed Guidepost
//! works in any folder; a site's `themes/default/` replaces the built-in copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::content::{
    check_inside, is_editor_temp_file, is_static_dotfile, site_root, slash_path, walk_inside,
};
use crate::diagnostics::Diagnostic;
use include_dir::{Dir, include_dir};

/// The default theme, as shipped in `themes/default/`.
pub static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// One template's text and where it came from.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// Name used in `{% extends %}` and `template = "..."`: `page.html`, `partials/toc.html`.
    pub name: String,
    /// Where it came from, for messages: `themes/default/templates/page.html` or `(built-in)/...`.
    pub display_path: PathBuf,
    pub text: Arc<str>,
}

impl TemplateSource {
    /// Whether this template names template `name` as a quoted string (as
    /// `extends`, `include` and `import` do). A mention in a comment counts
    /// too: callers use it to decide what may depend on what, where a false
    /// yes only costs work.
    pub(crate) fn names(&self, name: &str) -> bool {
        ['"', '\'', '`']
            .iter()
            .any(|q| self.text.contains(&format!("{q}{name}{q}")))
    }
}

/// Where a static file's bytes live.
#[derive(Debug, Clone)]
pub enum StaticSource {
    Disk(PathBuf),
    Embedded(&'static [u8]),
    /// Made while loading (CSS compiled from Sass).
    Generated(Arc<Vec<u8>>),
}

/// All templates and static files of the active theme plus site overrides.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, TemplateSource>,
    /// Output-relative path (`css/guidepost.css`) → source.
    pub statics: BTreeMap<String, StaticSource>,
    /// A Zola theme's `theme.toml` `[extra]`, under the site's `config.extra`.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Theme {
    /// Loads the theme named in the config and the site's overrides; with
    /// `compile_sass`, the theme's and the site's `sass/` become CSS files.
    /// Nothing outside the site root is read: the theme name is a plain
    /// folder name (checked with the config) and every folder and file is
    /// checked after resolving symlinks.
    pub fn load(root: &Path, name: &str, compile_sass: bool) -> Result<Theme, Diagnostic> {
        let mut theme = Theme::default();
        let root = &site_root(root)?;
        let theme_dir = root.join("themes").join(name);
        if theme_dir.is_symlink() || theme_dir.is_dir() {
            check_inside(root, &theme_dir)?;
            theme.add_dir(&theme_dir.join("templates"), root, true)?;
            theme.add_dir(&theme_dir.join("static"), root, false)?;
            theme.read_theme_toml(&theme_dir.join("theme.toml"), root)?;
            if compile_sass {
                theme.add_sass(&theme_dir.join("sass"), root)?;
            }
        } else if name == "default" {
            theme.add_embedded();
        } else if name.is_empty() {
            // `theme = ""`: the site's own templates only (a Zola site without a theme).
        } else {
            return Err(Diagnostic::in_file(
                "guidepost.toml",
                format!(
                    "theme `{name}` not found: there is no folder {}",
                    theme_dir.display()
                ),
            )
            .with_help(
                "set theme = \"default\" for the built-in theme, or create the theme folder",
            ));
        }
        theme.add_dir(&root.join("templates"), root, true)?;
        theme.add_dir(&root.join("static"), root, false)?;
        if compile_sass {
            theme.add_sass(&root.join("sass"), root)?;
        }
        Ok(theme)
    }

    /// Compiled Sass, replacing a static file of the same path.
    fn add_sass(&mut self, dir: &Path, root: &Path) -> Result<(), Diagnostic> {
        for (path, css) in super::sass::compile_dir(dir, root)? {
            self.statics
                .insert(path, StaticSource::Generated(Arc::new(css.into_bytes())));
        }
        Ok(())
    }

    /// The `[extra]` table of a Zola theme's `theme.toml` (its other keys
    /// describe the theme for Zola's theme list).
    fn read_theme_toml(&mut self, file: &Path, root: &Path) -> Result<(), Diagnostic> {
        #[derive(serde::Deserialize)]
        struct ThemeToml {
            #[serde(default)]
            extra: serde_json::Map<String, serde_json::Value>,
        }
        let Ok(text) = std::fs::read_to_string(file) else {
            return Ok(());
        };
        let display = file.strip_prefix(root).unwrap_or(file).to_path_buf();
        let parsed: ThemeToml = toml::from_str(&text).map_err(|e| {
            Diagnostic::at(
                display,
                Arc::from(text.as_str()),
                e.span().unwrap_or(0..0),
                format!("invalid theme.toml: {}", e.message().trim()),
            )
        })?;
        self.extra = parsed.extra;
        Ok(())
    }

    fn add_embedded(&mut self) {
        fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
            out.extend(dir.files());
            for d in dir.dirs() {
                walk(d, out);
            }
        }
        let mut files = Vec::new();
        walk(&DEFAULT_THEME, &mut files);
        for file in files {
            let rel = slash_path(file.path());
            if let Some(name) = rel.strip_prefix("templates/") {
                let text = String::from_utf8_lossy(file.contents());
                self.templates.insert(
                    name.to_string(),
                    TemplateSource {
                        name: name.to_string(),
                        display_path: PathBuf::from("(built-in default theme)/templates")
                            .join(name),
                        text: Arc::from(text.as_ref()),
                    },
                );
            } else if let Some(path) = rel.strip_prefix("static/") {
                self.statics
                    .insert(path.to_string(), StaticSource::Embedded(file.contents()));
            }
        }
    }

    fn add_dir(&mut self, dir: &Path, root: &Path, templates: bool) -> Result<(), Diagnostic> {
        if !dir.is_dir() && !dir.is_symlink() {
            return Ok(());
        }
        let (paths, mut errors) = walk_inside(root, dir, false);
        if !errors.is_empty() {
            return Err(errors.remove(0));
        }
        for path in paths {
            // Static dotfiles (`.gitkeep`, `.nojekyll`, `.well-known/`) are
            // copied as Zola copies them; editors' temporary files are not.
            let static_dotfile = !templates && is_static_dotfile(&path);
            if is_editor_temp_file(&path) && !static_dotfile {
                continue;
            }
            let rel = slash_path(path.strip_prefix(dir).unwrap_or(&path));
            let display_path = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if templates {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Diagnostic::in_file(&display_path, format!("cannot read template: {e}"))
                })?;
                self.templates.insert(
                    rel.clone(),
                    TemplateSource {
                        name: rel,
                        display_path,
                        text: Arc::from(text),
                    },
                );
            } else {
                self.statics.insert(rel, StaticSource::Disk(path));
            }
        }
        Ok(())
    }
}
