//! Waivers: active, expired, unused, rejected; inline; SARIF with and without them.

mod common;

use launchgate::check::{self, CheckOptions, CheckOutcome};
use launchgate::report::{Format, Style};
use launchgate::waiver::Date;

const ENV: &str = "A=1\nA=2\n";

fn run_with(config: &str, today: &str) -> Result<CheckOutcome, check::CheckError> {
    let dir = common::tree(&[(".env", ENV), ("launchgate.toml", config)]);
    let opts = CheckOptions {
        root: dir.path().to_path_buf(),
        today: Date::parse(today),
        fail_on: launchgate::finding::Severity::Warning,
        ..Default::default()
    };
    let out = check::run(&opts);
    drop(dir);
    out
}

const WAIVER: &str = r#"
[[waiver]]
rule = "env/duplicate-key"
subject = "A"
reason = "legacy loader reads the first value; removed with v2"
owner = "db-oncall@credity.example"
expires = 2026-03-31
"#;

#[test]
fn an_active_waiver_stops_blocking_and_is_listed() {
    let outcome = run_with(WAIVER, "2026-03-01").expect("runs");
    assert!(outcome.verdict.go, "{:?}", outcome.findings);
    assert_eq!(outcome.verdict.waived, 1);
    let f = outcome
        .findings
        .iter()
        .find(|f| f.rule == "env/duplicate-key")
        .expect("still listed");
    assert_eq!(
        f.waived.as_ref().map(|w| w.owner.as_str()),
        Some("db-oncall@credity.example")
    );
    let human = Format::Human.render(&outcome, Style::default());
    assert!(
        human.contains("Waived (not blocking)")
            && human.contains("legacy loader reads the first value"),
        "{human}"
    );
    let json = Format::Json.render(&outcome, Style::default());
    assert!(
        json.contains("\"waived\": {") && json.contains("\"waived\": 1"),
        "{json}"
    );
    // SARIF leaves waived findings out unless asked, then marks them suppressed.
    let sarif = Format::Sarif.render(&outcome, Style::default());
    assert!(
        !sarif.contains("\"ruleId\": \"env/duplicate-key\""),
        "{sarif}"
    );
    let with = Format::Sarif.render(
        &outcome,
        Style {
            include_waived: true,
            ..Style::default()
        },
    );
    assert!(
        with.contains("\"ruleId\": \"env/duplicate-key\"")
            && with.contains("\"suppressions\"")
            && with.contains("legacy loader"),
        "{with}"
    );
}

#[test]
fn an_expired_waiver_blocks_again() {
    let outcome = run_with(WAIVER, "2026-04-01").expect("runs");
    assert!(!outcome.verdict.go);
    let expired: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "waiver/expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(
        (expired[0].location.file.as_str(), expired[0].location.line),
        ("launchgate.toml", 2)
    );
    assert!(expired[0].message.contains("expired on 2026-03-31"));
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.rule == "env/duplicate-key" && f.waived.is_none()));
}

#[test]
fn an_unused_waiver_is_warned() {
    let outcome = run_with(
        &WAIVER.replace("subject = \"A\"", "subject = \"B\""),
        "2026-03-01",
    )
    .expect("runs");
    let unused: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "waiver/unused")
        .collect();
    assert_eq!(unused.len(), 1, "{:?}", outcome.findings);
    assert_eq!(unused[0].severity, launchgate::finding::Severity::Warning);
}

fn rejected(config: &str) -> String {
    match run_with(config, "2026-03-01") {
        Ok(_) => panic!("config should be rejected: {config}"),
        Err(e) => {
            let mut s = String::new();
            let _ = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            )
            .render_report(&mut s, &e);
            s
        }
    }
}

#[test]
fn waivers_without_reason_or_owner_or_target_are_rejected() {
    assert!(rejected(&WAIVER.replace(
        "reason = \"legacy loader reads the first value; removed with v2\"\n",
        ""
    ))
    .contains("missing field `reason`"));
    assert!(
        rejected(&WAIVER.replace("owner = \"db-oncall@credity.example\"\n", ""))
            .contains("missing field `owner`")
    );
    assert!(rejected(&WAIVER.replace("subject = \"A\"\n", "")).contains("must be targeted"));
    assert!(rejected(&WAIVER.replace("2026-03-31", "\"next spring\"")).contains("must be a date"));
}

#[test]
fn a_waiver_on_a_not_waivable_rule_is_rejected() {
    let config = format!("[waivers]\nnot-waivable = [\"env/duplicate-key\"]\n{WAIVER}");
    let msg = rejected(&config);
    assert!(msg.contains("`env/duplicate-key` is not waivable"), "{msg}");
    assert!(
        msg.contains("launchgate.toml:5:8"),
        "points at the waiver's rule: {msg}"
    );
    assert!(
        rejected(&WAIVER.replace("env/duplicate-key", "policy/error")).contains("not waivable")
    );
    assert!(
        rejected(&WAIVER.replace("env/duplicate-key", "env/no-such-rule"))
            .contains("matches no rule")
    );
}

#[test]
fn a_separate_waiver_file_is_read() {
    let dir = common::tree(&[
        (".env", ENV),
        ("launchgate.toml", "# config\n"),
        ("launchgate-waivers.toml", WAIVER),
    ]);
    let outcome = check::run(&CheckOptions {
        root: dir.path().to_path_buf(),
        today: Date::parse("2026-01-01"),
        fail_on: launchgate::finding::Severity::Warning,
        ..Default::default()
    })
    .expect("runs");
    assert!(outcome.verdict.go, "{:?}", outcome.findings);
}

#[test]
fn inline_waivers_need_a_reason() {
    let dir = common::tree(&[(".env", "A=1\n# launchgate: allow env/duplicate-key -- kept until the v1 loader is gone\nA=2\nB=1\n# launchgate: allow env/duplicate-key\nB=2\n")]);
    let outcome = check::run(&CheckOptions {
        root: dir.path().to_path_buf(),
        fail_on: launchgate::finding::Severity::Warning,
        ..Default::default()
    })
    .expect("runs");
    let dup: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "env/duplicate-key")
        .collect();
    assert_eq!(dup.len(), 2);
    assert!(dup
        .iter()
        .any(|f| f.location.line == 3 && f.waived.as_ref().is_some_and(|w| w.kind == "inline")));
    assert!(dup
        .iter()
        .any(|f| f.location.line == 6 && f.waived.is_none()));
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.rule == "waiver/unused" && f.message.contains("has no reason")));
}

#[test]
fn severity_overrides_apply_in_one_place() {
    let outcome =
        run_with("[rules]\n\"env/duplicate-key\" = \"off\"\n", "2026-03-01").expect("runs");
    assert!(
        outcome.findings.is_empty() && outcome.verdict.go,
        "{:?}",
        outcome.findings
    );
    assert!(outcome.rules.iter().all(|r| r.id != "env/duplicate-key"));
    let outcome =
        run_with("[rules]\n\"env/duplicate-key\" = \"error\"\n", "2026-03-01").expect("runs");
    assert_eq!(
        outcome.findings[0].severity,
        launchgate::finding::Severity::Error
    );
    assert!(rejected("[rules]\n\"policy/error\" = \"off\"\n").contains("cannot be overridden"));
    assert!(rejected("[rules]\n\"env/nope\" = \"off\"\n").contains("not a rule id"));
    assert!(
        rejected("[rules]\n\"env/duplicate-key\" = \"loud\"\n").contains("unknown variant `loud`")
    );
}

/// A copy of a fixture repository (plain files; these tests need no git).
fn copy_of(fixture: &str) -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read fixture") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    copy(std::path::Path::new(fixture), dir.path());
    dir
}

fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::launchgate()
        .env("LAUNCHGATE_TODAY", "2026-03-01")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn waive(
    repo: &std::path::Path,
    rule: &str,
    subject: &str,
    expires: &str,
) -> (Option<i32>, String, String) {
    let repo = repo.to_string_lossy().into_owned();
    cli(&[
        "waive",
        rule,
        "--subject",
        subject,
        "--reason",
        "history lands with PR 123",
        "--owner",
        "db-oncall@credity.example",
        "--expires",
        expires,
        "--repo",
        &repo,
    ])
}

#[test]
fn the_human_report_shows_the_subject_a_waiver_takes() {
    let (_, out, _) = cli(&["check", "fixtures/credity"]);
    let at = out
        .find("CredVerseIssuer 3 uses drizzle but its migration history")
        .expect("the finding");
    let rest = &out[at..];
    let end = rest.find("\n\n").expect("the finding's end");
    assert!(
        rest[..end].ends_with("\n  subject: CredVerseIssuer 3"),
        "{}",
        &rest[..end]
    );
    assert!(
        out.contains("To waive a finding: launchgate waive RULE --subject SUBJECT"),
        "{out}"
    );
    let (_, concise, _) = cli(&["check", "fixtures/credity", "--format", "concise"]);
    assert!(
        concise.lines().any(|l| l.starts_with(
            "CredVerseIssuer 3/drizzle.config.ts:11:3: error migrations/history-missing "
        ) && l.ends_with(" [subject: CredVerseIssuer 3]")),
        "{concise}"
    );
}

#[test]
fn waive_writes_an_entry_that_covers_the_finding_and_never_clobbers() {
    let repo = copy_of("fixtures/credity");
    let file = repo.path().join("launchgate-waivers.toml");
    assert!(!file.exists());

    let (code, out, err) = waive(
        repo.path(),
        "migrations/history-missing",
        "CredVerseIssuer 3",
        "2026-03-31",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("it covers 1 finding(s) today"), "{out}");
    let first = std::fs::read_to_string(&file).expect("created");
    assert!(
        first.ends_with(
            "[[waiver]]\nrule = \"migrations/history-missing\"\nsubject = \"CredVerseIssuer 3\"\n\
             reason = \"history lands with PR 123\"\nowner = \"db-oncall@credity.example\"\n\
             expires = 2026-03-31\n"
        ),
        "{first}"
    );

    // The finding is now listed as waived, with its subject, and no longer blocking.
    let (_, human, _) = cli(&["check", &repo.path().to_string_lossy()]);
    let waived = human
        .split("Waived (not blocking)")
        .nth(1)
        .expect("a waived list");
    assert!(
        waived.contains("migrations/history-missing CredVerseIssuer 3/drizzle.config.ts:11:3")
            && waived.contains("subject: CredVerseIssuer 3")
            && waived.contains("reason: history lands with PR 123"),
        "{waived}"
    );

    // A second entry is appended after the first, which stays byte for byte.
    let (code, _, err) = waive(
        repo.path(),
        "migrations/history-missing",
        "CredVerseRecruiter",
        "2026-04-30",
    );
    assert_eq!(code, Some(0), "{err}");
    let second = std::fs::read_to_string(&file).expect("still there");
    assert!(second.starts_with(&first), "{second}");
    assert!(
        second[first.len()..].starts_with("\n[[waiver]]\n"),
        "{second}"
    );
    let (_, md, _) = cli(&[
        "check",
        &repo.path().to_string_lossy(),
        "--format",
        "markdown",
    ]);
    assert!(md.contains("Waived findings (2, not blocking)"), "{md}");

    // An entry that does not validate (no such rule) is refused and leaves the file as it was.
    let (code, _, err) = waive(repo.path(), "migrations/no-such-rule", "X", "2026-03-31");
    assert_eq!(code, Some(2));
    assert!(err.starts_with("launchgate: error: "), "{err}");
    assert!(err.contains("matches no rule"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), second);

    // Nor is a waiver that would expire before it is read, or one on the safety net.
    let (code, _, err) = waive(repo.path(), "migrations/history-missing", "X", "2026-02-01");
    assert_eq!(code, Some(2));
    assert!(err.contains("is already past"), "{err}");
    let (code, _, err) = waive(repo.path(), "policy/error", "X", "2026-03-31");
    assert_eq!(code, Some(2));
    assert!(err.contains("not waivable"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), second);
}

#[test]
fn waive_into_a_repository_without_a_waiver_file_creates_nothing_on_failure() {
    let repo = copy_of("fixtures/credity");
    let (code, _, _) = waive(repo.path(), "migrations/no-such-rule", "X", "2026-03-31");
    assert_eq!(code, Some(2));
    assert!(!repo.path().join("launchgate-waivers.toml").exists());
}

#[test]
fn the_markdown_summary_counts_waived_findings_apart() {
    let repo = copy_of("fixtures/credity");
    let (code, _, err) = waive(repo.path(), "migrations/history-missing", "*", "2026-03-31");
    assert_eq!(code, Some(0), "{err}");
    let opts = CheckOptions {
        root: repo.path().to_path_buf(),
        today: Date::parse("2026-03-01"),
        ..Default::default()
    };
    let outcome = check::run(&opts).expect("runs");
    assert!(outcome.verdict.waived >= 2);
    let md = Format::Markdown.render(&outcome, Style::default());
    let blocking_heading = format!("### Blocking findings ({})", outcome.verdict.blocking);
    assert!(md.contains(&blocking_heading), "{md}");
    assert!(
        md.contains(&format!(
            "| **total** | **{}** | **{}** | **{}** |",
            outcome.verdict.errors, outcome.verdict.warnings, outcome.verdict.blocking
        )),
        "{md}"
    );
    let blocking_table = md
        .split(&blocking_heading)
        .nth(1)
        .and_then(|t| t.split("\n\n<details>").next())
        .expect("a blocking table");
    assert!(
        !blocking_table.contains("migrations/history-missing"),
        "{blocking_table}"
    );
    assert_eq!(
        blocking_table
            .lines()
            .filter(|l| l.starts_with("| error"))
            .count(),
        outcome.verdict.blocking
    );
    assert!(
        md.contains(&format!(
            "Waived findings ({}, not blocking)",
            outcome.verdict.waived
        )),
        "{md}"
    );
    // Every table row names the finding's subject.
    assert!(
        md.contains("| `migrations/history-missing` | `CredVerseIssuer 3` |"),
        "{md}"
    );
}

#[test]
fn the_readmes_waiver_example_waives_a_real_finding() {
    let readme = std::fs::read_to_string("README.md").expect("README");
    let start = readme.find("[[waiver]]").expect("a waiver example");
    let end = start + readme[start..].find("```").expect("its block's end");
    let example = &readme[start..end];
    let repo = copy_of("fixtures/credity");
    std::fs::write(repo.path().join("launchgate-waivers.toml"), example).expect("write");
    let opts = CheckOptions {
        root: repo.path().to_path_buf(),
        today: Date::parse("2026-03-01"),
        ..Default::default()
    };
    let outcome = check::run(&opts).expect("the example loads");
    let waived: Vec<(&str, &str)> = outcome
        .findings
        .iter()
        .filter(|f| f.waived.is_some())
        .map(|f| (f.rule.as_str(), f.subject.as_str()))
        .collect();
    assert_eq!(
        waived,
        [("migrations/history-missing", "CredVerseRecruiter")]
    );
    assert!(outcome.findings.iter().all(|f| f.rule != "waiver/unused"));
}
