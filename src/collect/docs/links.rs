//! Where exactly a link's destination is written: the byte span of `dest` inside
//! `[text](dest "title")` or `[label]: dest`, so a broken-link finding underlines the path and
//! not the whole link.

use std::ops::Range;

use super::collapse_whitespace;

/// The span of an inline link's destination inside `[text](dest "title")`.
pub fn inline_destination(link: &str) -> Option<Range<usize>> {
    let bytes = link.as_bytes();
    let mut search_end = link.len();
    // The destination follows the last `](` in all but pathological links; a bound keeps a
    // huge paragraph full of `](` from making this quadratic.
    let mut attempts = 0;
    while let Some(pos) = link[..search_end].rfind("](") {
        attempts += 1;
        if attempts > 32 {
            break;
        }
        let start = skip_whitespace(bytes, pos + 2);
        if let Some(dest) = destination_at(bytes, start) {
            // The rest must be an optional title and the closing parenthesis.
            let after = skip_whitespace(
                bytes,
                dest.end + usize::from(bytes.get(dest.start.wrapping_sub(1)) == Some(&b'<')),
            );
            if after < bytes.len()
                && (bytes[after] == b')' || matches!(bytes[after], b'"' | b'\'' | b'('))
            {
                return Some(dest);
            }
        }
        search_end = pos;
    }
    None
}

/// The destination span in a reference definition `[label]: dest "title"`.
pub fn definition_destination(definition: &str) -> Option<Range<usize>> {
    let colon = definition.find("]:")?;
    let start = skip_whitespace(definition.as_bytes(), colon + 2);
    destination_at(definition.as_bytes(), start)
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// A link destination starting at `start`: `<...>` (span inside the brackets) or a run
/// without spaces and with balanced parentheses.
fn destination_at(bytes: &[u8], start: usize) -> Option<Range<usize>> {
    if bytes.get(start) == Some(&b'<') {
        let close = bytes[start + 1..].iter().position(|b| *b == b'>')?;
        return Some(start + 1..start + 1 + close);
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b if b.is_ascii_whitespace() => break,
            _ => {}
        }
        i += 1;
    }
    let end = i.min(bytes.len());
    (end > start).then_some(start..end)
}

/// Reference labels compare case-insensitively with whitespace collapsed.
pub fn normalize_label(label: &str) -> String {
    collapse_whitespace(label).to_lowercase()
}
