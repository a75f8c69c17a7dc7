//! Hostile and broken inputs: each ends in a finding, a diagnostic or an exit code — never a
//! panic, a hang, an out-of-memory or a silent pass.

mod common;

use std::os::unix::fs::symlink;

use common::launchgate;

#[test]
fn a_1_gb_env_file_is_a_finding_not_an_allocation() {
    let dir = common::tree(&[]);
    let f = std::fs::File::create(dir.path().join(".env")).expect("create");
    // Sparse: 1 GiB on paper, nothing on disk.
    f.set_len(1 << 30).expect("set_len");
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/parse-error");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("1073741824 bytes, over the 16777216-byte limit; not read"),
        "{got:?}"
    );
    assert!(!outcome.verdict.go);
}

#[test]
fn a_10_mb_env_line_is_parsed_and_masked() {
    // Not an `xxx` filler (a public placeholder): a value that is a secret.
    let long = "k7".repeat(5 << 20);
    let dir = common::tree(&[(".env", &format!("BIG={long}\nNEXT=1\nNEXT=2\n"))]);
    let outcome = common::run(dir.path());
    // The duplicate after the huge line is still found, at the right line.
    let got = common::rendered(&outcome, "env/duplicate-key");
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("env/duplicate-key .env:3:1"), "{got:?}");
    let human = launchgate::report::Format::Human.render(&outcome, Default::default());
    assert!(
        !human.contains("k7k7k7k7"),
        "the huge value is masked in snippets"
    );
}

#[test]
fn binary_and_invalid_utf8_env_files_are_findings() {
    let dir = common::tree(&[]);
    std::fs::write(dir.path().join(".env"), b"A=1\n\0\x01\x02binary").expect("write");
    std::fs::write(dir.path().join("x.env"), b"A=\xff\xfe\n").expect("write");
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/parse-error");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|g| g.contains("binary data")), "{got:?}");
    assert!(
        got.iter()
            .any(|g| g.contains("not valid UTF-8 (first bad byte on line 1)")),
        "{got:?}"
    );
}

#[test]
fn symlink_loops_and_links_out_of_the_repository_are_not_followed() {
    let outside = common::tree(&[("secret.env", "TOKEN=outside-the-repo-1234\n")]);
    let dir = common::tree(&[(".env", "A=1\n"), ("sub/keep.md", "# doc\n")]);
    symlink(dir.path().join("sub"), dir.path().join("sub/loop")).expect("loop");
    symlink(
        outside.path().join("secret.env"),
        dir.path().join("linked.env"),
    )
    .expect("out");
    symlink(outside.path(), dir.path().join("outside")).expect("dir out");
    let out = launchgate()
        .arg("check")
        .arg(dir.path())
        .arg("--format")
        .arg("json")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("linked.env") && !stdout.contains("outside/"),
        "{stdout}"
    );
}

#[test]
fn odd_file_names_are_handled() {
    let dir = common::tree(&[
        ("with space/.env", "A=1\nA=2\n"),
        ("new\nline/.env", "B=1\nB=2\n"),
    ]);
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/duplicate-key");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got.iter().any(|g| g.contains("with space/.env:2:1")),
        "{got:?}"
    );
    // Every format still renders (the SARIF URI is percent-encoded).
    let sarif = launchgate::report::Format::Sarif.render(&outcome, Default::default());
    assert!(
        sarif.contains("with%20space/.env") && sarif.contains("new%0Aline/.env"),
        "{sarif}"
    );
}

#[test]
fn a_config_of_the_wrong_shape_is_exit_2_with_a_diagnostic() {
    let dir = common::tree(&[("launchgate.toml", "env = \"not a list\"\n")]);
    let out = launchgate()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid type") && stderr.contains("launchgate.toml:1:7"),
        "{stderr}"
    );
    let dir = common::tree(&[]);
    std::fs::write(dir.path().join("launchgate.toml"), b"\xff\xfe[docs]\n").expect("write");
    let out = launchgate()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_policy_building_a_huge_array_is_stopped() {
    use launchgate::policy::{Limits, PolicySet};
    let dir = common::tree(&[(".env", "A=1\n")]);
    let collected =
        launchgate::collect::collect_static(dir.path(), &Default::default(), Default::default());
    let mut set = PolicySet::empty(Limits {
        wall_time: std::time::Duration::from_secs(2),
        ..Limits::default()
    });
    set.load(
        "policies/huge.rhai",
        "rule(#{ id: \"x/y\", summary: \"s\", help: \"h\" }, |f, r| {\n  let a = [];\n  loop { a.push(1); }\n});\n",
    );
    let findings = set.evaluate(std::sync::Arc::new(collected.facts));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, "policy/error");
    assert!(
        findings[0].message.contains("limit"),
        "{}",
        findings[0].message
    );
}

#[test]
fn the_overall_timeout_stops_a_hanging_probe_and_reports_it() {
    // Listeners that accept connections and never answer: only --timeout can end the probe
    // (the per-connection timeout is set far longer).
    let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = |l: &std::net::TcpListener| l.local_addr().expect("addr").port();
    let env = format!(
        "SRC_DB_URL=postgresql://app:hang-pass-1@127.0.0.1:{}/src?sslmode=disable\n\
         TGT_DB_URL=postgresql://app:hang-pass-2@127.0.0.1:{}/tgt?sslmode=disable\n\
         DATABASE_URL=postgresql://app:hang-pass-2@127.0.0.1:{}/tgt\n\
         DATABASE_URL_DIRECT=postgresql://app:hang-pass-2@127.0.0.1:{}/tgt\n\
         REQUIRE_DATABASE=true\n",
        port(&a),
        port(&b),
        port(&b),
        port(&b)
    );
    let dir = common::tree(&[
        ("cutover.env", &env),
        ("launchgate.toml", "[probes]\nconnect-timeout = \"60s\"\n"),
    ]);
    let started = std::time::Instant::now();
    let out = launchgate()
        .args(["check", "--probe", "--timeout", "1s", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "NO-GO:\n{stdout}");
    assert!(
        stdout.contains("INCOMPLETE: the database probe was stopped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"rule\": \"db/unreachable\"") && stdout.contains("overall --timeout"),
        "{stdout}"
    );
    assert!(!stdout.contains("hang-pass"), "no password in any message");
    // Far below the 60 s connect timeout: the budget, not the connection, ended it.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    drop((a, b));
}

#[test]
fn a_1_gb_and_a_deeply_nested_markdown_document() {
    let dir = common::tree(&[]);
    std::fs::File::create(dir.path().join("huge.md"))
        .expect("create")
        .set_len(1 << 30)
        .expect("len");
    let deep = format!(
        "{}text\n{}x\n{}\n",
        "> ".repeat(10_000),
        "- ".repeat(3_000),
        "[".repeat(10_000)
    );
    std::fs::write(dir.path().join("deep.md"), deep).expect("write");
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "docs/unreadable");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("huge.md: file is 1073741824 bytes, over the 16777216-byte limit"),
        "{got:?}"
    );
    // The 10,000-level document was read and parsed: it is in the facts, without a read error.
    assert!(outcome
        .facts
        .docs
        .documents
        .iter()
        .any(|d| d.file == "deep.md" && d.read_error.is_none()));
    assert!(!outcome.verdict.go);
}

#[test]
fn an_env_file_whose_name_is_not_utf8_is_still_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = common::tree(&[]);
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.env");
    std::fs::write(dir.path().join(name), "A=1\nA=2\n").expect("write");
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/duplicate-key");
    assert_eq!(got.len(), 1, "{got:?} / {:?}", outcome.findings);
    assert!(got[0].contains("bad\u{fffd}name.env:2:1"), "{got:?}");
}

#[test]
fn a_journal_of_valid_json_but_the_wrong_shape_is_a_finding() {
    let dir = common::tree(&[
        (
            "svc/package.json",
            r#"{"name":"svc","dependencies":{"drizzle-orm":"0.30.0","pg":"8"}}"#,
        ),
        (
            "svc/drizzle.config.ts",
            "export default { out: './drizzle' };\n",
        ),
        (
            "svc/drizzle/meta/_journal.json",
            r#"{"version":"7","dialect":"postgresql","entries":5}"#,
        ),
        ("svc/drizzle/0000_init.sql", "CREATE TABLE a (id int);\n"),
    ]);
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "migrations/journal-mismatch");
    assert_eq!(got.len(), 1, "{:?}", outcome.findings);
    assert!(got[0].contains("no `entries` array"), "{got:?}");
}

/// `rule file:line: message` of every finding, sorted.
fn all_rendered(findings: &[launchgate::finding::Finding]) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}: {}",
                f.rule, f.location.file, f.location.line, f.message
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_file_removed_between_the_walk_and_the_read_is_a_finding_in_its_area() {
    use launchgate::collect::{collect_surveyed, survey, CollectOptions};
    use launchgate::policy::{Limits, PolicySet};
    use std::os::unix::fs::PermissionsExt;

    const VERIFY: &str = "scripts/db-migration/artifacts/verify";
    let drizzle_service = |name: &str| {
        [
            (
                format!("{name}/package.json"),
                format!(
                    r#"{{"name":"{name}","dependencies":{{"drizzle-orm":"0.30.0","pg":"8"}}}}"#
                ),
            ),
            (
                format!("{name}/drizzle.config.ts"),
                "export default { out: './drizzle' };\n".to_string(),
            ),
            (
                format!("{name}/drizzle/meta/_journal.json"),
                r#"{"version":"7","dialect":"postgresql","entries":[
  {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},
  {"idx":1,"version":"7","when":1700000001000,"tag":"0001_more","breakpoints":true}
]}"#
                .to_string(),
            ),
            (
                format!("{name}/drizzle/0000_init.sql"),
                "CREATE TABLE a (id int);\n".to_string(),
            ),
            (
                format!("{name}/drizzle/0001_more.sql"),
                "CREATE TABLE b (id int);\n".to_string(),
            ),
        ]
    };
    let mut files: Vec<(String, String)> = vec![
        (".env".into(), "A=1\n".into()),
        ("other.env".into(), "B=1\nB=2\n".into()),
        ("RUNBOOK.md".into(), "# Runbook\n\n/home/alice/x\n".into()),
        ("docs/OTHER.md".into(), "[gone](missing.md)\n".into()),
        (
            "scripts/stage.sh".into(),
            "#!/usr/bin/env bash\nset -euo pipefail\nif true; then\n".into(),
        ),
        (
            "scripts/ok.sh".into(),
            "#!/usr/bin/env bash\nset -euo pipefail\nif true; then\n".into(),
        ),
        (
            format!("{VERIFY}/src-rowcounts-20250101T000000Z.txt"),
            "users|5\n".into(),
        ),
        (
            format!("{VERIFY}/tgt-rowcounts-20250101T000000Z.txt"),
            "users|5\n".into(),
        ),
        (
            format!("{VERIFY}/rowcount-diff-20250101T000000Z.patch"),
            String::new(),
        ),
    ];
    files.extend(drizzle_service("svc"));
    files.extend(drizzle_service("svc2"));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = common::tree(&borrowed);
    for script in ["scripts/stage.sh", "scripts/ok.sh"] {
        std::fs::set_permissions(
            dir.path().join(script),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
    }
    let config = launchgate::config::load(dir.path(), None).expect("config");
    let findings_of = |survey| {
        let collected = collect_surveyed(dir.path(), &config, survey, CollectOptions::default());
        PolicySet::builtin(Limits::default()).evaluate(std::sync::Arc::new(collected.facts))
    };

    // Before anything is removed: each file's own findings (the syntax errors, the
    // machine-local path), nothing about reading.
    let before = all_rendered(&findings_of(survey(dir.path(), &config)));
    assert!(
        before.iter().all(|f| !f.contains("no longer exists")),
        "{before:#?}"
    );
    assert!(
        before
            .iter()
            .any(|f| f.starts_with("scripts/syntax-error scripts/stage.sh:3"))
            && before
                .iter()
                .any(|f| f.starts_with("docs/machine-local-path RUNBOOK.md:3")),
        "{before:#?}"
    );

    // The walk lists every file; then one file of every kind goes before it is read.
    let listed = survey(dir.path(), &config);
    let removed = [
        ".env",
        "RUNBOOK.md",
        "scripts/stage.sh",
        &format!("{VERIFY}/tgt-rowcounts-20250101T000000Z.txt"),
        "svc/drizzle/0001_more.sql",
        "svc2/drizzle/meta/_journal.json",
    ];
    for file in removed {
        assert!(
            listed.inventory.get(file).is_some(),
            "{file} is in the walk's list"
        );
        std::fs::remove_file(dir.path().join(file)).expect("remove");
    }
    let after = all_rendered(&findings_of(listed));
    let gone = "file no longer exists (removed after the walk listed it); not read";
    assert_eq!(
        after,
        vec![
            "docs/broken-link docs/OTHER.md:1: link `missing.md` is broken: docs/missing.md does not exist".to_string(),
            format!("docs/unreadable RUNBOOK.md:1: RUNBOOK.md: {gone}"),
            "env/duplicate-key other.env:2: B is set twice in other.env (first on line 1); the two assignments can load differently".to_string(),
            format!("env/parse-error .env:1: .env: {gone}"),
            format!("evidence/incomplete-set {VERIFY}/tgt-rowcounts-20250101T000000Z.txt:1: {VERIFY}/tgt-rowcounts-20250101T000000Z.txt could not be read: {gone}"),
            "migrations/journal-mismatch svc/drizzle/meta/_journal.json:3: journal entry 0001_more has no SQL file: svc/drizzle/0001_more.sql does not exist, so drizzle's migrate fails".to_string(),
            format!("migrations/journal-mismatch svc2/drizzle/meta/_journal.json:1: svc2/drizzle/meta/_journal.json cannot be read by drizzle: {gone}"),
            "scripts/syntax-error scripts/ok.sh:3: bash -n rejects scripts/ok.sh: syntax error: unexpected end of file".to_string(),
            format!("scripts/syntax-error scripts/stage.sh:1: scripts/stage.sh could not be checked: {gone}"),
        ],
        "before removal: {before:#?}"
    );
}
