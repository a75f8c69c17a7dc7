//! The CLI contract: verdicts and exit codes, bad flags and bad config, rules and explain.

mod common;

use common::launchgate;

fn stdout_of(args: &[&str]) -> (Option<i32>, String, String) {
    let out = launchgate().args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn credity_is_no_go_with_each_planted_problem_at_its_line() {
    let (code, out, _) = stdout_of(&["check", "fixtures/credity"]);
    assert_eq!(code, Some(1), "{out}");
    for (header, message) in [
        ("[.env.launch.local:2:10]", "NODE_ENV is `development`"),
        ("[.env.launch.local:3:19]", "ALLOW_DEMO_ROUTES is `true`"),
        (
            "[.env.launch.example:9:1]",
            "REQUIRE_DATABASE is missing from .env.launch.local",
        ),
        (
            "[.env.launch.example:10:1]",
            "REQUIRE_QUEUE is missing from .env.launch.local",
        ),
        (
            "[.env.launch.example:24:1]",
            "ISSUER_KEY_ENCRYPTION is missing from .env.launch.local",
        ),
    ] {
        let at = out
            .find(message)
            .unwrap_or_else(|| panic!("missing {message:?} in:\n{out}"));
        let after = &out[at..];
        let next_finding = after[1..].find("\n  × ").map_or(after.len(), |i| i + 1);
        assert!(
            after[..next_finding].contains(header),
            "{message:?} should be labelled at {header}:\n{after}"
        );
    }
    assert!(
        out.contains("scripts/db-migration/env/.env.db-migration.local does not exist"),
        "{out}"
    );
    assert!(
        out.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("NO-GO: ")),
        "verdict last:\n{out}"
    );
    assert!(
        out.contains("configuration: launchgate.toml") || out.contains("inferred"),
        "says where config came from"
    );
}

#[test]
fn clean_is_go() {
    let (code, out, _) = stdout_of(&["check", "fixtures/clean"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out.trim_end().lines().last(), Some("GO"), "{out}");
    assert!(
        out.contains("no launchgate.toml found: configuration inferred"),
        "{out}"
    );
}

#[test]
fn fail_on_warning_makes_warnings_block() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join(".env"), "A=1\nA=2\n").expect("write");
    let path = dir.path().to_string_lossy().into_owned();
    assert_eq!(stdout_of(&["check", &path]).0, Some(0));
    let (code, out, _) = stdout_of(&["check", &path, "--fail-on", "warning"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("NO-GO: 0 errors, 1 warning"), "{out}");
}

#[test]
fn bad_flags_exit_2() {
    assert_eq!(
        stdout_of(&["check", "--format", "yaml", "fixtures/clean"]).0,
        Some(2)
    );
    assert_eq!(stdout_of(&["check", "--no-such-flag"]).0, Some(2));
    let (code, _, err) = stdout_of(&["check", "fixtures/clean", "--tolerance", "-5"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--tolerance `-5` is invalid"), "{err}");
    let (code, _, err) = stdout_of(&["check", "no/such/dir"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a directory"), "{err}");
}

#[test]
fn bad_config_exits_2_pointing_at_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("launchgate.toml"),
        "[docs]\nlegacy-names = [\"old\"]\nlegacy-nmaes = [\"typo\"]\n",
    )
    .expect("write");
    let (code, _, err) = stdout_of(&["check", &dir.path().to_string_lossy()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown field `legacy-nmaes`"), "{err}");
    assert!(
        err.contains("launchgate.toml:3:1"),
        "the diagnostic points at the key's line:\n{err}"
    );

    std::fs::write(dir.path().join("launchgate.toml"), "[[env]]\nname = 42\n").expect("write");
    let (code, _, err) = stdout_of(&["check", &dir.path().to_string_lossy()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("invalid type: integer `42`, expected a string"),
        "{err}"
    );
    assert!(err.contains("launchgate.toml:2:8"), "{err}");
}

#[test]
fn process_env_is_the_top_layer() {
    // A launch set with only a contract: secrets arrive as environment variables (CI).
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join(".env.launch.example"),
        "NODE_ENV=production\nJWT_SECRET=\n",
    )
    .expect("write");
    let path = dir.path().to_string_lossy().into_owned();
    let mut cmd = launchgate();
    cmd.args(["check", &path, "--process-env", "launch"]);
    for (k, v) in common::GOOD_LAUNCH {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // Without --process-env the same contract-only set is NO-GO.
    assert_eq!(stdout_of(&["check", &path]).0, Some(1));
}

#[test]
fn rules_lists_every_rule_and_explain_shows_help() {
    let (code, out, _) = stdout_of(&["rules"]);
    assert_eq!(code, Some(0));
    for id in [
        "env/parse-error",
        "launch/node-env",
        "cutover/same-database",
        "policy/error",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{out}"
        );
    }
    let (code, out, _) = stdout_of(&["explain", "launch/issuer-key"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("What it checks")
            && out.contains("How to fix")
            && out.contains("openssl rand -hex 32"),
        "{out}"
    );
    let (code, _, err) = stdout_of(&["explain", "launch/nope"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no rule `launch/nope`") && err.contains("launch/node-env"),
        "{err}"
    );
}

#[test]
fn output_file_gets_the_report_and_stdout_the_verdict() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("out.json");
    let (code, out, _) = stdout_of(&[
        "check",
        "fixtures/credity",
        "--format",
        "json",
        "--output",
        &file.to_string_lossy(),
    ]);
    assert_eq!(code, Some(1));
    assert!(out.starts_with("NO-GO"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written"))
            .expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["verdict"], "NO-GO");
    assert!(json["findings"].as_array().is_some_and(|f| !f.is_empty()));
}
