//! The bad-input corpus: a good site is built, then broken one way, then
//! built again. Every case checks the exit code, the error text (with
//! file:line:col where the problem has a place), that the previous output
//! is byte-identical after a failed build, that nothing outside the output
//! folder changed (no staging folders left, no source touched), that nothing
//! from outside the site was published, and that the build ended in time.
//! The run prints `N cases, N clean`.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Fixture, binary};

const CONFIG: &str = "title = \"T\"\nbase_url = \"\"\ntaxonomies = [{ name = \"tags\" }]\n";
/// Text of the secret file outside every site; no output may contain it.
const SECRET: &str = "SECRET-OUTSIDE-THE-SITE";

/// What a case expects of the second build.
enum Expect {
    /// Exit 1; stderr contains every string (the first that looks like
    /// `file:line:col` is the place).
    Fails(&'static [&'static str]),
    /// Exit 0, then the check on the site passes.
    Builds(fn(&Fixture)),
    /// Exit 0 or 1, but no crash, no hang (inputs whose outcome is a
    /// matter of taste, such as absurd nesting).
    Survives,
}

/// Breaks a site; gets the site and a folder outside it.
type Setup = Box<dyn Fn(&Fixture, &Path)>;

struct Case {
    name: &'static str,
    setup: Setup,
    args: &'static [&'static str],
    expect: Expect,
}

fn case(
    name: &'static str,
    setup: impl Fn(&Fixture, &Path) + 'static,
    args: &'static [&'static str],
    expect: Expect,
) -> Case {
    Case {
        name,
        setup: Box::new(setup),
        args,
        expect,
    }
}

fn page(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n+++\n{body}\n")
}

fn good_site() -> Fixture {
    let f = Fixture::new(CONFIG);
    f.write(
        "content/_index.md",
        "+++\ntitle = \"Home\"\n+++\nWelcome.\n",
    );
    f.write(
        "content/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-02\n[taxonomies]\ntags = [\"x\"]\n+++\nSee [b](@/b.md).\n",
    );
    f.write("content/b.md", &page("B", "## Part\n\nText."));
    f
}

/// Every file (with its bytes) and every folder under `dir`, skipping `skip`.
fn snapshot(dir: &Path, skip: Option<&Path>) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut all = BTreeMap::new();
    let walk = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| Some(e.path()) != skip);
    for e in walk.flatten() {
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        if e.path_is_symlink() {
            all.insert(
                rel,
                std::fs::read_link(e.path())
                    .ok()
                    .map(|t| t.into_os_string().into_encoded_bytes()),
            );
        } else if e.file_type().is_file() {
            all.insert(rel, Some(std::fs::read(e.path()).unwrap()));
        } else {
            all.insert(rel, None);
        }
    }
    all
}

fn diff(a: &BTreeMap<PathBuf, Option<Vec<u8>>>, b: &BTreeMap<PathBuf, Option<Vec<u8>>>) -> String {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("removed {}", k.display())),
            Some(w) if w != v => out.push(format!("changed {}", k.display())),
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!("added {}", k.display()));
    }
    out.join(", ")
}

/// Runs one case; returns a description of what went wrong, if anything.
fn run(case: &Case) -> Result<(), String> {
    let f = good_site();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), SECRET).unwrap();
    std::fs::create_dir_all(outside.path().join("dir/templates")).unwrap();
    std::fs::write(outside.path().join("dir/secret.md"), page(SECRET, SECRET)).unwrap();
    std::fs::write(outside.path().join("dir/templates/page.html"), SECRET).unwrap();
    std::fs::write(outside.path().join("dir/templates/index.html"), SECRET).unwrap();
    std::fs::write(outside.path().join("dir/secret.txt"), SECRET).unwrap();
    f.build_ok(&[]);
    let out_dir = f.root().join("output");
    (case.setup)(&f, outside.path());
    // What the output is before the build under test (some cases change it).
    let before_out = snapshot(&out_dir, None);
    let before_site = snapshot(f.root(), Some(&out_dir));

    let root = f.root().to_str().unwrap().to_string();
    let mut args: Vec<&str> = vec!["build"];
    args.extend(case.args);
    args.extend(["--root", &root]);
    let started = Instant::now();
    let mut child = Command::new(binary())
        .args(&args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr while waiting, so a chatty build cannot block on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("hung for 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let err = String::from_utf8_lossy(&reader.join().unwrap()).to_string();
    let shown = || err.chars().take(3000).collect::<String>();
    if status.code().is_none() {
        return Err(format!("crashed ({status}):\n{}", shown()));
    }
    if err.contains("panicked") {
        return Err(format!("panicked:\n{}", shown()));
    }
    if err.len() > 200_000 {
        return Err(format!("printed {} bytes of errors", err.len()));
    }
    // Nothing outside the output folder changed: no staging folder left,
    // no source touched (the lock file beside the output stays).
    let after_site = snapshot(f.root(), Some(&out_dir));
    let d = diff(&before_site, &after_site);
    if !d.is_empty() {
        return Err(format!("outside the output folder: {d}"));
    }
    let after_out = snapshot(&out_dir, None);
    for (path, bytes) in &after_out {
        if bytes
            .as_deref()
            .is_some_and(|b| String::from_utf8_lossy(b).contains(SECRET))
        {
            return Err(format!(
                "published a file from outside the site: {}",
                path.display()
            ));
        }
    }
    match &case.expect {
        Expect::Fails(wanted) => {
            if status.code() != Some(1) {
                return Err(format!("expected exit 1, got {status}:\n{}", shown()));
            }
            for w in *wanted {
                if !err.contains(w) {
                    return Err(format!("stderr lacks `{w}`:\n{}", shown()));
                }
            }
            let d = diff(&before_out, &after_out);
            if !d.is_empty() {
                return Err(format!("a failed build changed the output: {d}"));
            }
        }
        Expect::Builds(check) => {
            if !status.success() {
                return Err(format!("expected success, got {status}:\n{}", shown()));
            }
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&f)));
            if let Err(p) = checked {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(format!("check failed: {msg}"));
            }
        }
        Expect::Survives => {}
    }
    if elapsed > Duration::from_secs(30) {
        return Err(format!("took {elapsed:?}"));
    }
    Ok(())
}

fn ln(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    if let Some(p) = link.as_ref().parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    symlink(target, link).unwrap();
}

fn rm(f: &Fixture, rel: &str) {
    let p = f.root().join(rel);
    if p.is_dir() && !p.is_symlink() {
        std::fs::remove_dir_all(p).unwrap();
    } else {
        std::fs::remove_file(p).unwrap();
    }
}

fn decision_chain(n: usize) -> String {
    let mut s = String::from("+++\ntitle = \"Chain\"\n[decision]\nstart = \"q0\"\n");
    for i in 0..n {
        let next = if i + 1 == n {
            "end".to_string()
        } else {
            format!("q{}", i + 1)
        };
        s.push_str(&format!(
            "[[decision.questions]]\nid = \"q{i}\"\ntext = \"Q{i}?\"\nanswers = [{{ label = \"Yes\", next = \"{next}\" }}, {{ label = \"No\", next = \"end\" }}]\n"
        ));
    }
    s.push_str("[[decision.outcomes]]\nid = \"end\"\ntitle = \"End\"\n+++\n");
    s
}

fn cases() -> Vec<Case> {
    use Expect::*;
    vec![
        // ---- Security: nothing from outside the site is read.
        case(
            "static is a symlink out of the site",
            |f, o| {
                ln(o.join("dir"), f.root().join("static"));
            },
            &[],
            Fails(&["symlink static points outside the site"]),
        ),
        case(
            "content is a symlink out of the site",
            |f, o| {
                rm(f, "content");
                ln(o.join("dir"), f.root().join("content"));
            },
            &[],
            Fails(&["symlink content points outside the site"]),
        ),
        case(
            "a content folder links out",
            |f, o| {
                ln(o.join("dir"), f.root().join("content/sub"));
            },
            &[],
            Fails(&["symlink content/sub points outside the site"]),
        ),
        case(
            "a content file links out",
            |f, o| {
                ln(o.join("dir/secret.md"), f.root().join("content/s.md"));
            },
            &[],
            Fails(&["symlink content/s.md points outside the site"]),
        ),
        case(
            "a content asset links out",
            |f, o| {
                ln(o.join("secret.txt"), f.root().join("content/s.txt"));
            },
            &[],
            Fails(&["content/s.txt points outside the site", "secret.txt"]),
        ),
        case(
            "a static file deep down links out",
            |f, o| {
                f.write("static/ok.txt", "ok");
                ln(o.join("secret.txt"), f.root().join("static/a/b/c.txt"));
            },
            &[],
            Fails(&["static/a/b/c.txt points outside the site"]),
        ),
        case(
            "a theme folder links out",
            |f, o| {
                f.write("guidepost.toml", &format!("{CONFIG}theme = \"x\"\n"));
                ln(o.join("dir"), f.root().join("themes/x"));
            },
            &[],
            Fails(&["symlink themes/x points outside the site"]),
        ),
        case(
            "templates/ links out",
            |f, o| {
                ln(o.join("dir/templates"), f.root().join("templates"));
            },
            &[],
            Fails(&["symlink templates points outside the site"]),
        ),
        case(
            "a theme's static folder links out",
            |f, o| {
                f.write("guidepost.toml", &format!("{CONFIG}theme = \"x\"\n"));
                f.write("themes/x/templates/page.html", "{{ page.title }}");
                f.write("themes/x/templates/index.html", "home");
                f.write("themes/x/templates/section.html", "s");
                ln(o.join("dir"), f.root().join("themes/x/static"));
            },
            &[],
            Fails(&["themes/x/static points outside the site"]),
        ),
        case(
            "theme is an absolute path",
            |f, o| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}theme = \"{}\"\n", o.join("dir").display()),
                );
            },
            &[],
            Fails(&["guidepost.toml:4:1", "is not a folder name"]),
        ),
        case(
            "theme climbs out with ..",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}theme = \"../../etc\"\n"),
                );
            },
            &[],
            Fails(&["guidepost.toml:4:1", "is not a folder name"]),
        ),
        case(
            "theme is ..",
            |f, _| {
                f.write("guidepost.toml", &format!("{CONFIG}theme = \"..\"\n"));
            },
            &[],
            Fails(&["guidepost.toml:4:1"]),
        ),
        case(
            "a symlink loop in content",
            |f, _| {
                ln("..", f.root().join("content/loop/up"));
            },
            &[],
            Fails(&["symlink loop"]),
        ),
        case(
            "a dangling symlink in content",
            |f, _| {
                ln(
                    "/nonexistent/guidepost-test",
                    f.root().join("content/gone.md"),
                );
            },
            &[],
            Fails(&["content/gone.md"]),
        ),
        case(
            "a symlink inside the site is followed",
            |f, _| {
                f.write("shared/note.md", &page("Shared note", "Inside."));
                ln(f.root().join("shared"), f.root().join("content/shared"));
            },
            &[],
            Builds(|f| {
                assert!(f.output("shared/note/index.html").contains("Shared note"));
            }),
        ),
        case(
            "a relative symlink inside content is followed",
            |f, _| {
                ln("b.md", f.root().join("content/b-again.md"));
            },
            &[],
            Builds(|f| {
                assert!(f.output("b-again/index.html").contains("<title>"));
            }),
        ),
        case(
            "a heading id breaks out of its attribute",
            |f, _| {
                f.write(
                    "content/x.md",
                    &page("X", "## H {#x\"onmouseover=\"alert(1)}\n\n## K {.a\"b}"),
                );
            },
            &[],
            Builds(|f| {
                let html = f.output("x/index.html");
                assert!(!html.contains("\"onmouseover"), "{html}");
                assert!(
                    html.contains("id=\"x&quot;onmouseover=&quot;alert(1)\""),
                    "{html}"
                );
                assert!(html.contains("class=\"a&quot;b\""), "{html}");
            }),
        ),
        case(
            "a heading id with ampersand and apostrophe",
            |f, _| {
                f.write("content/x.md", &page("X", "## H {#a&b'c .d'e}"));
            },
            &[],
            Builds(|f| {
                let html = f.output("x/index.html");
                assert!(
                    html.contains("id=\"a&amp;b&#39;c\" class=\"d&#39;e\""),
                    "{html}"
                );
                assert!(html.contains("href=\"#a&amp;b&#39;c\""), "{html}");
            }),
        ),
        case(
            "raw HTML and heading ids in a comparison cell",
            |f, _| {
                f.write("content/r1.md", "+++\ntitle = \"R1\"\n[attributes]\nfocus = \"<img src=x onerror=alert(1)> [l](javascript:alert(1))\"\n+++\n");
                f.write("content/r2.md", "+++\ntitle = \"R2\"\n[attributes]\nfocus = \"## H {#q\\\"onclick=\\\"x}\"\n+++\n");
                f.write("content/cmp.md", "+++\ntitle = \"Cmp\"\n[comparison]\nitems = [\"@/r1.md\", \"@/r2.md\"]\nrows = [{ key = \"focus\", label = \"Focus\" }]\n+++\n<!-- comparison -->\n");
            },
            &[],
            Builds(|f| {
                let html = f.output("cmp/index.html");
                assert!(!html.contains("<img src=x"), "{html}");
                assert!(!html.contains("javascript:"), "{html}");
                assert!(!html.contains("\"onclick"), "{html}");
            }),
        ),
        case(
            "raw HTML and heading ids in a decision help text",
            |f, _| {
                f.write("content/d.md", "+++\ntitle = \"D\"\n[decision]\nstart = \"q\"\n[[decision.questions]]\nid = \"q\"\ntext = \"Q?\"\nhelp = \"<script>alert(1)</script>\\n\\n## H {#z\\\"onclick=\\\"x}\"\nanswers = [{ label = \"Yes\", next = \"o\" }, { label = \"No\", next = \"o\" }]\n[[decision.outcomes]]\nid = \"o\"\ntitle = \"O\"\nbody = \"<b onclick=x>b</b>\"\n+++\n");
            },
            &[],
            Builds(|f| {
                for file in crate::common::list_files(&f.root().join("output")) {
                    if file.ends_with(".html") {
                        let html = f.output(&file);
                        assert!(!html.contains("<script>alert"), "{file}: {html}");
                        assert!(!html.contains("\"onclick"), "{file}: {html}");
                        assert!(!html.contains("<b onclick"), "{file}: {html}");
                    }
                }
            }),
        ),
        case(
            "--base-url javascript:",
            |_, _| {},
            &["--base-url", "javascript:alert(1)//"],
            Fails(&["--base-url", "is not an http(s) URL"]),
        ),
        case(
            "--base-url with a quote",
            |_, _| {},
            &["--base-url", "https://x\"onload=\"y"],
            Fails(&["--base-url", "contains"]),
        ),
        case(
            "--base-url with a space",
            |_, _| {},
            &["--base-url", "http://a b"],
            Fails(&["--base-url"]),
        ),
        case(
            "--base-url without host",
            |_, _| {},
            &["--base-url", "http:///docs"],
            Fails(&["has no host"]),
        ),
        case(
            "base_url with a space",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    "title = \"T\"\nbase_url = \"http://a b\"\n",
                );
            },
            &[],
            Fails(&["guidepost.toml:2:1", "base_url"]),
        ),
        case(
            "base_url javascript:",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    "title = \"T\"\nbase_url = \"javascript:alert(1)\"\n",
                );
            },
            &[],
            Fails(&["guidepost.toml:2:1", "not an http(s) URL"]),
        ),
        case(
            "base_url ftp",
            |f, _| {
                f.write("guidepost.toml", "base_url = \"ftp://example.org\"\n");
            },
            &[],
            Fails(&["guidepost.toml:1:1"]),
        ),
        case(
            "base_url with a query",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    "base_url = \"https://example.org/?a=b\"\n",
                );
            },
            &[],
            Fails(&["guidepost.toml:1:1", "query"]),
        ),
        case(
            "--base-url https is fine",
            |_, _| {},
            &["--base-url", "https://example.org/kb"],
            Builds(|f| {
                assert!(
                    f.output("sitemap.xml")
                        .contains("https://example.org/kb/a/")
                );
            }),
        ),
        // ---- Nothing lost.
        case(
            "no content folder",
            |f, _| rm(f, "content"),
            &[],
            Fails(&["no content/ folder"]),
        ),
        case(
            "a dangling content symlink",
            |f, _| {
                rm(f, "content");
                ln(f.root().join("nowhere"), f.root().join("content"));
            },
            &[],
            Fails(&["content"]),
        ),
        case(
            "content is a file",
            |f, _| {
                rm(f, "content");
                f.write("content", "x");
            },
            &[],
            Fails(&["no content/ folder"]),
        ),
        case(
            "output_dir inside content",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}output_dir = \"content/out\"\n"),
                );
            },
            &[],
            Fails(&["lies inside the site's own"]),
        ),
        case(
            "output_dir inside static",
            |f, _| {
                f.write("static/x.txt", "x");
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}output_dir = \"static/out\"\n"),
                );
            },
            &[],
            Fails(&["lies inside the site's own"]),
        ),
        case(
            "output_dir is the site root",
            |f, _| {
                f.write("guidepost.toml", &format!("{CONFIG}output_dir = \".\"\n"));
            },
            &[],
            Fails(&["refusing to use"]),
        ),
        case(
            "output_dir is empty",
            |f, _| {
                f.write("guidepost.toml", &format!("{CONFIG}output_dir = \"\"\n"));
            },
            &[],
            Fails(&["guidepost.toml:4:1", "output_dir is empty"]),
        ),
        case(
            "output_dir climbs into content",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}output_dir = \"output/../content/x\"\n"),
                );
            },
            &[],
            Fails(&["refusing to use"]),
        ),
        case(
            "--output under a file",
            |_, _| {},
            &["--output", "/dev/null/x"],
            Fails(&["cannot"]),
        ),
        case(
            "output is a file",
            |f, _| {
                rm(f, "output");
                f.write("output", "not a folder");
            },
            &[],
            Fails(&["exists and is not a folder"]),
        ),
        case(
            "output is someone else's folder",
            |f, _| {
                rm(f, "output");
                f.write("output/mine.txt", "keep me");
            },
            &[],
            Fails(&["Guidepost did not create it"]),
        ),
        case(
            "a symlinked output is written through",
            |f, o| {
                let real = o.join("real-output");
                std::fs::rename(f.root().join("output"), &real).unwrap();
                ln(&real, f.root().join("output"));
            },
            &[],
            Builds(|f| {
                assert!(f.root().join("output").is_symlink(), "the link stays");
                assert!(f.output("a/index.html").contains("<title>"));
            }),
        ),
        case(
            "an invalid TOML date",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\ndate = \"2024-13-45\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:8", "invalid date `2024-13-45`"]),
        ),
        case(
            "a TOML date string on Feb 30",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\nupdated = \"2024-02-30\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:11", "invalid date"]),
        ),
        case(
            "a YAML date on Feb 29 of a common year",
            |f, _| {
                f.write("content/x.md", "---\ntitle: X\ndate: 2023-02-29\n---\n");
            },
            &[],
            Fails(&["content/x.md:3:", "invalid date"]),
        ),
        case(
            "a date-time at hour 25",
            |f, _| {
                f.write(
                    "content/x.md",
                    "---\ntitle: X\ndate: \"2024-01-01T25:00:00Z\"\n---\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:", "invalid date"]),
        ),
        case(
            "a date that is a word",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\ndate = \"yesterday\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:8"]),
        ),
        case(
            "a leap day is a date",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\ndate = \"2024-02-29\"\n+++\n",
                );
            },
            &[],
            Builds(|_| {}),
        ),
        case(
            "an alias of the home page",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\naliases = [\"/\"]\n+++\n",
                );
            },
            &[],
            Fails(&[
                "content/x.md:3:12",
                "index.html is written twice",
                "content/_index.md",
            ]),
        ),
        case(
            "an alias of another page",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\naliases = [\"/old/\", \"/b/\"]\n+++\n",
                );
            },
            &[],
            Fails(&[
                "content/x.md:3:21",
                "b/index.html is written twice",
                "content/b.md",
            ]),
        ),
        case(
            "two pages alias one path",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\naliases = [\"/old/\"]\n+++\n",
                );
                f.write(
                    "content/y.md",
                    "+++\ntitle = \"Y\"\naliases = [\"/old\"]\n+++\n",
                );
            },
            &[],
            Fails(&[
                "old/index.html is written twice",
                "content/x.md",
                "content/y.md",
            ]),
        ),
        case(
            "an index.html beside index.md",
            |f, _| {
                f.write("content/c/index.md", &page("C", "text"));
                f.write("content/c/index.html", "<p>shadow</p>");
            },
            &[],
            Fails(&[
                "c/index.html is written twice",
                "content/c/index.md",
                "content/c/index.html",
            ]),
        ),
        case(
            "content/404.html",
            |f, _| {
                f.write("content/404.html", "<p>mine</p>");
            },
            &[],
            Fails(&["404.html is written twice", "content/404.html"]),
        ),
        case(
            "content/robots.txt",
            |f, _| {
                f.write("content/robots.txt", "User-agent: *\n");
            },
            &[],
            Fails(&[
                "robots.txt is written twice",
                "content/robots.txt",
                "generated robots.txt",
            ]),
        ),
        case(
            "content/index.html",
            |f, _| {
                f.write("content/index.html", "<p>mine</p>");
            },
            &[],
            Fails(&[
                "index.html is written twice",
                "content/index.html",
                "content/_index.md",
            ]),
        ),
        case(
            "static/index.html",
            |f, _| {
                f.write("static/index.html", "<p>mine</p>");
            },
            &[],
            Fails(&["index.html is written twice", "static/index.html"]),
        ),
        case(
            "content/sitemap.xml with a base_url",
            |f, _| {
                f.write("content/sitemap.xml", "<x/>");
            },
            &["--base-url", "https://example.org"],
            Fails(&["sitemap.xml is written twice"]),
        ),
        case(
            "a section named like a taxonomy",
            |f, _| {
                f.write("content/tags/_index.md", &page("Tags", ""));
            },
            &[],
            Fails(&["tags/index.html is written twice"]),
        ),
        case(
            "a feed file beside a section feed",
            |f, _| {
                f.write(
                    "content/s/_index.md",
                    "+++\ntitle = \"S\"\nfeed = true\n+++\n",
                );
                f.write("content/s/atom.xml", "<feed/>");
            },
            &[],
            Fails(&["s/atom.xml is written twice"]),
        ),
        case(
            "an alias with ..",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\naliases = [\"/../../etc/\"]\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:12", "invalid alias"]),
        ),
        // ---- Front matter.
        case(
            "three type errors in one file",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = 3\ndraft = \"no\"\nweight = \"heavy\"\n+++\n",
                );
            },
            &[],
            Fails(&[
                "content/x.md:2:9",
                "content/x.md:3:9",
                "content/x.md:4:10",
                "3 errors",
            ]),
        ),
        case(
            "three YAML type errors in one file",
            |f, _| {
                f.write(
                    "content/x.md",
                    "---\ntitle: [a]\ndraft: maybe\nweight: heavy\n---\n",
                );
            },
            &[],
            Fails(&[
                "content/x.md:2:",
                "content/x.md:3:",
                "content/x.md:4:",
                "3 errors",
            ]),
        ),
        case(
            "an unknown key",
            |f, _| {
                f.write("content/x.md", "+++\ntitel = \"X\"\n+++\n");
            },
            &[],
            Fails(&["content/x.md:2:1", "did you mean `title`?"]),
        ),
        case(
            "unclosed front matter",
            |f, _| {
                f.write("content/x.md", "+++\ntitle = \"X\"\n");
            },
            &[],
            Fails(&["content/x.md:1:1", "never closed"]),
        ),
        case(
            "TOML syntax error",
            |f, _| {
                f.write("content/x.md", "+++\ntitle = \"X\n+++\n");
            },
            &[],
            Fails(&["content/x.md:2:"]),
        ),
        case(
            "YAML syntax error",
            |f, _| {
                f.write("content/x.md", "---\ntitle: [X\n---\n");
            },
            &[],
            Fails(&["content/x.md:"]),
        ),
        case(
            "aliases is not a list",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\naliases = \"/x/\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:11"]),
        ),
        case(
            "sort_by is unknown",
            |f, _| {
                f.write(
                    "content/s/_index.md",
                    "+++\ntitle = \"S\"\nsort_by = \"random\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/s/_index.md:3:11"]),
        ),
        case(
            "paginate_by is negative",
            |f, _| {
                f.write(
                    "content/s/_index.md",
                    "+++\ntitle = \"S\"\npaginate_by = -1\n+++\n",
                );
            },
            &[],
            Fails(&["content/s/_index.md:3:15"]),
        ),
        case(
            "an unknown taxonomy",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\n[taxonomies]\ncolors = [\"red\"]\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:4:", "unknown taxonomy `colors`"]),
        ),
        case(
            "YAML Yes stays a string",
            |f, _| {
                f.write("content/x.md", "---\ntitle: Yes\n---\n");
            },
            &[],
            Builds(|f| {
                assert!(
                    f.output("x/index.html").contains("<title>Yes"),
                    "{}",
                    f.output("x/index.html")
                );
            }),
        ),
        case(
            "a BOM before the front matter",
            |f, _| {
                f.write("content/x.md", "\u{feff}+++\ntitle = \"Bom\"\n+++\n");
            },
            &[],
            Builds(|f| assert!(f.output("x/index.html").contains("Bom"))),
        ),
        case(
            "an empty Markdown file",
            |f, _| {
                f.write("content/x.md", "")
                    .write("content/y.md", "+++\n+++\n");
            },
            &[],
            Survives,
        ),
        case(
            "a file that is not UTF-8",
            |f, _| {
                std::fs::write(
                    f.root().join("content/x.md"),
                    b"+++\ntitle = \"\xff\xfe\"\n+++\n",
                )
                .unwrap();
            },
            &[],
            Fails(&["content/x.md", "cannot read file"]),
        ),
        case(
            "NUL bytes in a page",
            |f, _| {
                f.write("content/x.md", &page("X", "a\0b\0"));
            },
            &[],
            Survives,
        ),
        case(
            "10,000 keys under extra",
            |f, _| {
                let mut s = String::from("+++\ntitle = \"X\"\n[extra]\n");
                for i in 0..10_000 {
                    s.push_str(&format!("k{i} = {i}\n"));
                }
                f.write("content/x.md", &format!("{s}+++\n"));
            },
            &[],
            Builds(|_| {}),
        ),
        case(
            "deeply nested TOML arrays",
            |f, _| {
                f.write(
                    "content/x.md",
                    &format!(
                        "+++\ntitle = \"X\"\n[extra]\nd = {}{}\n+++\n",
                        "[".repeat(5000),
                        "]".repeat(5000)
                    ),
                );
            },
            &[],
            Survives,
        ),
        case(
            "deeply nested YAML",
            |f, _| {
                f.write(
                    "content/x.md",
                    &format!(
                        "---\ntitle: X\nextra:\n  d: {}{}\n---\n",
                        "[".repeat(5000),
                        "]".repeat(5000)
                    ),
                );
            },
            &[],
            Survives,
        ),
        case(
            "a YAML alias bomb",
            |f, _| {
                let mut s = String::from(
                    "---\ntitle: X\nextra:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
                );
                for i in 1..9 {
                    let p = i - 1;
                    s.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
                }
                f.write("content/x.md", &format!("{s}---\n"));
            },
            &[],
            Survives,
        ),
        // ---- Markdown.
        case(
            "a broken internal link",
            |f, _| {
                f.write("content/x.md", &page("X", "Go [there](@/nope.md)."));
            },
            &[],
            Fails(&["content/x.md:4:4"]),
        ),
        case(
            "a broken anchor",
            |f, _| {
                f.write("content/x.md", &page("X", "Go [there](@/b.md#nope)."));
            },
            &[],
            Fails(&["content/x.md:4:4", "nope"]),
        ),
        case(
            "1,000 broken links on one line",
            |f, _| {
                f.write("content/x.md", &page("X", &"[x](@/nope.md) ".repeat(1000)));
            },
            &[],
            Fails(&[
                "content/x.md:4:1",
                "more errors in content/x.md not shown",
                "1000 errors",
            ]),
        ),
        case(
            "10,000 broken links in one file",
            |f, _| {
                f.write(
                    "content/x.md",
                    &page("X", &"[x](@/nope.md)\n\n".repeat(10_000)),
                );
            },
            &[],
            Fails(&[
                "content/x.md:4:1",
                "9950 more errors in content/x.md not shown",
            ]),
        ),
        case(
            "20,000 equal headings",
            |f, _| {
                f.write("content/x.md", &page("X", &"## x\n\n".repeat(20_000)));
            },
            &[],
            Builds(|f| assert!(f.output("x/index.html").contains("id=\"x-19999\""))),
        ),
        case(
            "5,000 nested block quotes",
            |f, _| {
                f.write(
                    "content/x.md",
                    &page("X", &format!("{}deep", "> ".repeat(5000))),
                );
            },
            &[],
            Survives,
        ),
        case(
            "5,000 nested lists",
            |f, _| {
                let mut s = String::new();
                for i in 0..5000 {
                    s.push_str(&format!("{}- x\n", "  ".repeat(i)));
                }
                f.write("content/x.md", &page("X", &s));
            },
            &[],
            Survives,
        ),
        case(
            "10,000 open brackets",
            |f, _| {
                f.write("content/x.md", &page("X", &"[".repeat(10_000)));
            },
            &[],
            Builds(|_| {}),
        ),
        case(
            "a 1 MB line",
            |f, _| {
                f.write("content/x.md", &page("X", &"word ".repeat(200_000)));
            },
            &[],
            Builds(|_| {}),
        ),
        case(
            "an unclosed HTML comment",
            |f, _| {
                f.write("content/x.md", &page("X", "<!-- never closed\n\n## H"));
            },
            &[],
            Builds(|_| {}),
        ),
        // ---- Templates.
        case(
            "a missing template named in front matter",
            |f, _| {
                f.write(
                    "content/x.md",
                    "+++\ntitle = \"X\"\ntemplate = \"nope.html\"\n+++\n",
                );
            },
            &[],
            Fails(&["content/x.md:3:12", "template `nope.html` not found"]),
        ),
        case(
            "templates that extend each other",
            |f, _| {
                f.write("templates/page.html", "{% extends \"other.html\" %}");
                f.write("templates/other.html", "{% extends \"page.html\" %}");
            },
            &[],
            Fails(&["templates/page.html:1:", "extend each other in a loop"]),
        ),
        case(
            "a template extends a missing one",
            |f, _| {
                f.write("templates/page.html", "{% extends \"gone.html\" %}");
            },
            &[],
            Fails(&["templates/page.html:1:", "gone.html"]),
        ),
        case(
            "a template syntax error",
            |f, _| {
                f.write("templates/page.html", "<p>\n{{ page.title \n</p>");
            },
            &[],
            Fails(&["templates/page.html:"]),
        ),
        case(
            "an unknown template function",
            |f, _| {
                f.write("templates/page.html", "<p>\n{{ nope() }}</p>");
            },
            &[],
            Fails(&["templates/page.html:"]),
        ),
        case(
            "a runaway template",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}[limits]\nmax_output_file_mb = 1\n"),
                );
                f.write("templates/page.html", "{% for a in range(end=1000) %}{% for b in range(end=1000) %}{% for c in range(end=1000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}{% endfor %}");
            },
            &[],
            Fails(&["template `page.html` produced more than 1 MB"]),
        ),
        case(
            "a template including itself",
            |f, _| {
                f.write("templates/page.html", "x{% include \"page.html\" %}");
            },
            &[],
            Fails(&["templates/page.html:1:", "include each other in a loop"]),
        ),
        // ---- Configuration.
        case(
            "an unknown config key",
            |f, _| {
                f.write("guidepost.toml", "titel = \"T\"\n");
            },
            &[],
            Fails(&["guidepost.toml:1:1", "did you mean `title`?"]),
        ),
        case(
            "a config syntax error",
            |f, _| {
                f.write("guidepost.toml", "title = \n");
            },
            &[],
            Fails(&["guidepost.toml:1:"]),
        ),
        case(
            "no config file",
            |f, _| rm(f, "guidepost.toml"),
            &[],
            Fails(&["guidepost.toml"]),
        ),
        case(
            "an unknown [limits] key",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}[limits]\nmax_output = 1\n"),
                );
            },
            &[],
            Fails(&["guidepost.toml:5:1"]),
        ),
        case(
            "max_connections is text",
            |f, _| {
                f.write(
                    "guidepost.toml",
                    &format!("{CONFIG}[serve]\nmax_connections = \"many\"\n"),
                );
            },
            &[],
            Fails(&["guidepost.toml:5:19"]),
        ),
        // ---- Features.
        case(
            "a decision answer leads nowhere",
            |f, _| {
                f.write("content/d.md", "+++\ntitle = \"D\"\n[decision]\nstart = \"q\"\n[[decision.questions]]\nid = \"q\"\ntext = \"Q?\"\nanswers = [{ label = \"Yes\", next = \"nowhere\" }, { label = \"No\", next = \"o\" }]\n[[decision.outcomes]]\nid = \"o\"\ntitle = \"O\"\n+++\n");
            },
            &[],
            Fails(&["content/d.md:8:", "nowhere"]),
        ),
        case(
            "a comparison of a missing page",
            |f, _| {
                f.write("content/cmp.md", "+++\ntitle = \"Cmp\"\n[comparison]\nitems = [\"@/a.md\", \"@/nope.md\"]\nrows = [{ key = \"x\", label = \"X\" }]\n+++\n");
            },
            &[],
            Fails(&["content/cmp.md:4:", "nope.md"]),
        ),
    ]
}

#[test]
fn bad_inputs_fail_cleanly_and_keep_the_output() {
    let all = cases();
    let mut failed = Vec::new();
    let mut names = std::collections::HashSet::new();
    for c in &all {
        assert!(names.insert(c.name), "two cases named {}", c.name);
        if let Err(why) = run(c) {
            failed.push(format!("{}: {why}", c.name));
        }
    }
    let clean = all.len() - failed.len();
    println!("{} cases, {clean} clean", all.len());
    assert!(all.len() >= 80, "the corpus has {} cases", all.len());
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failed.len(),
        all.len(),
        failed.join("\n\n")
    );
}

/// Issue #10 item 11: the recursive walk in `decision/validate.rs` overflowed
/// the stack on this chain and the process aborted (SIGABRT); since branch
/// `validate` (iterative walks) it ends with exit 0, or exit 1 with an error
/// naming the file, never with a signal.
#[test]
fn a_20000_question_chain_does_not_overflow_the_stack() {
    let f = good_site();
    f.write("content/chain.md", &decision_chain(20_000));
    let out = f.run(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let tail: String = err.chars().take(2000).collect();
    match out.status.code() {
        Some(0) => {}
        Some(1) => assert!(err.contains("content/chain.md"), "{tail}"),
        other => panic!("exit {other:?} ({}):\n{tail}", out.status),
    }
}
