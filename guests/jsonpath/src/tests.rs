//! Unit tests. Every expected result below was produced by the real Python
//! libraries (jsonpath-rw 1.4.0 + jsonpath-rw-ext 1.2.2, Python 3.11): the
//! path is `str(match.full_path)`, `"ERR"` means `find` raised.

use serde_json::{Value, json};

use crate::JsonPath;
use crate::lalr::tables;

fn notification(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/ceilometer/notifications/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn inline() -> Value {
    json!({"payload": {
        "image_meta": {"org.openstack__1__architecture": "x86_64", "base_image_ref": "abc"},
        "glance_metadata": [
            {"key": "image_id", "value": "img-1"},
            {"key": "size", "value": "10"},
            {"key": "image_id", "value": "img-2"}
        ],
        "volume_attachment": [{"server_id": "srv-1"}, {"server_id": "srv-2"}],
        "n": [3, "10", 1.5, "x", null, true, 7]
    }})
}

/// Asserts `find` (paths and values) and `values` against upstream's result.
#[track_caller]
fn check(doc: &Value, expression: &str, expected: Value) {
    let path = JsonPath::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
    let found = match path.try_find(doc) {
        Ok(found) => Value::Array(
            found
                .into_iter()
                .map(|m| json!([m.path, m.value.into_owned()]))
                .collect(),
        ),
        Err(_) => json!("ERR"),
    };
    assert_eq!(found, expected, "find {expression}");
    let values = match path.try_values(doc) {
        Ok(values) => Value::Array(values.into_iter().map(|v| v.into_owned()).collect()),
        Err(_) => json!("ERR"),
    };
    let expected_values = match &expected {
        Value::Array(items) => Value::Array(items.iter().map(|m| m[1].clone()).collect()),
        other => other.clone(),
    };
    assert_eq!(values, expected_values, "values {expression}");
    if expected == json!("ERR") {
        assert!(path.find(doc).is_empty() && path.values(doc).is_empty());
    }
}

#[track_caller]
fn parse_error(expression: &str) -> String {
    match JsonPath::parse(expression) {
        Ok(p) => panic!("{expression} parsed as {}", p.debug_tree()),
        Err(e) => e.message,
    }
}

#[test]
fn tables_match_ply() {
    let t = tables();
    // PLY 3.11 on the same grammar: 87 states, "50 shift/reduce conflicts"
    // (all resolved as shift), no reduce/reduce conflict.
    assert_eq!(t.action.len(), 87);
    assert_eq!(t.reported_conflicts, (50, 0));
    assert_eq!(t.reduce_reduce, 0);
}

/// Trees as upstream builds them (rendered like the differential script
/// renders `ExtentedJsonPathParser().parse(...)`).
#[test]
fn parse_trees() {
    let tree = |e: &str| {
        JsonPath::parse(e)
            .map(|p| p.debug_tree())
            .unwrap_or_else(|e| e.message)
    };
    assert_eq!(
        tree("ctxt.user_id|ctxt.user"),
        r#"Child(Child(Fields("ctxt"),Union(Fields("user_id"),Fields("ctxt"))),Fields("user"))"#
    );
    assert_eq!(
        tree("$.payload.host + '_' + $.payload.nodename"),
        r#"Op(Child(Child(Root,Fields("payload")),Fields("host"))+Op(s"_"+Child(Child(Root,Fields("payload")),Fields("nodename"))))"#
    );
    assert_eq!(tree("2 * 3 + 4"), "Op(i2*Op(i3+i4))");
    assert_eq!(tree("a + b"), r#"Op(s"a"+s"b")"#);
    assert_eq!(
        tree("a.b where c"),
        r#"Child(Fields("a"),Where(Fields("b"),Fields("c")))"#
    );
    assert_eq!(
        tree("a[?(@.x='1.5')]"),
        r#"Child(Fields("a"),Filter(Expr(Child(This,Fields("x"))=s"1.5")))"#
    );
    assert_eq!(
        tree("a[?x=true & y>2.5]"),
        r#"Child(Fields("a"),Filter(Expr(Fields("x")=true),Expr(Fields("y")>f2.5)))"#
    );
    assert_eq!(
        tree(r"a[/x,\y]"),
        r#"Child(Fields("a"),Sort(/Fields("x"),\Fields("y")))"#
    );
    assert_eq!(
        tree("a.`split(., 1, -1)`"),
        r#"Child(Fields("a"),Split(".",1,-1))"#
    );
    assert_eq!(tree("`sub(/a.*/, x)`"), r#"Sub("a.*","x")"#);
    assert_eq!(
        tree("a..b[1:][:-2][*]"),
        r#"Child(Child(Child(Desc(Fields("a"),Fields("b")),Slice(1,None)),Slice(None,-2)),Slice(None,None))"#
    );
    assert_eq!(tree("[a,b]|*"), r#"Union(Fields("a","b"),Fields("*"))"#);
    assert_eq!(
        tree("`this`.`parent`.`len`.`sorted`"),
        "Child(Child(Child(This,Parent),Len),Sorted)"
    );
}

/// Expressions Ceilometer refuses to load, with upstream's messages.
#[test]
fn parse_errors() {
    assert_eq!(
        parse_error("%"),
        "Error on line 1, col 0: Unexpected character: % "
    );
    assert_eq!(
        parse_error("B/s"),
        "Parse error at 1:1 near token / (SORT_DIRECTION)"
    );
    assert_eq!(
        parse_error("request/s"),
        "Parse error at 1:7 near token / (SORT_DIRECTION)"
    );
    assert_eq!(
        parse_error("x / 2"),
        "Parse error at 1:2 near token / (SORT_DIRECTION)"
    );
    assert_eq!(
        parse_error("$.payload.size / 1048576"),
        "Parse error at 1:15 near token / (SORT_DIRECTION)"
    );
    assert_eq!(parse_error("a b"), "Parse error at 1:2 near token b (ID)");
    assert_eq!(
        parse_error("a.'unterminated"),
        "Unexpected EOF in string literal or identifier"
    );
    assert_eq!(parse_error("`split(.)`"), "split(.) is not valid");
    assert_eq!(parse_error("`foo`"), "Unknown named operator `foo` at 1:4");
    assert_eq!(
        parse_error("trueish"),
        "Parse error at 1:0 near token True (BOOL)"
    );
    // Upstream crashes on a premature end (AttributeError); any error will do.
    assert!(parse_error("1.5").contains("end of input"));
    assert!(parse_error("a.").contains("end of input"));
    assert!(parse_error("`sub(/(/, x)`").contains("sub"));
    for ok in [
        "image.size",
        "B",
        "GiB",
        "instance",
        "percent",
        "payload.truncated",
        "a-b",
        "x*100",
    ] {
        assert!(JsonPath::parse(ok).is_ok(), "{ok}");
    }
}

/// No input makes the parser or the evaluator panic.
#[test]
fn no_panics_on_odd_input() {
    let docs = [
        inline(),
        json!(null),
        json!([]),
        json!("s"),
        json!(1.5),
        json!({"a": [[], {}, null]}),
    ];
    let pieces = [
        "a",
        "$",
        "@",
        "*",
        ".",
        "..",
        "[",
        "]",
        "(",
        ")",
        "|",
        "&",
        "where",
        "+",
        "-",
        "*",
        "/",
        "\\",
        ",",
        ":",
        "?",
        "=",
        "~",
        "<",
        "0",
        "-1",
        "2.5",
        "true",
        "'q'",
        "`len`",
        "`sorted`",
        "`parent`",
        "`split(., 0, -1)`",
        "`sub(/x*/, y)`",
        "\n",
        "é",
        "\"",
        "'",
        "`",
        "\\",
    ];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let expression = format!("{a}{b}{c}");
                if let Ok(path) = JsonPath::parse(&expression) {
                    for doc in &docs {
                        let _ = path.find(doc);
                        let _ = path.values(doc);
                    }
                }
            }
        }
    }
}

/// The whole `$` match.
#[test]
fn root_match() {
    let doc = notification("image__NOTIFICATION_UPLOAD.json");
    let found = JsonPath::parse("$")
        .map(|p| p.find(&doc))
        .unwrap_or_default();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "$");
    assert_eq!(*found[0].value, doc);
    assert!(matches!(found[0].value, std::borrow::Cow::Borrowed(_)));
    // Document values are borrowed, never cloned; computed ones are owned.
    let doc = notification("compute_metrics__METRICS_UPDATE.json");
    let borrowed = |e: &str| -> Vec<bool> {
        let path = JsonPath::parse(e).unwrap_or_else(|e| panic!("{e}"));
        path.values(&doc)
            .iter()
            .map(|v| matches!(v, std::borrow::Cow::Borrowed(_)))
            .collect()
    };
    assert_eq!(borrowed("$.payload.metrics.[*].value"), vec![true; 10]);
    assert_eq!(
        borrowed("$.payload.metrics[?(@.name='cpu.frequency')].value"),
        vec![true]
    );
    assert_eq!(
        borrowed("$.payload.metrics[?(@.name='cpu.frequency')].value * 1"),
        vec![false]
    );
}

/// Dotted fields with and without `$.`; literal-looking names are paths that match nothing.
#[test]
fn fields_and_literal_names() {
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "$.payload.size",
        json!([["payload.size", 19]]),
    );
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "payload.size",
        json!([["payload.size", 19]]),
    );
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "image.size",
        json!([]),
    );
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "B",
        json!([]),
    );
}

/// Quoted names may contain dots; the path prints them unquoted.
#[test]
fn quoted_field_names() {
    check(
        &inline(),
        "payload.image_meta.'org.openstack__1__architecture'",
        json!([[
            "payload.image_meta.org.openstack__1__architecture",
            "x86_64"
        ]]),
    );
    check(
        &inline(),
        r#"payload.image_meta."org.openstack__1__architecture""#,
        json!([[
            "payload.image_meta.org.openstack__1__architecture",
            "x86_64"
        ]]),
    );
}

/// `[*]`, `.[*]`, `[n]`, negative indexes, slices; `[*]` wraps a dict or string; `[n]` on a string indexes it.
#[test]
fn wildcards_indexes_slices() {
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics.[*].value",
        json!([
            ["payload.metrics.[0].value", 1600],
            ["payload.metrics.[1].value", 17421440000000_i64],
            ["payload.metrics.[2].value", 7852600000000_i64],
            ["payload.metrics.[3].value", 1307374400000000_i64],
            ["payload.metrics.[4].value", 11697470000000_i64],
            ["payload.metrics.[5].value", 0.012959045637294348],
            ["payload.metrics.[6].value", 0.005841204961898534],
            ["payload.metrics.[7].value", 0.9724985141658965],
            ["payload.metrics.[8].value", 0.008701235234910634],
            ["payload.metrics.[9].value", 0.027501485834103515]
        ]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[1:3].name",
        json!([
            ["payload.metrics.[1].name", "cpu.user.time"],
            ["payload.metrics.[2].name", "cpu.kernel.time"]
        ]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[-1].name",
        json!([["payload.metrics.[-1].name", "cpu.percent"]]),
    );
    check(
        &notification("head_meter__FULL_MULTI_MSG.json"),
        "$.payload.[*].counter_name",
        json!([
            ["payload.[0].counter_name", "instance1"],
            ["payload.[1].counter_name", "instance2"]
        ]),
    );
    check(
        &notification("head_meter__FULL_MULTI_MSG.json"),
        "$.payload[0].counter_volume",
        json!([["payload.[0].counter_volume", 28.0]]),
    );
    check(
        &notification("head_meter__FULL_MULTI_MSG.json"),
        "$.event_type.[*]",
        json!([["event_type.[0]", "full.sample"]]),
    );
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "$.payload.[*].size",
        json!([["payload.[0].size", 19]]),
    );
    check(
        &inline(),
        "$.payload.volume_attachment[0].server_id",
        json!([["payload.volume_attachment.[0].server_id", "srv-1"]]),
    );
    check(&inline(), "$.payload.n[0]", json!([["payload.n.[0]", 3]]));
    check(
        &inline(),
        "$.payload.image_meta.base_image_ref[1]",
        json!([["payload.image_meta.base_image_ref.[1]", "b"]]),
    );
}

/// `[n]` on a dict raises upstream (KeyError), as in Rocky's `glance_metadata[?key=image_id][0].value`.
#[test]
fn index_errors() {
    check(
        &inline(),
        "$.payload.glance_metadata[?key=image_id][0].value",
        json!("ERR"),
    );
    check(&inline(), "$.payload.image_meta[0]", json!("ERR"));
}

/// Filters: string equality, `&`, int literals coercing with `int()`, `~` regex, float literals raising on strings.
#[test]
fn filters() {
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[?(@.name='cpu.frequency')].value",
        json!([["payload.metrics.[0].value", 1600]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[?(@.name='cpu.frequency')].timestamp",
        json!([[
            "payload.metrics.[0].timestamp",
            "2013-07-29T06:51:34.472416"
        ]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[?value>=1000].name",
        json!([
            ["payload.metrics.[0].name", "cpu.frequency"],
            ["payload.metrics.[1].name", "cpu.user.time"],
            ["payload.metrics.[2].name", "cpu.kernel.time"],
            ["payload.metrics.[3].name", "cpu.idle.time"],
            ["payload.metrics.[4].name", "cpu.iowait.time"]
        ]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        r#"$.payload.metrics[?(@.name~'cpu\\..*percent')].name"#,
        json!([
            ["payload.metrics.[5].name", "cpu.user.percent"],
            ["payload.metrics.[6].name", "cpu.kernel.percent"],
            ["payload.metrics.[7].name", "cpu.idle.percent"],
            ["payload.metrics.[8].name", "cpu.iowait.percent"],
            ["payload.metrics.[9].name", "cpu.percent"]
        ]),
    );
    check(
        &inline(),
        "$.payload.glance_metadata[?key=image_id].value",
        json!([
            ["payload.glance_metadata.[0].value", "img-1"],
            ["payload.glance_metadata.[2].value", "img-2"]
        ]),
    );
    check(
        &inline(),
        "$.payload.glance_metadata[?(key=image_id & value=img-2)].value",
        json!([["payload.glance_metadata.[2].value", "img-2"]]),
    );
    check(
        &inline(),
        "$.payload.n[?(@ > 2)]",
        json!([
            ["payload.n.[0]", 3],
            ["payload.n.[1]", "10"],
            ["payload.n.[6]", 7]
        ]),
    );
    check(
        &inline(),
        "$.payload.n[?(@ = 10)]",
        json!([["payload.n.[1]", "10"]]),
    );
    check(&inline(), "$.payload.n[?(@ > 2.0)]", json!("ERR"));
}

/// Arithmetic with Python semantics; TypeErrors and mismatched counts give nothing; grouping to the right.
#[test]
fn arithmetic() {
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "$.payload.size*100",
        json!([["`this`", 1900]]),
    );
    check(
        &notification("image__NOTIFICATION_UPLOAD.json"),
        "$.payload.size * 2.5",
        json!([["`this`", 47.5]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[?(@.name='cpu.user.percent')].value * 100",
        json!([["`this`", 1.2959045637294349]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        r#"$.payload.host + "_" + $.payload.nodename"#,
        json!([["`this`", "tianst_tianst.sh.intel.com"]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics.[*].value + $.payload.metrics.[*].value",
        json!([
            ["`this`", 3200],
            ["`this`", 34842880000000_i64],
            ["`this`", 15705200000000_i64],
            ["`this`", 2614748800000000_i64],
            ["`this`", 23394940000000_i64],
            ["`this`", 0.025918091274588696],
            ["`this`", 0.011682409923797068],
            ["`this`", 1.944997028331793],
            ["`this`", 0.01740247046982127],
            ["`this`", 0.05500297166820703]
        ]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics.[*].value + $.payload.host",
        json!([]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.host + 1",
        json!([]),
    );
    check(
        &notification("identity__authenticate_failure.json"),
        "$.payload.outcome - $.payload.outcome + 'identity.authenticate.' + $.payload.outcome",
        json!([]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "'prefix-' + $.payload.host",
        json!([["`this`", "prefix-compute-host-name"]]),
    );
    check(&inline(), "'ab' * 3", json!([["`this`", "ababab"]]));
    check(&inline(), "2 * 3 + 4", json!([["`this`", 14]]));
}

/// `split` and `sub` (nothing when unchanged; backslashes are eaten by the backquote lexer), the identity name hack.
#[test]
fn string_extensions() {
    check(
        &notification("identity__authenticate_success.json"),
        "$.payload.outcome.`sub(/.*/, )` + 'identity.authenticate.' + $.payload.outcome",
        json!([["`this`", "identity.authenticate.success"]]),
    );
    check(
        &notification("identity__authenticate_success.json"),
        "$.payload.outcome.`sub(/xyz/, a)`",
        json!([]),
    );
    check(
        &notification("identity__authenticate_success.json"),
        r#"$.payload.outcome.`sub(/(s+)/, <\1>)`"#,
        json!([["`this`", "<1>ucce<1>"]]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "publisher_id.`split(., 1, 1)`",
        json!([["`this`", "vagrant-precise"]]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "publisher_id.`split(., 0, -1)`",
        json!([["`this`", "compute"]]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "publisher_id.`split(., 5, -1)`",
        json!([]),
    );
}

/// `|` binds tighter than `.`: the built-in fallbacks never match, parenthesised lists work.
#[test]
fn union_precedence() {
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "ctxt.user_id|ctxt.user",
        json!([]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "(ctxt.user_id)|(ctxt.user)",
        json!([["ctxt.user_id", "1e3ce043029547f1a61c1996d1a531a2"]]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "($.payload.created_at)|($.payload.launched_at)",
        json!([
            ["payload.created_at", "2012-05-08 20:23:41"],
            ["payload.launched_at", "2012-05-08 20:23:47.985999"]
        ]),
    );
}

/// `len`, sorts, `sorted` on a non-list (raises), `..`, `parent`, `where`.
#[test]
fn iterables_and_misc() {
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics.`len`",
        json!([["`len`", 10]]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        r#"$.payload.metrics[\value].name"#,
        json!([]),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$.payload.metrics[*].name.`sorted`",
        json!("ERR"),
    );
    check(
        &notification("compute_metrics__METRICS_UPDATE.json"),
        "$..source",
        json!([
            ["payload.metrics.[0].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[1].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[2].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[3].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[4].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[5].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[6].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[7].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[8].source", "libvirt.LibvirtDriver"],
            ["payload.metrics.[9].source", "libvirt.LibvirtDriver"]
        ]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "$.payload.image_meta.*",
        json!([]),
    );
    check(
        &notification("compute__INSTANCE_CREATE_END.json"),
        "$.payload.memory_mb where $.payload.vcpus",
        json!([]),
    );
    check(
        &inline(),
        "$.payload.glance_metadata[0].key.`parent`.value",
        json!([["payload.glance_metadata.[0].value", "img-1"]]),
    );
    check(
        &inline(),
        "$.payload.volume_attachment[*].server_id.`len`",
        json!([["`len`", 5], ["`len`", 5]]),
    );
}
/// `re` semantics: Python 3.7+ `re.sub` empty-match rules, `$` before a
/// final newline, `{,n}`, named groups, bad escapes raising.
#[test]
fn python_regex_semantics() {
    let doc = json!({"s": "str\n", "a": "aaa", "l": ["abc", "x{2}", "ab\n", "b"]});
    check(&doc, r"$.a.`sub(/.*?/, -)`", json!([["`this`", "-------"]]));
    check(&doc, r"$.a.`sub(/a*/, -)`", json!([["`this`", "--"]]));
    check(&doc, r"$.s.`sub(/$/, !)`", json!([["`this`", "str!\n!"]]));
    check(&doc, r"$.s.`sub(/r\\Z/, R)`", json!([]));
    check(
        &doc,
        r"$.l[?(@ ~ 'x{,2}')]",
        json!([
            ["l.[0]", "abc"],
            ["l.[1]", "x{2}"],
            ["l.[2]", "ab\n"],
            ["l.[3]", "b"]
        ]),
    );
    check(&doc, r"$.l[?(@ ~ 'ab$')]", json!([["l.[2]", "ab\n"]]));
    check(&doc, r"$.l[?(@ ~ 'b')]", json!([["l.[3]", "b"]]));
    check(
        &doc,
        r"$.a.`sub(/(?P<x>a)/, <\\g<x>>)`",
        json!([["`this`", "<a><a><a>"]]),
    );
    check(&doc, r"$.a.`sub(/a/, \\q)`", json!("ERR"));
    check(&doc, r"$.s.`split(t, 0, 0)`", json!([["`this`", "str\n"]]));
    check(&doc, r"$.s.`split(t, 1, 5)`", json!([["`this`", "r\n"]]));
}

/// Differential check against files produced by the upstream libraries
/// (`JSONPATH_DIFF_PARSE=file.json`: `[[expression, tree or "ERR"], ...]`).
#[test]
#[ignore]
fn differential_parse() {
    let Ok(file) = std::env::var("JSONPATH_DIFF_PARSE") else {
        return;
    };
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
    let Ok(file) = std::env::var("JSONPATH_DIFF_EVAL") else {
        return;
    };
    let text = std::fs::read_to_string(file).expect("read");
    let cases: Vec<(String, Value, Value)> = serde_json::from_str(&text).expect("json");
    let mut bad = 0;
    for (expr, doc, want) in &cases {
        let Ok(path) = JsonPath::parse(expr) else {
            bad += 1;
            println!("NOPARSE {expr:?}");
            continue;
        };
        let got = match path.try_find(doc) {
            Ok(found) => Value::Array(
                found
                    .into_iter()
                    .map(|m| json!([m.path, m.value.into_owned()]))
                    .collect(),
            ),
            Err(_) => json!("ERR"),
        };
        let values_agree = match (&got, path.try_values(doc)) {
            (Value::Array(g), Ok(v)) => {
                g.len() == v.len() && g.iter().zip(&v).all(|(g, v)| g[1] == **v)
            }
            (Value::String(_), Err(_)) => true,
            _ => false,
        };
        if &got != want || !values_agree {
            bad += 1;
            if bad <= 40 {
                let doc: String = doc.to_string().chars().take(200).collect();
                println!(
                    "MISMATCH {expr:?} on {doc}\n   py: {want}\n   rs: {got} (values agree: {values_agree})"
                );
            }
        }
    }
    println!("{} cases, {bad} mismatches", cases.len());
    assert_eq!(bad, 0);
}

/// `cargo test --release -- --ignored bench --nocapture`: evaluation cost of
/// the expressions a meter definition uses.
#[test]
#[ignore]
fn bench() {
    let doc = notification("compute_metrics__METRICS_UPDATE.json");
    let expressions = [
        "$.payload.metrics[?(@.name='cpu.frequency')].value",
        "$.payload.metrics[?(@.name='cpu.user.percent')].value * 100",
        "$.payload.host + \"_\" + $.payload.nodename",
        "$.payload.metrics[?(@.name='cpu.frequency')].timestamp",
        "$.payload.metrics[?(@.name='cpu.frequency')].source",
        "payload.tenant_id",
        "ctxt.user_id|ctxt.user",
        "publisher_id.`split(., 1, 1)`",
        "$.payload.metrics.[*].value",
        "$.payload.host",
    ];
    let paths: Vec<JsonPath> = expressions
        .iter()
        .filter_map(|e| JsonPath::parse(e).ok())
        .collect();
    let rounds = 200_000;
    for (label, with_paths) in [("values", false), ("find", true)] {
        let start = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..rounds {
            for p in &paths {
                n += if with_paths {
                    p.find(&doc).len()
                } else {
                    p.values(&doc).len()
                };
            }
        }
        let per = start.elapsed().as_nanos() as f64 / (rounds * paths.len()) as f64;
        println!("{label}: {per:.0} ns per expression ({n} matches)");
    }
    for p in &paths {
        let start = std::time::Instant::now();
        for _ in 0..rounds / 10 {
            std::hint::black_box(p.values(&doc));
        }
        println!(
            "  {:>5.0} ns  {}",
            start.elapsed().as_nanos() as f64 / (rounds / 10) as f64,
            p.debug_tree()
        );
    }
    let start = std::time::Instant::now();
    for _ in 0..2000 {
        for e in &expressions {
            let _ = JsonPath::parse(e);
        }
    }
    println!(
        "parse: {:.0} ns per expression",
        start.elapsed().as_nanos() as f64 / (2000 * expressions.len()) as f64
    );
}

/// Pathological nesting is refused instead of exhausting the stack.
#[test]
fn deep_nesting_is_refused() {
    assert!(parse_error(&vec!["a"; 5_000].join("|")).contains("too long"));
    assert!(parse_error(&vec!["a"; 1_500].join("|")).contains("tokens"));
    assert!(parse_error(&vec!["a"; 150].join("|")).contains("deep"));
    let sums = vec!["1"; 300].join("+");
    assert!(parse_error(&sums).contains("deep"));
    let parens = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(!parse_error(&parens).is_empty());
    // Real expressions are far below the limits.
    assert!(JsonPath::parse(&vec!["a"; 60].join(".")).is_ok());
}
