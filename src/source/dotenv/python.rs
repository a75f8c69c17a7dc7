//! python-dotenv 1.x: its `parser.Reader` and `variables.resolve_variables`, step by step.
//!
//! The reader walks the text with a handful of anchored patterns; a binding that fails
//! anywhere skips the rest of that physical line and is an error python-dotenv only logs.
//! Interpolation replaces `${NAME}` and `${NAME:-default}` (never `$NAME`) with values of
//! keys read earlier, in every value, quoted or not.

use std::collections::HashMap;

use super::{Entry, Parsed, Problem, Quote, RawValue, Resolved, MAX_EXPANSION};

/// Python's `\s` (`str.isspace`).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `[^\S\r\n]`.
fn is_blank(c: char) -> bool {
    is_space(c) && c != '\r' && c != '\n'
}

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

struct Fail;

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn skip_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.at;
        let len = self
            .rest()
            .char_indices()
            .find(|(_, c)| !f(*c))
            .map_or(self.rest().len(), |(i, _)| i);
        self.at += len;
        &self.s[start..self.at]
    }
    /// `'((?:\\.|[^'\\])*)'` (DOTALL) and its double-quoted twin: the body's range.
    fn quoted(&mut self, q: char) -> Result<std::ops::Range<usize>, Fail> {
        let mut chars = self.rest().char_indices().skip(1);
        let body_start = self.at + q.len_utf8();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                if chars.next().is_none() {
                    return Err(Fail);
                }
            } else if c == q {
                let body = body_start..self.at + i;
                self.at += i + q.len_utf8();
                return Ok(body);
            }
        }
        Err(Fail)
    }
}

/// `codecs.decode(match, "unicode-escape")` for the escapes python-dotenv decodes.
fn decode(body: &str, escapes: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if escapes.contains(n) {
                    chars.next();
                    out.push(match n {
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'v' => '\u{b}',
                        other => other,
                    });
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

pub(super) fn parse(text: &str) -> Parsed {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut r = Reader { s: text, at: bom };
    let mut parsed = Parsed::default();
    while r.at < text.len() {
        let mark = r.at;
        match binding(&mut r, &mut parsed) {
            Ok(()) => {}
            Err(Fail) => {
                // `_rest_of_line`: `[^\r\n]*(?:\r|\n|\r\n)?`.
                r.skip_while(|c| c != '\r' && c != '\n');
                let line_end = r.at;
                if matches!(r.peek(), Some('\r' | '\n')) {
                    r.at += 1;
                }
                let start =
                    mark + (text[mark..line_end].len() - text[mark..line_end].trim_start().len());
                parsed.problems.push(Problem {
                    span: start.min(line_end)..line_end,
                    message: "python-dotenv cannot parse this line and skips it".into(),
                });
            }
        }
        if r.at == mark {
            // Never loop without progress (cannot happen with the patterns above).
            r.at += r.peek().map_or(1, char::len_utf8);
        }
    }
    parsed
}

fn binding(r: &mut Reader, parsed: &mut Parsed) -> Result<(), Fail> {
    r.skip_while(is_space);
    if r.at >= r.s.len() {
        return Ok(());
    }
    let line_start = r.at;
    // `(?:export[^\S\r\n]+)?`
    if let Some(after) = r.rest().strip_prefix("export") {
        if after.starts_with(is_blank) {
            r.at += "export".len();
            r.skip_while(is_blank);
        }
    }
    let key = match r.peek() {
        Some('#') => None,
        Some('\'') => {
            // `'([^']+)'`
            let body = r.rest()[1..].find('\'').filter(|n| *n > 0).ok_or(Fail)?;
            let span = r.at + 1..r.at + 1 + body;
            r.at = span.end + 1;
            Some(span)
        }
        _ => {
            let start = r.at;
            r.skip_while(|c| c != '=' && c != '#' && !is_space(c));
            if r.at == start {
                return Err(Fail);
            }
            Some(start..r.at)
        }
    };
    r.skip_while(is_blank);
    let mut value_span = r.at..r.at;
    let mut quote = Quote::None;
    let mut unquoted_comment = None;
    let value = if r.peek() == Some('=') {
        r.at += 1;
        let spaced = !r.skip_while(is_blank).is_empty();
        value_span = r.at..r.at;
        if spaced && r.peek() == Some('#') {
            RawValue::Text(String::new())
        } else {
            match r.peek() {
                Some(q @ ('\'' | '"')) => {
                    let start = r.at;
                    let body = r.quoted(q)?;
                    value_span = start..r.at;
                    if q == '\'' {
                        quote = Quote::Single;
                        RawValue::Text(decode(&r.s[body], "\\'"))
                    } else {
                        quote = Quote::Double;
                        RawValue::Text(decode(&r.s[body], "\\'\"abfnrtv"))
                    }
                }
                None | Some('\n' | '\r') => RawValue::Text(String::new()),
                Some(_) => {
                    let start = r.at;
                    let part = r.skip_while(|c| c != '\r' && c != '\n');
                    // `re.sub(r"\s+#.*", "", part).rstrip()`
                    let cut = part
                        .char_indices()
                        .find(|(i, c)| {
                            is_space(*c) && part[*i..].trim_start_matches(is_space).starts_with('#')
                        })
                        .map_or(part.len(), |(i, _)| i);
                    let value = part[..cut].trim_end_matches(is_space);
                    value_span = start..start + value.len();
                    // The unquoted reader takes the whole line: a comment is what it cut.
                    if let Some(hash) = part[cut..].find('#') {
                        unquoted_comment = Some(start + cut + hash..start + part.len());
                    }
                    r.at = start + part.len();
                    RawValue::Text(value.to_string())
                }
            }
        }
    } else {
        RawValue::Absent
    };
    // `(?:[^\S\r\n]*#[^\r\n]*)?`
    let before_comment = r.at;
    r.skip_while(is_blank);
    let mut comment_span = unquoted_comment;
    if r.peek() == Some('#') {
        let c = r.at;
        r.skip_while(|c| c != '\r' && c != '\n');
        comment_span = Some(c..r.at);
    } else {
        r.at = before_comment;
    }
    // `[^\S\r\n]*(?:\r\n|\n|\r|$)`
    r.skip_while(is_blank);
    match r.peek() {
        None => {}
        Some('\r') => r.at += if r.rest().starts_with("\r\n") { 2 } else { 1 },
        Some('\n') => r.at += 1,
        Some(_) => return Err(Fail),
    }
    match key {
        Some(key_span) => parsed.entries.push(Entry {
            key: r.s[key_span.clone()].to_string(),
            key_span,
            value_span,
            comment_span,
            quote,
            raw: value,
            substitutes: true,
            unresolved_on_read: Vec::new(),
        }),
        None => {
            let end = comment_span.map_or(r.at, |c| c.end);
            parsed.comments.push(line_start..end);
        }
    }
    Ok(())
}

/// `resolve_variables(values, override=True)` with an empty `os.environ` (the outer layers
/// stand where `os.environ` would).
pub(super) fn resolve(entries: &[Entry], outer: &dyn Fn(&str) -> Option<String>) -> Vec<Resolved> {
    let mut known: HashMap<&str, Option<String>> = HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let resolved = match &e.raw {
            RawValue::Text(raw) => {
                let mut unresolved = Vec::new();
                let mut too_large = false;
                let mut value = String::new();
                let mut cursor = 0;
                for (range, name, default) in variables(raw) {
                    value.push_str(&raw[cursor..range.start]);
                    cursor = range.end;
                    let found = match known.get(name) {
                        Some(v) => Some(v.clone().unwrap_or_default()),
                        None => outer(name),
                    };
                    match (found, default) {
                        (Some(v), _) => value.push_str(&v),
                        (None, Some(d)) => value.push_str(d),
                        (None, None) => {
                            if !unresolved.iter().any(|u| u == name) {
                                unresolved.push(name.to_string());
                            }
                        }
                    }
                    if value.len() > MAX_EXPANSION {
                        too_large = true;
                        break;
                    }
                }
                if too_large {
                    value = raw.clone();
                } else {
                    value.push_str(&raw[cursor..]);
                }
                Resolved {
                    value: Some(value),
                    unresolved,
                    too_large,
                }
            }
            _ => Resolved::default(),
        };
        known.insert(e.key.as_str(), resolved.value.clone());
        out.push(resolved);
    }
    out
}

/// `\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}` over the value.
fn variables(raw: &str) -> Vec<(std::ops::Range<usize>, &str, Option<&str>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = raw[i..].find("${").map(|p| p + i) {
        let name_start = p + 2;
        let name_end = raw[name_start..]
            .find(['}', ':'])
            .map_or(raw.len(), |n| name_start + n);
        let rest = &raw[name_end..];
        if rest.starts_with('}') {
            out.push((p..name_end + 1, &raw[name_start..name_end], None));
            i = name_end + 1;
        } else if let Some(d) = rest.strip_prefix(":-") {
            if let Some(close) = d.find('}') {
                let d_start = name_end + 2;
                out.push((
                    p..d_start + close + 1,
                    &raw[name_start..name_end],
                    Some(&raw[d_start..d_start + close]),
                ));
                i = d_start + close + 1;
            } else {
                i = p + 1;
            }
        } else {
            i = p + 1;
        }
    }
    out
}
