"""tgraph.gradient: Theano's theano.gradient: grad, jacobian, hessian, Lop, Rop,
verify_grad, and the gradient-modifying identities (zero_grad, disconnected_grad,
grad_clip, grad_scale). Gradients are graphs: they are printed, rewritten and compiled
like any other expression."""
import numpy as np

from . import _tgraph as _t


class GradientError(Exception):
    """verify_grad found the symbolic gradient to disagree with finite differences."""

    def __init__(self, arg, err_pos, abs_err, rel_err, abs_tol, rel_tol):
        super().__init__(
            "gradient of input %d disagrees with finite differences at flat position %d: "
            "abs error %g (tolerance %g), rel error %g (tolerance %g)"
            % (arg, err_pos, abs_err, abs_tol, rel_err, rel_tol))
        self.arg, self.err_pos = arg, err_pos
        self.abs_err, self.rel_err = abs_err, rel_err
        self.abs_tol, self.rel_tol = abs_tol, rel_tol


class DisconnectedInputError(ValueError):
    pass


zero_grad = _t.zero_grad
disconnected_grad = _t.disconnected_grad
grad_clip = _t.grad_clip
grad_scale = _t.grad_scale


def consider_constant(x):
    return _t.disconnected_grad(x)


def _as_list(x):
    return (list(x), False) if isinstance(x, (list, tuple)) else ([x], True)


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True,
         known_grads=None, return_disconnected="zero", null_gradients="raise"):
    """Gradients of the scalar cost with respect to wrt (a variable or a list of them);
    the result has wrt's structure. disconnected_inputs: 'raise', 'warn' or 'ignore'.
    known_grads: {variable: gradient} to start from (cost may then be None)."""
    wl, single = _as_list(wrt)
    kv = kg = None
    if known_grads:
        kv = list(known_grads.keys())
        kg = [known_grads[k] for k in kv]
    if return_disconnected not in ("zero", "None", "Disconnected"):
        raise ValueError("return_disconnected must be 'zero', 'None' or 'Disconnected'")
    gs = _t.grad(cost, wl, consider_constant, disconnected_inputs, kv, kg,
                 return_disconnected != "zero")
    if add_names and cost is not None and getattr(cost, "name", None):
        for g, w in zip(gs, wl):
            if g is not None and w.name and g.name is None:
                g.name = "(d%s/d%s)" % (cost.name, w.name)
    return gs[0] if single else gs


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """d expression / d wrt: expression 0-d or a vector of static length."""
    wl, single = _as_list(wrt)
    js = [_t.jacobian(expression, w) for w in wl]
    return js[0] if single else js


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """Second derivatives of the scalar cost with respect to wrt (each a vector)."""
    wl, single = _as_list(wrt)
    hs = [_t.hessian(cost, w) for w in wl]
    return hs[0] if single else hs


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """Vector-Jacobian product: eval_points (like f) times d f / d wrt; wrt's structure."""
    fl, _ = _as_list(f)
    el, _ = _as_list(eval_points)
    wl, single = _as_list(wrt)
    r = _t.Lop(fl, wl, el)
    return r[0] if single else r


def Rop(f, wrt, eval_points, disconnected_outputs="raise", return_disconnected="zero"):
    """Jacobian-vector product: d f / d wrt times eval_points (like wrt); f's structure."""
    fl, single = _as_list(f)
    wl, _ = _as_list(wrt)
    el, _ = _as_list(eval_points)
    r = _t.Rop(fl, wl, el)
    return r[0] if single else r


def numeric_grad(fn, pt, eps):
    """Central differences of the scalar fn at the points pt (a list of arrays)."""
    grads = []
    for i, p in enumerate(pt):
        g = np.zeros(p.shape, dtype="float64")
        flat = p.reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            flat[k] = orig + eps
            hi = float(fn(*pt))
            flat[k] = orig - eps
            lo = float(fn(*pt))
            flat[k] = orig
            g.reshape(-1)[k] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None,
                rel_tol=None, mode=None, cast_to_output_type=False, no_debug_ref=True):
    """Check fun's symbolic gradient at the points pt against central differences along
    random projections of its output (theano.gradient.verify_grad). Raises
    verify_grad.E_grad (GradientError) when they disagree beyond both tolerances."""
    from .compile import function, shared
    from .tensor.type import TensorType

    pt = [np.array(p) for p in pt]
    for p in pt:
        if p.dtype not in (np.float32, np.float64):
            raise TypeError("verify_grad works on float32 and float64 inputs, not %s" % p.dtype)
    if rng is None:
        rng = np.random.RandomState(42)
    low = any(p.dtype == np.float32 for p in pt)
    eps = eps or (1e-3 if low else 1e-6)
    abs_tol = abs_tol if abs_tol is not None else (1e-2 if low else 1e-4)
    rel_tol = rel_tol if rel_tol is not None else (1e-2 if low else 1e-4)

    ins = [TensorType(p.dtype, shape=(None,) * p.ndim)("input %d" % i) for i, p in enumerate(pt)]
    o = fun(*ins)
    if isinstance(o, (list, tuple)):
        raise TypeError("verify_grad: fun must return one variable")
    o_val = function(ins, o, mode=mode)(*[p.copy() for p in pt])
    proj = shared(np.asarray(rng.rand(*np.shape(o_val)) + 0.5, dtype=o.dtype), name="projection")
    cost = (proj * o).sum()
    cost_fn = function(ins, cost, mode=mode)
    grad_fn = function(ins, grad(cost, ins, disconnected_inputs="ignore"), mode=mode)
    for _ in range(n_tests):
        num = numeric_grad(cost_fn, [p.copy().astype("float64") if False else p.copy() for p in pt], eps)
        ana = grad_fn(*[p.copy() for p in pt])
        for i, (a, n) in enumerate(zip(ana, num)):
            a = np.asarray(a, dtype="float64")
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if bad.any():
                k = int(np.argmax(np.where(bad, abs_err, -1)))
                raise GradientError(i, k, float(abs_err.reshape(-1)[k]),
                                    float(rel_err.reshape(-1)[k]), abs_tol, rel_tol)
        proj.set_value(np.asarray(rng.rand(*np.shape(o_val)) + 0.5, dtype=o.dtype))


verify_grad.E_grad = GradientError
