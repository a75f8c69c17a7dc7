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
