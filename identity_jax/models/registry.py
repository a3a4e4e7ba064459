"""Model families by name. A family is one module in identity_jax/models/: its config dataclass (the
model fields it reads, validated when built), its flax module, and what the analyses need to know.

Each family has its own config section, model.<family> (config.base_config builds one per registered
family from this registry), and model.name picks the family a cell trains. A cell's resolved config
(study/cell.py) keeps only its own family's fields, so its fingerprint covers those alone: a family
registered later adds a section, and every existing workdir still resumes.
"""

import dataclasses
from typing import Any, Callable

import flax.linen as nn

from identity_jax.errors import ConfigError, check_choice


@dataclasses.dataclass(frozen=True)
class Family:
  name: str
  config: type                      # frozen dataclass; validates in __post_init__; has `depth`
  build: Callable[[Any], nn.Module]  # config -> module mapping (B, H, W) images to (B, H, W)
  module: type                       # the flax module class `build` returns; its config is `cfg`
  # Its layers' outputs are images (B, H, W, C) and it takes any input size: the layer views,
  # upper subnetworks and other-input-size analyses apply (ConvNets, not FCNs).
  image_layers: bool = False


_FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
  """Adds a family (each family module calls this once at import)."""
  _FAMILIES[family.name] = family
  return family


def unregister(name: str) -> None:
  _FAMILIES.pop(name, None)


def names() -> tuple[str, ...]:
  return tuple(_FAMILIES)


def get(name: str) -> Family:
  check_choice("model.name", name, _FAMILIES)
  return _FAMILIES[name]


def family_of(model: nn.Module) -> Family:
  for family in _FAMILIES.values():
    if isinstance(model, family.module):
      return family
  raise ConfigError(f"{type(model).__name__} is not a registered model family",
                    "register its family (identity_jax/models/registry.py)")


def defaults(name: str) -> dict:
  """Family `name`'s fields at their defaults: its config section."""
  return {f.name: f.default for f in dataclasses.fields(get(name).config)}


def parse(section) -> tuple[Family, Any]:
  """(family, its typed config) from a cell's resolved model section: `name` and that family's
  fields (a mapping or ConfigDict); ConfigError names any bad field."""
  section = dict(section)
  family = get(section.pop("name"))
  own = defaults(family.name)
  for key in section:
    if key not in own:
      raise ConfigError(f"model.{key} is not a field of model.name {family.name!r}",
                        f"{family.name} reads {', '.join(sorted(own))}")
  return family, family.config(**section)
