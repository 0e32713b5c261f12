//! JSONPath queries compiled once. Plain member/index chains (`$.detail.error`,
//! `$.loc[-1]`), which are nearly all the rule table uses, are walked directly;
//! anything richer goes through jsonpath-rust.

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Query {
    source: String,
    plan: Plan,
}

#[derive(Debug, Clone)]
enum Plan {
    Chain(Vec<Step>),
    Full(JpQuery),
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(i64),
}

impl Query {
    pub fn compile(source: &str) -> Result<Self, String> {
        // The parser's message draws the position over several lines; one line is kept.
        let parsed = parse_json_path(source).map_err(|e| {
            let text = e.to_string();
            let words: Vec<&str> = text
                .split_whitespace()
                .filter(|w| !matches!(*w, "|" | "-->"))
                .collect();
            format!("invalid JSONPath {source:?}: {}", words.join(" "))
        })?;
        let plan = match chain_of(&parsed) {
            Some(steps) => Plan::Chain(steps),
            None => Plan::Full(parsed),
        };
        Ok(Self {
            source: source.to_string(),
            plan,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every node the query selects, in document order.
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        match &self.plan {
            Plan::Chain(steps) => walk(root, steps).into_iter().collect(),
            Plan::Full(q) => js_path_process(q, root)
                .map(|refs| refs.into_iter().map(|r| r.val()).collect())
                .unwrap_or_default(),
        }
    }
}

fn chain_of(q: &JpQuery) -> Option<Vec<Step>> {
    q.segments
        .iter()
        .map(|seg| match seg {
            Segment::Selector(Selector::Name(n)) => Some(Step::Key(n.clone())),
            Segment::Selector(Selector::Index(i)) => Some(Step::Index(*i)),
            _ => None,
        })
        .collect()
}

fn walk<'a>(mut node: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    for step in steps {
        node = match (step, node) {
            (Step::Key(k), Value::Object(map)) => map.get(k)?,
            (Step::Index(i), Value::Array(items)) => {
                let at = if *i < 0 {
                    items.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    *i as usize
                };
                items.get(at)?
            }
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_and_full_queries_agree_with_jsonpath_rust() {
        let doc = json!({"detail": [{"loc": ["body", "profile_url"], "msg": "bad"}, {"loc": ["q"], "msg": "x"}]});
        for path in [
            "$.detail[0].loc[-1]",
            "$.detail[1].msg",
            "$.detail[*].msg",
            "$.missing",
            "$.detail[5]",
            "$..msg",
        ] {
            let ours = Query::compile(path).unwrap().select(&doc);
            let theirs = js_path_process(&parse_json_path(path).unwrap(), &doc)
                .unwrap()
                .into_iter()
                .map(|r| r.val())
                .collect::<Vec<_>>();
            assert_eq!(ours, theirs, "{path}");
        }
    }

    #[test]
    fn bad_paths_are_errors() {
        assert!(Query::compile("$.[").is_err());
        assert!(Query::compile("message").is_err());
    }
}
