//! Shell words: the one reader of shell text, used for runbook code blocks and for scripts,
//! so a command reads the same in a runbook and in a script.
//!
//! Just enough of the POSIX / bash grammar to find simple commands: words with their byte
//! spans, raw text and quoting removed; operators; redirections and their targets;
//! here-documents (bodies skipped); comments; line continuations; commands inside `$(..)`
//! and backticks; function bodies. It is a reader, never an interpreter: nothing is expanded
//! or run. It records *that* a word would expand (a variable, a substitution, a glob), so a
//! caller can decline to judge it.
//!
//! [`command_start`] skips keywords, assignments and command wrappers (`sudo -u x`,
//! `env A=1`, `timeout 30`, `nice -n 5`...) with one table, so both collectors agree on which
//! word is the command.

/// How `<name>` reads: in documentation it is a placeholder (`verify/src-<ts>.txt`); in a
/// script it is a redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A script run by a shell.
    Script,
    /// Shell text in documentation (a runbook code block or inline code).
    Docs,
}

/// A shell word. `start..end` is its byte span in the text, quotes included: the word as
/// written is [`Word::raw`], a slice of that text (not a copy: a runbook's every word is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// The word with quotes and backslashes removed; substitutions kept as written.
    pub value: String,
    /// Holds `$NAME`, `${..}`, `$(..)`, backticks, or a leading `~`.
    pub expands: bool,
    /// Holds an unquoted `*`, `?`, `[` or a brace expansion.
    pub glob: bool,
    /// Holds a `<name>` placeholder or `{name}` (documentation, not shell).
    pub placeholder: bool,
    /// `NAME=value`.
    pub assignment: bool,
}

impl Word {
    /// The word as written, in `text`: the whole text given to [`tokenize`] or
    /// [`simple_commands`] (the spans of words inside substitutions are in that text too).
    pub fn raw<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or_default()
    }
}

/// What separates or redirects words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `;`, `;;`, `&`, `&&`, `||`, `|`, `(`, `)`, a newline: the next word starts a command.
    Separator(&'static str),
    /// `>`, `>>`, `&>`, `>|`: the next word is a file the command writes.
    RedirectOut,
    /// `<`: the next word is a file the command reads.
    RedirectIn,
    /// `>&`, `<&`, `<<<`: the next word is a descriptor or a string, not a file.
    RedirectOther,
    /// `<<` / `<<-`: the next word is a here-document delimiter.
    HereDoc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Op(Op),
}

/// A simple command: its words (redirections taken out) and where it runs.
#[derive(Debug, Clone)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    /// Redirections with their targets (`> out.json`: `(RedirectOut, out.json)`).
    pub redirects: Vec<(Op, Word)>,
    /// Inside a function body: runs only when the function is called.
    pub in_function: bool,
    /// Inside a command substitution (`$(..)` or backticks) of another command's word: it
    /// runs, but as part of that command.
    pub in_substitution: bool,
}

/// How deeply nested substitutions are followed.
const MAX_SUBSTITUTION_DEPTH: usize = 4;

/// Split `text` into words and operators. Comments and here-document bodies are skipped.
pub fn tokenize(text: &str, flavor: Flavor) -> Vec<Token> {
    let bytes = text.as_bytes();
    // About a token per 8 bytes of shell: room up front instead of growing from empty.
    let mut tokens = Vec::with_capacity(text.len() / 8 + 4);
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let mut heredoc_strip: Option<bool> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'\n' => {
                tokens.push(Token::Op(Op::Separator("\n")));
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
            b';' | b'(' | b')' | b'|' => {
                let two = bytes.get(i + 1).copied();
                let op: &'static str = match (c, two) {
                    (b';', Some(b';')) => ";;",
                    (b'|', Some(b'|')) => "||",
                    (b'|', Some(b'&')) => "|&",
                    (b';', _) => ";",
                    (b'|', _) => "|",
                    (b'(', _) => "(",
                    _ => ")",
                };
                tokens.push(Token::Op(Op::Separator(op)));
                i += op.len();
            }
            b'&' => {
                if bytes.get(i + 1) == Some(&b'>') {
                    // `&>file` / `&>>file`: both streams to a file.
                    tokens.push(Token::Op(Op::RedirectOut));
                    i += if bytes.get(i + 2) == Some(&b'>') {
                        3
                    } else {
                        2
                    };
                } else if bytes.get(i + 1) == Some(&b'&') {
                    tokens.push(Token::Op(Op::Separator("&&")));
                    i += 2;
                } else {
                    tokens.push(Token::Op(Op::Separator("&")));
                    i += 1;
                }
            }
            b'<' | b'>' if !(flavor == Flavor::Docs && placeholder_len(&bytes[i..]).is_some()) => {
                if matches!(bytes.get(i + 1), Some(b'(')) {
                    // Process substitution `<(cmd)` / `>(cmd)` is a word.
                    let end = skip_balanced(bytes, i + 2, b'(', b')');
                    tokens.push(Token::Word(plain_word(text, i, end)));
                    i = end;
                    continue;
                }
                let (op, len) = redirect_at(&bytes[i..]);
                if op == Op::HereDoc {
                    heredoc_strip = Some(bytes.get(i + 2) == Some(&b'-'));
                }
                tokens.push(Token::Op(op));
                i += len;
            }
            b'0'..=b'9' if fd_redirect_len(&bytes[i..], flavor).is_some() => {
                // `2>` / `2>>` / `2>&1`: the digits name a descriptor, not a word.
                let digits = fd_redirect_len(&bytes[i..], flavor).unwrap_or(1);
                let (op, len) = redirect_at(&bytes[i + digits..]);
                tokens.push(Token::Op(op));
                i += digits + len;
            }
            _ => {
                let word = read_word(text, i, flavor);
                i = word.end.max(i + 1);
                if let Some(strip_tabs) = heredoc_strip.take() {
                    pending_heredocs.push((word.value.clone(), strip_tabs));
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    tokens
}

/// Split `text` into simple commands in text order. Commands inside command substitutions
/// follow the command whose word holds them, with their spans in `text`.
pub fn simple_commands(text: &str, flavor: Flavor) -> Vec<SimpleCommand> {
    commands_at(text, 0, 0, flavor)
}

fn commands_at(text: &str, base: usize, depth: usize, flavor: Flavor) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    for mut command in group(text, tokenize(text, flavor)) {
        let mut nested = Vec::new();
        if depth < MAX_SUBSTITUTION_DEPTH {
            for word in &command.words {
                let raw = word.raw(text);
                for (start, end) in substitution_ranges(raw) {
                    let inner_base = base + word.start + start;
                    let inner_text = &raw[start..end];
                    for mut inner in commands_at(inner_text, inner_base, depth + 1, flavor) {
                        inner.in_function |= command.in_function;
                        inner.in_substitution = true;
                        nested.push(inner);
                    }
                }
            }
        }
        for word in command
            .words
            .iter_mut()
            .chain(command.redirects.iter_mut().map(|(_, w)| w))
        {
            word.start += base;
            word.end += base;
        }
        out.push(command);
        out.extend(nested);
    }
    out
}

/// Group tokens into simple commands: redirection targets set aside, here-document
/// delimiters dropped, function bodies marked.
fn group(text: &str, tokens: Vec<Token>) -> Vec<SimpleCommand> {
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut redirects: Vec<(Op, Word)> = Vec::new();
    let mut pending: Option<Op> = None;
    // Brace depth of each open function body, and whether a function header was just seen.
    let mut brace_depth = 0usize;
    let mut function_depths: Vec<usize> = Vec::new();
    let mut awaiting_body = false;
    let mut iter = tokens.into_iter().peekable();
    let flush = |words: &mut Vec<Word>,
                 redirects: &mut Vec<(Op, Word)>,
                 commands: &mut Vec<SimpleCommand>,
                 in_function: bool| {
        if !words.is_empty() || !redirects.is_empty() {
            commands.push(SimpleCommand {
                words: std::mem::take(words),
                redirects: std::mem::take(redirects),
                in_function,
                in_substitution: false,
            });
        }
    };
    while let Some(token) = iter.next() {
        let in_function = !function_depths.is_empty();
        match token {
            Token::Word(word) => {
                if let Some(op) = pending.take() {
                    if op != Op::HereDoc {
                        redirects.push((op, word));
                    }
                    continue;
                }
                let at_start = words.is_empty();
                let raw = word.raw(text);
                if at_start && (raw == "{" || raw.starts_with('}')) {
                    if raw == "{" {
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
                if at_start && raw == "function" {
                    // `function name {` or `function name() {`.
                    if let Some(Token::Word(_)) = iter.peek() {
                        iter.next();
                        awaiting_body = true;
                        continue;
                    }
                }
                words.push(word);
            }
            Token::Op(Op::Separator("("))
                if words.len() == 1 && iter.peek() == Some(&Token::Op(Op::Separator(")"))) =>
            {
                // `name() {`: a function definition header, not a command.
                iter.next();
                words.clear();
                awaiting_body = true;
            }
            Token::Op(Op::Separator(_)) => {
                pending = None;
                flush(&mut words, &mut redirects, &mut commands, in_function);
            }
            Token::Op(op) => pending = Some(op),
        }
    }
    let in_function = !function_depths.is_empty();
    flush(&mut words, &mut redirects, &mut commands, in_function);
    commands
}

/// Words that open or continue a compound command; the command word follows them.
pub const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case",
    "esac", "!", "{", "}", "select", "time",
];

/// A command that runs its first operand as a command, and how to skip its own options.
struct Wrapper {
    name: &'static str,
    /// Options that take a separate value (`sudo -u USER`).
    options_with_value: &'static [&'static str],
    /// Leading operands before the command (`timeout DURATION`).
    operands: usize,
}

/// One table of wrappers, for runbooks and scripts alike.
const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        name: "sudo",
        options_with_value: &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"],
        operands: 0,
    },
    Wrapper {
        name: "doas",
        options_with_value: &["-u", "-C"],
        operands: 0,
    },
    Wrapper {
        name: "env",
        options_with_value: &["-u", "-C", "-S", "--unset", "--chdir"],
        operands: 0,
    },
    Wrapper {
        name: "exec",
        options_with_value: &["-a"],
        operands: 0,
    },
    Wrapper {
        name: "command",
        options_with_value: &[],
        operands: 0,
    },
    Wrapper {
        name: "builtin",
        options_with_value: &[],
        operands: 0,
    },
    Wrapper {
        name: "nohup",
        options_with_value: &[],
        operands: 0,
    },
    Wrapper {
        name: "nice",
        options_with_value: &["-n", "--adjustment"],
        operands: 0,
    },
    Wrapper {
        name: "ionice",
        options_with_value: &["-c", "-n", "-p", "-t"],
        operands: 0,
    },
    Wrapper {
        name: "timeout",
        options_with_value: &["-s", "-k", "--signal", "--kill-after"],
        operands: 1,
    },
    Wrapper {
        name: "caffeinate",
        options_with_value: &["-t", "-w"],
        operands: 0,
    },
    Wrapper {
        name: "stdbuf",
        options_with_value: &["-i", "-o", "-e"],
        operands: 0,
    },
];

/// The index of the word that names the command a simple command runs: past keywords
/// (`if`, `!`, `time`), assignments (`A=1`) and wrappers with their options and operands
/// (`sudo -u deploy`, `env -i A=1`, `timeout -s KILL 30`). `None` when nothing is run
/// (`command -v x` only looks a name up).
pub fn command_start(words: &[Word]) -> Option<usize> {
    let mut index = 0;
    while let Some(word) = words.get(index) {
        let name = word.value.as_str();
        if word.assignment || KEYWORDS.contains(&name) {
            index += 1;
            continue;
        }
        let Some(wrapper) = WRAPPERS.iter().find(|w| w.name == name) else {
            break;
        };
        index += 1;
        // Options (and, for env, assignments) of the wrapper.
        while let Some(option) = words.get(index) {
            let value = option.value.as_str();
            if value == "--" {
                index += 1;
                break;
            }
            if option.assignment && wrapper.name == "env" {
                index += 1;
            } else if value.starts_with('-') && value.len() > 1 {
                if wrapper.name == "command" && matches!(value, "-v" | "-V") {
                    return None;
                }
                index += if wrapper.options_with_value.contains(&value) {
                    2
                } else {
                    1
                };
            } else {
                break;
            }
        }
        index += wrapper.operands;
    }
    (index < words.len()).then_some(index)
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

/// `>`-family or `<`-family operator at the start of `rest`, and its length.
fn redirect_at(rest: &[u8]) -> (Op, usize) {
    match rest {
        [b'>', b'>', ..] => (Op::RedirectOut, 2),
        [b'>', b'|', ..] => (Op::RedirectOut, 2),
        [b'>', b'&', ..] => (Op::RedirectOther, 2 + fd_digits(&rest[2..])),
        [b'>', ..] => (Op::RedirectOut, 1),
        [b'<', b'<', b'<', ..] => (Op::RedirectOther, 3),
        [b'<', b'<', b'-', ..] => (Op::HereDoc, 3),
        [b'<', b'<', ..] => (Op::HereDoc, 2),
        [b'<', b'&', ..] => (Op::RedirectOther, 2 + fd_digits(&rest[2..])),
        [b'<', b'>', ..] => (Op::RedirectIn, 2),
        [b'<', ..] => (Op::RedirectIn, 1),
        _ => (Op::Separator(";"), 1),
    }
}

/// `>&2` / `<&-`: the descriptor is part of the operator, not a word.
fn fd_digits(rest: &[u8]) -> usize {
    rest.iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'-')
        .count()
}

/// Length of the descriptor digits when `rest` starts with `N>` or `N<`.
fn fd_redirect_len(rest: &[u8], flavor: Flavor) -> Option<usize> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    match rest.get(digits) {
        Some(b'>' | b'<')
            if digits > 0
                && !(flavor == Flavor::Docs && placeholder_len(&rest[digits..]).is_some()) =>
        {
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

fn plain_word(text: &str, start: usize, end: usize) -> Word {
    Word {
        start,
        end,
        value: text[start..end].to_string(),
        expands: true,
        glob: false,
        placeholder: false,
        assignment: false,
    }
}

/// Bytes that end a word or change how the rest of it reads: a run of other bytes is
/// copied as it is.
const SPECIAL_IN_WORD: [bool; 256] = {
    let special = b" \t\n\r;&|()<>\\'\"`$*?[{~";
    let mut table = [false; 256];
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// Read one word starting at byte `start`.
fn read_word(text: &str, start: usize, flavor: Flavor) -> Word {
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
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' => break,
            b'\r' if matches!(bytes.get(i + 1), Some(b'\n') | None) => break,
            b'<' | b'>' => match placeholder_len(&bytes[i..]).filter(|_| flavor == Flavor::Docs) {
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
                let (body_end, next) = single_quoted(bytes, i + 1);
                value.push_str(&text[i + 1..body_end]);
                i = next;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\' if i + 1 < bytes.len() => {
                            if let Some(next) = text[i + 1..].chars().next() {
                                // Inside double quotes a backslash escapes only these.
                                if !matches!(next, '$' | '`' | '"' | '\\' | '\n') {
                                    value.push('\\');
                                }
                                if next != '\n' {
                                    value.push(next);
                                }
                                i += 1 + next.len_utf8();
                            } else {
                                i += 1;
                            }
                            continue;
                        }
                        b'$' if matches!(bytes.get(i + 1), Some(b'(') | Some(b'{')) => {
                            word.expands = true;
                            let (open, close) = if bytes[i + 1] == b'(' {
                                (b'(', b')')
                            } else {
                                (b'{', b'}')
                            };
                            let end = skip_balanced(bytes, i + 2, open, close);
                            value.push_str(&text[i..end]);
                            i = end;
                            continue;
                        }
                        b'`' => {
                            word.expands = true;
                            let end = skip_backticks(bytes, i + 1);
                            value.push_str(&text[i..end]);
                            i = end;
                            continue;
                        }
                        b'$' => word.expands = true,
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
                let close = skip_backticks(bytes, i + 1);
                value.push_str(&text[i..close]);
                i = close;
            }
            b'$' => {
                word.expands = true;
                let end = match bytes.get(i + 1) {
                    Some(b'(') => skip_balanced(bytes, i + 2, b'(', b')'),
                    Some(b'{') => skip_balanced(bytes, i + 2, b'{', b'}'),
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
            b'{' if brace_close(bytes, i).is_some() => {
                let close = brace_close(bytes, i).unwrap_or(i + 1);
                let inner = &text[i..close];
                if inner.contains(',') || inner.contains("..") {
                    word.glob = true;
                } else if inner.len() > 2 {
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
            _ => {
                // Copy the whole run of plain text up to the next byte with a meaning
                // (all are ASCII, so the run ends on a character boundary).
                let run = bytes[i + 1..]
                    .iter()
                    .position(|b| SPECIAL_IN_WORD[usize::from(*b)])
                    .map_or(bytes.len(), |p| i + 1 + p);
                value.push_str(&text[i..run]);
                i = run;
            }
        }
    }
    word.end = i.min(bytes.len());
    word.assignment = is_assignment(&text[start..word.end]);
    word.value = value;
    word
}

/// `NAME=value`, `NAME+=value` or `arr[i]=value`.
pub fn is_assignment(word: &str) -> bool {
    // A byte search: asked of every word, and a set of chars is a slow pattern.
    let name_end = word
        .bytes()
        .position(|b| matches!(b, b'=' | b'[' | b'+'))
        .unwrap_or(0);
    let name = &word[..name_end];
    let rest = &word[name_end..];
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && (rest.starts_with('=')
            || rest.starts_with("+=")
            || (rest.starts_with('[') && rest.contains("]=")))
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
                let (body_end, next) = single_quoted(bytes, i + 1);
                out.push_str(&raw[i + 1..body_end]);
                i = next;
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

/// Just past the `}` closing the `{` at `open`, when it closes inside the same word
/// (`{a,b}`, `{name}`); a `{` followed by a space is the start of a command group.
fn brace_close(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, b) in bytes[open..].iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + offset + 1);
                }
            }
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => return None,
            _ => {}
        }
    }
    None
}

/// The body of a single-quoted string whose text starts at `from`: where the body ends (the
/// closing quote, or the end of the text when it is never closed) and where reading goes on.
fn single_quoted(bytes: &[u8], from: usize) -> (usize, usize) {
    match bytes[from.min(bytes.len())..]
        .iter()
        .position(|b| *b == b'\'')
    {
        Some(p) => (from + p, from + p + 1),
        None => (bytes.len(), bytes.len()),
    }
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

/// Skip here-document body lines starting at `from` up to and including the delimiter line.
fn skip_heredoc_body(text: &str, from: usize, delimiter: &str, strip_tabs: bool) -> usize {
    let mut pos = from;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |p| pos + p);
        let mut line = text[pos..line_end].trim_end_matches('\r');
        if strip_tabs {
            line = line.trim_start_matches('\t');
        }
        pos = (line_end + 1).min(text.len());
        if line == delimiter {
            return pos;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, flavor: Flavor) -> Vec<String> {
        tokenize(text, flavor)
            .into_iter()
            .filter_map(|p| match p {
                Token::Word(w) => Some(w.value),
                Token::Op(_) => None,
            })
            .collect()
    }

    fn command_words(text: &str) -> Vec<Vec<String>> {
        simple_commands(text, Flavor::Script)
            .into_iter()
            .map(|c| c.words.iter().map(|w| w.raw(text).to_string()).collect())
            .collect()
    }

    #[test]
    fn quotes_escapes_and_spans() {
        let text = r#"node "scripts/my file.mjs" 'a b' c\ d"#;
        let tokens = tokenize(text, Flavor::Docs);
        let Token::Word(w) = &tokens[1] else {
            panic!("expected a word")
        };
        assert_eq!(w.value, "scripts/my file.mjs");
        assert_eq!(w.raw(text), r#""scripts/my file.mjs""#);
        assert_eq!(
            words(text, Flavor::Docs),
            ["node", "scripts/my file.mjs", "a b", "c d"]
        );
        assert_eq!(
            words("\"$DIR\"/'x y'.sh \"$(dirname \"$0\")\"/a", Flavor::Script),
            ["$DIR/x y.sh", "$(dirname \"$0\")/a"]
        );
    }

    #[test]
    fn placeholders_read_as_words_in_docs_and_as_redirects_in_scripts() {
        let render = |flavor| -> Vec<String> {
            tokenize("ls verify/src-<ts>.txt > out.txt 2>&1 < in.txt", flavor)
                .iter()
                .map(|p| match p {
                    Token::Word(w) => {
                        format!("{}{}", w.value, if w.placeholder { "(p)" } else { "" })
                    }
                    Token::Op(op) => format!("{op:?}"),
                })
                .collect()
        };
        assert_eq!(
            render(Flavor::Docs),
            [
                "ls",
                "verify/src-<ts>.txt(p)",
                "RedirectOut",
                "out.txt",
                "RedirectOther",
                "RedirectIn",
                "in.txt"
            ]
        );
        assert_eq!(
            render(Flavor::Script)[1..4],
            ["verify/src-", "RedirectIn", "ts"]
        );
    }

    #[test]
    fn variables_globs_assignments_comments_heredocs() {
        let tokens = tokenize(
            "A=1 \"$ROOT/x.sh\" *.sql # scripts/none.sh\ncat <<'EOF'\nscripts/body.sh\nEOF\nnext.sh",
            Flavor::Docs,
        );
        let flags: Vec<(String, bool, bool, bool)> = tokens
            .iter()
            .filter_map(|p| match p {
                Token::Word(w) => Some((w.value.clone(), w.assignment, w.expands, w.glob)),
                Token::Op(_) => None,
            })
            .collect();
        assert_eq!(
            flags,
            [
                ("A=1".to_string(), true, false, false),
                ("$ROOT/x.sh".to_string(), false, true, false),
                ("*.sql".to_string(), false, false, true),
                ("cat".to_string(), false, false, false),
                ("EOF".to_string(), false, false, false),
                ("next.sh".to_string(), false, false, false),
            ]
        );
    }

    #[test]
    fn splits_on_operators_and_keeps_quoted_words_whole() {
        assert_eq!(
            command_words("a \"b c\" && d 'e;f' | g; h $(i; j) ${k}x\n"),
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
    fn redirect_targets_and_heredoc_bodies_are_not_arguments() {
        let text = "psql \"$URL\" >\"$OUT\" 2>&1 <<'SQL' # trailing\nselect 1; ./not-a-command.sh\nSQL\necho done > report.txt\n";
        assert_eq!(
            command_words(text),
            vec![vec!["psql", "\"$URL\""], vec!["echo", "done"]]
        );
        let commands = simple_commands(text, Flavor::Script);
        let targets: Vec<(Op, &str)> = commands
            .iter()
            .flat_map(|c| c.redirects.iter().map(|(op, w)| (*op, w.value.as_str())))
            .collect();
        assert_eq!(
            targets,
            vec![(Op::RedirectOut, "$OUT"), (Op::RedirectOut, "report.txt")]
        );
    }

    #[test]
    fn marks_function_bodies_and_joins_continuations() {
        let text = "log() {\n  echo \"$1\"\n}\nfunction die {\n  exit 1\n}\nA=1 \\\n  run x\n";
        let commands = simple_commands(text, Flavor::Script);
        let summary: Vec<(String, bool)> = commands
            .iter()
            .map(|c| (c.words[0].raw(text).to_string(), c.in_function))
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
        let commands = simple_commands(text, Flavor::Script);
        let nested: Vec<(&str, usize)> = commands
            .iter()
            .filter(|c| c.in_substitution)
            .map(|c| (c.words[0].raw(text), c.words[0].start))
            .collect();
        assert_eq!(nested, vec![("\"$DIR/x.sh\"", 7), ("./y.sh", 34)]);
        assert_eq!(&text[34..40], "./y.sh");
    }

    #[test]
    fn crlf_lines_do_not_leak_carriage_returns_into_words() {
        assert_eq!(
            command_words("set -e\r\necho hi\r\n"),
            vec![vec!["set", "-e"], vec!["echo", "hi"]]
        );
    }

    #[test]
    fn an_unclosed_quote_before_a_multibyte_character_is_read_to_the_end() {
        // Found by the markdown property test: the body's end fell inside `㇯`.
        for text in ["'㇯", "`'㇯`", "a'é", "\"'日本"] {
            for flavor in [Flavor::Docs, Flavor::Script] {
                let _ = tokenize(text, flavor);
                let _ = simple_commands(text, flavor);
            }
            let _ = unquote(text);
        }
        assert_eq!(words("echo 'a㇯", Flavor::Script), ["echo", "a㇯"]);
    }

    #[test]
    fn assignments_and_unquote() {
        for (w, want) in [
            ("A=1", true),
            ("arr[0]=x", true),
            ("PATH+=:/x", true),
            ("./x.sh", false),
            ("--flag=1", false),
            ("1A=x", false),
        ] {
            assert_eq!(is_assignment(w), want, "{w}");
        }
        assert_eq!(unquote("\"$DIR\"/'x y'.sh"), "$DIR/x y.sh");
        assert_eq!(unquote("\"$(dirname \"$0\")\"/a"), "$(dirname \"$0\")/a");
    }

    #[test]
    fn wrappers_and_keywords_are_skipped_to_the_command() {
        let cases = [
            (
                "sudo -u deploy timeout 30 nice -n 5 ./scripts/rotate.sh --now",
                Some("./scripts/rotate.sh"),
            ),
            ("env -i PATH=/bin A=1 bash scripts/x.sh", Some("bash")),
            (
                "if ! time nohup exec -a name ./run.sh; then",
                Some("./run.sh"),
            ),
            (
                "timeout -s KILL 5m caffeinate -i ./long.sh",
                Some("./long.sh"),
            ),
            ("A=1 B=2", None),
            ("command -v psql", None),
            ("command ./x.sh", Some("./x.sh")),
        ];
        for (text, want) in cases {
            let commands = simple_commands(text, Flavor::Script);
            let got =
                command_start(&commands[0].words).map(|i| commands[0].words[i].value.as_str());
            assert_eq!(got, want, "{text}");
        }
    }
}
