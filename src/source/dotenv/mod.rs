//! Env files read as the application's own loader reads them, one dialect at a time.
//!
//! A [`Dialect`] is one loader: `node` (dotenv 17 with dotenv-expand 12's substitution),
//! `python` (python-dotenv 1.x), `compose` (docker compose `env_file` / `.env`), `shell`
//! (what `set -a; . FILE` does in bash, read statically). [`parse`] returns every entry with
//! the spans of its key, value and comment, every comment line, and the lines the loader
//! would reject or skip; [`resolve`] then does the dialect's variable substitution.
//!
//! This module owns the reading and nothing else: it depends on nothing in the crate, never
//! reads the process environment (substitution sees only what the caller passes), never runs
//! anything, and never decides what is a secret.

mod compose;
mod node;
mod python;
mod shell;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

/// The largest value substitution may build: `B=$A$A`, `C=$B$B`, ... grows exponentially,
/// and a hostile file must not exhaust memory.
pub const MAX_EXPANSION: usize = 1 << 20;

/// Which loader's rules a file is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    Node,
    Python,
    Compose,
    Shell,
}

impl Dialect {
    pub const ALL: [Dialect; 4] = [
        Dialect::Node,
        Dialect::Python,
        Dialect::Compose,
        Dialect::Shell,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Node => "node",
            Dialect::Python => "python",
            Dialect::Compose => "compose",
            Dialect::Shell => "shell",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The loader, as a person would name it in a message.
    pub fn loader(self) -> &'static str {
        match self {
            Dialect::Node => "node dotenv",
            Dialect::Python => "python-dotenv",
            Dialect::Compose => "docker compose",
            Dialect::Shell => "a sourcing shell",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
    Backtick,
}

/// What a dialect makes of a value before substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawValue {
    /// The text, quotes removed and escapes decoded.
    Text(String),
    /// A key without `=` (python-dotenv reads it as a key with no value).
    Absent,
    /// The shell would not give a plain value: it runs a command, reads something outside the
    /// file, or does not assign the key at all. The reason says what it does.
    Unknown(String),
}

/// One `KEY=value` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    /// Byte range of the key in the original text.
    pub key_span: Range<usize>,
    /// Byte range of the value as written (quotes included); empty at the value's place when
    /// the value is empty.
    pub value_span: Range<usize>,
    /// Byte range of an inline comment after the value (`# ...`).
    pub comment_span: Option<Range<usize>>,
    pub quote: Quote,
    pub raw: RawValue,
    /// The dialect substitutes `$NAME` references in this value.
    pub substitutes: bool,
    /// References that named nothing, found while reading (the shell expands as it reads).
    pub unresolved_on_read: Vec<String>,
}

/// A line the loader rejects or silently skips.
#[derive(Debug, Clone)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// Byte ranges of whole-line comments (masked like values by callers: a commented-out
    /// line often holds an old secret).
    pub comments: Vec<Range<usize>>,
    pub problems: Vec<Problem>,
}

/// Read `text` with `dialect`'s rules.
pub fn parse(text: &str, dialect: Dialect) -> Parsed {
    match dialect {
        Dialect::Node => node::parse(text),
        Dialect::Python => python::parse(text),
        Dialect::Compose => compose::parse(text),
        Dialect::Shell => shell::parse(text),
    }
}

/// A value after substitution.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    /// `None`: no value (python's key without `=`, or the shell's unknown).
    pub value: Option<String>,
    /// References that named no key of the file or of `outer` (each once, in order).
    pub unresolved: Vec<String>,
    /// Substitution stopped at [`MAX_EXPANSION`] bytes; `value` is the unexpanded text.
    pub too_large: bool,
}

/// Substitute references in every entry, in the dialect's order, as its loader does.
/// `outer` gives the values of keys the file does not set (the other layers of an env set):
/// the process environment is never consulted. Returns one [`Resolved`] per entry.
pub fn resolve(
    dialect: Dialect,
    entries: &[Entry],
    outer: &dyn Fn(&str) -> Option<String>,
) -> Vec<Resolved> {
    match dialect {
        Dialect::Node => node::resolve(entries, outer),
        Dialect::Python => python::resolve(entries, outer),
        Dialect::Compose => compose::resolve(entries, outer),
        Dialect::Shell => shell::resolve(entries),
    }
}

/// The effective value of every key (the last entry wins, as in every dialect).
pub fn values(dialect: Dialect, text: &str) -> HashMap<String, Option<String>> {
    let parsed = parse(text, dialect);
    let resolved = resolve(dialect, &parsed.entries, &|_| None);
    parsed
        .entries
        .iter()
        .zip(resolved)
        .map(|(e, r)| (e.key.clone(), r.value))
        .collect()
}

/// The names `$NAME` and `${NAME...}` references in `raw` point at (escaped `\$` skipped), in
/// order: what a substituted value is built from.
pub fn reference_names(raw: &str) -> impl Iterator<Item = &str> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'$' => {
                    let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'{'));
                    let mut j = start;
                    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_')
                    {
                        j += 1;
                    }
                    i = j.max(i + 1);
                    if j > start && !bytes[start].is_ascii_digit() {
                        return Some(&raw[start..j]);
                    }
                }
                _ => i += 1,
            }
        }
        None
    })
}

/// A `${...}` or `$NAME` reference that no dialect reads as its author meant: `${BAR!}`,
/// `${BAR` (unclosed), `$BAR}` (a stray brace). Returns the offending text of each.
pub fn malformed_references(raw: &str) -> Vec<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'{') {
            let name_start = i + 2;
            let mut j = name_start;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            let close = raw[j..].find('}').map(|c| j + c);
            let operator = raw[j..].starts_with(":-")
                || raw[j..].starts_with(":+")
                || raw[j..].starts_with(":?")
                || raw[j..].starts_with(":=")
                || matches!(bytes.get(j), Some(b'-' | b'+' | b'?' | b'='));
            let bad = j == name_start
                || bytes[name_start].is_ascii_digit()
                || close.is_none()
                || (!operator && close != Some(j));
            if bad {
                let end = close.map_or(raw.len(), |c| c + 1);
                out.push(raw[i..end].to_string());
                i = end;
                continue;
            }
            i = close.map_or(raw.len(), |c| c + 1);
            continue;
        }
        let mut j = i + 1;
        if bytes
            .get(j)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if bytes.get(j) == Some(&b'}') {
                out.push(raw[i..=j].to_string());
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// Byte offsets after normalising line endings (`\r\n` → `\n`) mapped back to the original.
pub(crate) struct Normalized {
    pub text: String,
    /// Normalised offsets of each `\n` that replaced a `\r\n`.
    drops: Vec<usize>,
}

impl Normalized {
    /// `\r\n` and a lone `\r` both become `\n` (as node dotenv does before reading).
    pub fn new(text: &str) -> Normalized {
        if !text.contains('\r') {
            // Nearly every file: nothing to normalise, one copy instead of a char-by-char one.
            return Normalized {
                text: text.to_string(),
                drops: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut drops = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\r' {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                    drops.push(out.len());
                }
                out.push('\n');
            } else {
                out.push(c);
            }
        }
        Normalized { text: out, drops }
    }

    pub fn original(&self, at: usize) -> usize {
        at + self.drops.partition_point(|d| *d < at)
    }

    pub fn range(&self, r: Range<usize>) -> Range<usize> {
        self.original(r.start)..self.original(r.end)
    }
}

/// Whole-line comments and problems for lines no entry claimed: shared by the line readers.
pub(crate) fn unclaimed_lines(
    text: &str,
    claimed: &[Range<usize>],
    loader: &str,
    parsed: &mut Parsed,
) {
    let mut claimed: Vec<Range<usize>> = claimed.to_vec();
    claimed.sort_by_key(|r| r.start);
    let mut k = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let lead = body.len() - trimmed.len();
        if trimmed.starts_with('#') {
            parsed.comments.push(start + lead..start + body.len());
            continue;
        }
        while k < claimed.len() && claimed[k].end <= start {
            k += 1;
        }
        let covered = claimed.get(k).is_some_and(|r| r.start < start + body.len());
        if !covered {
            parsed.problems.push(Problem {
                span: start + lead..start + body.len(),
                message: format!("{loader} skips this line: it is not `KEY=value`"),
            });
        }
    }
}

#[cfg(test)]
mod tests;
