//! What `set -a; . FILE` does in bash, worked out without running anything.
//!
//! The reader follows bash's own order: split the file into simple commands (quotes, escapes
//! and line continuations respected), take the leading `NAME=word` assignments of each, and
//! expand each word with the values assigned so far. Anything whose result depends on more
//! than the file — a command substitution, a command the line would run, `~`, `$$`, a
//! variable bash sets itself — is [`RawValue::Unknown`] with the reason; it is never run.

use std::ops::Range;

// The variables assigned so far, looked up for every `$`: foldhash (randomly seeded per
// process) instead of SipHash.
use foldhash::{HashMap, HashMapExt};

use super::{Entry, Parsed, Problem, Quote, RawValue, Resolved, MAX_EXPANSION};

/// Variables bash sets itself: their values depend on where and how it runs.
const SHELL_VARIABLES: &[&str] = &[
    "BASH",
    "BASHOPTS",
    "BASHPID",
    "BASH_VERSION",
    "EUID",
    "HOME",
    "HOSTNAME",
    "HOSTTYPE",
    "IFS",
    "LINENO",
    "MACHTYPE",
    "OLDPWD",
    "OPTIND",
    "OSTYPE",
    "PATH",
    "PPID",
    "PS4",
    "PWD",
    "RANDOM",
    "SECONDS",
    "SHELL",
    "SHELLOPTS",
    "SHLVL",
    "SRANDOM",
    "UID",
    "USER",
    "_",
];

/// One word of a command as bash reads it.
struct Word {
    span: Range<usize>,
    /// The expanded text, or why it cannot be known.
    value: Result<String, String>,
    /// For an assignment: the name, the value's offset in `span`, `+=`.
    assignment: Option<(String, usize, bool)>,
    first_quote: Quote,
    unresolved: Vec<String>,
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    at: usize,
    vars: HashMap<String, String>,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

enum Unclosed {
    Quote(char),
}

impl Lexer<'_> {
    fn lookup(&self, name: &str, unresolved: &mut Vec<String>) -> Result<Option<String>, String> {
        if let Some(v) = self.vars.get(name) {
            return Ok(Some(v.clone()));
        }
        if SHELL_VARIABLES.contains(&name) {
            return Err(format!("`${name}` is a variable the shell sets itself"));
        }
        if !unresolved.iter().any(|u| u == name) {
            unresolved.push(name.to_string());
        }
        Ok(None)
    }

    /// `$...` at `self.at` (the `$` itself); appends the expansion.
    fn dollar(&mut self, out: &mut String, unresolved: &mut Vec<String>) -> Result<(), String> {
        let b = self.b;
        let p = self.at;
        match b.get(p + 1) {
            Some(b'(') => {
                self.at = p + 2;
                Err("`$(...)` runs a command when the file is sourced".into())
            }
            Some(b'{') => {
                let Some(close) = matching_brace(b, p + 2) else {
                    self.at = self.s.len();
                    return Err("an unclosed `${`".to_string());
                };
                let inner = &self.s[p + 2..close];
                self.at = close + 1;
                let name_len = inner.bytes().take_while(|c| is_name(*c)).count();
                let (name, op) = inner.split_at(name_len);
                if name.is_empty() || !is_name_start(name.as_bytes()[0]) {
                    return Err(format!(
                        "`${{{inner}}}` is a shell expansion the file cannot settle"
                    ));
                }
                let found = self.lookup(name, unresolved)?;
                let (colon, kind, word) = match op.as_bytes().first() {
                    None => (false, b' ', ""),
                    Some(b':') if op.len() >= 2 => (true, op.as_bytes()[1], &op[2..]),
                    Some(c) => (false, *c, &op[1..]),
                };
                let set = found.as_ref().is_some_and(|v| !colon || !v.is_empty());
                if kind != b' ' && found.is_none() {
                    unresolved.retain(|u| u != name);
                }
                let expand_word =
                    |lex: &Self, unresolved: &mut Vec<String>| lex.expand_plain(word, unresolved);
                match kind {
                    b' ' => out.push_str(found.as_deref().unwrap_or("")),
                    b'-' if set => out.push_str(found.as_deref().unwrap_or("")),
                    b'-' => out.push_str(&expand_word(self, unresolved)?),
                    b'+' if set => out.push_str(&expand_word(self, unresolved)?),
                    b'+' => {}
                    b'=' | b'?' => {
                        return Err(format!("`${{{inner}}}` assigns or fails in the shell"))
                    }
                    _ => {
                        return Err(format!(
                            "`${{{inner}}}` is a shell expansion the file cannot settle"
                        ))
                    }
                }
                Ok(())
            }
            Some(c) if is_name_start(*c) => {
                let mut q = p + 1;
                while q < b.len() && is_name(b[q]) {
                    q += 1;
                }
                let name = &self.s[p + 1..q];
                self.at = q;
                out.push_str(self.lookup(name, unresolved)?.as_deref().unwrap_or(""));
                Ok(())
            }
            Some(c) if c.is_ascii_digit() || b"$?#@*!-".contains(c) => {
                self.at = p + 2;
                Err(format!("`${}` is a shell parameter", *c as char))
            }
            _ => {
                out.push('$');
                self.at = p + 1;
                Ok(())
            }
        }
    }

    /// The word of a `${NAME-word}` default, read as double-quoted text.
    fn expand_plain(&self, word: &str, unresolved: &mut Vec<String>) -> Result<String, String> {
        if word.contains(['`', '\'', '"', '\\']) || word.contains("$(") {
            return Err(format!(
                "`{word}` in a `${{...}}` default is beyond a static reading"
            ));
        }
        let mut sub = Lexer {
            s: word,
            b: word.as_bytes(),
            at: 0,
            vars: self.vars.clone(),
        };
        let mut out = String::new();
        while sub.at < word.len() {
            if sub.b[sub.at] == b'$' {
                sub.dollar(&mut out, unresolved)?;
            } else {
                let c = word[sub.at..].chars().next().unwrap_or(' ');
                out.push(c);
                sub.at += c.len_utf8();
            }
        }
        Ok(out)
    }

    /// One word from `self.at` (not a metacharacter). `Err` only for an unclosed quote.
    fn word(&mut self) -> Result<Word, Unclosed> {
        let start = self.at;
        let b = self.b;
        let mut out = String::new();
        let mut unknown: Option<String> = None;
        let mut unresolved = Vec::new();
        let mut first_quote = None;
        // An assignment: NAME= or NAME+= at the start of the word.
        let name_len = b[start..].iter().take_while(|c| is_name(**c)).count();
        let assignment = if name_len > 0 && is_name_start(b[start]) {
            let after = start + name_len;
            if b.get(after) == Some(&b'=') {
                Some((self.s[start..after].to_string(), name_len + 1, false))
            } else if b.get(after) == Some(&b'+') && b.get(after + 1) == Some(&b'=') {
                Some((self.s[start..after].to_string(), name_len + 2, true))
            } else {
                None
            }
        } else {
            None
        };
        let value_start = start + assignment.as_ref().map_or(0, |a| a.1);
        if assignment.is_some() && b.get(value_start) == Some(&b'(') {
            unknown = Some("`NAME=(...)` is a shell array".into());
        }
        self.at = value_start;
        // Tilde at the value's start, or after `:` in an assignment, is the home directory.
        let mut tilde_ok = true;
        let note = |u: &mut Option<String>, why: String| {
            if u.is_none() {
                *u = Some(why);
            }
        };
        while self.at < b.len() && !is_meta(b[self.at]) {
            let c = b[self.at];
            let here = self.at;
            // The last byte read: `~` after a `:` is the home directory.
            let mut last = c;
            if first_quote.is_none() {
                first_quote = Some(match c {
                    b'\'' => Quote::Single,
                    b'"' => Quote::Double,
                    b'`' => Quote::Backtick,
                    _ => Quote::None,
                });
            }
            match c {
                b'\\' => {
                    match self.s[here + 1..].chars().next() {
                        Some('\n') => {}
                        Some(n) => out.push(n),
                        None => {}
                    }
                    self.at =
                        here + 1 + self.s[here + 1..].chars().next().map_or(0, char::len_utf8);
                }
                b'\'' => {
                    let close = self.s[here + 1..].find('\'').ok_or(Unclosed::Quote('\''))?;
                    out.push_str(&self.s[here + 1..here + 1 + close]);
                    self.at = here + 2 + close;
                }
                b'"' => {
                    self.at = here + 1;
                    loop {
                        let Some(&d) = b.get(self.at) else {
                            return Err(Unclosed::Quote('"'));
                        };
                        match d {
                            b'"' => {
                                self.at += 1;
                                break;
                            }
                            b'\\' => match b.get(self.at + 1) {
                                Some(b'$' | b'`' | b'"' | b'\\') => {
                                    out.push(b[self.at + 1] as char);
                                    self.at += 2;
                                }
                                Some(b'\n') => self.at += 2,
                                _ => {
                                    out.push('\\');
                                    self.at += 1;
                                }
                            },
                            b'`' => {
                                note(
                                    &mut unknown,
                                    "a backtick runs a command when the file is sourced".into(),
                                );
                                let close = self.s[self.at + 1..]
                                    .find('`')
                                    .ok_or(Unclosed::Quote('`'))?;
                                self.at += close + 2;
                            }
                            b'$' => {
                                if b.get(self.at + 1) == Some(&b'(') {
                                    note(
                                        &mut unknown,
                                        "`$(...)` runs a command when the file is sourced".into(),
                                    );
                                    self.skip_parens(self.at + 1).ok_or(Unclosed::Quote(')'))?;
                                } else if let Err(why) = self.dollar(&mut out, &mut unresolved) {
                                    note(&mut unknown, why);
                                }
                            }
                            // A run of plain text up to the next character that means something.
                            _ => {
                                let end = b[self.at..]
                                    .iter()
                                    .position(|d| matches!(d, b'"' | b'\\' | b'`' | b'$'))
                                    .map_or(b.len(), |n| self.at + n);
                                out.push_str(&self.s[self.at..end]);
                                self.at = end;
                            }
                        }
                    }
                }
                b'`' => {
                    let close = self.s[here + 1..].find('`').ok_or(Unclosed::Quote('`'))?;
                    // An empty pair runs nothing and gives nothing.
                    if close > 0 {
                        note(
                            &mut unknown,
                            "a backtick runs a command when the file is sourced".into(),
                        );
                    }
                    self.at = here + close + 2;
                }
                b'$' if b.get(here + 1) == Some(&b'\'') => {
                    let body = here + 2;
                    let mut j = body;
                    while j < b.len() && b[j] != b'\'' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                    if j >= b.len() {
                        return Err(Unclosed::Quote('\''));
                    }
                    match ansi_c(&self.s[body..j]) {
                        Some(text) => out.push_str(&text),
                        None => note(
                            &mut unknown,
                            "a `$'...'` escape beyond a static reading".into(),
                        ),
                    }
                    self.at = j + 1;
                }
                b'$' if b.get(here + 1) == Some(&b'(') => {
                    note(
                        &mut unknown,
                        "`$(...)` runs a command when the file is sourced".into(),
                    );
                    self.skip_parens(here + 1).ok_or(Unclosed::Quote(')'))?;
                }
                b'$' => {
                    if let Err(why) = self.dollar(&mut out, &mut unresolved) {
                        note(&mut unknown, why);
                    }
                }
                b'~' if tilde_ok && assignment.is_some() => {
                    note(
                        &mut unknown,
                        "an unquoted `~` is the home directory of whoever sources the file".into(),
                    );
                    self.at = here + 1;
                }
                // A run of plain text up to the next character that means something (it ends
                // on an ASCII byte, so on a character boundary).
                _ => {
                    let end = b[here + 1..]
                        .iter()
                        .position(|&d| {
                            is_meta(d) || matches!(d, b'\\' | b'\'' | b'"' | b'`' | b'$' | b'~')
                        })
                        .map_or(b.len(), |n| here + 1 + n);
                    out.push_str(&self.s[here..end]);
                    self.at = end;
                    last = b[end - 1];
                }
            }
            tilde_ok = last == b':';
        }
        Ok(Word {
            span: start..self.at,
            value: unknown.map_or(Ok(out), Err),
            assignment,
            first_quote: first_quote.unwrap_or(Quote::None),
            unresolved,
        })
    }

    /// Past the `(...)` opening at `open`, counting nesting; `None` when never closed.
    fn skip_parens(&mut self, open: usize) -> Option<()> {
        let mut depth = 0usize;
        let mut j = open;
        while j < self.b.len() {
            match self.b[j] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at = j + 1;
                        return Some(());
                    }
                }
                b'\\' => j += 1,
                _ => {}
            }
            j += 1;
        }
        None
    }
}

fn is_subscript(word: &str) -> bool {
    let b = word.as_bytes();
    let n = b.iter().take_while(|c| is_name(**c)).count();
    n > 0 && is_name_start(b[0]) && b.get(n) == Some(&b'[') && word.contains('=')
}

/// The `}` closing a `${` whose body starts at `from`: bash counts nested `${`.
fn matching_brace(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'$' if b.get(j + 1) == Some(&b'{') => {
                depth += 1;
                j += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// `$'...'` escapes bash decodes the same everywhere.
fn ansi_c(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\u{7}',
            'b' => '\u{8}',
            'e' | 'E' => '\u{1b}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            c @ ('\\' | '\'' | '"' | '?') => c,
            _ => return None,
        });
    }
    Some(out)
}

/// A command that is one plain assignment, read without the general word reader: `[export
/// ]NAME=value`, the value plain text or one quoted run with nothing the shell expands or
/// escapes in it, then only blanks and an optional comment to the line's end. Most lines of
/// an env file are this. The entry is the general reader's to the byte
/// (`plain_assignments_read_as_the_general_reader_does` checks that); `None` for anything
/// else. Returns the entry and where the command ends.
fn plain_assignment(text: &str, at: usize) -> Option<(Entry, usize)> {
    let b = text.as_bytes();
    let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    let blanks = |from: usize| {
        from + b[from..line_end]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count()
    };
    let mut start = at;
    if text[at..line_end].starts_with("export") && matches!(b.get(at + 6), Some(b' ' | b'\t')) {
        start = blanks(at + 6);
    }
    let name_len = b[start..line_end]
        .iter()
        .take_while(|c| is_name(**c))
        .count();
    if name_len == 0 || !is_name_start(b[start]) || b.get(start + name_len) != Some(&b'=') {
        return None;
    }
    let value_start = start + name_len + 1;
    let (quote, value, word_end) = match b.get(value_start) {
        Some(&q @ (b'\'' | b'"')) => {
            let inner = value_start + 1;
            let close = inner + text[inner..line_end].find(q as char)?;
            if q == b'"'
                && b[inner..close]
                    .iter()
                    .any(|c| matches!(c, b'\\' | b'`' | b'$'))
            {
                return None;
            }
            let quote = if q == b'"' {
                Quote::Double
            } else {
                Quote::Single
            };
            (quote, &text[inner..close], close + 1)
        }
        _ => {
            let end = value_start
                + b[value_start..line_end]
                    .iter()
                    .take_while(|c| {
                        c.is_ascii_alphanumeric()
                            || matches!(
                                c,
                                b'_' | b'.' | b'/' | b':' | b',' | b'@' | b'%' | b'+' | b'=' | b'-'
                            )
                    })
                    .count();
            (Quote::None, &text[value_start..end], end)
        }
    };
    // The word ends at a blank or the line's end; after it, only a comment.
    if !(word_end == line_end || matches!(b[word_end], b' ' | b'\t')) || value.len() > MAX_EXPANSION
    {
        return None;
    }
    let after = blanks(word_end);
    let comment = match b.get(after) {
        None | Some(b'\n') => None,
        Some(b'#') => Some(after..line_end),
        Some(_) => return None,
    };
    let entry = Entry {
        key: text[start..start + name_len].to_string(),
        key_span: start..start + name_len,
        value_span: value_start..word_end,
        comment_span: comment,
        quote,
        raw: RawValue::Text(value.to_string()),
        substitutes: false,
        unresolved_on_read: Vec::new(),
    };
    Some((entry, line_end))
}

pub(super) fn parse(text: &str) -> Parsed {
    read(text, true)
}

/// The shell's reading; `plain` takes [`plain_assignment`]'s shortcut where it applies.
fn read(text: &str, plain: bool) -> Parsed {
    let mut lex = Lexer {
        s: text,
        b: text.as_bytes(),
        // bash keeps a byte-order mark: the first line's word starts with it.
        at: 0,
        vars: HashMap::new(),
    };
    let mut parsed = Parsed::default();
    loop {
        // One command: blanks, then words up to a separator.
        while lex.at < lex.b.len() && matches!(lex.b[lex.at], b' ' | b'\t' | b'\n' | b';') {
            lex.at += 1;
        }
        if lex.at >= lex.b.len() {
            break;
        }
        if lex.b[lex.at] == b'#' {
            let end = lex.s[lex.at..]
                .find('\n')
                .map_or(lex.s.len(), |n| lex.at + n);
            parsed.comments.push(lex.at..end);
            lex.at = end;
            continue;
        }
        if let Some((entry, end)) = plain.then(|| plain_assignment(text, lex.at)).flatten() {
            if let RawValue::Text(v) = &entry.raw {
                lex.vars.insert(entry.key.clone(), v.clone());
            }
            parsed.entries.push(entry);
            lex.at = end;
            continue;
        }
        let command_start = lex.at;
        let mut words = Vec::new();
        let mut comment = None;
        let mut separator = None;
        loop {
            while lex.at < lex.b.len() && matches!(lex.b[lex.at], b' ' | b'\t') {
                lex.at += 1;
            }
            match lex.b.get(lex.at) {
                None | Some(b'\n' | b';') => break,
                Some(b'#') => {
                    let end = lex.s[lex.at..]
                        .find('\n')
                        .map_or(lex.s.len(), |n| lex.at + n);
                    comment = Some(lex.at..end);
                    lex.at = end;
                    break;
                }
                Some(c) if is_meta(*c) => {
                    separator = Some(*c as char);
                    let end = lex.s[lex.at..]
                        .find('\n')
                        .map_or(lex.s.len(), |n| lex.at + n);
                    lex.at = end;
                    break;
                }
                Some(_) => match lex.word() {
                    Ok(w) => words.push(w),
                    Err(Unclosed::Quote(q)) => {
                        parsed.problems.push(Problem {
                            span: command_start..text.len(),
                            message: format!(
                                "a sourcing shell stops here: the `{q}` is never closed, so \
                                 nothing from this line on is set"
                            ),
                        });
                        lex.at = text.len();
                        break;
                    }
                },
            }
        }
        if let Some(w) = words
            .first()
            .filter(|w| is_subscript(&text[w.span.clone()]))
        {
            // `NAME[...]=...`: an array element; a bad subscript stops the sourcing shell.
            parsed.problems.push(Problem {
                span: w.span.clone(),
                message: "a sourcing shell reads `NAME[...]=` as an array element and can \
                          stop here: nothing from this line on is read statically"
                    .into(),
            });
            break;
        }
        let assignments = words.iter().take_while(|w| w.assignment.is_some()).count();
        let export = assignments == 0
            && words
                .first()
                .is_some_and(|w| w.value.as_deref() == Ok("export"));
        if export {
            // `export` takes its arguments after quote removal: `export 'a'=b` assigns `a`.
            for w in words[1..].iter_mut().filter(|w| w.assignment.is_none()) {
                let Ok(v) = &w.value else { continue };
                let n = v.bytes().take_while(|c| is_name(*c)).count();
                if n > 0 && is_name_start(v.as_bytes()[0]) && v.as_bytes().get(n) == Some(&b'=') {
                    let (name, rest) = (v[..n].to_string(), v[n + 1..].to_string());
                    let written = &text[w.span.clone()];
                    let offset = written.find('=').map_or(0, |e| e + 1);
                    w.assignment = Some((name, offset, false));
                    w.value = Ok(rest);
                }
            }
        }
        // The words that assign (taken by value: their texts move into the entries) and the
        // command the line runs, if any.
        let command: Option<Range<usize>> = if export {
            None
        } else {
            words.get(assignments).map(|w| w.span.clone())
        };
        let has_words = !words.is_empty();
        let last_end = words.last().map(|w| w.span.end);
        let assigning: Vec<Word> = if export {
            words
                .into_iter()
                .skip(1)
                .filter(|w| w.assignment.is_some())
                .collect()
        } else {
            words.truncate(assignments);
            words
        };
        if assigning.is_empty() && !export && has_words {
            let end = last_end.unwrap_or(command_start);
            parsed.problems.push(Problem {
                span: command_start..end,
                message: "a sourcing shell runs this line as a command".into(),
            });
        }
        for w in assigning {
            let Some((name, offset, append)) = w.assignment else {
                continue;
            };
            let value_span = w.span.start + offset..w.span.end;
            let why_not = match (&command, separator) {
                (Some(cmd), _) => Some(format!(
                    "the shell runs `{}` as a command with {name} set for it alone; {name} stays unset",
                    &text[cmd.clone()]
                )),
                (None, Some(sep)) => Some(format!(
                    "the `{sep}` on this line makes the shell do more than assign {name}"
                )),
                (None, None) => None,
            };
            let raw = match (why_not, w.value) {
                (Some(why), _) => RawValue::Unknown(why),
                (None, Err(why)) => RawValue::Unknown(why),
                (None, Ok(v)) => {
                    let v = if append {
                        format!("{}{v}", lex.vars.get(&name).map_or("", String::as_str))
                    } else {
                        v
                    };
                    if v.len() > MAX_EXPANSION {
                        RawValue::Unknown("the value outgrows the expansion limit".into())
                    } else {
                        lex.vars.insert(name.clone(), v.clone());
                        RawValue::Text(v)
                    }
                }
            };
            if let RawValue::Unknown(_) = raw {
                lex.vars.remove(&name);
            }
            let key_span = {
                let at = w.span.start + text[w.span.clone()].find(name.as_str()).unwrap_or(0);
                at..at + name.len()
            };
            parsed.entries.push(Entry {
                key: name,
                key_span,
                value_span,
                comment_span: comment.clone(),
                quote: w.first_quote,
                raw,
                substitutes: false,
                unresolved_on_read: w.unresolved,
            });
        }
    }
    parsed
}

pub(super) fn resolve(entries: &[Entry]) -> Vec<Resolved> {
    entries
        .iter()
        .map(|e| Resolved {
            value: match &e.raw {
                RawValue::Text(t) => Some(t.clone()),
                _ => None,
            },
            unresolved: e.unresolved_on_read.clone(),
            too_large: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn general_and_plain_agree(text: &str) {
        assert_eq!(
            format!("{:?}", read(text, true)),
            format!("{:?}", read(text, false)),
            "{text:?}"
        );
    }

    #[test]
    fn plain_assignments_cover_the_common_lines() {
        let text = "A=1\nexport B=two # note\nC='x y'\nD=\"q r\"  \n\n# c\nE=$A\nF=\"$B\"\n";
        let plain = text
            .split_inclusive('\n')
            .scan(0, |at, line| {
                let start = *at;
                *at += line.len();
                Some(plain_assignment(text, start).is_some())
            })
            .filter(|p| *p)
            .count();
        assert_eq!(plain, 4);
        general_and_plain_agree(text);
    }

    proptest! {
        #[test]
        fn plain_assignments_read_as_the_general_reader_does(
            lines in proptest::collection::vec(
                "(export[ \t]{1,2})?[ ;]?[A-Za-z_~\u{feff}][A-Za-z0-9_]{0,2}[=+]?=?['\"`(]?[a-z0-9 #'\"`$~:@%/=;&|\\\t\r\u{e9}-]{0,8}['\"`)]?[ \t]{0,2}(#[a-z '\"]{0,3})?",
                1..6,
            ),
        ) {
            general_and_plain_agree(&lines.join("\n"));
        }
    }
}
