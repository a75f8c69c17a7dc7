//! The module graph points one way. Each top-level module of `src/` sits on a layer and may
//! use only modules on lower layers; an import that points back up (or sideways into a
//! sibling of its layer) fails here with the file that made it.
//!
//! This is the project's acyclic check: it reads every `crate::module` path in `src/` (the
//! crate writes no grouped `use crate::{...}`; the test refuses one, so the scan stays
//! complete) and is cheap enough for every `cargo test`. docs/architecture.md explains the
//! layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. Modules on one layer must not use each other.
const LAYERS: &[&[&str]] = &[
    // Primitives: depend on nothing in the crate.
    &["source", "tolerance", "rules"],
    // What is a secret (values and keys only).
    &["secrets"],
    // The configuration, validated into types.
    &["config"],
    // The typed facts.
    &["facts"],
    // Findings (facts' locations, the registry's severities).
    &["finding"],
    // Turning the repository and the databases into facts.
    &["collect", "probe"],
    // Judging facts.
    &["policy"],
    &["waiver", "baseline"],
    // One run of the pipeline.
    &["check"],
    // What runs on a run's outcome.
    &["report", "policy_tests", "init"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module of each file → modules it names through `crate::`, with one file that
/// does so.
fn module_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .expect("inside src")
            .to_string_lossy()
            .replace('\\', "/");
        let top = rel
            .split('/')
            .next()
            .unwrap_or(&rel)
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(
            !text.contains("crate::{"),
            "{rel}: a grouped `use crate::{{...}}` hides edges from this check; write one use per module"
        );
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(name)
                    .or_insert_with(|| rel.clone());
            }
        }
    }
    graph
}

#[test]
fn every_module_is_on_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("lib.rs");
    let modules: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    for m in &modules {
        assert!(
            layer_of(m).is_some(),
            "module `{m}` is on no layer: add it to LAYERS in tests/architecture.rs and docs/architecture.md"
        );
    }
}

#[test]
fn dependencies_point_down_the_layers() {
    let mut wrong = Vec::new();
    for (module, uses) in module_graph() {
        let Some(from) = layer_of(&module) else {
            continue;
        };
        for (used, file) in uses {
            let Some(to) = layer_of(&used) else {
                continue;
            };
            if to >= from {
                wrong.push(format!(
                    "{file}: `{module}` (layer {from}) uses `{used}` (layer {to})"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_an_edge_that_points_up() {
    // The scan must find real edges, or the test above would pass on an empty graph.
    let graph = module_graph();
    assert!(graph["check"].contains_key("collect"), "{graph:?}");
    assert!(graph["cli"].contains_key("report"), "{graph:?}");
    assert!(
        graph.get("source").is_none_or(|u| u.is_empty()),
        "source is a leaf: {graph:?}"
    );
}
