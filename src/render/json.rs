//! `--format json`: one compact object per line, the schema in `schema/diagnosis.json`.

use std::io::{self, Write};

use crate::diagnosis::Diagnosis;

pub fn line(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, d)?;
    out.write_all(b"\n")
}
