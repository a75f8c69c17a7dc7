//! Command reading in documents: shell code blocks and inline commands, command by command,
//! following `cd`/`pushd`, telling the files a command creates from those it reads, and
//! recording the paths it names. Scanning the markdown itself is `super`'s job.

use super::*;

impl DocumentScan<'_> {
    /// Read shell text (a block or an inline code span) command by command.
    pub(super) fn scan_shell(&mut self, code: &str, map: &SourceMap, context: PathContext) {
        let mut walker = ShellWalk {
            cwd: Cwd::Default,
            stack: Vec::new(),
            context,
        };
        let mut command: Vec<(Word, Role)> = Vec::new();
        let mut pending: Option<Role> = None;
        for token in shell::tokenize(code, Flavor::Docs) {
            match token {
                Token::Op(Op::Separator(_)) => {
                    self.shell_command(&mut walker, std::mem::take(&mut command), map);
                    pending = None;
                }
                Token::Op(Op::RedirectOut) => pending = Some(Role::Output),
                Token::Op(Op::RedirectIn) => pending = Some(Role::Input),
                Token::Op(Op::RedirectOther | Op::HereDoc) => pending = Some(Role::NotAFile),
                Token::Word(word) => command.push((word, pending.take().unwrap_or(Role::Word))),
            }
        }
        self.shell_command(&mut walker, command, map);
    }

    /// One simple command: find the command word, give each argument its role, record paths.
    pub(super) fn shell_command(
        &mut self,
        walker: &mut ShellWalk,
        pieces: Vec<(Word, Role)>,
        map: &SourceMap,
    ) {
        let mut words: Vec<Word> = Vec::new();
        for (word, role) in pieces {
            match role {
                Role::Word => words.push(word),
                Role::Output => self.record_token(walker, &word, map, TokenRole::Output, None),
                Role::Input => self.record_token(walker, &word, map, TokenRole::Argument, None),
                Role::NotAFile => {}
            }
        }
        let Some(index) = shell::command_start(&words) else {
            return;
        };
        let Some(command_word) = words.get(index) else {
            return;
        };
        let command_name = resolve::command_name(&command_word.value);
        let args = &words[index + 1..];

        let in_block = walker.context == PathContext::CodeBlock;
        self.record_token(
            walker,
            command_word,
            map,
            if in_block {
                TokenRole::Command
            } else {
                TokenRole::Argument
            },
            Some(&command_word.value),
        );

        let mut operands = args.iter().filter(|w| !w.value.starts_with('-'));
        let first_operand = operands.next();
        let last_operand = operands.next_back().or(first_operand);
        match command_name {
            "cd" | "pushd" => {
                if command_name == "pushd" {
                    walker.stack.push(walker.cwd.clone());
                }
                walker.cwd = self.change_directory(walker, first_operand, map);
                return;
            }
            "popd" => {
                walker.cwd = walker.stack.pop().unwrap_or(Cwd::Unknown);
                return;
            }
            "echo" | "printf" => return,
            _ => {}
        }
        let creates_all = matches!(command_name, "mkdir" | "touch" | "tee");
        let creates_last = matches!(
            command_name,
            "cp" | "mv" | "ln" | "rsync" | "install" | "scp"
        ) || (command_name == "git"
            && first_operand.is_some_and(|w| w.value == "mv"));
        let clones = command_name == "git" && first_operand.is_some_and(|w| w.value == "clone");
        for word in args {
            let is_last_operand = last_operand.is_some_and(|last| std::ptr::eq(last, word));
            let role = if (creates_all || clones || creates_last && is_last_operand)
                && !word.value.starts_with('-')
            {
                TokenRole::Output
            } else {
                TokenRole::Argument
            };
            self.record_token(walker, word, map, role, Some(&command_word.value));
        }
    }

    /// Apply `cd TARGET`, recording the target as a path.
    pub(super) fn change_directory(
        &mut self,
        walker: &ShellWalk,
        target: Option<&Word>,
        map: &SourceMap,
    ) -> Cwd {
        let Some(target) = target else {
            return Cwd::Unknown;
        };
        let value = target.value.as_str();
        // Home folders and `$(git rev-parse --show-toplevel)` name the operator's checkout.
        if value.starts_with('~') && !value.contains('$')
            || is_home_path(value)
            || names_checkout_root(value)
        {
            return Cwd::Dir(String::new());
        }
        if value == "-"
            || value.starts_with('/')
            || target.expands
            || target.placeholder
            || target.glob
        {
            return Cwd::Unknown;
        }
        let Some(bases) = walker.bases(&self.doc_dir) else {
            self.push_code_path(
                target,
                map,
                walker,
                PathOutcome::Unchecked(UncheckedReason::UnknownDirectory),
                Some("cd"),
                false,
            );
            return Cwd::Unknown;
        };
        let lookup = self.repository.lookup(&bases[..], value);
        let next = match &lookup.resolved {
            Some(dir) if self.repository.is_dir(dir) => Cwd::Dir(dir.clone()),
            _ => Cwd::Unknown,
        };
        let outcome = if lookup.outside {
            PathOutcome::Unchecked(UncheckedReason::OutsideRepository)
        } else {
            PathOutcome::Checked(lookup)
        };
        self.push_code_path(target, map, walker, outcome, Some("cd"), false);
        next
    }

    pub(super) fn record_token(
        &mut self,
        walker: &ShellWalk,
        word: &Word,
        map: &SourceMap,
        role: TokenRole,
        command: Option<&str>,
    ) {
        // `--config=path`: the value after `=` is the path.
        if word.value.starts_with("--") {
            if let Some((_, value)) = word.value.split_once('=') {
                let eq = map_offset_in_word(word, '=');
                let inner = Word {
                    start: eq + 1,
                    value: value.to_string(),
                    ..word.clone()
                };
                self.record_token(walker, &inner, map, role, command);
            }
            return;
        }
        let kind = classify_code_token(&word.value, word.expands, word.glob, word.placeholder);
        let outcome = match (kind, role) {
            (TokenKind::NotAPath, _) => return,
            (TokenKind::Unchecked(reason), _) => PathOutcome::Unchecked(reason),
            (TokenKind::Checkable { .. }, TokenRole::Output) => {
                PathOutcome::Unchecked(UncheckedReason::Output)
            }
            (
                TokenKind::Checkable {
                    needs_existing_first_part,
                },
                _,
            ) => {
                let Some(bases) = walker.bases(&self.doc_dir) else {
                    if !needs_existing_first_part {
                        self.push_code_path(
                            word,
                            map,
                            walker,
                            PathOutcome::Unchecked(UncheckedReason::UnknownDirectory),
                            command,
                            role == TokenRole::Command,
                        );
                    }
                    return;
                };
                if needs_existing_first_part
                    && !self.repository.first_part_exists(&bases[..], &word.value)
                {
                    return;
                }
                let lookup = self.repository.lookup(&bases[..], &word.value);
                if lookup.outside {
                    PathOutcome::Unchecked(UncheckedReason::OutsideRepository)
                } else if lookup.resolved.is_none()
                    && lookup
                        .candidates
                        .iter()
                        .any(|c| self.repository.is_generated(c))
                {
                    PathOutcome::Unchecked(UncheckedReason::Generated)
                } else {
                    PathOutcome::Checked(lookup)
                }
            }
        };
        self.push_code_path(
            word,
            map,
            walker,
            outcome,
            command,
            role == TokenRole::Command,
        );
    }

    pub(super) fn push_code_path(
        &mut self,
        word: &Word,
        map: &SourceMap,
        walker: &ShellWalk,
        outcome: PathOutcome,
        command: Option<&str>,
        command_position: bool,
    ) {
        let start = map.source_offset(word.start);
        let end = map.source_offset(word.end.saturating_sub(1).max(word.start))
            + usize::from(word.end > word.start);
        let end = self.text.ceil_char_boundary_compat(end);
        let mut path_ref = PathRef {
            text: self.text.get(start..end).unwrap_or(&word.value).to_string(),
            path: word.value.clone(),
            resolved: None,
            exists: false,
            checked: false,
            unchecked: None,
            candidates: Vec::new(),
            exists_from_root: None,
            location: self.location(start, end),
            context: walker.context,
            command_position,
            command: command.map(str::to_string),
            fragment: None,
            fragment_found: None,
            section: self.current_section(),
        };
        match outcome {
            PathOutcome::Unchecked(reason) => path_ref.unchecked = Some(reason),
            PathOutcome::Checked(lookup) => {
                path_ref.checked = true;
                path_ref.exists = lookup.resolved.is_some();
                path_ref.resolved = lookup.resolved;
                path_ref.candidates = lookup.candidates;
            }
        }
        self.doc.paths.push(path_ref);
    }
}

/// The byte offset of the first `ch` inside a word's source span (its start when absent).
pub(super) fn map_offset_in_word(word: &Word, ch: char) -> usize {
    // Only unquoted `--flag=value` words reach here in practice, where the value's position
    // in `value` equals its position in the source.
    word.start + word.value.find(ch).unwrap_or(0)
}

pub(super) trait CharBoundary {
    fn ceil_char_boundary_compat(&self, offset: usize) -> usize;
}

impl CharBoundary for str {
    fn ceil_char_boundary_compat(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.len());
        while !self.is_char_boundary(offset) {
            offset += 1;
        }
        offset
    }
}

/// What a word is to its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Word,
    Output,
    Input,
    NotAFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenRole {
    Command,
    Argument,
    Output,
}

pub(super) enum PathOutcome {
    Checked(resolve::Lookup),
    Unchecked(UncheckedReason),
}

/// The working directory of a shell block as far as launchgate can follow it.
#[derive(Debug, Clone)]
pub(super) enum Cwd {
    /// Not changed: paths resolve from the root, then the document's folder.
    Default,
    /// Changed to a repository-relative directory (`""` for the root).
    Dir(String),
    /// Changed somewhere launchgate cannot follow.
    Unknown,
}

pub(super) struct ShellWalk {
    cwd: Cwd,
    stack: Vec<Cwd>,
    context: PathContext,
}

impl ShellWalk {
    /// Folders a relative path is looked up from; `None` when unknown.
    pub(super) fn bases<'a>(&'a self, doc_dir: &'a str) -> Option<Bases<'a>> {
        match &self.cwd {
            Cwd::Default if doc_dir.is_empty() => Some(Bases(["", ""], 1)),
            Cwd::Default => Some(Bases(["", doc_dir], 2)),
            Cwd::Dir(dir) => Some(Bases([dir, ""], 1)),
            Cwd::Unknown => None,
        }
    }
}

/// One or two folders to look a path up from, borrowed (asked for every word of every
/// command, so it does not allocate).
pub(super) struct Bases<'a>([&'a str; 2], usize);

impl<'a> std::ops::Deref for Bases<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        &self.0[..self.1]
    }
}

/// Which code blocks hold shell commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShellDialect {
    /// A script: every line is shell (a leading `$ ` prompt is tolerated).
    Script,
    /// A terminal transcript: only prompt lines (`$ `, `% `) are commands.
    Session,
}

impl ShellDialect {
    pub(super) fn of(info: &str) -> Option<Self> {
        let lang = info
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match lang.as_str() {
            "" | "sh" | "bash" | "shell" | "zsh" | "ksh" | "dash" => Some(ShellDialect::Script),
            "console" | "shell-session" | "shellsession" | "sh-session" | "terminal" => {
                Some(ShellDialect::Session)
            }
            _ => None,
        }
    }

    /// The block with everything that is not a command blanked out, byte for byte, so that
    /// offsets still map to the source: prompts, transcript output, directory-tree drawings.
    pub(super) fn commands_only(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            let prompt = ["$ ", "% "].iter().find(|p| body.starts_with(**p));
            let tree = line.contains(['├', '└', '│']);
            match (self, prompt) {
                _ if tree => blank(&mut out, line),
                (_, Some(p)) => {
                    out.push_str(&line[..indent]);
                    out.push_str(&" ".repeat(p.len()));
                    out.push_str(&line[indent + p.len()..]);
                }
                (ShellDialect::Session, None) => blank(&mut out, line),
                (ShellDialect::Script, None) => out.push_str(line),
            }
        }
        out
    }
}

/// Append `line` with every byte but the newline replaced by a space.
pub(super) fn blank(out: &mut String, line: &str) {
    let newline = line.ends_with('\n');
    out.push_str(&" ".repeat(line.len() - usize::from(newline)));
    if newline {
        out.push('\n');
    }
}

/// Maps offsets in text assembled from parser events back to the document source.
#[derive(Debug, Default)]
pub(super) struct SourceMap {
    /// (offset in assembled text, source range, the text equals the source there)
    segments: Vec<(usize, Range<usize>, bool)>,
}

impl SourceMap {
    pub(super) fn push(
        &mut self,
        text_offset: usize,
        text: &str,
        source: &str,
        range: Range<usize>,
    ) {
        let exact = source.get(range.clone()) == Some(text);
        self.segments.push((text_offset, range, exact));
    }

    pub(super) fn source_offset(&self, offset: usize) -> usize {
        let index = self
            .segments
            .partition_point(|(start, _, _)| *start <= offset);
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some((start, range, true)) => (range.start + offset - start).min(range.end),
            Some((_, range, false)) => range.start,
            None => 0,
        }
    }
}

/// `$(git rev-parse --show-toplevel)`, the portable way to say "the repository root".
pub(super) fn names_checkout_root(value: &str) -> bool {
    let inner = value.trim_start_matches("$(").trim_end_matches(')').trim();
    value.starts_with("$(")
        && value.ends_with(')')
        && collapse_whitespace(inner) == "git rev-parse --show-toplevel"
}
