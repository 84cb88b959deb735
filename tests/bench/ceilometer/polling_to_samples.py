#!/usr/bin/env python3
"""Convert the 'telemetry.polling' notification stream (gen_polling_stream.py)
into the samples Ceilometer 11.1.0's notification agent feeds to its sample
pipelines, for benchmarks that start at the pipeline (the Rust side of
run-transformers.sh).  Run it with the ceilometer 11.1.0 venv: the conversion
is Ceilometer's own code, not a re-implementation.

For every notification (one line of the input, in file order) it calls
TelemetryIpc.sample([notification]) exactly as the agent does (through
SampleEndpoint.process_notifications and PublishContext), with every
pipeline's publish_data() replaced by a recorder, so what is written is
exactly the list each pipeline receives, before the source's meter filter and
the volume check.  TelemetryIpc.build_sample maps a meter message to
Sample(name=counter_name, type=counter_type, unit=counter_unit,
volume=counter_volume, user_id, project_id, resource_id,
timestamp=timestamp (the string, unchanged), resource_metadata,
source=source, id=message_id) - it does not pass monotonic_time, so every
sample has monotonic_time None even though the polled messages carry one.

Writes:
  --out      JSON Lines, one sample.as_dict() per line, in feed order
             (name, type, unit, volume, user_id, project_id, resource_id,
             timestamp, resource_metadata, source, id, monotonic_time)
  --batches  JSON list: the number of samples of each publish_data() call, in
             order; the pipeline is flushed (PublishContext.__exit__ ->
             sink.flush()) after each of them.

usage: <ceilo11 venv>/bin/python polling_to_samples.py --input polling_cpu_100k.jsonl
           --out polling_cpu_100k.samples.jsonl --batches polling_cpu_100k.batches.json
           [--pipeline pipelines/rate_of_change.yaml]
"""
import argparse
import json
import os

from bench_transformers import HERE, NoopPublisher, iter_messages, make_endpoint


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--input', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--batches', required=True)
    ap.add_argument('--pipeline', default=os.path.join(HERE, 'pipelines', 'rate_of_change.yaml'),
                    help='any pipeline file works: only its pipeline objects are '
                         'used, as recorders (one pipeline is enough)')
    ap.add_argument('--limit', type=int, default=0)
    a = ap.parse_args()

    mgr, ep = make_endpoint(a.pipeline, NoopPublisher())
    batches = []
    dumps = json.dumps
    with open(a.out, 'w') as out:
        def record(data):
            # SamplePipeline.publish_data's own first step
            if not isinstance(data, list):
                data = [data]
            batches.append(len(data))
            for s in data:
                out.write(dumps(s.as_dict()) + '\n')

        pipe = mgr.pipelines[0]
        pipe.publish_data = record
        # a PublishContext holds the pipeline objects: only the first one records
        for p in mgr.pipelines[1:]:
            p.publish_data = lambda data: None
        n_in = 0
        for m in iter_messages(a.input, a.limit):
            n_in += len(m['payload']['samples'])
            ep.sample([m])
    # process_notifications logs and swallows exceptions: check nothing was lost
    if sum(batches) != n_in:
        raise SystemExit('recorded %d samples of %d' % (sum(batches), n_in))
    with open(a.batches, 'w') as f:
        json.dump(batches, f, separators=(',', ':'))
        f.write('\n')
    print(json.dumps({'input': a.input, 'notifications': len(batches),
                      'samples': sum(batches), 'batch_sizes': sorted(set(batches)),
                      'out': a.out, 'batches': a.batches}))


if __name__ == '__main__':
    main()
