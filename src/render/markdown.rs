//! `--format markdown`: a snippet to paste into a support ticket. Secrets are already
//! masked in the diagnosis. Every text here may quote a server, so all of it goes
//! through [`text`] or [`code`]: a ticket must show what the server said, never turn
//! it into a link, an image, HTML or a mention.

use std::io::{self, Write};

use super::{
    challenge_line, codes_line, own_links, rate_limit_line, request_line, retry_text, says,
    source_label, status_line,
};
use crate::diagnosis::{Confidence, Diagnosis};
use crate::sanitize::sanitize;

/// `text` as inert Markdown inline text, safe in a paragraph, a list item, a heading
/// and a table cell: terminal-safe first, then every character CommonMark or GFM
/// could read as syntax is backslash-escaped, except a pair of single backticks
/// around text without `|`: such a code span shows its text literally already, and
/// keeps the rules' own `name` formatting. `$` is escaped for GitHub's math. `@`
/// goes in a code span, because GitHub and GitLab turn `\@name` into a mention all
/// the same.
pub fn text(text: &str) -> String {
    let safe = sanitize(text);
    let mut out = String::with_capacity(safe.len() + 8);
    let mut rest = &safe[..];
    while let Some(tick) = rest.find('`') {
        escape_into(&mut out, &rest[..tick]);
        let after = &rest[tick + 1..];
        match plain_code_span(after) {
            Some(len) => {
                out.push_str(&rest[tick..tick + len + 2]);
                rest = &after[len + 1..];
            }
            None => {
                out.push_str("\\`");
                rest = after.trim_start_matches('`');
                out.push_str(&"\\`".repeat(after.len() - rest.len()));
            }
        }
    }
    escape_into(&mut out, rest);
    out
}

/// The length of `x` in `after` = "x`…", when "`x`" is a code span that needs no
/// escape inside: one backtick on each side, no `|`, not only spaces.
fn plain_code_span(after: &str) -> Option<usize> {
    let len = after.find('`')?;
    let inner = &after[..len];
    let single_close = !after[len + 1..].starts_with('`');
    (single_close && !inner.is_empty() && !inner.contains('|') && inner.trim() != "").then_some(len)
}

/// Escapes `text` onto `out`; when `out` is empty, `text` starts a line.
fn escape_into(out: &mut String, text: &str) {
    let line_start = out.is_empty();
    for (i, c) in text.char_indices() {
        match c {
            '\\' | '*' | '_' | '[' | ']' | '<' | '&' | '~' | '|' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("`@`"),
            // At the start of a list item these would open a nested block.
            '-' | '+' | '>' if line_start && i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if line_start && starts_ordered_marker(&text[..i]) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// `1`…`999999999` at the very start, so the `.` or `)` after it would make a list.
fn starts_ordered_marker(before: &str) -> bool {
    (1..=9).contains(&before.len()) && before.bytes().all(|b| b.is_ascii_digit())
}

/// `text` as a code span. In a table only for text without `|` (a rule id): GFM
/// splits a cell at a `|` even inside code. The fence is one backtick longer than
/// any run inside, as CommonMark requires, and padded when the text starts or ends
/// with a backtick or a space, which the span would otherwise eat.
pub fn code(text: &str) -> String {
    let safe = sanitize(text);
    if safe.is_empty() {
        return "` `".into();
    }
    let longest = safe.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let edge = |c: Option<char>| matches!(c, Some('`' | ' '));
    let all_spaces = safe.bytes().all(|b| b == b' ');
    let pad = if !all_spaces && (edge(safe.chars().next()) || edge(safe.chars().last())) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{safe}{pad}{fence}")
}

/// One response as a ticket section.
pub fn single(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    let title = d
        .title
        .as_deref()
        .unwrap_or("no rule recognises this response");
    writeln!(out, "### {} — {}\n", text(&status_line(d)), text(title))?;
    writeln!(out, "| | |\n|---|---|")?;
    let conf = d.confidence.map(Confidence::as_str);
    // Cells hold escaped text only: a code span cannot hold a `|` inside a table.
    let links: Vec<String> = own_links(d).map(text).collect();
    let rows: [(&str, Option<String>); 11] = [
        ("API", d.api.as_deref().map(text)),
        (
            "Rule",
            d.rule
                .as_ref()
                .map(|r| format!("{} ({})", code(r), conf.unwrap_or_default())),
        ),
        ("Request", request_line(d).as_deref().map(text)),
        ("Request id", d.request_id.as_deref().map(text)),
        ("Source", source_label(d).as_deref().map(text)),
        ("Docs", d.docs.as_deref().map(text)),
        ("Server says", says(d).map(text)),
        ("Codes", codes_line(d).as_deref().map(text)),
        ("Rate limit", rate_limit_line(d).as_deref().map(text)),
        ("Challenge", challenge_line(d).as_deref().map(text)),
        ("Links", (!links.is_empty()).then(|| links.join(", "))),
    ];
    for (k, v) in rows {
        if let Some(v) = v {
            writeln!(out, "| {k} | {v} |")?;
        }
    }
    if let Some(cause) = &d.cause {
        writeln!(out, "\n**Cause.** {}", text(cause))?;
    }
    if !d.fields.is_empty() {
        writeln!(out, "\n**Fields.**")?;
        for f in &d.fields {
            let field = f.field.as_deref().map_or("?".to_owned(), code);
            writeln!(out, "- {field}: {}", text(&f.problem))?;
        }
        if let Some(n) = d.fields_omitted {
            writeln!(out, "- … and {n} more")?;
        }
    }
    if !d.fix.is_empty() {
        writeln!(out, "\n**Fix.**")?;
        for (i, step) in d.fix.iter().enumerate() {
            writeln!(out, "{}. {}", i + 1, text(step))?;
        }
    }
    if let Some(r) = retry_text(d) {
        writeln!(out, "\n**Retry.** {}", text(&r))?;
    }
    Ok(())
}

/// Header of the batch table.
pub fn table_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| Source | Request | Status | Rule | Cause | Fix |\n|---|---|---|---|---|---|"
    )
}

/// One row of the batch table.
pub fn table_row(d: &Diagnosis, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        text(&source_label(d).unwrap_or_default()),
        text(&request_line(d).unwrap_or_default()),
        text(&status_line(d)),
        d.rule.as_deref().map_or(String::new(), code),
        text(d.cause.as_deref().unwrap_or("")),
        text(d.fix.first().map_or("", |f| f.as_str())),
    )
}

#[cfg(test)]
mod tests {
    use super::{code, text};

    #[test]
    fn text_is_inert() {
        assert_eq!(
            text("[Click](https://e.example) ![x](i.png) <img src=x> @org/team"),
            "\\[Click\\](https://e.example) !\\[x\\](i.png) \\<img src=x> `@`org/team"
        );
        assert_eq!(
            text("a|b *d* _e_ ~f~ &amp; #1 \\"),
            "a\\|b \\*d\\* \\_e\\_ \\~f\\~ \\&amp; \\#1 \\\\"
        );
        // A plain code span stays; any other backtick is escaped.
        assert_eq!(text("use `loc` then"), "use `loc` then");
        assert_eq!(text("ab`c|d` x"), "ab\\`c\\|d\\` x");
        assert_eq!(text("``x`` `y"), "\\`\\`x\\`\\` \\`y");
        assert_eq!(text("`a|b` c `d`"), "\\`a\\|b` c `d\\`");
        assert_eq!(text("- item"), "\\- item");
        assert_eq!(text("$x$"), "\\$x\\$");
        assert_eq!(text("2024. year"), "2024\\. year");
        assert_eq!(text("a - b 3. c"), "a - b 3. c");
        assert_eq!(text("\x1b[2J"), "\\\\u{1b}\\[2J");
    }

    #[test]
    fn code_spans_have_a_longer_fence() {
        assert_eq!(code("id"), "`id`");
        assert_eq!(code("ab`c"), "``ab`c``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code(" x"), "`  x `");
        assert_eq!(code("\x1b]52;c;QQ==\x07"), "`\\u{1b}]52;c;QQ==\\u{7}`");
    }
}
