//! GitHub and CI integration: the Markdown summary and the job summary, several reports from
//! one run, SARIF details for code scanning (category, severity order, the 25,000-result cap,
//! `security-severity`), shell completions and the man page.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use launchgate::check::{self, CheckOptions};
use launchgate::facts::Location;
use launchgate::finding::{Finding, Severity, Verdict};
use launchgate::report::markdown::Links;
use launchgate::report::sarif::{MAX_RESULTS, TRUNCATED_NOTIFICATION};
use launchgate::report::{Format, ReportOptions};

/// The binary, with nothing from a GitHub runner leaking in when the suite itself runs in
/// GitHub Actions.
fn launchgate() -> Command {
    let mut c = Command::cargo_bin("launchgate").expect("binary");
    c.env("NO_COLOR", "1");
    for var in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_SHA",
        "GITHUB_WORKSPACE",
    ] {
        c.env_remove(var);
    }
    c
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_cmd(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn sarif_results(text: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    v["runs"][0]["results"].as_array().expect("results").clone()
}

/// `(rule, file, line, column)` of a SARIF result (the URI decoded back to a path).
fn sarif_key(r: &serde_json::Value) -> (String, String, i64, i64) {
    let p = &r["locations"][0]["physicalLocation"];
    let uri = p["artifactLocation"]["uri"].as_str().expect("uri");
    (
        r["ruleId"].as_str().expect("ruleId").to_string(),
        percent_encoding::percent_decode_str(uri)
            .decode_utf8()
            .expect("UTF-8 path")
            .into_owned(),
        p["region"]["startLine"].as_i64().expect("startLine"),
        p["region"]["startColumn"].as_i64().expect("startColumn"),
    )
}

#[test]
fn markdown_summary_of_credity() {
    let outcome = common::run(Path::new("fixtures/credity"));
    insta::assert_snapshot!(Format::Markdown.render(&outcome, Default::default()));
}

#[test]
fn markdown_lists_every_blocking_finding_with_a_link_to_its_line() {
    let outcome = common::run(Path::new("fixtures/credity"));
    let links = Links {
        base: Some("https://github.com/acme/credity/blob/0123abc/".into()),
        prefix: "fixtures/credity/".into(),
    };
    let markdown = launchgate::report::markdown::render(&outcome, &links);
    assert!(
        markdown.starts_with("## ❌ launchgate: NO-GO"),
        "{markdown}"
    );
    let blocking: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(!blocking.is_empty());
    assert!(markdown.contains(&format!("### Blocking findings ({})", blocking.len())));
    for f in blocking {
        let l = &f.location;
        let link = format!(
            "[{}:{}](https://github.com/acme/credity/blob/0123abc/fixtures/credity/{}#L{})",
            // Link text is Markdown: `_` is escaped so file names never turn into emphasis.
            l.file.replace('_', "\\_"),
            l.line,
            l.file.replace(' ', "%20"),
            l.line
        );
        let row = markdown
            .lines()
            .find(|line| line.contains(&format!("`{}`", f.rule)) && line.contains(&link))
            .unwrap_or_else(|| panic!("no row for {} linked as {link}:\n{markdown}", f.rule));
        assert!(row.starts_with("| error |"), "{row}");
    }
    // Counts by area add up to the verdict.
    let area_rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("| launch |") || l.starts_with("| cutover |"))
        .collect();
    assert_eq!(area_rows.len(), 2, "{markdown}");
    assert!(markdown.contains(&format!(
        "| **total** | **{}** | **{}** | **{}** |",
        outcome.verdict.errors, outcome.verdict.warnings, outcome.verdict.blocking
    )));
}

#[test]
fn markdown_of_a_go_repository_says_go_and_has_no_findings_table() {
    let outcome = common::run(Path::new("fixtures/clean"));
    let markdown = Format::Markdown.render(&outcome, Default::default());
    assert!(markdown.starts_with("## ✅ launchgate: GO"), "{markdown}");
    assert!(markdown.contains("No findings."), "{markdown}");
    assert!(!markdown.contains("| severity |"), "{markdown}");
}

#[test]
fn one_run_writes_human_to_stdout_and_sarif_to_a_file_and_they_agree() {
    let dir = tempfile::tempdir().expect("tmp");
    let sarif_file = dir.path().join("launchgate.sarif");
    // --verbose: every finding in full (by default only the first warnings of a rule are).
    let out = run_cmd(launchgate().args([
        "check",
        "fixtures/credity",
        "--verbose",
        "--format",
        "human",
        "--format",
        "sarif",
        "--output",
        &sarif_file.to_string_lossy(),
    ]));
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("\"$schema\""),
        "SARIF must not reach stdout"
    );
    assert!(
        out.stdout
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("NO-GO: ")),
        "the human report (verdict last) is on stdout:\n{}",
        out.stdout
    );
    let results = sarif_results(&std::fs::read_to_string(&sarif_file).expect("SARIF written"));
    assert!(!results.is_empty());

    // Every SARIF result is a diagnostic in the human report at the same place. miette wraps
    // long messages, so both sides are compared without whitespace and its margin.
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    let human_blocks: Vec<String> = out
        .stdout
        .split("\n  × ")
        .flat_map(|b| b.split("\n  ⚠ "))
        .skip(1)
        .map(squash)
        .collect();
    for r in &results {
        let (rule, file, line, column) = sarif_key(r);
        let message = r["message"]["text"].as_str().expect("message");
        let block = human_blocks
            .iter()
            .find(|b| b.starts_with(&squash(message)))
            .unwrap_or_else(|| panic!("{rule}: {message:?} is not in the human report"));
        let at = squash(&format!("{file}:{line}:{column}"));
        assert!(
            block.contains(&format!("[{at}]")) || block.contains(&format!("at{at}")),
            "{rule}: the human report puts {message:?} elsewhere than {at}:\n{block}"
        );
    }
    // And nothing more: the human summary table counts the same findings per rule.
    let mut sarif_counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &results {
        *sarif_counts.entry(sarif_key(r).0).or_default() += 1;
    }
    let summary = out
        .stdout
        .split("\nSummary\n")
        .nth(1)
        .expect("summary table");
    let mut human_counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in summary.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if let [rule, _severity, count] = cols[..] {
            human_counts.insert(rule.to_string(), count.parse().expect("count"));
        }
    }
    assert_eq!(human_counts, sarif_counts);
}

#[test]
fn each_format_can_name_its_own_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("report.json");
    let sarif = dir.path().join("report.sarif");
    let md = dir.path().join("summary.md");
    let out = run_cmd(launchgate().args([
        "check",
        "fixtures/credity",
        "--format",
        &format!("json={}", json.display()),
        "--format",
        &format!("sarif={}", sarif.display()),
        "--format",
        "markdown",
        "--output",
        &md.to_string_lossy(),
    ]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    // Every report went to a file, so stdout has the verdict alone.
    let expected = common::run(Path::new("fixtures/credity"))
        .verdict
        .headline();
    assert!(expected.starts_with("NO-GO: "));
    assert_eq!(out.stdout.trim_end(), expected);
    let sarif = sarif_results(&std::fs::read_to_string(&sarif).expect("sarif"));
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(sarif.len()));
    let md = std::fs::read_to_string(&md).expect("markdown");
    assert!(md.starts_with("## ❌ launchgate: NO-GO"), "{md}");
}

#[test]
fn output_goes_to_the_machine_format_even_when_human_is_last() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("x.sarif");
    let out = run_cmd(launchgate().args([
        "check",
        "fixtures/credity",
        "--format",
        "sarif",
        "--format",
        "human",
        "--output",
        &file.to_string_lossy(),
    ]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stdout.contains("launch/node-env"), "{}", out.stdout);
    assert!(!sarif_results(&std::fs::read_to_string(&file).expect("sarif")).is_empty());
}

#[test]
fn ambiguous_destinations_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let same = dir.path().join("same.out").to_string_lossy().into_owned();
    for (args, expected) in [
        (
            vec!["--format", "human", "--format", "sarif"],
            "only one report can go to standard output, but human and sarif have no file",
        ),
        (
            vec![
                "--format",
                &format!("json={same}"),
                "--format",
                &format!("sarif={same}"),
            ],
            "two reports would be written to",
        ),
        (
            vec!["--format", "sarif=x.sarif", "--output", "y"],
            "--output has no report to take",
        ),
        (vec!["--format", "sarif="], "invalid value 'sarif='"),
        (
            vec!["--format", "yaml=x"],
            "expected one of human, json, sarif, github, markdown",
        ),
    ] {
        let out = run_cmd(launchgate().args(["check", "fixtures/credity"]).args(&args));
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.is_empty(),
            "{args:?} must not run the check: {}",
            out.stdout
        );
    }
    assert!(!Path::new(&same).exists());
}

#[test]
fn github_step_summary_gets_the_markdown_whatever_the_formats() {
    let dir = tempfile::tempdir().expect("tmp");
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "## an earlier step\n").expect("write");
    let repo_root = env!("CARGO_MANIFEST_DIR");
    let out = run_cmd(
        launchgate()
            .args(["check", "fixtures/credity", "--format", "github"])
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "acme/credity")
            .env("GITHUB_SHA", "0123abc")
            .env("GITHUB_WORKSPACE", repo_root),
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stdout.starts_with("::error file="),
        "stdout keeps its format"
    );
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("## an earlier step\n## ❌ launchgate: NO-GO"),
        "appended:\n{text}"
    );
    // Links point into the checked-out commit, at the scanned folder's path in the repository.
    assert!(
        text.contains(
            "(https://github.com/acme/credity/blob/0123abc/fixtures/credity/.env.launch.local#L2)"
        ),
        "{text}"
    );

    // Without the variable, nothing is written anywhere but the reports.
    let before = std::fs::read_to_string(&summary).expect("summary");
    let out = run_cmd(launchgate().args(["check", "fixtures/credity", "--format", "json"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(std::fs::read_to_string(&summary).expect("summary"), before);
}

#[test]
fn markdown_and_the_step_summary_never_show_a_secret() {
    let repo = common::tree(&[
        (".env.launch.example", "JWT_SECRET=\nREDIS_URL=\n"),
        (
            ".env.launch.local",
            "NODE_ENV=staging\nJWT_SECRET=CANARYmdSecret9\nJWT_SECRET=CANARYmdSecret9\n\
             REDIS_URL=http://u:CANARYmdUrlPw4@cache.example.com\nBROKEN CANARYmdBroken7\n",
        ),
    ]);
    let summary = repo.path().join("summary.md");
    let out = run_cmd(
        launchgate()
            .args(["check", "--format", "markdown"])
            .arg(repo.path())
            .env("GITHUB_STEP_SUMMARY", &summary),
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let appended = std::fs::read_to_string(&summary).expect("summary written");
    assert!(out.stdout.contains("launch/jwt-secrets"), "{}", out.stdout);
    for text in [&out.stdout, &out.stderr, &appended] {
        for canary in ["CANARYmdSecret9", "CANARYmdUrlPw4", "CANARYmdBroken7"] {
            assert!(!text.contains(canary), "leaked {canary}:\n{text}");
        }
    }
}

/// A real outcome with 30,000 extra warnings that sort before its errors, as a huge env file
/// full of duplicate keys would give. (Built directly: producing them through the policies takes
/// minutes in a debug build.)
fn outcome_with_30000_findings() -> launchgate::check::CheckOutcome {
    let mut outcome = check::run(&CheckOptions {
        root: "fixtures/credity".into(),
        ..Default::default()
    })
    .expect("check runs");
    for i in 0..30_000u32 {
        let mut f = Finding::new(
            "env/duplicate-key",
            Severity::Warning,
            Location::on_line(".env.launch.local", i + 1, 1, 4),
            format!("DUP_{i} is set twice"),
        );
        f.subject = format!("DUP_{i}");
        f.refresh_fingerprint();
        outcome.findings.push(f);
    }
    launchgate::finding::sort(&mut outcome.findings);
    outcome.verdict = Verdict::decide(&outcome.findings, Severity::Error);
    outcome
}

#[test]
fn sarif_keeps_25000_results_errors_first_and_says_it_truncated() {
    let outcome = outcome_with_30000_findings();
    let errors = outcome.verdict.errors;
    let total = outcome.findings.len();
    assert!(errors > 0 && total == 30_000 + errors + (outcome.verdict.warnings - 30_000));
    let rendered = Format::Sarif.render_with(&outcome, &ReportOptions::default());
    let log: serde_json::Value = serde_json::from_str(&rendered.text).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), MAX_RESULTS);
    // Errors first: every error survives the cap, though its file sorts after the warnings.
    for r in &results[..errors] {
        assert_eq!(r["level"], "error", "{r}");
    }
    assert!(results[errors..].iter().all(|r| r["level"] == "warning"));

    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert_eq!(notification["descriptor"]["id"], TRUNCATED_NOTIFICATION);
    assert_eq!(notification["level"], "warning");
    let omitted = total - MAX_RESULTS;
    let text = notification["message"]["text"].as_str().expect("text");
    assert!(
        text.starts_with(&format!(
            "SARIF truncated: 25000 of {total} results written, {omitted} left out (0 errors, {omitted} warnings)"
        )),
        "{text}"
    );
    // The CLI prints the same notice on stderr.
    assert_eq!(rendered.notices, vec![text.to_string()]);
}

#[test]
fn sarif_under_the_cap_has_no_notification_and_sorts_errors_first() {
    let outcome = common::run(Path::new("fixtures/credity"));
    let rendered = Format::Sarif.render_with(&outcome, &ReportOptions::default());
    assert!(rendered.notices.is_empty());
    let log: serde_json::Value = serde_json::from_str(&rendered.text).expect("JSON");
    assert!(log["runs"][0].get("invocations").is_none());
    assert!(log["runs"][0].get("automationDetails").is_none());

    // A repository with warnings in a file that sorts first.
    let repo = common::tree(&[
        (".env", "A=1\nA=2\n"),
        ("z/.env", "this line is not an env line\n"),
    ]);
    let outcome = common::run(repo.path());
    let levels: Vec<String> = sarif_results(&Format::Sarif.render(&outcome, Default::default()))
        .iter()
        .map(|r| r["level"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(levels, ["error", "warning"]);
}

#[test]
fn category_becomes_the_automation_id_and_secret_rules_carry_security_severity() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("x.sarif");
    let out = run_cmd(launchgate().args([
        "check",
        "fixtures/credity",
        "--format",
        "sarif",
        "--output",
        &file.to_string_lossy(),
        "--category",
        "launchgate",
    ]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("sarif")).expect("JSON");
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "launchgate/");

    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the driver"))
    };
    let secret = &rule("env/committed-secret-file")["properties"];
    let score: f64 = secret["security-severity"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("security-severity is a number in a string");
    assert!(
        (7.0..=10.0).contains(&score),
        "a committed secret is high: {score}"
    );
    assert!(secret["tags"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "security")));
    assert!(rule("launch/node-env")["properties"]
        .get("security-severity")
        .is_none());
}

#[test]
fn completions_for_bash_zsh_and_fish_know_the_commands_and_formats() {
    for (shell, marker) in [
        ("bash", "complete -F _launchgate"),
        ("zsh", "#compdef launchgate"),
        ("fish", "complete -c launchgate"),
    ] {
        let out = run_cmd(launchgate().args(["completions", shell]));
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}:\n{}", out.stdout);
        for word in ["check", "explain", "fail-on", "markdown"] {
            assert!(out.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let dir = tempfile::tempdir().expect("tmp");
    let script = dir.path().join("launchgate.bash");
    let out = launchgate()
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    std::fs::write(&script, out.stdout).expect("write");
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    assert_eq!(
        run_cmd(launchgate().args(["completions", "tcsh"])).code,
        Some(2)
    );
}

#[test]
fn man_page_is_generated_from_the_command_line_definition() {
    let out = run_cmd(launchgate().arg("man"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains(".TH launchgate 1"), "{}", out.stdout);
    for word in [
        "check",
        "completions",
        "Policy\\-as\\-code readiness checks",
    ] {
        assert!(
            out.stdout.contains(word),
            "man page lacks {word}:\n{}",
            out.stdout
        );
    }

    let dir = tempfile::tempdir().expect("tmp");
    let out = run_cmd(launchgate().arg("man").arg("--dir").arg(dir.path()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let check_page =
        std::fs::read_to_string(dir.path().join("launchgate-check.1")).expect("page per command");
    assert!(check_page.contains("\\-\\-category"), "{check_page}");
    assert!(dir.path().join("launchgate.1").is_file());

    let out = run_cmd(
        launchgate()
            .arg("man")
            .arg("--dir")
            .arg(dir.path().join("no/such/dir")),
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("could not write the man page"),
        "{}",
        out.stderr
    );
}

#[test]
fn docs_ci_shows_the_workflow_exactly_as_shipped() {
    let workflow =
        std::fs::read_to_string(".github/workflows/launchgate.yml").expect("the user workflow");
    let doc = std::fs::read_to_string("docs/ci.md").expect("docs/ci.md");
    assert!(
        doc.contains(&format!("```yaml\n{workflow}```")),
        "docs/ci.md must reproduce .github/workflows/launchgate.yml verbatim"
    );
}
