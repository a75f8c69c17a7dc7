//! The human report: a miette diagnostic per finding (snippet, label at the span, help), then
//! a summary table and the verdict as the last line.
//!
//! It is read by a person, so it stays short: every error is shown in full, but only the
//! first [`WARNINGS_IN_FULL`] warnings of each rule (the rest are counted, with the flag that
//! shows them), and a rule's help is printed once, at its first finding. `--verbose` shows
//! everything; `--quiet` keeps errors and the verdict only.
//!
//! CI logs this report, and a terminal shows it: every text that came from the scanned
//! repository (messages, help, file names, snippets, notes, waiver reasons) is neutralised
//! first ([`super::neutralise`]), so none can be a workflow command or an escape sequence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::{neutralise, Sources, Style};
use crate::check::CheckOutcome;
use crate::finding::{Finding, Severity};

/// Warnings of one rule shown in full before the rest are only counted.
pub const WARNINGS_IN_FULL: usize = 3;

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    /// The rule's help, at its first finding only.
    show_help: bool,
    source: Option<NamedSource<std::sync::Arc<String>>>,
    labels: Vec<LabeledSpan>,
    location_line: String,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.finding.message)?;
        if self.source.is_none() {
            write!(f, "\n  at {}", self.location_line)?;
        }
        Ok(())
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.show_help {
            return None;
        }
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.clone().into_iter()))
    }
}

pub fn render(outcome: &CheckOutcome, style: Style) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "launchgate {} · {}\n",
        env!("CARGO_PKG_VERSION"),
        neutralise(&outcome.root.display().to_string(), false)
    ));
    if !style.quiet {
        for note in &outcome.notes {
            out.push_str(&format!("  · {}\n", neutralise(note, false)));
        }
    }
    out.push('\n');

    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(110)
        .with_links(false);
    let mut sources = Sources::new(outcome);
    let mut shown: HashMap<&str, usize> = HashMap::new();
    let mut hidden: BTreeMap<&str, usize> = BTreeMap::new();
    let mut helped: HashSet<&str> = HashSet::new();
    let listed = |f: &&Finding| f.waived.is_none() && (!f.baselined || style.verbose);
    for f in outcome.findings.iter().filter(listed) {
        if f.severity == Severity::Warning {
            if style.quiet {
                continue;
            }
            let n = shown.entry(f.rule.as_str()).or_default();
            if *n >= WARNINGS_IN_FULL && !style.verbose {
                *hidden.entry(f.rule.as_str()).or_default() += 1;
                continue;
            }
            *n += 1;
        }
        let safe = super::inert(f);
        let mut diag = diagnostic(&safe, &mut sources);
        diag.show_help = helped.insert(f.rule.as_str());
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &diag).is_err() {
            rendered = format!("{} [{}] {}\n", f.severity, f.rule, f.message);
        }
        out.push_str(&rendered);
        if !f.subject.is_empty() {
            // What a waiver's `subject` matches: the one thing a reader needs to waive it.
            out.push_str(&format!("  subject: {}\n", shown_subject(&f.subject)));
        }
        out.push('\n');
    }

    if !hidden.is_empty() {
        let total: usize = hidden.values().sum();
        let rules: Vec<String> = hidden.iter().map(|(r, n)| format!("{r} ({n})")).collect();
        out.push_str(&format!(
            "{total} more warning{} not shown: {}\n  `launchgate check --verbose` shows every finding; `--format concise` prints one line each\n\n",
            if total == 1 { "" } else { "s" },
            rules.join(", ")
        ));
    }
    let baselined = outcome.verdict.baselined;
    if baselined > 0 && !style.verbose && !style.quiet {
        out.push_str(&format!(
            "{baselined} finding{} in the baseline not shown (not counted; `--verbose` shows them)\n\n",
            if baselined == 1 { " is" } else { "s are" }
        ));
    }
    if style.quiet {
        out.push_str(&outcome.verdict.headline());
        out.push('\n');
        return out;
    }
    let waived: Vec<_> = outcome
        .findings
        .iter()
        .filter_map(|f| Some((f, f.waived.as_ref()?)))
        .collect();
    if !waived.is_empty() {
        out.push_str("Waived (not blocking)\n");
        for (f, w) in waived {
            let l = &f.location;
            let by = if w.owner.is_empty() {
                format!("inline at {}:{}", w.location.file, w.location.line)
            } else {
                format!(
                    "owner {}, expires {}, {}:{}",
                    w.owner, w.expires, w.location.file, w.location.line
                )
            };
            let text = format!(
                "  {} {}:{}:{}: {}\n      subject: {}\n      reason: {} ({by})",
                f.rule,
                l.file,
                l.line,
                l.column,
                f.message,
                shown_subject(&f.subject),
                w.reason
            );
            // One entry, several lines: none may start another.
            for line in text.lines() {
                out.push_str(&neutralise(line, false));
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(outcome));
    if outcome.findings.iter().any(|f| f.waived.is_none()) {
        out.push_str(
            "  To waive a finding: launchgate waive RULE --subject SUBJECT --reason … --owner … --expires YYYY-MM-DD\n",
        );
    }
    out.push('\n');
    out.push_str(&outcome.verdict.headline());
    out.push('\n');
    out
}

fn diagnostic<'a>(f: &'a Finding, sources: &mut Sources) -> FindingDiagnostic<'a> {
    let l = &f.location;
    let location_line = format!("{}:{}:{}", l.file, l.line, l.column);
    // A file-level finding (line 1, no width) says "this file": a snippet would point at
    // whatever happens to be on line 1.
    let file_level = l.line == 1 && l.column == 1 && l.end_line == 1 && l.end_column <= 1;
    let text = if file_level {
        None
    } else {
        sources.get(&l.file)
    };
    let Some(text) = text else {
        return FindingDiagnostic {
            finding: f,
            show_help: true,
            source: None,
            labels: Vec::new(),
            location_line,
        };
    };
    let start = text.offset(l.line, l.column);
    let end = text.offset(l.end_line, l.end_column).max(start);
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        None,
        SourceSpan::from(start..end),
    )];
    for r in &f.related {
        if r.location.file == l.file {
            let s = text.offset(r.location.line, r.location.column);
            let e = text
                .offset(r.location.end_line, r.location.end_column)
                .max(s);
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                SourceSpan::from(s..e),
            ));
        }
    }
    let source = NamedSource::new(&l.file, std::sync::Arc::clone(&text.text)).with_language("text");
    FindingDiagnostic {
        finding: f,
        show_help: true,
        source: Some(source),
        labels,
        location_line,
    }
}

fn summary(outcome: &CheckOutcome) -> String {
    let mut by_rule: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for f in outcome.findings.iter().filter(|f| f.is_active()) {
        *by_rule.entry((f.rule.as_str(), f.severity)).or_default() += 1;
    }
    if by_rule.is_empty() {
        return "Summary: no findings\n".to_string();
    }
    let width = by_rule
        .keys()
        .map(|(r, _)| r.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = format!(
        "Summary\n  {:<width$}  {:<8}  {:>5}\n",
        "rule", "severity", "count"
    );
    for ((rule, sev), n) in &by_rule {
        s.push_str(&format!(
            "  {:<width$}  {:<8}  {:>5}\n",
            rule,
            sev.as_str(),
            n
        ));
    }
    s
}

/// A subject on one line, control characters shown as `\u{..}` (a subject comes from scanned
/// files and must not move the cursor or forge lines).
fn shown_subject(subject: &str) -> String {
    subject
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
