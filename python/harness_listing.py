"""`harness.py list`: the functions a Python file defines, found by Python's own ast.

Top-level functions, and the static and class methods of top-level classes as
"Class.method"; every other top-level name is listed as another binding, so the
engine can say why it is not profilable.
"""
import ast

from harness_errors import exception_text


def name_column(lines, node):
    """0-based column of the function's name (ast gives the `def`/`async` keyword)."""
    if node.lineno - 1 >= len(lines):
        return node.col_offset
    text = lines[node.lineno - 1]
    at = text.find(node.name, node.col_offset)
    return at if at >= 0 else node.col_offset


def function_entry(name, node, lines):
    """One listed function: where it is, whether it is async, and its decorators."""
    return {
        "name": name,
        "line": node.lineno,
        "column": name_column(lines, node),
        "endLine": getattr(node, "end_lineno", None) or node.lineno,
        "isAsync": isinstance(node, ast.AsyncFunctionDef),
        "decoratorLine": min((d.lineno for d in node.decorator_list), default=None),
        "decorators": len(node.decorator_list),
    }


def list_bindings(source):
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return {
            "error": {
                "line": e.lineno or 1,
                "col": e.offset or 1,
                "msg": e.msg or "invalid syntax",
                "text": (e.text or "").rstrip("\n"),
            }
        }
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        # Null bytes (ValueError before 3.11.4) and nesting too deep for the parser
        # (MemoryError / RecursionError) would otherwise end the list with a traceback.
        why = "the code nests too deeply for Python's parser" if not isinstance(e, ValueError) else exception_text(e)
        return {"error": {"line": 1, "col": 1, "msg": why, "text": ""}}
    lines = source.splitlines()
    functions = {}
    others = {}

    def drop_members(name):
        for table in (functions, others):
            for key in [k for k in table if k.startswith(name + ".")]:
                table.pop(key)

    def bind_other(name, what, line):
        functions.pop(name, None)
        drop_members(name)
        others[name] = {"name": name, "what": what, "line": line}

    def bind_targets(target, line):
        if isinstance(target, ast.Name):
            bind_other(target.id, "variable", line)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                bind_targets(elt, line)
        elif isinstance(target, ast.Starred):
            bind_targets(target.value, line)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A later binding of the same name wins, as it does at import time.
            others.pop(node.name, None)
            drop_members(node.name)
            functions.pop(node.name, None)
            functions[node.name] = function_entry(node.name, node, lines)
        elif isinstance(node, ast.ClassDef):
            # bind_other also drops the methods of an earlier class of that name.
            bind_other(node.name, "class", node.lineno)
            for member in class_methods(node, lines):
                if member["kind"] is None:
                    # Named in "needs an instance" errors, never profiled.
                    others[member["name"]] = {"name": member["name"], "what": "method that needs an instance", "line": member["line"]}
                else:
                    functions[member["name"]] = member
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                bind_targets(t, node.lineno)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            bind_targets(node.target, node.lineno)
    return {"functions": list(functions.values()), "others": list(others.values())}


def method_kind(node):
    """"staticmethod" or "classmethod" when a plain decorator says so, else None."""
    for d in node.decorator_list:
        if isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod"):
            return d.id
    return None


def class_methods(cls, lines):
    """The methods of a top-level class, as "Class.method": static and class methods
    (kind set) can be called without an instance; plain instance methods (kind None) are
    returned only so errors can name them. Nested classes are left out."""
    found = {}
    for node in cls.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A later assignment of the same name in the class body replaces the def.
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        found.pop(t.id, None)
            continue
        kind = method_kind(node)
        found.pop(node.name, None)
        if kind is None and (node.decorator_list or not (node.args.posonlyargs or node.args.args)):
            # A property, another decorator, or no `self`: not plainly an instance method.
            continue
        found[node.name] = function_entry("%s.%s" % (cls.name, node.name), node, lines)
        found[node.name]["kind"] = kind
    return list(found.values())
