"""Layer-wise analyses of trained networks (Appendices F, G, H), as functions over parameters.

Each takes a model and one seed's parameters (or parameters with a leading seed axis where it says so)
and returns arrays; figures are drawn by identity_jax.analyses.figures.
  collapse        representation collapse per layer: the averaging classifier (Fig 10, App. F)
  layer_views     intermediate layers as images (Fig 11-14, 19)
  weight_change   relative l2 distance from init per layer (Fig 15-17, App. G)
  upper           upper subnetworks fed test patterns directly (Fig 20-22, App. H.2)
  sizes           predictions at other input sizes (Fig 3b, 18)
"""
