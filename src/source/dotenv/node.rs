//! node dotenv 17 (`parse`) and dotenv-expand 12 (`expand`), reproduced rule for rule.
//!
//! dotenv reads a file with one regular expression; the `regex` crate's leftmost-first
//! matching is the same as JavaScript's backtracking for it (no look-around, no back
//! references), so the expression is used as written, with JavaScript's `\s`, `\w` and `.`
//! spelled out. dotenv-expand's loop (rescan after every replacement, `String.replace`
//! semantics, the `seen` guard) is reproduced step by step, with `processEnv` empty.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::{unclaimed_lines, Entry, Normalized, Parsed, Quote, RawValue, Resolved, MAX_EXPANSION};

/// JavaScript's `\s`.
const JS_SPACE: &str = r"[\t\n\x0B\x0C\r \u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}]";

fn line_regex() -> &'static Regex {
    static LINE: OnceLock<Regex> = OnceLock::new();
    LINE.get_or_init(|| {
        // dotenv's LINE, with a capture around the comment for its span.
        let s = JS_SPACE;
        let pattern = format!(
            r#"(?m)^{s}*(?:export{s}+)?([A-Za-z0-9_.-]+)(?:{s}*={s}*?|:{s}+?)({s}*'(?:\\'|[^'])*'|{s}*"(?:\\"|[^"])*"|{s}*`(?:\\`|[^`])*`|[^#\r\n]+)?{s}*(#[^\n\r\u{{2028}}\u{{2029}}]*)?$"#
        );
        Regex::new(&pattern).unwrap_or_else(|e| unreachable!("dotenv's LINE is valid: {e}"))
    })
}

fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

pub(super) fn parse(text: &str) -> Parsed {
    let norm = Normalized::new(text);
    let src = norm.text.as_str();
    let mut parsed = Parsed::default();
    let mut claimed = Vec::new();
    for caps in line_regex().captures_iter(src) {
        let (Some(whole), Some(key)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let (value_text, value_range) = match caps.get(2) {
            Some(v) => {
                let inner = v.as_str().trim_matches(is_js_space);
                let lead = v.as_str().len() - v.as_str().trim_start_matches(is_js_space).len();
                (inner, v.start() + lead..v.start() + lead + inner.len())
            }
            None => ("", key.end()..key.end()),
        };
        let first = value_text.chars().next();
        let quoted = value_text.len() >= 2 && first == value_text.chars().last();
        let quote = match first {
            Some('\'') if quoted => Quote::Single,
            Some('"') if quoted => Quote::Double,
            Some('`') if quoted => Quote::Backtick,
            _ => Quote::None,
        };
        let mut value = strip_quotes(value_text);
        // dotenv tests the first character only, closed quote or not.
        if first == Some('"') {
            value = value.replace("\\n", "\n").replace("\\r", "\r");
        }
        let value_range = if value_text.is_empty() {
            let at = caps.get(2).map_or(key.end(), |v| v.end());
            at..at
        } else {
            value_range
        };
        claimed.push(norm.range(key.start()..whole.end()));
        parsed.entries.push(Entry {
            key: key.as_str().to_string(),
            key_span: norm.range(key.range()),
            value_span: norm.range(value_range),
            comment_span: caps.get(3).map(|c| norm.range(c.range())),
            quote,
            raw: RawValue::Text(value),
            substitutes: true,
            unresolved_on_read: Vec::new(),
        });
    }
    unclaimed_lines(text, &claimed, "node dotenv", &mut parsed);
    parsed
}

/// `value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')`.
fn strip_quotes(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let line_start = at == 0 || bytes[at - 1] == b'\n';
        let q = bytes[at];
        if line_start && matches!(q, b'\'' | b'"' | b'`') {
            // Greedy `[\s\S]*` then the quote at the end of a line: the last such quote.
            let end = (at + 1..bytes.len())
                .rev()
                .find(|&e| bytes[e] == q && (e + 1 == bytes.len() || bytes[e + 1] == b'\n'));
            if let Some(end) = end {
                out.push_str(&value[copied..at]);
                out.push_str(&value[at + 1..end]);
                copied = end + 1;
                at = end + 1;
                continue;
            }
        }
        at += 1;
    }
    out.push_str(&value[copied..]);
    out
}

/// JavaScript object key order: array-index keys first, ascending; then insertion order.
fn object_order(entries: &[Entry]) -> Vec<(String, usize)> {
    let mut last: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if last.insert(e.key.as_str(), i).is_none() {
            order.push(e.key.as_str());
        }
    }
    let index = |k: &str| -> Option<u64> {
        let ok = !k.is_empty()
            && k.bytes().all(|b| b.is_ascii_digit())
            && (k == "0" || !k.starts_with('0'));
        ok.then(|| k.parse::<u64>().ok())
            .flatten()
            .filter(|n| *n < u64::from(u32::MAX))
    };
    let mut numeric: Vec<(u64, &str)> = order
        .iter()
        .filter_map(|k| index(k).map(|n| (n, *k)))
        .collect();
    numeric.sort_unstable();
    numeric
        .into_iter()
        .map(|(_, k)| k)
        .chain(order.iter().copied().filter(|k| index(k).is_none()))
        .map(|k| (k.to_string(), last.get(k).copied().unwrap_or(0)))
        .collect()
}

pub(super) fn resolve(entries: &[Entry], outer: &dyn Fn(&str) -> Option<String>) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = entries
        .iter()
        .map(|e| Resolved {
            value: match &e.raw {
                RawValue::Text(t) => Some(t.clone()),
                _ => None,
            },
            ..Resolved::default()
        })
        .collect();
    let mut running: HashMap<String, String> = HashMap::new();
    for (key, i) in object_order(entries) {
        let RawValue::Text(raw) = &entries[i].raw else {
            continue;
        };
        let mut unresolved = Vec::new();
        let (value, too_large) = match expand_value(raw, &running, outer, &mut unresolved) {
            Some(v) => (v, false),
            None => (raw.clone(), true),
        };
        let value = value.replace("\\$", "$");
        running.insert(key, value.clone());
        out[i] = Resolved {
            value: Some(value),
            unresolved,
            too_large,
        };
    }
    out
}

/// The next match of `(?<!\\)\${([^{}]+)}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)`: (range,
/// expression).
fn next_reference(s: &str) -> Option<(Range<usize>, &str)> {
    let b = s.as_bytes();
    let mut p = 0;
    while p < b.len() {
        if b[p] == b'$' && (p == 0 || b[p - 1] != b'\\') {
            if b.get(p + 1) == Some(&b'{') {
                let mut q = p + 2;
                while q < b.len() && b[q] != b'{' && b[q] != b'}' {
                    q += 1;
                }
                if q > p + 2 && b.get(q) == Some(&b'}') {
                    return Some((p..q + 1, &s[p + 2..q]));
                }
            }
            if b.get(p + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            {
                let mut q = p + 2;
                while q < b.len() && (b[q].is_ascii_alphanumeric() || b[q] == b'_') {
                    q += 1;
                }
                return Some((p..q, &s[p + 1..q]));
            }
        }
        p += 1;
    }
    None
}

/// `expression.match(/(:\+|\+|:-|-)/)`.
fn operator(expr: &str) -> Option<&'static str> {
    (0..expr.len()).find_map(|i| {
        let rest = &expr[i..];
        [":+", "+", ":-", "-"]
            .into_iter()
            .find(|op| rest.starts_with(op))
    })
}

/// `String.prototype.replace(template, replacement)` with a string pattern: the first
/// occurrence, and the replacement's `$$`, `$&`, `` $` ``, `$'` patterns.
fn js_replace(s: &str, template: &str, replacement: &str) -> String {
    let Some(at) = s.find(template) else {
        return s.to_string();
    };
    let (before, after) = (&s[..at], &s[at + template.len()..]);
    let mut out = String::with_capacity(s.len() + replacement.len());
    out.push_str(before);
    let mut chars = replacement.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$' {
            match chars.peek().map(|(_, n)| *n) {
                Some('$') => {
                    chars.next();
                    out.push('$');
                }
                Some('&') => {
                    chars.next();
                    out.push_str(template);
                }
                Some('`') => {
                    chars.next();
                    out.push_str(before);
                }
                Some('\'') => {
                    chars.next();
                    out.push_str(after);
                }
                _ => out.push('$'),
            }
        } else {
            out.push(c);
        }
    }
    out.push_str(after);
    out
}

/// dotenv-expand's `expandValue`; `None` when the value would outgrow [`MAX_EXPANSION`].
fn expand_value(
    value: &str,
    running: &HashMap<String, String>,
    outer: &dyn Fn(&str) -> Option<String>,
    unresolved: &mut Vec<String>,
) -> Option<String> {
    let lookup = |k: &str| running.get(k).cloned().or_else(|| outer(k));
    let mut result = value.to_string();
    let mut seen: Vec<String> = Vec::new();
    let mut steps = 0usize;
    while let Some((range, expression)) = next_reference(&result) {
        steps += 1;
        if steps > 10_000 || result.len() > MAX_EXPANSION {
            return None;
        }
        seen.push(result.clone());
        let template = result[range].to_string();
        // `split(null)` splits on the text "null": kept, as dotenv-expand does it.
        let splitter = operator(expression);
        let sep = splitter.unwrap_or("null");
        let mut parts = expression.split(sep);
        let key = parts.next().unwrap_or_default().to_string();
        let rest: Vec<&str> = parts.collect();
        let found = lookup(&key);
        let (default, value) = if matches!(splitter, Some(":+" | "+")) {
            let d = if found.as_deref().is_some_and(|v| !v.is_empty()) {
                rest.join(sep)
            } else {
                String::new()
            };
            (d, None)
        } else {
            (rest.join(sep), found.clone())
        };
        if found.is_none() && splitter.is_none() && !unresolved.contains(&key) {
            unresolved.push(key.clone());
        }
        result = match value.filter(|v| !v.is_empty()) {
            Some(v) if seen.contains(&v) => js_replace(&result, &template, &default),
            Some(v) => js_replace(&result, &template, &v),
            None => js_replace(&result, &template, &default),
        };
        if running.get(&key) == Some(&result) {
            break;
        }
    }
    (result.len() <= MAX_EXPANSION).then_some(result)
}
