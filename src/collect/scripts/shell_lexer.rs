//! Just enough of bash's grammar to find a script's simple commands, their words and where
//! they are: quotes, `$(..)` / `${..}` / backticks, comments, line continuations, operators,
//! redirections and here-documents (whose bodies are skipped). It never evaluates or runs
//! anything; `bash -n` is the judge of syntax, this only locates commands.

/// A word as written, with its byte span in the script text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub start: usize,
    pub end: usize,
}

/// A simple command: its words (redirection targets removed) and whether it sits inside a
/// function body (run only when the function is called).
#[derive(Debug, Clone)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub in_function: bool,
    /// Inside a command substitution (`$(..)` or backticks) of another command's word: it
    /// runs, but as part of that command.
    pub in_substitution: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Word),
    /// A command separator or grouping operator (`;`, `&&`, `|`, `(`, newline, ...).
    Separator(&'static str),
    /// A redirection operator; the next word is its target.
    Redirect,
    /// `<<` or `<<-`: the next word is a here-document delimiter.
    HereDoc {
        strip_tabs: bool,
    },
}

/// Split `text` into simple commands in file order.
/// Commands inside command substitutions follow the command whose word holds them.
pub fn simple_commands(text: &str) -> Vec<SimpleCommand> {
    commands_at(text, 0, 0)
}

/// How deeply nested substitutions are followed.
const MAX_SUBSTITUTION_DEPTH: usize = 4;

fn commands_at(text: &str, base: usize, depth: usize) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    for mut command in group(tokenize(text)) {
        let mut nested = Vec::new();
        if depth < MAX_SUBSTITUTION_DEPTH {
            for word in &command.words {
                for (start, end) in substitution_ranges(&word.raw) {
                    let inner_base = base + word.start + start;
                    for mut inner in commands_at(&word.raw[start..end], inner_base, depth + 1) {
                        inner.in_function |= command.in_function;
                        inner.in_substitution = true;
                        nested.push(inner);
                    }
                }
            }
        }
        for word in &mut command.words {
            word.start += base;
            word.end += base;
        }
        out.push(command);
        out.extend(nested);
    }
    out
}

/// Byte ranges of the bodies of the outermost `$(..)` and backtick substitutions in a word
/// (arithmetic `$((..))` and single-quoted text excluded).
fn substitution_ranges(raw: &str) -> Vec<(usize, usize)> {
    let bytes = raw.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => i = skip_single_quoted(bytes, i + 1),
            b'$' if bytes.get(i + 1) == Some(&b'(') && bytes.get(i + 2) != Some(&b'(') => {
                let end = skip_balanced(bytes, i + 2, b'(', b')');
                ranges.push((i + 2, end.saturating_sub(1).max(i + 2)));
                i = end;
            }
            b'`' => {
                let end = skip_backticks(bytes, i + 1);
                ranges.push((i + 1, end.saturating_sub(1).max(i + 1)));
                i = end;
            }
            _ => i += 1,
        }
    }
    ranges
}

fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' => {
                tokens.push(Token::Separator("\n"));
                i += 1;
                for (delimiter, strip_tabs) in pending_heredocs.drain(..) {
                    i = skip_heredoc_body(text, i, &delimiter, strip_tabs);
                }
            }
            b';' | b'&' | b'|' | b'(' | b')' => {
                let two = bytes.get(i + 1).copied();
                let op: &'static str = match (b, two) {
                    (b';', Some(b';')) => ";;",
                    (b'&', Some(b'&')) => "&&",
                    (b'|', Some(b'|')) => "||",
                    (b'&', Some(b'>')) => {
                        // `&>file`: redirection of both streams.
                        tokens.push(Token::Redirect);
                        i += if bytes.get(i + 2) == Some(&b'>') {
                            3
                        } else {
                            2
                        };
                        continue;
                    }
                    (b';', _) => ";",
                    (b'&', _) => "&",
                    (b'|', _) => "|",
                    (b'(', _) => "(",
                    _ => ")",
                };
                tokens.push(Token::Separator(op));
                i += op.len();
            }
            b'<' | b'>' => {
                if b == b'<' && bytes.get(i + 1) == Some(&b'<') {
                    if bytes.get(i + 2) == Some(&b'<') {
                        // Here-string: the next word is data.
                        tokens.push(Token::Redirect);
                        i += 3;
                    } else {
                        let strip_tabs = bytes.get(i + 2) == Some(&b'-');
                        tokens.push(Token::HereDoc { strip_tabs });
                        i += if strip_tabs { 3 } else { 2 };
                    }
                    continue;
                }
                if bytes.get(i + 1) == Some(&b'(') {
                    // Process substitution `<(cmd)` is a word, not a redirection.
                    let end = skip_balanced(bytes, i + 2, b'(', b')');
                    tokens.push(Token::Word(Word {
                        raw: text[i..end].to_string(),
                        start: i,
                        end,
                    }));
                    i = end;
                    continue;
                }
                tokens.push(Token::Redirect);
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'>' | b'&' | b'|') {
                    i += 1;
                }
                // `>&2`: the fd number is part of the operator.
                if i > 0 && bytes[i - 1] == b'&' {
                    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'-') {
                        i += 1;
                    }
                }
            }
            _ => {
                let end = scan_word(bytes, i);
                let raw = &text[i..end];
                let is_fd = raw.bytes().all(|c| c.is_ascii_digit())
                    && matches!(bytes.get(end), Some(b'<') | Some(b'>'));
                if !is_fd {
                    if let Some(Token::HereDoc { strip_tabs }) = tokens.last() {
                        pending_heredocs.push((unquote_delimiter(raw), *strip_tabs));
                    }
                    tokens.push(Token::Word(Word {
                        raw: raw.to_string(),
                        start: i,
                        end,
                    }));
                }
                i = end.max(i + 1);
            }
        }
    }
    tokens
}

/// The end of a word starting at `start`: quotes and substitutions are part of the word.
fn scan_word(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' => break,
            b'\r' if matches!(bytes.get(i + 1), Some(b'\n') | None) => break,
            b'(' | b')' => break,
            b'\\' => i += 2,
            b'\'' => i = skip_single_quoted(bytes, i + 1),
            b'"' => i = skip_double_quoted(bytes, i + 1),
            b'`' => i = skip_backticks(bytes, i + 1),
            b'$' if bytes.get(i + 1) == Some(&b'(') => i = skip_balanced(bytes, i + 2, b'(', b')'),
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = skip_balanced(bytes, i + 2, b'{', b'}'),
            _ => i += 1,
        }
    }
    i.min(bytes.len())
}

fn skip_single_quoted(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\'' {
        i += 1;
    }
    (i + 1).min(bytes.len())
}

fn skip_double_quoted(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'`' => i = skip_backticks(bytes, i + 1),
            b'$' if bytes.get(i + 1) == Some(&b'(') => i = skip_balanced(bytes, i + 2, b'(', b')'),
            b'$' if bytes.get(i + 1) == Some(&b'{') => i = skip_balanced(bytes, i + 2, b'{', b'}'),
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_backticks(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Skip to just past the `close` that balances an already-consumed `open`, honouring quotes.
fn skip_balanced(bytes: &[u8], mut i: usize, open: u8, close: u8) -> usize {
    let mut depth = 1usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\'' if open == b'(' => {
                i = skip_single_quoted(bytes, i + 1);
                continue;
            }
            b'"' => {
                i = skip_double_quoted(bytes, i + 1);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

fn unquote_delimiter(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, '\'' | '"' | '\\'))
        .collect()
}

/// Skip here-document body lines starting at `i` up to and including the delimiter line.
fn skip_heredoc_body(text: &str, mut i: usize, delimiter: &str, strip_tabs: bool) -> usize {
    while i < text.len() {
        let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
        let mut line = text[i..line_end].trim_end_matches('\r');
        if strip_tabs {
            line = line.trim_start_matches('\t');
        }
        i = (line_end + 1).min(text.len());
        if line == delimiter {
            break;
        }
    }
    i
}

/// Group tokens into simple commands, dropping redirection targets and here-doc delimiters,
/// and marking commands inside function bodies.
fn group(tokens: Vec<Token>) -> Vec<SimpleCommand> {
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut skip_next_word = false;
    // Brace depth of each open function body, and whether a function header was just seen.
    let mut brace_depth = 0usize;
    let mut function_depths: Vec<usize> = Vec::new();
    let mut awaiting_body = false;
    let mut iter = tokens.into_iter().peekable();
    let flush = |words: &mut Vec<Word>, commands: &mut Vec<SimpleCommand>, in_function: bool| {
        if !words.is_empty() {
            commands.push(SimpleCommand {
                words: std::mem::take(words),
                in_function,
                in_substitution: false,
            });
        }
    };
    while let Some(token) = iter.next() {
        let in_function = !function_depths.is_empty();
        match token {
            Token::Word(word) => {
                if skip_next_word {
                    skip_next_word = false;
                    continue;
                }
                let at_start = words.is_empty();
                if at_start && (word.raw == "{" || word.raw.starts_with('}')) {
                    if word.raw == "{" {
                        brace_depth += 1;
                        if awaiting_body {
                            function_depths.push(brace_depth);
                            awaiting_body = false;
                        }
                    } else {
                        if function_depths.last() == Some(&brace_depth) {
                            function_depths.pop();
                        }
                        brace_depth = brace_depth.saturating_sub(1);
                    }
                    continue;
                }
                if at_start && word.raw == "function" {
                    // `function name {` or `function name() {`.
                    if let Some(Token::Word(_)) = iter.peek() {
                        iter.next();
                        awaiting_body = true;
                        continue;
                    }
                }
                words.push(word);
            }
            Token::Separator("(")
                if words.len() == 1 && iter.peek() == Some(&Token::Separator(")")) =>
            {
                // `name() {`: a function definition header, not a command.
                iter.next();
                words.clear();
                awaiting_body = true;
            }
            Token::Separator(_) => flush(&mut words, &mut commands, in_function),
            Token::Redirect | Token::HereDoc { .. } => skip_next_word = true,
        }
    }
    let in_function = !function_depths.is_empty();
    flush(&mut words, &mut commands, in_function);
    commands
}

/// The word with quotes removed (`"$DIR/x.sh"` → `$DIR/x.sh`); substitutions are kept as
/// written.
pub fn unquote(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                let end = skip_single_quoted(bytes, i + 1);
                out.push_str(&raw[i + 1..end.saturating_sub(1).max(i + 1)]);
                i = end;
            }
            b'"' => i += 1,
            b'\\' if i + 1 < bytes.len() => {
                let next = raw[i + 1..].chars().next().unwrap_or(' ');
                out.push(next);
                i += 1 + next.len_utf8();
            }
            b'$' if matches!(bytes.get(i + 1), Some(b'(') | Some(b'{')) => {
                let (open, close) = if bytes[i + 1] == b'(' {
                    (b'(', b')')
                } else {
                    (b'{', b'}')
                };
                let end = skip_balanced(bytes, i + 2, open, close);
                out.push_str(&raw[i..end]);
                i = end;
            }
            _ => {
                let ch = raw[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_words(text: &str) -> Vec<Vec<String>> {
        simple_commands(text)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| w.raw).collect())
            .collect()
    }

    #[test]
    fn splits_on_operators_and_keeps_quoted_words_whole() {
        let words = command_words("a \"b c\" && d 'e;f' | g; h $(i; j) ${k}x\n");
        assert_eq!(
            words,
            vec![
                vec!["a", "\"b c\""],
                vec!["d", "'e;f'"],
                vec!["g"],
                vec!["h", "$(i; j)", "${k}x"],
                vec!["i"],
                vec!["j"]
            ]
        );
    }

    #[test]
    fn skips_comments_redirections_and_heredoc_bodies() {
        let text = "psql \"$URL\" >\"$OUT\" 2>&1 <<'SQL' # trailing\nselect 1; ./not-a-command.sh\nSQL\necho done\n";
        assert_eq!(
            command_words(text),
            vec![vec!["psql", "\"$URL\""], vec!["echo", "done"]]
        );
    }

    #[test]
    fn marks_function_bodies_and_joins_continuations() {
        let text = "log() {\n  echo \"$1\"\n}\nfunction die {\n  exit 1\n}\nA=1 \\\n  run x\n";
        let commands = simple_commands(text);
        let summary: Vec<(String, bool)> = commands
            .iter()
            .map(|c| (c.words[0].raw.clone(), c.in_function))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("echo".into(), true),
                ("exit".into(), true),
                ("A=1".into(), false)
            ]
        );
        assert_eq!(commands[2].words.len(), 3);
    }

    #[test]
    fn commands_inside_substitutions_are_found_at_their_offsets() {
        let text = "out=\"$(\"$DIR/x.sh\" --flag)\"\necho `./y.sh`\n";
        let commands = simple_commands(text);
        let nested: Vec<(&str, usize)> = commands
            .iter()
            .filter(|c| c.in_substitution)
            .map(|c| (c.words[0].raw.as_str(), c.words[0].start))
            .collect();
        assert_eq!(nested, vec![("\"$DIR/x.sh\"", 7), ("./y.sh", 34)]);
        assert_eq!(&text[34..40], "./y.sh");
        assert_eq!(&text[7..18], "\"$DIR/x.sh\"");
    }

    #[test]
    fn crlf_lines_do_not_leak_carriage_returns_into_words() {
        assert_eq!(
            command_words("set -e\r\necho hi\r\n"),
            vec![vec!["set", "-e"], vec!["echo", "hi"]]
        );
    }

    #[test]
    fn unquote_removes_quotes_but_keeps_substitutions() {
        assert_eq!(unquote("\"$DIR\"/'x y'.sh"), "$DIR/x y.sh");
        assert_eq!(unquote("\"$(dirname \"$0\")\"/a"), "$(dirname \"$0\")/a");
    }
}
