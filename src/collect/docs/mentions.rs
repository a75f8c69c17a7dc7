//! Text mentions that need no parser: configured legacy names and absolute paths into one
//! person's home folder. Both are searched in the raw document text, code included.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// Configured legacy names, matched case-insensitively on word boundaries.
pub struct LegacyNames {
    patterns: Vec<(String, Regex)>,
}

impl LegacyNames {
    pub fn new(names: &[String]) -> Self {
        let patterns = names
            .iter()
            .filter(|n| !n.trim().is_empty())
            .filter_map(|n| {
                Some((
                    n.clone(),
                    Regex::new(&format!("(?i){}", regex::escape(n.trim()))).ok()?,
                ))
            })
            .collect();
        LegacyNames { patterns }
    }

    /// Every occurrence: the configured name and the byte range, in text order.
    pub fn find(&self, text: &str) -> Vec<(String, Range<usize>)> {
        let mut found = Vec::new();
        for (name, pattern) in &self.patterns {
            for m in pattern.find_iter(text) {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                let first = m.as_str().chars().next();
                let last = m.as_str().chars().next_back();
                // A boundary is only required where the name itself starts or ends with a
                // word character: `credity` must not match inside `credity12`.
                let starts_ok =
                    !(first.is_some_and(is_word_char) && before.is_some_and(is_word_char));
                let ends_ok = !(last.is_some_and(is_word_char) && after.is_some_and(is_word_char));
                if starts_ok && ends_ok {
                    found.push((name.clone(), m.range()));
                }
            }
        }
        found.sort_by_key(|(_, r)| r.start);
        found
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub struct FoundHome {
    pub range: Range<usize>,
    pub home: String,
    pub user: String,
}

/// User names in home paths that are examples, CI runners or container users.
const GENERIC_USERS: &[&str] = &[
    "user",
    "username",
    "user-name",
    "your-name",
    "yourname",
    "your_user",
    "you",
    "me",
    "name",
    "someone",
    "example",
    "runner",
    "node",
    "vscode",
    "codespace",
    "ubuntu",
    "root",
    // Conventional users of official container images and cloud machines.
    "nextjs",
    "app",
    "appuser",
    "ec2-user",
    "vagrant",
    "deploy",
];

pub fn machine_local_paths(text: &str) -> Vec<FoundHome> {
    static HOME: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(home) = HOME
        .get_or_init(|| {
            Regex::new(
                r"(?:/Users/|/home/|(?i:[a-z]):[\\/]Users[\\/])([^/\\\s`'\x22<>()\[\]{}$%,;|*]+)",
            )
            .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for caps in home.captures_iter(text) {
        let (Some(whole), Some(user)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let before = &text[..whole.start()];
        let preceded_ok = before.chars().next_back().is_none_or(|c| {
            !(c.is_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | '~' | '$' | '}'))
        }) || before.ends_with("file://");
        let user_name = user.as_str();
        if !preceded_ok
            || GENERIC_USERS
                .iter()
                .any(|g| g.eq_ignore_ascii_case(user_name))
        {
            continue;
        }
        let end = text[whole.end()..]
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '`' | '\'' | '"' | ')' | ']' | '>' | '<' | ',' | ';' | '|'
                    )
            })
            .map_or(text.len(), |p| whole.end() + p);
        let end = whole.start() + text[whole.start()..end].trim_end_matches(['.', ':']).len();
        found.push(FoundHome {
            range: whole.start()..end,
            home: whole.as_str().to_string(),
            user: user_name.to_string(),
        });
    }
    found
}

pub fn is_home_path(path: &str) -> bool {
    machine_local_paths(path)
        .first()
        .is_some_and(|f| f.range.start == 0)
}

/// The word of `text` around `range`: delimited by whitespace and markdown or shell
/// brackets and quotes, with trailing punctuation trimmed.
pub fn enclosing_word(text: &str, range: Range<usize>) -> &str {
    let delimiter = |c: char| {
        c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '<' | '>' | '`' | '"' | '\'')
    };
    let start = text[..range.start]
        .char_indices()
        .rev()
        .find(|(_, c)| delimiter(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[range.end..]
        .find(delimiter)
        .map_or(text.len(), |p| range.end + p);
    text[start..end].trim_end_matches(['.', ',', ';', ':', '*', '_'])
}
