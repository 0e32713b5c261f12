//! Line splitting that remembers byte offsets, so a reader can hand the rest of the
//! input to the body without copying or re-scanning it.

/// One line: `text` excludes the `\n` and a trailing `\r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub text: &'a [u8],
    /// Offset of the line's first byte.
    pub start: usize,
    /// Offset just after the `\n` (or the end of the input for the last line).
    pub next: usize,
    /// 1-based line number, for error messages.
    pub number: usize,
}

/// Lines from `from` on; a final line without `\n` is still yielded, an empty tail is not.
/// Line numbers count from the line at `from` as 1: counting the lines before it would
/// make readers that restart here once per header block quadratic.
pub(crate) fn lines_from(input: &[u8], from: usize) -> Lines<'_> {
    Lines {
        input,
        pos: from.min(input.len()),
        number: 1,
    }
}

pub(crate) fn lines(input: &[u8]) -> Lines<'_> {
    lines_from(input, 0)
}

pub(crate) struct Lines<'a> {
    input: &'a [u8],
    pos: usize,
    number: usize,
}

impl Lines<'_> {
    /// Jump forward to `pos` (never back), keeping line numbers right.
    pub(crate) fn skip_to(&mut self, pos: usize) {
        let pos = pos.min(self.input.len());
        if pos > self.pos {
            self.number += memchr::memchr_iter(b'\n', &self.input[self.pos..pos]).count();
            self.pos = pos;
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.pos >= self.input.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.input[start..];
        let (end, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (start + i, start + i + 1),
            None => (self.input.len(), self.input.len()),
        };
        let mut text = &self.input[start..end];
        if let Some(stripped) = text.strip_suffix(b"\r") {
            text = stripped;
        }
        self.pos = next;
        let number = self.number;
        self.number += 1;
        Some(Line {
            text,
            start,
            next,
            number,
        })
    }
}

/// Trim ASCII spaces and tabs at both ends.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// Lossy text for header names and values: bad UTF-8 must not stop the diagnosis.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_crlf() {
        let input = b"a\r\nbc\n\nd";
        let got: Vec<_> = lines(input).map(|l| (l.text, l.start, l.next)).collect();
        assert_eq!(
            got,
            vec![
                (&b"a"[..], 0, 3),
                (&b"bc"[..], 3, 6),
                (&b""[..], 6, 7),
                (&b"d"[..], 7, 8)
            ]
        );
        let mut from_start = lines(input);
        from_start.skip_to(6);
        assert_eq!(from_start.next().unwrap().number, 3);
    }

    #[test]
    fn trims() {
        assert_eq!(trim(b"  a b \t"), b"a b");
        assert_eq!(trim(b"   "), b"");
    }
}
