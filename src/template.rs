//! Serves BENCHMARKS.md target 2 (a log at >= 50% of a bare parse): a template is read
//! once per rule, not scanned for `{{` per response (session 4).
//!
//! The placeholder language of causes and fixes: `{{name}}`, `{{#name}}…{{/name}}`
//! (kept when `name` has a value) and `{{^name}}…{{/name}}` (kept when it has none).
//! Single braces, as in `GET /cost-estimations/{id}`, are literal text.

/// Render `template`, asking `value` for each name (rules parse theirs once instead,
/// as a [`Template`]; this is the tests' shorthand).
#[cfg(test)]
fn render<'v>(template: &str, value: &dyn Fn(&str) -> Option<&'v str>) -> String {
    Template::parse(template).render(value)
}

/// A template read once, to be rendered for many responses without reading it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// The length of its text without placeholders: a rendering is about as long.
    text_len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(Box<str>),
    Value(Box<str>),
    /// `{{#name}}…{{/name}}`, or `{{^name}}…{{/name}}` when `inverted`.
    Section {
        inverted: bool,
        name: Box<str>,
        body: Template,
    },
}

impl Template {
    pub fn parse(mut rest: &str) -> Self {
        let mut parts = Vec::new();
        let text = |parts: &mut Vec<Part>, t: &str| {
            if !t.is_empty() {
                parts.push(Part::Text(t.into()));
            }
        };
        loop {
            let Some(open) = find_pair(rest, b'{') else {
                text(&mut parts, rest);
                break;
            };
            text(&mut parts, &rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = find_pair(after, b'}') else {
                // An unclosed `{{` is text.
                text(&mut parts, &rest[open..]);
                break;
            };
            let tag = &after[..close];
            rest = &after[close + 2..];
            match section(tag) {
                Some((inverted, name)) => {
                    let (inner, tail) = match find_end_tag(rest, name) {
                        Some((end, len)) => (&rest[..end], &rest[end + len..]),
                        None => (rest, ""),
                    };
                    parts.push(Part::Section {
                        inverted,
                        name: name.into(),
                        body: Self::parse(inner),
                    });
                    rest = tail;
                }
                None => parts.push(Part::Value(tag.trim().into())),
            }
        }
        let text_len = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                _ => 0,
            })
            .sum();
        Self { parts, text_len }
    }

    /// Whether it has no placeholder or section, so that it renders as its text.
    pub fn is_plain(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The template with each name's value; a name without one shows as `(unknown name)`.
    pub fn render<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>) -> String {
        let mut out = String::with_capacity(self.text_len + 32);
        self.render_into(value, &mut out);
        out
    }

    /// The template for a reader without a response: each name as `<name>`, each
    /// section as `[if <name>: …]` or `[if no <name>: …]`, so both branches show as
    /// the conditions they are.
    pub fn outline(&self) -> String {
        let mut out = String::with_capacity(self.text_len + 32);
        self.outline_into(&mut out);
        out
    }

    fn outline_into(&self, out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value(name) => {
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                }
                Part::Section {
                    inverted,
                    name,
                    body,
                } => {
                    // A section's leading space separates it from the text before;
                    // inside the brackets it would read as a double space.
                    let inner = body.outline();
                    let text = inner.trim_start();
                    out.push_str(&inner[..inner.len() - text.len()]);
                    out.push_str(if *inverted { "[if no <" } else { "[if <" });
                    out.push_str(name);
                    out.push_str(">: ");
                    out.push_str(text);
                    out.push(']');
                }
            }
        }
    }

    fn render_into<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>, out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value(name) => match value(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str("(unknown ");
                        out.push_str(name);
                        out.push(')');
                    }
                },
                Part::Section {
                    inverted,
                    name,
                    body,
                } => {
                    let present = value(name).is_some_and(|v| !v.is_empty());
                    if present != *inverted {
                        body.render_into(value, out);
                    }
                }
            }
        }
    }
}

/// Where `pair` (two equal ASCII bytes, `{{` or `}}`) first occurs in `s`: a byte
/// search, cheaper than a substring searcher for these short texts.
fn find_pair(s: &str, pair: u8) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memchr_iter(pair, b).find(|&i| b.get(i + 1) == Some(&pair))
}

/// Where the first `{{/name}}` in `s` starts, and its length: the search a formatted
/// end tag would do, without building one for every section rendered.
fn find_end_tag(s: &str, name: &str) -> Option<(usize, usize)> {
    // `{{/` cannot overlap itself, so its matches are every place an end tag can start.
    s.match_indices("{{/").map(|(at, _)| at).find_map(|at| {
        let after = s[at + 3..].strip_prefix(name)?;
        after.starts_with("}}").then_some((at, 3 + name.len() + 2))
    })
}

fn section(tag: &str) -> Option<(bool, &str)> {
    tag.strip_prefix('#')
        .map(|n| (false, n.trim()))
        .or_else(|| tag.strip_prefix('^').map(|n| (true, n.trim())))
}

/// Every name the template refers to, in order of first use.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let tag = after[..close].trim();
        let name = tag.trim_start_matches(['#', '^', '/']).trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
        rest = &after[close + 2..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<&'static str> {
        match name {
            "branch" => Some("feature/x"),
            "limit" => Some("1000"),
            _ => None,
        }
    }

    #[test]
    fn fills_names_and_keeps_single_braces() {
        assert_eq!(
            render("Poll GET /cost-estimations/{id} for {{branch}}", &vars),
            "Poll GET /cost-estimations/{id} for feature/x"
        );
    }

    #[test]
    fn nested_sections_and_unclosed_tags() {
        let t =
            "a{{#branch}} on {{branch}}{{^wait}} now{{/wait}}{{/branch}}{{^limit}}!{{/limit}} {{x";
        assert_eq!(render(t, &vars), "a on feature/x now {{x");
        // One parse, rendered for another response where every name has a value.
        let parsed = Template::parse(t);
        assert_eq!(parsed.render(&|_| Some("v")), "a on v {{x");
        assert_eq!(
            Template::parse("{{#a}}no end").render(&|_| Some("1")),
            "no end"
        );
    }

    #[test]
    fn a_template_without_placeholders_is_plain_and_renders_as_its_text() {
        for t in ["", "GET /cost-estimations/{id}", "an unclosed {{ tag"] {
            let parsed = Template::parse(t);
            assert!(parsed.is_plain(), "{t:?}");
            assert_eq!(parsed.render(&vars), t);
        }
        assert!(!Template::parse("for {{branch}}").is_plain());
        assert!(!Template::parse("{{#wait}}x{{/wait}}").is_plain());
    }

    #[test]
    fn sections_follow_presence() {
        let t = "limit {{limit}}{{#wait}}, wait {{wait}}{{/wait}}{{^wait}}, at 00:00 UTC{{/wait}}";
        assert_eq!(render(t, &vars), "limit 1000, at 00:00 UTC");
    }

    #[test]
    fn end_tags_are_found_as_a_formatted_tag_would_be() {
        let texts = [
            "",
            "{{/a}}",
            "x{{{/a}}}y",
            "{{/ab}}{{/a}}",
            "{{/a}",
            "{{/a }}",
            "{{/{{/a}}",
            "é{{/a}}é",
        ];
        for s in texts {
            for name in ["a", "ab", ""] {
                let tag = format!("{{{{/{name}}}}}");
                let want = s.find(&tag).map(|at| (at, tag.len()));
                assert_eq!(find_end_tag(s, name), want, "{s:?} {name:?}");
            }
        }
    }

    #[test]
    fn an_outline_shows_names_and_both_branches_of_each_section() {
        let t = Template::parse(
            "Wait{{#after}} {{after}} s{{/after}}{{^after}} with backoff{{/after}}; {{x",
        );
        assert_eq!(
            t.outline(),
            "Wait [if <after>: <after> s] [if no <after>: with backoff]; {{x"
        );
    }

    #[test]
    fn unknown_names_are_visible_not_silent() {
        assert_eq!(render("x {{nope}}", &vars), "x (unknown nope)");
    }

    #[test]
    fn lists_placeholders_once() {
        assert_eq!(placeholders("{{#a}}{{a}} {{b}}{{/a}}"), vec!["a", "b"]);
    }
}
