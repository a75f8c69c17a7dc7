//! node dotenv 17 (`parse`) and dotenv-expand 12 (`expand`), reproduced rule for rule.
//!
//! dotenv reads a file with one regular expression; the `regex` crate's leftmost-first
//! matching is the same as JavaScript's backtracking for it (no look-around, no back
//! references), so the expression is used as written, with JavaScript's `\s`, `\w` and `.`
//! spelled out. dotenv-expand's loop (rescan after every replacement, `String.replace`
//! semantics, the `seen` guard) is reproduced step by step, with `processEnv` empty.

use std::ops::Range;
use std::sync::OnceLock;

// Keyed by the file's keys for each lookup of substitution: foldhash (randomly seeded per
// process, so a hostile file cannot pick colliding keys) instead of SipHash.
use foldhash::{HashMap, HashMapExt};
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
    for (whole, groups) in line_matches(src) {
        let key_text = &src[groups.key.clone()];
        let (value_text, value_range) = match &groups.value {
            Some(v) => {
                let v_text = &src[v.clone()];
                let inner = v_text.trim_matches(is_js_space);
                let lead = v_text.len() - v_text.trim_start_matches(is_js_space).len();
                (inner, v.start + lead..v.start + lead + inner.len())
            }
            None => ("", groups.key.end..groups.key.end),
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
        if first == Some('"') && value.contains('\\') {
            value = value.replace("\\n", "\n").replace("\\r", "\r");
        }
        let value_range = if value_text.is_empty() {
            let at = groups.value.as_ref().map_or(groups.key.end, |v| v.end);
            at..at
        } else {
            value_range
        };
        claimed.push(norm.range(groups.key.start..whole.end));
        parsed.entries.push(Entry {
            key: key_text.to_string(),
            key_span: norm.range(groups.key.clone()),
            value_span: norm.range(value_range),
            comment_span: groups.comment.map(|c| norm.range(c)),
            quote,
            raw: RawValue::Text(value),
            substitutes: true,
            unresolved_on_read: Vec::new(),
        });
    }
    unclaimed_lines(text, &claimed, "node dotenv", &mut parsed);
    parsed
}

/// The capture groups of one match of dotenv's LINE: key, value, comment.
#[derive(Debug, PartialEq, Eq)]
struct Groups {
    key: Range<usize>,
    value: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

/// Every match of [`line_regex`] in `src` with its groups, in order: what `captures_iter`
/// gives. A match of a common shape is worked out by hand ([`simple_match`]); from anywhere
/// else the regex searches (its lazy DFA and capture search were most of a file's reading).
fn line_matches(src: &str) -> Vec<(Range<usize>, Groups)> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        // The next place `(?m)^` holds: the start, or just after a line break.
        let start = if pos == 0 || src.as_bytes()[pos - 1] == b'\n' {
            pos
        } else {
            match src[pos..].find('\n') {
                Some(n) => pos + n + 1,
                None => break,
            }
        };
        // `^\s*` takes every space, line breaks too; no match starts in a comment line, and
        // none in trailing space.
        let body = src[start..].trim_start_matches(is_js_space);
        if body.is_empty() {
            break;
        }
        if body.starts_with('#') {
            pos = src.len() - body.len() + 1;
            continue;
        }
        let found =
            simple_match(src, start).or_else(|| captured(&line_regex().captures_at(src, start)?));
        let Some((whole, groups)) = found else {
            break;
        };
        pos = whole.end;
        out.push((whole, groups));
    }
    out
}

/// A match of [`line_regex`] and its groups, as the regex reports them.
fn captured(caps: &regex::Captures) -> Option<(Range<usize>, Groups)> {
    Some((
        caps.get(0)?.range(),
        Groups {
            key: caps.get(1)?.range(),
            value: caps.get(2).map(|v| v.range()),
            comment: caps.get(3).map(|c| c.range()),
        },
    ))
}

/// The match of [`line_regex`] starting at `start` (where `^` holds) and its groups, worked
/// out without the regex, for the shapes nearly every line has: `[export ]KEY=value`,
/// `KEY=value # comment` and `KEY='quoted'` (`"`, `` ` ``) on one line, the key right before
/// `=`, then what the `\s*(#...)?$` after the value takes (spaces, blank lines, a comment
/// line). `None` for anything else (the caller asks the regex). Each accepted shape is one
/// where the regex's first path in priority order succeeds, so this is the match and the
/// groups it reports (`line_matches_agree_with_the_regex` checks that on generated files).
fn simple_match(src: &str, start: usize) -> Option<(Range<usize>, Groups)> {
    // `^\s*` takes every leading space (greedy, and no space is a key character).
    let rest = src[start..].trim_start_matches(is_js_space);
    let mut at = src.len() - rest.len();
    let line_end = src[at..].find('\n').map_or(src.len(), |n| at + n);
    let mut line = &src[at..line_end];
    if line.contains(['\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    // `(?:export\s+)?` is tried before skipping it.
    if let Some(after) = line.strip_prefix("export") {
        let spaces = after.len() - after.trim_start_matches(is_js_space).len();
        if spaces > 0 {
            at += 6 + spaces;
            line = &after[spaces..];
        }
    }
    let b = line.as_bytes();
    let key_len = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        .count();
    if key_len == 0 || b.get(key_len) != Some(&b'=') {
        return None;
    }
    let key = at..at + key_len;
    let value_at = key_len + 1;
    let value_start = at + value_at;
    let value_end = match b.get(value_at) {
        // Quoted: the closing quote is the first one after the opening on this line (no
        // backslash inside, so `\\'` never comes into play).
        Some(&q @ (b'\'' | b'"' | b'`')) => {
            let close = line[value_at + 1..].find(q as char)? + value_at + 1;
            if line[value_at + 1..close].contains('\\') {
                return None;
            }
            at + close + 1
        }
        // Unquoted: `[^#\r\n]+` runs to a `#` or the line's end; a comment then runs to the
        // line's end, where `$` holds.
        Some(c) if *c != b'#' && !line[value_at..].starts_with(is_js_space) => {
            match line[value_at..].find('#') {
                Some(hash) => {
                    let groups = Groups {
                        key,
                        value: Some(value_start..value_start + hash),
                        comment: Some(value_start + hash..line_end),
                    };
                    return Some((start..line_end, groups));
                }
                None => line_end,
            }
        }
        _ => return None,
    };
    // `\s*` (greedy, over line breaks too), then `(#...)?`, then `$` (before a `\n` or at
    // the end): the longest run of spaces after which that holds.
    let tail = src[value_end..].trim_start_matches(is_js_space);
    let spaces_end = src.len() - tail.len();
    let (end, comment) = if tail.is_empty() {
        (src.len(), None)
    } else if tail.starts_with('#') {
        let comment_end = spaces_end
            + tail
                .find(['\n', '\r', '\u{2028}', '\u{2029}'])
                .unwrap_or(tail.len());
        if comment_end < src.len() && src.as_bytes()[comment_end] != b'\n' {
            return None;
        }
        (comment_end, Some(spaces_end..comment_end))
    } else {
        // Something else follows: `\s*` gives back spaces up to its last line break.
        (value_end + src[value_end..spaces_end].rfind('\n')?, None)
    };
    let groups = Groups {
        key,
        value: Some(value_start..value_end),
        comment,
    };
    Some((start..end, groups))
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
fn object_order(entries: &[Entry]) -> Vec<(&str, usize)> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    let mut order: Vec<&str> = Vec::with_capacity(entries.len());
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
        .map(|k| (k, last.get(k).copied().unwrap_or(0)))
        .collect()
}

pub(super) fn resolve(entries: &[Entry], outer: &dyn Fn(&str) -> Option<String>) -> Vec<Resolved> {
    // Only the last entry of each key is expanded; the others keep their text.
    let mut out: Vec<Option<Resolved>> = vec![None; entries.len()];
    let mut running: HashMap<&str, String> = HashMap::with_capacity(entries.len());
    for (key, i) in object_order(entries) {
        let RawValue::Text(raw) = &entries[i].raw else {
            continue;
        };
        let mut unresolved = Vec::new();
        // Without a `$` there is nothing to expand and no `\$` to unescape.
        let (value, too_large) = if !raw.contains('$') && raw.len() <= MAX_EXPANSION {
            (raw.clone(), false)
        } else {
            let (value, too_large) = match expand_value(raw, &running, outer, &mut unresolved) {
                Some(v) => (v, false),
                None => (raw.clone(), true),
            };
            (value.replace("\\$", "$"), too_large)
        };
        running.insert(key, value.clone());
        out[i] = Some(Resolved {
            value: Some(value),
            unresolved,
            too_large,
        });
    }
    out.into_iter()
        .zip(entries)
        .map(|(r, e)| {
            r.unwrap_or_else(|| Resolved {
                value: match &e.raw {
                    RawValue::Text(t) => Some(t.clone()),
                    _ => None,
                },
                ..Resolved::default()
            })
        })
        .collect()
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
    running: &HashMap<&str, String>,
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
        if running.get(key.as_str()) == Some(&result) {
            break;
        }
    }
    (result.len() <= MAX_EXPANSION).then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every match with its groups as the regex reports them.
    fn regex_matches(src: &str) -> Vec<(Range<usize>, Groups)> {
        line_regex()
            .captures_iter(src)
            .filter_map(|caps| captured(&caps))
            .collect()
    }

    fn agree(src: &str) {
        assert_eq!(line_matches(src), regex_matches(src), "{src:?}");
    }

    #[test]
    fn simple_matches_cover_the_common_shapes() {
        // D has a space after its quote; F's match starts on the blank line before it and
        // runs on over the last line break; G's takes the blank line and the comment line
        // after it.
        let src = "A=1\nexport B=two words  \nC='x y'\nD=\"q\" \nE=v # note\n\n  F=`t`\nG=\"a,b\"\n\n# group\nH=1";
        let found = regex_matches(src);
        assert_eq!(found.len(), 8);
        for (whole, groups) in found {
            assert_eq!(simple_match(src, whole.start), Some((whole, groups)));
        }
        agree(src);
    }

    proptest! {
        #[test]
        fn line_matches_agree_with_the_regex(
            lines in proptest::collection::vec(
                "(export[ \t]{0,2})?[ \t]?[A-Za-z_.-]{0,3}[ =:]?[ \t]?['\"`]?[a-z #'\"`\\\\\u{a0}]{0,6}['\"`]?[ \t]?(#[a-z'\u{2028}]{0,3})?",
                1..6,
            ),
            sep in proptest::sample::select(vec!["\n", "\n\n", "\n \t\n", "\n# c\n", "\n\u{a0}\n#"]),
            end in proptest::sample::select(vec!["", "\n", " \n\n", "\n#"]),
        ) {
            let src = lines.join(sep) + end;
            agree(&src);
        }
    }
}
