#!/usr/bin/env python3
"""Build the deterministic input for the transformer benchmark: polled samples
as the Rocky (11.x) polling agent puts them on the bus for the notification
agent, i.e. 'telemetry.polling' notifications whose payload is
{'samples': [meter_message, ...]} with [polling] batch_size = 50 (default).

Must run with the ceilometer 11.1.0 venv: it uses Ceilometer's own
compute/pollsters/util.make_sample_from_instance (resource_metadata of a
polled instance) and publisher/utils.meter_message_from_counter (wire dict
incl. HMAC message_signature with the default telemetry_secret).

Writes (JSON Lines, one notification per line):
  data/polling_cpu_100k.jsonl     : 100 polling cycles x 1000 instances of
                                    'cpu' (cumulative, ns)      = 100,000 samples
  data/polling_memory_100k.jsonl  : 50 cycles x 1000 instances x
                                    ('memory.usage', 'memory')  = 100,000 samples
usage: <ceilo11 venv>/bin/python gen_polling_stream.py [--instances 1000] [--seed 7]
           [--out-dir DIR] [--meters cpu,memory]
(--out-dir: where the files and MANIFEST.polling.json go, default data/ next
to this script; --meters cpu: write only the cpu stream.  The cpu stream is
generated first, so its bytes do not depend on --meters.)
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import types
import uuid

from ceilometer.compute.pollsters import util
from ceilometer.publisher import utils as publisher_utils
from ceilometer import sample as sample_mod
from ceilometer import service

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 50          # [polling] batch_size default in Rocky
INTERVAL = 600      # polling.yaml default interval (s)

FLAVORS = [{'name': 'm1.tiny', 'id': '1', 'vcpus': 1, 'ram': 512, 'disk': 1, 'ephemeral': 0},
           {'name': 'm1.small', 'id': '2', 'vcpus': 1, 'ram': 2048, 'disk': 20, 'ephemeral': 0},
           {'name': 'm1.medium', 'id': '3', 'vcpus': 2, 'ram': 4096, 'disk': 40, 'ephemeral': 0},
           {'name': 'm1.large', 'id': '4', 'vcpus': 4, 'ram': 8192, 'disk': 80, 'ephemeral': 0}]


def make_instances(rng, n):
    def uid():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    projects = [uuid.UUID(int=rng.getrandbits(128), version=4).hex for _ in range(100)]
    users = [uuid.UUID(int=rng.getrandbits(128), version=4).hex for _ in range(300)]
    images = [uid() for _ in range(20)]
    out = []
    for i in range(n):
        inst = types.SimpleNamespace()
        inst.id = uid()
        inst.name = 'vm-%d' % i
        inst.flavor = dict(rng.choice(FLAVORS))
        inst.status = 'ACTIVE'
        inst.hostId = uuid.UUID(int=rng.getrandbits(128)).hex[:28]
        img = rng.choice(images)
        inst.image = {'id': img, 'links': [{'href': 'http://glance.example.com/images/' + img,
                                            'rel': 'bookmark'}]}
        # same user metadata shape as tests/unit/compute/pollsters/base.py
        inst.metadata = {'fqdn': 'vm-%d.example.com' % i,
                         'metering.stack': uid(), 'project_cos': 'dev'}
        inst.user_id = rng.choice(users)
        inst.tenant_id = rng.choice(projects)
        setattr(inst, 'OS-EXT-SRV-ATTR:instance_name', 'instance-%08x' % i)
        setattr(inst, 'OS-EXT-SRV-ATTR:host', 'compute-%03d' % (i % 100))
        setattr(inst, 'OS-EXT-STS:vm_state', 'active')
        setattr(inst, 'OS-EXT-STS:task_state', None)
        setattr(inst, 'OS-EXT-AZ:availability_zone', 'nova')
        inst.architecture = 'x86_64'
        inst.os_type = 'linux'
        inst.kernel_id = None
        inst.ramdisk_id = None
        inst.reservation_id = 'r-%08x' % rng.getrandbits(32)
        out.append(inst)
    return out


def write_stream(path, conf, rng, cycles, per_cycle):
    """per_cycle(cycle) -> list of Sample (polling order).  Writes batches."""
    secret = conf.publisher.telemetry_secret
    t0 = datetime.datetime(2024, 6, 1, 0, 0, 0)
    h = hashlib.sha256()
    nmsg = nsamp = 0
    with open(path, 'w') as out:
        for c in range(cycles):
            ts = (t0 + datetime.timedelta(seconds=INTERVAL * c,
                                          microseconds=rng.randrange(10 ** 6))).isoformat()
            samples = per_cycle(c)
            batch = []

            def flush():
                nonlocal nmsg
                msg = {'ctxt': {}, 'publisher_id': 'ceilometer.polling',
                       'event_type': 'telemetry.polling', 'priority': 'SAMPLE',
                       'payload': {'samples': batch},
                       'metadata': {'message_id': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                    'timestamp': ts.replace('T', ' ')}}
                line = json.dumps(msg, sort_keys=True, separators=(',', ':')) + '\n'
                h.update(line.encode())
                out.write(line)
                nmsg += 1

            for s in samples:
                s.set_timestamp(ts)  # polling manager unifies the timestamp per cycle
                s.id = str(uuid.UUID(int=rng.getrandbits(128), version=1))
                batch.append(publisher_utils.meter_message_from_counter(s, secret))
                nsamp += 1
                if len(batch) >= BATCH:
                    flush()
                    batch = []
            if batch:
                flush()
    return {'file': os.path.basename(path), 'notifications': nmsg, 'samples': nsamp,
            'sha256': h.hexdigest(), 'bytes': os.path.getsize(path)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--instances', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--out-dir', default=os.path.join(HERE, 'data'))
    ap.add_argument('--meters', default='cpu,memory',
                    help='comma-separated subset of cpu,memory')
    a = ap.parse_args()
    which = set(a.meters.split(','))
    if not which <= {'cpu', 'memory'}:
        ap.error('--meters: only cpu and memory')
    conf = service.prepare_service([], [])
    rng = random.Random(a.seed)
    insts = make_instances(rng, a.instances)
    os.makedirs(a.out_dir, exist_ok=True)

    cpu = {i.id: rng.randrange(10 ** 12) for i in insts}

    def cpu_cycle(c):
        out = []
        for i in insts:
            util_frac = rng.random()
            cpu[i.id] += int(i.flavor['vcpus'] * INTERVAL * 1e9 * util_frac)
            out.append(util.make_sample_from_instance(
                conf, i, name='cpu', type=sample_mod.TYPE_CUMULATIVE, unit='ns',
                volume=cpu[i.id],
                additional_metadata={'cpu_number': i.flavor['vcpus']},
                monotonic_time=1000.0 + INTERVAL * c))
        return out

    def mem_cycle(c):
        out = []
        for i in insts:
            out.append(util.make_sample_from_instance(
                conf, i, name='memory.usage', type=sample_mod.TYPE_GAUGE, unit='MB',
                volume=round(i.flavor['ram'] * rng.uniform(0.1, 0.95), 1)))
        for i in insts:
            out.append(util.make_sample_from_instance(
                conf, i, name='memory', type=sample_mod.TYPE_GAUGE, unit='MB',
                volume=i.flavor['ram']))
        return out

    man = {}
    if 'cpu' in which:
        man['cpu'] = write_stream(os.path.join(a.out_dir, 'polling_cpu_100k.jsonl'),
                                  conf, rng, 100_000 // a.instances, cpu_cycle)
    if 'memory' in which:
        man['memory'] = write_stream(os.path.join(a.out_dir, 'polling_memory_100k.jsonl'),
                                     conf, rng, 100_000 // (2 * a.instances), mem_cycle)
    man.update({'seed': a.seed, 'instances': a.instances, 'batch_size': BATCH})
    with open(os.path.join(a.out_dir, 'MANIFEST.polling.json'), 'w') as f:
        json.dump(man, f, indent=1)
    print(json.dumps(man, indent=1))


if __name__ == '__main__':
    main()
