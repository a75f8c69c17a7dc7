//! The concise report: one line per finding in the shape compilers and ruff use,
//! `path:line:col: severity rule message`, which editors and terminals turn into links; then
//! the verdict. Waived and baselined findings are left out (the verdict line counts them).
//! File names and messages are neutralised (no workflow command, no escape sequence).

use super::Style;
use crate::check::CheckOutcome;
use crate::finding::Severity;

pub fn render(outcome: &CheckOutcome, style: Style) -> String {
    let mut out = String::new();
    for f in outcome.findings.iter().filter(|f| f.is_active()) {
        if style.quiet && f.severity < Severity::Error {
            continue;
        }
        let l = &f.location;
        // The subject is what a waiver's `subject` matches (`launchgate waive --subject`).
        let subject = if f.subject.is_empty() {
            String::new()
        } else {
            format!(" [subject: {}]", one_line(&f.subject))
        };
        out.push_str(&format!(
            "{}:{}:{}: {} {} {}{subject}\n",
            super::neutralise(&l.file, false),
            l.line,
            l.column,
            f.severity,
            f.rule,
            super::neutralise(&one_line(&f.message), false)
        ));
    }
    out.push_str(&outcome.verdict.headline());
    out.push('\n');
    out
}

/// A message on one line: a finding per line is the format's whole contract.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
