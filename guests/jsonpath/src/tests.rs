//! Unit tests.

use crate::JsonPath;
use crate::lalr::tables;

#[test]
fn tables_match_ply() {
    let t = tables();
    // PLY 3.11 on the same grammar: 87 states, "50 shift/reduce conflicts"
    // (all resolved as shift), no reduce/reduce conflict.
    assert_eq!(t.action.len(), 87);
    assert_eq!(t.reported_conflicts, (50, 0));
    assert_eq!(t.reduce_reduce, 0);
}

/// Differential check against files produced by the upstream libraries
/// (`JSONPATH_DIFF_PARSE=file.json`: `[[expression, tree or "ERR"], ...]`).
#[test]
#[ignore]
fn differential_parse() {
    let Ok(file) = std::env::var("JSONPATH_DIFF_PARSE") else { return };
    let text = std::fs::read_to_string(file).expect("read");
    let cases: Vec<(String, String)> = serde_json::from_str(&text).expect("json");
    let mut bad = 0;
    for (expr, want) in &cases {
        let got = match JsonPath::parse(expr) {
            Ok(p) => p.debug_tree(),
            Err(_) => "ERR".into(),
        };
        if &got != want {
            bad += 1;
            if bad <= 40 {
                println!("MISMATCH {expr:?}\n   py: {want}\n   rs: {got}");
            }
        }
    }
    println!("{} cases, {bad} mismatches", cases.len());
    assert_eq!(bad, 0);
}

/// `JSONPATH_DIFF_EVAL=file.json`: `[[expression, document, result], ...]`,
/// result `[[path, value], ...]` or `"ERR"`.
#[test]
#[ignore]
fn differential_eval() {
    let Ok(file) = std::env::var("JSONPATH_DIFF_EVAL") else { return };
    let text = std::fs::read_to_string(file).expect("read");
    let cases: Vec<(String, serde_json::Value, serde_json::Value)> = serde_json::from_str(&text).expect("json");
    let mut bad = 0;
    for (expr, doc, want) in &cases {
        let Ok(path) = JsonPath::parse(expr) else {
            bad += 1;
            println!("NOPARSE {expr:?}");
            continue;
        };
        let got = match path.try_find(doc) {
            Ok(found) => serde_json::Value::Array(
                found.into_iter().map(|m| serde_json::json!([m.path, m.value.into_owned()])).collect(),
            ),
            Err(_) => serde_json::Value::String("ERR".into()),
        };
        let values_agree = match (&got, path.try_values(doc)) {
            (serde_json::Value::Array(g), Ok(v)) => {
                g.len() == v.len() && g.iter().zip(&v).all(|(g, v)| g[1] == **v)
            }
            (serde_json::Value::String(_), Err(_)) => true,
            _ => false,
        };
        if &got != want || !values_agree {
            bad += 1;
            if bad <= 40 {
                println!("MISMATCH {expr:?} on {}\n   py: {want}\n   rs: {got} (values agree: {values_agree})", doc.to_string().chars().take(200).collect::<String>());
            }
        }
    }
    println!("{} cases, {bad} mismatches", cases.len());
    assert_eq!(bad, 0);
}
