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
