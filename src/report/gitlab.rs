//! GitLab's code-quality report (`artifacts:reports:codequality`): a JSON array of Code
//! Climate issues, which GitLab shows in the merge request widget and the diff.
//!
//! Each issue carries the rule as `check_name`, a repository-relative `location` with its
//! lines, a `severity` from GitLab's five, and a `fingerprint` GitLab uses to tell new issues
//! from old ones (so it must be stable across commits and unique within a report). Waived
//! findings are left out unless `--include-waived` (then as `info`), as in SARIF. Only
//! formats: every finding arrives already scrubbed of secrets, and text from the scanned
//! repository is neutralised ([`super::inert`]) like in the human and Markdown reports.

use std::collections::HashSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::check::CheckOutcome;
use crate::finding::{Finding, Severity, Verdict};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's severities are info, minor, major, critical and blocker. What made the verdict
/// NO-GO is a `blocker`; an error below `--fail-on` cannot exist, so the rest are warnings
/// that do not block (`minor`) and, with `--include-waived`, waived findings (`info`).
pub fn severity(verdict: &Verdict, f: &Finding) -> &'static str {
    if f.waived.is_some() {
        "info"
    } else if verdict.blocks(f) {
        "blocker"
    } else {
        match f.severity {
            Severity::Error => "critical",
            Severity::Warning => "minor",
        }
    }
}

/// Code Climate's category: `Security` for rules tagged `security`, else `Bug Risk` (a
/// readiness finding is a risk to the launch, not a style matter).
fn category(outcome: &CheckOutcome, rule: &str) -> &'static str {
    let security = outcome
        .rules
        .iter()
        .find(|r| r.id == rule)
        .is_some_and(|r| r.tags.iter().any(|t| t == "security"));
    if security {
        "Security"
    } else {
        "Bug Risk"
    }
}

/// The finding's fingerprint (rule + file + subject), made unique within the report: GitLab
/// keeps one issue per fingerprint, so a second finding with the same subject gets a
/// fingerprint derived from the first and its occurrence number, which is stable as long as
/// the order of the findings in that file is.
fn unique_fingerprint(seen: &mut HashSet<String>, f: &Finding) -> String {
    let mut candidate = f.fingerprint.clone();
    let mut n = 1u32;
    while !seen.insert(candidate.clone()) {
        n += 1;
        let mut h = Sha256::new();
        h.update(f.fingerprint.as_bytes());
        h.update([0u8]);
        h.update(n.to_string().as_bytes());
        candidate = h
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
    }
    candidate
}

pub fn render(outcome: &CheckOutcome, include_waived: bool) -> String {
    let mut seen = HashSet::new();
    // The widget and the job log show these texts: no control or escape characters, no
    // workflow commands (the one sanitiser every format shares).
    let safe: Vec<Finding> = outcome
        .findings
        .iter()
        .filter(|f| include_waived || f.waived.is_none())
        .map(super::inert)
        .collect();
    let issues: Vec<Issue> = safe
        .iter()
        .map(|f| Issue {
            kind: "issue",
            check_name: &f.rule,
            description: &f.message,
            categories: [category(outcome, &f.rule)],
            severity: severity(&outcome.verdict, f),
            fingerprint: unique_fingerprint(&mut seen, f),
            location: IssueLocation {
                path: &f.location.file,
                lines: Lines {
                    begin: f.location.line.max(1),
                    end: f.location.end_line.max(f.location.line).max(1),
                },
            },
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Location;

    fn finding(rule: &str, severity: Severity, subject: &str) -> Finding {
        let mut f = Finding::new(
            rule,
            severity,
            Location::on_line(".env", 3, 1, 5),
            "a message",
        );
        f.subject = subject.into();
        f.refresh_fingerprint();
        f
    }

    #[test]
    fn fingerprints_stay_unique_and_stable_when_a_subject_repeats() {
        let a = finding("env/duplicate-key", Severity::Warning, "PORT");
        let b = finding("env/duplicate-key", Severity::Warning, "PORT");
        let mut seen = HashSet::new();
        let first = unique_fingerprint(&mut seen, &a);
        let second = unique_fingerprint(&mut seen, &b);
        assert_eq!(first, a.fingerprint);
        assert_ne!(first, second);
        let mut again = HashSet::new();
        unique_fingerprint(&mut again, &a);
        assert_eq!(unique_fingerprint(&mut again, &b), second);
    }

    #[test]
    fn blocking_findings_are_blockers_and_warnings_below_fail_on_are_minor() {
        let e = finding("launch/node-env", Severity::Error, "NODE_ENV");
        let w = finding("env/duplicate-key", Severity::Warning, "PORT");
        let v = Verdict::decide(&[e.clone(), w.clone()], Severity::Error);
        assert_eq!(severity(&v, &e), "blocker");
        assert_eq!(severity(&v, &w), "minor");
        let strict = Verdict::decide(&[e.clone(), w.clone()], Severity::Warning);
        assert_eq!(severity(&strict, &w), "blocker");
    }
}
