//! A member of a parsed JSON object, looked up by name. serde_json's map (an
//! `IndexMap`, which keeps the members' order) hashes the name with SipHash on every
//! lookup, and the evidence readers ask an error body for dozens of names it mostly
//! does not have; an error body's objects hold a handful of members, which a scan
//! compares for less than one hash costs.

use serde_json::{Map, Value};

/// Objects up to this many members are scanned; larger ones hashed.
const SCAN_MEMBERS: usize = 8;

pub(crate) trait Member {
    /// The member `name`, when `self` is an object that has it.
    fn member(&self, name: &str) -> Option<&Value>;

    fn has_member(&self, name: &str) -> bool {
        self.member(name).is_some()
    }
}

impl Member for Map<String, Value> {
    fn member(&self, name: &str) -> Option<&Value> {
        if self.len() > SCAN_MEMBERS {
            return self.get(name);
        }
        // A parsed map holds each name once, so the first found is the one `get` finds.
        self.iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }
}

impl Member for Value {
    fn member(&self, name: &str) -> Option<&Value> {
        self.as_object()?.member(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_and_a_hash_find_the_same_member() {
        for n in [0, 1, 3, SCAN_MEMBERS, SCAN_MEMBERS + 1, 40] {
            let mut map = Map::new();
            for i in 0..n {
                map.insert(format!("k{i}"), Value::from(i));
            }
            let object = Value::Object(map.clone());
            for i in 0..n + 2 {
                let name = format!("k{i}");
                assert_eq!(map.member(&name), map.get(&name), "{n} members, {name}");
                assert_eq!(object.member(&name), object.get(&name));
            }
        }
        assert_eq!(Value::from("k0").member("k0"), None);
    }
}
