//! `POST /v2/meters/{name}`: defaults, signed meter messages to the
//! pipeline intake, `direct=true`, metadata nesting, and an intake failure
//! that stores nothing.

use std::sync::atomic::Ordering;

use serde_json::json;

use crate::common::{ALICE, SECRET, fault, old_sample, servers};

#[test]
fn posted_samples_are_signed_messages_through_the_intake() {
    for srv in servers("post_intake") {
        let l = srv.label;
        let mut s = json!({
            "counter_name": "cpu", "counter_type": "cumulative", "counter_unit": "ns",
            "counter_volume": "123.5", "resource_id": "vm-9", "source": "mysrc",
            "resource_metadata": {"flavor.name": "m1.tiny", "a.b.c": "deep", "plain": "x"},
        });
        let (status, body) = srv.post("/v2/meters/cpu", ALICE, &json!([s.clone()]));
        assert_eq!(status, 201, "{l}: {body}");
        let echoed = &body[0];
        assert_eq!(echoed["user_id"], "alice");
        assert_eq!(echoed["project_id"], "proj-a");
        assert_eq!(echoed["source"], "proj-a:mysrc");
        assert_eq!(echoed["counter_volume"], 123.5);
        assert_eq!(
            echoed["resource_metadata"],
            json!({"flavor.name": "m1.tiny", "a.b:c": "deep", "plain": "x"})
        );
        let id = echoed["message_id"].as_str().unwrap().to_string();
        assert!(!id.is_empty());

        let submitted = srv.intake.submitted.lock().unwrap().clone();
        assert_eq!(submitted.len(), 1, "{l}");
        let m = &submitted[0];
        assert!(
            nepho_signing::verify_signature(m, SECRET),
            "{l}: signed with the telemetry secret"
        );
        assert!(!nepho_signing::verify_signature(m, "another secret"), "{l}");
        assert_eq!(m["counter_type"], "cumulative");
        assert_eq!(m["message_id"], id.as_str());
        assert_eq!(
            m["resource_metadata"],
            json!({"flavor": {"name": "m1.tiny"}, "a": {"b:c": "deep"}, "plain": "x"}),
            "{l}: re-nested"
        );
        assert!(m["monotonic_time"].is_null());
        // The timestamp defaults to now.
        let stamp = nepho_storage::Timestamp::parse(m["timestamp"].as_str().unwrap()).unwrap();
        assert!(
            stamp.seconds_until(nepho_storage::Timestamp::now()).abs() < 60.0,
            "{l}"
        );

        // And it is stored (by the intake) and readable, flattened again.
        let (status, got) = srv.get(&format!("/v2/samples/{id}"), ALICE);
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            got["metadata"],
            json!({"flavor.name": "m1.tiny", "a.b:c": "deep", "plain": "x"}),
            "{l}"
        );
        assert_eq!(got["type"], "cumulative");

        // Explicit user, project and timestamp are kept.
        s["user_id"] = json!("someone");
        s["project_id"] = json!("proj-a");
        s["timestamp"] = json!("2026-02-03T04:05:06+02:00");
        let (status, body) = srv.post("/v2/meters/cpu", ALICE, &json!([s]));
        assert_eq!(status, 201, "{l}: {body}");
        assert_eq!(body[0]["user_id"], "someone");
        assert_eq!(
            body[0]["timestamp"], "2026-02-03T02:05:06",
            "{l}: naive UTC"
        );
    }
}

#[test]
fn direct_stores_in_one_transaction_and_an_intake_failure_stores_nothing() {
    for srv in servers("post_direct") {
        let l = srv.label;
        let batch = json!([
            old_sample("cpu", "r1", 1.0, "2026-01-01T00:00:00"),
            old_sample("cpu", "r2", 2.0, "2026-01-01T00:00:01"),
        ]);
        let (status, _) = srv.post("/v2/meters/cpu?direct=1", ALICE, &batch);
        assert_eq!(status, 201, "{l}");
        assert_eq!(srv.stored_count(), 2, "{l}");
        assert!(
            srv.intake.submitted.lock().unwrap().is_empty(),
            "{l}: direct bypasses the pipeline"
        );
        let stored = srv
            .block_on(srv.storage.samples(&nepho_storage::Filter::all(), None))
            .unwrap();
        let signature = stored[0].message_signature.clone().unwrap_or_default();
        assert_eq!(signature.len(), 64, "{l}: the signature is stored");

        // Anything but a true word is not direct, as oslo's bool_from_string.
        srv.intake.fail.store(true, Ordering::SeqCst);
        let (status, body) = srv.post("/v2/meters/cpu?direct=maybe", ALICE, &batch);
        assert_eq!(status, 503, "{l}: {body}");
        assert!(fault(&body).contains("the pipeline is down"), "{l}: {body}");
        assert_eq!(srv.stored_count(), 2, "{l}: nothing more stored");
        srv.intake.fail.store(false, Ordering::SeqCst);
        let (status, _) = srv.post("/v2/meters/cpu?direct=false", ALICE, &batch);
        assert_eq!(status, 201, "{l}");
        assert_eq!(srv.stored_count(), 4, "{l}");
    }
}
