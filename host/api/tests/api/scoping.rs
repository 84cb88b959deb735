//! Project scoping, endpoint by endpoint: a non-admin reads and writes only
//! their own project (naming another is refused as Ceilometer refuses
//! it), an admin sees every project.

use serde_json::{Value, json};

use crate::common::{ADMIN, ALICE, BOB, Server, fault, old_sample, servers, sorted};

/// Alice's samples on `ra` and a shared resource `shared`, Bob's on `rb`
/// and `shared`; returns (alice's ids, bob's ids).
fn seed(srv: &Server) -> (Vec<String>, Vec<String>) {
    let ids = |posted: Vec<Value>| -> Vec<String> {
        posted
            .iter()
            .map(|s| s["message_id"].as_str().unwrap().to_string())
            .collect()
    };
    let alice = srv.seed(
        "cpu",
        ALICE,
        &[
            old_sample("cpu", "ra", 1.0, "2026-01-01T00:00:00"),
            old_sample("cpu", "shared", 2.0, "2026-01-01T00:01:00"),
        ],
    );
    let bob = srv.seed(
        "cpu",
        BOB,
        &[
            old_sample("cpu", "rb", 10.0, "2026-01-01T00:00:00"),
            old_sample("cpu", "shared", 20.0, "2026-01-01T00:02:00"),
        ],
    );
    srv.seed(
        "disk",
        BOB,
        &[old_sample("disk", "shared", 5.0, "2026-01-01T00:03:00")],
    );
    (ids(alice), ids(bob))
}

#[test]
fn lists_are_scoped_and_naming_another_project_is_401() {
    for srv in servers("scope_lists") {
        seed(&srv);
        let l = srv.label;
        for path in [
            "/v2/samples",
            "/v2/meters",
            "/v2/meters/cpu",
            "/v2/resources",
        ] {
            let (status, body) = srv.get(path, ALICE);
            assert_eq!(status, 200, "{l} {path}");
            assert_eq!(
                sorted(&body, "project_id").first().map(String::as_str),
                Some("proj-a"),
                "{l} {path}: {body}"
            );
            assert!(!body.to_string().contains("proj-b"), "{l} {path}: {body}");
            let (status, body) = srv.get(path, ADMIN);
            assert_eq!(status, 200, "{l} {path}");
            assert!(
                body.to_string().contains("proj-a") && body.to_string().contains("proj-b"),
                "{l} {path}: admin sees all"
            );
            for field in ["project_id", "project"] {
                let (status, body) =
                    srv.get(&format!("{path}?q.field={field}&q.value=proj-b"), ALICE);
                assert_eq!(status, 401, "{l} {path} {field}");
                assert_eq!(fault(&body), "Not Authorized to access project proj-b");
            }
            let (status, _) = srv.get(&format!("{path}?q.field=project_id&q.value=proj-a"), ALICE);
            assert_eq!(status, 200, "{l} {path}: own project named");
            let (status, body) =
                srv.get(&format!("{path}?q.field=project_id&q.value=proj-b"), ADMIN);
            assert_eq!(status, 200, "{l} {path}");
            assert!(
                !body.to_string().contains("proj-a"),
                "{l} {path}: admin filters by project: {body}"
            );
        }
        // Statistics count only the caller's samples.
        let (_, body) = srv.get("/v2/meters/cpu/statistics", ALICE);
        assert_eq!(body[0]["count"], 2, "{l}: {body}");
        assert_eq!(body[0]["sum"], 3.0, "{l}");
        let (_, body) = srv.get("/v2/meters/cpu/statistics", ADMIN);
        assert_eq!(body[0]["count"], 4, "{l}");
        let (status, _) = srv.get(
            "/v2/meters/cpu/statistics?q.field=project_id&q.value=proj-b",
            ALICE,
        );
        assert_eq!(status, 401, "{l}");
        // The shared resource shows alice only her meter.
        let (_, body) = srv.get("/v2/resources/shared", ALICE);
        let rels: Vec<&str> = body["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["rel"].as_str().unwrap())
            .collect();
        assert_eq!(rels, ["self", "cpu"], "{l}: {body}");
        assert_eq!(body["project_id"], "proj-a");
        let (_, body) = srv.get("/v2/resources/shared", ADMIN);
        assert_eq!(
            body["links"].as_array().unwrap().len(),
            3,
            "{l}: admin sees cpu and disk"
        );
    }
}

#[test]
fn single_records_of_another_project_are_not_found() {
    for srv in servers("scope_one") {
        let (alice, bob) = seed(&srv);
        let l = srv.label;
        let (status, body) = srv.get(&format!("/v2/samples/{}", bob[0]), ALICE);
        assert_eq!(status, 404, "{l}: {body}");
        assert_eq!(fault(&body), format!("Sample {} Not Found", bob[0]));
        assert_eq!(
            srv.get(&format!("/v2/samples/{}", alice[0]), ALICE).0,
            200,
            "{l}"
        );
        assert_eq!(
            srv.get(&format!("/v2/samples/{}", bob[0]), ADMIN).0,
            200,
            "{l}"
        );
        let (status, body) = srv.get("/v2/resources/rb", ALICE);
        assert_eq!(status, 404, "{l}");
        assert_eq!(fault(&body), "Resource rb Not Found");
        assert_eq!(srv.get("/v2/resources/rb", ADMIN).0, 200, "{l}");
        assert_eq!(srv.get("/v2/resources/rb", BOB).0, 200, "{l}");
    }
}

#[test]
fn a_non_admin_cannot_post_to_another_project_but_an_admin_can() {
    for srv in servers("scope_post") {
        let l = srv.label;
        let mut sample = old_sample("cpu", "r", 1.0, "2026-01-01T00:00:00");
        sample["project_id"] = json!("proj-b");
        for direct in ["true", "false"] {
            let batch = json!([
                old_sample("cpu", "r0", 1.0, "2026-01-01T00:00:00"),
                sample.clone()
            ]);
            let (status, body) =
                srv.post(&format!("/v2/meters/cpu?direct={direct}"), ALICE, &batch);
            assert_eq!(status, 400, "{l}: {body}");
            assert_eq!(
                fault(&body),
                "Invalid input for field/attribute project_id. Value: 'proj-b'. can not post samples to other projects"
            );
        }
        assert_eq!(srv.stored_count(), 0, "{l}: nothing of the batch stored");
        let posted = srv.seed("cpu", ADMIN, &[sample]);
        assert_eq!(posted[0]["project_id"], "proj-b");
        assert_eq!(posted[0]["source"], "proj-b:openstack");
        assert_eq!(posted[0]["user_id"], "admin-u");
        let (_, body) = srv.get("/v2/samples", BOB);
        assert_eq!(
            body.as_array().unwrap().len(),
            1,
            "{l}: bob sees the admin's sample in his project"
        );
    }
}

#[test]
fn complex_queries_are_scoped() {
    for srv in servers("scope_query") {
        seed(&srv);
        let l = srv.label;
        let (status, body) = srv.post("/v2/query/samples", ALICE, &json!({}));
        assert_eq!(status, 200, "{l}: {body}");
        assert_eq!(sorted(&body, "project_id"), ["proj-a", "proj-a"], "{l}");
        let filter = r#"{"or": [{"=": {"project_id": "proj-b"}}, {"=": {"resource": "ra"}}]}"#;
        let (status, body) = srv.post("/v2/query/samples", ALICE, &json!({ "filter": filter }));
        assert_eq!(status, 401, "{l}: {body}");
        assert_eq!(fault(&body), "Not Authorized to access project proj-b");
        let (status, body) = srv.post("/v2/query/samples", ADMIN, &json!({ "filter": filter }));
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            sorted(&body, "resource_id"),
            ["ra", "rb", "shared", "shared"],
            "{l}: {body}"
        );
        // Not naming a project does not widen a non-admin's view.
        let f = r#"{"not": {"=": {"resource": "nothing"}}}"#;
        let (_, body) = srv.post("/v2/query/samples", BOB, &json!({ "filter": f }));
        assert_eq!(
            sorted(&body, "project_id"),
            ["proj-b", "proj-b", "proj-b"],
            "{l}"
        );
    }
}
