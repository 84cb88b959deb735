"""Part of the differential check of nepho-jsonpath against jsonpath-rw 1.4.0 +
jsonpath-rw-ext 1.2.2 (see README.md). Development tool, not shipped."""
import os as _os
WORK = _os.environ.get('JSONPATH_WORK', '/tmp/jpwork')
REPO = _os.path.abspath(_os.path.join(_os.path.dirname(__file__), '../../../..'))
import json, sys, io, contextlib
from jsonpath_rw_ext import parser as P
import jsonpath_rw as J
from jsonpath_rw_ext import _arithmetic, _filter, _iterable, _string
import operator
OPS = {operator.add: '+', operator.sub: '-', operator.mul: '*', operator.truediv: '/'}
def js(s):
    return json.dumps(s, ensure_ascii=False)
def ast(n):
    """Canonical s-expression of a node, to compare with Rust."""
    if isinstance(n, _iterable.SortedThis):
        if n.expressions is None: return 'Sorted'
        return 'Sort(' + ','.join('%s%s' % ('\\' if rev else '/', ast(f)) for f, rev in n.expressions) + ')'
    if isinstance(n, _string.Split): return 'Split(%s,%d,%d)' % (js(n.char), n.segment, n.max_split)
    if isinstance(n, _string.Sub): return 'Sub(%s,%s)' % (js(n.expr), js(n.repl))
    if isinstance(n, _iterable.Len): return 'Len'
    if isinstance(n, J.Root): return 'Root'
    if isinstance(n, J.This): return 'This'
    if isinstance(n, J.Parent): return 'Parent'
    if isinstance(n, J.Fields): return 'Fields(' + ','.join(js(f) for f in n.fields) + ')'
    if isinstance(n, J.Index): return 'Index(%d)' % n.index
    if isinstance(n, J.Slice): return 'Slice(%r,%r)' % (n.start, n.end)
    for cls, name in [(J.Child, 'Child'), (J.Descendants, 'Desc'), (J.Where, 'Where'), (J.Union, 'Union'), (J.Intersect, 'Intersect')]:
        if type(n) is cls: return '%s(%s,%s)' % (name, ast(n.left), ast(n.right))
    if isinstance(n, _arithmetic.Operation):
        return 'Op(%s%s%s)' % (lit(n.left), OPS[n.op], lit(n.right))
    if isinstance(n, _filter.Filter):
        return 'Filter(' + ','.join(ast(e) for e in n.expressions) + ')'
    if isinstance(n, _filter.Expression):
        if n.op is None: return 'Expr(%s)' % ast(n.target)
        return 'Expr(%s%s%s)' % (ast(n.target), '=' if n.op == '==' else n.op, lit(n.value))
    return 'UNKNOWN(%r)' % n
def lit(v):
    if isinstance(v, J.JSONPath): return ast(v)
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, float): return 'f' + repr(v)
    if isinstance(v, int): return 'i%d' % v
    return 's' + js(v)
def parse(s):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return ast(P.ExtentedJsonPathParser().parse(s))
    except Exception as e:
        return 'ERR'
if __name__ == '__main__':
    exprs = json.load(sys.stdin)
    json.dump([parse(e) for e in exprs], sys.stdout)
