//! Integration tests for `guidepost build` / `check` / `init`: real fixture
//! sites in temp dirs, asserting on HTML, files written, exit codes and errors.

use crate::common::{Fixture, guidepost, list_files};

/// A tiny theme in the site's own templates/, so tests don't depend on the default theme's markup.
pub(crate) fn minimal_templates(f: &Fixture) {
    f.write("templates/base.html", "<!DOCTYPE html><html><head><title>{% block title %}{{ config.title }}{% endblock title %}</title><link rel=\"stylesheet\" href=\"{{ get_url(path='css/site.css') }}\"></head><body>{% block content %}{% endblock content %}</body></html>");
    f.write("templates/index.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ section.title }}</h1>{{ section.content | safe }}<ul>{% for p in section.pages %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a></li>{% endfor %}</ul><ul>{% for s in section.subsections %}<li><a href=\"{{ s.permalink }}\">{{ s.title }}</a></li>{% endfor %}</ul>{% endblock content %}");
    f.write("templates/section.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ section.title }}</h1>{% if paginator %}{% set listed = paginator.pages %}{% else %}{% set listed = section.pages %}{% endif %}{% for p in listed %}<a class=\"item\" href=\"{{ p.permalink }}\">{{ p.title }}</a>{% endfor %}{% if paginator %}<p class=\"pager\">{{ paginator.current_index }}/{{ paginator.number_pagers }}{% if paginator.next %} <a rel=\"next\" href=\"{{ paginator.next }}\">next</a>{% endif %}</p>{% endif %}{% endblock content %}");
    f.write("templates/page.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1><p class=\"desc\">{{ page.description }}</p>{% for a in page.ancestors %}<a class=\"crumb\" href=\"{{ a.permalink }}\">{{ a.title }}</a>{% endfor %}<div class=\"content\">{{ page.content | safe }}</div><p class=\"words\">{{ page.word_count }}</p>{% if page.previous %}<a rel=\"prev\" href=\"{{ page.previous.permalink }}\">{{ page.previous.title }}</a>{% endif %}{% if page.next %}<a rel=\"next\" href=\"{{ page.next.permalink }}\">{{ page.next.title }}</a>{% endif %}{% endblock content %}");
    f.write("templates/taxonomy_list.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ taxonomy.name }}</h1>{% for t in terms %}<a href=\"{{ t.permalink }}\">{{ t.name }} ({{ t.pages | length }})</a>{% endfor %}{% endblock content %}");
    f.write("templates/taxonomy_single.html", "{% extends \"base.html\" %}{% block content %}<h1>{{ term.name }}</h1>{% for p in term.pages %}<a href=\"{{ p.permalink }}\">{{ p.title }}</a>{% endfor %}{% endblock content %}");
    f.write("templates/404.html", "{% extends \"base.html\" %}{% block content %}<h1>Not found</h1><a href=\"{{ get_url(path='@/_index.md') }}\">home</a>{% endblock content %}");
    f.write("static/css/site.css", "body{}");
}

pub(crate) fn basic_site(config: &str) -> Fixture {
    let f = Fixture::new(config);
    minimal_templates(&f);
    f.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome. See [the vCIO](@/roles/vcio.md#what-it-is).\n",
    );
    f.write(
        "content/roles/_index.md",
        "+++\ntitle = \"Roles\"\nsort_by = \"weight\"\n+++\n",
    );
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"vCIO\"\ndescription = \"IT <strategy>\"\nweight = 1\ndate = 2024-01-02\n[taxonomies]\ntags = [\"IT Strategy\", \"roles\"]\n+++\n## What it is\n\nLeads IT. Compare with [the vCISO](@/roles/vciso.md).\n",
    );
    f.write(
        "content/roles/vciso.md",
        "---\ntitle: vCISO\nweight: 2\ndate: 2024-02-03\ntaxonomies:\n  tags: [roles]\n---\n## What it is\n\nLeads security.\n",
    );
    f
}

pub(crate) const RELATIVE: &str =
    "title = \"T\"\nbase_url = \"\"\ntaxonomies = [{ name = \"tags\", feed = true }]\n";
pub(crate) const ABSOLUTE: &str =
    "title = \"T\"\nbase_url = \"https://example.org/docs\"\ntaxonomies = [{ name = \"tags\" }]\n";

#[test]
fn toml_and_yaml_front_matter_render_pages_with_pretty_urls() {
    let f = basic_site(ABSOLUTE);
    let err = f.build_ok(&[]);
    assert!(
        err.contains("pages") && err.contains("ms"),
        "summary line: {err}"
    );
    let vcio = f.output("roles/vcio/index.html");
    assert!(vcio.contains("<h1>vCIO</h1>"));
    assert!(
        vcio.contains("IT &lt;strategy&gt;"),
        "front matter text is escaped: {vcio}"
    );
    assert!(vcio.contains("<h2 id=\"what-it-is\">"));
    assert!(
        vcio.contains("href=\"https://example.org/docs/roles/vciso/\""),
        "@/ link resolved: {vcio}"
    );
    assert!(vcio.contains("rel=\"next\" href=\"https://example.org/docs/roles/vciso/\""));
    assert!(vcio.contains("class=\"crumb\" href=\"https://example.org/docs/\""));
    let vciso = f.output("roles/vciso/index.html");
    assert!(
        vciso.contains("<h1>vCISO</h1>"),
        "YAML front matter: {vciso}"
    );
    assert!(vciso.contains("rel=\"prev\""));
    let home = f.output("index.html");
    assert!(home.contains("href=\"https://example.org/docs/roles/vcio/#what-it-is\""));
    assert!(home.contains("href=\"https://example.org/docs/css/site.css\""));
    let section = f.output("roles/index.html");
    let first = section.find(">vCIO<").unwrap();
    let second = section.find(">vCISO<").unwrap();
    assert!(first < second, "sorted by weight");
}

#[test]
fn absolute_mode_with_subpath_writes_sitemap_and_robots() {
    let f = basic_site(ABSOLUTE);
    f.build_ok(&[]);
    let sitemap = f.output("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/docs/roles/vcio/</loc>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<loc>https://example.org/docs/</loc>"));
    assert!(sitemap.contains("<lastmod>2024-01-02</lastmod>"));
    assert!(
        f.output("robots.txt")
            .contains("Sitemap: https://example.org/docs/sitemap.xml")
    );
    for file in list_files(&f.root().join("output"))
        .iter()
        .filter(|p| p.ends_with(".html"))
    {
        let html = f.output(file);
        for url in attr_values(&html) {
            assert!(
                url.starts_with("https://example.org/docs/") || url.starts_with('#'),
                "{file}: link {url} does not carry the base URL"
            );
        }
    }
}

#[test]
fn base_url_flag_overrides_config() {
    let f = basic_site(RELATIVE);
    f.build_ok(&["--base-url", "https://other.test/sub"]);
    assert!(
        f.output("roles/vcio/index.html")
            .contains("https://other.test/sub/roles/vciso/")
    );
}

/// Every href/src value in a page.
fn attr_values(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap().to_string());
        }
    }
    out
}

#[test]
fn relative_mode_links_resolve_to_existing_files() {
    let f = basic_site(RELATIVE);
    f.build_ok(&[]);
    let out = f.root().join("output");
    let files = list_files(&out);
    assert!(
        !files.contains(&"sitemap.xml".to_string()),
        "no sitemap without an absolute base_url"
    );
    let mut checked = 0;
    for file in files.iter().filter(|p| p.ends_with(".html")) {
        let html = f.output(file);
        let dir = std::path::Path::new(file).parent().unwrap().to_path_buf();
        for url in attr_values(&html) {
            if url.starts_with('#') {
                continue;
            }
            assert!(
                !url.starts_with('/') && !url.contains("://"),
                "{file}: {url} is not relative"
            );
            let target = url.split('#').next().unwrap();
            let resolved = normalize(&dir.join(target));
            assert!(
                out.join(&resolved).is_file(),
                "{file}: {url} → {} does not exist",
                resolved.display()
            );
            assert!(
                target.ends_with(".html") || target.ends_with(".css"),
                "{file}: {url} should name a file"
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "checked {checked} links");
    assert!(
        f.output("roles/vcio/index.html")
            .contains("href=\"../vciso/index.html\"")
    );
}

fn normalize(p: &std::path::Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn taxonomies_and_feeds() {
    let f = basic_site(RELATIVE);
    f.build_ok(&[]);
    let list = f.output("tags/index.html");
    assert!(
        list.contains("IT Strategy (1)") && list.contains("roles (2)"),
        "{list}"
    );
    let term = f.output("tags/roles/index.html");
    assert!(term.contains(">vCIO<") && term.contains(">vCISO<"));
    assert!(f.has_output("tags/it-strategy/index.html"));
    let feed = f.output("tags/roles/atom.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(feed.contains("<title>vCISO</title>"));
    assert!(feed.contains("<published>2024-02-03T00:00:00Z</published>"));
}

#[test]
fn section_feed_and_pagination() {
    let f = basic_site(ABSOLUTE);
    f.write(
        "content/roles/_index.md",
        "+++\ntitle = \"Roles\"\nsort_by = \"date\"\nfeed = true\npaginate_by = 1\n+++\n",
    );
    f.build_ok(&[]);
    let feed = f.output("roles/atom.xml");
    assert!(
        feed.contains("href=\"https://example.org/docs/roles/vciso/\""),
        "{feed}"
    );
    let p1 = f.output("roles/index.html");
    assert!(
        p1.contains(">vCISO<") && !p1.contains(">vCIO<"),
        "newest first, one per page: {p1}"
    );
    assert!(p1.contains("1/2") && p1.contains("href=\"https://example.org/docs/roles/page/2/\""));
    assert!(f.output("roles/page/2/index.html").contains(">vCIO<"));
}

#[test]
fn no_front_matter_takes_title_from_first_heading() {
    let f = basic_site(RELATIVE);
    f.write("content/plain.md", "# Plain title\n\nBody text here.\n");
    f.build_ok(&[]);
    let html = f.output("plain/index.html");
    assert!(html.contains("<h1>Plain title</h1>"));
    assert_eq!(
        html.matches("Plain title").count(),
        1,
        "the heading became the title and is not repeated: {html}"
    );
}

#[test]
fn colocated_assets_are_copied_next_to_the_page() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/guide/index.md",
        "+++\ntitle = \"Guide\"\n+++\n![diagram](diagram.svg)\n",
    );
    f.write(
        "content/guide/diagram.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    f.write("content/files/report.pdf", "%PDF");
    f.build_ok(&[]);
    assert!(f.has_output("guide/diagram.svg"));
    assert!(f.has_output("files/report.pdf"));
    assert!(f.output("guide/index.html").contains("src=\"diagram.svg\""));
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/wip.md",
        "+++\ntitle = \"WIP\"\ndraft = true\n+++\nsoon\n",
    );
    f.build_ok(&[]);
    assert!(!f.has_output("wip/index.html"));
    f.build_ok(&["--drafts"]);
    assert!(f.has_output("wip/index.html"));
    f.write(
        "content/links.md",
        "+++\ntitle = \"L\"\n+++\n[x](@/wip.md)\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("draft"), "{err}");
}

#[test]
fn broken_internal_links_and_anchors_are_errors_at_file_line_column() {
    let f = basic_site(RELATIVE);
    f.write("content/bad.md", "+++\ntitle = \"Bad\"\n+++\nFirst line.\n\nSee [gone](@/roles/vcoi.md) and [anchor](@/roles/vcio.md#what-is-it).\n");
    let err = f.build_err(&[]);
    assert!(err.contains("content/bad.md:6:5"), "{err}");
    assert!(err.contains("missing page `@/roles/vcoi.md`"), "{err}");
    assert!(err.contains("did you mean `@/roles/vcio.md`"), "{err}");
    assert!(err.contains("missing anchor `#what-is-it`"), "{err}");
    assert!(err.contains("content/bad.md:6:33"), "{err}");
    assert!(err.contains("#what-it-is"), "anchor suggestion: {err}");
    assert!(
        err.contains("2 errors"),
        "all errors reported together: {err}"
    );
}

#[test]
fn unknown_keys_name_line_and_closest_key() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/typo.md",
        "+++\ntitle = \"x\"\ndescripton = \"y\"\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("content/typo.md:3:1"), "{err}");
    assert!(err.contains("unknown field `descripton`"), "{err}");
    assert!(err.contains("did you mean `description`?"), "{err}");

    let f = basic_site("title = \"T\"\nbase_ulr = \"\"\n");
    let err = f.build_err(&[]);
    assert!(err.contains("guidepost.toml:2:1"), "{err}");
    assert!(err.contains("did you mean `base_url`?"), "{err}");
}

#[test]
fn yaml_syntax_errors_point_into_the_file() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/y.md",
        "---\ntitle: ok\ntags: [unclosed\n---\nbody\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("content/y.md:"), "{err}");
    let line: usize = err
        .split("content/y.md:")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (3..=4).contains(&line),
        "line {line} in file, not in block: {err}"
    );
}

#[test]
fn template_errors_name_the_template_and_line() {
    let f = basic_site(RELATIVE);
    f.write("templates/page.html", "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title | nosuchfilter }}\n{% endblock content %}");
    let err = f.build_err(&[]);
    assert!(err.contains("templates/page.html:3"), "{err}");
}

#[test]
fn two_pages_on_one_output_path_is_an_error_naming_both() {
    let f = basic_site(RELATIVE);
    f.write("content/a.md", "+++\ntitle = \"A\"\nslug = \"same\"\n+++\n");
    f.write("content/b.md", "+++\ntitle = \"B\"\nslug = \"same\"\n+++\n");
    let err = f.build_err(&[]);
    assert!(
        err.contains("content/a.md") && err.contains("content/b.md") && err.contains("/same/"),
        "{err}"
    );
}

#[test]
fn aliases_write_redirect_pages() {
    let f = basic_site(RELATIVE);
    f.write(
        "content/new.md",
        "+++\ntitle = \"New\"\naliases = [\"/old/place/\"]\n+++\n",
    );
    f.build_ok(&[]);
    let r = f.output("old/place/index.html");
    assert!(
        r.contains("http-equiv=\"refresh\" content=\"0; url=../../new/index.html\""),
        "{r}"
    );
    assert!(r.contains("<a href=\"../../new/index.html\">"));
}

#[test]
fn site_templates_override_the_theme_file_by_file() {
    let f = Fixture::new(RELATIVE);
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("content/p.md", "+++\ntitle = \"P\"\n+++\nHello\n");
    f.build_ok(&[]);
    assert!(
        f.output("p/index.html").contains("class=\"site-header\""),
        "built-in default theme"
    );
    assert!(f.has_output("css/guidepost.css"));
    f.write("templates/page.html", "OVERRIDDEN {{ page.title }}");
    f.build_ok(&[]);
    assert_eq!(f.output("p/index.html"), "OVERRIDDEN P");
    assert!(
        f.output("index.html").contains("class=\"site-header\""),
        "other templates still from the theme"
    );
    f.write("themes/default/templates/index.html", "LOCAL THEME");
    f.write("themes/default/templates/page.html", "x");
    f.build_ok(&[]);
    assert_eq!(
        f.output("index.html"),
        "LOCAL THEME",
        "a site's themes/default replaces the built-in copy"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let f = basic_site(RELATIVE);
    f.build_ok(&[]);
    let out = f.root().join("output");
    let before: Vec<(String, Vec<u8>)> = list_files(&out)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(out.join(&p)).unwrap()))
        .collect();
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"broken\"\n[taxonomies]\ntags = [\n+++\n",
    );
    f.build_err(&[]);
    let after: Vec<(String, Vec<u8>)> = list_files(&out)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(out.join(&p)).unwrap()))
        .collect();
    assert_eq!(before, after);
    let leftovers: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("guidepost-new-") || n.contains("guidepost-old-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no staging folders left: {leftovers:?}"
    );
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_create() {
    let f = basic_site(RELATIVE);
    f.write("mine/notes.txt", "precious");
    let out = f.root().join("mine");
    let err = f.build_err(&["--output", out.to_str().unwrap()]);
    assert!(
        err.contains("refusing to replace") && err.contains(".guidepost-output"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "precious"
    );
    let root = f.root().to_str().unwrap().to_string();
    let err = f.build_err(&["--output", &root]);
    assert!(err.contains("refusing to use"), "{err}");
    let content = f.root().join("content");
    let err = f.build_err(&["--output", content.to_str().unwrap()]);
    assert!(err.contains("refusing"), "{err}");
    assert!(f.root().join("content/roles/vcio.md").exists());
    // An output folder Guidepost made is replaced, stale files and all.
    f.build_ok(&[]);
    std::fs::write(f.root().join("output/stale.html"), "old").unwrap();
    f.build_ok(&[]);
    assert!(!f.has_output("stale.html"));
    assert!(f.has_output(".guidepost-output"));
}

#[test]
fn check_validates_without_writing() {
    let f = basic_site(RELATIVE);
    let out = f.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!f.root().join("output").exists());
    f.write("content/bad.md", "[x](@/nope.md)\n");
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("content/bad.md:1:1"));
}

#[test]
fn init_creates_a_site_that_builds_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("new-site");
    let out = guidepost(&["init", site.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = guidepost(&["build", "--root", site.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site.join("output/first-guide/index.html").is_file());
    let again = guidepost(&["init", site.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "init refuses a non-empty folder"
    );
}

#[test]
fn missing_config_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = guidepost(&["build", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("guidepost.toml") && err.contains("guidepost init"),
        "{err}"
    );
}

#[test]
fn version_and_help() {
    let out = guidepost(&["--version"]);
    assert_eq!(out.status.code(), Some(0), "--version exits 0");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("guidepost "));
    let out = guidepost(&["--help"]);
    assert_eq!(out.status.code(), Some(0), "--help exits 0");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("build") && help.contains("check") && help.contains("init"));
}

#[test]
fn the_bundled_site_builds() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = guidepost(&[
        "build",
        "--root",
        repo.to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compare = std::fs::read_to_string(out_dir.join("compare/index.html")).unwrap();
    assert!(compare.contains("<table class=\"comparison\">"));
}

#[test]
fn default_theme_links_only_to_pages_that_exist() {
    // No taxonomies: the theme must not link to a tags page that is not built.
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    f.build_ok(&[]);
    assert!(!f.output("a/index.html").contains("tags/index.html"));
    // With tags, every tag links to its term page, whatever its spelling.
    let f = basic_site(RELATIVE);
    f.write(
        "templates/page.html",
        "{% include \"partials/tags.html\" %}",
    );
    f.build_ok(&[]);
    let html = f.output("roles/vcio/index.html");
    assert!(
        html.contains("href=\"../../tags/it-strategy/index.html\">IT Strategy</a>"),
        "{html}"
    );
}
