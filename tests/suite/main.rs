//! The one integration-test binary: a module per area, sharing `common` (fixture
//! sites in temp dirs, the real binary, a static server, headless Chromium).
//! One binary means the shared helpers and dependencies link once in CI.

mod common;

mod architecture;
mod authoring;
mod bad_input;
mod build;
mod claims;
mod comparison;
mod decision;
mod decision_browser;
mod default_theme;
mod embed;
mod embed_browser;
mod export;
mod faults;
mod properties;
mod readme;
mod search;
mod serve;
mod serve_browser;
mod serve_limits;
mod site_quality;
mod zola;
