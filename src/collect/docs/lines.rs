//! Byte offsets to 1-based line and column (Unicode scalar values, as SARIF's
//! `unicodeCodePoints`), in time proportional to the distance from the previous lookup.
//!
//! `Location::from_byte_range` rescans the text from its start on every call; a document
//! with tens of thousands of mentions on long lines made that quadratic. Lookups here come in
//! nearly increasing order, so each one resumes counting from the last.

use std::cell::Cell;

use crate::facts::{FileName, Location};

pub struct LineIndex<'a> {
    /// Shared by every location made here.
    file: FileName,
    text: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// The last lookup: (byte offset, 0-based line, 1-based column).
    last: Cell<(usize, usize, u32)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            file: file.into(),
            text,
            line_starts,
            last: Cell::new((0, 0, 1)),
        }
    }

    /// The location of bytes `start..end`.
    pub fn location(&self, start: usize, end: usize) -> Location {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end.max(start));
        Location {
            file: self.file.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|s| *s <= offset) - 1;
        let (last_offset, last_line, last_column) = self.last.get();
        let column = if last_line == line && last_offset <= offset {
            last_column + count(&self.text[last_offset..offset])
        } else {
            1 + count(&self.text[self.line_starts[line]..offset])
        };
        self.last.set((offset, line, column));
        (u32::try_from(line + 1).unwrap_or(u32::MAX), column)
    }
}

fn count(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_location_from_byte_range_in_any_order() {
        let text = "ab\nçé日本 x\n\n🚀z\n";
        let index = LineIndex::new("f.md", text);
        let offsets: Vec<usize> = (0..=text.len()).chain((0..=text.len()).rev()).collect();
        for pair in offsets.windows(2) {
            let (a, b) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
            assert_eq!(
                index.location(a, b),
                Location::from_byte_range("f.md", text, a, b),
                "{a}..{b}"
            );
        }
    }
}
