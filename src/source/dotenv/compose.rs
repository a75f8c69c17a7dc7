//! docker compose's `env_file` and `.env` reading, after compose-go's documented rules.
//!
//! Lines are read as python-dotenv reads them (quotes, `export`, ` #` comments, multi-line
//! quoted values); single-quoted values are literal, every other value is interpolated with
//! compose's syntax: `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
//! `${NAME:+alt}`, `${NAME+alt}`, and `$$` for a literal `$`. No oracle was run for this
//! dialect (compose-go is Go); the rules are those of the compose specification.

use std::collections::HashMap;

use super::{Entry, Parsed, Quote, RawValue, Resolved, MAX_EXPANSION};

pub(super) fn parse(text: &str) -> Parsed {
    let mut parsed = super::python::parse(text);
    for e in &mut parsed.entries {
        e.substitutes = e.quote != Quote::Single;
    }
    for p in &mut parsed.problems {
        p.message = "docker compose cannot parse this line".into();
    }
    parsed
}

pub(super) fn resolve(entries: &[Entry], outer: &dyn Fn(&str) -> Option<String>) -> Vec<Resolved> {
    let mut known: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let resolved = match &e.raw {
            RawValue::Text(raw) if e.substitutes => {
                let mut unresolved = Vec::new();
                let lookup = |k: &str| known.get(k).cloned().or_else(|| outer(k));
                match interpolate(raw, &lookup, &mut unresolved, 0) {
                    Some(v) => Resolved {
                        value: Some(v),
                        unresolved,
                        too_large: false,
                    },
                    None => Resolved {
                        value: Some(raw.clone()),
                        unresolved,
                        too_large: true,
                    },
                }
            }
            RawValue::Text(raw) => Resolved {
                value: Some(raw.clone()),
                ..Resolved::default()
            },
            _ => Resolved::default(),
        };
        if let Some(v) = &resolved.value {
            known.insert(e.key.as_str(), v.clone());
        }
        out.push(resolved);
    }
    out
}

fn interpolate(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unresolved: &mut Vec<String>,
    depth: usize,
) -> Option<String> {
    if depth > 8 {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let c = s[i..].chars().next()?;
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                // The matching brace, nesting counted.
                let mut level = 0usize;
                let mut j = i + 1;
                let close = loop {
                    match b.get(j) {
                        None => break None,
                        Some(b'{') => level += 1,
                        Some(b'}') => {
                            level -= 1;
                            if level == 0 {
                                break Some(j);
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                };
                let Some(close) = close else {
                    out.push_str(&s[i..]);
                    break;
                };
                let inner = &s[i + 2..close];
                let n = inner
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                let (name, op) = inner.split_at(n);
                let found = lookup(name);
                let (colon, rest) = match op.strip_prefix(':') {
                    Some(r) => (true, r),
                    None => (false, op),
                };
                let set = found.as_ref().is_some_and(|v| !colon || !v.is_empty());
                match rest.as_bytes().first() {
                    None => match found {
                        Some(v) => out.push_str(&v),
                        None => note(unresolved, name),
                    },
                    Some(b'-') if set => out.push_str(found.as_deref().unwrap_or("")),
                    Some(b'-') => {
                        out.push_str(&interpolate(&rest[1..], lookup, unresolved, depth + 1)?)
                    }
                    Some(b'+') if set => {
                        out.push_str(&interpolate(&rest[1..], lookup, unresolved, depth + 1)?)
                    }
                    Some(b'?') if set => out.push_str(found.as_deref().unwrap_or("")),
                    Some(b'+' | b'?') => {}
                    Some(_) => out.push_str(&s[i..=close]),
                }
                i = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let n = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                let name = &s[i + 1..i + 1 + n];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => note(unresolved, name),
                }
                i += 1 + n;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
        if out.len() > MAX_EXPANSION {
            return None;
        }
    }
    Some(out)
}

fn note(unresolved: &mut Vec<String>, name: &str) {
    if !unresolved.iter().any(|u| u == name) {
        unresolved.push(name.to_string());
    }
}
