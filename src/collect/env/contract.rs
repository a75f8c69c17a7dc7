//! Contracts: what a `.env.example` / `.env.schema` says about each key beyond its name.
//!
//! Markers are comments on the key's line or in the comment block right above it: the
//! legacy `# optional`, and the env-spec decorators `@required`, `@optional`, `@sensitive`,
//! `@type=url|port|email|boolean|number(min=..,max=..)|enum(a,b)|string(startsWith=..,
//! minLength=..)`. Type checks of values against a contract live here too.

use crate::facts::env::EnvEntry;
use crate::source::dotenv::Parsed;

/// Read markers for each entry from the comments around it.
pub fn apply_markers(text: &str, parsed: &Parsed, entries: &mut [EnvEntry]) {
    for (e, entry) in parsed.entries.iter().zip(entries.iter_mut()) {
        let mut notes: Vec<&str> = Vec::new();
        // An inline comment on the key's own line (node's expression can take a comment
        // from the next line as the value's; that one belongs to the next key).
        if let Some(c) = e
            .comment_span
            .as_ref()
            .filter(|c| !text[e.key_span.end..c.start].contains('\n'))
        {
            notes.push(&text[c.clone()]);
        }
        // The comment lines directly above the key (no blank line between).
        let line_start = text[..e.key_span.start].rfind('\n').map_or(0, |n| n + 1);
        let mut above = &text[..line_start];
        while let Some(prev) = above
            .strip_suffix('\n')
            .map(|a| a.strip_suffix('\r').unwrap_or(a))
        {
            let start = prev.rfind('\n').map_or(0, |n| n + 1);
            let line = prev[start..].trim();
            if !line.starts_with('#') {
                break;
            }
            notes.push(line);
            above = &text[..start];
        }
        for note in notes {
            let body = note.trim_start_matches('#').trim();
            if is_optional_marker(body) {
                entry.optional = true;
            }
            for word in decorators(body) {
                match word {
                    "@optional" => entry.optional = true,
                    "@required" => entry.optional = false,
                    "@sensitive" | "@sensitive=true" => entry.sensitive = true,
                    w => {
                        if let Some(t) = w.strip_prefix("@type=") {
                            entry.value_type = Some(t.to_string());
                        }
                    }
                }
            }
        }
    }
}

fn is_optional_marker(comment: &str) -> bool {
    let c = comment.trim().to_ascii_lowercase();
    c == "optional"
        || c.starts_with("optional:")
        || c.starts_with("optional ")
        || c.starts_with("optional,")
        || c.starts_with("optional (")
}

/// `@name` or `@name=value` words; a value may hold parentheses with commas.
fn decorators(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find('@') {
        let word = &rest[at..];
        let mut depth = 0usize;
        let end = word
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth == 0 && c.is_whitespace()
            })
            .map_or(word.len(), |(i, _)| i);
        out.push(&word[..end]);
        rest = &word[end..];
    }
    out
}

/// Why `value` does not fit the contract's `@type=spec`, or `None` when it does (or the type
/// is one launchgate does not know: never a guess).
pub fn type_error(spec: &str, value: &str) -> Option<String> {
    let (name, args) = match spec.split_once('(') {
        Some((n, a)) => (n, a.strip_suffix(')').unwrap_or(a)),
        None => (spec, ""),
    };
    let arg = |k: &str| {
        args.split(',')
            .filter_map(|p| p.split_once('='))
            .find(|(a, _)| a.trim() == k)
            .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
    };
    let v = value.trim();
    match name {
        "url" => {
            let ok = v
                .split_once("://")
                .is_some_and(|(s, rest)| !s.is_empty() && !rest.is_empty());
            (!ok).then(|| "is not a URL (scheme://host...)".to_string())
        }
        "port" => {
            let ok = v.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
            (!ok).then(|| "is not a port (1-65535)".to_string())
        }
        "email" => {
            let ok = v
                .split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !v.contains(' '));
            (!ok).then(|| "is not an email address".to_string())
        }
        "boolean" => {
            let ok = matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off"
            );
            (!ok).then(|| "is not a boolean".to_string())
        }
        "number" => match v.parse::<f64>() {
            Err(_) => Some("is not a number".to_string()),
            Ok(n) => {
                let min = arg("min").and_then(|m| m.parse::<f64>().ok());
                let max = arg("max").and_then(|m| m.parse::<f64>().ok());
                if min.is_some_and(|m| n < m) {
                    Some(format!(
                        "is below the minimum {}",
                        arg("min").unwrap_or_default()
                    ))
                } else if max.is_some_and(|m| n > m) {
                    Some(format!(
                        "is above the maximum {}",
                        arg("max").unwrap_or_default()
                    ))
                } else {
                    None
                }
            }
        },
        "enum" => {
            let options: Vec<&str> = args
                .split(',')
                .map(|o| o.trim().trim_matches(['"', '\'']))
                .collect();
            (!options.contains(&v)).then(|| format!("is not one of {}", options.join(", ")))
        }
        "string" => {
            if let Some(p) = arg("startsWith").filter(|p| !v.starts_with(p.as_str())) {
                return Some(format!("does not start with `{p}`"));
            }
            if let Some(n) = arg("minLength").and_then(|n| n.parse::<usize>().ok()) {
                if v.chars().count() < n {
                    return Some(format!("is shorter than {n} characters"));
                }
            }
            if let Some(n) = arg("maxLength").and_then(|n| n.parse::<usize>().ok()) {
                if v.chars().count() > n {
                    return Some(format!("is longer than {n} characters"));
                }
            }
            None
        }
        _ => None,
    }
}
