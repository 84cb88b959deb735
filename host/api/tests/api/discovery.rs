//! Version discovery, capabilities, the alarms URLs, unknown paths and
//! methods: all in Ceilometer's shapes.

use crate::common::{ALICE, fault, servers};

#[test]
fn versions_capabilities_and_unknown_routes() {
    for srv in servers("discovery") {
        let l = srv.label;
        let (status, body) = srv.get("/", "");
        assert_eq!(status, 200, "{l}");
        let v2 = &body["versions"]["values"][0];
        assert_eq!(v2["id"], "v2");
        assert_eq!(v2["status"], "stable");
        assert_eq!(v2["links"][0]["href"], format!("{}/v2", srv.base));
        let (_, body) = srv.get("/v2", "");
        assert_eq!(body["version"]["id"], "v2", "{l}");

        let (status, body) = srv.get("/v2/capabilities", ALICE);
        assert_eq!(status, 200, "{l}");
        for key in [
            "samples:query:complex",
            "statistics:groupby",
            "statistics:aggregation:selectable:stddev",
            "statistics:aggregation:selectable:cardinality",
            "events:query:simple",
        ] {
            assert_eq!(body["api"][key], true, "{l} {key}: {body}");
        }
        assert_eq!(body["storage"]["storage:production_ready"], true);
        assert_eq!(body["event_storage"]["storage:production_ready"], true);

        let (status, body) = srv.get("/v2/alarms", ALICE);
        assert_eq!(status, 410, "{l}");
        assert!(fault(&body).contains("Aodh"), "{l}");
        let (status, body) = srv.get("/v2/nothing", ALICE);
        assert_eq!(status, 404, "{l}");
        assert_eq!(body["error_message"]["faultcode"], "Client");
        let (status, body) = srv.post("/v2/samples", ALICE, &serde_json::json!({}));
        assert_eq!(status, 405, "{l}: {body}");
        assert!(!fault(&body).is_empty(), "{l}");
    }
}
