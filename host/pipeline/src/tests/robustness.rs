//! Odd inputs give errors, never panics.

use crate::{parse_event_pipeline, parse_pipeline, parse_polling};

const INPUTS: &[&str] = &[
    "",
    "---",
    "null",
    "42",
    "[1, 2]",
    "sources: 3\nsinks: x\n",
    "sources: [1, null, []]\nsinks: [[], 'x', {}]\n",
    "sources: [{name: []}]\nsinks: [{name: {}}]\n",
    "sources: [{name: a, meters: [1], sinks: [2], interval: [], resources: 1, discovery: x}]\nsinks: [{name: b, publishers: [1], transformers: [1, {name: 2}, {name: delta, parameters: []}, {name: delta, parameters: {a: .nan}}]}]\n",
    "sources: [{name: a, meters: '*', sinks: 'abc', group_id_coordination_expression: 1}]\nsinks: [{name: b, publishers: 'x', transformers: 'y'}]\n",
    "sources:\n- name: a\n  interval: 1e400\n  meters: ['!']\n  sinks: [b]\nsinks:\n- name: b\n  publishers: ['']\n",
    "sources: !!binary aGVsbG8=\n",
    "sources: !custom {}\n",
    "a: &x [*x]\n",
    "a: b: c\n",
    "\t- x\n",
    "sources:\n  - name: é\n    meters: ['[']\n    interval: '٣'\n",
    "{? [a, b] : c}\n",
];

#[test]
fn no_panics() {
    for text in INPUTS {
        let _ = parse_pipeline("p.yaml", text);
        let _ = parse_event_pipeline("e.yaml", text);
        let _ = parse_polling("q.yaml", text);
        for result in [
            parse_pipeline("p.yaml", text).err(),
            parse_event_pipeline("e.yaml", text).err(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(!result.is_empty(), "{text:?}");
            assert!(result.iter().all(|e| e.line >= 1), "{text:?}: {result:?}");
        }
    }
}

#[test]
fn every_line_is_within_the_file() {
    for text in INPUTS {
        let lines = text.lines().count().max(1);
        for errors in [
            parse_pipeline("p.yaml", text).err(),
            parse_event_pipeline("e.yaml", text).err(),
            parse_polling("q.yaml", text).err(),
        ]
        .into_iter()
        .flatten()
        {
            for e in errors {
                assert!(e.line <= lines + 1, "{text:?}: {e}");
            }
        }
    }
}
