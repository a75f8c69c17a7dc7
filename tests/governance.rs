//! Policy authoring and governance: repository policies, `test`, `facts`, `init`, the rules
//! reference.

mod common;

use launchgate::check::{self, CheckOptions};

use common::launchgate;

#[test]
fn a_repository_policy_adds_a_rule_and_another_replaces_a_built_in() {
    let dir = common::tree(&[
        (
            "launchgate.toml",
            "# policies/ beside this file are loaded\n",
        ),
        (".env", "LOG_LEVEL=debug\nFEATURE_X=on\n"),
        (
            "policies/helpers.rhai",
            "fn is_debug(v) { v == \"debug\" || v == \"trace\" }\n",
        ),
        (
            "policies/team.rhai",
            r#"import "helpers" as h;
rule(#{ id: "team/log-level", severity: "error", summary: "LOG_LEVEL must not be debug", help: "Set LOG_LEVEL=info." },
  |facts, rule| {
    for f in facts.env.files {
      for e in f.entries {
        if e.key == "LOG_LEVEL" && h::is_debug(e.value) { report(e.value_location, "LOG_LEVEL is too verbose for production", #{ subject: e.key }); }
      }
    }
  });
// Replaces the built-in duplicate-key rule: this team only flags FEATURE_ keys.
rule(#{ id: "env/duplicate-key", severity: "warning", summary: "feature flag set twice", help: "Remove one." },
  |facts, rule| { });
"#,
        ),
        (".env.dup", "A=1\nA=2\n"),
    ]);
    let outcome = common::run(dir.path());
    let added = common::rendered(&outcome, "team/log-level");
    assert_eq!(
        added,
        ["team/log-level .env:1:11: LOG_LEVEL is too verbose for production"]
    );
    assert!(
        common::rendered(&outcome, "env/duplicate-key").is_empty(),
        "the replacement rule ran instead of the built-in"
    );
    let rule = outcome
        .rules
        .iter()
        .find(|r| r.id == "env/duplicate-key")
        .expect("listed");
    assert_eq!(
        (rule.summary.as_str(), rule.source.as_str()),
        ("feature flag set twice", "policies/team.rhai")
    );
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n == "repository policies: policies"),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_repository_policy_syntax_error_points_at_the_users_file_and_line() {
    let dir = common::tree(&[
        ("launchgate.toml", "policies = [\"checks\"]\n"),
        ("checks/broken.rhai", "// team checks\n\nrule(#{ id: \"team/x\", summary: \"s\", help: \"h\" }, |f, r| {\n  let x = ;\n});\n"),
    ]);
    let out = launchgate()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "fail closed:\n{stdout}");
    assert!(stdout.contains("policy/error"), "{stdout}");
    assert!(
        stdout.contains("[checks/broken.rhai:4:"),
        "labelled at the user's file and line:\n{stdout}"
    );
}

#[test]
fn launchgate_test_passes_on_the_built_in_policies() {
    let out = launchgate().arg("test").output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let last = stdout.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "{stdout}"
    );
}

#[test]
fn launchgate_test_on_a_broken_case_shows_expected_and_actual() {
    let dir = common::tree(&[(
        "team.test.toml",
        r#"[[case]]
name = "wrong column on purpose"
files.".env" = "A=1\nA=2\n"
expect = [{ rule = "env/duplicate-key", at = ".env:2:5" }]

[[case]]
name = "right"
files.".env" = "A=1\nA=2\n"
expect = [{ rule = "env/duplicate-key", at = ".env:2:1", message = "first on line 1" }]
"#,
    )]);
    let out = launchgate()
        .arg("test")
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("test team.test.toml::wrong column on purpose ... FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test team.test.toml::right ... ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected:\n  env/duplicate-key .env:2:5"),
        "{stdout}"
    );
    assert!(
        stdout.contains("actual:\n  env/duplicate-key .env:2:1: A is set twice"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("1 passed, 1 failed"),
        "{stdout}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

#[test]
fn init_then_check_gives_the_same_findings_as_inference() {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(std::path::Path::new("fixtures/credity"), dir.path());
    std::fs::remove_file(dir.path().join("launchgate.toml")).expect("start without config");
    let summarize = |o: &check::CheckOutcome| -> Vec<String> {
        o.findings
            .iter()
            .map(|f| {
                format!(
                    "{} {}:{}:{} {}",
                    f.rule, f.location.file, f.location.line, f.location.column, f.message
                )
            })
            .collect()
    };
    let opts = CheckOptions {
        root: dir.path().to_path_buf(),
        ..Default::default()
    };
    let inferred = check::run(&opts).expect("runs");
    assert!(inferred.inferred);

    let out = launchgate()
        .arg("init")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(dir.path().join("launchgate.toml")).expect("written");
    assert!(written.contains("[[env]]\nname = \"launch\""), "{written}");
    let configured = check::run(&opts).expect("runs with the written config");
    assert!(!configured.inferred);
    assert_eq!(summarize(&configured), summarize(&inferred));

    // init never overwrites.
    let again = launchgate()
        .arg("init")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("launchgate.toml")).expect("still there"),
        written
    );
}

#[test]
fn facts_are_json_with_secrets_redacted() {
    let canary = "CANARYfactsSecret77";
    let dir = common::tree(&[
        (".env.launch.local", &format!("NODE_ENV=development\nJWT_SECRET={canary}\nDB_URL=postgres://u:{canary}x@h/db\nMULTI=\"{canary}1\n{canary}2\"\n")),
        (".env.launch.example", "JWT_SECRET=<jwt>\n"),
    ]);
    let out = launchgate()
        .arg("facts")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(canary), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let vars = &v["env"]["sets"][0]["vars"];
    assert_eq!(
        vars["NODE_ENV"]["value"], "development",
        "non-secret settings stay readable"
    );
    assert_eq!(vars["JWT_SECRET"]["value"], "[redacted]");
    assert_eq!(
        v["env"]["sets"][0]["contract_keys"]["JWT_SECRET"]["sample"], "<jwt>",
        "placeholders are public"
    );
}

#[test]
fn the_rules_reference_is_in_sync() {
    let generated = launchgate()
        .args(["rules", "--markdown"])
        .output()
        .expect("runs");
    let generated = String::from_utf8_lossy(&generated.stdout);
    let on_disk = std::fs::read_to_string("docs/rules.md").unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/rules.md is out of date: regenerate with `cargo run -- rules --markdown > docs/rules.md`"
    );
}

/// Rule ids are public (SARIF rule ids): every built-in policy's ids and the engine's own are
/// unique across the whole registry (a second registration would silently replace the
/// first), and the full list is pinned so a rename or a removal shows in review.
#[test]
fn every_rule_id_is_unique_and_the_registry_is_pinned() {
    use launchgate::policy::{engine_rules, Limits, PolicySet, BUILTIN_POLICIES};
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for meta in engine_rules() {
        assert!(
            seen.insert(meta.id.clone(), "<engine>".into()).is_none(),
            "engine rule {} twice",
            meta.id
        );
    }
    for (source, text) in BUILTIN_POLICIES {
        let mut one = PolicySet::empty(Limits::default());
        one.load(source, text);
        for meta in one.rules().into_iter().filter(|m| m.source != "<engine>") {
            if let Some(first) = seen.insert(meta.id.clone(), source.to_string()) {
                panic!(
                    "rule {} is registered by {first} and again by {source}",
                    meta.id
                );
            }
        }
    }
    let registry: Vec<String> = PolicySet::builtin(Limits::default())
        .rules()
        .iter()
        .map(|r| format!("{:<36} {:<8} {}", r.id, r.severity.as_str(), r.source))
        .collect();
    assert_eq!(registry.len(), seen.len(), "a rule was replaced by id");
    insta::assert_snapshot!("rule_registry", registry.join("\n"));
}
