"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, glob, os, sys
sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from fuzzeval import evaluate
from pyparse import parse
corpus = json.load(open(os.path.join(WORK, 'corpus.json')))
trees = [[e, parse(e)] for e, s in corpus]
files = sorted(glob.glob(os.path.join(REPO, 'tests/fixtures/ceilometer/notifications/*.json')))
results = {}
for e, s in corpus:
    for f in files:
        try: doc = json.load(open(f))
        except Exception: continue
        r = evaluate(e, doc)
        if r:  # non-empty list or "ERR"
            results.setdefault(e, {})[os.path.basename(f)] = r
data = os.path.join(REPO, 'guests/jsonpath/tests/data')
json.dump({"trees": trees}, open(os.path.join(data, 'corpus_trees.json'), 'w'), indent=0, ensure_ascii=False)
json.dump(results, open(os.path.join(data, 'corpus_results.json'), 'w'), ensure_ascii=False, sort_keys=True)
