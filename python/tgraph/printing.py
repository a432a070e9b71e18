"""tgraph.printing: Theano's theano.printing (debugprint, pp, pydotprint)."""
import os
import shutil
import subprocess
import sys

from . import _tgraph as _t


def _targets(obj):
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def debugprint(obj, file=None, depth=-1, print_type=False, ids="CHAR", stop_on_name=False,
               done=None, print_storage=False, print_clients=False, used_ids=None):
    """Print an indented tree of the graph of a variable, a list of them or a compiled
    function (its rewritten graph). file=None prints to stdout; file='str' returns the text."""
    if isinstance(obj, _t.Function):
        text = obj.debugprint_str()
    else:
        text = _t.debugprint_str(_targets(obj))
    if file == "str":
        return text
    out = sys.stdout if file is None else file
    out.write(text)
    return out


def pp(var):
    """The infix form of a variable's graph, e.g. '(x + y)'."""
    return _t.pp(var)


def dot_text(obj):
    """Graphviz DOT text of a compiled function's graph, or of variables' graphs."""
    if isinstance(obj, _t.Function):
        return obj.dot_str()
    return _t.dot_str(_targets(obj))


def pydotprint(fct, outfile=None, compact=True, format="png", with_ids=False,
               high_contrast=True, cond_highlight=None, colorCodes=None, max_label_size=70,
               scan_graphs=False, var_with_name_simple=False, print_output_file=True,
               return_image=False):
    """Write the graph of a compiled function or of variables as an image. format 'dot'
    writes Graphviz's text itself; other formats (svg, png, pdf) run Graphviz's `dot`."""
    dot = dot_text(fct)
    if format == "dot":
        data = dot.encode()
    else:
        exe = shutil.which("dot")
        if exe is None:
            raise RuntimeError("pydotprint: Graphviz's `dot` program is needed to write %s "
                               "(install graphviz), or use format='dot'" % format)
        data = subprocess.run([exe, "-T" + format], input=dot.encode(), stdout=subprocess.PIPE,
                              check=True).stdout
    if return_image:
        return data
    if outfile is None:
        outfile = os.path.join(os.getcwd(), "tgraph.pydotprint." + format)
    with open(outfile, "wb") as f:
        f.write(data)
    if print_output_file:
        print("The output file is available at", outfile)
    return outfile
