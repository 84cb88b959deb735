//! `POST /v2/query/samples`: complex filters (and, or, not, in, ranges,
//! metadata, aliases) and orderby, checked against the posted samples.

use serde_json::{Value, json};

use crate::common::{ADMIN, Server, fault, servers};

fn seed(srv: &Server) {
    let mut body = Vec::new();
    for (i, (resource, volume, flavor)) in [
        ("a", 5.0, "tiny"),
        ("b", 1.0, "large"),
        ("c", 3.0, "tiny"),
        ("a", 4.0, "large"),
        ("b", 2.0, "tiny"),
    ]
    .iter()
    .enumerate()
    {
        body.push(
            json!({"counter_name": "cpu", "counter_type": "gauge", "counter_unit": "%",
                         "counter_volume": volume, "resource_id": resource,
                         "timestamp": format!("2026-05-01T00:0{i}:00"),
                         "resource_metadata": {"flavor": flavor}}),
        );
    }
    srv.seed("cpu", ADMIN, &body);
    srv.seed(
        "mem",
        ADMIN,
        &[
            json!({"counter_name": "mem", "counter_type": "gauge", "counter_unit": "MB",
                                     "counter_volume": 100, "resource_id": "a",
                                     "timestamp": "2026-05-01T00:09:00"}),
        ],
    );
}

fn query(srv: &Server, body: Value) -> Vec<f64> {
    let (status, reply) = srv.post("/v2/query/samples", ADMIN, &body);
    assert_eq!(status, 200, "{}: {body}: {reply}", srv.label);
    reply
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["volume"].as_f64().unwrap())
        .collect()
}

#[test]
fn filters_and_orderings_select_and_sort_what_they_say() {
    for srv in servers("query_filters") {
        seed(&srv);
        let l = srv.label;
        let q = |filter: &str, orderby: &str| json!({"filter": filter, "orderby": orderby});
        assert_eq!(
            query(
                &srv,
                q(r#"{"=": {"meter": "cpu"}}"#, r#"[{"volume": "asc"}]"#)
            ),
            [1.0, 2.0, 3.0, 4.0, 5.0],
            "{l}"
        );
        assert_eq!(
            query(
                &srv,
                q(
                    r#"{"and": [{"=": {"counter_name": "cpu"}}, {">": {"counter_volume": 1.5}}, {"<=": {"volume": 4}}]}"#,
                    r#"[{"counter_volume": "DESC"}]"#
                )
            ),
            [4.0, 3.0, 2.0],
            "{l}"
        );
        assert_eq!(
            query(
                &srv,
                q(
                    r#"{"or": [{"=": {"resource": "b"}}, {"in": {"resource_id": ["c", "zz"]}}]}"#,
                    r#"[{"timestamp": "asc"}]"#
                )
            ),
            [1.0, 3.0, 2.0],
            "{l}"
        );
        assert_eq!(
            query(
                &srv,
                q(
                    r#"{"and": [{"not": {"=": {"metadata.flavor": "tiny"}}}, {"=": {"meter": "cpu"}}]}"#,
                    r#"[{"volume": "asc"}]"#
                )
            ),
            [1.0, 4.0],
            "{l}"
        );
        assert_eq!(
            query(
                &srv,
                q(
                    r#"{"and": [{">=": {"timestamp": "2026-05-01T00:01:00"}}, {"=<": {"timestamp": "2026-05-01T00:03:00"}}]}"#,
                    r#"[{"timestamp": "desc"}]"#
                )
            ),
            [4.0, 3.0, 1.0],
            "{l}"
        );
        assert_eq!(
            query(&srv, q(r#"{"!=": {"unit": "%"}}"#, "[]")),
            [100.0],
            "{l}"
        );
        // Two keys: resource ascending, then volume descending.
        assert_eq!(
            query(
                &srv,
                q(
                    r#"{"=": {"type": "gauge"}}"#,
                    r#"[{"resource": "asc"}, {"volume": "desc"}]"#
                )
            ),
            [100.0, 5.0, 4.0, 2.0, 1.0, 3.0],
            "{l}"
        );
        // Default order: newest first; limit.
        assert_eq!(query(&srv, json!({"limit": 2})), [100.0, 2.0], "{l}");
        assert_eq!(
            query(
                &srv,
                json!({"filter": r#"{"=": {"meter": "cpu"}}"#, "limit": "1"})
            ),
            [2.0],
            "{l}"
        );
        // The reply is in the Sample shape.
        let (_, reply) = srv.post(
            "/v2/query/samples",
            ADMIN,
            &json!({"filter": r#"{"=": {"volume": 100}}"#}),
        );
        assert_eq!(reply[0]["meter"], "mem");
        assert_eq!(reply[0]["unit"], "MB");
        assert_eq!(reply[0]["resource_id"], "a");
    }
}

#[test]
fn bad_complex_queries_are_400s_and_the_regex_operator_is_501() {
    for srv in servers("query_bad") {
        let l = srv.label;
        for (body, expected) in [
            (
                json!({"filter": r#"{"=": {"colour": "red"}}"#}),
                "Filter expression not valid: unknown field \"colour\"",
            ),
            (
                json!({"filter": r#"{"like": {"user": "u"}}"#}),
                "Filter expression not valid: unknown operator \"like\"",
            ),
            (
                json!({"filter": "{\"=\": {\"user\": "}),
                "Filter expression not valid: EOF while parsing",
            ),
            (
                json!({"orderby": r#"[{"volume": "sideways"}]"#}),
                "Order-by expression not valid: the direction of \"volume\"",
            ),
            (json!({"limit": -1}), "Limit must be positive"),
            (
                json!({"limit": "many"}),
                "Invalid input for field/attribute limit. Value: 'many'. unable to convert to int",
            ),
            (
                json!({"fliter": "{}"}),
                "Unknown attribute for argument body: fliter",
            ),
        ] {
            let (status, reply) = srv.post("/v2/query/samples", ADMIN, &body);
            assert_eq!(status, 400, "{l} {body}: {reply}");
            assert!(
                fault(&reply).starts_with(expected),
                "{l} {body}: {}",
                fault(&reply)
            );
        }
        let (status, reply) = srv.post(
            "/v2/query/samples",
            ADMIN,
            &json!({"filter": r#"{"=~": {"resource": "a.*"}}"#}),
        );
        assert_eq!(status, 501, "{l}: {reply}");
        let (status, reply) = srv.post_raw("/v2/query/samples", ADMIN, "{\"filter\": ");
        assert_eq!(status, 400, "{l}");
        assert!(
            fault(&reply).starts_with("The body is not valid JSON: EOF while parsing"),
            "{l}: {reply}"
        );
    }
}
