//! The registry of rules the engine itself raises, beside the ones policies register.
//!
//! Policies register their rules (id, severity, summary, help) in `policies/*.rhai`; the few
//! rules no policy can raise live here: a policy that failed (`policy/error`), a repository
//! policy that replaced a built-in rule (`policy/replaced-builtin`), waivers that rotted
//! (`waiver/*`) and directories the walk could not cover (`repo/*`: a repository policy must
//! not be able to replace the statement that part of the tree went unchecked). Every id, here and in the policies, is unique (a test asserts
//! it and snapshots the full list): ids are public, they are SARIF rule ids.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's metadata: the same text feeds `rules`, `explain`, SARIF and the docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    /// Markdown: what it checks, why it matters, how to fix.
    pub help: String,
    pub tags: Vec<String>,
    /// Where the rule is defined (`policies/launch.rhai`, or `<engine>`).
    pub source: String,
}

/// A policy failed to compile or run, or hit a resource limit: always blocking.
pub const POLICY_ERROR: &str = "policy/error";
/// A repository policy registered a built-in rule's id, replacing it.
pub const POLICY_REPLACED_BUILTIN: &str = "policy/replaced-builtin";
/// A repository policy file whose profile no env set carries.
pub const POLICY_UNUSED_PROFILE: &str = "policy/unused-profile";
/// A directory the walk could not list: what it holds was never checked.
pub const REPO_UNREADABLE_DIRECTORY: &str = "repo/unreadable-directory";
/// A directory below the walk's depth limit: what it holds was never checked.
pub const REPO_TOO_DEEP: &str = "repo/too-deep";
/// A waiver past its expiry date.
pub const WAIVER_EXPIRED: &str = "waiver/expired";
/// A waiver that matched no finding.
pub const WAIVER_UNUSED: &str = "waiver/unused";

/// Rules whose severity config may not change: the fail-closed safety net.
pub const NOT_OVERRIDABLE: &[&str] = &[POLICY_ERROR, WAIVER_EXPIRED];
/// Rules no waiver may cover.
pub const NEVER_WAIVABLE: &[&str] = &[POLICY_ERROR, WAIVER_EXPIRED, WAIVER_UNUSED];

/// The rules the engine itself reports.
pub fn engine_rules() -> Vec<RuleMeta> {
    let meta = |id: &str, severity, summary: &str, help: &str| RuleMeta {
        id: id.into(),
        severity,
        summary: summary.into(),
        help: help.into(),
        tags: vec!["governance".into()],
        source: "<engine>".into(),
    };
    let mut rules = vec![
        meta(
            POLICY_ERROR,
            Severity::Error,
            "a policy failed to compile or run, or hit a resource limit (fail closed)",
            "**What it checks:** every policy compiles, loads and runs each of its rules to the end within the \
             sandbox's limits (operations, call depth, string/array/map sizes, wall time).\n\n\
             **Why it matters:** a policy that cannot run has not checked anything. launchgate fails closed: \
             the verdict is NO-GO until the policy is fixed. It cannot be waived or turned off.\n\n\
             **How to fix:** read the message and the policy file and line it points at; fix the script, or \
             remove it from the policy folders.",
        ),
        meta(
            POLICY_REPLACED_BUILTIN,
            Severity::Warning,
            "a repository policy replaced a built-in rule",
            "**What it checks:** no repository policy registers a rule with the id of a built-in rule.\n\n\
             **Why it matters:** a rule registered again replaces the built-in one: a pull request that adds \
             `rule(#{ id: \"launch/require-database\", ... }, |set, meta| {})` turns that check off. The \
             replacement may be deliberate (a stricter local version); a reviewer must see it either way.\n\n\
             **How to fix:** give the repository rule its own id, or keep the replacement and waive this \
             finding with a reason.",
        ),
        meta(
            POLICY_UNUSED_PROFILE,
            Severity::Warning,
            "a repository policy file whose profile no env set carries (it applies to nothing)",
            "**What it checks:** a repository policy file's per-env-set rules run on the env sets that carry \
             its profile, the file's name without `.rhai` (`policies/team.rhai` is profile `team`). This \
             rule flags a file whose profile no env set carries.\n\n\
             **Why it matters:** such a file checks nothing, silently: the team believes a rule guards the \
             launch while it never runs.\n\n\
             **How to fix:** add the profile to the env sets it is meant for (`policies = [\"team\"]` in \
             their `[[env]]` entry), or rename the file after a profile they carry (`launch.rhai`).",
        ),
        meta(
            WAIVER_EXPIRED,
            Severity::Error,
            "a waiver past its expiry date",
            "**What it checks:** every waiver's `expires` date is today or later.\n\n\
             **Why it matters:** an exception was granted until a date; after it, the findings it covered \
             block again, and the stale waiver must be renewed with its owner's sign-off or removed.\n\n\
             **How to fix:** fix the covered findings and delete the waiver, or extend `expires` after review.",
        ),
        meta(
            WAIVER_UNUSED,
            Severity::Warning,
            "a waiver that matched no finding",
            "**What it checks:** every waiver (in the config, the waiver file or inline) covers at least one \
             finding, and inline waivers give a reason.\n\n\
             **Why it matters:** a waiver that matches nothing has rotted: the problem was fixed or moved, \
             and the exception would silently cover the next, different problem.\n\n\
             **How to fix:** delete the waiver (or correct its rule and subject).",
        ),
    ];
    rules.extend(repository_rules());
    rules
}

/// The rules about the walk of the tree itself.
fn repository_rules() -> Vec<RuleMeta> {
    let meta = |id: &str, summary: &str, help: &str| RuleMeta {
        id: id.into(),
        severity: Severity::Error,
        summary: summary.into(),
        help: help.into(),
        tags: vec!["repository".into()],
        source: "<engine>".into(),
    };
    vec![
        meta(
            REPO_UNREADABLE_DIRECTORY,
            "a directory the walk could not list: nothing inside it was checked (fail closed)",
            "**What it checks:** every directory of the repository that is not skipped (git-ignored, \
             `node_modules`, `.git`, `exclude` globs) can be listed, and so can the git-ignored folders \
             searched for evidence artifacts.\n\n\
             **Why it matters:** a directory launchgate cannot read may hold an env file with a debug \
             switch on, a runbook or migrations; none of it was checked, so a GO would be a guess. \
             launchgate fails closed: the directory is an error, named with what the system said \
             (`Permission denied`). A git-ignored folder is searched only for evidence, and a rule \
             that needs evidence it cannot find is an error of its own: an unreadable one is a \
             warning.\n\n\
             **How to fix:** make the directory readable by the user running launchgate \
             (`chmod u+rx DIR`, or run as its owner). If it is not part of the launch (a database \
             container's data folder), add it to `exclude` in `launchgate.toml`.",
        ),
        meta(
            REPO_TOO_DEEP,
            "a directory deeper than the walk goes: nothing below it was checked (fail closed)",
            "**What it checks:** every file of the repository lies within 256 directory levels of the \
             scan root, and every path fits the operating system's limit.\n\n\
             **Why it matters:** the walk stops at its depth limit so a hostile tree cannot exhaust \
             memory or time; files below it (an env file nested 3,000 levels down) are not read. A \
             silent stop would be a silent pass: each directory at the limit that holds anything is \
             an error.\n\n\
             **How to fix:** flatten the tree, or add the folder to `exclude` in `launchgate.toml` if \
             it is not part of the launch.",
        ),
    ]
}
