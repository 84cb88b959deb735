//! Bad input: malformed JSON, wrong types, unknown fields, unsupported
//! operators, SQL-looking values (stored and matched literally, never
//! executed), each a 400 naming the field, and nothing stored half-way.

use serde_json::json;

use crate::common::{ADMIN, ALICE, enc, fault, old_sample, servers};

#[test]
fn malformed_and_mistyped_bodies_are_400s_and_store_nothing() {
    for srv in servers("bad_bodies") {
        let l = srv.label;
        let good = old_sample("cpu", "r1", 1.0, "2026-01-01T00:00:00");
        let mut wrong_volume = good.clone();
        wrong_volume["counter_volume"] = json!("lots");
        let mut wrong_type = good.clone();
        wrong_type["counter_type"] = json!("rate");
        let mut wrong_meta = good.clone();
        wrong_meta["resource_metadata"] = json!({"nested": {"x": 1}});
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("resource_id");
        let mut extra = good.clone();
        extra["colour"] = json!("red");
        let mut id_set = good.clone();
        id_set["message_id"] = json!("mine");
        let cases = [
            (
                "[{\"counter_name\": \"cpu\",",
                "The body is not valid JSON: EOF while parsing a value at line 1 column 24",
            ),
            ("", "The request has no body; JSON is expected"),
            (
                "{\"counter_name\": \"cpu\"}",
                "Invalid input for field/attribute samples.",
            ),
            ("[]", "Samples should be included in request body"),
            (
                &json!([good, wrong_volume]).to_string(),
                "Invalid input for field/attribute counter_volume. Value: 'lots'. Wrong type. Expected '<class 'float'>', got '<class 'str'>'",
            ),
            (
                &json!([good, good, wrong_type]).to_string(),
                "Invalid input for field/attribute counter_type. Value: 'rate'. The counter type must be: gauge, delta, cumulative",
            ),
            (
                &json!([good, wrong_meta]).to_string(),
                "Invalid input for field/attribute resource_metadata.",
            ),
            (
                &json!([good, missing]).to_string(),
                "Invalid input for field/attribute resource_id. Value: 'None'. Mandatory field missing.",
            ),
            (
                &json!([good, extra]).to_string(),
                "Unknown attribute for argument samples: colour",
            ),
            (
                &json!([good, id_set]).to_string(),
                "Invalid input for field/attribute message_id. Value: 'mine'. The message_id must not be set",
            ),
            (
                &json!([old_sample("mem", "r", 1.0, "2026-01-01T00:00:00")]).to_string(),
                "Invalid input for field/attribute counter_name. Value: 'mem'. should be cpu",
            ),
            (
                &json!([old_sample("cpu", "r", 1.0, "yesterday")]).to_string(),
                "Invalid input for field/attribute timestamp. Value: 'yesterday'.",
            ),
        ];
        for direct in ["true", "false"] {
            for (body, expected) in &cases {
                let (status, reply) =
                    srv.post_raw(&format!("/v2/meters/cpu?direct={direct}"), ALICE, body);
                assert_eq!(status, 400, "{l} {body}: {reply}");
                assert!(
                    fault(&reply).starts_with(expected),
                    "{l} {body}: {}",
                    fault(&reply)
                );
            }
        }
        assert_eq!(srv.stored_count(), 0, "{l}: nothing stored half-way");
        assert!(
            srv.intake.submitted.lock().unwrap().is_empty(),
            "{l}: nothing published"
        );
        let (status, body) = srv.post("/v2/meters/cpu?direkt=true", ALICE, &json!([good]));
        assert_eq!(status, 400, "{l}");
        assert_eq!(fault(&body), "Unknown argument: \"direkt\"");
    }
}

#[test]
fn bad_simple_queries_are_400s_naming_the_field() {
    for srv in servers("bad_queries") {
        let l = srv.label;
        let cases = [
            (
                "/v2/samples?q.field=colour&q.value=red",
                "Unknown argument: \"colour\": unrecognized field in query: [<Query 'colour' eq 'red' None>], valid keys: ['message_id', 'meter', 'project', 'resource', 'search_offset', 'source', 'timestamp', 'user']",
            ),
            (
                "/v2/meters?q.field=message_id&q.value=x",
                "Unknown argument: \"message_id\": unrecognized field in query: [<Query 'message_id' eq 'x' None>], valid keys: ['project', 'resource', 'source', 'user']",
            ),
            (
                "/v2/resources?q.field=meter&q.value=x",
                "Unknown argument: \"meter\"",
            ),
            (
                "/v2/samples?q.field=resource_id&q.op=gt&q.value=r",
                "Invalid input for field/attribute op. Value: 'gt'. unimplemented operator for resource_id",
            ),
            (
                "/v2/samples?q.field=timestamp&q.op=eq&q.value=2026-01-01",
                "Invalid input for field/attribute op. Value: 'eq'. unimplemented operator for timestamp",
            ),
            (
                "/v2/samples?q.field=timestamp&q.op=gt&q.value=noon",
                "Invalid input for field/attribute timestamp. Value: 'noon'. invalid timestamp format",
            ),
            (
                "/v2/meters?q.field=timestamp&q.op=gt&q.value=2026-01-01",
                "Unknown argument: \"timestamp\": not valid for this resource",
            ),
            (
                "/v2/samples?q.field=metadata.size&q.value=big&q.type=integer",
                "Unable to convert the value big to the expected data type integer.",
            ),
            (
                "/v2/samples?q.field=metadata.size&q.value=1&q.type=blob",
                "The data type blob is not supported. The supported data type list is: ['integer', 'float', 'string', 'boolean', 'datetime']",
            ),
            (
                "/v2/samples?q.field=user&q.op=like&q.value=a",
                "Invalid input for field/attribute op. Value: 'like'. Value should be one of: lt, le, eq, ne, ge, gt",
            ),
            (
                "/v2/samples?q.field=user",
                "Invalid input for field/attribute q.",
            ),
            ("/v2/samples?limit=0", "Limit must be positive"),
            (
                "/v2/samples?limit=x",
                "Invalid input for field/attribute limit. Value: 'x'. unable to convert to int",
            ),
            (
                "/v2/samples?q.feild=user&q.value=a",
                "Unknown argument: \"q.feild\"",
            ),
            (
                "/v2/resources?meter_links=yes",
                "Invalid input for field/attribute meter_links. Value: 'yes'. unable to convert to int",
            ),
        ];
        for (path, expected) in cases {
            let (status, body) = srv.get(path, ALICE);
            assert_eq!(status, 400, "{l} {path}: {body}");
            assert!(
                fault(&body).starts_with(expected),
                "{l} {path}: {}",
                fault(&body)
            );
            assert_eq!(body["error_message"]["faultcode"], "Client");
        }
    }
}

#[test]
fn sql_looking_values_are_stored_and_matched_literally() {
    for srv in servers("bad_sql") {
        let l = srv.label;
        let nasty = "r'; DROP TABLE samples; --";
        let meta = "1 OR 1=1";
        let mut s = old_sample("cpu", nasty, 1.0, "2026-01-01T00:00:00");
        s["resource_metadata"] = json!({"note": meta, "q\"uote": "x') OR ('1'='1"});
        srv.seed(
            "cpu",
            ALICE,
            &[s, old_sample("cpu", "plain", 2.0, "2026-01-01T00:00:00")],
        );
        let (status, body) = srv.get(
            &format!("/v2/samples?q.field=resource_id&q.value={}", enc(nasty)),
            ALICE,
        );
        assert_eq!(status, 200, "{l}");
        assert_eq!(body.as_array().unwrap().len(), 1, "{l}: {body}");
        assert_eq!(body[0]["resource_id"], nasty);
        let (_, body) = srv.get(
            &format!("/v2/samples?q.field=metadata.note&q.value={}", enc(meta)),
            ALICE,
        );
        assert_eq!(body.as_array().unwrap().len(), 1, "{l}");
        let (_, body) = srv.get(
            &format!(
                "/v2/samples?q.field=metadata.note&q.value={}",
                enc("1' OR '1'='1")
            ),
            ALICE,
        );
        assert!(
            body.as_array().unwrap().is_empty(),
            "{l}: no injection: {body}"
        );
        let f = json!({"filter": json!({"=": {"resource": "x' OR '1'='1"}}).to_string()});
        let (status, body) = srv.post("/v2/query/samples", ADMIN, &f);
        assert_eq!(status, 200, "{l}");
        assert!(body.as_array().unwrap().is_empty(), "{l}: {body}");
        let (status, body) = srv.get(
            &format!("/v2/resources/{}", enc(nasty).replace('+', "%20")),
            ALICE,
        );
        assert_eq!(status, 200, "{l}: {body}");
        assert_eq!(body["metadata"]["q\"uote"], "x') OR ('1'='1");
        assert_eq!(srv.stored_count(), 2, "{l}: the tables are intact");
    }
}
