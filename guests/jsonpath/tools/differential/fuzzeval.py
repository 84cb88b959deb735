"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, sys, random, io, contextlib, logging, glob, os
sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from jsonpath_rw_ext import parser as P
from jsonpath_rw import parser as BP
import ply.yacc
logging.disable(logging.CRITICAL)
pobj = P.ExtentedJsonPathParser()
yp = ply.yacc.yacc(module=pobj, start='jsonpath', write_tables=0, debug=False, errorlog=ply.yacc.NullLogger())
def parse(s):
    with contextlib.redirect_stdout(io.StringIO()):
        return yp.parse(lexer=BP.IteratorToTokenStream(P.ExtendedJsonPathLexer().tokenize(s)))
def canon(v):
    if isinstance(v, dict): return {k: canon(v[k]) for k in sorted(v)}
    if isinstance(v, list): return [canon(x) for x in v]
    return v
def evaluate(expr, doc):
    try:
        p = parse(expr)
    except Exception:
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            r = [[str(m.full_path), m.value] for m in p.find(doc)]
        s = json.dumps(r, allow_nan=False)
        return r
    except Exception as e:
        return 'ERR'
R = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
docs = []
for f in sorted(glob.glob(_os.path.join(REPO, 'tests/fixtures/ceilometer/notifications/*.json'))):
    try: docs.append(canon(json.load(open(f))))
    except Exception: pass
extra = [
  {"a": [3, 1, 2], "b": {"x": 1, "y": "s"}, "c": "a.b.c", "d": [{"n": "x", "v": 1}, {"n": "y", "v": "2"}, {"n": "z", "v": 2.5}, {"n": None, "v": None}, {"v": True}], "e": None, "f": 1.5, "g": True, "h": [], "i": {}, "j": [[1, 2], [1], ["a"]], "k": "", "l": [1, "a", None], "m": -7, "s": "hello world", "u": "ünï€ode"},
  {"d": [{"n": "b", "v": 2}, {"n": "a", "v": 2}, {"n": "c", "v": 1.5}, {"n": "a", "v": 1}], "e": [{"n": "x"}, {"v": 1}, {"n": "y", "v": "s"}], "f": [3, 1.5, True, 0, -2], "g": ["b", "a", "ab", ""], "h": [[2, 1], [1, 2, 3], [1, 2]], "k": {"z": 1, "a": 2}},
  [1, 2, {"a": 3}], "just a string", 42, None, {"x": {"x": {"x": 1}}, "y": [{"x": 2}, {"z": [{"x": 3}]}]},
]
docs += [canon(d) for d in extra]
corpus = [e for e, s in json.load(open(_os.path.join(WORK, 'corpus.json')))]
def paths(v, prefix, out):
    out.append(prefix)
    if isinstance(v, dict):
        for k in v: paths(v[k], prefix + [k], out)
    elif isinstance(v, list):
        for i, x in enumerate(v[:4]): paths(x, prefix + [i], out)
    return out
def render(p):
    s = R.choice(['$.', '', '$.', '']) if p else R.choice(['$', '`this`', '@'])
    first = True
    for k in p:
        if isinstance(k, int):
            r = R.random()
            if r < 0.4: s += '[%d]' % k
            elif r < 0.6: s += ('' if first else '.') + '[%d]' % k
            elif r < 0.8: s += '[*]'
            else: s += R.choice(['[%d:]' % k, '[:%d]' % (k+1), '[-1]', '[%d:%d]' % (k, k+1)])
        else:
            sep = '' if first else '.'
            if not k.replace('_', 'a').isalnum() or k in ('where',) or k.startswith(('true', 'false')) or k[0].isdigit():
                s += sep + "'" + k.replace("'", "\\'") + "'"
            else:
                r = R.random()
                if r < 0.8: s += sep + k
                elif r < 0.88: s += sep + '*'
                elif r < 0.94: s += ('..' if not first else '') + k
                else: s += sep + '"' + k + '"'
        first = False
    if s.endswith('.'): s = s[:-1]
    return s or '$'
def lit(v):
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return repr(v)
    if isinstance(v, str) and v and all(c.isalnum() or c in '_-' for c in v) and v[0].isalpha() and not v.startswith(('true','false')) and v != 'where': return R.choice([v, "'%s'" % v])
    if isinstance(v, str): return "'" + v.replace('\\', '\\\\').replace("'", "\\'") + "'"
    return 'x'
def gen(doc):
    ps = paths(doc, [], [])
    p = R.choice(ps)
    base = render(p)
    r = R.random()
    if r < 0.25: return base
    # find list ancestors for filters
    lists = [q for q in ps if isinstance(get(doc, q), list) and get(doc, q)]
    if r < 0.45 and lists:
        q = R.choice(lists); lst = get(doc, q); el = R.choice(lst)
        cond = 'x'
        if isinstance(el, dict) and el:
            k = R.choice(list(el)); v = el[k]
            op = R.choice(['=', '==', '!=', '<', '<=', '>', '>=', '~', '='])
            val = v if not isinstance(v, (dict, list)) else 'x'
            if op == '~': val = R.choice(['cpu.*', '.*', 'x', '[a-z]+$', '^c'])
            if R.random() < 0.2: val = R.choice([0, 1, 2.5, True, 'abc', -1])
            cond = R.choice(['@.', '', '$.']) + k + op + lit(val)
            if R.random() < 0.2: cond = R.choice(['@.', '']) + k
            if R.random() < 0.3: cond = '(' + cond + ')'
            if R.random() < 0.15: cond += '&' + R.choice(['@.', '']) + R.choice(list(el)) 
        else:
            cond = R.choice(['@', '`this`']) + R.choice(['=', '>', '<', '~', '!=']) + lit(el if not isinstance(el, (dict, list)) else 'x')
        tail = ''
        rest = p[len(q)+1:] if p[:len(q)] == q and len(p) > len(q) else []
        if rest: tail = '.' + render(rest).lstrip('$').lstrip('.')
        tail = tail.rstrip('.')
        return render(q) + R.choice(['', '.']) + '[?' + cond + ']' + tail
    if r < 0.6:
        other = render(R.choice(ps))
        opnd = R.choice([other, '1', '2', '-3', '2.5', "'s'", 'x', '"pre-"', '0'])
        op = R.choice([' + ', ' - ', ' * ', '+', '*', ' / '])
        return R.choice([base + op + opnd, opnd + op + base, base + op + opnd + op + R.choice([other, '1', "'t'"])])
    if r < 0.72:
        return base + R.choice(['.`len`', '.`sorted`', '[/x]', '[\\x]', '[/name,\\v]', '[/v]', '.`split(., 1, -1)`', '.`split(-, 0, 1)`',
                                '.`split( , 1, 2)`', '.`sub(/.*/, )`', '.`sub(/[0-9]/, N)`', '.`sub(/(a)(b)?/, \\2\\1)`', '.`sub(/^/, x)`', '.`sub(/$/, !)`', '.`sub(/a*/, -)`',
                                '.`this`', '.`parent`', '.`parent`.`parent`', '`len`'])
    if r < 0.76 and lists:
        q = render(R.choice(lists))
        return q + R.choice(['[/v]', '[\\v]', '[/n]', '[\\n,/v]', '[/value]', '[\\name]', '[/name,/value]', '.`sorted`', '[/x]', '[\\`this`]', '[/@]']) + R.choice(['', '[0]', '.`len`', '[*].name', '[-1]'])
    if r < 0.82:
        return base + R.choice(['|', '|', '&', ' where ', '..']) + render(R.choice(ps))
    if r < 0.9:
        return '(' + base + ')|(' + render(R.choice(ps)) + ')'
    return base + R.choice(['..x', '..*', '..[0]', '..[*]', '.*', '[*]', '[0]', '.[*].[*]', '..name', '[1:]', '[-2:]', '[:-1]'])
def get(doc, q):
    for k in q: doc = doc[k]
    return doc
def main():
    n = int(sys.argv[1])
    out = []
    seen = set()
    for e in corpus:
        for d in docs[:]:
            if R.random() < 0.35:
                res = evaluate(e, d)
                if res is not None: out.append([e, d, res])
    while len(out) < n:
        d = R.choice(docs)
        e = gen(d)
        if (e, id(d)) in seen: continue
        seen.add((e, id(d)))
        res = evaluate(e, d)
        if res is None: continue
        out.append([e, d, res])
    json.dump(out, sys.stdout, allow_nan=False)
if __name__ == '__main__':
    main()
