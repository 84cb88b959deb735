"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, sys
sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from fuzzeval import evaluate
pats = ['$', 'a$', '\\\\Z', 'x{,2}', 'x{', '{', '[]a]', '[&&]', '(?i)S', '\\\\d+', '\\\\w+', '(?P<n>t)', '(?P<n>a)(?P=n)', 'a|', '^', '.*?', '\\\\b', '(?<=s)t', '(?=r)', '[^a-z]', 'a*', '', 'x*', '(a)|b', '[a-c--b]', 'a{2}', 'é', '\\\\s', '.']
strs = ['str\n', 'aaa', 'x{2}', 'a]b', 'a&b', 'Str', '123abc', 'xx', '', 'ab', 'a-b', 'é é', 'a\nb']
out = []
for p in pats:
    for rep in ['-', '[\\\\g<0>]', '']:
        e = '$.s.`sub(/%s/, %s)`' % (p, rep)
        for s in strs:
            r = evaluate(e, {"s": s})
            if r is not None: out.append([e, {"s": s}, r])
    e2 = "$.l[?(@ ~ '%s')]" % p.replace("'", "\\'")
    r = evaluate(e2, {"l": strs})
    if r is not None: out.append([e2, {"l": strs}, r])
json.dump(out, open(_os.path.join(WORK, 'regex.json'), 'w')); print(len(out))
