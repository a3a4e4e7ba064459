"""The package's architecture as a rule: each subpackage imports only from the layers below it (or
within itself), and no module imports itself back through others (no cycle)."""

import ast
import pathlib

import identity_jax

PACKAGE = pathlib.Path(identity_jax.__file__).parent
# Bottom to top. Study configs (configs/) are data read by study/config.py, written with its helpers.
LAYERS = [{"errors"}, {"atomic"}, {"measures", "data", "models"}, {"training"}, {"study"},
          {"analyses", "configs"}, {"reporting"}, {"runs"}, {"commands"}]
RANK = {part: i for i, parts in enumerate(LAYERS) for part in parts}


def _modules() -> dict:
  """Module name -> the identity_jax modules it imports (what `from a.b import c` names: a.b.c when
  that is a module, else a.b)."""
  files = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
           for p in PACKAGE.rglob("*.py")}
  imports = {}
  for name, path in files.items():
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
      if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("identity_jax"):
        for alias in node.names:
          full = f"{node.module}.{alias.name}"
          found.add(full if full in files else node.module)
      elif isinstance(node, ast.Import):
        found |= {a.name for a in node.names if a.name.startswith("identity_jax")}
    imports[name] = found - {name, "identity_jax"}
  return imports


def _part(module: str) -> str:
  return module.split(".")[1]


def test_every_subpackage_has_a_layer():
  parts = {_part(m) for m in _modules() if m.count(".") >= 1}
  assert parts <= set(RANK), f"subpackages without a layer: {parts - set(RANK)}"


def test_no_import_runs_up_a_layer_or_across():
  wrong = [f"{m} imports {t}" for m, targets in _modules().items() if m.count(".") >= 1
           for t in targets if _part(t) != _part(m) and RANK[_part(t)] >= RANK[_part(m)]]
  assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
  imports = _modules()
  state = {}

  def visit(m, path):
    if state.get(m) == "done":
      return
    assert state.get(m) != "open", " -> ".join(path + [m])
    state[m] = "open"
    for t in sorted(imports.get(m, ())):
      visit(t, path + [m])
    state[m] = "done"

  for m in sorted(imports):
    visit(m, [])
