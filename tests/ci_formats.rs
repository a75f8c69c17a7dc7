//! The reports for CI systems other than GitHub: `--format gitlab` (GitLab code quality) and
//! `--format junit` (JUnit XML). Snapshots of both on fixtures/credity, their shape checked
//! against the vendored schemas (`schemas/`), waivers, `--fail-on`, and hostile names.
//! `.ci/run` validates both formats of every fixture with full schema validators
//! (`.ci/validate-reports.py`: jsonschema and xmlschema).

mod common;

use std::collections::HashSet;

use launchgate::check::{self, CheckOptions, CheckOutcome};
use launchgate::finding::Severity;
use launchgate::report::{Format, Style};
use launchgate::waiver::Date;

fn credity() -> CheckOutcome {
    check::run(&CheckOptions {
        root: "fixtures/credity".into(),
        ..Default::default()
    })
    .expect("check runs")
}

fn issues(text: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(text)
        .expect("the GitLab report is JSON")
        .as_array()
        .expect("the GitLab report is an array")
        .clone()
}

/// Every issue against GitLab's schema (`required` and the property types it names) and what
/// GitLab's documentation adds: a check name, one of five severities, a relative path, a
/// first line, and fingerprints unique in the report.
fn assert_gitlab_valid(text: &str) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("schemas/gitlab-codeclimate.json").expect("vendored schema"),
    )
    .expect("schema is JSON");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(required.contains(&"fingerprint"), "{schema}");
    let mut seen = HashSet::new();
    for issue in issues(text) {
        for key in &required {
            assert!(issue.get(key).is_some(), "`{key}` missing: {issue}");
        }
        for (key, spec) in schema["properties"].as_object().expect("properties") {
            if spec["type"] == "string" {
                assert!(issue[key].is_string(), "`{key}` must be a string: {issue}");
            }
        }
        assert!(issue["check_name"]
            .as_str()
            .is_some_and(|s| s.contains('/')));
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap_or("")),
            "{issue}"
        );
        let path = issue["location"]["path"].as_str().expect("path");
        assert!(!path.is_empty() && !path.starts_with('/'), "{issue}");
        assert!(
            issue["location"]["lines"]["begin"].as_u64() >= Some(1),
            "{issue}"
        );
        let fp = issue["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_string();
        assert!(seen.insert(fp), "fingerprint repeats: {issue}");
    }
}

/// The JUnit report parsed, with the XSD's required attributes and allowed children checked,
/// and its counts added up. Returns (tests, failures, skipped).
fn assert_junit_valid(text: &str) -> (usize, usize, usize) {
    let doc = roxmltree::Document::parse(text).expect("the JUnit report is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for suite in root.children().filter(|n| n.is_element()) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        for attr in ["name", "tests", "failures", "errors"] {
            assert!(suite.attribute(attr).is_some(), "testsuite needs {attr}");
        }
        let (mut t, mut f, mut s) = (0, 0, 0);
        for case in suite.children().filter(|n| n.is_element()) {
            assert_eq!(case.tag_name().name(), "testcase");
            assert!(case.attribute("name").is_some_and(|n| !n.is_empty()));
            t += 1;
            for child in case.children().filter(|n| n.is_element()) {
                match child.tag_name().name() {
                    "failure" => f += 1,
                    "skipped" => s += 1,
                    "system-out" => {}
                    other => panic!("unexpected <{other}> in a testcase"),
                }
            }
        }
        assert_eq!(suite.attribute("tests"), Some(t.to_string().as_str()));
        assert_eq!(suite.attribute("failures"), Some(f.to_string().as_str()));
        assert_eq!(suite.attribute("skipped"), Some(s.to_string().as_str()));
        (tests, failures, skipped) = (tests + t, failures + f, skipped + s);
    }
    assert_eq!(root.attribute("tests"), Some(tests.to_string().as_str()));
    assert_eq!(
        root.attribute("failures"),
        Some(failures.to_string().as_str())
    );
    (tests, failures, skipped)
}

#[test]
fn credity_gitlab() {
    let outcome = credity();
    let text = Format::Gitlab.render(&outcome, Style::default());
    assert_gitlab_valid(&text);
    let all = issues(&text);
    let blockers = all.iter().filter(|i| i["severity"] == "blocker").count();
    assert_eq!(blockers, outcome.verdict.blocking);
    assert_eq!(all.len(), outcome.findings.len());
    insta::assert_snapshot!(text);
}

#[test]
fn credity_junit() {
    let outcome = credity();
    let text = Format::Junit.render(&outcome, Style::default());
    let (tests, failures, skipped) = assert_junit_valid(&text);
    assert_eq!(failures, outcome.verdict.blocking);
    // One case per finding, plus one per rule that found nothing.
    let fired: HashSet<&str> = outcome.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        tests,
        outcome.findings.len() + outcome.rules.len() - fired.len()
    );
    // Without --probe, the live-database rules were not run: skipped, not passed.
    assert!(skipped >= 7, "{text}");
    assert!(text.contains(
        "<testcase name=\"db/unreachable\" classname=\"launchgate.db\">\n      <skipped message=\"needs live database probes (check --probe)\"/>"
    ));
    insta::assert_snapshot!(text);
}

#[test]
fn clean_fixture_is_all_passing_tests_and_no_issues() {
    let outcome = check::run(&CheckOptions {
        root: "fixtures/clean".into(),
        ..Default::default()
    })
    .expect("check runs");
    assert!(outcome.verdict.go);
    assert_eq!(Format::Gitlab.render(&outcome, Style::default()), "[]\n");
    let (tests, failures, _) =
        assert_junit_valid(&Format::Junit.render(&outcome, Style::default()));
    assert!(tests >= outcome.rules.len(), "{tests}");
    assert_eq!(failures, 0);
}

const DUPLICATES: &str = "PORT=1\nPORT=2\nHOST=a\nHOST=b\n";

fn duplicates(config: &str, fail_on: Severity) -> CheckOutcome {
    let dir = common::tree(&[(".env", DUPLICATES), ("launchgate.toml", config)]);
    let outcome = check::run(&CheckOptions {
        root: dir.path().to_path_buf(),
        today: Date::parse("2026-03-01"),
        fail_on,
        ..Default::default()
    })
    .expect("check runs");
    drop(dir);
    outcome
}

#[test]
fn fail_on_decides_what_fails_and_what_is_a_blocker() {
    // Warnings below --fail-on error: passing test cases with the finding shown; minor issues.
    let lenient = duplicates("", Severity::Error);
    let junit = Format::Junit.render(&lenient, Style::default());
    assert_eq!(assert_junit_valid(&junit).1, 0, "{junit}");
    assert!(junit.contains("<system-out>warning: "), "{junit}");
    let gitlab = issues(&Format::Gitlab.render(&lenient, Style::default()));
    assert_eq!(gitlab.len(), 2);
    assert!(
        gitlab.iter().all(|i| i["severity"] == "minor"),
        "{gitlab:?}"
    );
    // The same findings at --fail-on warning: failures and blockers.
    let strict = duplicates("", Severity::Warning);
    let junit = Format::Junit.render(&strict, Style::default());
    assert_eq!(assert_junit_valid(&junit).1, 2, "{junit}");
    assert!(
        junit.contains("<failure type=\"warning\" message=\""),
        "{junit}"
    );
    let gitlab = issues(&Format::Gitlab.render(&strict, Style::default()));
    assert!(
        gitlab.iter().all(|i| i["severity"] == "blocker"),
        "{gitlab:?}"
    );
}

#[test]
fn waived_findings_are_skipped_tests_and_left_out_of_gitlab_unless_asked() {
    let waiver = r#"
[[waiver]]
rule = "env/duplicate-key"
subject = "PORT"
reason = "the v1 loader reads the first value"
owner = "platform@example.com"
expires = 2099-12-31
"#;
    let outcome = duplicates(waiver, Severity::Warning);
    assert_eq!(outcome.verdict.waived, 1, "{:?}", outcome.findings);
    let junit = Format::Junit.render(&outcome, Style::default());
    let (_, failures, skipped) = assert_junit_valid(&junit);
    assert_eq!(failures, 1, "{junit}");
    assert!(skipped >= 1);
    assert!(
        junit.contains("<skipped message=\"waived: the v1 loader reads the first value (owner platform@example.com, expires 2099-12-31)\"/>"),
        "{junit}"
    );
    let gitlab = Format::Gitlab.render(&outcome, Style::default());
    assert_gitlab_valid(&gitlab);
    assert_eq!(issues(&gitlab).len(), 1);
    let with_waived = Format::Gitlab.render(
        &outcome,
        Style {
            include_waived: true,
            ..Style::default()
        },
    );
    assert_gitlab_valid(&with_waived);
    let all = issues(&with_waived);
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter().filter(|i| i["severity"] == "info").count(),
        1,
        "{with_waived}"
    );
}

#[test]
fn hostile_names_and_text_cannot_break_either_report() {
    // A document whose name carries XML markup, quotes and a CDATA end, and whose heading (in
    // the message) an escape character: both reports must still parse, and keep the path.
    let name = "docs/we<ird & \"odd\" ]]>.md";
    let dir = common::tree(&[(
        name,
        "# Notes \u{1b}[31m <b>&\n\nSee [the plan](./missing&plan.md).\n",
    )]);
    let outcome = common::run(dir.path());
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.rule == "docs/broken-link"),
        "{:?}",
        outcome.findings
    );
    let junit = Format::Junit.render(&outcome, Style::default());
    assert_junit_valid(&junit);
    let doc = roxmltree::Document::parse(&junit).expect("well-formed");
    let case = doc
        .descendants()
        .find(|n| {
            n.attribute("name")
                .is_some_and(|v| v.starts_with("docs/broken-link "))
        })
        .expect("a test case for the broken link");
    assert!(
        case.attribute("name").is_some_and(|v| v.contains(name)),
        "{junit}"
    );
    let gitlab = Format::Gitlab.render(&outcome, Style::default());
    assert_gitlab_valid(&gitlab);
    assert!(issues(&gitlab)
        .iter()
        .any(|i| i["location"]["path"] == name));
}

#[test]
fn both_formats_work_from_the_command_line_and_to_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gl = dir.path().join("gl-code-quality-report.json");
    let ju = dir.path().join("launchgate-junit.xml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_launchgate"))
        .args(["check", "fixtures/credity", "--format", "human"])
        .arg("--format")
        .arg(format!("gitlab={}", gl.display()))
        .arg("--format")
        .arg(format!("junit={}", ju.display()))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "NO-GO");
    assert_gitlab_valid(&std::fs::read_to_string(&gl).expect("gitlab report written"));
    assert_junit_valid(&std::fs::read_to_string(&ju).expect("junit report written"));
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_launchgate"))
        .args(["check", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("gitlab") && help.contains("junit"), "{help}");
}
