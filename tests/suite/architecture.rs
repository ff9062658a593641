//! The layering rule of ARCHITECTURE.md, checked: a module imports only
//! modules in layers below its own. A new top-level module must be given a
//! layer here (and in ARCHITECTURE.md) before the suite passes.

use std::collections::BTreeMap;
use std::path::Path;

/// Layer of every top-level module of `src/`, lowest first. Modules on one
/// layer may not import each other.
const LAYERS: &[(&str, u32)] = &[
    ("diagnostics", 10),
    ("text", 10),
    ("config", 11),
    ("urls", 11),
    ("plan", 20),
    ("source", 30),
    ("frontmatter", 40),
    ("highlight", 45),
    ("markdown", 50),
    ("shortcodes", 55),
    ("model", 60),
    ("features", 70),
    ("templates", 80),
    ("render", 90),
    ("output", 100),
    ("pipeline", 110),
    ("serve", 120),
    ("init", 120),
    ("import", 120),
    ("export", 120),
    ("cli", 130),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// `crate::x` references outside test modules, per top-level module.
fn imports(src: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let top = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let body = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for (i, _) in body.match_indices("crate::") {
            let before = body[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let used: String = body[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !used.is_empty() && used != top {
                found
                    .entry(top.clone())
                    .or_default()
                    .push((used, rel.clone()));
            }
        }
    }
    found
}

#[test]
fn modules_import_only_layers_below_their_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let all = imports(&src);
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if name != "lib"
            && name != "main"
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && layer(&name).is_none()
        {
            problems.push(format!(
                "src/{name}: no layer in LAYERS (add it here and to ARCHITECTURE.md)"
            ));
        }
    }
    for (module, uses) in &all {
        let Some(own) = layer(module) else { continue };
        for (used, file) in uses {
            match layer(used) {
                Some(l) if l < own => {}
                Some(_) => problems.push(format!(
                    "src/{file}: `{module}` (layer {own}) imports `{used}` (layer {}), which is not below it",
                    layer(used).unwrap()
                )),
                None => problems.push(format!("src/{file}: imports unknown module `{used}`")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    // A planted violation in a scratch tree: the check must report it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("model")).unwrap();
    std::fs::write(
        dir.path().join("model/mod.rs"),
        "use crate::render::RenderCache;\nuse crate::text::slugify;\n#[cfg(test)]\nmod tests {\n use crate::pipeline::x;\n}\n",
    )
    .unwrap();
    let found = imports(dir.path());
    let uses: Vec<&str> = found["model"].iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        uses,
        ["render", "text"],
        "test modules are skipped, real imports kept"
    );
    assert!(layer("render").unwrap() > layer("model").unwrap());
}
