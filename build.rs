//! Embeds every built-in policy (`policies/*.rhai`) and its test cases
//! (`policies/tests/*.test.toml`) into the binary, sorted by name, so adding a file is all it
//! takes to ship it.

use std::fmt::Write as _;
use std::path::Path;

/// Append `pub const NAME: &[(&str, &str)]` listing `dir/*SUFFIX` as (shown path, text).
fn embed(out: &mut String, name: &str, doc: &str, dir: &Path, shown_dir: &str, suffix: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = writeln!(out, "/// {doc}\npub const {name}: &[(&str, &str)] = &[");
    for f in &files {
        let path = dir.join(f);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    (\"{shown_dir}/{f}\", include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
}

fn main() {
    // Read at run time: `env!` would freeze the path into the compiled build script, which a
    // copied target/ folder would then reuse for another checkout.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let policies = Path::new(&manifest_dir).join("policies");
    let mut out = String::new();
    embed(
        &mut out,
        "BUILTIN_POLICIES",
        "Built-in policies: (repository path, source text).",
        &policies,
        "policies",
        ".rhai",
    );
    embed(
        &mut out,
        "BUILTIN_CASES",
        "Built-in policy test cases: (name, TOML text).",
        &policies.join("tests"),
        "policies/tests",
        ".test.toml",
    );
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = std::fs::write(Path::new(&out_dir).join("builtin_policies.rs"), out);
}
