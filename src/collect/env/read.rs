//! One env file read with its dialect: entries with spans, substitution within the file,
//! secrets classified, the shell's reading compared, and a copy of the text with every
//! secret masked for snippets. No value is ever put in a message unless it is a setting.

// Two tables keyed by the file's keys per file read: foldhash (randomly seeded per process)
// instead of SipHash.
use foldhash::{HashMap, HashMapExt};

use super::divergence;
use crate::facts::env::{EnvEntry, EnvFile, EnvFileKind, EnvParseError, Quote};
use crate::facts::GitState;
use crate::secrets;
use crate::source::dotenv::{self, Dialect, RawValue};

/// An env file parsed: its facts and its text with every secret value masked (for snippets).
pub struct ParsedEnvFile {
    pub file: EnvFile,
    pub masked_text: Option<String>,
}

/// Parse env file text with `dialect`. `rel` names the file in locations.
pub fn parse_env_file(
    rel: &str,
    text: &str,
    kind: EnvFileKind,
    dialect: Dialect,
    dialect_reason: &str,
) -> ParsedEnvFile {
    parse_layer(rel, text, kind, (dialect, dialect_reason), &|_| None)
}

/// [`parse_env_file`] for a layer on top of others: `outer` gives the values the layers below
/// set (what the loader has already put in its environment when it reads this file).
pub fn parse_layer(
    rel: &str,
    text: &str,
    kind: EnvFileKind,
    (dialect, dialect_reason): (Dialect, &str),
    outer: &dyn Fn(&str) -> Option<String>,
) -> ParsedEnvFile {
    let parsed = dotenv::parse(text, dialect);
    let mut resolved = dotenv::resolve(dialect, &parsed.entries, outer);
    let shell = (dialect != Dialect::Shell).then(|| dotenv::parse(text, Dialect::Shell));
    let lines = crate::facts::LineIndex::new(text);
    let file = crate::facts::FileName::from(rel);
    let loc = |r: &std::ops::Range<usize>| lines.location(&file, r.start, r.end.max(r.start));
    let mut masks: Vec<(usize, usize)> = Vec::new();
    let mut errors: Vec<EnvParseError> = Vec::new();
    for p in &parsed.problems {
        errors.push(EnvParseError {
            location: loc(&p.span),
            message: p.message.clone(),
        });
        let line = &text[p.span.clone()];
        masks.push((p.span.start + key_like_prefix(line), p.span.end));
    }
    // Commented-out assignments are masked like values when they hold a secret.
    for c in &parsed.comments {
        let body = &text[c.clone()];
        let inner = body.trim_start_matches('#').trim_start();
        let inner = inner.strip_prefix("export ").unwrap_or(inner);
        if let Some((k, v)) = inner.split_once('=') {
            let k = k.trim();
            let v = v.trim().trim_matches(['"', '\'']);
            if !k.is_empty() && !k.contains(' ') && secrets::classify(k, v, false).is_some() {
                let at = c.start + body.find('=').map_or(0, |e| e + 1);
                masks.push((at, c.end));
            }
        }
    }
    let mut last_index: HashMap<&str, usize> = HashMap::with_capacity(parsed.entries.len());
    for (i, e) in parsed.entries.iter().enumerate() {
        last_index.insert(e.key.as_str(), i);
    }
    // The values move out of the resolution (it is not read again).
    let values: Vec<String> = parsed
        .entries
        .iter()
        .zip(resolved.iter_mut())
        .map(|(e, r)| match (r.value.take(), &e.raw) {
            (Some(v), _) => v,
            (None, RawValue::Text(t)) => t.clone(),
            (None, _) => String::new(),
        })
        .collect();
    // Each value classified once; a value that substitutes a key holding a secret is one.
    let own: Vec<Option<&'static str>> = parsed
        .entries
        .iter()
        .zip(&values)
        .map(|(e, v)| secrets::classify(&e.key, v, false))
        .collect();
    let mut secret_keys: HashMap<&str, bool> = HashMap::with_capacity(parsed.entries.len());
    for (e, why) in parsed.entries.iter().zip(&own) {
        secret_keys.insert(e.key.as_str(), why.is_some());
    }
    let names_a_secret = |name: &str| match secret_keys.get(name) {
        Some(secret) => *secret,
        None => outer(name).is_some_and(|v| secrets::classify(name, &v, false).is_some()),
    };
    let mut entries = Vec::with_capacity(parsed.entries.len());
    for (i, ((e, r), value)) in parsed
        .entries
        .iter()
        .zip(resolved.iter_mut())
        .zip(values)
        .enumerate()
    {
        let written = &text[e.value_span.clone()];
        if r.too_large {
            errors.push(EnvParseError {
                location: loc(&e.value_span),
                message: format!(
                    "variable substitution would expand this value past the {}-byte limit; \
                     not expanded",
                    dotenv::MAX_EXPANSION
                ),
            });
        }
        let secret_reason = own[i].or_else(|| {
            // A value built from a secret is one (`URL=...${DB_PASSWORD}...`).
            let substituted = matches!(&e.raw, RawValue::Text(t) if *t != value);
            (substituted && dotenv::reference_names(written).any(&names_a_secret))
                .then_some("it is built from a secret")
        });
        if secret_reason.is_some() || !e.unresolved_on_read.is_empty() {
            masks.push(quoted_inner(e.value_span.start, written));
        }
        let is_last = last_index.get(e.key.as_str()) == Some(&i);
        let shell_divergence = match (&shell, is_last) {
            (Some(shell), true) => {
                divergence::describe(dialect, &e.key, &value, secret_reason.is_some(), shell)
            }
            _ => None,
        };
        let malformed = if e.quote == dotenv::Quote::Single && dialect != Dialect::Node {
            Vec::new()
        } else {
            dotenv::malformed_references(written)
        };
        let weak_reason = secrets::public_text_reason(&value);
        // A credential's shape makes it a secret: only secrets need the question.
        let credential = secret_reason
            .and_then(|_| secrets::issued_credential(&value))
            .map(str::to_string);
        entries.push(EnvEntry {
            key: e.key.clone(),
            value,
            quote: match e.quote {
                dotenv::Quote::None => Quote::None,
                dotenv::Quote::Single => Quote::Single,
                dotenv::Quote::Double | dotenv::Quote::Backtick => Quote::Double,
            },
            location: loc(&e.key_span),
            value_location: loc(&e.value_span),
            shell_divergence,
            optional: false,
            sensitive: false,
            value_type: None,
            unresolved: std::mem::take(&mut r.unresolved),
            malformed,
            secret: secret_reason.is_some(),
            secret_reason: secret_reason.map(str::to_string),
            credential,
            weak: weak_reason.is_some(),
            weak_reason: weak_reason.map(str::to_string),
        });
    }
    if kind == EnvFileKind::Contract {
        super::contract::apply_markers(text, &parsed, &mut entries);
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    ParsedEnvFile {
        file: EnvFile {
            path: rel.to_string(),
            kind,
            git: GitState::NotInRepository,
            crlf: body.contains("\r\n"),
            unreadable: None,
            dialect: dialect.name().to_string(),
            dialect_reason: dialect_reason.to_string(),
            sample: None,
            entries,
            errors,
        },
        masked_text: Some(mask(text, &masks)),
    }
}

/// The byte range to mask for a value: inside its quotes, or all of it.
fn quoted_inner(start: usize, raw: &str) -> (usize, usize) {
    let q = raw.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'));
    match q {
        Some(q) if raw.len() >= 2 && raw.ends_with(q) => (start + 1, start + raw.len() - 1),
        _ => (start, start + raw.len()),
    }
}

/// Where a key-like prefix (`KEY=`) ends: mask only what follows it.
fn key_like_prefix(line: &str) -> usize {
    match line.find('=') {
        Some(eq)
            if line[..eq]
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ') =>
        {
            eq + 1
        }
        _ => line.len() - line.trim_start().len(),
    }
}

/// `text` with each range's characters replaced by `*` (line breaks kept, so columns hold).
fn mask(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut sorted: Vec<_> = ranges.iter().copied().filter(|(a, b)| a < b).collect();
    sorted.sort_unstable();
    let mut last = 0;
    for (a, b) in sorted {
        let a = a.max(last).min(text.len());
        let b = b.min(text.len());
        if a >= b || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&text[last..a]);
        out.extend(
            text[a..b]
                .chars()
                .map(|c| if c == '\n' || c == '\r' { c } else { '*' }),
        );
        last = b;
    }
    out.push_str(&text[last..]);
    out
}
