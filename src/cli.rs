//! Command-line layer: parses arguments and runs one command. The only
//! public item of the crate besides what benchmarks use.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::Staging;
use crate::pipeline::{self, BuildOptions, load_config, output_dir};

#[derive(Parser)]
#[command(
    name = "guidepost",
    version,
    about = "Build knowledge sites that explain options and help readers decide."
)]
struct Cli {
    /// Show what is being done (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// Site root (the folder with guidepost.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: output_dir from guidepost.toml, "output").
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Override base_url ("" for relative links).
        #[arg(long)]
        base_url: Option<String>,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
    },
    /// Validate and render everything in memory; write nothing.
    Check {
        /// Site root (the folder with guidepost.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
    },
    /// Preview the site: build into memory, serve it on this computer, and
    /// rebuild and reload open pages on every change.
    Serve {
        /// Site root (the folder with guidepost.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (the next free one when taken; 0 for any).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; anything but 127.0.0.1/::1 exposes the preview to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
        /// Poll for changes instead of relying on file events (network shares).
        #[arg(long)]
        poll: bool,
        /// Milliseconds to wait for a burst of file events to settle
        /// (default: `[serve] debounce_ms` in guidepost.toml, 20).
        #[arg(long)]
        debounce: Option<u64>,
        /// Send `Content-Security-Policy: default-src 'self'` with every response.
        #[arg(long, hide = true)]
        csp: bool,
    },
    /// Create a content file from the site's archetype (`archetypes/SECTION.md`,
    /// `archetypes/default.md`) or a default draft: `guidepost new blog/post.md`.
    New {
        /// Path under content/ (`blog/my-post.md`).
        path: String,
        /// Site root.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Convert a site from another generator (`guidepost import zola DIR`).
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// Write one page, or a whole decision guide, as one self-contained HTML
    /// file (styles and images inside, no JavaScript) for mail, file shares
    /// and ticket attachments: `guidepost export /decide/ --single-file guide.html`.
    Export {
        /// The page: a content path (`roles/vciso.md`) or a URL path (`/decide/`).
        page: String,
        /// The file to write (replaced if it exists; never a folder).
        #[arg(long = "single-file", value_name = "FILE")]
        single_file: PathBuf,
        /// Site root (the folder with guidepost.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Override base_url: with an absolute one, links to other pages of
        /// the site stay links; without, they are shown as plain text.
        #[arg(long)]
        base_url: Option<String>,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new site that builds at once with the built-in theme.
    Init {
        /// Folder to create (must not exist or be empty).
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportFrom {
    /// A Zola site: rename its config, rewrite Tera 1 templates into Tera 2,
    /// and report every change with file:line. Writes nothing unless
    /// --in-place or --into is given.
    Zola {
        /// The Zola site's folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Convert the site in its own folder.
        #[arg(long, conflicts_with = "into")]
        in_place: bool,
        /// Write the converted site into this new folder.
        #[arg(long)]
        into: Option<PathBuf>,
    },
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    // Long messages stay on one line so they can be searched and copied.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => {
            let options = BuildOptions {
                root: root.clone(),
                base_url,
                include_drafts: drafts,
                url_mode: None,
                export: None,
                one_shot: true,
            };
            // Pages are written into a staging folder beside the output as they
            // render; it replaces the output only when the whole build succeeded.
            let staging = match load_config(&options).and_then(|config| {
                let out = output_dir(&root, &config, output.as_deref());
                Staging::create(&out, &root)
                    .map(|s| (s, out))
                    .map_err(Into::into)
            }) {
                Ok(s) => s,
                Err(e) => return report(e, &root),
            };
            let (staging, out) = staging;
            let progress = Progress::start();
            let sink = |rel: &str, bytes: &[u8]| staging.write(rel, bytes);
            let built = pipeline::build(&options, Some(&sink));
            progress.finish();
            let built = match built {
                Ok(b) => b,
                Err(e) => return report(e, &root),
            };
            print_warnings(&built.warnings, &root);
            let code = match staging.finish(&built.output) {
                Ok(_) => {
                    eprintln!("Built {} into {}", built.stats.summary(), out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => report(e.into(), &root),
            };
            // The process ends here: freeing the model, the template objects
            // and the search index one allocation at a time took 0.15 s of a
            // 10k-page build, and the system takes the memory back at once.
            std::mem::forget(built);
            code
        }
        Command::Check { root, drafts } => {
            let options = BuildOptions {
                root: root.clone(),
                include_drafts: drafts,
                one_shot: true,
                ..Default::default()
            };
            match pipeline::build(&options, None) {
                Ok(b) => {
                    print_warnings(&b.warnings, &root);
                    eprintln!("Checked {}: no problems found", b.stats.summary());
                    ExitCode::SUCCESS
                }
                Err(e) => report(e, &root),
            }
        }
        Command::Serve {
            root,
            port,
            bind,
            open,
            drafts,
            poll,
            debounce,
            csp,
        } => {
            // The flag wins; else the config's value (a broken config is reported by serve itself).
            let serve_config = crate::config::Config::load(&root)
                .map_or_else(|_| crate::config::ServeConfig::default(), |c| c.serve);
            let debounce = debounce.unwrap_or(serve_config.debounce_ms);
            let limits = crate::serve::server::Limits {
                request_timeout: Duration::from_millis(serve_config.request_timeout_ms.max(1)),
                max_connections: serve_config.max_connections.max(1),
            };
            crate::serve::run(crate::serve::ServeOptions {
                root,
                port,
                bind,
                open,
                drafts,
                poll,
                debounce: Duration::from_millis(debounce),
                csp,
                limits,
            })
        }
        Command::New { path, root } => match crate::init::new_content(&root, &path) {
            Ok(file) => {
                eprintln!("Created {}", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => report(e.into(), &root),
        },
        Command::Import {
            from:
                ImportFrom::Zola {
                    dir,
                    in_place,
                    into,
                },
        } => {
            let target = match (in_place, into) {
                (true, _) => crate::import::Target::InPlace,
                (false, Some(d)) => crate::import::Target::Into(d),
                (false, None) => crate::import::Target::DryRun,
            };
            match crate::import::import_zola(&dir, target) {
                Ok(r) => {
                    print!("{}", r.render());
                    ExitCode::SUCCESS
                }
                Err(e) => report(e.into(), Path::new(".")),
            }
        }
        Command::Export {
            page,
            single_file,
            root,
            base_url,
            drafts,
        } => {
            let options = crate::export::ExportOptions {
                root: root.clone(),
                page,
                out: single_file.clone(),
                base_url,
                include_drafts: drafts,
            };
            match crate::export::export(&options) {
                Ok(e) => {
                    print_warnings(&e.warnings, &root);
                    let unlinked = if e.unlinked > 0 {
                        format!(
                            ", {} link{} to other pages shown as plain text (no absolute base_url)",
                            e.unlinked,
                            if e.unlinked == 1 { "" } else { "s" }
                        )
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "Exported {} into {} ({} KB, {} file{} inlined{unlinked})",
                        e.source,
                        single_file.display(),
                        e.bytes.div_ceil(1024),
                        e.inlined,
                        if e.inlined == 1 { "" } else { "s" }
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => report(e, &root),
            }
        }
        Command::Init { dir } => match crate::init::init_site(&dir) {
            Ok(()) => {
                eprintln!(
                    "Created a new site in {}. Next: cd {} && guidepost build",
                    dir.display(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => report(e.into(), Path::new(".")),
        },
    }
}

/// Prints warnings (with their snippets); they never change the exit code.
fn print_warnings(warnings: &[Diagnostic], root: &Path) {
    for d in warnings {
        eprintln!("{:?}", miette::Report::new(d.clone().relative_to(root)));
    }
}

/// Prints the diagnostics with their snippets (the first 50 of each kind in
/// full, then a count per file, through one buffer) and returns the
/// failure exit code.
fn report(diagnostics: Diagnostics, root: &Path) -> ExitCode {
    use std::io::Write;
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let count = diagnostics.0.len();
    let _ = crate::diagnostics::write_report(&diagnostics, root, &mut err);
    let _ = writeln!(
        err,
        "error: build failed with {count} error{}",
        if count == 1 { "" } else { "s" }
    );
    let _ = err.flush();
    ExitCode::from(1)
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "guidepost=info",
        _ => "guidepost=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// A spinner shown on a terminal when a build takes longer than a second.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn start() -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        bar.set_message("building");
        let b = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !b.is_finished() {
                b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Progress(Some(bar))
    }

    fn finish(self) {
        if let Some(b) = self.0 {
            b.finish_and_clear();
        }
    }
}
