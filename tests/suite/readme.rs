//! The README, executed: every `guidepost` command in its code blocks runs
//! against a temporary copy of the bundled site with the documented outcome,
//! and its configuration and decision-tree examples are accepted as written.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{Fixture, binary};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// Fenced code blocks as (info string, text).
fn code_blocks(md: &str) -> Vec<(String, String)> {
    // A fence is three or more backticks; it is closed by a line of at least
    // as many backticks and nothing else (CommonMark), so a ```` block can
    // show a ``` fence.
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for line in md.lines() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match &mut open {
            None if ticks >= 3 => {
                open = Some((ticks, line[ticks..].trim().to_string(), String::new()))
            }
            Some((n, _, _)) if ticks >= *n && line[ticks..].trim().is_empty() => {
                let (_, info, text) = open.take().unwrap();
                out.push((info, text));
            }
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    out
}

/// A copy of the bundled site (config, content, themes) in a temp folder.
fn bundled_copy() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(repo) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(repo).unwrap();
        let top = rel.components().next().map(|c| c.as_os_str().to_owned());
        let keep = matches!(
            top.as_ref().and_then(|t| t.to_str()),
            Some("content" | "themes" | "static" | "templates" | "guidepost.toml")
        );
        if !keep {
            continue;
        }
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// Every `guidepost ...` line in the README's code blocks, comments removed.
fn commands() -> Vec<Vec<String>> {
    code_blocks(&readme())
        .into_iter()
        .filter(|(info, _)| info == "sh")
        .flat_map(|(_, text)| {
            text.lines()
                .filter_map(|l| {
                    let l = l.split(" #").next().unwrap().trim();
                    l.strip_prefix("guidepost ")
                        .map(|rest| rest.split_whitespace().map(String::from).collect())
                })
                .collect::<Vec<Vec<String>>>()
        })
        .collect()
}

/// A folder with a fake `xdg-open` that records the URL it was given.
fn fake_xdg_open(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1\" > {}/opened\n", dir.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn every_guidepost_command_in_the_readme_runs() {
    let all = commands();
    assert!(all.len() >= 2, "README commands found: {all:?}");
    for args in all {
        // `import zola DIR` converts a Zola site, not ours: tests/suite/zola.rs runs it.
        if args.first().is_some_and(|a| a == "import") {
            continue;
        }
        let site = bundled_copy();
        let root = site.path().to_str().unwrap().to_string();
        // `--root DIR` in the README names some site: use the copy.
        let mut args: Vec<String> = args;
        if let Some(i) = args.iter().position(|a| a == "--root") {
            args[i + 1] = root.clone();
        } else {
            args.push("--root".into());
            args.push(root.clone());
        }
        if args[0] == "serve" {
            // Any port the README names may be taken here: ask for any.
            match args.iter().position(|a| a == "--port") {
                Some(i) => args[i + 1] = "0".into(),
                None => args.extend(["--port".into(), "0".into()]),
            }
            let bin = fake_xdg_open(site.path());
            let path = format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            );
            let mut child = Command::new(binary())
                .args(&args)
                .env("PATH", path)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let server = crate::common::ServeProcess { child, port: 0 };
            assert!(line.contains("http://"), "serve {args:?}: {line:?}");
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .to_string();
            let port: u16 = url
                .trim_start_matches("http://")
                .split([':', '/'])
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            crate::common::wait_until_serving(port);
            let (status, _, _) = crate::common::raw_get(port, "/");
            assert_eq!(status, 200, "serve {args:?}");
            if args.iter().any(|a| a == "--open") {
                let opened = site.path().join("opened");
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                let said = loop {
                    let said = std::fs::read_to_string(&opened).unwrap_or_default();
                    if said.ends_with('\n') {
                        break said;
                    }
                    assert!(
                        std::time::Instant::now() < deadline,
                        "--open opened nothing"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(50));
                };
                assert_eq!(said.trim(), url, "--open opens the served URL");
            }
            drop(server);
        } else {
            // In the site copy, so files a command names (`export
            // --single-file guide.html`) land there.
            let out = Command::new(binary())
                .args(&args)
                .current_dir(site.path())
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "guidepost {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn the_readme_config_example_is_accepted_key_by_key() {
    let blocks = code_blocks(&readme());
    let (_, config) = blocks
        .iter()
        .find(|(info, text)| info == "toml" && text.contains("relative_urls"))
        .expect("the config example");
    let f = Fixture::new(config);
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHi.\n");
    f.build_ok(&[]);
    // Every key is known: a misspelt one would be an error naming it.
    let bad = config.replace("words_per_minute", "words_per_minnute");
    let g = Fixture::new(&bad);
    g.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHi.\n");
    assert!(g.build_err(&[]).contains("words_per_minnute"));
}

#[test]
fn the_readme_decision_examples_build() {
    let blocks = code_blocks(&readme());
    let toml = blocks
        .iter()
        .find(|(info, text)| info == "toml" && text.contains("[decision]"))
        .map(|(_, t)| t.clone())
        .expect("the TOML tree example");
    let yaml = blocks
        .iter()
        .find(|(info, text)| info == "yaml" && text.contains("decision:"))
        .map(|(_, t)| t.clone())
        .expect("the YAML tree example");
    for (name, text) in [("toml", toml), ("yaml", yaml)] {
        let f = Fixture::new("title = \"T\"\nbase_url = \"\"\n");
        f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
        f.write(
            "content/plans.md",
            "+++\ntitle = \"Plans\"\n+++\n## Solo\n\n## Team\n",
        );
        f.write("content/pick.md", &text);
        f.build_ok(&[]);
        let html = f.output("pick/index.html");
        assert!(html.contains("Which plan fits?"), "{name}: {html}");
        assert!(f.has_output("pick/result/team/index.html"), "{name}");
    }
}
