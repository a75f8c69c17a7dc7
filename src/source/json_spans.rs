//! Where the members of a JSON document sit in its text: serde_json's `Value` keeps no
//! positions, and a regex over the text cannot tell an entry's own `"tag"` from a `"tag"`
//! nested inside it or one that belongs to no entry.
//!
//! Meant for text serde_json has already accepted (so nesting is at most its recursion limit
//! of 128); on anything else it returns fewer spans, never panics and never reads past the
//! text.

/// One `"key": value` member of an object: the decoded key and byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: String,
    /// The key's opening quote.
    pub start: usize,
    /// The first byte of the value.
    pub value_start: usize,
    /// Just past the value.
    pub end: usize,
}

/// The members of the object whose `{` is at or after `at` (after whitespace), in order.
/// Empty when no object starts there.
pub fn object_members(text: &str, at: usize) -> Vec<Member> {
    let bytes = text.as_bytes();
    let mut members = Vec::new();
    let mut i = skip_ws(bytes, at);
    if bytes.get(i) != Some(&b'{') {
        return members;
    }
    i += 1;
    loop {
        i = skip_ws(bytes, i);
        match bytes.get(i) {
            Some(b'"') => {}
            _ => return members, // `}` (or not JSON)
        }
        let start = i;
        let Some(key_end) = string_end(bytes, i) else {
            return members;
        };
        let key = serde_json::from_str::<String>(&text[start..key_end]).unwrap_or_default();
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return members;
        }
        let value_start = skip_ws(bytes, i + 1);
        let Some(end) = value_end(bytes, value_start, 0) else {
            return members;
        };
        members.push(Member {
            key,
            start,
            value_start,
            end,
        });
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return members,
        }
    }
}

/// Byte spans of the elements of the array whose `[` is at or after `at` (after whitespace).
pub fn array_elements(text: &str, at: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut elements = Vec::new();
    let mut i = skip_ws(bytes, at);
    if bytes.get(i) != Some(&b'[') {
        return elements;
    }
    i = skip_ws(bytes, i + 1);
    if bytes.get(i) == Some(&b']') {
        return elements;
    }
    loop {
        let start = skip_ws(bytes, i);
        let Some(end) = value_end(bytes, start, 0) else {
            return elements;
        };
        elements.push((start, end));
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return elements,
        }
    }
}

/// The last member named `key` (the one serde_json keeps when a key repeats).
pub fn last_member<'a>(members: &'a [Member], key: &str) -> Option<&'a Member> {
    members.iter().rev().find(|m| m.key == key)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Just past the closing quote of the string whose opening quote is at `i`.
fn string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match bytes.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// Just past the value starting at `i`.
fn value_end(bytes: &[u8], i: usize, depth: usize) -> Option<usize> {
    // serde_json refuses deeper text; this bound only keeps other text from recursing far.
    if depth > 256 {
        return None;
    }
    match bytes.get(i)? {
        b'"' => string_end(bytes, i),
        open @ (b'{' | b'[') => {
            let close = if *open == b'{' { b'}' } else { b']' };
            let mut j = skip_ws(bytes, i + 1);
            if bytes.get(j) == Some(&close) {
                return Some(j + 1);
            }
            loop {
                if *open == b'{' {
                    if bytes.get(j) != Some(&b'"') {
                        return None;
                    }
                    j = skip_ws(bytes, string_end(bytes, j)?);
                    if bytes.get(j) != Some(&b':') {
                        return None;
                    }
                    j = skip_ws(bytes, j + 1);
                }
                j = skip_ws(bytes, value_end(bytes, j, depth + 1)?);
                match bytes.get(j)? {
                    b',' => j = skip_ws(bytes, j + 1),
                    c if *c == close => return Some(j + 1),
                    _ => return None,
                }
            }
        }
        _ => {
            // A number, true, false or null: up to the next delimiter.
            let mut j = i;
            while !matches!(
                bytes.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_elements_are_found_at_their_own_level_only() {
        let text = r#" {"tag": "top", "entries": [ {"meta": {"tag": "inner"}, "tag": "a\"b"}, 7, [], {} ], "x": null}"#;
        let top = object_members(text, 0);
        let keys: Vec<&str> = top.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["tag", "entries", "x"]);
        let entries = last_member(&top, "entries").expect("entries");
        let elements = array_elements(text, entries.value_start);
        let shown: Vec<&str> = elements.iter().map(|(s, e)| &text[*s..*e]).collect();
        assert_eq!(
            shown,
            [
                r#"{"meta": {"tag": "inner"}, "tag": "a\"b"}"#,
                "7",
                "[]",
                "{}"
            ]
        );
        let first = object_members(text, elements[0].0);
        let tag = last_member(&first, "tag").expect("own tag");
        assert_eq!(&text[tag.start..tag.end], r#""tag": "a\"b""#);
    }

    #[test]
    fn text_that_is_not_json_gives_fewer_spans_and_no_panic() {
        for text in [
            "",
            "{",
            "{\"a\"",
            "{\"a\":",
            "[1,",
            "{\"a\": [1, {\"b\": \"\\",
            "\"",
            "[\"\\",
        ] {
            let _ = object_members(text, 0);
            let _ = array_elements(text, 0);
        }
        assert!(object_members("[1]", 0).is_empty());
        assert_eq!(array_elements("[1, 2", 0), [(1, 2), (4, 5)]);
    }
}
