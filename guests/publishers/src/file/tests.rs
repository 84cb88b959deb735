use super::*;
use crate::fixtures::{event, sample_a, sample_b};

fn encoder(url: &str) -> FileEncoder {
    FileEncoder::from_settings(&Settings::for_url(url)).unwrap()
}

const A_REPR: &str = r#"{'name': 'cpu', 'type': 'cumulative', 'unit': 'ns', 'volume': 1.0, 'user_id': None, 'user_name': None, 'project_id': 'p1', 'project_name': None, 'resource_id': 'r1', 'timestamp': '2015-04-23T12:00:00.123456', 'resource_metadata': {'zz': {'b': [1, 'é']}, 'a': 1e+20, 'q': "it's", 'n': None, 't': True}, 'source': 'openstack', 'id': 'id-a', 'monotonic_time': None}"#;
const B_REPR: &str = r#"{'name': 'memory.usage', 'type': 'gauge', 'unit': 'MB', 'volume': 1e+20, 'user_id': 'u1', 'user_name': None, 'project_id': 'p1', 'project_name': None, 'resource_id': 'r/2', 'timestamp': '2015-04-23T12:00:00+00:00', 'resource_metadata': {}, 'source': 'openstack', 'id': 'id-b', 'monotonic_time': 12.5}"#;
const A_JSON: &str = r#"{"name": "cpu", "type": "cumulative", "unit": "ns", "volume": 1.0, "user_id": null, "user_name": null, "project_id": "p1", "project_name": null, "resource_id": "r1", "timestamp": "2015-04-23T12:00:00.123456", "resource_metadata": {"zz": {"b": [1, "\u00e9"]}, "a": 1e+20, "q": "it's", "n": null, "t": true}, "source": "openstack", "id": "id-a", "monotonic_time": null}"#;
const B_JSON: &str = r#"{"name": "memory.usage", "type": "gauge", "unit": "MB", "volume": 1e+20, "user_id": "u1", "user_name": null, "project_id": "p1", "project_name": null, "resource_id": "r/2", "timestamp": "2015-04-23T12:00:00+00:00", "resource_metadata": {}, "source": "openstack", "id": "id-b", "monotonic_time": 12.5}"#;

#[test]
fn samples_are_python_reprs_one_line_each_in_one_delivery() {
    let out = encoder("file:///var/log/meters")
        .samples(&[sample_a(), sample_b()], 0)
        .unwrap();
    assert_eq!(out.deliveries.len(), 1);
    assert_eq!(out.deliveries[0].content_type, "text/plain");
    assert!(out.deliveries[0].headers.is_empty());
    assert_eq!(out.deliveries[0].text(), format!("{A_REPR}\n{B_REPR}\n"));
}

#[test]
fn json_flag_writes_python_json() {
    let out = encoder("file:///var/log/meters?max_bytes=10&backup_count=5&json")
        .samples(&[sample_a(), sample_b()], 0)
        .unwrap();
    assert_eq!(out.deliveries[0].text(), format!("{A_JSON}\n{B_JSON}\n"));
}

#[test]
fn events_are_as_dict_lines() {
    let repr_line = r#"{'message_id': 'm1', 'event_type': 'compute.instance.create.end', 'generated': datetime.datetime(2015, 4, 23, 12, 0, 0, 123456), 'traits': [{'name': 't', 'dtype': 1, 'value': 'vé'}, {'name': 'i', 'dtype': 2, 'value': 3}, {'name': 'f', 'dtype': 3, 'value': 0.1}, {'name': 'd', 'dtype': 4, 'value': datetime.datetime(2015, 4, 23, 12, 0)}], 'raw': {}}"#;
    let out = encoder("file:///e").events(&[event()], 0).unwrap();
    assert_eq!(out.deliveries[0].text(), format!("{repr_line}\n"));
    let json_line = r#"{"message_id": "m1", "event_type": "compute.instance.create.end", "generated": "2015-04-23 12:00:00.123456", "traits": [{"name": "t", "dtype": 1, "value": "v\u00e9"}, {"name": "i", "dtype": 2, "value": 3}, {"name": "f", "dtype": 3, "value": 0.1}, {"name": "d", "dtype": 4, "value": "2015-04-23 12:00:00"}], "raw": {}}"#;
    let out = encoder("file:///e?json").events(&[event()], 0).unwrap();
    assert_eq!(out.deliveries[0].text(), format!("{json_line}\n"));
}

#[test]
fn empty_batches_give_no_delivery() {
    assert!(
        encoder("file:///x")
            .samples(&[], 0)
            .unwrap()
            .deliveries
            .is_empty()
    );
    assert!(
        encoder("file:///x")
            .events(&[], 0)
            .unwrap()
            .deliveries
            .is_empty()
    );
}

#[test]
fn bad_options_are_refused_by_name() {
    let err = FileEncoder::from_settings(&Settings::for_url("file://")).unwrap_err();
    assert!(err.contains("path"), "{err}");
    let err =
        FileEncoder::from_settings(&Settings::for_url("file:///x?max_bytes=ten&backup_count=1"))
            .unwrap_err();
    assert!(err.contains("max_bytes"), "{err}");
    let err = FileEncoder::from_settings(&Settings::for_url("file:///x?max_bytes=&backup_count=1"))
        .unwrap_err();
    assert!(err.contains("max_bytes"), "{err}");
    // Only checked when both are given, as upstream.
    assert!(FileEncoder::from_settings(&Settings::for_url("file:///x?max_bytes=ten")).is_ok());
}
