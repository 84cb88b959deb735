//! Authentication: 401 without a valid token on every endpoint, identity
//! from the token only (never from X-Roles / X-Project-Id / X-User-Id), and
//! the tokens file reloaded live.

use serde_json::json;

use crate::common::{ADMIN, ALICE, BOB, TOKENS, fault, old_sample, servers, sorted};

const ENDPOINTS: [&str; 14] = [
    "/v2/meters",
    "/v2/meters/cpu",
    "/v2/meters/cpu/statistics",
    "/v2/samples",
    "/v2/samples/some-id",
    "/v2/resources",
    "/v2/resources/r1",
    "/v2/events",
    "/v2/events/e1",
    "/v2/event_types",
    "/v2/event_types/t/traits",
    "/v2/event_types/t/traits/n",
    "/v2/capabilities",
    "/v2/event_types/t",
];

#[test]
fn a_missing_or_unknown_token_is_401_everywhere() {
    for srv in servers("auth_401") {
        for path in ENDPOINTS {
            for token in ["", "not-a-token", "token-admi", "token-admin2"] {
                let (status, body) = srv.get(path, token);
                assert_eq!(
                    status, 401,
                    "{} GET {path} token {token:?}: {body}",
                    srv.label
                );
                assert!(
                    fault(&body).contains("requires authentication"),
                    "{}: {body}",
                    srv.label
                );
            }
        }
        for path in ["/v2/meters/cpu", "/v2/query/samples"] {
            let (status, _) = srv.post(
                path,
                "",
                &json!([old_sample("cpu", "r", 1.0, "2026-01-01T00:00:00")]),
            );
            assert_eq!(status, 401, "{} POST {path}", srv.label);
        }
        assert_eq!(
            srv.stored_count(),
            0,
            "{}: nothing stored without a token",
            srv.label
        );
        // Version discovery needs no token.
        assert_eq!(srv.get("/", "").0, 200);
        assert_eq!(srv.get("/v2", "").0, 200);
    }
}

#[test]
fn keystone_headers_sent_by_a_client_are_never_trusted() {
    for srv in servers("auth_headers") {
        srv.seed(
            "cpu",
            BOB,
            &[old_sample("cpu", "rb", 1.0, "2026-01-01T00:00:00")],
        );
        srv.seed(
            "cpu",
            ALICE,
            &[old_sample("cpu", "ra", 2.0, "2026-01-01T00:00:00")],
        );
        let spoof = [
            ("X-Auth-Token", ALICE),
            ("X-Roles", "admin"),
            ("X-Project-Id", "proj-b"),
            ("X-User-Id", "bob"),
            ("X-Tenant-Id", "proj-b"),
            ("X-Identity-Status", "Confirmed"),
        ];
        let (status, body) = srv.get_with("/v2/samples", &spoof);
        assert_eq!(status, 200, "{}", srv.label);
        assert_eq!(
            sorted(&body, "project_id"),
            ["proj-a"],
            "{}: {body}",
            srv.label
        );
        // Admin-only calls stay refused.
        let (status, _) = srv.get_with("/v2/event_types", &spoof);
        assert_eq!(status, 401, "{}", srv.label);
        // Headers without a token: still 401.
        let (status, _) = srv.get_with("/v2/samples", &spoof[1..]);
        assert_eq!(status, 401, "{}", srv.label);
        // Posted samples take the token's user and project, not the headers'.
        let posted = srv.seed(
            "cpu",
            ALICE,
            &[old_sample("cpu", "ra2", 3.0, "2026-01-01T00:00:00")],
        );
        assert_eq!(posted[0]["project_id"], "proj-a");
        assert_eq!(posted[0]["user_id"], "alice");
    }
}

/// Replaces the tokens file the way an editor does (write, then rename).
fn replace(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[test]
fn the_tokens_file_is_reloaded_live_and_a_broken_edit_keeps_the_last_tokens() {
    for srv in servers("auth_reload") {
        let dave = "token-dave";
        assert_eq!(srv.get("/v2/samples", dave).0, 401, "{}", srv.label);
        let with_dave = format!(
            "{TOKENS}\n[tokens.token-dave]\nuser_id = \"dave\"\nproject_id = \"proj-d\"\nroles = [\"admin\"]\n"
        );
        replace(&srv.tokens_path, &with_dave);
        assert_eq!(
            srv.get("/v2/samples", dave).0,
            200,
            "{}: new token",
            srv.label
        );
        assert_eq!(
            srv.get("/v2/event_types", dave).0,
            200,
            "{}: its admin role",
            srv.label
        );

        // A broken edit: the previous tokens stay (dave too).
        replace(&srv.tokens_path, &format!("{with_dave}\n[tokens.x\n"));
        assert_eq!(
            srv.get("/v2/samples", dave).0,
            200,
            "{}: broken edit",
            srv.label
        );
        assert_eq!(srv.get("/v2/samples", ALICE).0, 200, "{}", srv.label);

        // An in-place edit revoking dave and demoting the admin.
        let demoted = TOKENS.replace("roles = [\"admin\"]", "roles = [\"member\"]");
        std::fs::write(&srv.tokens_path, demoted).expect("write");
        assert_eq!(
            srv.get("/v2/samples", dave).0,
            401,
            "{}: revoked",
            srv.label
        );
        let (status, body) = srv.get("/v2/event_types", ADMIN);
        assert_eq!(status, 401, "{}: demoted: {body}", srv.label);
        assert_eq!(fault(&body), "Not Authorized to access project admin-p");
    }
}
