//! Waivers: targeted, reasoned, owned exceptions that expire.
//!
//! A waiver names a rule (or a glob of rule ids) and a subject (a glob over the finding's
//! subject and/or its file), with a reason, an owner and an expiry date. A waived finding is
//! still reported, marked waived, and no longer blocks. An expired waiver covers nothing and
//! is itself `waiver/expired` (blocking); one that matches nothing is `waiver/unused`. Inline
//! waivers (`launchgate: allow RULE -- reason` on the line or the line above, in any comment
//! syntax) need a reason too.

use std::collections::{BTreeSet, HashMap};

use globset::GlobMatcher;

use crate::config::{self, ConfigError, LoadedConfig, WaiverConfig};
use crate::facts::Location;
use crate::finding::{Finding, Severity, WaiverNote};

pub use crate::rules::{WAIVER_EXPIRED, WAIVER_UNUSED};

/// Rules that can never be waived, whatever the config says: they are the safety net.
use crate::rules::NEVER_WAIVABLE;

/// A calendar date (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parse `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }

    /// Today in UTC, or `LAUNCHGATE_TODAY` (`YYYY-MM-DD`) when set, for reproducible runs.
    pub fn today() -> Date {
        if let Some(d) = std::env::var("LAUNCHGATE_TODAY")
            .ok()
            .and_then(|t| Date::parse(&t))
        {
            return d;
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A validated waiver from the config or the waiver file.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub rule: String,
    rule_glob: GlobMatcher,
    subject: Option<GlobMatcher>,
    file: Option<GlobMatcher>,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
    pub location: Location,
}

impl Waiver {
    fn covers(&self, f: &Finding) -> bool {
        self.rule_glob.is_match(&f.rule)
            && self.subject.as_ref().is_none_or(|g| g.is_match(&f.subject))
            && self
                .file
                .as_ref()
                .is_none_or(|g| g.is_match(&f.location.file))
    }
}

fn glob(text: &str) -> Option<GlobMatcher> {
    crate::source::glob::compile_one(text).ok()
}

/// Validate every waiver of the config and the waiver file. `known` are the rule ids that
/// exist; a waiver on an unknown or not-waivable rule, or without a target, is rejected.
pub fn load(loaded: &LoadedConfig, known: &BTreeSet<String>) -> Result<Vec<Waiver>, ConfigError> {
    let mut not_waivable: BTreeSet<String> = NEVER_WAIVABLE.iter().map(|s| s.to_string()).collect();
    let cfg_name = loaded
        .path
        .clone()
        .unwrap_or_else(|| config::CONFIG_FILE.to_string());
    for r in &loaded.config.waivers.not_waivable {
        if !known.contains(r.get_ref()) {
            return Err(config::value_error(
                &cfg_name,
                &loaded.text,
                r.span(),
                format!(
                    "`{}` is not a rule id (see `launchgate rules`)",
                    r.get_ref()
                ),
            ));
        }
        not_waivable.insert(r.get_ref().clone());
    }
    let mut sources: Vec<(&str, &str, &[toml::Spanned<WaiverConfig>])> =
        vec![(&cfg_name, &loaded.text, &loaded.config.waiver)];
    if let Some((name, text, list)) = &loaded.waiver_file {
        sources.push((name, text, list));
    }
    let mut out = Vec::new();
    for (name, text, list) in sources {
        for spanned in list {
            let w = spanned.get_ref();
            let err = |span: std::ops::Range<usize>, msg: String| {
                config::value_error(name, text, span, msg)
            };
            let rule = w.rule.get_ref();
            let rule_glob = glob(rule).ok_or_else(|| {
                err(
                    w.rule.span(),
                    format!("`{rule}` is not a valid rule id or glob"),
                )
            })?;
            if !known.iter().any(|k| rule_glob.is_match(k)) {
                return Err(err(
                    w.rule.span(),
                    format!("waiver for `{rule}`, which matches no rule (see `launchgate rules`)"),
                ));
            }
            if let Some(blocked) = not_waivable.iter().find(|k| rule_glob.is_match(k.as_str())) {
                return Err(err(w.rule.span(), format!("`{blocked}` is not waivable (waivers.not-waivable); fix the finding instead")));
            }
            if w.subject.is_none() && w.file.is_none() {
                return Err(err(
                    spanned.span(),
                    "a waiver must be targeted: give a `subject` or a `file` glob".into(),
                ));
            }
            if w.reason.trim().is_empty() || w.owner.trim().is_empty() {
                return Err(err(
                    spanned.span(),
                    "a waiver needs a non-empty `reason` and `owner`".into(),
                ));
            }
            let expires = match w.expires.get_ref() {
                toml::Value::Datetime(d) if d.time.is_none() => d.date.map(|d| Date {
                    year: i32::from(d.year),
                    month: u32::from(d.month),
                    day: u32::from(d.day),
                }),
                toml::Value::String(s) => Date::parse(s),
                _ => None,
            }
            .ok_or_else(|| {
                err(
                    w.expires.span(),
                    "`expires` must be a date such as 2026-03-31".into(),
                )
            })?;
            let bad_glob = |what: &str, g: &str| {
                err(spanned.span(), format!("`{what}` glob `{g}` is invalid"))
            };
            let subject = match &w.subject {
                Some(s) => Some(glob(s).ok_or_else(|| bad_glob("subject", s))?),
                None => None,
            };
            let file = match &w.file {
                Some(s) => Some(glob(s).ok_or_else(|| bad_glob("file", s))?),
                None => None,
            };
            let mut location = Location::from_byte_range(
                name.to_string(),
                text,
                spanned.span().start,
                spanned.span().start,
            );
            location.end_column = location.column + 1;
            out.push(Waiver {
                rule: rule.clone(),
                rule_glob,
                subject,
                file,
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                expires,
                location,
            });
        }
    }
    Ok(out)
}

/// An inline waiver found on a line: `launchgate: allow RULE -- reason`.
fn inline_marker(line: &str) -> Option<(String, String)> {
    let at = line.find("launchgate: allow ")?;
    let rest = &line[at + "launchgate: allow ".len()..];
    let rest = rest
        .trim_end()
        .trim_end_matches("-->")
        .trim_end()
        .trim_end_matches("*/")
        .trim_end();
    let (rule, reason) = match rest.split_once(" -- ") {
        Some((r, why)) => (r.trim(), why.trim()),
        None => (rest.trim(), ""),
    };
    Some((rule.to_string(), reason.to_string()))
}

/// Apply waivers to `findings` (marking covered ones) and return the `waiver/*` findings.
/// `text_of` yields the (masked) text of a repository file, for inline waivers.
pub fn apply(
    findings: &mut [Finding],
    waivers: &[Waiver],
    today: Date,
    mut text_of: impl FnMut(&str) -> Option<String>,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    let mut used = vec![false; waivers.len()];
    // Per file, the inline marker of each line, parsed once: findings × line length would
    // be quadratic on a file of one huge line.
    let mut lines_cache: HashMap<String, Vec<Option<(String, String)>>> = HashMap::new();
    let mut inline_used: BTreeSet<(String, u32)> = BTreeSet::new();
    for f in findings.iter_mut() {
        if NEVER_WAIVABLE.contains(&f.rule.as_str()) {
            continue;
        }
        for (i, w) in waivers.iter().enumerate() {
            if w.covers(f) {
                used[i] = true;
                if w.expires >= today && f.waived.is_none() {
                    f.waived = Some(WaiverNote {
                        reason: w.reason.clone(),
                        owner: w.owner.clone(),
                        expires: w.expires.to_string(),
                        location: w.location.clone(),
                        kind: "config".into(),
                    });
                }
            }
        }
        if f.waived.is_some() {
            continue;
        }
        let lines = lines_cache
            .entry(f.location.file.to_string())
            .or_insert_with(|| {
                text_of(&f.location.file)
                    .map(|t| t.lines().map(inline_marker).collect())
                    .unwrap_or_default()
            });
        for line_no in [f.location.line, f.location.line.saturating_sub(1)] {
            let Some(Some((rule, reason))) = line_no
                .checked_sub(1)
                .and_then(|i| lines.get(i as usize))
                .cloned()
            else {
                continue;
            };
            if rule != f.rule {
                continue;
            }
            let location = Location::on_line(f.location.file.clone(), line_no, 1, 2);
            if reason.is_empty() {
                if inline_used.insert((f.location.file.to_string(), line_no)) {
                    let mut e = Finding::new(
                        WAIVER_UNUSED,
                        Severity::Warning,
                        location,
                        format!(
                            "inline waiver for {rule} has no reason (`-- reason`); it is ignored"
                        ),
                    );
                    e.subject = format!("inline:{rule}");
                    e.refresh_fingerprint();
                    extra.push(e);
                }
                continue;
            }
            inline_used.insert((f.location.file.to_string(), line_no));
            f.waived = Some(WaiverNote {
                reason,
                owner: String::new(),
                expires: String::new(),
                location,
                kind: "inline".into(),
            });
            break;
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        if w.expires < today {
            let mut e = Finding::new(
                WAIVER_EXPIRED,
                Severity::Error,
                w.location.clone(),
                format!(
                    "waiver for {} (owner {}) expired on {}; the findings it covered block again",
                    w.rule, w.owner, w.expires
                ),
            );
            e.subject = format!("{}:{}", w.rule, w.reason);
            e.help = Some(format!(
                "Fix the findings, or renew the waiver with its owner's sign-off. Reason given: {}",
                w.reason
            ));
            e.refresh_fingerprint();
            extra.push(e);
        } else if !used[i] {
            let mut e = Finding::new(
                WAIVER_UNUSED,
                Severity::Warning,
                w.location.clone(),
                format!(
                    "waiver for {} (owner {}) matches no finding; remove it",
                    w.rule, w.owner
                ),
            );
            e.subject = format!("{}:{}", w.rule, w.reason);
            e.refresh_fingerprint();
            extra.push(e);
        }
    }
    extra
}

/// A waiver `launchgate waive` is about to write, its fields checked on their own (the rule id
/// is checked against the repository's rules when the file is loaded back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWaiver {
    pub rule: String,
    pub subject: Option<String>,
    pub file: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
}

impl NewWaiver {
    /// Check each field; `today` rejects an expiry in the past (it would block at once).
    pub fn new(
        rule: &str,
        subject: Option<&str>,
        file: Option<&str>,
        reason: &str,
        owner: &str,
        expires: &str,
        today: Date,
    ) -> Result<NewWaiver, String> {
        let rule = rule.trim();
        if glob(rule).is_none() || rule.is_empty() {
            return Err(format!("`{rule}` is not a valid rule id or glob"));
        }
        if let Some(blocked) = NEVER_WAIVABLE
            .iter()
            .find(|id| glob(rule).is_some_and(|g| g.is_match(id)))
        {
            return Err(format!(
                "`{blocked}` is not waivable; fix the finding instead"
            ));
        }
        let subject = subject.map(str::trim).filter(|s| !s.is_empty());
        let file = file.map(str::trim).filter(|s| !s.is_empty());
        if subject.is_none() && file.is_none() {
            return Err("a waiver must be targeted: give --subject or --file".into());
        }
        for (flag, value) in [("--subject", subject), ("--file", file)] {
            if let Some(v) = value {
                if glob(v).is_none() {
                    return Err(format!("{flag} `{v}` is not a valid glob"));
                }
            }
        }
        if reason.trim().is_empty() || owner.trim().is_empty() {
            return Err("a waiver needs a non-empty --reason and --owner".into());
        }
        let Some(date) = Date::parse(expires).filter(|_| expires.trim().len() == 10) else {
            return Err(format!(
                "--expires `{expires}` is not a date such as 2026-03-31"
            ));
        };
        if date < today {
            return Err(format!(
                "--expires {date} is already past (today is {today}); a waiver must end in the future"
            ));
        }
        Ok(NewWaiver {
            rule: rule.to_string(),
            subject: subject.map(str::to_string),
            file: file.map(str::to_string),
            reason: reason.trim().to_string(),
            owner: owner.trim().to_string(),
            expires: date,
        })
    }

    /// The entry as TOML: `[[waiver]]` and its keys, every string quoted by the TOML writer.
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut s = format!("[[waiver]]\nrule = {}\n", quote(&self.rule));
        if let Some(subject) = &self.subject {
            s.push_str(&format!("subject = {}\n", quote(subject)));
        }
        if let Some(file) = &self.file {
            s.push_str(&format!("file = {}\n", quote(file)));
        }
        s.push_str(&format!(
            "reason = {}\nowner = {}\nexpires = {}\n",
            quote(&self.reason),
            quote(&self.owner),
            self.expires
        ));
        s
    }
}

/// An entry appended to a waiver file, and how to take it out again.
#[derive(Debug)]
pub struct Appended {
    path: std::path::PathBuf,
    /// The file's length before, or `None` when the append created it.
    old_len: Option<u64>,
    /// The 1-based line of the entry's `[[waiver]]`.
    pub line: u32,
}

impl Appended {
    /// Restore the file to what it was: truncate to the old length, or remove a file the
    /// append created.
    pub fn undo(&self) -> std::io::Result<()> {
        match self.old_len {
            None => std::fs::remove_file(&self.path),
            Some(len) => std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .and_then(|f| f.set_len(len)),
        }
    }
}

/// Append `entry` to the waiver file at `path`, creating it when absent. Existing text is
/// never rewritten: the entry goes after it, separated by a blank line.
pub fn append(path: &std::path::Path, entry: &NewWaiver) -> std::io::Result<Appended> {
    use std::io::Write as _;
    let existing = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut text = String::new();
    let mut line = 1;
    match &existing {
        None => text.push_str(
            "# Waivers: reviewed exceptions, each with a reason, an owner and an expiry date.\n\
             # Written by `launchgate waive`; edit by hand as you like.\n\n",
        ),
        Some(bytes) if !bytes.is_empty() => {
            if !bytes.ends_with(b"\n") {
                text.push('\n');
            }
            text.push('\n');
            line = bytes.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        }
        Some(_) => {}
    }
    line += text.matches('\n').count() as u32;
    text.push_str(&entry.to_toml());
    let mut file = if existing.is_some() {
        std::fs::OpenOptions::new().append(true).open(path)?
    } else {
        // create_new: a file that appeared meanwhile is not ours to overwrite.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?
    };
    file.write_all(text.as_bytes())?;
    Ok(Appended {
        path: path.to_path_buf(),
        old_len: existing.map(|b| b.len() as u64),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_779).to_string(), "2026-11-22");
        assert!(Date::parse("2026-03-31") < Date::parse("2026-04-01"));
        assert_eq!(Date::parse("2026-13-01"), None);
    }

    #[test]
    fn inline_markers() {
        assert_eq!(
            inline_marker("# launchgate: allow env/duplicate-key -- kept for v1 clients"),
            Some(("env/duplicate-key".into(), "kept for v1 clients".into()))
        );
        assert_eq!(
            inline_marker("<!-- launchgate: allow docs/stale-path -- archived -->"),
            Some(("docs/stale-path".into(), "archived".into()))
        );
        assert_eq!(
            inline_marker("# launchgate: allow env/duplicate-key"),
            Some(("env/duplicate-key".into(), String::new()))
        );
    }
}
