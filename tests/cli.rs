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
    assert!(err.contains("no/such/dir does not exist"), "{err}");
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
    let (code, _, err) = stdout_of(&["explain", "launch/node-evn"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no rule `launch/node-evn`; did you mean launch/node-env"),
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

/// Run launchgate with a standard output whose reader is already gone, as `| head -1` leaves
/// it once head has its line.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    use std::os::fd::FromRawFd as _;
    // libc, not std::io::pipe: that needs Rust 1.87, above the crate's minimum.
    let mut fds = [0; 2];
    // SAFETY: pipe() fills both descriptors on success; each is then owned exactly once.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    unsafe { libc::close(fds[0]) };
    let writer = unsafe { std::fs::File::from_raw_fd(fds[1]) };
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("launchgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_runs_own_exit_code() {
    // facts: success is 0, whatever the reader did.
    let (code, err) = with_closed_stdout(&["facts", "fixtures/credity"]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "facts");
    // check: the verdict decides the status (credity is NO-GO), not the pipe.
    let (code, err) = with_closed_stdout(&["check", "fixtures/credity"]);
    assert_eq!((code, err.as_str()), (Some(1), ""), "check");
    let (code, err) = with_closed_stdout(&["check", "fixtures/clean", "--format", "sarif"]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "check sarif");
    for args in [
        &["rules"][..],
        &["man"],
        &["completions", "bash"],
        &["test"],
    ] {
        let (code, err) = with_closed_stdout(args);
        assert_eq!((code, err.as_str()), (Some(0), ""), "{args:?}");
    }
}

#[test]
fn a_missing_path_and_a_file_given_as_path_get_different_messages() {
    for cmd in ["check", "facts", "init"] {
        let (code, _, err) = stdout_of(&[cmd, "fixtures/no-such-repo"]);
        assert_eq!(code, Some(2), "{cmd}");
        assert_eq!(
            err.trim_end(),
            "launchgate: error: fixtures/no-such-repo does not exist",
            "{cmd}"
        );
    }
    let (code, _, err) = stdout_of(&["check", "fixtures/credity/package.json"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim_end(),
        "launchgate: error: fixtures/credity/package.json is a file, but PATH names the \
         repository folder to scan; give its folder instead (fixtures/credity)"
    );
    // The config file itself: say how to use it as one.
    let (code, _, err) = stdout_of(&["check", "fixtures/credity/launchgate.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("to use it as the configuration: --config fixtures/credity/launchgate.toml"),
        "{err}"
    );
    let (code, _, err) = stdout_of(&["test", "fixtures/credity/package.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is a file"), "{err}");
}

/// A copy of a fixture repository, as a real git repository.
fn git_copy_of(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    common::copy_tree(std::path::Path::new(fixture), dir.path());
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "fixture",
    ]);
    dir
}

#[test]
fn the_config_is_found_upward_and_the_header_says_where() {
    let repo = git_copy_of("fixtures/credity");
    let sub = repo.path().join("CredVerseIssuer 3");
    let (code, out, err) = stdout_of(&["check", &sub.to_string_lossy()]);
    assert_eq!(code, Some(1), "{err}");
    let found = repo
        .path()
        .canonicalize()
        .expect("canonical")
        .join("launchgate.toml");
    let header: Vec<&str> = out.lines().take_while(|l| !l.is_empty()).collect();
    assert!(
        header.iter().any(|l| l.contains(&format!(
            "configuration found above {}: {}; scanning its folder",
            sub.display(),
            found.display()
        ))),
        "{header:#?}"
    );
    // The repository's own config applies: its declared cutover set is checked.
    assert!(
        out.contains("scripts/db-migration/env/.env.db-migration.local does not exist"),
        "{out}"
    );
}

#[test]
fn config_discovery_stops_at_the_repository_top() {
    // A launchgate.toml above the git repository belongs to something else.
    let outer = common::tree(&[
        ("launchgate.toml", "[docs]\nlegacy-names = [\"outer\"]\n"),
        ("repo/.env", "PORT=3000\n"),
    ]);
    let repo = outer.path().join("repo");
    let init = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .expect("git");
    assert!(init.success());
    let (code, out, _) = stdout_of(&["check", &repo.to_string_lossy()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("no launchgate.toml found: configuration inferred"),
        "{out}"
    );
    assert!(!out.contains("configuration found above"), "{out}");
}

#[test]
fn every_error_has_one_shape() {
    let bad_config = common::tree(&[("launchgate.toml", "[docs]\nlegacy-nmaes = []\n")]);
    let bad_config = bad_config.path().to_string_lossy().into_owned();
    for args in [
        vec!["check", "--no-such-flag"],
        vec!["check", "--format", "yaml"],
        vec!["check", "fixtures/no-such-repo"],
        vec!["check", &bad_config],
        vec!["facts", &bad_config],
        vec![
            "check",
            "fixtures/clean",
            "--format",
            "json",
            "--format",
            "sarif",
        ],
        vec!["check", "fixtures/clean", "--tolerance", "lots"],
        vec!["explain", "no/such-rule"],
        vec!["init", "fixtures/credity"],
        vec![
            "waive",
            "env/duplicate-key",
            "--subject",
            "A",
            "--reason",
            "r",
            "--owner",
            "o",
            "--expires",
            "soon",
        ],
    ] {
        let (code, _, err) = stdout_of(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("launchgate: error: "),
            "{args:?} should start with `launchgate: error: `:\n{err}"
        );
    }
}

#[test]
fn the_man_page_documents_flags_exit_codes_environment_and_files() {
    let (code, page, _) = stdout_of(&["man"]);
    assert_eq!(code, Some(0));
    for section in [
        ".SH SYNOPSIS",
        ".SH \"COMMAND OPTIONS\"",
        ".SS \"launchgate check\"",
        ".SS \"launchgate waive\"",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(page.contains(section), "{section} missing");
    }
    for flag in [
        "fail\\-on",
        "\\-\\-mode",
        "include\\-waived",
        "\\-\\-expires",
    ] {
        assert!(page.contains(flag), "{flag} missing");
    }
    for word in [
        "NO_COLOR",
        "LAUNCHGATE_CACHE_DIR",
        "LAUNCHGATE_TODAY",
        "launchgate\\-waivers.toml",
    ] {
        assert!(page.contains(word), "{word} missing");
    }
    // It is valid roff: man renders it without a warning, where man is installed.
    if let Ok(out) = std::process::Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANWIDTH", "100")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("EXIT STATUS"), "{text}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), "", "roff warnings");
        }
    }
}

#[test]
fn rules_as_json_carry_every_field() {
    let (code, out, _) = stdout_of(&["rules", "--format", "json"]);
    assert_eq!(code, Some(0));
    let rules: Vec<serde_json::Value> = serde_json::from_str(&out).expect("a JSON array");
    let (_, table, _) = stdout_of(&["rules"]);
    assert_eq!(
        rules.len(),
        table.lines().count(),
        "the same rules as the table"
    );
    let node_env = rules
        .iter()
        .find(|r| r["id"] == "launch/node-env")
        .expect("launch/node-env");
    assert_eq!(node_env["severity"], "error");
    assert_eq!(node_env["source"], "policies/launch.rhai");
    assert!(node_env["help"]
        .as_str()
        .is_some_and(|h| h.contains("How to fix")));
    let (_, markdown, _) = stdout_of(&["rules", "--format", "markdown"]);
    assert_eq!(markdown, stdout_of(&["rules", "--markdown"]).1);
}

#[test]
fn explain_suggests_the_nearest_ids() {
    for (typo, nearest) in [
        ("launch/node-evn", "launch/node-env"),
        ("node-env", "launch/node-env"),
        ("env/duplicate-keys", "env/duplicate-key"),
        ("waiver/expire", "waiver/expired"),
    ] {
        let (code, _, err) = stdout_of(&["explain", typo]);
        assert_eq!(code, Some(2));
        let suggested = err
            .split("did you mean ")
            .nth(1)
            .unwrap_or_else(|| panic!("no suggestion for {typo}: {err}"));
        assert!(suggested.starts_with(nearest), "{typo}: {err}");
    }
    let (_, _, err) = stdout_of(&["explain", "zzzzzzzz"]);
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn completions_complete_rule_ids() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, _) = stdout_of(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        for id in [
            "launch/node-env",
            "migrations/history-missing",
            "waiver/unused",
        ] {
            assert!(script.contains(id), "{shell} script lacks {id}");
        }
    }
    // Bash really completes a partial id.
    let (_, script, _) = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("launchgate.bash");
    std::fs::write(&file, script).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            "source \"$1\"; COMP_WORDS=(launchgate explain launch/node-); COMP_CWORD=2; \
             COMP_LINE='launchgate explain launch/node-'; COMP_POINT=${#COMP_LINE}; \
             _launchgate launchgate launch/node- explain; printf '%s\\n' \"${COMPREPLY[@]}\"",
        )
        .arg("bash")
        .arg(&file)
        .output()
        .expect("bash runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "launch/node-env\n");
    // A completion list is not a validation list: an unknown id still gets suggestions.
    let (_, _, err) = stdout_of(&["explain", "launch/node-evn"]);
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn a_repository_policy_for_a_profile_no_env_set_carries_is_a_warning_at_the_file() {
    const TEAM: &str = r#"// Our stricter launch checks, per env set carrying profile `team`.
rule(#{ id: "team/log-level", severity: "error", scope: "env-set",
        summary: "LOG_LEVEL must not be debug in a launch", help: "Set LOG_LEVEL=info." },
  |set, rule| {
    let v = set.vars["LOG_LEVEL"];
    if v != () && v.value == "debug" { report(v.value_location, "LOG_LEVEL is debug", #{ subject: "LOG_LEVEL" }); }
  });
"#;
    let config = |profiles: &str| {
        format!("[[env]]\nname = \"launch\"\nfiles = [\".env.launch\"]\npolicies = [{profiles}]\n")
    };
    let repo = common::tree(&[
        ("launchgate.toml", &config("\"launch\"")),
        (".env.launch", "NODE_ENV=production\nLOG_LEVEL=debug\n"),
        ("policies/team.rhai", TEAM),
    ]);
    let path = repo.path().to_string_lossy().into_owned();
    let (_, out, _) = stdout_of(&["check", &path, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let unused: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "policy/unused-profile")
        .collect();
    assert_eq!(unused.len(), 1, "{out}");
    assert_eq!(unused[0]["severity"], "warning");
    assert_eq!(unused[0]["location"]["file"], "policies/team.rhai");
    assert_eq!(unused[0]["subject"], "team");

    // Once an env set carries the profile, the file's rule runs and the warning goes.
    std::fs::write(
        repo.path().join("launchgate.toml"),
        config("\"launch\", \"team\""),
    )
    .expect("write");
    let (_, out, _) = stdout_of(&["check", &path, "--format", "json"]);
    assert!(!out.contains("policy/unused-profile"), "{out}");
    assert!(out.contains("\"team/log-level\""), "{out}");
}
