//! JUnit XML for CI systems that show test results (Jenkins, GitLab, Azure Pipelines,
//! CircleCI, Buildkite): one test suite per rule area, one test case per rule and location.
//!
//! A finding that blocks the verdict is a `<failure>`; a warning below `--fail-on` passes
//! with the finding in `<system-out>`; a waived finding is `<skipped>` with its waiver; a rule
//! with no finding is one passing test case (or skipped, for live-database rules when no
//! probe ran), so the report shows what was checked, not only what failed. The shape follows
//! the JUnit schema Jenkins' xUnit plugin publishes (`schemas/junit-10.xsd`). Only formats:
//! every finding arrives already scrubbed of secrets, and text from the scanned repository
//! is neutralised ([`super::inert`], as in every format) and escaped for XML.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::check::CheckOutcome;
use crate::finding::{Finding, RuleMeta};

/// One `<testcase>`, before it is written.
struct Case {
    name: String,
    outcome: CaseOutcome,
}

enum CaseOutcome {
    Passed,
    /// A warning below `--fail-on`: shown, not failing.
    PassedWithNote(String),
    Failed {
        kind: String,
        message: String,
        body: String,
    },
    Skipped(String),
}

#[derive(Default)]
struct Suite {
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, pred: impl Fn(&CaseOutcome) -> bool) -> usize {
        self.cases.iter().filter(|c| pred(&c.outcome)).count()
    }
}

/// Text XML 1.0 can carry, escaped for both attributes and element content. Characters it
/// cannot carry at all (most C0 controls, lone surrogates cannot occur in a `str`, U+FFFE and
/// U+FFFF) become U+FFFD, so a hostile file name cannot make the report unreadable.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn location(f: &Finding) -> String {
    let l = &f.location;
    format!("{}:{}:{}", l.file.as_str(), l.line, l.column)
}

/// The failure's body: where, what, and how to fix it (the rule's help as Markdown).
fn failure_body(f: &Finding, rule: Option<&RuleMeta>) -> String {
    let mut body = format!("{}: {}\n{}\n", f.severity, f.message, location(f));
    if !f.subject.is_empty() {
        let _ = writeln!(body, "subject: {}", f.subject);
    }
    for r in &f.related {
        let _ = writeln!(
            body,
            "related: {}:{}:{}: {}",
            r.location.file.as_str(),
            r.location.line,
            r.location.column,
            r.message
        );
    }
    let help = f.help.as_deref().or(rule.map(|r| r.help.as_str()));
    if let Some(help) = help {
        let _ = write!(body, "\n{}\n", help.trim_end());
    }
    body
}

fn suites(outcome: &CheckOutcome) -> BTreeMap<String, Suite> {
    let mut suites: BTreeMap<String, Suite> = BTreeMap::new();
    let rules: BTreeMap<&str, &RuleMeta> =
        outcome.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    for f in &outcome.findings {
        // Neutralised first (control and escape characters, workflow commands), then escaped
        // for XML: CI systems print these texts in their logs.
        let f = &super::inert(f);
        let rule = rules.get(f.rule.as_str()).copied();
        let case_outcome = if let Some(w) = &f.waived {
            let mut why = format!("waived: {}", w.reason);
            if !w.owner.is_empty() {
                let _ = write!(why, " (owner {}, expires {})", w.owner, w.expires);
            }
            CaseOutcome::Skipped(why)
        } else if outcome.verdict.blocks(f) {
            CaseOutcome::Failed {
                kind: f.severity.to_string(),
                message: f.message.clone(),
                body: failure_body(f, rule),
            }
        } else {
            CaseOutcome::PassedWithNote(failure_body(f, rule))
        };
        suites
            .entry(f.area().to_string())
            .or_default()
            .cases
            .push(Case {
                name: format!("{} {}", f.rule, location(f)),
                outcome: case_outcome,
            });
    }
    let fired: std::collections::HashSet<&str> =
        outcome.findings.iter().map(|f| f.rule.as_str()).collect();
    let probed = outcome.facts.db.is_some();
    for r in &outcome.rules {
        if fired.contains(r.id.as_str()) {
            continue;
        }
        let area = r.id.split('/').next().unwrap_or(&r.id).to_string();
        let case_outcome = if !probed && r.tags.iter().any(|t| t == "probe") {
            CaseOutcome::Skipped("needs live database probes (check --probe)".into())
        } else {
            CaseOutcome::Passed
        };
        suites.entry(area).or_default().cases.push(Case {
            name: r.id.clone(),
            outcome: case_outcome,
        });
    }
    suites
}

pub fn render(outcome: &CheckOutcome) -> String {
    let suites = suites(outcome);
    let failed = |o: &CaseOutcome| matches!(o, CaseOutcome::Failed { .. });
    let skipped = |o: &CaseOutcome| matches!(o, CaseOutcome::Skipped(_));
    let tests: usize = suites.values().map(|s| s.cases.len()).sum();
    let failures: usize = suites.values().map(|s| s.count(failed)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"launchgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    for (area, suite) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"launchgate.{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            escape(area),
            suite.cases.len(),
            suite.count(failed),
            suite.count(skipped),
        );
        for case in &suite.cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"launchgate.{}\"",
                escape(&case.name),
                escape(area)
            );
            match &case.outcome {
                CaseOutcome::Passed => {
                    let _ = writeln!(out, "{open}/>");
                }
                CaseOutcome::PassedWithNote(note) => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
                        escape(note)
                    );
                }
                CaseOutcome::Failed {
                    kind,
                    message,
                    body,
                } => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        escape(kind),
                        escape(message),
                        escape(body)
                    );
                }
                CaseOutcome::Skipped(why) => {
                    let _ = writeln!(
                        out,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(why)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_replaces_characters_xml_cannot_carry() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1b}[31m\u{0}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}[31m\u{FFFD}"
        );
        assert_eq!(escape("tab\tand\nnewline"), "tab\tand\nnewline");
    }
}
