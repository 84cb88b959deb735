//! The list endpoints: Ceilometer's shapes, simple-query filters
//! (fields, metadata, timestamps, search_offset), limits, `unique`,
//! resource links.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{ADMIN, ALICE, Server, enc, old_sample, servers, sorted};

fn seed(srv: &Server) -> Vec<Value> {
    let mut s1 = old_sample("cpu", "vm-1", 10.0, "2026-03-01T10:00:00");
    s1["resource_metadata"] =
        json!({"flavor.name": "m1.tiny", "flavor.ram": "512", "state": "active"});
    let mut s2 = old_sample("cpu", "vm-1", 20.0, "2026-03-01T10:05:00");
    s2["resource_metadata"] =
        json!({"flavor.name": "m1.tiny", "flavor.ram": "512", "state": "active"});
    let mut s3 = old_sample("cpu", "vm-2", 30.0, "2026-03-01T10:10:00.250000");
    s3["resource_metadata"] = json!({"flavor.name": "m1.large", "state": "paused"});
    s3["user_id"] = json!("other-user");
    let mut posted = srv.seed("cpu", ALICE, &[s1, s2, s3]);
    let mut mem = old_sample("memory", "vm-1", 512.0, "2026-03-01T10:00:00");
    mem["counter_unit"] = json!("MB");
    posted.extend(srv.seed("memory", ALICE, &[mem]));
    posted
}

#[test]
fn samples_and_meter_samples_have_ceilometers_shapes() {
    for srv in servers("lists_shapes") {
        let posted = seed(&srv);
        let l = srv.label;
        let (status, body) = srv.get("/v2/samples?q.field=resource_id&q.value=vm-2", ALICE);
        assert_eq!(status, 200, "{l}: {body}");
        let s = &body[0];
        assert_eq!(s["id"], posted[2]["message_id"], "{l}");
        assert_eq!(
            (
                s["meter"].as_str(),
                s["type"].as_str(),
                s["unit"].as_str(),
                s["volume"].as_f64()
            ),
            (Some("cpu"), Some("gauge"), Some("%"), Some(30.0)),
            "{l}"
        );
        assert_eq!(s["user_id"], "other-user");
        assert_eq!(s["project_id"], "proj-a");
        assert_eq!(s["source"], "proj-a:openstack");
        assert_eq!(s["timestamp"], "2026-03-01T10:10:00.250000");
        assert!(
            s["recorded_at"]
                .as_str()
                .is_some_and(|t| t.starts_with("20")),
            "{l}"
        );
        assert_eq!(
            s["metadata"],
            json!({"flavor.name": "m1.large", "state": "paused"}),
            "{l}"
        );

        let (_, body) = srv.get("/v2/meters/cpu?q.field=resource_id&q.value=vm-1", ALICE);
        let old = &body[0];
        assert_eq!(body.as_array().unwrap().len(), 2, "{l}");
        assert_eq!(old["counter_name"], "cpu");
        assert_eq!(old["counter_volume"], 20.0, "{l}: newest first");
        assert_eq!(old["timestamp"], "2026-03-01T10:05:00");
        assert_eq!(
            old["resource_metadata"]["flavor.ram"], "512",
            "{l}: flattened"
        );
        assert_eq!(old["message_id"], posted[1]["message_id"]);
        // The path's meter wins over a meter condition, as in Ceilometer.
        let (_, body) = srv.get("/v2/meters/memory?q.field=meter&q.value=cpu", ALICE);
        assert_eq!(sorted(&body, "counter_name"), ["memory"], "{l}");
        // One sample.
        let id = posted[0]["message_id"].as_str().unwrap();
        let (status, one) = srv.get(&format!("/v2/samples/{id}"), ALICE);
        assert_eq!(status, 200, "{l}");
        assert_eq!(one["volume"], 10.0);
    }
}

#[test]
fn simple_query_filters_select_what_they_say() {
    for srv in servers("lists_filters") {
        seed(&srv);
        let l = srv.label;
        let volumes = |path: &str| -> Vec<f64> {
            let (status, body) = srv.get(path, ALICE);
            assert_eq!(status, 200, "{l} {path}: {body}");
            let mut v: Vec<f64> = body
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["volume"].as_f64().unwrap())
                .collect();
            v.sort_by(f64::total_cmp);
            v
        };
        assert_eq!(
            volumes("/v2/samples?q.field=meter&q.value=cpu"),
            [10.0, 20.0, 30.0],
            "{l}"
        );
        assert_eq!(
            volumes("/v2/samples?q.field=user_id&q.value=other-user"),
            [30.0],
            "{l}"
        );
        assert_eq!(
            volumes("/v2/samples?q.field=user&q.value=alice&q.field=meter&q.value=cpu"),
            [10.0, 20.0],
            "{l}"
        );
        assert_eq!(
            volumes("/v2/samples?q.field=source&q.value=proj-a%3Aopenstack"),
            [10.0, 20.0, 30.0, 512.0],
            "{l}"
        );
        // Metadata: strings, and literal_eval'd numbers against the stored type.
        assert_eq!(
            volumes(&format!(
                "/v2/samples?q.field=metadata.flavor.name&q.value={}",
                enc("m1.tiny")
            )),
            [10.0, 20.0],
            "{l}"
        );
        assert_eq!(
            volumes("/v2/samples?q.field=resource_metadata.state&q.value=paused"),
            [30.0],
            "{l}"
        );
        assert_eq!(
            volumes("/v2/samples?q.field=metadata.flavor.ram&q.value=512&q.type=string"),
            [10.0, 20.0],
            "{l}"
        );
        assert!(
            volumes("/v2/samples?q.field=metadata.flavor.ram&q.value=512").is_empty(),
            "{l}: 512 is an integer, the posted metadata is text"
        );
        // Timestamps: ranges, with bounds as given.
        let ts = |op: &str, t: &str| format!("q.field=timestamp&q.op={op}&q.value={}", enc(t));
        assert_eq!(
            volumes(&format!(
                "/v2/samples?{}&q.field=meter&q.value=cpu",
                ts("gt", "2026-03-01T10:00:00")
            )),
            [20.0, 30.0],
            "{l}"
        );
        assert_eq!(
            volumes(&format!(
                "/v2/samples?{}&q.field=meter&q.value=cpu",
                ts("ge", "2026-03-01T10:00:00")
            )),
            [10.0, 20.0, 30.0],
            "{l}"
        );
        assert_eq!(
            volumes(&format!(
                "/v2/samples?{}&{}",
                ts("ge", "2026-03-01T10:01:00"),
                ts("le", "2026-03-01T10:05:00")
            )),
            [20.0],
            "{l}"
        );
        assert_eq!(
            volumes(&format!(
                "/v2/samples?{}",
                ts("lt", "2026-03-01T11:05:00+01:00")
            )),
            [10.0, 512.0],
            "{l}: zone honoured"
        );
        // search_offset widens both bounds by minutes.
        assert_eq!(
            volumes(&format!(
                "/v2/samples?{}&{}&q.field=search_offset&q.value=5",
                ts("ge", "2026-03-01T10:04:00"),
                ts("le", "2026-03-01T10:06:00")
            )),
            [10.0, 20.0, 30.0, 512.0],
            "{l}"
        );
        // Limits.
        assert_eq!(volumes("/v2/samples?limit=2").len(), 2, "{l}");
        let (_, body) = srv.get("/v2/samples?limit=1", ALICE);
        assert_eq!(body[0]["volume"], 30.0, "{l}: the newest");
    }
}

#[test]
fn meters_list_unique_and_ids() {
    for srv in servers("lists_meters") {
        seed(&srv);
        let l = srv.label;
        let (status, body) = srv.get("/v2/meters", ALICE);
        assert_eq!(status, 200, "{l}");
        let rows = body.as_array().unwrap();
        assert_eq!(
            rows.len(),
            3,
            "{l}: cpu/vm-1, cpu/vm-2, memory/vm-1: {body}"
        );
        let mem = rows.iter().find(|m| m["name"] == "memory").unwrap();
        assert_eq!(mem["unit"], "MB");
        assert_eq!(mem["type"], "gauge");
        assert_eq!(mem["resource_id"], "vm-1");
        assert_eq!(mem["source"], "proj-a:openstack");
        let id = base64::engine::general_purpose::STANDARD
            .decode(mem["meter_id"].as_str().unwrap())
            .unwrap();
        assert_eq!(id, b"vm-1+memory");
        let (_, body) = srv.get("/v2/meters?unique=True", ALICE);
        assert_eq!(sorted(&body, "name"), ["cpu", "memory"], "{l}: {body}");
        assert!(body[0]["resource_id"].is_null());
        let (_, body) = srv.get("/v2/meters?q.field=resource_id&q.value=vm-2", ALICE);
        assert_eq!(sorted(&body, "user_id"), ["other-user"], "{l}");
        let (_, body) = srv.get("/v2/meters?limit=1", ADMIN);
        assert_eq!(body.as_array().unwrap().len(), 1, "{l}");
    }
}

#[test]
fn resources_with_links_spans_and_latest_metadata() {
    for srv in servers("lists_resources") {
        seed(&srv);
        let l = srv.label;
        let (status, body) = srv.get("/v2/resources", ALICE);
        assert_eq!(status, 200, "{l}");
        assert_eq!(sorted(&body, "resource_id"), ["vm-1", "vm-2"], "{l}");
        let vm1 = body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource_id"] == "vm-1")
            .unwrap()
            .clone();
        assert_eq!(vm1["first_sample_timestamp"], "2026-03-01T10:00:00", "{l}");
        assert_eq!(vm1["last_sample_timestamp"], "2026-03-01T10:05:00", "{l}");
        assert_eq!(vm1["metadata"]["state"], "active");
        assert_eq!(vm1["source"], "proj-a:openstack");
        let links: Vec<(String, String)> = vm1["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["rel"].as_str().unwrap().to_string(),
                    x["href"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            links[0],
            (
                "self".to_string(),
                format!("{}/v2/resources/vm-1", srv.base)
            ),
            "{l}"
        );
        assert_eq!(links[1].0, "cpu");
        assert_eq!(
            links[1].1,
            format!(
                "{}/v2/meters/cpu?q.field=resource_id&q.value=vm-1",
                srv.base
            )
        );
        assert_eq!(links[2].0, "memory");
        // The links work.
        let path = links[1].1.trim_start_matches(&srv.base).to_string();
        let (status, samples) = srv.get(&path, ALICE);
        assert_eq!(status, 200, "{l}");
        assert_eq!(samples.as_array().unwrap().len(), 2, "{l}");
        let (_, body) = srv.get("/v2/resources?meter_links=0", ALICE);
        assert_eq!(
            body[0]["links"].as_array().unwrap().len(),
            1,
            "{l}: self only"
        );
        let (_, body) = srv.get(
            &format!(
                "/v2/resources?q.field=timestamp&q.op=gt&q.value={}",
                enc("2026-03-01T10:06:00")
            ),
            ALICE,
        );
        assert_eq!(sorted(&body, "resource_id"), ["vm-2"], "{l}");
        let (_, body) = srv.get("/v2/resources?q.field=metadata.state&q.value=paused", ALICE);
        assert_eq!(sorted(&body, "resource_id"), ["vm-2"], "{l}");
        let (status, one) = srv.get("/v2/resources/vm-2", ALICE);
        assert_eq!(status, 200);
        assert_eq!(one["user_id"], "other-user", "{l}");
    }
}

#[test]
fn resource_ids_with_slashes_and_odd_characters_round_trip() {
    for srv in servers("lists_odd_ids") {
        let id = "29f809d9-88bb/glance 1";
        srv.seed(
            "image",
            ALICE,
            &[old_sample("image", id, 1.0, "2026-03-01T10:00:00")],
        );
        let (status, body) = srv.get(
            &format!("/v2/resources/{}", enc(id).replace('+', "%20")),
            ALICE,
        );
        assert_eq!(status, 200, "{}: {body}", srv.label);
        assert_eq!(body["resource_id"], id);
        let (status, body) = srv.get("/v2/resources/29f809d9-88bb/glance%201", ALICE);
        assert_eq!(status, 200, "{}: a raw slash too: {body}", srv.label);
    }
}
