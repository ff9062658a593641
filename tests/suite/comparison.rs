//! Comparison tables generated from pages' `[attributes]`.

use crate::common::Fixture;

fn site() -> Fixture {
    let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        "content/roles/vcio.md",
        "+++\ntitle = \"Virtual CIO\"\n[attributes]\nshort_name = \"vCIO\"\nprimary_focus = \"IT *strategy*, see [the other](@/roles/vciso.md)\"\nkey_outputs = [\"IT roadmap\", \"**IT budget**\"]\nreports_to = \"CEO <script>alert(1)</script>\"\n+++\n",
    );
    f.write(
        "content/roles/vciso.md",
        "---\ntitle: Virtual CISO\nattributes:\n  short_name: vCISO\n  primary_focus: Security program\n  key_outputs: [Security program, Risk assessments]\n  reports_to: Board\n---\n",
    );
    f
}

const COMPARE: &str = "+++\ntitle = \"Compare\"\n[comparison]\ncaption = \"Roles compared\"\nitems = [\"@/roles/vcio.md\", \"@/roles/vciso.md\"]\nrows = [\n  { key = \"primary_focus\", label = \"Primary focus\" },\n  { key = \"key_outputs\", label = \"Key outputs\" },\n  { key = \"reports_to\", label = \"Reports to\" },\n]\n+++\nIntro.\n\n<!-- comparison -->\n\nAfter.\n";

#[test]
fn a_good_table_has_caption_scoped_headers_and_one_column_per_item() {
    let f = site();
    f.write("content/compare.md", COMPARE);
    f.build_ok(&[]);
    let html = f.output("compare/index.html");
    assert!(
        html.contains("<caption id=\"comparison-roles-compared\">Roles compared</caption>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"col\"><a href=\"../roles/vcio/index.html\">vCIO</a></th>"));
    assert!(
        html.contains("<th scope=\"col\"><a href=\"../roles/vciso/index.html\">vCISO</a></th>")
    );
    assert!(html.contains("<th scope=\"row\">Primary focus</th>"));
    assert!(
        html.contains(
            "role=\"region\" tabindex=\"0\" aria-labelledby=\"comparison-roles-compared\""
        ),
        "scrolls in its own box"
    );
    let intro = html.find("Intro.").unwrap();
    let table = html.find("<table class=\"comparison\">").unwrap();
    let after = html.find("After.").unwrap();
    assert!(
        intro < table && table < after,
        "the <!-- comparison --> marker places the table"
    );
}

#[test]
fn markdown_in_cells_lists_and_escaping() {
    let f = site();
    f.write("content/compare.md", COMPARE);
    f.build_ok(&[]);
    let html = f.output("compare/index.html");
    assert!(html.contains("<td data-label=\"vCIO\">IT <em>strategy</em>, see <a href=\"../roles/vciso/index.html\">the other</a></td>"), "{html}");
    assert!(html.contains("<ul><li>IT roadmap</li><li><strong>IT budget</strong></li></ul>"));
    assert!(html.contains("<ul><li>Security program</li><li>Risk assessments</li></ul>"));
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "raw HTML in attributes is not passed through as markup"
    );
    assert!(
        html.contains("CEO &lt;script&gt;alert(1)&lt;/script&gt;"),
        "raw HTML in attributes is shown as text: {html}"
    );
}

#[test]
fn a_missing_attribute_is_an_error_at_the_rows_entry() {
    let f = site();
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\n[comparison]\nitems = [\"@/roles/vcio.md\", \"@/roles/vciso.md\"]\nrows = [\n  { key = \"primary_focus\", label = \"Primary focus\" },\n  { key = \"budget\", label = \"Budget\" },\n]\n+++\n",
    );
    let err = f.build_err(&[]);
    assert!(err.contains("content/compare.md:7:"), "{err}");
    assert!(
        err.contains("roles/vcio.md has no attribute `budget`"),
        "{err}"
    );
    assert!(
        err.contains("roles/vciso.md has no attribute `budget`"),
        "{err}"
    );
}

#[test]
fn a_missing_item_is_an_error_naming_the_item() {
    let f = site();
    f.write("content/compare.md", "---\ntitle: Compare\ncomparison:\n  items: [\"@/roles/vcio.md\", \"@/roles/nope.md\"]\n  rows:\n    - { key: primary_focus, label: Primary focus }\n---\n");
    let err = f.build_err(&[]);
    assert!(
        err.contains("comparison item `@/roles/nope.md` is not a page"),
        "{err}"
    );
    assert!(err.contains("content/compare.md:4:"), "{err}");
}

#[test]
fn the_template_function_renders_the_same_table() {
    let f = site();
    f.write(
        "content/compare.md",
        "+++\ntitle = \"Compare\"\ntemplate = \"cmp.html\"\n+++\n",
    );
    f.write(
        "templates/cmp.html",
        "<main>{{ comparison(items=[\"@/roles/vcio.md\", \"@/roles/vciso.md\"], rows=[{\"key\": \"reports_to\", \"label\": \"Reports to\"}], caption=\"Lines\") }}</main>",
    );
    f.build_ok(&[]);
    let html = f.output("compare/index.html");
    assert!(
        html.contains("<caption id=\"comparison-lines\">Lines</caption>"),
        "{html}"
    );
    assert!(html.contains("<td data-label=\"vCISO\">Board</td>"));
    f.write(
        "templates/cmp.html",
        "{{ comparison(items=[\"@/roles/vcio.md\"], rows=[{\"key\": \"nope\", \"label\": \"X\"}]) }}",
    );
    let err = f.build_err(&[]);
    assert!(
        err.contains("no attribute `nope`") && err.contains("templates/cmp.html"),
        "{err}"
    );
}
