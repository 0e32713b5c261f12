//! curl: `--trace FILE` (hex, so the body is kept byte for byte) to a private file,
//! turned into the `curl -v … 2>&1` transcript the reader knows. `--trace` is there
//! since curl 7.9.7, so every curl in use has it. When the user asked for `-v` (which
//! `--trace` would silence) nothing is added and curl's stderr is copied as it goes;
//! when the user gave `--trace`/`--trace-ascii FILE`, that file is read afterwards.

use std::ffi::OsString;
use std::path::PathBuf;

use super::{Ended, Plan, Private, os};

/// Short options that take a value (in curl 7.88): the rest of a cluster is the value.
const SHORT_WITH_VALUE: &[u8] = b"AbcCdDeEFHKmoPQrtTuUwxXyYz";

/// Long options that take a value, the common ones (so their value is not read as an
/// option).
const LONG_WITH_VALUE: &[&str] = &[
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--header",
    "--user",
    "--output",
    "--url",
    "--request",
    "--form",
    "--cookie",
    "--user-agent",
    "--referer",
    "--max-time",
    "--connect-timeout",
    "--resolve",
    "--connect-to",
    "--proxy",
    "--cacert",
    "--cert",
    "--key",
    "--write-out",
    "--dump-header",
    "--config",
    "--oauth2-bearer",
    "--upload-file",
    "--range",
    "--retry",
    "--stderr",
    "--interface",
    "--limit-rate",
];

/// What the user's own options already do about the capture.
#[derive(Debug, Default, PartialEq)]
pub struct Seen {
    /// `-v`/`--verbose` last among -v, --trace, --trace-ascii.
    pub verbose: bool,
    /// `--trace FILE` (hex) or `--trace-ascii FILE` (ascii = true), last among them.
    pub trace: Option<(PathBuf, bool)>,
    /// `-o FILE` / `--output FILE` (the last).
    pub output: Option<PathBuf>,
    /// The URLs, in order (`--url URL` and the words that are no option or value).
    pub urls: Vec<String>,
}

/// Read what the user's arguments ask of curl's tracing.
pub fn seen(args: &[OsString]) -> Seen {
    let mut seen = Seen::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        let next = args.get(i + 1).map(PathBuf::from);
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            match long {
                "verbose" => {
                    seen.verbose = true;
                    seen.trace = None;
                }
                "no-verbose" => seen.verbose = false,
                "trace" | "trace-ascii" => {
                    seen.verbose = false;
                    seen.trace = next
                        .filter(|p| p.as_os_str() != "-")
                        .map(|p| (p, long == "trace-ascii"));
                    i += 1;
                }
                "output" => {
                    seen.output = next;
                    i += 1;
                }
                "url" => {
                    seen.urls
                        .extend(args.get(i).map(|u| u.to_string_lossy().into_owned()));
                    i += 1;
                }
                _ if LONG_WITH_VALUE.contains(&a.as_ref()) => i += 1,
                _ => {}
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            if !a.starts_with('-') {
                seen.urls.push(a.into_owned());
            }
            continue;
        };
        for (k, c) in cluster.bytes().enumerate() {
            if c == b'v' {
                seen.verbose = true;
                seen.trace = None;
            } else if SHORT_WITH_VALUE.contains(&c) {
                let rest = &cluster[k + 1..];
                let value = if rest.is_empty() {
                    i += 1;
                    next.clone()
                } else {
                    Some(PathBuf::from(rest))
                };
                if c == b'o' {
                    seen.output = value;
                }
                break;
            }
        }
    }
    seen
}

pub(crate) fn plan(args: &[OsString], private: &Private) -> Plan {
    let seen = seen(args);
    let mut all = args.to_vec();
    let add = !seen.verbose && seen.trace.is_none();
    if add {
        all.push(os("--trace"));
        all.push(private.file("trace").into_os_string());
    }
    Plan {
        args: all,
        tee_stderr: seen.verbose,
        quiet_stderr: false,
        stdout_filter: None,
        needs: add.then_some(super::version::CURL_TRACE),
    }
}

/// The exchange as `curl -v … 2>&1` would have shown it: one transcript per transfer
/// (per URL of `curl URL1 URL2`), in order. Only the last transfer's failure is in
/// curl's exit status; an earlier one's is in its trace (`* Failed to connect …`).
/// With the user's own `-v` curl's stderr is cut the same way; the body is known only
/// from `-o FILE` (the last one), for the last transfer.
pub(crate) fn transcripts(
    args: &[OsString],
    private: &Private,
    stderr: &[u8],
    ended: Ended,
) -> Vec<Vec<u8>> {
    let seen = seen(args);
    if seen.verbose {
        // curl -v printed it all on stderr; the body is on stdout, or in -o FILE.
        let mut parts: Vec<Vec<u8>> = transfers(stderr, b"* ")
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        if let Some(body) = seen.output.and_then(|o| std::fs::read(o).ok())
            && let Some(last) = parts.last_mut()
        {
            last.extend_from_slice(&body);
        }
        return parts;
    }
    let (file, ascii) = match seen.trace {
        Some(t) => t,
        None => (private.file("trace"), false),
    };
    let trace = std::fs::read(file).unwrap_or_default();
    let parts = transfers(&trace, b"== Info: ");
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| from_trace(part, ascii, if i == last { ended } else { Ended::Code(0) }))
        .collect()
}

/// The URL each transcript's request went to, from the command line, for a transfer
/// that failed before curl sent anything (refused, DNS, TLS): its trace shows no
/// request. Without a scheme curl defaults to `http://`. Only when the URLs and the
/// transfers pair up one to one: a glob (`{a,b}`, `[1-3]`) or `--fail-early` breaks
/// the pairing, and then no URL is guessed.
pub fn request_urls(args: &[OsString], transfers: usize) -> Vec<Option<String>> {
    let urls = seen(args).urls;
    if urls.len() != transfers {
        return vec![None; transfers];
    }
    urls.into_iter()
        .map(|u| {
            Some(if u.contains("://") {
                u
            } else {
                format!("http://{u}")
            })
        })
        .collect()
}

/// A trace (info lines `== Info: `) or `-v` output (`* `) cut into one part per
/// transfer. A transfer ends at curl's `Closing connection` or `Connection #N to host
/// … left intact` line, unless the next line is `Issue another request to this URL`
/// (a redirect followed, another auth round: the same transfer goes on).
pub fn transfers<'t>(trace: &'t [u8], info_mark: &[u8]) -> Vec<&'t [u8]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut pending: Option<usize> = None;
    let mut at = 0;
    for line in trace.split_inclusive(|b| *b == b'\n') {
        let line_start = at;
        at += line.len();
        let text = strip_time(line);
        let Some(info) = text.strip_prefix(info_mark) else {
            if let Some(end) = pending.take()
                && [&b"=> "[..], b"<= ", b"> ", b"< "]
                    .iter()
                    .any(|m| text.starts_with(m))
            {
                parts.push(&trace[start..end]);
                start = end;
            }
            continue;
        };
        if let Some(end) = pending.take()
            && !info.starts_with(b"Issue another request")
        {
            parts.push(&trace[start..end]);
            start = end;
        }
        let ends = info.starts_with(b"Closing connection")
            || (info.starts_with(b"Connection #") && info.windows(11).any(|w| w == b"left intact"));
        if ends {
            pending = Some(line_start + line.len());
        }
    }
    if start < trace.len() || parts.is_empty() {
        parts.push(&trace[start..]);
    }
    parts
}

/// One block of a trace: `== Info:`, `=> Send header`, `<= Recv data`, …
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    SendHeader,
    SendData,
    RecvHeader,
    RecvData,
    Other,
}

/// Turn a `--trace` (hex) or `--trace-ascii` file into a `curl -v 2>&1` transcript:
/// `* ` info, `> ` request and `< ` response lines, then curl's error line when it
/// failed, then the body of the last response.
pub fn from_trace(trace: &[u8], ascii: bool, ended: Ended) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    let mut last_info = String::new();
    let mut block: Option<(Kind, Vec<u8>, usize)> = None;
    // Whether the last response came chunked: curl traces the chunks as received.
    let mut chunked = false;
    type Block = Option<(Kind, Vec<u8>, usize)>;
    let flush = |block: &mut Block, out: &mut Vec<u8>, body: &mut Vec<u8>, chunked: &mut bool| {
        let Some((kind, bytes, _)) = block.take() else {
            return;
        };
        match kind {
            Kind::SendHeader | Kind::RecvHeader => {
                let mark: &[u8] = if kind == Kind::SendHeader {
                    b"> "
                } else {
                    b"< "
                };
                if kind == Kind::RecvHeader && bytes.starts_with(b"HTTP/") {
                    body.clear();
                    *chunked = false;
                }
                if kind == Kind::RecvHeader {
                    let line = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
                    if line.starts_with("transfer-encoding:") && line.contains("chunked") {
                        *chunked = true;
                    }
                }
                for line in bytes.split_inclusive(|b| *b == b'\n') {
                    out.extend_from_slice(mark);
                    out.extend_from_slice(line);
                }
                if !bytes.ends_with(b"\n") && !bytes.is_empty() {
                    out.push(b'\n');
                }
            }
            Kind::SendData => {
                out.extend_from_slice(format!("}} [{} bytes data]\n", bytes.len()).as_bytes());
            }
            Kind::RecvData => {
                out.extend_from_slice(format!("{{ [{} bytes data]\n", bytes.len()).as_bytes());
                body.extend_from_slice(&bytes);
            }
            Kind::Other => {}
        }
    };
    for line in trace.split(|b| *b == b'\n') {
        let line = strip_time(line);
        if let Some(info) = line.strip_prefix(b"== Info: ") {
            flush(&mut block, &mut out, &mut body, &mut chunked);
            out.extend_from_slice(b"* ");
            out.extend_from_slice(info);
            out.push(b'\n');
            let info = String::from_utf8_lossy(info);
            if !info.starts_with("Closing connection") && !info.starts_with("Connection #") {
                last_info = info.trim().to_owned();
            }
            continue;
        }
        if line.starts_with(b"=> ") || line.starts_with(b"<= ") {
            flush(&mut block, &mut out, &mut body, &mut chunked);
            let head = String::from_utf8_lossy(line);
            let kind = if head.starts_with("=> Send header") {
                Kind::SendHeader
            } else if head.starts_with("=> Send data") {
                Kind::SendData
            } else if head.starts_with("<= Recv header") {
                Kind::RecvHeader
            } else if head.starts_with("<= Recv data") {
                Kind::RecvData
            } else {
                Kind::Other
            };
            let size = head
                .split(", ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            block = Some((kind, Vec::new(), size));
            continue;
        }
        let Some((_, bytes, size)) = block.as_mut() else {
            continue;
        };
        let Some((offset, data)) = data_line(line) else {
            continue;
        };
        if ascii {
            // A line ends early where curl dropped a CRLF; the offsets say so.
            if offset > bytes.len() {
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(data);
            let _ = size;
        } else {
            bytes.extend(hex_bytes(data));
        }
    }
    flush(&mut block, &mut out, &mut body, &mut chunked);
    if let Ended::Code(code) = ended
        && code != 0
    {
        out.extend_from_slice(format!("curl: ({code}) {last_info}\n").as_bytes());
    }
    match chunked.then(|| dechunk(&body)).flatten() {
        Some(plain) => out.extend_from_slice(&plain),
        None => out.extend_from_slice(&body),
    }
    out
}

/// A chunked body decoded (`None` when it is not well formed).
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&raw[..eol]).ok()?;
        let size = size.split(';').next()?.trim();
        let n = usize::from_str_radix(size, 16).ok()?;
        raw = &raw[eol + 2..];
        if n == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..n)?);
        raw = raw.get(n..)?.strip_prefix(b"\r\n")?;
    }
}

/// `17:03:58.123456 ` from `--trace-time`.
fn strip_time(line: &[u8]) -> &[u8] {
    let is_time = line.len() > 9
        && line[2] == b':'
        && line[5] == b':'
        && line[..8].iter().all(|b| b.is_ascii_digit() || *b == b':');
    if !is_time {
        return line;
    }
    match line.iter().position(|b| *b == b' ') {
        Some(p) => &line[p + 1..],
        None => line,
    }
}

/// `0040: …` → (0x40, …).
fn data_line(line: &[u8]) -> Option<(usize, &[u8])> {
    let colon = line.iter().position(|b| *b == b':')?;
    let hex = std::str::from_utf8(&line[..colon]).ok()?;
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let offset = usize::from_str_radix(hex, 16).ok()?;
    let rest = line.get(colon + 1..)?;
    Some((offset, rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// The bytes of a hex line: up to 16 `hh ` groups, then the ASCII column.
fn hex_bytes(data: &[u8]) -> Vec<u8> {
    let cols = &data[..data.len().min(48)];
    cols.split(|b| *b == b' ')
        .filter(|t| t.len() == 2)
        .filter_map(|t| u8::from_str_radix(std::str::from_utf8(t).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn urls_pair_with_transfers_one_to_one() {
        let a = args(&[
            "-sS",
            "-H",
            "X-Api-Key: k",
            "https://a.example/x",
            "--url",
            "b.example/y",
            "-o",
            "out",
        ]);
        assert_eq!(
            request_urls(&a, 2),
            [
                Some("https://a.example/x".to_owned()),
                Some("http://b.example/y".to_owned())
            ]
        );
        // A glob made three transfers of two URLs: which is which is not known.
        assert_eq!(request_urls(&a, 3), [None, None, None]);
    }

    #[test]
    fn options_the_user_gave() {
        assert!(seen(&args(&["-sSv", "URL"])).verbose);
        assert!(!seen(&args(&["-dv", "URL"])).verbose);
        assert!(!seen(&args(&["-H", "-v", "URL"])).verbose);
        assert!(!seen(&args(&["-v", "--trace-ascii", "t", "URL"])).verbose);
        assert_eq!(seen(&args(&["-so", "f", "URL"])).output, Some("f".into()));
        assert_eq!(seen(&args(&["-sof", "URL"])).output, Some("f".into()));
    }

    #[test]
    fn a_trace_is_cut_per_transfer_not_per_redirect() {
        // curl 7.88.1 --trace-ascii of `curl -L URL1 URL2 URL3`, headers and data cut.
        let trace = b"== Info:   Trying 127.0.0.1:1...\n\
== Info: Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server\n\
== Info: Closing connection 0\n\
== Info:   Trying 127.0.0.1:8...\n\
=> Send header, 4 bytes (0x4)\n\
<= Recv header, 4 bytes (0x4)\n\
== Info: Connection #1 to host 127.0.0.1 left intact\n\
== Info: Issue another request to this URL: 'http://127.0.0.1:8/b'\n\
=> Send header, 4 bytes (0x4)\n\
<= Recv header, 4 bytes (0x4)\n\
== Info: Connection #1 to host 127.0.0.1 left intact\n\
== Info: Could not resolve host: nonexistent.invalid\n\
== Info: Closing connection 2\n";
        let parts = transfers(trace, b"== Info: ");
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[0].ends_with(b"Closing connection 0\n"));
        assert_eq!(
            parts[1]
                .windows(12)
                .filter(|w| w == b"Send header,")
                .count(),
            2
        );
        assert!(parts[2].starts_with(b"== Info: Could not resolve"));
        assert_eq!(transfers(b"", b"== Info: ").len(), 1);
        // The same in curl -v's own words.
        let verbose = b"* Connected to a (127.0.0.1) port 8 (#0)\n> GET /a HTTP/1.1\n< HTTP/1.1 404 Not Found\n* Connection #0 to host a left intact\n* Found bundle for host: 0x1 [serially]\n> GET /b HTTP/1.1\n< HTTP/1.1 200 OK\n* Connection #0 to host a left intact\n";
        let parts = transfers(verbose, b"* ");
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[1].starts_with(b"* Found bundle"));
    }

    #[test]
    fn hex_trace_to_transcript() {
        let trace = b"== Info: Connected\n=> Send header, 4 bytes (0x4)\n0000: 47 45 54 0a                                     GET.\n<= Recv header, 5 bytes (0x5)\n0000: 48 54 54 50 2f                                  HTTP/\n<= Recv data, 2 bytes (0x2)\n0000: 7b 7d                                           {}\n";
        let t = from_trace(trace, false, Ended::Code(0));
        assert_eq!(
            String::from_utf8_lossy(&t),
            "* Connected\n> GET\n< HTTP/\n{ [2 bytes data]\n{}"
        );
    }
}
