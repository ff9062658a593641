//! Guidepost: a static knowledge-site generator.
//!
//! The crate is layered; a module imports only modules in layers below its
//! own (ARCHITECTURE.md has the rules, and `tests/suite/architecture.rs`
//! checks them):
//!
//! 1. leaves: [`diagnostics`], [`text`], [`config`], [`urls`];
//! 2. [`plan`]: outputs as plain data;
//! 3. [`source`]: reading content and theme files;
//! 4. [`frontmatter`], [`highlight`]; 5. [`markdown`], then [`shortcodes`]; 6. [`model`];
//! 7. [`features`] (comparison, decision);
//! 8. [`templates`]; 9. [`render`]; 10. [`output`];
//! 11. [`pipeline`]: the one chain build, check and serve run;
//! 12. [`serve`], [`init`], [`import`] (`guidepost import zola`), [`export`]
//!     (`guidepost export`: one page as one self-contained file);
//! 13. [`cli`].

pub mod cli;
pub(crate) mod config;
pub(crate) mod diagnostics;
pub(crate) mod export;
pub(crate) mod features;
pub(crate) mod frontmatter;
pub(crate) mod highlight;
pub(crate) mod import;
pub(crate) mod init;
pub mod markdown;
pub(crate) mod model;
pub(crate) mod output;
pub(crate) mod pipeline;
pub(crate) mod plan;
pub(crate) mod render;
pub(crate) mod serve;
pub(crate) mod shortcodes;
pub(crate) mod source;
pub(crate) mod templates;
pub(crate) mod text;
pub(crate) mod urls;
