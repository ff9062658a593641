//! File watching for `guidepost serve`: notify with notify-debouncer-full,
//! native events or polling (`--poll`, for network shares).
//!
//! Watched: `content/`, `templates/`, `themes/`, `static/` and `data/` (recursively)
//! and the site root itself (not recursively), which catches
//! `guidepost.toml` and the creation of any of those folders (they are then
//! watched too). Editor temp files are dropped later, in
//! [`super::incremental::Project::classify`].

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer, new_debouncer_opt,
};

/// Folders of a site root that are watched recursively.
pub const WATCHED_DIRS: &[&str] = &["content", "templates", "themes", "static", "sass", "data"];

/// How long the debouncer gathers the events of one save before passing them
/// on; short, because the real wait is [`settle`]'s.
const MERGE_WINDOW: Duration = Duration::from_millis(10);

/// The debouncer's merge window and [`settle`]'s window for a `--debounce`
/// of `debounce`: together they wait `debounce` of quiet after the last
/// event, as `--debounce` says (the settle window alone used to be
/// `debounce`, so every change waited the merge window on top).
pub fn windows(debounce: Duration) -> (Duration, Duration) {
    let merge = debounce.min(MERGE_WINDOW);
    (merge, debounce - merge)
}

/// Gathers batches after `first` until none arrived for `window`: a burst of
/// saves (an editor writing every 100 ms, a `git checkout`) becomes one
/// rebuild that starts `window` after the last event, not one per event.
pub fn settle(
    rx: &mpsc::Receiver<Vec<PathBuf>>,
    first: Vec<PathBuf>,
    window: Duration,
) -> Vec<PathBuf> {
    let mut paths = first;
    while let Ok(more) = rx.recv_timeout(window) {
        paths.extend(more);
    }
    paths
}

/// A running watcher (stops when dropped).
pub enum Watcher {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl Watcher {
    /// Starts watching `root`; batches of changed paths arrive on `tx`.
    pub fn start(
        root: &Path,
        debounce: Duration,
        poll: bool,
        tx: mpsc::Sender<Vec<PathBuf>>,
    ) -> notify::Result<(Watcher, Vec<PathBuf>)> {
        let handler = move |result: DebounceEventResult| match result {
            Ok(events) => {
                let paths: Vec<PathBuf> = events
                    .into_iter()
                    .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                    .flat_map(|e| e.event.paths)
                    .collect();
                if !paths.is_empty() {
                    let _ = tx.send(paths);
                }
            }
            Err(errors) => {
                for e in errors {
                    tracing::warn!("file watcher: {e}");
                }
            }
        };
        // The debouncer only merges the events of one save (and stitches
        // renames); the settle window (`--debounce`) is [`settle`]'s.
        let (merge, _) = windows(debounce);
        let mut watcher = if poll {
            // Polling sees modification times in whole seconds, so two saves
            // within a second would look alike: compare contents as well.
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(300).max(debounce))
                .with_compare_contents(true);
            Watcher::Poll(new_debouncer_opt::<_, PollWatcher, NoCache>(
                merge, None, handler, NoCache, config,
            )?)
        } else {
            Watcher::Native(new_debouncer(merge, None, handler)?)
        };
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        let mut watched = Vec::new();
        for d in WATCHED_DIRS {
            let p = root.join(d);
            if p.is_dir() {
                watcher.watch(&p, RecursiveMode::Recursive)?;
                watched.push(p);
            }
        }
        Ok((watcher, watched))
    }

    /// Watches one more path.
    pub fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Watcher::Native(d) => d.watch(path, mode),
            Watcher::Poll(d) => d.watch(path, mode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn the_two_windows_add_up_to_the_debounce() {
        let ms = Duration::from_millis;
        assert_eq!(windows(ms(20)), (ms(10), ms(10)));
        assert_eq!(windows(ms(300)), (ms(10), ms(290)));
        assert_eq!(windows(ms(5)), (ms(5), ms(0)));
        assert_eq!(windows(ms(0)), (ms(0), ms(0)));
    }

    #[test]
    fn settle_waits_until_a_burst_is_quiet() {
        let (tx, rx) = mpsc::channel();
        let sender = std::thread::spawn(move || {
            for i in 0..5 {
                std::thread::sleep(Duration::from_millis(50));
                tx.send(vec![PathBuf::from(format!("f{i}"))]).unwrap();
            }
            // Keep the channel open past the window.
            std::thread::sleep(Duration::from_millis(400));
            drop(tx);
        });
        let start = Instant::now();
        let paths = settle(
            &rx,
            vec![PathBuf::from("first")],
            Duration::from_millis(150),
        );
        let waited = start.elapsed();
        assert_eq!(paths.len(), 6, "one batch for the whole burst: {paths:?}");
        assert!(
            waited >= Duration::from_millis(250 + 150),
            "ended {waited:?} after the start, before the burst was quiet"
        );
        sender.join().unwrap();
    }
}
