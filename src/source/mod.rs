//! Source layer: reading the site's files from disk (and the default theme
//! from the binary). Nothing here parses Markdown or knows the site model.

pub(crate) mod content;
pub(crate) mod sass;
pub(crate) mod theme;
