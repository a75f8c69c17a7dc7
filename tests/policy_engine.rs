//! The policy engine fails closed: a policy that loops, recurses, throws or does not compile
//! yields `policy/error` at its own file and line, and the verdict is NO-GO.

mod common;

use std::time::Duration;

use launchgate::collect::{collect_static, CollectOptions};
use launchgate::config::LoadedConfig;
use launchgate::finding::{Severity, Verdict};
use launchgate::policy::{Limits, PolicySet, POLICY_ERROR};

fn evaluate(policy: &str) -> (Vec<launchgate::finding::Finding>, Verdict) {
    let dir = common::tree(&[(".env", "A=1\n")]);
    let collected = collect_static(
        dir.path(),
        &LoadedConfig::default(),
        CollectOptions::default(),
    );
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        max_operations: 5_000_000,
        ..Limits::default()
    };
    let mut set = PolicySet::empty(limits);
    set.load("policies/custom.rhai", policy);
    let findings = set.evaluate(std::sync::Arc::new(collected.facts));
    let verdict = Verdict::decide(&findings, Severity::Error);
    (findings, verdict)
}

fn policy_errors(findings: &[launchgate::finding::Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == POLICY_ERROR)
        .map(|f| format!("{}:{} {}", f.location.file, f.location.line, f.message))
        .collect()
}

const META: &str = r#"#{ id: "custom/x", severity: "warning", summary: "s", help: "h" }"#;

#[test]
fn an_endless_loop_hits_a_limit_and_fails_closed() {
    let (findings, verdict) = evaluate(&format!(
        "// a policy\nrule({META}, |facts, rule| {{\n  let n = 0;\n  loop {{ n += 1; }}\n}});\n"
    ));
    let errors = policy_errors(&findings);
    assert_eq!(errors.len(), 1, "{errors:?}");
    // The wall-clock stop has no position of its own: it lands on the rule's registration.
    assert!(
        errors[0].starts_with("policies/custom.rhai:2 "),
        "{errors:?}"
    );
    assert!(errors[0].contains("limit"), "{errors:?}");
    assert!(!verdict.go);
}

#[test]
fn a_throw_is_reported_at_its_line() {
    let (findings, verdict) = evaluate(&format!(
        "rule({META}, |facts, rule| {{\n  if true {{\n    throw \"boom\";\n  }}\n}});\n"
    ));
    let errors = policy_errors(&findings);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("policies/custom.rhai:3 "),
        "{errors:?}"
    );
    assert!(errors[0].contains("boom"), "{errors:?}");
    assert!(
        !verdict.go,
        "a policy error blocks even though the rule is only a warning"
    );
}

#[test]
fn runaway_recursion_and_growth_hit_limits() {
    let (findings, _) = evaluate(&format!(
        "fn f(n) {{ f(n + 1) }}\nrule({META}, |facts, rule| {{ f(0); }});\n"
    ));
    assert!(
        policy_errors(&findings)[0].contains("call-depth"),
        "{:?}",
        policy_errors(&findings)
    );
    let (findings, _) = evaluate(&format!(
        "rule({META}, |facts, rule| {{\n let s = \"ab\";\n loop {{ s += s; }}\n}});\n"
    ));
    assert!(
        policy_errors(&findings)[0].contains("size limit"),
        "{:?}",
        policy_errors(&findings)
    );
}

#[test]
fn a_syntax_error_points_at_the_policy_line() {
    let (findings, verdict) =
        evaluate("// ok\nrule(#{ id: \"custom/x\" }, |f, r| {\n  let = 1;\n});\n");
    let errors = policy_errors(&findings);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("policies/custom.rhai:3 "),
        "{errors:?}"
    );
    assert!(errors[0].contains("does not compile"), "{errors:?}");
    assert!(!verdict.go);
}

#[test]
fn eval_and_file_access_are_not_available() {
    let (findings, _) = evaluate(&format!(
        "rule({META}, |facts, rule| {{ eval(\"1\"); }});\n"
    ));
    assert_eq!(policy_errors(&findings).len(), 1, "eval is disabled");
    let (findings, _) = evaluate("import \"std/fs\" as fs;\n");
    assert!(
        policy_errors(&findings)[0].contains("Module not found"),
        "{:?}",
        policy_errors(&findings)
    );
}

#[test]
fn a_good_policy_reports_with_its_metadata() {
    let (findings, verdict) = evaluate(&format!(
        "rule({META}, |facts, rule| {{\n  for f in facts.env.files {{ report(f.entries[0].location, `key ${{f.entries[0].key}}`, #{{ subject: \"k\" }}); }}\n}});\n"
    ));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        (
            findings[0].rule.as_str(),
            findings[0].severity,
            findings[0].message.as_str()
        ),
        ("custom/x", Severity::Warning, "key A")
    );
    assert!(verdict.go, "a warning does not block at --fail-on error");
}

#[test]
fn metadata_is_validated() {
    let (findings, _) =
        evaluate("rule(#{ id: \"NotKebab\", summary: \"s\", help: \"h\" }, |f, r| {});\n");
    assert!(
        policy_errors(&findings)[0].contains("kebab-case"),
        "{:?}",
        policy_errors(&findings)
    );
}

/// What a policy sees of a URL never holds its secrets: neither `parse_url` nor `redact_url`
/// keeps a `?password=` or `sslpassword=` value (`redact_url` used to keep both), and a host
/// list is read as hosts.
#[test]
fn the_url_api_never_hands_a_policy_a_password() {
    let policy = format!(
        r#"rule({META}, |facts, rule| {{
  let url = "postgres://app@h1:5432,h2:6432/db?sslmode=require&password=CanaryPw9931&sslpassword=CanaryKey4417";
  let u = parse_url(url);
  report(#{{ file: ".env", line: 1 }}, `${{u.params}} ${{u.has_password}} ${{u.hosts.len()}} ${{u.host}} ${{u.endpoint}}`);
  report(#{{ file: ".env", line: 1 }}, redact_url(url));
  report(#{{ file: ".env", line: 1 }}, redact_url("postgres://app:Ab/CanaryPw77@h/db"));
}});
"#
    );
    let (findings, _) = evaluate(&policy);
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    for m in &messages {
        assert!(
            !m.contains("Canary"),
            "a secret reached a finding: {messages:?}"
        );
    }
    assert!(
        messages[0].contains("true 2 h1 h1:5432,h2:6432/db"),
        "{messages:?}"
    );
    assert!(messages[0].contains("sslmode"), "{messages:?}");
    assert_eq!(
        messages[1],
        "postgres://app@h1:5432,h2:6432/db?sslmode=require&password=***&sslpassword=***"
    );
    assert_eq!(messages[2], "postgres://app:***@h/db");
}
