//! Live preview: `guidepost serve`.
//!
//! Builds the site into memory with root-relative links (behind the base
//! path of a subpath `base_url`), serves it over HTTP from memory
//! ([`server`]), watches the sources ([`watch`]) and brings the output up to
//! date with the cheapest safe strategy ([`incremental`]). After each rebuild
//! every open page gets a Server-Sent Event: `reload` with the URL paths whose
//! bytes changed (found by diffing the old and new output), or `error` with
//! the diagnostics while the last good site keeps being served. Outputs no
//! page shows (the search index) are finished after `reload` and announced
//! with `files`, so an edited page reloads without waiting for them. The reload
//! script (`reload.js`) and the overlay stylesheet are served only here and
//! are never part of `guidepost build` output.

pub(crate) mod incremental;
pub(crate) mod server;
pub(crate) mod watch;

#[cfg(test)]
mod oracle_tests;

use std::collections::{BTreeSet, HashSet};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::diagnostics::Diagnostics;
use crate::pipeline::BuildOptions;
use crate::plan::SiteOutput;
use incremental::{Change, Project, Update};
use server::{Message, Shared};

/// Command-line options of `guidepost serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
    pub drafts: bool,
    pub poll: bool,
    pub debounce: Duration,
    /// Send `Content-Security-Policy: default-src 'self'` (for tests).
    pub csp: bool,
    /// Request timeout and connection cap.
    pub limits: server::Limits,
}

/// Runs the dev server until interrupted.
pub fn run(options: ServeOptions) -> ExitCode {
    let root = match std::fs::canonicalize(&options.root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "error: cannot open site root {}: {e}",
                options.root.display()
            );
            return ExitCode::from(1);
        }
    };
    let mut project = Project::new(BuildOptions {
        root: root.clone(),
        base_url: None,
        include_drafts: options.drafts,
        url_mode: None,
        export: None,
        // The next change compares and reuses the files' text.
        one_shot: false,
    });
    let started = std::time::Instant::now();
    let (output, error) = match project.full_build() {
        Ok(o) => {
            eprintln!(
                "Built {} files in {} ms",
                o.files.len(),
                started.elapsed().as_millis()
            );
            (o, None)
        }
        Err(e) => {
            print_diagnostics(&e, &root);
            eprintln!("The site did not build; serving the error until it is fixed.");
            (SiteOutput::default(), Some(error_json(&e, &root)))
        }
    };
    let shared = Shared::new(output, project.base_path.clone(), options.csp, root.clone());
    *shared.error.write().unwrap_or_else(|e| e.into_inner()) = error;
    shared
        .served
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .embed = project.embed.clone();

    let listener = match bind(options.bind, options.port) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", options.bind);
            return ExitCode::from(1);
        }
    };
    let addr = listener.local_addr().expect("bound socket has an address");
    let url = format!("http://{}{}/", host_for_url(addr), project.base_path);
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}: the preview is reachable from the network, not only this computer",
            options.bind
        );
    }

    let (tx, rx) = mpsc::channel();
    let (watcher, watched) = match watch::Watcher::start(&root, options.debounce, options.poll, tx)
    {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch {}: {e}", root.display());
            return ExitCode::from(1);
        }
    };
    let (_, settle) = watch::windows(options.debounce);
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("guidepost-rebuild".into())
            .spawn(move || rebuild_loop(project, shared, rx, watcher, watched, settle))
            .expect("start the rebuild thread");
    }

    println!("Serving {} at {url} (Ctrl+C to stop)", root.display());
    if options.open {
        open_browser(&url);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        if let Err(e) = listener.set_nonblocking(true) {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let app = server::router(shared);
        tokio::select! {
            () = server::serve(listener, app, options.limits) => {
                eprintln!("error: server stopped");
                ExitCode::from(1)
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("Stopped.");
                ExitCode::SUCCESS
            }
        }
    })
}

/// Binds `port`, or the next free port when it is taken (port 0: any).
fn bind(ip: IpAddr, port: u16) -> std::io::Result<TcpListener> {
    let first = TcpListener::bind(SocketAddr::new(ip, port));
    if port == 0 {
        return first;
    }
    let mut last = match first {
        Ok(l) => return Ok(l),
        Err(e) => e,
    };
    for p in port.saturating_add(1)..=port.saturating_add(50) {
        match TcpListener::bind(SocketAddr::new(ip, p)) {
            Ok(l) => {
                eprintln!("Port {port} is in use; using {p} instead.");
                return Ok(l);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn host_for_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

fn open_browser(url: &str) {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("xdg-open"))
            .find(|p| p.is_file())
    });
    if let Some(bin) = found {
        let _ = std::process::Command::new(bin)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// Waits for batches of changed paths and rebuilds, one batch at a time
/// (batches that arrive meanwhile are merged into the next rebuild).
fn rebuild_loop(
    mut project: Project,
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Vec<PathBuf>>,
    mut watcher: watch::Watcher,
    mut watched: Vec<PathBuf>,
    settle: Duration,
) {
    let root = project.options.root.clone();
    while let Ok(first) = rx.recv() {
        let mut paths = watch::settle(&rx, first, settle);
        paths.sort();
        paths.dedup();
        // Folders created after start (say, a first `templates/`).
        for d in watch::WATCHED_DIRS {
            let p = root.join(d);
            if !watched.contains(&p) && p.is_dir() && paths.contains(&p) {
                if let Err(e) = watcher.watch(&p, notify::RecursiveMode::Recursive) {
                    eprintln!("warning: cannot watch {}: {e}", p.display());
                }
                watched.push(p);
            }
        }
        let served = shared.served.read().unwrap_or_else(|e| e.into_inner());
        let changes = project.classify(&paths, &served.output);
        if changes.is_empty() {
            continue;
        }
        let what = describe(&changes);
        let result = project.rebuild(&changes, &served.output);
        match result {
            Ok(rebuilt) => {
                let patched = matches!(rebuilt.update, Update::Patch(..));
                let changed =
                    incremental::changed_paths(&rebuilt.update, &served.output, &rebuilt.touched);
                drop(served);
                {
                    let mut w = shared.served.write().unwrap_or_else(|e| e.into_inner());
                    incremental::apply(rebuilt.update, &mut w.output);
                    if !patched {
                        w.base = project.base_path.clone();
                        w.embed = project.embed.clone();
                    }
                }
                let data = paths_json(&project.base_path, &changed);
                *shared.error.write().unwrap_or_else(|e| e.into_inner()) = None;
                let _ = shared.events.send(Message {
                    event: "reload",
                    data,
                });
                let count = if patched {
                    format!("{} re-rendered", rebuilt.rendered)
                } else {
                    format!("{} files", rebuilt.rendered)
                };
                eprintln!(
                    "{what}: {}, {count}, {} changed in {} ms",
                    rebuilt.strategy,
                    changed.len(),
                    rebuilt.elapsed.as_millis()
                );
                finish(&mut project, &shared);
            }
            Err(e) => {
                drop(served);
                eprintln!("{what}: the site did not build (still serving the last good build)");
                print_diagnostics(&e, &root);
                let json = error_json(&e, &root);
                *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(json.clone());
                let _ = shared.events.send(Message {
                    event: "error",
                    data: json,
                });
            }
        }
    }
}

/// Finishes what the rebuild left for after its reload event (the search
/// index) and sends `files` with the paths that changed: a page reloads
/// only if it loaded one of them (as for `reload`, no page's own bytes are
/// among them).
fn finish(project: &mut Project, shared: &Shared) {
    let started = std::time::Instant::now();
    let served = shared.served.read().unwrap_or_else(|e| e.into_inner());
    let Some(update) = project.finish(&served.output) else {
        return;
    };
    let changed = incremental::changed_paths(&update, &served.output, &HashSet::new());
    drop(served);
    incremental::apply(
        update,
        &mut shared
            .served
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .output,
    );
    if changed.is_empty() {
        return;
    }
    let _ = shared.events.send(Message {
        event: "files",
        data: paths_json(&project.base_path, &changed),
    });
    eprintln!(
        "  then the search index: {} changed in {} ms",
        changed.len(),
        started.elapsed().as_millis()
    );
}

/// `{"paths": [...]}` for `reload` and `files`: the URL paths of the changed
/// output files, `/a/index.html` also as `/a/` (a page is reachable as both).
fn paths_json(base: &str, changed: &[String]) -> String {
    let mut urls: BTreeSet<String> = changed.iter().map(|k| url_path(base, k)).collect();
    urls.extend(
        changed
            .iter()
            .filter(|k| k.ends_with("index.html"))
            .map(|k| format!("{base}/{k}")),
    );
    serde_json::json!({ "paths": urls }).to_string()
}

/// URL path of an output file: `a/index.html` → `/a/`, `css/x.css` → `/css/x.css`.
pub fn url_path(base: &str, key: &str) -> String {
    let trimmed = key
        .strip_suffix("index.html")
        .filter(|k| k.is_empty() || k.ends_with('/'));
    match trimmed {
        Some(dir) => format!("{base}/{dir}"),
        None => format!("{base}/{key}"),
    }
}

/// `content/a.md changed` / `3 files changed`.
fn describe(changes: &BTreeSet<Change>) -> String {
    let names: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::Structure(p) | Change::Theme(p) => p.clone(),
            Change::Content(p) => format!("content/{p}"),
            Change::Disk(p) => p.display().to_string(),
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    match names.as_slice() {
        [one] => format!("{one} changed"),
        many => format!("{} files changed", many.len()),
    }
}

/// Prints the diagnostics as `build` does: capped, through one buffer.
fn print_diagnostics(diagnostics: &Diagnostics, root: &Path) {
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let _ = crate::diagnostics::write_report(diagnostics, root, &mut err);
}

/// `{"errors": [DiagnosticReport...], "hidden": N}` for the `error` event:
/// the same capped selection the terminal shows.
fn error_json(diagnostics: &Diagnostics, root: &Path) -> String {
    let (shown, hidden) = crate::diagnostics::capped(&diagnostics.0);
    let reports: Vec<_> = shown
        .into_iter()
        .map(|d| d.clone().relative_to(root).to_report())
        .collect();
    let hidden: usize = hidden.iter().map(|(_, n)| n).sum();
    serde_json::json!({ "errors": reports, "hidden": hidden }).to_string()
}
