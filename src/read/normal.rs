//! The one place an input's bytes are made what detection and every reader expect,
//! before anything looks at them: a UTF-8 byte-order mark (Windows tools write one) is
//! dropped, and old-Mac line endings (a CR alone) become LF. Nothing after this checks
//! for either again.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `input` without its byte-order mark.
pub fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(BOM).unwrap_or(input)
}

/// Whether an input that starts with `head` (all of it, or enough to tell) ends its
/// lines with a lone CR: a CR and no LF, else it would be one long line. Raw gzip,
/// which may hold any bytes, is left alone.
fn cr_only(head: &[u8]) -> bool {
    !head.starts_with(b"\x1f\x8b")
        && memchr::memchr(b'\r', head).is_some()
        && memchr::memchr(b'\n', head).is_none()
}

fn cr_to_lf(bytes: &mut [u8]) {
    for b in bytes.iter_mut().filter(|b| **b == b'\r') {
        *b = b'\n';
    }
}

/// A whole input, normalised.
pub fn normalise(input: &[u8]) -> Cow<'_, [u8]> {
    let input = strip_bom(input);
    if !cr_only(input) {
        return Cow::Borrowed(input);
    }
    let mut owned = input.to_vec();
    cr_to_lf(&mut owned);
    Cow::Owned(owned)
}

/// Normalise the first bytes of a stream, read to detect its format: its BOM is
/// dropped, and they decide for the whole stream whether a CR ends a line. True when
/// the rest of the stream must be read through [`CrToLf`] too.
pub fn normalise_head(head: &mut Vec<u8>) -> bool {
    if head.starts_with(BOM) {
        head.drain(..BOM.len());
    }
    let cr_only = cr_only(head);
    if cr_only {
        cr_to_lf(head);
    }
    cr_only
}

/// A stream whose line endings are lone CRs, read with LFs instead.
pub struct CrToLf<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
}

impl<R> CrToLf<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            pos: 0,
        }
    }
}

impl<R: BufRead> BufRead for CrToLf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.buf.len() {
            let chunk = self.inner.fill_buf()?;
            self.buf.clear();
            self.buf.extend_from_slice(chunk);
            let n = chunk.len();
            self.inner.consume(n);
            cr_to_lf(&mut self.buf);
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

impl<R: BufRead> Read for CrToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_goes_and_cr_only_becomes_lf() {
        assert_eq!(&normalise(b"\xEF\xBB\xBFa\rb\r\rc")[..], b"a\nb\n\nc");
        assert_eq!(&normalise(b"a\r\nb\r")[..], b"a\r\nb\r");
        assert_eq!(&normalise(b"\x1f\x8b\r")[..], b"\x1f\x8b\r");
        assert_eq!(&normalise(b"x\xEF\xBB\xBF")[..], b"x\xEF\xBB\xBF");
    }

    #[test]
    fn a_stream_is_normalised_as_its_head_decides() {
        let mut head = b"\xEF\xBB\xBFHTTP/1.1 404\r".to_vec();
        assert!(normalise_head(&mut head));
        assert_eq!(head, b"HTTP/1.1 404\n");
        let mut rest = String::new();
        CrToLf::new(&b"a: b\r\rgone\r"[..])
            .read_to_string(&mut rest)
            .unwrap();
        assert_eq!(rest, "a: b\n\ngone\n");
        let mut crlf = b"{}\r\n".to_vec();
        assert!(!normalise_head(&mut crlf));
        assert_eq!(crlf, b"{}\r\n");
    }
}
