//! The evidence collector and `policies/evidence.rhai`, end to end: evidence folders written
//! by the test (or the committed fixtures), findings from `launchgate::check::run`.

use std::path::{Path, PathBuf};

use launchgate::check::{run, CheckOptions};
use launchgate::collect::{collect_static, CollectOptions};
use launchgate::facts::evidence::EvidenceFolder;
use launchgate::finding::Finding;

const VERIFY: &str = "scripts/db-migration/artifacts/verify";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Findings of the `evidence/*` rules for `root`, with `--tolerance` when given.
fn evidence_findings(root: &Path, tolerance: Option<&str>) -> Vec<Finding> {
    let outcome = run(&CheckOptions {
        root: root.to_path_buf(),
        tolerance: tolerance.map(str::to_string),
        ..Default::default()
    })
    .expect("check runs");
    let mut findings: Vec<Finding> = outcome
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("evidence/"))
        .collect();
    findings.sort_by(|a, b| a.location.cmp(&b.location));
    findings
}

fn places(findings: &[Finding]) -> Vec<(String, String, u32)> {
    findings
        .iter()
        .map(|f| (f.rule.clone(), f.location.file.to_string(), f.location.line))
        .collect()
}

fn folders(root: &Path) -> Vec<EvidenceFolder> {
    let config = launchgate::config::load(root, None).expect("config loads");
    collect_static(root, &config, CollectOptions::default())
        .facts
        .evidence
        .folders
}

/// A repository with files (path under the verify folder, text).
fn evidence_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let verify = dir.path().join(VERIFY);
    std::fs::create_dir_all(&verify).expect("mkdir");
    for (name, text) in files {
        std::fs::write(verify.join(name), text).expect("write");
    }
    dir
}

/// A complete snapshot at `ts` with `users` counted `src` and `tgt` times, plus a matching
/// `orders` table.
fn snapshot(ts: &str, src: u64, tgt: u64) -> Vec<(String, String)> {
    vec![
        (
            format!("src-rowcounts-{ts}.txt"),
            format!("orders|500\nusers|{src}\n"),
        ),
        (
            format!("tgt-rowcounts-{ts}.txt"),
            format!("orders|500\nusers|{tgt}\n"),
        ),
        (
            format!("rowcount-diff-{ts}.patch"),
            if src == tgt {
                String::new()
            } else {
                format!("-users|{src}\n+users|{tgt}\n")
            },
        ),
    ]
}

fn repo_with(snapshots: &[Vec<(String, String)>]) -> tempfile::TempDir {
    let files: Vec<(&str, &str)> = snapshots
        .iter()
        .flatten()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    evidence_repo(&files)
}

fn mismatches(root: &Path, tolerance: Option<&str>) -> usize {
    evidence_findings(root, tolerance)
        .iter()
        .filter(|f| f.rule == "evidence/rowcount-mismatch")
        .count()
}

#[test]
fn credity_flags_the_short_table_on_its_target_line() {
    let findings = evidence_findings(&fixture("credity"), None);
    let tgt = format!("{VERIFY}/tgt-rowcounts-20260221T094107Z.txt");
    assert_eq!(
        places(&findings),
        vec![("evidence/rowcount-mismatch".into(), tgt, 4)],
        "{findings:#?}"
    );
    let f = &findings[0];
    assert_eq!(
        (f.location.column, f.location.end_column),
        (1, 12),
        "spans `credentials`"
    );
    assert!(
        f.message.contains("target has 18231 rows, source 18234"),
        "{}",
        f.message
    );
    assert_eq!(
        f.related[0].location.file,
        format!("{VERIFY}/src-rowcounts-20260221T094107Z.txt")
    );
    assert_eq!(f.related[0].location.line, 4);
}

#[test]
fn clean_fixture_has_no_evidence_findings() {
    let findings = evidence_findings(&fixture("clean"), None);
    assert!(findings.is_empty(), "{findings:#?}");
    let folders = folders(&fixture("clean"));
    let sets: Vec<(&str, bool, usize)> = folders[0]
        .sets
        .iter()
        .map(|s| (s.name.as_str(), s.state_store.is_some(), s.tables.len()))
        .collect();
    assert_eq!(
        sets,
        vec![
            ("rowcounts 20260221T121502Z", true, 11),
            ("method-exact 20260221T121748Z", true, 11)
        ],
        "the state-store gate joins the method run of its timestamp"
    );
}

#[test]
fn tolerance_zero_flags_a_single_row() {
    let dir = repo_with(&[snapshot("20260221T100000Z", 1000, 999)]);
    assert_eq!(mismatches(dir.path(), None), 1, "default tolerance is 0");
    assert_eq!(mismatches(dir.path(), Some("0")), 1);
    let same = repo_with(&[snapshot("20260221T100000Z", 1000, 1000)]);
    assert_eq!(mismatches(same.path(), Some("0")), 0);
}

#[test]
fn tolerance_in_rows_passes_five_and_fails_six() {
    let five = repo_with(&[snapshot("20260221T100000Z", 1000, 995)]);
    assert_eq!(mismatches(five.path(), Some("5")), 0);
    let six = repo_with(&[snapshot("20260221T100000Z", 1000, 994)]);
    assert_eq!(mismatches(six.path(), Some("5")), 1);
    // The direction does not matter: a target with more rows than the source is judged alike.
    let six_more = repo_with(&[snapshot("20260221T100000Z", 994, 1000)]);
    assert_eq!(mismatches(six_more.path(), Some("5")), 1);
}

#[test]
fn tolerance_in_percent_passes_ten_of_a_thousand_and_fails_eleven() {
    let ten = repo_with(&[snapshot("20260221T100000Z", 1000, 990)]);
    assert_eq!(mismatches(ten.path(), Some("1%")), 0);
    let eleven = repo_with(&[snapshot("20260221T100000Z", 1000, 989)]);
    assert_eq!(mismatches(eleven.path(), Some("1%")), 1);
}

#[test]
fn tolerance_from_launchgate_toml_is_applied_and_pointed_at() {
    let dir = repo_with(&[snapshot("20260221T100000Z", 1000, 994)]);
    std::fs::write(
        dir.path().join("launchgate.toml"),
        "[probes]\ntolerance = \"5\"\n",
    )
    .expect("write");
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].message.contains("tolerance of 5"),
        "{}",
        findings[0].message
    );
    let at_config = findings[0]
        .related
        .iter()
        .any(|r| r.location.file == "launchgate.toml" && r.location.line == 2);
    assert!(at_config, "{:?}", findings[0].related);
    // --tolerance outranks the file.
    assert_eq!(mismatches(dir.path(), Some("6")), 0);
}

#[test]
fn a_table_on_one_side_only_is_a_mismatch_whatever_the_tolerance() {
    let dir = evidence_repo(&[
        (
            "src-rowcounts-20260221T100000Z.txt",
            "users|10\nsessions|4\n",
        ),
        (
            "tgt-rowcounts-20260221T100000Z.txt",
            "users|10\naudit_log|7\n",
        ),
        (
            "rowcount-diff-20260221T100000Z.patch",
            "-sessions|4\n+audit_log|7\n",
        ),
    ]);
    let findings = evidence_findings(dir.path(), Some("100%"));
    let got: Vec<(String, u32, bool)> = findings
        .iter()
        .map(|f| {
            (
                f.location.file.rsplit('/').next().unwrap_or("").to_string(),
                f.location.line,
                f.message.contains("missing from the"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("src-rowcounts-20260221T100000Z.txt".into(), 2, true),
            ("tgt-rowcounts-20260221T100000Z.txt".into(), 2, true),
        ],
        "{findings:#?}"
    );
}

#[test]
fn a_set_missing_its_target_is_incomplete() {
    let dir = evidence_repo(&[
        ("src-rowcounts-20260221T100000Z.txt", "users|10\n"),
        ("rowcount-diff-20260221T100000Z.patch", ""),
    ]);
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(
        places(&findings),
        vec![(
            "evidence/incomplete-set".into(),
            format!("{VERIFY}/rowcount-diff-20260221T100000Z.patch"),
            1
        )]
    );
    assert!(
        findings[0]
            .message
            .contains("lacks its target file: tgt-rowcounts-20260221T100000Z.txt"),
        "{}",
        findings[0].message
    );
}

#[test]
fn an_empty_or_garbled_count_file_is_incomplete_evidence() {
    let dir = evidence_repo(&[
        (
            "src-method-exact-20260221T100000Z.txt",
            "users|10\npsql: error: connection to server failed\n",
        ),
        ("tgt-method-exact-20260221T100000Z.txt", ""),
        ("method-diff-exact-20260221T100000Z.patch", "+users|10\n"),
    ]);
    let findings = evidence_findings(dir.path(), None);
    let got: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.rule == "evidence/incomplete-set")
        .map(|f| {
            (
                f.location.file.rsplit('/').next().unwrap_or("").to_string(),
                f.location.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("src-method-exact-20260221T100000Z.txt".into(), 2),
            ("tgt-method-exact-20260221T100000Z.txt".into(), 1)
        ],
        "{findings:#?}"
    );
}

#[test]
fn an_unknown_file_in_an_evidence_folder_is_a_bad_name() {
    let mut files = snapshot("20260221T100000Z", 10, 10);
    files.push(("tgt-rowcounts-final.txt".into(), "users|10\n".into()));
    files.push((".gitkeep".into(), String::new()));
    files.push((
        "src-method-slow-20260221T100000Z.txt".into(),
        "users|10\n".into(),
    ));
    let dir = repo_with(&[files]);
    // A folder without any artifact is not an evidence folder: its files are not judged.
    std::fs::create_dir_all(dir.path().join("notes")).expect("mkdir");
    std::fs::write(dir.path().join("notes/rowcounts.txt"), "users|1\n").expect("write");
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(
        places(&findings),
        vec![
            (
                "evidence/bad-name".into(),
                format!("{VERIFY}/src-method-slow-20260221T100000Z.txt"),
                1
            ),
            (
                "evidence/bad-name".into(),
                format!("{VERIFY}/tgt-rowcounts-final.txt"),
                1
            ),
        ]
    );
    assert!(findings
        .iter()
        .all(|f| f.severity == launchgate::finding::Severity::Warning));
}

#[test]
fn only_the_latest_snapshot_is_compared_but_every_snapshot_must_be_complete() {
    let mut old = snapshot("20260220T090000Z", 1000, 900);
    old.retain(|(name, _)| !name.starts_with("rowcount-diff"));
    let dir = repo_with(&[old, snapshot("20260221T100000Z", 1000, 1000)]);
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(
        places(&findings),
        vec![(
            "evidence/incomplete-set".into(),
            format!("{VERIFY}/src-rowcounts-20260220T090000Z.txt"),
            1
        )],
        "{findings:#?}"
    );
    let sets = &folders(dir.path())[0].sets;
    let latest: Vec<(&str, bool)> = sets
        .iter()
        .map(|s| (s.timestamp.as_str(), s.latest))
        .collect();
    assert_eq!(
        latest,
        vec![("20260220T090000Z", false), ("20260221T100000Z", true)]
    );
}

#[test]
fn psql_aligned_output_is_compared_on_the_right_line_and_column() {
    let src = "  table_name  | row_count\n--------------+-----------\n users        |      1000\n orders       |       500\n(2 rows)\n";
    let tgt = "  table_name  | row_count\n--------------+-----------\n users        |      1000\n orders       |       498\n(2 rows)\n\r\n";
    let dir = evidence_repo(&[
        ("src-method-fast-20260221T100000Z.txt", src),
        ("tgt-method-fast-20260221T100000Z.txt", tgt),
        (
            "method-diff-fast-20260221T100000Z.patch",
            "- orders       |       500\n+ orders       |       498\n",
        ),
        ("state-store-gate-20260221T100000Z.txt", "OK issuer:keys\n"),
    ]);
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let at = &findings[0].location;
    assert_eq!(
        (at.file.as_str(), at.line, at.column, at.end_column),
        (
            format!("{VERIFY}/tgt-method-fast-20260221T100000Z.txt").as_str(),
            4,
            2,
            8
        )
    );
    assert_eq!(findings[0].subject, "method-fast orders");
    let folder = &folders(dir.path())[0];
    let set = &folder.sets[0];
    assert_eq!(
        set.target.as_ref().map(|t| t.format.as_str()),
        Some("psql-aligned")
    );
    assert_eq!(
        set.diff.as_ref().map(|d| d.changed_tables.clone()),
        Some(vec!["orders".to_string()])
    );
}

#[test]
fn each_small_fixture_shows_its_rule_at_its_line() {
    let cases = [
        (
            "incomplete-set",
            "evidence/incomplete-set",
            "artifacts/verify/rowcount-diff-20260221T094107Z.patch",
            1,
        ),
        (
            "rowcount-mismatch",
            "evidence/rowcount-mismatch",
            "artifacts/verify/tgt-method-exact-20260221T101210Z.txt",
            6,
        ),
        (
            "bad-name",
            "evidence/bad-name",
            "artifacts/verify/tgt-rowcounts-final.txt",
            1,
        ),
    ];
    for (folder, rule, file, line) in cases {
        let findings = evidence_findings(&fixture("evidence").join(folder), None);
        assert_eq!(
            places(&findings),
            vec![(rule.to_string(), file.to_string(), line)],
            "{folder}: {findings:#?}"
        );
    }
}

/// A cutover env set whose local file sets `ROWCOUNT_TOLERANCE` (on line 3).
fn with_cutover_env(root: &Path, tolerance: &str) {
    let env_dir = root.join("scripts/db-migration/env");
    std::fs::create_dir_all(&env_dir).expect("mkdir");
    let contract = "SRC_DB_URL=postgresql://USER:PASSWORD@HOST:5432/DB\nTGT_DB_URL=postgresql://USER:PASSWORD@HOST:5432/DB\nROWCOUNT_TOLERANCE=0\n";
    std::fs::write(env_dir.join(".env.db-migration.example"), contract).expect("write");
    let local = format!("SRC_DB_URL=postgresql://app:s3cret-src@old-db.internal:5432/credity\nTGT_DB_URL=postgresql://app:s3cret-tgt@db.supabase.co:5432/postgres\nROWCOUNT_TOLERANCE={tolerance}\n");
    std::fs::write(env_dir.join(".env.db-migration.local"), local).expect("write");
}

#[test]
fn tolerance_from_the_cutover_env_set_is_applied_and_pointed_at() {
    let six = repo_with(&[snapshot("20260221T100000Z", 1000, 994)]);
    with_cutover_env(six.path(), "6");
    assert_eq!(
        mismatches(six.path(), None),
        0,
        "ROWCOUNT_TOLERANCE=6 allows 6 rows"
    );
    assert_eq!(
        mismatches(six.path(), Some("5")),
        1,
        "--tolerance outranks the env set"
    );

    let seven = repo_with(&[snapshot("20260221T100000Z", 1000, 993)]);
    with_cutover_env(seven.path(), "6");
    let findings = evidence_findings(seven.path(), None);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let env_line = findings[0].related.iter().any(|r| {
        r.location.file == "scripts/db-migration/env/.env.db-migration.local"
            && r.location.line == 3
    });
    assert!(env_line, "{:?}", findings[0].related);
    assert!(!findings[0].message.contains("s3cret"));
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=launchgate-test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn evidence_in_a_git_ignored_artifacts_folder_is_still_checked() {
    let mut files = snapshot("20260221T100000Z", 1000, 990);
    files.push(("notes-final.txt".into(), "users|1000\n".into()));
    let dir = repo_with(&[files]);
    std::fs::write(
        dir.path().join(".gitignore"),
        "scripts/db-migration/artifacts/\nnode_modules/\n",
    )
    .expect("write");
    // Dependency trees are not searched, even when they hold evidence-like names.
    let vendored = dir.path().join("node_modules/pg-verify/fixtures");
    std::fs::create_dir_all(&vendored).expect("mkdir");
    std::fs::write(vendored.join("src-rowcounts-1.txt"), "users|1\n").expect("write");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "ignore artifacts"]);

    let folders = folders(dir.path());
    let paths: Vec<&str> = folders.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, vec![VERIFY]);
    let findings = evidence_findings(dir.path(), None);
    assert_eq!(
        places(&findings),
        vec![
            (
                "evidence/bad-name".into(),
                format!("{VERIFY}/notes-final.txt"),
                1
            ),
            (
                "evidence/rowcount-mismatch".into(),
                format!("{VERIFY}/tgt-rowcounts-20260221T100000Z.txt"),
                2
            ),
        ]
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The `cutover/*` readiness findings of `check --mode cutover` on `root`: (rule, file, line).
fn readiness(root: &Path) -> Vec<(String, String, u32, String)> {
    let outcome = run(&CheckOptions {
        root: root.to_path_buf(),
        mode: launchgate::facts::Mode::Cutover,
        ..Default::default()
    })
    .expect("check runs");
    let readiness = [
        "cutover/verification-missing",
        "cutover/checklist-unchecked",
        "cutover/state-store-gate",
    ];
    outcome
        .findings
        .into_iter()
        .filter(|f| readiness.contains(&f.rule.as_str()))
        .map(|f| {
            (
                f.rule.clone(),
                f.location.file.to_string(),
                f.location.line,
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn cutover_mode_names_each_missing_piece_on_credity_and_passes_once_all_are_present() {
    let repo = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("credity"), repo.path());
    let checklist = repo
        .path()
        .join("scripts/db-migration/ROLLBACK_REHEARSAL_CHECKLIST.md");
    let verify = repo.path().join(VERIFY);

    // As committed: four unchecked rollback steps and failing evidence (credentials short).
    let found = readiness(repo.path());
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        rules
            .iter()
            .filter(|r| **r == "cutover/checklist-unchecked")
            .count(),
        4,
        "{found:#?}"
    );
    let lines: Vec<u32> = found
        .iter()
        .filter(|f| f.0 == "cutover/checklist-unchecked")
        .map(|f| f.2)
        .collect();
    assert_eq!(lines, vec![10, 15, 25, 33]);
    let verification: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "cutover/verification-missing")
        .collect();
    assert_eq!(verification.len(), 1, "{found:#?}");
    assert!(
        verification[0].3.contains("credentials") && verification[0].3.contains("--evidence"),
        "{}",
        verification[0].3
    );
    assert!(!rules.contains(&"cutover/state-store-gate"), "{found:#?}");
    // Outside cutover mode none of this is demanded.
    let operator = run(&CheckOptions {
        root: repo.path().to_path_buf(),
        ..Default::default()
    })
    .expect("check runs");
    assert!(operator
        .findings
        .iter()
        .all(|f| !f.rule.starts_with("cutover/verification")
            && f.rule != "cutover/checklist-unchecked"
            && f.rule != "cutover/state-store-gate"));

    // A newer gate run wrote MISSING relayer:nonce: that line is the finding.
    std::fs::write(
        verify.join("state-store-gate-20260301T080000Z.txt"),
        "OK issuer:keys\nOK registry:cursor\nMISSING relayer:nonce\n",
    )
    .expect("write gate file");
    let found = readiness(repo.path());
    let gate: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "cutover/state-store-gate")
        .collect();
    assert_eq!(gate.len(), 1, "{found:#?}");
    assert_eq!(
        (gate[0].1.as_str(), gate[0].2),
        (
            "scripts/db-migration/artifacts/verify/state-store-gate-20260301T080000Z.txt",
            3
        )
    );
    assert!(gate[0].3.contains("relayer:nonce"), "{}", gate[0].3);

    // The evidence folder deleted: no verification and no gate file, each said.
    std::fs::remove_dir_all(&verify).expect("remove evidence");
    let found = readiness(repo.path());
    let messages: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("holds no verification evidence")),
        "{found:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no state-store gate file")),
        "{found:#?}"
    );

    // Passing evidence, but older than the newest migration (BlockWalletDigi 0001,
    // 2025-01-30): verify again.
    std::fs::create_dir_all(&verify).expect("mkdir");
    let counts = "users|48213\nissuers|37\ncredentials|18234\n";
    for (name, text) in [
        ("src-rowcounts-20250101T000000Z.txt", counts),
        ("tgt-rowcounts-20250101T000000Z.txt", counts),
        ("rowcount-diff-20250101T000000Z.patch", ""),
        (
            "tgt-state-store-20250101T000000Z.txt",
            "OK issuer:keys\nOK registry:cursor\nOK relayer:nonce\n",
        ),
    ] {
        std::fs::write(verify.join(name), text).expect("write evidence");
    }
    let found = readiness(repo.path());
    let stale: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "cutover/verification-missing")
        .collect();
    assert_eq!(stale.len(), 1, "{found:#?}");
    assert!(
        stale[0]
            .3
            .contains("predates migration 0001_pinned_credentials"),
        "{}",
        stale[0].3
    );

    // Fresh passing evidence and every step checked: nothing left to demand.
    for (name, text) in [
        ("src-rowcounts-20260301T090000Z.txt", counts),
        ("tgt-rowcounts-20260301T090000Z.txt", counts),
        ("rowcount-diff-20260301T090000Z.patch", ""),
        (
            "tgt-state-store-20260301T090000Z.txt",
            "OK issuer:keys\nOK registry:cursor\nOK relayer:nonce\n",
        ),
    ] {
        std::fs::write(verify.join(name), text).expect("write evidence");
    }
    let text = std::fs::read_to_string(&checklist).expect("checklist");
    std::fs::write(&checklist, text.replace("- [ ]", "- [x]")).expect("check every step");
    let found = readiness(repo.path());
    assert!(found.is_empty(), "{found:#?}");
}
