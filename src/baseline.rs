//! Baselines: adopt launchgate on a repository with findings it already has.
//!
//! `launchgate baseline` records today's findings by fingerprint; `check --baseline FILE`
//! marks the findings the file holds as accepted (they are reported, but do not count toward
//! the verdict), so only new findings block, and says which baseline entries are gone
//! (fixed) so the file can shrink. Fingerprints are unique per finding
//! ([`crate::finding::assign_fingerprints`]).
//!
//! A baseline holds only what findings already show (rule, file, line, subject, message), all
//! scrubbed of secrets before they got here.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The file's format version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Always [`VERSION`].
    pub launchgate_baseline: u32,
    /// `launchgate X.Y.Z`.
    pub created_by: String,
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub line: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("could not read the baseline {path}: {why}")]
    Read { path: String, why: String },
    #[error("{path} is not a launchgate baseline: {why}")]
    Invalid { path: String, why: String },
}

impl Baseline {
    /// Every finding no waiver covers, sorted as reported.
    pub fn of(findings: &[Finding]) -> Baseline {
        Baseline {
            launchgate_baseline: VERSION,
            created_by: format!("launchgate {}", env!("CARGO_PKG_VERSION")),
            findings: findings
                .iter()
                .filter(|f| f.waived.is_none())
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    rule: f.rule.clone(),
                    file: f.location.file.to_string(),
                    line: f.location.line,
                    subject: f.subject.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Read a baseline the operator named (`--baseline FILE`).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = crate::source::file::read_text(path).map_err(|e| BaselineError::Read {
            path: shown.clone(),
            why: e.to_string(),
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
                path: shown.clone(),
                why: e.to_string(),
            })?;
        if baseline.launchgate_baseline != VERSION {
            return Err(BaselineError::Invalid {
                path: shown,
                why: format!(
                    "format version {} (this launchgate reads {VERSION})",
                    baseline.launchgate_baseline
                ),
            });
        }
        Ok(baseline)
    }

    /// Mark the findings the baseline holds; return the entries no finding matched (fixed).
    pub fn apply(&self, findings: &mut [Finding]) -> Vec<Entry> {
        let mut open: BTreeMap<&str, &Entry> = self
            .findings
            .iter()
            .map(|e| (e.fingerprint.as_str(), e))
            .collect();
        for f in findings.iter_mut().filter(|f| f.waived.is_none()) {
            if open.remove(f.fingerprint.as_str()).is_some() {
                f.baselined = true;
            }
        }
        let mut gone: Vec<Entry> = open.into_values().cloned().collect();
        gone.sort_by(|a, b| (&a.file, a.line, &a.rule).cmp(&(&b.file, b.line, &b.rule)));
        gone
    }
}
