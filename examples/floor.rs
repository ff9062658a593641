//! The "floor" for any generator, used by `scripts/bench.py --floor-bin`:
//! read every Markdown file under CONTENT, render it with pulldown-cmark into a
//! fixed wrapper and write it under OUT, in parallel. No front matter, no
//! templates, no links: just the unavoidable I/O and Markdown work.
//!
//! Usage: cargo run --release --example floor -- CONTENT OUT

use std::path::{Path, PathBuf};

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (content, out) = match (args.get(1), args.get(2)) {
        (Some(c), Some(o)) => (PathBuf::from(c), PathBuf::from(o)),
        _ => {
            eprintln!("usage: floor CONTENT OUT");
            std::process::exit(2);
        }
    };
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.par_iter().for_each(|f| render(f, &content, &out));
    eprintln!("floor: {} files", files.len());
}

fn render(file: &Path, content: &Path, out: &Path) {
    let text = std::fs::read_to_string(file).expect("read");
    let body = text.splitn(3, "+++").nth(2).unwrap_or(&text);
    let mut html = String::from("<!DOCTYPE html><html><body>");
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(body, pulldown_cmark::Options::all()),
    );
    html.push_str("</body></html>");
    let rel = file.strip_prefix(content).unwrap().with_extension("");
    let target = out.join(rel).join("index.html");
    std::fs::create_dir_all(target.parent().unwrap()).expect("mkdir");
    std::fs::write(target, html).expect("write");
}
