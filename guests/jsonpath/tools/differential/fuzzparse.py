"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, sys, random, io, contextlib, logging
sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from pyparse import ast
from jsonpath_rw_ext import parser as P
from jsonpath_rw import parser as BP
import ply.yacc
logging.disable(logging.CRITICAL)
pobj = P.ExtentedJsonPathParser()
yp = ply.yacc.yacc(module=pobj, start='jsonpath', write_tables=0, debug=False, errorlog=ply.yacc.NullLogger())
def parse(s):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return ast(yp.parse(lexer=BP.IteratorToTokenStream(P.ExtendedJsonPathLexer().tokenize(s))))
    except Exception:
        return 'ERR'
R = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
ATOMS = ['a', 'b', 'foo_bar', 'x-y', '$', '@', '*', "'q.r'", '"d q"', '`len`', '`sorted`', '`this`', '`parent`',
         '`split(., 1, -1)`', '`split(-, 0, 1)`', '`sub(/a+/, X)`', '`sub(/.*/, )`', '1', '0', '-1', '2.5', 'true', 'false', '@name', 'where', 'trueish']
PUNCT = ['.', '..', '|', '&', ' where ', '[', ']', '(', ')', '+', '-', '*', '/', '\\', ',', ':', '?', '=', '==', '!=', '<', '<=', '>', '>=', '~', ' ', ' + ', ' * ', ' - ']
def gen_path(d):
    r = R.random()
    if d > 3 or r < 0.3:
        return R.choice(ATOMS[:13] + ATOMS[13:17] + ['a', 'b', 'c'])
    if r < 0.45: return gen_path(d+1) + R.choice(['.', '..', '|', '&', ' where ']) + gen_path(d+1)
    if r < 0.55: return gen_path(d+1) + R.choice(['[0]', '[-1]', '[*]', '[1:]', '[:2]', '[a,b]', "['x']", '[2]'])
    if r < 0.65: return '(' + gen_path(d+1) + ')'
    if r < 0.8: return gen_path(d+1) + R.choice([' + ', ' - ', ' * ', '+', '*', '-', ' / ']) + R.choice([gen_path(d+1), '1', '2.5', "'s'", 'x'])
    if r < 0.92: return gen_path(d+1) + '[?' + gen_expr(d+1) + ']'
    return gen_path(d+1) + '[' + R.choice(['/', '\\']) + gen_path(d+1) + R.choice(['', ',/b', ',\\c', '/d']) + ']'
def gen_expr(d):
    e = gen_path(d+1)
    if R.random() < 0.7:
        e += R.choice(['=', '==', '!=', '<', '<=', '>', '>=', '~', ' = ']) + R.choice(['x', "'a.b'", '1', '-2', '2.5', 'true', 'false', '"cpu.*"'])
    r = R.random()
    if r < 0.2: e = '(' + e + ')'
    elif r < 0.35: e = e + '&' + gen_expr(d+1)
    return e
def mutate(s):
    toks = list(s)
    for _ in range(R.randint(1, 3)):
        op = R.random()
        i = R.randint(0, len(toks))
        if op < 0.4: toks.insert(i, R.choice(PUNCT + ATOMS))
        elif op < 0.7 and toks: del toks[min(i, len(toks)-1)]
        elif toks: toks[min(i, len(toks)-1)] = R.choice(PUNCT)
    return ''.join(toks)
n = int(sys.argv[1])
out = []
seen = set()
while len(out) < n:
    s = gen_path(0)
    if R.random() < 0.35: s = mutate(s)
    if s in seen: continue
    seen.add(s)
    out.append([s, parse(s)])
json.dump(out, sys.stdout)
