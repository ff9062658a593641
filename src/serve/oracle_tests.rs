//! Oracle property test for `guidepost serve`: after any sequence of edits to
//! a site, the output the dev server holds (one long-lived [`Project`],
//! `classify` + `rebuild` per batch of changed files, the update applied with
//! [`incremental::apply`], exactly as `rebuild_loop` does) is byte-identical
//! to a fresh full build of the same files, and when the files are broken
//! both fail.
//!
//! The fixture site lives in a model ([`SiteM`]); every edit changes the
//! model, the model is written out, and the files whose text changed (plus
//! deleted files and new folders) are the batch the watcher would report.
//! Edits keep the site valid except `Broken`, which breaks one thing for one
//! or two steps (a later step writes the fix).
//!
//! Nothing here depends on modification times: `classify` looks at which
//! paths exist and `rebuild` compares file contents, so writing a file twice
//! within one clock tick is fine.
//!
//! A longer search: `GUIDEPOST_ORACLE_CASES=1000 cargo test --lib oracle`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::incremental::{self, Project};
use crate::pipeline::BuildOptions;
use crate::plan::SiteOutput;
use crate::text::slugify;

/// Content folders: the home section's, then four that may be sections
/// (one nested).
const DIRS: [&str; 5] = ["", "guides", "roles", "notes", "guides/advanced"];
/// File names for pages (none equals a folder name or a fixed page).
const NAMES: [&str; 8] = [
    "alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "lambda",
];
const TAGS: [&str; 3] = ["rust", "web", "static sites"];
const HEADINGS: [&str; 4] = ["Setup", "Set up & go", "Install it", "Usage: 1 < 2"];
const QUESTIONS: [&str; 4] = [
    "Is it big?",
    "Is it really big?",
    "Big & \"bold\"?",
    "More than <ten>?",
];
const OUTCOMES: [&str; 4] = ["Go big", "Go bigger", "Stay <small>", "Big & bright"];
const FOCUS: [&str; 4] = [
    "Strategy",
    "Security & risk",
    "<b>not bold</b> text",
    "*emphasis* and [alpha](@/guides/alpha.md)",
];
const OUTPUTS: [&[&str]; 3] = [&["Roadmap", "Budget"], &["Policy <draft>"], &[]];

/// One batch of edits, as saved between two rebuilds.
#[derive(Debug, Clone)]
enum Edit {
    /// Rewrites the body text of a page (selected modulo the page count).
    Body {
        page: usize,
        v: u8,
    },
    /// Renames the page's `##` heading (and the `#anchor` links to it).
    Heading {
        page: usize,
        v: u8,
    },
    Title {
        page: usize,
        v: Option<u8>,
    },
    Date {
        page: usize,
        v: Option<u8>,
    },
    Updated {
        page: usize,
        v: Option<u8>,
    },
    Weight {
        page: usize,
        v: Option<u8>,
    },
    /// Tags as a bit set of [`TAGS`].
    Tags {
        page: usize,
        v: u8,
    },
    Description {
        page: usize,
        v: Option<u8>,
    },
    Alias {
        page: usize,
        on: bool,
    },
    /// Adds an `@/` link (with an `#anchor` when asked) to another page.
    Link {
        page: usize,
        target: usize,
        anchor: bool,
    },
    Unlink {
        page: usize,
    },
    AddPage {
        dir: usize,
        name: usize,
        link_to: Option<usize>,
    },
    /// Deletes a page (not one the template or the comparison needs) and
    /// the links to it.
    DeletePage {
        page: usize,
    },
    /// Moves a page to another folder and/or name, updating links to it.
    RenamePage {
        page: usize,
        dir: usize,
        name: usize,
    },
    /// Creates or deletes `DIR/_index.md` (not the home section's).
    ToggleSection {
        dir: usize,
    },
    /// Rewrites a section's `_index.md` (if it has one).
    SectionMeta {
        dir: usize,
        title: u8,
        desc: Option<u8>,
        paginate: Option<u8>,
        feed: bool,
        sort: u8,
        body: u8,
        transparent: bool,
    },
    /// `[extra] nav_title` (the main navigation's label of top-level pages).
    NavTitle {
        page: usize,
        v: Option<u8>,
    },
    /// `draft = true`, for a plain page nothing links to (new links never
    /// point at drafts).
    Draft {
        page: usize,
        on: bool,
    },
    /// `slug = "NAME-s"`.
    Slug {
        page: usize,
        on: bool,
    },
    /// `template = "role.html"` on a comparison item.
    PageTemplate {
        page: usize,
        on: bool,
    },
    /// `NAME.md` becomes the bundle `NAME/index.md` with an asset
    /// `NAME/pic.txt`, or back (not for pinned pages).
    Bundle {
        page: usize,
        on: bool,
    },
    /// Rewrites every bundle's `pic.txt`.
    BundleAsset {
        v: u8,
    },
    /// `static/.well-known/security.txt` (a static file in a hidden folder).
    WellKnown {
        v: Option<u8>,
    },
    /// Editor and hidden files the site must ignore: `beta.md~`, `.#x.md`,
    /// `content/.drafts/x.md`, `templates/page.html.swp`, `static/.DS_Store`.
    TempFiles {
        v: Option<u8>,
    },
    /// `guidepost.toml`: the site title and whether tags have feeds.
    Config {
        title: u8,
        feed: bool,
    },
    /// Site `templates/page.html`: 0 and 1 use `get_url` and
    /// `decision_card`, 2 uses `get_page`, 3 deletes the override.
    Template {
        v: u8,
    },
    /// Site `templates/section.html`: 1 calls `comparison(...)` and lists
    /// summaries, 2 calls `get_section`, 0 deletes the override.
    SectionTemplate {
        v: u8,
    },
    /// Site `templates/role.html` (used only by pages with
    /// `template = "role.html"`): 0 deletes the override, 1 and 2 are two
    /// texts (an edit between them re-renders only those pages).
    RoleTemplate {
        v: u8,
    },
    DecisionShape {
        v: u8,
    },
    DecisionQuestion {
        v: u8,
    },
    DecisionOutcome {
        v: u8,
    },
    Attribute {
        item: usize,
        focus: u8,
        outputs: u8,
        short: bool,
    },
    /// `static/extra.css` (slot 0) or `static/css/guidepost.css`, which
    /// replaces the theme's (slot 1); `None` deletes it.
    Static {
        slot: usize,
        v: Option<u8>,
    },
    /// A loose content asset, `content/guides/data.txt`.
    Asset {
        v: Option<u8>,
    },
    /// Breaks the site for `steps` steps (1 or 2; the break is written
    /// with this edit and fixed with a later one): 0 a missing `@/` page,
    /// 1 a missing `#anchor`, 2 a front matter syntax error, 3 a comparison
    /// attribute gone, 4 a template syntax error, 5 an invalid decision tree.
    Broken {
        page: usize,
        kind: u8,
        steps: u8,
    },
    /// Several edits saved together (one rebuild).
    Together(Vec<Edit>),
}

#[derive(Debug, Clone, PartialEq)]
enum Role {
    Plain,
    /// A comparison item, with its `[attributes]`.
    Item {
        focus: u8,
        outputs: u8,
        short: bool,
    },
    /// The page with the `[comparison]` table.
    Compare,
    /// The page with the `[decision]` tree.
    Decide,
}

#[derive(Debug, Clone)]
struct PageM {
    /// Stable identity (links refer to pages by key).
    key: usize,
    dir: usize,
    name: String,
    role: Role,
    title: Option<u8>,
    date: Option<u8>,
    updated: Option<u8>,
    weight: Option<u8>,
    tags: u8,
    desc: Option<u8>,
    body: u8,
    heading: u8,
    alias: bool,
    nav_title: Option<u8>,
    draft: bool,
    slug: bool,
    role_template: bool,
    bundle: bool,
    /// Targets (by key) and whether the link names their heading's anchor.
    links: Vec<(usize, bool)>,
}

#[derive(Debug, Clone)]
struct SectionM {
    title: u8,
    desc: Option<u8>,
    paginate: Option<u8>,
    feed: bool,
    sort: u8,
    body: u8,
    /// `transparent = true`: its pages are listed in its parent too.
    transparent: bool,
}

#[derive(Debug, Clone)]
struct SiteM {
    pages: Vec<PageM>,
    next_key: usize,
    sections: [Option<SectionM>; 5],
    /// Site `templates/section.html` variant (0: none).
    section_template: u8,
    /// Site `templates/role.html` variant (0: none).
    role_template: u8,
    template: u8,
    decision_shape: u8,
    question: u8,
    outcome: u8,
    statics: [Option<u8>; 2],
    asset: Option<u8>,
    /// Text variant of bundles' `pic.txt`.
    pic: u8,
    well_known: Option<u8>,
    temp_files: Option<u8>,
    /// `guidepost.toml`: title variant, tag feeds.
    config: (u8, bool),
    /// Set by `Broken`: (page key, kind, writes left).
    broken: Option<(usize, u8, u8)>,
}

/// Keys of pages that must stay where they are: `guides/alpha.md` (the site
/// template links to it), `compare.md` (the theme's role.html links to it)
/// and `decide.md` (the site template shows its decision card); `roles/cio.md`
/// stays too (a section template variant compares it).
const ALPHA: usize = 0;
const CIO: usize = 3;
const COMPARE: usize = 6;
const DECIDE: usize = 7;
/// Pages never renamed, moved or made bundles.
const PINNED: [usize; 4] = [ALPHA, CIO, COMPARE, DECIDE];

impl SiteM {
    fn initial() -> SiteM {
        let page = |key: usize, dir: usize, name: &str, role: Role| PageM {
            key,
            dir,
            name: name.to_string(),
            role,
            title: Some((key % 4) as u8),
            date: None,
            updated: None,
            weight: None,
            tags: 0,
            desc: None,
            body: (key % 4) as u8,
            heading: 0,
            alias: false,
            nav_title: None,
            draft: false,
            slug: false,
            role_template: false,
            bundle: false,
            links: Vec::new(),
        };
        let mut pages = vec![
            page(ALPHA, 1, "alpha", Role::Plain),
            page(1, 1, "beta", Role::Plain),
            page(2, 1, "gamma", Role::Plain),
            page(
                CIO,
                2,
                "cio",
                Role::Item {
                    focus: 0,
                    outputs: 0,
                    short: true,
                },
            ),
            page(
                4,
                2,
                "ciso",
                Role::Item {
                    focus: 1,
                    outputs: 1,
                    short: false,
                },
            ),
            page(5, 3, "delta", Role::Plain),
            page(COMPARE, 0, "compare", Role::Compare),
            page(DECIDE, 0, "decide", Role::Decide),
            page(8, 0, "about", Role::Plain),
        ];
        pages[0].date = Some(1);
        pages[0].weight = Some(1);
        pages[0].tags = 0b001;
        pages[0].links = vec![(1, true)];
        pages[1].date = Some(2);
        pages[1].tags = 0b011;
        pages[1].links = vec![(0, true), (2, false)];
        pages[2].date = Some(3);
        pages[2].weight = Some(2);
        pages[2].tags = 0b010;
        pages[2].desc = Some(0);
        pages[3].weight = Some(1);
        pages[4].weight = Some(2);
        pages[4].alias = true;
        pages[5].tags = 0b100;
        pages[5].links = vec![(6, false)];
        pages[6].weight = Some(2);
        pages[6].links = vec![(3, false)];
        pages[7].weight = Some(3);
        pages[7].desc = Some(1);
        pages[3].role_template = true;
        pages[5].bundle = true;
        pages[8].title = None;
        pages[8].nav_title = Some(0);
        SiteM {
            pages,
            next_key: 9,
            sections: [
                Some(SectionM {
                    title: 0,
                    desc: Some(0),
                    paginate: None,
                    feed: false,
                    sort: 1,
                    body: 0,
                    transparent: false,
                }),
                Some(SectionM {
                    title: 1,
                    desc: None,
                    paginate: Some(1),
                    feed: true,
                    sort: 0,
                    body: 1,
                    transparent: false,
                }),
                Some(SectionM {
                    title: 2,
                    desc: Some(1),
                    paginate: None,
                    feed: false,
                    sort: 1,
                    body: 0,
                    transparent: false,
                }),
                None,
                Some(SectionM {
                    title: 0,
                    desc: None,
                    paginate: None,
                    feed: true,
                    sort: 3,
                    body: 2,
                    transparent: false,
                }),
            ],
            section_template: 0,
            role_template: 0,
            template: 0,
            decision_shape: 0,
            question: 0,
            outcome: 0,
            statics: [Some(0), None],
            asset: Some(0),
            pic: 0,
            well_known: None,
            temp_files: None,
            config: (0, true),
            broken: None,
        }
    }

    fn rel(&self, key: usize) -> String {
        let p = self.page(key);
        let dir = match p.dir {
            0 => String::new(),
            d => format!("{}/", DIRS[d]),
        };
        if p.bundle {
            format!("{dir}{}/index.md", p.name)
        } else {
            format!("{dir}{}.md", p.name)
        }
    }

    /// Whether any other page links to `key`.
    fn linked(&self, key: usize) -> bool {
        self.pages
            .iter()
            .any(|p| p.key != key && p.links.iter().any(|l| l.0 == key))
    }

    fn page(&self, key: usize) -> &PageM {
        self.pages.iter().find(|p| p.key == key).expect("live key")
    }

    /// The `sel`-th page (modulo) among those `ok` accepts, by key.
    fn pick(&self, sel: usize, ok: impl Fn(&PageM) -> bool) -> Option<usize> {
        let keys: Vec<usize> = self.pages.iter().filter(|p| ok(p)).map(|p| p.key).collect();
        (!keys.is_empty()).then(|| keys[sel % keys.len()])
    }

    fn any(&self, sel: usize) -> usize {
        self.pick(sel, |_| true).expect("the fixed pages stay")
    }

    fn page_mut(&mut self, key: usize) -> &mut PageM {
        self.pages
            .iter_mut()
            .find(|p| p.key == key)
            .expect("live key")
    }

    /// A file name not taken in `dir`, starting at `NAMES[name]`.
    fn free_name(&self, dir: usize, name: usize) -> Option<String> {
        (0..NAMES.len())
            .map(|i| NAMES[(name + i) % NAMES.len()])
            .find(|n| !self.pages.iter().any(|p| p.dir == dir && p.name == *n))
            .map(str::to_string)
    }

    /// Applies one edit; returns what it did, for the failure report.
    fn apply(&mut self, edit: &Edit) -> String {
        match edit {
            Edit::Body { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).body = *v;
                format!("body of {} = {v}", self.rel(k))
            }
            Edit::Heading { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).heading = *v;
                format!("heading of {} = {:?}", self.rel(k), heading(*v))
            }
            Edit::Title { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).title = *v;
                format!("title of {} = {v:?}", self.rel(k))
            }
            Edit::Date { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).date = *v;
                format!("date of {} = {v:?}", self.rel(k))
            }
            Edit::Updated { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).updated = *v;
                format!("updated of {} = {v:?}", self.rel(k))
            }
            Edit::Weight { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).weight = *v;
                format!("weight of {} = {v:?}", self.rel(k))
            }
            Edit::Tags { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).tags = *v;
                format!("tags of {} = {:?}", self.rel(k), tags(*v))
            }
            Edit::Description { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).desc = *v;
                format!("description of {} = {v:?}", self.rel(k))
            }
            Edit::Alias { page, on } => {
                let k = self.any(*page);
                self.page_mut(k).alias = *on;
                format!("alias of {} = {on}", self.rel(k))
            }
            Edit::Link {
                page,
                target,
                anchor,
            } => {
                let k = self.any(*page);
                let Some(t) = self.pick(*target, |p| !p.draft) else {
                    return "link: no target".into();
                };
                let p = self.page_mut(k);
                p.links.retain(|l| l.0 != t);
                p.links.push((t, *anchor));
                if p.links.len() > 3 {
                    p.links.remove(0);
                }
                format!("link {} -> {} (anchor: {anchor})", self.rel(k), self.rel(t))
            }
            Edit::Unlink { page } => {
                let k = self.any(*page);
                self.page_mut(k).links.clear();
                format!("unlink {}", self.rel(k))
            }
            Edit::AddPage { dir, name, link_to } => {
                let dir = dir % DIRS.len();
                let Some(name) = self.free_name(dir, *name) else {
                    return "add page: no free name".into();
                };
                let key = self.next_key;
                self.next_key += 1;
                let links = link_to
                    .and_then(|t| Some(vec![(self.pick(t, |p| !p.draft)?, t.is_multiple_of(2))]));
                self.pages.push(PageM {
                    key,
                    dir,
                    name,
                    role: Role::Plain,
                    title: Some((key % 4) as u8),
                    date: Some((key % 5) as u8),
                    updated: None,
                    weight: None,
                    tags: (key % 8) as u8,
                    desc: None,
                    body: (key % 4) as u8,
                    heading: (key % 4) as u8,
                    alias: false,
                    nav_title: None,
                    draft: false,
                    slug: false,
                    role_template: false,
                    bundle: key.is_multiple_of(3),
                    links: links.unwrap_or_default(),
                });
                format!("add {}", self.rel(key))
            }
            Edit::DeletePage { page } => {
                let Some(k) = self.pick(*page, |p| p.role == Role::Plain && p.key != ALPHA) else {
                    return "delete: nothing deletable".into();
                };
                let rel = self.rel(k);
                self.pages.retain(|p| p.key != k);
                for p in &mut self.pages {
                    p.links.retain(|l| l.0 != k);
                }
                format!("delete {rel}")
            }
            Edit::RenamePage { page, dir, name } => {
                let Some(k) = self.pick(*page, |p| !PINNED.contains(&p.key)) else {
                    return "rename: nothing movable".into();
                };
                let dir = dir % DIRS.len();
                let Some(name) = self.free_name(dir, *name) else {
                    return "rename: no free name".into();
                };
                let old = self.rel(k);
                let p = self.page_mut(k);
                p.dir = dir;
                p.name = name;
                format!("rename {old} -> {}", self.rel(k))
            }
            Edit::ToggleSection { dir } => {
                let d = 1 + dir % 4;
                self.sections[d] = match self.sections[d] {
                    Some(_) => None,
                    None => Some(SectionM {
                        title: d as u8,
                        desc: None,
                        paginate: None,
                        feed: false,
                        sort: 1,
                        body: 0,
                        transparent: false,
                    }),
                };
                format!(
                    "{} {}/_index.md",
                    if self.sections[d].is_some() {
                        "create"
                    } else {
                        "delete"
                    },
                    DIRS[d]
                )
            }
            Edit::SectionMeta {
                dir,
                title,
                desc,
                paginate,
                feed,
                sort,
                body,
                transparent,
            } => {
                let d = dir % DIRS.len();
                match &mut self.sections[d] {
                    Some(s) => {
                        *s = SectionM {
                            title: *title,
                            desc: *desc,
                            paginate: *paginate,
                            feed: *feed,
                            sort: *sort,
                            body: *body,
                            transparent: *transparent,
                        };
                        format!("section {:?} = {s:?}", DIRS[d])
                    }
                    None => format!("section {:?}: none", DIRS[d]),
                }
            }
            Edit::NavTitle { page, v } => {
                let k = self.any(*page);
                self.page_mut(k).nav_title = *v;
                format!("nav_title of {} = {v:?}", self.rel(k))
            }
            Edit::Draft { page, on } => {
                let Some(k) = self.pick(*page, |p| {
                    p.role == Role::Plain && p.key != ALPHA && !self.linked(p.key)
                }) else {
                    return "draft: no page nothing links to".into();
                };
                self.page_mut(k).draft = *on;
                format!("draft of {} = {on}", self.rel(k))
            }
            Edit::Slug { page, on } => {
                let k = self.any(*page);
                self.page_mut(k).slug = *on;
                format!("slug of {} = {on}", self.rel(k))
            }
            Edit::PageTemplate { page, on } => {
                let k = self
                    .pick(*page, |p| matches!(p.role, Role::Item { .. }))
                    .expect("items stay");
                self.page_mut(k).role_template = *on;
                format!("template of {} = {on}", self.rel(k))
            }
            Edit::Bundle { page, on } => {
                let Some(k) = self.pick(*page, |p| !PINNED.contains(&p.key)) else {
                    return "bundle: nothing movable".into();
                };
                let old = self.rel(k);
                self.page_mut(k).bundle = *on;
                format!("bundle {old} -> {}", self.rel(k))
            }
            Edit::BundleAsset { v } => {
                self.pic = *v;
                format!("bundle assets = {v}")
            }
            Edit::WellKnown { v } => {
                self.well_known = *v;
                format!("static/.well-known/security.txt = {v:?}")
            }
            Edit::TempFiles { v } => {
                self.temp_files = *v;
                format!("editor and hidden files = {v:?}")
            }
            Edit::Config { title, feed } => {
                self.config = (*title, *feed);
                format!("config = {:?}", self.config)
            }
            Edit::SectionTemplate { v } => {
                self.section_template = v % 3;
                format!("section template variant {}", self.section_template)
            }
            Edit::RoleTemplate { v } => {
                self.role_template = v % 3;
                format!("role template variant {}", self.role_template)
            }
            Edit::Template { v } => {
                self.template = v % 4;
                format!("template variant {}", self.template)
            }
            Edit::DecisionShape { v } => {
                self.decision_shape = v % 3;
                format!("decision shape {}", self.decision_shape)
            }
            Edit::DecisionQuestion { v } => {
                self.question = *v;
                format!("decision question {:?}", QUESTIONS[*v as usize % 4])
            }
            Edit::DecisionOutcome { v } => {
                self.outcome = *v;
                format!("decision outcome {:?}", OUTCOMES[*v as usize % 4])
            }
            Edit::Attribute {
                item,
                focus,
                outputs,
                short,
            } => {
                let k = self
                    .pick(*item, |p| matches!(p.role, Role::Item { .. }))
                    .expect("items are never deleted");
                self.page_mut(k).role = Role::Item {
                    focus: *focus,
                    outputs: *outputs,
                    short: *short,
                };
                format!("attributes of {}", self.rel(k))
            }
            Edit::Static { slot, v } => {
                self.statics[slot % 2] = *v;
                format!("static slot {} = {v:?}", slot % 2)
            }
            Edit::Asset { v } => {
                self.asset = *v;
                format!("asset = {v:?}")
            }
            Edit::Broken { page, kind, steps } => {
                let kind = kind % 6;
                let k = match kind {
                    3 => self
                        .pick(*page, |p| matches!(p.role, Role::Item { .. }))
                        .expect("items stay"),
                    5 => DECIDE,
                    _ => self.any(*page),
                };
                self.broken = Some((k, kind, *steps));
                format!("BROKEN kind {kind} at {} for {steps} step(s)", self.rel(k))
            }
            Edit::Together(edits) => {
                let parts: Vec<String> = edits.iter().map(|e| self.apply(e)).collect();
                format!("together [{}]", parts.join("; "))
            }
        }
    }

    /// Every file of the site, by root-relative path.
    fn files(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        files.insert(
            "guidepost.toml".to_string(),
            format!(
                "title = \"{}\"\nbase_url = \"https://example.org/docs\"\n\
                 taxonomies = [{{ name = \"tags\", feed = {} }}]\n",
                ["Oracle & <site>", "Another title"][self.config.0 as usize % 2],
                self.config.1
            ),
        );
        for (d, s) in self.sections.iter().enumerate() {
            if let Some(s) = s {
                let rel = if d == 0 {
                    "content/_index.md".to_string()
                } else {
                    format!("content/{}/_index.md", DIRS[d])
                };
                files.insert(rel, self.section_text(d, s));
            }
        }
        for p in &self.pages {
            let rel = self.rel(p.key);
            if let Some(dir) = rel.strip_suffix("index.md") {
                files.insert(
                    format!("content/{dir}pic.txt"),
                    format!("picture {} of {}\n", self.pic, p.name),
                );
            }
            files.insert(format!("content/{rel}"), self.page_text(p));
        }
        let broken_template = self.broken.is_some_and(|(_, k, _)| k == 4);
        if let Some(t) = template(self.template) {
            let t = if broken_template {
                format!("{t}{{% if %}}\n")
            } else {
                t
            };
            files.insert("templates/page.html".into(), t);
        } else if broken_template {
            files.insert(
                "templates/page.html".into(),
                "{% extends \"layouts/page.html\" %}{% block page_body %}{{ page.title | nope( }}{% endblock page_body %}\n".into(),
            );
        }
        match self.role_template {
            1 => {
                files.insert(
                    "templates/role.html".into(),
                    "{% extends \"layouts/page.html\" %}\n{% block page_body %}<p class=\"role\">Role: {{ page.title }}</p>\n{{ super() }}\n{% endblock page_body %}\n".into(),
                );
            }
            2 => {
                files.insert(
                    "templates/role.html".into(),
                    "<!DOCTYPE html>\n<html lang=\"{{ lang }}\"><head><title>{{ page.title }}</title></head>\n<body><main><h1>{{ page.title }}</h1>{% set first = get_page(path=\"guides/alpha.md\") %}<p>See {{ first.title }}</p>{{ page.content | safe }}</main></body></html>\n".into(),
                );
            }
            _ => {}
        }
        if let Some(t) = section_template(self.section_template) {
            files.insert("templates/section.html".into(), t);
        }
        if let Some(v) = self.statics[0] {
            files.insert(
                "static/extra.css".into(),
                format!(".oracle {{ margin: {v}px; }}\n"),
            );
        }
        if let Some(v) = self.statics[1] {
            files.insert(
                "static/css/guidepost.css".into(),
                format!("body {{ padding: {v}px; }}\n"),
            );
        }
        if let Some(v) = self.well_known {
            files.insert(
                "static/.well-known/security.txt".into(),
                format!("Contact: mailto:security{v}@example.org\n"),
            );
        }
        if let Some(v) = self.temp_files {
            for rel in [
                "content/guides/beta.md~",
                "content/guides/.#alpha.md",
                "content/.drafts/secret.md",
                "templates/page.html.swp",
                "static/.DS_Store",
            ] {
                files.insert(
                    rel.into(),
                    format!("+++\ntitle = \"temp {v}\"\n+++\n{{{{ broken\n"),
                );
            }
        }
        if let Some(v) = self.asset {
            files.insert("content/guides/data.txt".into(), format!("data {v}\n"));
        }
        files
    }

    fn section_text(&self, d: usize, s: &SectionM) -> String {
        let mut t = String::from("+++\n");
        let titles = ["Home", "Guides & more", "Roles", "Notes <all>", "Advanced"];
        t.push_str(&format!("title = \"{} {}\"\n", titles[d], s.title % 3));
        if let Some(v) = s.desc {
            t.push_str(&format!(
                "description = {}\n",
                toml_str(["All of it.", "Some & <more>."][v as usize % 2])
            ));
        }
        t.push_str(&format!(
            "sort_by = \"{}\"\n",
            ["date", "weight", "title", "none"][s.sort as usize % 4]
        ));
        if let Some(n) = s.paginate {
            t.push_str(&format!("paginate_by = {}\n", n % 3 + 1));
        }
        if s.feed {
            t.push_str("feed = true\n");
        }
        if s.transparent {
            t.push_str("transparent = true\n");
        }
        t.push_str("+++\n");
        if d == 0 {
            t.push_str("Welcome. Start with [alpha](@/guides/alpha.md).\n");
        } else {
            t.push_str(&format!("Pages about {}.\n", DIRS[d]));
        }
        match s.body % 3 {
            1 => t.push_str("\n## Overview\n\nMore *words* here.\n"),
            2 => t.push_str("\nSee [the comparison](@/compare.md).\n"),
            _ => {}
        }
        t
    }

    fn page_text(&self, p: &PageM) -> String {
        let broken = self.broken.filter(|b| b.0 == p.key).map(|b| b.1);
        let mut t = String::from("+++\n");
        if broken == Some(2) {
            t.push_str("title = \"unterminated\n");
        }
        if let Some(v) = p.title {
            let title = match v % 4 {
                0 => capitalized(&p.name),
                1 => format!("{} guide", capitalized(&p.name)),
                2 => format!("All about {}", p.name),
                _ => format!("{} & <friends>", p.name),
            };
            t.push_str(&format!("title = {}\n", toml_str(&title)));
        }
        if let Some(v) = p.desc {
            let desc = match v % 3 {
                0 => format!("About {}.", p.name),
                1 => "Short & \"quoted\" <text>.".to_string(),
                _ => format!("Another description of {}.", p.name),
            };
            t.push_str(&format!("description = {}\n", toml_str(&desc)));
        }
        if let Some(v) = p.date {
            if v % 5 == 4 {
                t.push_str(&format!("date = \"2024-02-0{}T10:30:00Z\"\n", v % 9 + 1));
            } else {
                t.push_str(&format!("date = \"2024-01-0{}\"\n", v % 9 + 1));
            }
        }
        if let Some(v) = p.updated {
            t.push_str(&format!("updated = \"2024-03-0{}\"\n", v % 9 + 1));
        }
        if let Some(v) = p.weight {
            t.push_str(&format!("weight = {}\n", v % 4));
        }
        if p.alias {
            t.push_str(&format!(
                "aliases = [\"/old/{}-{}/\"]\n",
                DIRS[p.dir], p.name
            ));
        }
        if p.draft {
            t.push_str("draft = true\n");
        }
        if p.slug {
            t.push_str(&format!("slug = \"{}-s\"\n", p.name));
        }
        if p.role_template {
            t.push_str("template = \"role.html\"\n");
        }
        let tags = tags(p.tags);
        if !tags.is_empty() {
            let list: Vec<String> = tags.iter().map(|s| toml_str(s)).collect();
            t.push_str(&format!("\n[taxonomies]\ntags = [{}]\n", list.join(", ")));
        }
        if let Some(v) = p.nav_title {
            t.push_str(&format!(
                "\n[extra]\nnav_title = {}\n",
                toml_str(["Short", "Nav & <more>", "Third"][v as usize % 3])
            ));
        }
        match &p.role {
            Role::Plain => {}
            Role::Item {
                focus,
                outputs,
                short,
            } => {
                t.push_str("\n[attributes]\n");
                if *short {
                    t.push_str(&format!("short_name = \"{}\"\n", p.name.to_uppercase()));
                }
                if broken != Some(3) {
                    t.push_str(&format!(
                        "focus = {}\n",
                        toml_str(FOCUS[*focus as usize % FOCUS.len()])
                    ));
                }
                let list: Vec<String> = OUTPUTS[*outputs as usize % OUTPUTS.len()]
                    .iter()
                    .map(|s| toml_str(s))
                    .collect();
                t.push_str(&format!("outputs = [{}]\n", list.join(", ")));
            }
            Role::Compare => {
                let items: Vec<String> = self
                    .pages
                    .iter()
                    .filter(|q| matches!(q.role, Role::Item { .. }))
                    .map(|q| format!("\"@/{}\"", self.rel(q.key)))
                    // Some bodies cite one page only: a table must still
                    // follow an edit of the one page it cites.
                    .take(if p.body.is_multiple_of(3) {
                        1
                    } else {
                        usize::MAX
                    })
                    .collect();
                t.push_str(&format!(
                    "\n[comparison]\ncaption = \"Roles <compared> & more\"\n\
                     dimension_label = \"Aspect <x>\"\nitems = [{}]\n\
                     rows = [{{ key = \"focus\", label = \"Focus & <aim>\" }}, {{ key = \"outputs\", label = \"Outputs\" }}]\n",
                    items.join(", ")
                ));
            }
            Role::Decide => t.push_str(&self.decision_text(broken == Some(5))),
        }
        t.push_str("+++\n");
        t.push_str(&match p.body % 5 {
            0 => format!("Plain text about {}.\n", p.name),
            1 => format!(
                "Text with *emphasis*, `code` and \"quotes\" about {}...\n\nA second paragraph.\n",
                p.name
            ),
            2 => format!(
                "A summary of {}.\n\n<!-- more -->\n\nThe rest of it.\n",
                p.name
            ),
            3 => format!("{} {}\n", p.name, "word ".repeat(250)),
            // The title of a page without `title` comes from its first `#`.
            _ => format!("# The {} & co\n\nBelow the title.\n", p.name),
        });
        if p.role == Role::Compare && p.body.is_multiple_of(2) {
            t.push_str("\n<!-- comparison -->\n");
        }
        t.push_str(&format!(
            "\n## {}\n\nUnder the heading.\n",
            heading(p.heading)
        ));
        for &(target, anchor) in &p.links {
            let frag = if anchor {
                format!("#{}", slugify(heading(self.page(target).heading)))
            } else {
                String::new()
            };
            t.push_str(&format!("\nSee [this]({}{frag}).\n", at(&self.rel(target))));
        }
        match broken {
            Some(0) => t.push_str("\nSee [nothing](@/guides/missing-page.md).\n"),
            Some(1) => t.push_str("\nSee [alpha](@/guides/alpha.md#no-such-heading).\n"),
            _ => {}
        }
        t
    }

    fn decision_text(&self, broken: bool) -> String {
        // The help and an outcome link to `roles/ciso.md`, which may move.
        let cio = self.rel(4);
        let q1_no = if broken {
            "nowhere"
        } else if self.decision_shape % 3 == 1 {
            "o3"
        } else {
            "q2"
        };
        let mut t = format!(
            "\n[decision]\nstart = \"q1\"\n\n[[decision.questions]]\nid = \"q1\"\ntext = {}\n\
             help = \"See [the CIO](@/{cio}).\"\n\
             answers = [{{ label = \"Yes\", next = \"o1\" }}, {{ label = \"No\", next = \"{q1_no}\" }}]\n",
            toml_str(QUESTIONS[self.question as usize % 4])
        );
        match self.decision_shape % 3 {
            0 => t.push_str(
                "\n[[decision.questions]]\nid = \"q2\"\ntext = \"Is it red?\"\n\
                 answers = [{ label = \"Yes\", next = \"o2\" }, { label = \"No\", next = \"o3\" }]\n",
            ),
            2 => t.push_str(
                "\n[[decision.questions]]\nid = \"q2\"\ntext = \"Is it red?\"\n\
                 answers = [{ label = \"Yes\", next = \"o2\" }, { label = \"No\", next = \"q3\" }]\n\
                 \n[[decision.questions]]\nid = \"q3\"\ntext = \"Left or right?\"\n\
                 answers = [{ label = \"Left\", next = \"o3\" }, { label = \"Right\", next = \"o4\" }]\n",
            ),
            _ => {}
        }
        t.push_str(&format!(
            "\n[[decision.outcomes]]\nid = \"o1\"\ntitle = {}\nbody = \"Read [the CIO page](@/{cio}).\"\nlinks = [\"@/{cio}\"]\n",
            toml_str(OUTCOMES[self.outcome as usize % 4])
        ));
        if self.decision_shape % 3 != 1 {
            t.push_str("\n[[decision.outcomes]]\nid = \"o2\"\ntitle = \"Red\"\n");
        }
        t.push_str("\n[[decision.outcomes]]\nid = \"o3\"\ntitle = \"Small\"\n");
        if self.decision_shape % 3 == 2 {
            t.push_str("\n[[decision.outcomes]]\nid = \"o4\"\ntitle = \"Right\"\n");
        }
        t.push_str("\n[[decision.examples]]\nanswers = [\"Yes\"]\noutcome = \"o1\"\n");
        t
    }
}

fn heading(v: u8) -> &'static str {
    HEADINGS[v as usize % HEADINGS.len()]
}

fn tags(v: u8) -> Vec<&'static str> {
    (0..TAGS.len())
        .filter(|i| v & (1 << i) != 0)
        .map(|i| TAGS[i])
        .collect()
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn at(rel: &str) -> String {
    format!("@/{rel}")
}

/// The site's `templates/section.html` for a variant, or none.
fn section_template(v: u8) -> Option<String> {
    let listing = "{% if paginator is defined %}{% set listed = paginator.pages %}{% else %}{% set listed = section.pages %}{% endif %}\n\
        <ul>{% for p in listed %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a> {{ p.reading_time }} {{ p.date }} {% if p.summary %}{{ p.summary | safe }}{% endif %}</li>{% endfor %}</ul>\n";
    let head = "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ section.title }}</h1>\n";
    match v % 3 {
        1 => Some(format!(
            "{head}{{{{ comparison(items=[\"@/roles/cio.md\"], rows=[{{\"key\": \"focus\", \"label\": \"Focus\"}}], caption=\"CIO focus\") }}}}\n{listing}{{% endblock content %}}\n"
        )),
        2 => Some(format!(
            "{head}{{% set home = get_section(path=\"_index.md\") %}}<p>{{{{ home.title }}}}: {{{{ home.pages | length }}}} pages</p>\n{listing}{{% endblock content %}}\n"
        )),
        _ => None,
    }
}

/// The site's `templates/page.html` for a variant, or none.
fn template(v: u8) -> Option<String> {
    let common = "{% extends \"layouts/page.html\" %}\n{% block page_body %}\n{{ super() }}\n";
    match v % 4 {
        0 => Some(format!(
            "{common}      <p class=\"see-also\"><a href=\"{{{{ get_url(path='@/guides/alpha.md') }}}}\">Start here</a></p>\n      {{{{ decision_card(path=\"@/decide.md\") }}}}\n{{% endblock page_body %}}\n"
        )),
        1 => Some(format!(
            "{common}      <aside>{{{{ page.word_count }}}} words. <a href=\"{{{{ get_url(path='@/guides/alpha.md#top') }}}}\">Alpha</a></aside>\n      {{{{ decision_card(path=\"decide.md\") }}}}\n{{% endblock page_body %}}\n"
        )),
        2 => Some(format!(
            "{common}      {{% set first = get_page(path=\"guides/alpha.md\") %}}<p>First: {{{{ first.title }}}} ({{{{ first.reading_time }}}} min)</p>\n{{% endblock page_body %}}\n"
        )),
        _ => None,
    }
}

/// The site folder on disk, kept in step with the model.
struct Disk {
    root: PathBuf,
    files: BTreeMap<String, String>,
}

impl Disk {
    /// Writes `files`; returns the absolute paths a watcher would report:
    /// changed, created and deleted files, and new folders.
    fn sync(&mut self, files: BTreeMap<String, String>) -> Vec<PathBuf> {
        let mut changed = Vec::new();
        for (rel, text) in &files {
            if self.files.get(rel) == Some(text) {
                continue;
            }
            let abs = self.root.join(rel);
            let mut dir = abs.parent();
            while let Some(d) = dir.filter(|d| !d.exists()) {
                changed.push(d.to_path_buf());
                dir = d.parent();
            }
            std::fs::create_dir_all(abs.parent().expect("a file has a folder")).expect("mkdir");
            std::fs::write(&abs, text).expect("write fixture file");
            changed.push(abs);
        }
        for rel in self.files.keys().filter(|r| !files.contains_key(*r)) {
            let abs = self.root.join(rel);
            std::fs::remove_file(&abs).expect("delete fixture file");
            changed.push(abs);
        }
        self.files = files;
        changed.sort();
        changed.dedup();
        changed
    }
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        base_url: None,
        include_drafts: false,
        url_mode: None,
        export: None,
        one_shot: false,
    }
}

/// The first difference between the served output and a fresh build.
fn first_difference(served: &SiteOutput, fresh: &SiteOutput) -> Option<String> {
    let a: BTreeSet<&String> = served.files.keys().collect();
    let b: BTreeSet<&String> = fresh.files.keys().collect();
    if a != b {
        let only_served: Vec<&&String> = a.difference(&b).collect();
        let only_fresh: Vec<&&String> = b.difference(&a).collect();
        return Some(format!(
            "output paths differ: only in the served output {only_served:?}, only in the full build {only_fresh:?}"
        ));
    }
    for (path, body) in &fresh.files {
        let x = served.files[path].bytes();
        let y = body.bytes();
        let (x, y) = match (x, y) {
            (Ok(x), Ok(y)) => (x, y),
            (x, y) => {
                return Some(format!(
                    "{path}: cannot read (served: {:?}, full build: {:?})",
                    x.err(),
                    y.err()
                ));
            }
        };
        if x != y {
            let at = x.iter().zip(y.iter()).take_while(|(p, q)| p == q).count();
            let context = |b: &[u8]| {
                let start = at.saturating_sub(160);
                let end = (at + 160).min(b.len());
                String::from_utf8_lossy(&b[start..end]).into_owned()
            };
            return Some(format!(
                "{path} differs at byte {at} (served {} bytes, full build {} bytes)\n--- served:\n{}\n--- full build:\n{}",
                x.len(),
                y.len(),
                context(&x),
                context(&y)
            ));
        }
    }
    None
}

/// Runs `edits` against the dev server's rebuild path and a fresh full
/// build after each step; returns each step's rebuild strategy (`error` when
/// the site did not build).
fn run_edits(edits: &[Edit]) -> Result<Vec<String>, TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("temp dir path");
    let mut model = SiteM::initial();
    let mut disk = Disk {
        root: root.clone(),
        files: BTreeMap::new(),
    };
    disk.sync(model.files());
    let mut project = Project::new(options(&root));
    let mut served = match project.full_build() {
        Ok(o) => o,
        Err(e) => panic!("the fixture site must build: {e:?}"),
    };
    // Whether the server shows an error (it keeps serving the last good
    // output meanwhile).
    let mut failing = false;
    // Whether the last rebuild's search index is left for the next one.
    let mut unfinished = false;
    let mut log: Vec<String> = Vec::new();
    let mut strategies = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        let what = model.apply(edit);
        let mut paths = disk.sync(model.files());
        model.broken = model
            .broken
            .and_then(|(k, kind, n)| (n > 1).then_some((k, kind, n - 1)));
        log.push(format!("step {i}: {what} ({} paths changed)", paths.len()));
        // As `rebuild_loop`: sorted, deduplicated paths; no rebuild (and the
        // error, if any, stays) when none of them is a site file.
        paths.sort();
        paths.dedup();
        let changes = project.classify(&paths, &served);
        let incremental = if changes.is_empty() {
            // The server finished the last rebuild's index after its reload.
            if std::mem::take(&mut unfinished)
                && let Some(update) = project.finish(&served)
            {
                incremental::apply(update, &mut served);
            }
            if failing {
                Err(None)
            } else {
                Ok("nothing to rebuild".to_string())
            }
        } else {
            match project.rebuild(&changes, &served) {
                Ok(rebuilt) => {
                    incremental::apply(rebuilt.update, &mut served);
                    // As `rebuild_loop`, after the reload event: the search
                    // index. Every other step leaves it to the next
                    // rebuild, which must finish it first.
                    unfinished = i % 2 == 1;
                    if !unfinished && let Some(update) = project.finish(&served) {
                        incremental::apply(update, &mut served);
                    }
                    Ok(rebuilt.strategy.to_string())
                }
                Err(e) => Err(Some(e)),
            }
        };
        failing = incremental.is_err();
        strategies.push(incremental.clone().unwrap_or_else(|_| "error".to_string()));
        // A one-shot build, as `guidepost build` runs it (the files' text
        // let go once the features are prepared).
        let fresh = Project::new(BuildOptions {
            one_shot: true,
            ..options(&root)
        })
        .full_build();
        // Unfinished, the index files are the last ones: every other output
        // must already be right.
        let index_file = |k: &str| unfinished && k.starts_with("search/") && k.ends_with(".js");
        let without_index = |o: &SiteOutput| SiteOutput {
            files: o
                .files
                .iter()
                .filter(|(k, _)| !index_file(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        let problem = match (&incremental, &fresh) {
            (Ok(strategy), Ok(full)) => {
                first_difference(&without_index(&served), &without_index(full))
                    .map(|d| format!("after the {strategy} rebuild: {d}"))
            }
            (Err(_), Err(_)) => None,
            (Ok(strategy), Err(e)) => Some(format!(
                "the site serves without error ({strategy}) but a full build fails: {e:?}"
            )),
            (Err(e), Ok(_)) => Some(format!(
                "the server shows an error but a full build succeeds: {e:?}"
            )),
        };
        if let Some(p) = problem {
            return Err(TestCaseError::fail(format!("{}\n{p}", log.join("\n"))));
        }
    }
    Ok(strategies)
}

fn page_sel() -> impl Strategy<Value = usize> {
    0usize..12
}

fn leaf_edit() -> impl Strategy<Value = Edit> {
    let small = || 0u8..8;
    prop_oneof![
        4 => (page_sel(), small()).prop_map(|(page, v)| Edit::Body { page, v }),
        2 => (page_sel(), small()).prop_map(|(page, v)| Edit::Heading { page, v }),
        3 => (page_sel(), proptest::option::of(small())).prop_map(|(page, v)| Edit::Title { page, v }),
        2 => (page_sel(), proptest::option::of(small())).prop_map(|(page, v)| Edit::Date { page, v }),
        1 => (page_sel(), proptest::option::of(small())).prop_map(|(page, v)| Edit::Updated { page, v }),
        2 => (page_sel(), proptest::option::of(small())).prop_map(|(page, v)| Edit::Weight { page, v }),
        2 => (page_sel(), small()).prop_map(|(page, v)| Edit::Tags { page, v }),
        2 => (page_sel(), proptest::option::of(small())).prop_map(|(page, v)| Edit::Description { page, v }),
        1 => (page_sel(), any::<bool>()).prop_map(|(page, on)| Edit::Alias { page, on }),
        2 => (page_sel(), page_sel(), any::<bool>()).prop_map(|(page, target, anchor)| Edit::Link { page, target, anchor }),
        1 => page_sel().prop_map(|page| Edit::Unlink { page }),
        3 => (0usize..5, 0usize..8, proptest::option::of(page_sel())).prop_map(|(dir, name, link_to)| Edit::AddPage { dir, name, link_to }),
        2 => page_sel().prop_map(|page| Edit::DeletePage { page }),
        2 => (page_sel(), 0usize..5, 0usize..8).prop_map(|(page, dir, name)| Edit::RenamePage { page, dir, name }),
        2 => (0usize..4).prop_map(|dir| Edit::ToggleSection { dir }),
        2 => (
            0usize..5,
            (0u8..3, proptest::option::of(0u8..2)),
            proptest::option::of(0u8..3),
            any::<bool>(),
            0u8..4,
            0u8..3,
            prop::bool::weighted(0.3),
        )
            .prop_map(|(dir, (title, desc), paginate, feed, sort, body, transparent)| Edit::SectionMeta {
                dir,
                title,
                desc,
                paginate,
                feed,
                sort,
                body,
                transparent,
            }),
        1 => (page_sel(), proptest::option::of(0u8..3)).prop_map(|(page, v)| Edit::NavTitle { page, v }),
        1 => (page_sel(), any::<bool>()).prop_map(|(page, on)| Edit::Draft { page, on }),
        1 => (page_sel(), any::<bool>()).prop_map(|(page, on)| Edit::Slug { page, on }),
        1 => (page_sel(), any::<bool>()).prop_map(|(page, on)| Edit::PageTemplate { page, on }),
        1 => (page_sel(), any::<bool>()).prop_map(|(page, on)| Edit::Bundle { page, on }),
        1 => (0u8..3).prop_map(|v| Edit::BundleAsset { v }),
        1 => (0u8..2, any::<bool>()).prop_map(|(title, feed)| Edit::Config { title, feed }),
        1 => proptest::option::of(0u8..2).prop_map(|v| Edit::WellKnown { v }),
        1 => proptest::option::of(0u8..2).prop_map(|v| Edit::TempFiles { v }),
        2 => (0u8..4).prop_map(|v| Edit::Template { v }),
        1 => (0u8..3).prop_map(|v| Edit::SectionTemplate { v }),
        1 => (0u8..3).prop_map(|v| Edit::RoleTemplate { v }),
        1 => (0u8..3).prop_map(|v| Edit::DecisionShape { v }),
        1 => (0u8..4).prop_map(|v| Edit::DecisionQuestion { v }),
        1 => (0u8..4).prop_map(|v| Edit::DecisionOutcome { v }),
        2 => (0usize..2, 0u8..4, 0u8..3, any::<bool>()).prop_map(|(item, focus, outputs, short)| Edit::Attribute { item, focus, outputs, short }),
        1 => (0usize..2, proptest::option::of(0u8..3)).prop_map(|(slot, v)| Edit::Static { slot, v }),
        1 => proptest::option::of(0u8..3).prop_map(|v| Edit::Asset { v }),
        1 => (page_sel(), 0u8..6, 1u8..=2).prop_map(|(page, kind, steps)| Edit::Broken { page, kind, steps }),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => leaf_edit(),
        1 => proptest::collection::vec(leaf_edit(), 2..=3).prop_map(Edit::Together),
    ]
}

/// Cases per run: 24, or `GUIDEPOST_ORACLE_CASES`.
fn cases() -> u32 {
    std::env::var("GUIDEPOST_ORACLE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        // Failures become the named regression tests below. Until then a
        // failing case is also written under target/ (git-ignored), so the
        // next run replays it first and it survives a lost log: one failed
        // run in two sessions could not be reproduced for want of its case.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "target/proptest-oracle-failures.txt"
            )
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_rebuild_equals_full_build(
        edits in proptest::collection::vec(edit(), 1..=8)
    ) {
        run_edits(&edits)?;
    }
}

/// Runs a fixed sequence, panicking with the report on a difference;
/// returns each step's strategy.
fn check(edits: &[Edit]) -> Vec<String> {
    match run_edits(edits) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn every_edit_kind_once() {
    let strategies = check(&[
        Edit::Body { page: 1, v: 1 },
        Edit::Heading { page: 0, v: 1 },
        Edit::Title {
            page: 2,
            v: Some(3),
        },
        Edit::Date {
            page: 1,
            v: Some(4),
        },
        Edit::Weight {
            page: 5,
            v: Some(0),
        },
        Edit::Tags { page: 2, v: 5 },
        Edit::Description {
            page: 7,
            v: Some(1),
        },
        Edit::Alias { page: 8, on: true },
        Edit::Link {
            page: 8,
            target: 1,
            anchor: true,
        },
        Edit::AddPage {
            dir: 3,
            name: 4,
            link_to: Some(2),
        },
        Edit::RenamePage {
            page: 3,
            dir: 0,
            name: 5,
        },
        Edit::DeletePage { page: 1 },
        Edit::ToggleSection { dir: 2 },
        Edit::SectionMeta {
            dir: 1,
            title: 2,
            desc: Some(1),
            paginate: Some(0),
            feed: false,
            sort: 2,
            body: 2,
            transparent: true,
        },
        // The home section made transparent: its pages lose their
        // neighbours, including those kept from the last model.
        Edit::SectionMeta {
            dir: 0,
            title: 1,
            desc: None,
            paginate: None,
            feed: false,
            sort: 1,
            body: 0,
            transparent: true,
        },
        Edit::NavTitle {
            page: 8,
            v: Some(1),
        },
        Edit::Draft { page: 8, on: true },
        Edit::Slug { page: 2, on: true },
        Edit::PageTemplate { page: 1, on: true },
        Edit::RoleTemplate { v: 1 },
        Edit::RoleTemplate { v: 2 },
        Edit::Bundle { page: 2, on: true },
        Edit::BundleAsset { v: 2 },
        Edit::Config {
            title: 1,
            feed: false,
        },
        Edit::TempFiles { v: Some(1) },
        Edit::Template { v: 2 },
        Edit::SectionTemplate { v: 1 },
        Edit::Updated {
            page: 2,
            v: Some(1),
        },
        Edit::SectionTemplate { v: 2 },
        Edit::DecisionShape { v: 2 },
        Edit::DecisionQuestion { v: 3 },
        Edit::DecisionOutcome { v: 2 },
        Edit::Attribute {
            item: 1,
            focus: 3,
            outputs: 2,
            short: true,
        },
        Edit::Static {
            slot: 1,
            v: Some(2),
        },
        Edit::Asset { v: None },
        Edit::Unlink { page: 1 },
    ]);
    assert!(!strategies.iter().any(|s| s == "error"), "{strategies:?}");
    // The fixture reaches every rebuild strategy.
    for s in ["fast path", "new model", "templates"] {
        assert!(
            strategies.iter().any(|x| x == s),
            "no {s} step in {strategies:?}"
        );
    }
}

#[test]
fn broken_steps_fail_both_ways_and_recover() {
    for kind in 0..6 {
        let strategies = check(&[
            Edit::Broken {
                page: 2,
                kind,
                steps: 1,
            },
            Edit::Body { page: 2, v: 3 },
            Edit::Together(vec![
                Edit::Broken {
                    page: 1,
                    kind,
                    steps: 1,
                },
                Edit::Title {
                    page: 4,
                    v: Some(1),
                },
            ]),
            Edit::Template { v: 1 },
        ]);
        assert_eq!(strategies[0], "error", "kind {kind}: {strategies:?}");
        assert_ne!(strategies[1], "error", "kind {kind}: {strategies:?}");
        assert_eq!(strategies[2], "error", "kind {kind}: {strategies:?}");
        assert_ne!(strategies[3], "error", "kind {kind}: {strategies:?}");
    }
}

// Sequences the property test found (each failed before its fix).

/// `decision_card` shows the number of questions and results; outputs that
/// call it were reused unchanged when the tree changed shape.
#[test]
fn decision_card_follows_the_tree_shape() {
    check(&[Edit::DecisionShape { v: 1 }]);
}

/// Two pages edited together, each linking to the other's new heading: each
/// was checked against the other's old version, so the batch failed.
#[test]
fn edited_pages_link_to_each_others_new_headings() {
    check(&[Edit::Together(vec![
        Edit::Heading { page: 0, v: 1 },
        Edit::Heading { page: 1, v: 1 },
    ])]);
}

/// A page broken on the fast path, then an edit of another page while it
/// is still broken: the server reported the site fixed.
#[test]
fn a_broken_page_stays_an_error_until_fixed() {
    let strategies = check(&[
        Edit::Broken {
            page: 2,
            kind: 0,
            steps: 2,
        },
        Edit::Body { page: 5, v: 2 },
        Edit::Body { page: 8, v: 2 },
    ]);
    assert_eq!(strategies[..2], ["error", "error"]);
}

/// A batch with a good edit and a broken page, then the fix alone: the good
/// edit was never applied.
#[test]
fn a_good_edit_in_a_failed_batch_is_not_lost() {
    check(&[
        Edit::Together(vec![
            Edit::Body { page: 5, v: 2 },
            Edit::Broken {
                page: 2,
                kind: 0,
                steps: 1,
            },
        ]),
        Edit::Body { page: 8, v: 2 },
    ]);
}

/// `[extra] nav_title` is the label of a top-level page in every page's main
/// navigation; the fast path re-rendered only the page itself.
#[test]
fn nav_title_edit_reaches_every_page() {
    check(&[Edit::NavTitle {
        page: 8,
        v: Some(1),
    }]);
}

/// The theme loader copies static files in hidden folders
/// (`static/.well-known/`), but the dev server ignored changes there.
#[test]
fn static_files_in_hidden_folders_are_served() {
    check(&[
        Edit::WellKnown { v: Some(0) },
        Edit::WellKnown { v: Some(1) },
        Edit::WellKnown { v: None },
    ]);
}
