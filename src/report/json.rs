//! The JSON report, version 1 (documented in `docs/json-report.md`). Field order is stable.

use serde::Serialize;

use crate::check::CheckOutcome;
use crate::facts::Location;
use crate::finding::Finding;

/// Bumped on any incompatible change to the shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    root: String,
    verdict: &'static str,
    fail_on: &'static str,
    counts: Counts,
    findings: &'a [Finding],
    inputs: Vec<Input>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Counts {
    errors: usize,
    warnings: usize,
    blocking: usize,
    waived: usize,
}

/// A fact source and where it is: what the findings' locations refer to.
#[derive(Serialize)]
struct Input {
    kind: &'static str,
    name: String,
    location: Location,
}

pub fn render(outcome: &CheckOutcome) -> String {
    let mut inputs = Vec::new();
    for f in &outcome.facts.env.files {
        let kind = match f.kind {
            crate::facts::env::EnvFileKind::Env => "env-file",
            crate::facts::env::EnvFileKind::Contract => "env-contract",
        };
        inputs.push(Input {
            kind,
            name: f.path.clone(),
            location: Location::file_start(&f.path),
        });
    }
    for s in &outcome.facts.env.sets {
        inputs.push(Input {
            kind: "env-set",
            name: s.name.clone(),
            location: s.location.clone(),
        });
    }
    let v = &outcome.verdict;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "launchgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: outcome.root.display().to_string(),
        verdict: if v.go { "GO" } else { "NO-GO" },
        fail_on: v.fail_on.as_str(),
        counts: Counts {
            errors: v.errors,
            warnings: v.warnings,
            blocking: v.blocking,
            waived: v.waived,
        },
        findings: &outcome.findings,
        inputs,
        notes: &outcome.notes,
    };
    let mut s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
