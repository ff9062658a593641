//! The `guidepost` binary: everything lives in the library's CLI layer.

fn main() -> std::process::ExitCode {
    guidepost::cli::main()
}
