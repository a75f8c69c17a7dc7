//! SARIF 2.1.0 for GitHub code scanning, built with serde-sarif's typed model.
//!
//! One run; the driver lists every rule that can fire with its help; every result has a
//! repository-relative physical location with a full region (GitHub rejects the whole upload
//! otherwise) and a stable `partialFingerprints` entry.
//!
//! GitHub's limits shape the run: results are sorted by severity (errors first) and capped at
//! [`MAX_RESULTS`], and a truncated run says so in `invocations[0].toolExecutionNotifications`
//! (and to the CLI, which prints it on stderr). Rules tagged `security` carry a
//! `security-severity` score so code scanning ranks them as security alerts.

use std::collections::BTreeMap;

use serde_sarif::sarif;

use super::Rendered;
use crate::check::CheckOutcome;
use crate::finding::{Finding, RuleMeta, Severity};

const INFORMATION_URI: &str = "https://github.com/launchgate/launchgate";

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

/// The notification id of a truncated run.
pub const TRUNCATED_NOTIFICATION: &str = "launchgate/sarif-truncated";

/// GitHub's `security-severity` (0.0–10.0; 7.0 and up is "high") for a rule tagged `security`:
/// an error there is a secret exposed now, a warning a likely one.
fn security_severity(rule: &RuleMeta) -> Option<&'static str> {
    if !rule.tags.iter().any(|t| t == "security") {
        return None;
    }
    Some(match rule.severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
    })
}

/// Characters a URI path segment may carry unescaped: RFC 3986's unreserved set.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A repository-relative path as a relative URI (`CredVerseIssuer 3/x` → `CredVerseIssuer%203/x`).
fn uri(path: &str) -> String {
    path.split('/')
        .map(|s| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.to_string())
        .build()
}

/// Help as plain text (Markdown markers stripped) for viewers that do not render Markdown.
fn plain(markdown: &str) -> String {
    markdown.replace("**", "").replace('`', "")
}

fn descriptor(rule: &RuleMeta) -> sarif::ReportingDescriptor {
    let mut tags = rule.tags.clone();
    tags.push(rule.id.split('/').next().unwrap_or("").to_string());
    tags.sort();
    tags.dedup();
    let config_level = match rule.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = sarif::PropertyBag::builder().tags(tags).build();
    if let Some(score) = security_severity(rule) {
        properties.additional_properties.insert(
            "security-severity".into(),
            serde_json::Value::String(score.into()),
        );
    }
    let help = sarif::MultiformatMessageString::builder()
        .text(plain(&rule.help))
        .markdown(rule.help.clone())
        .build();
    sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.id.replace(['/', '-'], "_"))
        .short_description(text(&rule.summary))
        .full_description(text(&plain(
            rule.help.split("\n\n").next().unwrap_or(&rule.summary),
        )))
        .help(help)
        .help_uri(format!(
            "{INFORMATION_URI}/blob/main/docs/rules.md#{}",
            rule.id.replace('/', "")
        ))
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::Value::String(config_level.into()))
                .build(),
        )
        .properties(properties)
        .build()
}

/// A repository-relative location with a full region (GitHub rejects results without one).
fn physical_location(l: &crate::facts::Location) -> sarif::PhysicalLocation {
    let end_column = l.end_column.max(if l.end_line == l.line {
        l.column + 1
    } else {
        1
    });
    let region = sarif::Region::builder()
        .start_line(i64::from(l.line))
        .start_column(i64::from(l.column))
        .end_line(i64::from(l.end_line))
        .end_column(i64::from(end_column))
        .build();
    sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(uri(&l.file))
                .uri_base_id("%SRCROOT%")
                .build(),
        )
        .region(region)
        .build()
}

/// A waived finding's SARIF suppression (empty when not waived).
fn suppressions(f: &crate::finding::Finding) -> Vec<sarif::Suppression> {
    let Some(w) = &f.waived else {
        return Vec::new();
    };
    let kind = if w.kind == "inline" {
        "inSource"
    } else {
        "external"
    };
    let mut justification = w.reason.clone();
    if !w.owner.is_empty() {
        justification.push_str(&format!(" (owner: {}, expires {})", w.owner, w.expires));
    }
    vec![sarif::Suppression::builder()
        .kind(serde_json::Value::String(kind.into()))
        .status(serde_json::Value::String("accepted".into()))
        .justification(justification)
        .build()]
}

pub fn render(outcome: &CheckOutcome, include_waived: bool) -> String {
    render_with(outcome, include_waived, None).text
}

/// `automationDetails.id` for a `--category`: GitHub takes everything up to the last `/` as
/// the category, so a bare name gets the `/` that `upload-sarif`'s `category` input adds too.
pub fn automation_id(category: &str) -> String {
    if category.ends_with('/') {
        category.to_string()
    } else {
        format!("{category}/")
    }
}

/// The SARIF log, with a notice for stderr when results were left out.
pub fn render_with(
    outcome: &CheckOutcome,
    include_waived: bool,
    category: Option<&str>,
) -> Rendered {
    let rules: Vec<sarif::ReportingDescriptor> = outcome.rules.iter().map(descriptor).collect();
    let index: BTreeMap<&str, usize> = outcome
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    // Waived findings stay out unless asked for: GitHub shows SARIF suppressions as open alerts.
    // Then errors first, in the outcome's file/line order within a severity: when GitHub's cap
    // applies, what is left out is the least severe.
    let mut ordered: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| include_waived || f.waived.is_none())
        .collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let baseline_used =
        outcome.verdict.baselined > 0 || outcome.notes.iter().any(|n| n.starts_with("baseline "));
    let total = ordered.len();
    let omitted = ordered.split_off(total.min(MAX_RESULTS));
    let results: Vec<sarif::Result> = ordered
        .into_iter()
        .map(|f| {
            let physical = physical_location(&f.location);
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert("launchgate/v1".to_string(), f.fingerprint.clone());
            // -1 is SARIF's "no rule index": only possible for a rule outside the registry.
            let rule_index = index.get(f.rule.as_str()).map_or(-1, |i| *i as i64);
            let mut result = sarif::Result::builder()
                .rule_id(f.rule.clone())
                .level(level(f.severity))
                .message(sarif::Message::builder().text(f.message.clone()).build())
                .locations(vec![sarif::Location::builder()
                    .physical_location(physical)
                    .build()])
                .partial_fingerprints(fingerprints)
                .rule_index(rule_index)
                .build();
            if f.waived.is_some() {
                result.suppressions = Some(suppressions(f));
            }
            if baseline_used {
                // SARIF's own word for "was in the baseline" vs "new in this run".
                let state = if f.baselined { "unchanged" } else { "new" };
                result.baseline_state = Some(serde_json::Value::from(state));
            }
            if !f.related.is_empty() {
                let related = f.related.iter().enumerate().map(|(i, r)| {
                    sarif::Location::builder()
                        .id(i as i64)
                        .physical_location(physical_location(&r.location))
                        .message(sarif::Message::builder().text(r.message.clone()).build())
                        .build()
                });
                result.related_locations = Some(related.collect());
            }
            result
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("launchgate")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let mut base = BTreeMap::new();
    base.insert(
        "%SRCROOT%".to_string(),
        sarif::ArtifactLocation::builder()
            .description(
                sarif::Message::builder()
                    .text("The root of the scanned repository.")
                    .build(),
            )
            .build(),
    );
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::String("unicodeCodePoints".into()))
        .original_uri_base_ids(base)
        .build();
    if let Some(category) = category {
        run.automation_details = Some(
            sarif::RunAutomationDetails::builder()
                .id(automation_id(category))
                .build(),
        );
    }
    let mut notices = Vec::new();
    if !omitted.is_empty() {
        let notice = truncation_notice(total, &omitted);
        let notification = sarif::Notification::builder()
            .descriptor(
                sarif::ReportingDescriptorReference::builder()
                    .id(TRUNCATED_NOTIFICATION)
                    .build(),
            )
            .level(serde_json::Value::String("warning".into()))
            .message(sarif::Message::builder().text(notice.clone()).build())
            .build();
        run.invocations = Some(vec![sarif::Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(vec![notification])
            .build()]);
        notices.push(notice);
    }
    let log = sarif::Sarif::builder()
        .version(serde_json::Value::String("2.1.0".into()))
        .schema(sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    Rendered { text, notices }
}

fn truncation_notice(total: usize, omitted: &[&Finding]) -> String {
    let errors = omitted
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    format!(
        "SARIF truncated: {} of {total} results written, {} left out ({errors} errors, {} \
         warnings) because GitHub code scanning accepts at most {MAX_RESULTS} results per run; \
         the human or JSON report lists every finding",
        total - omitted.len(),
        omitted.len(),
        omitted.len() - errors,
    )
}
