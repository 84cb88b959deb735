#!/usr/bin/env python3
"""Benchmark Ceilometer sample pipelines with transformers (rate_of_change,
unit_conversion, arithmetic, delta).  Transformers exist only up to
ceilometer 11.x (Rocky; removed in 12.0.0 Stein), so run this with the
ceilometer 11.1.0 venv.  (--pipeline pipelines/none.yaml also runs on 27.0.0.)

Input: 'telemetry.polling' notifications (JSON Lines, 50 samples each) as the
polling agent puts them on the bus (gen_polling_stream.py).  They are
json-decoded and held in memory before timing (with --stream: read and
json-decoded inside the timed loop, nothing preloaded).  Timed: for each notification
TelemetryIpc.sample([n]) - the notification agent's real in-process path:
TelemetryIpc.build_sample (meter dict -> Sample) -> PublishContext ->
SamplePipeline.publish_data (source meter filter, volume validation) ->
SampleSink._publish_samples (transformer chain) -> publisher, then
PublishContext.__exit__ -> sink.flush() (transformer.flush(), which is where
the arithmetic transformer emits).  The publisher is a no-op counter.

Prints one JSON object (and writes it to --json-out if given).

--dump-out FILE (Nephometer addition): after the timed run, a second, untimed
pass over the same input through a freshly loaded pipeline (new transformer
caches) whose publisher records every published sample; they are written to
FILE as JSON Lines, one `sample.as_dict()` per line (name, type, unit, volume,
user_id, project_id, resource_id, timestamp, resource_metadata, source, id,
monotonic_time; json.dumps: Python float repr, ints stay ints), in
publication order.  The timed pass is not changed by this option.  The `id` of
a transformer-made sample is a fresh uuid1 (Sample.__init__), so it differs
between runs; every other field is deterministic.
"""
import argparse
import collections
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_kb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])


class NoopPublisher(object):
    def __init__(self):
        self.samples = 0
        self.calls = 0
        self.by_name = collections.Counter()
        self.keep_names = False
        self.first = {}

    def publish_samples(self, samples):
        self.samples += len(samples)
        self.calls += 1
        if self.keep_names:
            for s in samples:
                self.by_name[s.name] += 1
                if s.name not in self.first:
                    self.first[s.name] = {k: v for k, v in s.as_dict().items()
                                          if k in ('name', 'type', 'unit', 'volume',
                                                   'resource_id', 'timestamp')}

    def publish_events(self, events):
        pass


class RecordingPublisher(object):
    """Keeps every published sample, in publication order (untimed pass)."""

    def __init__(self):
        self.samples = []
        self.calls = 0

    def publish_samples(self, samples):
        self.samples.extend(samples)
        self.calls += 1

    def publish_events(self, events):
        pass


def make_endpoint(pipeline_path, publisher):
    """Load the pipeline file, replace every sink's publishers by `publisher`,
    return (manager, TelemetryIpc endpoint).  Needs ceilometer 11.1.0 imported
    and configured (service.prepare_service) by the caller's process."""
    from ceilometer import service
    from ceilometer.pipeline import sample as pipeline_sample
    from ceilometer.telemetry import notifications as telemetry_notifications
    global _CONF
    if _CONF is None:
        _CONF = service.prepare_service([], [])
    conf = _CONF
    conf.set_override('pipeline_cfg_file', os.path.abspath(pipeline_path))
    try:
        mgr = pipeline_sample.SamplePipelineManager(conf, partition=False)
    except TypeError:
        mgr = pipeline_sample.SamplePipelineManager(conf)
    for p in mgr.pipelines:
        p.sink.publishers = [publisher]
    ep = [e for e in mgr.get_main_endpoints()
          if isinstance(e, telemetry_notifications.TelemetryIpc)][0]
    return mgr, ep


_CONF = None


def iter_messages(path, limit):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            yield json.loads(line)
            if limit and n >= limit:
                break


def dump_pass(pipeline_path, input_path, limit, out_path):
    """Untimed second pass: fresh pipeline, record and write what it publishes."""
    rec = RecordingPublisher()
    _mgr, ep = make_endpoint(pipeline_path, rec)
    t = time.perf_counter()
    for m in iter_messages(input_path, limit):
        ep.sample([m])
    dumps = json.dumps
    with open(out_path, 'w') as f:
        for s in rec.samples:
            f.write(dumps(s.as_dict()) + '\n')
    return {'dump_out': out_path, 'dump_samples': len(rec.samples),
            'dump_publisher_calls': rec.calls,
            'dump_s': round(time.perf_counter() - t, 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pipeline', default=os.path.join(HERE, 'pipelines', 'rate_of_change.yaml'))
    ap.add_argument('--input', default=os.path.join(HERE, 'data', 'polling_cpu_100k.jsonl'))
    ap.add_argument('--limit', type=int, default=0, help='only the first N notifications')
    ap.add_argument('--stream', action='store_true',
                    help='do not preload: read + json.loads each notification inside '
                         'the timed loop (peak RSS = steady-state footprint)')
    ap.add_argument('--json-out')
    ap.add_argument('--verify', action='store_true',
                    help='count output samples per meter name (adds overhead; '
                         'not for timed runs)')
    ap.add_argument('--dump-out',
                    help='after the timed run: untimed second pass writing every '
                         'published sample (as_dict, JSON Lines, publication order)')
    a = ap.parse_args()

    t_setup = time.perf_counter()
    import ceilometer
    import pbr.version
    version = pbr.version.VersionInfo('ceilometer').version_string()

    noop = NoopPublisher()
    noop.keep_names = a.verify
    mgr, ep = make_endpoint(a.pipeline, noop)
    sinks = []
    for p in mgr.pipelines:
        sinks.append({'pipeline': p.name,
                      'transformers': [type(t).__name__ for t in
                                       getattr(p.sink, 'transformers', [])]})
    setup_s = time.perf_counter() - t_setup

    msgs = []
    load_s = 0.0
    if not a.stream:
        t = time.perf_counter()
        with open(a.input) as f:
            for line in f:
                msgs.append(json.loads(line))
                if a.limit and len(msgs) >= a.limit:
                    break
        load_s = time.perf_counter() - t
    rss_before = rss_kb()

    sample = ep.sample
    n_msgs = n_in = 0
    if not a.stream:
        n_msgs = len(msgs)
        n_in = sum(len(m['payload']['samples']) for m in msgs)
        t0 = time.perf_counter()
        for m in msgs:
            sample([m])
        elapsed = time.perf_counter() - t0
    else:
        loads = json.loads
        t0 = time.perf_counter()
        with open(a.input) as f:
            for line in f:
                m = loads(line)
                n_in += len(m['payload']['samples'])
                sample([m])
                n_msgs += 1
                if a.limit and n_msgs >= a.limit:
                    break
        elapsed = time.perf_counter() - t0

    res = {
        'bench': 'transformers', 'pipeline': os.path.relpath(a.pipeline, HERE),
        'mode': 'stream' if a.stream else 'preloaded',
        'sinks': sinks, 'ceilometer': version,
        'ceilometer_path': os.path.dirname(ceilometer.__file__),
        'python': sys.version.split()[0],
        'input': os.path.relpath(a.input, HERE),
        'notifications': n_msgs, 'samples_in': n_in, 'samples_out': noop.samples,
        'elapsed_s': round(elapsed, 4),
        'samples_per_s': round(n_in / elapsed, 1),
        'samples_out_per_s': round(noop.samples / elapsed, 1),
        'us_per_sample': round(elapsed / n_in * 1e6, 3),
        'setup_s': round(setup_s, 3), 'preload_s': round(load_s, 3),
        'rss_before_timed_loop_kb': rss_before, 'rss_end_kb': rss_kb(),
        'ru_maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        'publisher_calls': noop.calls,
    }
    if a.verify:
        res['samples_out_per_meter'] = dict(sorted(noop.by_name.items()))
        res['first_out_sample_per_meter'] = noop.first
    if a.dump_out:
        msgs = None  # free the preloaded input before the second pass
        res.update(dump_pass(a.pipeline, a.input, a.limit, a.dump_out))
        if res['dump_samples'] != noop.samples:
            sys.exit('dump pass published %d samples, timed pass %d'
                     % (res['dump_samples'], noop.samples))
    out = json.dumps(res, default=str)
    print(out)
    if a.json_out:
        with open(a.json_out, 'w') as f:
            f.write(out + '\n')


if __name__ == '__main__':
    main()
