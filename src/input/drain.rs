//! Knowing when a stream has been read up to what has arrived.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

/// A reader that knows whether everything it has read has been consumed, that is
/// whether its next read may wait for more input: the moment for a consumer of a
/// stream to flush its output, so `tail -f log | apidiag` shows each diagnosis as its
/// record arrives, yet a fast input is not written out one record at a time.
pub struct DrainAware<R> {
    inner: R,
    buffered: Rc<Cell<usize>>,
}

impl<R> DrainAware<R> {
    /// Wrap `inner`; the returned cell holds the bytes read but not yet consumed.
    pub fn new(inner: R) -> (Self, Rc<Cell<usize>>) {
        let buffered = Rc::new(Cell::new(0));
        let reader = Self {
            inner,
            buffered: Rc::clone(&buffered),
        };
        (reader, buffered)
    }
}

impl<R: BufRead> Read for DrainAware<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // What is left buffered is not known here: a flush too many is harmless.
        self.buffered.set(0);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for DrainAware<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        self.buffered.set(buf.len());
        Ok(buf)
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.buffered.set(self.buffered.get().saturating_sub(n));
    }
}
