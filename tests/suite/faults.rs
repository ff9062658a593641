//! Faults: builds killed with SIGKILL at several points (while rendering,
//! while writing, just before and during the swap), concurrent builds of
//! one site, and staging folders left by dead builds. Afterwards the output
//! is always the whole old tree or the whole new one, and after the next
//! build no staging folder remains.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Fixture, binary};

const PAGES: usize = 1500;

/// A site large enough that a build takes a while; `version` shows in every page.
fn large_site(version: &str) -> Fixture {
    let f = Fixture::new("title = \"Faults\"\nbase_url = \"\"\n");
    write_version(&f, version);
    for i in 0..PAGES {
        f.write(
            &format!("content/p/{i:04}.md"),
            &format!("+++\ntitle = \"Page {i}\"\n+++\n## One\n\nText of page {i}, with [a link](@/p/0000.md).\n\n## Two\n\nMore.\n"),
        );
    }
    f
}

fn write_version(f: &Fixture, version: &str) {
    f.write(
        "content/_index.md",
        &format!("+++\ntitle = \"Home {version}\"\n+++\nVersion {version}.\n"),
    );
    f.write(
        "content/p/_index.md",
        &format!("+++\ntitle = \"Pages {version}\"\n+++\n"),
    );
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Staging folders and other leftovers beside the output (the lock file stays).
fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".guidepost-") && !n.ends_with(".guidepost-lock"))
        .collect()
}

fn build(f: &Fixture, env: &[(&str, &str)]) -> Child {
    let mut c = Command::new(binary());
    c.args(["build", "--root"])
        .arg(f.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().unwrap()
}

/// Waits until stderr of `child` prints `marker` (read on a thread), or the deadline.
fn wait_for_line(child: &mut Child, marker: &'static str) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains(marker) {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("the build never printed {marker}"));
}

/// The output is exactly one of the two reference trees.
fn old_or_new(
    f: &Fixture,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
    when: &str,
) -> &'static str {
    let now = tree(&f.root().join("output"));
    if now == *old {
        "old"
    } else if now == *new {
        "new"
    } else {
        panic!(
            "{when}: the output is neither the old nor the new tree ({} files; old {}, new {})",
            now.len(),
            old.len(),
            new.len()
        );
    }
}

#[test]
fn killed_builds_leave_the_old_or_the_new_tree() {
    let f = large_site("v1");
    f.build_ok(&[]);
    let old = tree(&f.root().join("output"));
    assert!(old.len() > PAGES, "{} files", old.len());
    // The reference new tree: the same site at v2, built once elsewhere.
    let reference = large_site("v2");
    let timed = Instant::now();
    reference.build_ok(&[]);
    let full = timed.elapsed();
    let new = tree(&reference.root().join("output"));
    drop(reference);
    write_version(&f, "v2");

    let mut outcomes = Vec::new();
    // Killed while loading, rendering and writing: at 10%...90% of a build's time.
    for tenth in [1u32, 3, 5, 7, 9] {
        let ms = (full * tenth / 10).as_millis() as u64;
        let mut child = build(&f, &[]);
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        outcomes.push((
            format!("after {ms} ms"),
            old_or_new(&f, &old, &new, &format!("killed after {ms} ms")),
        ));
        // Back to the old tree for the next round when the build finished.
        if outcomes.last().unwrap().1 == "new" {
            write_version(&f, "v1");
            f.build_ok(&[]);
            write_version(&f, "v2");
        }
    }
    // Killed with every file written, just before the swap.
    let mut child = build(&f, &[("GUIDEPOST_TEST_PAUSE_BEFORE_SWAP", "30000")]);
    wait_for_line(&mut child, "GUIDEPOST_TEST_PAUSE_BEFORE_SWAP");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(old_or_new(&f, &old, &new, "killed before the swap"), "old");
    assert!(
        !leftovers(f.root()).is_empty(),
        "the killed build left its staging folder"
    );

    // The next build removes what the killed ones left, and swaps in the new tree.
    f.build_ok(&[]);
    assert_eq!(old_or_new(&f, &old, &new, "after a good build"), "new");
    assert_eq!(leftovers(f.root()), Vec::<String>::new());
    eprintln!("a full build takes {full:?}; kill points: {outcomes:?}");
}

#[test]
fn a_build_killed_between_the_fallback_renames_is_repaired_by_the_next() {
    let f = large_site("v1");
    f.build_ok(&[]);
    let old = tree(&f.root().join("output"));
    write_version(&f, "v2");
    // Force the two-rename fallback and stop between the renames.
    let mut child = build(
        &f,
        &[
            ("GUIDEPOST_TEST_NO_EXCHANGE", "1"),
            ("GUIDEPOST_TEST_PAUSE_BETWEEN_RENAMES", "30000"),
        ],
    );
    wait_for_line(&mut child, "GUIDEPOST_TEST_PAUSE_BETWEEN_RENAMES");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !f.root().join("output").exists(),
        "the fallback's window: no output"
    );
    // Even a build that then fails puts the old tree back first.
    f.write("content/broken.md", "+++\ntitle = 3\n+++\n");
    let err = f.build_err(&[]);
    assert!(err.contains("Restored the previous output"), "{err}");
    assert_eq!(tree(&f.root().join("output")), old);
    std::fs::remove_file(f.root().join("content/broken.md")).unwrap();
    f.build_ok(&[]);
    assert!(f.output("index.html").contains("Home v2"));
    assert_eq!(leftovers(f.root()), Vec::<String>::new());
}

#[test]
fn the_exchange_keeps_an_output_at_every_moment() {
    // While a build swaps, another process keeps looking: the output folder
    // is never missing and its home page is always whole.
    let f = large_site("v1");
    f.build_ok(&[]);
    let out = f.root().join("output");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (out, stop) = (out.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut looks = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let home = std::fs::read_to_string(out.join("index.html"))
                    .expect("the output's home page is always there");
                assert!(home.contains("</html>"), "a whole page");
                looks += 1;
            }
            looks
        })
    };
    for v in ["v2", "v3", "v4"] {
        write_version(&f, v);
        f.build_ok(&[]);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let looks = watcher
        .join()
        .expect("the output was missing during a swap");
    assert!(looks > 10, "{looks}");
    assert!(f.output("index.html").contains("Home v4"));
}

#[test]
fn concurrent_builds_take_turns() {
    let f = Fixture::new("title = \"C\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    for i in 0..100 {
        f.write(
            &format!("content/{i}.md"),
            &format!("+++\ntitle = \"P{i}\"\n+++\nText.\n"),
        );
    }
    f.build_ok(&[]);
    let expected = tree(&f.root().join("output"));
    let started = Instant::now();
    let mut waited = 0;
    let rounds = 4;
    let per_round = 4;
    for _ in 0..rounds {
        let children: Vec<Child> = (0..per_round).map(|_| build(&f, &[])).collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(out.status.success(), "a concurrent build failed:\n{err}");
            waited += usize::from(err.contains("Waiting for another build"));
        }
        assert!(
            tree(&f.root().join("output")) == expected,
            "the output is not the whole site"
        );
        assert_eq!(leftovers(f.root()), Vec::<String>::new());
    }
    eprintln!(
        "{} concurrent builds in {:?}, {waited} waited for the lock",
        rounds * per_round,
        started.elapsed()
    );
    assert!(
        waited > 0,
        "no build ever waited: the lock was not exercised"
    );
}

#[test]
fn stale_staging_folders_are_removed_and_failed_builds_leak_nothing() {
    let f = Fixture::new("title = \"S\"\nbase_url = \"\"\n");
    f.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    f.write(
        ".output.guidepost-new-abc123/big.html",
        "left by a killed build",
    );
    f.write(".output.guidepost-old-4242/.guidepost-output", "");
    f.write(
        ".other.guidepost-new-x/keep.txt",
        "another output's, not ours",
    );
    f.build_ok(&[]);
    assert_eq!(
        leftovers(f.root()),
        vec![".other.guidepost-new-x".to_string()]
    );
    // A build that fails while rendering leaves nothing behind.
    f.write("templates/page.html", "{{ nope() }}");
    f.write("content/a.md", "+++\ntitle = \"A\"\n+++\n");
    f.build_err(&[]);
    assert_eq!(
        leftovers(f.root()),
        vec![".other.guidepost-new-x".to_string()]
    );
}
