//! JSONPath queries compiled once. Plain member/index chains (`$.detail.error`,
//! `$.loc[-1]`), which are nearly all the rule table uses, are walked directly, and so
//! are paths of names, indexes and wildcards with descendant segments
//! (`$..details[*].reason`); anything richer goes through jsonpath-rust.

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use smallvec::SmallVec;

use crate::json::Json;

use super::compile::CompileError;

#[derive(Debug, Clone)]
pub(crate) struct Query {
    source: String,
    plan: Plan,
}

#[derive(Debug, Clone)]
enum Plan {
    Chain(Vec<Step>),
    /// Child and descendant segments of names, indexes and wildcards: jsonpath-rust
    /// builds and flattens a list per node visited, a tenth of a rule's cost on a
    /// Google error body.
    Walk(Vec<(Descent, Pick)>),
    Full(JpQuery),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Descent {
    /// `.name`, `[0]`, `[*]`: the nodes themselves.
    Child,
    /// `..name`, `..[0]`, `..*`: each node and every node under it, in document order.
    Descendant,
}

#[derive(Debug, Clone, PartialEq)]
enum Pick {
    Step(Step),
    All,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
}

impl Query {
    pub(crate) fn compile(source: &str) -> Result<Self, CompileError> {
        let parsed = match simple_query(source) {
            Some(q) => q,
            // The parser's message draws the position over several lines; one line is kept.
            None => parse_json_path(source).map_err(|e| {
                let text = e.to_string();
                let words: Vec<&str> = text
                    .split_whitespace()
                    .filter(|w| !matches!(*w, "|" | "-->"))
                    .collect();
                CompileError::Query {
                    part: None,
                    query: source.to_owned(),
                    reason: words.join(" "),
                }
            })?,
        };
        let plan = match (chain_of(&parsed), walk_of(&parsed)) {
            (Some(steps), _) => Plan::Chain(steps),
            (None, Some(walk)) => Plan::Walk(walk),
            (None, None) => Plan::Full(parsed),
        };
        Ok(Self {
            source: source.to_owned(),
            plan,
        })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The first node the query selects (a plain chain selects at most one).
    pub(crate) fn select_first<'a, 'j>(&self, root: &'a Json<'j>) -> Option<&'a Json<'j>> {
        match &self.plan {
            Plan::Chain(steps) => walk(root, steps),
            Plan::Walk(_) | Plan::Full(_) => self.select(root).first().copied(),
        }
    }

    /// Every node the query selects, in document order; a plain chain's one node is
    /// held without an allocation.
    pub(crate) fn select<'a, 'j>(&self, root: &'a Json<'j>) -> SmallVec<[&'a Json<'j>; 1]> {
        match &self.plan {
            Plan::Chain(steps) => walk(root, steps).into_iter().collect(),
            Plan::Walk(segments) => {
                let mut nodes = SmallVec::new();
                descend(root, segments, &mut nodes);
                nodes
            }
            Plan::Full(q) => js_path_process(q, root)
                .map(|refs| {
                    refs.into_iter()
                        .map(jsonpath_rust::query::QueryRef::val)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A path written only with `.name`, `..name`, `.*`, `[index]` and `[*]` segments in
/// their plainest form (ASCII names, no spaces), read into what the full parser would
/// give without running it: it costs tens of microseconds per path. Anything else is
/// left to the full parser.
fn simple_query(source: &str) -> Option<JpQuery> {
    let mut rest = source.strip_prefix('$')?.as_bytes();
    let mut segments = Vec::new();
    while !rest.is_empty() {
        let (descendant, tail) = match rest {
            [b'.', b'.', tail @ ..] => (true, tail),
            [b'.', tail @ ..] => (false, tail),
            [b'[', ..] => (false, rest),
            _ => return None,
        };
        // After a single dot comes a name or `*`; brackets follow `$`, a segment or `..`.
        let dotted = rest[0] == b'.';
        let brackets_allowed = !dotted || descendant;
        let (selector, tail) = match tail {
            [b'*', tail @ ..] if dotted => (Selector::Wildcard, tail),
            [b'[', b'*', b']', tail @ ..] if brackets_allowed => (Selector::Wildcard, tail),
            [b'[', tail @ ..] if brackets_allowed => {
                let close = tail.iter().position(|b| *b == b']')?;
                (
                    Selector::Index(plain_index(&tail[..close])?),
                    &tail[close + 1..],
                )
            }
            _ if dotted => {
                let len = tail
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .unwrap_or(tail.len());
                let name = &tail[..len];
                if name.is_empty() || name[0].is_ascii_digit() {
                    return None;
                }
                let name = std::str::from_utf8(name).ok()?.to_owned();
                (Selector::Name(name), &tail[len..])
            }
            _ => return None,
        };
        let segment = Segment::Selector(selector);
        segments.push(if descendant {
            Segment::Descendant(Box::new(segment))
        } else {
            segment
        });
        rest = tail;
    }
    Some(JpQuery::new(segments))
}

/// `0`, `7`, `-12`: an index without leading zeros, spaces or a sign on zero.
fn plain_index(digits: &[u8]) -> Option<i64> {
    let unsigned = digits.strip_prefix(b"-").unwrap_or(digits);
    let plain =
        matches!(unsigned, [b'0'] if digits.len() == 1) || matches!(unsigned, [b'1'..=b'9', ..]);
    if !plain || unsigned.len() > 15 || !unsigned.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
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

fn walk_of(q: &JpQuery) -> Option<Vec<(Descent, Pick)>> {
    let pick = |selector: &Selector| match selector {
        Selector::Name(n) => Some(Pick::Step(Step::Key(n.clone()))),
        Selector::Index(i) => Some(Pick::Step(Step::Index(*i))),
        Selector::Wildcard => Some(Pick::All),
        _ => None,
    };
    q.segments
        .iter()
        .map(|seg| match seg {
            Segment::Selector(s) => Some((Descent::Child, pick(s)?)),
            Segment::Descendant(inner) => match inner.as_ref() {
                Segment::Selector(s) => Some((Descent::Descendant, pick(s)?)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Push what `segments` select from `node` onto `out`, in document order.
fn descend<'a, 'j>(
    node: &'a Json<'j>,
    segments: &[(Descent, Pick)],
    out: &mut SmallVec<[&'a Json<'j>; 1]>,
) {
    let Some(((descent, pick), rest)) = segments.split_first() else {
        out.push(node);
        return;
    };
    let mut each = |picked: &'a Json<'j>| descend(picked, rest, out);
    match descent {
        Descent::Child => pick_from(node, pick, &mut each),
        Descent::Descendant => visit(node, &mut |n| pick_from(n, pick, &mut each)),
    }
}

/// `node`, then every node under it, depth first, children in order.
fn visit<'a, 'j>(node: &'a Json<'j>, f: &mut dyn FnMut(&'a Json<'j>)) {
    f(node);
    match node {
        Json::Object(map) => map.values().for_each(|v| visit(v, f)),
        Json::Array(items) => items.iter().for_each(|v| visit(v, f)),
        _ => {}
    }
}

fn pick_from<'a, 'j>(node: &'a Json<'j>, pick: &Pick, f: &mut dyn FnMut(&'a Json<'j>)) {
    match (pick, node) {
        (Pick::Step(step), _) => walk(node, std::slice::from_ref(step))
            .into_iter()
            .for_each(f),
        (Pick::All, Json::Object(map)) => map.values().for_each(f),
        (Pick::All, Json::Array(items)) => items.iter().for_each(f),
        (Pick::All, _) => {}
    }
}

fn walk<'a, 'j>(mut node: &'a Json<'j>, steps: &[Step]) -> Option<&'a Json<'j>> {
    for step in steps {
        node = match (step, node) {
            (Step::Key(k), Json::Object(map)) => map.member(k)?,
            (Step::Index(i), Json::Array(items)) => {
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
    use serde_json::{Value, json};

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
            let query = Query::compile(path).unwrap();
            let body = Json::from(doc.clone());
            let ours = query.select(&body);
            assert_eq!(query.select_first(&body), ours.first().copied(), "{path}");
            assert!(same(&ours, &theirs(path, &doc)), "{path}");
        }
    }

    #[test]
    fn plain_paths_are_read_as_the_full_parser_reads_them() {
        for path in [
            "$",
            "$.message",
            "$.error.code",
            "$.detail[0].loc[-1]",
            "$.errors[12].msg",
            "$._x1.y_2",
            "$.true",
            "$.null",
            "$.false",
            "$.length",
            "$.in",
            "$.size",
            "$.a[0][1]",
            "$[0]",
            "$[-3].x",
            "$.detail[*]",
            "$.detail[*].msg",
            "$..reason_codes[*]",
            "$..msg",
            "$.*",
            "$.a.*.b",
            "$..*",
            "$[*][*]",
            "$..[0]",
            "$..[*]",
        ] {
            let fast = simple_query(path).unwrap_or_else(|| panic!("{path} is plain"));
            assert_eq!(fast, parse_json_path(path).unwrap(), "{path}");
        }
        for path in [
            "$.",
            "$..",
            "$.[0]",
            "$.[*]",
            "$.a b",
            "$.1a",
            "$[01]",
            "$[-0]",
            "$[ 1]",
            "$['a']",
            "$[*",
            "$.a[1:2]",
            "$.é",
            "message",
            "$[1",
            "$[-]",
            "$[9999999999999999]",
            "$.a[?@.b]",
        ] {
            assert!(simple_query(path).is_none(), "{path} is not plain");
        }
    }

    /// The same nodes, in the same order.
    fn same(ours: &[&Json<'_>], theirs: &[&Value]) -> bool {
        ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| *a == *b)
    }

    fn theirs<'a>(path: &str, doc: &'a Value) -> Vec<&'a Value> {
        js_path_process(&parse_json_path(path).unwrap(), doc)
            .unwrap()
            .into_iter()
            .map(jsonpath_rust::query::QueryRef::val)
            .collect()
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i8>().prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec(("[a-d]", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The walk selects what jsonpath-rust selects, in the same order, for every
        /// shape of path it takes.
        #[test]
        fn walked_paths_select_what_jsonpath_rust_selects(
            doc in any_json(),
            path in proptest::sample::select(vec![
                "$..a", "$..a[*].b", "$..[0]", "$..[-1]", "$..*", "$..[*]", "$.a..b",
                "$..a..b", "$.*.a", "$[*].b", "$..b[*]", "$..c.d", "$..a[1].b[*]",
            ]),
        ) {
            let query = Query::compile(path).unwrap();
            proptest::prop_assert!(matches!(query.plan, Plan::Walk(_)), "{path}");
            let body = Json::from(doc.clone());
            let ours = query.select(&body).to_vec();
            proptest::prop_assert!(same(&ours, &theirs(path, &doc)), "{}", path);
            proptest::prop_assert_eq!(query.select_first(&body), ours.first().copied());
        }
    }

    #[test]
    fn bad_paths_are_errors() {
        assert!(Query::compile("$.[").is_err());
        assert!(Query::compile("message").is_err());
    }
}
