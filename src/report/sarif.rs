//! SARIF 2.1.0 for GitHub code scanning, built with serde-sarif's typed model.
//!
//! One run; the driver lists every rule that can fire with its help; every result has a
//! repository-relative physical location with a full region (GitHub rejects the whole upload
//! otherwise) and a stable `partialFingerprints` entry.

use std::collections::BTreeMap;

use serde_sarif::sarif;

use crate::check::CheckOutcome;
use crate::finding::{RuleMeta, Severity};

const INFORMATION_URI: &str = "https://github.com/launchgate/launchgate";

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
        .properties(sarif::PropertyBag::builder().tags(tags).build())
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
    let rules: Vec<sarif::ReportingDescriptor> = outcome.rules.iter().map(descriptor).collect();
    let index: BTreeMap<&str, usize> = outcome
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    // Waived findings stay out unless asked for: GitHub shows SARIF suppressions as open alerts.
    let results: Vec<sarif::Result> = outcome
        .findings
        .iter()
        .filter(|f| include_waived || f.waived.is_none())
        .map(|f| {
            let l = &f.location;
            let region = sarif::Region::builder()
                .start_line(i64::from(l.line))
                .start_column(i64::from(l.column))
                .end_line(i64::from(l.end_line))
                .end_column(i64::from(l.end_column.max(if l.end_line == l.line {
                    l.column + 1
                } else {
                    1
                })))
                .build();
            let physical = sarif::PhysicalLocation::builder()
                .artifact_location(
                    sarif::ArtifactLocation::builder()
                        .uri(l.file.clone())
                        .uri_base_id("%SRCROOT%")
                        .build(),
                )
                .region(region)
                .build();
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
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::String("unicodeCodePoints".into()))
        .original_uri_base_ids(base)
        .build();
    let log = sarif::Sarif::builder()
        .version(serde_json::Value::String("2.1.0".into()))
        .schema(sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
