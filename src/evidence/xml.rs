//! XML error bodies: AWS S3 (`<Error><Code>…`), the AWS Query protocol
//! (`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`), Azure
//! Storage (`<Error><Code/><Message/><AuthenticationErrorDetail/>`) and RFC 9457's
//! `application/problem+xml`. Read with quick-xml: no DTD, no entity but the five
//! predefined ones, and only the start of a body.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::Evidence;

/// Error documents are short; a long body is not read past this.
const SCAN: usize = 64 * 1024;
/// Elements read at most, so a body of many tiny elements ends quickly.
const MAX_ELEMENTS: usize = 2_000;

pub(super) fn looks_like_xml(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|i| body[i] == b'<' && !crate::response::looks_like_html(&body[i..]))
}

/// The `<title>` of an HTML error page (nginx's `502 Bad Gateway`, a CDN's page), from
/// its first 4 KiB.
pub(super) fn html_title(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let lower = head.to_ascii_lowercase();
    let start = memchr::memmem::find(&lower, b"<title>")? + b"<title>".len();
    let len = memchr::memmem::find(&lower[start..], b"</title>")?;
    let title = String::from_utf8_lossy(&head[start..start + len]);
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// The text of each leaf element, by local name, in document order.
fn leaves(body: &[u8]) -> (Option<String>, Vec<(String, String)>) {
    let mut reader = Reader::from_reader(&body[..body.len().min(SCAN)]);
    reader.config_mut().trim_text(true);
    let mut root = None;
    let mut open: Option<String> = None;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for _ in 0..MAX_ELEMENTS * 3 {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                root.get_or_insert_with(|| name.clone());
                open = Some(name);
            }
            Ok(Event::Text(t)) => {
                if let (Some(name), Ok(text)) = (open.take(), t.unescape()) {
                    out.push((name, text.into_owned()));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(name) = open.take() {
                    out.push((name, String::from_utf8_lossy(&t).into_owned()));
                }
            }
            Ok(Event::End(_)) => open = None,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
        if out.len() >= MAX_ELEMENTS {
            break;
        }
    }
    (root, out)
}

pub(super) fn read(body: &[u8], ev: &mut Evidence) {
    let (root, leaves) = leaves(body);
    let Some(root) = root else {
        return;
    };
    let first = |name: &str| {
        leaves
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if root == "problem" {
        ev.envelope = Some("problem-details-xml");
        if let Some(t) = first("type").filter(|t| *t != "about:blank") {
            ev.error_type = Some(t.to_owned());
            ev.link(t);
        }
        for key in ["detail", "title"] {
            if let Some(m) = first(key) {
                ev.message(m);
            }
        }
        return;
    }
    let Some(code) = first("Code") else {
        return;
    };
    ev.envelope = Some(if root == "ErrorResponse" {
        "aws-query-xml"
    } else {
        "xml-error"
    });
    ev.code(code);
    ev.error_type = first("Type").map(str::to_owned);
    if let Some(m) = first("Message") {
        // Azure Storage appends `RequestId:…` and `Time:…` lines to the message.
        let (text, request_id) = split_azure_message(m);
        ev.message(text);
        ev.request_id = request_id;
    }
    if let Some(detail) = first("AuthenticationErrorDetail") {
        ev.message(detail);
    }
    if let Some(id) = first("RequestId") {
        ev.request_id = Some(id.to_owned());
    }
}

fn split_azure_message(m: &str) -> (&str, Option<String>) {
    match m.find("\nRequestId:") {
        Some(i) => {
            let id = m[i + "\nRequestId:".len()..].lines().next().unwrap_or("");
            (
                m[..i].trim_end(),
                Some(id.trim().to_owned()).filter(|s| !s.is_empty()),
            )
        }
        None => (m, None),
    }
}
