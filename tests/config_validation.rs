//! The config is validated once, into typed values, before anything runs: every glob a key
//! takes is compiled (an invalid one is a diagnostic at the key and exit 2, never a silently
//! empty match that lets the check pass having looked at nothing), enums and tolerances are
//! checked where they are written. Rule ids in `[rules]` may be globs.

mod common;
use common::launchgate;

/// Run `check` on a small repository whose `launchgate.toml` is `config`; return the exit
/// code and what was printed.
fn check_with(config: &str) -> (Option<i32>, String) {
    let dir = common::tree(&[
        ("launchgate.toml", config),
        (
            "docs/RUNBOOK.md",
            "# Runbook\n\nRun `scripts/missing.sh`.\n",
        ),
        // `scripts/` exists, so `scripts/missing.sh` is beyond doubt a stale path.
        ("scripts/present.sh", "#!/bin/sh\nset -eu\n"),
        (".env.production", "NODE_ENV=development\n"),
    ]);
    let out = launchgate()
        .args(["check", "--format", "human"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The config is refused with exit 2, the message names the bad glob and the label points at
/// `line` of the config.
fn refused_at(config: &str, pattern: &str, line: usize) {
    let (code, text) = check_with(config);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!("invalid glob `{pattern}`")) || text.contains(pattern),
        "{text}"
    );
    assert!(
        text.contains(&format!("launchgate.toml:{line}:")),
        "diagnostic not at line {line}:\n{text}"
    );
}

#[test]
fn top_level_exclude() {
    refused_at("exclude = [\"vendor/**\", \"build/[x\"]\n", "build/[x", 1);
}

#[test]
fn docs_include() {
    refused_at(
        "[docs]\ninclude = [\"runbooks/{a,b\"]\n",
        "runbooks/{a,b",
        2,
    );
}

#[test]
fn docs_exclude() {
    refused_at("[docs]\nexclude = [\"CHANGELOG.md\", \"[\"]\n", "[", 2);
}

#[test]
fn docs_generated_paths() {
    refused_at(
        "[docs]\ngenerated-paths = [\"verify/[ts.txt\"]\n",
        "verify/[ts.txt",
        2,
    );
}

#[test]
fn probes_include() {
    refused_at(
        "[probes]\ninclude = [\"public.[users\"]\n",
        "public.[users",
        2,
    );
}

#[test]
fn probes_exclude() {
    refused_at("[probes]\nexclude = [\"audit.{a\"]\n", "audit.{a", 2);
}

#[test]
fn waiver_subject_and_file() {
    let waiver = |field: &str, value: &str| {
        format!(
            "[[waiver]]\nrule = \"docs/*\"\n{field} = \"{value}\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2999-12-31\n"
        )
    };
    refused_at(&waiver("subject", "scripts/[x"), "scripts/[x", 1);
    refused_at(&waiver("file", "docs/{a"), "docs/{a", 1);
}

#[test]
fn rules_keys_are_globs_and_a_bad_one_is_refused() {
    refused_at("[rules]\n\"docs/[x\" = \"off\"\n", "docs/[x", 2);
    let (code, text) = check_with("[rules]\n\"nothing/*\" = \"off\"\n");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("`nothing/*` matches no rule"), "{text}");
    assert!(text.contains("launchgate.toml:2:"), "{text}");
}

#[test]
fn a_rules_glob_turns_an_area_off_and_an_exact_id_wins_over_it() {
    let (code, text) = check_with("[rules]\n\"launch/*\" = \"off\"\n\"docs/*\" = \"off\"\n");
    assert!(!text.contains("launch/node-env"), "{text}");
    assert!(!text.contains("docs/stale-path"), "{text}");
    assert_ne!(code, Some(2), "{text}");
    let (_, text) = check_with(
        "[rules]\n\"docs/*\" = \"off\"\n\"docs/stale-path\" = \"error\"\n\"launch/*\" = \"off\"\n",
    );
    assert!(text.contains("docs/stale-path"), "{text}");
    assert!(!text.contains("launch/node-env"), "{text}");
    // A glob never reaches the fail-closed rules.
    let (code, text) = check_with("[rules]\n\"*\" = \"off\"\n");
    assert_ne!(code, Some(2), "{text}");
}

/// The config is refused with exit 2 and a message containing `needle` at `line`.
fn refused_with(config: &str, needle: &str, line: usize) {
    let (code, text) = check_with(config);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    assert!(
        text.contains(&format!("launchgate.toml:{line}:")),
        "not at line {line}:\n{text}"
    );
}

#[test]
fn enums_and_tolerances_are_checked_where_they_are_written() {
    refused_with("[probes]\nmethod = \"slow\"\n", "unknown variant `slow`", 2);
    refused_with(
        "[probes]\ntolerance = \"-3\"\n",
        "tolerance `-3` is not a row count",
        2,
    );
    refused_with(
        "[probes.tables.users]\ntolerance = \"lots\"\n",
        "tolerance `lots` is not a row count",
        2,
    );
    refused_with(
        "[rules]\n\"docs/stale-path\" = \"fatal\"\n",
        "unknown variant `fatal`",
        2,
    );
    // A misspelt object class would compare nothing of that class.
    refused_with(
        "[probes]\nobjects = [\"view\", \"indexes\"]\n",
        "unknown variant `indexes`",
        2,
    );
    refused_with("[probes]\nignore-objects = [\"index:[x\"]\n", "index:[x", 2);
    let (code, text) = check_with("[probes]\nmethod = \"fast\"\ntolerance = 25\n");
    assert_ne!(code, Some(2), "{text}");
}

#[test]
fn migrations_pattern() {
    refused_at(
        "[[migrations]]\npath = \"db/changes\"\npattern = \"*.{sql\"\n",
        "*.{sql",
        3,
    );
}

#[test]
fn an_unknown_env_dialect_is_refused_at_the_value() {
    let set = |dialect: &str| {
        format!(
            "[docs]\nlegacy-names = []\n\n[[env]]\nname = \"production\"\nfiles = [\".env.production\"]\npolicies = [\"launch\"]\ndialect = \"{dialect}\"\n"
        )
    };
    // A typo used to fall back to inference with a note; now it is exit 2 at line 8.
    refused_with(
        &set("nodejs"),
        "unknown dialect `nodejs`: expected one of node, python, compose, shell",
        8,
    );
    refused_with(&set("Python"), "unknown dialect `Python`", 8);
    for known in ["node", "python", "compose", "shell"] {
        let (code, text) = check_with(&set(known));
        assert_ne!(code, Some(2), "{known}: {text}");
        assert!(
            text.contains(&format!(".env.production read as {known}")),
            "{known}: {text}"
        );
    }
}
