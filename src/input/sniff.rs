//! Telling a stream's format from its first bytes, without losing them.

use std::io::{self, BufRead, Read};

use super::{InputOptions, ReadFailure, io_failure};
use crate::read::normal::{BOM, CrToLf, normalise_head, strip_bom};
use crate::read::{InputFormat, SNIFF_BYTES, detect, enough_to_detect};

/// An input after [`open`]: its first bytes, normalised, then the rest.
pub(super) type Normalised<'r> = io::Chain<io::Cursor<Vec<u8>>, &'r mut dyn BufRead>;

/// The input normalised ([`crate::read::normal`]): its first bytes, read to tell its
/// format, then the rest (through `lf` when its line endings are lone CRs); and its
/// format (`opts.format`, or as the first bytes show).
pub(super) fn open<'r>(
    reader: &'r mut dyn BufRead,
    lf: &'r mut Option<CrToLf<&'r mut dyn BufRead>>,
    name: &str,
    opts: &InputOptions,
) -> Result<(Normalised<'r>, InputFormat), ReadFailure> {
    let mut head = sniff(reader).map_err(|source| io_failure(name, source))?;
    let rest: &'r mut dyn BufRead = if normalise_head(&mut head) {
        lf.insert(CrToLf::new(reader))
    } else {
        reader
    };
    let format = match opts.format {
        InputFormat::Auto => detect(&head),
        f => f,
    };
    Ok((io::Cursor::new(head).chain(rest), format))
}

/// Enough of the input's start to tell its format. A pipe hands data over in pieces
/// (curl writes its `-v` lines one by one), so one read is not enough; but a stream
/// of records must not wait for more than it needs ([`enough_to_detect`]).
fn sniff(reader: &mut dyn BufRead) -> io::Result<Vec<u8>> {
    // The byte-order mark is not counted: [`normalise_head`] drops it.
    let enough = SNIFF_BYTES + BOM.len();
    let mut head = Vec::new();
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(head);
        }
        let take = chunk.len().min(enough - head.len());
        head.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if head.len() >= enough || enough_to_detect(strip_bom(&head)) {
            return Ok(head);
        }
    }
}
