//! Where a sourcing shell (`set -a; . FILE`) reads a key differently from the file's own
//! loader. Operators source env files; when the two readings differ, the application and
//! the operator's scripts run with different values. Secret values never reach the message.

use crate::source::dotenv::{Dialect, Parsed, RawValue};

/// The message for `key` when the shell's reading of it differs from `value` (the dialect's),
/// else `None`.
pub fn describe(
    dialect: Dialect,
    key: &str,
    value: &str,
    secret: bool,
    shell: &Parsed,
) -> Option<String> {
    let loader = dialect.loader();
    let Some(entry) = shell.entries.iter().rev().find(|e| e.key == key) else {
        return Some(format!(
            "a sourcing shell does not set {key} (it runs the line as a command or stops \
             before it); {loader} reads a value"
        ));
    };
    match &entry.raw {
        RawValue::Text(sh) if sh == value => None,
        RawValue::Text(sh) if secret => Some(format!(
            "a sourcing shell reads {key} differently from {loader} ({} characters against {})",
            sh.chars().count(),
            value.chars().count()
        )),
        RawValue::Text(sh) => Some(format!(
            "a sourcing shell reads {key} as {} while {loader} reads {}",
            show(sh),
            show(value)
        )),
        // The reason quotes the line; for a secret only the fact is said.
        RawValue::Unknown(_) if secret => Some(format!(
            "a sourcing shell does not read {key} as {loader} does (it runs part of the line, \
             or the value needs the file run to be known)"
        )),
        RawValue::Unknown(why) => Some(format!(
            "a sourcing shell does not read {key} as {loader} does: {why}"
        )),
        RawValue::Absent => None,
    }
}

/// A setting value quoted for a message, control characters made visible.
fn show(v: &str) -> String {
    let escaped: String = v
        .chars()
        .flat_map(|c| match c {
            '\n' => "\\n".chars().collect::<Vec<_>>(),
            '\r' => "\\r".chars().collect(),
            '\t' => "\\t".chars().collect(),
            c => vec![c],
        })
        .collect();
    format!("`{escaped}`")
}
