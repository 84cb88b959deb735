//! Access rules from an operator's oslo.policy file: `telemetry:*` rules
//! refuse with 403, `segregation` decides who sees every project, and the
//! file is reloaded live (a broken edit keeps the previous rules).

use crate::common::{ADMIN, ALICE, BOB, CAROL, fault, old_sample, sorted, sqlite_with_rules};

const RULES: &str = r#"{
    "context_is_admin": "role:admin",
    "segregation": "rule:context_is_admin or role:reader",
    "telemetry:get_samples": "not role:member or user_id:alice",
    "telemetry:create_samples": "role:member or role:admin",
    "telemetry:get_meters": "!"
}"#;

#[test]
fn rules_refuse_allow_and_widen_as_written() {
    let srv = sqlite_with_rules(RULES);
    srv.seed(
        "cpu",
        ALICE,
        &[old_sample("cpu", "ra", 1.0, "2026-01-01T00:00:00")],
    );
    srv.seed(
        "cpu",
        BOB,
        &[old_sample("cpu", "rb", 2.0, "2026-01-01T00:00:00")],
    );
    // Bob is a member and not alice: refused.
    let (status, body) = srv.get("/v2/samples", BOB);
    assert_eq!(status, 403, "{body}");
    assert_eq!(fault(&body), "RBAC Authorization Failed");
    // Alice is allowed, scoped to her project.
    let (status, body) = srv.get("/v2/samples", ALICE);
    assert_eq!(status, 200);
    assert_eq!(sorted(&body, "project_id"), ["proj-a"]);
    // Carol is a reader: segregation lets her see every project.
    let (status, body) = srv.get("/v2/samples", CAROL);
    assert_eq!(status, 200);
    assert_eq!(sorted(&body, "project_id"), ["proj-a", "proj-b"]);
    // Carol may not post (not a member or admin).
    let (status, _) = srv.post(
        "/v2/meters/cpu?direct=true",
        CAROL,
        &serde_json::json!([old_sample("cpu", "rc", 1.0, "2026-01-01T00:00:00")]),
    );
    assert_eq!(status, 403);
    // `!` refuses everyone, admins too.
    assert_eq!(srv.get("/v2/meters", ADMIN).0, 403);
    // No rule for resources and no default: allowed.
    assert_eq!(srv.get("/v2/resources", BOB).0, 200);
}

#[test]
fn the_rules_file_is_reloaded_live() {
    let srv = sqlite_with_rules(RULES);
    let path = srv.dir.path().join("access.json");
    assert_eq!(srv.get("/v2/meters", ALICE).0, 403);
    std::fs::write(&path, RULES.replace("\"!\"", "\"\"")).expect("write");
    assert_eq!(srv.get("/v2/meters", ALICE).0, 200, "edited rule in force");
    std::fs::write(&path, "{ \"telemetry:get_meters\": \"role:\" }").expect("write");
    assert_eq!(
        srv.get("/v2/meters", ALICE).0,
        200,
        "a broken edit keeps the rules"
    );
    std::fs::write(&path, r#"{"default": "role:admin"}"#).expect("write");
    assert_eq!(srv.get("/v2/meters", ALICE).0, 403, "default rule");
    assert_eq!(srv.get("/v2/meters", ADMIN).0, 200);
}
