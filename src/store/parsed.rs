//! Parsed JSON columns kept in memory. A pool's settings (its schema, policies, templates) are
//! read on nearly every request and parsing them cost more than the query that fetched them,
//! so each is parsed once and shared (`Arc`) until its stored text changes.
//!
//! The cache is keyed by row id and checked against the exact text just read from the
//! database, so it can never serve a stale value: a change by any node shows at the next read
//! everywhere. It only saves the parsing. Being content-checked, one process-wide cache is
//! safe for any number of stores (the test suite opens many).

use super::{StoreResult, from_json};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Beyond this many entries the cache starts over (ids of deleted rows do not linger forever).
const MAX_ENTRIES: usize = 10_000;

/// A row's column text as last read, and its parsed value.
type Entry<T> = (Box<str>, Arc<T>);

/// Parsed values of one JSON column, by row id.
pub(crate) struct ParsedCache<T> {
    entries: RwLock<HashMap<String, Entry<T>>>,
}

impl<T: DeserializeOwned> ParsedCache<T> {
    pub(crate) fn new() -> Self {
        ParsedCache {
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The parsed form of `text`, the column of row `id` as just read (`what` names the
    /// column in the error when the text is not valid).
    pub(crate) fn get(&self, id: &str, text: &str, what: &str) -> StoreResult<Arc<T>> {
        self.get_with(id, text, what, |_| Ok(()))
    }

    /// Like [`ParsedCache::get`], with `finish` applied to a freshly parsed value before it is
    /// cached (opening its sealed members).
    pub(crate) fn get_with(
        &self,
        id: &str,
        text: &str,
        what: &str,
        finish: impl FnOnce(&mut T) -> StoreResult<()>,
    ) -> StoreResult<Arc<T>> {
        {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some((cached, value)) = entries.get(id)
                && **cached == *text
            {
                return Ok(value.clone());
            }
        }
        let mut value: T = from_json(text, what)?;
        finish(&mut value)?;
        let value = Arc::new(value);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(id.to_string(), (text.into(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_and_sees_every_change() {
        let cache: ParsedCache<Vec<i32>> = ParsedCache::new();
        let a = cache.get("p1", "[1,2]", "col").unwrap();
        let b = cache.get("p1", "[1,2]", "col").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*cache.get("p1", "[3]", "col").unwrap(), vec![3]);
        assert_eq!(*cache.get("p2", "[1,2]", "col").unwrap(), vec![1, 2]);
        assert!(cache.get("p1", "{", "col").is_err());
        assert_eq!(*cache.get("p1", "[3]", "col").unwrap(), vec![3]);
    }
}
