#!/usr/bin/env python3
"""gen_api_doc.py: write docs/api.md from the public headers. Every public function's
one-line comment sits right above its declaration; this lists them per header, so the
reference cannot drift from the code (tests/api_doc.sh fails when it is stale)."""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
order = ["common.h", "array.h", "graph.h", "ops.h", "function.h", "tgraph.h"]
headers = sorted((root / "include/tgraph").glob("*.h"),
                 key=lambda p: (order.index(p.name) if p.name in order else 99, p.name))
out = ["# tgraph C API reference", "",
       "Generated from `include/tgraph/*.h` by `scripts/gen_api_doc.py`; do not edit by hand.",
       "Each entry is the declaration and its one-line comment. Conventions (errors, ownership,",
       "threads) are in [guide.md](guide.md).", ""]
missing = []
for h in headers:
    text = h.read_text()
    top = re.match(r"/\*(.*?)\*/", text, re.S)
    out += [f"## `tgraph/{h.name}`", ""]
    if top:
        out += [" ".join(l.strip(" *") for l in top.group(1).splitlines()).strip(), ""]
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("TG_API "):
            decl = line[len("TG_API "):].strip()
            start = i
            while not decl.endswith(";"):
                i += 1
                decl += " " + lines[i].strip()
            decl = re.sub(r"\s+", " ", decl)
            # the comment block right above
            j = start - 1
            comment = ""
            if j >= 0 and "*/" in lines[j]:
                k = j
                while k >= 0 and "/*" not in lines[k]:
                    k -= 1
                comment = " ".join(l.strip().lstrip("/*").rstrip("*/").strip()
                                   for l in lines[k:j + 1]).strip()
            name = re.search(r"(tg_\w+)\s*\(", decl).group(1)
            if not comment:
                missing.append(name)
            out += [f"- `{decl}`  ", f"  {comment}"]
        i += 1
    out.append("")
if missing:
    sys.stderr.write("functions without a comment: " + ", ".join(missing) + "\n")
    sys.exit(1)
sys.stdout.write("\n".join(out))
