//! Where a fact came from: [`FileName`] (a shared repository-relative path), [`Location`]
//! (a 1-based line and column span, as SARIF counts them) and [`LineIndex`], the one way to
//! turn byte offsets into lines and columns.

use std::cell::Cell;

use serde::{Deserialize, Serialize};

/// A repository-relative file path (`/` separators), shared: every location in one file can
/// hold the same allocation (a large repository has hundreds of thousands of locations).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileName(std::sync::Arc<str>);

impl FileName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for FileName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for FileName {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&*self.0)
    }
}

impl std::borrow::Borrow<str> for FileName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for FileName {
    fn from(s: &str) -> Self {
        FileName(s.into())
    }
}

impl From<String> for FileName {
    fn from(s: String) -> Self {
        FileName(s.into())
    }
}

impl From<&String> for FileName {
    fn from(s: &String) -> Self {
        FileName(s.as_str().into())
    }
}

impl From<&FileName> for FileName {
    fn from(s: &FileName) -> Self {
        s.clone()
    }
}

impl From<FileName> for String {
    fn from(f: FileName) -> String {
        f.0.to_string()
    }
}

impl PartialEq<str> for FileName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FileName {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<FileName> for &str {
    fn eq(&self, other: &FileName) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<FileName> for String {
    fn eq(&self, other: &FileName) -> bool {
        self.as_str() == &*other.0
    }
}

impl Serialize for FileName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FileName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FileName::from)
    }
}

/// A span in a repository file. Lines and columns are 1-based; columns count Unicode scalar
/// values (SARIF `columnKind: unicodeCodePoints`); `end_column` is exclusive, as in SARIF.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub file: FileName,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    /// The whole first line of a file: used for file-level facts (a missing history, a
    /// tracked secret file) where no narrower span says more.
    pub fn file_start(file: impl Into<FileName>) -> Self {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }

    /// A span on one line, `column..end_column` (1-based, end exclusive).
    pub fn on_line(file: impl Into<FileName>, line: u32, column: u32, end_column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            end_line: line,
            end_column: end_column.max(column),
        }
    }

    /// Locate byte range `start..end` of `text` (the whole content of `file`).
    pub fn from_byte_range(
        file: impl Into<FileName>,
        text: &str,
        start: usize,
        end: usize,
    ) -> Self {
        let (line, column) = line_col(text, start);
        let (end_line, end_column) = line_col(text, end.max(start));
        Location {
            file: file.into(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// 1-based line and column (in chars) of byte offset `offset` in `text`. Offsets past the end
/// or inside a multi-byte character are clamped to the nearest preceding boundary.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (clamp_u32(line), clamp_u32(column))
}

/// Line starts of one text, so that locating many spans in it costs a binary search each
/// instead of a scan from the top. Lookups usually come in nearly increasing order (a parser
/// walking the text), so a lookup on the same line as the previous one resumes counting
/// columns from there: a document with tens of thousands of spans on long lines stays linear.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last lookup: (byte offset, 0-based line, 1-based column).
    last: Cell<(usize, usize, u32)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            text,
            starts,
            last: Cell::new((0, 0, 1)),
        }
    }

    /// 1-based line and column (in chars) of byte `offset`, as [`line_col`].
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1) - 1;
        let (last_offset, last_line, last_column) = self.last.get();
        let column = if last_line == line && last_offset <= offset {
            last_column.saturating_add(count_chars(&self.text[last_offset..offset]))
        } else {
            1 + count_chars(&self.text[self.starts[line]..offset])
        };
        self.last.set((offset, line, column));
        (clamp_u32(line + 1), column)
    }

    /// The location of bytes `start..end` in `file` (pass a [`FileName`] to share it).
    pub fn location(&self, file: impl Into<FileName>, start: usize, end: usize) -> Location {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end.max(start));
        Location {
            file: file.into(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

fn count_chars(text: &str) -> u32 {
    clamp_u32(text.chars().count())
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_agrees_with_line_col_in_any_order() {
        let text = "ab\nçé日本 x\n\n🚀z\n";
        let index = LineIndex::new(text);
        let offsets: Vec<usize> = (0..=text.len()).chain((0..=text.len()).rev()).collect();
        for pair in offsets.windows(2) {
            let (a, b) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
            assert_eq!(
                index.location("f.md", a, b),
                Location::from_byte_range("f.md", text, a, b),
                "{a}..{b}"
            );
            assert_eq!(index.line_col(a), line_col(text, a), "{a}");
        }
    }
}
