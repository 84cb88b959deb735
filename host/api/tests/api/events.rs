//! Events: filters on type, id, time and typed traits; scoping as
//! Ceilometer's (a non-admin sees their own project and user's events, an
//! admin their project's and those without a project); event types and
//! traits for admins only.

use nepho_storage::{StoredEvent, Trait, TraitValue};
use serde_json::json;

use crate::common::{ADMIN, ALICE, CAROL, Server, enc, fault, servers, sorted};

fn event(id: &str, ty: &str, generated: &str, traits: Vec<(&str, TraitValue)>) -> StoredEvent {
    StoredEvent {
        message_id: id.into(),
        event_type: ty.into(),
        generated: generated.into(),
        traits: traits
            .into_iter()
            .map(|(n, v)| Trait {
                name: n.into(),
                value: v,
            })
            .collect(),
        raw: json!({"id": id}),
    }
}

fn text(s: &str) -> TraitValue {
    TraitValue::Text(s.into())
}

fn seed(srv: &Server) {
    let events = vec![
        event(
            "e1",
            "compute.instance.create.end",
            "2026-06-01T10:00:00",
            vec![
                ("project_id", text("proj-a")),
                ("user_id", text("alice")),
                ("memory_mb", TraitValue::Int(512)),
                ("host", text("h1")),
                (
                    "launched_at",
                    TraitValue::Datetime("2026-06-01T09:59:00".into()),
                ),
            ],
        ),
        event(
            "e2",
            "compute.instance.delete.end",
            "2026-06-01T11:00:00",
            vec![
                ("project_id", text("proj-a")),
                ("user_id", text("alice")),
                ("memory_mb", TraitValue::Int(2048)),
                ("load", TraitValue::Float(0.75)),
            ],
        ),
        event(
            "e3",
            "compute.instance.create.end",
            "2026-06-01T12:00:00",
            vec![
                ("project_id", text("proj-a")),
                ("user_id", text("carol")),
                ("memory_mb", TraitValue::Int(1024)),
            ],
        ),
        event(
            "e4",
            "identity.authenticate",
            "2026-06-01T13:00:00",
            vec![("host", text("keystone"))],
        ),
        event(
            "e5",
            "compute.instance.create.end",
            "2026-06-01T14:00:00",
            vec![
                ("project_id", text("admin-p")),
                ("user_id", text("admin-u")),
            ],
        ),
    ];
    srv.block_on(srv.storage.record_events(&events))
        .expect("events stored");
}

#[test]
fn events_are_filtered_and_scoped_as_ceilometer() {
    for srv in servers("events_scope") {
        seed(&srv);
        let l = srv.label;
        let ids = |path: &str, token: &str| {
            let (status, body) = srv.get(path, token);
            assert_eq!(status, 200, "{l} {path}: {body}");
            sorted(&body, "message_id")
        };
        assert_eq!(
            ids("/v2/events", ALICE),
            ["e1", "e2"],
            "{l}: alice's project and user"
        );
        assert_eq!(
            ids("/v2/events", CAROL),
            ["e3"],
            "{l}: carol, same project, other user"
        );
        assert_eq!(
            ids("/v2/events", ADMIN),
            ["e4", "e5"],
            "{l}: admin: own project and project-less"
        );
        assert_eq!(
            ids("/v2/events?q.field=project_id&q.value=proj-b", ALICE),
            Vec::<String>::new(),
            "{l}"
        );
        assert_eq!(
            ids(
                "/v2/events?q.field=event_type&q.value=compute.instance.create.end",
                ALICE
            ),
            ["e1"],
            "{l}"
        );
        assert_eq!(
            ids("/v2/events?q.field=message_id&q.value=e2", ALICE),
            ["e2"],
            "{l}"
        );
        assert_eq!(
            ids(
                "/v2/events?q.field=memory_mb&q.op=gt&q.value=1000&q.type=integer",
                ALICE
            ),
            ["e2"],
            "{l}"
        );
        assert_eq!(
            ids("/v2/events?q.field=host&q.value=h1", ALICE),
            ["e1"],
            "{l}: string by default"
        );
        assert_eq!(
            ids(
                "/v2/events?q.field=load&q.op=lt&q.value=1&q.type=float",
                ALICE
            ),
            ["e2"],
            "{l}"
        );
        let t = enc("2026-06-01T09:59:30");
        assert_eq!(
            ids(
                &format!("/v2/events?q.field=launched_at&q.op=lt&q.value={t}&q.type=datetime"),
                ALICE
            ),
            ["e1"],
            "{l}"
        );
        let start = enc("2026-06-01T10:30:00");
        assert_eq!(
            ids(
                &format!("/v2/events?q.field=start_timestamp&q.op=ge&q.value={start}"),
                ALICE
            ),
            ["e2"],
            "{l}"
        );
        assert_eq!(
            ids(
                &format!("/v2/events?q.field=end_timestamp&q.op=le&q.value={start}"),
                ALICE
            ),
            ["e1"],
            "{l}"
        );
        assert_eq!(
            ids("/v2/events?limit=1", ALICE),
            ["e1"],
            "{l}: oldest first"
        );

        let (status, body) = srv.get("/v2/events/e1", ALICE);
        assert_eq!(status, 200, "{l}");
        assert_eq!(body["event_type"], "compute.instance.create.end");
        assert_eq!(body["generated"], "2026-06-01T10:00:00");
        assert_eq!(body["raw"], json!({"id": "e1"}));
        let traits = body["traits"].as_array().unwrap();
        assert!(
            traits.contains(&json!({"name": "memory_mb", "type": "integer", "value": "512"})),
            "{l}: {body}"
        );
        assert!(
            traits.contains(
                &json!({"name": "launched_at", "type": "datetime", "value": "2026-06-01T09:59:00"})
            ),
            "{l}"
        );
        let (status, body) = srv.get("/v2/events/e2", CAROL);
        assert_eq!(status, 404, "{l}");
        assert_eq!(fault(&body), "Event e2 Not Found");
        assert_eq!(
            srv.get("/v2/events/e1", ADMIN).0,
            404,
            "{l}: another project's event"
        );
        assert_eq!(srv.get("/v2/events/e4", ADMIN).0, 200, "{l}");
    }
}

#[test]
fn event_types_and_traits_are_for_admins() {
    for srv in servers("events_types") {
        seed(&srv);
        let l = srv.label;
        let (status, body) = srv.get("/v2/event_types", ADMIN);
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            body,
            json!([
                "compute.instance.create.end",
                "compute.instance.delete.end",
                "identity.authenticate"
            ])
        );
        let (status, body) = srv.get("/v2/event_types/compute.instance.create.end/traits", ADMIN);
        assert_eq!(status, 200, "{l}");
        assert_eq!(
            body,
            json!([
                {"name": "host", "type": "string"},
                {"name": "launched_at", "type": "datetime"},
                {"name": "memory_mb", "type": "integer"},
                {"name": "project_id", "type": "string"},
                {"name": "user_id", "type": "string"},
            ]),
            "{l}"
        );
        let (_, body) = srv.get(
            "/v2/event_types/compute.instance.create.end/traits/memory_mb",
            ADMIN,
        );
        assert_eq!(
            body,
            json!([
                {"name": "memory_mb", "type": "integer", "value": "512"},
                {"name": "memory_mb", "type": "integer", "value": "1024"},
            ]),
            "{l}"
        );
        let (_, body) = srv.get(
            "/v2/event_types/compute.instance.delete.end/traits/load",
            ADMIN,
        );
        assert_eq!(
            body,
            json!([{"name": "load", "type": "float", "value": "0.75"}]),
            "{l}"
        );
        assert_eq!(
            srv.get("/v2/event_types/identity.authenticate", ADMIN).0,
            404,
            "{l}"
        );
        for path in [
            "/v2/event_types",
            "/v2/event_types/identity.authenticate/traits",
            "/v2/event_types/identity.authenticate/traits/host",
        ] {
            let (status, body) = srv.get(path, ALICE);
            assert_eq!(status, 401, "{l} {path}");
            assert_eq!(fault(&body), "Not Authorized to access project proj-a");
        }
    }
}

#[test]
fn bad_event_queries_are_400s() {
    for srv in servers("events_bad") {
        let l = srv.label;
        for (query, expected) in [
            (
                "q.field=event_type&q.op=ne&q.value=x",
                "Operator ne is not supported. Only `eq' operator is available for field event_type",
            ),
            (
                "q.field=start_timestamp&q.op=gt&q.value=2026-01-01",
                "Operator gt is not supported. Only `ge' operator is available for field start_timestamp",
            ),
            (
                "q.field=end_timestamp&q.op=le&q.value=soon",
                "Invalid input for field/attribute end_timestamp. Value: 'soon'. invalid timestamp format",
            ),
            (
                "q.field=memory_mb&q.value=big&q.type=integer",
                "Unable to convert the value big to the expected data type integer.",
            ),
            (
                "q.field=x&q.value=1&q.type=boolean",
                "The data type boolean is not supported. The supported data type list is: ['integer', 'float', 'string', 'datetime']",
            ),
            (
                "q.field=x&q.op=like&q.value=1",
                "Invalid input for field/attribute op. Value: 'like'. Value should be one of: lt, le, eq, ne, ge, gt",
            ),
        ] {
            let (status, body) = srv.get(&format!("/v2/events?{query}"), ALICE);
            assert_eq!(status, 400, "{l} {query}: {body}");
            assert_eq!(fault(&body), expected, "{l} {query}");
        }
    }
}
