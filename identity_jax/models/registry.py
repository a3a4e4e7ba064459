"""Model families by name. A family is one module in identity_jax/models/: its config dataclass (the
model.* fields it reads, validated when built), its flax module, and what the analyses need to know.

The config's `model` section is flat: `name` picks the family, and the section holds the fields of
every registered family at their defaults (config.base_config builds it from this registry), so one
command line can switch families. A cell may set only its own family's fields: setting another
family's field to a non-default value is an error, not silently ignored.
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
  module: type                       # the flax module class `build` returns
  # Its layers' outputs are images (B, H, W, C) and it takes any input size: the layer views,
  # upper subnetworks and other-input-size analyses apply (ConvNets, not FCNs).
  image_layers: bool = False


_FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
  """Adds a family (each family module calls this once at import). Its fields may be shared with
  other families only with the same default."""
  for f in dataclasses.fields(family.config):
    for other in _FAMILIES.values():
      same = {g.name: g for g in dataclasses.fields(other.config)}.get(f.name)
      if same is not None and same.default != f.default and other.name != family.name:
        raise ValueError(f"family {family.name}: field {f.name} defaults to {f.default!r}, "
                         f"family {other.name} to {same.default!r}")
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


def default_fields() -> dict:
  """Every registered family's fields at their defaults: the config's model section, less `name`."""
  return {f.name: f.default for fam in _FAMILIES.values() for f in dataclasses.fields(fam.config)}


def parse(section) -> tuple[Family, Any]:
  """(family, its typed config) from a model section (a mapping or ConfigDict); ConfigError names
  any bad field."""
  section = dict(section)
  family = get(section.pop("name"))
  own = {f.name for f in dataclasses.fields(family.config)}
  defaults = default_fields()
  for key, value in section.items():
    if key in own:
      continue
    if key not in defaults:
      raise ConfigError(f"unknown field model.{key}",
                        f"use one of: name, {', '.join(sorted(defaults))}")
    if value != defaults[key]:
      raise ConfigError(f"model.{key} = {value!r} is not a field of model.name {family.name!r}",
                        f"remove it, or set model.name to a family that has it; {family.name} "
                        f"reads {', '.join(sorted(own))}")
  return family, family.config(**{k: v for k, v in section.items() if k in own})
