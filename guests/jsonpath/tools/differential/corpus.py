"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, yaml, sys
base = _os.path.join(REPO, 'tests/fixtures/ceilometer') + '/'
out = []  # (expr, source)
def spec(v, src):
    if isinstance(v, str):
        out.append((v, src))
    elif isinstance(v, list):
        if all(isinstance(x, str) for x in v):
            for x in v: out.append((x, src + '[item]'))
            if len(v) == 1: out.append((v[0], src))
            else: out.append(('|'.join('(%s)' % p for p in v), src + '[joined]'))
    elif isinstance(v, dict):
        if 'fields' in v: spec(v['fields'], src + '.fields')
        # plugin parameters of bitfield contain paths
        pl = v.get('plugin')
        if isinstance(pl, dict):
            for f in (pl.get('parameters') or {}).get('flags', []) or []:
                if isinstance(f, dict) and isinstance(f.get('path'), str):
                    out.append((f['path'], src + '.flag.path(compare only)'))
ATTRS = ['name','type','unit','volume','resource_id','user_id','project_id','timestamp']
def meters(doc, src):
    if not isinstance(doc, dict): return
    for i, m in enumerate(doc.get('metric') or []):
        if not isinstance(m, dict): continue
        for a in ATTRS:
            if a in m: spec(m[a], '%s#%d.%s' % (src, i, a))
        for k, v in (m.get('metadata') or {}).items() if isinstance(m.get('metadata'), dict) else []:
            spec(v, '%s#%d.metadata.%s' % (src, i, k))
        if 'user_metadata' in m: spec(m['user_metadata'], '%s#%d.user_metadata' % (src, i))
for f in ['meters.yaml', 'meters.mitaka-6.0.0.yaml', 'meters.rocky-11.0.0.yaml']:
    meters(yaml.safe_load(open(base + 'data/' + f)), f)
ev = yaml.safe_load(open(base + 'data/event_definitions.yaml'))
for i, d in enumerate(ev):
    for k, v in (d.get('traits') or {}).items():
        spec(v, 'event_definitions.yaml#%d.%s' % (i, k))
for i, c in enumerate(json.load(open(base + 'meter_cases.json'))):
    d = c.get('meter_definition_yaml_or_name')
    if isinstance(d, str):
        try: d = yaml.safe_load(d)
        except Exception: d = None
    if isinstance(d, dict): meters(d, 'meter_cases#%d' % i)
# hard-coded fallbacks and default traits
for e in ['ctxt.user_id|ctxt.user', 'ctxt.project_id|ctxt.tenant_id', 'ctxt.tenant_id|ctxt.tenant',
          '_context_user_id|_context_user', '_context_tenant_id|_context_tenant', 'publisher_id', 'ctxt.request_id',
          '(payload.tenant_id)|(ctxt.project_id)', '(payload.user_id)|(ctxt.user_id)']:
    out.append((e, 'builtin'))
seen = {}
for e, s in out:
    seen.setdefault(e, s)
json.dump([[e, s] for e, s in seen.items()], open(_os.path.join(WORK, 'corpus.json'), 'w'), indent=0)
print(len(out), len(seen))
