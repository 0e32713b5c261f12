//! The names of the input formats, as the `--format` option spells them.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Sniff the format from the input.
    Auto,
    /// A raw response: status line, headers, blank line, body (`curl -i`, `curl -D -`,
    /// HTTPie/xh `--print=hb`).
    Http,
    /// `curl -v … 2>&1`.
    CurlVerbose,
    /// HTTPie or xh `-v`: the request, then the response.
    Httpie,
    /// `wget -S -O - --content-on-error … 2>&1`.
    Wget,
    /// The body alone (`curl -s`), maybe followed by curl's `-w '\n%{http_code}\n'`.
    Body,
    /// HTTP Archive (JSON with a top-level `log`).
    Har,
    /// One JSON record per line.
    Ndjson,
}

impl InputFormat {
    pub const ALL: [InputFormat; 8] = [
        InputFormat::Auto,
        InputFormat::Http,
        InputFormat::CurlVerbose,
        InputFormat::Httpie,
        InputFormat::Wget,
        InputFormat::Body,
        InputFormat::Har,
        InputFormat::Ndjson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Http => "http",
            InputFormat::CurlVerbose => "curl-verbose",
            InputFormat::Httpie => "httpie",
            InputFormat::Wget => "wget",
            InputFormat::Body => "body",
            InputFormat::Har => "har",
            InputFormat::Ndjson => "ndjson",
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for InputFormat {
    type Err = String;

    /// Accepts the names from [`InputFormat::name`] and the spellings people reach for
    /// first (`curl-v`, `xh`, `raw`, `jsonl`…), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "curl-v" | "curl_verbose" | "verbose" => Some(InputFormat::CurlVerbose),
            "curl-i" | "raw" | "headers" => Some(InputFormat::Http),
            "xh" | "httpie-v" | "xh-v" => Some(InputFormat::Httpie),
            "wget-s" => Some(InputFormat::Wget),
            "curl-s" | "json" | "text" => Some(InputFormat::Body),
            "jsonl" | "json-lines" => Some(InputFormat::Ndjson),
            _ => InputFormat::ALL.into_iter().find(|f| f.name() == lower),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = InputFormat::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown input format `{s}` (expected one of: {})",
                names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in InputFormat::ALL {
            assert_eq!(f.name().parse::<InputFormat>(), Ok(f));
        }
        assert_eq!("curl-v".parse(), Ok(InputFormat::CurlVerbose));
        assert!("curl -v".parse::<InputFormat>().is_err());
    }
}
