//! GitHub Actions workflow commands: one `::error` / `::warning` line per finding, which the
//! runner turns into annotations on the pull request's files.

use crate::check::CheckOutcome;
use crate::finding::Severity;

pub fn render(outcome: &CheckOutcome) -> String {
    let mut out = String::new();
    for f in outcome.findings.iter().filter(|f| f.is_active()) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let l = &f.location;
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&l.file),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            property(&f.rule),
            data(&f.message)
        ));
    }
    out.push_str(&format!("{}\n", outcome.verdict.headline()));
    out
}

/// Escape a workflow-command message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_per_the_workflow_command_rules() {
        assert_eq!(super::data("50%\nnext"), "50%25%0Anext");
        assert_eq!(super::property("a,b:c"), "a%2Cb%3Ac");
    }
}
