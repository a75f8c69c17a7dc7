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

// ---------------------------------------------------------------------------------------------
// The red-team attacks of issue 18: one test per numbered attack, each on its repository under
// tests/attacks/ (see its ATTACK.md). CI-style secrets sit in the process environment; no
// format, error or written file may carry one, or any transformation of one, and nothing may
// run, hang or crash.

mod attacks {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Duration;

    pub const STRIPE: &str = "sk_live_CanaryStripe7Qm2Xw9Lp4Zr8Tn";
    pub const GITHUB: &str = "ghs_CanaryGithub3Vb6Nc1Kd5Fh2Jg";
    pub const AWS: &str = "CanaryAws9wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY";
    pub const JWT: &str = "c0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eedc0ffee5eed1234";
    /// Written into `.git/config` the way `actions/checkout` does.
    pub const HEADER: &str = "Q2FuYXJ5SGVhZGVyeC1hY2Nlc3MtdG9rZW4=";

    /// Every form the review carried a secret out in: the value, reversed, upper- and
    /// lower-cased, with a `.` between characters, each half, its character codes.
    pub fn forms(secret: &str) -> Vec<String> {
        let chars: Vec<char> = secret.chars().collect();
        let half = chars.len() / 2;
        let codes: Vec<String> = chars.iter().map(|c| (*c as u32).to_string()).collect();
        vec![
            secret.to_string(),
            chars.iter().rev().collect(),
            secret.to_uppercase(),
            secret.to_lowercase(),
            chars.iter().map(|c| format!("{c}.")).collect(),
            chars[..half].iter().collect(),
            chars[half..].iter().collect(),
            codes.join(", "),
            codes.join(","),
        ]
    }

    pub struct Repo {
        /// Holds the repository (`repo/` inside it) and its neighbours.
        pub _dir: tempfile::TempDir,
        pub root: PathBuf,
        /// Outside the repository: where reports go, and files the attacks aim at.
        pub outside: tempfile::TempDir,
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in walkdir::WalkDir::new(from).min_depth(1) {
            let entry = entry.expect("walk fixture");
            let rel = entry.path().strip_prefix(from).expect("inside");
            if rel.as_os_str() == "ATTACK.md" {
                continue;
            }
            let dest = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &dest).expect("copy");
            }
        }
    }

    pub fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=attacker", "-c", "user.email=a@example.com"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    /// `base/` with the attack folder `name` laid over it, committed (even git-ignored files:
    /// the pull request commits them).
    pub fn repo(name: &str) -> Repo {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/attacks");
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).expect("mkdir");
        copy_tree(&fixtures.join("base"), &root);
        copy_tree(&fixtures.join(name), &root);
        git(&root, &["init", "-q", "-b", "main"]);
        git(&root, &["add", "-A", "-f", "."]);
        git(&root, &["commit", "-q", "-m", "the pull request"]);
        // What actions/checkout leaves behind.
        let config = root.join(".git/config");
        let mut text = std::fs::read_to_string(&config).expect("git config");
        text.push_str(&format!(
            "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {HEADER}\n"
        ));
        std::fs::write(&config, text).expect("write git config");
        let outside = tempfile::tempdir().expect("temp");
        std::fs::write(
            outside.path().join("credentials"),
            format!("[default]\naws_secret_access_key = {AWS}\n"),
        )
        .expect("write");
        Repo {
            _dir: dir,
            root,
            outside,
        }
    }

    /// Everything one run printed and wrote.
    pub struct Run {
        pub code: Option<i32>,
        pub human: String,
        pub stderr: String,
        /// (format, text) of each report file, and the job summary.
        pub files: Vec<(String, String)>,
        pub elapsed: Duration,
    }

    impl Run {
        pub fn all(&self) -> Vec<(String, &str)> {
            let mut all = vec![
                ("human".to_string(), self.human.as_str()),
                ("stderr".to_string(), self.stderr.as_str()),
            ];
            all.extend(self.files.iter().map(|(n, t)| (n.clone(), t.as_str())));
            all
        }

        pub fn json(&self) -> serde_json::Value {
            let text = &self
                .files
                .iter()
                .find(|(n, _)| n == "json")
                .expect("json")
                .1;
            serde_json::from_str(text).expect("json report")
        }

        /// `rule` findings (from the JSON report) as `rule file:line message`.
        pub fn findings(&self, rule: &str) -> Vec<String> {
            self.json()["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter(|f| f["rule"] == rule)
                .map(|f| {
                    format!(
                        "{} {}:{} {}",
                        f["rule"].as_str().unwrap_or(""),
                        f["location"]["file"].as_str().unwrap_or(""),
                        f["location"]["line"],
                        f["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        }

        /// No canary, nor any transformation of one, anywhere; and no crash.
        pub fn assert_clean(&self) {
            assert!(
                matches!(self.code, Some(0..=2)),
                "exit {:?} (a crash?)\n{}",
                self.code,
                self.stderr
            );
            for secret in [STRIPE, GITHUB, AWS, JWT, HEADER] {
                for form in forms(secret) {
                    for (name, text) in self.all() {
                        assert!(
                            !text.contains(&form),
                            "{name} carries `{form}` (a form of a canary):\n{text}"
                        );
                    }
                }
            }
        }
    }

    pub fn check(repo: &Repo, extra: &[&str]) -> Run {
        run_in(&repo.root, repo.outside.path(), extra)
    }

    /// Every file format a run writes (human goes to stdout).
    pub const FORMATS: &[&str] = &[
        "json", "sarif", "markdown", "github", "concise", "gitlab", "junit",
    ];

    pub fn run_in(root: &Path, out: &Path, extra: &[&str]) -> Run {
        run_wrapped(&[], root, out, extra)
    }

    /// `launchgate check ROOT --process-env launch` with every format: human on stdout, the
    /// others in files outside the repository, and a job summary. `wrapper` (a program and
    /// its arguments) runs the binary, e.g. with fewer privileges.
    pub fn run_wrapped(wrapper: &[String], root: &Path, out: &Path, extra: &[&str]) -> Run {
        let formats = FORMATS;
        let summary = out.join("step-summary.md");
        let bin = assert_cmd::cargo::cargo_bin("launchgate");
        let mut cmd = match wrapper.split_first() {
            None => assert_cmd::Command::new(&bin),
            Some((program, args)) => {
                let mut c = assert_cmd::Command::new(program);
                c.args(args).arg(&bin);
                c
            }
        };
        cmd.arg("check").arg(root).args(["--process-env", "launch"]);
        for f in formats {
            cmd.arg("--format")
                .arg(format!("{f}={}", out.join(format!("report.{f}")).display()));
        }
        cmd.arg("--format").arg("human");
        cmd.args(extra)
            .env("NO_COLOR", "1")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("STRIPE_SECRET_KEY", STRIPE)
            .env("GITHUB_TOKEN", GITHUB)
            .env("AWS_SECRET_ACCESS_KEY", AWS)
            .env("JWT_SECRET", JWT)
            .env("NODE_ENV", "production")
            .env("PORT", "3000")
            .env(
                "DATABASE_URL",
                "postgres://orders:pw-9f8e7d6c5b4a@db.internal:5432/orders",
            )
            .env(
                "REDIS_URL",
                "rediss://default:redis-pw-1a2b3c4d@cache.internal:6380",
            )
            .env("REQUIRE_DATABASE", "true")
            .timeout(Duration::from_secs(90));
        let started = std::time::Instant::now();
        let output = cmd.output().expect("runs");
        let elapsed = started.elapsed();
        let mut files = Vec::new();
        for &f in formats {
            if let Ok(text) = std::fs::read_to_string(out.join(format!("report.{f}"))) {
                files.push((f.to_string(), text));
            }
        }
        if let Ok(text) = std::fs::read_to_string(&summary) {
            files.push(("step summary".to_string(), text));
        }
        Run {
            code: output.status.code(),
            human: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            files,
            elapsed,
        }
    }
}

use attacks::{check, repo};
use std::time::Duration;

#[test]
fn attack_01_transformed_values_never_leave_the_sandbox() {
    let r = repo("01-transformed-values");
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(1));
    // Every transformation failed: the opaque value has no characters, case or parts.
    let errors = run.findings("policy/error");
    for id in ["reverse", "dotted", "upper", "halves", "codes"] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(&format!("exfil/{id} failed"))),
            "exfil/{id} must fail: {errors:#?}"
        );
    }
    // What did get through is the fixed marker, not the value.
    let concat = run.findings("exfil/concat");
    assert!(
        concat.iter().any(|f| f.contains("concat: <secret>")),
        "{concat:#?}"
    );
}

#[test]
fn attack_02_report_locations_cannot_carry_a_secret() {
    let r = repo("02-report-locations");
    let run = check(&r, &[]);
    run.assert_clean();
    let errors = run.findings("policy/error");
    for id in [
        "location-file",
        "location-text",
        "related-file",
        "unknown-file",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(&format!("exfil/{id}"))),
            "exfil/{id} must be a policy/error: {errors:#?}"
        );
    }
    for id in [
        "location-file",
        "location-text",
        "related-file",
        "unknown-file",
    ] {
        assert!(run.findings(&format!("exfil/{id}")).is_empty());
    }
    // The made-up file name is not echoed either.
    for (name, text) in run.all() {
        assert!(!text.contains("sk_live_not_in_the_repo"), "{name}:\n{text}");
    }
}

#[test]
fn attack_03_error_texts_carry_no_value() {
    let r = repo("03-error-texts");
    let run = check(&r, &[]);
    run.assert_clean();
    let errors = run.findings("policy/error");
    for id in ["throw", "throw-map", "parse-int", "fn", "part"] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(&format!("exfil/{id} failed"))),
            "exfil/{id} must fail: {errors:#?}"
        );
    }
}

#[test]
fn attack_04_numbers_cannot_spell_a_secret() {
    let r = repo("04-numbers");
    let run = check(&r, &[]);
    run.assert_clean();
    assert!(run.findings("exfil/columns").is_empty());
    assert!(run.findings("exfil/bytes").is_empty());
    let errors = run.findings("policy/error");
    assert!(
        errors.iter().any(|e| e.contains("exfil/columns failed"))
            && errors.iter().any(|e| e.contains("exfil/bytes failed")),
        "{errors:#?}"
    );
}

#[test]
fn attack_05_keys_cannot_name_undeclared_process_variables() {
    let r = repo("05-undeclared-keys");
    let run = check(&r, &[]);
    run.assert_clean();
    let got = run.findings("exfil/ci-credentials");
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.iter().all(|f| f.ends_with(" absent")), "{got:#?}");
}

#[test]
fn attack_06_locations_outside_the_inventory_are_never_read() {
    let r = repo("06-location-reads");
    let run = check(&r, &[]);
    run.assert_clean();
    for (name, text) in run.all() {
        assert!(
            !text.contains("extraheader"),
            "{name} shows .git/config:\n{text}"
        );
        assert!(
            !text.contains("root:x:0:0"),
            "{name} shows /etc/passwd:\n{text}"
        );
        assert!(!text.contains("repositoryformatversion"), "{name}:\n{text}");
    }
    let errors = run.findings("policy/error");
    for id in ["git-config", "passwd", "outside", "related-outside"] {
        assert!(
            errors.iter().any(|e| e.contains(&format!("exfil/{id}"))),
            "exfil/{id}: {errors:#?}"
        );
    }
}

#[test]
fn attack_07_replaced_built_in_rules_are_reported() {
    let r = repo("07-replaced-builtins");
    let run = check(&r, &[]);
    run.assert_clean();
    let replaced = run.findings("policy/replaced-builtin");
    for id in [
        "launch/require-database",
        "launch/require-queue",
        "env/placeholder-value",
    ] {
        assert!(
            replaced.iter().any(|f| f
                .starts_with("policy/replaced-builtin policies/launch.rhai:4 ")
                && f.ends_with(&format!("replaces the built-in rule {id}"))),
            "{id}: {replaced:#?}"
        );
    }
    assert!(run
        .human
        .contains("repository policies REPLACE built-in rules: "));
    for (name, text) in run.all() {
        if name != "stderr" {
            assert!(
                text.contains("policy/replaced-builtin"),
                "{name} must show the replacement"
            );
        }
    }
    // CI with secrets runs the built-in rules only: the replacement has no effect.
    let builtin = check(&r, &["--builtin-policies-only"]);
    builtin.assert_clean();
    assert!(builtin.findings("policy/replaced-builtin").is_empty());
    assert!(builtin.human.contains("repository policies ignored"));
}

#[test]
fn attack_08_sleep_cycles_and_memory_end_in_policy_errors() {
    let r = repo("08-sandbox");
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
    let errors = run.findings("policy/error");
    let has = |what: &str| errors.iter().any(|e| e.contains(what));
    assert!(
        has("dos/sleep failed: Runtime error: sleep is not available"),
        "{errors:#?}"
    );
    assert!(has("dos/spin failed"), "{errors:#?}");
    assert!(
        has("dos/memory failed: exceeded the memory budget"),
        "{errors:#?}"
    );
    assert!(has("import cycle"), "{errors:#?}");
    assert!(
        errors.iter().filter(|e| e.contains("import cycle")).count() >= 2,
        "both the pair and the self-import: {errors:#?}"
    );
    // --timeout bounds the policies too.
    let started = std::time::Instant::now();
    let bounded = check(&r, &["--timeout", "2s"]);
    bounded.assert_clean();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn attack_09_substitution_cannot_reach_the_process_environment() {
    let r = repo("09-env-substitution");
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(1), "a committed env file is NO-GO");
    // The references stay unresolved (a finding naming them), never filled from the process.
    let unresolved = run.findings("env/unresolved-reference");
    for name in ["GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY"] {
        assert!(
            unresolved.iter().any(
                |f| f.starts_with("env/unresolved-reference .env.launch.local:")
                    && f.contains(name)
            ),
            "{name}: {unresolved:#?}"
        );
    }
    // Not only scrubbed on the way out: the facts themselves never held the token. `facts`
    // and `init` (which writes what it inferred into launchgate.toml) run with the canaries
    // in their environment and without --process-env, so no scrubber knows an env value.
    std::fs::remove_file(r.root.join("launchgate.toml")).expect("rm config");
    for args in [&["facts"][..], &["init"][..]] {
        let out = launchgate()
            .args(args)
            .arg(&r.root)
            .env("GITHUB_TOKEN", attacks::GITHUB)
            .env("AWS_SECRET_ACCESS_KEY", attacks::AWS)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
        let mut texts = vec![
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ];
        texts.extend(std::fs::read_to_string(r.root.join("launchgate.toml")));
        for secret in [attacks::GITHUB, attacks::AWS] {
            for form in attacks::forms(secret) {
                for text in &texts {
                    assert!(!text.contains(&form), "{args:?} carries `{form}`:\n{text}");
                }
            }
        }
        if args == ["facts"] {
            let facts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("facts JSON");
            let file = facts["env"]["files"]
                .as_array()
                .expect("env files")
                .iter()
                .find(|f| f["path"] == ".env.launch.local")
                .expect("the committed file is read");
            let node_env = file["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .find(|e| e["key"] == "NODE_ENV")
                .expect("NODE_ENV");
            // A setting, so shown as is: empty or the reference itself, never the token.
            let value = node_env["value"].as_str().expect("value");
            assert!(
                value.is_empty() || value == "${GITHUB_TOKEN}",
                "NODE_ENV read as {value:?}"
            );
        }
    }
    assert!(
        r.root.join("launchgate.toml").exists(),
        "init wrote its config"
    );
}

/// No line of `text` is a workflow command or carries an escape or control character.
fn assert_inert(name: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "{name}: a workflow command line: {line:?}"
        );
        assert!(!line.contains("##["), "{name}: a ##[ command: {line:?}");
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "{name}: a control character: {line:?}"
        );
    }
}

#[test]
fn attack_12_human_and_markdown_output_cannot_command_the_runner_or_the_terminal() {
    let r = repo("12-workflow-commands");
    // What git carries but a fixture folder cannot: file names with a newline and escapes.
    for name in [
        "docs/evil\n::error::injected.md",
        "docs/\u{1b}]8;;evil.example\u{7}link\u{1b}[2J.md",
    ] {
        std::fs::write(r.root.join(name), "# Notes\n\nStill mentions orders-v1.\n").expect("write");
    }
    attacks::git(&r.root, &["add", "-A"]);
    attacks::git(&r.root, &["commit", "-q", "-m", "odd names"]);
    let run = check(&r, &[]);
    run.assert_clean();
    // The attack reached the report: the heading and the odd files are findings.
    let legacy = run.findings("docs/legacy-name");
    assert!(
        legacy.iter().any(|f| f.contains("docs/runbook.md:3")),
        "{legacy:#?}"
    );
    assert!(
        legacy.iter().any(|f| f.contains("injected.md")),
        "{legacy:#?}"
    );
    assert!(!run.findings("inject/help").is_empty());
    assert_inert("human", &run.human);
    assert!(
        run.human.contains("# [error]Launch approved"),
        "the heading is still shown"
    );
    for (name, text) in &run.files {
        match name.as_str() {
            "markdown" | "step summary" | "concise" => assert_inert(name, text),
            "github" => {
                for line in text.lines() {
                    assert!(
                        line.starts_with("::error file=")
                            || line.starts_with("::warning file=")
                            || line.starts_with("NO-GO")
                            || line.starts_with("GO"),
                        "github: an injected line: {line:?}"
                    );
                    assert!(!line.chars().any(char::is_control), "github: {line:?}");
                }
            }
            // JUnit XML: the raw text is what a CI log prints.
            "junit" => assert_inert(name, text),
            // GitLab's JSON escapes control characters; the widget shows the decoded strings.
            "gitlab" => {
                let issues: serde_json::Value = serde_json::from_str(text).expect("gitlab JSON");
                for issue in issues.as_array().expect("issues") {
                    for field in [&issue["description"], &issue["location"]["path"]] {
                        assert_inert(name, field.as_str().expect("text"));
                    }
                }
            }
            _ => {}
        }
    }
    // The odd files reached gitlab and junit too (neutralised, not dropped).
    for format in ["gitlab", "junit"] {
        let text = &run.files.iter().find(|(n, _)| n == format).expect(format).1;
        assert!(text.contains("injected.md"), "{format}:\n{text}");
        assert!(text.contains("# [group]x"), "{format}:\n{text}");
    }
}

#[test]
fn attack_13_report_files_replace_a_committed_symlink_instead_of_writing_through_it() {
    let r = repo("13-report-symlink");
    let victim = r.outside.path().join("bashrc");
    std::fs::write(&victim, "export PATH=$HOME/bin:$PATH\n").expect("write");
    for f in ["report.sarif", "report.md"] {
        symlink(&victim, r.root.join(f)).expect("symlink");
    }
    attacks::git(&r.root, &["add", "-A", "-f"]);
    attacks::git(&r.root, &["commit", "-q", "-m", "reports"]);
    let out = launchgate()
        .arg("check")
        .arg(&r.root)
        .args(["--format", "markdown", "--format"])
        .arg(format!("sarif={}", r.root.join("report.sarif").display()))
        .arg("--output")
        .arg(r.root.join("report.md"))
        .output()
        .expect("runs");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "export PATH=$HOME/bin:$PATH\n",
        "the symlink's target is untouched"
    );
    for f in ["report.sarif", "report.md"] {
        let meta = std::fs::symlink_metadata(r.root.join(f)).expect("report");
        assert!(meta.file_type().is_file(), "{f} is now a regular file");
    }
    let sarif = std::fs::read_to_string(r.root.join("report.sarif")).expect("sarif");
    assert!(sarif.contains("\"version\": \"2.1.0\""), "{sarif}");
}

#[test]
fn attack_14_git_config_in_the_scanned_repository_runs_nothing() {
    let r = repo("14-git-fsmonitor");
    let marker = r.outside.path().join("pwned");
    let hook = r.outside.path().join("hook.sh");
    std::fs::write(&hook, format!("#!/bin/sh\ntouch {}\n", marker.display())).expect("hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let config = r.root.join(".git/config");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(&format!(
        "[core]\n\tfsmonitor = {hook}\n\thooksPath = {dir}\n\tpager = {hook}\n[diff]\n\texternal = {hook}\n",
        hook = hook.display(),
        dir = r.outside.path().display()
    ));
    std::fs::write(&config, text).expect("write config");
    // The same command runs when git itself is asked, so the trap is armed.
    let armed = std::process::Command::new("git")
        .arg("-C")
        .arg(&r.root)
        .args(["ls-files", "--others"])
        .output()
        .expect("git");
    assert!(armed.status.success());
    assert!(marker.exists(), "plain git runs the fsmonitor command");
    std::fs::remove_file(&marker).expect("reset");
    let run = check(&r, &[]);
    run.assert_clean();
    assert!(
        !marker.exists(),
        "launchgate's git ran the repository's command"
    );
    assert!(
        !run.human.contains("git-state rules were skipped"),
        "git still answered: {}",
        run.human
    );
}

/// Replace the repository's launchgate.toml and commit it.
fn with_config(r: &attacks::Repo, text: &str) {
    std::fs::write(r.root.join("launchgate.toml"), text).expect("config");
    attacks::git(&r.root, &["add", "-A", "-f"]);
    attacks::git(&r.root, &["commit", "-q", "--allow-empty", "-m", "config"]);
}

#[test]
fn attack_10_config_named_files_stay_inside_the_repository() {
    let r = repo("10-config-named-files");
    let parent = r.root.parent().expect("parent").to_path_buf();
    std::fs::write(
        parent.join("outside-credentials"),
        format!("[default]\naws_secret_access_key = {}\n", attacks::AWS),
    )
    .expect("write");
    // A committed symlink as the configured checklist, and as a policy file.
    symlink(
        r.outside.path().join("credentials"),
        r.root.join("docs/launch-checklist.md"),
    )
    .expect("symlink");
    attacks::git(&r.root, &["add", "-A", "-f"]);
    attacks::git(&r.root, &["commit", "-q", "-m", "checklist"]);

    // The waiver file is .git/config: a config error at the key, quoting nothing of it.
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("[waivers] file `.git/config`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("extraheader") && !run.stderr.contains("repositoryformat"));

    let base = "[docs]\nlegacy-names = [\"orders-v1\", \"aws_secret_access_key\"]\n";
    let cases: &[(&str, &str)] = &[
        (
            "[waivers]\nfile = \"../outside-credentials\"\n",
            "[waivers] file `../outside-credentials`",
        ),
        (
            "[waivers]\nfile = \"/dev/zero\"\n",
            "[waivers] file `/dev/zero`",
        ),
        (
            "checklists = [{ file = \"docs/launch-checklist.md\", require = [\"rollback\"] }]\n",
            "[docs] checklists file `docs/launch-checklist.md`",
        ),
        (
            "[[env]]\nname = \"prod\"\nfiles = [\"/etc/passwd\"]\n",
            "[[env]] files `/etc/passwd`",
        ),
        (
            "[[env]]\nname = \"prod\"\nfiles = [\"../outside-credentials\"]\n",
            "[[env]] files `../outside-credentials`",
        ),
        ("policies = [\"../\"]\n", "policies `../`"),
    ];
    for (extra, key) in cases {
        let text = if extra.starts_with("checklists") {
            format!("{base}{extra}")
        } else if extra.starts_with("policies") {
            format!("{extra}{base}")
        } else {
            format!("{base}{extra}")
        };
        with_config(&r, &text);
        let run = check(&r, &[]);
        run.assert_clean();
        assert_eq!(run.code, Some(2), "{text}\n{}", run.stderr);
        assert!(run.stderr.contains(key), "{text}\n{}", run.stderr);
        assert!(
            run.stderr.contains("resolves outside the repository")
                || run.stderr.contains("not a regular file"),
            "{}",
            run.stderr
        );
        assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    }

    // A symlinked policy file: policy/error saying what it is, never its content.
    with_config(&r, base);
    // (git keeps no empty folder: the fixture cannot carry `policies/`.)
    std::fs::create_dir_all(r.root.join("policies")).expect("mkdir");
    symlink(
        r.outside.path().join("credentials"),
        r.root.join("policies/x.rhai"),
    )
    .expect("symlink");
    std::fs::remove_file(r.root.join("docs/launch-checklist.md")).expect("rm");
    let run = check(&r, &[]);
    run.assert_clean();
    let errors = run.findings("policy/error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("policies/x.rhai") && e.contains("symlink")),
        "{errors:#?}"
    );
    for (name, text) in run.all() {
        assert!(!text.contains("[default]"), "{name}:\n{text}");
    }
}

#[test]
fn attack_11_database_url_parameters_are_never_printed() {
    const SSL: &str = "CanarySslPass4Keyfile8Zq";
    let r = repo("11-db-url-params");
    let run = check(&r, &["--probe", "--timeout", "20s"]);
    run.assert_clean();
    let unreachable = run.findings("db/unreachable");
    assert!(
        !unreachable.is_empty(),
        "the probe ran and failed: {}",
        run.human
    );
    for form in attacks::forms(SSL) {
        for (name, text) in run.all() {
            assert!(!text.contains(&form), "{name} carries {form}:\n{text}");
        }
    }
}

#[test]
fn attack_15_fifos_devices_and_special_files_never_hang_or_pass_silently() {
    use std::ffi::CString;
    fn mkfifo(path: &std::path::Path) {
        let c = CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
        assert_eq!(rc, 0, "mkfifo {}", path.display());
    }
    let r = repo("15-special-files");
    // A FIFO as a policy file and as env files, docs and a script.
    std::fs::create_dir_all(r.root.join("policies")).expect("mkdir");
    mkfifo(&r.root.join("policies/slow.rhai"));
    mkfifo(&r.root.join(".env"));
    mkfifo(&r.root.join("docs/notes.md"));
    let run = check(&r, &[]);
    run.assert_clean();
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    assert_eq!(run.code, Some(1));
    let errors = run.findings("policy/error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("policies/slow.rhai") && e.contains("FIFO")),
        "{errors:#?}"
    );
    // FIFOs named like an env file or a document are findings of their area, not skipped.
    assert_eq!(
        run.findings("env/parse-error"),
        vec!["env/parse-error .env:1 .env: is a FIFO, not a regular file; not read".to_string()]
    );
    assert!(
        run.findings("docs/unreadable").contains(
            &"docs/unreadable docs/notes.md:1 docs/notes.md: is a FIFO, not a regular file; not read"
                .to_string()
        ),
        "{:#?}",
        run.findings("docs/unreadable")
    );

    // A FIFO as the waiver file: a config error, at once.
    std::fs::remove_file(r.root.join("policies/slow.rhai")).expect("rm");
    mkfifo(&r.root.join("launchgate-waivers.toml"));
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("FIFO"), "{}", run.stderr);

    // A FIFO named launchgate.toml is an error, not "no config".
    std::fs::remove_file(r.root.join("launchgate-waivers.toml")).expect("rm");
    std::fs::remove_file(r.root.join("launchgate.toml")).expect("rm");
    mkfifo(&r.root.join("launchgate.toml"));
    let run = check(&r, &[]);
    run.assert_clean();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("FIFO"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

/// The program (and arguments) that runs launchgate so that `locked` (mode 000) cannot be
/// listed: nothing for an ordinary user; as root, which reads any directory, `setpriv`
/// dropping the two capabilities that let root ignore permissions (root stays root, so the
/// test's own files remain readable). `None` when neither can be demonstrated here.
fn unprivileged_wrapper(locked: &std::path::Path) -> Option<Vec<String>> {
    if std::fs::read_dir(locked).is_err() {
        return Some(Vec::new());
    }
    let drop_caps = vec![
        "setpriv".to_string(),
        "--inh-caps=-dac_override,-dac_read_search".to_string(),
        "--bounding-set=-dac_override,-dac_read_search".to_string(),
    ];
    let denied = std::process::Command::new(&drop_caps[0])
        .args(&drop_caps[1..])
        .arg("ls")
        .arg(locked)
        .output()
        .is_ok_and(|o| !o.status.success());
    denied.then_some(drop_caps)
}

#[test]
fn attack_15_an_unreadable_directory_is_an_error_in_every_format() {
    use std::os::unix::fs::PermissionsExt;
    let r = repo("15-special-files");
    let without = check(&r, &[]).json()["counts"]["blocking"].as_u64();
    // An operator's local launch file in a folder the user running launchgate cannot list.
    let locked = r.root.join("ops/secrets");
    std::fs::create_dir_all(&locked).expect("mkdir");
    std::fs::write(
        locked.join(".env.launch.local"),
        "NODE_ENV=development\nDEBUG=true\n",
    )
    .expect("write");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let Some(wrapper) = unprivileged_wrapper(&locked) else {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!(
            "SKIPPED LOUDLY: attack_15_an_unreadable_directory_is_an_error_in_every_format: this \
             process reads mode-000 directories and `setpriv` cannot drop that power here; the \
             unreadable-directory finding was NOT demonstrated"
        );
        return;
    };
    let run = attacks::run_wrapped(&wrapper, &r.root, r.outside.path(), &[]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    run.assert_clean();
    assert_eq!(run.code, Some(1), "NO-GO:\n{}\n{}", run.human, run.stderr);
    let got = run.findings("repo/unreadable-directory");
    assert_eq!(
        got,
        vec![
            "repo/unreadable-directory ops/secrets:1 directory ops/secrets could not be listed \
             (Permission denied); nothing inside it was checked"
                .to_string()
        ],
        "{}",
        run.human
    );
    // Fail closed: one more blocking finding than the same repository without the folder.
    assert_eq!(run.json()["verdict"], "NO-GO");
    assert_eq!(
        run.json()["counts"]["blocking"].as_u64(),
        without.map(|n| n + 1),
        "{}",
        run.human
    );
    // Every format names the rule and the directory.
    assert!(run.human.contains("repo/unreadable-directory") && run.human.contains("ops/secrets"));
    for (name, text) in &run.files {
        assert!(
            text.contains("repo/unreadable-directory") && text.contains("ops/secrets"),
            "{name} does not report the unreadable directory:\n{text}"
        );
    }
    for f in attacks::FORMATS {
        assert!(run.files.iter().any(|(n, _)| n == f), "{f} was written");
    }
}

/// `levels` nested folders `d` under `base`, with `file` holding `text` at the bottom. Built
/// one level at a time relative to an open directory: the absolute path of the bottom is far
/// longer than PATH_MAX, so no path-based call could make it.
fn deep_tree(base: &std::path::Path, levels: usize, file: &str, text: &str) {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(base).expect("mkdir");
    let c = |s: &[u8]| CString::new(s).expect("no NUL");
    let name = c(b"d");
    // SAFETY: plain system calls on NUL-terminated names and descriptors this function owns.
    unsafe {
        let mut fd = libc::open(
            c(base.as_os_str().as_bytes()).as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY,
        );
        assert!(fd >= 0, "open {}", base.display());
        for level in 0..levels {
            assert_eq!(
                libc::mkdirat(fd, name.as_ptr(), 0o755),
                0,
                "mkdir level {level}"
            );
            let next = libc::openat(fd, name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0, "open level {level}");
            libc::close(fd);
            fd = next;
        }
        let f = libc::openat(
            fd,
            c(file.as_bytes()).as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            0o644,
        );
        assert!(f >= 0, "create {file}");
        let written = libc::write(f, text.as_ptr().cast(), text.len());
        assert_eq!(written, text.len() as isize);
        libc::close(f);
        libc::close(fd);
    }
}

#[test]
fn attack_15_a_tree_deeper_than_the_walk_goes_is_an_error_not_a_silent_pass_or_a_crash() {
    let r = repo("15-special-files");
    // 3,000 levels: past the walk's limit and past PATH_MAX (4,096 bytes) for absolute paths.
    let base = r.root.join("vendor-mirror");
    deep_tree(
        &base,
        3_000,
        ".env.production",
        "NODE_ENV=development\nDEBUG=true\n",
    );
    let run = check(&r, &[]);
    // rm copes with any depth; the temp folder's own removal might not.
    let removed = std::process::Command::new("rm")
        .arg("-rf")
        .arg(&base)
        .status();
    run.assert_clean();
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
    assert_eq!(run.code, Some(1), "NO-GO:\n{}\n{}", run.human, run.stderr);
    let got = run.findings("repo/too-deep");
    assert_eq!(got.len(), 1, "{got:#?}\n{}", run.human);
    // The directory at the limit: `vendor-mirror` and 255 levels of `d`.
    let at_limit = format!("vendor-mirror{}", "/d".repeat(255));
    assert!(
        got[0].starts_with(&format!("repo/too-deep {at_limit}:1 directory vendor-mirror/d/d/…/d/d (256 levels) was not walked (it is 256 directory levels deep, the walk's limit); nothing below it was checked")),
        "{got:#?}"
    );
    for (name, text) in &run.files {
        assert!(text.contains("repo/too-deep"), "{name}:\n{text}");
    }
    assert!(removed.is_ok_and(|s| s.success()), "rm -rf the deep tree");
}

#[test]
fn an_unreadable_git_ignored_folder_is_reported_as_not_searched_for_evidence() {
    use std::os::unix::fs::PermissionsExt;
    let r = repo("15-special-files");
    // A local database's data folder, ignored by git, owned by someone else in real life.
    let gitignore = r.root.join(".gitignore");
    let mut text = std::fs::read_to_string(&gitignore).expect(".gitignore");
    text.push_str("pgdata/\n");
    std::fs::write(&gitignore, text).expect("write");
    attacks::git(&r.root, &["commit", "-q", "-am", "ignore pgdata"]);
    let data = r.root.join("pgdata");
    std::fs::create_dir_all(data.join("base")).expect("mkdir");
    std::fs::write(data.join("PG_VERSION"), "16\n").expect("write");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let Some(wrapper) = unprivileged_wrapper(&data) else {
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        eprintln!(
            "SKIPPED LOUDLY: an_unreadable_git_ignored_folder_is_reported_as_not_searched_for_evidence: \
             this process reads mode-000 directories and `setpriv` cannot drop that power here"
        );
        return;
    };
    let run = attacks::run_wrapped(&wrapper, &r.root, r.outside.path(), &[]);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    run.assert_clean();
    assert_eq!(
        run.findings("repo/unreadable-directory"),
        vec![
            "repo/unreadable-directory pgdata:1 git-ignored directory pgdata could not be \
             searched for evidence (Permission denied); artifacts inside it were not checked"
                .to_string()
        ],
        "{}",
        run.human
    );
    // Searched only for evidence, which a rule that needs it misses on its own: a warning.
    let severities: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "repo/unreadable-directory")
        .map(|f| f["severity"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(severities, ["warning"]);
    // The way out the rule's help gives: `exclude` leaves the folder out entirely.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let config = r.root.join("launchgate.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.insert_str(0, "exclude = [\"pgdata\"]\n");
    std::fs::write(&config, text).expect("write");
    let run = attacks::run_wrapped(&wrapper, &r.root, r.outside.path(), &[]);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    run.assert_clean();
    assert!(
        run.findings("repo/unreadable-directory").is_empty(),
        "{}",
        run.human
    );
}
