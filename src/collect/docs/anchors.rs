//! The anchors GitHub gives a document's headings, so `[x](guide.md#set-up)` and `[x](#set-up)`
//! can be checked the way lychee's `--include-fragments` does.
//!
//! GitHub's rule: lowercase the heading's text, drop every character that is not a letter,
//! digit, space, `-` or `_`, turn spaces into `-`; a repeated anchor gets `-1`, `-2`, ...
//! Explicit anchors count too: `{#id}` after a heading (MkDocs, Docusaurus) and `id="..."` /
//! `name="..."` in raw HTML.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

/// The anchor of one heading text (before de-duplication).
pub fn slug(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A heading's explicit `{#id}` suffix, and the title without it.
pub fn explicit_id(title: &str) -> (Option<String>, &str) {
    let trimmed = title.trim_end();
    if let Some(open) = trimmed.rfind("{#") {
        if trimmed.ends_with('}') {
            let id = trimmed[open + 2..trimmed.len() - 1].trim();
            if !id.is_empty() && !id.contains(char::is_whitespace) {
                return (Some(id.to_string()), trimmed[..open].trim_end());
            }
        }
    }
    (None, title)
}

/// Every anchor of a document: its headings in order (with repeats numbered) and the `id` /
/// `name` attributes of its raw HTML.
pub fn anchors(titles: &[String], text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for title in titles {
        let (explicit, title) = explicit_id(title);
        if let Some(id) = explicit {
            out.push(id);
        }
        let base = slug(title);
        let n = seen.entry(base.clone()).or_insert(0);
        out.push(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    static ATTRIBUTE: OnceLock<Option<Regex>> = OnceLock::new();
    // Every attribute is inside a tag: a document without `<` has none.
    if !text.contains('<') {
        return out;
    }
    if let Some(attribute) = ATTRIBUTE
        .get_or_init(|| Regex::new(r#"(?i)<[a-z][^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']"#).ok())
        .as_ref()
    {
        out.extend(attribute.captures_iter(text).map(|c| c[1].to_string()));
    }
    out
}

/// True when `fragment` (as written after `#`, percent-decoded) names one of `anchors`.
/// GitHub matches case-insensitively and accepts its `user-content-` prefix; `L10` / `L10-L20`
/// are line anchors of rendered source files, `:~:text=` a browser text fragment.
pub fn fragment_found(anchors: &[String], fragment: &str, loose: bool) -> Option<bool> {
    let decoded = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .map(|d| d.into_owned())
        .unwrap_or_else(|_| fragment.to_string());
    let wanted = decoded.trim().to_lowercase();
    if wanted.is_empty() || wanted.starts_with(":~:") || is_line_anchor(&wanted) {
        return None;
    }
    let wanted = wanted.strip_prefix("user-content-").unwrap_or(&wanted);
    if !loose {
        return Some(anchors.iter().any(|a| a.to_lowercase() == wanted));
    }
    // Sites slug headings their own way (`yourTask.trigger()` is `yourtasktrigger` on GitHub,
    // `yourtask-trigger` on Mintlify): in a site's pages, letters and digits alone decide.
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    let wanted = letters(wanted);
    Some(anchors.iter().any(|a| letters(a) == wanted))
}

fn is_line_anchor(fragment: &str) -> bool {
    let mut parts = fragment.split('-');
    parts.all(|p| {
        p.strip_prefix('l')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_anchor_rules() {
        assert_eq!(slug("Set up the database"), "set-up-the-database");
        assert_eq!(slug("What's new in v2.0?"), "whats-new-in-v20");
        assert_eq!(
            slug("`launchgate check` --mode pr"),
            "launchgate-check---mode-pr"
        );
        assert_eq!(slug("Über uns"), "über-uns");
        let titles = [
            "Usage".to_string(),
            "Usage".to_string(),
            "Install {#setup}".to_string(),
        ];
        let a = anchors(&titles, "<a name=\"legacy-anchor\"></a>");
        assert_eq!(a, ["usage", "usage-1", "setup", "install", "legacy-anchor"]);
        assert_eq!(fragment_found(&a, "Usage-1", false), Some(true));
        assert_eq!(fragment_found(&a, "user-content-usage", false), Some(true));
        assert_eq!(fragment_found(&a, "usage-2", false), Some(false));
        assert_eq!(fragment_found(&a, "L10-L20", false), None);
        // GitHub's rule is exact; a site's slugger may differ in punctuation only.
        let site = anchors(&["yourTask.trigger()".to_string()], "");
        assert_eq!(
            fragment_found(&site, "yourtask-trigger", false),
            Some(false)
        );
        assert_eq!(fragment_found(&site, "yourtask-trigger", true), Some(true));
    }
}
