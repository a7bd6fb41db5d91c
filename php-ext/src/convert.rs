//! Values across the PHP boundary: PHP arrays in and out as `serde_json::Value`, so the
//! engine's serde types are converted in one place (tech-notes §1.5: one conversion layer,
//! not field-by-field walks).

use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use serde_json::{Map, Value as Json};

/// A JSON value as a PHP value: objects become string-keyed arrays, arrays become lists.
pub fn to_zval(v: &Json) -> Zval {
    let mut z = Zval::new();
    match v {
        Json::Null => z.set_null(),
        Json::Bool(b) => z.set_bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => z.set_long(i),
            None => z.set_double(n.as_f64().unwrap_or(0.0)),
        },
        // A string with a NUL byte cannot fail here: set_string copies bytes.
        Json::String(s) => {
            let _ = z.set_string(s, false);
        }
        Json::Array(items) => {
            let mut ht: ZBox<ZendHashTable> = ZendHashTable::new();
            for item in items {
                let _ = ht.push(to_zval(item));
            }
            z.set_hashtable(ht);
        }
        Json::Object(map) => {
            let mut ht: ZBox<ZendHashTable> = ZendHashTable::new();
            for (k, item) in map {
                let _ = ht.insert(k.as_str(), to_zval(item));
            }
            z.set_hashtable(ht);
        }
    }
    z
}

/// A JSON object or array as a PHP array (anything else: an empty array).
pub fn to_table(v: &Json) -> ZBox<ZendHashTable> {
    let mut ht: ZBox<ZendHashTable> = ZendHashTable::new();
    match v {
        Json::Array(items) => {
            for item in items {
                let _ = ht.push(to_zval(item));
            }
        }
        Json::Object(map) => {
            for (k, item) in map {
                let _ = ht.insert(k.as_str(), to_zval(item));
            }
        }
        _ => {}
    }
    ht
}

/// A PHP value as JSON: a list (keys 0, 1, 2, … in order) becomes an array, any other PHP
/// array an object with string keys. Objects and resources become null.
pub fn to_json(z: &Zval) -> Json {
    if let Some(b) = z.bool() {
        return Json::Bool(b);
    }
    if let Some(i) = z.long() {
        return Json::from(i);
    }
    if let Some(f) = z.double() {
        return serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number);
    }
    if let Some(s) = z.string() {
        return Json::String(s);
    }
    if let Some(ht) = z.array() {
        return table_to_json(ht);
    }
    Json::Null
}

pub fn table_to_json(ht: &ZendHashTable) -> Json {
    let is_list = ht
        .iter()
        .enumerate()
        .all(|(i, (k, _))| matches!(k, ArrayKey::Long(n) if n == i as i64));
    if is_list {
        Json::Array(ht.iter().map(|(_, v)| to_json(v)).collect())
    } else {
        let mut map = Map::new();
        for (k, v) in ht.iter() {
            let key = match k {
                ArrayKey::Long(n) => n.to_string(),
                ArrayKey::String(s) => s,
                ArrayKey::Str(s) => s.to_string(),
                ArrayKey::ZendString(s) => s.as_str().map(str::to_string).unwrap_or_default(),
            };
            map.insert(key, to_json(v));
        }
        Json::Object(map)
    }
}
