//! Output hardening: text from a response, a file name or a record reaches every
//! output form sanitised, Markdown keeps server text inert, and server text is
//! bounded in size.

use crate::common;

use std::path::Path;

use common::{Run, apidiag, run_with};

/// Characters a terminal acts on (ESC, BEL, CSI) that must never be printed raw.
const RAW: [char; 3] = ['\x1b', '\x07', '\u{9b}'];

fn assert_no_raw_escape(what: &str, text: &str) {
    for c in RAW {
        assert!(!text.contains(c), "{what}: raw {c:?} in\n{text}");
    }
}

/// The lines between `**Fields.**` and the next blank line.
fn fields_section(md: &str) -> Vec<&str> {
    md.lines()
        .skip_while(|l| *l != "**Fields.**")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = apidiag().current_dir(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: Default::default(),
    }
}

const FASTAPI_422: &str = "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\n\r\n\
{\"detail\":[{\"loc\":[\"query\",\"li\\u001b]52;c;aGVsbG8=\\u0007mit\"],\"msg\":\"too \\u001b[2Jbig\"},\
{\"loc\":[\"body\",\"a`b\"],\"msg\":\"m|n\"}]}";

const NESTJS_400: &str = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n\
{\"statusCode\":400,\"message\":[\"e\\u001b[2Jmail must be an email\",\"x\\u001b]52;c;QQ==\\u0007 is [bad](https://e.example)\"],\"error\":\"Bad Request\"}";

#[test]
fn markdown_field_names_and_problems_are_sanitised_and_inert() {
    let r = run_with(&["--format", "markdown"], FASTAPI_422);
    r.diagnosis("FastAPI loc");
    assert_no_raw_escape("FastAPI loc", &r.stdout);
    assert_eq!(
        fields_section(&r.stdout),
        [
            "- `li\\u{1b}]52;c;aGVsbG8=\\u{7}mit`: too \\\\u{1b}\\[2Jbig",
            "- ``a`b``: m\\|n",
        ]
    );
    let r = run_with(&["--format", "markdown"], NESTJS_400);
    r.diagnosis("NestJS message");
    assert_no_raw_escape("NestJS message", &r.stdout);
    assert_eq!(
        fields_section(&r.stdout),
        [
            "- `e\\u{1b}[2Jmail`: must be an email",
            "- `x\\u{1b}]52;c;QQ==\\u{7}`: is \\[bad\\](https://e.example)",
        ]
    );
}

/// A user pack whose rule puts the server's message in its title, cause and fix.
const ECHO_RULES: &str = r#"{
  "api": "acme",
  "name": "Acme API",
  "recognise": {"hosts": ["api.acme.example"], "headers": ["x-acme-trace"]},
  "rules": [
    {
      "id": "acme/echo",
      "title": "Acme refused: {{message}}",
      "when": {
        "status": 400,
        "body": [{"path": "$.message", "type": "string", "capture": "message"}],
        "headers": [{"name": "X-Acme-Trace", "exists": true}]
      },
      "cause": "Acme said {{message}}.",
      "fix": ["{{message}}"],
      "examples": {"match": [{"status": 400, "headers": {"X-Acme-Trace": "t1"}, "body": {"message": "m"}}]}
    }
  ]
}"#;

fn echo_rules() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.json"), ECHO_RULES).unwrap();
    dir
}

#[test]
fn markdown_server_text_renders_as_literal_text() {
    let dir = echo_rules();
    let message = "- [Click here](https://evil.example) ![x](https://evil.example/x.png) \
                   <img src=x onerror=alert(1)> @org/team | #1 `ok` *b*";
    let input = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Acme-Trace: t\r\n\
         X-Request-Id: req`) [x](https://evil.example)\r\n\r\n{}",
        serde_json::json!({ "message": message })
    );
    std::fs::write(dir.path().join("echo.txt"), input).unwrap();
    let r = run_in(
        dir.path(),
        &["--rules", "acme.json", "--format", "markdown", "echo.txt"],
    );
    r.diagnosis("markdown echo");
    let inert = "- \\[Click here\\](https://evil.example) !\\[x\\](https://evil.example/x.png) \
                 \\<img src=x onerror=alert(1)> `@`org/team \\| \\#1 `ok` \\*b\\*";
    let want = format!(
        "### 400 Bad Request — Acme refused: {inert}\n\
         \n\
         | | |\n\
         |---|---|\n\
         | API | acme |\n\
         | Rule | `acme/echo` (documented) |\n\
         | Request id | req\\`) \\[x\\](https://evil.example) |\n\
         | Source | echo.txt |\n\
         \n\
         **Cause.** Acme said {inert}.\n\
         \n\
         **Fix.**\n\
         1. \\{inert}\n"
    );
    assert_eq!(r.stdout, want);
}

const TEAPOT_HAR: &str = r#"{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-11-23T17:22:53.095Z","request":{"method":"GET","url":"https://api.example/x|y","headers":[]},"response":{"status":418,"statusText":"Tea | pot","headers":[],"content":{"mimeType":"text/plain","text":"no"}}}]}}"#;

#[test]
fn markdown_table_cells_keep_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t|1.har"), TEAPOT_HAR).unwrap();
    let r = run_in(dir.path(), &["--format", "markdown", "t|1.har"]);
    r.diagnosis("pipes in a HAR");
    let row = r.stdout.lines().nth(2).unwrap();
    assert_eq!(
        row,
        "| t\\|1.har entry 0 | GET https://api.example/x\\|y | 418 Tea \\| pot | `http/status-418` \
         | 418 (\"I'm a teapot\") is not a real error: RFC 9110 marks it unused. Servers and WAFs \
         that return it use it to refuse requests they take for bots, scrapers or abuse. \
         | Read the response body and headers for the actual reason. |"
    );
    assert_eq!(row.matches(" | ").count() + 2, 7, "six cells: {row}");
}

#[test]
fn file_names_are_sanitised_in_headers_labels_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "a\x1b]52;c;QQ==\x07b";
    std::fs::write(
        dir.path().join(format!("{bad}.txt")),
        "HTTP/1.1 404 Not Found\r\n\r\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(format!("{bad}.har")), TEAPOT_HAR).unwrap();
    let shown = "a\\u{1b}]52;c;QQ==\\u{7}b";
    let missing = "gone\x1b[2J.txt";
    let r = run_in(
        dir.path(),
        &[
            "--color",
            "never",
            &format!("{bad}.txt"),
            &format!("{bad}.har"),
            missing,
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert_no_raw_escape("stdout", &r.stdout);
    assert_no_raw_escape("stderr", &r.stderr);
    assert_eq!(r.stdout.lines().next().unwrap(), format!("── {shown}.txt"));
    assert!(
        r.stdout
            .lines()
            .any(|l| l
                == format!("[{shown}.har entry 0] GET https://api.example/x|y → 418 Tea | pot")),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "apidiag: error: gone\\u{1b}[2J.txt: No such file or directory (os error 2)\n"
    );
}

/// A response the echo rule explains, its `message` `len` bytes of `a`.
fn echo_response(len: usize) -> String {
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Acme-Trace: t\r\n\r\n\
         {{\"message\":\"{}\"}}",
        "a".repeat(len)
    )
}

#[test]
fn a_huge_server_message_is_cut_in_every_form() {
    let dir = echo_rules();
    let rules = dir.path().join("acme.json");
    let rules = rules.to_str().unwrap();
    let input = echo_response(3 << 20);
    let kept = format!("{}… (3 MiB more)", "a".repeat(1024));
    let r = run_with(&["--rules", rules, "--format", "json"], input.as_str());
    r.diagnosis("3 MiB message as JSON");
    let d = &r.json_lines()[0];
    assert_eq!(d["title"], format!("Acme refused: {kept}"));
    assert_eq!(d["cause"], format!("Acme said {kept}."));
    assert_eq!(d["fix"], serde_json::json!([kept]));
    assert_eq!(d["message"], kept);
    // Title, cause, fix and the server's own `message`: four cut copies, no more.
    assert!(r.stdout.len() < 5 << 10, "{} bytes", r.stdout.len());
    let r = run_with(&["--rules", rules, "--color", "never"], input.as_str());
    r.diagnosis("3 MiB message, human");
    assert_eq!(
        r.stdout.lines().nth(3).unwrap(),
        format!("cause     Acme said {kept}.")
    );
    assert!(r.stdout.len() < 4 << 10, "{} bytes", r.stdout.len());
    let r = run_with(&["--rules", rules, "--format", "markdown"], input.as_str());
    r.diagnosis("3 MiB message, markdown");
    assert!(
        r.stdout
            .contains(&format!("\n**Cause.** Acme said {kept}.\n")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.len() < 4 << 10, "{} bytes", r.stdout.len());
    // One byte over the limit is cut too, and says so in bytes.
    let r = run_with(&["--rules", rules, "--format", "json"], echo_response(1025));
    assert_eq!(
        r.json_lines()[0]["cause"],
        format!("Acme said {}… (1 byte more).", "a".repeat(1024))
    );
}

/// A FastAPI 422 listing `n` invalid fields.
fn many_fields(n: usize) -> String {
    let detail: Vec<_> = (0..n)
        .map(|i| serde_json::json!({"loc": ["body", format!("f{i}")], "msg": "bad"}))
        .collect();
    format!(
        "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\n\r\n{}",
        serde_json::json!({ "detail": detail })
    )
}

#[test]
fn a_hundred_thousand_fields_list_the_first_fifty_and_a_count() {
    let input = many_fields(100_000);
    let r = run_with(&["--format", "json"], input.as_str());
    r.diagnosis("100 000 fields as JSON");
    let d = &r.json_lines()[0];
    let fields = d["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 50);
    assert_eq!(
        fields[49],
        serde_json::json!({"field": "f49", "problem": "bad"})
    );
    assert_eq!(d["fields_omitted"], 99_950);
    let r = run_with(&["--color", "never"], input.as_str());
    r.diagnosis("100 000 fields, human");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("field ")).unwrap();
    assert_eq!(lines[first], "field     f0: bad");
    assert_eq!(lines[first + 49], "field     f49: bad");
    assert_eq!(lines[first + 50], "          … and 99950 more");
    assert!(
        lines[first + 51].starts_with("fix "),
        "{}",
        lines[first + 51]
    );
    let r = run_with(&["--format", "markdown"], input.as_str());
    r.diagnosis("100 000 fields, markdown");
    let section = fields_section(&r.stdout);
    assert_eq!(section.len(), 51);
    assert_eq!(section[49], "- `f49`: bad");
    assert_eq!(section[50], "- … and 99950 more");
    // Exactly 50 fields: all listed, nothing said to be left out.
    let r = run_with(&["--format", "json"], many_fields(50));
    let d = &r.json_lines()[0];
    assert_eq!(d["fields"].as_array().unwrap().len(), 50);
    assert!(d.get("fields_omitted").is_none(), "{d}");
}

#[test]
fn a_long_reason_phrase_and_url_are_cut_too() {
    let reason = "T".repeat(100 << 10);
    let url = format!("https://api.example/{}", "p".repeat(100 << 10));
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "request": {"method": "GET", "url": url, "headers": []},
        "response": {"status": 418, "statusText": reason, "headers": [],
                     "content": {"mimeType": "text/plain", "text": "no"}}
    }]}});
    let r = run_with(
        &["--input-format", "har", "--format", "json"],
        har.to_string(),
    );
    r.diagnosis("long reason and URL");
    let d = &r.json_lines()[0];
    assert_eq!(d["reason"], format!("{}… (99 KiB more)", "T".repeat(1024)));
    let shown = d["request"]["url"].as_str().unwrap();
    assert_eq!(
        shown,
        format!("https://api.example/{}… (99 KiB more)", "p".repeat(1004))
    );
}

#[test]
fn a_rule_file_name_is_sanitised_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b\x1b[2J.json"), "{\"api\":\"x\"").unwrap();
    let r = run_in(dir.path(), &["rules", "check", "b\x1b[2J.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "apidiag: error: rule file b\\u{1b}[2J.json:1:10: EOF while parsing an object\n"
    );
}
