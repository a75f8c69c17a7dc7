//! Findings, severities, rule metadata and the verdict.
//!
//! A finding is data: rule id, severity, message, location, help. Reporters only format
//! findings; they never decide anything.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::facts::Location;

pub use crate::rules::{RuleMeta, Severity};

/// A secondary location that explains a finding (the first of two duplicate keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
    /// What the finding is about (a key, a table, a path); with the rule and the file it makes
    /// the fingerprint.
    pub subject: String,
    pub related: Vec<Related>,
    /// Stable logical fingerprint: rule + file + subject, not the line number.
    pub fingerprint: String,
    /// The waiver that covers this finding, if one does: it is listed but does not block.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waived: Option<WaiverNote>,
    /// In the `--baseline` file: an accepted, pre-existing finding that does not count toward
    /// the verdict.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub baselined: bool,
}

/// Why a finding is waived, and by whom, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub reason: String,
    /// Empty for an inline waiver.
    pub owner: String,
    /// `YYYY-MM-DD`; empty for an inline waiver.
    pub expires: String,
    /// Where the waiver is written.
    pub location: Location,
    /// `config` (launchgate.toml or the waiver file) or `inline`.
    pub kind: String,
}

impl Finding {
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        let mut f = Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            help: None,
            location,
            subject: String::new(),
            related: Vec::new(),
            fingerprint: String::new(),
            waived: None,
            baselined: false,
        };
        f.refresh_fingerprint();
        f
    }

    /// Recompute the fingerprint after the subject, rule or file changed.
    pub fn refresh_fingerprint(&mut self) {
        let subject = if self.subject.is_empty() {
            &self.message
        } else {
            &self.subject
        };
        let mut h = Sha256::new();
        for part in [self.rule.as_str(), self.location.file.as_str(), subject] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        self.fingerprint = hex16(h);
    }

    /// Counts toward the verdict: neither waived nor in the baseline.
    pub fn is_active(&self) -> bool {
        self.waived.is_none() && !self.baselined
    }

    /// The rule's area (`launch` for `launch/node-env`).
    pub fn area(&self) -> &str {
        self.rule.split('/').next().unwrap_or(&self.rule)
    }
}

fn hex16(h: Sha256) -> String {
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Make every fingerprint unique among `findings` (sorted), so that no two results collapse
/// into one code-scanning alert or baseline entry. A fingerprint is rule + file + subject
/// (not the line: it survives edits above the finding). Findings that share one (the same
/// stale path on five lines, repeated parse errors) are told apart by their message, then by
/// their order among identical ones; the first of a group keeps the plain fingerprint.
pub fn assign_fingerprints(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in findings.iter() {
        *seen.entry(f.fingerprint.clone()).or_default() += 1;
    }
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for f in findings.iter_mut() {
        if seen.get(&f.fingerprint).copied().unwrap_or(0) > 1 && !f.subject.is_empty() {
            let mut h = Sha256::new();
            for part in [f.fingerprint.as_str(), f.message.as_str()] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            if taken.contains(&f.fingerprint) {
                f.fingerprint = hex16(h);
            }
        }
        let base = f.fingerprint.clone();
        let mut n = 1;
        while !taken.insert(f.fingerprint.clone()) {
            let mut h = Sha256::new();
            h.update(base.as_bytes());
            h.update([0u8]);
            h.update(n.to_string().as_bytes());
            f.fingerprint = hex16(h);
            n += 1;
        }
    }
}

/// Sort findings for output: by file, then line, column, rule.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            &a.location.file,
            a.location.line,
            a.location.column,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
                &b.rule,
                &b.message,
            ))
    });
}

/// GO or NO-GO, with the counts that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub go: bool,
    pub errors: usize,
    pub warnings: usize,
    /// Findings at or above `--fail-on`.
    pub blocking: usize,
    /// Findings a waiver covers (not counted above).
    pub waived: usize,
    /// Findings in the `--baseline` file (not counted above).
    #[serde(default)]
    pub baselined: usize,
    pub fail_on: Severity,
}

impl Verdict {
    pub fn decide(findings: &[Finding], fail_on: Severity) -> Verdict {
        let active = || findings.iter().filter(|f| f.is_active());
        let errors = active().filter(|f| f.severity == Severity::Error).count();
        let warnings = active().filter(|f| f.severity == Severity::Warning).count();
        // policy/error always blocks: policies fail closed.
        let blocking = active()
            .filter(|f| f.severity >= fail_on || f.rule == crate::rules::POLICY_ERROR)
            .count();
        Verdict {
            go: blocking == 0,
            errors,
            warnings,
            blocking,
            waived: findings.iter().filter(|f| f.waived.is_some()).count(),
            baselined: findings
                .iter()
                .filter(|f| f.waived.is_none() && f.baselined)
                .count(),
            fail_on,
        }
    }

    /// Whether this finding is one of those that made the verdict: not waived, and at or above
    /// `--fail-on` (or `policy/error`, which always blocks). The same test as [`Verdict::decide`].
    pub fn blocks(&self, f: &Finding) -> bool {
        f.waived.is_none() && (f.severity >= self.fail_on || f.rule == crate::rules::POLICY_ERROR)
    }

    /// `GO` or `NO-GO: 9 errors, 3 warnings`.
    pub fn headline(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut counts = format!(
            "{}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        );
        let mut aside = Vec::new();
        if self.waived > 0 {
            aside.push(format!("{} waived", self.waived));
        }
        if self.baselined > 0 {
            aside.push(format!("{} in the baseline", self.baselined));
        }
        if !aside.is_empty() {
            counts.push_str(&format!(" ({})", aside.join(", ")));
        }
        if self.go {
            if self.errors + self.warnings == 0 {
                if aside.is_empty() {
                    "GO".to_string()
                } else {
                    format!("GO ({})", aside.join(", "))
                }
            } else {
                format!("GO ({counts} below --fail-on {})", self.fail_on)
            }
        } else {
            format!("NO-GO: {counts}")
        }
    }
}
