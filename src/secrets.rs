//! Secret scrubbing. Env values are secrets until proven otherwise.
//!
//! A leaf: it knows values and keys, not facts (`EnvFacts::secret_values` feeds it), so
//! facts, collectors and policies can all ask it what is a secret.
//!
//! The [`Redactor`] knows every secret value of the run (env values, URL passwords). The
//! engine passes every finding through it before any reporter sees it, and reporters mask
//! any source snippet through it. Only a handful of settings that policies compare are not
//! secret (`NODE_ENV`, booleans, `ROWCOUNT_TOLERANCE`, `VERIFY_METHOD`, `MODE`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys whose values are settings, not secrets: they may appear in messages.
pub const NON_SECRET_KEYS: &[&str] = &[
    "NODE_ENV",
    "ROWCOUNT_TOLERANCE",
    "VERIFY_METHOD",
    "MODE",
    "STATE_STORE_TABLE",
];

/// Text put where a secret was.
pub const REDACTED: &str = "[redacted]";

/// Shortest value treated as a secret in free text. Shorter values (a port, `1`) cannot be
/// scrubbed from prose without destroying it, and reveal nothing worth protecting.
const MIN_SECRET_LEN: usize = 4;

/// True when the value of `key` may be shown: a non-secret setting or a boolean.
pub fn is_shown(key: &str, value: &str) -> bool {
    NON_SECRET_KEYS.contains(&key) || is_boolean(value)
}

fn is_boolean(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1" | ""
    )
}

/// Scrubs known secret values out of text.
///
/// Every secret is at least [`MIN_SECRET_LEN`] characters, so at least four bytes: secrets are
/// indexed by their first four bytes, and a text is scanned once, one table lookup per byte,
/// taking the longest secret that starts at the leftmost position (what a leftmost-longest
/// multi-pattern automaton finds). A large repository has tens of thousands of secrets; an
/// automaton over them cost more memory than all the other facts of a check together.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every secret once.
    secrets: Vec<Box<str>>,
    /// Indices into `secrets` by their first four bytes, longest first.
    by_prefix: HashMap<u32, Vec<u32>, BuildHasherDefault<PrefixHasher>>,
}

/// The four-byte prefixes are already well mixed by one multiplication.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (u64::from(n) ^ 0xA076_1D64_78BD_642F).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn prefix_key(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?))
}

impl Redactor {
    /// Build from a list of secret strings (duplicates and short strings are dropped).
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list: Vec<String> = Vec::new();
        for s in secrets {
            for candidate in secret_forms(s.as_ref()) {
                if is_scrubbable(&candidate) {
                    list.push(candidate);
                }
            }
        }
        list.sort_unstable();
        list.dedup();
        let secrets: Vec<Box<str>> = list.into_iter().map(String::into_boxed_str).collect();
        let mut by_prefix: HashMap<u32, Vec<u32>, BuildHasherDefault<PrefixHasher>> =
            HashMap::default();
        for (i, secret) in secrets.iter().enumerate() {
            if let (Some(key), Ok(i)) = (prefix_key(secret.as_bytes()), u32::try_from(i)) {
                by_prefix.entry(key).or_default().push(i);
            }
        }
        for ids in by_prefix.values_mut() {
            ids.sort_unstable_by_key(|i| std::cmp::Reverse(secrets[*i as usize].len()));
            ids.shrink_to_fit();
        }
        Redactor { secrets, by_prefix }
    }

    /// The leftmost, then longest, secret in `text` at or after byte `from`: its byte range.
    fn next_match(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        if self.by_prefix.is_empty() {
            return None;
        }
        let bytes = text.as_bytes();
        let last = bytes.len().checked_sub(4)?;
        (from..=last).find_map(|at| {
            let ids = self.by_prefix.get(&prefix_key(&bytes[at..])?)?;
            ids.iter()
                .map(|i| self.secrets[*i as usize].as_bytes())
                .find(|secret| bytes[at..].starts_with(secret))
                .map(|secret| (at, at + secret.len()))
        })
    }

    /// Rebuild `text` with each secret replaced by what `replace` makes of it.
    fn replace_all<'a>(&self, text: &'a str, replace: impl Fn(&str, &mut String)) -> Cow<'a, str> {
        let Some(first) = self.next_match(text, 0) else {
            return Cow::Borrowed(text);
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut found = Some(first);
        while let Some((start, end)) = found {
            out.push_str(&text[last..start]);
            replace(&text[start..end], &mut out);
            last = end;
            found = self.next_match(text, end);
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// Replace every secret in `text` with `[redacted]`.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.replace_all(text, |_, out| out.push_str(REDACTED))
    }

    /// Replace every secret in `text` with `*`s of the same character count, so that line and
    /// column positions stay valid (for source snippets).
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.replace_all(text, |secret, out| {
            out.extend(secret.chars().map(|c| if c == '\n' { '\n' } else { '*' }));
        })
    }
}

/// A placeholder (`<password>`, `USER:PASSWORD@HOST`) is public sample text, not a secret.
pub fn is_placeholder(value: &str) -> bool {
    placeholder_kind(value).is_some()
}

/// What kind of placeholder a value still is, described without quoting it.
pub fn placeholder_kind(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if v.is_empty() {
        return Some("empty");
    }
    if matches!(
        lower.as_str(),
        "changeme" | "change-me" | "change_me" | "replace-me" | "replaceme" | "replace_me"
    ) || lower.starts_with("changeme")
    {
        return Some("a change-me marker");
    }
    if v.starts_with('<') && v.ends_with('>')
        || (v.contains('<') && v.contains('>') && v.find('<') < v.rfind('>'))
    {
        return Some("an angle-bracket placeholder");
    }
    if v.contains("USER:PASSWORD@HOST")
        || v.contains("USERNAME:PASSWORD@")
        || v.contains(":PASSWORD@")
    {
        return Some("a USER:PASSWORD@HOST template");
    }
    if matches!(lower.as_str(), "todo" | "tbd" | "fixme") || lower.starts_with("todo") {
        return Some("a TODO marker");
    }
    if lower.len() >= 3 && lower.chars().all(|c| c == 'x') {
        return Some("an xxx filler");
    }
    if lower.starts_with("your-")
        || lower.starts_with("your_")
        || lower.ends_with("-here")
        || lower.ends_with("_here")
    {
        return Some("a your-value-here filler");
    }
    None
}

fn is_scrubbable(s: &str) -> bool {
    let trimmed = s.trim();
    if trimmed.chars().count() < MIN_SECRET_LEN || is_boolean(trimmed) {
        return false;
    }
    // A short number (a port, a count) is not worth destroying prose for.
    !(trimmed.chars().all(|c| c.is_ascii_digit()) && trimmed.len() < 6)
}

/// The strings to scrub for one value: the value, each of its lines, a URL's password
/// (raw and percent-decoded).
fn secret_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    if value.contains('\n') {
        forms.extend(value.lines().map(str::to_string));
    }
    forms.extend(url_secrets(value));
    forms
}

pub use crate::source::dburl::redact_url;

/// Every secret a URL carries (its password and secret parameters, raw and decoded).
pub fn url_secrets(url: &str) -> Vec<String> {
    crate::source::dburl::UrlParts::split(url)
        .map(|parts| parts.secrets())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_values_lines_and_url_passwords() {
        let r = Redactor::new([
            "s3cr3t-token",
            "line-one-secret\nline-two-secret",
            "postgres://app:pa%40ssw0rd@db:5432/x",
        ]);
        assert_eq!(r.scrub("token s3cr3t-token here"), "token [redacted] here");
        assert_eq!(r.scrub("only line-two-secret"), "only [redacted]");
        assert!(!r.scrub("pw pa@ssw0rd").contains("pa@ssw0rd"));
        assert!(!r.scrub("pw pa%40ssw0rd").contains("pa%40ssw0rd"));
    }

    #[test]
    fn the_leftmost_then_longest_secret_wins_and_every_occurrence_goes() {
        let r = Redactor::new(["abcd", "abcdefgh", "cdefXYZ", "héllo wörld"]);
        // At position 0 both "abcd" and "abcdefgh" start: the longer one is taken, so the
        // overlapping "cdefXYZ" (which starts later) is not what hides the text.
        assert_eq!(r.scrub("xxabcdefghXYZ"), "xx[redacted]XYZ");
        assert_eq!(r.scrub("abcd abcd"), "[redacted] [redacted]");
        assert_eq!(r.scrub("abcdabcd"), "[redacted][redacted]");
        assert_eq!(r.scrub("say héllo wörld!"), "say [redacted]!");
        assert_eq!(r.scrub("ends with abcd"), "ends with [redacted]");
        assert_eq!(r.scrub("abc"), "abc");
        assert!(matches!(r.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(r.mask("1 héllo wörld 2"), "1 *********** 2");
    }

    #[test]
    fn mask_keeps_columns() {
        let r = Redactor::new(["hunter22"]);
        assert_eq!(r.mask("X=hunter22 # c"), "X=******** # c");
    }

    #[test]
    fn short_values_and_booleans_are_not_scrubbed() {
        let r = Redactor::new(["true", "ab", "5432"]);
        assert_eq!(r.scrub("true ab 5432"), "true ab 5432");
    }

    #[test]
    fn redact_url_removes_only_the_password() {
        assert_eq!(
            redact_url("postgres://u:p@h:5432/db?sslmode=require"),
            "postgres://u:***@h:5432/db?sslmode=require"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
