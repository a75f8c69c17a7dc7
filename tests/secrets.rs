//! Planted canary secrets in every kind of value never appear in any output.

mod common;

use assert_cmd::Command;

const CANARIES: &[&str] = &[
    "CANARYplainA1b2c3",
    "CANARYsingleQ9w8e7",
    "CANARYdoubleZ5x4c3",
    "CANARYmultiLine1",
    "CANARYmultiLine2",
    "CANARYurlPass77",
    "CANARYbrokenLine55",
    "CANARYdupFirst11",
    "CANARYshellUnsafe3",
    "CANARYsameDbPw88",
    "CANARYprocessEnv42",
];

fn canary_repo() -> tempfile::TempDir {
    common::tree(&[
        (
            ".env.launch.example",
            "JWT_SECRET=\nJWT_REFRESH_SECRET=\nAPI_TOKEN=\n",
        ),
        (
            ".env.launch.local",
            "NODE_ENV=development\n\
             JWT_SECRET=CANARYplainA1b2c3\n\
             JWT_REFRESH_SECRET='CANARYsingleQ9w8e7'\n\
             API_TOKEN=\"CANARYdoubleZ5x4c3\"\n\
             CERT=\"CANARYmultiLine1\nCANARYmultiLine2\"\n\
             this line is broken CANARYbrokenLine55\n\
             BROKEN_VALUE=has CANARYbrokenLine55 spaces\n\
             DUP=CANARYdupFirst11\n\
             DUP=CANARYdupFirst11\n\
             UNSAFE=$(echo CANARYshellUnsafe3)\n\
             REDIS_URL=redis://default:CANARYurlPass77@cache.example.com:6379\n",
        ),
        (
            "scripts/env/.env.db-migration.example",
            common::CUTOVER_CONTRACT,
        ),
        (
            "scripts/env/.env.db-migration.local",
            "SRC_DB_URL=postgresql://app:CANARYsameDbPw88@db.example.com:5432/credity\n\
             TGT_DB_URL=postgresql://app:CANARYurlPass77@db.example.com:5432/credity\n\
             DATABASE_URL=mysql://app:CANARYurlPass77@db.example.com/x\n\
             DATABASE_URL_DIRECT=postgresql://app:CANARYurlPass77@db.example.com:6543/credity\n\
             REQUIRE_DATABASE=true\n",
        ),
    ])
}

fn assert_clean(label: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "{label} leaked {c}:\n{text}");
    }
}

#[test]
fn no_format_prints_a_secret() {
    let dir = canary_repo();
    let mut any_findings = 0;
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out = Command::cargo_bin("launchgate")
            .expect("binary")
            .args(["check", "--format", format, "--process-env", "launch"])
            .arg(dir.path())
            .env(
                "SEPOLIA_RPC_URL",
                "https://rpc.example.com/CANARYprocessEnv42",
            )
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{format}: NO-GO expected");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_clean(&format!("{format} stdout"), &stdout);
        assert_clean(
            &format!("{format} stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );
        any_findings += stdout.matches("launch/").count() + stdout.matches("env/").count();
    }
    assert!(
        any_findings > 20,
        "the canary repository must produce findings to be a meaningful test"
    );
}

#[test]
fn output_file_and_snippets_are_clean() {
    let dir = canary_repo();
    let out_file = dir.path().join("report.sarif");
    let out = Command::cargo_bin("launchgate")
        .expect("binary")
        .args(["check", "--format", "sarif", "--output"])
        .arg(&out_file)
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let written = std::fs::read_to_string(&out_file).expect("report written");
    assert_clean("sarif file", &written);
    // The human report shows snippets of the env file: values masked, keys visible.
    let outcome = common::run(dir.path());
    let human = launchgate::report::Format::Human.render(&outcome, Default::default());
    assert!(human.contains("JWT_SECRET="), "snippets still show keys");
    assert_clean("human (library)", &human);
}

#[test]
fn error_messages_are_clean() {
    let dir = canary_repo();
    // An unknown env set name: usage error, exit 2.
    let out = Command::cargo_bin("launchgate")
        .expect("binary")
        .args(["check", "--process-env", "CANARYplainA1b2c3"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    // The flag value is the user's own input, echoed back; but no env value may appear.
    let stderr = String::from_utf8_lossy(&out.stderr).replace("`CANARYplainA1b2c3`", "`<arg>`");
    assert_clean("usage error", &stderr);
    assert_clean("usage error stdout", &String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_forced_panic_and_trace_logging_print_no_secret() {
    let dir = canary_repo();
    let out = Command::cargo_bin("launchgate")
        .expect("binary")
        .arg("check")
        .arg(dir.path())
        .env("LAUNCHGATE_TEST_FORCE_PANIC", "1")
        .env("RUST_LOG", "trace")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "a panic is an internal error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("internal error at"), "{stderr}");
    assert_clean("panic stderr", &stderr);
    assert_clean("panic stdout", &String::from_utf8_lossy(&out.stdout));
}

/// A committed `NODE_ENV=${GITHUB_TOKEN}` with the token set in the process: substitution
/// never reads the process environment, so the token reaches no output, `facts` or `init`.
#[test]
fn a_reference_to_a_process_variable_leaks_nowhere() {
    const TOKEN: &str = "ghp_CANARYprocessToken1234567890abcd";
    let dir = common::tree(&[
        (".env.launch.example", "NODE_ENV=\nAPI_URL=\n"),
        (
            ".env.launch.local",
            "NODE_ENV=${GITHUB_TOKEN}\nAPI_URL=https://api.example.com/$GITHUB_TOKEN\n",
        ),
    ]);
    let bin = || {
        let mut c = Command::cargo_bin("launchgate").expect("binary");
        c.env("GITHUB_TOKEN", TOKEN).env("NO_COLOR", "1");
        c
    };
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out = bin()
            .args(["check", "--format", format])
            .arg(dir.path())
            .output()
            .expect("runs");
        outputs.push((format.to_string(), out));
    }
    let with_process = bin()
        .args(["check", "--process-env", "launch"])
        .arg(dir.path())
        .output()
        .expect("runs");
    outputs.push(("--process-env".into(), with_process));
    let facts = bin().arg("facts").arg(dir.path()).output().expect("runs");
    outputs.push(("facts".into(), facts));
    let init = bin().arg("init").arg(dir.path()).output().expect("runs");
    outputs.push(("init".into(), init));
    for (label, out) in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.contains("CANARYprocessToken"),
                "{label} leaked the token:\n{text}"
            );
        }
    }
    if let Ok(config) = std::fs::read_to_string(dir.path().join("launchgate.toml")) {
        assert!(
            !config.contains("CANARYprocessToken"),
            "init wrote it:\n{config}"
        );
    }
    // The reference is a finding naming it, not a silent empty value.
    let human = String::from_utf8_lossy(&outputs[0].1.stdout).to_string();
    assert!(
        human.contains("NODE_ENV refers to GITHUB_TOKEN, which nothing in .env.launch.local sets"),
        "{human}"
    );
}

/// `LOG_LEVEL=error` is a setting: the word "error" stays intact in every message and help.
#[test]
fn a_setting_value_is_not_scrubbed_from_prose() {
    let dir = common::tree(&[
        (".env.example", "LOG_LEVEL=\nAPI_TOKEN=\n"),
        (
            ".env",
            "LOG_LEVEL=error\nBROKEN\nAPP_PATH=server/src\nAPI_TOKEN=tok_9f8e7d6c5b4a3210\n",
        ),
    ]);
    let outcome = common::run(dir.path());
    let human = launchgate::report::Format::Human.render(&outcome, Default::default());
    assert!(!human.contains("[redacted]"), "{human}");
    assert!(human.contains("env/parse-error"), "{human}");
    assert!(
        human.contains("LOG_LEVEL=error"),
        "the snippet shows the setting:\n{human}"
    );
    assert!(human.contains("APP_PATH=server/src"), "{human}");
    assert!(!human.contains("tok_9f8e7d6c5b4a3210"), "{human}");
    let explain = Command::cargo_bin("launchgate")
        .expect("binary")
        .args(["explain", "env/parse-error"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(
        text.contains("env/parse-error") && !text.contains("[redacted]"),
        "{text}"
    );
}

/// The apostrophes of two comments (`don't` ... `that's`) swallow nothing: the duplicate is
/// found and the secret between them is masked in snippets.
#[test]
fn apostrophes_in_comments_swallow_no_line() {
    let dir = common::tree(&[(
        ".env",
        "NODE_ENV=development  # don't ship\nALLOW_DEMO_ROUTES=true\nJWT_SECRET=Zq8rT2mXk9pL4sWzQ7\nALLOW_DEMO_ROUTES=true\n# that's all\n",
    )]);
    let outcome = common::run(dir.path());
    let dup = common::rendered(&outcome, "env/duplicate-key");
    assert_eq!(dup, ["env/duplicate-key .env:4:1: ALLOW_DEMO_ROUTES is set twice in .env (first on line 2); the two assignments can load differently"]);
    assert!(common::rendered(&outcome, "env/parse-error").is_empty());
    let keys: Vec<&str> = outcome.facts.env.files[0]
        .entries
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "NODE_ENV",
            "ALLOW_DEMO_ROUTES",
            "JWT_SECRET",
            "ALLOW_DEMO_ROUTES"
        ]
    );
    let human = launchgate::report::Format::Human.render(&outcome, Default::default());
    assert!(!human.contains("Zq8rT2mXk9pL4sWzQ7"), "{human}");
}
