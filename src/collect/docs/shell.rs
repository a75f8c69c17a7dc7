//! Just enough of the POSIX shell grammar to read runbook commands: words with their byte
//! spans and quoting, command separators, redirects and here-documents.
//!
//! This is a reader, not an interpreter: it never expands anything. It records *that* a word
//! would expand (a variable, a command substitution, a glob, a `<placeholder>`), so the
//! caller can decline to check it instead of reporting a false stale path.

/// A shell word. `start..end` is its byte span in the tokenised text, quotes included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// The word with quotes and backslashes removed.
    pub value: String,
    /// Holds `$NAME`, `${..}`, `$(..)`, backticks, or a leading `~`.
    pub expands: bool,
    /// Holds an unquoted `*`, `?`, `[` or a brace expansion.
    pub glob: bool,
    /// Holds a `<name>` placeholder (documentation, not shell).
    pub placeholder: bool,
    /// `NAME=value` before a command.
    pub assignment: bool,
}

/// What separates or redirects words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `;`, `&`, `&&`, `||`, `|`, `(`, `)`, a newline: the next word starts a command.
    Separator,
    /// `>`, `>>`, `&>`, `>|`: the next word is a file the command writes.
    RedirectOut,
    /// `<`: the next word is a file the command reads.
    RedirectIn,
    /// `>&`, `<&`, `<<<`: the next word is a descriptor or a string, not a file.
    RedirectOther,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Word(Word),
    Op(Op),
}

/// Split `text` into words and operators. Comments and here-document bodies are skipped.
pub fn tokenize(text: &str) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => {
                pieces.push(Piece::Op(Op::Separator));
                i += 1;
                for (delimiter, strip_tabs) in pending_heredocs.drain(..) {
                    i = skip_heredoc_body(text, i, &delimiter, strip_tabs);
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b';' | b'(' | b')' => {
                pieces.push(Piece::Op(Op::Separator));
                i += 1;
            }
            b'|' => {
                pieces.push(Piece::Op(Op::Separator));
                i += if matches!(bytes.get(i + 1), Some(b'|' | b'&')) {
                    2
                } else {
                    1
                };
            }
            b'&' => {
                if bytes.get(i + 1) == Some(&b'>') {
                    pieces.push(Piece::Op(Op::RedirectOut));
                    i += if bytes.get(i + 2) == Some(&b'>') {
                        3
                    } else {
                        2
                    };
                } else {
                    pieces.push(Piece::Op(Op::Separator));
                    i += if bytes.get(i + 1) == Some(&b'&') {
                        2
                    } else {
                        1
                    };
                }
            }
            b'<' | b'>' if placeholder_len(&bytes[i..]).is_none() => {
                let (op, len) = redirect_at(&bytes[i..]);
                if op == Op::RedirectOther
                    && bytes[i..].starts_with(b"<<")
                    && !bytes[i..].starts_with(b"<<<")
                {
                    // Here-document: the delimiter word follows; its body starts on the next line.
                    let strip_tabs = bytes.get(i + 2) == Some(&b'-');
                    let mut j = i + if strip_tabs { 3 } else { 2 };
                    while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                        j += 1;
                    }
                    let word = read_word(text, j);
                    if !word.value.is_empty() {
                        pending_heredocs.push((word.value, strip_tabs));
                    }
                    i = word.end.max(j);
                    continue;
                }
                pieces.push(Piece::Op(op));
                i += len;
            }
            b'0'..=b'9' if fd_redirect_len(&bytes[i..]).is_some() => {
                // `2>` / `2>>` / `2>&1`: the digits name a descriptor, not a word.
                let digits = fd_redirect_len(&bytes[i..]).unwrap_or(1);
                let (op, len) = redirect_at(&bytes[i + digits..]);
                pieces.push(Piece::Op(op));
                i += digits + len;
            }
            _ => {
                let word = read_word(text, i);
                i = word.end.max(i + 1);
                pieces.push(Piece::Word(word));
            }
        }
    }
    pieces
}

/// `>`-family or `<`-family operator at the start of `rest`, and its length.
fn redirect_at(rest: &[u8]) -> (Op, usize) {
    match rest {
        [b'>', b'>', ..] => (Op::RedirectOut, 2),
        [b'>', b'|', ..] => (Op::RedirectOut, 2),
        [b'>', b'&', ..] => (Op::RedirectOther, 2),
        [b'>', b'(', ..] => (Op::Separator, 2),
        [b'>', ..] => (Op::RedirectOut, 1),
        [b'<', b'<', b'<', ..] => (Op::RedirectOther, 3),
        [b'<', b'<', ..] => (Op::RedirectOther, 2),
        [b'<', b'&', ..] => (Op::RedirectOther, 2),
        [b'<', b'(', ..] => (Op::Separator, 2),
        [b'<', ..] => (Op::RedirectIn, 1),
        _ => (Op::Separator, 1),
    }
}

/// Length of the descriptor digits when `rest` starts with `N>` or `N<`.
fn fd_redirect_len(rest: &[u8]) -> Option<usize> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    match rest.get(digits) {
        Some(b'>' | b'<') if digits > 0 && placeholder_len(&rest[digits..]).is_none() => {
            Some(digits)
        }
        _ => None,
    }
}

/// Length of a documentation placeholder such as `<ts>`, `<fast|exact>`, `<staging-domain>`
/// at the start of `rest`: `<`, then name characters, then `>`, with no space.
fn placeholder_len(rest: &[u8]) -> Option<usize> {
    if rest.first() != Some(&b'<') {
        return None;
    }
    let inner = rest[1..]
        .iter()
        .take_while(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'.' | b':' | b'/')
        })
        .count();
    let first_is_name = rest
        .get(1)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
    (inner > 0 && first_is_name && rest.get(1 + inner) == Some(&b'>')).then_some(inner + 2)
}

/// Read one word starting at byte `start`.
fn read_word(text: &str, start: usize) -> Word {
    let bytes = text.as_bytes();
    let mut value = String::new();
    let mut word = Word {
        start,
        end: start,
        value: String::new(),
        expands: false,
        glob: false,
        placeholder: false,
        assignment: false,
    };
    let mut i = start;
    let mut name_so_far = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' => break,
            b'<' | b'>' => match placeholder_len(&bytes[i..]) {
                Some(len) => {
                    word.placeholder = true;
                    value.push_str(&text[i..i + len]);
                    i += len;
                }
                None => break,
            },
            b'\\' => {
                if let Some(next) = text[i + 1..].chars().next() {
                    if next != '\n' {
                        value.push(next);
                    }
                    i += 1 + next.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                let close = text[i + 1..].find('\'').map_or(bytes.len(), |p| i + 1 + p);
                value.push_str(&text[i + 1..close]);
                i = (close + 1).min(bytes.len());
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\' if i + 1 < bytes.len() => {
                            if let Some(next) = text[i + 1..].chars().next() {
                                value.push(next);
                                i += 1 + next.len_utf8();
                            } else {
                                i += 1;
                            }
                            continue;
                        }
                        b'$' | b'`' => word.expands = true,
                        _ => {}
                    }
                    let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                    value.push_str(&text[i..i + ch_len]);
                    i += ch_len;
                }
                i = (i + 1).min(bytes.len());
            }
            b'`' => {
                word.expands = true;
                let close = text[i + 1..].find('`').map_or(bytes.len(), |p| i + 1 + p);
                value.push_str(&text[i..(close + 1).min(bytes.len())]);
                i = (close + 1).min(bytes.len());
            }
            b'$' => {
                word.expands = true;
                let end = match bytes.get(i + 1) {
                    Some(b'(') => balanced_end(bytes, i + 1, b'(', b')'),
                    Some(b'{') => balanced_end(bytes, i + 1, b'{', b'}'),
                    _ => i + 1,
                };
                value.push_str(&text[i..end]);
                i = end;
            }
            b'*' | b'?' | b'[' => {
                word.glob = true;
                value.push(c as char);
                i += 1;
            }
            b'{' => {
                let close = balanced_end(bytes, i, b'{', b'}');
                let inner = &text[i..close];
                if inner.contains(',') || inner.contains("..") {
                    word.glob = true;
                } else {
                    word.placeholder = true;
                }
                value.push_str(inner);
                i = close;
            }
            b'~' if i == start => {
                word.expands = true;
                value.push('~');
                i += 1;
            }
            b'=' if name_so_far && i > start => {
                word.assignment = true;
                value.push('=');
                i += 1;
            }
            _ => {
                let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                value.push_str(&text[i..i + ch_len]);
                i += ch_len;
            }
        }
        if !word.assignment {
            name_so_far = name_so_far
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !value.starts_with(|ch: char| ch.is_ascii_digit());
        }
    }
    word.end = i;
    word.value = value;
    word
}

/// Index just past the bracket that closes the one at `open_at` (or the text's end).
fn balanced_end(bytes: &[u8], open_at: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut i = open_at;
    while i < bytes.len() {
        if bytes[i] == open {
            depth += 1;
        } else if bytes[i] == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    bytes.len()
}

/// Skip a here-document body starting at `from`; returns the index after the delimiter line.
fn skip_heredoc_body(text: &str, from: usize, delimiter: &str, strip_tabs: bool) -> usize {
    let mut pos = from;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |p| pos + p);
        let line = &text[pos..line_end];
        let line = if strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        pos = (line_end + 1).min(text.len());
        if line.trim_end_matches('\r') == delimiter {
            return pos;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Word(w) => Some(w.value),
                Piece::Op(_) => None,
            })
            .collect()
    }

    #[test]
    fn quotes_escapes_and_spans() {
        let text = r#"node "scripts/my file.mjs" 'a b' c\ d"#;
        let pieces = tokenize(text);
        let Piece::Word(w) = &pieces[1] else {
            panic!("expected a word")
        };
        assert_eq!(w.value, "scripts/my file.mjs");
        assert_eq!(&text[w.start..w.end], r#""scripts/my file.mjs""#);
        assert_eq!(words(text), ["node", "scripts/my file.mjs", "a b", "c d"]);
    }

    #[test]
    fn placeholders_stay_inside_words_but_redirects_split() {
        let pieces = tokenize("ls verify/src-<ts>.txt > out.txt 2>&1 < in.txt");
        let kinds: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Word(w) => format!("{}{}", w.value, if w.placeholder { "(p)" } else { "" }),
                Piece::Op(op) => format!("{op:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "ls",
                "verify/src-<ts>.txt(p)",
                "RedirectOut",
                "out.txt",
                "RedirectOther",
                "1",
                "RedirectIn",
                "in.txt"
            ]
        );
    }

    #[test]
    fn variables_globs_assignments_comments_heredocs() {
        let pieces = tokenize("A=1 \"$ROOT/x.sh\" *.sql # scripts/none.sh\ncat <<'EOF'\nscripts/body.sh\nEOF\nnext.sh");
        let flags: Vec<(String, bool, bool, bool)> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Word(w) => Some((w.value.clone(), w.assignment, w.expands, w.glob)),
                Piece::Op(_) => None,
            })
            .collect();
        assert_eq!(
            flags,
            [
                ("A=1".to_string(), true, false, false),
                ("$ROOT/x.sh".to_string(), false, true, false),
                ("*.sql".to_string(), false, false, true),
                ("cat".to_string(), false, false, false),
                ("next.sh".to_string(), false, false, false),
            ]
        );
    }

    #[test]
    fn line_continuations_join_a_command() {
        let pieces = tokenize("GATEWAY_URL=https://g \\\n  bash scripts/smoke.sh");
        let seps = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Op(Op::Separator)))
            .count();
        assert_eq!(seps, 0);
        assert_eq!(
            words("GATEWAY_URL=https://g \\\n  bash scripts/smoke.sh").len(),
            3
        );
    }
}
