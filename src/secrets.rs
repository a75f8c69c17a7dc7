//! What is a secret, and scrubbing secrets out of text.
//!
//! [`classify`] tells a secret from a setting: a value is a secret when the contract marks it
//! sensitive, its key names a secret, it has a known token shape, it is a URL with a
//! password, or it looks random; a value that is plainly a setting (a boolean, a number, a
//! word, a path, a URL without credentials) is not, and anything else is treated as a secret.
//! The [`Redactor`] knows every secret value of the run; the engine passes every finding
//! through it before any reporter sees it, and reporters mask source snippets through it.
//! It must never touch text that is not a secret value.
//!
//! A leaf: it knows values and keys, not facts (`EnvFacts::secret_values` feeds it), so
//! facts, collectors and policies can all ask it what is a secret.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use regex::Regex;

/// Keys whose values are settings policies compare: shown even when they look random.
pub const NON_SECRET_KEYS: &[&str] = &[
    "NODE_ENV",
    "ROWCOUNT_TOLERANCE",
    "VERIFY_METHOD",
    "MODE",
    "STATE_STORE_TABLE",
];

/// Why a value is a secret (a fact policies and reporters read; never the value itself).
pub fn classify(key: &str, value: &str, sensitive: bool) -> Option<&'static str> {
    if sensitive {
        return Some("the contract marks it @sensitive");
    }
    if NON_SECRET_KEYS.contains(&key) {
        return None;
    }
    let v = value.trim();
    if v.is_empty() || is_boolean(v) {
        return None;
    }
    if key_names_secret(key) && !key_describes_secret(key) {
        return Some("its key names a secret");
    }
    if let Some(shape) = token_shape(v) {
        return Some(shape);
    }
    if url_password(v).is_some_and(|p| placeholder_kind(p).is_none()) {
        return Some("a URL with a password");
    }
    if is_plain_setting(v) {
        return None;
    }
    if looks_random(v) {
        return Some("it looks random (high entropy)");
    }
    Some("it is not plainly a setting")
}

/// A key that names a credential: `*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*_KEY`, `*DSN*`, ...
pub fn key_names_secret(key: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(SECRET|TOKEN|PASSW|PASSPHRASE|(^|_)PWD($|_)|PRIVATE|CREDENTIAL|(^|_|API)KEY($|_|S$)|DSN|AUTH|SALT|COOKIE|SESSION|SIGNING|ENCRYPTION|MNEMONIC|CERT|WEBHOOK)",
        )
        .unwrap_or_else(|e| unreachable!("the secret-key pattern is valid: {e}"))
    })
    .is_match(key)
}

/// A key about a secret rather than holding one: `NEXTAUTH_URL`, `SESSION_TIMEOUT`,
/// `DB_PASSWORD_FILE`, `JWT_SECRET_EXPIRES_IN`, `AWS_ACCESS_KEY_ID`, `PASSWORD_MIN_LENGTH`.
/// Its value is then judged by what it looks like (a token shape, a URL with a password,
/// something random is still a secret), not by the key's name.
fn key_describes_secret(key: &str) -> bool {
    const ABOUT: &[&str] = &[
        "URL",
        "URI",
        "URLS",
        "HOST",
        "HOSTNAME",
        "PORT",
        "PATH",
        "FILE",
        "DIR",
        "NAME",
        "ID",
        "ENABLED",
        "ENABLE",
        "DISABLED",
        "DISABLE",
        "TIMEOUT",
        "TTL",
        "EXP",
        "EXPIRY",
        "EXPIRES",
        "EXPIRATION",
        "AGE",
        "LENGTH",
        "LEN",
        "SIZE",
        "COUNT",
        "LIMIT",
        "PROVIDER",
        "PROVIDERS",
        "TYPE",
        "MODE",
        "ALGORITHM",
        "ALG",
        "ISSUER",
        "AUDIENCE",
        "AUD",
        "DOMAIN",
        "REGION",
        "VERSION",
        "SCOPE",
        "SCOPES",
        "SECURE",
        "SAMESITE",
        "STRATEGY",
        "DRIVER",
        "STORE",
        "BACKEND",
        "FORMAT",
        "HEADER",
        "PREFIX",
        "ENDPOINT",
        "INTERVAL",
        "DURATION",
        "DAYS",
        "HOURS",
        "MINUTES",
        "SECONDS",
        "LIFETIME",
        "METHOD",
        "REQUIRED",
        "LEVEL",
        "DEBUG",
        "ROTATION",
        "POLICY",
        "CHARSET",
        "LOCATION",
        "REDIRECT",
        "CALLBACK",
    ];
    let upper = key.to_ascii_uppercase();
    let mut parts = upper.rsplit('_').filter(|p| !p.is_empty());
    match parts.next() {
        // `..._EXPIRES_IN`, `..._VALID_FOR`
        Some("IN" | "FOR") => parts
            .next()
            .is_some_and(|p| ABOUT.contains(&p) || p == "VALID"),
        Some(last) => ABOUT.contains(&last),
        None => false,
    }
}

/// A credential a provider issued, by its shape (a GitHub or Slack token, a Stripe or AWS
/// key): live wherever it is committed. A JWT, a 256-bit hex string or a private key is a
/// secret too, but anyone can make one (tests sign and generate their own), so it is not.
pub fn issued_credential(value: &str) -> Option<&'static str> {
    let v = value.trim();
    // A Stripe publishable key is public by design (it ships in web pages).
    if v.starts_with("pk_") {
        return None;
    }
    token_shape(v)
        .filter(|why| !matches!(*why, "a JWT" | "a 256-bit hex key" | "a PEM private key"))
}

/// A known credential format, by its shape.
fn token_shape(v: &str) -> Option<&'static str> {
    // Every shape is 15+ characters of `[A-Za-z0-9_.-]` from start to end, except a PEM key
    // (which holds its `-----BEGIN` marker): most values fail that before any regex runs.
    let token_chars = v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if v.len() < 15 || (!token_chars && !v.contains("-----BEGIN ")) {
        return None;
    }
    // 64 hex digits (a generated key, common in env files) match no other shape: each of
    // those needs a letter past `f`, a `_`, a `-` or a `.`.
    let hex = v.strip_prefix("0x").unwrap_or(v);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some("a 256-bit hex key");
    }
    // One pass over the value for every shape at once (a `RegexSet`), then the first shape
    // of the table that matched: most values match none, and are read once, not nine times.
    static RE: OnceLock<(regex::RegexSet, Vec<&'static str>)> = OnceLock::new();
    let (set, names) = RE.get_or_init(|| {
        let table = [
            (
                r"^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$|^github_pat_[A-Za-z0-9_]{20,}$",
                "a GitHub token",
            ),
            (r"^(sk|rk|pk)_(live|test)_[A-Za-z0-9]{10,}$", "a Stripe key"),
            (r"^(AKIA|ASIA)[0-9A-Z]{16}$", "an AWS access key id"),
            (r"^xox[abprs]-[A-Za-z0-9-]{10,}$", "a Slack token"),
            (
                r"^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$",
                "a JWT",
            ),
            (r"-----BEGIN [A-Z ]*PRIVATE KEY-----", "a PEM private key"),
            (r"^AIza[0-9A-Za-z_-]{30,}$", "a Google API key"),
            (r"^sk-[A-Za-z0-9_-]{20,}$", "an API secret key"),
            (r"^(0x)?[0-9a-fA-F]{64}$", "a 256-bit hex key"),
        ];
        let set = regex::RegexSet::new(table.iter().map(|(p, _)| *p))
            .unwrap_or_else(|e| unreachable!("the token shapes are valid: {e}"));
        (set, table.iter().map(|(_, why)| *why).collect())
    });
    set.matches(v).iter().next().map(|i| names[i])
}

/// A boolean, a number, a short word or phrase, a path, a host, a URL without credentials,
/// an email address, a list of such: what configuration looks like.
fn is_plain_setting(v: &str) -> bool {
    // A word or a number: what most settings are, and what the pattern below takes without
    // `looks_random` ever saying yes (it wants letters and digits both).
    if !v.is_empty()
        && (v.bytes().all(|b| b.is_ascii_alphabetic()) || v.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(-?[0-9]+(\.[0-9]+)?(ms|s|m|h|d|kb|mb|gb|%)?",
            // words and phrases; identifiers whose parts are words or numbers (`eu-west-1`)
            r"|[A-Za-z]+([ _-]([A-Za-z]+|[0-9]+))*",
            // a URL without a password (a user name alone is no credential)
            r"|[a-z][a-z0-9+.-]*://([^\s:@/]+@)?[^\s:@/]+(:[0-9]+)?(/[^\s]*)?",
            r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
            // paths (with a `/`) and host names (with a `.`), optionally with a port
            r"|(\.{0,2}/)?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+/?|/",
            r"|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?",
            r"|[A-Za-z0-9-]+:[0-9]{1,5}",
            r")$"
        ))
        .unwrap_or_else(|e| unreachable!("the setting pattern is valid: {e}"))
    });
    if re.is_match(v) {
        // A URL, path, address or host name is long and varied without being random; a bare
        // token that looks random is a secret whatever the pattern says.
        // (An API key in a URL's path, `/v2/9f8e...`, still makes it a secret.)
        let structured = v.contains(['/', '@', '.', ':']);
        let random_part = v
            .split(['/', '?', '&', '=', ':', '@', '.', '#'])
            .any(looks_random);
        if (structured && !random_part) || !looks_random(v) {
            return true;
        }
    }
    // Prose: a few words of letters, whatever separates them (`hello\ world`, a two-line
    // greeting).
    let words: Vec<&str> = v
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    !v.chars().any(|c| c.is_ascii_digit())
        && !words.is_empty()
        && words.len() <= 8
        && v.chars().filter(|c| !c.is_alphabetic()).count() <= words.len() * 2
}

/// Shannon entropy per character over 3.5 bits, on a string of 16+ characters mixing
/// letters and digits: a generated token, not a word.
fn looks_random(v: &str) -> bool {
    let n = v.chars().count();
    if n < 16 {
        return false;
    }
    // Character counts: a table for ASCII (nearly every value), a map otherwise.
    let counts: Vec<usize> = if v.is_ascii() {
        let mut table = [0usize; 128];
        for b in v.bytes() {
            table[usize::from(b)] += 1;
        }
        table.into_iter().filter(|&k| k > 0).collect()
    } else {
        let mut map: HashMap<char, usize> = HashMap::new();
        for c in v.chars() {
            *map.entry(c).or_default() += 1;
        }
        map.into_values().collect()
    };
    let entropy: f64 = counts
        .iter()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum();
    let letters = v.chars().any(|c| c.is_ascii_alphabetic());
    let digits = v.chars().any(|c| c.is_ascii_digit());
    entropy > 3.5 && letters && digits
}

/// True when the value of `key` may be shown in output.
pub fn is_shown(key: &str, value: &str) -> bool {
    classify(key, value, false).is_none()
}

/// Text put where a secret was.
pub const REDACTED: &str = "[redacted]";

/// Shortest value treated as a secret in free text. Shorter values (a port, `1`) cannot be
/// scrubbed from prose without destroying it, and reveal nothing worth protecting.
const MIN_SECRET_LEN: usize = 4;

fn is_boolean(value: &str) -> bool {
    let v = value.trim();
    // Compared without a lowercased copy: this runs for every value.
    v.len() <= 5
        && ["true", "false", "yes", "no", "on", "off", "0", "1", ""]
            .iter()
            .any(|word| v.eq_ignore_ascii_case(word))
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
    /// Repository paths that contain a secret value (`config/fineract-common.env` when a
    /// password is `fineract`): printed as they are, since the repository already shows them
    /// and a finding must name its file. Usually empty.
    public: Vec<Box<str>>,
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
        Redactor {
            secrets,
            by_prefix,
            public: Vec::new(),
        }
    }

    /// Keep these repository paths intact wherever they appear: a secret that is also part
    /// of a file's name (a weak password equal to the project's name) is not scrubbed out of
    /// that name. The paths are the scanned inventory's, which the repository already shows
    /// to everyone who can read the report; the secret stays scrubbed everywhere else.
    pub fn keep_paths<'p>(mut self, paths: impl IntoIterator<Item = &'p str>) -> Self {
        self.public = paths
            .into_iter()
            .filter(|p| self.next_match(p, 0).is_some())
            .map(Box::from)
            .collect();
        // Longest first, so a path wins over a shorter one it contains.
        self.public
            .sort_unstable_by_key(|p| std::cmp::Reverse(p.len()));
        self
    }

    /// Byte ranges of `text` that are kept paths.
    fn kept(&self, text: &str) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for p in &self.public {
            for (at, _) in text.match_indices(&**p) {
                // A path is kept only where it stands as a whole name, not inside a longer one.
                let head = &text[..at];
                let before = head.strip_suffix("./").unwrap_or(head).chars().next_back();
                let after = text[at + p.len()..].chars().next();
                let edge = |c: Option<char>| {
                    c.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
                };
                if edge(before) && edge(after) {
                    ranges.push((at, at + p.len()));
                }
            }
        }
        ranges
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
        let kept = if self.public.is_empty() {
            Vec::new()
        } else {
            self.kept(text)
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut found = Some(first);
        while let Some((start, end)) = found {
            if let Some(&(_, kept_end)) = kept.iter().find(|(a, b)| *a <= start && end <= *b) {
                found = self.next_match(text, kept_end);
                continue;
            }
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

/// A placeholder or a weak word is sample text everyone knows: scrubbing it would only
/// destroy prose (`password`, `changeme`).
pub fn is_public_text(value: &str) -> bool {
    placeholder_kind(value).is_some() || weak_secret(value).is_some()
}

/// The weakness of a URL whose password may be fine but whose database is this machine: public
/// as text, not a placeholder.
pub const LOCAL_URL: &str = "a local development URL";

/// Why a value is public text (a placeholder or a weak value), if it is.
pub fn public_text_reason(value: &str) -> Option<&'static str> {
    placeholder_kind(value).or_else(|| weak_secret(value))
}

/// The weak words a secret must never be (§8): a secret key holding one is unset in effect.
pub fn weak_secret(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    // A URL: its password is what is weak or not; a database on this machine is a default.
    if let Some(password) = url_password(&lower) {
        let host = lower
            .split_once('@')
            .map_or("", |(_, h)| h.split([':', '/', '?']).next().unwrap_or(""));
        let local = crate::source::dburl::is_local_host(host);
        let default_password = matches!(
            password,
            "postgres" | "mysql" | "root" | "redis" | "guest" | "admin" | "password" | "secret"
        );
        if default_password || weak_secret(password).is_some() {
            return Some("a URL with a default or weak password");
        }
        return local.then_some(LOCAL_URL);
    }
    const WEAK: &[&str] = &[
        "secret",
        "supersecret",
        "super-secret",
        "super_secret",
        "mysecret",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "password1",
        "password123",
        "pass",
        "changeme",
        "example",
        "test",
        "testing",
        "admin",
        "root",
        "default",
        "dev",
        "development",
        "demo",
        "sample",
        "dummy",
        "foobar",
        "foo",
        "bar",
        "letmein",
        "qwerty",
        "123456",
        "12345678",
        "1234",
        "secretkey",
        "secret-key",
        "secret_key",
        "mypassword",
        "token",
        "key",
    ];
    if WEAK.contains(&lower.as_str()) {
        return Some("a well-known weak value");
    }
    // `dev-secret`, `test_jwt_secret`, `local-password-123`: a development default, said so
    // in its own words, and not random.
    const DEV_WORDS: &[&str] = &[
        "dev",
        "development",
        "test",
        "testing",
        "local",
        "example",
        "sample",
        "dummy",
        "fake",
        "changeme",
        "insecure",
        "notsecret",
        "not-secret",
        "placeholder",
    ];
    let says_dev = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| DEV_WORDS.contains(&w));
    (says_dev && !looks_random(&lower) && !lower.contains("://"))
        .then_some("an obvious development default")
}

/// A placeholder: empty, a change-me marker, an angle-bracket placeholder (`<password>`, but
/// not a `<`..`>` inside a random string), a `USER:PASSWORD@HOST` template, a TODO marker, an
/// `xxx` filler, a your-value-here filler.
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
    if angle_placeholder(v) {
        return Some("an angle-bracket placeholder");
    }
    // `USER:PASSWORD@HOST` and `USERNAME:PASSWORD@` included.
    if v.contains(":PASSWORD@") {
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

/// `<name>` where the name is a word (letters first, then letters, digits, ` _-.`), and the
/// text around it is not random: `https://<host>/x` yes, `Zx<9f>Qw...` and `><><` no.
fn angle_placeholder(v: &str) -> bool {
    let mut rest = v;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            return false;
        };
        let inner = &after[..close];
        let wordy = inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && inner.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'));
        if wordy {
            let outside: String = v.replacen(&format!("<{inner}>"), "", 1);
            return !looks_random(&outside);
        }
        rest = &after[close + 1..];
    }
    false
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

/// The password of a `scheme://user:password@host` URL.
fn url_password(url: &str) -> Option<&str> {
    // No `:`, no `://`: skips the URL split for nearly every value.
    if !url.as_bytes().contains(&b':') {
        return None;
    }
    crate::source::dburl::UrlParts::split(url)?
        .userinfo_password()
        .filter(|p| !p.is_empty())
}

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
    fn repository_paths_keep_their_names_and_the_secret_goes_elsewhere() {
        let r = Redactor::new(["fineract"])
            .keep_paths(["config/docker/env/fineract-common.env", "README.md"]);
        assert_eq!(
            r.scrub("config/docker/env/fineract-common.env holds fineract as a password"),
            "config/docker/env/fineract-common.env holds [redacted] as a password"
        );
        // Only the whole path is kept, not the secret inside a longer name or alone.
        assert_eq!(
            r.scrub("x/config/docker/env/fineract-common.env.bak fineract-common.env"),
            "x/config/docker/env/[redacted]-common.env.bak [redacted]-common.env"
        );
        assert_eq!(r.scrub("fineract"), "[redacted]");
        assert_eq!(
            r.scrub("(./config/docker/env/fineract-common.env)"),
            "(./config/docker/env/fineract-common.env)"
        );
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

    #[test]
    fn secrets_are_told_apart_from_settings() {
        for (key, value) in [
            ("LOG_LEVEL", "error"),
            ("APP_PATH", "server/src/routes"),
            ("API_URL", "https://api.example.com/v1"),
            ("REGION", "eu-west-1"),
            ("PORT", "8080"),
            ("ADMIN_EMAIL", "ops@example.com"),
            ("FEATURE_FLAGS", "true"),
            ("NEXTAUTH_URL", "http://localhost:3000"),
            ("SESSION_TIMEOUT", "3600"),
            ("DB_PASSWORD_FILE", "/run/secrets/db_password"),
            ("JWT_SECRET_EXPIRES_IN", "7d"),
            ("AWS_CREDENTIALS_PROFILE_PATH", "/root/.aws/credentials"),
            ("SESSION_COOKIE_NAME", "sid"),
            (
                "DATABASE_URL",
                "postgres://ledger@db.internal.example.net:5432/ledger",
            ),
        ] {
            assert_eq!(classify(key, value, false), None, "{key}={value}");
        }
        for (key, value, why) in [
            ("JWT_SECRET", "anything", "its key names a secret"),
            ("DB_PASSWORD", "hunter2", "its key names a secret"),
            ("STRIPE", "sk_live_51HxQ2bK8d7f6e5d4", "a Stripe key"),
            (
                "GH",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "a GitHub token",
            ),
            ("AWS_ID", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            (
                "DATABASE_URL",
                "postgres://app:Vq7rT2mXk9@db:5432/app",
                "a URL with a password",
            ),
            (
                "BLOB",
                "q8Zr2mXk9pL4sWzQ7vT1",
                "it looks random (high entropy)",
            ),
            ("NAME", "plain", "the contract marks it @sensitive"),
            // A key about a secret still holds one when its value looks like one.
            (
                "AUTH_URL",
                "postgres://app:Vq7rT2mXk9@db:5432/app",
                "a URL with a password",
            ),
            (
                "SECRET_KEY_FILE",
                "q8Zr2mXk9pL4sWzQ7vT1",
                "it looks random (high entropy)",
            ),
            ("SECRET_KEY_BASE", "short", "its key names a secret"),
        ] {
            let sensitive = key == "NAME";
            assert_eq!(classify(key, value, sensitive), Some(why), "{key}={value}");
        }
    }

    #[test]
    fn placeholders_and_weak_values() {
        for weak in [
            "secret",
            "supersecret",
            "password",
            "changeme",
            "example",
            "test",
        ] {
            assert!(
                weak_secret(weak).is_some() || placeholder_kind(weak).is_some(),
                "{weak}"
            );
        }
        assert_eq!(
            weak_secret("dev-jwt-secret"),
            Some("an obvious development default")
        );
        assert_eq!(
            placeholder_kind("<api-key>"),
            Some("an angle-bracket placeholder")
        );
        assert_eq!(
            placeholder_kind("https://<host>/callback"),
            Some("an angle-bracket placeholder")
        );
        // A `<`..`>` inside a random value, or bare brackets, are not placeholders.
        assert_eq!(placeholder_kind("Zx<9f>Qw7Lp2Rt8Vn3Kq"), None);
        assert_eq!(placeholder_kind("a><><b"), None);
    }

    #[test]
    fn the_scrub_leaves_settings_alone() {
        let r = Redactor::new(["tok_9f8e7d6c5b4a3210"]);
        let help = "launchgate explain env/parse-error (LOG_LEVEL=error)";
        assert_eq!(r.scrub(help), help);
    }
}
