//! A request URL's query string as the JSON object that `when.request.query` conditions
//! test: `?applicationId=1&searchParams=%7B%22categories%22%3A%5B%22Login%22%5D%7D` is
//! `{"applicationId": "1", "searchParams": {"categories": ["Login"]}}`.

use serde_json::{Map, Value};

/// Names and values percent-decoded (`+` is a space); a value holding a JSON object or
/// array is parsed, any other value is a string; a repeated name gives an array of its
/// values. A URL without a query gives an empty object.
pub(super) fn params(url: &str) -> Value {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let mut seen: Map<String, Value> = Map::new();
    let mut repeated: Vec<String> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name), value_of(decode(value)));
        match seen.get_mut(&name) {
            None => {
                seen.insert(name, value);
            }
            Some(Value::Array(items)) if repeated.contains(&name) => items.push(value),
            Some(first) => {
                *first = Value::Array(vec![first.take(), value]);
                repeated.push(name);
            }
        }
    }
    Value::Object(seen)
}

fn value_of(text: String) -> Value {
    let t = text.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = serde_json::from_str(&text)
    {
        return v;
    }
    Value::String(text)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? * 16 + hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
                continue;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_values_are_parsed_and_the_rest_are_strings() {
        let url = "https://h/t?applicationId=1&currentPage=2&searchParams=%7B%22searchString%22%3A%22john+doe%22%2C%22categories%22%3A%5B%22Login%22%5D%7D#x";
        assert_eq!(
            params(url),
            json!({"applicationId": "1", "currentPage": "2",
                   "searchParams": {"searchString": "john doe", "categories": ["Login"]}})
        );
    }

    #[test]
    fn repeats_bad_escapes_and_bad_json() {
        let url = "/s?categories=license&categories=ip&categories=clientId&a=%zz%4&b={oops&c";
        assert_eq!(
            params(url),
            json!({"categories": ["license", "ip", "clientId"], "a": "%zz%4",
                   "b": "{oops", "c": ""})
        );
        assert_eq!(params("/s"), json!({}));
        assert_eq!(params("/s?l=[1]&l=[2]"), json!({"l": [[1], [2]]}));
    }
}

#[cfg(test)]
mod condition_tests {
    use serde_json::json;

    use crate::response::{Body, Request, Response};
    use crate::rules::compile::compile;
    use crate::rules::matcher::{Subject, evaluate};
    use crate::rules::model::Rule;

    fn rule() -> Rule {
        serde_json::from_value(json!({
            "id": "t/category",
            "title": "t",
            "when": {
                "status": 200,
                "request": {
                    "path": "/table$",
                    "query": [{
                        "path": "$.searchParams.categories[*]",
                        "not_in": ["License", "IPv4"],
                        "capture": "category"
                    }]
                }
            },
            "cause": "{{category}}",
            "fix": ["f"],
            "examples": {"match": [{"status": 200}]}
        }))
        .unwrap()
    }

    fn response(url: Option<&str>) -> Response {
        Response {
            status: Some(200),
            body: Body::new(b"{}".to_vec()),
            request: url.map(|u| Request {
                url: Some(u.to_owned()),
                ..Request::default()
            }),
            ..Response::default()
        }
    }

    fn category(url: Option<&str>) -> Option<String> {
        let compiled = compile(&rule()).unwrap();
        let resp = response(url);
        let ev = evaluate(&compiled, &Subject::new(&resp), false)?;
        ev.captures
            .into_iter()
            .find(|(name, _)| name == "category")
            .map(|(_, v)| v)
    }

    #[test]
    fn a_query_condition_tests_the_decoded_parameters() {
        let url = |sp: &str| format!("https://h/table?a=1&searchParams={sp}");
        let login = url("%7B%22categories%22%3A%5B%22IPv4%22%2C%22Login%22%5D%7D");
        assert_eq!(category(Some(&login)).as_deref(), Some("Login"));
        let ok = url("%7B%22categories%22%3A%5B%22License%22%5D%7D");
        assert_eq!(category(Some(&ok)), None, "every category is supported");
        assert_eq!(
            category(Some("https://h/table?a=1")),
            None,
            "no searchParams"
        );
        assert_eq!(category(None), None, "no request shown");
    }
}
