//! Undoing a Content-Encoding the client did not undo (curl without `--compressed`,
//! wget), so rules see the JSON instead of gzip bytes.

use std::io::Read;

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use crate::response::{Body, Headers, Note};

/// Decompressed bodies beyond this are cut: an error body is small, a bomb is not.
const MAX_DECODED: u64 = 32 * 1024 * 1024;

/// The bytes after a header block as the response body. Nothing at all after headers
/// that announce a body means the client did not print it (`curl -D -`, HTTPie
/// `--print=h`, wget on a 401), which is not the same as an empty body.
pub(crate) fn body(headers: &Headers, bytes: &[u8], notes: &mut Vec<Note>) -> Body {
    if bytes.is_empty() && content_length(headers).is_some_and(|n| n > 0) {
        notes.push(Note::BodyMissing);
        return Body::default();
    }
    Body::new(decode(headers, bytes.to_vec(), notes))
}

fn content_length(headers: &Headers) -> Option<u64> {
    headers.get("content-length")?.trim().parse().ok()
}

/// Decode `body` when it is visibly still compressed; otherwise hand it back untouched
/// (HTTPie, xh and `curl --compressed` show `Content-Encoding: gzip` next to a body they
/// already decoded).
pub(crate) fn decode(headers: &Headers, body: Vec<u8>, notes: &mut Vec<Note>) -> Vec<u8> {
    let encoding = headers
        .get("content-encoding")
        .unwrap_or("")
        .to_ascii_lowercase();
    if body.starts_with(b"\x1f\x8b") {
        return attempt(Codec::Gzip, body, notes);
    }
    if !looks_binary(&body) {
        return body;
    }
    if encoding.contains("deflate") {
        // "deflate" is meant to be zlib-wrapped, but servers send raw deflate too.
        let codec = if is_zlib_header(&body) {
            Codec::Zlib
        } else {
            Codec::RawDeflate
        };
        return attempt(codec, body, notes);
    }
    for other in ["br", "zstd", "compress"] {
        if encoding.split(',').any(|e| e.trim() == other) {
            notes.push(Note::Other(format!(
                "the body is still {other}-compressed and cannot be decoded here; \
                 re-run curl with --compressed to see it"
            )));
        }
    }
    body
}

#[derive(Clone, Copy)]
enum Codec {
    Gzip,
    Zlib,
    RawDeflate,
}

fn attempt(codec: Codec, raw: Vec<u8>, notes: &mut Vec<Note>) -> Vec<u8> {
    let (name, decoder): (&str, Box<dyn Read + '_>) = match codec {
        Codec::Gzip => ("gzip", Box::new(MultiGzDecoder::new(&raw[..]))),
        Codec::Zlib => ("deflate", Box::new(ZlibDecoder::new(&raw[..]))),
        Codec::RawDeflate => ("deflate", Box::new(DeflateDecoder::new(&raw[..]))),
    };
    let mut out = Vec::new();
    // One byte past the cap tells a body of exactly the cap from one that was cut.
    let result = decoder.take(MAX_DECODED + 1).read_to_end(&mut out);
    match result {
        Ok(_) if out.len() as u64 > MAX_DECODED => {
            out.truncate(MAX_DECODED as usize);
            notes.push(Note::Other(format!(
                "the body was {name}-compressed and decodes to more than {} MiB: \
                 only its first {} MiB were decoded, the rest was cut",
                MAX_DECODED >> 20,
                MAX_DECODED >> 20
            )));
            out
        }
        Ok(_) => {
            notes.push(Note::Decompressed(name.to_owned()));
            out
        }
        Err(e) => {
            notes.push(Note::Other(format!(
                "the body looks {name}-compressed but does not decode ({e}); shown as received"
            )));
            raw
        }
    }
}

fn is_zlib_header(body: &[u8]) -> bool {
    matches!(body, [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0)
}

/// Compressed data is full of control bytes and invalid UTF-8; text bodies are not.
fn looks_binary(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    let controls = head
        .iter()
        .filter(|b| b.is_ascii_control() && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    controls > 0 || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write;

    fn headers(encoding: &str) -> Headers {
        let mut h = Headers::new();
        h.push("Content-Encoding", encoding);
        h
    }

    #[test]
    fn gzip_by_magic_even_without_header() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(b"{\"a\":1}").unwrap();
        let mut notes = Vec::new();
        let out = decode(&Headers::new(), enc.finish().unwrap(), &mut notes);
        assert_eq!(out, b"{\"a\":1}");
        assert_eq!(notes, vec![Note::Decompressed("gzip".into())]);
    }

    #[test]
    fn already_decoded_body_is_left_alone() {
        let mut notes = Vec::new();
        let out = decode(&headers("gzip"), b"{\"a\":1}".to_vec(), &mut notes);
        assert_eq!(out, b"{\"a\":1}");
        assert!(notes.is_empty());
    }

    #[test]
    fn zlib_deflate() {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
        enc.write_all(b"{\"a\":1}").unwrap();
        let mut notes = Vec::new();
        let out = decode(&headers("deflate"), enc.finish().unwrap(), &mut notes);
        assert_eq!(out, b"{\"a\":1}");
    }

    #[test]
    fn a_bomb_is_cut_and_the_note_says_so() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&vec![b'a'; MAX_DECODED as usize + 1])
            .unwrap();
        let mut notes = Vec::new();
        let out = decode(&Headers::new(), enc.finish().unwrap(), &mut notes);
        assert_eq!(out.len() as u64, MAX_DECODED);
        assert_eq!(
            notes,
            vec![Note::Other(
                "the body was gzip-compressed and decodes to more than 32 MiB: \
                 only its first 32 MiB were decoded, the rest was cut"
                    .into()
            )]
        );
    }

    #[test]
    fn truncated_gzip_keeps_raw_bytes() {
        let mut notes = Vec::new();
        let raw = b"\x1f\x8b\x08\x00".to_vec();
        assert_eq!(decode(&headers("gzip"), raw.clone(), &mut notes), raw);
        assert!(matches!(notes[0], Note::Other(_)));
    }
}
