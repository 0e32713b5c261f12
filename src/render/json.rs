//! `--format json`: one compact object per line, the schema in `schema/diagnosis.json`.

use std::io::{self, Write};

use crate::diagnosis::Diagnosis;

pub fn line(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    // Serialised into a buffer first: through `dyn Write`, each of the many small
    // pieces serde writes would be a dynamic call.
    let mut buf = Vec::with_capacity(2048);
    serde_json::to_writer(&mut buf, d)?;
    buf.push(b'\n');
    out.write_all(&buf)
}
