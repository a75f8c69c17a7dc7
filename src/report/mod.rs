//! Reporters: one module per output format, all behind [`Format::render`].
//!
//! Reporters only format: findings arrive already scrubbed of secrets, and any source text a
//! reporter shows goes through the run's redactor (env files are shown from their masked copy).

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::HashMap;

use crate::check::CheckOutcome;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette diagnostics, a summary table and the verdict.
    Human,
    /// The versioned JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::`).
    Github,
}

/// How the human report is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    /// SARIF: include waived findings as suppressions (GitHub shows them as open alerts).
    pub include_waived: bool,
}

impl Format {
    pub fn render(self, outcome: &CheckOutcome, style: Style) -> String {
        match self {
            Format::Human => human::render(outcome, style),
            Format::Json => json::render(outcome),
            Format::Sarif => sarif::render(outcome, style.include_waived),
            Format::Github => github::render(outcome),
        }
    }
}

/// Source texts for snippets, read at most once per file and always masked.
pub(crate) struct Sources<'a> {
    outcome: &'a CheckOutcome,
    cache: HashMap<String, Option<String>>,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(outcome: &'a CheckOutcome) -> Self {
        Sources {
            outcome,
            cache: HashMap::new(),
        }
    }

    /// The masked text of a repository file (or of a built-in policy), if it can be shown.
    pub(crate) fn get(&mut self, file: &str) -> Option<&str> {
        let outcome = self.outcome;
        self.cache
            .entry(file.to_string())
            .or_insert_with(|| {
                if let Some(masked) = outcome.masked_sources.get(file) {
                    return Some(masked.clone());
                }
                let path = outcome.root.join(file);
                let text = if path.is_file() {
                    crate::collect::read_text(&path).ok()
                } else {
                    crate::policy::BUILTIN_POLICIES
                        .iter()
                        .find(|(n, _)| *n == file)
                        .map(|(_, t)| t.to_string())
                }?;
                Some(outcome.redactor.mask(&text).into_owned())
            })
            .as_deref()
    }
}

/// Byte offset of a 1-based (line, column-in-chars) position in `text`, clamped to the text.
pub(crate) fn byte_offset(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut chars = text[offset..line_end].char_indices();
    match chars.nth(column.saturating_sub(1) as usize) {
        Some((i, _)) => offset + i,
        None => line_end,
    }
}
