"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, sys, io, contextlib
sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from fuzzeval import evaluate, canon
docs = [canon({"a": [3, 1, {"x": 1}], "b": {"x": 2, "c": [{"x": 3}]}, "s": "str", "n": 5, "f": 1.5, "z": None, "t": True}), [1, [2, [3]]], "str", 5, None]
exprs = ['`sorted`', '`len`', '`this`', '@', '`parent`', '*', '[*]', '[0]', '[-1]', '*..x', '$..*', 'a&b', '`sorted`..x', 'b.`sorted`..x', '(`sorted`)|a', 'a where `sorted`', 'b where `sorted`',
         'a[?(@)]', 'a[?`sorted`]', 'a[?(`sorted` = 1)]', 'b.`parent`', '`parent`.a', 'a.`parent`.`parent`', 'a[*].`parent`', 'b.x.`parent`.c[0].`parent`', 'n[*]', 'f[*]', 'z[*]', 't[*]', 's[*]', 's[1:]', 's[0]', 's[-5]', 's[3]', 'n[0]', 'z[0]', 'b[0]', 'b[5]', 'a[0:5]', 'a[-2:]', 'a[5:1]',
         '$.s + $.s', '$.s * 3', '3 * $.s', '$.a + $.a', '$.a * 2', '$.t + $.t', '$.n * $.f', '$.n - 2.5', '$.f * 0', 'n + 1', '$.n + 10000000000000000000', '$.z + 1', '$.b + $.b', '$.s + 1',
         '$.a[?(@ > 1)]', '$.a[?(@ = 3)]', '$.a[?(@ ~ x)]', '$.a[?x]', '$.a[?(x = 1)]', '$.a[?(x > 0.5)]', '$.a[?(@ != x)]', '$.a[?(@ < x)]',
         '$.s.`sub(/(?P<w>t)/, \\\\g<w>\\\\g<w>)`', '$.s.`sub(/t/, \\\\n)`', '$.s.`sub(/x*/, -)`', '$.s.`sub(/$/, !)`', '$.s.`sub(/(z)?s/, [\\\\1])`', '$.s.`sub(/s/, \\\\q)`', '$.n.`sub(/5/, 6)`', '$.s.`split(t, 0, 0)`', '$.s.`split(t, 1, 0)`', '$.n.`split(t, 0, -1)`',
         '$.a.`sorted`', '$.b.`sorted`', '$.b[/x]', '$.s.`sorted`', '$.a[/x]', '$.a[\\\\x]', '$.a.`len`', '$.b.`len`', '$.n.`len`', "$.b.'x'", "$.b['x', 'c']", '$.b[x,c,x]', "$.b.*", '$.b..x', '$..x', '$..[0]', '$..c[*].x',
         'a.`this`.`this`', '$.`this`', '`this`.$', 'b.$.a', '`len`.$', '$.s.`split(t, 0, -1)`.$', '$.s.`split(t, 0, -1)`.`parent`']
out = []
for e in exprs:
    for d in docs:
        r = evaluate(e, d)
        if r is None: print('NOPARSE', e); continue
        out.append([e, d, r])
json.dump(out, open(_os.path.join(WORK, 'edge.json'), 'w'))
print(len(out))
