//! The `guidepost` binary: everything lives in the library's CLI layer.

/// mimalloc rather than the system allocator: a build allocates and frees
/// millions of small strings across rayon's threads, where glibc's malloc
/// spent about a quarter of the build's CPU (measured with
/// `scripts/bench.py`: 10k pages, 1.07 s CPU with glibc, 0.77 s with
/// mimalloc). Transparent huge pages are off (`no_thp`), which keeps peak
/// memory lower.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    guidepost::cli::main()
}
