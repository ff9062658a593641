//! Guidepost: a static knowledge-site generator.
//!
//! The build reads top to bottom, one module per stage:
//! [`load`] and [`theme`] (files) → [`frontmatter`] and [`markdown`] (parse) →
//! [`model`] (the site) → [`render`] with [`templates`], [`comparison`] and
//! [`decision`] → [`output`] (the one place that writes). [`build`] runs them
//! in order; [`serve`] keeps the result in memory and rebuilds on change.

pub mod build;
pub mod comparison;
pub mod config;
pub mod decision;
pub mod diagnostics;
pub mod frontmatter;
pub mod init;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod templates;
pub mod theme;
pub mod urls;
